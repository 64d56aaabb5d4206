/* vm.c - the bytecode interpreter: one op of one task per call. */
#include "vm.h"

#include <string.h>

const char *const vm_error_text[ERR_COUNT] = {
#define X(id, text) text,
    VM_ERRORS(X)
#undef X
};

static void ensure_slots(struct vm *vm, uint32_t need)
{
    if (need <= vm->cap)
        return;
    size_t cap = vm->cap;

    XGROW(vm->slots, cap, need);
    vm->cap = (uint32_t)cap;
}

void vm_init(struct vm *vm, const struct program *prog, int fn,
             const int64_t *args, int nargs)
{
    const struct func *f = &prog->funcs[fn];

    memset(vm, 0, sizeof(*vm));
    ensure_slots(vm, (uint32_t)(f->nlocals + f->maxstack + 1));
    for (int i = 0; i < f->nlocals; i++)
        vm->slots[i] = i < nargs ? args[i] : VM_UNSET;
    vm->sp = (uint32_t)f->nlocals;
    vm->nframes = 1;
    vm->frames[0].pc = f->code_start;
    vm->frames[0].base = 0;
    vm->frames[0].fn = (uint16_t)fn;
}

void vm_done(struct vm *vm)
{
    free(vm->slots);
    vm->slots = NULL;
    vm->cap = vm->sp = 0;
    vm->nframes = 0;
}

void vm_copy(struct vm *dst, const struct vm *src)
{
    int64_t *slots = dst->slots;
    uint32_t cap = dst->cap;

    memcpy(dst->frames, src->frames, sizeof(src->frames[0]) * src->nframes);
    dst->nframes = src->nframes;
    dst->slots = slots;
    dst->cap = cap;
    ensure_slots(dst, src->cap > 1 ? src->cap : 1);
    memcpy(dst->slots, src->slots, sizeof(int64_t) * src->sp);
    dst->sp = src->sp;
}

/* ---- arithmetic with Python's rules and no undefined behaviour --------- */

static int checked(int64_t v, int64_t *out)
{
    if (v == INT64_MIN)
        return ERR_OVERFLOW;
    *out = v;
    return ERR_NONE;
}

static int binary(int op, int64_t a, int64_t b, int64_t *out)
{
    int64_t r, q, m;

    switch (op) {
    case '+':
        if (__builtin_add_overflow(a, b, &r))
            return ERR_OVERFLOW;
        return checked(r, out);
    case '-':
        if (__builtin_sub_overflow(a, b, &r))
            return ERR_OVERFLOW;
        return checked(r, out);
    case '*':
        if (__builtin_mul_overflow(a, b, &r))
            return ERR_OVERFLOW;
        return checked(r, out);
    case '/':
    case '%':
        if (b == 0)
            return ERR_DIV_ZERO;
        /* Operands are never INT64_MIN, so a / b cannot overflow. */
        q = a / b;
        m = a % b;
        if (m != 0 && ((m < 0) != (b < 0))) {
            q -= 1;     /* floor, as Python does */
            m += b;
        }
        *out = op == '/' ? q : m;
        return ERR_NONE;
    default:
        return ERR_OVERFLOW;
    }
}

static int64_t compare(int op, int64_t a, int64_t b)
{
    switch (op) {
    case 0: return a < b;
    case 1: return a <= b;
    case 2: return a == b;
    case 3: return a != b;
    case 4: return a > b;
    default: return a >= b;
    }
}

/* ---- the interpreter -------------------------------------------------------- */

#define PUSH(v) (vm->slots[vm->sp++] = (v))
#define POP() (vm->slots[--vm->sp])
#define TOP() (vm->slots[vm->sp - 1])

static void fail(struct vm_effect *eff, int err)
{
    eff->status = VM_ERROR;
    eff->error = (uint8_t)err;
}

static void do_return(struct vm *vm, int64_t v, struct vm_effect *eff)
{
    struct vm_frame *fr = &vm->frames[vm->nframes - 1];

    vm->sp = fr->base;
    vm->nframes--;
    eff->value = v;
    if (vm->nframes == 0)
        eff->status = VM_EXIT;
    else
        PUSH(v);
}

static void do_call(struct vm *vm, const struct program *prog,
                    const struct instr *in, struct vm_effect *eff)
{
    const struct func *f = &prog->funcs[in->a];
    uint32_t base = vm->sp - (uint32_t)f->nparams;
    struct vm_frame *fr;

    if (vm->nframes >= VM_MAX_FRAMES) {
        fail(eff, ERR_RECURSION);
        return;
    }
    ensure_slots(vm, base + (uint32_t)(f->nlocals + f->maxstack) + 1);
    for (int i = f->nparams; i < f->nlocals; i++)
        vm->slots[base + (uint32_t)i] = VM_UNSET;
    vm->sp = base + (uint32_t)f->nlocals;
    fr = &vm->frames[vm->nframes++];
    fr->pc = f->code_start;
    fr->base = base;
    fr->fn = (uint16_t)in->a;
    eff->checkpoint = 1;
}

/* Pop a number of ticks; negative is an error. */
static void wait_op(struct vm *vm, struct vm_effect *eff, int status)
{
    int64_t n = POP();

    if (n < 0) {
        fail(eff, ERR_NEGATIVE_WAIT);
        return;
    }
    eff->status = (uint8_t)status;
    eff->value = n;
}

void vm_step(struct vm *vm, const struct program *prog,
             _Atomic int64_t *globals, struct vm_effect *eff)
{
    struct vm_frame *fr = &vm->frames[vm->nframes - 1];
    const struct instr *in = &prog->code[fr->pc];
    int64_t a, b, r;
    int err;

    eff->status = VM_RAN;
    eff->op = in->op;
    eff->checkpoint = 0;
    eff->error = ERR_NONE;
    eff->pc = fr->pc;
    eff->index = in->a;
    eff->value = 0;
    fr->pc++;

    switch ((enum opcode)in->op) {
    case OP_NOP:
        break;
    case OP_LOAD_CONST:
        eff->value = PUSH(prog->consts[in->a]);
        break;
    case OP_LOAD_FAST:
        a = vm->slots[fr->base + (uint32_t)in->a];
        if (a == VM_UNSET) {
            fail(eff, ERR_UNBOUND);
            break;
        }
        eff->value = PUSH(a);
        break;
    case OP_STORE_FAST:
        eff->value = vm->slots[fr->base + (uint32_t)in->a] = POP();
        break;
    case OP_LOAD_GLOBAL:
        eff->value = PUSH(atomic_load_explicit(&globals[in->a],
                                               memory_order_relaxed));
        break;
    case OP_STORE_GLOBAL:
        eff->value = POP();
        atomic_store_explicit(&globals[in->a], eff->value,
                              memory_order_relaxed);
        break;
    case OP_BINARY_OP:
        b = POP();
        a = POP();
        err = binary(in->a, a, b, &r);
        if (err) {
            fail(eff, err);
            break;
        }
        eff->value = PUSH(r);
        break;
    case OP_COMPARE_OP:
        b = POP();
        a = POP();
        eff->value = PUSH(compare(in->a, a, b));
        break;
    case OP_UNARY_NOT:
        eff->value = TOP() = !TOP();
        break;
    case OP_UNARY_NEGATIVE:
        eff->value = TOP() = -TOP();
        break;
    case OP_POP_TOP:
        eff->value = POP();
        break;
    case OP_JUMP_FORWARD:
        fr->pc = (uint32_t)in->a;
        break;
    case OP_JUMP_BACKWARD:
        fr->pc = (uint32_t)in->a;
        eff->checkpoint = 1;
        break;
    case OP_POP_JUMP_IF_FALSE:
        eff->value = POP();
        if (!eff->value)
            fr->pc = (uint32_t)in->a;
        break;
    case OP_POP_JUMP_IF_TRUE:
        eff->value = POP();
        if (eff->value)
            fr->pc = (uint32_t)in->a;
        break;
    case OP_JUMP_IF_FALSE_OR_POP:
    case OP_JUMP_IF_TRUE_OR_POP:
        eff->value = TOP();
        if ((eff->value != 0) == (in->op == OP_JUMP_IF_TRUE_OR_POP))
            fr->pc = (uint32_t)in->a;
        else
            vm->sp--;
        break;
    case OP_GET_ITER: {
        int64_t *s = &vm->slots[fr->base + (uint32_t)in->a];
        int64_t start = 0, stop, step = 1;

        if (in->b == 3)
            step = POP();
        stop = POP();
        if (in->b >= 2)
            start = POP();
        if (step == 0) {
            fail(eff, ERR_RANGE_STEP);
            break;
        }
        s[0] = start;
        s[1] = stop;
        s[2] = step;
        eff->value = stop;
        break;
    }
    case OP_FOR_ITER: {
        int64_t *s = &vm->slots[fr->base + in->b];
        int64_t next = s[0], stop = s[1], step = s[2];

        if (step > 0 ? next < stop : next > stop) {
            eff->value = PUSH(next);
            /* Past the end (or overflowing) means done next time. */
            if (__builtin_add_overflow(next, step, &s[0]) || s[0] == VM_UNSET)
                s[0] = stop;
        } else {
            fr->pc = (uint32_t)in->a;
            eff->value = VM_UNSET;
        }
        break;
    }
    case OP_CALL:
        do_call(vm, prog, in, eff);
        break;
    case OP_RETURN_VALUE:
        do_return(vm, POP(), eff);
        break;
    case OP_RETURN_NONE:
        do_return(vm, 0, eff);
        break;
    case OP_COMPUTE:
        wait_op(vm, eff, VM_COMPUTE);
        break;
    case OP_SLEEP:
        wait_op(vm, eff, VM_SLEEP);
        break;
    case OP_IO:
        wait_op(vm, eff, VM_IO);
        break;
    case OP_AWAIT_SLEEP:
        wait_op(vm, eff, VM_AWAIT_SLEEP);
        break;
    case OP_AWAIT_IO:
        wait_op(vm, eff, VM_AWAIT_IO);
        break;
    case OP_ACQUIRE:
        eff->status = VM_ACQUIRE;
        break;
    case OP_RELEASE:
        eff->status = VM_RELEASE;
        break;
    case OP_PRINT:
        vm->sp -= in->b;
        eff->status = VM_PRINT;
        eff->vals = &vm->slots[vm->sp];
        eff->nvals = in->b;
        break;
    case OP_ASSERT:
        eff->value = POP();
        if (!eff->value)
            fail(eff, ERR_ASSERT);
        break;
    case OP_COUNT:
        break;
    }
}

/* ---- serialized state ------------------------------------------------------- */

size_t vm_state_size(const struct vm *vm)
{
    return sizeof(uint16_t) + sizeof(uint32_t) +
           vm->nframes * sizeof(struct vm_frame) + vm->sp * sizeof(int64_t);
}

void vm_save(const struct vm *vm, unsigned char *out)
{
    memcpy(out, &vm->nframes, sizeof(vm->nframes));
    out += sizeof(vm->nframes);
    memcpy(out, &vm->sp, sizeof(vm->sp));
    out += sizeof(vm->sp);
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
    memcpy(&sp, in, sizeof(sp));
    in += sizeof(sp);
    memcpy(vm->frames, in, vm->nframes * sizeof(struct vm_frame));
    in += vm->nframes * sizeof(struct vm_frame);
    if (vm->nframes) {
        /* Room for the top frame's whole stack, as vm_init and CALL give. */
        const struct vm_frame *top = &vm->frames[vm->nframes - 1];
        const struct func *f = &prog->funcs[top->fn];

        ensure_slots(vm, top->base + (uint32_t)(f->nlocals + f->maxstack) + 1);
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

uint64_t vm_hash(const struct vm *vm, uint64_t h)
{
    h = mix(h, vm->nframes);
    for (int i = 0; i < vm->nframes; i++)
        h = mix(h, (uint64_t)vm->frames[i].pc << 32 | vm->frames[i].base);
    for (uint32_t i = 0; i < vm->sp; i++)
        h = mix(h, (uint64_t)vm->slots[i]);
    return h;
}

int vm_equal(const struct vm *a, const struct vm *b)
{
    if (a->nframes != b->nframes || a->sp != b->sp)
        return 0;
    for (int i = 0; i < a->nframes; i++)
        if (a->frames[i].pc != b->frames[i].pc ||
            a->frames[i].base != b->frames[i].base)
            return 0;
    return memcmp(a->slots, b->slots, a->sp * sizeof(int64_t)) == 0;
}

/* ---- messages ------------------------------------------------------------------- */

void vm_format_error(const struct program *prog, const struct vm_effect *eff,
                     struct strbuf *out)
{
    const struct func *fn = &prog->funcs[prog->func_of[eff->pc]];

    switch (eff->error) {
    case ERR_UNBOUND:
        sb_printf(out, "UnboundLocalError: local variable '%s' is used "
                  "before it has a value", fn->local_names[eff->index]);
        break;
    case ERR_ASSERT:
        sb_puts(out, "AssertionError");
        if (eff->index >= 0)
            sb_printf(out, ": %s", prog->strings[eff->index]);
        break;
    case ERR_RELEASE_UNLOCKED:
        sb_printf(out, "RuntimeError: release of lock '%s', which is not "
                  "held", prog->lock_names[eff->index]);
        break;
    default:
        sb_puts(out, vm_error_text[eff->error < ERR_COUNT ? eff->error : 0]);
        break;
    }
}

void vm_format_print(const struct program *prog, const struct vm_effect *eff,
                     struct strbuf *out)
{
    const struct print_fmt *pf = &prog->prints[eff->index];
    int v = 0;

    for (int i = 0; i < pf->nitems; i++) {
        if (i)
            sb_putc(out, ' ');
        if (pf->strs[i])
            sb_puts(out, pf->strs[i]);
        else
            sb_printf(out, "%lld", (long long)eff->vals[v++]);
    }
}
