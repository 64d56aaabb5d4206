/* vm.c - the bytecode interpreter: one CPython 3.13 op of one task per call.
 *
 * What a CALL, SEND or BEFORE_WITH does is known when the lesson is
 * compiled (instr.kind), so the interpreter never inspects a callable; the
 * references it pushes (NULL, functions, iterators, coroutines) keep the
 * stack the shape CPython's is, for students to read.
 */
#include "vm.h"

#include <string.h>
#include <sys/mman.h>

#include "sync.h"

const char *const vm_error_text[ERR_COUNT] = {
#define X(id, text) text,
    VM_ERRORS(X)
#undef X
};

/* ---- boxed integers (vm.h, REF_INT) ------------------------------------- */

/* An open-addressing set of numbers, lock-free so that threads and the
 * processes of a real run (the mapping is shared across fork) can add to
 * it at once.  A number's index is its slot; 0 marks an empty slot (0
 * never needs a box).  Slots are never emptied, so a number keeps its
 * index and two values are equal exactly when their numbers are. */
#define BOX_SLOTS (2 * VM_MAX_BOXED)

struct vm_boxes {
    _Atomic int64_t slot[BOX_SLOTS];
    atomic_int count;
};

struct vm_boxes *vm_boxes_new(void)
{
    void *m = mmap(NULL, sizeof(struct vm_boxes), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    if (m == MAP_FAILED)
        die("out of memory");
    return m;           /* zero-filled: every slot empty */
}

void vm_boxes_free(struct vm_boxes *b)
{
    if (b)
        munmap(b, sizeof(*b));
}

int vm_box(const struct program *prog, int64_t n, int64_t *out)
{
    struct vm_boxes *b = prog->boxed;
    uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ull;
    uint32_t i = (uint32_t)(h >> 40) & (BOX_SLOTS - 1);

    if (!vm_needs_box(n)) {
        *out = n;
        return 0;
    }
    for (int k = 0; k < BOX_SLOTS; k++, i = (i + 1) & (BOX_SLOTS - 1)) {
        int64_t cur = atomic_load_explicit(&b->slot[i], memory_order_acquire);

        if (cur == 0) {
            if (atomic_load_explicit(&b->count, memory_order_relaxed) >=
                VM_MAX_BOXED)
                return -1;
            if (atomic_compare_exchange_strong_explicit(
                    &b->slot[i], &cur, n, memory_order_acq_rel,
                    memory_order_acquire)) {
                atomic_fetch_add_explicit(&b->count, 1, memory_order_relaxed);
                cur = n;
            }
        }
        if (cur == n) {
            *out = VM_REF(REF_INT, i);
            return 0;
        }
    }
    return -1;
}

int64_t vm_unbox(const struct program *prog, int64_t v)
{
    uint32_t i = vm_ref_index(v);

    if (i >= BOX_SLOTS)
        return v;
    return atomic_load_explicit(&prog->boxed->slot[i], memory_order_acquire);
}

static void ensure_slots(struct vm *vm, uint32_t need)
{
    if (need <= vm->cap)
        return;
    size_t cap = vm->cap;

    XGROW(vm->slots, cap, need);
    vm->cap = (uint32_t)cap;
}

/* Where the frame above frame f starts: past f's locals and deepest stack. */
static uint32_t frame_end(const struct program *prog, const struct vm_frame *f)
{
    const struct func *fn = &prog->funcs[f->fn];

    return f->base + (uint32_t)(fn->nlocals + fn->maxstack);
}

static void push_frame(struct vm *vm, const struct program *prog, int fn,
                       uint32_t base)
{
    const struct func *f = &prog->funcs[fn];
    struct vm_frame *fr = &vm->frames[vm->nframes];

    ensure_slots(vm, base + (uint32_t)(f->nlocals + f->maxstack) + 1);
    for (int i = 0; i < f->nlocals; i++)
        vm->slots[base + (uint32_t)i] = VM_UNSET;
    fr->pc = f->code_start;
    fr->base = base;
    fr->sp = base + (uint32_t)f->nlocals;
    fr->fn = (uint16_t)fn;
    fr->pad = 0;
    vm->cur = vm->nframes++;
    vm->sp = fr->sp;
}

void vm_init(struct vm *vm, const struct program *prog, int fn,
             const int64_t *args, int nargs)
{
    const struct func *f = &prog->funcs[fn];

    memset(vm, 0, sizeof(*vm));
    push_frame(vm, prog, fn, 0);
    for (int i = 0; i < nargs && i < f->nlocals; i++)
        if (vm_box(prog, args[i], &vm->slots[i]))      /* numbers */
            vm->slots[i] = VM_UNSET;
    if (f->is_async) {
        /* The event loop received the coroutine object (RETURN_GENERATOR
         * ran in the code that made it) and starts it by sending None. */
        vm->frames[0].pc++;
        vm->slots[vm->frames[0].sp++] = VM_REF(REF_NONE, 0);
        vm->sp = vm->frames[0].sp;
    }
}

int vm_init_spawned(struct vm *vm, const struct program *prog,
                    const struct vm_effect *eff)
{
    vm_done(vm);
    vm_init(vm, prog, eff->index, NULL, 0);
    for (int i = 0; i < eff->nvals && i < prog->funcs[eff->index].nlocals; i++) {
        int64_t v = eff->vals[i];

        /* a constant tuple holds plain numbers; a built one, values */
        if (vm_is_num(v) && vm_box(prog, vm_num(prog, v), &v))
            return ERR_BOXED;
        vm->slots[i] = v;
    }
    return 0;
}

void vm_done(struct vm *vm)
{
    free(vm->slots);
    vm->slots = NULL;
    vm->cap = vm->sp = 0;
    vm->nframes = vm->cur = 0;
}

void vm_copy(struct vm *dst, const struct vm *src)
{
    int64_t *slots = dst->slots;
    uint32_t cap = dst->cap;

    memcpy(dst->frames, src->frames, sizeof(src->frames[0]) * src->nframes);
    dst->nframes = src->nframes;
    dst->cur = src->cur;
    dst->pend = src->pend;
    dst->slots = slots;
    dst->cap = cap;
    ensure_slots(dst, src->cap > 1 ? src->cap : 1);
    memcpy(dst->slots, src->slots, sizeof(int64_t) * src->sp);
    dst->sp = src->sp;
}

/* ---- arithmetic with Python's rules and no undefined behaviour --------- */

/* The value of a result: boxed if it must be. */
static int checked(const struct program *prog, int64_t v, int64_t *out)
{
    return vm_box(prog, v, out) ? ERR_BOXED : ERR_NONE;
}

static int binary(const struct program *prog, int op, int64_t a, int64_t b,
                  int64_t *out)
{
    int64_t r, q, m;

    if (!vm_is_num(a) || !vm_is_num(b))
        return ERR_TYPE;
    a = vm_num(prog, a);
    b = vm_num(prog, b);
    switch (op) {
    case '+':
        if (__builtin_add_overflow(a, b, &r))
            return ERR_OVERFLOW;
        return checked(prog, r, out);
    case '-':
        if (__builtin_sub_overflow(a, b, &r))
            return ERR_OVERFLOW;
        return checked(prog, r, out);
    case '*':
        if (__builtin_mul_overflow(a, b, &r))
            return ERR_OVERFLOW;
        return checked(prog, r, out);
    case '/':
    case '%':
        if (b == 0)     /* in CPython 3.13's words for ints */
            return op == '%' ? ERR_MOD_ZERO : ERR_DIV_ZERO;
        if (b == -1) {          /* -2^63 / -1 would overflow in C */
            if (op == '%')
                return checked(prog, 0, out);
            if (a == INT64_MIN)
                return ERR_OVERFLOW;
            return checked(prog, -a, out);
        }
        q = a / b;
        m = a % b;
        if (m != 0 && ((m < 0) != (b < 0))) {
            q -= 1;     /* floor, as Python does */
            m += b;
        }
        return checked(prog, op == '/' ? q : m, out);
    default:
        return ERR_OVERFLOW;
    }
}

static int compare(const struct program *prog, int op, int64_t a, int64_t b,
                   int64_t *out)
{
    if ((!vm_is_num(a) || !vm_is_num(b)) && op != 2 && op != 3)
        return ERR_TYPE;
    a = vm_num(prog, a);
    b = vm_num(prog, b);
    switch (op) {
    case 0: *out = VM_BOOL(a < b); break;
    case 1: *out = VM_BOOL(a <= b); break;
    case 2: *out = VM_BOOL(a == b); break;
    case 3: *out = VM_BOOL(a != b); break;
    case 4: *out = VM_BOOL(a > b); break;
    default: *out = VM_BOOL(a >= b); break;
    }
    return ERR_NONE;
}

static int64_t truth(int64_t v)
{
    if (vm_is_ref(v) && vm_ref_kind(v) == REF_BOOL)
        return vm_ref_index(v) == 1;
    if (vm_is_ref(v))
        return vm_ref_kind(v) != REF_NONE && vm_ref_kind(v) != REF_NULL;
    return v != 0;
}

/* ---- the interpreter -------------------------------------------------------- */

#define PUSH(v) (vm->slots[fr->sp++] = (v))
#define POP() (vm->slots[--fr->sp])
#define TOP() (vm->slots[fr->sp - 1])
#define NONE VM_REF(REF_NONE, 0)

static void fail(struct vm_effect *eff, int err)
{
    eff->status = VM_ERROR;
    eff->error = (uint8_t)err;
}

/* The frame that called frame k: the one below it, past the coroutines
 * its caller made and has not awaited yet (asyncio.gather's arguments),
 * each still just past its RETURN_GENERATOR. */
static uint32_t caller_of(const struct vm *vm, const struct program *prog,
                          uint32_t k)
{
    do
        k--;
    while (k > 0 && prog->funcs[vm->frames[k].fn].is_async &&
           vm->frames[k].pc == prog->funcs[vm->frames[k].fn].code_start + 1);
    return k;
}

/* Leave the running frame with value v. */
static void do_return(struct vm *vm, const struct program *prog, int64_t v,
                      struct vm_effect *eff)
{
    int k = vm->cur;
    struct vm_frame *caller;

    eff->value = v;
    if (k == 0) {
        vm->nframes = 0;
        vm->cur = 0;
        vm->sp = 0;
        eff->status = VM_EXIT;
        return;
    }
    vm->nframes = (uint16_t)k;
    vm->cur = (uint16_t)caller_of(vm, prog, (uint32_t)k);
    caller = &vm->frames[vm->cur];
    vm->slots[caller->sp++] = v;
    if (prog->funcs[vm->frames[k].fn].is_async) {
        /* the awaited coroutine is done: its awaiter's SEND jumps to
         * END_SEND (the caller's pc sits on the YIELD_VALUE after SEND) */
        caller->pc = (uint32_t)prog->code[caller->pc - 1].a;
    }
    vm->sp = caller->sp;
}

static void do_call_func(struct vm *vm, const struct program *prog,
                         const struct instr *in, struct vm_effect *eff)
{
    struct vm_frame *fr = &vm->frames[vm->cur];
    const struct func *f = &prog->funcs[in->b];
    int n = in->a;
    uint32_t args = fr->sp - (uint32_t)n;
    /* after the coroutines made but not yet awaited (asyncio.gather's) */
    uint32_t base = frame_end(prog, &vm->frames[vm->nframes - 1]);

    if (vm->nframes >= VM_MAX_FRAMES) {
        fail(eff, ERR_RECURSION);
        return;
    }
    fr->sp = args - 2;          /* callable and NULL go too */
    push_frame(vm, prog, in->b, base);
    for (int i = 0; i < n && i < f->nlocals; i++)
        vm->slots[base + (uint32_t)i] = vm->slots[args + (uint32_t)i];
    /* the consumed slots of the caller read as empty, so that states that
     * differ only in them are the same state */
    for (uint32_t i = fr->sp; i < args + (uint32_t)n; i++)
        vm->slots[i] = 0;
}

/* Pop the call's arguments, callable and NULL; push its result. */
static void call_done(struct vm_frame *fr, int64_t *slots, int nargs,
                      int64_t result)
{
    fr->sp -= (uint32_t)nargs + 2;
    slots[fr->sp++] = result;
}

/* The task asks its scheduler for op of a ThreadPoolExecutor; the
 * scheduler puts what the call returns on the stack (vm_set_result). */
static void want_pool(struct vm_effect *eff, int op, int32_t index,
                      int64_t value)
{
    eff->status = VM_POOL;
    eff->method = (uint8_t)op;
    eff->index = index;
    eff->value = value;
}

/* The task asks sync object obj to do method (with arg); the scheduler
 * answers, and puts what the call returns on the stack (vm_set_result). */
static void want_sync(struct vm_effect *eff, int obj, int method, int64_t arg)
{
    eff->status = VM_SYNC;
    eff->index = obj;
    eff->method = (uint8_t)method;
    eff->value = arg;
    eff->block = 1;
    eff->timeout = -1;
}

/* OBJ.method(args): the arguments by their roles (instr.c). */
static void do_sync_call(struct vm *vm, const struct program *prog,
                         const struct instr *in, int64_t *argv,
                         struct vm_effect *eff)
{
    struct vm_frame *fr = &vm->frames[vm->cur];
    int n = in->a, kind = prog->lock_kind[in->b];
    int64_t value = 1, timeout = -1;
    int block = 1;

    for (int i = 0; i < n; i++) {
        int64_t v = argv[i];

        switch ((in->c >> (2 * i)) & 3) {
        case SYNC_ARG_VALUE:
            if (in->sub != SYNC_PUT && in->sub != SYNC_PUT_NOWAIT) {
                if (!vm_is_num(v)) {
                    fail(eff, ERR_TYPE);
                    return;
                }
                v = vm_num(prog, v);
            }
            value = v;      /* a queue's item stays as it is */
            break;
        case SYNC_ARG_BLOCK:
            block = truth(v) != 0;
            break;
        default:        /* a timeout: None, or ticks */
            if (vm_is_ref(v) && vm_ref_kind(v) == REF_NONE)
                timeout = -1;
            else if (!vm_is_num(v)) {
                fail(eff, ERR_TYPE);
                return;
            } else {
                v = vm_num(prog, v);
                timeout = v < 0 ? (v == -1 ? -1 : 0) : v;
            }
            break;
        }
    }
    if (sync_method_awaited(kind, in->sub)) {
        /* a coroutine: it acts when awaited (its SEND) */
        vm->pend = value;
        call_done(fr, vm->slots, n, VM_REF(REF_SYNCWAIT, (uint32_t)in->b |
                                           (uint32_t)in->sub << 16));
        return;
    }
    call_done(fr, vm->slots, n, sync_returns_bool(kind, in->sub, -1) ?
                                VM_BOOL_TO_COME : NONE);
    want_sync(eff, in->b, in->sub, value);
    eff->block = (uint8_t)block;
    eff->timeout = timeout;
}

/* A number of ticks to wait or compute: a number, not negative. */
static int ticks_ok(int64_t v, struct vm_effect *eff)
{
    if (!vm_is_num(v)) {
        fail(eff, ERR_TYPE);
        return 0;
    }
    if (v < 0) {
        fail(eff, ERR_NEGATIVE_WAIT);
        return 0;
    }
    return 1;
}

/* threading.Thread(target=f, args=(...), name=S): the scheduler gives
 * the thread a task, not yet started, and puts its handle on the stack
 * (vm_set_result).  The arguments stay where they are (a constant's
 * items or BUILD_TUPLE's hidden slots) until the scheduler has read them. */
static void do_thread_call(struct vm *vm, const struct program *prog,
                           const struct instr *in, const int64_t *argv,
                           struct vm_effect *eff)
{
    struct vm_frame *fr = &vm->frames[vm->cur];
    int n = in->a;

    eff->status = VM_THREAD;
    eff->index = in->b;
    eff->value = (in->c >> 8) - 1;
    eff->vals = NULL;
    eff->nvals = 0;
    for (int i = 0; i < n; i++) {
        int64_t v = argv[i];

        if (((in->c >> (2 * i)) & 3) != THREAD_KW_ARGS)
            continue;
        if (vm_is_ref(v) && vm_ref_kind(v) == REF_TUPLE &&
            (vm_ref_index(v) & 0x80000000u)) {
            const struct constant *k =
                &prog->consts[vm_ref_index(v) & 0x7fffffffu];

            eff->vals = k->items;
            eff->nvals = (int)k->v;
        } else if (vm_is_ref(v) && vm_ref_kind(v) == REF_TUPLE) {
            uint32_t t = vm_ref_index(v);

            eff->vals = &vm->slots[fr->base + (t >> 8)];
            eff->nvals = (int)(t & 0xff);
        }
    }
    call_done(fr, vm->slots, n, NONE);
}

/* The values of list v and their count in *n: a list in frame fr's
 * hidden slots, or a module-level list (a constant, whose numbers are not
 * boxed: list_item boxes them).  NULL if v is not a list. */
static const int64_t *list_of(const struct vm *vm, const struct program *prog,
                              const struct vm_frame *fr, int64_t v,
                              int64_t *n)
{
    uint32_t i;

    if (!vm_is_ref(v) || vm_ref_kind(v) != REF_LIST)
        return NULL;
    i = vm_ref_index(v);
    if (i & 0x80000000u) {
        const struct constant *k = &prog->consts[i & 0x7fffffffu];

        *n = k->v;
        return k->items;
    }
    *n = vm->slots[fr->base + i];
    return &vm->slots[fr->base + i + 1];
}

/* Item i of list v (as list_of found it) as a value; 0, or -1 when the
 * number cannot be boxed. */
static int list_item(const struct program *prog, int64_t v,
                     const int64_t *items, int64_t i, int64_t *out)
{
    if (vm_ref_index(v) & 0x80000000u)
        return vm_box(prog, items[i], out);
    *out = items[i];
    return 0;
}

static void do_call(struct vm *vm, const struct program *prog,
                    const struct instr *in, struct vm_effect *eff)
{
    struct vm_frame *fr = &vm->frames[vm->cur];
    int n = in->a;
    int64_t *argv = &vm->slots[fr->sp - (uint32_t)n];
    int64_t v;

    switch ((enum call_kind)in->kind) {
    case CK_FUNC:
    case CK_ASYNC_FUNC:
        do_call_func(vm, prog, in, eff);
        return;
    case CK_COMPUTE:
    case CK_SLEEP:
    case CK_IO:
        v = argv[0];
        call_done(fr, vm->slots, n, NONE);
        if (!ticks_ok(v, eff))
            return;
        eff->status = in->kind == CK_COMPUTE ? VM_COMPUTE :
                      in->kind == CK_SLEEP ? VM_SLEEP : VM_IO;
        eff->value = v;
        return;
    case CK_AWAIT_SLEEP:
    case CK_AWAIT_IO:
        v = argv[0];
        if (!ticks_ok(v, eff))
            return;
        /* Past any time limit either way: saturate, and the run ends at
         * its time limit as a blocking wait of the same length would. */
        if (v > VM_MAX_AWAIT_TICKS)
            v = VM_MAX_AWAIT_TICKS;
        eff->value = v;
        call_done(fr, vm->slots, n, VM_REF(REF_WAIT, (uint32_t)v << 2 |
                                           (in->kind == CK_AWAIT_IO) << 1));
        return;
    case CK_PRINT:
        eff->status = VM_PRINT;
        eff->vals = argv;
        eff->nvals = n;
        eff->frame = &vm->slots[fr->base];
        call_done(fr, vm->slots, n, NONE);
        return;
    case CK_RANGE: {
        int64_t start = 0, stop, step = 1;
        int64_t *s = &vm->slots[fr->base + (uint32_t)in->b];

        for (int i = 0; i < n; i++)
            if (!vm_is_num(argv[i])) {
                fail(eff, ERR_TYPE);
                return;
            }
        /* the slots keep the values (boxed or not), FOR_ITER the numbers */
        if (n == 1) {
            stop = argv[0];
        } else {
            start = argv[0];
            stop = argv[1];
            if (n == 3)
                step = argv[2];
        }
        if (vm_num(prog, step) == 0) {
            fail(eff, ERR_RANGE_STEP);
            return;
        }
        s[0] = start;
        s[1] = stop;
        s[2] = step;
        eff->value = stop;
        call_done(fr, vm->slots, n, VM_REF(REF_RANGE, in->b));
        return;
    }
    case CK_ACQUIRE:
        call_done(fr, vm->slots, n, 1);
        want_sync(eff, in->b, SYNC_ACQUIRE, 1);
        return;
    case CK_RELEASE:
    case CK_EXIT:
        call_done(fr, vm->slots, n, NONE);
        want_sync(eff, in->b, SYNC_RELEASE, 1);
        return;
    case CK_AACQUIRE:
        call_done(fr, vm->slots, n, VM_REF(REF_LOCKWAIT, in->b));
        return;
    case CK_AEXIT:
        call_done(fr, vm->slots, n, VM_REF(REF_AEXIT, in->b));
        return;
    case CK_SYNC:
        do_sync_call(vm, prog, in, argv, eff);
        return;
    case CK_ASSERT:
        call_done(fr, vm->slots, n, VM_OBJ(OBJ_EXC, 0));
        return;
    case CK_THREAD:
        do_thread_call(vm, prog, in, argv, eff);
        return;
    case CK_CREATE_TASK: {
        /* the coroutine's frame, just made, becomes a task of its own:
         * the scheduler starts it with the same arguments */
        uint32_t k = vm_ref_index(argv[0]);

        call_done(fr, vm->slots, n, NONE);
        if (!vm_is_ref(argv[0]) || vm_ref_kind(argv[0]) != REF_CORO ||
            k + 1 != vm->nframes) {
            fail(eff, ERR_TYPE);
            return;
        }
        eff->status = VM_THREAD;
        eff->index = vm->frames[k].fn;
        eff->value = VM_TASK_MARK;
        eff->vals = &vm->slots[vm->frames[k].base];
        eff->nvals = prog->funcs[vm->frames[k].fn].nparams;
        vm->nframes--;
        return;
    }
    case CK_GATHER:
        /* the coroutines made for it are the frames above the running
         * one; the scheduler makes them tasks (their frames' slots stay
         * as they are until then); return_exceptions= comes after them */
        for (int i = 0; i < n - in->c; i++)
            if (!vm_is_ref(argv[i]) || (vm_ref_kind(argv[i]) != REF_CORO &&
                                        vm_ref_kind(argv[i]) != REF_THREAD)) {
                fail(eff, ERR_TYPE);
                return;
            }
        call_done(fr, vm->slots, n, VM_REF(REF_LIST, (uint32_t)in->b));
        eff->status = VM_THREAD;
        eff->value = VM_GATHER_MARK;
        eff->index = in->b;
        eff->vals = argv;
        eff->nvals = n - in->c;
        eff->method = in->sub;
        return;
    case CK_GET_LOCK:
        call_done(fr, vm->slots, n, VM_REF(REF_NAME, in->c));
        return;
    case CK_POOL_NEW:
        v = argv[0];
        call_done(fr, vm->slots, n, NONE);
        if (!vm_is_num(v)) {
            fail(eff, ERR_TYPE);
            return;
        }
        want_pool(eff, POOL_NEW, 0, vm_num(prog, v));
        eff->block = in->sub;   /* a ProcessPoolExecutor */
        return;
    case CK_POOL_EXIT:
        /* (exit, self, None, None, None): exit is the pool */
        v = vm->slots[fr->sp - (uint32_t)n - 2];
        call_done(fr, vm->slots, n, NONE);
        want_pool(eff, POOL_SHUTDOWN, (int32_t)vm_obj_index(v), 0);
        return;
    case CK_SUBMIT:
        /* (method, self, F, args...) */
        v = vm->slots[fr->sp - (uint32_t)n - 1];
        want_pool(eff, POOL_SUBMIT, (int32_t)vm_obj_index(v), in->b);
        eff->vals = argv + 1;
        eff->nvals = n - 1;
        call_done(fr, vm->slots, n, NONE);
        if (vm_obj_kind(v) != OBJ_POOL)
            fail(eff, ERR_TYPE);
        return;
    case CK_MAP: {
        /* (method, self, F, LIST) */
        int64_t len;
        const int64_t *items = list_of(vm, prog, fr, argv[1], &len);

        v = vm->slots[fr->sp - (uint32_t)n - 1];
        call_done(fr, vm->slots, n, NONE);
        if (!items) {
            fail(eff, ERR_NOT_ITERABLE);
            return;
        }
        if (vm_obj_kind(v) != OBJ_POOL) {
            fail(eff, ERR_TYPE);
            return;
        }
        want_pool(eff, POOL_MAP, (int32_t)vm_obj_index(v), in->b);
        eff->vals = items;
        eff->nvals = (int)len;
        eff->block = (vm_ref_index(argv[1]) & 0x80000000u) != 0;
        return;
    }
    case CK_RESULT:
        v = vm->slots[fr->sp - 1];
        call_done(fr, vm->slots, n, NONE);
        if (vm_obj_kind(v) != OBJ_FUTURE) {
            fail(eff, ERR_TYPE);
            return;
        }
        want_pool(eff, POOL_RESULT, (int32_t)vm_obj_index(v), 0);
        return;
    case CK_LEN: {
        int64_t len;

        v = argv[0];
        if (!list_of(vm, prog, fr, v, &len)) {
            call_done(fr, vm->slots, n, NONE);
            fail(eff, ERR_NO_LEN);
            return;
        }
        call_done(fr, vm->slots, n, len);
        return;
    }
    case CK_APPEND: {
        /* (method, self, x): self is the list */
        int64_t *list = &vm->slots[fr->base +
                                   vm_ref_index(vm->slots[fr->sp - 2])];

        v = argv[0];
        call_done(fr, vm->slots, n, NONE);
        if (list[0] >= LESSON_MAX_LIST) {
            fail(eff, ERR_LIST_CAP);
            return;
        }
        list[1 + list[0]] = v;
        list[0]++;
        return;
    }
    case CK_START:
    case CK_JOIN:
        /* (method, self): self is the thread */
        v = vm->slots[fr->sp - (uint32_t)n - 1];
        call_done(fr, vm->slots, n, NONE);
        if (!vm_is_ref(v) || vm_ref_kind(v) != REF_THREAD) {
            fail(eff, ERR_TYPE);
            return;
        }
        eff->status = in->kind == CK_START ? VM_START : VM_JOIN;
        eff->index = (int32_t)vm_ref_index(v);
        return;
    default:
        call_done(fr, vm->slots, n, NONE);
        return;
    }
}

/* CALL_FUNCTION_EX: only asyncio.gather(*ts) (its keywords' dict popped
 * already): the tasks of the list ts are its arguments. */
static void do_call_ex(struct vm *vm, const struct instr *in,
                       struct vm_effect *eff)
{
    struct vm_frame *fr = &vm->frames[vm->cur];
    int64_t v = vm->slots[fr->sp - 1];
    const int64_t *list = NULL;

    call_done(fr, vm->slots, 1, VM_REF(REF_LIST, (uint32_t)in->b));
    if (in->kind == CK_GATHER && vm_is_ref(v) && vm_ref_kind(v) == REF_LIST)
        list = &vm->slots[fr->base + vm_ref_index(v)];
    for (int64_t i = 0; list && i < list[0]; i++)
        if (!vm_is_ref(list[1 + i]) || vm_ref_kind(list[1 + i]) != REF_THREAD)
            list = NULL;
    if (!list) {
        fail(eff, ERR_TYPE);
        return;
    }
    eff->status = VM_THREAD;
    eff->value = VM_GATHER_MARK;
    eff->index = in->b;
    eff->vals = &list[1];
    eff->nvals = (int)list[0];
    eff->method = in->sub;
}

/* SEND: (receiver, v -- receiver, result); jumps to END_SEND when done. */
static void do_send(struct vm *vm, const struct program *prog,
                    const struct instr *in, struct vm_effect *eff)
{
    struct vm_frame *fr = &vm->frames[vm->cur];
    int64_t *recv = &vm->slots[fr->sp - 2];
    int64_t v = vm->slots[fr->sp - 1];

    switch ((enum call_kind)in->kind) {
    case CK_SEND_CORO: {
        struct vm_frame *co;

        if (vm->cur + 1 >= vm->nframes) {   /* cannot happen */
            fail(eff, ERR_TYPE);
            return;
        }
        fr->sp--;
        vm->cur++;
        co = &vm->frames[vm->cur];
        vm->slots[co->sp++] = v;
        return;
    }
    case CK_SEND_WAIT:
        fr->sp--;
        if (!(vm_ref_index(*recv) & 1)) {
            /* the wait starts: asyncio.sleep() yields to the loop */
            *recv = VM_REF(REF_WAIT, vm_ref_index(*recv) | 1);
            vm->slots[fr->sp++] = *recv;
            eff->value = vm_ref_index(*recv) >> 2;
            return;
        }
        vm->slots[fr->sp++] = NONE;
        fr->pc = (uint32_t)in->a;
        return;
    case CK_SEND_ACQUIRE:
        fr->sp--;
        vm->slots[fr->sp++] = 1;
        fr->pc = (uint32_t)in->a;
        want_sync(eff, in->b, SYNC_ACQUIRE, 1);
        return;
    case CK_SEND_RELEASE:
        fr->sp--;
        vm->slots[fr->sp++] = NONE;
        fr->pc = (uint32_t)in->a;
        want_sync(eff, in->b, SYNC_RELEASE, 1);
        return;
    case CK_SEND_SYNC:
        fr->sp--;
        vm->slots[fr->sp++] = sync_returns_bool(prog->lock_kind[in->b],
                                                in->sub, -1) ?
                              VM_BOOL_TO_COME : NONE;
        fr->pc = (uint32_t)in->a;
        want_sync(eff, in->b, in->sub, vm->pend);
        vm->pend = 0;
        return;
    case CK_SEND_GATHER:
        /* await asyncio.gather(): the scheduler gives the list of values
         * once every task in it is done */
        fr->sp--;
        if (!vm_is_ref(*recv) || vm_ref_kind(*recv) != REF_LIST) {
            fail(eff, ERR_TYPE);
            return;
        }
        eff->status = VM_JOIN;
        eff->method = 1;
        eff->index = (int32_t)vm_ref_index(*recv);
        vm->slots[fr->sp++] = *recv;
        fr->pc = (uint32_t)in->a;
        return;
    case CK_SEND_TASK:
        /* await TASK: done at once if it is; else the loop runs others */
        fr->sp--;
        if (!vm_is_ref(*recv) || vm_ref_kind(*recv) != REF_THREAD) {
            fail(eff, ERR_TYPE);
            return;
        }
        eff->status = VM_JOIN;
        eff->index = (int32_t)vm_ref_index(*recv);
        vm->slots[fr->sp++] = NONE;
        fr->pc = (uint32_t)in->a;
        return;
    default:
        fr->sp--;
        vm->slots[fr->sp++] = NONE;
        fr->pc = (uint32_t)in->a;
        (void)prog;
        return;
    }
}

/* YIELD_VALUE: hand the value to the frame awaiting this one, or, in the
 * task's own frame, give control back to the event loop. */
static void do_yield(struct vm *vm, struct vm_effect *eff)
{
    struct vm_frame *fr = &vm->frames[vm->cur];
    int64_t v = vm->slots[--fr->sp];

    if (vm->cur == 0) {
        uint32_t w = vm_is_ref(v) && vm_ref_kind(v) == REF_WAIT ?
                     vm_ref_index(v) : 0;

        vm->slots[fr->sp++] = NONE;     /* what the loop will send */
        eff->status = w & 2 ? VM_AWAIT_IO : VM_AWAIT_SLEEP;
        eff->value = w >> 2;
        return;
    }
    vm->cur--;
    fr = &vm->frames[vm->cur];
    vm->slots[fr->sp++] = v;
}

static int64_t load_fast(struct vm *vm, struct vm_frame *fr, int32_t slot,
                         struct vm_effect *eff)
{
    int64_t a = vm->slots[fr->base + (uint32_t)slot];

    if (a == VM_UNSET) {
        eff->index = slot;
        fail(eff, ERR_UNBOUND);
    }
    return a;
}

void vm_step(struct vm *vm, const struct program *prog,
             _Atomic int64_t *globals, struct vm_effect *eff)
{
    struct vm_frame *fr = &vm->frames[vm->cur];
    const struct instr *in = &prog->code[fr->pc];
    int64_t a, b, r;
    int err;

    eff->status = VM_RAN;
    eff->op = in->op;
    eff->checkpoint = (in->flags & IF_BREAKER) != 0;
    eff->error = ERR_NONE;
    eff->method = 0;
    eff->block = 1;
    eff->timeout = -1;
    eff->pc = fr->pc;
    eff->index = in->a;
    eff->value = 0;
    fr->pc++;

    switch ((enum opcode)in->op) {
    case OP_NOP:
    case OP_RESUME:
    case OP_GET_AWAITABLE:
        break;
    case OP_RETURN_GENERATOR: {
        /* the coroutine object goes to the caller; its body waits */
        uint32_t k = vm->cur;

        vm->cur = (uint16_t)caller_of(vm, prog, k);
        fr = &vm->frames[vm->cur];
        PUSH(VM_REF(REF_CORO, k));
        break;
    }
    case OP_LOAD_CONST: {
        const struct constant *k = &prog->consts[in->a];

        if (k->kind == CONST_NONE)
            a = NONE;
        else if (k->kind == CONST_BOOL)
            a = VM_BOOL(k->v);
        else if (k->kind == CONST_STR || k->kind == CONST_NAMES)
            a = VM_REF(REF_NAME, 0x80000000u | (uint32_t)in->a);
        else if (k->kind == CONST_TUPLE)
            a = VM_REF(REF_TUPLE, 0x80000000u | (uint32_t)in->a);
        else if (vm_box(prog, k->v, &a)) {
            fail(eff, ERR_BOXED);
            break;
        }
        eff->value = PUSH(a);
        break;
    }
    case OP_LOAD_FAST:
    case OP_LOAD_FAST_CHECK:
        a = load_fast(vm, fr, in->a, eff);
        if (eff->status == VM_RAN)
            eff->value = PUSH(a);
        break;
    case OP_LOAD_FAST_LOAD_FAST:
        a = load_fast(vm, fr, in->a, eff);
        if (eff->status != VM_RAN)
            break;
        b = load_fast(vm, fr, in->b, eff);
        if (eff->status != VM_RAN)
            break;
        PUSH(a);
        eff->value = PUSH(b);
        break;
    case OP_STORE_FAST:
        eff->value = vm->slots[fr->base + (uint32_t)in->a] = POP();
        break;
    case OP_STORE_FAST_LOAD_FAST:
        vm->slots[fr->base + (uint32_t)in->a] = POP();
        a = load_fast(vm, fr, in->b, eff);
        if (eff->status == VM_RAN)
            eff->value = PUSH(a);
        break;
    case OP_STORE_FAST_STORE_FAST:
        vm->slots[fr->base + (uint32_t)in->a] = POP();
        eff->value = vm->slots[fr->base + (uint32_t)in->b] = POP();
        break;
    case OP_LOAD_GLOBAL:
        if (in->a >= 0) {
            eff->value = PUSH(atomic_load_explicit(&globals[in->a],
                                                   memory_order_relaxed));
        } else if (in->b > 0) {
            /* a module-level list: its values are the constant b - 1 */
            eff->value = PUSH(VM_REF(REF_LIST, 0x80000000u |
                                     (uint32_t)(in->b - 1)));
        } else {
            PUSH(VM_REF(REF_NAME, -1 - in->a));
            if (in->flags & IF_NULL)
                PUSH(VM_REF(REF_NULL, 0));
        }
        break;
    case OP_STORE_GLOBAL:
        if (vm_is_ref(TOP()) && vm_ref_kind(TOP()) == REF_LIST) {
            /* a parameter holding a module-level list */
            fail(eff, ERR_GLOBAL_LIST);
            break;
        }
        eff->value = POP();
        atomic_store_explicit(&globals[in->a], eff->value,
                              memory_order_relaxed);
        break;
    case OP_LOAD_ATTR:
        a = POP();
        if (in->kind == CK_SYNC) {
            /* a sync object's attribute: the object answers */
            PUSH(sync_returns_bool(prog->lock_kind[in->b], SYNC_GETATTR,
                                   (int)in->c) ? VM_BOOL_TO_COME : NONE);
            want_sync(eff, in->b, SYNC_GETATTR, in->c);
            break;
        }
        PUSH(VM_REF(REF_NAME, in->b));
        if (in->flags & IF_NULL)
            PUSH(a);
        break;
    case OP_STORE_ATTR:
        /* only a Value's value is stored here (the compiler sees to it) */
        (void)POP();
        want_sync(eff, in->b, SYNC_SETVALUE, POP());
        break;
    case OP_PUSH_NULL:
        PUSH(VM_REF(REF_NULL, 0));
        break;
    case OP_COPY:
        a = vm->slots[fr->sp - (uint32_t)in->a];
        eff->value = PUSH(a);
        break;
    case OP_SWAP:
        a = TOP();
        TOP() = vm->slots[fr->sp - (uint32_t)in->a];
        vm->slots[fr->sp - (uint32_t)in->a] = a;
        break;
    case OP_POP_TOP:
        eff->value = POP();
        break;
    case OP_BUILD_TUPLE: {
        /* the items go to hidden slots b..; the tuple names them */
        uint32_t at = fr->base + (uint32_t)in->b;

        fr->sp -= (uint32_t)in->a;
        for (int i = 0; i < in->a; i++)
            vm->slots[at + (uint32_t)i] = vm->slots[fr->sp + (uint32_t)i];
        eff->value = PUSH(VM_REF(REF_TUPLE, (uint32_t)in->a |
                                 (uint32_t)in->b << 8));
        break;
    }
    case OP_BINARY_OP:
        b = POP();
        a = POP();
        err = binary(prog, in->a, a, b, &r);
        if (err) {
            fail(eff, err);
            break;
        }
        eff->value = PUSH(r);
        break;
    case OP_COMPARE_OP:
        b = POP();
        a = POP();
        err = compare(prog, in->a, a, b, &r);
        if (err) {
            fail(eff, err);
            break;
        }
        eff->value = PUSH(r);
        break;
    case OP_UNARY_NEGATIVE:
        if (!vm_is_num(TOP())) {
            fail(eff, ERR_TYPE);
            break;
        }
        a = vm_num(prog, TOP());
        err = a == INT64_MIN ? ERR_OVERFLOW : checked(prog, -a, &r);
        if (err) {
            fail(eff, err);
            break;
        }
        eff->value = TOP() = r;
        break;
    case OP_UNARY_NOT:
        eff->value = TOP() = VM_BOOL(!truth(TOP()));
        break;
    case OP_TO_BOOL:
        eff->value = TOP() = VM_BOOL(truth(TOP()));
        break;
    case OP_JUMP_FORWARD:
    case OP_JUMP_BACKWARD:
    case OP_JUMP_BACKWARD_NO_INTERRUPT:
        fr->pc = (uint32_t)in->a;
        break;
    case OP_POP_JUMP_IF_FALSE:
        eff->value = truth(POP());
        if (!eff->value)
            fr->pc = (uint32_t)in->a;
        break;
    case OP_POP_JUMP_IF_TRUE:
        eff->value = truth(POP());
        if (eff->value)
            fr->pc = (uint32_t)in->a;
        break;
    case OP_GET_ITER:
        if (vm_obj_kind(TOP()) != OBJ_MAP &&
            (!vm_is_ref(TOP()) || (vm_ref_kind(TOP()) != REF_LIST &&
                                   vm_ref_kind(TOP()) != REF_RANGE))) {
            /* a parameter given a number: for x in n */
            fail(eff, ERR_NOT_ITERABLE);
            break;
        }
        if (vm_ref_kind(TOP()) != REF_RANGE) {
            /* the iterator of a list, or of map()'s results (the next
             * job): the index, the list or map, step 0 */
            int64_t *s = &vm->slots[fr->base + (uint32_t)in->b];

            s[0] = 0;
            s[1] = TOP();
            s[2] = 0;
            TOP() = VM_REF(REF_ITER, in->b);
            break;
        }
        TOP() = VM_REF(REF_ITER, vm_ref_index(TOP()));
        break;
    case OP_FOR_ITER: {
        int64_t *s = &vm->slots[fr->base + (uint32_t)in->b];
        int64_t next, stop, step;

        if (s[2] == 0) {
            /* a list, its length read at every turn as Python does, or
             * map()'s results, each waiting until its job is done */
            int is_map = vm_obj_kind(s[1]) == OBJ_MAP;
            uint32_t m = vm_obj_index(s[1]);
            int64_t len = m >> 16;
            const int64_t *list = is_map ? NULL :
                                  list_of(vm, prog, fr, s[1], &len);

            if (s[0] < len) {
                if (is_map) {
                    PUSH(NONE);
                    want_pool(eff, POOL_RESULT,
                              (int32_t)((m & 0xffff) + s[0]), 0);
                } else if (list_item(prog, s[1], list, s[0], &r)) {
                    fail(eff, ERR_BOXED);
                    break;
                } else {
                    eff->value = PUSH(r);
                }
                s[0]++;
            } else {
                (void)POP();
                fr->pc = (uint32_t)in->a + 2;
                eff->value = VM_UNSET;
            }
            break;
        }
        next = vm_num(prog, s[0]);
        stop = vm_num(prog, s[1]);
        step = vm_num(prog, s[2]);

        if (step > 0 ? next < stop : next > stop) {
            eff->value = PUSH(s[0]);
            /* Past the end (or overflowing) means done next time. */
            if (__builtin_add_overflow(next, step, &r))
                s[0] = s[1];
            else if (vm_box(prog, r, &s[0]))
                fail(eff, ERR_BOXED);
        } else {
            /* done: pop the iterator and skip END_FOR and POP_TOP */
            (void)POP();
            fr->pc = (uint32_t)in->a + 2;
            eff->value = VM_UNSET;
        }
        break;
    }
    case OP_END_FOR:
        (void)POP();
        break;
    case OP_BUILD_LIST: {
        /* the values go to the list's hidden slots: length, values */
        int64_t *list = &vm->slots[fr->base + (uint32_t)in->b];

        fr->sp -= (uint32_t)in->a;
        for (int i = 0; i < in->a; i++)
            list[1 + i] = vm->slots[fr->sp + (uint32_t)i];
        list[0] = in->a;
        eff->value = PUSH(VM_REF(REF_LIST, in->b));
        break;
    }
    case OP_LIST_EXTEND: {
        const struct constant *k =
            &prog->consts[vm_ref_index(POP()) & 0x7fffffffu];
        int64_t *list = &vm->slots[fr->base + vm_ref_index(TOP())];

        for (int i = 0; i < k->v; i++) {
            if (list[0] >= LESSON_MAX_LIST) {
                fail(eff, ERR_LIST_CAP);
                break;
            }
            if (vm_box(prog, k->items[i], &list[1 + list[0]])) {
                fail(eff, ERR_BOXED);
                break;
            }
            list[0]++;
        }
        break;
    }
    case OP_BINARY_SUBSCR: {
        int64_t i = POP(), len, lv = POP();
        const int64_t *list = list_of(vm, prog, fr, lv, &len);

        if (!list) {
            fail(eff, ERR_NOT_SUBSCRIPTABLE);
            break;
        }
        if (!vm_is_num(i)) {
            fail(eff, ERR_TYPE);
            break;
        }
        i = vm_num(prog, i);
        if (i < 0)
            i += len;
        if (i < 0 || i >= len) {
            fail(eff, ERR_INDEX);
            break;
        }
        if (list_item(prog, lv, list, i, &r)) {
            fail(eff, ERR_BOXED);
            break;
        }
        eff->value = PUSH(r);
        break;
    }
    case OP_CALL:
        do_call(vm, prog, in, eff);
        break;
    case OP_CALL_KW:
        (void)POP();    /* the tuple of keyword names */
        do_call(vm, prog, in, eff);
        break;
    case OP_CALL_FUNCTION_EX:
        if (in->a & 1)
            (void)POP();    /* the dict of keyword arguments */
        do_call_ex(vm, in, eff);
        break;
    case OP_BUILD_MAP:
        /* only gather's {'return_exceptions': B}: shown by its name */
        fr->sp -= 2 * (uint32_t)in->a;
        eff->value = PUSH(VM_REF(REF_NAME, (uint32_t)in->b));
        break;
    case OP_RETURN_VALUE:
        do_return(vm, prog, POP(), eff);
        break;
    case OP_RETURN_CONST: {
        const struct constant *k = &prog->consts[in->a];

        if (k->kind == CONST_NONE)
            a = NONE;
        else if (vm_box(prog, k->v, &a)) {
            fail(eff, ERR_BOXED);
            break;
        }
        do_return(vm, prog, a, eff);
        break;
    }
    case OP_BEFORE_WITH:
        if (in->kind == CK_POOL_ENTER) {
            /* __exit__ and what __enter__ gives: the pool itself */
            a = TOP();
            PUSH(a);
            break;
        }
        (void)POP();
        PUSH(VM_REF(REF_EXIT, in->b));
        PUSH(1);
        want_sync(eff, in->b, SYNC_ACQUIRE, 1);
        break;
    case OP_BEFORE_ASYNC_WITH:
        (void)POP();
        PUSH(VM_REF(REF_AEXIT, in->b));
        PUSH(VM_REF(REF_LOCKWAIT, in->b));
        break;
    case OP_SEND:
        do_send(vm, prog, in, eff);
        break;
    case OP_YIELD_VALUE:
        do_yield(vm, eff);
        break;
    case OP_END_SEND:
        a = POP();
        TOP() = a;
        break;
    case OP_LOAD_ASSERTION_ERROR:
        PUSH(VM_OBJ(OBJ_EXC, 0));
        break;
    case OP_RAISE_VARARGS:
        fr->sp -= (uint32_t)in->a;
        eff->index = in->b;
        fail(eff, ERR_ASSERT);
        break;
    case OP_COUNT:
        break;
    }
    if (vm->nframes)
        vm->sp = vm->frames[vm->nframes - 1].sp > vm->frames[vm->cur].sp ?
                 vm->frames[vm->nframes - 1].sp : vm->frames[vm->cur].sp;
}

/* ---- serialized state ------------------------------------------------------- */

size_t vm_state_size(const struct vm *vm)
{
    return 2 * sizeof(uint16_t) + sizeof(uint32_t) + sizeof(int64_t) +
           vm->nframes * sizeof(struct vm_frame) + vm->sp * sizeof(int64_t);
}

void vm_save(const struct vm *vm, unsigned char *out)
{
    memcpy(out, &vm->nframes, sizeof(vm->nframes));
    out += sizeof(vm->nframes);
    memcpy(out, &vm->cur, sizeof(vm->cur));
    out += sizeof(vm->cur);
    memcpy(out, &vm->sp, sizeof(vm->sp));
    out += sizeof(vm->sp);
    memcpy(out, &vm->pend, sizeof(vm->pend));
    out += sizeof(vm->pend);
    memcpy(out, vm->frames, vm->nframes * sizeof(struct vm_frame));
    out += vm->nframes * sizeof(struct vm_frame);
    memcpy(out, vm->slots, vm->sp * sizeof(int64_t));
}

size_t vm_load(struct vm *vm, const struct program *prog,
               const unsigned char *in)
{
    const unsigned char *start = in;
    uint32_t sp;

    memcpy(&vm->nframes, in, sizeof(vm->nframes));
    in += sizeof(vm->nframes);
    memcpy(&vm->cur, in, sizeof(vm->cur));
    in += sizeof(vm->cur);
    memcpy(&sp, in, sizeof(sp));
    in += sizeof(sp);
    memcpy(&vm->pend, in, sizeof(vm->pend));
    in += sizeof(vm->pend);
    memcpy(vm->frames, in, vm->nframes * sizeof(struct vm_frame));
    in += vm->nframes * sizeof(struct vm_frame);
    if (vm->nframes) {
        /* Room for the top frame's whole stack, as vm_init and CALL give. */
        const struct vm_frame *top = &vm->frames[vm->nframes - 1];

        ensure_slots(vm, frame_end(prog, top) + 1);
    }
    ensure_slots(vm, sp + 1);
    memcpy(vm->slots, in, sp * sizeof(int64_t));
    in += sp * sizeof(int64_t);
    vm->sp = sp;
    return (size_t)(in - start);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    return h * 0xFF51AFD7ED558CCDull;
}

/* Only the live part of each frame counts: locals and stack. */
uint64_t vm_hash(const struct vm *vm, uint64_t h)
{
    h = mix(h, (uint64_t)vm->nframes << 16 | vm->cur);
    if (vm->pend)
        h = mix(h, (uint64_t)vm->pend);
    for (int i = 0; i < vm->nframes; i++) {
        const struct vm_frame *f = &vm->frames[i];

        h = mix(h, (uint64_t)f->pc << 32 | f->base);
        for (uint32_t k = f->base; k < f->sp; k++)
            h = mix(h, (uint64_t)vm->slots[k]);
    }
    return h;
}

int vm_equal(const struct vm *a, const struct vm *b)
{
    if (a->nframes != b->nframes || a->cur != b->cur || a->pend != b->pend)
        return 0;
    for (int i = 0; i < a->nframes; i++) {
        const struct vm_frame *fa = &a->frames[i], *fb = &b->frames[i];

        if (fa->pc != fb->pc || fa->base != fb->base || fa->sp != fb->sp)
            return 0;
        if (memcmp(&a->slots[fa->base], &b->slots[fb->base],
                   (fa->sp - fa->base) * sizeof(int64_t)) != 0)
            return 0;
    }
    return 1;
}

/* ---- with blocks left by an error -------------------------------------- */

int vm_with_objects(const struct vm *vm, const struct program *prog,
                    uint32_t pc, int *objs, int max)
{
    int n = 0;

    if (!vm->nframes || !prog->with_at)
        return 0;
    for (int k = vm->cur; k >= 0; k--) {
        uint32_t at = k == vm->cur ? pc : vm->frames[k].pc - 1;

        if (at >= prog->ncode)
            continue;
        for (int32_t w = prog->with_at[at]; w >= 0 && n < max;
             w = prog->withs[w].outer)
            objs[n++] = prog->withs[w].obj;
    }
    return n;
}

int vm_next_fails(const struct vm *vm, const struct program *prog,
                  _Atomic int64_t *globals)
{
    const struct vm_frame *fr;
    const struct instr *in;
    const int64_t *top;
    struct vm copy;
    struct vm_effect eff;
    int64_t r;

    if (!vm->nframes)
        return 0;
    fr = &vm->frames[vm->cur];
    in = &prog->code[fr->pc];
    top = &vm->slots[fr->sp];
    /* The ops a with block's body is made of, answered at once; the rest
     * run on a copy. */
    switch ((enum opcode)in->op) {
    case OP_RAISE_VARARGS:
        return 1;
    case OP_NOP:
    case OP_RESUME:
    case OP_POP_TOP:
    case OP_COPY:
    case OP_SWAP:
    case OP_PUSH_NULL:
    case OP_LOAD_ATTR:
    case OP_STORE_FAST:
    case OP_STORE_FAST_STORE_FAST:
    case OP_JUMP_FORWARD:
    case OP_JUMP_BACKWARD:
    case OP_JUMP_BACKWARD_NO_INTERRUPT:
    case OP_POP_JUMP_IF_FALSE:
    case OP_POP_JUMP_IF_TRUE:
    case OP_TO_BOOL:
    case OP_UNARY_NOT:
    case OP_END_FOR:
    case OP_GET_ITER:
    case OP_LOAD_ASSERTION_ERROR:
        return 0;
    case OP_LOAD_CONST:
        if (prog->consts[in->a].kind != CONST_INT ||
            !vm_needs_box(prog->consts[in->a].v))
            return 0;
        break;      /* a number to box: the table may be full */
    case OP_LOAD_FAST:
    case OP_LOAD_FAST_CHECK:
        return vm->slots[fr->base + (uint32_t)in->a] == VM_UNSET;
    case OP_LOAD_FAST_LOAD_FAST:
        return vm->slots[fr->base + (uint32_t)in->a] == VM_UNSET ||
               vm->slots[fr->base + (uint32_t)in->b] == VM_UNSET;
    case OP_BINARY_OP:
        return binary(prog, in->a, top[-2], top[-1], &r) != ERR_NONE;
    case OP_COMPARE_OP:
        return compare(prog, in->a, top[-2], top[-1], &r) != ERR_NONE;
    default:
        break;
    }
    memset(&copy, 0, sizeof(copy));
    vm_copy(&copy, vm);
    vm_step(&copy, prog, globals, &eff);
    vm_done(&copy);
    return eff.status == VM_ERROR;
}

/* ---- messages ------------------------------------------------------------------- */

/* The text of error err; fn is the function it happened in (for the
 * name of a local), index what the error names (a local, a message's
 * constant, a sync object). */
static void format_error(const struct program *prog, int err, uint32_t fn,
                         int64_t index, struct strbuf *out)
{
    const struct func *f = fn < (uint32_t)prog->nfuncs ? &prog->funcs[fn] :
                           NULL;

    switch (err) {
    case ERR_UNBOUND:
        if (f && index >= 0 && index < f->nlocals)
            sb_printf(out, "UnboundLocalError: cannot access local variable "
                      "'%s' where it is not associated with a value",
                      f->local_names[index]);
        else
            sb_puts(out, vm_error_text[ERR_UNBOUND]);
        break;
    case ERR_ASSERT:
        sb_puts(out, "AssertionError");
        if (index >= 0 && index < prog->nconsts &&
            prog->consts[index].kind == CONST_STR)
            sb_printf(out, ": %s", prog->consts[index].str);
        break;
    case ERR_RELEASE_UNLOCKED:
    case ERR_RELEASE_UNOWNED:
    case ERR_SEM_OVER:
    case ERR_ALOCK_NOT_ACQUIRED:
    case ERR_COND_WAIT:
    case ERR_COND_NOTIFY:
    case ERR_TASK_DONE:
    case ERR_QUEUE_EMPTY:
    case ERR_QUEUE_FULL:
    case ERR_QUEUE_CAP:
    case ERR_AQUEUE_EMPTY:
    case ERR_AQUEUE_FULL:
    case ERR_BROKEN_BARRIER:
        sb_printf(out, "%s (%s)", vm_error_text[err],
                  index >= 0 && index < prog->nlocks ?
                  prog->lock_names[index] : "?");
        break;
    default:
        sb_puts(out, vm_error_text[err < ERR_COUNT ? err : 0]);
        break;
    }
}

void vm_format_error(const struct program *prog, const struct vm_effect *eff,
                     struct strbuf *out)
{
    format_error(prog, eff->error, prog->func_of[eff->pc], eff->index, out);
}

/* ---- asyncio.gather ------------------------------------------------------------------ */

int vm_gather_start(struct vm *vm, const struct program *prog,
                    const struct vm_effect *eff,
                    int (*spawn)(void *ctx, const struct vm_effect *e),
                    void *ctx)
{
    const struct vm_frame *fr = &vm->frames[vm->cur];
    int64_t *list = &vm->slots[fr->base + (uint32_t)eff->index];
    int64_t tasks[LESSON_MAX_LIST];
    int n = eff->nvals < LESSON_MAX_LIST ? eff->nvals : LESSON_MAX_LIST;

    for (int i = 0; i < n; i++) {
        int64_t v = eff->vals[i];

        if (vm_ref_kind(v) == REF_CORO) {
            const struct vm_frame *co = &vm->frames[vm_ref_index(v)];
            struct vm_effect e = *eff;
            int u;

            e.index = co->fn;
            e.value = VM_TASK_MARK;
            e.vals = &vm->slots[co->base];
            e.nvals = prog->funcs[co->fn].nparams;
            if ((u = spawn(ctx, &e)) < 0)
                return -1 - u;
            v = VM_REF(REF_THREAD, (uint32_t)u);
        }
        tasks[i] = v;
    }
    /* the coroutines' frames are the tasks' now */
    vm->nframes = (uint16_t)(vm->cur + 1);
    list[0] = n;
    for (int i = 0; i < n; i++)
        list[1 + i] = tasks[i];
    vm_set_result(vm, VM_REF(REF_LIST, (uint32_t)eff->index));
    return ERR_NONE;
}

int64_t *vm_gather_list(struct vm *vm, const struct program *prog,
                        int *keep)
{
    const struct vm_frame *fr = vm_frame(vm);
    int64_t v;

    /* (its SEND went on to END_SEND, leaving the list of tasks: only a
     * gather's await leaves a list there) */
    if (!fr || prog->code[fr->pc].op != OP_END_SEND || fr->sp <= fr->base)
        return NULL;
    v = vm->slots[fr->sp - 1];
    if (!vm_is_ref(v) || vm_ref_kind(v) != REF_LIST)
        return NULL;
    if (keep)
        *keep = prog->code[fr->pc].b;
    return &vm->slots[fr->base + vm_ref_index(v)];
}

int vm_gather_check(struct vm *vm, const struct program *prog,
                    const struct vm_task_end *ends, int *task)
{
    int keep = 0, first = -1;
    int64_t *list = vm_gather_list(vm, prog, &keep);

    if (!list)
        return VM_GATHER_NONE;
    for (int64_t i = 0; i < list[0] && !keep; i++) {
        int u = (int)vm_ref_index(list[1 + i]);

        if (ends[u].ended == 2 && (first < 0 || ends[u].at < ends[first].at))
            first = u;
    }
    if (first >= 0) {
        *task = first;
        return VM_GATHER_FAILED;
    }
    for (int64_t i = 0; i < list[0]; i++) {
        int u = (int)vm_ref_index(list[1 + i]);

        if (!ends[u].ended) {
            *task = u;
            return VM_GATHER_WAIT;
        }
    }
    for (int64_t i = 0; i < list[0]; i++)
        list[1 + i] = ends[vm_ref_index(list[1 + i])].value;
    return VM_GATHER_DONE;
}

void vm_format_reraise(const struct program *prog, int64_t exc,
                       const char *awaited, struct strbuf *out)
{
    vm_format_exc(prog, exc, VM_EXC_LINE, out);
    sb_printf(out, " (raised in %s; the await raises it again)", awaited);
}

/* ---- exceptions as values ---------------------------------------------------------- */

/* OBJ_EXC's index: 0 the class AssertionError (LOAD_ASSERTION_ERROR);
 * else the error in the low byte and, above it in 20 bits, 1 + what it
 * names (0: nothing), which for an UnboundLocalError is its function << 12
 * | the local. */
enum { EXC_FN_SHIFT = 12, EXC_AUX_MAX = (1 << 20) - 1 };

int64_t vm_exc_value(const struct program *prog, const struct vm_effect *eff)
{
    uint32_t aux = 0, fn = prog->func_of[eff->pc];

    if (eff->error == ERR_UNBOUND) {
        if (eff->index >= 0 && eff->index < (1 << EXC_FN_SHIFT) &&
            fn < (EXC_AUX_MAX >> EXC_FN_SHIFT))
            aux = 1 + (fn << EXC_FN_SHIFT | (uint32_t)eff->index);
    } else if (eff->index >= 0 && eff->index < EXC_AUX_MAX) {
        aux = 1 + (uint32_t)eff->index;
    }
    return VM_OBJ(OBJ_EXC, (uint32_t)eff->error | aux << 8);
}

/* Its text, as a traceback's last line shows it. */
static void format_exc(const struct program *prog, uint32_t i,
                       struct strbuf *out)
{
    int err = (int)(i & 0xff);
    uint32_t aux = i >> 8;

    if (aux == 0)
        format_error(prog, err, UINT32_MAX, -1, out);
    else if (err == ERR_UNBOUND)
        format_error(prog, err, (aux - 1) >> EXC_FN_SHIFT,
                     (aux - 1) & ((1 << EXC_FN_SHIFT) - 1), out);
    else
        format_error(prog, err, UINT32_MAX, aux - 1, out);
}

void vm_format_exc(const struct program *prog, int64_t v, int how,
                   struct strbuf *out)
{
    int repr = how == VM_EXC_REPR;

    struct strbuf sb;
    const char *colon, *name, *msg;
    size_t namelen;

    sb_init(&sb);
    format_exc(prog, vm_obj_index(v), &sb);
    /* "Name: message" or "module.Name" is Python's: the class's name and
     * its argument; a text of taketurns' own is shown as it is */
    colon = strstr(sb.s, ": ");
    namelen = colon ? (size_t)(colon - sb.s) : sb.len;
    if (how == VM_EXC_LINE || strcspn(sb.s, " (") < namelen) {
        sb_puts(out, sb.s);
        sb_done(&sb);
        return;
    }
    if (!repr) {
        sb_puts(out, colon ? colon + 2 : "");
        sb_done(&sb);
        return;
    }
    for (name = sb.s + namelen; name > sb.s && name[-1] != '.'; name--)
        ;
    msg = colon ? colon + 2 : NULL;
    sb_printf(out, "%.*s(", (int)(sb.s + namelen - name), name);
    if (msg) {
        /* a str's repr: single quotes unless it holds one and no double */
        char q = strchr(msg, '\'') && !strchr(msg, '"') ? '"' : '\'';

        sb_putc(out, q);
        for (const char *c = msg; *c; c++) {
            if (*c == q || *c == '\\')
                sb_putc(out, '\\');
            sb_putc(out, *c);
        }
        sb_putc(out, q);
    }
    sb_putc(out, ')');
    sb_done(&sb);
}

void vm_format_value(const struct program *prog, int64_t v, struct strbuf *out)
{
    uint32_t i;

    if (!vm_is_ref(v)) {
        if (v == VM_UNSET)
            sb_puts(out, "-");
        else
            sb_printf(out, "%lld", (long long)v);
        return;
    }
    i = vm_ref_index(v);
    switch (vm_ref_kind(v)) {
    case REF_NULL: sb_puts(out, "NULL"); break;
    case REF_NONE: sb_puts(out, "None"); break;
    case REF_NAME:
        if (i & 0x80000000u) {
            uint32_t k = i & 0x7fffffffu;

            if ((int)k < prog->nconsts && prog->consts[k].str)
                sb_printf(out, "'%s'", prog->consts[k].str);
        } else if ((int)i < prog->nnames) {
            sb_puts(out, prog->names[i]);
        }
        break;
    case REF_RANGE: sb_puts(out, "range"); break;
    case REF_ITER: sb_puts(out, "range_iterator"); break;
    case REF_CORO: sb_puts(out, "coroutine"); break;
    case REF_WAIT: sb_printf(out, "%s(%u)", i & 2 ? "io" : "sleep", i >> 2);
        break;
    case REF_LOCKWAIT: sb_puts(out, "acquire()"); break;
    case REF_AEXIT: sb_puts(out, "__aexit__"); break;
    case REF_EXIT: sb_puts(out, "__exit__"); break;
    case REF_OBJ:
        switch (i >> 28) {
        case OBJ_EXC:
            if (vm_obj_index(v) == 0)
                sb_puts(out, "AssertionError");
            else
                vm_format_exc(prog, v, VM_EXC_REPR, out);
            break;
        case OBJ_POOL: sb_puts(out, "<ThreadPoolExecutor>"); break;
        case OBJ_FUTURE:
            sb_printf(out, "<Future of job %u>", (i & 0x0fffffffu) + 1);
            break;
        default: sb_puts(out, "<generator map>"); break;
        }
        break;
    case REF_INT: sb_printf(out, "%lld", (long long)vm_unbox(prog, v)); break;
    case REF_SYNCWAIT:
        if ((int)(i & 0xffff) < prog->nlocks && (i >> 16) < SYNC_METHOD_COUNT)
            sb_printf(out, "%s.%s()", prog->lock_names[i & 0xffff],
                      sync_method_name[i >> 16]);
        break;
    case REF_THREAD: sb_printf(out, "<Thread of task %u>", i); break;
    case REF_TUPLE: sb_puts(out, "tuple"); break;
    case REF_LIST: sb_puts(out, "list"); break;
    case REF_BOOL:      /* (the place of one to come holds None till then) */
        sb_puts(out, i == 1 ? "True" : i == 0 ? "False" : "None");
        break;
    default: sb_puts(out, "?"); break;
    }
}

void vm_format_print(const struct program *prog, const struct vm_effect *eff,
                     struct strbuf *out)
{
    for (int i = 0; i < eff->nvals; i++) {
        int64_t v = eff->vals[i];

        if (i)
            sb_putc(out, ' ');
        if (vm_is_ref(v) && vm_ref_kind(v) == REF_LIST &&
            (vm_ref_index(v) & 0x80000000u)) {
            sb_puts(out, prog->consts[vm_ref_index(v) & 0x7fffffffu].str);
        } else if (vm_is_ref(v) && vm_ref_kind(v) == REF_LIST && eff->frame) {
            const int64_t *list = &eff->frame[vm_ref_index(v)];

            sb_putc(out, '[');
            for (int64_t k = 0; k < list[0]; k++) {
                if (k)
                    sb_puts(out, ", ");
                vm_format_value(prog, list[1 + k], out);
            }
            sb_putc(out, ']');
        } else if (vm_is_ref(v) && vm_ref_kind(v) == REF_NAME &&
            (vm_ref_index(v) & 0x80000000u)) {
            uint32_t k = vm_ref_index(v) & 0x7fffffffu;

            sb_puts(out, prog->consts[k].str);
        } else if (vm_obj_kind(v) == OBJ_EXC && vm_obj_index(v)) {
            vm_format_exc(prog, v, VM_EXC_STR, out);    /* print(e) */
        } else {
            vm_format_value(prog, v, out);
        }
    }
}
