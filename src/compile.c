/* compile.c - from a parsed lesson to bytecode, and lesson_load().
 *
 * One pass per function: names are resolved (shared variables are globals,
 * every other name is local to its task), calls are checked against their
 * definitions, and code is emitted with a source position per instruction.
 * The compiler also checks each scene: its tasks' functions and argument
 * counts, and its schedule string.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson.h"
#include "program.h"
#include "schedule.h"
#include "util.h"

const struct op_info op_info[OP_COUNT] = {
#define X(name, ticks, desc) {#name, ticks, desc},
    OP_LIST(X)
#undef X
};

/* Loops being compiled, innermost last: where break and continue go. */
struct loop {
    uint32_t head;              /* continue target */
    uint32_t *breaks;           /* JUMP_FORWARD pcs to patch */
    int nbreaks;
    size_t cap;
    int with_depth;             /* with blocks open outside the loop */
};

struct compiler {
    struct lesson *L;
    struct program *prog;
    struct diag *d;
    jmp_buf fail;

    size_t cap_code, cap_consts, cap_prints;

    /* the function being compiled */
    const struct func_def *fd;
    struct func *fn;
    const char **locals;
    size_t cap_locals;
    int depth, maxdepth;        /* operand stack */
    int iter_slots_used;        /* hidden slots of nested for loops */
    struct loop loops[LESSON_MAX_DEPTH + 1];
    int nloops;
    int withs[LESSON_MAX_DEPTH + 1]; /* locks of the open with blocks */
    int nwiths;
    int line, col;              /* position of the code being emitted */
};

static TT_NORETURN TT_PRINTF(4, 5) void fail_at(struct compiler *c, int line,
                                                int col, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    diag_verror(c->d, c->L->src, line, col, fmt, ap);
    va_end(ap);
    longjmp(c->fail, 1);
}

/* ---- names ---------------------------------------------------------------- */

static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int row[64];

    if (la >= 63 || lb >= 63)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int prev = row[0];

        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int cur = row[j];
            int best = prev + (a[i - 1] != b[j - 1]);

            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

/* " (did you mean 'worker'?)" for the closest function name, or "". */
static const char *suggest_func(struct compiler *c, const char *name)
{
    static char buf[96];
    int best = 3;
    const char *found = NULL;

    for (int i = 0; i < c->L->nfuncs; i++) {
        int dist = edit_distance(name, c->L->funcs[i].name);

        if (dist < best) {
            best = dist;
            found = c->L->funcs[i].name;
        }
    }
    if (!found)
        return "";
    snprintf(buf, sizeof(buf), " (did you mean '%.60s'?)", found);
    return buf;
}

static int find_local(struct compiler *c, const char *name)
{
    for (int i = 0; i < c->fn->nlocals; i++)
        if (strcmp(c->locals[i], name) == 0)
            return i;
    return -1;
}

static int add_local(struct compiler *c, const char *name)
{
    int i = find_local(c, name);

    if (i >= 0)
        return i;
    XGROW(c->locals, c->cap_locals, (size_t)c->fn->nlocals + 1);
    c->locals[c->fn->nlocals] = name;
    return c->fn->nlocals++;
}

/* Collect every name a function assigns: those are its locals. */
static void collect_locals(struct compiler *c, const struct stmt *s)
{
    for (; s; s = s->next) {
        if (s->kind == S_ASSIGN || s->kind == S_AUG || s->kind == S_FOR) {
            if (lesson_find_shared(c->L, s->name) < 0) {
                if (lesson_find_lock(c->L, s->name) >= 0)
                    fail_at(c, s->line, s->name_col, "'%s' is a lock; it "
                            "cannot be given a value", s->name);
                if (lesson_find_func(c->L, s->name) >= 0)
                    fail_at(c, s->line, s->name_col, "'%s' is a function; "
                            "it cannot be given a value", s->name);
                add_local(c, s->name);
            } else if (s->kind == S_FOR) {
                fail_at(c, s->line, s->name_col, "the loop variable '%s' is "
                        "a shared variable: use a local name", s->name);
            }
        }
        collect_locals(c, s->body);
        collect_locals(c, s->orelse);
    }
}

/* ---- emitting ----------------------------------------------------------- */

static uint32_t here(struct compiler *c)
{
    return c->prog->ncode;
}

static void stack(struct compiler *c, int delta)
{
    c->depth += delta;
    if (c->depth > c->maxdepth)
        c->maxdepth = c->depth;
}

static uint32_t emit(struct compiler *c, enum opcode op, int32_t a, int b,
                     int delta)
{
    struct program *P = c->prog;
    size_t old_cap = c->cap_code;

    if (P->ncode >= PROGRAM_MAX_CODE)
        fail_at(c, c->line, c->col, "the lesson's code is too long (the limit "
                "is %d ops)", PROGRAM_MAX_CODE);
    XGROW(P->code, c->cap_code, (size_t)P->ncode + 1);
    if (c->cap_code != old_cap) {
        P->pos = xrealloc(P->pos, c->cap_code * sizeof(*P->pos));
        P->func_of = xrealloc(P->func_of, c->cap_code * sizeof(*P->func_of));
    }
    P->code[P->ncode].op = (uint8_t)op;
    P->code[P->ncode].pad = 0;
    P->code[P->ncode].a = a;
    P->code[P->ncode].b = (uint16_t)b;
    P->pos[P->ncode].line = c->line;
    P->pos[P->ncode].col = c->col;
    P->func_of[P->ncode] = (uint16_t)(c->fn - P->funcs);
    stack(c, delta);
    return P->ncode++;
}

static void patch(struct compiler *c, uint32_t at)
{
    c->prog->code[at].a = (int32_t)here(c);
}

static int add_const(struct compiler *c, int64_t v)
{
    struct program *P = c->prog;

    for (int i = 0; i < P->nconsts; i++)
        if (P->consts[i] == v)
            return i;
    XGROW(P->consts, c->cap_consts, (size_t)P->nconsts + 1);
    P->consts[P->nconsts] = v;
    return P->nconsts++;
}

static void at(struct compiler *c, int line, int col)
{
    c->line = line;
    c->col = col;
}

/* ---- expressions ---------------------------------------------------------- */

static void compile_expr(struct compiler *c, const struct expr *e);

static void load_name(struct compiler *c, const char *name, int line, int col)
{
    int i;

    at(c, line, col);
    if ((i = lesson_find_shared(c->L, name)) >= 0) {
        emit(c, OP_LOAD_GLOBAL, i, 0, 1);
    } else if ((i = find_local(c, name)) >= 0) {
        emit(c, OP_LOAD_FAST, i, 0, 1);
    } else if (lesson_find_lock(c->L, name) >= 0) {
        fail_at(c, line, col, "'%s' is a lock, not a value", name);
    } else if (lesson_find_func(c->L, name) >= 0) {
        fail_at(c, line, col, "'%s' is a function: call it with %s(...)",
                name, name);
    } else {
        fail_at(c, line, col, "name '%s' is not defined (declare shared "
                "variables with 'shared %s = 0' at the top level)", name, name);
    }
}

static void store_name(struct compiler *c, const char *name, int line, int col)
{
    int i;

    at(c, line, col);
    if ((i = lesson_find_shared(c->L, name)) >= 0)
        emit(c, OP_STORE_GLOBAL, i, 0, -1);
    else
        emit(c, OP_STORE_FAST, find_local(c, name), 0, -1);
}

static void compile_call(struct compiler *c, const struct expr *e, int awaited)
{
    int f = lesson_find_func(c->L, e->name);
    const struct func_def *fd;

    if (f < 0)
        fail_at(c, e->line, e->col, "no function named '%s'%s", e->name,
                suggest_func(c, e->name));
    fd = &c->L->funcs[f];
    if (fd->nparams != e->nargs)
        fail_at(c, e->line, e->col, "%s() takes %d argument%s, but %d %s "
                "given", e->name, fd->nparams, fd->nparams == 1 ? "" : "s",
                e->nargs, e->nargs == 1 ? "was" : "were");
    if (fd->is_async && !awaited)
        fail_at(c, e->line, e->col, "%s is an async def: calling it without "
                "await does not run it (write 'await %s(...)')", e->name,
                e->name);
    if (!fd->is_async && awaited)
        fail_at(c, e->line, e->col, "%s is not an async def, so it cannot be "
                "awaited: call it without 'await'", e->name);
    if (awaited && !c->fd->is_async)
        fail_at(c, e->line, e->col, "'await' is only allowed inside an "
                "async def");
    for (int i = 0; i < e->nargs; i++)
        compile_expr(c, e->args[i]);
    at(c, e->line, e->col);
    emit(c, OP_CALL, f, e->nargs, 1 - e->nargs);
}

static void compile_expr(struct compiler *c, const struct expr *e)
{
    uint32_t j;

    switch (e->kind) {
    case E_INT:
        at(c, e->line, e->col);
        emit(c, OP_LOAD_CONST, add_const(c, e->ival), 0, 1);
        break;
    case E_NAME:
        load_name(c, e->name, e->line, e->col);
        break;
    case E_BINARY:
        compile_expr(c, e->lhs);
        compile_expr(c, e->rhs);
        at(c, e->line, e->col);
        emit(c, OP_BINARY_OP, e->op, 0, -1);
        break;
    case E_COMPARE:
        compile_expr(c, e->lhs);
        compile_expr(c, e->rhs);
        at(c, e->line, e->col);
        emit(c, OP_COMPARE_OP, e->op, 0, -1);
        break;
    case E_NOT:
        compile_expr(c, e->lhs);
        at(c, e->line, e->col);
        emit(c, OP_UNARY_NOT, 0, 0, 0);
        break;
    case E_NEG:
        compile_expr(c, e->lhs);
        at(c, e->line, e->col);
        emit(c, OP_UNARY_NEGATIVE, 0, 0, 0);
        break;
    case E_AND:
    case E_OR:
        compile_expr(c, e->lhs);
        at(c, e->line, e->col);
        j = emit(c, e->kind == E_AND ? OP_JUMP_IF_FALSE_OR_POP :
                 OP_JUMP_IF_TRUE_OR_POP, 0, 0, -1);
        compile_expr(c, e->rhs);
        patch(c, j);
        break;
    case E_CALL:
        compile_call(c, e, e->op);
        break;
    }
}

/* ---- statements --------------------------------------------------------------- */

static void compile_block(struct compiler *c, const struct stmt *s);

static int lock_index(struct compiler *c, const char *name, int line, int col)
{
    int i = lesson_find_lock(c->L, name);

    if (i < 0) {
        if (lesson_find_shared(c->L, name) >= 0 || find_local(c, name) >= 0)
            fail_at(c, line, col, "'%s' is a variable, not a lock (declare "
                    "locks with 'lock NAME')", name);
        fail_at(c, line, col, "no lock named '%s' (declare it with 'lock "
                "%s' at the top level)", name, name);
    }
    return i;
}

/* Release the locks of with blocks opened inside the loop (or function)
 * being left by break, continue or return. */
static void release_withs(struct compiler *c, int down_to)
{
    for (int i = c->nwiths - 1; i >= down_to; i--)
        emit(c, OP_RELEASE, c->withs[i], 0, 0);
}

static void compile_for(struct compiler *c, const struct stmt *s)
{
    struct loop *lp;
    uint32_t head, exit_jump;
    int slot = 0;

    for (int i = 0; i < s->nargs; i++)
        compile_expr(c, s->args[i]);
    /* Three hidden locals per loop nesting level hold the range's state:
     * the next value, the stop and the step.  Names starting with '.' are
     * not shown as variables. */
    {
        static const char *const part[3] = {"next", "stop", "step"};
        char name[32];

        for (int k = 0; k < 3; k++) {
            int i;

            snprintf(name, sizeof(name), ".range%d.%s", c->iter_slots_used,
                     part[k]);
            i = find_local(c, name);
            if (i < 0)
                i = add_local(c, arena_strdup(&c->L->arena, name));
            if (k == 0)
                slot = i;
        }
    }
    c->iter_slots_used++;
    at(c, s->line, s->col);
    emit(c, OP_GET_ITER, slot, s->nargs, -s->nargs);
    head = here(c);
    exit_jump = emit(c, OP_FOR_ITER, 0, slot, 1);
    store_name(c, s->name, s->line, s->name_col);

    lp = &c->loops[c->nloops++];
    memset(lp, 0, sizeof(*lp));
    lp->head = head;
    lp->with_depth = c->nwiths;
    compile_block(c, s->body);
    at(c, s->line, s->col);
    emit(c, OP_JUMP_BACKWARD, (int32_t)head, 0, 0);
    patch(c, exit_jump);
    for (int i = 0; i < lp->nbreaks; i++)
        patch(c, lp->breaks[i]);
    free(lp->breaks);
    c->nloops--;
    c->iter_slots_used--;
}

static int is_const_true(const struct expr *e)
{
    return e->kind == E_INT && e->ival != 0;
}

static void compile_while(struct compiler *c, const struct stmt *s)
{
    struct loop *lp;
    uint32_t head = here(c), exit_jump = 0;
    int forever = is_const_true(s->value);

    if (!forever) {
        compile_expr(c, s->value);
        at(c, s->line, s->col);
        exit_jump = emit(c, OP_POP_JUMP_IF_FALSE, 0, 0, -1);
    }
    lp = &c->loops[c->nloops++];
    memset(lp, 0, sizeof(*lp));
    lp->head = head;
    lp->with_depth = c->nwiths;
    compile_block(c, s->body);
    at(c, s->line, s->col);
    emit(c, OP_JUMP_BACKWARD, (int32_t)head, 0, 0);
    if (!forever)
        patch(c, exit_jump);
    for (int i = 0; i < lp->nbreaks; i++)
        patch(c, lp->breaks[i]);
    free(lp->breaks);
    c->nloops--;
}

static void compile_if(struct compiler *c, const struct stmt *s)
{
    uint32_t skip, over;

    compile_expr(c, s->value);
    at(c, s->line, s->col);
    skip = emit(c, OP_POP_JUMP_IF_FALSE, 0, 0, -1);
    compile_block(c, s->body);
    if (s->orelse) {
        at(c, s->line, s->col);
        over = emit(c, OP_JUMP_FORWARD, 0, 0, 0);
        patch(c, skip);
        compile_block(c, s->orelse);
        patch(c, over);
    } else {
        patch(c, skip);
    }
}

static void compile_work(struct compiler *c, const struct stmt *s)
{
    enum opcode op;

    if (s->is_await && !c->fd->is_async)
        fail_at(c, s->line, s->col, "'await' is only allowed inside an async "
                "def");
    compile_expr(c, s->value);
    at(c, s->line, s->col);
    switch (s->work) {
    case WORK_COMPUTE: op = OP_COMPUTE; break;
    case WORK_SLEEP: op = s->is_await ? OP_AWAIT_SLEEP : OP_SLEEP; break;
    default: op = s->is_await ? OP_AWAIT_IO : OP_IO; break;
    }
    emit(c, op, 0, 0, -1);
}

static void compile_print(struct compiler *c, const struct stmt *s)
{
    struct program *P = c->prog;
    struct print_fmt *pf;
    int nvals = 0;

    for (int i = 0; i < s->nitems; i++)
        if (s->items[i].value) {
            compile_expr(c, s->items[i].value);
            nvals++;
        }
    XGROW(P->prints, c->cap_prints, (size_t)P->nprints + 1);
    pf = &P->prints[P->nprints];
    pf->nitems = s->nitems;
    pf->strs = xcalloc((size_t)(s->nitems ? s->nitems : 1), sizeof(char *));
    for (int i = 0; i < s->nitems; i++)
        pf->strs[i] = s->items[i].str;
    at(c, s->line, s->col);
    emit(c, OP_PRINT, P->nprints++, nvals, -nvals);
}

static void compile_stmt(struct compiler *c, const struct stmt *s)
{
    int i;

    at(c, s->line, s->col);
    switch (s->kind) {
    case S_ASSIGN:
        compile_expr(c, s->value);
        store_name(c, s->name, s->line, s->col);
        break;
    case S_AUG:
        load_name(c, s->name, s->line, s->name_col);
        compile_expr(c, s->value);
        at(c, s->line, s->col);
        emit(c, OP_BINARY_OP, s->op, 0, -1);
        store_name(c, s->name, s->line, s->col);
        break;
    case S_FOR:
        compile_for(c, s);
        break;
    case S_WHILE:
        compile_while(c, s);
        break;
    case S_IF:
        compile_if(c, s);
        break;
    case S_PASS:
        break;
    case S_GLOBAL:
        /* Accepted for Python habits; shared variables are global anyway. */
        for (const struct stmt *g = s; g; g = g->body)
            if (lesson_find_shared(c->L, g->name) < 0)
                fail_at(c, g->line, g->name_col, "'%s' is not a shared "
                        "variable: only shared variables can be global",
                        g->name);
        break;
    case S_BREAK:
    case S_CONTINUE:
        if (c->nloops == 0)
            fail_at(c, s->line, s->col, "'%s' outside a loop",
                    s->kind == S_BREAK ? "break" : "continue");
        {
            struct loop *lp = &c->loops[c->nloops - 1];

            release_withs(c, lp->with_depth);
            if (s->kind == S_CONTINUE) {
                emit(c, OP_JUMP_BACKWARD, (int32_t)lp->head, 0, 0);
            } else {
                XGROW(lp->breaks, lp->cap, (size_t)lp->nbreaks + 1);
                lp->breaks[lp->nbreaks++] = emit(c, OP_JUMP_FORWARD, 0, 0, 0);
            }
        }
        break;
    case S_WITH:
        i = lock_index(c, s->name, s->line, s->name_col);
        if (s->is_await && !c->fd->is_async)
            fail_at(c, s->line, s->col, "'async with' is only allowed inside "
                    "an async def");
        emit(c, OP_ACQUIRE, i, 0, 0);
        c->withs[c->nwiths++] = i;
        compile_block(c, s->body);
        c->nwiths--;
        at(c, s->line, s->col);
        emit(c, OP_RELEASE, i, 0, 0);
        break;
    case S_ACQUIRE:
    case S_RELEASE:
        i = lock_index(c, s->name, s->line, s->name_col);
        if (s->is_await && !c->fd->is_async)
            fail_at(c, s->line, s->col, "'await' is only allowed inside an "
                    "async def");
        emit(c, s->kind == S_ACQUIRE ? OP_ACQUIRE : OP_RELEASE, i, 0, 0);
        break;
    case S_PRINT:
        compile_print(c, s);
        break;
    case S_ASSERT:
        compile_expr(c, s->value);
        at(c, s->line, s->col);
        i = -1;
        if (s->message) {
            struct program *P = c->prog;

            P->strings = xrealloc(P->strings, sizeof(char *) *
                                  (size_t)(P->nstrings + 1));
            P->strings[P->nstrings] = s->message;
            i = P->nstrings++;
        }
        emit(c, OP_ASSERT, i, 0, -1);
        break;
    case S_RETURN:
        if (s->value)
            compile_expr(c, s->value);
        at(c, s->line, s->col);
        release_withs(c, 0);
        if (s->value)
            emit(c, OP_RETURN_VALUE, 0, 0, -1);
        else
            emit(c, OP_RETURN_NONE, 0, 0, 0);
        break;
    case S_CALL:
        compile_call(c, s->value, s->is_await);
        at(c, s->line, s->col);
        emit(c, OP_POP_TOP, 0, 0, -1);
        break;
    case S_WORK:
        compile_work(c, s);
        break;
    }
}

static void compile_block(struct compiler *c, const struct stmt *s)
{
    for (; s; s = s->next)
        compile_stmt(c, s);
}

/* The function's last statement at its own level: where the implicit
 * return is attributed, as CPython does (after a loop, the loop's line). */
static const struct stmt *last_stmt(const struct stmt *s)
{
    while (s && s->next)
        s = s->next;
    return s;
}

static void compile_func(struct compiler *c, int index)
{
    const struct func_def *fd = &c->L->funcs[index];
    struct func *fn = &c->prog->funcs[index];

    c->fd = fd;
    c->fn = fn;
    c->locals = NULL;
    c->cap_locals = 0;
    c->depth = c->maxdepth = 0;
    c->iter_slots_used = 0;
    c->nloops = c->nwiths = 0;
    fn->name = fd->name;
    fn->line = fd->line;
    fn->col = fd->col;
    fn->is_async = fd->is_async;
    fn->nparams = fd->nparams;
    fn->code_start = here(c);
    for (int i = 0; i < fd->nparams; i++) {
        if (lesson_find_shared(c->L, fd->params[i]) >= 0)
            fail_at(c, fd->line, fd->param_cols[i], "parameter '%s' has the "
                    "name of a shared variable: give it another name",
                    fd->params[i]);
        if (lesson_find_lock(c->L, fd->params[i]) >= 0)
            fail_at(c, fd->line, fd->param_cols[i], "parameter '%s' has the "
                    "name of a lock: give it another name", fd->params[i]);
        add_local(c, fd->params[i]);
    }
    collect_locals(c, fd->body);
    compile_block(c, fd->body);
    {
        const struct stmt *last = last_stmt(fd->body);

        at(c, last ? last->line : fd->line, last ? last->col : fd->col);
    }
    emit(c, OP_RETURN_NONE, 0, 0, 0);
    fn->ncode = here(c) - fn->code_start;
    fn->maxstack = c->maxdepth;
    fn->local_names = c->locals;
    c->locals = NULL; /* now owned by fn */
    if (fn->nlocals + fn->maxstack > FUNC_MAX_SLOTS)
        fail_at(c, fd->line, fd->col, "function '%s' needs too many variables "
                "(the limit is %d)", fd->name, FUNC_MAX_SLOTS);
}

/* ---- scenes ---------------------------------------------------------------- */

int scene_schedule_parse(const struct scene *sc, const char *text,
                         struct schedule *out, int *err_off, struct strbuf *err)
{
    const char *labels[LESSON_MAX_TASKS];

    for (int t = 0; t < sc->ntasks; t++)
        labels[t] = sc->tasks[t].label;
    return schedule_parse(text, labels, sc->ntasks, out, err_off, err);
}

static void check_scene(struct compiler *c, struct scene *sc)
{

    for (int i = 0; i < sc->ntasks; i++) {
        struct scene_task *st = &sc->tasks[i];
        int f = lesson_find_func(c->L, st->func_name);
        const struct func_def *fd;

        if (f < 0)
            fail_at(c, st->line, st->col, "no function named '%s'%s",
                    st->func_name, suggest_func(c, st->func_name));
        fd = &c->L->funcs[f];
        if (fd->nparams != st->nargs)
            fail_at(c, st->line, st->col, "%s() takes %d argument%s, but "
                    "%d %s given", fd->name, fd->nparams,
                    fd->nparams == 1 ? "" : "s", st->nargs,
                    st->nargs == 1 ? "was" : "were");
        st->func = f;
    }
    if (sc->cfg.schedule) {
        struct schedule sch;
        struct strbuf err;
        int off = 0;

        sb_init(&err);
        if (scene_schedule_parse(sc, sc->cfg.schedule, &sch, &off, &err) < 0) {
            diag_error(c->d, c->L->src, sc->cfg.schedule_line,
                       sc->cfg.schedule_col + off, "%s", err.s);
            sb_done(&err);
            longjmp(c->fail, 1);
        }
        sb_done(&err);
        schedule_done(&sch);
    }
}

/* ---- entry points ----------------------------------------------------------- */

static struct program *compile(struct lesson *L, struct diag *d)
{
    struct compiler c;
    struct program *P = xcalloc(1, sizeof(*P));

    memset(&c, 0, sizeof(c));
    c.L = L;
    c.prog = P;
    c.d = d;
    P->nfuncs = L->nfuncs;
    P->funcs = xcalloc((size_t)(L->nfuncs ? L->nfuncs : 1), sizeof(*P->funcs));
    P->nglobals = L->nshared;
    P->global_names = xcalloc((size_t)(L->nshared ? L->nshared : 1),
                              sizeof(char *));
    P->global_init = xcalloc((size_t)(L->nshared ? L->nshared : 1),
                             sizeof(int64_t));
    for (int i = 0; i < L->nshared; i++) {
        P->global_names[i] = L->shared[i].name;
        P->global_init[i] = L->shared[i].init;
    }
    P->nlocks = L->nlocks;
    P->lock_names = xcalloc((size_t)(L->nlocks ? L->nlocks : 1), sizeof(char *));
    for (int i = 0; i < L->nlocks; i++)
        P->lock_names[i] = L->locks[i].name;

    if (setjmp(c.fail)) {
        free(c.locals);
        for (int i = 0; i < c.nloops; i++)
            free(c.loops[i].breaks);
        program_free(P);
        return NULL;
    }
    for (int i = 0; i < L->nfuncs; i++)
        compile_func(&c, i);
    for (int i = 0; i < L->nscenes; i++)
        check_scene(&c, &L->scenes[i]);
    return P;
}

void program_free(struct program *P)
{
    if (!P)
        return;
    for (int i = 0; i < P->nfuncs; i++)
        free(P->funcs[i].local_names);
    for (int i = 0; i < P->nprints; i++)
        free(P->prints[i].strs);
    free(P->prints);
    free(P->funcs);
    free(P->code);
    free(P->pos);
    free(P->func_of);
    free(P->consts);
    free(P->strings);
    free(P->global_names);
    free(P->global_init);
    free(P->lock_names);
    free(P);
}

static struct lesson *finish(struct source *src, struct diag *d)
{
    struct lesson *L;

    if (!src)
        return NULL;
    L = lesson_parse(src, d);
    if (!L)
        return NULL;
    L->prog = compile(L, d);
    if (!L->prog) {
        lesson_free(L);
        return NULL;
    }
    return L;
}

struct lesson *lesson_load(const char *path, struct diag *d)
{
    return finish(source_load(path, d), d);
}

struct lesson *lesson_from_text(const char *name, const char *text,
                                struct diag *d)
{
    return finish(source_from_text(name, text, strlen(text), d), d);
}

void lesson_free(struct lesson *L)
{
    if (!L)
        return;
    program_free(L->prog);
    arena_done(&L->arena);
    source_free(L->src);
    free(L);
}

/* ---- printing instructions ------------------------------------------------------ */

const char *binary_op_text(int op)
{
    switch (op) {
    case '+': return "+";
    case '-': return "-";
    case '*': return "*";
    case '/': return "//";
    case '%': return "%";
    default: return "?";
    }
}

const char *compare_op_text(int op)
{
    static const char *const t[] = {"<", "<=", "==", "!=", ">", ">="};

    return op >= 0 && op < 6 ? t[op] : "?";
}

void program_format_arg(const struct program *P, uint32_t pc,
                        struct strbuf *out)
{
    const struct instr *in = &P->code[pc];
    const struct func *fn = &P->funcs[P->func_of[pc]];

    switch ((enum opcode)in->op) {
    case OP_LOAD_CONST:
        sb_printf(out, "%lld", (long long)P->consts[in->a]);
        break;
    case OP_LOAD_FAST:
    case OP_STORE_FAST:
        sb_puts(out, fn->local_names[in->a]);
        break;
    case OP_LOAD_GLOBAL:
    case OP_STORE_GLOBAL:
        sb_puts(out, P->global_names[in->a]);
        break;
    case OP_BINARY_OP:
        sb_puts(out, binary_op_text(in->a));
        break;
    case OP_COMPARE_OP:
        sb_puts(out, compare_op_text(in->a));
        break;
    case OP_JUMP_FORWARD:
    case OP_JUMP_BACKWARD:
    case OP_POP_JUMP_IF_FALSE:
    case OP_POP_JUMP_IF_TRUE:
    case OP_JUMP_IF_FALSE_OR_POP:
    case OP_JUMP_IF_TRUE_OR_POP:
    case OP_FOR_ITER:
        sb_printf(out, "to %u", (unsigned)in->a - fn->code_start);
        break;
    case OP_GET_ITER:
        sb_printf(out, "range/%d", in->b);
        break;
    case OP_CALL:
        sb_printf(out, "%s/%d", P->funcs[in->a].name, in->b);
        break;
    case OP_ACQUIRE:
    case OP_RELEASE:
        sb_puts(out, P->lock_names[in->a]);
        break;
    case OP_PRINT:
        sb_printf(out, "%d", in->b);
        break;
    default:
        break;
    }
}

void program_format_instr(const struct program *P, uint32_t pc,
                          struct strbuf *out)
{
    size_t mark;

    sb_puts(out, op_info[P->code[pc].op].name);
    mark = out->len;
    sb_putc(out, ' ');
    program_format_arg(P, pc, out);
    if (out->len == mark + 1) {
        out->len = mark;
        out->s[mark] = '\0';
    }
}
