/* flowgraph.c - CPython 3.13's passes over a function's basic blocks.
 *
 * The passes and their order follow CPython's Python/flowgraph.c
 * (_PyCfg_OptimizeCodeUnit and the assembler's jump normalisation), for the
 * ops lesson code can produce; exception-handler blocks are not built (they
 * only run on an exception), but the ranges they protect are kept per
 * instruction so that dis's labels (jump targets and exception-table
 * boundaries) come out numbered as CPython numbers them.
 */
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "util.h"

enum { MAX_COPY_SIZE = 4 };

/* ---- building ------------------------------------------------------------- */

void cfg_init(struct cfg *g)
{
    memset(g, 0, sizeof(*g));
    g->entry = cfg_new_label(g);
    g->cur = g->entry;
}

void cfg_done(struct cfg *g)
{
    for (int i = 0; i < g->nblocks; i++)
        free(g->blocks[i].ins);
    free(g->blocks);
    free(g->handlers);
    memset(g, 0, sizeof(*g));
}

void cfg_set_handler(struct cfg *g, int h, int outer, int exit)
{
    XGROW(g->handlers, g->cap_handlers, (size_t)h + 1);
    while (g->nhandlers <= h) {
        g->handlers[g->nhandlers].exit = -1;
        g->handlers[g->nhandlers++].outer = 0;
    }
    g->handlers[h].exit = exit;
    g->handlers[h].outer = outer;
}

int cfg_new_label(struct cfg *g)
{
    size_t cap = (size_t)g->cap;
    struct cfg_block *b;

    XGROW(g->blocks, cap, (size_t)g->nblocks + 1);
    g->cap = (int)cap;
    b = &g->blocks[g->nblocks];
    memset(b, 0, sizeof(*b));
    b->next = -1;
    return g->nblocks++;
}

void cfg_use_label(struct cfg *g, int label)
{
    g->blocks[label].next = g->blocks[g->cur].next;
    g->blocks[g->cur].next = label;
    g->blocks[label].is_label = 1;
    g->cur = label;
}

int cfg_is_jump(int op)
{
    return op == CFG_JUMP || op == CFG_JUMP_NO_INTERRUPT ||
           (op < OP_COUNT && (op_info[op].flags & OPF_JUMP));
}

static int is_uncond_jump(int op)
{
    return op == CFG_JUMP || op == CFG_JUMP_NO_INTERRUPT ||
           op == OP_JUMP_FORWARD || op == OP_JUMP_BACKWARD ||
           op == OP_JUMP_BACKWARD_NO_INTERRUPT;
}

static int is_scope_exit(int op)
{
    return op == OP_RETURN_VALUE || op == OP_RETURN_CONST ||
           op == OP_RAISE_VARARGS;
}

static int is_terminator(int op)
{
    return cfg_is_jump(op) || is_scope_exit(op);
}

static struct cfg_instr *last_instr(struct cfg_block *b)
{
    return b->n ? &b->ins[b->n - 1] : NULL;
}

static int has_fallthrough(struct cfg_block *b)
{
    struct cfg_instr *last = last_instr(b);

    return !last || !(is_uncond_jump(last->op) || is_scope_exit(last->op));
}

static struct cfg_instr *append(struct cfg_block *b)
{
    size_t cap = (size_t)b->cap;
    struct cfg_instr *in;

    XGROW(b->ins, cap, (size_t)b->n + 1);
    b->cap = (int)cap;
    in = &b->ins[b->n++];
    memset(in, 0, sizeof(*in));
    in->target = -1;
    return in;
}

struct cfg_instr *cfg_addop(struct cfg *g, int op, int32_t a, int line,
                            int col)
{
    struct cfg_block *b = &g->blocks[g->cur];
    struct cfg_instr *last = last_instr(b);
    struct cfg_instr *in;

    if (last && is_terminator(last->op)) {
        int nb = cfg_new_label(g);

        g->blocks[nb].next = g->blocks[g->cur].next;
        g->blocks[g->cur].next = nb;
        g->cur = nb;
    }
    in = append(&g->blocks[g->cur]);
    in->op = op;
    in->a = a;
    in->line = line;
    in->col = col;
    return in;
}

/* ---- helpers ---------------------------------------------------------------- */

static int next_nonempty(struct cfg *g, int b)
{
    while (b >= 0 && g->blocks[b].n == 0)
        b = g->blocks[b].next;
    return b;
}

static void set_nop(struct cfg_instr *in)
{
    in->op = OP_NOP;
    in->a = in->b = in->c = 0;
    in->flags = in->kind = in->sub = 0;
    in->target = -1;
}

static int has_no_line(struct cfg_block *b)
{
    for (int i = 0; i < b->n; i++)
        if (b->ins[i].line >= 0)
            return 0;
    return 1;
}

static int exits_scope(struct cfg_block *b)
{
    struct cfg_instr *last = last_instr(b);

    return last && is_scope_exit(last->op);
}

static int has_eval_break(struct cfg_block *b)
{
    for (int i = 0; i < b->n; i++) {
        int op = b->ins[i].op;

        if (op == CFG_JUMP || op == OP_CALL || op == OP_RESUME ||
            op == OP_JUMP_BACKWARD)
            return 1;
    }
    return 0;
}

static void copy_instrs(struct cfg_block *to, const struct cfg_block *from)
{
    for (int i = 0; i < from->n; i++) {
        struct cfg_instr *in;

        /* from may live in the same array as to: index, don't hold. */
        in = append(to);
        *in = from->ins[i];
    }
}

/* ---- reachability and predecessors ------------------------------------- */

/* Where a jump to block b really lands: past empty blocks and through
 * unconditional jumps, as CPython threads the jumps of its handler blocks. */
static int thread_target(struct cfg *g, int b)
{
    int t = next_nonempty(g, b), hops = 0;

    while (t >= 0 && g->blocks[t].n && is_uncond_jump(g->blocks[t].ins[0].op) &&
           hops++ < g->nblocks)
        t = next_nonempty(g, g->blocks[t].ins[0].target);
    return t;
}

static void mark_reachable(struct cfg *g)
{
    int *stack = xmalloc(sizeof(int) * (size_t)(g->nblocks + 1));
    int sp = 0;

    for (int i = 0; i < g->nblocks; i++) {
        g->blocks[i].preds = 0;
        g->blocks[i].visited = 0;
    }
    stack[sp++] = g->entry;
    g->blocks[g->entry].visited = 1;
    g->blocks[g->entry].preds = 1;
    while (sp) {
        struct cfg_block *b = &g->blocks[stack[--sp]];
        int succ[2], ns = 0;

        if (has_fallthrough(b) && b->next >= 0)
            succ[ns++] = b->next;
        if (b->n && cfg_is_jump(last_instr(b)->op))
            succ[ns++] = last_instr(b)->target;
        for (int k = 0; k < ns; k++) {
            struct cfg_block *s = &g->blocks[succ[k]];

            s->preds++;
            if (!s->visited) {
                s->visited = 1;
                stack[sp++] = succ[k];
            }
        }
    }
    free(stack);
}

static void remove_unreachable(struct cfg *g)
{
    mark_reachable(g);
    /* Code after a with block that only its handler reaches (the block
     * ends in break, continue or return) is not built: the handler's jump
     * is threaded through it, as CPython threads it, and lands where that
     * code led. */
    for (int i = 0; i < g->nblocks; i++)
        if (g->blocks[i].ext_target && !g->blocks[i].visited) {
            int t = thread_target(g, i);

            g->blocks[i].ext_target = 0;
            if (t >= 0)
                g->blocks[t].ext_target = 1;
        }
    for (int h = 1; h < g->nhandlers; h++)
        if (g->handlers[h].exit >= 0 && !g->blocks[g->handlers[h].exit].visited)
            g->handlers[h].exit = thread_target(g, g->handlers[h].exit);
    for (int i = 0; i < g->nblocks; i++)
        if (!g->blocks[i].visited)
            g->blocks[i].n = 0;
}

/* Unlink empty blocks from the layout; jumps to one go to the next block
 * with code, which becomes a label. */
static void eliminate_empty_blocks(struct cfg *g)
{
    while (g->blocks[g->entry].n == 0 && g->blocks[g->entry].next >= 0)
        g->entry = g->blocks[g->entry].next;
    for (int b = g->entry; b >= 0; b = g->blocks[b].next)
        g->blocks[b].next = next_nonempty(g, g->blocks[b].next);
    for (int b = g->entry; b >= 0; b = g->blocks[b].next) {
        struct cfg_block *B = &g->blocks[b];

        for (int i = 0; i < B->n; i++)
            if (cfg_is_jump(B->ins[i].op)) {
                int t = next_nonempty(g, B->ins[i].target);

                if (t != B->ins[i].target && t >= 0)
                    g->blocks[t].is_label = 1;
                B->ins[i].target = t;
            }
    }
    /* a handler's target moves on the same way */
    for (int b = 0; b < g->nblocks; b++)
        if (g->blocks[b].ext_target && g->blocks[b].n == 0) {
            int t = next_nonempty(g, b);

            g->blocks[b].ext_target = 0;
            if (t >= 0)
                g->blocks[t].ext_target = 1;
        }
}

/* ---- inline small or line-less exit blocks ---------------------------------- */

static int inline_one(struct cfg *g, int b)
{
    struct cfg_instr *last = last_instr(&g->blocks[b]);
    int t, removed;
    int small, nolineno;

    if (!last || !is_uncond_jump(last->op))
        return 0;
    t = last->target;
    small = exits_scope(&g->blocks[t]) && g->blocks[t].n <= MAX_COPY_SIZE;
    nolineno = has_no_line(&g->blocks[t]) && !has_fallthrough(&g->blocks[t]);
    if (!small && !nolineno)
        return 0;
    removed = last->op;
    set_nop(last);
    copy_instrs(&g->blocks[b], &g->blocks[t]);
    if (nolineno) {
        last = last_instr(&g->blocks[b]);
        if (is_uncond_jump(last->op) && removed == CFG_JUMP)
            last->op = CFG_JUMP;
    }
    g->blocks[t].preds--;
    return 1;
}

static void inline_small_or_no_lineno_blocks(struct cfg *g)
{
    int changes;

    do {
        changes = 0;
        for (int b = g->entry; b >= 0; b = g->blocks[b].next)
            changes += inline_one(g, b);
    } while (changes);
}

/* ---- line numbers ------------------------------------------------------------ */

static int is_exit_or_eval_check_without_lineno(struct cfg_block *b)
{
    if (exits_scope(b) || has_eval_break(b))
        return has_no_line(b);
    return 0;
}

static void duplicate_exits_without_lineno(struct cfg *g)
{
    for (int b = g->entry; b >= 0; b = g->blocks[b].next) {
        struct cfg_instr *last = last_instr(&g->blocks[b]);
        int t;

        if (!last || !cfg_is_jump(last->op))
            continue;
        t = next_nonempty(g, last->target);
        if (t < 0)
            continue;
        if (is_exit_or_eval_check_without_lineno(&g->blocks[t]) &&
            g->blocks[t].preds > 1) {
            int nb = cfg_new_label(g);
            struct cfg_block *T = &g->blocks[t], *N = &g->blocks[nb];

            copy_instrs(N, T);
            last = last_instr(&g->blocks[b]);
            N->ins[0].line = last->line;
            N->ins[0].col = last->col;
            last->target = nb;
            T->preds--;
            N->preds = 1;
            N->next = T->next;
            N->is_label = 1;
            T->next = nb;
        }
    }
    for (int b = g->entry; b >= 0; b = g->blocks[b].next) {
        struct cfg_block *B = &g->blocks[b];

        if (has_fallthrough(B) && B->next >= 0 && B->n > 0 &&
            is_exit_or_eval_check_without_lineno(&g->blocks[B->next])) {
            struct cfg_instr *last = last_instr(B);

            g->blocks[B->next].ins[0].line = last->line;
            g->blocks[B->next].ins[0].col = last->col;
        }
    }
}

static void propagate_line_numbers(struct cfg *g)
{
    for (int b = g->entry; b >= 0; b = g->blocks[b].next) {
        struct cfg_block *B = &g->blocks[b];
        struct cfg_instr *last = last_instr(B);
        int line = CFG_NO_LINE, col = 0;

        if (!last)
            continue;
        for (int i = 0; i < B->n; i++) {
            if (B->ins[i].line == CFG_NO_LINE) {
                B->ins[i].line = line;
                B->ins[i].col = col;
            } else {
                line = B->ins[i].line;
                col = B->ins[i].col;
            }
        }
        if (has_fallthrough(B) && B->next >= 0 &&
            g->blocks[B->next].preds == 1 && g->blocks[B->next].n > 0 &&
            g->blocks[B->next].ins[0].line == CFG_NO_LINE) {
            g->blocks[B->next].ins[0].line = line;
            g->blocks[B->next].ins[0].col = col;
        }
        if (cfg_is_jump(last->op)) {
            struct cfg_block *T = &g->blocks[last->target];

            if (T->preds == 1 && T->n > 0 && T->ins[0].line == CFG_NO_LINE) {
                T->ins[0].line = line;
                T->ins[0].col = col;
            }
        }
    }
}

static void resolve_line_numbers(struct cfg *g)
{
    eliminate_empty_blocks(g);
    duplicate_exits_without_lineno(g);
    propagate_line_numbers(g);
}

/* ---- peephole ------------------------------------------------------------------ */

/* Replace the jump that ends block b by a NOP and a jump to where target
 * jumps, with the target jump's location (as CPython 3.13 does). */
static int jump_thread(struct cfg *g, int b, int i, int opcode)
{
    struct cfg_instr *in = &g->blocks[b].ins[i];
    struct cfg_instr *t = &g->blocks[in->target].ins[0];
    struct cfg_instr saved, *nj;

    if (in->target == t->target || t->target < 0)
        return 0;
    saved = *t;
    set_nop(in);
    nj = append(&g->blocks[b]);
    nj->op = opcode;
    nj->target = saved.target;
    nj->line = saved.line;
    nj->col = saved.col;
    nj->handler = g->blocks[b].ins[i].handler;
    return 1;
}

static void optimize_basic_block(struct cfg *g, int b,
                                 const struct cfg_consts *cc)
{
    for (int i = 0; i < g->blocks[b].n; i++) {
        struct cfg_block *B = &g->blocks[b];
        struct cfg_instr *in = &B->ins[i];
        int nextop = i + 1 < B->n ? B->ins[i + 1].op : -1;
        struct cfg_instr *target = NULL;
        int op = in->op;

        if (cfg_is_jump(op) && in->target >= 0 &&
            g->blocks[in->target].n > 0)
            target = &g->blocks[in->target].ins[0];

        if (op == OP_LOAD_CONST) {
            if (nextop == OP_POP_JUMP_IF_FALSE || nextop == OP_POP_JUMP_IF_TRUE) {
                int truth = cc->truth(cc->ctx, in->a);
                int jump_if_true = nextop == OP_POP_JUMP_IF_TRUE;

                set_nop(in);
                if (truth == jump_if_true)
                    B->ins[i + 1].op = CFG_JUMP;
                else
                    set_nop(&B->ins[i + 1]);
                continue;
            }
            if (nextop == OP_RETURN_VALUE) {
                int32_t a = in->a;

                set_nop(in);
                B->ins[i + 1].op = OP_RETURN_CONST;
                B->ins[i + 1].a = a;
                i++;
                continue;
            }
            if (nextop == OP_TO_BOOL) {
                int32_t k = cc->bool_const(cc->ctx, cc->truth(cc->ctx, in->a));

                set_nop(in);
                B->ins[i + 1].op = OP_LOAD_CONST;
                B->ins[i + 1].a = k;
                continue;
            }
        }
        switch (op) {
        case OP_POP_JUMP_IF_FALSE:
        case OP_POP_JUMP_IF_TRUE:
            if (target && target->op == CFG_JUMP)
                i -= jump_thread(g, b, i, op);
            break;
        case CFG_JUMP:
        case CFG_JUMP_NO_INTERRUPT:
            if (target && target->op == CFG_JUMP) {
                i -= jump_thread(g, b, i, CFG_JUMP);
                continue;
            }
            if (target && target->op == CFG_JUMP_NO_INTERRUPT) {
                i -= jump_thread(g, b, i, op);
                continue;
            }
            break;
        case OP_STORE_FAST:
            if (nextop == OP_STORE_FAST && B->ins[i + 1].a == in->a &&
                B->ins[i + 1].line == in->line) {
                in->op = OP_POP_TOP;
                in->a = 0;
            }
            break;
        case OP_SWAP:
            if (in->a == 1)
                set_nop(in);
            break;
        case OP_LOAD_GLOBAL:
            if (nextop == OP_PUSH_NULL && !(in->flags & IF_NULL)) {
                in->flags |= IF_NULL;
                set_nop(&B->ins[i + 1]);
            }
            break;
        case OP_COMPARE_OP:
            if (nextop == OP_TO_BOOL) {
                struct cfg_instr c = *in;

                set_nop(in);
                c.flags |= IF_BOOL;
                c.line = B->ins[i + 1].line;
                c.col = B->ins[i + 1].col;
                c.handler = B->ins[i + 1].handler;
                B->ins[i + 1] = c;
                continue;
            }
            break;
        case OP_TO_BOOL:
            if (nextop == OP_TO_BOOL) {
                set_nop(in);
                continue;
            }
            break;
        case OP_UNARY_NOT:
            if (nextop == OP_TO_BOOL) {
                set_nop(in);
                B->ins[i + 1].op = OP_UNARY_NOT;
                continue;
            }
            if (nextop == OP_UNARY_NOT) {
                set_nop(in);
                set_nop(&B->ins[i + 1]);
                continue;
            }
            break;
        default:
            break;
        }
    }
}

/* Remove NOPs that carry no line number of their own; returns how many. */
static int remove_redundant_nops_in(struct cfg *g, int b)
{
    struct cfg_block *B = &g->blocks[b];
    int dest = 0, prev_line = -1, n0 = B->n;

    for (int src = 0; src < B->n; src++) {
        struct cfg_instr *in = &B->ins[src];
        int line = in->line;

        if (in->op == OP_NOP) {
            if (line < 0)
                continue;
            if (prev_line == line)
                continue;
            if (src < B->n - 1) {
                int next_line = B->ins[src + 1].line;

                if (next_line == line)
                    continue;
                if (next_line < 0) {
                    B->ins[src + 1].line = in->line;
                    B->ins[src + 1].col = in->col;
                    continue;
                }
            } else {
                int nb = next_nonempty(g, B->next);

                if (nb >= 0) {
                    int next_line = CFG_NO_LINE;
                    struct cfg_block *N = &g->blocks[nb];

                    for (int k = 0; k < N->n; k++) {
                        if (N->ins[k].op == OP_NOP && N->ins[k].line < 0)
                            continue;
                        next_line = N->ins[k].line;
                        break;
                    }
                    if (line == next_line)
                        continue;
                }
            }
        }
        if (dest != src)
            B->ins[dest] = *in;
        dest++;
        prev_line = line;
    }
    B->n = dest;
    return n0 - dest;
}

static int remove_redundant_nops(struct cfg *g)
{
    int changes = 0;

    for (int b = g->entry; b >= 0; b = g->blocks[b].next)
        changes += remove_redundant_nops_in(g, b);
    return changes;
}

static void remove_redundant_nops_and_pairs(struct cfg *g)
{
    int done = 0;

    while (!done) {
        struct cfg_instr *prev = NULL, *in = NULL;

        done = 1;
        for (int b = g->entry; b >= 0; b = g->blocks[b].next) {
            struct cfg_block *B;

            remove_redundant_nops_in(g, b);
            B = &g->blocks[b];
            if (B->is_label)
                in = NULL;
            for (int i = 0; i < B->n; i++) {
                prev = in;
                in = &B->ins[i];
                if (in->op == OP_POP_TOP && prev &&
                    (prev->op == OP_LOAD_CONST ||
                     (prev->op == OP_COPY && prev->a == 1))) {
                    set_nop(prev);
                    set_nop(in);
                    done = 0;
                }
            }
            if ((in && cfg_is_jump(in->op)) || !has_fallthrough(B))
                in = NULL;
        }
    }
}

static int remove_redundant_jumps(struct cfg *g)
{
    int changes = 0;

    for (int b = g->entry; b >= 0; b = g->blocks[b].next) {
        struct cfg_instr *last = last_instr(&g->blocks[b]);

        if (last && is_uncond_jump(last->op)) {
            int t = next_nonempty(g, last->target);
            int nx = next_nonempty(g, g->blocks[b].next);

            if (t == nx) {
                changes++;
                set_nop(last);
            }
        }
    }
    return changes;
}

static void remove_redundant_nops_and_jumps(struct cfg *g)
{
    int n;

    do {
        n = remove_redundant_nops(g);
        n += remove_redundant_jumps(g);
    } while (n > 0);
}

/* ---- LOAD_FAST_CHECK --------------------------------------------------------- */

static void maybe_push(struct cfg *g, int t, uint64_t unsafe, int *stack,
                       int *sp)
{
    struct cfg_block *T = &g->blocks[t];
    uint64_t both = T->unsafe | unsafe;

    if (T->unsafe != both) {
        T->unsafe = both;
        if (!T->visited) {
            T->visited = 1;
            stack[(*sp)++] = t;
        }
    }
}

static void scan_block(struct cfg *g, int b, int *stack, int *sp)
{
    struct cfg_block *B = &g->blocks[b];
    uint64_t unsafe = B->unsafe;
    struct cfg_instr *last;

    for (int i = 0; i < B->n; i++) {
        struct cfg_instr *in = &B->ins[i];
        uint64_t bit;

        /* An exception here may be swallowed by a with block's __exit__:
         * the code after that block runs with what is bound now. */
        for (int h = in->handler; h > 0 && h < g->nhandlers;
             h = g->handlers[h].outer)
            if (g->handlers[h].exit >= 0)
                maybe_push(g, g->handlers[h].exit, unsafe, stack, sp);
        if (in->a < 0 || in->a >= 64)
            continue;
        bit = (uint64_t)1 << in->a;
        switch (in->op) {
        case OP_STORE_FAST:
            unsafe &= ~bit;
            break;
        case OP_LOAD_FAST_CHECK:
            unsafe &= ~bit;
            break;
        case OP_LOAD_FAST:
            if (unsafe & bit)
                in->op = OP_LOAD_FAST_CHECK;
            unsafe &= ~bit;
            break;
        default:
            break;
        }
    }
    if (B->next >= 0 && has_fallthrough(B))
        maybe_push(g, B->next, unsafe, stack, sp);
    last = last_instr(B);
    if (last && cfg_is_jump(last->op))
        maybe_push(g, last->target, unsafe, stack, sp);
}

static void add_checks_for_unbound_locals(struct cfg *g, int nparams,
                                          int nlocals)
{
    int *stack = xmalloc(sizeof(int) * (size_t)(g->nblocks + 1));
    int sp = 0;
    uint64_t start = 0;

    for (int i = nparams; i < nlocals && i < 64; i++)
        start |= (uint64_t)1 << i;
    for (int i = 0; i < g->nblocks; i++) {
        g->blocks[i].unsafe = 0;
        g->blocks[i].visited = 0;
    }
    g->blocks[g->entry].unsafe = start;
    g->blocks[g->entry].visited = 1;
    stack[sp++] = g->entry;
    while (sp) {
        int b = stack[--sp];

        g->blocks[b].visited = 0;
        scan_block(g, b, stack, &sp);
    }
    free(stack);
    /* Locals past the 64th: checked unless stored earlier in the block. */
    if (nlocals > 64)
        for (int b = g->entry; b >= 0; b = g->blocks[b].next) {
            struct cfg_block *B = &g->blocks[b];

            for (int i = 0; i < B->n; i++) {
                struct cfg_instr *in = &B->ins[i];
                int stored = 0;

                if (in->op != OP_LOAD_FAST || in->a < 64)
                    continue;
                for (int k = 0; k < i; k++)
                    if (B->ins[k].op == OP_STORE_FAST && B->ins[k].a == in->a)
                        stored = 1;
                if (!stored && in->a >= nparams)
                    in->op = OP_LOAD_FAST_CHECK;
            }
        }
}

/* ---- superinstructions ----------------------------------------------------------- */

static void make_super(struct cfg_instr *a, struct cfg_instr *b, int op)
{
    if (a->line >= 0 && b->line >= 0 && a->line != b->line)
        return;
    if (a->a >= 16 || b->a >= 16)
        return;
    a->op = op;
    a->b = b->a;
    set_nop(b);
}

static void insert_superinstructions(struct cfg *g)
{
    for (int b = g->entry; b >= 0; b = g->blocks[b].next) {
        struct cfg_block *B = &g->blocks[b];

        for (int i = 0; i + 1 < B->n; i++) {
            struct cfg_instr *in = &B->ins[i];
            int nextop = B->ins[i + 1].op;

            if (in->op == OP_LOAD_FAST && nextop == OP_LOAD_FAST)
                make_super(in, &B->ins[i + 1], OP_LOAD_FAST_LOAD_FAST);
            else if (in->op == OP_STORE_FAST && nextop == OP_LOAD_FAST)
                make_super(in, &B->ins[i + 1], OP_STORE_FAST_LOAD_FAST);
            else if (in->op == OP_STORE_FAST && nextop == OP_STORE_FAST)
                make_super(in, &B->ins[i + 1], OP_STORE_FAST_STORE_FAST);
        }
    }
    remove_redundant_nops(g);
}

/* ---- jumps: forward or backward ------------------------------------------------ */

static void normalize_jumps(struct cfg *g)
{
    for (int i = 0; i < g->nblocks; i++)
        g->blocks[i].visited = 0;
    for (int b = g->entry; b >= 0; b = g->blocks[b].next) {
        struct cfg_instr *last;
        int forward;

        g->blocks[b].visited = 1;
        last = last_instr(&g->blocks[b]);
        if (!last || !cfg_is_jump(last->op))
            continue;
        forward = !g->blocks[last->target].visited;
        if (last->op == CFG_JUMP) {
            last->op = forward ? OP_JUMP_FORWARD : OP_JUMP_BACKWARD;
        } else if (last->op == CFG_JUMP_NO_INTERRUPT) {
            last->op = forward ? OP_JUMP_FORWARD :
                       OP_JUMP_BACKWARD_NO_INTERRUPT;
        } else if (!forward && (last->op == OP_POP_JUMP_IF_FALSE ||
                                last->op == OP_POP_JUMP_IF_TRUE)) {
            int nb = cfg_new_label(g);
            struct cfg_instr *j;
            struct cfg_instr saved;

            last = last_instr(&g->blocks[b]);
            saved = *last;
            last->op = saved.op == OP_POP_JUMP_IF_FALSE ?
                       OP_POP_JUMP_IF_TRUE : OP_POP_JUMP_IF_FALSE;
            last->target = g->blocks[b].next;
            j = append(&g->blocks[nb]);
            j->op = OP_JUMP_BACKWARD;
            j->target = saved.target;
            j->line = saved.line;
            j->col = saved.col;
            /* CPython makes this jump after it has labelled exception
             * targets, so no handler covers it: a while loop inside a with
             * block splits the block's exception-table range here (dis
             * labels the jump). */
            j->handler = 0;
            g->blocks[nb].next = g->blocks[b].next;
            g->blocks[b].next = nb;
            g->blocks[nb].visited = 1;
            b = nb;
        }
    }
}

/* ---- the whole pipeline ---------------------------------------------------------- */

static int stack_effect(const struct cfg_instr *in)
{
    switch (in->op) {
    case OP_RETURN_GENERATOR:
    case OP_LOAD_CONST:
    case OP_LOAD_FAST:
    case OP_LOAD_FAST_CHECK:
    case OP_PUSH_NULL:
    case OP_COPY:
    case OP_FOR_ITER:
    case OP_BEFORE_WITH:
    case OP_BEFORE_ASYNC_WITH:
    case OP_LOAD_ASSERTION_ERROR:
        return 1;
    case OP_LOAD_FAST_LOAD_FAST:
        return 2;
    case OP_LOAD_GLOBAL:
        return in->flags & IF_NULL ? 2 : 1;
    case OP_LOAD_ATTR:
        return in->flags & IF_NULL ? 1 : 0;
    case OP_STORE_ATTR:
        return -2;
    case OP_STORE_FAST:
    case OP_STORE_GLOBAL:
    case OP_POP_TOP:
    case OP_BINARY_OP:
    case OP_COMPARE_OP:
    case OP_POP_JUMP_IF_FALSE:
    case OP_POP_JUMP_IF_TRUE:
    case OP_END_FOR:
    case OP_RETURN_VALUE:
    case OP_END_SEND:
        return -1;
    case OP_STORE_FAST_STORE_FAST:
        return -2;
    case OP_CALL:
        return -(in->a + 1);
    case OP_CALL_FUNCTION_EX:
        return -2 - (in->a & 1);
    case OP_BUILD_MAP:
        return 1 - 2 * in->a;
    case OP_RAISE_VARARGS:
        return -in->a;
    case OP_BUILD_TUPLE:
    case OP_BUILD_LIST:
        return 1 - in->a;
    case OP_LIST_EXTEND:
    case OP_BINARY_SUBSCR:
        return -1;
    default:
        return 0;
    }
}

static int max_stack(const struct cfg_out *out)
{
    int *depth = xmalloc(sizeof(int) * (size_t)(out->n + 1));
    int *work = xmalloc(sizeof(int) * (size_t)(out->n + 1));
    int nw = 0, max = 0;

    for (int i = 0; i <= out->n; i++)
        depth[i] = -1;
    if (out->n) {
        depth[0] = 0;
        work[nw++] = 0;
    }
    while (nw) {
        int i = work[--nw];

        for (; i < out->n; i++) {
            const struct cfg_instr *in = &out->ins[i];
            int d = depth[i] + stack_effect(in);

            if (d > max)
                max = d;
            if (cfg_is_jump(in->op) && in->target >= 0) {
                int t = in->target;
                int dt = d;

                if (in->op == OP_POP_JUMP_IF_FALSE ||
                    in->op == OP_POP_JUMP_IF_TRUE)
                    dt = d;
                if (depth[t] < 0) {
                    depth[t] = dt;
                    work[nw++] = t;
                }
            }
            if (is_uncond_jump(in->op) || is_scope_exit(in->op))
                break;
            if (i + 1 < out->n) {
                if (depth[i + 1] >= 0)
                    break;
                depth[i + 1] = d;
            }
        }
    }
    free(depth);
    free(work);
    return max;
}

static void assign_labels(struct cfg_out *out, const int *ext)
{
    uint8_t *is_label = xcalloc((size_t)out->n + 1, 1);
    uint16_t next = 1;

    for (int i = 0; i < out->n; i++) {
        const struct cfg_instr *in = &out->ins[i];

        if (cfg_is_jump(in->op) && in->target >= 0 && in->target < out->n)
            is_label[in->target] = 1;
        if (ext[i])
            is_label[i] = 1;
        /* exception-table boundaries: where the active handler changes
         * to or from a real one */
        if (i > 0 ? in->handler != out->ins[i - 1].handler : in->handler)
            is_label[i] = 1;
    }
    out->label = xcalloc((size_t)out->n + 1, sizeof(uint16_t));
    for (int i = 0; i < out->n; i++)
        if (is_label[i])
            out->label[i] = next++;
    free(is_label);
}

void cfg_assemble(struct cfg *g, int nparams, int nlocals,
                  const struct cfg_consts *cc, struct cfg_out *out)
{
    int *index, *ext;
    int n = 0;

    /* optimize_cfg */
    eliminate_empty_blocks(g);
    mark_reachable(g);
    inline_small_or_no_lineno_blocks(g);
    remove_unreachable(g);
    resolve_line_numbers(g);
    for (int b = g->entry; b >= 0; b = g->blocks[b].next)
        optimize_basic_block(g, b, cc);
    remove_redundant_nops_and_pairs(g);
    remove_unreachable(g);
    eliminate_empty_blocks(g);
    remove_redundant_nops_and_jumps(g);
    /* the rest of _PyCfg_OptimizeCodeUnit */
    add_checks_for_unbound_locals(g, nparams, nlocals);
    insert_superinstructions(g);
    remove_redundant_jumps(g);
    remove_unreachable(g);
    resolve_line_numbers(g);
    eliminate_empty_blocks(g);
    normalize_jumps(g);

    /* Lay the blocks out; jump targets become instruction indexes. */
    index = xmalloc(sizeof(int) * (size_t)(g->nblocks + 1));
    for (int b = 0; b < g->nblocks; b++)
        index[b] = -1;
    for (int b = g->entry; b >= 0; b = g->blocks[b].next) {
        index[b] = n;
        n += g->blocks[b].n;
    }
    out->n = n;
    out->ins = xmalloc(sizeof(*out->ins) * (size_t)(n ? n : 1));
    ext = xcalloc((size_t)n + 1, sizeof(int));
    n = 0;
    for (int b = g->entry; b >= 0; b = g->blocks[b].next) {
        struct cfg_block *B = &g->blocks[b];

        for (int i = 0; i < B->n; i++) {
            struct cfg_instr in = B->ins[i];

            if (cfg_is_jump(in.op))
                in.target = index[next_nonempty(g, in.target)];
            out->ins[n++] = in;
        }
    }
    for (int b = 0; b < g->nblocks; b++) {
        int t;

        if (!g->blocks[b].ext_target)
            continue;
        /* a handler's jump to the code after a with block, threaded as
         * CPython threads it through a jump that starts that code */
        t = thread_target(g, b);
        if (t >= 0 && index[t] >= 0 && index[t] < out->n)
            ext[index[t]] = 1;
    }
    assign_labels(out, ext);
    out->maxstack = max_stack(out);
    free(ext);
    free(index);
}

void cfg_out_done(struct cfg_out *out)
{
    free(out->ins);
    free(out->label);
    memset(out, 0, sizeof(*out));
}

