/* view_impl.h - what the view's files share (view.c, view_text.c,
 * view_timeline.c, view_panels.c); nothing outside src/ui/view*.c uses it.
 *
 * view.c lays the screen out and draws the header, text, footer, picker
 * and help; the timelines and the panels under them draw into the rows it
 * gives them.  All of them draw on stdscr through draw.h.
 */
#ifndef TT_UI_VIEW_IMPL_H
#define TT_UI_VIEW_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "ui/view.h"
#include "util.h"

/* ---- wrapped text (view_text.c) ----------------------------------------- */

struct tline {
    size_t off;         /* into tlines.buf */
    int role;
    int indent;
    int pre;            /* preformatted: no `code` markup */
    int code;           /* the line starts inside `code` */
};

/* Lines of text, wrapped to a width; the text lives in buf. */
struct tlines {
    struct tline *v;
    size_t n, cap;
    struct strbuf buf;
};

void tl_init(struct tlines *t);
void tl_done(struct tlines *t);
void tl_add(struct tlines *t, const char *s, size_t n, int role, int indent,
            int pre, int code);
const char *tl_text(const struct tlines *t, size_t i);
/* Word-wrap text to width columns; hang: the indent of lines after the
 * first.  Backticks mark `code`. */
void tl_wrap(struct tlines *t, const char *text, int width, int role,
             int indent, int hang);
/* Draw line i at (y, x), w columns at most. */
void tl_draw(const struct tlines *t, size_t i, int y, int x, int w);

/* A horizontal rule with a title near its left end; returns the column
 * after the title.  view_rule_right adds text at its right end if it fits
 * after column from. */
int view_rule(int y, int x, int w, const char *title, int focused);
void view_rule_right(int y, int x, int w, int from, const char *text);
/* "350ns", "12.5µs", "3.2ms". */
void view_ns_text(char *buf, size_t n, int64_t ns);

/* ---- timelines (view_timeline.c) ---------------------------------------- */

/* Columns [x0, x0 + w) show ticks from t0 at zoom z. */
struct axis {
    int x0, w;              /* columns of the time axis */
    int64_t t0;             /* first tick shown */
    struct zoom z;
    int64_t cursor;
};

/* The page's scene: a rule, the ruler, the lanes (lane_h rows per task),
 * and a legend row if legend. */
void view_timeline(struct app *a, int y, int h, int legend, int lane_h);
/* What task k is doing at tick t, as its lane's label says it ("waits for
 * lock b", "done at 17"). */
void view_lane_state_text(struct tape *tp, int k, int64_t t, char *buf,
                          size_t n);
/* The scenes of an @compare page, with their makespans as bars. */
void view_compare(struct app *a, int y, int h);
/* The first real run's trace, on its own axis; its rows. */
void view_real_timeline(struct app *a, int y, int h);
int view_real_timeline_rows(const struct app *a);
/* What the glyphs mean, on up to rows rows: used[s] for each state drawn,
 * used[LEG_PART] for a cell where a task ran part of the time,
 * used[LEG_PREEMPT] and [LEG_YIELD] for the marks; stall: bit 1 a blocked
 * loop, bit 2 a CPU column shared by several tasks. */
enum { LEG_PART = TS_COUNT, LEG_PREEMPT, LEG_YIELD, LEG_COUNT };
void view_legend(int y, int x, int w, int rows, const int *used, int stall);

/* ---- panels (view_panels.c) --------------------------------------------- */

int view_code_width(const struct app *a);
/* Rows the code and memory panels would like, their rule included. */
int view_band_want(struct app *a);
void view_code(struct app *a, int y, int x, int w, int h);
void view_memory(struct app *a, int y, int x, int w, int h);
void view_log(struct app *a, int y, int x, int w, int h);
/* The explorer's outcomes, and the rows they would like. */
void view_explore(struct app *a, int y, int x, int w, int h);
int view_explore_rows(const struct app *a);
/* Real runs: results, notes, progress; and the rows they would like. */
void view_real_panel(struct app *a, int y, int x, int w, int h);
int view_real_rows(struct app *a);

#endif
