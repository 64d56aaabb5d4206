/* tape.h - one recorded run of a scene, as the TUI plays it.
 *
 * A tape wraps a recording sim: the whole run is simulated when the tape is
 * made, and the cursor moves over it freely - tape_at() seeks the sim to a
 * tick (checkpoints plus replay) so the panels can read its state.  In
 * manual mode the student chooses every turn: the run is cut at the cursor
 * and grows one hand-picked tick at a time; stepping back is seeking, and
 * the run can be handed back to the scene's scheduler at any point.
 *
 * The cursor t means "the start of tick t": the ops of ticks before t have
 * run.  An event is in the past at cursor t if it happened before t, or at
 * t before any op of tick t ran (the scheduler's decision for tick t: "A is
 * preempted; B runs").  Nothing here draws; ownership: the tape owns its
 * sim; the lesson must outlive the tape.
 */
#ifndef TT_UI_TAPE_H
#define TT_UI_TAPE_H

#include <stddef.h>
#include <stdint.h>

#include "lesson.h"
#include "schedule.h"
#include "sim.h"
#include "trace.h"

struct tape {
    const struct lesson *L;
    int scene;
    struct scene_config cfg;
    struct sim *sim;
    struct trace *tr;       /* the sim's */
    int64_t end;            /* the last tick the cursor can reach */
    int64_t at;             /* the tick the sim is positioned at, -1 */
    int manual;             /* the run grows by hand-picked turns */
    int64_t manual_from;    /* first tick chosen by hand, -1 if none */
    int64_t manual_to;      /* where the scheduler took over again */
};

/* Simulate scene with settings cfg (and a scripted schedule, or NULL). */
struct tape *tape_new(const struct lesson *L, int scene,
                      const struct scene_config *cfg,
                      const struct schedule *sch);
void tape_free(struct tape *tp);

/* The run has ended (0 while turns are being chosen by hand). */
int tape_finished(const struct tape *tp);
/* The sim in its state at the start of tick t (clamped to 0..end). */
const struct sim *tape_at(struct tape *tp, int64_t t);

/* Events in the past at cursor t: tr->events[0 .. n). */
size_t tape_past_events(const struct tape *tp, int64_t t);
/* The first cursor at which ev is in the past. */
int64_t tape_event_cursor(const struct tape *tp, const struct trace_event *ev);

/* Task running on cpu during tick t (from the trace), or -1. */
int tape_on_cpu(const struct tape *tp, int cpu, int64_t t);
/* Some task runs during tick t. */
int tape_busy(const struct tape *tp, int64_t t);
/* One step forward / back from t: a tick, or a whole stretch in which
 * nothing runs (every task waits). */
int64_t tape_step_forward(const struct tape *tp, int64_t t);
int64_t tape_step_back(const struct tape *tp, int64_t t);

/* Bits of 1 << SWK_x. */
enum {
    TAPE_ANY_SWITCH = (1 << SWK_PREEMPT) | (1 << SWK_YIELD) | (1 << SWK_BLOCK)
};
/* The cursor of the first switch (of a kind in mask) after t, or -1. */
int64_t tape_next_switch(const struct tape *tp, int64_t t, unsigned mask);
/* The cursor of the last switch before t, or -1. */
int64_t tape_prev_switch(const struct tape *tp, int64_t t, unsigned mask);

/* Where an @until directive stops, starting from cursor from. */
int64_t tape_until(struct tape *tp, const struct directive *dv, int64_t from);
/* Evaluate an @until condition on the shared variables of a state: true
 * if it holds in any memory space. */
int tape_condition(const struct lesson *L, const struct sim *s,
                   const struct expr *cond);

/* ---- manual mode -------------------------------------------------------- */

/* The tasks that may take tick t (sim_choices).  Returns the count. */
int tape_choices(struct tape *tp, int64_t t, int *tasks);
/* Cut the run at t: from there it grows only by chosen turns. */
void tape_take_over(struct tape *tp, int64_t t);
/* Give tick t to task: the run is cut at t and goes on with that turn.
 * Returns the new cursor, or -1 if task may not run at t. */
int64_t tape_pick(struct tape *tp, int64_t t, int task);
/* Nobody can run at t: let time pass to the next wake-up.  Returns the
 * new cursor, or -1 if someone could run. */
int64_t tape_let_time_pass(struct tape *tp, int64_t t);
/* The scene's scheduler takes over at t and runs to the end. */
void tape_hand_back(struct tape *tp, int64_t t);
/* Tick t was scheduled by hand. */
int tape_by_hand(const struct tape *tp, int64_t t);

#endif
