/* vm.h - executes one bytecode op of one task.
 *
 * The VM owns no scheduling policy: vm_step() runs exactly one op and says
 * what the task now wants (run on, compute for n ticks, wait, take or give a
 * lock, exit, or fail).  The simulator, the explorer and the real backends
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

/* A local that has not been given a value yet; no integer value can be it
 * because arithmetic results are checked to stay in -(2^63-1) .. 2^63-1. */
#define VM_UNSET INT64_MIN

enum {
    VM_MAX_FRAMES = 64,         /* nested calls of one task */
};

#define VM_ERRORS(X)                                                        \
    X(ERR_NONE, "no error")                                                 \
    X(ERR_DIV_ZERO, "ZeroDivisionError: division by zero")                  \
    X(ERR_OVERFLOW, "OverflowError: the result does not fit in 64 bits")    \
    X(ERR_UNBOUND, "UnboundLocalError: local variable used before it has "  \
                   "a value")                                               \
    X(ERR_ASSERT, "AssertionError")                                         \
    X(ERR_RECURSION, "RecursionError: too many nested calls (the limit is " \
                     "64)")                                                 \
    X(ERR_RANGE_STEP, "ValueError: range() step must not be zero")          \
    X(ERR_NEGATIVE_WAIT, "ValueError: cannot wait or compute a negative "   \
                         "number of ticks")                                 \
    X(ERR_RELEASE_UNLOCKED, "RuntimeError: release of a lock that is not "  \
                            "held")                                         \
    X(ERR_TOO_LONG, "the run would go past the last tick the simulator "    \
                    "can show")

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
    VM_ACQUIRE,     /* index: the lock */
    VM_RELEASE,     /* index: the lock */
    VM_PRINT,       /* index: print format; vals/nvals: the values */
    VM_EXIT,        /* the task returned from its function */
    VM_ERROR,       /* error says which; index: the local or message */
};

/* What one op did. */
struct vm_effect {
    uint8_t status;     /* enum vm_status */
    uint8_t op;         /* the op that ran */
    uint8_t checkpoint; /* a GIL checkpoint under loops-and-calls */
    uint8_t error;      /* enum vm_error */
    uint32_t pc;        /* where the op is */
    int32_t index;
    int64_t value;      /* the value read, written or computed; ticks */
    const int64_t *vals;
    int nvals;
};

struct vm_frame {
    uint32_t pc;
    uint32_t base;      /* index of the first local in slots */
    uint16_t fn;
};

/* One task's interpreter state: frames and one array of value slots holding
 * each frame's locals followed by its operand stack. */
struct vm {
    int64_t *slots;
    uint32_t sp;        /* slots in use */
    uint32_t cap;
    uint16_t nframes;
    struct vm_frame frames[VM_MAX_FRAMES];
};

/* Start a task that calls fn(args).  vm_done frees the slots. */
void vm_init(struct vm *vm, const struct program *prog, int fn,
             const int64_t *args, int nargs);
void vm_done(struct vm *vm);
/* Make dst an independent copy of src (dst initialised or zeroed). */
void vm_copy(struct vm *dst, const struct vm *src);

/* Run the op at the task's pc.  globals: the shared variables this task
 * sees (its process's copy in processes mode). */
void vm_step(struct vm *vm, const struct program *prog,
             _Atomic int64_t *globals, struct vm_effect *eff);

/* The pc of the next op (the top frame's), and whether the task has ended. */
static inline uint32_t vm_pc(const struct vm *vm)
{
    return vm->nframes ? vm->frames[vm->nframes - 1].pc : 0;
}

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
/* What print() printed, as one line. */
void vm_format_print(const struct program *prog, const struct vm_effect *eff,
                     struct strbuf *out);

#endif
