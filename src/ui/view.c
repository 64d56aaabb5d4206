/* view.c - the TUI's screens: lesson, lesson picker, help, too small.
 *
 * A lesson screen, top to bottom: a header bar; the page title; the page's
 * text and its questions; the timeline (one lane per task and per CPU, a
 * ruler, the cursor); the code of one task beside the memory; the event
 * log; a footer with the keys or a message.  Rows are shared out by need
 * and priority, so that 80x24 shows everything that matters and a larger
 * screen shows more of each panel.
 */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include "ui/view.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "explore.h"
#include "program.h"
#include "real/real.h"
#include "report.h"
#include "ui/draw.h"
#include "ui/lanes.h"
#include "vm.h"

/* ---- wrapped text ----------------------------------------------------------- */

struct tline {
    size_t off;         /* into tlines.buf */
    int role;
    int indent;
    int pre;            /* preformatted: no `code` markup */
    int code;           /* the line starts inside `code` */
};

struct tlines {
    struct tline *v;
    size_t n, cap;
    struct strbuf buf;
};

static void tl_init(struct tlines *t)
{
    memset(t, 0, sizeof(*t));
    sb_init(&t->buf);
    sb_putc(&t->buf, '\0');
}

static void tl_done(struct tlines *t)
{
    free(t->v);
    sb_done(&t->buf);
}

static void tl_add(struct tlines *t, const char *s, size_t n, int role,
                   int indent, int pre, int code)
{
    struct tline *l;

    XGROW(t->v, t->cap, t->n + 1);
    l = &t->v[t->n++];
    l->off = t->buf.len;
    l->role = role;
    l->indent = indent;
    l->pre = pre;
    l->code = code;
    sb_add(&t->buf, s, n);
    sb_putc(&t->buf, '\0');
}

static const char *tl_text(const struct tlines *t, size_t i)
{
    return t->buf.s + t->v[i].off;
}

/* Columns of s without its backticks. */
static int marked_width(const char *s, size_t n)
{
    char *copy = xstrndup(s, n);
    int w = draw_width(copy), ticks = 0;

    for (size_t i = 0; i < n; i++)
        ticks += s[i] == '`';
    free(copy);
    return w - ticks;
}

/* Word-wrap text to width columns; hang: indent of lines after the first.
 * Backticks mark `code` (kept in the text, drawn as a style). */
static void wrap(struct tlines *t, const char *text, int width, int role,
                 int indent, int hang)
{
    const char *p = text;
    int code = 0, ind = indent;

    while (*p) {
        int w = width - ind, used = 0, line_code = code;
        const char *start = p, *end = p;

        if (w < 1)
            w = 1;
        while (*p) {
            const char *ws = p;
            int ww;

            while (*p && *p != ' ')
                p++;
            ww = marked_width(ws, (size_t)(p - ws));
            if (used && used + 1 + ww > w) {
                p = ws;
                break;
            }
            if (!used && ww > w) {
                /* A word longer than the line: cut it. */
                char *copy = xstrndup(ws, (size_t)(p - ws));
                size_t fit = draw_fit(copy, w);

                free(copy);
                p = ws + (fit ? fit : 1);
                end = p;
                break;
            }
            used += (used ? 1 : 0) + ww;
            end = p;
            while (*p == ' ')
                p++;
        }
        for (const char *q = start; q < end; q++)
            code ^= *q == '`';
        tl_add(t, start, (size_t)(end - start), role, ind, 0, line_code);
        while (*p == ' ')
            p++;
        ind = hang;
    }
}

/* Draw a wrapped line at (y, x), w columns. */
static void draw_tline(const struct tlines *t, size_t i, int y, int x, int w)
{
    const struct tline *l = &t->v[i];
    const char *s = tl_text(t, i);
    int code = l->code, col = l->indent;

    if (l->pre) {
        draw_str(y, x + col, w - col, l->role, s);
        return;
    }
    while (*s && col < w) {
        size_t n = strcspn(s, "`");
        char *seg = xstrndup(s, n);

        col += draw_str(y, x + col, w - col, code ? R_KEY : l->role, seg);
        free(seg);
        s += n;
        if (*s == '`') {
            code = !code;
            s++;
        }
    }
}

/* ---- panels: a titled rule --------------------------------------------------- */

/* A horizontal rule across [x, x + w) with a title near its left end.
 * Returns the column just after the title. */
static int rule(int y, int x, int w, const char *title, int focused)
{
    draw_repeat(y, x, w, R_RULE, draw_glyph(G_HLINE));
    if (!title || !*title)
        return x + 1;
    return x + 1 + draw_strf(y, x + 1, w - 3, focused ? R_RULE_FOCUS : R_BOLD,
                             " %s ", title);
}

/* Text right-aligned at the end of a rule, if it fits after from. */
static void rule_right(int y, int x, int w, int from, const char *text)
{
    int n = draw_width(text) + 2;

    if (x + w - n - 1 > from + 2)
        draw_strf(y, x + w - n - 1, n, R_DIM, " %s ", text);
}

/* ---- the header and footer --------------------------------------------------- */

static void status_text(struct app *a, char *buf, size_t n)
{
    int64_t end = a->tape ? a->tape->end : 0;

    for (int i = 0; i < a->ncmp; i++)
        if (a->cmp[i]->end > end)
            end = a->cmp[i]->end;
    if (!a->tape && !a->ncmp) {
        snprintf(buf, n, "page %d/%d", a->page + 1, a->L->npages);
        return;
    }
    if (a->manual)
        snprintf(buf, n, "tick %lld · you schedule", (long long)a->cursor);
    else if (a->playing)
        snprintf(buf, n, "tick %lld/%lld %s playing %d/s", (long long)a->cursor,
                 (long long)end, draw_glyph(G_PLAY),
                 a->boost ? (int)a->boost : app_speeds[a->speed]);
    else
        snprintf(buf, n, "tick %lld/%lld %s paused", (long long)a->cursor,
                 (long long)end, draw_glyph(G_PAUSE));
}

static void draw_header(struct app *a, int W)
{
    char status[96];
    int sw;

    draw_blank(0, 0, W, R_HEADER);
    status_text(a, status, sizeof(status));
    sw = draw_width(status);
    draw_str(0, 1, W - sw - 4, R_HEADER, "taketurns");
    draw_str(0, 12, W - sw - 15, R_HEADER, a->L->title);
    draw_str(0, W - sw - 1, sw, R_HEADER, status);
}

static void draw_page_title(struct app *a, int y, int W)
{
    const struct page *pg = app_page(a);
    char left[32];
    int n;

    snprintf(left, sizeof(left), "%d/%d ", a->page + 1, a->L->npages);
    n = draw_str(y, 1, W - 2, R_DIM, left);
    draw_str(y, 1 + n, W - 2 - n, R_TITLE, pg->title);
}

struct hint {
    const char *key, *what;
};

static void draw_hints(int y, int W, const struct hint *h, int n)
{
    int x = 1;

    for (int i = 0; i < n; i++) {
        int need = draw_width(h[i].key) + 1 + draw_width(h[i].what) + 2;

        if (x + need > W - 1)
            continue;
        x += draw_str(y, x, W - x, R_KEY, h[i].key);
        x += 1;
        x += draw_str(y, x, W - x, R_NORMAL, h[i].what);
        x += 2;
    }
}

static void draw_footer(struct app *a, int y, int W)
{
    static const struct hint normal[] = {
        {"space", "play"}, {"←→", "step"}, {"n/N", "switch"},
        {"PgDn/PgUp", "page"}, {"?", "help"}, {"q", "quit"},
        {"m", "manual"}, {"Tab", "focus"},
    };
    static const struct hint manual[] = {
        {"1-9", "run a task"}, {"→", "redo / only choice"}, {"←", "undo"},
        {"m", "hand back"}, {"?", "help"}, {"q", "quit"},
    };
    static const struct hint prompt[] = {
        {"Enter", "check the answer"}, {"Backspace", "erase"},
        {"Esc", "answer later"},
    };
    static const struct hint text_only[] = {
        {"PgDn", "next page"}, {"PgUp", "previous"}, {"↑↓", "scroll"},
        {"?", "help"}, {"q", "quit"},
    };

    draw_blank(y, 0, W, R_NORMAL);
    if (a->msg[0]) {
        draw_str(y, 1, W - 2, a->msg_bad ? R_BAD : R_BOLD, a->msg);
        return;
    }
    static const struct hint outcomes[] = {
        {"↑↓", "choose an outcome"}, {"Enter", "run its schedule"},
        {"e", "close"}, {"Tab", "focus"}, {"?", "help"}, {"q", "quit"},
    };

    if (a->prompt)
        draw_hints(y, W, prompt, (int)TT_ARRAY_LEN(prompt));
    else if (a->ex_open && a->focus == FOCUS_LOG && a->ex)
        draw_hints(y, W, outcomes, (int)TT_ARRAY_LEN(outcomes));
    else if (a->manual)
        draw_hints(y, W, manual, (int)TT_ARRAY_LEN(manual));
    else if (!a->tape && !a->ncmp)
        draw_hints(y, W, text_only, (int)TT_ARRAY_LEN(text_only));
    else
        draw_hints(y, W, normal, (int)TT_ARRAY_LEN(normal));
}

/* ---- the page's text and questions ---------------------------------------------- */

static int text_width(int W)
{
    int w = W - 4;

    return w > 100 ? 100 : w;
}

static void build_text(const struct page *pg, int width, struct tlines *t)
{
    struct strbuf para;
    int blank = 0;

    sb_init(&para);
    for (int i = 0; i <= pg->nlines; i++) {
        const struct page_line *pl = i < pg->nlines ? &pg->lines[i] : NULL;

        if (!pl || !pl->text[0] || pl->indent > 0) {
            if (para.len) {
                wrap(t, para.s, width, R_NORMAL, 0, 0);
                sb_clear(&para);
                blank = 0;
            }
            if (!pl)
                break;
            if (!pl->text[0]) {
                if (!blank && t->n)
                    tl_add(t, "", 0, R_NORMAL, 0, 1, 0);
                blank = 1;
            } else {
                tl_add(t, pl->text, strlen(pl->text), R_NORMAL,
                       pl->indent < 8 ? pl->indent : 8, 1, 0);
                blank = 0;
            }
            continue;
        }
        if (para.len)
            sb_putc(&para, ' ');
        sb_puts(&para, pl->text);
    }
    while (t->n && !tl_text(t, t->n - 1)[0])
        t->n--;
    sb_done(&para);
}

static void build_questions(struct app *a, int width, struct tlines *t)
{
    const struct page *pg = app_page(a);
    int pending, first_pending = 1;
    const struct directive *cur = app_pending_ask(a, &pending);
    const struct ask_state *st;
    int off = 0;
    struct strbuf sb;

    for (int i = 0; i < a->page; i++)
        off += a->L->pages[i].ndirs;
    st = a->asks + off;
    sb_init(&sb);
    for (int i = 0; i < pg->ndirs; i++) {
        const struct directive *dv = &pg->dirs[i];

        sb_clear(&sb);
        if (dv->kind == DIR_ASK && st[i].answered) {
            if (st[i].right)
                sb_printf(&sb, "%s %s %s — right.", draw_glyph(G_RIGHT),
                          dv->question, st[i].given);
            else
                sb_printf(&sb, "%s %s You said %s; the answer is %s.",
                          draw_glyph(G_WRONG), dv->question, st[i].given,
                          dv->answer);
            wrap(t, sb.s, width, st[i].right ? R_GOOD : R_BAD, 0, 2);
        } else if (dv->kind == DIR_ASK) {
            if (dv == cur && first_pending) {
                first_pending = 0;
                if (a->prompt)
                    sb_printf(&sb, "? %s  %s %s_", dv->question,
                              draw_glyph(G_ARROW), a->input);
                else
                    sb_printf(&sb, "? %s  (predict: type your answer, then "
                              "Enter)", dv->question);
                wrap(t, sb.s, width, R_PROMPT, 0, 2);
            } else {
                sb_printf(&sb, "? %s", dv->question);
                wrap(t, sb.s, width, R_DIM, 0, 2);
            }
        } else if (dv->kind == DIR_EXPLAIN) {
            /* Shown once the question before it is answered. */
            int k = i;

            while (k > 0 && pg->dirs[k].kind != DIR_ASK)
                k--;
            if (pg->dirs[k].kind == DIR_ASK && st[k].answered)
                wrap(t, dv->text, width, R_NORMAL, 2, 2);
        } else if (dv->kind == DIR_EXPLORE || dv->kind == DIR_REAL) {
            /* Said in the footer and the help. */
        }
    }
    sb_done(&sb);
}

/* ---- the timeline ------------------------------------------------------------- */

struct axis {
    int x0, w;              /* columns of the time axis */
    int64_t t0;             /* first tick shown */
    struct zoom z;
    int64_t cursor;
};

/* Ticks covered by column c; returns 0 if the column is past the end. */
static void col_range(const struct axis *ax, int c, int64_t *c0, int64_t *c1,
                      int *first)
{
    if (ax->z.cols > 1) {
        *c0 = ax->t0 + c / ax->z.cols;
        *c1 = *c0 + 1;
        *first = c % ax->z.cols == 0;
    } else {
        *c0 = ax->t0 + (int64_t)c * ax->z.ticks;
        *c1 = *c0 + ax->z.ticks;
        *first = 1;
    }
}

/* The column of the cursor, or -1 if it is off the axis. */
static int cursor_col(const struct axis *ax)
{
    int64_t rel = ax->cursor - ax->t0;

    if (rel < 0)
        return -1;
    rel = ax->z.cols > 1 ? rel * ax->z.cols : rel / ax->z.ticks;
    return rel < ax->w ? (int)rel : -1;
}

static void draw_ruler(const struct axis *ax, int y, int label_w)
{
    static const int steps[] = {1, 2, 5};
    int64_t step = 1;
    int last_end = -1, cur = cursor_col(ax);

    draw_str(y, 1, label_w - 1, R_DIM, "tick");
    /* Label every step ticks, step chosen so labels are >= 6 columns apart. */
    for (int i = 0; i < 40; i++) {
        int64_t p = 1;

        for (int k = 0; k < i / 3; k++)
            p *= 10;
        step = steps[i % 3] * p;
        if (step * ax->z.cols / ax->z.ticks >= 6)
            break;
    }
    for (int c = 0; c < ax->w; c++) {
        int64_t c0, c1;
        int first, n;
        char num[24];

        col_range(ax, c, &c0, &c1, &first);
        if (!first)
            continue;
        /* the column holding a multiple of step */
        if (c0 % step != 0 && (c1 - 1) / step == c0 / step)
            continue;
        n = snprintf(num, sizeof(num), "%lld",
                     (long long)((c0 + step - 1) / step * step));
        if (c <= last_end || c + n > ax->w || (cur >= c && cur <= c + n))
            continue;
        draw_str(y, ax->x0 + c, n, R_DIM, num);
        last_end = c + n;
    }
    if (cur >= 0 && cur < ax->w)
        draw_str(y, ax->x0 + cur, 1, R_BOLD, draw_glyph(G_CURSOR_MARK));
}

/* What tick column c shows of task k: drawn or not (the future). */
static void draw_task_cells(const struct axis *ax, const struct trace *tr,
                            int k, int y, int *used)
{
    for (int c = 0; c < ax->w; c++) {
        int64_t c0, c1;
        int first, mark, st, role;
        const char *g;

        col_range(ax, c, &c0, &c1, &first);
        if (c0 > ax->cursor)
            break;
        if (c1 > ax->cursor + 1)
            c1 = ax->cursor + 1;
        st = lane_task_cell(tr, k, c0, c1, &mark);
        used[st] = 1;
        g = draw_state_glyph(st);
        role = draw_state_role(st);
        if (ax->z.ticks > 5)
            mark = SWK_NONE;    /* zoomed out, every column would have one */
        if (first && mark == SWK_PREEMPT) {
            g = draw_glyph(G_PREEMPT);
            role = R_PREEMPT;
            used[TS_COUNT] = 1;
        } else if (first && mark == SWK_YIELD) {
            g = draw_glyph(G_YIELD);
            role = R_YIELD;
            used[TS_COUNT + 1] = 1;
        }
        draw_str(y, ax->x0 + c, 1, role, g);
    }
}

static char task_char(const struct trace *tr, int k)
{
    int single = 1;

    for (int t = 0; t < tr->ntasks; t++)
        single &= tr->labels[t][0] && !tr->labels[t][1];
    if (single)
        return tr->labels[k][0];
    return k < 9 ? (char)('1' + k) : (char)('a' + k - 9);
}

/* "1=T1 2=T2": which task each character of a CPU lane stands for, when
 * the labels are longer than one character ("" if they are not). */
static void cpu_keys(const struct trace *tr, char *buf, size_t n)
{
    size_t len = 0;

    buf[0] = '\0';
    if (tr->ntasks == 0 || (tr->labels[0][0] && !tr->labels[0][1] &&
                            task_char(tr, 0) == tr->labels[0][0]))
        return;
    for (int k = 0; k < tr->ntasks && len + 16 < n; k++)
        len += (size_t)snprintf(buf + len, n - len, "%s%c=%s", k ? " " : "",
                                task_char(tr, k), tr->labels[k]);
}

static void draw_cpu_cells(const struct axis *ax, const struct trace *tr,
                           int cpu, int y, int *stall_seen)
{
    for (int c = 0; c < ax->w; c++) {
        int64_t c0, c1;
        int first, stalled, t;
        char ch[2] = {0, 0};

        col_range(ax, c, &c0, &c1, &first);
        if (c0 > ax->cursor || (tr->status != TRACE_RUNNING && c0 >= tr->end))
            break;
        if (c1 > ax->cursor + 1)
            c1 = ax->cursor + 1;
        t = lane_cpu_cell(tr, cpu, c0, c1, &stalled);
        if (t == LANE_IDLE) {
            draw_str(y, ax->x0 + c, 1, R_IDLE, draw_glyph(G_IDLE));
            continue;
        }
        if (t == LANE_MIXED) {
            draw_str(y, ax->x0 + c, 1, R_BOLD, "*");
            *stall_seen |= 2;
            continue;
        }
        ch[0] = stalled ? '~' : task_char(tr, t);
        *stall_seen |= stalled ? 1 : 0;
        draw_str(y, ax->x0 + c, 1, draw_task_role(t), ch);
    }
}

/* The cursor: the column of the current tick, inverted across rows. */
static void draw_cursor_column(const struct axis *ax, int y0, int y1)
{
    int64_t rel = ax->cursor - ax->t0;
    int c, w;

    if (rel < 0)
        return;
    if (ax->z.cols > 1) {
        c = (int)(rel * ax->z.cols);
        w = ax->z.cols;
    } else {
        c = (int)(rel / ax->z.ticks);
        w = 1;
    }
    if (c >= ax->w)
        return;
    if (c + w > ax->w)
        w = ax->w - c;
    for (int y = y0; y < y1; y++)
        draw_invert(y, ax->x0 + c, w);
}

static void lane_state_text(struct tape *tp, int k, int64_t t, char *buf,
                            size_t n)
{
    const struct trace_span *sp = trace_span_at(tp->tr, k, t);
    const struct trace_lane *ln = &tp->tr->lanes[k];
    const struct sim *s;
    int64_t wake;

    if (!sp && ln->n > 0 && t >= ln->spans[ln->n - 1].start)
        sp = &ln->spans[ln->n - 1];     /* at the very end of the run */
    if (!sp) {
        buf[0] = '\0';
        return;
    }
    switch (sp->state) {
    case TS_RUNNING:
        if (tp->cfg.mode == MODE_ASYNCIO)
            snprintf(buf, n, "running");
        else
            snprintf(buf, n, "running on cpu%d", sp->cpu);
        break;
    case TS_READY:
        snprintf(buf, n, "ready");
        break;
    case TS_GIL_WAIT:
        snprintf(buf, n, "waits for the GIL");
        break;
    case TS_BLOCKED:
        s = tape_at(tp, t);
        wake = sim_task_wake(s, k);
        if (wake >= 0)
            snprintf(buf, n, "%s until %lld", sp->wait == 3 /* VM_IO */ ||
                     sp->wait == 5 ? "I/O" : "sleeps", (long long)wake);
        else
            snprintf(buf, n, "waiting");
        break;
    case TS_LOCK_WAIT:
        snprintf(buf, n, "waits for lock %s",
                 sp->arg >= 0 && sp->arg < tp->L->prog->nlocks ?
                 tp->L->prog->lock_names[sp->arg] : "?");
        break;
    case TS_STARTING:
        snprintf(buf, n, "starting");
        break;
    case TS_NEW:
        snprintf(buf, n, "not started");
        break;
    case TS_DONE:
        snprintf(buf, n, "done at %lld", (long long)sp->start);
        break;
    case TS_FAILED:
        snprintf(buf, n, "failed at %lld", (long long)sp->start);
        break;
    default:
        buf[0] = '\0';
    }
}

static void add_hit(struct app *a, int y, const struct axis *ax, int task,
                    int cmp)
{
    struct app_hit *h;

    if (a->nhits >= (int)TT_ARRAY_LEN(a->hits))
        return;
    h = &a->hits[a->nhits++];
    h->y = y;
    h->x0 = ax->x0;
    h->x1 = ax->x0 + ax->w;
    h->task = task;
    h->cmp = cmp;
}

static void draw_legend(int y, int x, int w, const int *used, int stall)
{
    static const int order[] = {TS_RUNNING, TS_READY, TS_GIL_WAIT, TS_BLOCKED,
                                TS_LOCK_WAIT, TS_STARTING, TS_FAILED};
    int col = x;

    for (size_t i = 0; i < TT_ARRAY_LEN(order); i++) {
        int s = order[i];
        const char *name = s == TS_BLOCKED ? "waiting (sleep, I/O)" :
                           task_state_info[s].name;
        int need = 1 + 1 + draw_width(name) + 2;

        if (!used[s] && s != TS_RUNNING)
            continue;
        if (col + need > x + w)
            return;
        col += draw_str(y, col, 1, draw_state_role(s), draw_state_glyph(s));
        col += 1;
        col += draw_str(y, col, w, R_DIM, name) + 2;
    }
    if (used[TS_COUNT] && col + 13 <= x + w) {
        col += draw_str(y, col, 1, R_PREEMPT, draw_glyph(G_PREEMPT)) + 1;
        col += draw_str(y, col, w, R_DIM, "preempted") + 2;
    }
    if (used[TS_COUNT + 1] && col + 11 <= x + w) {
        col += draw_str(y, col, 1, R_YIELD, draw_glyph(G_YIELD)) + 1;
        col += draw_str(y, col, w, R_DIM, "yielded") + 2;
    }
    if ((stall & 1) && col + 30 <= x + w) {
        col += draw_str(y, col, 1, R_BOLD, "~") + 1;
        col += draw_str(y, col, w, R_DIM, "loop blocked by a call") + 2;
    }
    if ((stall & 2) && col + 22 <= x + w) {
        col += draw_str(y, col, 1, R_BOLD, "*") + 1;
        col += draw_str(y, col, w, R_DIM, "tasks take turns") + 2;
    }
    if (col + 16 <= x + w) {
        draw_str(y, col, 1, R_CURSOR, " ");
        draw_str(y, col + 2, w, R_DIM, "the current tick");
    }
}

static int label_width(const struct app *a)
{
    return a->width - app_lane_width(a) - (a->ncmp ? 12 : a->width >= 110 ? 22 : 0) - 1;
}

static void axis_init(struct app *a, struct axis *ax)
{
    ax->x0 = label_width(a);
    ax->w = app_lane_width(a);
    ax->t0 = a->view_t0;
    ax->z = app_zoom(a);
    ax->cursor = a->cursor;
    a->lane_x0 = ax->x0;
}

/* The timeline of the page's scene: rows [y, y + h). */
static void draw_timeline(struct app *a, int y, int h, int legend, int lane_h)
{
    struct tape *tp = a->tape;
    const struct trace *tr = tp->tr;
    const struct scene *sc = &a->L->scenes[tp->scene];
    struct axis ax;
    struct strbuf sb;
    int used[TS_COUNT + 2] = {0}, stall = 0, y0, row, shown, end;
    int W = a->width, state_x;

    axis_init(a, &ax);
    state_x = ax.x0 + ax.w + 1;
    sb_init(&sb);
    sb_printf(&sb, "scene %s: ", sc->name);
    report_settings(&sb, &tp->cfg);
    if (tp->manual_from >= 0)
        sb_printf(&sb, " · turns chosen by hand from tick %lld",
                  (long long)tp->manual_from);
    else if (a->witness >= 0 && a->ex)
        sb_printf(&sb, " · schedule %s",
                  a->ex->outcomes[a->witness].witness_text);
    end = rule(y, 0, W, sb.s, a->focus == FOCUS_TIMELINE);
    sb_clear(&sb);
    if (ax.z.cols > 1)
        sb_printf(&sb, "%d columns a tick", ax.z.cols);
    else
        sb_printf(&sb, "%lld tick%s a column", (long long)ax.z.ticks,
                  ax.z.ticks == 1 ? "" : "s");
    rule_right(y, 0, W, end, sb.s);
    sb_done(&sb);
    draw_ruler(&ax, y + 1, ax.x0);
    y0 = y + 1;
    row = y + 2;
    shown = app_shown_task(a);
    if (2 + tr->ntasks * lane_h + tr->ncpus + legend > h) {
        /* Not every lane fits: say so on the last row. */
        int fit = h - 3;

        legend = 0;
        draw_strf(y + h - 1, 1, W - 2, R_KEY, "%s %d lane%s below: make the "
                  "terminal taller", draw_glyph(G_MORE_DOWN),
                  tr->ntasks + tr->ncpus - (fit > 0 ? fit : 0),
                  tr->ntasks + tr->ncpus - fit == 1 ? "" : "s");
        h--;
    }
    for (int k = 0; k < tr->ntasks && row < y + h; k++) {
        char st[48];

        draw_str(row, 0, 1, R_NEXT, k == shown ? draw_glyph(G_ARROW) : " ");
        draw_str(row, 1, ax.x0 - 2, draw_task_role(k), tr->labels[k]);
        if (a->focus == FOCUS_TIMELINE && a->sel == k)
            draw_restyle(row, 1, (int)strlen(tr->labels[k]), R_CURSOR);
        if (state_x < W - 4) {
            lane_state_text(tp, k, a->cursor, st, sizeof(st));
            draw_str(row, state_x, W - state_x - 1, R_DIM, st);
        }
        for (int r = 0; r < lane_h && row < y + h; r++, row++) {
            draw_task_cells(&ax, tr, k, row, used);
            add_hit(a, row, &ax, k, -1);
        }
    }
    for (int cpu = 0; cpu < tr->ncpus && row < y + h; cpu++) {
        char name[16];

        if (tp->cfg.mode == MODE_ASYNCIO)
            snprintf(name, sizeof(name), "loop");
        else
            snprintf(name, sizeof(name), "cpu%d", cpu);
        draw_str(row, 1, ax.x0 - 2, R_DIM, name);
        if (state_x < W - 4 && cpu == 0) {
            char keys[160];

            cpu_keys(tr, keys, sizeof(keys));
            draw_str(row, state_x, W - state_x - 1, R_DIM, keys);
        }
        draw_cpu_cells(&ax, tr, cpu, row, &stall);
        add_hit(a, row, &ax, -1, -1);
        row++;
    }
    draw_cursor_column(&ax, y0, row);
    if (legend && row < y + h) {
        char keys[160];
        int lw = W - 2;

        cpu_keys(tr, keys, sizeof(keys));
        if (keys[0] && state_x >= W - 4) {
            lw -= draw_width(keys) + 2;
            draw_str(row, W - draw_width(keys) - 1, draw_width(keys), R_DIM,
                     keys);
        }
        draw_legend(row, 1, lw, used, stall);
    }
}

/* ---- the code panel ------------------------------------------------------------ */

struct line_op {
    uint32_t pc;
    int64_t busy;       /* the op is at work: ticks left */
    int done;           /* ran in this visit of the line */
    int64_t value;
    int status;
    int64_t t;
};

static int code_width(const struct app *a)
{
    int w = a->width * 3 / 5;

    return w < 46 ? 46 : w;
}

/* Source and bytecode side by side (else one above the other). */
static int code_side(const struct app *a)
{
    return code_width(a) >= 76;
}

/* The last line of function fn. */
static int func_last_line(const struct program *P, const struct func *fn)
{
    int last = fn->line;

    for (uint32_t i = 0; i < fn->ncode; i++)
        if (P->pos[fn->code_start + i].line > last)
            last = P->pos[fn->code_start + i].line;
    return last;
}

/* The ops of line in fn, with what the task did in its current visit. */
static int line_ops(struct app *a, int task, const struct func *fn, int line,
                    uint32_t pc_next, int at_work, struct line_op *out,
                    int max)
{
    const struct program *P = a->L->prog;
    const struct trace *tr = a->tape->tr;
    int n = 0;
    size_t k = trace_op_seek(tr, a->cursor);
    int budget = 512;

    for (uint32_t i = 0; i < fn->ncode && n < max; i++) {
        uint32_t pc = fn->code_start + i;

        if (P->pos[pc].line != line)
            continue;
        out[n].pc = pc;
        out[n].busy = 0;
        out[n].done = 0;
        out[n].status = 0;
        out[n].value = 0;
        out[n].t = -1;
        n++;
    }
    /* Walk back over this task's recent ops while they are on this line
     * and before the next op (bounded: the cost does not grow with the
     * trace). */
    while (k-- > 0 && budget-- > 0) {
        const struct trace_op *op = &tr->ops[k];

        if (op->task != task)
            continue;
        if (at_work && op->pc == pc_next) {
            at_work = 0;    /* the op still at work: it began the visit */
            continue;
        }
        if (P->pos[op->pc].line != line || op->pc >= pc_next ||
            P->func_of[op->pc] != P->func_of[pc_next])
            break;
        for (int j = 0; j < n; j++)
            if (out[j].pc == op->pc && !out[j].done) {
                out[j].done = 1;
                out[j].value = op->value;
                out[j].status = op->status;
                out[j].t = op->t;
            }
    }
    return n;
}

struct stale {
    int found;
    int g;
    int64_t read, now;
    int64_t t;
};

/* A value read from memory in this visit of the line that memory no
 * longer holds: the stale value of a lost update, on its way back. */
static void find_stale(const struct app *a, const struct line_op *ops, int n,
                       int task, const struct sim *s, struct stale *stale)
{
    const struct program *P = a->L->prog;

    for (int i = 0; i < n; i++) {
        int g = P->code[ops[i].pc].a;
        int64_t now;

        if (!ops[i].done || P->code[ops[i].pc].op != OP_LOAD_GLOBAL)
            continue;
        now = sim_global(s, sim_task_space(s, task), g);
        if (now != ops[i].value) {
            stale->found = 1;
            stale->g = g;
            stale->read = ops[i].value;
            stale->now = now;
            stale->t = ops[i].t;
        }
    }
}

/* One bytecode row: marker, instruction, and its effect or meaning. */
static void draw_op_row(struct app *a, const struct line_op *o, int is_next,
                        int task, int y, int x, int w)
{
    const struct program *P = a->L->prog;
    struct strbuf sb;
    int n;

    sb_init(&sb);
    program_format_instr(P, o->pc, &sb);
    draw_str(y, x, 2, R_NEXT, is_next ? draw_glyph(G_ARROW) : " ");
    n = draw_str(y, x + 2, w - 2, is_next ? R_NEXT : o->done ? R_NORMAL : R_DIM,
                 sb.s);
    if (n < 17)
        n = 17;
    sb_clear(&sb);
    if (is_next && o->busy > 0) {
        sb_printf(&sb, "%s: %lld tick%s still to go",
                  P->code[o->pc].op == OP_COMPUTE ? "at work" :
                  "blocking the loop", (long long)o->busy,
                  o->busy == 1 ? "" : "s");
    } else if (is_next) {
        sb_puts(&sb, op_info[P->code[o->pc].op].desc);
    } else if (o->done) {
        struct trace_op top;

        memset(&top, 0, sizeof(top));
        top.t = o->t;
        top.value = o->value;
        top.pc = o->pc;
        top.task = (uint16_t)task;
        top.status = (uint8_t)o->status;
        report_op_effect(&sb, P, &top);
    }
    draw_str(y, x + 2 + n + 1, w - n - 3, is_next ? R_NORMAL : R_DIM, sb.s);
    sb_done(&sb);
}

/* The operand stack (and the locals, or what makes the stack stale). */
static void draw_stack(struct app *a, const struct vm *vm,
                       const struct vm_frame *fr, const struct func *fn,
                       const struct stale *stale, int y, int x, int w)
{
    const struct program *P = a->L->prog;
    uint32_t base = fr->base + (uint32_t)fn->nlocals;
    struct strbuf sb;
    int col;

    sb_init(&sb);
    sb_puts(&sb, "stack [");
    for (uint32_t i = base; i < vm->sp; i++)
        sb_printf(&sb, "%s%lld", i > base ? ", " : "", (long long)vm->slots[i]);
    sb_puts(&sb, "]");
    col = draw_str(y, x, w, R_BOLD, sb.s);
    sb_clear(&sb);
    if (stale->found && base < vm->sp) {
        sb_printf(&sb, "  stale: %s was %lld at tick %lld, is %lld now",
                  P->global_names[stale->g], (long long)stale->read,
                  (long long)stale->t, (long long)stale->now);
        draw_str(y, x + col, w - col, R_STALE, sb.s);
    } else {
        for (int i = 0; i < fn->nlocals; i++) {
            const char *nm = fn->local_names[i];
            int64_t v = vm->slots[fr->base + (uint32_t)i];

            if (nm[0] == '.')
                continue;
            if (v == VM_UNSET)
                sb_printf(&sb, "  %s -", nm);
            else
                sb_printf(&sb, "  %s=%lld", nm, (long long)v);
        }
        if (sb.len)
            draw_str(y, x + col, w - col, R_DIM, sb.s);
    }
    sb_done(&sb);
}

static void draw_source(struct app *a, const struct func *fn, int line,
                        int rows, int y, int x, int w)
{
    const struct program *P = a->L->prog;
    int first = fn->line, last = func_last_line(P, fn), top;

    top = line - rows / 2 + a->code_scroll;
    if (top > last - rows + 1)
        top = last - rows + 1;
    if (top < first)
        top = first;
    for (int i = 0; i < rows && top + i <= last; i++) {
        int ln = top + i, cur = ln == line;
        size_t len;
        const char *text = source_line(a->L->src, ln, &len);
        char *copy = xstrndup(text ? text : "", text ? len : 0);
        int role = cur ? R_CURLINE : R_NORMAL;

        if (cur)
            draw_blank(y + i, x, w, R_CURLINE);
        draw_strf(y + i, x, 5, cur ? R_CURLINE : R_DIM, "%4d", ln);
        draw_str(y + i, x + 5, 1, role, cur ? draw_glyph(G_ARROW) : " ");
        draw_str(y + i, x + 7, w - 7, role, copy);
        free(copy);
    }
}

static void draw_code(struct app *a, int y, int x, int w, int h)
{
    const struct program *P = a->L->prog;
    int task = app_shown_task(a);
    const struct sim *s = tape_at(a->tape, a->cursor);
    const struct vm *vm = sim_task_vm(s, task);
    enum task_state state = sim_task_state(s, task);
    const struct trace *tr = a->tape->tr;
    struct strbuf sb;
    const struct func *fn;
    const struct vm_frame *fr;
    int line, lines, nops, next_i = -1, ops_rows, src_rows, start = 0;
    uint32_t cur_pc;
    int64_t busy;
    struct line_op ops[64];
    struct stale stale = {0, 0, 0, 0, 0};

    sb_init(&sb);
    sb_printf(&sb, "code of %s: ", tr->labels[task]);
    report_call(&sb, a->L, a->tape->scene, task);
    if (a->sel < 0 && draw_width(sb.s) + 24 < w)
        sb_puts(&sb, " · follows who runs");
    rule(y - 1, x, w, sb.s, a->focus == FOCUS_CODE);
    sb_clear(&sb);
    if (vm->nframes == 0 || state == TS_DONE || state == TS_FAILED) {
        const struct trace_span *sp = trace_span_at(tr, task, a->cursor);

        sb_printf(&sb, "%s is done", tr->labels[task]);
        if (state == TS_FAILED)
            sb_printf(&sb, ": it stopped with an error");
        else if (sp)
            sb_printf(&sb, " (its function returned at tick %lld)",
                      (long long)sp->start);
        draw_str(y, x + 1, w - 2, R_DIM, sb.s);
        sb_done(&sb);
        return;
    }
    sb_done(&sb);
    fr = &vm->frames[vm->nframes - 1];
    fn = &P->funcs[fr->fn];
    cur_pc = fr->pc;
    /* In the middle of compute(N) (or of a call that blocks the event
     * loop) the pc is already past that op: show the op still at work. */
    busy = sim_task_busy(s, task);
    if (busy > 0 && cur_pc > fn->code_start &&
        (P->code[cur_pc - 1].op == OP_COMPUTE || P->code[cur_pc - 1].op == OP_IO ||
         P->code[cur_pc - 1].op == OP_SLEEP))
        cur_pc--;
    else
        busy = 0;
    line = P->pos[cur_pc].line;
    lines = func_last_line(P, fn) - fn->line + 1;
    nops = line_ops(a, task, fn, line, cur_pc, busy > 0, ops,
                    (int)TT_ARRAY_LEN(ops));
    for (int i = 0; i < nops; i++)
        if (ops[i].pc == cur_pc) {
            next_i = i;
            ops[i].busy = busy;
        }
    find_stale(a, ops, nops, task, s, &stale);
    if (code_side(a) && h >= 3) {
        /* Source on the left; the line's bytecode and the stack on the
         * right, one under the other. */
        int ox = x + w / 2, ow = w - w / 2 - 1, oy = y;

        draw_source(a, fn, line, h < lines ? h : lines, y, x, w / 2 - 1);
        ops_rows = nops < h - 2 ? nops : h - 2;
        if (next_i >= ops_rows)
            start = next_i - ops_rows + 1;
        draw_strf(oy++, ox, ow, R_DIM, "line %d, op by op:", line);
        for (int i = 0; i < ops_rows && start + i < nops; i++)
            draw_op_row(a, &ops[start + i], start + i == next_i, task, oy++,
                        ox, ow);
        draw_stack(a, vm, fr, fn, &stale, oy, ox, ow);
        return;
    }
    /* One above the other: as much source as fits around the current
     * line, then its ops, then the stack. */
    if (h >= lines + nops + 1) {
        src_rows = lines;
        ops_rows = nops;
    } else {
        src_rows = h - 1 - nops;
        if (src_rows > 3)
            src_rows = 3;
        if (src_rows < 1)
            src_rows = 1;
        ops_rows = h - 1 - src_rows;
        if (ops_rows > nops)
            ops_rows = nops;
        if (ops_rows < 1) {
            ops_rows = h >= 2 ? 1 : 0;
            src_rows = h - 1 - ops_rows > 0 ? h - 1 - ops_rows : 0;
        }
        if (src_rows + ops_rows + 1 < h)
            src_rows = h - 1 - ops_rows;
        if (src_rows > lines)
            src_rows = lines;
    }
    draw_source(a, fn, line, src_rows, y, x, w - 1);
    if (next_i >= ops_rows)
        start = next_i - ops_rows + 1;
    for (int i = 0; i < ops_rows && start + i < nops; i++)
        draw_op_row(a, &ops[start + i], start + i == next_i, task,
                    y + src_rows + i, x + 1, w - 2);
    if (src_rows + ops_rows < h)
        draw_stack(a, vm, fr, fn, &stale, y + src_rows + ops_rows, x + 1,
                   w - 2);
}

/* ---- the memory panel ------------------------------------------------------------ */

struct mline {
    char text[200];
    int role;
};

static void madd(struct mline *m, int *n, int max, int role, const char *fmt,
                 ...) TT_PRINTF(5, 6);

static void madd(struct mline *m, int *n, int max, int role, const char *fmt,
                 ...)
{
    va_list ap;

    if (*n >= max)
        return;
    va_start(ap, fmt);
    vsnprintf(m[*n].text, sizeof(m[*n].text), fmt, ap);
    va_end(ap);
    m[*n].role = role;
    (*n)++;
}

/* The last store to global g before the cursor (bounded search). */
static const struct trace_op *last_store(const struct app *a, int g)
{
    const struct trace *tr = a->tape->tr;
    const struct program *P = a->L->prog;
    size_t k = trace_op_seek(tr, a->cursor);
    int budget = 2048;

    while (k-- > 0 && budget-- > 0) {
        const struct trace_op *op = &tr->ops[k];

        if (P->code[op->pc].op == OP_STORE_GLOBAL && P->code[op->pc].a == g)
            return op;
    }
    return NULL;
}

static void task_list(struct strbuf *sb, const struct trace *tr,
                      const int *tasks, int n)
{
    if (n == 0)
        sb_puts(sb, "none");
    for (int i = 0; i < n; i++)
        sb_printf(sb, "%s%s", i ? " " : "", tr->labels[tasks[i]]);
}

/* The shared variables and locks the scene's code can touch: the lesson
 * may declare more for its other scenes. */
static void scene_uses(const struct app *a, unsigned char *globals,
                       unsigned char *locks)
{
    const struct program *P = a->L->prog;
    const struct scene *sc = &a->L->scenes[a->tape->scene];
    unsigned char *seen = xcalloc((size_t)P->nfuncs + 1, 1);
    int *todo = xcalloc((size_t)P->nfuncs + 1, sizeof(int)), n = 0;

    for (int t = 0; t < sc->ntasks; t++)
        if (!seen[sc->tasks[t].func]) {
            seen[sc->tasks[t].func] = 1;
            todo[n++] = sc->tasks[t].func;
        }
    while (n > 0) {
        const struct func *fn = &P->funcs[todo[--n]];

        for (uint32_t i = 0; i < fn->ncode; i++) {
            const struct instr *in = &P->code[fn->code_start + i];

            if ((in->op == OP_LOAD_GLOBAL || in->op == OP_STORE_GLOBAL) &&
                in->a >= 0 && in->a < P->nglobals)
                globals[in->a] = 1;
            else if ((in->op == OP_ACQUIRE || in->op == OP_RELEASE) &&
                     in->a >= 0 && in->a < P->nlocks)
                locks[in->a] = 1;
            else if (in->op == OP_CALL && in->a >= 0 && in->a < P->nfuncs &&
                     !seen[in->a]) {
                seen[in->a] = 1;
                todo[n++] = in->a;
            }
        }
    }
    free(seen);
    free(todo);
}

static int memory_lines(struct app *a, struct mline *m, int max)
{
    struct tape *tp = a->tape;
    const struct trace *tr = tp->tr;
    const struct program *P = a->L->prog;
    const struct sim *s = tape_at(tp, a->cursor);
    int n = 0, shown = 0;
    struct strbuf sb;
    int q[LESSON_MAX_TASKS], nq, inq[LESSON_MAX_TASKS] = {0};
    int64_t when[LESSON_MAX_TASKS];
    enum mode mode = tp->cfg.mode;
    unsigned char *gl = xcalloc((size_t)P->nglobals + 1, 1);
    unsigned char *lk = xcalloc((size_t)P->nlocks + 1, 1);

    scene_uses(a, gl, lk);
    sb_init(&sb);
    /* Shared variables, the last change highlighted. */
    for (int g = 0; g < P->nglobals; g++) {
        const struct trace_op *op;
        int fresh;

        if (!gl[g])
            continue;
        op = last_store(a, g);
        fresh = op && op->t == a->cursor - 1;
        shown++;
        sb_clear(&sb);
        if (mode == MODE_PROCESSES) {
            sb_printf(&sb, "%s: main %lld", P->global_names[g],
                      (long long)sim_global(s, 0, g));
            for (int t = 0; t < tr->ntasks && t + 1 < sim_nspaces(s); t++)
                sb_printf(&sb, " · %s %lld", tr->labels[t],
                          (long long)sim_global(s, t + 1, g));
        } else {
            sb_printf(&sb, "%s = %lld", P->global_names[g],
                      (long long)sim_global(s, 0, g));
            if (op)
                sb_printf(&sb, " (by %s, tick %lld)",
                          tr->labels[op->task], (long long)op->t);
        }
        madd(m, &n, max, fresh ? R_CHANGED : R_BOLD, "%s", sb.s);
    }
    /* Locks. */
    for (int l = 0; l < P->nlocks; l++) {
        if (!lk[l])
            continue;
        shown++;
        for (int sp = 0; sp < sim_nspaces(s); sp++) {
            int owner = sim_lock_owner(s, sp, l);
            int nw = sim_lock_waiters(s, sp, l, q);

            if (sp > 0 && owner < 0 && nw == 0)
                continue;
            sb_clear(&sb);
            sb_printf(&sb, "lock %s", P->lock_names[l]);
            if (mode == MODE_PROCESSES && sp > 0)
                sb_printf(&sb, " (in %s)", tr->labels[sp - 1]);
            if (owner < 0)
                sb_puts(&sb, ": free");
            else
                sb_printf(&sb, ": %s has it", tr->labels[owner]);
            if (nw) {
                sb_puts(&sb, ", ");
                task_list(&sb, tr, q, nw);
                sb_puts(&sb, nw == 1 ? " waits" : " wait");
            }
            madd(m, &n, max, owner >= 0 ? R_BOLD : R_NORMAL, "%s", sb.s);
        }
    }
    if (!shown)
        madd(m, &n, max, R_DIM, "no shared variables or locks");
    /* The GIL. */
    if (mode == MODE_GIL) {
        int holder = -1;

        for (int cpu = 0; cpu < tr->ncpus && holder < 0; cpu++)
            holder = tape_on_cpu(tp, cpu, a->cursor);
        if (holder < 0)
            holder = sim_gil_holder(s);
        sb_clear(&sb);
        if (holder >= 0)
            sb_printf(&sb, "GIL: held by %s", tr->labels[holder]);
        else
            sb_puts(&sb, "GIL: free");
        if (sim_gil_drop_request(s))
            sb_puts(&sb, " · a waiting thread asked for it");
        madd(m, &n, max, R_BOLD, "%s", sb.s);
    }
    /* Who waits to run, in order, as it stands for this tick. */
    nq = sim_ready_queue(s, q);
    {
        int out[LESSON_MAX_TASKS], k = 0;

        for (int i = 0; i < nq; i++) {
            const struct trace_span *sp = trace_span_at(tr, q[i], a->cursor);

            if (sp && sp->state == TS_RUNNING)
                continue;
            out[k++] = q[i];
            inq[q[i]] = 1;
        }
        for (int t = 0; t < tr->ntasks; t++) {
            const struct trace_span *sp = trace_span_at(tr, t, a->cursor);

            if (!inq[t] && sp && (sp->state == TS_READY ||
                                   sp->state == TS_GIL_WAIT))
                out[k++] = t;
        }
        sb_clear(&sb);
        sb_puts(&sb, mode == MODE_GIL ? "waiting for the GIL: " :
                mode == MODE_ASYNCIO ? "loop's ready queue: " :
                mode == MODE_SEQUENTIAL ? "still to run: " : "ready queue: ");
        if (mode == MODE_SEQUENTIAL) {
            k = 0;
            for (int t = 0; t < tr->ntasks; t++) {
                const struct trace_span *sp = trace_span_at(tr, t, a->cursor);

                if (sp && (sp->state == TS_READY || sp->state == TS_NEW))
                    out[k++] = t;
            }
        }
        task_list(&sb, tr, out, k);
        madd(m, &n, max, R_NORMAL, "%s", sb.s);
    }
    /* Timers: sleeping and waiting tasks, soonest first. */
    nq = sim_timers(s, q, when);
    if (nq > 0) {
        sb_clear(&sb);
        sb_puts(&sb, mode == MODE_ASYNCIO ? "timers: " : "waiting: ");
        for (int i = 0; i < nq; i++)
            sb_printf(&sb, "%s%s until %lld", i ? " · " : "",
                      tr->labels[q[i]], (long long)when[i]);
        madd(m, &n, max, R_NORMAL, "%s", sb.s);
    }
    sb_done(&sb);
    free(gl);
    free(lk);
    return n;
}

static void draw_memory(struct app *a, int y, int x, int w, int h)
{
    struct mline m[48];
    int n = memory_lines(a, m, (int)TT_ARRAY_LEN(m));
    struct tlines t;

    rule(y - 1, x, w, "memory", 0);
    tl_init(&t);
    /* Long lines wrap, indented. */
    for (int i = 0; i < n; i++)
        wrap(&t, m[i].text, w - 2, m[i].role, 0, 2);
    for (int i = 0; i < h && (size_t)i < t.n; i++) {
        if (i == h - 1 && t.n > (size_t)h) {
            draw_str(y + i, x + 1, w - 2, R_DIM, draw_glyph(G_ELLIPSIS));
            break;
        }
        draw_tline(&t, (size_t)i, y + i, x + 1, w - 2);
    }
    tl_done(&t);
}

/* ---- the event log ---------------------------------------------------------------- */

/* One log entry's text; 0 if the event is left out. */
static int log_text(struct app *a, const struct trace_event *ev,
                    struct strbuf *out)
{
    struct tape *tp = a->tape;
    struct report r = {a->L, tp->scene, &tp->cfg, tp->tr};

    if (ev->kind == EV_START && ev->t == 0)
        return 0;   /* every task starts at 0: the log opens with that */
    if (ev->kind == EV_SWITCH && ev->reason == SW_SCHEDULE &&
        tape_by_hand(tp, ev->t)) {
        sb_printf(out, "%s switched out: you gave the next turn to %s",
                  tp->tr->labels[ev->task],
                  ev->other >= 0 ? tp->tr->labels[ev->other] : "another task");
        return 1;
    }
    return report_explain(out, &r, ev);
}

static int digits(int64_t v)
{
    int n = 1;

    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* The event log: why each switch happened, newest at the bottom.  Only
 * the entries that fit are formatted, walking back from the cursor. */
static void draw_log(struct app *a, int y, int x, int w, int h)
{
    struct tape *tp = a->tape;
    const struct trace *tr = tp->tr;
    size_t i = tape_past_events(tp, a->cursor);
    struct tlines rev;      /* lines, newest first */
    struct strbuf sb;
    int want = h + a->log_scroll, budget = 4096, nd = digits(tp->end);
    int total, top, skip = a->log_scroll;

    if (nd < 3)
        nd = 3;
    rule(y - 1, x, w, "why: the event log", a->focus == FOCUS_LOG);
    if (h <= 0)
        return;
    tl_init(&rev);
    sb_init(&sb);
    if (tape_finished(tp) && a->cursor >= tp->end) {
        struct tlines one;

        sb_printf(&sb, "%*lld  the run is over", nd, (long long)tp->end);
        if (a->L->prog->nglobals > 0) {
            sb_puts(&sb, tp->cfg.mode == MODE_PROCESSES ?
                    ": in the main program " : ": ");
            report_memory(&sb, a->L->prog, tr, 0);
        }
        sb_printf(&sb, " · makespan %lld ticks", (long long)tr->end);
        tl_init(&one);
        wrap(&one, sb.s, w - 2, R_GOOD, 0, nd + 2);
        for (size_t k = one.n; k-- > 0;)
            tl_add(&rev, tl_text(&one, k), strlen(tl_text(&one, k)), R_GOOD,
                   one.v[k].indent, 1, 0);
        tl_done(&one);
    }
    while (i-- > 0 && budget-- > 0 && (int)rev.n < want) {
        const struct trace_event *ev = &tr->events[i];
        int64_t c = tape_event_cursor(tp, ev);
        /* What the last move brought is bold. */
        int role = (a->last_ts >= 0 && c > a->last_ts && c <= a->cursor) ||
                   (a->last_ts < 0 && c == a->cursor) ? R_BOLD : R_NORMAL;
        struct tlines one;

        sb_clear(&sb);
        sb_printf(&sb, "%*lld  ", nd, (long long)ev->t);
        if (!log_text(a, ev, &sb))
            continue;
        tl_init(&one);
        wrap(&one, sb.s, w - 2, role, 0, nd + 2);
        for (size_t k = one.n; k-- > 0;)
            tl_add(&rev, tl_text(&one, k), strlen(tl_text(&one, k)), role,
                   one.v[k].indent, 1, 0);
        tl_done(&one);
    }
    total = (int)rev.n;
    if (skip > total - 1)
        skip = a->log_scroll = total > 0 ? total - 1 : 0;
    top = total - skip - h;
    if (top < 0)
        top = 0;
    for (int k = top, row = 0; k < total - skip && row < h; k++, row++) {
        size_t ri = rev.n - 1 - (size_t)k;

        draw_str(y + row, x + 1 + rev.v[ri].indent, w - 2 - rev.v[ri].indent,
                 rev.v[ri].role, tl_text(&rev, ri));
    }
    if (total == 0)
        draw_str(y, x + 1, w - 2, R_DIM, a->cursor == 0 ?
                 "nothing has happened yet: space plays, → steps" :
                 "no switch yet: every task has run without a break");
    if (skip > 0)
        draw_strf(y + h - 1, x + w - 16, 15, R_KEY, "%s %d newer",
                  draw_glyph(G_MORE_DOWN), skip);
    sb_done(&sb);
    tl_done(&rev);
}

/* ---- @compare ------------------------------------------------------------------- */

static void draw_compare(struct app *a, int y, int h)
{
    struct axis ax;
    int W = a->width, rows_full = 0, rows_cpu = 0, mode, row, y0;
    int used[TS_COUNT + 2] = {0}, stall = 0;
    struct strbuf sb;

    axis_init(a, &ax);
    for (int i = 0; i < a->ncmp; i++) {
        rows_full += 1 + a->cmp[i]->tr->ntasks + a->cmp[i]->tr->ncpus;
        rows_cpu += 1 + a->cmp[i]->tr->ncpus;
    }
    /* rule + ruler + blocks (+ a table when there is room) */
    mode = rows_full + 2 <= h ? 2 : rows_cpu + 2 <= h ? 1 : 0;
    sb_init(&sb);
    sb_printf(&sb, "compare: the same work, %d ways", a->ncmp);
    rule_right(y, 0, W, rule(y, 0, W, sb.s, a->focus == FOCUS_TIMELINE),
               "bars: time to finish");
    draw_ruler(&ax, y + 1, ax.x0);
    y0 = y + 1;
    row = y + 2;
    for (int i = 0; i < a->ncmp && row < y + h; i++) {
        struct tape *tp = a->cmp[i];
        const struct trace *tr = tp->tr;
        int64_t upto = a->cursor < tp->end ? a->cursor : tp->end;
        int done = a->cursor >= tp->end;
        int64_t rel = upto - ax.t0;
        int cols;

        draw_str(row, 1, ax.x0 - 2, R_BOLD, a->L->scenes[tp->scene].name);
        /* The bar: how long this scene has been running. */
        cols = rel <= 0 ? 0 : ax.z.cols > 1 ? (int)(rel * ax.z.cols) :
               (int)((rel + ax.z.ticks - 1) / ax.z.ticks);
        if (cols > ax.w)
            cols = ax.w;
        draw_repeat(row, ax.x0, cols, done ? R_BAR_DONE : R_BAR,
                    draw_is_ascii() ? "=" : "━");
        sb_clear(&sb);
        if (done)
            sb_printf(&sb, "%lld ticks", (long long)tp->end);
        else
            sb_printf(&sb, "%s", "running");
        draw_str(row, ax.x0 + ax.w + 1, W - ax.x0 - ax.w - 2,
                 done ? R_BAR_DONE : R_DIM, sb.s);
        add_hit(a, row, &ax, -1, i);
        row++;
        if (mode == 2)
            for (int k = 0; k < tr->ntasks && row < y + h; k++, row++) {
                draw_str(row, 3, ax.x0 - 4, draw_task_role(k), tr->labels[k]);
                ax.cursor = upto;
                draw_task_cells(&ax, tr, k, row, used);
                ax.cursor = a->cursor;
                add_hit(a, row, &ax, -1, i);
            }
        if (mode >= 1)
            for (int cpu = 0; cpu < tr->ncpus && row < y + h; cpu++, row++) {
                draw_strf(row, 3, ax.x0 - 4, R_DIM, "%s",
                          tp->cfg.mode == MODE_ASYNCIO ? "loop" : "cpu");
                if (tp->cfg.mode != MODE_ASYNCIO)
                    draw_strf(row, 6, ax.x0 - 7, R_DIM, "%d", cpu);
                if (cpu == 0) {
                    char keys[160];

                    cpu_keys(tr, keys, sizeof(keys));
                    draw_str(row, ax.x0 + ax.w + 1, W - ax.x0 - ax.w - 2,
                             R_DIM, keys);
                }
                ax.cursor = upto;
                draw_cpu_cells(&ax, tr, cpu, row, &stall);
                ax.cursor = a->cursor;
                add_hit(a, row, &ax, -1, i);
            }
    }
    draw_cursor_column(&ax, y0, row);
    /* The comparison table, if there is room. */
    if (row + a->ncmp + 2 <= y + h) {
        int64_t base = a->cmp[0]->end;

        /* scene (19) how (hw) ticks (7) speed-up (9) */
        int hw = W - 1 - 20 - 8 - 10, tx;

        if (hw > 46)
            hw = 46;
        tx = 21 + hw + 1;
        row++;
        draw_strf(row++, 1, W - 2, R_DIM, "%-19s %-*s %6s  %s", "scene", hw,
                  "how", "ticks", "speed-up");
        for (int i = 0; i < a->ncmp; i++, row++) {
            struct tape *tp = a->cmp[i];

            sb_clear(&sb);
            report_settings(&sb, &tp->cfg);
            draw_str(row, 1, 19, R_BOLD, a->L->scenes[tp->scene].name);
            draw_str(row, 21, hw, R_NORMAL, sb.s);
            if (a->cursor >= tp->end) {
                draw_strf(row, tx, 6, R_BAR_DONE, "%6lld", (long long)tp->end);
                if (i > 0 && tp->end > 0)
                    draw_strf(row, tx + 8, W - tx - 9, R_NORMAL, "%.2f%s",
                              (double)base / (double)tp->end,
                              draw_is_ascii() ? "x" : "×");
            } else {
                draw_str(row, tx, 6, R_DIM, "   ...");
            }
        }
    } else if (mode == 2 && row < y + h) {
        draw_legend(row, 1, W - 2, used, stall);
    }
    sb_done(&sb);
}

/* ---- the explorer's outcomes ------------------------------------------------------- */

/* A bar of frac (0..1) in w cells, with eighths in UTF-8. */
static void bar(int y, int x, int w, double frac, int role)
{
    static const char *const eighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊",
                                          "▉"};
    int units = (int)(frac * w * 8 + 0.5), full = units / 8;

    if (units <= 0 && frac > 0)
        units = 1;
    full = units / 8;
    if (draw_is_ascii()) {
        int n = (units + 4) / 8;

        if (n == 0 && frac > 0)
            n = 1;
        draw_repeat(y, x, n, role, "#");
        return;
    }
    draw_repeat(y, x, full, role, "█");
    if (units % 8 && full < w)
        draw_str(y, x + full, 1, role, eighths[units % 8]);
}

/* A decimal number with thousands separators: 126,410,606. */
static void thousands(struct strbuf *sb, const char *digits)
{
    size_t n = strlen(digits);

    if (strspn(digits, "0123456789") != n) {
        sb_puts(sb, digits);    /* "infinite" */
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            sb_putc(sb, ',');
        sb_putc(sb, digits[i]);
    }
}

static int explore_rows(const struct app *a)
{
    if (!a->ex)
        return 1;
    return a->ex->noutcomes + 1 + !a->ex->complete;
}

static void draw_explore(struct app *a, int y, int x, int w, int h)
{
    const struct explore_result *r = a->ex;
    struct strbuf sb;
    int label_w = 8, top = 0;
    int focused = a->focus == FOCUS_LOG;
    char status[200];

    sb_init(&sb);
    if (!r) {
        rule(y - 1, x, w, "every interleaving", focused);
        app_job_status(a, status, sizeof(status));
        draw_str(y, x + 1, w - 2, R_DIM, status[0] ? status :
                 "e explores every interleaving of this scene");
        sb_done(&sb);
        return;
    }
    sb_printf(&sb, "every interleaving: %d outcome%s of ", r->noutcomes,
              r->noutcomes == 1 ? "" : "s");
    thousands(&sb, r->schedules);
    sb_puts(&sb, " schedules");
    if (r->max_preemptions >= 0)
        sb_printf(&sb, " with at most %d preemption%s", r->max_preemptions,
                  r->max_preemptions == 1 ? "" : "s");
    rule_right(y - 1, x, w, rule(y - 1, x, w, sb.s, focused),
               focused ? "↑↓ choose · Enter runs it · e closes" :
               "Tab, then ↑↓ Enter · e closes");
    for (int i = 0; i < r->noutcomes; i++) {
        int n;

        sb_clear(&sb);
        explore_outcome_label(&sb, r, i, EXPLORE_LABEL_TERSE);
        n = draw_width(sb.s);
        if (n > label_w)
            label_w = n;
    }
    if (label_w > w / 3)
        label_w = w / 3;
    draw_strf(y, x + 4, w - 5, R_DIM, "%-*s %-20s %6s  %s", label_w,
              "outcome", "share of schedules", "", "fewest preemptions and "
              "a schedule that gives it");
    if (a->ex_sel >= top + h - 1)
        top = a->ex_sel - (h - 2);
    for (int i = top, row = 1; i < r->noutcomes && row < h; i++, row++) {
        const struct explore_outcome *o = &r->outcomes[i];
        int sel = i == a->ex_sel, cx = x + 4;
        int role = o->status == TRACE_OK ? R_NORMAL : R_BAD;

        if (sel && focused)
            draw_blank(y + row, x, w, R_CURLINE);
        draw_str(y + row, x + 1, 1, sel ? R_NEXT : R_NORMAL,
                 sel ? draw_glyph(G_ARROW) : " ");
        if (a->witness == i)
            draw_str(y + row, x + 2, 1, R_GOOD, draw_glyph(G_RIGHT));
        sb_clear(&sb);
        explore_outcome_label(&sb, r, i, EXPLORE_LABEL_TERSE);
        draw_str(y + row, cx, label_w, sel && focused ? R_CURLINE : role, sb.s);
        cx += label_w + 1;
        bar(y + row, cx, 20, o->share, R_BAR);
        cx += 21;
        sb_clear(&sb);
        if (o->infinite)
            sb_puts(&sb, "  many");
        else if (o->share < 0.001)
            sb_puts(&sb, " <0.1%");
        else
            sb_printf(&sb, "%5.1f%%", o->share * 100);
        cx += draw_str(y + row, cx, 7, R_NORMAL, sb.s) + 2;
        sb_clear(&sb);
        sb_printf(&sb, "%d  %s", o->preemptions, o->witness_text);
        draw_str(y + row, cx, x + w - cx - 1, R_DIM, sb.s);
    }
    if (!r->complete && h > r->noutcomes + 1)
        draw_strf(y + r->noutcomes + 1, x + 1, w - 2, R_DIM, "partial: the "
                  "search stopped after %lld states; shares are of the "
                  "schedules explored", (long long)r->states);
    sb_done(&sb);
}

/* ---- a real run ---------------------------------------------------------------------- */

/* "350ns", "12.5µs", "3.2ms" */
static void ns_text(char *buf, size_t n, int64_t ns)
{
    const char *us = draw_is_ascii() ? "us" : "µs";

    if (ns < 1000)
        snprintf(buf, n, "%lldns", (long long)ns);
    else if (ns < 1000000)
        snprintf(buf, n, "%.3g%s", (double)ns / 1e3, us);
    else if (ns < 1000000000)
        snprintf(buf, n, "%.3gms", (double)ns / 1e6);
    else
        snprintf(buf, n, "%.3gs", (double)ns / 1e9);
}

static int real_lines(struct app *a, struct mline *m, int max)
{
    const struct real_result *r = a->real;
    int n = 0;
    char status[200], t1[32], t2[32], t3[32];

    app_job_status(a, status, sizeof(status));
    if (status[0])
        madd(m, &n, max, R_BOLD, "%s", status);
    if (a->job_note[0])
        madd(m, &n, max, R_BAD, "%s", a->job_note);
    if (!r) {
        if (!status[0])
            madd(m, &n, max, R_DIM, "r runs this scene for real on this "
                 "machine, %d time%s, and draws the first run next to the "
                 "simulation", a->real_runs, a->real_runs == 1 ? "" : "s");
        return n;
    }
    ns_text(t1, sizeof(t1), r->wall_ns.min);
    ns_text(t2, sizeof(t2), r->wall_ns.median);
    ns_text(t3, sizeof(t3), r->wall_ns.max);
    madd(m, &n, max, R_BOLD, "%d run%s on %s%s: wall time min %s · median %s "
         "· max %s", r->runs, r->runs == 1 ? "" : "s", r->detail,
         r->traced ? ", traced" : "", t1, t2, t3);
    for (int i = 0; i < r->noutcomes; i++) {
        struct strbuf sb;

        sb_init(&sb);
        if (a->L->nshared > 0 || r->outcomes[i].status != TRACE_OK)
            real_outcome_text(&sb, a->L, r, &r->outcomes[i]);
        else
            sb_puts(&sb, "every task finished");
        madd(m, &n, max, r->outcomes[i].status == TRACE_OK ? R_NORMAL : R_BAD,
             "\x01%d\x01%s", i, sb.s);
        sb_done(&sb);
    }
    if (r->notes.s) {
        const char *p = r->notes.s;

        while (*p) {
            size_t k = strcspn(p, "\n");

            if (k)
                madd(m, &n, max, R_DIM, "%.*s", (int)k, p);
            p += k + (p[k] == '\n');
        }
    }
    return n;
}

static void draw_real_panel(struct app *a, int y, int x, int w, int h)
{
    struct mline m[40];
    int n = real_lines(a, m, (int)TT_ARRAY_LEN(m)), label_w = 8, row = 0;

    rule(y - 1, x, w, "real runs on this machine", a->focus == FOCUS_LOG);
    for (int i = 0; i < n; i++)
        if (m[i].text[0] == '\x01') {
            int lw = draw_width(strchr(m[i].text + 1, '\x01') + 1);

            if (lw > label_w)
                label_w = lw;
        }
    if (label_w > w / 3)
        label_w = w / 3;
    for (int i = 0; i < n && row < h; i++) {
        if (m[i].text[0] != '\x01') {
            /* Notes wrap, indented. */
            struct tlines t;

            tl_init(&t);
            wrap(&t, m[i].text, w - 2, m[i].role, 0, 2);
            for (size_t k = 0; k < t.n && row < h; k++, row++)
                draw_tline(&t, k, y + row, x + 1, w - 2);
            tl_done(&t);
            continue;
        }
        {
            /* An outcome: its label, a bar of its share of runs, the count. */
            int k = atoi(m[i].text + 1);
            const struct real_outcome *oc = &a->real->outcomes[k];
            double frac = a->real->runs ? (double)oc->count / a->real->runs : 0;

            draw_str(y + row, x + 3, label_w, m[i].role,
                     strchr(m[i].text + 1, '\x01') + 1);
            bar(y + row, x + 4 + label_w, 20, frac, R_BAR_DONE);
            draw_strf(y + row, x + 26 + label_w, w - label_w - 27, R_NORMAL,
                      "%5d  %3.0f%%", oc->count, frac * 100);
            row++;
        }
    }
}

/* The real run's first trace, on its own axis (nanoseconds). */
static void draw_real_timeline(struct app *a, int y, int h)
{
    const struct trace *tr = a->real ? a->real->trace : NULL;
    struct axis ax;
    int used[TS_COUNT + 2] = {0}, stall = 0, row = y + 2, W = a->width, end;
    struct strbuf sb;
    char t1[32];

    axis_init(a, &ax);
    sb_init(&sb);
    if (!tr) {
        rule(y, 0, W, "real run", 0);
        draw_str(y + 1, 1, W - 2, R_DIM, a->real ?
                 "this run was not traced: no timeline to draw" :
                 "no real run yet: r runs the scene for real");
        sb_done(&sb);
        return;
    }
    ns_text(t1, sizeof(t1), tr->end);
    sb_printf(&sb, "real run 1 of %d: %s, %s", a->real->runs, a->real->detail,
              t1);
    end = rule(y, 0, W, sb.s, 0);
    ax.t0 = 0;
    ax.z.cols = 1;
    ax.z.ticks = (tr->end + ax.w) / ax.w;
    if (ax.z.ticks < 1)
        ax.z.ticks = 1;
    ax.cursor = tr->end;
    ns_text(t1, sizeof(t1), ax.z.ticks);
    sb_clear(&sb);
    sb_printf(&sb, "%s a column", t1);
    rule_right(y, 0, W, end, sb.s);
    /* The ruler: times every 10 or so columns. */
    draw_str(y + 1, 1, ax.x0 - 1, R_DIM, "time");
    for (int c = 0; c + 8 < ax.w; c += 12) {
        ns_text(t1, sizeof(t1), (int64_t)c * ax.z.ticks);
        draw_str(y + 1, ax.x0 + c, 10, R_DIM, t1);
    }
    for (int k = 0; k < tr->ntasks && row < y + h; k++, row++) {
        draw_str(row, 1, ax.x0 - 2, draw_task_role(k), tr->labels[k]);
        draw_task_cells(&ax, tr, k, row, used);
    }
    for (int cpu = 0; cpu < tr->ncpus && row < y + h; cpu++, row++) {
        draw_strf(row, 1, ax.x0 - 2, R_DIM, "%s%d",
                  a->tape->cfg.mode == MODE_ASYNCIO ? "loop" : "cpu", cpu);
        draw_cpu_cells(&ax, tr, cpu, row, &stall);
    }
    sb_done(&sb);
}

static int real_timeline_rows(const struct app *a)
{
    const struct trace *tr = a->real ? a->real->trace : NULL;

    return tr ? 2 + tr->ntasks + tr->ncpus : 2;
}

/* ---- the lesson screen ------------------------------------------------------------ */

struct layout {
    int text_y, text_h;
    int q_y, q_h;
    int tl_y, tl_h, legend, lane_h;
    int band_y, band_h;     /* code and memory, side by side */
    int log_y, log_h;
};

/* Rows the code and memory panels would like, their rule included. */
static int band_want(struct app *a)
{
    const struct program *P = a->L->prog;
    int task = app_shown_task(a), code, mem;
    const struct sim *s = tape_at(a->tape, a->cursor);
    const struct vm *vm = sim_task_vm(s, task);
    struct mline m[48];

    if (vm->nframes > 0) {
        const struct vm_frame *fr = &vm->frames[vm->nframes - 1];
        const struct func *fn = &P->funcs[fr->fn];
        int line = P->pos[fr->pc].line, nops = 0;
        int lines = func_last_line(P, fn) - fn->line + 1;

        for (uint32_t i = 0; i < fn->ncode; i++)
            nops += P->pos[fn->code_start + i].line == line;
        code = code_side(a) ? (lines > nops + 2 ? lines : nops + 2) :
               lines + nops + 1;
    } else {
        code = 1;
    }
    mem = memory_lines(a, m, (int)TT_ARRAY_LEN(m));
    if (mem > code)
        code = mem;
    return 1 + (code > 3 ? code : 3);
}

/* Share out the rows: first what must be seen, then more of each panel. */
static void plan(struct app *a, int ntext, int nq, struct layout *lo)
{
    int H = a->height, avail = H - 3, tl = 0, band = 0, log = 0;
    int text, q = nq < 6 ? nq : 6, extra, nl = 0, want_band = 0;
    int log_want = 1 + 8;

    memset(lo, 0, sizeof(*lo));
    lo->lane_h = 1;
    if (a->tape && a->view != VIEW_SIM) {
        /* A real run: its timeline (with the simulation's above it, for
         * both), and its results where the code and the log were. */
        struct mline m[40];
        int n = real_lines(a, m, (int)TT_ARRAY_LEN(m));

        tl = real_timeline_rows(a);
        if (a->view == VIEW_BOTH)
            tl += 2 + a->tape->tr->ntasks + a->tape->tr->ncpus;
        log = 1 + (n < 3 ? n : 3);
        log_want = 1 + n;
    } else if (a->tape) {
        nl = a->tape->tr->ntasks + a->tape->tr->ncpus;
        tl = 2 + nl;
        band = 4;
        log = 2;
        want_band = band_want(a);
        if (a->ex_open) {
            /* The outcomes need their rows more than the code does. */
            int want = explore_rows(a);

            log = 1 + (want < 6 ? want : 6);
            log_want = 1 + want;
            band = 0;
        }
    } else if (a->ncmp) {
        tl = 2 + a->ncmp;
    }
    text = ntext < 2 ? ntext : 2;
    extra = avail - tl - band - log - q - text;
    if (extra < 0) {
        /* Too little room: give up the log, a question line, code rows. */
        int cut = -extra, c;

        c = log < cut ? log : cut;
        log -= c;
        cut -= c;
        c = q - 1 < cut ? q - 1 : cut;
        if (c > 0) {
            q -= c;
            cut -= c;
        }
        c = band - 2 < cut ? band - 2 : cut;
        if (c > 0) {
            band -= c;
            cut -= c;
        }
        extra = 0;  /* the rest is cut below, lanes before the text */
    }
#define GIVE(var, upto)                        \
    while (extra > 0 && (var) < (upto)) {      \
        (var)++;                               \
        extra--;                               \
    }
    if (a->tape) {
        int cap = H * 2 / 5;

        GIVE(text, ntext < 4 ? ntext : 4);
        GIVE(log, 3);
        if (a->ex_open)
            GIVE(log, log_want);
        if (band == 0 && extra >= 4) {
            band = 1;   /* room for the code again: a rule and 3 rows */
            extra--;
        }
        if (band > 0)
            GIVE(band, want_band < 6 ? want_band : 6);
        GIVE(text, ntext < cap ? ntext : cap);
        if (extra > 0) {
            lo->legend = 1;
            extra--;
        }
        GIVE(log, log_want);
        if (band > 0)
            GIVE(band, want_band);
        GIVE(log, 1 + 8);
        /* Thick task lanes read better from the back of a room. */
        for (int k = 2; k <= 3 && nl > 0; k++)
            if (extra >= a->tape->tr->ntasks * (k - 1) + 6 * k) {
                lo->lane_h = k;
                extra -= a->tape->tr->ntasks;
                tl += a->tape->tr->ntasks;
            }
        GIVE(text, ntext);
        log += extra;
    } else if (a->ncmp) {
        GIVE(text, ntext);
        tl += extra;
    } else {
        GIVE(text, ntext);
    }
#undef GIVE
    /* Never more rows than the screen has, whatever happened above. */
    for (int over = text + q + tl + lo->legend + band + log - avail;
         over > 0; over--) {
        if (log > 0)
            log--;
        else if (band > 0)
            band--;
        else if (lo->legend)
            lo->legend = 0;
        else if (tl > 6)
            tl--;       /* some lanes go: the text must stay readable */
        else if (text > 1)
            text--;
        else if (q > 1)
            q--;
        else if (tl > 0)
            tl--;
        else if (text > 0)
            text--;
        else
            q--;
    }
    lo->text_y = 2;
    lo->text_h = text;
    lo->q_y = lo->text_y + text;
    lo->q_h = q;
    lo->tl_y = lo->q_y + q;
    lo->tl_h = tl + lo->legend;
    lo->band_y = lo->tl_y + lo->tl_h;
    lo->band_h = band;
    lo->log_y = lo->band_y + band;
    lo->log_h = log;
}

static void draw_text_block(struct app *a, const struct tlines *t, int y, int h)
{
    int W = a->width, tw = text_width(W), max_scroll;

    max_scroll = (int)t->n - h;
    if (max_scroll < 0)
        max_scroll = 0;
    /* Text that does not fit gets the focus, so ↓ scrolls it at once. */
    if (a->focus_auto)
        a->focus = max_scroll > 0 ? FOCUS_TEXT : FOCUS_TIMELINE;
    if (a->text_scroll > max_scroll)
        a->text_scroll = max_scroll;
    for (int i = 0; i < h && (size_t)(i + a->text_scroll) < t->n; i++)
        draw_tline(t, (size_t)(i + a->text_scroll), y + i, 2, tw);
    if (a->text_scroll > 0)
        draw_str(y, W - 2, 1, R_KEY, draw_glyph(G_MORE_UP));
    if (a->text_scroll < max_scroll && h > 0) {
        /* Said on the title row, where it hides no text. */
        const char *more = a->focus == FOCUS_TEXT ? "more text: ↓" :
                           "more text: Tab, then ↓";
        int mw = draw_width(more);

        draw_blank(1, W - mw - 3, mw + 3, R_NORMAL);
        draw_str(1, W - mw - 2, mw + 1, R_KEY, more);
    }
}

static void draw_lesson(struct app *a)
{
    int W = a->width, H = a->height, tw = text_width(W);
    const struct page *pg = app_page(a);
    struct tlines text, qs;
    struct layout lo;

    tl_init(&text);
    tl_init(&qs);
    build_text(pg, tw, &text);
    build_questions(a, tw, &qs);
    plan(a, (int)text.n, (int)qs.n, &lo);
    a->nhits = 0;

    draw_header(a, W);
    draw_page_title(a, 1, W);
    draw_text_block(a, &text, lo.text_y, lo.text_h);
    for (int i = 0; i < lo.q_h && (size_t)i < qs.n; i++) {
        /* If the questions do not all fit, the last lines matter most. */
        size_t k = qs.n > (size_t)lo.q_h ? qs.n - (size_t)lo.q_h + (size_t)i :
                   (size_t)i;

        draw_tline(&qs, k, lo.q_y + i, 2, tw);
    }
    if (a->tape && a->view != VIEW_SIM) {
        int rt = real_timeline_rows(a), y = lo.tl_y;

        if (a->view == VIEW_BOTH) {
            int st = 2 + a->tape->tr->ntasks + a->tape->tr->ncpus;

            draw_timeline(a, y, st, 0, 1);
            y += st;
        }
        draw_real_timeline(a, y, rt);
        if (lo.log_h > 1)
            draw_real_panel(a, lo.log_y + 1, 0, W, lo.log_h - 1);
    } else if (a->tape) {
        int code_w = code_width(a), mem_w = W - code_w;

        draw_timeline(a, lo.tl_y, lo.tl_h, lo.legend, lo.lane_h);
        if (lo.band_h > 1) {
            draw_code(a, lo.band_y + 1, 0, code_w, lo.band_h - 1);
            draw_memory(a, lo.band_y + 1, code_w + 1, mem_w - 1,
                        lo.band_h - 1);
            draw_str(lo.band_y, code_w, 1, R_RULE, draw_glyph(G_TEE_DOWN));
            for (int yy = lo.band_y + 1; yy < lo.band_y + lo.band_h; yy++)
                draw_str(yy, code_w, 1, R_RULE, draw_glyph(G_VLINE));
        }
        if (lo.log_h > 1 && a->ex_open)
            draw_explore(a, lo.log_y + 1, 0, W, lo.log_h - 1);
        else if (lo.log_h > 1)
            draw_log(a, lo.log_y + 1, 0, W, lo.log_h - 1);
    } else if (a->ncmp) {
        draw_compare(a, lo.tl_y, lo.tl_h);
    }
    draw_footer(a, H - 1, W);
    tl_done(&text);
    tl_done(&qs);
}

/* ---- the lesson picker --------------------------------------------------------------- */

static void draw_picker(struct app *a)
{
    int W = a->width, H = a->height, y = 2, per = 3, visible;
    static const struct hint keys[] = {
        {"↑↓", "choose"}, {"Enter", "open"}, {"?", "help"}, {"q", "quit"},
    };

    draw_blank(0, 0, W, R_HEADER);
    draw_str(0, 1, W - 2, R_HEADER, "taketurns · lessons: how tasks take turns");
    if (a->nentries == 0) {
        draw_str(2, 2, W - 4, R_BOLD, "No lessons found.");
        draw_str(4, 2, W - 4, R_NORMAL, "taketurns looks in $TAKETURNS_LESSONS, "
                 "./lessons and the installed lessons.");
        draw_str(5, 2, W - 4, R_NORMAL, "Open one by its path: taketurns "
                 "path/to/lesson.lesson");
    }
    visible = (H - 4) / per;
    if (visible < 1)
        visible = 1;
    if (a->pick < a->pick_top)
        a->pick_top = a->pick;
    if (a->pick >= a->pick_top + visible)
        a->pick_top = a->pick - visible + 1;
    for (int i = a->pick_top; i < a->nentries && y + 1 < H - 1; i++, y += per) {
        const struct picker_entry *e = &a->entries[i];
        const struct progress_lesson *pl =
            progress_find(a->progress, progress_key(e->path));
        int sel = i == a->pick, x = 2;
        char prog[64];

        if (sel)
            draw_blank(y, 0, W, R_CURLINE);
        draw_str(y, 0, 2, sel ? R_CURLINE : R_NORMAL,
                 sel ? draw_glyph(G_ARROW) : " ");
        if (e->number >= 0)
            x += draw_strf(y, x, 4, sel ? R_CURLINE : R_BOLD, "%2d", e->number);
        x += 2;
        if (e->error)
            snprintf(prog, sizeof(prog), "does not load");
        else if (!pl || progress_pages_seen(pl) == 0)
            snprintf(prog, sizeof(prog), "not started · %d pages", e->npages);
        else
            snprintf(prog, sizeof(prog), "%d/%d pages · %d/%d right",
                     progress_pages_seen(pl) < e->npages ?
                     progress_pages_seen(pl) : e->npages, e->npages,
                     progress_right(pl), e->nasks);
        draw_str(y, x, W - x - draw_width(prog) - 3, sel ? R_CURLINE : R_TITLE,
                 e->title);
        draw_str(y, W - draw_width(prog) - 2, draw_width(prog) + 1,
                 sel ? R_CURLINE : R_DIM, prog);
        {
            /* The chosen lesson's summary in full, the others' cut short. */
            const char *about = e->error ? e->error : e->about ? e->about : "";
            struct tlines t;

            tl_init(&t);
            wrap(&t, about, W - 10, e->error ? R_BAD : sel ? R_NORMAL : R_DIM,
                 0, 0);
            if (sel && t.n > 1 && per < 4) {
                /* Room for a second line: the entries below move down. */
                draw_tline(&t, 0, y + 1, 8, W - 10);
                draw_tline(&t, 1, y + 2, 8, W - 10);
                y++;
            } else if (t.n > 0) {
                const char *l0 = tl_text(&t, 0);

                if (t.n > 1) {
                    char buf[512];

                    snprintf(buf, sizeof(buf), "%.*s%s",
                             (int)draw_fit(l0, W - 12), l0,
                             draw_glyph(G_ELLIPSIS));
                    draw_str(y + 1, 8, W - 10, t.v[0].role, buf);
                } else {
                    draw_tline(&t, 0, y + 1, 8, W - 10);
                }
            }
            tl_done(&t);
        }
    }
    draw_blank(H - 1, 0, W, R_NORMAL);
    if (a->msg[0])
        draw_str(H - 1, 1, W - 2, a->msg_bad ? R_BAD : R_BOLD, a->msg);
    else
        draw_hints(H - 1, W, keys, (int)TT_ARRAY_LEN(keys));
}

/* ---- help and too small ---------------------------------------------------------------- */

static void draw_help(struct app *a)
{
    static const char *const lines[] = {
        "space        play / pause (stops where the page stops)",
        "→ l  ← h     step one tick forward / back (a wait is one step)",
        "n  N         next / previous switch between tasks",
        "Home  End    the start / the end of the run",
        "+  -         play faster / slower",
        "PgDn  PgUp   next / previous page",
        "Enter 0-9    answer the page's question (Esc: later)",
        "m            manual: you are the scheduler - 1-9 (or a task's",
        "             letter) runs that task's next op; ← undoes;",
        "             m again hands the run back to the scheduler",
        "Tab          focus: text, timeline, code, log; ↑↓ j k act on it",
        "< >  z Z     scroll the timeline / zoom in, out",
        "mouse        click a lane to go to that tick",
        "e  r  v      explore all interleavings / real run / its view",
        "Esc          back to the list of lessons (if you came from it)",
        "?  q         this help / quit",
    };
    int W = a->width, H = a->height, bw = W - 8 > 74 ? 74 : W - 8;
    int bh = (int)TT_ARRAY_LEN(lines) + 7, x0 = (W - bw) / 2, y0;
    int used[TS_COUNT + 2];

    if (bh > H - 2)
        bh = H - 2;
    y0 = (H - bh) / 2;
    for (int y = y0; y < y0 + bh; y++)
        draw_blank(y, x0, bw, R_NORMAL);
    draw_repeat(y0, x0, bw, R_RULE_FOCUS, draw_glyph(G_HLINE));
    draw_repeat(y0 + bh - 1, x0, bw, R_RULE_FOCUS, draw_glyph(G_HLINE));
    for (int y = y0; y < y0 + bh; y++) {
        draw_str(y, x0, 1, R_RULE_FOCUS, draw_glyph(G_VLINE));
        draw_str(y, x0 + bw - 1, 1, R_RULE_FOCUS, draw_glyph(G_VLINE));
    }
    draw_str(y0, x0 + 2, bw - 4, R_RULE_FOCUS, " keys · any key closes this ");
    for (int i = 0; i < (int)TT_ARRAY_LEN(lines) && y0 + 2 + i < y0 + bh - 4;
         i++)
        draw_str(y0 + 2 + i, x0 + 2, bw - 4, R_NORMAL, lines[i]);
    for (int s = 0; s < TS_COUNT + 2; s++)
        used[s] = 1;
    draw_str(y0 + bh - 3, x0 + 2, bw - 4, R_BOLD, "on the timeline:");
    draw_legend(y0 + bh - 2, x0 + 2, bw - 4, used, 0);
}

static void draw_too_small(struct app *a)
{
    int W = a->width, H = a->height, y = H / 2 - 2;
    char line[128];

    snprintf(line, sizeof(line), "This terminal is %dx%d.", W, H);
    if (y < 0)
        y = 0;
    draw_str(y, 1, W - 2, R_BOLD, "taketurns needs at least 80x24:");
    draw_str(y + 1, 1, W - 2, R_NORMAL, line);
    draw_str(y + 2, 1, W - 2, R_NORMAL, "Make it larger, or press q to quit.");
}

void view_draw(struct app *a)
{
    erase();
    a->nhits = 0;
    if (a->width < VIEW_MIN_WIDTH || a->height < VIEW_MIN_HEIGHT) {
        draw_too_small(a);
        return;
    }
    if (a->screen == SCREEN_PICKER)
        draw_picker(a);
    else
        draw_lesson(a);
    if (a->help)
        draw_help(a);
}
