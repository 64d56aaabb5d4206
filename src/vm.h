/* vm.h - executes one bytecode op of one task.
 *
 * The VM owns no scheduling policy: vm_step() runs exactly one op and says
 * what the task now wants (run on, compute for n ticks, wait, ask something
 * of a synchronization object (sync.h), exit, or fail).  The simulator, the explorer and the real backends
 * all call it, so an op means the same thing everywhere.  Shared variables
 * are _Atomic integers read and written with relaxed loads and stores: LOAD
 * and STORE are separate ops, so a real run can lose an update without the C
 * program having a data race.
 */
#ifndef TT_VM_H
#define TT_VM_H

#include <stdatomic.h>
#include <stdint.h>

#include "program.h"

/* A local that has not been given a value yet.  The integer -2^63 is
 * boxed (REF_INT below), so no number is stored as this. */
#define VM_UNSET INT64_MIN

/* vm_effect.value of a VM_THREAD made by asyncio.create_task. */
#define VM_TASK_MARK (-2)
/* vm_effect.value of the VM_THREAD of asyncio.gather(): vals/nvals its
 * arguments (coroutines, whose frames sit just above the running frame,
 * and tasks), index the hidden slots of the list it fills; the scheduler
 * makes a task of each coroutine and puts the tasks in the list. */
#define VM_GATHER_MARK (-3)

/* Values on the operand stack that are not numbers (a function, NULL,
 * None, a range iterator, a coroutine, ...) are references: numbers just
 * above VM_UNSET, kind in the high half, index in the low.  The compiler
 * knows the type of every stack slot, so the VM never mistakes one for the
 * other; only displays decode them (vm_format_value).
 *
 * The integers that fall among these codes (-2^63 .. about -2^63 + 2^36)
 * are boxed, as CPython boxes every int: a REF_INT whose index is a slot
 * of the program's table of such numbers, the same slot for the same
 * number, so values stay equal exactly when their numbers are.  vm_num()
 * gives the number back; whatever shows or checks a value as a number
 * goes through it. */
enum vm_ref {
    REF_NULL, REF_NONE, REF_NAME, REF_RANGE, REF_ITER, REF_CORO,
    REF_WAIT, REF_LOCKWAIT, REF_AEXIT, REF_EXIT,
    REF_OBJ,            /* an object of the runtime: kind << 28 | index
                         * (enum vm_obj) */
    REF_SYNCWAIT,       /* an awaitable sync method: object | method << 16 */
    REF_INT,            /* a boxed integer: its slot in the table */
    REF_THREAD,         /* a threading.Thread: its task */
    REF_TUPLE,          /* a tuple built by BUILD_TUPLE: its count | first
                         * hidden slot << 8 (the items stay in the frame);
                         * a constant tuple: 0x80000000 | its constant */
    REF_LIST,           /* a list: the first of its hidden slots in the
                         * frame (its length, then its values); a
                         * module-level list: 0x80000000 | its constant */
    REF_BOOL,           /* True (1) or False (0): a number that prints as
                         * Python prints a bool; 2: the place of a bool a
                         * sync object's answer fills (VM_BOOL_TO_COME) */
    REF_COUNT
};

#define VM_REF_BASE (INT64_MIN + 1)
#define VM_REF(kind, idx) (VM_REF_BASE + ((int64_t)(kind) << 32) + \
                           (int64_t)(uint32_t)(idx))

/* REF_OBJ's kinds: an exception (the class AssertionError, or a task's
 * exception: vm_exc_value); a ThreadPoolExecutor (index: its
 * pool); a Future (its job); the iterator POOL.map() gives (its first
 * job | the number of jobs << 16). */
enum vm_obj { OBJ_EXC, OBJ_POOL, OBJ_FUTURE, OBJ_MAP };
#define VM_OBJ(kind, idx) VM_REF(REF_OBJ, ((uint32_t)(kind) << 28) | \
                                 (uint32_t)(idx))

static inline int vm_is_ref(int64_t v)
{
    return v >= VM_REF_BASE && v < VM_REF_BASE + ((int64_t)REF_COUNT << 32);
}

static inline int vm_ref_kind(int64_t v)
{
    return (int)((v - VM_REF_BASE) >> 32);
}

static inline uint32_t vm_ref_index(int64_t v)
{
    return (uint32_t)((v - VM_REF_BASE) & 0xffffffffu);
}

/* The enum vm_obj of a REF_OBJ value, or -1 for any other value; and
 * its index. */
static inline int vm_obj_kind(int64_t v)
{
    return vm_is_ref(v) && vm_ref_kind(v) == REF_OBJ ?
           (int)(vm_ref_index(v) >> 28) : -1;
}

static inline uint32_t vm_obj_index(int64_t v)
{
    return vm_ref_index(v) & 0x0fffffffu;
}

/* True and False: ints to arithmetic and comparison, as in Python, but
 * values of their own, so that they print as Python prints them. */
#define VM_BOOL(b) VM_REF(REF_BOOL, (b) ? 1u : 0u)
#define VM_BOOL_TO_COME VM_REF(REF_BOOL, 2u)

/* A value that is a number: a plain one, a boxed one or a bool (or
 * VM_UNSET). */
static inline int vm_is_num(int64_t v)
{
    return !vm_is_ref(v) || vm_ref_kind(v) == REF_INT ||
           vm_ref_kind(v) == REF_BOOL;
}

/* An integer that must be boxed to be a value. */
static inline int vm_needs_box(int64_t n)
{
    return n == INT64_MIN || vm_is_ref(n);
}

struct vm_boxes;
/* The table of boxed integers a program's values use; it is shared by
 * the threads and the fork()ed processes of a real run. */
struct vm_boxes *vm_boxes_new(void);
void vm_boxes_free(struct vm_boxes *b);
/* The value of the number n: n itself, or n boxed.  Returns 0, or -1 if
 * the table is full (VM_MAX_BOXED numbers). */
int vm_box(const struct program *prog, int64_t n, int64_t *out);
/* The number a value stands for: a boxed one's, a bool's 0 or 1, else v
 * itself. */
int64_t vm_unbox(const struct program *prog, int64_t v);
static inline int64_t vm_num(const struct program *prog, int64_t v)
{
    if (!vm_is_ref(v))
        return v;
    if (vm_ref_kind(v) == REF_BOOL)
        return vm_ref_index(v);
    return vm_ref_kind(v) == REF_INT ? vm_unbox(prog, v) : v;
}

enum {
    VM_MAX_BOXED = 1 << 14,     /* distinct boxed numbers (ERR_BOXED) */
    VM_MAX_FRAMES = 64,         /* nested calls of one task */
    VM_MAX_AWAIT_TICKS = (1 << 29) - 1,  /* an awaited wait, at most */
};

#define VM_ERRORS(X)                                                        \
    X(ERR_NONE, "no error")                                                 \
    X(ERR_DIV_ZERO, "ZeroDivisionError: integer division or modulo by "     \
                    "zero")                                                 \
    X(ERR_MOD_ZERO, "ZeroDivisionError: integer modulo by zero")            \
    X(ERR_OVERFLOW, "OverflowError: the result does not fit in 64 bits")    \
    X(ERR_UNBOUND, "UnboundLocalError: local variable used before it has "  \
                   "a value")                                               \
    X(ERR_ASSERT, "AssertionError")                                         \
    X(ERR_RECURSION, "RecursionError: too many nested calls (the limit is " \
                     "64)")                                                 \
    X(ERR_RANGE_STEP, "ValueError: range() arg 3 must not be zero")         \
    X(ERR_NEGATIVE_WAIT, "ValueError: cannot wait or compute a negative "   \
                         "number of ticks")                                 \
    X(ERR_RELEASE_UNLOCKED, "RuntimeError: release unlocked lock")          \
    X(ERR_TYPE, "TypeError: unsupported operand type(s): only numbers "     \
                "can be computed with")                                     \
    X(ERR_TOO_LONG, "the run would go past the last tick the simulator "    \
                    "can show")                                             \
    X(ERR_RELEASE_UNOWNED, "RuntimeError: cannot release un-acquired lock") \
    X(ERR_SEM_OVER, "ValueError: Semaphore released too many times")        \
    X(ERR_ALOCK_NOT_ACQUIRED, "RuntimeError: Lock is not acquired.")      \
    X(ERR_COND_WAIT, "RuntimeError: cannot wait on un-acquired lock")       \
    X(ERR_COND_NOTIFY, "RuntimeError: cannot notify on un-acquired lock")   \
    X(ERR_TASK_DONE, "ValueError: task_done() called too many times")       \
    X(ERR_QUEUE_EMPTY, "_queue.Empty")                                      \
    X(ERR_QUEUE_FULL, "queue.Full")                                         \
    X(ERR_QUEUE_CAP, "a queue holds at most 32 values in taketurns")       \
    X(ERR_AQUEUE_EMPTY, "asyncio.queues.QueueEmpty")                        \
    X(ERR_AQUEUE_FULL, "asyncio.queues.QueueFull")                         \
    X(ERR_BOXED, "OverflowError: more than 16384 different numbers near "  \
                 "-2**63 in one lesson (taketurns keeps no more)")          \
    X(ERR_BROKEN_BARRIER, "threading.BrokenBarrierError")                  \
    X(ERR_THREAD_ARGS, "TypeError: the thread's function is called with "  \
                       "the wrong number of arguments")                     \
    X(ERR_START_TWICE, "RuntimeError: threads can only be started once")    \
    X(ERR_JOIN_UNSTARTED, "RuntimeError: cannot join thread before it is "  \
                          "started")                                        \
    X(ERR_JOIN_SELF, "RuntimeError: cannot join current thread")            \
    X(ERR_SPAWN, "this run starts more threads than the scene's first run " \
                 "did (taketurns gives each a lane before the run)")        \
    X(ERR_THREAD_MODE, "threading.Thread starts OS threads: it runs in "   \
                       "mode threads or gil")                               \
    X(ERR_INDEX, "IndexError: list index out of range")                     \
    X(ERR_TASK_MODE, "asyncio.create_task needs a running event loop: it "  \
                     "runs in mode asyncio")                                \
    X(ERR_LIST_CAP, "a list holds at most 32 values in taketurns")       \
    X(ERR_TASK_FAILED, "a task it awaits failed: its error is raised here "\
                       "too")                                                     \
    X(ERR_NOT_ITERABLE, "TypeError: 'int' object is not iterable")         \
    X(ERR_NO_LEN, "TypeError: object of type 'int' has no len()")          \
    X(ERR_NOT_SUBSCRIPTABLE, "TypeError: 'int' object is not subscriptable")\
    X(ERR_MAX_WORKERS, "ValueError: max_workers must be greater than 0")  \
    X(ERR_POOL_MODE, "concurrent.futures.ThreadPoolExecutor starts OS "    \
                     "threads: it runs in mode threads or gil")           \
    X(ERR_POOL_CAP, "taketurns keeps at most 4 pools and 32 jobs in a "   \
                    "run")                                                 \
    X(ERR_POOL_SHUTDOWN, "RuntimeError: cannot schedule new futures "     \
                         "after shutdown")                                \
    X(ERR_GLOBAL_LIST, "a module variable holds a number in taketurns: "  \
                       "a list cannot be stored in one (a list every "     \
                       "task reads is made at the top: NAME = [...])")  \
    X(ERR_PROCPOOL_MODE, "concurrent.futures.ProcessPoolExecutor forks "  \
                         "processes: it runs in mode processes")           \
    X(ERR_POOL_NESTED, "taketurns does not model a pool made inside a "   \
                       "ProcessPoolExecutor's job: make every pool in "    \
                       "main")

enum vm_error {
#define X(id, text) id,
    VM_ERRORS(X)
#undef X
    ERR_COUNT
};

extern const char *const vm_error_text[ERR_COUNT];

enum vm_status {
    VM_RAN,         /* an ordinary op: the task can run on */
    VM_COMPUTE,     /* value: ticks of CPU work, this tick being the first */
    VM_SLEEP,       /* value: ticks of a blocking sleep */
    VM_IO,          /* value: ticks of blocking I/O */
    VM_AWAIT_SLEEP, /* value: ticks; the coroutine yields to the loop */
    VM_AWAIT_IO,
    VM_SYNC,        /* index: a sync object; method: what is asked of it
                     * (enum sync_method); value: its argument */
    VM_PRINT,       /* vals/nvals: the values printed */
    VM_EXIT,        /* the task returned from its function */
    VM_ERROR,       /* error says which; index: the local or message */
    VM_THREAD,      /* threading.Thread(...): index the function, vals/nvals
                     * its arguments, value the label's constant or -1
                     * (VM_TASK_MARK: asyncio.create_task, started at
                     * once; VM_GATHER_MARK: asyncio.gather, method 1 for
                     * return_exceptions=True); the scheduler gives it a
                     * task (vm_set_result) */
    VM_START,       /* index: the task of the thread started */
    VM_POOL,        /* a ThreadPoolExecutor's or ProcessPoolExecutor's
                     * call: method the enum vm_pool_op; index the pool
                     * (POOL_RESULT: the job); value max_workers
                     * (POOL_NEW, block 1 for a ProcessPoolExecutor) or
                     * the function
                     * (SUBMIT, MAP); vals/nvals the arguments (MAP: the
                     * items, raw numbers when block is 1) */
    VM_JOIN,        /* index: the task of the thread joined (method 1:
                     * await asyncio.gather(), index the hidden slots of
                     * the list of its tasks, which is on top of the
                     * stack) */
};

enum vm_pool_op { POOL_NEW, POOL_SUBMIT, POOL_MAP, POOL_RESULT,
                  POOL_SHUTDOWN };

/* What one op did. */
struct vm_effect {
    uint8_t status;     /* enum vm_status */
    uint8_t op;         /* the op that ran */
    uint8_t checkpoint; /* CPython 3.13 checks its eval breaker here */
    uint8_t error;      /* enum vm_error */
    uint8_t method;     /* VM_SYNC: enum sync_method */
    uint8_t block;      /* VM_SYNC: 0 for blocking=False */
    uint32_t pc;        /* where the op is */
    int32_t index;
    int64_t value;      /* the value read, written or computed; ticks */
    int64_t timeout;    /* VM_SYNC: ticks, -1 for none */
    const int64_t *vals;
    int nvals;
    const int64_t *frame; /* VM_PRINT: the frame's slots (its lists) */
};

/* A frame: its locals at slots[base..], then its operand stack up to sp.
 * Frames sit one above the other; a coroutine that is being awaited keeps
 * its frame above the frame awaiting it. */
struct vm_frame {
    uint32_t pc;
    uint32_t base;      /* index of the first local in slots */
    uint32_t sp;        /* end of this frame's stack */
    uint16_t fn;
    uint16_t pad;
};

/* One task's interpreter state.  cur is the frame running; frames above it
 * are coroutines suspended in an await (CPython's YIELD_VALUE hands the
 * value down the chain one frame at a time). */
struct vm {
    int64_t *slots;
    int64_t pend;       /* the argument of an awaited sync method, kept
                         * from its CALL to its SEND (put's item) */
    uint32_t sp;        /* slots in use: the top frame's sp */
    uint32_t cap;
    uint16_t nframes;
    uint16_t cur;
    struct vm_frame frames[VM_MAX_FRAMES];
};

/* Start a task that calls fn(args).  vm_done frees the slots. */
void vm_init(struct vm *vm, const struct program *prog, int fn,
             const int64_t *args, int nargs);
void vm_done(struct vm *vm);
/* Start a task made by code (threading.Thread, create_task, gather): it
 * calls function eff->index with eff->vals as its arguments (numbers
 * boxed where they must be).  Returns 0, or ERR_BOXED. */
int vm_init_spawned(struct vm *vm, const struct program *prog,
                    const struct vm_effect *eff);
/* ---- asyncio.gather, for the schedulers -------------------------------- */

/* The call asyncio.gather(...) (a VM_THREAD with VM_GATHER_MARK): each
 * coroutine in eff->vals becomes a task, made by spawn(ctx, e) from e, an
 * effect as asyncio.create_task's (it returns the task, or -1 - an
 * error); the tasks (and those given) go in the gather's list, which the
 * call returns.  *keep is 1 with return_exceptions=True.  Returns an
 * error or ERR_NONE. */
int vm_gather_start(struct vm *vm, const struct program *prog,
                    const struct vm_effect *eff,
                    int (*spawn)(void *ctx, const struct vm_effect *e),
                    void *ctx);
/* The list of tasks of the gather a task awaits (its frame waits at the
 * gather's END_SEND with the list on top), or NULL; *keep 1 if it has
 * return_exceptions=True. */
int64_t *vm_gather_list(struct vm *vm, const struct program *prog,
                        int *keep);
/* How a task has ended, for vm_gather_check. */
struct vm_task_end {
    int8_t ended;       /* 0 not yet, 1 returned, 2 failed */
    int64_t at;         /* when */
    int64_t value;      /* what it returned, or its exception */
};
enum { VM_GATHER_NONE, VM_GATHER_WAIT, VM_GATHER_FAILED, VM_GATHER_DONE };
/* Where the await of a gather stands, ends[u] being how task u ended:
 * VM_GATHER_WAIT, *task the first of its tasks not done; VM_GATHER_FAILED
 * (without return_exceptions), *task the one that failed first, whose
 * exception the await raises; VM_GATHER_DONE: the list now holds the
 * tasks' values (exceptions too, with return_exceptions), the await's
 * result; VM_GATHER_NONE: it awaits no gather. */
int vm_gather_check(struct vm *vm, const struct program *prog,
                    const struct vm_task_end *ends, int *task);
/* The message of a task failing in an await of a task (awaited) that
 * failed with exception exc: "AssertionError (raised in Task-3; the await
 * raises it again)". */
void vm_format_reraise(const struct program *prog, int64_t exc,
                       const char *awaited, struct strbuf *out);

/* Make dst an independent copy of src (dst initialised or zeroed). */
void vm_copy(struct vm *dst, const struct vm *src);

/* Run the op at the task's pc.  globals: the shared variables this task
 * sees (its process's copy in processes mode). */
void vm_step(struct vm *vm, const struct program *prog,
             _Atomic int64_t *globals, struct vm_effect *eff);

/* What a sync request answers for an op that leaves nothing on the
 * stack (STORE_ATTR of a Value's value). */
#define VM_NO_RESULT VM_REF(REF_NULL, 1)

/* What the call that made the task ask a sync object returns: it
 * replaces the placeholder the call left on top of the stack. */
static inline void vm_set_result(struct vm *vm, int64_t v)
{
    int64_t *top;

    if (v == VM_NO_RESULT || !vm->nframes ||
        vm->frames[vm->cur].sp <= vm->frames[vm->cur].base)
        return;
    top = &vm->slots[vm->frames[vm->cur].sp - 1];
    /* a method that returns a bool (is_set(), acquire() ...) */
    if (*top == VM_BOOL_TO_COME && !(vm_is_ref(v) &&
                                     vm_ref_kind(v) == REF_BOOL))
        v = VM_BOOL(v != 0);
    *top = v;
}

/* The pc of the next op (the running frame's). */
static inline uint32_t vm_pc(const struct vm *vm)
{
    return vm->nframes ? vm->frames[vm->cur].pc : 0;
}

/* The running frame, or NULL once the task has ended. */
static inline const struct vm_frame *vm_frame(const struct vm *vm)
{
    return vm->nframes ? &vm->frames[vm->cur] : NULL;
}

/* The with blocks a failing task leaves, innermost first, as CPython's
 * exception leaves them through their __exit__: the sync objects they
 * entered, in the running frame (standing at pc, the op that failed) and
 * then in each frame below it (standing at its call or await).  Returns
 * how many, at most max. */
int vm_with_objects(const struct vm *vm, const struct program *prog,
                    uint32_t pc, int *objs, int max);
/* Would the task's next op fail?  Runs it on a copy: globals are only
 * read (by no op that is private, the only ops it is asked about). */
int vm_next_fails(const struct vm *vm, const struct program *prog,
                  _Atomic int64_t *globals);

/* Serialized state, for checkpoints and the explorer: appends to a byte
 * buffer / reads back.  vm_hash mixes the live state into h. */
size_t vm_state_size(const struct vm *vm);
void vm_save(const struct vm *vm, unsigned char *out);
size_t vm_load(struct vm *vm, const struct program *prog,
               const unsigned char *in);
uint64_t vm_hash(const struct vm *vm, uint64_t h);
int vm_equal(const struct vm *a, const struct vm *b);

/* Text of a runtime error, naming the local variable where that helps. */
void vm_format_error(const struct program *prog, const struct vm_effect *eff,
                     struct strbuf *out);
/* A task's exception as a value (an OBJ_EXC): the error eff failed with,
 * so that awaiting the task raises it again and gather(...,
 * return_exceptions=True) gives it. */
int64_t vm_exc_value(const struct program *prog, const struct vm_effect *eff);
/* Such a value as a traceback's last line shows it (AssertionError: x),
 * as repr() does (AssertionError('x'), ValueError()), or as str() does
 * (the message alone). */
enum { VM_EXC_LINE, VM_EXC_REPR, VM_EXC_STR };
void vm_format_exc(const struct program *prog, int64_t v, int how,
                   struct strbuf *out);
/* What print() printed, as one line. */
void vm_format_print(const struct program *prog, const struct vm_effect *eff,
                     struct strbuf *out);
/* A stack value as Python would show it: 3, None, NULL, <function f>... */
void vm_format_value(const struct program *prog, int64_t v,
                     struct strbuf *out);

#endif
