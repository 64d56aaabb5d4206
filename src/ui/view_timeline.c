/* view_timeline.c - the timelines: lanes, ruler, cursor, @compare, real runs.
 *
 * One lane per task and per CPU on a time axis (struct axis); each cell is
 * what lanes.c says of the ticks under it, so drawing costs what the
 * window shows.  The cursor column is drawn inverted across the lanes.
 */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include "ui/view_impl.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "explore.h"
#include "program.h"
#include "sync.h"
#include "real/real.h"
#include "report.h"
#include "ui/draw.h"
#include "lanes.h"
#include "vm.h"

/* ---- the timeline ------------------------------------------------------- */


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

/* The ruler's numbers; upto >= 0: only those up to that tick (while a
 * prediction waits, numbers ahead of the run would hint at its length). */
static void draw_ruler(const struct axis *ax, int y, int label_w,
                       int64_t upto)
{
    static const int steps[] = {1, 2, 5};
    int64_t step = 1;
    int last_end = -1, cur = cursor_col(ax);

    /* The axis carries meaning: never dim (it must read on a projector). */
    draw_str(y, 1, label_w - 1, R_NORMAL, "tick");
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
        if (upto >= 0 && (c0 + step - 1) / step * step > upto)
            break;
        if (c <= last_end || c + n > ax->w || (cur >= c && cur <= c + n))
            continue;
        draw_str(y, ax->x0 + c, n, R_NORMAL, num);
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
            used[LEG_PREEMPT] = 1;
        } else if (first && mark == SWK_YIELD) {
            g = draw_glyph(G_YIELD);
            role = R_YIELD;
            used[LEG_YIELD] = 1;
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

/* The number a label ends with ("Thread-3" -> 3, "D12" -> 12), the length
 * of what comes before it in *plen; -1 if it ends otherwise. */
static long label_number(const char *label, size_t *plen)
{
    size_t n = strlen(label), i = n;

    while (i > 0 && label[i - 1] >= '0' && label[i - 1] <= '9')
        i--;
    if (i == 0 || i == n || n - i > 6 || (label[i] == '0' && n - i > 1))
        return -1;
    *plen = i;
    return strtol(label + i, NULL, 10);
}

/* How many tasks from k on are a run "Thread-1 Thread-2 ..." with
 * consecutive numbers (1 if k's label is not one). */
static int label_run(const struct trace *tr, int k)
{
    size_t plen, ql;
    long v = label_number(tr->labels[k], &plen);
    int n = 1;

    if (v < 0)
        return 1;
    while (k + n < tr->ntasks &&
           label_number(tr->labels[k + n], &ql) == v + n && ql == plen &&
           strncmp(tr->labels[k + n], tr->labels[k], plen) == 0)
        n++;
    return n;
}

/* "1=T1 2=T2": which task each character of a CPU lane stands for, when
 * the labels are longer than one character ("" if they are not). Wider
 * than width, runs of numbered names fold ("2..6=Thread-1..5"), and what
 * still does not fit ends in "…". */
static void cpu_keys(const struct trace *tr, char *buf, size_t n, int width)
{
    size_t len = 0;

    buf[0] = '\0';
    if (tr->ntasks == 0 || (tr->labels[0][0] && !tr->labels[0][1] &&
                            task_char(tr, 0) == tr->labels[0][0]))
        return;
    for (int k = 0; k < tr->ntasks && len + 16 < n; k++)
        len += (size_t)snprintf(buf + len, n - len, "%s%c=%s", k ? " " : "",
                                task_char(tr, k), tr->labels[k]);
    if (draw_width(buf) <= width)
        return;
    len = 0;
    buf[0] = '\0';
    for (int k = 0; k < tr->ntasks;) {
        int run = label_run(tr, k);
        char one[96];
        size_t plen;

        if (run >= 3) {
            label_number(tr->labels[k], &plen);
            snprintf(one, sizeof(one), "%s%c..%c=%s..%s", k ? " " : "",
                     task_char(tr, k), task_char(tr, k + run - 1),
                     tr->labels[k], tr->labels[k + run - 1] + plen);
        } else {
            run = 1;
            snprintf(one, sizeof(one), "%s%c=%s", k ? " " : "",
                     task_char(tr, k), tr->labels[k]);
        }
        k += run;
        if ((int)(draw_width(buf) + draw_width(one)) +
            (k < tr->ntasks ? 2 : 0) > width || len + strlen(one) + 4 >= n) {
            snprintf(buf + len, n - len, " %s", draw_glyph(G_ELLIPSIS));
            return;
        }
        len += (size_t)snprintf(buf + len, n - len, "%s", one);
    }
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

void view_lane_state_text(struct tape *tp, int k, int64_t t, char *buf,
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
        else if (sim_task_pool_wait(s, k) >= 0)
            snprintf(buf, n, "waits in result()");
        else if (sim_task_pool_wait(s, k) == -2)
            snprintf(buf, n, "waits for a job");
        else if (sim_task_shutdown(s, k) >= 0)
            snprintf(buf, n, "waits in shutdown()");
        else if (sim_task_join(s, k) >= 0)
            /* in the words of the call it waits in, t.join() or await t */
            snprintf(buf, n, tp->cfg.mode == MODE_ASYNCIO ? "awaits %s" :
                     "joins %s",
                     tp->L->scenes[tp->scene].tasks[sim_task_join(s, k)].label);
        else
            snprintf(buf, n, "waiting");
        break;
    case TS_LOCK_WAIT:
        snprintf(buf, n, "waits for %s %s",
                 sp->arg >= 0 && sp->arg < tp->L->prog->nlocks &&
                 tp->L->prog->lock_kind[sp->arg] != SYNC_LOCK &&
                 tp->L->prog->lock_kind[sp->arg] != SYNC_ALOCK ?
                 sync_kind_info[tp->L->prog->lock_kind[sp->arg]].name : "lock",
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

/* One entry of the legend at *col on *y, or on the next of rows rows
 * when the row is full; 0 when there is no room left. */
struct legend_pen {
    int x, w, y, col, rows;
};

static int legend_item(struct legend_pen *p, const char *glyph, int role,
                       const char *name)
{
    int need = draw_width(glyph) + 1 + draw_width(name) + 2;

    if (p->col + need > p->x + p->w) {
        if (p->rows <= 1)
            return 0;
        p->rows--;
        p->y++;
        p->col = p->x;
    }
    p->col += draw_str(p->y, p->col, 1, role, glyph) + 1;
    /* The legend carries meaning: not dim, so it reads on a projector. */
    p->col += draw_str(p->y, p->col, p->w, R_NORMAL, name) + 2;
    return 1;
}

void view_legend(int y, int x, int w, int rows, const int *used, int stall)
{
    static const int order[] = {TS_RUNNING, TS_READY, TS_GIL_WAIT, TS_BLOCKED,
                                TS_LOCK_WAIT, TS_STARTING, TS_FAILED};
    struct legend_pen p = {x, w, y, x, rows};

    for (size_t i = 0; i < TT_ARRAY_LEN(order); i++) {
        int s = order[i];
        const char *name = s == TS_BLOCKED ? "waiting (sleep, I/O)" :
                           task_state_info[s].name;

        if (!used[s] && s != TS_RUNNING)
            continue;
        if (!legend_item(&p, draw_state_glyph(s), draw_state_role(s), name))
            return;
    }
    if (used[LEG_PART] &&
        !legend_item(&p, draw_state_glyph(LANE_PART), draw_state_role(LANE_PART),
                     "ran part of the column"))
        return;
    if (used[LEG_PREEMPT] &&
        !legend_item(&p, draw_glyph(G_PREEMPT), R_PREEMPT, "preempted"))
        return;
    if (used[LEG_YIELD] &&
        !legend_item(&p, draw_glyph(G_YIELD), R_YIELD, "yielded"))
        return;
    if ((stall & 1) && !legend_item(&p, "~", R_BOLD, "loop blocked by a call"))
        return;
    if ((stall & 2) && !legend_item(&p, "*", R_BOLD, "several tasks"))
        return;
    if (p.col + 18 > x + w && p.rows > 1) {
        p.y++;
        p.col = x;
    }
    if (p.col + 18 <= x + w) {
        draw_str(p.y, p.col, 1, R_CURSOR, " ");
        draw_str(p.y, p.col + 2, w, R_NORMAL, "the current tick");
    }
}

static void axis_init(struct app *a, struct axis *ax)
{
    ax->x0 = app_lane_x0(a);
    ax->w = app_lane_width(a);
    ax->t0 = a->view_t0;
    ax->z = app_zoom(a);
    ax->cursor = a->cursor;
    a->lane_x0 = ax->x0;
}

/* The timeline of the page's scene: rows [y, y + h). */
/* The timeline's title at a level of brevity: 0 in full, 1 the brief
 * settings, 2 the mode and the runtime it models alone. Who chose the turns
 * (by hand, or an explorer's schedule) is kept at every level. */
static void timeline_title(const struct app *a, int level, struct strbuf *sb)
{
    const struct tape *tp = a->tape;
    const struct scene_config *c = &tp->cfg;
    int manual = tp->manual_from >= 0, witness = a->witness >= 0 && a->ex;

    sb_printf(sb, "scene %s: ", a->L->scenes[tp->scene].name);
    if (level == 0)
        report_settings(sb, c);
    else if (level == 1 && (c->mode == MODE_GIL || c->mode == MODE_THREADS))
        report_settings_brief(sb, c);
    else if (c->mode == MODE_THREADS)
        sb_puts(sb, "threads (no GIL)");
    else
        sb_printf(sb, "%s (%s)", mode_name(c->mode), report_runtime_short(c));
    if (manual)
        sb_printf(sb, " · %s from tick %lld",
                  level == 0 ? "turns chosen by hand" : "by hand",
                  (long long)tp->manual_from);
    else if (witness)
        sb_printf(sb, " · schedule %s",
                  a->ex->outcomes[a->witness].witness_text);
}

void view_timeline(struct app *a, int y, int h, int legend, int lane_h)
{
    struct tape *tp = a->tape;
    const struct trace *tr = tp->tr;
    struct axis ax;
    struct strbuf sb;
    int used[LEG_COUNT] = {0}, stall = 0, y0, row, shown, end;
    int W = a->width, state_x, keys_below = 0;
    char zoom[48];

    axis_init(a, &ax);
    state_x = ax.x0 + ax.w + 1;
    if (ax.z.cols > 1)
        snprintf(zoom, sizeof(zoom), "%d columns a tick", ax.z.cols);
    else
        snprintf(zoom, sizeof(zoom), "%lld tick%s a column",
                 (long long)ax.z.ticks, ax.z.ticks == 1 ? "" : "s");
    /* The scale reads every column of the chart: the title gets briefer
     * until it fits beside it, down to the mode and what it models. */
    sb_init(&sb);
    for (int level = 0; level < 3; level++) {
        sb_clear(&sb);
        timeline_title(a, level, &sb);
        if (draw_width(sb.s) + draw_width(zoom) + 8 < W)
            break;
    }
    end = view_rule(y, 0, W, sb.s, a->focus == FOCUS_TIMELINE);
    view_rule_right(y, 0, W, end, zoom);
    sb_done(&sb);
    draw_ruler(&ax, y + 1, ax.x0, app_pending_ask(a, NULL) ? a->cursor : -1);
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
            view_lane_state_text(tp, k, a->cursor, st, sizeof(st));
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
        draw_str(row, 1, ax.x0 - 2, R_NORMAL, name);
        if (state_x < W - 4 && cpu == 0) {
            char keys[160];

            /* Cut short, the keys move to the legend's row if there is one. */
            cpu_keys(tr, keys, sizeof(keys), W - state_x - 1);
            keys_below = legend && row + 1 < y + h && keys[0] &&
                         strstr(keys, draw_glyph(G_ELLIPSIS)) != NULL;
            if (!keys_below)
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

        cpu_keys(tr, keys, sizeof(keys), (W - 2) / 2);
        if (keys[0] && (state_x >= W - 4 || keys_below)) {
            lw -= draw_width(keys) + 2;
            draw_str(row, W - draw_width(keys) - 1, draw_width(keys), R_DIM,
                     keys);
        }
        view_legend(row, 1, lw, 1, used, stall);
    }
}

/* ---- @compare ----------------------------------------------------------- */

/* A scene's name in w columns: cut from the front when it does not fit
 * ("…ng_library_asyncio"), since compared scenes often share a prefix and
 * differ at the end. */
static void draw_scene_name(int y, int x, int w, int role, const char *name)
{
    const char *tail = name;

    if (draw_width(name) <= w) {
        draw_str(y, x, w, role, name);
        return;
    }
    while (*tail && draw_width(tail) > w - 1)
        tail++;
    x += draw_str(y, x, 1, role, draw_glyph(G_ELLIPSIS));
    draw_str(y, x, w - 1, role, tail);
}

void view_compare(struct app *a, int y, int h)
{
    struct axis ax;
    int W = a->width, rows_full = 0, rows_cpu = 0, mode, row, y0;
    int used[LEG_COUNT] = {0}, stall = 0;
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
    view_rule_right(y, 0, W,
                    view_rule(y, 0, W, sb.s, a->focus == FOCUS_TIMELINE),
                    "bars: time to finish");
    draw_ruler(&ax, y + 1, ax.x0, app_pending_ask(a, NULL) ? a->cursor : -1);
    y0 = y + 1;
    row = y + 2;
    for (int i = 0; i < a->ncmp && row < y + h; i++) {
        struct tape *tp = a->cmp[i];
        const struct trace *tr = tp->tr;
        int64_t upto = a->cursor < tp->end ? a->cursor : tp->end;
        int done = a->cursor >= tp->end;
        int64_t rel = upto - ax.t0;
        int cols;

        draw_scene_name(row, 1, ax.x0 - 2, R_BOLD, a->L->scenes[tp->scene].name);
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

                    cpu_keys(tr, keys, sizeof(keys), W - ax.x0 - ax.w - 2);
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
        /* scene (as wide as the longest name) how (hw) ticks (7)
         * speed-up (9) */
        int sw = 5, hw, tx;

        for (int i = 0; i < a->ncmp; i++) {
            int n = draw_width(a->L->scenes[a->cmp[i]->scene].name);

            sw = n > sw ? n : sw;
        }
        sw = sw > 19 ? 19 : sw;
        hw = W - 1 - (sw + 1) - 8 - 10;
        if (hw > 56)
            hw = 56;
        tx = 1 + sw + 1 + hw + 1;
        row++;
        draw_strf(row++, 1, W - 2, R_DIM, "%-*s %-*s %6s  %s", sw, "scene",
                  hw, "how", "ticks", "speed-up");
        for (int i = 0; i < a->ncmp; i++, row++) {
            struct tape *tp = a->cmp[i];

            sb_clear(&sb);
            report_settings(&sb, &tp->cfg);
            if (draw_width(sb.s) > hw) {
                sb_clear(&sb);
                report_settings_brief(&sb, &tp->cfg);
            }
            draw_scene_name(row, 1, sw, R_BOLD, a->L->scenes[tp->scene].name);
            draw_str(row, 1 + sw + 1, hw, R_NORMAL, sb.s);
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
        view_legend(row, 1, W - 2, 1, used, stall);
    }
    sb_done(&sb);
}

/* ---- a real run --------------------------------------------------------- */

/* The real run shown (the median run, or the one [ ] chose),
 * on its own axis (nanoseconds, app_real_axis: from its first op, zoomed
 * and scrolled by the real view's keys). */
void view_real_timeline(struct app *a, int y, int h)
{
    int run = 0;
    const struct trace *tr = app_real_trace(a, &run);
    struct axis ax;
    int used[LEG_COUNT] = {0}, stall = 0, row = y + 2, W = a->width, end;
    struct strbuf sb;
    char t1[32], t2[32];
    int64_t first;

    axis_init(a, &ax);
    sb_init(&sb);
    if (!tr) {
        view_rule(y, 0, W, "real run", 0);
        draw_str(y + 1, 1, W - 2, R_DIM, a->real ?
                 "this run was not traced: no timeline to draw" :
                 "no real run yet: r runs the scene for real");
        sb_done(&sb);
        return;
    }
    view_ns_text(t1, sizeof(t1), a->real->walls[run]);
    view_ns_text(t2, sizeof(t2), a->real->wall_ns.median);
    sb_printf(&sb, "real run %d of %d: ", run + 1, a->real->runs);
    if (app_real_why(a, &sb) == 1)
        sb_printf(&sb, ", %s · %s", t1, a->real->detail);
    else
        sb_printf(&sb, ", %s (median %s) · %s", t1, t2, a->real->detail);
    end = view_rule(y, 0, W, sb.s, 0);
    app_real_axis(a, ax.w, &ax.t0, &ax.z.ticks, &first);
    ax.z.cols = 1;
    ax.cursor = tr->end;
    view_ns_text(t1, sizeof(t1), ax.z.ticks);
    sb_clear(&sb);
    sb_printf(&sb, "%s a column", t1);
    view_rule_right(y, 0, W, end, sb.s);
    /* The ruler: times every 12 columns, from the run's first op (small
     * numbers stay exact when zoomed in). */
    draw_str(y + 1, 1, ax.x0 - 1, R_DIM, "time");
    for (int c = 0; c + 8 < ax.w; c += 12) {
        view_ns_text(t1, sizeof(t1), ax.t0 - first + (int64_t)c * ax.z.ticks);
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

int view_real_timeline_rows(const struct app *a)
{
    const struct trace *tr = app_real_trace(a, NULL);

    return tr ? 2 + tr->ntasks + tr->ncpus : 2;
}

