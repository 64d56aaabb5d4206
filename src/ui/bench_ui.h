/* bench_ui.h - what `taketurns bench` measures of the TUI.
 *
 * Drawing one 120x40 frame of the lesson screen for a run of about 100
 * ticks and for one of about 100,000 ticks, at the same cursor and zoom
 * (drawing costs what the window shows, so the two should be close), and
 * seeking the long run from its last tick to tick 0 and back.
 */
#ifndef TT_UI_BENCH_UI_H
#define TT_UI_BENCH_UI_H

#include <stdint.h>

struct ui_bench {
    double render_us_small;     /* one frame, ~100-tick run */
    double render_us_large;     /* one frame, ~100,000-tick run */
    double seek_ms;             /* last tick -> 0 -> last tick */
    int64_t small_ticks, large_ticks;
};

/* Returns 0, or -1 if curses cannot start (figures are then 0). */
int ui_bench_measure(struct ui_bench *b);

#endif
