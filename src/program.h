/* program.h - compiled bytecode: the op table, instructions, functions.
 *
 * The ops are CPython 3.13's, by name, order and count: for every function
 * the compiler emits the instructions `python3.13 -m dis` lists for the same
 * code (exception-handler blocks aside), and a task executes them in the
 * order CPython does.  So `x = x + 1` on a global is LOAD_GLOBAL x,
 * LOAD_CONST 1, BINARY_OP +, STORE_GLOBAL x; a function starts with RESUME;
 * a call is LOAD_GLOBAL f + NULL ... CALL n; `with m:` is BEFORE_WITH ...
 * CALL 2 (the __exit__).  Each op costs one tick; a CALL of compute(N)
 * costs N.
 *
 * OP_LIST is the one list of ops: name, ticks, flags and the line the UI
 * shows.  Everything that needs a fact about an op (dis, JSON, the GIL's
 * checkpoints, replay, the explorer) reads it from here.  Code of all
 * functions lives in one array, so a pc names an instruction in the whole
 * program (trace records store it in 32 bits).
 */
#ifndef TT_PROGRAM_H
#define TT_PROGRAM_H

#include <stdint.h>

#include "util.h"

/* Op flags. */
enum {
    OPF_JUMP = 1,       /* a is a jump target (a pc) */
    OPF_BREAKER = 2,    /* CPython 3.13 checks its eval breaker here */
    OPF_ARG = 4,        /* dis shows a numeric argument when no text */
    /* Touches only its own task's state (locals, stack, frames): it
     * commutes with every op of every other task, so the explorer need
     * not try other tasks before it (explore.c). */
    OPF_PRIVATE = 8,
    /* Reads or writes module variable a (a >= 0; a < 0 names a builtin or
     * a function, which no task changes). */
    OPF_GLOBAL = 16,
    /* Ops with neither flag (CALL, SEND, BEFORE_WITH, YIELD_VALUE, ...) do
     * what instr.kind says: program_access() decides. */
};

#define OP_LIST(X)                                                            \
    X(NOP, OPF_PRIVATE, "do nothing (keeps a line number)")                   \
    X(RESUME, OPF_ARG | OPF_BREAKER | OPF_PRIVATE,                            \
      "start (0) or resume after an await (3); at the start the GIL can "     \
      "change hands")                                                         \
    X(RETURN_GENERATOR, OPF_PRIVATE,                                          \
      "make the coroutine object and return it to the caller; the body "      \
      "runs when it is awaited")                                              \
    X(LOAD_CONST, OPF_ARG | OPF_PRIVATE, "push a constant")                   \
    X(LOAD_FAST, OPF_ARG | OPF_PRIVATE,                                       \
      "push a local variable (private to this task)")                         \
    X(LOAD_FAST_CHECK, OPF_ARG | OPF_PRIVATE,                                 \
      "push a local variable that may not have a value yet")                  \
    X(LOAD_FAST_LOAD_FAST, OPF_ARG | OPF_PRIVATE, "push two local variables") \
    X(STORE_FAST, OPF_ARG | OPF_PRIVATE,                                      \
      "pop the top of the stack into a local variable")                       \
    X(STORE_FAST_LOAD_FAST, OPF_ARG | OPF_PRIVATE,                            \
      "store into one local, push another")                                   \
    X(STORE_FAST_STORE_FAST, OPF_ARG | OPF_PRIVATE,                           \
      "pop into two local variables")                                         \
    X(LOAD_GLOBAL, OPF_ARG | OPF_GLOBAL,                                      \
      "read a module variable (shared by every thread) onto the stack")       \
    X(STORE_GLOBAL, OPF_ARG | OPF_GLOBAL,                                     \
      "pop the top of the stack and write it to the module variable in "      \
      "memory")                                                               \
    X(LOAD_ATTR, OPF_ARG | OPF_PRIVATE,                                       \
      "replace an object with one of its attributes (a sync object's: "       \
      "read from the object, which other tasks share)")                       \
    X(STORE_ATTR, OPF_ARG,                                                    \
      "pop an object and a value; store the value in the object's "           \
      "attribute (a Value's value, in memory the processes share)")           \
    X(PUSH_NULL, OPF_PRIVATE, "push NULL: this call has no self")             \
    X(COPY, OPF_ARG | OPF_PRIVATE, "push a copy of a value on the stack")     \
    X(SWAP, OPF_ARG | OPF_PRIVATE,                                            \
      "swap the top of the stack with a value below it")                      \
    X(POP_TOP, OPF_PRIVATE, "discard the top of the stack")                   \
    X(BINARY_OP, OPF_ARG | OPF_PRIVATE,                                       \
      "pop two values, push the result (+ - * // %)")                         \
    X(COMPARE_OP, OPF_ARG | OPF_PRIVATE,                                      \
      "pop two values, push True if the comparison holds")                    \
    X(UNARY_NEGATIVE, OPF_PRIVATE, "negate the top value")                    \
    X(UNARY_NOT, OPF_PRIVATE, "replace the top value by its opposite (not)")  \
    X(TO_BOOL, OPF_PRIVATE, "replace the top value by True or False")         \
    X(JUMP_FORWARD, OPF_ARG | OPF_JUMP | OPF_PRIVATE, "jump ahead")           \
    X(JUMP_BACKWARD, OPF_ARG | OPF_JUMP | OPF_BREAKER | OPF_PRIVATE,          \
      "jump back to the top of the loop: a point where the GIL can change "   \
      "hands")                                                                \
    X(JUMP_BACKWARD_NO_INTERRUPT, OPF_ARG | OPF_JUMP | OPF_PRIVATE,           \
      "jump back to SEND (no GIL check here)")                                \
    X(POP_JUMP_IF_FALSE, OPF_ARG | OPF_JUMP | OPF_PRIVATE,                    \
      "pop a value; jump if it is false")                                     \
    X(POP_JUMP_IF_TRUE, OPF_ARG | OPF_JUMP | OPF_PRIVATE,                     \
      "pop a value; jump if it is true")                                      \
    X(GET_ITER, OPF_PRIVATE, "turn the range on the stack into an iterator")  \
    X(FOR_ITER, OPF_ARG | OPF_JUMP | OPF_PRIVATE,                             \
      "push the next value of the range, or leave the loop")                  \
    X(END_FOR, OPF_PRIVATE,                                                   \
      "end of a for loop (skipped when the range is done)")                   \
    X(BUILD_TUPLE, OPF_ARG | OPF_PRIVATE,                                     \
      "pop values and push a tuple of them (a thread's args)")                \
    X(BUILD_LIST, OPF_ARG | OPF_PRIVATE,                                      \
      "pop values and push a new list of them")                               \
    X(LIST_EXTEND, OPF_ARG | OPF_PRIVATE,                                     \
      "pop a tuple and add its values to the list below it")                  \
    X(BINARY_SUBSCR, OPF_PRIVATE,                                             \
      "pop an index and a list, push the list's item at that index")          \
    X(CALL, OPF_ARG | OPF_BREAKER,                                            \
      "call a function; after a call the GIL can change hands")               \
    X(CALL_KW, OPF_ARG | OPF_BREAKER,                                         \
      "call with keyword arguments (their names are the tuple on top of the " \
      "stack)")                                                               \
    X(CALL_FUNCTION_EX, OPF_ARG | OPF_BREAKER,                                \
      "call with the items of a list as the arguments (f(*xs)), and a dict "  \
      "of keyword arguments if the arg is 1")                                 \
    X(BUILD_MAP, OPF_ARG | OPF_PRIVATE,                                       \
      "pop keys and values, push a dict of them")                             \
    X(RETURN_VALUE, OPF_PRIVATE, "return the top of the stack to the caller") \
    X(RETURN_CONST, OPF_ARG | OPF_PRIVATE,                                    \
      "return a constant to the caller; a task ends here")                    \
    X(BEFORE_WITH, 0,                                                         \
      "enter the with block: take the lock (wait if another thread holds "    \
      "it)")                                                                  \
    X(BEFORE_ASYNC_WITH, OPF_PRIVATE, "start entering the async with block")  \
    X(GET_AWAITABLE, OPF_ARG | OPF_PRIVATE,                                   \
      "get the awaitable of the value awaited")                               \
    X(SEND, OPF_ARG | OPF_JUMP,                                               \
      "send a value into the awaited object; jump on when it is done")        \
    X(YIELD_VALUE, OPF_ARG,                                                   \
      "give control back to the event loop until the awaited thing is "       \
      "done")                                                                 \
    X(END_SEND, OPF_PRIVATE, "the await is done: keep its result")            \
    X(LOAD_ASSERTION_ERROR, OPF_PRIVATE,                                      \
      "push AssertionError: the assert failed")                               \
    X(RAISE_VARARGS, OPF_ARG | OPF_PRIVATE,                                   \
      "raise the exception: the task stops")

enum opcode {
#define X(name, flags, desc) OP_##name,
    OP_LIST(X)
#undef X
    OP_COUNT
};

struct op_info {
    const char *name;
    int flags;
    const char *desc;
};

extern const struct op_info op_info[OP_COUNT];

/* What a CALL calls, what a SEND sends to, what BEFORE_WITH enters: the
 * compiler knows it for every instruction of the subset, and records it in
 * instr.kind (with instr.b the function, lock or slot). */
enum call_kind {
    CK_NONE,
    CK_FUNC,            /* b: a def */
    CK_ASYNC_FUNC,      /* b: an async def: makes a coroutine */
    CK_COMPUTE,         /* compute(N): N ticks of CPU work */
    CK_SLEEP,           /* sleep(N), time.sleep(N): blocks the thread */
    CK_IO,              /* io(N) not awaited: blocks the thread */
    CK_AWAIT_SLEEP,     /* asyncio.sleep(N): an awaitable wait */
    CK_AWAIT_IO,        /* io(N) awaited: an awaitable wait */
    CK_PRINT,           /* print(...) */
    CK_RANGE,           /* range(...); b: the hidden slots of its iterator */
    CK_ACQUIRE,         /* LOCK.acquire() of a threading.Lock; b: lock */
    CK_RELEASE,         /* LOCK.release(); b: lock */
    CK_AACQUIRE,        /* asyncio LOCK.acquire(): an awaitable; b: lock */
    CK_EXIT,            /* the with block's __exit__: releases b */
    CK_AEXIT,           /* async with's __aexit__: an awaitable release */
    CK_ASSERT,          /* AssertionError(message) */
    /* SEND receivers */
    CK_SEND_CORO,       /* a coroutine of an async def */
    CK_SEND_WAIT,       /* asyncio.sleep / io: yields once, then done */
    CK_SEND_ACQUIRE,    /* an asyncio lock's acquire: b: lock */
    CK_SEND_RELEASE,    /* __aexit__: b: lock */
    CK_SYNC,            /* OBJ.method(...) of a sync object (sync.h): b the
                         * object, sub the method, c the arguments' roles
                         * (2 bits each, enum sync_arg_role); awaited ones
                         * make an awaitable and act at their SEND.  Also
                         * on LOAD_ATTR (sub SYNC_GETATTR, c the enum
                         * sync_attr) and STORE_ATTR (SYNC_SETVALUE) */
    CK_SEND_SYNC,       /* the SEND of an awaited sync method: b, sub */
    /* threading.Thread(target=F, args=(...), name=S): b the function F,
     * c the positions of the keywords (THREAD_KW_*, 2 bits each, in the
     * order written), sub the label's constant + 1 (0: Thread-N) */
    CK_THREAD,
    CK_START,           /* HANDLE.start() of a thread */
    CK_JOIN,            /* HANDLE.join(): waits until it has finished */
    CK_APPEND,          /* LIST.append(x) */
    CK_CREATE_TASK,     /* asyncio.create_task(coroutine): b the async def */
    CK_SEND_TASK,       /* the SEND of `await TASK`: waits until it is done */
    CK_GATHER,          /* asyncio.gather(coroutines and tasks), or of a
                         * list's tasks (CALL_FUNCTION_EX): b the hidden
                         * slots of the list it fills, c how many
                         * arguments follow the tasks, sub 1 for
                         * return_exceptions=True */
    CK_SEND_GATHER,     /* its SEND (and END_SEND): waits until all are
                         * done; b: return_exceptions */
    CK_LEN,             /* len(LIST) */
    /* concurrent.futures.ThreadPoolExecutor and ProcessPoolExecutor (vm.h,
     * VM_POOL) */
    CK_POOL_NEW,        /* ThreadPoolExecutor(max_workers=N); sub 1 for
                         * ProcessPoolExecutor */
    CK_POOL_ENTER,      /* its with's BEFORE_WITH: enter gives the pool */
    CK_POOL_EXIT,       /* its with's __exit__: shutdown(wait=True) */
    CK_SUBMIT,          /* POOL.submit(F, args...): b the function F */
    CK_MAP,             /* POOL.map(F, LIST): b the function F */
    CK_RESULT,          /* FUTURE.result() */
    CK_GET_LOCK,        /* VALUE.get_lock(): b the Value; pushes its lock */
};

/* A keyword of threading.Thread(...), in instr.c of a CK_THREAD call. */
enum { THREAD_KW_TARGET = 1, THREAD_KW_ARGS = 2, THREAD_KW_NAME = 3 };

/* Instruction flags (instr.flags). */
enum {
    IF_NULL = 1,        /* LOAD_GLOBAL f + NULL, LOAD_ATTR m + NULL|self */
    IF_INPLACE = 2,     /* BINARY_OP +=: an augmented assignment */
    IF_BOOL = 4,        /* COMPARE_OP bool(<): the result feeds a jump */
    IF_BREAKER = 8,     /* this instruction checks the eval breaker */
};

/* a: the operand: a constant, a local slot, a module variable (negative
 * for a name that is not a variable: -1 - name), a jump target (a pc), or
 * the oparg dis shows (CALL's argument count, RESUME's where).
 * b: a second operand: the second local of a superinstruction, the name
 * of LOAD_ATTR, the function, lock or slot of a call (see kind).
 * COMPARE_OP's a is enum cmp_op; BINARY_OP's a is '+', '-', '*', '/' (//)
 * or '%'. */
struct instr {
    uint8_t op;
    uint8_t flags;
    uint8_t kind;       /* enum call_kind */
    uint8_t sub;        /* CK_SYNC, CK_SEND_SYNC: enum sync_method */
    int32_t a;
    int32_t b;
    int32_t c;          /* CK_SYNC: the arguments' roles */
};

struct with_block {
    int32_t obj;        /* the sync object the block entered */
    int32_t outer;      /* the block around it, -1 for none */
};

struct srcpos {
    int line, col;
};

struct func {
    const char *name;
    int line, col;
    int is_async;
    int nparams, nlocals, maxstack;
    const char **local_names;   /* nlocals; hidden slots start with '.' */
    uint32_t code_start, ncode; /* in program->code */
};

/* A constant: an integer, None, True/False, a string (str != NULL), the
 * tuple of keyword names of a CALL_KW (str: as dis shows it), or a tuple
 * of numbers (str: as dis shows it; v: its count, items: the numbers). */
enum const_kind { CONST_INT, CONST_NONE, CONST_BOOL, CONST_STR, CONST_NAMES,
                  CONST_TUPLE };

struct constant {
    enum const_kind kind;
    int64_t v;
    const char *str;
    const int64_t *items;
};

struct program {
    struct instr *code;
    struct srcpos *pos;         /* per instruction: source line and column */
    uint16_t *func_of;          /* per instruction: its function */
    uint16_t *label;            /* per instruction: dis's label number, 0 */
    uint32_t ncode;
    struct func *funcs;
    int nfuncs;
    struct constant *consts;
    int nconsts;
    const char **names;         /* names shown by LOAD_GLOBAL, LOAD_ATTR */
    int nnames;
    int nglobals;
    const char **global_names;
    int64_t *global_init;
    /* The sync objects (sync.h): locks, semaphores ...; "lock" is their
     * old name, kept where the trace and the UI say it. */
    int nlocks;
    const char **lock_names;
    uint8_t *lock_async;        /* per object: an asyncio one */
    uint8_t *lock_kind;         /* per object: enum sync_kind */
    int64_t *lock_arg;          /* per object: its constructor's argument */
    int *lock_link;             /* per object: a Condition's lock object */
    /* The with blocks: per instruction, the innermost block whose
     * exception handler covers it (an index in withs, -1 for none), as
     * CPython's exception table says; each block names the object it
     * entered and the block around it in the same function.  A task that
     * fails leaves them through their __exit__ (vm_with_objects). */
    int32_t *with_at;
    struct with_block *withs;
    int nwiths;
    struct vm_boxes *boxed;     /* numbers near -2^63 (vm.h, REF_INT) */
    int has_pools;              /* a ThreadPoolExecutor is made */
};

/* Limits on compiled code. */
enum {
    PROGRAM_MAX_CODE = 1 << 20,
    FUNC_MAX_SLOTS = 1024,      /* locals + stack of one function */
};

/* Write the instruction at pc as "LOAD_GLOBAL x", "JUMP_BACKWARD to L1", ...
 * with the argument as `python3.13 -m dis` shows it. */
void program_format_instr(const struct program *prog, uint32_t pc,
                          struct strbuf *out);
/* The argument alone, as dis shows it ("x", "+", "range + NULL",
 * "bool(<)", "to L2", "0"), or "" if the op has none. */
void program_format_arg(const struct program *prog, uint32_t pc,
                        struct strbuf *out);
const char *binary_op_text(int op);
const char *compare_op_text(int op);
/* The sync object an op at pc asks something of, or -1; *method says
 * what (enum sync_method). */
int program_sync_op(const struct program *prog, uint32_t pc, int *method);
/* The same for ops that take or release: *acquire is 1 for an op that may
 * make its task wait (acquire, wait, get ...). */
int program_lock_op(const struct program *prog, uint32_t pc, int *acquire);

/* What the instruction at pc may touch besides its own task's state: a
 * module variable (ACCESS_GLOBAL), anything else other tasks can see or
 * wait on - a lock or another sync object, the output, a task's start or
 * end (ACCESS_SHARED) - or time, by starting a timed wait or yielding to
 * the event loop (ACCESS_TIMED).  0: private, it commutes with every op of
 * every other task.  From OP_LIST's flags and, for the ops whose meaning is
 * instr.kind's, a table of call kinds in which a kind not marked private
 * counts as shared. */
enum {
    ACCESS_GLOBAL = 1,
    ACCESS_SHARED = 2,
    ACCESS_TIMED = 4,
};
int program_access(const struct program *prog, uint32_t pc);

void program_free(struct program *prog);

#endif
