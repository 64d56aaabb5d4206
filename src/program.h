/* program.h - compiled bytecode: the op table, instructions, functions.
 *
 * The ops mirror CPython's so that students see what CPython does; the fixed
 * point is that for a shared x, `x = x + 1` and `x += 1` compile to exactly
 * LOAD_GLOBAL x, LOAD_CONST 1, BINARY_OP +, STORE_GLOBAL x, one tick each.
 * OP_LIST is the one list of ops: name, ticks, and the line the UI shows.
 * Code of all functions lives in one array, so a pc names an instruction in
 * the whole program (trace records store it in 32 bits).
 */
#ifndef TT_PROGRAM_H
#define TT_PROGRAM_H

#include <stdint.h>

#include "util.h"

/* Ticks of -1: the op takes N ticks, N popped from the stack. */
#define OP_TICKS_N (-1)

#define OP_LIST(X)                                                            \
    X(NOP, 1, "do nothing")                                                   \
    X(LOAD_CONST, 1, "push a constant")                                       \
    X(LOAD_FAST, 1, "push a local variable (private to this task)")          \
    X(STORE_FAST, 1, "pop the top of the stack into a local variable")        \
    X(LOAD_GLOBAL, 1, "read a shared variable from memory onto the stack")    \
    X(STORE_GLOBAL, 1, "pop the top of the stack and write it to memory")     \
    X(BINARY_OP, 1, "pop two values, push the result (+ - * // %)")           \
    X(COMPARE_OP, 1, "pop two values, push 1 if the comparison holds, else 0")\
    X(UNARY_NOT, 1, "replace the top value: 1 if it was 0, else 0")          \
    X(UNARY_NEGATIVE, 1, "negate the top value")                              \
    X(POP_TOP, 1, "discard the top of the stack")                             \
    X(JUMP_FORWARD, 1, "jump ahead")                                          \
    X(JUMP_BACKWARD, 1, "jump back to the top of the loop (a GIL checkpoint)")\
    X(POP_JUMP_IF_FALSE, 1, "pop a value; jump if it is false (0)")           \
    X(POP_JUMP_IF_TRUE, 1, "pop a value; jump if it is true (not 0)")         \
    X(JUMP_IF_FALSE_OR_POP, 1, "jump if the top is false, else pop it (and)") \
    X(JUMP_IF_TRUE_OR_POP, 1, "jump if the top is true, else pop it (or)")    \
    X(GET_ITER, 1, "pop range() arguments and start iterating over them")     \
    X(FOR_ITER, 1, "push the next value of the range, or leave the loop")     \
    X(CALL, 1, "call a function (a GIL checkpoint)")                          \
    X(RETURN_VALUE, 1, "return the top of the stack to the caller")           \
    X(RETURN_NONE, 1, "return None to the caller; a task ends here")          \
    X(COMPUTE, OP_TICKS_N, "pop N; do N ticks of CPU work")                   \
    X(SLEEP, 1, "pop N; block this thread for N ticks (sleep)")               \
    X(IO, 1, "pop N; block this thread for N ticks of I/O")                   \
    X(AWAIT_SLEEP, 1, "pop N; give control to the event loop for N ticks")    \
    X(AWAIT_IO, 1, "pop N; start I/O and give control to the event loop")     \
    X(ACQUIRE, 1, "take the lock, or wait until its holder releases it")      \
    X(RELEASE, 1, "release the lock; its first waiter gets it")               \
    X(PRINT, 1, "pop the values and print them")                              \
    X(ASSERT, 1, "pop a value; fail with AssertionError if it is false")

enum opcode {
#define X(name, ticks, desc) OP_##name,
    OP_LIST(X)
#undef X
    OP_COUNT
};

struct op_info {
    const char *name;
    int ticks;
    const char *desc;
};

extern const struct op_info op_info[OP_COUNT];

/* BINARY_OP arguments are the characters '+', '-', '*', '/' (floor
 * division, shown as //) and '%'; COMPARE_OP takes enum cmp_op. */
struct instr {
    uint8_t op;
    uint8_t pad;
    uint16_t b;         /* second operand: nargs, iterator slot */
    int32_t a;          /* first operand: const, slot, global, lock, pc */
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

/* How print() lays out its arguments: strings and values in order. */
struct print_fmt {
    int nitems;
    const char **strs;          /* nitems; NULL where a value goes */
};

struct program {
    struct instr *code;
    struct srcpos *pos;         /* per instruction: source line and column */
    uint16_t *func_of;          /* per instruction: its function */
    uint32_t ncode;
    struct func *funcs;
    int nfuncs;
    int64_t *consts;
    int nconsts;
    const char **strings;       /* assert messages */
    int nstrings;
    struct print_fmt *prints;
    int nprints;
    int nglobals;
    const char **global_names;
    int64_t *global_init;
    int nlocks;
    const char **lock_names;
};

/* Limits on compiled code. */
enum {
    PROGRAM_MAX_CODE = 1 << 20,
    FUNC_MAX_SLOTS = 1024,      /* locals + stack of one function */
};

/* Write the instruction at pc as "LOAD_GLOBAL x", "JUMP_BACKWARD 4", ...
 * Jump targets are shown as offsets within the function. */
void program_format_instr(const struct program *prog, uint32_t pc,
                          struct strbuf *out);
/* The operand part alone ("x", "+", "range/2"), or "" if none. */
void program_format_arg(const struct program *prog, uint32_t pc,
                        struct strbuf *out);
const char *binary_op_text(int op);
const char *compare_op_text(int op);

void program_free(struct program *prog);

#endif
