/* lanes.h - what one column of a timeline lane shows.
 *
 * Shared by the TUI and the ASCII timeline of `taketurns run --timeline`,
 * so both draw a run by the same rules.
 * A column covers a range of ticks (one tick, or many when zoomed out).
 * A task lane shows the state the task spent most of those ticks in, and a
 * mark if it was preempted or yielded there; a CPU lane shows the task that
 * ran on it most.  The cost of a cell is bounded whatever the zoom: past a
 * few dozen spans in one column, the column is sampled instead of summed,
 * so drawing depends on the size of the window, not of the trace.
 */
#ifndef TT_LANES_H
#define TT_LANES_H

#include <stdint.h>

#include "trace.h"

enum { LANE_MAX_SPANS = 48, LANE_SAMPLES = 16 };

/* A task cell that is no single state: the task ran for part of the
 * column and waited (or was ready) for the rest.  Zoomed out, naming one
 * state there would show it running all along, or not at all. */
enum { LANE_PART = TS_COUNT };

/* The state of task over ticks [c0, c1): the one covering the most ticks,
 * the more telling one on a tie; TS_DONE where the lane has ended, TS_NEW
 * before it starts; LANE_PART where it ran for only part of its live
 * ticks there.  *mark: SWK_PREEMPT or SWK_YIELD if the task was switched
 * out that way in the range, else SWK_NONE. */
int lane_task_cell(const struct trace *tr, int task, int64_t c0, int64_t c1,
                   int *mark);

enum { LANE_IDLE = -1, LANE_MIXED = -2 };

/* The task that ran on cpu in [c0, c1); LANE_IDLE if the CPU was idle at
 * least half of the time, LANE_MIXED if more than one task ran there
 * (zoomed out, where tasks take turns: naming one would make it look as if
 * it had the CPU to itself).  *stalled: that task held the CPU while
 * blocked (an event loop stuck in a blocking call). */
int lane_cpu_cell(const struct trace *tr, int cpu, int64_t c0, int64_t c1,
                  int *stalled);

#endif
