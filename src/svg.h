/* svg.h - a timeline as an SVG picture, for slides and handouts.
 *
 * The same picture the TUI draws, from the same cells (lanes.h): one lane
 * per task and per CPU on a time axis, the state of each column as a
 * colour and the screen's glyph (so that it reads in black and white too:
 * a solid bar running, · ready, a hatch for the GIL, ~ waiting, L a lock,
 * ▄ part of the column, ! a preemption, » a yield), a legend of the glyphs
 * used, and a title naming the lesson, the scene and the real system it
 * models.  Several runs can be stacked on one axis (@compare).  The output
 * depends only on its input: the same run gives the same bytes.
 */
#ifndef TT_SVG_H
#define TT_SVG_H

#include "lesson.h"
#include "trace.h"
#include "util.h"

/* One run in the picture.  The pointers are borrowed. */
struct svg_run {
    const struct lesson *L;
    int scene;
    const struct scene_config *cfg;
    const struct trace *tr;
    int64_t upto;       /* ticks before this are drawn (the TUI's cursor
                         * + 1; the run's end for all of it) */
};

/* Which ticks, how wide. */
struct svg_view {
    int64_t t0;         /* the first tick drawn */
    int64_t per;        /* ticks a column (>= 1) */
    int cols;           /* columns */
    int col_px;         /* pixels a column (more when zoomed in) */
    int64_t cursor;     /* a line at this tick, -1 for none */
};

enum { SVG_MAX_COLS = 160, SVG_COL_PX = 8 };

/* A view of a whole run of end ticks: a column a tick up to SVG_MAX_COLS,
 * more ticks a column beyond. */
void svg_view_whole(struct svg_view *v, int64_t end);
/* The picture of runs[0..n) stacked on one axis, as an SVG document. */
void svg_timeline(struct strbuf *out, const struct svg_view *v,
                  const struct svg_run *runs, int n);
/* The same, written to path; 0, or -1 with a message in err. */
int svg_write_file(const char *path, const struct svg_view *v,
                   const struct svg_run *runs, int n, struct strbuf *err);

#endif
