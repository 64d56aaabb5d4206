/* compile.c - from a parsed lesson to CPython 3.13's bytecode; lesson_load.
 *
 * Names are resolved as Python resolves them in a module: a name assigned
 * in a function is local unless the function declares it `global`; the
 * module's variables, locks and functions are globals.  Assigning a module
 * variable without `global` is refused where Python would make it local.
 * Code is generated statement by statement the way CPython 3.13's codegen
 * does (Python/compile.c) into basic blocks (cfg.h), which flowgraph.c
 * optimises and lays out; the result is what `python3.13 -m dis` lists.
 * The compiler also checks each scene: its tasks' functions and argument
 * counts, and its schedule string.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "lesson.h"
#include "spawn.h"
#include "program.h"
#include "schedule.h"
#include "sync.h"
#include "util.h"
#include "vm.h"

const struct op_info op_info[OP_COUNT] = {
#define X(name, flags, desc) {#name, flags, desc},
    OP_LIST(X)
#undef X
};

enum fblock_kind { FB_FOR, FB_WHILE, FB_WITH, FB_ASYNC_WITH };

/* A block of code that break, continue and return must leave properly
 * (CPython's fblockinfo). */
struct fblock {
    enum fblock_kind kind;
    int start;          /* loops: where continue goes */
    int exit;           /* loops: where break goes */
    int line, col;      /* with: the with statement */
    int lock;
    int outer_handler;  /* with: the handler outside the block */
};

/* A name used before the function's `global` statement for it, as Python
 * refuses at compile time: first uses are recorded in order. */
struct use {
    const char *name;
    int line, col;
};

/* Positions (+1; 0 is an empty slot) of the entries of a table that grows
 * (the program's constants and names, a function's uses and globals), by hash, so that each is found in
 * constant time and a lesson of many functions compiles in linear time. */
struct index {
    int32_t *slots;
    size_t cap;         /* a power of two, or 0 */
};

struct uses {
    struct use *v;
    int n;
    size_t cap;
    struct index ix;    /* of v, by name */
};

/* What a local holds: the compiler knows each slot's type.  A list lives
 * in hidden slots of its frame (its length, then up to LESSON_MAX_LIST
 * values), so it is saved, compared and hashed with the task's state. */
/* LT_TLIST: a list of threads; LT_KLIST: a list of asyncio tasks. */
enum local_type { LT_NUM, LT_THREAD, LT_LIST, LT_TLIST, LT_TASK, LT_KLIST,
                  LT_POOL, LT_FUTURE };

static int is_list_type(int t)
{
    return t == LT_LIST || t == LT_TLIST || t == LT_KLIST;
}

/* The type of an item of a list of type t. */
static int item_type(int t)
{
    return t == LT_TLIST ? LT_THREAD : t == LT_KLIST ? LT_TASK : LT_NUM;
}

/* The type of a list holding items of type t. */
static int list_of(int t)
{
    return t == LT_THREAD ? LT_TLIST : t == LT_TASK ? LT_KLIST : LT_LIST;
}

/* Imports (struct lesson.imports bits). */
enum { IMP_THREADING = 1, IMP_ASYNCIO = 2, IMP_TIME = 4 };

struct compiler {
    struct lesson *L;
    struct program *prog;
    struct diag *d;
    jmp_buf fail;

    size_t cap_code, cap_consts, cap_names, cap_withs;
    struct index consts_ix, names_ix;   /* of P->consts and P->names */

    /* the function being compiled */
    const struct func_def *fd;
    struct func *fn;
    const char **locals;
    size_t cap_locals;
    int nreal;                  /* real locals (CPython's co_varnames) */
    int ntuple;                 /* hidden slots for BUILD_TUPLE's items */
    uint8_t *ltype;             /* per real local: enum local_type */
    int *list_at;               /* per real local: its list's hidden slots */
    int nlistslots;             /* hidden slots of the lists */
    int gather_at;              /* the hidden list of an asyncio.gather()
                                 * not assigned to a name, or -1 */
    const char **globals_decl;  /* names declared global */
    int nglobals_decl;
    struct index gdecl_ix;      /* of globals_decl */
    size_t cap_gdecl;
    int range_depth, max_range_depth;
    struct cfg g;
    struct fblock fblocks[LESSON_MAX_DEPTH + 1];
    int nfblocks;
    int handler, nhandlers;     /* the active handler; handlers made */
    /* per handler of the function: the with block's object (-1 for the
     * other handlers) and the handler around it */
    struct handler_info { int obj, outer; } *hinfo;
    size_t cap_hinfo;
    struct uses uses;           /* collect_names' record of first uses */
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

/* ---- indexes ---------------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;

    while (n--)
        h = (h ^ *b++) * 0x100000001b3ull;
    return h;
}

static uint64_t name_hash(const char *name)
{
    return fnv(0xcbf29ce484222325ull, name, strlen(name));
}

/* The slot of ix where the entry equal to key is, or where it would go.
 * same(c, i, key): entry i equals key. */
static int32_t *index_slot(struct index *ix, uint64_t h, const void *ctx,
                           int (*same)(const void *, int32_t, const void *),
                           const void *key)
{
    size_t mask = ix->cap - 1, i = (size_t)h & mask, n = 1;

    for (; ix->slots[i] && !same(ctx, ix->slots[i] - 1, key);
         i = (i + 1) & mask)
        n++;
    lesson_probes_add(n);
    return &ix->slots[i];
}

static void index_clear(struct index *ix)
{
    free(ix->slots);
    ix->slots = NULL;
    ix->cap = 0;
}

/* Make room in ix for entry n + 1 (entries 0..n-1 are in it), rehashing
 * each with hash_of. */
static void index_reserve(struct index *ix, int n, const void *ctx,
                          uint64_t (*hash_of)(const void *, int32_t))
{
    struct index old = *ix;

    if (((size_t)n + 1) * 2 <= ix->cap)
        return;
    ix->cap = old.cap ? old.cap * 2 : 64;
    ix->slots = xcalloc(ix->cap, sizeof(*ix->slots));
    for (int32_t i = 0; i < n; i++) {
        size_t mask = ix->cap - 1, j = (size_t)hash_of(ctx, i) & mask;

        while (ix->slots[j])
            j = (j + 1) & mask;
        ix->slots[j] = i + 1;
    }
    free(old.slots);
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

static TT_NORETURN void too_many_slots(struct compiler *c)
{
    fail_at(c, c->fd->line, c->fd->col, "function '%s' needs too many "
            "variables (the limit is %d)", c->fd->name, FUNC_MAX_SLOTS);
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
    /* Stop at the limit at once: a function of many thousands of names
     * would otherwise be scanned name by name before it is refused. */
    if (c->fn->nlocals >= FUNC_MAX_SLOTS)
        too_many_slots(c);
    XGROW(c->locals, c->cap_locals, (size_t)c->fn->nlocals + 1);
    c->locals[c->fn->nlocals] = name;
    return c->fn->nlocals++;
}

static uint64_t gdecl_hash_at(const void *ctx, int32_t i)
{
    return name_hash(((const struct compiler *)ctx)->globals_decl[i]);
}

static int same_gdecl(const void *ctx, int32_t i, const void *key)
{
    return strcmp(((const struct compiler *)ctx)->globals_decl[i], key) == 0;
}

static int declared_global(struct compiler *c, const char *name)
{
    if (!c->gdecl_ix.cap)
        return 0;
    return *index_slot(&c->gdecl_ix, name_hash(name), c, same_gdecl, name) != 0;
}

/* Record that the function declares name global (not yet declared). */
static void declare_global(struct compiler *c, const char *name)
{
    int32_t *slot;

    index_reserve(&c->gdecl_ix, c->nglobals_decl, c, gdecl_hash_at);
    slot = index_slot(&c->gdecl_ix, name_hash(name), c, same_gdecl, name);
    XGROW(c->globals_decl, c->cap_gdecl, (size_t)c->nglobals_decl + 1);
    c->globals_decl[c->nglobals_decl++] = name;
    *slot = c->nglobals_decl;
}

static int is_module_name(const char *name)
{
    return strcmp(name, "threading") == 0 || strcmp(name, "asyncio") == 0 ||
           strcmp(name, "time") == 0;
}

static int is_builtin_func(const char *name)
{
    static const char *const b[] = {"compute", "sleep", "io", "print",
                                    "range"};

    for (size_t i = 0; i < TT_ARRAY_LEN(b); i++)
        if (strcmp(name, b[i]) == 0)
            return 1;
    return 0;
}


static uint64_t use_hash_at(const void *ctx, int32_t i)
{
    return name_hash(((const struct uses *)ctx)->v[i].name);
}

static int same_use(const void *ctx, int32_t i, const void *key)
{
    return strcmp(((const struct uses *)ctx)->v[i].name, key) == 0;
}

static int used_before(const struct uses *u, const char *name)
{
    struct index ix = u->ix;

    return ix.cap && *index_slot(&ix, name_hash(name), u, same_use, name);
}

static void note_use(struct uses *u, const char *name, int line, int col)
{
    int32_t *slot;

    index_reserve(&u->ix, u->n, u, use_hash_at);
    slot = index_slot(&u->ix, name_hash(name), u, same_use, name);
    if (*slot)
        return;
    XGROW(u->v, u->cap, (size_t)u->n + 1);
    u->v[u->n].name = name;
    u->v[u->n].line = line;
    u->v[u->n].col = col;
    *slot = ++u->n;
}

static void uses_in_expr(struct uses *u, const struct expr *e)
{
    if (!e)
        return;
    if (e->kind == E_NAME)
        note_use(u, e->name, e->line, e->col);
    uses_in_expr(u, e->lhs);
    uses_in_expr(u, e->rhs);
    for (int i = 0; i < e->nargs; i++)
        uses_in_expr(u, e->args[i]);
}

/* One walk in source order: global declarations (checked against earlier
 * uses), then every assigned name becomes a local unless declared global. */
static void collect_names(struct compiler *c, const struct stmt *s,
                          struct uses *u)
{
    for (; s; s = s->next) {
        switch (s->kind) {
        case S_GLOBAL:
            for (const struct stmt *gs = s; gs; gs = gs->body) {
                if (used_before(u, gs->name))
                        fail_at(c, gs->line, gs->name_col, "name '%s' is "
                                "used prior to global declaration (put "
                                "'global %s' at the top of the function)",
                                gs->name, gs->name);
                for (int i = 0; i < c->fd->nparams; i++)
                    if (strcmp(c->fd->params[i], gs->name) == 0)
                        fail_at(c, gs->line, gs->name_col, "name '%s' is "
                                "parameter and global", gs->name);
                if (lesson_find_list(c->L, gs->name) >= 0)
                    fail_at(c, gs->line, gs->name_col, "'%s' is a "
                            "module-level list: every task reads it as it "
                            "is, so it needs no 'global' (a list that "
                            "changes is made in a function: xs = [])",
                            gs->name);
                if (lesson_find_shared(c->L, gs->name) < 0) {
                    if (lesson_find_lock(c->L, gs->name) >= 0 ||
                        lesson_find_func(c->L, gs->name) >= 0)
                        fail_at(c, gs->line, gs->name_col, "'%s' is not a "
                                "module variable: only variables need "
                                "'global'", gs->name);
                    fail_at(c, gs->line, gs->name_col, "'%s' is not a module "
                            "variable (define it at the top level: %s = 0)",
                            gs->name, gs->name);
                }
                if (!declared_global(c, gs->name)) {
                    declare_global(c, gs->name);
                }
            }
            break;
        case S_ASSIGN:
        case S_AUG:
            if (s->attr) {      /* OBJ.attr = value: OBJ is only read */
                uses_in_expr(u, s->value);
                note_use(u, s->name, s->line, s->name_col);
                break;
            }
            /* FALLTHROUGH */
        case S_FOR:
            if (s->kind == S_AUG)
                note_use(u, s->name, s->line, s->name_col);
            uses_in_expr(u, s->value);
            for (int i = 0; i < s->nargs; i++)
                uses_in_expr(u, s->args[i]);
            note_use(u, s->name, s->line, s->name_col);
            if (declared_global(c, s->name)) {
                if (s->kind == S_FOR)
                    fail_at(c, s->line, s->name_col, "the loop variable "
                            "'%s' is a module variable: use a local name",
                            s->name);
                break;
            }
            if (lesson_find_shared(c->L, s->name) >= 0)
                fail_at(c, s->line, s->name_col, "'%s' is a module variable: "
                        "assigning it here would make a new local '%s' in "
                        "Python; add 'global %s' at the top of this function",
                        s->name, s->name, s->name);
            if (lesson_find_lock(c->L, s->name) >= 0)
                fail_at(c, s->line, s->name_col, "'%s' is a lock; it cannot "
                        "be given a value", s->name);
            if (lesson_find_list(c->L, s->name) >= 0)
                fail_at(c, s->line, s->name_col, "'%s' is a module-level "
                        "list: assigning it here would make a new local "
                        "'%s' in Python; use another name", s->name,
                        s->name);
            if (lesson_find_func(c->L, s->name) >= 0)
                fail_at(c, s->line, s->name_col, "'%s' is a function; it "
                        "cannot be given a value", s->name);
            if (is_module_name(s->name) || is_builtin_func(s->name))
                fail_at(c, s->line, s->name_col, "'%s' is built in and "
                        "cannot be given a value", s->name);
            add_local(c, s->name);
            break;
        default:
            uses_in_expr(u, s->value);
            for (int i = 0; i < s->nitems; i++)
                uses_in_expr(u, s->items[i].value);
            if (s->name && s->kind != S_PASS)
                note_use(u, s->name, s->line, s->name_col);
            if (s->kind == S_WITH && s->value) {
                /* with ... as NAME: NAME is a local */
                if (declared_global(c, s->name))
                    fail_at(c, s->line, s->name_col, "the pool's name '%s' "
                            "is a module variable: use a local name",
                            s->name);
                add_local(c, s->name);
            }
            break;
        }
        collect_names(c, s->body, u);
        collect_names(c, s->orelse, u);
    }
}

/* ---- constants and names in the program ---------------------------------- */

static uint64_t const_hash(const struct constant *k)
{
    uint64_t h = fnv(0xcbf29ce484222325ull, &k->kind, sizeof(k->kind));

    h = fnv(h, &k->v, sizeof(k->v));
    return k->str ? fnv(h, k->str, strlen(k->str)) : h;
}

static uint64_t const_hash_at(const void *ctx, int32_t i)
{
    return const_hash(&((const struct compiler *)ctx)->prog->consts[i]);
}

static int same_const(const void *ctx, int32_t i, const void *key)
{
    const struct constant *k = &((const struct compiler *)ctx)->prog->consts[i];
    const struct constant *w = key;

    return k->kind == w->kind && k->v == w->v &&
           ((k->kind != CONST_STR && k->kind != CONST_NAMES &&
             k->kind != CONST_TUPLE) || strcmp(k->str, w->str) == 0);
}

static uint64_t name_hash_at(const void *ctx, int32_t i)
{
    return name_hash(((const struct compiler *)ctx)->prog->names[i]);
}

static int same_name(const void *ctx, int32_t i, const void *key)
{
    return strcmp(((const struct compiler *)ctx)->prog->names[i], key) == 0;
}

static int add_const(struct compiler *c, enum const_kind kind, int64_t v,
                     const char *str)
{
    struct program *P = c->prog;
    struct constant key;
    int32_t *slot;

    key.kind = kind;
    key.v = v;
    key.str = kind == CONST_STR || kind == CONST_NAMES ||
              kind == CONST_TUPLE ? str : NULL;
    index_reserve(&c->consts_ix, P->nconsts, c, const_hash_at);
    slot = index_slot(&c->consts_ix, const_hash(&key), c, same_const, &key);
    if (*slot)
        return *slot - 1;
    XGROW(P->consts, c->cap_consts, (size_t)P->nconsts + 1);
    P->consts[P->nconsts].kind = kind;
    P->consts[P->nconsts].v = v;
    P->consts[P->nconsts].str = str;
    P->consts[P->nconsts].items = NULL;
    *slot = ++P->nconsts;
    return P->nconsts - 1;
}

static int const_truth(void *ctx, int32_t a)
{
    const struct constant *k = &((struct compiler *)ctx)->prog->consts[a];

    if (k->kind == CONST_STR || k->kind == CONST_NAMES)
        return k->str[0] != '\0';
    if (k->kind == CONST_TUPLE)
        return k->v != 0;
    return k->kind != CONST_NONE && k->v != 0;
}

static int32_t const_bool(void *ctx, int truth)
{
    return add_const(ctx, CONST_BOOL, truth, NULL);
}

static int add_name(struct compiler *c, const char *name)
{
    struct program *P = c->prog;
    int32_t *slot;

    index_reserve(&c->names_ix, P->nnames, c, name_hash_at);
    slot = index_slot(&c->names_ix, name_hash(name), c, same_name, name);
    if (*slot)
        return *slot - 1;
    XGROW(P->names, c->cap_names, (size_t)P->nnames + 1);
    P->names[P->nnames] = name;
    *slot = ++P->nnames;
    return P->nnames - 1;
}

/* ---- emitting --------------------------------------------------------------- */

static struct cfg_instr *emit(struct compiler *c, int op, int32_t a, int line,
                              int col)
{
    struct cfg_instr *in = cfg_addop(&c->g, op, a, line, col);

    in->handler = c->handler;
    return in;
}

static struct cfg_instr *emit_jump(struct compiler *c, int op, int target,
                                   int line, int col)
{
    struct cfg_instr *in = emit(c, op, 0, line, col);

    in->target = target;
    return in;
}

static int new_label(struct compiler *c)
{
    return cfg_new_label(&c->g);
}

static void use_label(struct compiler *c, int label)
{
    cfg_use_label(&c->g, label);
}

static void load_const(struct compiler *c, enum const_kind kind, int64_t v,
                       const char *str, int line, int col)
{
    emit(c, OP_LOAD_CONST, add_const(c, kind, v, str), line, col);
}

static void load_none(struct compiler *c, int line, int col)
{
    load_const(c, CONST_NONE, 0, NULL, line, col);
}

/* LOAD_GLOBAL of a name that is not a variable: a function, lock, module
 * or builtin. */
static void load_global_ref(struct compiler *c, const char *name, int line,
                            int col)
{
    emit(c, OP_LOAD_GLOBAL, -1 - add_name(c, name), line, col);
}

/* ---- constant folding (CPython folds constants before codegen) ------------ */

/* Returns 1 and sets *v (and *is_bool) if e is a constant expression. */
static int fold(struct compiler *c, const struct expr *e, int64_t *v,
                int *is_bool)
{
    int64_t a, b, r;
    int ba, bb;

    switch (e->kind) {
    case E_INT:
        if (e->op == 3)
            return 0;   /* None is not a number */
        *v = e->ival;
        *is_bool = e->op == 2;
        return 1;
    case E_NEG:
        if (!fold(c, e->lhs, &a, &ba))
            return 0;
        if (a == INT64_MIN)
            return 0;
        *v = -a;
        *is_bool = 0;
        return 1;
    case E_NOT:
        if (!fold(c, e->lhs, &a, &ba))
            return 0;
        *v = !a;
        *is_bool = 1;
        return 1;
    case E_BINARY:
        if (!fold(c, e->lhs, &a, &ba) || !fold(c, e->rhs, &b, &bb))
            return 0;
        switch (e->op) {
        case '+':
            if (__builtin_add_overflow(a, b, &r))
                return 0;
            break;
        case '-':
            if (__builtin_sub_overflow(a, b, &r))
                return 0;
            break;
        case '*':
            if (__builtin_mul_overflow(a, b, &r))
                return 0;
            break;
        case '/':
        case '%':
            if (b == 0 || (a == INT64_MIN && b == -1))
                return 0;
            {
                int64_t q = a / b, m = a % b;

                if (m != 0 && ((m < 0) != (b < 0))) {
                    q -= 1;
                    m += b;
                }
                r = e->op == '/' ? q : m;
            }
            break;
        default:
            return 0;
        }
        *v = r;
        *is_bool = 0;
        return 1;
    default:
        return 0;
    }
}

/* ---- expressions -------------------------------------------------------------- */

static void compile_expr(struct compiler *c, const struct expr *e);
static void compile_stmts(struct compiler *c, const struct stmt *s);
static int is_thread_local(struct compiler *c, const char *name);
static int local_type_of(struct compiler *c, const char *name);
static int is_list_name(struct compiler *c, const char *name);
static int is_module_list(struct compiler *c, const char *name);
static void compile_arg(struct compiler *c, const struct expr *e);
static void compile_pool_method(struct compiler *c, const struct expr *e,
                                int awaited, int callcol);
static const char *type_words(int t);
static void compile_list(struct compiler *c, const struct expr *e, int at);
static void compile_task(struct compiler *c, const struct expr *e);
static void compile_await_task(struct compiler *c, const struct expr *e);
static void compile_gather(struct compiler *c, const struct expr *e, int at);
static void compile_list_method(struct compiler *c, const struct expr *e,
                                int awaited, int callcol);
static void compile_thread(struct compiler *c, const struct expr *e);
static void sync_attr(struct compiler *c, const struct expr *e, int copy);
static void store_attr(struct compiler *c, const struct stmt *s);
static void compile_thread_method(struct compiler *c, const struct expr *e,
                                  int awaited, int callcol);

/* The constant holding module-level list i's values (shown as a list). */
static int list_const(struct compiler *c, int i)
{
    const struct list_decl *ld = &c->L->lists[i];
    struct strbuf sb;
    int k;

    sb_init(&sb);
    sb_putc(&sb, '[');
    for (int j = 0; j < ld->n; j++)
        sb_printf(&sb, "%s%lld", j ? ", " : "", (long long)ld->items[j]);
    sb_putc(&sb, ']');
    k = add_const(c, CONST_TUPLE, ld->n, arena_strdup(&c->L->arena, sb.s));
    sb_done(&sb);
    c->prog->consts[k].items = ld->items;
    return k;
}

static void load_name(struct compiler *c, const char *name, int line, int col)
{
    int i;

    if ((i = find_local(c, name)) >= 0 && i < c->nreal) {
        emit(c, OP_LOAD_FAST, i, line, col);
    } else if ((i = lesson_find_shared(c->L, name)) >= 0) {
        emit(c, OP_LOAD_GLOBAL, i, line, col);
    } else if ((i = lesson_find_list(c->L, name)) >= 0) {
        /* LOAD_GLOBAL of a name that no task changes; b: its values */
        int k = list_const(c, i);

        emit(c, OP_LOAD_GLOBAL, -1 - add_name(c, name), line, col)->b = k + 1;
    } else if ((i = lesson_find_lock(c->L, name)) >= 0) {
        if (c->L->locks[i].kind == SYNC_VALUE)
            fail_at(c, line, col, "'%s' is a multiprocessing.Value: its "
                    "number is %s.value", name, name);
        fail_at(c, line, col, "'%s' is a lock, not a value", name);
    } else if (lesson_find_func(c->L, name) >= 0) {
        fail_at(c, line, col, "'%s' is a function: call it with %s(...)",
                name, name);
    } else {
        fail_at(c, line, col, "name '%s' is not defined (module variables "
                "are defined at the top level: %s = 0)", name, name);
    }
}

static void store_name(struct compiler *c, const char *name, int line, int col)
{
    int i;

    if (declared_global(c, name))
        emit(c, OP_STORE_GLOBAL, lesson_find_shared(c->L, name), line, col);
    else if ((i = find_local(c, name)) >= 0)
        emit(c, OP_STORE_FAST, i, line, col);
    else
        fail_at(c, line, col, "internal error: '%s' has no slot", name);
}

/* A new exception handler inside the active one; obj: the sync object of
 * a with block's handler, -1 for the others. */
static int new_handler(struct compiler *c, int obj)
{
    int h = ++c->nhandlers;

    XGROW(c->hinfo, c->cap_hinfo, (size_t)h + 1);
    c->hinfo[h].obj = obj;
    c->hinfo[h].outer = c->handler;
    return h;
}

/* GET_AWAITABLE n; LOAD_CONST None; SEND ... END_SEND: the await loop
 * (CPython's ADD_YIELD_FROM). */
static void yield_from(struct compiler *c, int kind, int32_t b, int sub,
                       int line, int col)
{
    int send = new_label(c), exit = new_label(c);
    struct cfg_instr *in;
    int outer = c->handler;

    use_label(c, send);
    in = emit_jump(c, OP_SEND, exit, line, col);
    in->kind = (uint8_t)kind;
    in->b = b;
    in->sub = (uint8_t)sub;
    c->handler = new_handler(c, -1);    /* the throw()/close() cleanup */
    emit(c, OP_YIELD_VALUE, 1, line, col);
    c->handler = outer;
    emit(c, OP_RESUME, 3, line, col);
    emit_jump(c, CFG_JUMP_NO_INTERRUPT, send, line, col);
    use_label(c, exit);
    in = emit(c, OP_END_SEND, 0, line, col);
    if (kind == CK_SEND_GATHER) {
        /* where a gather's await waits: b is return_exceptions */
        in->kind = (uint8_t)kind;
        in->b = b;
    }
}

static void await_sub(struct compiler *c, int kind, int32_t b, int sub,
                      int line, int col, int where)
{
    emit(c, OP_GET_AWAITABLE, where, line, col);
    load_none(c, line, col);
    yield_from(c, kind, b, sub, line, col);
}

static void await_value(struct compiler *c, int kind, int32_t b, int line,
                        int col, int where)
{
    await_sub(c, kind, b, 0, line, col, where);
}

static void require_import(struct compiler *c, unsigned bit, const char *mod,
                           int line, int col)
{
    if (!(c->L->imports & bit))
        fail_at(c, line, col, "name '%s' is not defined: add 'import %s' at "
                "the top of the lesson's code", mod, mod);
}

/* The call part of a work statement: compute(n), sleep(n), io(n),
 * time.sleep(n), asyncio.sleep(n); returns the CALL's kind. */
static void compile_work_call(struct compiler *c, const struct stmt *s,
                              int awaited)
{
    const char *fname = s->work == WORK_COMPUTE ? "compute" :
                        s->work == WORK_IO ? "io" : "sleep";
    struct cfg_instr *call;
    int kind;

    if (awaited && !c->fd->is_async)
        fail_at(c, s->line, s->col, "'await' is only allowed inside an async "
                "def");
    if (s->op == 1) {           /* time.sleep */
        require_import(c, IMP_TIME, "time", s->line, s->name_col);
        if (awaited)
            fail_at(c, s->line, s->col, "time.sleep() blocks the thread and "
                    "cannot be awaited: write 'await asyncio.sleep(...)'");
        load_global_ref(c, "time", s->line, s->name_col);
        emit(c, OP_LOAD_ATTR, 0, s->line, s->name_col)->b =
            add_name(c, "sleep");
        emit(c, OP_PUSH_NULL, 0, s->line, s->name_col);
        kind = CK_SLEEP;
    } else if (s->op == 2) {    /* asyncio.sleep */
        require_import(c, IMP_ASYNCIO, "asyncio", s->line, s->name_col);
        load_global_ref(c, "asyncio", s->line, s->name_col);
        emit(c, OP_LOAD_ATTR, 0, s->line, s->name_col)->b =
            add_name(c, "sleep");
        emit(c, OP_PUSH_NULL, 0, s->line, s->name_col);
        kind = CK_AWAIT_SLEEP;
    } else {
        if (awaited && s->work == WORK_SLEEP)
            fail_at(c, s->line, s->col, "sleep() blocks the thread and cannot "
                    "be awaited: write 'await asyncio.sleep(...)'");
        load_global_ref(c, fname, s->line, s->name_col);
        emit(c, OP_PUSH_NULL, 0, s->line, s->name_col);
        kind = s->work == WORK_COMPUTE ? CK_COMPUTE :
               s->work == WORK_SLEEP ? CK_SLEEP :
               awaited ? CK_AWAIT_IO : CK_IO;
    }
    compile_expr(c, s->value);
    call = emit(c, OP_CALL, 1, s->line, s->col);
    call->kind = (uint8_t)kind;
    if (awaited)
        await_value(c, CK_SEND_WAIT, 0, s->line, s->col, 0);
}

static void compile_call(struct compiler *c, const struct expr *e, int awaited)
{
    int f = lesson_find_func(c->L, e->name);
    const struct func_def *fd;
    struct cfg_instr *call;

    if (f < 0 && strcmp(e->name, "len") == 0) {
        if (e->nargs != 1 || e->args[0]->kind != E_NAME ||
            !is_list_name(c, e->args[0]->name))
            fail_at(c, e->line, e->col, "len() takes a list here: len(xs)");
        if (awaited)
            fail_at(c, e->line, e->col, "len() is not awaited");
        load_global_ref(c, "len", e->line, e->col);
        emit(c, OP_PUSH_NULL, 0, e->line, e->col);
        load_name(c, e->args[0]->name, e->args[0]->line, e->args[0]->col);
        call = emit(c, OP_CALL, 1, e->line, e->col);
        call->kind = CK_LEN;
        return;
    }
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
                "await does not run it (write 'await %s(...)'%s%s%s)", e->name,
                e->name, c->fd->is_async ? ", or make it a task: "
                "asyncio.create_task(" : "", c->fd->is_async ? e->name : "",
                c->fd->is_async ? "(...))" : "");
    if (!fd->is_async && awaited)
        fail_at(c, e->line, e->col, "%s is not an async def, so it cannot be "
                "awaited: call it without 'await'", e->name);
    if (awaited && !c->fd->is_async)
        fail_at(c, e->line, e->col, "'await' is only allowed inside an "
                "async def");
    load_global_ref(c, e->name, e->line, e->col);
    emit(c, OP_PUSH_NULL, 0, e->line, e->col);
    for (int i = 0; i < e->nargs; i++)
        compile_arg(c, e->args[i]);
    call = emit(c, OP_CALL, e->nargs, e->line, e->col);
    call->kind = fd->is_async ? CK_ASYNC_FUNC : CK_FUNC;
    call->b = f;
    if (awaited)
        await_value(c, CK_SEND_CORO, f, e->line, e->col, 0);
}

static int lock_index(struct compiler *c, const char *name, int line, int col);

/* "a threading.Lock", "an asyncio.Queue": what object i is. */
static const char *sync_what(struct compiler *c, int i, char *buf, size_t n)
{
    const struct sync_kind_info *k = &sync_kind_info[c->L->locks[i].kind];

    snprintf(buf, n, "%s %s.%s", k->async ? "an" : "a", k->module, k->name);
    return buf;
}

/* The names among names[0..count) that kind has (find), for an error:
 * "acquire(), release() and locked()" (suffix "()"). */
static void name_list(int kind, const char *const *names, int count,
                      int (*find)(int, const char *), const char *suffix,
                      char *buf, size_t n)
{
    size_t len = 0;
    int has = 0, k = 0;

    for (int m = 0; m < count; m++)
        has += find(kind, names[m]) == m;
    buf[0] = '\0';
    for (int m = 0; m < count && len < n; m++) {
        if (find(kind, names[m]) != m)
            continue;
        k++;
        len += (size_t)snprintf(buf + len, n - len, "%s%s%s",
                                k == 1 ? "" : k == has ? " and " : ", ",
                                names[m], suffix);
    }
}

static void method_list(int kind, char *buf, size_t n)
{
    name_list(kind, sync_method_name, SYNC_METHOD_COUNT, sync_method_find,
              "()", buf, n);
}

/* The roles of a method call's arguments, 2 bits each (enum
 * sync_arg_role), checked as Python checks a call's arguments. */
static int32_t method_roles(struct compiler *c, const struct expr *e, int obj,
                            int m, int *nkw)
{
    int kind = c->L->locks[obj].kind;
    unsigned seen = 0;
    int32_t roles = 0;

    *nkw = 0;
    for (int i = 0; i < e->nargs; i++) {
        int role = sync_arg_role(kind, m, i, e->kws[i]);
        const struct expr *a = e->args[i];

        if (role < 0 && e->kws[i])
            fail_at(c, a->line, a->col, "TypeError: %s() got an unexpected "
                    "keyword argument '%s'", e->attr, e->kws[i]);
        if (role < 0)
            fail_at(c, a->line, a->col, "TypeError: %s() takes %s arguments "
                    "here", e->attr, i == 0 ? "no" : "fewer");
        if (seen & (1u << role))
            fail_at(c, a->line, a->col, "TypeError: %s() got multiple values "
                    "for one argument", e->attr);
        seen |= 1u << role;
        roles |= (int32_t)role << (2 * i);
        *nkw += e->kws[i] != NULL;
    }
    if ((kind == SYNC_QUEUE || kind == SYNC_AQUEUE) &&
        (m == SYNC_PUT || m == SYNC_PUT_NOWAIT) &&
        !(seen & (1u << SYNC_ARG_VALUE)))
        fail_at(c, e->line, e->attr_col, "TypeError: %s() missing 1 "
                "required positional argument: 'item'", e->attr);
    return roles;
}

/* The tuple of keyword names of a CALL_KW, as dis shows it. */
static void load_kwnames(struct compiler *c, const struct expr *e, int line,
                         int col)
{
    struct strbuf sb;
    int n = 0;

    sb_init(&sb);
    sb_putc(&sb, '(');
    for (int i = 0; i < e->nargs; i++)
        if (e->kws[i])
            sb_printf(&sb, "%s'%s'", n++ ? ", " : "", e->kws[i]);
    sb_puts(&sb, n == 1 ? ",)" : ")");
    load_const(c, CONST_NAMES, 0, arena_strdup(&c->L->arena, sb.s), line, col);
    sb_done(&sb);
}

/* OBJ.method(args) of a sync object: LOAD_GLOBAL OBJ, LOAD_ATTR method
 * + NULL|self, the arguments, CALL n (CALL_KW with keywords); awaited,
 * the await loop after it.  callcol: where the call (and await) is. */
static void compile_method(struct compiler *c, const struct expr *e,
                           int awaited, int callcol)
{
    int obj, kind, m, nkw;
    struct cfg_instr *in;
    char what[64], list[256];
    int32_t roles;

    if (e->lhs || is_thread_local(c, e->name)) {
        compile_thread_method(c, e, awaited, callcol);
        return;
    }
    if (is_list_type(local_type_of(c, e->name))) {
        compile_list_method(c, e, awaited, callcol);
        return;
    }
    if (is_module_list(c, e->name))
        fail_at(c, e->line, e->attr_col, "'%s' is a module-level list: "
                "every task reads it as it is, so it has no %s() here (a "
                "list that changes is made in a function: xs = [] and "
                "xs.append(x))", e->name, e->attr);
    if (local_type_of(c, e->name) == LT_POOL ||
        local_type_of(c, e->name) == LT_FUTURE) {
        compile_pool_method(c, e, awaited, callcol);
        return;
    }
    if (local_type_of(c, e->name) == LT_TASK)
        fail_at(c, e->line, e->attr_col, "'%s' is an asyncio task: it has no "
                "methods here; wait for it with 'await %s'", e->name, e->name);
    if (lesson_find_shared(c->L, e->name) >= 0 || find_local(c, e->name) >= 0)
        fail_at(c, e->line, e->col, "'%s' is a number: only synchronization "
                "objects (locks, semaphores, events, conditions, barriers, "
                "queues) have methods here", e->name);
    obj = lock_index(c, e->name, e->line, e->col);
    kind = c->L->locks[obj].kind;
    m = sync_method_find(kind, e->attr);

    if (m < 0 && sync_attr_find(kind, e->attr) >= 0)
        fail_at(c, e->line, e->attr_col, "%s.%s is an attribute, not a "
                "method: write %s.%s without ()", e->name, e->attr, e->name,
                e->attr);
    if (m < 0) {
        method_list(kind, list, sizeof(list));
        fail_at(c, e->line, e->attr_col, "'%s' is %s: it has %s", e->name,
                sync_what(c, obj, what, sizeof(what)), list);
    }
    if (m == SYNC_GET_LOCK)
        fail_at(c, e->line, e->attr_col, "a Value's lock is used in a with "
                "statement here: with %s.get_lock():", e->name);
    if (awaited && !c->fd->is_async)
        fail_at(c, e->line, callcol, "'await' is only allowed inside an async "
                "def");
    if (sync_method_awaited(kind, m) && !awaited)
        fail_at(c, e->line, callcol, "'%s' is %s: write 'await %s.%s(...)'",
                e->name, sync_what(c, obj, what, sizeof(what)), e->name,
                e->attr);
    if (!sync_method_awaited(kind, m) && awaited)
        fail_at(c, e->line, callcol, "'%s' is %s: its %s() is not awaited",
                e->name, sync_what(c, obj, what, sizeof(what)), e->attr);
    roles = method_roles(c, e, obj, m, &nkw);
    load_global_ref(c, e->name, e->line, e->col);
    in = emit(c, OP_LOAD_ATTR, 0, e->line, e->col);
    in->b = add_name(c, e->attr);
    in->flags = IF_NULL;
    for (int i = 0; i < e->nargs; i++)
        compile_expr(c, e->args[i]);
    if (nkw)
        load_kwnames(c, e, e->line, callcol);
    in = emit(c, nkw ? OP_CALL_KW : OP_CALL, e->nargs, e->line, callcol);
    in->kind = CK_SYNC;
    in->b = obj;
    in->sub = (uint8_t)m;
    in->c = roles;
    if (awaited)
        await_sub(c, CK_SEND_SYNC, obj, m, e->line, callcol, 0);
}

/* ---- attributes of sync objects --------------------------------------------- */

/* The attributes of kind, for an error: "parties, n_waiting and broken". */
static void attr_list(int kind, char *buf, size_t n)
{
    name_list(kind, sync_attr_name, SYNC_ATTR_COUNT, sync_attr_find, "",
              buf, n);
}

/* The sync object e->name whose attribute e->attr is read or written,
 * checked as Python would (AttributeError), with what to write instead. */
static int attr_object(struct compiler *c, const struct expr *e, int *attr)
{
    int obj, kind, m;
    char what[64], list[256];

    if (is_thread_local(c, e->name) || local_type_of(c, e->name) != LT_NUM ||
        lesson_find_shared(c->L, e->name) >= 0 || find_local(c, e->name) >= 0)
        fail_at(c, e->line, e->col, "'%s' is %s: only synchronization "
                "objects (a multiprocessing.Value's value, a Barrier's "
                "parties ...) have attributes here", e->name,
                type_words(local_type_of(c, e->name)));
    obj = lock_index(c, e->name, e->line, e->col);
    kind = c->L->locks[obj].kind;
    *attr = sync_attr_find(kind, e->attr);
    if (*attr >= 0)
        return obj;
    m = sync_method_find(kind, e->attr);
    if (m >= 0)
        fail_at(c, e->line, e->attr_col, "%s is a method of %s: call it, "
                "%s.%s()", e->attr, sync_what(c, obj, what, sizeof(what)),
                e->name, e->attr);
    attr_list(kind, list, sizeof(list));
    if (list[0])
        fail_at(c, e->line, e->attr_col, "AttributeError: '%s' is %s: it "
                "has no attribute '%s' (it has %s)", e->name,
                sync_what(c, obj, what, sizeof(what)), e->attr, list);
    fail_at(c, e->line, e->attr_col, "AttributeError: '%s' is %s: it has "
            "no public attribute '%s' (ask it with a method: %s)", e->name,
            sync_what(c, obj, what, sizeof(what)), e->attr,
            (method_list(kind, list, sizeof(list)), list));
}

/* Is kind's attribute a property written in Python?  Then reading it
 * runs Python code whose calls check CPython's eval breaker after the
 * read (a Value's getter enters and leaves its lock): under the GIL a
 * switch can fall between v.value's read and the write after it, as
 * CPython 3.13 threads sharing a Value lose updates.  A Queue's maxsize
 * is a plain attribute. */
static int property_breaks(int kind)
{
    return kind == SYNC_VALUE || kind == SYNC_BARRIER;
}

/* OBJ.attr read: LOAD_GLOBAL OBJ, LOAD_ATTR attr, which the object
 * answers (a Value's value waits while another task holds its lock);
 * copy: COPY 1 first, for OBJ.attr += n. */
static void sync_attr(struct compiler *c, const struct expr *e, int copy)
{
    int attr, obj = attr_object(c, e, &attr);
    struct cfg_instr *in;

    load_global_ref(c, e->name, e->line, e->col);
    if (copy)
        emit(c, OP_COPY, 1, e->line, e->col);
    in = emit(c, OP_LOAD_ATTR, add_name(c, e->attr), e->line, e->col);
    in->kind = CK_SYNC;
    in->sub = SYNC_GETATTR;
    in->b = obj;
    in->c = attr;
    if (property_breaks(c->L->locks[obj].kind))
        in->flags |= IF_BREAKER;
}

/* OBJ.attr = the value on the stack: LOAD_GLOBAL OBJ (unless OBJ is
 * there already, += leaves it), STORE_ATTR attr.  Only a Value's value
 * can be set; CPython's other attributes here are read-only properties. */
static void store_attr(struct compiler *c, const struct stmt *s)
{
    struct expr e = {.kind = E_ATTR, .line = s->line, .col = s->name_col,
                     .name = s->name, .attr = s->attr,
                     .attr_col = s->attr_col};
    int attr, obj = attr_object(c, &e, &attr);
    struct cfg_instr *in;
    char what[64];

    if (attr != SYNC_A_VALUE)
        fail_at(c, s->line, s->attr_col, "AttributeError: %s of %s cannot be "
                "set (a read-only property)", s->attr,
                sync_what(c, obj, what, sizeof(what)));
    if (s->kind == S_ASSIGN)
        load_global_ref(c, s->name, s->line, s->name_col);
    in = emit(c, OP_STORE_ATTR, add_name(c, s->attr), s->line, s->name_col);
    in->kind = CK_SYNC;
    in->sub = SYNC_SETVALUE;
    in->b = obj;
    in->flags |= IF_BREAKER;    /* the Value's setter, as its getter */
}

/* ---- threads started by code ----------------------------------------------- */

static int is_thread_local(struct compiler *c, const char *name)
{
    int i = find_local(c, name);

    return i >= 0 && i < c->nreal && c->ltype && c->ltype[i] == LT_THREAD;
}

static int local_type_of(struct compiler *c, const char *name)
{
    int i = find_local(c, name);

    return i >= 0 && i < c->nreal && c->ltype ? c->ltype[i] : LT_NUM;
}

/* Is name a module-level list here (no local hides it)? */
static int is_module_list(struct compiler *c, const char *name)
{
    return find_local(c, name) < 0 && lesson_find_list(c->L, name) >= 0;
}

/* An argument of a call, a thread's args or print: a module-level list
 * may be one (the callee gets the list itself). */
static void compile_arg(struct compiler *c, const struct expr *e)
{
    if (e->kind == E_NAME && e->op != 1 && is_module_list(c, e->name))
        load_name(c, e->name, e->line, e->col);
    else
        compile_expr(c, e);
}

/* May name be gone over with for, len() and [i]?  A list local, a
 * module-level list, or a parameter (a module-level list passed in: the
 * VM raises Python's TypeError when it is a number). */
static int is_list_name(struct compiler *c, const char *name)
{
    int i = find_local(c, name), t = local_type_of(c, name);

    if (is_list_type(t))
        return 1;
    if (i < 0)
        return is_module_list(c, name);
    return i < c->fd->nparams && t == LT_NUM;
}

/* args=(...): a constant tuple when every item folds (LOAD_CONST (1, 2)),
 * else the items and BUILD_TUPLE n into the hidden slots (CPython's
 * starunpack_helper). */
/* A tuple holds a call's arguments or a list literal's values. */
enum { TUPLE_MAX = LESSON_MAX_LIST > LESSON_MAX_PARAMS ? LESSON_MAX_LIST :
                   LESSON_MAX_PARAMS };

static void compile_tuple(struct compiler *c, const struct expr *e)
{
    int64_t items[TUPLE_MAX];
    int bools[TUPLE_MAX];
    int all = e->nargs <= TUPLE_MAX;
    struct cfg_instr *in;

    for (int i = 0; i < e->nargs && all; i++)
        if (!fold(c, e->args[i], &items[i], &bools[i]))
            all = 0;
    if (all) {
        struct strbuf sb;
        int k;
        int64_t *copy;

        sb_init(&sb);
        sb_putc(&sb, '(');
        for (int i = 0; i < e->nargs; i++) {
            if (bools[i])
                sb_printf(&sb, "%s%s", i ? ", " : "",
                          items[i] ? "True" : "False");
            else
                sb_printf(&sb, "%s%lld", i ? ", " : "", (long long)items[i]);
        }
        sb_puts(&sb, e->nargs == 1 ? ",)" : ")");
        k = add_const(c, CONST_TUPLE, e->nargs,
                      arena_strdup(&c->L->arena, sb.s));
        sb_done(&sb);
        if (!c->prog->consts[k].items) {
            copy = arena_alloc(&c->L->arena,
                               sizeof(int64_t) * (size_t)(e->nargs + 1));
            memcpy(copy, items, sizeof(int64_t) * (size_t)e->nargs);
            c->prog->consts[k].items = copy;
        }
        emit(c, OP_LOAD_CONST, k, e->line, e->col);
        return;
    }
    for (int i = 0; i < e->nargs; i++)
        compile_arg(c, e->args[i]);
    in = emit(c, OP_BUILD_TUPLE, e->nargs, e->line, e->col);
    in->b = c->nreal;
}

/* threading.Thread(target=f, args=(...), name="S"): LOAD_GLOBAL threading,
 * LOAD_ATTR Thread, PUSH_NULL, the keywords' values in the order written,
 * their names, CALL_KW n. */
static void compile_thread(struct compiler *c, const struct expr *e)
{
    int f = -1, nargs = 0, label = -1;
    int32_t pos = 0;
    struct cfg_instr *in;

    require_import(c, IMP_THREADING, "threading", e->line, e->col);
    for (int i = 0; i < e->nargs; i++) {
        const struct expr *a = e->args[i];

        if (e->kws[i][0] == 't') {
            f = lesson_find_func(c->L, a->name);
            if (f < 0)
                fail_at(c, a->line, a->col, "no function named '%s'%s",
                        a->name, suggest_func(c, a->name));
            if (c->L->funcs[f].is_async)
                fail_at(c, a->line, a->col, "%s is an async def: a thread "
                        "runs a plain def (start coroutines with "
                        "asyncio)", a->name);
            pos |= THREAD_KW_TARGET << (2 * i);
        } else if (e->kws[i][0] == 'a') {
            nargs = a->nargs;
            pos |= THREAD_KW_ARGS << (2 * i);
        } else {
            pos |= THREAD_KW_NAME << (2 * i);
        }
    }
    if (f < 0)
        fail_at(c, e->line, e->col, "threading.Thread() needs target=: the "
                "function the thread runs");
    if (c->L->funcs[f].nparams != nargs) {
        const struct func_def *fd = &c->L->funcs[f];

        fail_at(c, e->line, e->col, "TypeError: %s() takes %d argument%s, "
                "but args= gives %d", fd->name, fd->nparams,
                fd->nparams == 1 ? "" : "s", nargs);
    }
    load_global_ref(c, "threading", e->line, e->col);
    in = emit(c, OP_LOAD_ATTR, 0, e->line, e->col);
    in->b = add_name(c, "Thread");
    emit(c, OP_PUSH_NULL, 0, e->line, e->col);
    for (int i = 0; i < e->nargs; i++) {
        const struct expr *a = e->args[i];

        if (e->kws[i][0] == 't') {
            load_global_ref(c, a->name, a->line, a->col);
        } else if (e->kws[i][0] == 'a') {
            compile_tuple(c, a);
        } else {
            label = add_const(c, CONST_STR, 0, a->name);
            emit(c, OP_LOAD_CONST, label, a->line, a->col);
        }
    }
    load_kwnames(c, e, e->line, e->col);
    in = emit(c, OP_CALL_KW, e->nargs, e->line, e->col);
    in->kind = CK_THREAD;
    in->b = f;
    in->c = pos | (label + 1) << 8;
}

/* asyncio.create_task(f(args)): LOAD_GLOBAL asyncio, LOAD_ATTR
 * create_task, PUSH_NULL, the coroutine's call, CALL 1.  The task is
 * scheduled at once, as Python's is. */
static void compile_task(struct compiler *c, const struct expr *e)
{
    const struct expr *call = e->lhs;
    int f = lesson_find_func(c->L, call->name);
    const struct func_def *fd;
    struct cfg_instr *in;

    require_import(c, IMP_ASYNCIO, "asyncio", e->line, e->col);
    if (f < 0)
        fail_at(c, call->line, call->col, "no function named '%s'%s",
                call->name, suggest_func(c, call->name));
    fd = &c->L->funcs[f];
    if (!fd->is_async)
        fail_at(c, call->line, call->col, "%s is not an async def: "
                "asyncio.create_task() takes a coroutine", call->name);
    if (fd->nparams != call->nargs)
        fail_at(c, call->line, call->col, "%s() takes %d argument%s, but %d "
                "%s given", call->name, fd->nparams,
                fd->nparams == 1 ? "" : "s", call->nargs,
                call->nargs == 1 ? "was" : "were");
    load_global_ref(c, "asyncio", e->line, e->col);
    in = emit(c, OP_LOAD_ATTR, 0, e->line, e->col);
    in->b = add_name(c, "create_task");
    emit(c, OP_PUSH_NULL, 0, e->line, e->col);
    load_global_ref(c, call->name, call->line, call->col);
    emit(c, OP_PUSH_NULL, 0, call->line, call->col);
    for (int i = 0; i < call->nargs; i++)
        compile_expr(c, call->args[i]);
    in = emit(c, OP_CALL, call->nargs, call->line, call->col);
    in->kind = CK_ASYNC_FUNC;
    in->b = f;
    in = emit(c, OP_CALL, 1, e->line, e->col);
    in->kind = CK_CREATE_TASK;
    in->b = f;
}

static void gather_list(struct compiler *c, const struct expr *e, int at);

/* await asyncio.gather(f(a), t, ...): LOAD_GLOBAL asyncio, LOAD_ATTR
 * gather, PUSH_NULL, each coroutine's call (or task), CALL n and the await
 * loop.  Each coroutine becomes a task, scheduled in the order given; the
 * await waits until all are done and gives the list of their values (kept
 * in the hidden slots at). */
static void compile_gather(struct compiler *c, const struct expr *e, int at)
{
    struct cfg_instr *in;

    require_import(c, IMP_ASYNCIO, "asyncio", e->line, (int)e->ival);
    if (!c->fd->is_async)
        fail_at(c, e->line, e->col, "'await' is only allowed inside an "
                "async def");
    load_global_ref(c, "asyncio", e->line, (int)e->ival);
    in = emit(c, OP_LOAD_ATTR, 0, e->line, (int)e->ival);
    in->b = add_name(c, "gather");
    emit(c, OP_PUSH_NULL, 0, e->line, (int)e->ival);
    if (e->lhs) {
        gather_list(c, e, at);
        return;
    }
    for (int i = 0; i < e->nargs; i++) {
        const struct expr *a = e->args[i];
        int f;

        if (a->kind == E_NAME) {
            if (local_type_of(c, a->name) != LT_TASK)
                fail_at(c, a->line, a->col, "'%s' is %s: asyncio.gather() "
                        "takes calls of async defs and tasks here", a->name,
                        type_words(local_type_of(c, a->name)));
            load_name(c, a->name, a->line, a->col);
            continue;
        }
        f = lesson_find_func(c->L, a->name);
        if (f < 0)
            fail_at(c, a->line, a->col, "no function named '%s'%s",
                    a->name, suggest_func(c, a->name));
        if (!c->L->funcs[f].is_async)
            fail_at(c, a->line, a->col, "%s is not an async def: "
                    "asyncio.gather() takes coroutines", a->name);
        if (c->L->funcs[f].nparams != a->nargs)
            fail_at(c, a->line, a->col, "%s() takes %d argument%s, but %d "
                    "%s given", a->name, c->L->funcs[f].nparams,
                    c->L->funcs[f].nparams == 1 ? "" : "s", a->nargs,
                    a->nargs == 1 ? "was" : "were");
        load_global_ref(c, a->name, a->line, a->col);
        emit(c, OP_PUSH_NULL, 0, a->line, a->col);
        for (int k = 0; k < a->nargs; k++)
            compile_expr(c, a->args[k]);
        in = emit(c, OP_CALL, a->nargs, a->line, a->col);
        in->kind = CK_ASYNC_FUNC;
        in->b = f;
    }
    if (e->rhs) {
        /* return_exceptions=...: the value, the keyword's name, CALL_KW */
        load_const(c, CONST_BOOL, e->rhs->ival, NULL, e->rhs->line,
                   e->rhs->col);
        load_const(c, CONST_NAMES, 0, "('return_exceptions',)", e->line,
                   (int)e->ival);
    }
    in = emit(c, e->rhs ? OP_CALL_KW : OP_CALL, e->nargs + !!e->rhs, e->line,
              (int)e->ival);
    in->kind = CK_GATHER;
    in->b = at;
    in->c = !!e->rhs;   /* the arguments after the coroutines and tasks */
    in->sub = e->rhs && e->rhs->ival;
    await_value(c, CK_SEND_GATHER, e->rhs && e->rhs->ival, e->line, e->col,
                0);
}

/* The rest of await asyncio.gather(*ts[, return_exceptions=B]): LOAD_FAST
 * ts, the keywords as a dict, CALL_FUNCTION_EX and the await loop. */
static void gather_list(struct compiler *c, const struct expr *e, int at)
{
    const struct expr *ts = e->lhs;
    struct cfg_instr *in;

    if (local_type_of(c, ts->name) != LT_KLIST)
        fail_at(c, ts->line, ts->col, "'%s' is %s: asyncio.gather(*%s) takes "
                "a list of tasks here (%s.append(asyncio.create_task(f())))",
                ts->name, local_type_of(c, ts->name) == LT_LIST ?
                "a list of numbers" : type_words(local_type_of(c, ts->name)),
                ts->name, ts->name);
    load_name(c, ts->name, ts->line, ts->col);
    if (e->rhs) {
        load_const(c, CONST_STR, 0, "return_exceptions", e->line,
                   (int)e->ival);
        load_const(c, CONST_BOOL, e->rhs->ival, NULL, e->rhs->line,
                   e->rhs->col);
        in = emit(c, OP_BUILD_MAP, 1, e->line, (int)e->ival);
        in->b = add_name(c, e->rhs->ival ? "{'return_exceptions': True}" :
                         "{'return_exceptions': False}");
    }
    in = emit(c, OP_CALL_FUNCTION_EX, !!e->rhs, e->line, (int)e->ival);
    in->kind = CK_GATHER;
    in->b = at;
    in->sub = e->rhs && e->rhs->ival;
    await_value(c, CK_SEND_GATHER, e->rhs && e->rhs->ival, e->line, e->col,
                0);
}

/* await TASK: LOAD_FAST t and the await loop; it waits until the task is
 * done. */
static void compile_await_task(struct compiler *c, const struct expr *e)
{
    if (local_type_of(c, e->name) != LT_TASK)
        fail_at(c, e->line, e->attr_col, "'%s' is %s: await takes an asyncio "
                "task here (t = asyncio.create_task(f())), a call of an "
                "async def, or an asyncio object's method", e->name,
                type_words(local_type_of(c, e->name)));
    if (!c->fd->is_async)
        fail_at(c, e->line, e->col, "'await' is only allowed inside an "
                "async def");
    load_name(c, e->name, e->line, e->attr_col);
    await_value(c, CK_SEND_TASK, 0, e->line, e->col, 0);
}

/* HANDLE.start(), HANDLE.join(): LOAD_FAST t, LOAD_ATTR start + NULL|self,
 * CALL 0 (or threading.Thread(...).start()). */
static void compile_thread_method(struct compiler *c, const struct expr *e,
                                  int awaited, int callcol)
{
    int start = strcmp(e->attr, "start") == 0;
    struct cfg_instr *in;

    if (!start && strcmp(e->attr, "join") != 0)
        fail_at(c, e->line, e->attr_col, "a thread has the methods start() "
                "and join() here");
    if (awaited)
        fail_at(c, e->line, callcol, "a thread's %s() is not awaited",
                e->attr);
    if (e->nargs)
        fail_at(c, e->args[0]->line, e->args[0]->col, "%s() takes no "
                "arguments here", e->attr);
    if (e->lhs)
        compile_thread(c, e->lhs);
    else
        load_name(c, e->name, e->line, e->col);
    in = emit(c, OP_LOAD_ATTR, 0, e->line, e->col);
    in->b = add_name(c, e->attr);
    in->flags = IF_NULL;
    in = emit(c, OP_CALL, 0, e->line, callcol);
    in->kind = start ? CK_START : CK_JOIN;
}

/* [a, b]: the values and BUILD_LIST n; three or more constants are
 * BUILD_LIST 0, the tuple of them, LIST_EXTEND 1 (CPython's
 * starunpack_helper).  at: the list's hidden slots. */
static void compile_list(struct compiler *c, const struct expr *e, int at)
{
    int64_t v;
    int is_bool, all = e->nargs > 2;
    struct cfg_instr *in;

    for (int i = 0; i < e->nargs && all; i++)
        all = fold(c, e->args[i], &v, &is_bool);
    if (all) {
        struct expr tup = *e;

        tup.kind = E_TUPLE;
        in = emit(c, OP_BUILD_LIST, 0, e->line, e->col);
        in->b = at;
        compile_tuple(c, &tup);
        emit(c, OP_LIST_EXTEND, 1, e->line, e->col);
        return;
    }
    for (int i = 0; i < e->nargs; i++)
        compile_expr(c, e->args[i]);
    in = emit(c, OP_BUILD_LIST, e->nargs, e->line, e->col);
    in->b = at;
}

/* LIST.append(x): LOAD_FAST xs, LOAD_ATTR append + NULL|self, x, CALL 1. */
static void compile_list_method(struct compiler *c, const struct expr *e,
                                int awaited, int callcol)
{
    struct cfg_instr *in;

    if (strcmp(e->attr, "append") != 0)
        fail_at(c, e->line, e->attr_col, "a list has the method append() "
                "here (and len(xs), xs[i], for x in xs)");
    if (awaited)
        fail_at(c, e->line, callcol, "a list's append() is not awaited");
    if (e->nargs != 1 || e->kws[0])
        fail_at(c, e->line, e->attr_col, "append() takes one value");
    load_name(c, e->name, e->line, e->col);
    in = emit(c, OP_LOAD_ATTR, 0, e->line, e->col);
    in->b = add_name(c, "append");
    in->flags = IF_NULL;
    compile_expr(c, e->args[0]);
    in = emit(c, OP_CALL, 1, e->line, callcol);
    in->kind = CK_APPEND;
}

/* The most items of a tuple that is not constant (BUILD_TUPLE's hidden
 * slots). */
static int max_tuple_expr(const struct expr *e)
{
    int m = 0;

    if (!e)
        return 0;
    if (e->kind == E_TUPLE)
        m = e->nargs;
    for (int i = 0; i < e->nargs; i++) {
        int k = max_tuple_expr(e->args[i]);

        if (k > m)
            m = k;
    }
    if (e->lhs && max_tuple_expr(e->lhs) > m)
        m = max_tuple_expr(e->lhs);
    return m;
}

static int max_tuple(const struct stmt *s)
{
    int m = 0;

    for (; s; s = s->next) {
        int k = max_tuple_expr(s->value);

        if (k > m)
            m = k;
        if ((k = max_tuple(s->body)) > m)
            m = k;
        if ((k = max_tuple(s->orelse)) > m)
            m = k;
    }
    return m;
}

/* Does an asyncio.gather() not assigned to a name appear (it needs a
 * hidden list of its own)? */
static int gather_expr(const struct expr *e)
{
    if (!e)
        return 0;
    if (e->kind == E_GATHER)
        return 1;
    for (int i = 0; i < e->nargs; i++)
        if (gather_expr(e->args[i]))
            return 1;
    return gather_expr(e->lhs) || gather_expr(e->rhs);
}

static int unnamed_gather(const struct stmt *s)
{
    for (; s; s = s->next) {
        if (s->kind == S_ASSIGN && s->value && s->value->kind == E_GATHER) {
            for (int i = 0; i < s->value->nargs; i++)
                if (gather_expr(s->value->args[i]))
                    return 1;
        } else if (gather_expr(s->value)) {
            return 1;
        }
        for (int i = 0; i < s->nitems; i++)
            if (gather_expr(s->items[i].value))
                return 1;
        if (unnamed_gather(s->body) || unnamed_gather(s->orelse))
            return 1;
    }
    return 0;
}

/* The type of the value of e (enum local_type). */
static int expr_type(struct compiler *c, const struct expr *e)
{
    switch (e->kind) {
    case E_THREAD:
        return LT_THREAD;
    case E_TASK:
        return LT_TASK;
    case E_GATHER:
        return LT_LIST;
    case E_NAME:
        return e->op == 1 ? LT_NUM : local_type_of(c, e->name);
    case E_SUBSCR:
        return item_type(local_type_of(c, e->name));
    case E_METHOD:
        return e->name && local_type_of(c, e->name) == LT_POOL &&
               strcmp(e->attr, "submit") == 0 ? LT_FUTURE : LT_NUM;
    case E_LIST:
        for (int i = 0; i < e->nargs; i++)
            if (list_of(expr_type(c, e->args[i])) != LT_LIST)
                return list_of(expr_type(c, e->args[i]));
        return LT_LIST;
    default:
        return LT_NUM;
    }
}

/* Give local i type t (a list of numbers may become a list of threads).
 * Returns 1 if that changed it. */
static int set_type(struct compiler *c, int i, int t)
{
    if (c->ltype[i] == t || (is_list_type(c->ltype[i]) && t == LT_LIST))
        return 0;
    if (c->ltype[i] == LT_LIST && is_list_type(t)) {
        c->ltype[i] = (uint8_t)t;
        return 1;
    }
    if (c->ltype[i] == LT_NUM) {
        c->ltype[i] = (uint8_t)t;
        return 1;
    }
    return 0;   /* a clash: check_types says so */
}

/* One pass of the types of the function's locals: what each is given. */
static int infer_types(struct compiler *c, const struct stmt *s)
{
    int changed = 0;

    for (; s; s = s->next) {
        int i = s->name && !s->attr ? find_local(c, s->name) : -1;

        if (i >= c->nreal)
            i = -1;
        if (s->kind == S_ASSIGN && i >= 0 && s->value->kind != E_NAME) {
            int t = expr_type(c, s->value);

            if (t != LT_NUM)
                changed |= set_type(c, i, t);
        } else if (s->kind == S_ASSIGN && i >= 0) {
            int t = expr_type(c, s->value);

            if (t == LT_THREAD || t == LT_TASK)
                changed |= set_type(c, i, t);
        } else if (s->kind == S_WITH && s->value && i >= 0) {
            changed |= set_type(c, i, LT_POOL);
        } else if (s->kind == S_FOR && s->value && i >= 0 &&
                   s->value->kind == E_NAME &&
                   item_type(local_type_of(c, s->value->name)) != LT_NUM) {
            changed |= set_type(c, i, item_type(local_type_of(c,
                                                              s->value->name)));
        } else if (s->kind == S_CALL && s->value->kind == E_METHOD &&
                   s->value->name && strcmp(s->value->attr, "append") == 0 &&
                   s->value->nargs == 1 &&
                   local_type_of(c, s->value->name) == LT_LIST &&
                   list_of(expr_type(c, s->value->args[0])) != LT_LIST) {
            changed |= set_type(c, find_local(c, s->value->name),
                                list_of(expr_type(c, s->value->args[0])));
        }
        changed |= infer_types(c, s->body);
        changed |= infer_types(c, s->orelse);
    }
    return changed;
}

static const char *type_words(int t)
{
    switch (t) {
    case LT_THREAD: return "a thread";
    case LT_TASK: return "an asyncio task";
    case LT_LIST: case LT_TLIST: case LT_KLIST: return "a list";
    case LT_POOL: return "a pool (an executor of concurrent.futures)";
    case LT_FUTURE: return "a Future";
    default: return "a number";
    }
}

/* Every assignment gives a local a value of its one type. */
static void check_types(struct compiler *c, const struct stmt *s)
{
    for (; s; s = s->next) {
        if ((s->kind == S_ASSIGN || s->kind == S_AUG || s->kind == S_FOR) &&
            s->name && !s->attr) {
            int i = find_local(c, s->name);
            int have = i >= 0 && i < c->nreal ? c->ltype[i] : LT_NUM;
            int t = s->kind == S_ASSIGN ? expr_type(c, s->value) :
                    s->kind == S_FOR && s->value ?
                    item_type(local_type_of(c, s->value->name)) : LT_NUM;

            if (s->kind == S_ASSIGN && t != LT_NUM && (i < 0 || i >= c->nreal))
                fail_at(c, s->line, s->name_col, "%s can only be kept in a "
                        "local variable here", type_words(t));
            if (s->kind == S_ASSIGN && is_list_type(t) &&
                s->value->kind != E_LIST && s->value->kind != E_GATHER)
                fail_at(c, s->line, s->name_col, "a list is made here with "
                        "[...]: two names for one list are not supported");
            if (t == LT_LIST && is_list_type(have))
                t = have;
            if (t != have)
                fail_at(c, s->line, s->name_col, "'%s' holds %s: give %s "
                        "another name", s->name, type_words(have),
                        t == LT_NUM ? "numbers" : t == LT_THREAD ? "threads" :
                        t == LT_TASK ? "tasks" : "lists");
        }
        check_types(c, s->body);
        check_types(c, s->orelse);
    }
}

/* `a and b and c` as a value (CPython's compiler_boolop, with the chain
 * flattened as Python's parser flattens it). */
static void compile_boolop(struct compiler *c, const struct expr *e)
{
    const struct expr *vals[LESSON_MAX_EXPR_DEPTH * 2 + 2];
    int n = 0, end = new_label(c);
    int jump = e->kind == E_AND ? OP_POP_JUMP_IF_FALSE : OP_POP_JUMP_IF_TRUE;
    const struct expr *stack[LESSON_MAX_EXPR_DEPTH * 2 + 2];
    int sp = 0;

    /* in-order leaves of the same-kind chain */
    stack[sp++] = e;
    while (sp) {
        const struct expr *x = stack[--sp];

        if (x->kind == e->kind) {
            stack[sp++] = x->rhs;
            stack[sp++] = x->lhs;
        } else {
            vals[n++] = x;
        }
    }
    for (int i = 0; i < n - 1; i++) {
        compile_expr(c, vals[i]);
        emit(c, OP_COPY, 1, e->line, e->col);
        emit(c, OP_TO_BOOL, 0, e->line, e->col);
        emit_jump(c, jump, end, e->line, e->col);
        emit(c, OP_POP_TOP, 0, e->line, e->col);
    }
    compile_expr(c, vals[n - 1]);
    use_label(c, end);
}

static void compile_expr(struct compiler *c, const struct expr *e)
{
    int64_t v;
    int is_bool;

    if (fold(c, e, &v, &is_bool)) {
        load_const(c, is_bool ? CONST_BOOL : CONST_INT, v, NULL, e->line,
                   e->col);
        return;
    }
    switch (e->kind) {
    case E_INT:
        load_none(c, e->line, e->col);   /* (numbers fold above) */
        break;
    case E_NAME:
        if (e->op == 1) {
            compile_await_task(c, e);
            break;
        }
        if (is_list_type(local_type_of(c, e->name)))
            fail_at(c, e->line, e->col, "'%s' is a list: here a list stays "
                    "in the function that made it (append, len, [i], for, "
                    "print)", e->name);
        if (local_type_of(c, e->name) == LT_POOL ||
            local_type_of(c, e->name) == LT_FUTURE)
            fail_at(c, e->line, e->col, "'%s' is %s: here it is used by "
                    "its methods (%s)", e->name,
                    type_words(local_type_of(c, e->name)),
                    local_type_of(c, e->name) == LT_POOL ?
                    "submit() and map()" : "result()");
        if (is_module_list(c, e->name))
            fail_at(c, e->line, e->col, "'%s' is a module-level list: here "
                    "it is gone over (for), measured (len), indexed ([i]), "
                    "printed or passed to a function or thread", e->name);
        load_name(c, e->name, e->line, e->col);
        break;
    case E_BINARY:
        compile_expr(c, e->lhs);
        compile_expr(c, e->rhs);
        emit(c, OP_BINARY_OP, e->op, e->line, e->col);
        break;
    case E_COMPARE:
        compile_expr(c, e->lhs);
        compile_expr(c, e->rhs);
        emit(c, OP_COMPARE_OP, e->op, e->line, e->col);
        break;
    case E_NOT:
        compile_expr(c, e->lhs);
        emit(c, OP_TO_BOOL, 0, e->line, e->col);
        emit(c, OP_UNARY_NOT, 0, e->line, e->col);
        break;
    case E_NEG:
        compile_expr(c, e->lhs);
        emit(c, OP_UNARY_NEGATIVE, 0, e->line, e->col);
        break;
    case E_AND:
    case E_OR:
        compile_boolop(c, e);
        break;
    case E_CALL:
        compile_call(c, e, e->op == 1);
        break;
    case E_METHOD:
        compile_method(c, e, e->op == 1, e->op == 1 ? (int)e->ival : e->col);
        break;
    case E_THREAD:
        compile_thread(c, e);
        break;
    case E_TASK:
        compile_task(c, e);
        break;
    case E_GATHER:
        compile_gather(c, e, c->gather_at);
        break;
    case E_TUPLE:
        fail_at(c, e->line, e->col, "a tuple can only be a thread's args "
                "here: threading.Thread(target=f, args=(1, 2))");
    case E_STR:
        fail_at(c, e->line, e->col, "a string can only be printed or name "
                "a thread here: values in the task language are integers");
    case E_LIST:
        fail_at(c, e->line, e->col, "a list is made by giving it to a local "
                "variable here: xs = [...]");
    case E_POOL:
        fail_at(c, e->line, e->col, "a %s is used in a "
                "with block here: 'with concurrent.futures."
                "%s(max_workers=N) as executor:'", e->name, e->name);
    case E_ATTR:
        sync_attr(c, e, 0);
        break;
    case E_SUBSCR: {
        int t = local_type_of(c, e->name);

        if (!is_list_name(c, e->name))
            fail_at(c, e->line, e->col, "'%s' is %s: only a list has items "
                    "here", e->name, type_words(t));
        load_name(c, e->name, e->line, e->col);
        compile_expr(c, e->lhs);
        emit(c, OP_BINARY_SUBSCR, 0, e->line, e->col);
        break;
    }
    }
}

/* Jump to label if e's truth is cond (CPython's compiler_jump_if). */
static void jump_if(struct compiler *c, const struct expr *e, int label,
                    int cond)
{
    if (e->kind == E_NOT) {
        int64_t v;
        int b;

        if (!fold(c, e, &v, &b)) {
            jump_if(c, e->lhs, label, !cond);
            return;
        }
    }
    if (e->kind == E_AND || e->kind == E_OR) {
        int cond2 = e->kind == E_OR;
        int next2 = label;

        if (!cond2 != !cond)
            next2 = new_label(c);
        jump_if(c, e->lhs, next2, cond2);
        jump_if(c, e->rhs, label, cond);
        if (next2 != label)
            use_label(c, next2);
        return;
    }
    compile_expr(c, e);
    emit(c, OP_TO_BOOL, 0, e->line, e->col);
    emit_jump(c, cond ? OP_POP_JUMP_IF_TRUE : OP_POP_JUMP_IF_FALSE, label,
              e->line, e->col);
}

/* ---- statements --------------------------------------------------------------- */

static int lock_index(struct compiler *c, const char *name, int line, int col)
{
    int i = lesson_find_lock(c->L, name);

    if (i < 0) {
        if (lesson_find_shared(c->L, name) >= 0 || find_local(c, name) >= 0)
            fail_at(c, line, col, "'%s' is a variable, not a lock (make a "
                    "lock with '%s = threading.Lock()' at the top level)",
                    name, name);
        fail_at(c, line, col, "no lock named '%s' (make it with '%s = "
                "threading.Lock()' at the top level)", name, name);
    }
    return i;
}

/* The __exit__ call that ends a with block: LOAD_CONST None x3, CALL 2
 * (and for async with, the await of __aexit__). */
static void call_exit(struct compiler *c, const struct fblock *fb)
{
    struct cfg_instr *call;

    load_none(c, fb->line, fb->col);
    load_none(c, fb->line, fb->col);
    load_none(c, fb->line, fb->col);
    call = emit(c, OP_CALL, 2, fb->line, fb->col);
    call->kind = fb->kind == FB_ASYNC_WITH ? CK_AEXIT :
                 fb->lock < 0 ? CK_POOL_EXIT : CK_EXIT;
    call->b = fb->lock;
    if (fb->kind == FB_ASYNC_WITH)
        await_value(c, CK_SEND_RELEASE, fb->lock, fb->line, fb->col, 2);
}

/* Leave fblock fb on the way out of it (break, continue, return);
 * *line is where the code that follows is attributed. */
static void unwind_fblock(struct compiler *c, const struct fblock *fb,
                          int *line, int *col, int preserve_tos)
{
    switch (fb->kind) {
    case FB_FOR:
        if (preserve_tos)
            emit(c, OP_SWAP, 2, *line, *col);
        emit(c, OP_POP_TOP, 0, *line, *col);
        break;
    case FB_WHILE:
        break;
    case FB_WITH:
    case FB_ASYNC_WITH:
        *line = fb->line;
        *col = fb->col;
        c->handler = fb->outer_handler;     /* POP_BLOCK */
        if (preserve_tos)
            emit(c, OP_SWAP, 2, *line, *col);
        call_exit(c, fb);
        emit(c, OP_POP_TOP, 0, *line, *col);
        *line = CFG_NO_LINE;
        *col = 0;
        break;
    }
}

/* Unwind the blocks above the innermost loop (returned, or -1: the
 * function), or all of them when to_loop is 0. */
static int unwind_stack(struct compiler *c, int *line, int *col,
                        int preserve_tos, int to_loop)
{
    for (int i = c->nfblocks - 1; i >= 0; i--) {
        const struct fblock *fb = &c->fblocks[i];

        if (to_loop && (fb->kind == FB_FOR || fb->kind == FB_WHILE))
            return i;
        unwind_fblock(c, fb, line, col, preserve_tos);
    }
    return -1;
}

static void compile_break_continue(struct compiler *c, const struct stmt *s)
{
    int line = s->line, col = s->col;
    int saved = c->handler, loop;

    emit(c, OP_NOP, 0, line, col);
    loop = unwind_stack(c, &line, &col, 0, 1);
    if (loop < 0)
        fail_at(c, s->line, s->col, "'%s' outside a loop",
                s->kind == S_BREAK ? "break" : "continue");
    if (s->kind == S_BREAK) {
        unwind_fblock(c, &c->fblocks[loop], &line, &col, 0);
        emit_jump(c, CFG_JUMP, c->fblocks[loop].exit, line, col);
    } else {
        emit_jump(c, CFG_JUMP, c->fblocks[loop].start, line, col);
    }
    c->handler = saved;
}

static int is_const_expr(struct compiler *c, const struct expr *e)
{
    int64_t v;
    int b;

    return fold(c, e, &v, &b);
}

static void compile_return(struct compiler *c, const struct stmt *s)
{
    const struct expr *value = s->value;
    int preserve = value && !is_const_expr(c, value);
    int line = s->line, col = s->col, saved = c->handler;

    if (preserve) {
        compile_expr(c, value);
    } else if (value) {
        line = value->line;
        col = value->col;
        emit(c, OP_NOP, 0, line, col);
    }
    if (!value || value->line != s->line) {
        line = s->line;
        col = s->col;
        emit(c, OP_NOP, 0, line, col);
    }
    unwind_stack(c, &line, &col, preserve, 0);
    if (!value) {
        load_none(c, line, col);
    } else if (!preserve) {
        int64_t v;
        int b;

        fold(c, value, &v, &b);
        load_const(c, b ? CONST_BOOL : CONST_INT, v, NULL, line, col);
    }
    emit(c, OP_RETURN_VALUE, 0, line, col);
    c->handler = saved;
}

static struct fblock *push_fblock(struct compiler *c, enum fblock_kind kind,
                                  int start, int exit)
{
    struct fblock *fb = &c->fblocks[c->nfblocks++];

    memset(fb, 0, sizeof(*fb));
    fb->kind = kind;
    fb->start = start;
    fb->exit = exit;
    return fb;
}

static void compile_for(struct compiler *c, const struct stmt *s)
{
    int start = new_label(c), cleanup = new_label(c), end = new_label(c);
    struct cfg_instr *call, *it;
    int slot;

    if (c->range_depth >= LESSON_MAX_DEPTH)
        fail_at(c, s->line, s->col, "loops nested too deeply");
    slot = c->nreal + c->ntuple + c->nlistslots + 3 * c->range_depth;
    push_fblock(c, FB_FOR, start, end);
    if (s->value && s->value->kind == E_METHOD) {
        /* for r in POOL.map(f, xs): the results, in the order given */
        if (local_type_of(c, s->value->name) != LT_POOL)
            fail_at(c, s->value->line, s->value->col, "'%s' is %s: a for "
                    "loop goes over map() of a pool here",
                    s->value->name, type_words(local_type_of(c,
                    s->value->name)));
        compile_pool_method(c, s->value, 0, s->value->col);
        it = emit(c, OP_GET_ITER, 0, s->line, s->col);
        it->b = slot;
    } else if (s->value) {
        /* for x in LIST: the iterator's place in the loop's slots */
        int t = local_type_of(c, s->value->name);

        if (!is_list_name(c, s->value->name))
            fail_at(c, s->value->line, s->value->col, "a for loop can only "
                    "go over range(...) or a list, and '%s' is %s",
                    s->value->name, type_words(t));
        load_name(c, s->value->name, s->value->line, s->value->col);
        it = emit(c, OP_GET_ITER, 0, s->line, s->col);
        it->b = slot;
    } else {
        /* range(...) */
        load_global_ref(c, "range", s->line, s->col);
        emit(c, OP_PUSH_NULL, 0, s->line, s->col);
        for (int i = 0; i < s->nargs; i++)
            compile_expr(c, s->args[i]);
        call = emit(c, OP_CALL, s->nargs, s->line, s->col);
        call->kind = CK_RANGE;
        call->b = slot;
        emit(c, OP_GET_ITER, 0, s->line, s->col);
    }
    use_label(c, start);
    it = emit_jump(c, OP_FOR_ITER, cleanup, s->line, s->col);
    it->b = slot;
    it->c = s->value ? 1 + (s->value->kind == E_METHOD) : 0;
                                /* 1: over a list, 2: over a map() */
    emit(c, OP_NOP, 0, s->line, s->name_col);
    c->range_depth++;
    if (c->range_depth > c->max_range_depth)
        c->max_range_depth = c->range_depth;
    store_name(c, s->name, s->line, s->name_col);
    compile_stmts(c, s->body);
    emit_jump(c, CFG_JUMP, start, CFG_NO_LINE, 0);
    c->range_depth--;
    use_label(c, cleanup);
    emit(c, OP_END_FOR, 0, CFG_NO_LINE, 0);
    emit(c, OP_POP_TOP, 0, CFG_NO_LINE, 0);
    c->nfblocks--;
    use_label(c, end);
}

static void compile_while(struct compiler *c, const struct stmt *s)
{
    int loop = new_label(c), end = new_label(c), anchor = new_label(c);
    int body;

    use_label(c, loop);
    push_fblock(c, FB_WHILE, loop, end);
    jump_if(c, s->value, anchor, 0);
    body = new_label(c);
    use_label(c, body);
    compile_stmts(c, s->body);
    jump_if(c, s->value, body, 1);
    c->nfblocks--;
    use_label(c, anchor);
    use_label(c, end);
}

static void compile_if(struct compiler *c, const struct stmt *s)
{
    int end = new_label(c);
    int next = s->orelse ? new_label(c) : end;

    jump_if(c, s->value, next, 0);
    compile_stmts(c, s->body);
    if (s->orelse) {
        emit_jump(c, CFG_JUMP, end, CFG_NO_LINE, 0);
        use_label(c, next);
        compile_stmts(c, s->orelse);
    }
    use_label(c, end);
}

/* A with block's body and its exit, after its entry: the block on the
 * fblock stack while its body compiles, then the __exit__ call (of lock,
 * or of a ThreadPoolExecutor for -1) and the jump past its handler. */
static void with_body(struct compiler *c, const struct stmt *s, int kind,
                      int lock, int outer, int exit, int line, int col)
{
    struct fblock *fb;

    if (c->nfblocks >= LESSON_MAX_DEPTH)
        fail_at(c, s->line, s->col, "blocks nested too deeply");
    fb = push_fblock(c, kind, -1, -1);
    fb->line = line;
    fb->col = col;
    fb->lock = lock;
    fb->outer_handler = outer;
    compile_stmts(c, s->body);
    c->handler = outer;                 /* POP_BLOCK */
    c->nfblocks--;
    {
        struct fblock copy = c->fblocks[c->nfblocks];

        call_exit(c, &copy);
    }
    emit(c, OP_POP_TOP, 0, line, col);
    emit_jump(c, CFG_JUMP, exit, line, col);
    use_label(c, exit);
    c->g.blocks[exit].ext_target = 1;
}

static void compile_lock_with(struct compiler *c, const struct stmt *s)
{
    int lock = lock_index(c, s->name, s->line, s->name_col);
    int is_async_lock = c->L->locks[lock].is_async;
    int exit = new_label(c);
    char what[64];
    struct cfg_instr *in;
    int line = s->line, col = s->name_col;
    int outer = c->handler;

    if (s->is_await && !c->fd->is_async)
        fail_at(c, s->line, s->col, "'async with' is only allowed inside an "
                "async def");
    if (sync_method_find(c->L->locks[lock].kind, "acquire") < 0)
        fail_at(c, s->line, s->name_col, "'%s' is %s: it has no acquire() "
                "and release(), so it cannot be used in a with statement",
                s->name, sync_what(c, lock, what, sizeof(what)));
    if (s->is_await && !is_async_lock)
        fail_at(c, s->line, s->col, "'%s' is %s: enter it with 'with %s:', "
                "not 'async with'", s->name,
                sync_what(c, lock, what, sizeof(what)), s->name);
    if (!s->is_await && is_async_lock)
        fail_at(c, s->line, s->col, "'%s' is %s: enter it with 'async with "
                "%s:'", s->name, sync_what(c, lock, what, sizeof(what)),
                s->name);
    load_global_ref(c, s->name, line, col);
    if (s->attr) {
        /* with v.get_lock(): LOAD_ATTR get_lock + NULL|self, CALL 0 */
        if (sync_method_find(c->L->locks[lock].kind, s->attr) < 0)
            fail_at(c, s->line, s->attr_col, "'%s' is %s: it has no %s() "
                    "(a multiprocessing.Value has)", s->name,
                    sync_what(c, lock, what, sizeof(what)), s->attr);
        in = emit(c, OP_LOAD_ATTR, 0, line, s->attr_col);
        in->b = add_name(c, s->attr);
        in->flags = IF_NULL;
        in = emit(c, OP_CALL, 0, line, col);
        in->kind = CK_GET_LOCK;
        in->b = lock;
        in->c = add_name(c, s->name);
    }
    if (s->is_await) {
        in = emit(c, OP_BEFORE_ASYNC_WITH, 0, line, col);
        in->b = lock;
        await_value(c, CK_SEND_ACQUIRE, lock, line, col, 1);
    } else {
        in = emit(c, OP_BEFORE_WITH, 0, line, col);
        in->kind = CK_ACQUIRE;
        in->b = lock;
    }
    c->handler = new_handler(c, lock);  /* SETUP_WITH */
    cfg_set_handler(&c->g, c->handler, outer, exit);
    emit(c, OP_POP_TOP, 0, line, col);
    with_body(c, s, s->is_await ? FB_ASYNC_WITH : FB_WITH, lock, outer, exit,
              line, col);
}

/* ---- concurrent.futures' pools ---------------------------------------------- */

/* concurrent.futures.ThreadPoolExecutor(max_workers=N): LOAD_GLOBAL
 * concurrent, LOAD_ATTR futures, LOAD_ATTR ThreadPoolExecutor + NULL|self,
 * N, the keyword's name, CALL_KW 1 (or CALL 1 for a plain N); the same
 * for ProcessPoolExecutor, whose CK_POOL_NEW has sub 1. */
static void compile_pool(struct compiler *c, const struct expr *e)
{
    struct cfg_instr *in;

    load_global_ref(c, "concurrent", e->line, e->col);
    in = emit(c, OP_LOAD_ATTR, 0, e->line, e->col);
    in->b = add_name(c, "futures");
    in = emit(c, OP_LOAD_ATTR, 0, e->line, e->col);
    in->b = add_name(c, e->name);
    in->flags = IF_NULL;
    compile_expr(c, e->args[0]);
    if (e->kws[0])
        load_kwnames(c, e, e->line, e->col);
    in = emit(c, e->kws[0] ? OP_CALL_KW : OP_CALL, 1, e->line, e->col);
    in->kind = CK_POOL_NEW;
    in->sub = e->name[0] == 'P';
    c->prog->has_pools = 1;
}

/* with POOL as NAME: BEFORE_WITH, STORE_FAST NAME, the body, and the
 * __exit__ (shutdown(wait=True)) as for a lock. */
static void compile_pool_with(struct compiler *c, const struct stmt *s)
{
    int exit = new_label(c), outer = c->handler;
    int line = s->value->line, col = s->value->col;
    struct cfg_instr *in;

    if (s->is_await)
        fail_at(c, s->line, s->col, "a %s is entered with "
                "'with', not 'async with'", s->value->name);
    compile_pool(c, s->value);
    in = emit(c, OP_BEFORE_WITH, 0, line, col);
    in->kind = CK_POOL_ENTER;
    c->handler = new_handler(c, -1);    /* SETUP_WITH */
    cfg_set_handler(&c->g, c->handler, outer, exit);
    store_name(c, s->name, s->line, s->name_col);
    with_body(c, s, FB_WITH, -1, outer, exit, line, col);
}

/* The function a pool is given: F of submit(F, ...) and map(F, ...), a
 * plain def, loaded as LOAD_GLOBAL F.  nargs: the arguments it gets, -1
 * for map's one per item. */
static int pool_func(struct compiler *c, const struct expr *e, int nargs)
{
    const struct expr *f = e->nargs ? e->args[0] : NULL;
    int fi = f && f->kind == E_NAME ? lesson_find_func(c->L, f->name) : -1;
    const struct func_def *fd;

    if (fi < 0)
        fail_at(c, f ? f->line : e->line, f ? f->col : e->attr_col,
                "%s() takes a function defined with def first: "
                "%s.%s(f, ...)", e->attr, e->name, e->attr);
    fd = &c->L->funcs[fi];
    if (fd->is_async)
        fail_at(c, f->line, f->col, "%s is an async def: a thread pool "
                "runs plain functions", f->name);
    if (fd->nparams != nargs)
        fail_at(c, f->line, f->col, "%s() takes %d argument%s, but the "
                "pool would give it %d", f->name, fd->nparams,
                fd->nparams == 1 ? "" : "s", nargs);
    load_global_ref(c, f->name, f->line, f->col);
    return fi;
}

/* POOL.submit(F, args...), POOL.map(F, LIST), FUTURE.result(). */
static void compile_pool_method(struct compiler *c, const struct expr *e,
                                int awaited, int callcol)
{
    int t = local_type_of(c, e->name), kind, fi = -1;
    struct cfg_instr *in;

    if (awaited)
        fail_at(c, e->line, callcol, "'%s' is %s: its %s() is not "
                "awaited", e->name, type_words(t), e->attr);
    for (int i = 0; i < e->nargs; i++)
        if (e->kws[i])
            fail_at(c, e->args[i]->line, e->args[i]->col, "%s() takes no "
                    "keyword arguments here", e->attr);
    if (t == LT_FUTURE) {
        if (strcmp(e->attr, "result") != 0)
            fail_at(c, e->line, e->attr_col, "'%s' is a Future: it has "
                    "result() here (wait for its job, get its value)",
                    e->name);
        if (e->nargs)
            fail_at(c, e->line, e->attr_col, "result() takes no timeout "
                    "here: result()");
        kind = CK_RESULT;
    } else if (strcmp(e->attr, "submit") == 0) {
        kind = CK_SUBMIT;
    } else if (strcmp(e->attr, "map") == 0) {
        kind = CK_MAP;
        if (e->nargs != 2)
            fail_at(c, e->line, e->attr_col, "map() takes a function and "
                    "one list here: %s.map(f, xs)", e->name);
    } else {
        fail_at(c, e->line, e->attr_col, "'%s' is a pool: it "
                "has submit() and map() here (leaving its with block shuts "
                "it down)", e->name);
    }
    load_name(c, e->name, e->line, e->col);
    in = emit(c, OP_LOAD_ATTR, 0, e->line, e->col);
    in->b = add_name(c, e->attr);
    in->flags = IF_NULL;
    if (kind == CK_SUBMIT) {
        fi = pool_func(c, e, e->nargs - 1);
        for (int i = 1; i < e->nargs; i++)
            compile_arg(c, e->args[i]);
    } else if (kind == CK_MAP) {
        const struct expr *xs = e->args[1];

        fi = pool_func(c, e, 1);
        if (xs->kind != E_NAME || !is_list_name(c, xs->name))
            fail_at(c, xs->line, xs->col, "map() goes over a list here: "
                    "a module-level list, a list made in this function or "
                    "a parameter");
        load_name(c, xs->name, xs->line, xs->col);
    }
    in = emit(c, OP_CALL, e->nargs, e->line, callcol);
    in->kind = (uint8_t)kind;
    in->b = fi;
}

static void compile_with(struct compiler *c, const struct stmt *s)
{
    if (s->value)
        compile_pool_with(c, s);
    else
        compile_lock_with(c, s);
}

static void compile_print(struct compiler *c, const struct stmt *s)
{
    struct cfg_instr *call;

    load_global_ref(c, "print", s->line, s->col);
    emit(c, OP_PUSH_NULL, 0, s->line, s->col);
    for (int i = 0; i < s->nitems; i++) {
        const struct expr *e = s->items[i].value;

        if (e && e->kind == E_NAME &&
            is_list_type(local_type_of(c, e->name)))
            load_name(c, e->name, e->line, e->col);  /* print(xs) */
        else if (e)
            compile_arg(c, e);
        else
            load_const(c, CONST_STR, 0, s->items[i].str, s->line, s->col);
    }
    call = emit(c, OP_CALL, s->nitems, s->line, s->col);
    call->kind = CK_PRINT;
    emit(c, OP_POP_TOP, 0, CFG_NO_LINE, 0);
}

static void compile_assert(struct compiler *c, const struct stmt *s)
{
    int end = new_label(c);
    struct cfg_instr *in;

    jump_if(c, s->value, end, 1);
    emit(c, OP_LOAD_ASSERTION_ERROR, 0, s->line, s->col);
    if (s->message) {
        load_const(c, CONST_STR, 0, s->message, s->line, s->col);
        in = emit(c, OP_CALL, 0, s->line, s->col);
        in->kind = CK_ASSERT;
    }
    /* CPython gives RAISE_VARARGS the condition's line; errors point at
     * the assert */
    in = emit(c, OP_RAISE_VARARGS, 1, s->value->line,
              s->value->line == s->line ? s->col : s->value->col);
    in->b = s->message ? add_const(c, CONST_STR, 0, s->message) : -1;
    use_label(c, end);
}

static void compile_stmt(struct compiler *c, const struct stmt *s)
{
    struct cfg_instr *in;

    switch (s->kind) {
    case S_ASSIGN:
        if (s->attr) {
            compile_expr(c, s->value);
            store_attr(c, s);
            break;
        }
        if (s->value->kind == E_LIST)
            compile_list(c, s->value, c->list_at[find_local(c, s->name)]);
        else if (s->value->kind == E_GATHER)
            compile_gather(c, s->value, c->list_at[find_local(c, s->name)]);
        else
            compile_expr(c, s->value);
        store_name(c, s->name, s->line, s->name_col);
        break;
    case S_AUG:
        if (s->attr) {
            /* LOAD_GLOBAL v, COPY 1, LOAD_ATTR value, ..., BINARY_OP +=,
             * SWAP 2, STORE_ATTR value */
            struct expr get = {.kind = E_ATTR, .line = s->line,
                               .col = s->name_col, .name = s->name,
                               .attr = s->attr, .attr_col = s->attr_col};

            sync_attr(c, &get, 1);
            compile_expr(c, s->value);
            in = emit(c, OP_BINARY_OP, s->op, s->line, s->name_col);
            in->flags = IF_INPLACE;
            emit(c, OP_SWAP, 2, s->line, s->name_col);
            store_attr(c, s);
            break;
        }
        load_name(c, s->name, s->line, s->name_col);
        compile_expr(c, s->value);
        in = emit(c, OP_BINARY_OP, s->op, s->line, s->name_col);
        in->flags = IF_INPLACE;
        store_name(c, s->name, s->line, s->name_col);
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
        emit(c, OP_NOP, 0, s->line, s->col);
        break;
    case S_GLOBAL:
        break;
    case S_BREAK:
    case S_CONTINUE:
        compile_break_continue(c, s);
        break;
    case S_WITH:
        compile_with(c, s);
        break;
    case S_PRINT:
        compile_print(c, s);
        break;
    case S_ASSERT:
        compile_assert(c, s);
        break;
    case S_RETURN:
        compile_return(c, s);
        break;
    case S_CALL:
        if (s->value->kind == E_METHOD)
            compile_method(c, s->value, s->is_await, s->col);
        else if (s->value->kind == E_THREAD || s->value->kind == E_TASK ||
                 s->value->kind == E_NAME || s->value->kind == E_GATHER)
            compile_expr(c, s->value);
        else
            compile_call(c, s->value, s->is_await);
        emit(c, OP_POP_TOP, 0, CFG_NO_LINE, 0);
        break;
    case S_WORK:
        compile_work_call(c, s, s->is_await);
        emit(c, OP_POP_TOP, 0, CFG_NO_LINE, 0);
        break;
    }
}

static void compile_stmts(struct compiler *c, const struct stmt *s)
{
    for (; s; s = s->next)
        compile_stmt(c, s);
}

/* ---- functions -------------------------------------------------------------------- */

/* The function's with blocks into the program's table; returns, per
 * handler, the innermost with block it stands in (-1 for none): the await
 * cleanup handler inside a with block stands in that block. */
static int32_t *with_blocks(struct compiler *c)
{
    struct program *P = c->prog;
    int32_t *with_of = xmalloc(sizeof(int32_t) * (size_t)(c->nhandlers + 1));

    with_of[0] = -1;
    for (int h = 1; h <= c->nhandlers; h++) {
        int32_t outer = with_of[c->hinfo[h].outer];

        if (c->hinfo[h].obj < 0) {
            with_of[h] = outer;
            continue;
        }
        XGROW(P->withs, c->cap_withs, (size_t)P->nwiths + 1);
        P->withs[P->nwiths].obj = c->hinfo[h].obj;
        P->withs[P->nwiths].outer = outer;
        with_of[h] = P->nwiths++;
    }
    return with_of;
}

static void compile_func(struct compiler *c, int index)
{
    const struct func_def *fd = &c->L->funcs[index];
    struct func *fn = &c->prog->funcs[index];
    struct program *P = c->prog;
    struct cfg_consts cc = {c, const_truth, const_bool};
    struct cfg_out out;
    int32_t *with_of;

    c->fd = fd;
    c->fn = fn;
    c->locals = NULL;
    c->cap_locals = 0;
    c->nglobals_decl = 0;
    c->range_depth = c->max_range_depth = 0;
    c->nfblocks = 0;
    c->handler = c->nhandlers = 0;
    fn->name = fd->name;
    fn->line = fd->line;
    fn->col = fd->col;
    fn->is_async = fd->is_async;
    fn->nparams = fd->nparams;
    for (int i = 0; i < fd->nparams; i++) {
        if (lesson_find_lock(c->L, fd->params[i]) >= 0 ||
            lesson_find_func(c->L, fd->params[i]) >= 0)
            fail_at(c, fd->line, fd->param_cols[i], "parameter '%s' has the "
                    "name of a lock or function: give it another name",
                    fd->params[i]);
        add_local(c, fd->params[i]);
    }
    c->uses.n = 0;
    index_clear(&c->uses.ix);
    collect_names(c, fd->body, &c->uses);
    c->nreal = fn->nlocals;
    free(c->ltype);
    c->ltype = xcalloc((size_t)c->nreal + 1, 1);
    free(c->list_at);
    c->list_at = xcalloc((size_t)c->nreal + 1, sizeof(int));
    for (int pass = 0; pass < 2 * c->nreal + 2 && infer_types(c, fd->body);
         pass++)
        ;
    for (int i = 0; i < fd->nparams; i++)
        if (c->ltype[i])
            fail_at(c, fd->line, fd->param_cols[i], "parameter '%s' is given "
                    "%s: use another local name", fd->params[i],
                    type_words(c->ltype[i]));
    check_types(c, fd->body);
    c->ntuple = max_tuple(fd->body);
    for (int k = 0; k < c->ntuple; k++) {
        char name[32];

        snprintf(name, sizeof(name), ".args%d", k);
        XGROW(c->locals, c->cap_locals, (size_t)fn->nlocals + 1);
        c->locals[fn->nlocals++] = arena_strdup(&c->L->arena, name);
    }
    /* each list local: its length, then its values */
    c->nlistslots = 0;
    for (int i = 0; i < c->nreal; i++) {
        if (!is_list_type(c->ltype[i]))
            continue;
        if (fn->nlocals + 1 + LESSON_MAX_LIST > FUNC_MAX_SLOTS)
            too_many_slots(c);
        c->list_at[i] = fn->nlocals;
        for (int k = 0; k <= LESSON_MAX_LIST; k++) {
            char name[64];

            snprintf(name, sizeof(name), ".%s.%d", c->locals[i], k);
            XGROW(c->locals, c->cap_locals, (size_t)fn->nlocals + 1);
            c->locals[fn->nlocals++] = arena_strdup(&c->L->arena, name);
        }
        c->nlistslots += 1 + LESSON_MAX_LIST;
    }
    c->gather_at = -1;
    if (unnamed_gather(fd->body)) {
        if (fn->nlocals + 1 + LESSON_MAX_LIST > FUNC_MAX_SLOTS)
            too_many_slots(c);
        c->gather_at = fn->nlocals;
        for (int k = 0; k <= LESSON_MAX_LIST; k++) {
            char name[64];

            snprintf(name, sizeof(name), ".gather.%d", k);
            XGROW(c->locals, c->cap_locals, (size_t)fn->nlocals + 1);
            c->locals[fn->nlocals++] = arena_strdup(&c->L->arena, name);
        }
        c->nlistslots += 1 + LESSON_MAX_LIST;
    }

    cfg_init(&c->g);
    if (fd->is_async) {
        emit(c, OP_RETURN_GENERATOR, 0, fd->line, fd->col);
        emit(c, OP_POP_TOP, 0, fd->line, fd->col);
        c->handler = new_handler(c, -1);    /* StopIteration -> RuntimeError */
    }
    emit(c, OP_RESUME, 0, fd->line, fd->col);
    compile_stmts(c, fd->body);
    load_none(c, CFG_NO_LINE, 0);
    emit(c, OP_RETURN_VALUE, 0, CFG_NO_LINE, 0);

    /* hidden slots for the iterators of nested for loops */
    for (int d = 0; d < c->max_range_depth; d++)
        for (int k = 0; k < 3; k++) {
            char name[32];

            snprintf(name, sizeof(name), ".range%d.%s", d,
                     k == 0 ? "next" : k == 1 ? "stop" : "step");
            XGROW(c->locals, c->cap_locals, (size_t)fn->nlocals + 1);
            c->locals[fn->nlocals++] = arena_strdup(&c->L->arena, name);
        }

    cfg_assemble(&c->g, fd->nparams, c->nreal, &cc, &out);
    cfg_done(&c->g);
    if (P->ncode + (uint32_t)out.n > PROGRAM_MAX_CODE) {
        cfg_out_done(&out);
        fail_at(c, fd->line, fd->col, "the lesson's code is too long (the "
                "limit is %d ops)", PROGRAM_MAX_CODE);
    }
    fn->code_start = P->ncode;
    fn->ncode = (uint32_t)out.n;
    {
        size_t need = (size_t)P->ncode + (size_t)out.n + 1;
        size_t cap = c->cap_code;

        if (need > cap) {
            while (cap < need)
                cap = cap ? cap * 2 : 256;
            P->code = xrealloc(P->code, cap * sizeof(*P->code));
            P->pos = xrealloc(P->pos, cap * sizeof(*P->pos));
            P->func_of = xrealloc(P->func_of, cap * sizeof(*P->func_of));
            P->label = xrealloc(P->label, cap * sizeof(*P->label));
            P->with_at = xrealloc(P->with_at, cap * sizeof(*P->with_at));
            c->cap_code = cap;
        }
    }
    with_of = with_blocks(c);
    for (int i = 0; i < out.n; i++) {
        const struct cfg_instr *ci = &out.ins[i];
        struct instr *in = &P->code[P->ncode + (uint32_t)i];
        int op = ci->op;

        in->op = (uint8_t)op;
        in->flags = ci->flags;
        in->kind = ci->kind;
        in->sub = ci->sub;
        in->a = ci->a;
        in->b = ci->b;
        in->c = ci->c;
        if (cfg_is_jump(op))
            in->a = (int32_t)(fn->code_start + (uint32_t)ci->target);
        if ((op_info[op].flags & OPF_BREAKER) &&
            !(op == OP_RESUME && ci->a >= 2) &&
            !((op == OP_CALL || op == OP_CALL_KW) && (ci->kind == CK_FUNC ||
                                ci->kind == CK_ASYNC_FUNC)))
            in->flags |= IF_BREAKER;
        P->pos[P->ncode + (uint32_t)i].line = ci->line;
        P->pos[P->ncode + (uint32_t)i].col = ci->col;
        P->func_of[P->ncode + (uint32_t)i] = (uint16_t)index;
        P->label[P->ncode + (uint32_t)i] = out.label[i];
        P->with_at[P->ncode + (uint32_t)i] =
            ci->handler > 0 && ci->handler <= c->nhandlers ?
            with_of[ci->handler] : -1;
    }
    free(with_of);
    P->ncode += (uint32_t)out.n;
    fn->maxstack = out.maxstack + 2;
    fn->local_names = c->locals;
    c->locals = NULL; /* now owned by fn */
    free(c->globals_decl);
    c->globals_decl = NULL;
    c->cap_gdecl = 0;
    index_clear(&c->gdecl_ix);
    cfg_out_done(&out);
    if (fn->nlocals + fn->maxstack > FUNC_MAX_SLOTS)
        too_many_slots(c);
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
    P->boxed = vm_boxes_new();
    for (int i = 0; i < L->nshared; i++) {
        P->global_names[i] = L->shared[i].name;
        if (L->shared[i].boolean)
            P->global_init[i] = VM_BOOL(L->shared[i].init);
        else if (vm_box(P, L->shared[i].init, &P->global_init[i]))
            P->global_init[i] = VM_UNSET;   /* cannot happen: few shared */
    }
    P->nlocks = L->nlocks;
    P->lock_names = xcalloc((size_t)(L->nlocks ? L->nlocks : 1), sizeof(char *));
    P->lock_async = xcalloc((size_t)(L->nlocks ? L->nlocks : 1), 1);
    P->lock_kind = xcalloc((size_t)(L->nlocks ? L->nlocks : 1), 1);
    P->lock_arg = xcalloc((size_t)(L->nlocks ? L->nlocks : 1), sizeof(int64_t));
    P->lock_link = xcalloc((size_t)(L->nlocks ? L->nlocks : 1), sizeof(int));
    for (int i = 0; i < L->nlocks; i++) {
        P->lock_link[i] = L->locks[i].link >= 0 ? L->locks[i].link : i;
        P->lock_kind[i] = (uint8_t)L->locks[i].kind;
        P->lock_arg[i] = L->locks[i].arg;
        P->lock_names[i] = L->locks[i].name;
        P->lock_async[i] = (uint8_t)L->locks[i].is_async;
    }

    if (setjmp(c.fail)) {
        index_clear(&c.consts_ix);
        index_clear(&c.names_ix);
        index_clear(&c.uses.ix);
        index_clear(&c.gdecl_ix);
        free(c.uses.v);
        free(c.locals);
        free(c.ltype);
        free(c.list_at);
        free(c.globals_decl);
        free(c.hinfo);
        if (c.g.blocks)
            cfg_done(&c.g);
        program_free(P);
        return NULL;
    }
    for (int i = 0; i < L->nfuncs; i++)
        compile_func(&c, i);
    for (int i = 0; i < L->nscenes; i++)
        check_scene(&c, &L->scenes[i]);
    index_clear(&c.consts_ix);
    index_clear(&c.names_ix);
    index_clear(&c.uses.ix);
    index_clear(&c.gdecl_ix);
    free(c.uses.v);
    free(c.hinfo);
    free(c.ltype);
    free(c.list_at);
    return P;
}

void program_free(struct program *P)
{
    if (!P)
        return;
    for (int i = 0; i < P->nfuncs; i++)
        free(P->funcs[i].local_names);
    free(P->funcs);
    free(P->code);
    free(P->pos);
    free(P->func_of);
    free(P->label);
    free(P->with_at);
    free(P->withs);
    free(P->consts);
    free(P->names);
    free(P->global_names);
    free(P->global_init);
    free(P->lock_names);
    free(P->lock_async);
    free(P->lock_kind);
    free(P->lock_arg);
    free(P->lock_link);
    vm_boxes_free(P->boxed);
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
    if (!L->prog || spawn_add_tasks(L, d) < 0) {
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

/* ---- printing instructions as dis does ----------------------------------------------- */

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

/* Python's repr() of a str, for the strings lesson code can hold. */
static void repr_str(struct strbuf *out, const char *s)
{
    char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';

    sb_putc(out, q);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;

        if (ch == '\\' || ch == (unsigned char)q)
            sb_printf(out, "\\%c", ch);
        else if (ch == '\n')
            sb_puts(out, "\\n");
        else if (ch == '\t')
            sb_puts(out, "\\t");
        else if (ch < 0x20 || ch == 0x7f)
            sb_printf(out, "\\x%02x", ch);
        else
            sb_putc(out, (char)ch);
    }
    sb_putc(out, q);
}

static void format_const(const struct program *P, int i, struct strbuf *out)
{
    const struct constant *k = &P->consts[i];

    switch (k->kind) {
    case CONST_INT:
        sb_printf(out, "%lld", (long long)k->v);
        break;
    case CONST_NONE:
        sb_puts(out, "None");
        break;
    case CONST_BOOL:
        sb_puts(out, k->v ? "True" : "False");
        break;
    case CONST_STR:
        repr_str(out, k->str);
        break;
    case CONST_NAMES:
    case CONST_TUPLE:
        sb_puts(out, k->str);
        break;
    }
}

static const char *global_name(const struct program *P, int32_t a)
{
    return a >= 0 ? P->global_names[a] : P->names[-1 - a];
}

void program_format_arg(const struct program *P, uint32_t pc,
                        struct strbuf *out)
{
    const struct instr *in = &P->code[pc];
    const struct func *fn = &P->funcs[P->func_of[pc]];

    switch ((enum opcode)in->op) {
    case OP_LOAD_CONST:
    case OP_RETURN_CONST:
        format_const(P, in->a, out);
        break;
    case OP_LOAD_FAST:
    case OP_LOAD_FAST_CHECK:
    case OP_STORE_FAST:
        sb_puts(out, fn->local_names[in->a]);
        break;
    case OP_LOAD_FAST_LOAD_FAST:
    case OP_STORE_FAST_LOAD_FAST:
    case OP_STORE_FAST_STORE_FAST:
        sb_printf(out, "%s, %s", fn->local_names[in->a],
                  fn->local_names[in->b]);
        break;
    case OP_LOAD_GLOBAL:
        sb_puts(out, global_name(P, in->a));
        if (in->flags & IF_NULL)
            sb_puts(out, " + NULL");
        break;
    case OP_STORE_GLOBAL:
        sb_puts(out, P->global_names[in->a]);
        break;
    case OP_LOAD_ATTR:
    case OP_STORE_ATTR:
        /* a sync object's attribute keeps the object in b, its name in a */
        sb_puts(out, P->names[in->kind == CK_SYNC ? in->a : in->b]);
        if (in->flags & IF_NULL)
            sb_puts(out, " + NULL|self");
        break;
    case OP_BINARY_OP:
        sb_puts(out, binary_op_text(in->a));
        if (in->flags & IF_INPLACE)
            sb_putc(out, '=');
        break;
    case OP_COMPARE_OP:
        if (in->flags & IF_BOOL)
            sb_printf(out, "bool(%s)", compare_op_text(in->a));
        else
            sb_puts(out, compare_op_text(in->a));
        break;
    case OP_JUMP_FORWARD:
    case OP_JUMP_BACKWARD:
    case OP_JUMP_BACKWARD_NO_INTERRUPT:
    case OP_POP_JUMP_IF_FALSE:
    case OP_POP_JUMP_IF_TRUE:
    case OP_FOR_ITER:
    case OP_SEND:
        sb_printf(out, "to L%u", (unsigned)P->label[in->a]);
        break;
    default:
        if (op_info[in->op].flags & OPF_ARG)
            sb_printf(out, "%d", (int)in->a);
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

int program_sync_op(const struct program *P, uint32_t pc, int *method)
{
    const struct instr *in = &P->code[pc];

    switch (in->op) {
    case OP_BEFORE_WITH:
        if (in->kind == CK_POOL_ENTER)
            return -1;      /* a ThreadPoolExecutor's with */
        *method = SYNC_ACQUIRE;
        return in->b;
    case OP_LOAD_ATTR:
    case OP_STORE_ATTR:
        if (in->kind != CK_SYNC)
            return -1;
        *method = in->sub;
        return in->b;
    case OP_CALL:
    case OP_CALL_KW:
        switch (in->kind) {
        case CK_ACQUIRE:
            *method = SYNC_ACQUIRE;
            return in->b;
        case CK_RELEASE:
        case CK_EXIT:
            *method = SYNC_RELEASE;
            return in->b;
        case CK_SYNC:
            if (sync_method_awaited(P->lock_kind[in->b], in->sub))
                return -1;      /* it acts at its SEND */
            *method = in->sub;
            return in->b;
        default:
            return -1;
        }
    case OP_SEND:
        switch (in->kind) {
        case CK_SEND_ACQUIRE:
            *method = SYNC_ACQUIRE;
            return in->b;
        case CK_SEND_RELEASE:
            *method = SYNC_RELEASE;
            return in->b;
        case CK_SEND_SYNC:
            *method = in->sub;
            return in->b;
        default:
            return -1;
        }
    default:
        return -1;
    }
}

int program_lock_op(const struct program *P, uint32_t pc, int *acquire)
{
    int method, obj = program_sync_op(P, pc, &method);

    if (obj >= 0)
        *acquire = sync_method_may_wait(P->lock_kind[obj], method);
    return obj;
}

/* A sync method given a timeout starts a timer as well (its roles, 2 bits
 * an argument, say which argument is the timeout). */
static int sync_call_timed(const struct instr *in)
{
    for (uint32_t roles = (uint32_t)in->c; roles; roles >>= 2)
        if ((roles & 3u) == SYNC_ARG_TIMEOUT)
            return 1;
    return 0;
}

/* What each call kind touches (program_access).  Every entry carries
 * KIND_LISTED: a kind without an entry - any kind added later and not
 * marked here - reads as 0 and counts as shared. */
#define KIND_LISTED 0x80
static const uint8_t call_kind_access[] = {
    [CK_NONE] = KIND_LISTED,
    [CK_FUNC] = KIND_LISTED,        /* a new frame of the same task */
    [CK_ASYNC_FUNC] = KIND_LISTED,  /* makes a coroutine object */
    [CK_COMPUTE] = KIND_LISTED,     /* CPU work: the task's own ticks */
    [CK_SLEEP] = KIND_LISTED | ACCESS_TIMED,
    [CK_IO] = KIND_LISTED | ACCESS_TIMED,
    [CK_AWAIT_SLEEP] = KIND_LISTED, /* makes the awaitable; YIELD_VALUE
                                     * waits */
    [CK_AWAIT_IO] = KIND_LISTED,
    [CK_PRINT] = KIND_LISTED | ACCESS_SHARED,  /* the one output */
    [CK_RANGE] = KIND_LISTED,
    [CK_ACQUIRE] = KIND_LISTED | ACCESS_SHARED,
    [CK_RELEASE] = KIND_LISTED | ACCESS_SHARED,
    [CK_AACQUIRE] = KIND_LISTED,    /* the awaitable; SEND takes the lock */
    [CK_EXIT] = KIND_LISTED | ACCESS_SHARED,
    [CK_AEXIT] = KIND_LISTED,
    [CK_ASSERT] = KIND_LISTED,
    [CK_SEND_CORO] = KIND_LISTED,   /* into a coroutine of the same task */
    [CK_SEND_WAIT] = KIND_LISTED,   /* passes the wait on to YIELD_VALUE */
    [CK_SEND_ACQUIRE] = KIND_LISTED | ACCESS_SHARED,
    [CK_SEND_RELEASE] = KIND_LISTED | ACCESS_SHARED,
    [CK_SYNC] = KIND_LISTED | ACCESS_SHARED,  /* a sync object's method */
    [CK_SEND_SYNC] = KIND_LISTED | ACCESS_SHARED,
    [CK_GET_LOCK] = KIND_LISTED,    /* pushes the lock; BEFORE_WITH takes it */
};

int program_access(const struct program *P, uint32_t pc)
{
    const struct instr *in = &P->code[pc];
    int flags = op_info[in->op].flags;

    /* waits for a pool's job; a pool's worker returning from its job
     * hands the result over and takes the next job */
    if ((in->op == OP_FOR_ITER && in->c == 2) ||
        (P->has_pools && (in->op == OP_RETURN_VALUE ||
                          in->op == OP_RETURN_CONST)))
        return ACCESS_SHARED;
    if ((in->op == OP_LOAD_ATTR || in->op == OP_STORE_ATTR) &&
        in->kind == CK_SYNC)   /* a sync object's attribute */
        return ACCESS_SHARED;
    if (flags & OPF_PRIVATE)
        return 0;
    if (flags & OPF_GLOBAL)
        return in->a >= 0 ? ACCESS_GLOBAL : 0;
    if ((in->op == OP_CALL || in->op == OP_CALL_KW || in->op == OP_SEND) &&
        in->kind < sizeof(call_kind_access) &&
        (call_kind_access[in->kind] & KIND_LISTED))
        return (call_kind_access[in->kind] & ~KIND_LISTED) |
               (in->kind == CK_SYNC && sync_call_timed(in) ? ACCESS_TIMED : 0);
    if (in->op == OP_YIELD_VALUE)   /* in the task's own frame: a wait */
        return ACCESS_TIMED | ACCESS_SHARED;
    return ACCESS_SHARED;           /* BEFORE_WITH, and anything unmarked */
}
