/* svg.c - a timeline as an SVG picture (see svg.h). */
#include "svg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lanes.h"
#include "report.h"

/* ---- geometry ------------------------------------------------------------ */

enum {
    MARGIN = 12,
    ROW = 20,           /* a lane */
    CELL_Y = 3,         /* a cell's top in its lane */
    CELL_H = 14,
    CHAR_PX = 8,        /* a character of the 13px monospace font */
    HEAD = 22,          /* a run's heading */
    LEGEND_ROW = 20,
};

static const char *const task_colours[] = {
    "#007f9f", "#a0308f", "#8a6d00", "#2f7f2f", "#2f4fbf", "#bf2f2f",
};

/* What a state looks like: fill ("" none), glyph ("" none), glyph colour. */
struct look {
    const char *fill, *glyph, *ink, *name;
};

static struct look state_look(int st)
{
    static const struct look looks[TS_COUNT] = {
        [TS_NEW] = {"", "", "", ""},
        [TS_STARTING] = {"#efd9f2", "+", "#7f1f7f", "starting"},
        [TS_READY] = {"", "·", "#202020", "ready"},
        [TS_RUNNING] = {"#2f8f3a", "", "", "running"},
        [TS_GIL_WAIT] = {"url(#gil)", "", "", "GIL wait"},
        [TS_BLOCKED] = {"#d4eef4", "~", "#005f7f", "waiting (sleep, I/O)"},
        [TS_LOCK_WAIT] = {"#f6d0d0", "L", "#a00000", "lock wait"},
        [TS_DONE] = {"", "", "", ""},
        [TS_FAILED] = {"#c00000", "X", "#ffffff", "failed"},
    };
    static const struct look part = {"#2f8f3a", "", "",
                                     "ran part of the column"};

    if (st == LANE_PART)
        return part;
    return st >= 0 && st < TS_COUNT ? looks[st] : looks[TS_NEW];
}

/* ---- writing ---------------------------------------------------------------- */

static void esc(struct strbuf *out, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '&': sb_puts(out, "&amp;"); break;
        case '<': sb_puts(out, "&lt;"); break;
        case '>': sb_puts(out, "&gt;"); break;
        case '"': sb_puts(out, "&quot;"); break;
        default: sb_putc(out, *s);
        }
}

static void text(struct strbuf *out, int x, int y, const char *attrs,
                 const char *s)
{
    sb_printf(out, "<text x=\"%d\" y=\"%d\"%s%s>", x, y, *attrs ? " " : "",
              attrs);
    esc(out, s);
    sb_puts(out, "</text>\n");
}

/* The fill of a cell of state st at x, lane top y, w wide (a run of
 * cells of one state is one rect, with no seams between them). */
static void fill(struct strbuf *out, int st, int x, int y, int w)
{
    struct look lk = state_look(st);

    if (st == LANE_PART)
        sb_printf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                  "fill=\"%s\"/>\n", x, y + CELL_Y + CELL_H / 2, w,
                  CELL_H - CELL_H / 2, lk.fill);
    else if (*lk.fill)
        sb_printf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                  "fill=\"%s\"/>\n", x, y + CELL_Y, w, CELL_H, lk.fill);
}

/* The glyph of state st (if it has one) centred in [x, x + w). */
static void glyph(struct strbuf *out, int st, int x, int y, int w)
{
    struct look lk = state_look(st);
    char attrs[96];

    if (!*lk.glyph)
        return;
    snprintf(attrs, sizeof(attrs), "class=\"g\" fill=\"%s\"", lk.ink);
    text(out, x + w / 2, y + CELL_Y + CELL_H - 3, attrs, lk.glyph);
}

/* A cell, or a legend swatch. */
static void cell(struct strbuf *out, int st, int x, int y, int w)
{
    fill(out, st, x, y, w);
    glyph(out, st, x, y, w);
}

/* The letter of task k on a CPU lane, as on screen: its one-letter label,
 * else its number. */
static char task_char(const struct trace *tr, int k)
{
    for (int t = 0; t < tr->ntasks; t++)
        if (!tr->labels[t][0] || tr->labels[t][1])
            return k < 9 ? (char)('1' + k) : (char)('a' + k - 9);
    return tr->labels[k][0];
}

void svg_view_whole(struct svg_view *v, int64_t end)
{
    if (end < 1)
        end = 1;
    v->t0 = 0;
    v->per = (end + SVG_MAX_COLS - 1) / SVG_MAX_COLS;
    v->cols = (int)((end + v->per - 1) / v->per);
    v->col_px = SVG_COL_PX;
    v->cursor = -1;
}

/* ---- the picture ---------------------------------------------------------- */

struct pen {
    struct strbuf *out;
    const struct svg_view *v;
    int x0;             /* the axis's first pixel */
    int used[TS_COUNT + 1], marks[SWK_COUNT], idle, mixed;
};

static int col_x(const struct pen *p, int c)
{
    return p->x0 + c * p->v->col_px;
}

static void draw_axis(struct pen *p, int y)
{
    static const int steps[] = {1, 2, 5};
    const struct svg_view *v = p->v;
    int64_t step = 1;

    for (int i = 0; i < 40; i++) {
        int64_t m = 1;

        for (int k = 0; k < i / 3; k++)
            m *= 10;
        step = steps[i % 3] * m;
        if (step * v->col_px / v->per >= 48)
            break;
    }
    text(p->out, MARGIN, y + 14, "class=\"l\"", "tick");
    for (int64_t t = (v->t0 + step - 1) / step * step;
         t < v->t0 + (int64_t)v->cols * v->per; t += step) {
        int x = p->x0 + (int)((t - v->t0) * v->col_px / v->per);
        char num[24];

        snprintf(num, sizeof(num), "%lld", (long long)t);
        sb_printf(p->out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                  "class=\"a\"/>\n", x, y + 16, x, y + 20);
        text(p->out, x, y + 12, "class=\"n\"", num);
    }
}

static void draw_task_lane(struct pen *p, const struct svg_run *r, int k,
                           int y)
{
    const struct svg_view *v = p->v;
    int *st = xcalloc((size_t)v->cols + 1, sizeof(int));
    int *mark = xcalloc((size_t)v->cols + 1, sizeof(int));
    int n = 0;

    text(p->out, MARGIN, y + ROW - 6, "class=\"l\"", r->tr->labels[k]);
    for (; n < v->cols; n++) {
        int64_t c0 = v->t0 + (int64_t)n * v->per, c1 = c0 + v->per;

        if (c0 >= r->upto)
            break;
        if (c1 > r->upto)
            c1 = r->upto;
        st[n] = lane_task_cell(r->tr, k, c0, c1, &mark[n]);
        p->used[st[n]] = 1;
        if (v->per > 5)
            mark[n] = SWK_NONE; /* zoomed out, every column would have one */
    }
    for (int c = 0, run; c < n; c += run) {
        for (run = 1; c + run < n && st[c + run] == st[c]; run++)
            ;
        fill(p->out, st[c], col_x(p, c), y, run * v->col_px);
    }
    for (int c = 0; c < n; c++) {
        int x = col_x(p, c) + v->col_px / 2, ty = y + CELL_Y + CELL_H - 3;

        if (mark[c] == SWK_PREEMPT || mark[c] == SWK_YIELD) {
            p->marks[mark[c]] = 1;
            text(p->out, x, ty, mark[c] == SWK_PREEMPT ?
                 "class=\"m\" fill=\"#c00000\"" :
                 "class=\"m\" fill=\"#a0308f\"",
                 mark[c] == SWK_PREEMPT ? "!" : "»");
        } else {
            glyph(p->out, st[c], col_x(p, c), y, v->col_px);
        }
    }
    free(st);
    free(mark);
}

static void draw_cpu_lane(struct pen *p, const struct svg_run *r, int cpu,
                          int y)
{
    const struct svg_view *v = p->v;
    char name[16];

    snprintf(name, sizeof(name), r->cfg->mode == MODE_ASYNCIO ? "loop" :
             "cpu%d", cpu);
    text(p->out, MARGIN, y + ROW - 6, "class=\"l\"", name);
    for (int c = 0; c < v->cols; c++) {
        int64_t c0 = v->t0 + (int64_t)c * v->per, c1 = c0 + v->per;
        int stalled, t;
        char ch[2] = {0, 0}, attrs[64];

        if (c0 >= r->upto || c0 >= r->tr->end)
            break;
        if (c1 > r->upto)
            c1 = r->upto;
        t = lane_cpu_cell(r->tr, cpu, c0, c1, &stalled);
        if (t == LANE_IDLE) {
            p->idle = 1;
            snprintf(attrs, sizeof(attrs), "class=\"g\" fill=\"#909090\"");
            ch[0] = '-';
        } else if (t == LANE_MIXED) {
            p->mixed = 1;
            snprintf(attrs, sizeof(attrs), "class=\"m\" fill=\"#202020\"");
            ch[0] = '*';
        } else {
            snprintf(attrs, sizeof(attrs), "class=\"m\" fill=\"%s\"",
                     task_colours[t % (int)TT_ARRAY_LEN(task_colours)]);
            ch[0] = stalled ? '~' : task_char(r->tr, t);
        }
        text(p->out, col_x(p, c) + v->col_px / 2, y + CELL_Y + CELL_H - 3,
             attrs, ch);
    }
}

/* The legend: each glyph used, with its meaning; returns its height. */
static int draw_legend(struct pen *p, int y, int width)
{
    static const int order[] = {TS_RUNNING, LANE_PART, TS_READY, TS_GIL_WAIT,
                                TS_BLOCKED, TS_LOCK_WAIT, TS_STARTING,
                                TS_FAILED};
    int x = MARGIN, rows = 1;

#define ITEM(draw_swatch, name)                                            \
    do {                                                                   \
        int need_ = 24 + (int)strlen(name) * CHAR_PX + 16;                 \
        if (x + need_ > width - MARGIN && x > MARGIN) {                    \
            x = MARGIN;                                                    \
            y += LEGEND_ROW;                                               \
            rows++;                                                        \
        }                                                                  \
        draw_swatch;                                                       \
        text(p->out, x + 20, y + ROW - 6, "class=\"t\"", name);            \
        x += need_;                                                        \
    } while (0)
    for (size_t i = 0; i < TT_ARRAY_LEN(order); i++)
        if (p->used[order[i]])
            ITEM(cell(p->out, order[i], x, y, 14), state_look(order[i]).name);
    if (p->marks[SWK_PREEMPT])
        ITEM(text(p->out, x + 7, y + ROW - 6, "class=\"m\" fill=\"#c00000\"",
                  "!"), "preempted");
    if (p->marks[SWK_YIELD])
        ITEM(text(p->out, x + 7, y + ROW - 6, "class=\"m\" fill=\"#a0308f\"",
                  "»"), "yielded");
    if (p->mixed)
        ITEM(text(p->out, x + 7, y + ROW - 6, "class=\"m\" fill=\"#202020\"",
                  "*"), "several tasks on the CPU");
    if (p->idle)
        ITEM(text(p->out, x + 7, y + ROW - 6, "class=\"g\" fill=\"#909090\"",
                  "-"), "idle CPU");
#undef ITEM
    return rows * LEGEND_ROW;
}

/* Characters (not bytes) in a UTF-8 string. */
static int utf8_chars(const char *s)
{
    int n = 0;

    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void heading(struct strbuf *out, const struct svg_run *r)
{
    sb_printf(out, "scene %s: ", r->L->scenes[r->scene].name);
    report_settings(out, r->cfg);
}

void svg_timeline(struct strbuf *out, const struct svg_view *v,
                  const struct svg_run *runs, int n)
{
    struct strbuf body, line;
    struct pen p;
    int label = 5, width, y, height;

    memset(&p, 0, sizeof(p));
    for (int i = 0; i < n; i++)
        for (int k = 0; k < runs[i].tr->ntasks; k++)
            if ((int)strlen(runs[i].tr->labels[k]) > label)
                label = (int)strlen(runs[i].tr->labels[k]);
    p.v = v;
    p.x0 = MARGIN + label * CHAR_PX + 12;
    width = p.x0 + v->cols * v->col_px + MARGIN;
    if (width < 480)
        width = 480;
    sb_init(&body);
    sb_init(&line);
    /* Wide enough for the headings too. */
    for (int i = 0; i < n; i++) {
        sb_clear(&line);
        heading(&line, &runs[i]);
        if (2 * MARGIN + utf8_chars(line.s) * CHAR_PX > width)
            width = 2 * MARGIN + utf8_chars(line.s) * CHAR_PX;
    }
    p.out = &body;
    y = MARGIN;
    if (n > 0)
        text(&body, MARGIN, y + 14, "class=\"h\"", runs[0].L->title);
    y += HEAD;
    draw_axis(&p, y);
    y += ROW + 4;
    for (int i = 0; i < n; i++) {
        const struct svg_run *r = &runs[i];
        int top = y;

        sb_clear(&line);
        heading(&line, r);
        text(&body, MARGIN, y + 14, "class=\"s\"", line.s);
        y += HEAD;
        top = y;
        for (int k = 0; k < r->tr->ntasks; k++, y += ROW)
            draw_task_lane(&p, r, k, y);
        for (int cpu = 0; cpu < r->tr->ncpus; cpu++, y += ROW)
            draw_cpu_lane(&p, r, cpu, y);
        if (v->cursor >= v->t0 && v->cursor < v->t0 + (int64_t)v->cols * v->per) {
            int x = p.x0 + (int)((v->cursor - v->t0) * v->col_px / v->per);

            sb_printf(&body, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                      "class=\"c\"/>\n", x, top, x, y);
        }
        y += 6;
    }
    y += 4;
    y += draw_legend(&p, y, width);
    height = y + MARGIN;
    sb_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
              "height=\"%d\" viewBox=\"0 0 %d %d\">\n", width, height, width,
              height);
    sb_puts(out, "<defs>\n"
            "<pattern id=\"gil\" width=\"4\" height=\"4\" "
            "patternUnits=\"userSpaceOnUse\">"
            "<rect width=\"4\" height=\"4\" fill=\"#f7ecb0\"/>"
            "<path d=\"M0 4L4 0\" stroke=\"#8a6d00\" stroke-width=\"1\"/>"
            "</pattern>\n"
            "<style>\n"
            "text { font-family: monospace; font-size: 13px; }\n"
            ".h { font-size: 15px; font-weight: bold; }\n"
            ".s { font-weight: bold; }\n"
            ".l { font-weight: bold; }\n"
            ".n { font-size: 11px; text-anchor: middle; }\n"
            ".g, .m { text-anchor: middle; }\n"
            ".m { font-weight: bold; }\n"
            ".a { stroke: #000; }\n"
            ".c { stroke: #c00000; stroke-width: 2; stroke-dasharray: 4 2; }\n"
            "</style>\n</defs>\n");
    sb_printf(out, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
              width, height);
    sb_add(out, body.s ? body.s : "", body.len);
    sb_puts(out, "</svg>\n");
    sb_done(&body);
    sb_done(&line);
}

int svg_write_file(const char *path, const struct svg_view *v,
                   const struct svg_run *runs, int n, struct strbuf *err)
{
    struct strbuf out;
    FILE *f = fopen(path, "w");
    int bad;

    if (!f) {
        sb_printf(err, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    sb_init(&out);
    svg_timeline(&out, v, runs, n);
    fwrite(out.s, 1, out.len, f);
    sb_done(&out);
    bad = ferror(f);
    if ((fclose(f) != 0) | bad) {
        sb_printf(err, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
