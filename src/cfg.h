/* cfg.h - the compiler's intermediate form: instructions in basic blocks.
 *
 * The code generator (compile.c) emits instructions with a source line and
 * jump targets given as labels (block ids), the way CPython's codegen does;
 * flowgraph.c then runs the passes CPython 3.13 runs over the same kind of
 * graph (jump threading, small exit blocks inlined, unreachable code and
 * redundant NOPs removed, constant conditions folded, LOAD_FAST_CHECK where
 * a local may be unbound, superinstructions, backward conditional jumps
 * turned around) and lays the blocks out as the function's code.  Doing it
 * in CPython's order is what makes `taketurns dis` equal `python3.13 -m dis`.
 */
#ifndef TT_CFG_H
#define TT_CFG_H

#include <stdint.h>

#include "program.h"

/* Pseudo ops that exist only in the graph. */
enum {
    CFG_JUMP = OP_COUNT,        /* becomes JUMP_FORWARD or JUMP_BACKWARD */
    CFG_JUMP_NO_INTERRUPT,      /* JUMP_FORWARD or JUMP_BACKWARD_NO_INTERRUPT */
    CFG_OP_LIMIT
};

#define CFG_NO_LINE (-1)

struct cfg_instr {
    int op;
    int32_t a, b;
    uint8_t flags, kind;
    uint8_t sub;        /* as struct instr's */
    int32_t c;
    int line, col;
    int target;         /* jumps: the target block */
    int handler;        /* the exception handler active here, 0 for none */
};

struct cfg_block {
    struct cfg_instr *ins;
    int n, cap;
    int next;           /* the next block in layout order, -1 at the end */
    int preds;
    int visited;
    int is_label;       /* started by a label (a jump target in codegen) */
    int ext_target;     /* target of a jump in a handler block we omit */
    uint64_t unsafe;    /* locals that may be unbound at the start */
};

/* A `with` block's handler: where execution goes on when __exit__
 * swallows the exception (the code after the block), and the handler
 * around it.  The handler blocks are not built, but this path matters to
 * which locals may be unbound after the block (LOAD_FAST_CHECK). */
struct cfg_handler {
    int exit;           /* block, -1 if it never falls through */
    int outer;          /* the enclosing handler, 0 for none */
};

struct cfg {
    struct cfg_block *blocks;
    int nblocks, cap;
    int entry;
    int cur;            /* the block codegen appends to */
    struct cfg_handler *handlers;   /* by handler number (cfg_instr) */
    int nhandlers;
    size_t cap_handlers;
};

void cfg_init(struct cfg *g);
void cfg_done(struct cfg *g);
int cfg_new_label(struct cfg *g);
/* Continue emitting in block label (which follows the current block). */
void cfg_use_label(struct cfg *g, int label);
struct cfg_instr *cfg_addop(struct cfg *g, int op, int32_t a, int line,
                            int col);
int cfg_is_jump(int op);
/* Handler number h, entered inside handler outer, goes on at block exit
 * (-1: never) when the exception it catches is swallowed. */
void cfg_set_handler(struct cfg *g, int h, int outer, int exit);

/* The result of assembling one function. */
struct cfg_out {
    struct cfg_instr *ins;      /* in final order; jump targets are indexes */
    int n;
    uint16_t *label;            /* per instruction: dis label number or 0 */
    int maxstack;
};

/* Folding LOAD_CONST + TO_BOOL needs the constants: the truth of constant
 * a, and the index of the constant True or False. */
struct cfg_consts {
    void *ctx;
    int (*truth)(void *ctx, int32_t a);
    int32_t (*bool_const)(void *ctx, int truth);
};

/* Run CPython 3.13's passes over g and lay it out.  nlocals/nparams: the
 * function's real locals (for LOAD_FAST_CHECK). */
void cfg_assemble(struct cfg *g, int nparams, int nlocals,
                  const struct cfg_consts *cc, struct cfg_out *out);
void cfg_out_done(struct cfg_out *out);

#endif
