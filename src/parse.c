/* parse.c - the lesson reader: lines and tokens into a struct lesson.
 *
 * A recursive-descent parser over the lines that lex.c produces.  Blocks are
 * made from indentation as in Python.  The first error ends the parse: it is
 * formatted into the caller's struct diag and the parser unwinds with
 * longjmp; everything allocated lives in the lesson's arena (or is tracked
 * in struct parser) so nothing leaks.  Names are resolved later, by
 * lesson_resolve() at the end of this file and by the compiler.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson.h"
#include "lex.h"
#include "sync.h"
#include "util.h"

struct parser {
    struct lesson *L;
    const struct source *src;
    struct arena *a;
    struct diag *d;
    jmp_buf fail;

    struct lex_line *lines;
    int nlines;
    int li;                     /* index of the next line to look at */

    const struct lex_line *ln;  /* the line being tokenized */
    struct token *toks;         /* its tokens (malloc'd) */
    int ntoks, ti;

    int indents[LESSON_MAX_DEPTH + 2]; /* enclosing block indentation */
    int nindents;
    int expr_depth;

    size_t cap_shared, cap_locks, cap_funcs, cap_scenes, cap_pages, cap_lists;
};

/* Lines of the lesson that introduce something, for "already defined". */
static const char *const keywords[] = {
    "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "False", "finally", "for",
    "from", "global", "if", "import", "in", "is", "lambda", "None",
    "nonlocal", "not", "or", "pass", "raise", "return", "True", "try",
    "while", "with", "yield",
};

static const char *const builtins[] = {
    "compute", "sleep", "io", "print", "range", "time", "asyncio",
    "threading", "queue", "multiprocessing", "concurrent",
};

/* ---- errors ------------------------------------------------------------ */

static TT_NORETURN TT_PRINTF(4, 5) void fail_at(struct parser *p, int line,
                                                int col, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    diag_verror(p->d, p->src, line, col, fmt, ap);
    va_end(ap);
    longjmp(p->fail, 1);
}

static const struct token *tok(struct parser *p)
{
    return &p->toks[p->ti];
}

/* 2^63 written without a minus: it does not fit in 64 bits. */
static TT_NORETURN void too_large(struct parser *p, const struct token *t)
{
    fail_at(p, p->ln->no, t->col, "integer %.*s is too large (the largest "
            "is %lld)", t->len > 40 ? 40 : t->len, t->p, (long long)INT64_MAX);
}

static const struct token *peek(struct parser *p, int k)
{
    int i = p->ti + k;

    return &p->toks[i < p->ntoks ? i : p->ntoks - 1];
}

static void advance(struct parser *p)
{
    if (p->ti < p->ntoks - 1)
        p->ti++;
}

/* A short description of a token for "expected X, found Y". */
static const char *describe(struct parser *p, const struct token *t)
{
    switch (t->kind) {
    case TOK_END: return "the end of the line";
    case TOK_INT: return "a number";
    case TOK_STRING: return "a string";
    case TOK_NAME:
    case TOK_PUNCT: {
        const char *text = t->kind == TOK_NAME ? t->name : punct_text(t->punct);
        size_t n = strlen(text);
        char *r = arena_alloc(p->a, n + 3);

        r[0] = '\'';
        memcpy(r + 1, text, n);
        r[n + 1] = '\'';
        return r;
    }
    }
    return "?";
}

static TT_NORETURN void fail_expected(struct parser *p, const char *what)
{
    const struct token *t = tok(p);

    fail_at(p, p->ln->no, t->col, "expected %s, found %s", what, describe(p, t));
}

/* ---- tokens of one line -------------------------------------------------- */

static void tokenize(struct parser *p, const struct lex_line *ln, int offset)
{
    free(p->toks);
    p->toks = NULL;
    p->ln = ln;
    p->ti = 0;
    p->ntoks = lex_line(p->src, ln, offset, p->a, &p->toks, p->d);
    if (p->ntoks < 0) {
        p->toks = NULL;
        longjmp(p->fail, 1);
    }
}

static int at_punct(struct parser *p, int punct)
{
    return tok(p)->kind == TOK_PUNCT && tok(p)->punct == punct;
}

static int at_name(struct parser *p, const char *name)
{
    return tok(p)->kind == TOK_NAME && strcmp(tok(p)->name, name) == 0;
}

static int accept_punct(struct parser *p, int punct)
{
    if (!at_punct(p, punct))
        return 0;
    advance(p);
    return 1;
}

static int accept_name(struct parser *p, const char *name)
{
    if (!at_name(p, name))
        return 0;
    advance(p);
    return 1;
}

static void expect_punct(struct parser *p, int punct, const char *context)
{
    if (accept_punct(p, punct))
        return;
    if (punct == P_COLON && tok(p)->kind == TOK_END)
        fail_at(p, p->ln->no, tok(p)->col, "expected ':' at the end of %s",
                context);
    fail_at(p, p->ln->no, tok(p)->col, "expected '%s' %s, found %s",
            punct_text(punct), context, describe(p, tok(p)));
}

static void expect_end(struct parser *p, const char *context)
{
    if (tok(p)->kind != TOK_END)
        fail_at(p, p->ln->no, tok(p)->col,
                "unexpected %s after %s", describe(p, tok(p)), context);
}

static int is_keyword(const char *s)
{
    for (size_t i = 0; i < TT_ARRAY_LEN(keywords); i++)
        if (strcmp(s, keywords[i]) == 0)
            return 1;
    return 0;
}

static int is_builtin(const char *s)
{
    for (size_t i = 0; i < TT_ARRAY_LEN(builtins); i++)
        if (strcmp(s, builtins[i]) == 0)
            return 1;
    return 0;
}

/* A name the lesson may define: not a keyword. */
static const char *expect_name(struct parser *p, const char *what)
{
    const struct token *t = tok(p);

    if (t->kind != TOK_NAME)
        fail_expected(p, what);
    if (is_keyword(t->name))
        fail_at(p, p->ln->no, t->col, "'%s' is a keyword and cannot be used "
                "as %s", t->name, what);
    advance(p);
    return t->name;
}

/* A word made of names joined by '-' with no spaces: switch-interval. */
static const char *hyphen_word(struct parser *p, int *col)
{
    const struct token *t = tok(p);
    struct strbuf sb;
    const char *r;

    if (t->kind != TOK_NAME)
        return NULL;
    *col = t->col;
    sb_init(&sb);
    sb_puts(&sb, t->name);
    advance(p);
    while (at_punct(p, P_MINUS) && tok(p)->col == peek(p, -1)->end_col &&
           peek(p, 1)->kind == TOK_NAME && peek(p, 1)->col == tok(p)->end_col) {
        advance(p);
        sb_putc(&sb, '-');
        sb_puts(&sb, tok(p)->name);
        advance(p);
    }
    r = arena_strdup(p->a, sb.s);
    sb_done(&sb);
    return r;
}

/* ---- lines and blocks ---------------------------------------------------- */

/* The next line that is not blank, or NULL at the end of the file. */
static const struct lex_line *peek_line(struct parser *p)
{
    while (p->li < p->nlines && p->lines[p->li].blank)
        p->li++;
    return p->li < p->nlines ? &p->lines[p->li] : NULL;
}

static int enclosing_indent(struct parser *p, int indent)
{
    if (indent == 0)
        return 1;
    for (int i = 0; i < p->nindents; i++)
        if (p->indents[i] == indent)
            return 1;
    return 0;
}

/* Start a block after a header line with indentation header.  Returns the
 * block's indentation, checking that one is there. */
static int begin_block(struct parser *p, const struct lex_line *header,
                       const char *what)
{
    const struct lex_line *ln = peek_line(p);

    if (!ln || ln->indent <= header->indent) {
        int line = ln ? ln->no : header->no;
        int col = ln ? ln->indent + 1 : header->indent + header->len + 1;

        fail_at(p, line, col, "expected an indented block after %s on line %d",
                what, header->no);
    }
    if (p->nindents >= LESSON_MAX_DEPTH)
        fail_at(p, ln->no, ln->indent + 1,
                "blocks are nested too deeply (the limit is %d levels)",
                LESSON_MAX_DEPTH);
    p->indents[p->nindents++] = ln->indent;
    return ln->indent;
}

/* Is there another line in the block of indentation indent?  Reports bad
 * indentation of the next line. */
static const struct lex_line *block_line(struct parser *p, int indent)
{
    const struct lex_line *ln = peek_line(p);

    if (!ln || ln->indent < indent) {
        if (ln && !enclosing_indent(p, ln->indent))
            fail_at(p, ln->no, ln->indent + 1, "this line's indentation (%d) "
                    "does not match any enclosing block", ln->indent);
        return NULL;
    }
    if (ln->indent > indent)
        fail_at(p, ln->no, ln->indent + 1, "unexpected indent");
    return ln;
}

static void end_block(struct parser *p)
{
    p->nindents--;
}

/* ---- expressions ----------------------------------------------------------- */

static struct expr *parse_expr(struct parser *p);

static struct expr *new_expr(struct parser *p, enum expr_kind kind,
                             const struct token *at)
{
    struct expr *e = arena_alloc(p->a, sizeof(*e));

    e->kind = kind;
    e->line = p->ln->no;
    e->col = at->col;
    return e;
}

static void enter_expr(struct parser *p)
{
    if (++p->expr_depth > LESSON_MAX_EXPR_DEPTH)
        fail_at(p, p->ln->no, tok(p)->col, "expression is nested too deeply "
                "(the limit is %d levels)", LESSON_MAX_EXPR_DEPTH);
}

/* Arguments in parentheses: the '(' is the current token. */
static struct expr **parse_args(struct parser *p, int *nargs, const char *what)
{
    struct expr *tmp[LESSON_MAX_PARAMS];
    struct expr **args;
    int n = 0;

    expect_punct(p, P_LPAREN, what);
    if (!at_punct(p, P_RPAREN)) {
        do {
            if (n == LESSON_MAX_PARAMS)
                fail_at(p, p->ln->no, tok(p)->col, "too many arguments (the "
                        "limit is %d)", LESSON_MAX_PARAMS);
            tmp[n++] = parse_expr(p);
        } while (accept_punct(p, P_COMMA) && !at_punct(p, P_RPAREN));
    }
    if (!accept_punct(p, P_RPAREN))
        fail_expected(p, "',' or ')'");
    args = arena_alloc(p->a, sizeof(*args) * (size_t)(n ? n : 1));
    memcpy(args, tmp, sizeof(*args) * (size_t)n);
    *nargs = n;
    return args;
}

static int is_module(const char *name)
{
    return strcmp(name, "time") == 0 || strcmp(name, "asyncio") == 0 ||
           strcmp(name, "threading") == 0 || strcmp(name, "queue") == 0 ||
           strcmp(name, "multiprocessing") == 0;
}

/* Is the current token NAME . NAME ( : a method call? */
static int at_method_call(struct parser *p)
{
    return tok(p)->kind == TOK_NAME && peek(p, 1)->kind == TOK_PUNCT &&
           peek(p, 1)->punct == P_DOT && peek(p, 2)->kind == TOK_NAME &&
           peek(p, 3)->kind == TOK_PUNCT && peek(p, 3)->punct == P_LPAREN &&
           !is_module(tok(p)->name);
}

/* OBJ.method(args, kw=value): the object's name is current. */
static struct expr *parse_method_call(struct parser *p)
{
    const struct token *t = tok(p);
    struct expr *e = new_expr(p, E_METHOD, t);
    struct expr *tmp[LESSON_MAX_PARAMS];
    const char *kws[LESSON_MAX_PARAMS];
    int n = 0;

    e->name = t->name;
    advance(p);
    advance(p);         /* '.' */
    e->attr = tok(p)->name;
    e->attr_col = tok(p)->col;
    advance(p);
    expect_punct(p, P_LPAREN, "after the method's name");
    if (!at_punct(p, P_RPAREN)) {
        do {
            if (n == LESSON_MAX_PARAMS)
                fail_at(p, p->ln->no, tok(p)->col, "too many arguments (the "
                        "limit is %d)", LESSON_MAX_PARAMS);
            kws[n] = NULL;
            if (tok(p)->kind == TOK_NAME && peek(p, 1)->kind == TOK_PUNCT &&
                peek(p, 1)->punct == P_ASSIGN) {
                kws[n] = tok(p)->name;
                advance(p);
                advance(p);
            } else if (n > 0 && kws[n - 1]) {
                fail_at(p, p->ln->no, tok(p)->col, "positional argument "
                        "follows keyword argument");
            }
            tmp[n++] = parse_expr(p);
        } while (accept_punct(p, P_COMMA) && !at_punct(p, P_RPAREN));
    }
    if (!accept_punct(p, P_RPAREN))
        fail_expected(p, "',' or ')'");
    e->args = arena_alloc(p->a, sizeof(*e->args) * (size_t)(n ? n : 1));
    memcpy(e->args, tmp, sizeof(*e->args) * (size_t)n);
    e->kws = arena_alloc(p->a, sizeof(*e->kws) * (size_t)(n ? n : 1));
    memcpy(e->kws, kws, sizeof(*e->kws) * (size_t)n);
    e->nargs = n;
    return e;
}

/* Is the current token concurrent . futures . NAME? */
static int at_futures(struct parser *p, const char *name)
{
    return tok(p)->kind == TOK_NAME &&
           strcmp(tok(p)->name, "concurrent") == 0 &&
           peek(p, 1)->kind == TOK_PUNCT && peek(p, 1)->punct == P_DOT &&
           peek(p, 2)->kind == TOK_NAME &&
           strcmp(peek(p, 2)->name, "futures") == 0 &&
           peek(p, 3)->kind == TOK_PUNCT && peek(p, 3)->punct == P_DOT &&
           peek(p, 4)->kind == TOK_NAME &&
           (!name || strcmp(peek(p, 4)->name, name) == 0);
}

static struct expr *parse_pool(struct parser *p);

/* Tasks started by code that taketurns does not model yet: a clear error
 * at the first token of such a use (concurrent.futures, or
 * asyncio.create_task / gather / wait ...). */
static void refuse_unsupported(struct parser *p)
{
    const struct token *t = tok(p);

    if (t->kind != TOK_NAME)
        return;
    if (strcmp(t->name, "ThreadPoolExecutor") == 0 ||
        strcmp(t->name, "ProcessPoolExecutor") == 0)
        fail_at(p, p->ln->no, t->col, "write the pool as the article does: "
                "import concurrent.futures, then 'with concurrent.futures."
                "%s(max_workers=N) as executor:'", t->name);
    if (strcmp(t->name, "asyncio") == 0 && peek(p, 1)->kind == TOK_PUNCT &&
        peek(p, 1)->punct == P_DOT && peek(p, 2)->kind == TOK_NAME) {
        static const char *const later[] = {"wait",
                                            "ensure_future",
                                            "TaskGroup", "wait_for", "run"};

        if (strcmp(peek(p, 2)->name, "gather") == 0)
            fail_at(p, p->ln->no, peek(p, 2)->col, "asyncio.gather() is "
                    "awaited at once here: await asyncio.gather(f(1), g(2)) "
                    "or r = await asyncio.gather(f(1), g(2))");
        if (strcmp(peek(p, 2)->name, "Task") == 0)
            fail_at(p, p->ln->no, peek(p, 2)->col, "asyncio.Task() is not "
                    "supported: write asyncio.create_task(f(...))");
        for (size_t i = 0; i < TT_ARRAY_LEN(later); i++)
            if (strcmp(peek(p, 2)->name, later[i]) == 0)
                fail_at(p, p->ln->no, peek(p, 2)->col, "asyncio.%s() is not "
                        "supported in taketurns yet: start coroutines with "
                        "t = asyncio.create_task(f(...)) and 'await t' for "
                        "each, or keep the tasks in a list and 'await "
                        "asyncio.gather(*tasks)'", later[i]);
    }
}

/* MODULE.NAME that students reach for and taketurns does not model: an
 * error that says what stands in its place ('MODULE' is current). */
static void refuse_unmodelled(struct parser *p)
{
#define TICKS "time in a scene is counted in ticks: the timeline, run and " \
              "real show how long each task and the whole run take"
#define NAMED "each task's lane is labelled with its name (name= or " \
              "Python's Thread-N)"
    static const struct {
        const char *module, *name, *instead;
    } known[] = {
        {"time", "perf_counter", TICKS},
        {"time", "time", TICKS},
        {"time", "monotonic", TICKS},
        {"threading", "current_thread", NAMED},
        {"threading", "get_ident", NAMED},
        {"threading", "active_count", "the timeline shows every thread that "
         "has started and not ended"},
        {"multiprocessing", "current_process", "each process's lane is "
         "labelled with its name"},
        {"asyncio", "current_task", "each task's lane is labelled with its "
         "name (Python's Task-N)"},
    };
    const struct token *t = tok(p), *n = peek(p, 2);

    if (n->kind != TOK_NAME)
        return;
    for (size_t i = 0; i < TT_ARRAY_LEN(known); i++)
        if (strcmp(t->name, known[i].module) == 0 &&
            strcmp(n->name, known[i].name) == 0)
            fail_at(p, p->ln->no, n->col, "%s.%s() is not modelled in "
                    "taketurns: %s", t->name, n->name, known[i].instead);
#undef TICKS
#undef NAMED
}

/* Is the current token asyncio . NAME ( ? */
static int at_asyncio_call(struct parser *p, const char *name)
{
    return tok(p)->kind == TOK_NAME && strcmp(tok(p)->name, "asyncio") == 0 &&
           peek(p, 1)->kind == TOK_PUNCT && peek(p, 1)->punct == P_DOT &&
           peek(p, 2)->kind == TOK_NAME && strcmp(peek(p, 2)->name, name) == 0 &&
           peek(p, 3)->kind == TOK_PUNCT && peek(p, 3)->punct == P_LPAREN;
}

static struct expr *parse_primary(struct parser *p);

/* concurrent.futures.ThreadPoolExecutor(max_workers=N) or (N), and the
 * same of ProcessPoolExecutor: 'concurrent' is current; the expression's
 * name is the class's. */
static struct expr *parse_pool(struct parser *p)
{
    struct expr *e = new_expr(p, E_POOL, tok(p));
    const char *cls = peek(p, 4)->name;
    int n;

    if (!(p->L->imports & 32u))
        fail_at(p, p->ln->no, tok(p)->col, "name 'concurrent' is not "
                "defined: add 'import concurrent.futures' above");
    if (strcmp(cls, "ThreadPoolExecutor") != 0 &&
        strcmp(cls, "ProcessPoolExecutor") != 0)
        fail_at(p, p->ln->no, peek(p, 4)->col, "concurrent.futures has "
                "ThreadPoolExecutor and ProcessPoolExecutor here");
    e->name = cls;
    for (int i = 0; i < 5; i++)
        advance(p);
    expect_punct(p, P_LPAREN, cls[0] == 'T' ? "after ThreadPoolExecutor" :
                 "after ProcessPoolExecutor");
    e->kws = arena_alloc(p->a, sizeof(*e->kws));
    e->kws[0] = NULL;
    e->args = arena_alloc(p->a, sizeof(*e->args));
    if (tok(p)->kind == TOK_NAME && peek(p, 1)->kind == TOK_PUNCT &&
        peek(p, 1)->punct == P_ASSIGN) {
        if (strcmp(tok(p)->name, "max_workers") != 0)
            fail_at(p, p->ln->no, tok(p)->col, "%s takes "
                    "max_workers=N here (not %s=)", cls, tok(p)->name);
        e->kws[0] = tok(p)->name;
        advance(p);
        advance(p);
    } else if (at_punct(p, P_RPAREN)) {
        fail_at(p, p->ln->no, tok(p)->col, "give the pool its size: "
                "%s(max_workers=N) (Python's default "
                "depends on the machine's CPUs)", cls);
    }
    e->args[0] = parse_expr(p);
    n = 1;
    e->nargs = n;
    if (!accept_punct(p, P_RPAREN))
        fail_expected(p, cls[0] == 'T' ?
                      "')' (ThreadPoolExecutor takes max_workers here)" :
                      "')' (ProcessPoolExecutor takes max_workers here)");
    return e;
}

/* asyncio.create_task(f(args)): 'asyncio' is current. */
static struct expr *parse_create_task(struct parser *p)
{
    struct expr *e = new_expr(p, E_TASK, tok(p));

    advance(p);
    advance(p);
    advance(p);
    expect_punct(p, P_LPAREN, "after asyncio.create_task");
    if (tok(p)->kind != TOK_NAME || peek(p, 1)->kind != TOK_PUNCT ||
        peek(p, 1)->punct != P_LPAREN)
        fail_at(p, p->ln->no, tok(p)->col, "asyncio.create_task() takes a "
                "call of an async def here: asyncio.create_task(f(1))");
    e->lhs = parse_primary(p);
    if (!accept_punct(p, P_RPAREN))
        fail_expected(p, "')'");
    return e;
}

/* await asyncio.gather(f(a), t, ...): 'asyncio' is current, await_col
 * the await's column.  Each value is a call of an async def or a task. */
static struct expr *parse_gather(struct parser *p, int await_col)
{
    struct expr *tmp[LESSON_MAX_LIST];
    struct expr *e = new_expr(p, E_GATHER, tok(p));
    int n = 0;

    e->attr_col = peek(p, 2)->col;
    e->ival = tok(p)->col;      /* asyncio's */
    e->col = await_col;
    advance(p);
    advance(p);
    advance(p);
    expect_punct(p, P_LPAREN, "after asyncio.gather");
    while (!at_punct(p, P_RPAREN)) {
        if (tok(p)->kind == TOK_NAME &&
            strcmp(tok(p)->name, "return_exceptions") == 0 &&
            peek(p, 1)->kind == TOK_PUNCT && peek(p, 1)->punct == P_ASSIGN) {
            advance(p);
            advance(p);
            if (tok(p)->kind != TOK_NAME || (strcmp(tok(p)->name, "True") &&
                                             strcmp(tok(p)->name, "False")))
                fail_at(p, p->ln->no, tok(p)->col, "return_exceptions= "
                        "takes True or False here");
            e->rhs = new_expr(p, E_INT, tok(p));
            e->rhs->op = 2;
            e->rhs->ival = strcmp(tok(p)->name, "True") == 0;
            advance(p);
            accept_punct(p, P_COMMA);
            if (!at_punct(p, P_RPAREN))
                fail_at(p, p->ln->no, tok(p)->col, "return_exceptions= "
                        "comes last in asyncio.gather()");
            break;
        }
        if (at_punct(p, P_STAR)) {
            const struct token *star = tok(p);

            if (n > 0 || e->lhs)
                fail_at(p, p->ln->no, star->col, "asyncio.gather(*LIST) "
                        "takes the list alone here: put every task in it");
            advance(p);
            if (tok(p)->kind != TOK_NAME || is_keyword(tok(p)->name) ||
                peek(p, 1)->kind != TOK_PUNCT ||
                (peek(p, 1)->punct != P_COMMA && peek(p, 1)->punct != P_RPAREN))
                fail_at(p, p->ln->no, tok(p)->col, "asyncio.gather(*LIST) "
                        "takes the name of a list of tasks here: "
                        "asyncio.gather(*tasks)");
            e->lhs = new_expr(p, E_NAME, tok(p));
            e->lhs->name = tok(p)->name;
            advance(p);
            if (!accept_punct(p, P_COMMA))
                break;
            continue;
        }
        if (e->lhs)
            fail_at(p, p->ln->no, tok(p)->col, "asyncio.gather(*LIST) "
                    "takes the list alone here: put every task in it");
        if (n == LESSON_MAX_LIST)
            fail_at(p, p->ln->no, tok(p)->col, "asyncio.gather() takes at "
                    "most %d values here", LESSON_MAX_LIST);
        if (tok(p)->kind != TOK_NAME || is_keyword(tok(p)->name) ||
            (peek(p, 1)->kind == TOK_PUNCT && peek(p, 1)->punct == P_DOT))
            fail_at(p, p->ln->no, tok(p)->col, "asyncio.gather() takes calls "
                    "of async defs and tasks here: asyncio.gather(f(1), "
                    "g(2), t)");
        if (peek(p, 1)->kind == TOK_PUNCT && peek(p, 1)->punct == P_LPAREN) {
            tmp[n++] = parse_primary(p);
        } else {
            tmp[n] = new_expr(p, E_NAME, tok(p));
            tmp[n++]->name = tok(p)->name;
            advance(p);
        }
        if (!accept_punct(p, P_COMMA))
            break;
    }
    if (!accept_punct(p, P_RPAREN))
        fail_expected(p, "',' or ')'");
    if (n == 0 && !e->lhs)
        fail_at(p, e->line, e->attr_col, "asyncio.gather() needs at least "
                "one coroutine or task here: asyncio.gather(f(1), g(2))");
    e->args = arena_alloc(p->a, sizeof(*e->args) * (size_t)n);
    memcpy(e->args, tmp, sizeof(*e->args) * (size_t)n);
    e->nargs = n;
    e->op = 1;
    return e;
}

/* Is the current token threading . Thread ( ? */
static int at_thread_ctor(struct parser *p)
{
    return tok(p)->kind == TOK_NAME && strcmp(tok(p)->name, "threading") == 0 &&
           peek(p, 1)->kind == TOK_PUNCT && peek(p, 1)->punct == P_DOT &&
           peek(p, 2)->kind == TOK_NAME &&
           strcmp(peek(p, 2)->name, "Thread") == 0 &&
           peek(p, 3)->kind == TOK_PUNCT && peek(p, 3)->punct == P_LPAREN;
}

/* args=(a, b): a tuple written out; the '(' is current. */
static struct expr *parse_tuple(struct parser *p)
{
    struct expr *e = new_expr(p, E_TUPLE, tok(p));
    struct expr *tmp[LESSON_MAX_PARAMS];
    int n = 0, comma = 0;

    if (!at_punct(p, P_LPAREN))
        fail_at(p, p->ln->no, tok(p)->col, "args= takes a tuple here: "
                "args=(1, 2), or args=(1,) for one value");
    advance(p);
    while (!at_punct(p, P_RPAREN)) {
        if (n == LESSON_MAX_PARAMS)
            fail_at(p, p->ln->no, tok(p)->col, "too many arguments (the "
                    "limit is %d)", LESSON_MAX_PARAMS);
        tmp[n++] = parse_expr(p);
        if (!(comma = accept_punct(p, P_COMMA)))
            break;
    }
    if (!accept_punct(p, P_RPAREN))
        fail_expected(p, "',' or ')'");
    if (n == 1 && !comma)
        fail_at(p, e->line, e->col, "(x) is not a tuple: write args=(x,) "
                "for one argument");
    e->args = arena_alloc(p->a, sizeof(*e->args) * (size_t)(n ? n : 1));
    memcpy(e->args, tmp, sizeof(*e->args) * (size_t)n);
    e->nargs = n;
    return e;
}

/* threading.Thread(target=F, args=(...), name="S"), perhaps followed by
 * .start() or .join(): 'threading' is current. */
static struct expr *parse_thread_ctor(struct parser *p)
{
    struct expr *e = new_expr(p, E_THREAD, tok(p));
    struct expr *tmp[3];
    const char *kws[3];
    int n = 0;

    advance(p);
    advance(p);         /* '.' */
    advance(p);         /* Thread */
    expect_punct(p, P_LPAREN, "after threading.Thread");
    while (!at_punct(p, P_RPAREN)) {
        const struct token *k = tok(p);
        struct expr *v;

        if (k->kind != TOK_NAME || peek(p, 1)->kind != TOK_PUNCT ||
            peek(p, 1)->punct != P_ASSIGN ||
            (strcmp(k->name, "target") && strcmp(k->name, "args") &&
             strcmp(k->name, "name")))
            fail_at(p, p->ln->no, k->col, "threading.Thread() takes the "
                    "keywords target=, args= and name= here");
        for (int i = 0; i < n; i++)
            if (strcmp(kws[i], k->name) == 0)
                fail_at(p, p->ln->no, k->col, "SyntaxError: keyword "
                        "argument repeated: %s", k->name);
        advance(p);
        advance(p);
        if (k->name[0] == 'a') {
            v = parse_tuple(p);
        } else if (k->name[0] == 'n') {
            if (tok(p)->kind != TOK_STRING)
                fail_expected(p, "a string after name=");
            if (strlen(tok(p)->sval) == 0 ||
                strlen(tok(p)->sval) > LESSON_MAX_LABEL)
                fail_at(p, p->ln->no, tok(p)->col, "a thread's name is its "
                        "lane's label here: 1 to %d characters",
                        LESSON_MAX_LABEL);
            v = new_expr(p, E_STR, tok(p));
            v->name = tok(p)->sval;
            advance(p);
        } else {
            if (tok(p)->kind != TOK_NAME ||
                (peek(p, 1)->kind == TOK_PUNCT &&
                 (peek(p, 1)->punct == P_LPAREN || peek(p, 1)->punct == P_DOT)))
                fail_at(p, p->ln->no, tok(p)->col, "target= takes the name "
                        "of a def here: target=worker");
            v = new_expr(p, E_NAME, tok(p));
            v->name = tok(p)->name;
            advance(p);
        }
        kws[n] = k->name;
        tmp[n++] = v;
        if (!accept_punct(p, P_COMMA))
            break;
    }
    if (!accept_punct(p, P_RPAREN))
        fail_expected(p, "',' or ')'");
    e->args = arena_alloc(p->a, sizeof(*e->args) * (size_t)(n ? n : 1));
    memcpy(e->args, tmp, sizeof(*e->args) * (size_t)n);
    e->kws = arena_alloc(p->a, sizeof(*e->kws) * (size_t)(n ? n : 1));
    memcpy(e->kws, kws, sizeof(*e->kws) * (size_t)n);
    e->nargs = n;
    if (at_punct(p, P_DOT)) {
        /* threading.Thread(...).start() */
        struct expr *m = new_expr(p, E_METHOD, peek(p, 1));

        advance(p);
        if (tok(p)->kind != TOK_NAME || peek(p, 1)->kind != TOK_PUNCT ||
            peek(p, 1)->punct != P_LPAREN)
            fail_at(p, p->ln->no, tok(p)->col, "a thread has the methods "
                    "start() and join() here");
        m->col = e->col;
        m->attr = tok(p)->name;
        m->attr_col = tok(p)->col;
        m->lhs = e;
        advance(p);
        m->args = parse_args(p, &m->nargs, "after the method's name");
        m->kws = arena_alloc(p->a, sizeof(*m->kws) * (size_t)(m->nargs ? m->nargs : 1));
        for (int i = 0; i < m->nargs; i++)
            m->kws[i] = NULL;
        return m;
    }
    return e;
}

static struct expr *parse_primary(struct parser *p)
{
    const struct token *t = tok(p);
    struct expr *e;

    switch (t->kind) {
    case TOK_INT:
        if (t->ival == INT64_MIN)
            too_large(p, t);
        e = new_expr(p, E_INT, t);
        e->ival = t->ival;
        advance(p);
        return e;
    case TOK_STRING:
        fail_at(p, p->ln->no, t->col, "a string can only be printed: "
                "values in the task language are integers");
    case TOK_NAME:
        if (strcmp(t->name, "None") == 0) {
            e = new_expr(p, E_INT, t);
            e->op = 3; /* None: printed, never computed with */
            advance(p);
            return e;
        }
        if (strcmp(t->name, "True") == 0 || strcmp(t->name, "False") == 0) {
            e = new_expr(p, E_INT, t);
            e->ival = t->name[0] == 'T';
            e->op = 2; /* a bool: dis shows True/False */
            advance(p);
            return e;
        }
        if (strcmp(t->name, "await") == 0) {
            advance(p);
            if (at_asyncio_call(p, "gather"))
                return parse_gather(p, t->col);
            refuse_unsupported(p);
            if (tok(p)->kind == TOK_NAME && !is_keyword(tok(p)->name) &&
                !(peek(p, 1)->kind == TOK_PUNCT &&
                  (peek(p, 1)->punct == P_LPAREN ||
                   peek(p, 1)->punct == P_DOT))) {
                /* await TASK */
                e = new_expr(p, E_NAME, tok(p));
                e->name = tok(p)->name;
                e->op = 1;
                e->attr_col = tok(p)->col;
                e->col = t->col;
                advance(p);
                return e;
            }
            if (!at_method_call(p) &&
                (tok(p)->kind != TOK_NAME || peek(p, 1)->kind != TOK_PUNCT ||
                 peek(p, 1)->punct != P_LPAREN))
                fail_at(p, p->ln->no, tok(p)->col,
                        "only a call to an async def or an asyncio object's "
                        "method can be awaited inside an expression");
            e = parse_primary(p);
            e->op = 1; /* awaited */
            if (e->kind == E_METHOD)
                e->ival = t->col;   /* the call's own column stays */
            else
                e->col = t->col;
            return e;
        }
        if (is_keyword(t->name))
            fail_at(p, p->ln->no, t->col, "expected a value, found the "
                    "keyword '%s'", t->name);
        if (peek(p, 1)->kind == TOK_PUNCT && peek(p, 1)->punct == P_LPAREN) {
            refuse_unsupported(p);
            e = new_expr(p, E_CALL, t);
            e->name = t->name;
            if (is_builtin(t->name))
                fail_at(p, p->ln->no, t->col, "%s() does not give a value: "
                        "use it as a statement on its own line", t->name);
            advance(p);
            e->args = parse_args(p, &e->nargs, "after the function name");
            return e;
        }
        if (at_method_call(p))
            return parse_method_call(p);
        if (at_thread_ctor(p))
            return parse_thread_ctor(p);
        if (at_asyncio_call(p, "create_task"))
            return parse_create_task(p);
        if (at_futures(p, NULL))
            return parse_pool(p);
        refuse_unsupported(p);
        if (peek(p, 1)->kind == TOK_PUNCT && peek(p, 1)->punct == P_LBRACKET) {
            /* LIST[i] */
            e = new_expr(p, E_SUBSCR, t);
            e->name = t->name;
            advance(p);
            advance(p);
            e->lhs = parse_expr(p);
            if (!accept_punct(p, P_RBRACKET))
                fail_expected(p, "']'");
            return e;
        }
        if (peek(p, 1)->kind == TOK_PUNCT && peek(p, 1)->punct == P_DOT &&
            peek(p, 2)->kind == TOK_NAME && !is_module(t->name)) {
            /* OBJ.attr: a sync object's attribute (compile checks it) */
            e = new_expr(p, E_ATTR, t);
            e->name = t->name;
            e->attr = peek(p, 2)->name;
            e->attr_col = peek(p, 2)->col;
            advance(p);
            advance(p);
            advance(p);
            return e;
        }
        if (peek(p, 1)->kind == TOK_PUNCT && peek(p, 1)->punct == P_DOT)
            refuse_unmodelled(p);
        if (peek(p, 1)->kind == TOK_PUNCT && peek(p, 1)->punct == P_DOT)
            fail_at(p, p->ln->no, peek(p, 1)->col, "'.' is only allowed in "
                    "time.sleep(), asyncio.sleep() (on a line of their own), "
                    "calls of an object's methods, OBJ.method(...), and a "
                    "sync object's attributes, OBJ.attr");
        e = new_expr(p, E_NAME, t);
        e->name = t->name;
        advance(p);
        return e;
    case TOK_PUNCT:
        if (t->punct == P_LBRACKET) {
            struct expr *tmp[LESSON_MAX_LIST];
            int n = 0;

            e = new_expr(p, E_LIST, t);
            advance(p);
            while (!at_punct(p, P_RBRACKET)) {
                if (n == LESSON_MAX_LIST)
                    fail_at(p, p->ln->no, tok(p)->col, "a list holds at most "
                            "%d values here", LESSON_MAX_LIST);
                tmp[n++] = parse_expr(p);
                if (!accept_punct(p, P_COMMA))
                    break;
            }
            if (!accept_punct(p, P_RBRACKET))
                fail_expected(p, "',' or ']'");
            e->args = arena_alloc(p->a, sizeof(*e->args) * (size_t)(n ? n : 1));
            memcpy(e->args, tmp, sizeof(*e->args) * (size_t)n);
            e->nargs = n;
            return e;
        }
        if (t->punct == P_LPAREN) {
            if (p->expr_depth >= LESSON_MAX_EXPR_DEPTH)
                enter_expr(p);  /* reports the error at this '(' */
            advance(p);
            e = parse_expr(p);  /* one level per parenthesis */
            if (!accept_punct(p, P_RPAREN))
                fail_expected(p, "')'");
            return e;
        }
        break;
    case TOK_END:
        break;
    }
    fail_expected(p, "a value");
}

static struct expr *parse_unary(struct parser *p)
{
    const struct token *t = tok(p);

    if (at_punct(p, P_MINUS) || at_punct(p, P_PLUS)) {
        struct expr *e;
        int neg = at_punct(p, P_MINUS);

        advance(p);
        if (neg && tok(p)->kind == TOK_INT && tok(p)->ival == INT64_MIN) {
            e = new_expr(p, E_INT, t);      /* -2^63, the smallest value */
            e->ival = INT64_MIN;
            advance(p);
            return e;
        }
        enter_expr(p);
        e = parse_unary(p);
        p->expr_depth--;
        if (!neg)
            return e;
        if (e->kind == E_INT && e->ival != INT64_MIN) {
            e->ival = -e->ival;
            e->col = t->col;
            return e;
        }
        {
            struct expr *n = new_expr(p, E_NEG, t);

            n->lhs = e;
            return n;
        }
    }
    return parse_primary(p);
}

static int binary_op(struct parser *p, int mul)
{
    if (!mul) {
        if (at_punct(p, P_PLUS))
            return '+';
        if (at_punct(p, P_MINUS))
            return '-';
        return 0;
    }
    if (at_punct(p, P_STAR))
        return '*';
    if (at_punct(p, P_SLASH2))
        return '/';
    if (at_punct(p, P_PERCENT))
        return '%';
    if (at_punct(p, P_SLASH))
        fail_at(p, p->ln->no, tok(p)->col, "'/' would give a fraction: values "
                "are integers, so use '//' (floor division)");
    return 0;
}

static struct expr *parse_binary(struct parser *p, int mul)
{
    struct expr *lhs = mul ? parse_unary(p) : parse_binary(p, 1);
    int op;

    while ((op = binary_op(p, mul)) != 0) {
        const struct token *t = tok(p);
        struct expr *e = new_expr(p, E_BINARY, t);

        advance(p);
        enter_expr(p);
        e->op = op;
        e->lhs = lhs;
        e->rhs = mul ? parse_unary(p) : parse_binary(p, 1);
        p->expr_depth--;
        lhs = e;
    }
    return lhs;
}

static int compare_op(struct parser *p)
{
    if (tok(p)->kind != TOK_PUNCT)
        return -1;
    switch (tok(p)->punct) {
    case P_LT: return CMP_LT;
    case P_LE: return CMP_LE;
    case P_EQ: return CMP_EQ;
    case P_NE: return CMP_NE;
    case P_GT: return CMP_GT;
    case P_GE: return CMP_GE;
    case P_ASSIGN:
        fail_at(p, p->ln->no, tok(p)->col, "'=' assigns; to compare, write "
                "'=='");
    default: return -1;
    }
}

static struct expr *parse_compare(struct parser *p)
{
    struct expr *lhs = parse_binary(p, 0);
    int op = compare_op(p);

    if (op >= 0) {
        struct expr *e = new_expr(p, E_COMPARE, tok(p));

        advance(p);
        e->op = op;
        e->lhs = lhs;
        e->rhs = parse_binary(p, 0);
        if (compare_op(p) >= 0)
            fail_at(p, p->ln->no, tok(p)->col, "chained comparisons are not "
                    "supported: write 'a < b and b < c'");
        return e;
    }
    return lhs;
}

static struct expr *parse_not(struct parser *p)
{
    if (at_name(p, "not")) {
        struct expr *e = new_expr(p, E_NOT, tok(p));

        advance(p);
        enter_expr(p);
        e->lhs = parse_not(p);
        p->expr_depth--;
        return e;
    }
    return parse_compare(p);
}

static struct expr *parse_logic(struct parser *p, int is_or)
{
    struct expr *lhs = is_or ? parse_logic(p, 0) : parse_not(p);

    while (at_name(p, is_or ? "or" : "and")) {
        struct expr *e = new_expr(p, is_or ? E_OR : E_AND, tok(p));

        advance(p);
        enter_expr(p);
        e->lhs = lhs;
        e->rhs = is_or ? parse_logic(p, 0) : parse_not(p);
        p->expr_depth--;
        lhs = e;
    }
    return lhs;
}

static struct expr *parse_expr(struct parser *p)
{
    struct expr *e;

    enter_expr(p);
    e = parse_logic(p, 1);
    p->expr_depth--;
    return e;
}

/* An expression that must be a whole integer constant (scene arguments). */
static int64_t const_int(struct parser *p, const char *what)
{
    const struct token *t = tok(p);
    int neg = 0;

    if (at_punct(p, P_MINUS)) {
        neg = 1;
        advance(p);
    }
    if (tok(p)->kind != TOK_INT)
        fail_at(p, p->ln->no, t->col, "%s must be a whole number", what);
    if (tok(p)->ival == INT64_MIN && !neg)
        too_large(p, tok(p));
    advance(p);
    return neg && peek(p, -1)->ival != INT64_MIN ? -peek(p, -1)->ival :
           peek(p, -1)->ival;
}

/* ---- statements ------------------------------------------------------------ */

static struct stmt *parse_block(struct parser *p, const struct lex_line *header,
                                const char *what);

static struct stmt *new_stmt(struct parser *p, enum stmt_kind kind,
                             const struct token *at)
{
    struct stmt *s = arena_alloc(p->a, sizeof(*s));

    s->kind = kind;
    s->line = p->ln->no;
    s->col = at->col;
    return s;
}

/* compute(n), sleep(n), io(n), time.sleep(n), asyncio.sleep(n); the name
 * token is current.  Returns NULL if the line is not one of these. */
static struct stmt *parse_work(struct parser *p, const struct token *start,
                               int is_await)
{
    const struct token *t = tok(p);
    int work, spelling = 0;
    struct stmt *s;
    int nargs;
    struct expr **args;

    refuse_unsupported(p);
    if (at_asyncio_call(p, "create_task"))
        return NULL;
    if ((at_name(p, "time") || at_name(p, "asyncio")) &&
        peek(p, 1)->kind == TOK_PUNCT && peek(p, 1)->punct == P_DOT) {
        int is_asyncio = at_name(p, "asyncio");

        spelling = is_asyncio ? 2 : 1;
        refuse_unmodelled(p);
        advance(p);
        advance(p);
        if (!at_name(p, "sleep"))
            fail_at(p, p->ln->no, tok(p)->col, "only %s.sleep() is "
                    "available", is_asyncio ? "asyncio" : "time");
        if (is_asyncio && !is_await)
            fail_at(p, p->ln->no, start->col, "asyncio.sleep() does nothing "
                    "unless it is awaited: write 'await asyncio.sleep(...)'");
        work = WORK_SLEEP;
    } else if (at_name(p, "compute")) {
        work = WORK_COMPUTE;
        if (is_await)
            fail_at(p, p->ln->no, start->col, "compute() is CPU work and "
                    "cannot be awaited");
    } else if (at_name(p, "sleep")) {
        work = WORK_SLEEP;
    } else if (at_name(p, "io")) {
        work = WORK_IO;
    } else {
        return NULL;
    }
    advance(p);
    s = new_stmt(p, S_WORK, start);
    s->work = work;
    s->op = spelling;
    s->is_await = is_await;
    s->name_col = t->col;
    args = parse_args(p, &nargs, "after the function name");
    if (nargs != 1)
        fail_at(p, p->ln->no, t->col, "%s() takes 1 argument (a number of "
                "ticks), not %d", work == WORK_COMPUTE ? "compute" :
                work == WORK_IO ? "io" : "sleep", nargs);
    s->value = args[0];
    return s;
}

static struct stmt *parse_print(struct parser *p, const struct token *start)
{
    struct print_item tmp[LESSON_MAX_PARAMS];
    struct stmt *s = new_stmt(p, S_PRINT, start);
    int n = 0;

    advance(p);
    expect_punct(p, P_LPAREN, "after print");
    if (!at_punct(p, P_RPAREN)) {
        do {
            if (n == LESSON_MAX_PARAMS)
                fail_at(p, p->ln->no, tok(p)->col, "too many values to print "
                        "(the limit is %d)", LESSON_MAX_PARAMS);
            if (tok(p)->kind == TOK_STRING) {
                tmp[n].value = NULL;
                tmp[n].str = tok(p)->sval;
                advance(p);
            } else {
                tmp[n].value = parse_expr(p);
                tmp[n].str = NULL;
            }
            n++;
        } while (accept_punct(p, P_COMMA) && !at_punct(p, P_RPAREN));
    }
    if (!accept_punct(p, P_RPAREN))
        fail_expected(p, "',' or ')'");
    s->items = arena_alloc(p->a, sizeof(*s->items) * (size_t)(n ? n : 1));
    memcpy(s->items, tmp, sizeof(*s->items) * (size_t)n);
    s->nitems = n;
    return s;
}

static int aug_op(struct parser *p)
{
    if (tok(p)->kind != TOK_PUNCT)
        return 0;
    switch (tok(p)->punct) {
    case P_PLUS_EQ: return '+';
    case P_MINUS_EQ: return '-';
    case P_STAR_EQ: return '*';
    case P_SLASH_EQ: return '/';
    case P_PERCENT_EQ: return '%';
    default: return 0;
    }
}

/* The statement after 'await': the await token is start. */
static struct stmt *parse_await(struct parser *p, const struct token *start)
{
    struct stmt *s;

    if (at_asyncio_call(p, "gather")) {
        s = new_stmt(p, S_CALL, start);
        s->is_await = 1;
        s->value = parse_gather(p, start->col);
        return s;
    }
    s = parse_work(p, start, 1);

    if (s)
        return s;
    if (at_method_call(p)) {
        s = new_stmt(p, S_CALL, start);
        s->is_await = 1;
        s->value = parse_method_call(p);
        s->value->op = 1;
        return s;
    }
    if (tok(p)->kind == TOK_NAME && peek(p, 1)->kind == TOK_PUNCT &&
        peek(p, 1)->punct == P_LPAREN && !is_keyword(tok(p)->name)) {
        s = new_stmt(p, S_CALL, start);
        s->is_await = 1;
        s->value = parse_primary(p);
        s->value->op = 1;
        return s;
    }
    if (tok(p)->kind == TOK_NAME && !is_keyword(tok(p)->name) &&
        peek(p, 1)->kind == TOK_END) {
        /* await TASK */
        s = new_stmt(p, S_CALL, start);
        s->is_await = 1;
        s->value = new_expr(p, E_NAME, tok(p));
        s->value->name = tok(p)->name;
        s->value->op = 1;
        s->value->attr_col = tok(p)->col;
        s->value->col = start->col;
        advance(p);
        return s;
    }
    fail_at(p, p->ln->no, tok(p)->col, "await what? expected sleep(N), "
            "io(N), asyncio.sleep(N), an asyncio object's method (await "
            "LOCK.acquire()) or a call to an async def");
}

static struct stmt *parse_simple(struct parser *p)
{
    const struct token *t = tok(p), *attr = NULL;
    struct stmt *s;
    int op;

    if (t->kind != TOK_NAME)
        fail_expected(p, "a statement");
    if ((s = parse_work(p, t, 0)) != NULL)
        return s;
    if (accept_name(p, "await"))
        return parse_await(p, t);
    if (strcmp(t->name, "print") == 0)
        return parse_print(p, t);
    if (accept_name(p, "pass"))
        return new_stmt(p, S_PASS, t);
    if (accept_name(p, "break"))
        return new_stmt(p, S_BREAK, t);
    if (accept_name(p, "continue"))
        return new_stmt(p, S_CONTINUE, t);
    if (accept_name(p, "return")) {
        s = new_stmt(p, S_RETURN, t);
        if (tok(p)->kind != TOK_END)
            s->value = parse_expr(p);
        return s;
    }
    if (accept_name(p, "assert")) {
        s = new_stmt(p, S_ASSERT, t);
        s->value = parse_expr(p);
        if (accept_punct(p, P_COMMA)) {
            if (tok(p)->kind != TOK_STRING)
                fail_expected(p, "a message string after 'assert ...,'");
            s->message = tok(p)->sval;
            advance(p);
        }
        return s;
    }
    if (accept_name(p, "global")) {
        s = new_stmt(p, S_GLOBAL, t);
        /* Each name becomes a chained S_GLOBAL so every one has a column. */
        s->name_col = tok(p)->col;
        s->name = expect_name(p, "a module variable's name");
        while (accept_punct(p, P_COMMA)) {
            struct stmt *g = new_stmt(p, S_GLOBAL, tok(p));

            g->name_col = tok(p)->col;
            g->name = expect_name(p, "a module variable's name");
            g->body = s->body;
            s->body = g;
        }
        return s;
    }
    if (is_keyword(t->name))
        fail_at(p, p->ln->no, t->col, "'%s' cannot start a statement here",
                t->name);
    if (at_method_call(p)) {
        s = new_stmt(p, S_CALL, t);
        s->value = parse_method_call(p);
        return s;
    }
    if (at_thread_ctor(p)) {
        s = new_stmt(p, S_CALL, t);
        s->value = parse_thread_ctor(p);
        return s;
    }
    if (at_asyncio_call(p, "create_task")) {
        s = new_stmt(p, S_CALL, t);
        s->value = parse_create_task(p);
        return s;
    }
    if (peek(p, 1)->kind == TOK_PUNCT && peek(p, 1)->punct == P_LPAREN) {
        s = new_stmt(p, S_CALL, t);
        s->value = parse_primary(p);
        return s;
    }
    advance(p);
    if (at_punct(p, P_DOT) && peek(p, 1)->kind == TOK_NAME &&
        !is_module(t->name)) {
        /* OBJ.attr = value, OBJ.attr += value */
        attr = peek(p, 1);
        advance(p);
        advance(p);
    }
    if (accept_punct(p, P_ASSIGN)) {
        s = new_stmt(p, S_ASSIGN, t);
    } else if ((op = aug_op(p)) != 0) {
        advance(p);
        s = new_stmt(p, S_AUG, t);
        s->op = op;
    } else if (attr) {
        fail_at(p, p->ln->no, attr->col, "expected '=' after %s.%s: an "
                "attribute on its own does nothing", t->name, attr->name);
    } else {
        fail_at(p, p->ln->no, tok(p)->kind == TOK_END ? t->col : tok(p)->col,
                "expected a statement: '%s' on its own does nothing "
                "(did you mean '%s = ...' or '%s(...)'?)", t->name, t->name,
                t->name);
    }
    s->name = t->name;
    s->name_col = t->col;
    if (attr) {
        s->attr = attr->name;
        s->attr_col = attr->col;
    }
    s->value = parse_expr(p);
    return s;
}

static struct stmt *parse_stmt(struct parser *p, const struct lex_line *ln);

/* if/elif chain: the 'if' or 'elif' token is current. */
static struct stmt *parse_if(struct parser *p, const struct lex_line *ln)
{
    struct stmt *s = new_stmt(p, S_IF, tok(p));
    const char *kw = tok(p)->name;
    const struct lex_line *next;

    advance(p);
    s->value = parse_expr(p);
    expect_punct(p, P_COLON, strcmp(kw, "if") == 0 ? "the if line" :
                 "the elif line");
    expect_end(p, "':'");
    s->body = parse_block(p, ln, strcmp(kw, "if") == 0 ? "'if'" : "'elif'");
    next = peek_line(p);
    if (next && next->indent == ln->indent) {
        tokenize(p, next, 0);
        if (at_name(p, "elif")) {
            p->li++;
            s->orelse = parse_if(p, next);
        } else if (at_name(p, "else")) {
            p->li++;
            advance(p);
            expect_punct(p, P_COLON, "else");
            expect_end(p, "'else:'");
            s->orelse = parse_block(p, next, "'else'");
        }
    }
    return s;
}

static struct stmt *parse_compound(struct parser *p, const struct lex_line *ln)
{
    const struct token *t = tok(p);
    struct stmt *s;

    if (at_name(p, "if"))
        return parse_if(p, ln);
    if (at_name(p, "elif") || at_name(p, "else"))
        fail_at(p, ln->no, t->col, "'%s' without a matching 'if' above it",
                t->name);
    if (accept_name(p, "while")) {
        s = new_stmt(p, S_WHILE, t);
        s->value = parse_expr(p);
        expect_punct(p, P_COLON, "the while line");
        expect_end(p, "':'");
        s->body = parse_block(p, ln, "'while'");
        return s;
    }
    if (accept_name(p, "for")) {
        s = new_stmt(p, S_FOR, t);
        s->name_col = tok(p)->col;
        s->name = expect_name(p, "a loop variable");
        if (!accept_name(p, "in"))
            fail_expected(p, "'in'");
        if (tok(p)->kind == TOK_NAME && !at_name(p, "range") &&
            peek(p, 1)->kind == TOK_PUNCT && peek(p, 1)->punct == P_COLON) {
            /* for x in LIST: */
            s->value = new_expr(p, E_NAME, tok(p));
            s->value->name = tok(p)->name;
            advance(p);
            expect_punct(p, P_COLON, "the for line");
            expect_end(p, "':'");
            s->body = parse_block(p, ln, "'for'");
            return s;
        }
        if (at_method_call(p) && strcmp(peek(p, 2)->name, "map") == 0) {
            /* for r in executor.map(f, xs): */
            s->value = parse_method_call(p);
            expect_punct(p, P_COLON, "the for line");
            expect_end(p, "':'");
            s->body = parse_block(p, ln, "'for'");
            return s;
        }
        if (!at_name(p, "range"))
            fail_at(p, ln->no, tok(p)->col, "a for loop can only go over "
                    "range(...), a list or executor.map(f, xs)");
        advance(p);
        s->args = parse_args(p, &s->nargs, "after range");
        if (s->nargs < 1 || s->nargs > 3)
            fail_at(p, ln->no, peek(p, -1)->col, "range() takes 1 to 3 "
                    "arguments, not %d", s->nargs);
        expect_punct(p, P_COLON, "the for line");
        expect_end(p, "':'");
        s->body = parse_block(p, ln, "'for'");
        return s;
    }
    if (at_name(p, "with") || (at_name(p, "async") && peek(p, 1)->kind ==
                               TOK_NAME && strcmp(peek(p, 1)->name, "with") == 0)) {
        s = new_stmt(p, S_WITH, t);
        if (accept_name(p, "async"))
            s->is_await = 1;
        advance(p);
        refuse_unsupported(p);
        if (at_futures(p, NULL)) {
            /* with concurrent.futures.ThreadPoolExecutor(...) as NAME: */
            s->value = parse_pool(p);
            if (!accept_name(p, "as"))
                fail_at(p, ln->no, tok(p)->col, "name the pool: 'with "
                        "concurrent.futures.%s(max_workers=N)"
                        " as executor:'", s->value->name);
            s->name_col = tok(p)->col;
            s->name = expect_name(p, "a name for the pool after 'as'");
        } else {
            s->name_col = tok(p)->col;
            s->name = expect_name(p, "a lock's name");
            if (accept_punct(p, P_DOT)) {
                /* with v.get_lock(): */
                s->attr_col = tok(p)->col;
                s->attr = expect_name(p, "a method's name");
                if (strcmp(s->attr, "get_lock") != 0)
                    fail_at(p, ln->no, s->attr_col, "a with statement enters "
                            "a lock by its name here (with m:), or a Value's "
                            "lock (with v.get_lock():)");
                expect_punct(p, P_LPAREN, "after get_lock");
                expect_punct(p, P_RPAREN, "(get_lock() takes no arguments)");
            }
        }
        expect_punct(p, P_COLON, "the with line");
        expect_end(p, "':'");
        s->body = parse_block(p, ln, "'with'");
        return s;
    }
    if (at_name(p, "def") || at_name(p, "async"))
        fail_at(p, ln->no, t->col, "functions are defined at the top level "
                "of the lesson, not inside other code");
    s = parse_simple(p);
    expect_end(p, "the statement");
    return s;
}

static struct stmt *parse_stmt(struct parser *p, const struct lex_line *ln)
{
    tokenize(p, ln, 0);
    p->li++;
    return parse_compound(p, ln);
}

static struct stmt *parse_block(struct parser *p, const struct lex_line *header,
                                const char *what)
{
    struct stmt *head = NULL, **tail = &head;
    int indent = begin_block(p, header, what);
    const struct lex_line *ln;

    while ((ln = block_line(p, indent)) != NULL) {
        struct stmt *s = parse_stmt(p, ln);

        *tail = s;
        while (s->next)
            s = s->next;
        tail = &s->next;
    }
    end_block(p);
    return head;
}

/* ---- top level: declarations -------------------------------------------- */

#define GROW(p, arr, n, cap) grow_arena((p), (void **)&(arr), (n), &(cap), sizeof(*(arr)))

/* Make room for one more element of an arena-allocated array. */
static void grow_arena(struct parser *p, void **arr, int n, size_t *cap,
                       size_t elem)
{
    if ((size_t)n < *cap)
        return;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *q = arena_alloc(p->a, ncap * elem);

    if (n)
        memcpy(q, *arr, (size_t)n * elem);
    *arr = q;
    *cap = ncap;
}

/* Report a name defined twice in the global namespace (shared, lock, def). */
static void check_new_global(struct parser *p, const char *name, int col)
{
    struct lesson *L = p->L;
    int index = 0, line = 0, c = 0;
    const char *what = NULL;

    switch (lesson_name_lookup(L, name, &index)) {
    case LESSON_NAME_SHARED:
        what = "a module variable";
        line = L->shared[index].line;
        c = L->shared[index].col;
        break;
    case LESSON_NAME_LOCK:
        what = "a lock";
        line = L->locks[index].line;
        c = L->locks[index].col;
        break;
    case LESSON_NAME_FUNC:
        what = "a function";
        line = L->funcs[index].line;
        c = L->funcs[index].col;
        break;
    case LESSON_NAME_LIST:
        what = "a list";
        line = L->lists[index].line;
        c = L->lists[index].col;
        break;
    default:
        break;
    }
    if (what) {
        diag_error(p->d, p->src, p->ln->no, col,
                   "'%s' is already defined as %s on line %d", name, what, line);
        diag_note(p->d, p->src, line, c, "'%s' is first defined here", name);
        longjmp(p->fail, 1);
    }
    if (is_builtin(name))
        fail_at(p, p->ln->no, col, "'%s' is %s and cannot be redefined", name,
                strcmp(name, "threading") == 0 || strcmp(name, "time") == 0 ||
                strcmp(name, "asyncio") == 0 || strcmp(name, "queue") == 0 ||
                strcmp(name, "multiprocessing") == 0 ||
                strcmp(name, "concurrent") == 0 ? "a module's name" :
                "built in");
}

/* A module variable's value after its '=': a whole number, True or False. */
static void add_shared(struct parser *p, const char *name, int col)
{
    struct shared_decl *sd;

    check_new_global(p, name, col);
    GROW(p, p->L->shared, p->L->nshared, p->cap_shared);
    sd = &p->L->shared[p->L->nshared];
    sd->name = name;
    sd->line = p->ln->no;
    sd->col = col;
    sd->boolean = 0;
    if (at_name(p, "True") || at_name(p, "False")) {
        sd->init = at_name(p, "True");
        sd->boolean = 1;
        advance(p);
    } else {
        sd->init = const_int(p, "a module variable's starting value");
    }
    expect_end(p, "the module variable");
    lesson_name_add(p->L, LESSON_NAME_SHARED, p->L->nshared++);
}

/* NAME = [1, 2, 3] at module level: a list of numbers every task reads
 * (lesson.h, struct list_decl).  '[' is current. */
static void add_list(struct parser *p, const char *name, int col)
{
    int64_t items[LESSON_MAX_LIST];
    struct list_decl *ld;
    int n = 0;

    check_new_global(p, name, col);
    advance(p);
    while (!at_punct(p, P_RBRACKET)) {
        if (n == LESSON_MAX_LIST)
            fail_at(p, p->ln->no, tok(p)->col, "a list holds at most %d "
                    "values in taketurns", LESSON_MAX_LIST);
        items[n++] = const_int(p, "an item of a module-level list");
        if (!accept_punct(p, P_COMMA))
            break;
    }
    if (!accept_punct(p, P_RBRACKET))
        fail_expected(p, "',' or ']'");
    expect_end(p, "the list");
    GROW(p, p->L->lists, p->L->nlists, p->cap_lists);
    ld = &p->L->lists[p->L->nlists];
    ld->name = name;
    ld->line = p->ln->no;
    ld->col = col;
    ld->n = n;
    ld->items = arena_alloc(p->a, sizeof(int64_t) * (size_t)(n ? n : 1));
    memcpy((int64_t *)ld->items, items, sizeof(int64_t) * (size_t)n);
    lesson_name_add(p->L, LESSON_NAME_LIST, p->L->nlists++);
}

/* shared NAME = VALUE: the older spelling of NAME = VALUE. */
static void parse_shared(struct parser *p)
{
    int col = tok(p)->col;
    const char *name = expect_name(p, "a variable name after 'shared'");

    if (!accept_punct(p, P_ASSIGN))
        fail_expected(p, "'=' and a starting value (shared x = 0)");
    add_shared(p, name, col);
}

static void add_lock(struct parser *p, const char *name, int col, int kind,
                     int64_t arg)
{
    struct lock_decl *ld;

    check_new_global(p, name, col);
    GROW(p, p->L->locks, p->L->nlocks, p->cap_locks);
    ld = &p->L->locks[p->L->nlocks++];
    ld->name = name;
    ld->line = p->ln->no;
    ld->col = col;
    ld->kind = kind;
    ld->arg = arg;
    ld->link = -1;
    ld->is_async = sync_kind_info[kind].async;
    lesson_name_add(p->L, LESSON_NAME_LOCK, p->L->nlocks - 1);
}

static void parse_lock_decl(struct parser *p)
{
    int col = tok(p)->col;
    const char *name = expect_name(p, "a lock name after 'lock'");

    add_lock(p, name, col, SYNC_LOCK, 0);
    expect_end(p, "the lock declaration");
}

/* import threading | asyncio | time | queue: the modules lesson code may
 * use. */
static void parse_import(struct parser *p)
{
    static const char *const modules[] = {"threading", "asyncio", "time",
                                          "queue", "multiprocessing"};
    const struct token *t = tok(p);

    refuse_unsupported(p);
    if (at_name(p, "concurrent")) {
        advance(p);
        if (!accept_punct(p, P_DOT) || !at_name(p, "futures"))
            fail_at(p, p->ln->no, t->col, "of concurrent, lesson code can "
                    "import concurrent.futures");
        advance(p);
        p->L->imports |= 32u;
        expect_end(p, "the import");
        return;
    }
    for (int i = 0; i < 5; i++)
        if (at_name(p, modules[i])) {
            p->L->imports |= 1u << i;
            advance(p);
            if (accept_punct(p, P_COMMA))
                fail_at(p, p->ln->no, peek(p, -1)->col, "import one module "
                        "a line");
            expect_end(p, "the import");
            return;
        }
    fail_at(p, p->ln->no, t->col, "lesson code can import threading, "
            "asyncio, time, queue, multiprocessing and concurrent.futures%s",
            t->kind == TOK_NAME ? "" : " (a module "
            "name is expected)");
}

/* The kinds of sync object module mod offers, in words: "Lock(),
 * RLock() and Semaphore()". */
static void sync_kind_list(struct strbuf *sb, const char *mod)
{
    int n = 0, k;

    for (k = 0; k < SYNC_KIND_COUNT; k++)
        n += strcmp(sync_kind_info[k].module, mod) == 0;
    for (k = 0; k < SYNC_KIND_COUNT; k++) {
        const char *sep = sb->len == 0 ? "" : n == 1 ? " and " : ", ";

        if (strcmp(sync_kind_info[k].module, mod) != 0)
            continue;
        sb_printf(sb, "%s%s()", sep, sync_kind_info[k].name);
        n--;
    }
}

/* Skip "kw=" before a constructor's argument, if it is there: Python
 * takes the argument by position or by its keyword. */
static void ctor_keyword(struct parser *p, const char *kw)
{
    if (at_name(p, kw) && peek(p, 1)->kind == TOK_PUNCT &&
        peek(p, 1)->punct == P_ASSIGN) {
        advance(p);
        advance(p);
    }
}

/* A constructor's whole-number argument (dflt if there is none), at least
 * min, as Python checks it. */
static int64_t ctor_number(struct parser *p, const char *kind, const char *kw,
                           int64_t dflt, int64_t min)
{
    const struct token *t;
    int64_t v;

    if (at_punct(p, P_RPAREN))
        return dflt;
    ctor_keyword(p, kw);
    t = tok(p);
    v = const_int(p, "the argument");
    if (v < min)
        fail_at(p, p->ln->no, t->col, "ValueError: %s", strcmp(kind, "Barrier")
                == 0 ? "parties must be > 0" : "semaphore initial value must "
                "be >= 0");
    return v;
}

/* Condition(lock): the index of a lock declared above, or -1. */
static int ctor_lock(struct parser *p, int kind)
{
    const struct token *t;
    int idx, want = kind == SYNC_ACONDITION;

    if (at_punct(p, P_RPAREN))
        return -1;
    ctor_keyword(p, "lock");
    t = tok(p);
    if (t->kind != TOK_NAME ||
        lesson_name_lookup(p->L, t->name, &idx) != LESSON_NAME_LOCK ||
        !(p->L->locks[idx].kind == (want ? SYNC_ALOCK : SYNC_LOCK) ||
          (!want && p->L->locks[idx].kind == SYNC_RLOCK)))
        fail_at(p, p->ln->no, t->col, "a Condition is made with a %s made "
                "above it (or with none: it makes its own)",
                want ? "asyncio.Lock()" : "threading.Lock() or RLock()");
    advance(p);
    return idx;
}

/* multiprocessing.Value('i', N): the typecode and the starting value (0
 * if none).  Only 'i', a C int: values in taketurns are integers. */
static int64_t ctor_value(struct parser *p)
{
    const struct token *t;
    int64_t value = 0;

    t = tok(p);
    if (t->kind != TOK_STRING)
        fail_at(p, p->ln->no, t->col, "multiprocessing.Value() needs a "
                "typecode first: Value('i', 0)");
    if (strcmp(t->sval, "i") != 0)
        fail_at(p, p->ln->no, t->col, "taketurns has Value('i', N) only (a "
                "C int): values in the task language are integers, so "
                "write 'i' instead of '%s'", t->sval);
    advance(p);
    for (int n = 0; accept_punct(p, P_COMMA) && !at_punct(p, P_RPAREN);
         n++) {
        if (at_name(p, "lock") && peek(p, 1)->kind == TOK_PUNCT &&
            peek(p, 1)->punct == P_ASSIGN)
            fail_at(p, p->ln->no, tok(p)->col, "a Value here always has its "
                    "own lock (lock=True, the default): leave out lock=");
        if (n > 0)
            fail_at(p, p->ln->no, tok(p)->col, "multiprocessing.Value() takes "
                    "a typecode and one starting value: Value('i', 0)");
        value = const_int(p, "the Value's starting value");
    }
    return value;
}

/* The module variable that shows a Value's value, "v.value", in the
 * final state and the memory panel; it is never read or written by code
 * (LOAD_ATTR and STORE_ATTR ask the Value).  Returns its index. */
static int add_value_cell(struct parser *p, const char *name, int col,
                          int64_t init)
{
    struct shared_decl *sd;
    size_t n = strlen(name) + sizeof(".value");
    char *cell = arena_alloc(p->a, n);

    snprintf(cell, n, "%s.value", name);
    GROW(p, p->L->shared, p->L->nshared, p->cap_shared);
    sd = &p->L->shared[p->L->nshared];
    sd->name = cell;
    sd->line = p->ln->no;
    sd->col = col;
    sd->init = init;
    sd->boolean = 0;
    lesson_name_add(p->L, LESSON_NAME_SHARED, p->L->nshared);
    return p->L->nshared++;
}

/* threading.Lock(), threading.Semaphore(2), queue.Queue(3), asyncio.Lock()
 * ...: the constructor of a sync object (the module name has been read). */
static void parse_sync_ctor(struct parser *p, const char *name, int col,
                            const char *mod)
{
    const struct token *t = tok(p);
    int kind, link = -1;
    int64_t arg = 0;

    for (kind = 0; kind < SYNC_KIND_COUNT; kind++)
        if (strcmp(sync_kind_info[kind].module, mod) == 0 &&
            at_name(p, sync_kind_info[kind].name))
            break;
    if (kind == SYNC_KIND_COUNT && strcmp(mod, "threading") == 0 &&
        at_name(p, "Thread"))
        fail_at(p, p->ln->no, t->col, "a thread is made inside a function "
                "here (for example in main(), started by 'run main() as "
                "main')");
    if (kind == SYNC_KIND_COUNT) {
        struct strbuf sb;
        char kinds[256];

        sb_init(&sb);
        sync_kind_list(&sb, mod);
        snprintf(kinds, sizeof(kinds), "%s", sb.s);
        sb_done(&sb);   /* fail_at does not return */
        fail_at(p, p->ln->no, t->col, "%s offers %s here", mod, kinds);
    }
    advance(p);
    expect_punct(p, P_LPAREN, "after the class name");
    switch (kind) {
    case SYNC_SEMAPHORE:
    case SYNC_BSEMAPHORE:
    case SYNC_ASEMAPHORE:
    case SYNC_MPSEMAPHORE:
        arg = ctor_number(p, "Semaphore", "value", 1, 0);
        break;
    case SYNC_BARRIER:
        if (at_punct(p, P_RPAREN))
            fail_at(p, p->ln->no, tok(p)->col, "Barrier() needs the number "
                    "of parties: Barrier(2)");
        arg = ctor_number(p, "Barrier", "parties", 1, 1);
        break;
    case SYNC_QUEUE:
    case SYNC_AQUEUE:
        t = tok(p);
        arg = ctor_number(p, "Queue", "maxsize", 0, INT64_MIN);
        if (arg > SYNC_QUEUE_MAX)
            fail_at(p, p->ln->no, t->col, "a queue holds at most %d values "
                    "here (maxsize %lld)", SYNC_QUEUE_MAX, (long long)arg);
        break;          /* negative: no limit, as Python (sync_init) */
    case SYNC_CONDITION:
    case SYNC_ACONDITION:
        link = ctor_lock(p, kind);
        break;
    case SYNC_VALUE:
        arg = ctor_value(p);
        break;
    default:
        break;
    }
    expect_punct(p, P_RPAREN, at_punct(p, P_COMMA) ? "(one argument)" :
                 "to close the constructor");
    expect_end(p, "the constructor");
    add_lock(p, name, col, kind, arg);
    if (kind == SYNC_VALUE)
        link = add_value_cell(p, name, col, arg);
    p->L->locks[p->L->nlocks - 1].link = link;
}

/* A module-level assignment: NAME = NUMBER (a module variable, shared by
 * every thread), NAME = [1, 2, 3] (a list every task reads) or
 * NAME = threading.Lock(), asyncio.Semaphore(2), ...: a sync object
 * (sync.h). */
static void parse_module_assign(struct parser *p)
{
    const struct token *t = tok(p);
    const char *name;
    int col = t->col;

    name = expect_name(p, "a variable name");
    expect_punct(p, P_ASSIGN, "after the module variable's name");
    if ((at_name(p, "threading") || at_name(p, "asyncio") ||
         at_name(p, "queue") || at_name(p, "multiprocessing")) &&
        peek(p, 1)->kind == TOK_PUNCT && peek(p, 1)->punct == P_DOT) {
        const char *mod = tok(p)->name;
        unsigned need = strcmp(mod, "asyncio") == 0 ? 2u :
                        strcmp(mod, "queue") == 0 ? 8u :
                        strcmp(mod, "multiprocessing") == 0 ? 16u : 1u;

        if (!(p->L->imports & need))
            fail_at(p, p->ln->no, tok(p)->col, "name '%s' is not defined: "
                    "add 'import %s' above this line", mod, mod);
        advance(p);
        advance(p);
        parse_sync_ctor(p, name, col, mod);
        return;
    }
    if (at_punct(p, P_LBRACKET)) {
        add_list(p, name, col);
        return;
    }
    add_shared(p, name, col);
}

static void parse_def(struct parser *p, const struct lex_line *ln, int is_async)
{
    const char *params[LESSON_MAX_PARAMS];
    int cols[LESSON_MAX_PARAMS];
    struct func_def *f;
    int n = 0, col;
    const char *name;

    if (!accept_name(p, "def"))
        fail_expected(p, "'def' after 'async'");
    col = tok(p)->col;
    name = expect_name(p, "a function name");
    check_new_global(p, name, col);
    expect_punct(p, P_LPAREN, "after the function name");
    if (!at_punct(p, P_RPAREN)) {
        do {
            int pc = tok(p)->col;
            const char *param = expect_name(p, "a parameter name");

            if (n == LESSON_MAX_PARAMS)
                fail_at(p, ln->no, pc, "too many parameters (the limit is %d)",
                        LESSON_MAX_PARAMS);
            for (int i = 0; i < n; i++)
                if (strcmp(params[i], param) == 0)
                    fail_at(p, ln->no, pc, "parameter '%s' appears twice",
                            param);
            params[n] = param;
            cols[n++] = pc;
        } while (accept_punct(p, P_COMMA) && !at_punct(p, P_RPAREN));
    }
    if (!accept_punct(p, P_RPAREN))
        fail_expected(p, "',' or ')'");
    expect_punct(p, P_COLON, "the def line");
    expect_end(p, "':'");

    GROW(p, p->L->funcs, p->L->nfuncs, p->cap_funcs);
    f = &p->L->funcs[p->L->nfuncs++];
    f->name = name;
    f->line = ln->no;
    f->col = col;
    f->is_async = is_async;
    f->nparams = n;
    f->params = arena_alloc(p->a, sizeof(*f->params) * (size_t)(n ? n : 1));
    f->param_cols = arena_alloc(p->a, sizeof(int) * (size_t)(n ? n : 1));
    memcpy(f->params, params, sizeof(*params) * (size_t)n);
    memcpy(f->param_cols, cols, sizeof(int) * (size_t)n);
    lesson_name_add(p->L, LESSON_NAME_FUNC, p->L->nfuncs - 1);
    f->body = parse_block(p, ln, "the def line");
}

/* ---- scenes --------------------------------------------------------------- */

static const char *const setting_names[SET_COUNT] = {
    [SET_MODE] = "mode", [SET_CPUS] = "cpus", [SET_QUANTUM] = "quantum",
    [SET_PREEMPT] = "preempt", [SET_SEED] = "seed",
    [SET_SCHEDULE] = "schedule", [SET_SWITCH_INTERVAL] = "switch-interval",
    [SET_CHECKPOINTS] = "checkpoints", [SET_SPAWN_COST] = "spawn-cost",
    [SET_BUDGET] = "budget",
};

const char *setting_name(enum setting s)
{
    return setting_names[s];
}

static const char *const mode_names[MODE_COUNT] = {
#define X(id, name, desc) [id] = name,
    MODE_LIST(X)
#undef X
};

const char *mode_name(enum mode m)
{
    return (unsigned)m < MODE_COUNT ? mode_names[m] : "?";
}

const char *scene_runtime(const struct scene_config *cfg)
{
    switch (cfg->mode) {
    case MODE_SEQUENTIAL:
        return "a plain Python program: one call after another";
    case MODE_THREADS:
        return "free-threaded CPython 3.13t, or OS threads in C: no GIL";
    case MODE_GIL:
        return cfg->checkpoints == CHECK_EVERY_OP ?
               "Python 3.9 or older: threads with a GIL that can change "
               "hands between any two bytecodes" :
               "CPython 3.13 threads with the GIL";
    case MODE_ASYNCIO:
        return "asyncio on CPython 3.13: one thread, one event loop";
    case MODE_PROCESSES:
        return "multiprocessing with fork (CPython 3.13 on Linux): each "
               "process has its own memory";
    default:
        return "?";
    }
}

int mode_from_name(const char *s)
{
    for (int i = 0; i < MODE_COUNT; i++)
        if (strcmp(s, mode_names[i]) == 0)
            return i;
    return -1;
}

unsigned mode_settings(enum mode m)
{
    const unsigned common = 1u << SET_MODE | 1u << SET_BUDGET;
    const unsigned os = 1u << SET_CPUS | 1u << SET_QUANTUM |
                        1u << SET_PREEMPT | 1u << SET_SEED |
                        1u << SET_SCHEDULE;

    switch (m) {
    case MODE_SEQUENTIAL: return common;
    case MODE_THREADS: return common | os;
    case MODE_GIL:
        return common | os | 1u << SET_SWITCH_INTERVAL | 1u << SET_CHECKPOINTS;
    case MODE_ASYNCIO: return common | 1u << SET_SCHEDULE;
    case MODE_PROCESSES: return common | os | 1u << SET_SPAWN_COST;
    case MODE_COUNT: break;
    }
    return common;
}

void scene_config_defaults(struct scene_config *cfg, enum mode m)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->mode = m;
    cfg->cpus = m == MODE_PROCESSES ? 2 : 1;
    cfg->quantum = DEFAULT_QUANTUM;
    cfg->preempt = PREEMPT_QUANTUM;
    cfg->seed = DEFAULT_SEED;
    cfg->switch_interval = DEFAULT_SWITCH_INTERVAL;
    cfg->checkpoints = CHECK_LOOPS_AND_CALLS;   /* CPython 3.13 */
    cfg->spawn_cost = DEFAULT_SPAWN_COST;
    cfg->budget = DEFAULT_BUDGET;
    cfg->schedule = NULL;
}

static int find_setting(const char *s)
{
    for (int i = 0; i < SET_COUNT; i++)
        if (strcmp(s, setting_names[i]) == 0)
            return i;
    return -1;
}

/* A whole number setting value in [lo, hi]. */
static int64_t setting_int(struct parser *p, const char *name, int64_t lo,
                           int64_t hi)
{
    const struct token *t = tok(p);
    int64_t v;

    if (t->kind != TOK_INT && !(at_punct(p, P_MINUS) &&
                                peek(p, 1)->kind == TOK_INT))
        fail_at(p, p->ln->no, t->col, "%s needs a whole number, found %s",
                name, describe(p, t));
    v = const_int(p, name);
    if (v < lo)
        fail_at(p, p->ln->no, t->col, "%s must be at least %lld, not %lld",
                name, (long long)lo, (long long)v);
    if (v > hi)
        fail_at(p, p->ln->no, t->col, "%s must be at most %lld, not %lld",
                name, (long long)hi, (long long)v);
    return v;
}

static void parse_run(struct parser *p, struct scene *sc, struct scene_task *tasks,
                      int *ntasks)
{
    struct scene_task *st;
    int64_t args[LESSON_MAX_PARAMS];
    int n = 0, col = tok(p)->col;

    if (*ntasks == LESSON_MAX_TASKS)
        fail_at(p, p->ln->no, col, "too many tasks in scene '%s' (the limit "
                "is %d)", sc->name, LESSON_MAX_TASKS);
    st = &tasks[*ntasks];
    memset(st, 0, sizeof(*st));
    st->line = p->ln->no;
    st->col = col;
    if (tok(p)->kind != TOK_NAME || peek(p, 1)->kind != TOK_PUNCT ||
        peek(p, 1)->punct != P_LPAREN)
        fail_at(p, p->ln->no, col, "expected a call after 'run': run "
                "FUNCTION(ARGS) as LABEL");
    st->func_name = tok(p)->name;
    advance(p);
    expect_punct(p, P_LPAREN, "after the function name");
    if (!at_punct(p, P_RPAREN)) {
        do {
            if (n == LESSON_MAX_PARAMS)
                fail_at(p, p->ln->no, tok(p)->col, "too many arguments");
            args[n++] = const_int(p, "a task's argument");
        } while (accept_punct(p, P_COMMA) && !at_punct(p, P_RPAREN));
    }
    if (!accept_punct(p, P_RPAREN))
        fail_expected(p, "',' or ')'");
    st->nargs = n;
    st->args = arena_alloc(p->a, sizeof(int64_t) * (size_t)(n ? n : 1));
    memcpy(st->args, args, sizeof(int64_t) * (size_t)n);
    if (accept_name(p, "as")) {
        const struct token *lt = tok(p);

        if (lt->kind != TOK_NAME && lt->kind != TOK_INT)
            fail_expected(p, "a label after 'as' (A, B, T1, main)");
        if (lt->len > LESSON_MAX_LABEL)
            fail_at(p, p->ln->no, lt->col, "label '%.*s' is too long (at "
                    "most %d characters)", lt->len, lt->p, LESSON_MAX_LABEL);
        st->label = arena_strndup(p->a, lt->p, (size_t)lt->len);
        advance(p);
    } else {
        char buf[4];

        if (*ntasks >= 26)
            fail_at(p, p->ln->no, tok(p)->col, "add 'as LABEL': only the "
                    "first 26 tasks get a letter by default");
        buf[0] = (char)('A' + *ntasks);
        buf[1] = '\0';
        st->label = arena_strdup(p->a, buf);
    }
    for (int i = 0; i < *ntasks; i++)
        if (strcmp(tasks[i].label, st->label) == 0) {
            diag_error(p->d, p->src, p->ln->no, peek(p, -1)->col,
                       "duplicate label '%s' in scene '%s'", st->label,
                       sc->name);
            diag_note(p->d, p->src, tasks[i].line, tasks[i].col,
                      "'%s' is first used here", st->label);
            longjmp(p->fail, 1);
        }
    expect_end(p, "the run line");
    (*ntasks)++;
}

/* python-args V, V...: the arguments of every task in a real interpreter
 * (checked against the run lines once the scene is read). */
static void parse_python_args(struct parser *p, struct scene *sc, int col)
{
    int64_t args[LESSON_MAX_PARAMS];
    int n = 0;

    if (sc->python_args)
        fail_at(p, p->ln->no, col, "python-args is already set on line %d",
                sc->python_args_line);
    if (tok(p)->kind == TOK_END)
        fail_at(p, p->ln->no, tok(p)->col, "python-args needs the arguments "
                "every task gets in a real interpreter, e.g. "
                "'python-args 200000'");
    do {
        if (n == LESSON_MAX_PARAMS)
            fail_at(p, p->ln->no, tok(p)->col, "too many arguments");
        args[n++] = const_int(p, "an argument");
    } while (accept_punct(p, P_COMMA) && tok(p)->kind != TOK_END);
    sc->npython_args = n;
    sc->python_args = arena_alloc(p->a, sizeof(int64_t) * (size_t)n);
    memcpy(sc->python_args, args, sizeof(int64_t) * (size_t)n);
    sc->python_args_line = p->ln->no;
    sc->python_args_col = col;
    expect_end(p, "python-args");
}

/* A setting that is one of two words (vt its value's token): the index of
 * the word given; any other value is an error that says what it can be. */
static int setting_word(struct parser *p, const struct token *vt,
                        const char *setting, const char *const words[2],
                        const char *can_be)
{
    int vc;
    const char *v = tok(p)->kind == TOK_NAME ? hyphen_word(p, &vc) : NULL;

    for (int i = 0; v && i < 2; i++)
        if (strcmp(v, words[i]) == 0)
            return i;
    fail_at(p, p->ln->no, vt->col, "%s is %s, not %s%s%s", setting, can_be,
            v ? "'" : "", v ? v : describe(p, vt), v ? "'" : "");
    return 0;
}

static void parse_setting(struct parser *p, struct scene *sc)
{
    int col;
    const char *word = hyphen_word(p, &col);
    int s = find_setting(word);
    struct scene_config *cfg = &sc->cfg;
    const struct token *vt;

    if (strcmp(word, "python-args") == 0) {
        parse_python_args(p, sc, col);
        return;
    }
    if (s < 0)
        fail_at(p, p->ln->no, col, "unknown setting '%s' (settings: mode, "
                "cpus, quantum, preempt, seed, schedule, switch-interval, "
                "checkpoints, spawn-cost, budget, python-args, and run "
                "lines)", word);
    if (sc->set & 1u << s)
        fail_at(p, p->ln->no, col, "%s is already set on line %d", word,
                sc->set_line[s]);
    sc->set |= 1u << s;
    sc->set_line[s] = p->ln->no;
    sc->set_col[s] = col;
    vt = tok(p);
    switch ((enum setting)s) {
    case SET_MODE: {
        int vc;
        const char *m = tok(p)->kind == TOK_NAME ? hyphen_word(p, &vc) : NULL;
        int mode = m ? mode_from_name(m) : -1;

        if (mode < 0)
            fail_at(p, p->ln->no, vt->col, "unknown mode %s%s%s (modes: "
                    "sequential, threads, gil, asyncio, processes)",
                    m ? "'" : "", m ? m : describe(p, vt), m ? "'" : "");
        cfg->mode = (enum mode)mode;
        break;
    }
    case SET_CPUS:
        cfg->cpus = (int)setting_int(p, "cpus", 1, LESSON_MAX_CPUS);
        break;
    case SET_QUANTUM:
        cfg->quantum = (int)setting_int(p, "quantum", 1, 1000000000);
        break;
    case SET_SEED:
        cfg->seed = (uint64_t)setting_int(p, "seed", 0, INT64_MAX);
        break;
    case SET_SWITCH_INTERVAL:
        cfg->switch_interval = (int)setting_int(p, "switch-interval", 1,
                                                1000000000);
        break;
    case SET_SPAWN_COST:
        cfg->spawn_cost = (int)setting_int(p, "spawn-cost", 0, 1000000000);
        break;
    case SET_BUDGET:
        cfg->budget = setting_int(p, "budget", 1, INT64_MAX / 2);
        break;
    case SET_PREEMPT: {
        static const char *const words[] = {"quantum", "random"};

        cfg->preempt = setting_word(p, vt, "preempt", words,
                                    "'quantum' (round robin) or 'random'") ?
                       PREEMPT_RANDOM : PREEMPT_QUANTUM;
        break;
    }
    case SET_CHECKPOINTS: {
        static const char *const words[] = {"every-op", "loops-and-calls"};

        cfg->checkpoints = setting_word(p, vt, "checkpoints", words,
                                        "'every-op' or 'loops-and-calls'") ?
                           CHECK_LOOPS_AND_CALLS : CHECK_EVERY_OP;
        break;
    }
    case SET_SCHEDULE:
        if (vt->kind != TOK_STRING)
            fail_at(p, p->ln->no, vt->col, "schedule needs a string such as "
                    "\"AABAB\" or \"A2 B1 A2\"");
        cfg->schedule = vt->sval;
        cfg->schedule_line = p->ln->no;
        cfg->schedule_col = vt->col + 1;
        advance(p);
        break;
    case SET_COUNT:
        break;
    }
    expect_end(p, word);
}

static void parse_scene(struct parser *p, const struct lex_line *header)
{
    struct scene_task tasks[LESSON_MAX_TASKS];
    struct scene *sc;
    int ntasks = 0, indent, col = tok(p)->col;
    const char *name = expect_name(p, "a scene name");
    const struct lex_line *ln;
    unsigned bad;

    if (lesson_find_scene(p->L, name) >= 0)
        fail_at(p, header->no, col, "scene '%s' is already defined on "
                "line %d", name,
                p->L->scenes[lesson_find_scene(p->L, name)].line);
    expect_punct(p, P_COLON, "the scene line");
    expect_end(p, "':'");
    GROW(p, p->L->scenes, p->L->nscenes, p->cap_scenes);
    sc = &p->L->scenes[p->L->nscenes++];
    memset(sc, 0, sizeof(*sc));
    sc->name = name;
    sc->line = header->no;
    sc->col = col;
    lesson_name_add(p->L, LESSON_NAME_SCENE, p->L->nscenes - 1);
    scene_config_defaults(&sc->cfg, MODE_THREADS);

    indent = begin_block(p, header, "the scene line");
    while ((ln = block_line(p, indent)) != NULL) {
        tokenize(p, ln, 0);
        p->li++;
        if (accept_name(p, "run"))
            parse_run(p, sc, tasks, &ntasks);
        else if (tok(p)->kind == TOK_NAME)
            parse_setting(p, sc);
        else
            fail_expected(p, "a setting or 'run'");
    }
    end_block(p);

    if (!(sc->set & 1u << SET_MODE))
        fail_at(p, header->no, col, "scene '%s' has no mode: add a line "
                "'mode threads' (or sequential, gil, asyncio, processes)",
                name);
    {
        /* Apply the mode's own defaults to what was not set explicitly. */
        struct scene_config def;

        scene_config_defaults(&def, sc->cfg.mode);
        if (!(sc->set & 1u << SET_CPUS))
            sc->cfg.cpus = def.cpus;
    }
    bad = sc->set & ~mode_settings(sc->cfg.mode);
    for (int s = 0; s < SET_COUNT; s++)
        if (bad & 1u << s)
            fail_at(p, sc->set_line[s], sc->set_col[s], "%s does not apply "
                    "to mode %s%s", setting_names[s], mode_name(sc->cfg.mode),
                    sc->cfg.mode == MODE_ASYNCIO && s == SET_CPUS ?
                    " (an event loop runs on one thread)" : "");
    if (ntasks == 0)
        fail_at(p, header->no, col, "scene '%s' runs no tasks: add a line "
                "'run FUNCTION(ARGS) as LABEL'", name);
    for (int t = 0; sc->python_args && t < ntasks; t++)
        if (tasks[t].nargs != sc->npython_args)
            fail_at(p, sc->python_args_line, sc->python_args_col, "python-args "
                    "gives %d argument%s, but task %s (line %d) takes %d: "
                    "every task gets these arguments in a real interpreter",
                    sc->npython_args, sc->npython_args == 1 ? "" : "s",
                    tasks[t].label, tasks[t].line, tasks[t].nargs);
    sc->ntasks = ntasks;
    sc->nrun = ntasks;
    sc->tasks = arena_alloc(p->a, sizeof(*sc->tasks) * (size_t)ntasks);
    memcpy(sc->tasks, tasks, sizeof(*tasks) * (size_t)ntasks);
}

/* ---- pages ---------------------------------------------------------------- */

struct page_builder {
    struct page_line *lines;
    size_t cap_lines;
    struct directive *dirs;
    size_t cap_dirs;
};

static const char *const until_words[] = {
    [UNTIL_SWITCH] = "switch", [UNTIL_PREEMPT] = "preempt",
    [UNTIL_YIELD] = "yield", [UNTIL_BLOCK] = "block", [UNTIL_END] = "end",
};

static void parse_until(struct parser *p, struct directive *dv)
{
    const struct token *t = tok(p);

    if (t->kind == TOK_END)
        fail_at(p, p->ln->no, t->col, "@until needs a point to stop at: "
                "switch, preempt, yield, block, tick N, end, or a condition "
                "such as x == 2");
    if (t->kind == TOK_NAME && peek(p, 1)->kind == TOK_END) {
        for (size_t i = 0; i < TT_ARRAY_LEN(until_words); i++)
            if (until_words[i] && strcmp(t->name, until_words[i]) == 0) {
                dv->until = (enum until_kind)i;
                advance(p);
                return;
            }
    }
    if (t->kind == TOK_NAME && strcmp(t->name, "tick") == 0 &&
        peek(p, 1)->kind != TOK_PUNCT) {
        advance(p);
        dv->until = UNTIL_TICK;
        dv->n = setting_int(p, "@until tick", 0, INT64_MAX / 2);
        return;
    }
    dv->until = UNTIL_EXPR;
    dv->cond = parse_expr(p);
}

static void parse_ask(struct parser *p, struct directive *dv)
{
    const struct token *t = tok(p);
    int neg = 0;

    if (t->kind != TOK_STRING)
        fail_at(p, p->ln->no, t->col, "@ask needs a question in quotes and "
                "its answer: @ask \"x at the end?\" 6");
    dv->question = t->sval;
    advance(p);
    t = tok(p);
    if (at_punct(p, P_MINUS) && peek(p, 1)->kind == TOK_INT) {
        neg = 1;
        advance(p);
    }
    switch (tok(p)->kind) {
    case TOK_INT:
        dv->answer_is_int = 1;
        if (tok(p)->ival == INT64_MIN && !neg)
            too_large(p, tok(p));
        dv->answer_int = neg && tok(p)->ival != INT64_MIN ? -tok(p)->ival :
                         tok(p)->ival;
        {
            char buf[32];

            snprintf(buf, sizeof(buf), "%lld", (long long)dv->answer_int);
            dv->answer = arena_strdup(p->a, buf);
        }
        break;
    case TOK_NAME:
        dv->answer = tok(p)->name;
        break;
    case TOK_STRING:
        dv->answer = tok(p)->sval;
        if (!*dv->answer)
            fail_at(p, p->ln->no, t->col, "@ask has an empty answer");
        break;
    default:
        fail_at(p, p->ln->no, t->col, "@ask needs an answer after the "
                "question: a number, a word or a string");
    }
    advance(p);
    if (accept_name(p, "is")) {
        const struct token *w = tok(p);
        static const struct {
            const char *word;
            enum ask_about about;
            int takes_name;
        } abouts[] = {
            {"final", ASK_FINAL, 1}, {"min", ASK_MIN, 1}, {"max", ASK_MAX, 1},
            {"makespan", ASK_MAKESPAN, 0}, {"switches", ASK_SWITCHES, 0},
            {"preemptions", ASK_PREEMPTS, 0}, {"outcomes", ASK_OUTCOMES, 0},
            {"deadlock", ASK_DEADLOCK, 0}, {"failures", ASK_FAILURES, 0},
        };
        size_t i;

        for (i = 0; i < TT_ARRAY_LEN(abouts); i++)
            if (w->kind == TOK_NAME && strcmp(w->name, abouts[i].word) == 0)
                break;
        if (i == TT_ARRAY_LEN(abouts))
            fail_at(p, p->ln->no, w->col, "after 'is', say what the answer "
                    "is: final NAME, min NAME, max NAME, makespan, switches, "
                    "preemptions, failures, outcomes or deadlock");
        advance(p);
        dv->about = abouts[i].about;
        if (abouts[i].takes_name) {
            if (tok(p)->kind != TOK_NAME)
                fail_at(p, p->ln->no, tok(p)->col, "'%s' needs the name of "
                        "a module variable", abouts[i].word);
            dv->about_name = tok(p)->name;
            dv->about_col = tok(p)->col;
            advance(p);
            if (at_punct(p, P_DOT) && peek(p, 1)->kind == TOK_NAME) {
                /* final v.value: a Value's module variable */
                size_t n = strlen(dv->about_name) +
                           strlen(peek(p, 1)->name) + 2;
                char *full = arena_alloc(p->a, n);

                snprintf(full, n, "%s.%s", dv->about_name, peek(p, 1)->name);
                dv->about_name = full;
                advance(p);
                advance(p);
            }
        }
        if (dv->about == ASK_DEADLOCK && dv->answer_is_int)
            fail_at(p, p->ln->no, t->col, "a deadlock question is answered "
                    "yes or no");
        if (dv->about != ASK_DEADLOCK && !dv->answer_is_int)
            fail_at(p, p->ln->no, t->col, "the answer must be a number when "
                    "it is the %s", w->name);
    }
}

/* @goal deadlock | fails | together LINE | CONDITION (at the end). */
static void parse_goal(struct parser *p, struct directive *dv)
{
    const struct token *t = tok(p);

    if (t->kind == TOK_END)
        fail_at(p, p->ln->no, t->col, "@goal needs something to make happen: "
                "deadlock, fails, together LINE, or a condition on module "
                "variables at the end such as x == 1");
    dv->goal = GOAL_END;
    if (t->kind == TOK_NAME && peek(p, 1)->kind == TOK_END &&
        (strcmp(t->name, "deadlock") == 0 || strcmp(t->name, "fails") == 0)) {
        dv->goal = t->name[0] == 'd' ? GOAL_DEADLOCK : GOAL_FAILS;
        advance(p);
        return;
    }
    if (t->kind == TOK_NAME && strcmp(t->name, "together") == 0 &&
        peek(p, 1)->kind != TOK_PUNCT) {
        advance(p);
        dv->goal = GOAL_TOGETHER;
        dv->n_col = tok(p)->col;
        if (tok(p)->kind != TOK_INT)
            fail_at(p, p->ln->no, tok(p)->col, "'together' needs the number "
                    "of a line of code: @goal together 12");
        dv->n = setting_int(p, "the line", 1, INT32_MAX);
        return;
    }
    dv->cond = parse_expr(p);
}

static void parse_directive(struct parser *p, struct page *pg,
                            struct page_builder *pb)
{
    struct directive *dv;
    int col;
    const char *word;

    advance(p); /* '@' */
    if (tok(p)->kind != TOK_NAME || tok(p)->col != peek(p, -1)->end_col)
        fail_at(p, p->ln->no, peek(p, -1)->col, "expected a directive name "
                "right after '@' (@scene, @until, @ask, @explain, @explore, "
                "@real, @compare, @measure, @scale, @goal)");
    word = hyphen_word(p, &col);
    GROW(p, pb->dirs, pg->ndirs, pb->cap_dirs);
    dv = &pb->dirs[pg->ndirs];
    memset(dv, 0, sizeof(*dv));
    dv->line = p->ln->no;
    dv->col = col - 1;
    dv->scene = -1;
    if (strcmp(word, "scene") == 0) {
        dv->kind = DIR_SCENE;
        dv->name_col = tok(p)->col;
        dv->name = expect_name(p, "a scene name after @scene");
    } else if (strcmp(word, "until") == 0) {
        dv->kind = DIR_UNTIL;
        parse_until(p, dv);
    } else if (strcmp(word, "ask") == 0) {
        dv->kind = DIR_ASK;
        parse_ask(p, dv);
    } else if (strcmp(word, "explain") == 0) {
        dv->kind = DIR_EXPLAIN;
        if (tok(p)->kind != TOK_STRING)
            fail_at(p, p->ln->no, tok(p)->col, "@explain needs its text in "
                    "quotes");
        dv->text = tok(p)->sval;
        advance(p);
    } else if (strcmp(word, "explore") == 0) {
        dv->kind = DIR_EXPLORE;
        dv->n = -1;
        if (tok(p)->kind != TOK_END) {
            int c;
            const char *w = hyphen_word(p, &c);

            if (!w || strcmp(w, "max-preemptions") != 0)
                fail_at(p, p->ln->no, tok(p)->col, "@explore takes only "
                        "'max-preemptions K'");
            dv->n = setting_int(p, "max-preemptions", 0, 1000);
        }
    } else if (strcmp(word, "real") == 0) {
        dv->kind = DIR_REAL;
        dv->n = 0;
        dv->python = accept_name(p, "python");
        if (tok(p)->kind != TOK_END) {
            if (!accept_name(p, "runs"))
                fail_at(p, p->ln->no, tok(p)->col, "@real takes only "
                        "'python' and 'runs N' (@real python runs 20)");
            dv->n = setting_int(p, "runs", 1, 100000);
        }
    } else if (strcmp(word, "measure") == 0) {
        dv->kind = DIR_MEASURE;
    } else if (strcmp(word, "scale") == 0) {
        dv->kind = DIR_SCALE;
        dv->n = setting_int(p, "@scale", 1, INT32_MAX);
    } else if (strcmp(word, "goal") == 0) {
        dv->kind = DIR_GOAL;
        parse_goal(p, dv);
    } else if (strcmp(word, "compare") == 0) {
        const char *names[LESSON_MAX_TASKS];
        int cols[LESSON_MAX_TASKS];
        int n = 0;

        dv->kind = DIR_COMPARE;
        while (tok(p)->kind != TOK_END) {
            if (n == LESSON_MAX_TASKS)
                fail_at(p, p->ln->no, tok(p)->col, "too many scenes to compare");
            cols[n] = tok(p)->col;
            names[n++] = expect_name(p, "a scene name");
            accept_punct(p, P_COMMA);
        }
        if (n < 2)
            fail_at(p, p->ln->no, tok(p)->col, "@compare needs at least two "
                    "scenes");
        dv->nscenes = n;
        dv->scenes = arena_alloc(p->a, sizeof(int) * (size_t)n);
        dv->scene_names = arena_alloc(p->a, sizeof(char *) * (size_t)n);
        memcpy(dv->scene_names, names, sizeof(char *) * (size_t)n);
        dv->scene_cols = arena_alloc(p->a, sizeof(int) * (size_t)n);
        memcpy(dv->scene_cols, cols, sizeof(int) * (size_t)n);
    } else {
        fail_at(p, p->ln->no, col - 1, "unknown directive '@%s' (directives: "
                "@scene, @until, @ask, @explain, @explore, @real, @compare, @measure, "
                "@scale, @goal)",
                word);
    }
    expect_end(p, "the directive");
    pg->ndirs++;
}

static void parse_page(struct parser *p, const struct lex_line *header)
{
    struct page_builder pb = {0};
    struct page *pg;
    const struct token *t = tok(p);
    const struct lex_line *first;
    int base;

    if (t->kind != TOK_STRING)
        fail_at(p, header->no, t->col, "a page needs a title in quotes: "
                "page \"TITLE\":");
    GROW(p, p->L->pages, p->L->npages, p->cap_pages);
    pg = &p->L->pages[p->L->npages++];
    memset(pg, 0, sizeof(*pg));
    pg->title = t->sval;
    pg->line = header->no;
    pg->col = header->indent + 1;
    pg->scene = -1;
    advance(p);
    expect_punct(p, P_COLON, "the page line");
    expect_end(p, "':'");

    first = peek_line(p);
    if (!first || first->indent <= header->indent)
        fail_at(p, first ? first->no : header->no,
                first ? first->indent + 1 : 1,
                "expected the page's text, indented, after the page line");
    base = first->indent;
    /* Every line up to the next line at the page's level belongs to it,
     * blank lines included: they separate paragraphs. */
    while (p->li < p->nlines) {
        const struct lex_line *ln = &p->lines[p->li];
        struct page_line *pl;

        if (ln->len > 0 && ln->indent <= header->indent)
            break;
        p->li++;
        if (ln->len > 0 && ln->indent < base)
            fail_at(p, ln->no, ln->indent + 1, "this line is less indented "
                    "than the page's first line (%d spaces)", base);
        if (ln->len > 0 && ln->text[0] == '#')
            continue;
        if (ln->len > 0 && ln->text[0] == '@' && ln->indent == base) {
            tokenize(p, ln, 0);
            parse_directive(p, pg, &pb);
            continue;
        }
        GROW(p, pb.lines, pg->nlines, pb.cap_lines);
        pl = &pb.lines[pg->nlines++];
        pl->line = ln->no;
        pl->indent = ln->len > 0 ? ln->indent - base : 0;
        pl->text = arena_strndup(p->a, ln->text, (size_t)ln->len);
    }
    /* Trailing blank lines are not part of the text. */
    while (pg->nlines > 0 && pb.lines[pg->nlines - 1].text[0] == '\0')
        pg->nlines--;
    pg->lines = pb.lines;
    pg->dirs = pb.dirs;
}

/* ---- the file --------------------------------------------------------------- */

static void parse_toplevel(struct parser *p)
{
    const struct lex_line *ln = peek_line(p);
    int have_about = 0, assigned;

    if (!ln)
        fail_at(p, 1, 1, "empty lesson: a lesson starts with a line "
                "lesson \"TITLE\"");
    tokenize(p, ln, 0);
    if (ln->indent > 0)
        fail_at(p, ln->no, 1, "unexpected indent");
    if (!at_name(p, "lesson"))
        fail_at(p, ln->no, tok(p)->col, "a lesson starts with a line "
                "lesson \"TITLE\", not %s", describe(p, tok(p)));
    advance(p);
    if (tok(p)->kind != TOK_STRING)
        fail_at(p, ln->no, tok(p)->col, "the lesson needs a title in quotes: "
                "lesson \"TITLE\"");
    p->L->title = tok(p)->sval;
    advance(p);
    expect_end(p, "the lesson's title");
    p->li++;

    while ((ln = peek_line(p)) != NULL) {
        const struct token *t;

        tokenize(p, ln, 0);
        p->li++;
        t = tok(p);
        if (ln->indent > 0)
            fail_at(p, ln->no, ln->indent + 1, "unexpected indent");
        if (t->kind != TOK_NAME)
            fail_at(p, ln->no, t->col, "expected lesson, about, import, a "
                    "module variable, def, scene or page at the start of a "
                    "line, found %s", describe(p, t));
        /* (lock = threading.Lock() is Python's; lock NAME the shorthand) */
        assigned = peek(p, 1)->kind == TOK_PUNCT &&
                   peek(p, 1)->punct == P_ASSIGN;
        if (accept_name(p, "lesson")) {
            fail_at(p, ln->no, t->col, "a lesson has one title: 'lesson' "
                    "appears again");
        } else if (accept_name(p, "about")) {
            if (have_about)
                fail_at(p, ln->no, t->col, "'about' appears twice");
            if (tok(p)->kind != TOK_STRING)
                fail_at(p, ln->no, tok(p)->col, "about needs its text in "
                        "quotes");
            p->L->about = tok(p)->sval;
            have_about = 1;
            advance(p);
            expect_end(p, "the about text");
        } else if (!assigned && accept_name(p, "shared")) {
            parse_shared(p);
        } else if (!assigned && accept_name(p, "lock")) {
            parse_lock_decl(p);
        } else if (accept_name(p, "import")) {
            parse_import(p);
        } else if (at_name(p, "from") && peek(p, 1)->kind == TOK_NAME) {
            advance(p);
            refuse_unsupported(p);
            if (at_name(p, "concurrent"))
                fail_at(p, ln->no, t->col, "'from concurrent.futures import "
                        "...' is not supported: write 'import concurrent."
                        "futures' and concurrent.futures.ThreadPoolExecutor"
                        "(...), as the article does");
            fail_at(p, ln->no, t->col, "'from %s import ...' is not "
                    "supported: write 'import %s' and use %s.NAME",
                    tok(p)->name, tok(p)->name, tok(p)->name);
        } else if (peek(p, 1)->kind == TOK_PUNCT &&
                   peek(p, 1)->punct == P_ASSIGN && !is_keyword(t->name)) {
            parse_module_assign(p);
        } else if (at_name(p, "def")) {
            parse_def(p, ln, 0);
        } else if (accept_name(p, "async")) {
            parse_def(p, ln, 1);
        } else if (accept_name(p, "scene")) {
            parse_scene(p, ln);
        } else if (accept_name(p, "page")) {
            parse_page(p, ln);
        } else {
            fail_at(p, ln->no, t->col, "expected lesson, about, import, a "
                    "module variable, def, scene or page at the start of a "
                    "line, found '%s'%s", t->name, peek(p, 1)->kind ==
                    TOK_PUNCT && peek(p, 1)->punct == P_PLUS_EQ ?
                    " (code runs inside a def; module variables are "
                    "declared with 'NAME = VALUE')" : "");
        }
    }
}

/* ---- names in pages and scenes -------------------------------------------------- */

static int resolve_scene(struct parser *p, const char *name, int line, int col)
{
    int s = lesson_find_scene(p->L, name);

    if (s < 0) {
        if (p->L->nscenes == 0)
            fail_at(p, line, col, "no scene named '%s': this lesson defines "
                    "no scenes", name);
        fail_at(p, line, col, "no scene named '%s' (the first scene is "
                "'%s')", name, p->L->scenes[0].name);
    }
    return s;
}

/* Names in an @until or @goal condition must be module variables. */
static void check_cond(struct parser *p, const struct expr *e, const char *dir)
{
    if (!e)
        return;
    if (e->kind == E_NAME && lesson_find_shared(p->L, e->name) < 0)
        fail_at(p, e->line, e->col, "'%s' is not a module variable: %s "
                "conditions can only look at module variables", e->name, dir);
    if (e->kind == E_ATTR) {
        char name[256];

        snprintf(name, sizeof(name), "%s.%s", e->name, e->attr);
        if (lesson_find_shared(p->L, name) < 0)
            fail_at(p, e->line, e->col, "'%s' is not a module variable: %s "
                    "conditions can look at module variables and a "
                    "multiprocessing.Value's value", name, dir);
    }
    if (e->kind == E_CALL)
        fail_at(p, e->line, e->col, "%s conditions cannot call functions", dir);
    check_cond(p, e->lhs, dir);
    check_cond(p, e->rhs, dir);
}

/* Some statement of a function starts on line (nested blocks too). */
static int stmt_on_line(const struct stmt *st, int64_t line)
{
    for (; st; st = st->next)
        if (st->line == line || stmt_on_line(st->body, line) ||
            stmt_on_line(st->orelse, line))
            return 1;
    return 0;
}

/* A page has one @goal, about its own scene; together's line is code. */
static void check_goal(struct parser *p, struct page *pg,
                       const struct directive *dv, int scene, int own_scene)
{
    if (pg->goal)
        fail_at(p, dv->line, dv->col, "a page has one @goal (the first is "
                "on line %d)", pg->goal->line);
    if (scene < 0 || !own_scene)
        fail_at(p, dv->line, dv->col, "@goal needs the page's own scene: put "
                "@scene NAME on this page, before the @goal");
    pg->goal = dv;
    if (dv->goal == GOAL_END)
        check_cond(p, dv->cond, "@goal");
    if (dv->goal == GOAL_TOGETHER) {
        for (int f = 0; f < p->L->nfuncs; f++)
            if (stmt_on_line(p->L->funcs[f].body, dv->n))
                return;
        fail_at(p, dv->line, dv->n_col, "line %lld is not a line of code "
                "inside a function: 'together' needs the line that two "
                "tasks should reach at once", (long long)dv->n);
    }
}

static void resolve_pages(struct parser *p)
{
    int scene = -1;

    for (int i = 0; i < p->L->npages; i++) {
        struct page *pg = &p->L->pages[i];
        int asks = 0, own_scene = 0;

        for (int k = 0; k < pg->ndirs; k++) {
            struct directive *dv = &pg->dirs[k];

            switch (dv->kind) {
            case DIR_SCENE:
                dv->scene = resolve_scene(p, dv->name, dv->line, dv->name_col);
                scene = dv->scene;
                own_scene = 1;
                break;
            case DIR_GOAL:
                check_goal(p, pg, dv, scene, own_scene);
                break;
            case DIR_COMPARE:
                for (int j = 0; j < dv->nscenes; j++)
                    dv->scenes[j] = resolve_scene(p, dv->scene_names[j],
                                                  dv->line, dv->scene_cols[j]);
                break;
            case DIR_UNTIL:
                if (scene < 0)
                    fail_at(p, dv->line, dv->col, "@until needs a scene: add "
                            "@scene NAME to this page or an earlier one");
                check_cond(p, dv->cond, "@until");
                break;
            case DIR_ASK:
                asks++;
                if (dv->about != ASK_NONE && scene < 0)
                    fail_at(p, dv->line, dv->col, "this @ask is about a "
                            "scene: add @scene NAME to this page or an "
                            "earlier one");
                if (dv->about_name && lesson_find_shared(p->L, dv->about_name) < 0)
                    fail_at(p, dv->line, dv->about_col, "'%s' is not a module "
                            "variable", dv->about_name);
                break;
            case DIR_EXPLAIN:
                if (asks == 0 && !pg->goal)
                    fail_at(p, dv->line, dv->col, "@explain explains the "
                            "answer to an @ask, or a solved @goal: put it "
                            "after one");
                break;
            case DIR_MEASURE:
            case DIR_SCALE:
                break;
            case DIR_EXPLORE:
            case DIR_REAL:
                if (scene < 0)
                    fail_at(p, dv->line, dv->col, "@%s needs a scene: add "
                            "@scene NAME to this page or an earlier one",
                            dv->kind == DIR_REAL ? "real" : "explore");
                break;
            }
        }
        pg->scene = scene;
    }
}

/* ---- entry points ------------------------------------------------------------------ */

struct lesson *lesson_parse(struct source *src, struct diag *d)
{
    struct parser p;
    struct lesson *L = xcalloc(1, sizeof(*L));

    memset(&p, 0, sizeof(p));
    L->src = src;
    arena_init(&L->arena);
    p.L = L;
    p.src = src;
    p.a = &L->arena;
    p.d = d;
    if (lex_lines(src, &p.lines, &p.nlines, d) < 0) {
        lesson_free(L);
        return NULL;
    }
    if (setjmp(p.fail)) {
        free(p.toks);
        free(p.lines);
        lesson_free(L);
        return NULL;
    }
    parse_toplevel(&p);
    resolve_pages(&p);
    free(p.toks);
    free(p.lines);
    return L;
}
