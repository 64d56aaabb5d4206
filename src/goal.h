/* goal.h - puzzles: what a page's @goal asks for, and the shortest way there.
 *
 * goal_holds() says whether a state of a run meets a goal: a condition on
 * the module variables once the run has ended, a deadlock, a task stopped
 * by an error, or two tasks at one source line in the same tick.  The last
 * two are properties of states in the middle of a run, not of endings, so
 * the explorer's outcomes cannot answer them; goal_search() looks for them
 * itself: a breadth-first search over the states of the scene, turn by
 * turn as `run --schedule` takes them, in order of preemptions (a 0-1 BFS),
 * so that the first state found that meets the goal has a witness with the
 * fewest preemptions possible.  It reduces nothing: every state where both
 * tasks stand at a `together` line is visited.  It may start from any
 * state (a hint in the TUI: the next step from where the student is).
 *
 * Ownership: the result's witness belongs to the result (goal_result_done);
 * the lesson must outlive it.  No global state: the TUI may search on its
 * own thread.
 */
#ifndef TT_GOAL_H
#define TT_GOAL_H

#include <stdint.h>

#include "lesson.h"
#include "schedule.h"

struct sim;

enum { GOAL_DEFAULT_MAX_STATES = 300000 };

struct goal_result {
    int found;              /* some schedule reaches the goal */
    int complete;           /* every state was visited: !found means no
                             * schedule reaches it */
    int out_of_memory;      /* stopped at the memory budget (--max-memory) */
    int64_t states;         /* distinct states visited */
    struct schedule witness;    /* found: the turns from the start state */
    int preemptions;        /* found: of the witness, the fewest possible */
    int64_t steps;          /* found: turns in the witness */
};

/* A condition on module variables holds for the values g (in the order of
 * L->shared); a division by zero makes it false. */
int goal_condition_on(const struct lesson *L, const struct expr *cond,
                      const int64_t *g);
/* A condition on module variables holds in some memory space of s (the
 * main program's, or one process's copy). */
int goal_condition(const struct lesson *L, const struct sim *s,
                   const struct expr *cond);
/* The state s meets goal g (a DIR_GOAL directive). */
int goal_holds(const struct lesson *L, const struct sim *s,
               const struct directive *g);
/* Search scene (with settings cfg) for a state that meets g, from the
 * state of from (NULL: the start of the scene; from must be a sim of the
 * same lesson, scene and settings).  max_states > 0 bounds the search. */
void goal_search(const struct lesson *L, int scene,
                 const struct scene_config *cfg, const struct sim *from,
                 const struct directive *g, int64_t max_states,
                 struct goal_result *out);
void goal_result_done(struct goal_result *r);
/* The goal in words, for a screen: "x == 1 at the end", "a deadlock",
 * "a task fails", "two tasks at line 12 at once". */
void goal_describe(const struct lesson *L, const struct directive *g,
                   struct strbuf *out);

#endif
