/* explore.h - every schedule of a scene, and every outcome it can have.
 *
 * The explorer takes over the scheduler: at each tick it tries every task
 * that may run next (sim_choices: any runnable thread or process, the GIL
 * holder or - at a checkpoint - any thread waiting for the GIL, and in
 * asyncio only coroutines tied at the head of the ready queue), depth
 * first, with each state it reaches memoised so that a state reached along
 * different paths is explored once.  Each final state is an outcome; for
 * each outcome it reports how many schedules (sequences of per-tick
 * choices) reach it, counted exactly over the state graph, and a witness:
 * a schedule with the fewest preemptions that reaches it, in the format
 * `taketurns run --schedule` reads back.  Deadlocks and failed tasks are
 * part of an outcome.  A preemption is a switch away from a task that
 * could have run on.
 *
 * Ownership: explore_run() returns a result the caller frees with
 * explore_free(); every pointer inside it belongs to the result.  The
 * lesson must outlive the result (labels and names point into it).
 * Nothing here draws: text and JSON are written into a strbuf.  There is
 * no global state: a search may run on a thread of its own (the TUI's),
 * with the progress callback reporting from that thread.
 *
 * Where every schedule is too many (threads and processes scenes past
 * EXPLORE_FULL_STATES), a partial-order reduction lets tasks change turns
 * only where one is about to touch what others share: the outcomes and
 * each one's fewest preemptions are exactly the full search's, and the
 * counts are then of the orders of the shared accesses (reduced is set).
 * explore.c says why it is exact.
 *
 * The search runs on every CPU of the machine (limits.threads), with the
 * same result as on one: outcomes, counts and witnesses do not depend on
 * the timing of the threads.
 *
 * The search runs the scene on one CPU, one turn at a time, exactly as
 * `run --schedule` does, so a witness replays as it was found; what two
 * CPUs do in one tick is one of these interleavings.  In sequential mode
 * there is only one schedule, and `run` takes no --schedule: the scene's
 * own run is the witness.
 */
#ifndef TT_EXPLORE_H
#define TT_EXPLORE_H

#include <stdint.h>

#include "lesson.h"
#include "schedule.h"
#include "trace.h"
#include "util.h"

struct sim;

/* Partial-order reduction (explore.c): whether the search may let tasks
 * take turns only where one touches what others share. */
enum explore_reduce {
    /* Every schedule where that is feasible (exact schedule counts);
     * reduced where the full search stops at EXPLORE_FULL_STATES and the
     * reduction is sound for the scene. */
    EXPLORE_REDUCE_AUTO,
    EXPLORE_REDUCE_OFF,     /* every schedule; needed by a search that must
                             * see every state (a predicate on states) */
    EXPLORE_REDUCE_ON,      /* reduced wherever it is sound */
};

enum {
    /* The full search's states in EXPLORE_REDUCE_AUTO before the reduced
     * search takes over: every lesson scene that fits keeps its exact
     * schedule counts. */
    EXPLORE_FULL_STATES = 250000,
    /* States kept before the search stops with a partial result.  Each
     * costs 100-200 bytes for small tasks, and tens of kilobytes for tasks
     * with many locals: memory is bounded by the budget (membudget.h), and
     * a search that reaches it stops, partial, as at this limit. */
    EXPLORE_DEFAULT_MAX_STATES = 2000000,
    /* The same for the reduced search, whose states are fewer and each
     * worth more. */
    EXPLORE_DEFAULT_MAX_REDUCED = 10000000,
    EXPLORE_MAX_PREEMPTION_BOUND = 1000,
};

struct explore_limits {
    int64_t max_states;     /* > 0; 0: EXPLORE_DEFAULT_MAX_STATES, or
                             * EXPLORE_DEFAULT_MAX_REDUCED when reduced */
    int max_preemptions;    /* -1: unbounded; K: schedules with <= K only */
    /* 1: no memo - walk the tree of every schedule, one path at a time.
     * Exponentially slower; for checking the memoised search (tests) and
     * for measuring what memoisation saves (bench).  max_states then
     * bounds the nodes of that tree. */
    int naive;
    enum explore_reduce reduce;     /* EXPLORE_REDUCE_AUTO by default */
    /* Threads that search at once: 0 (the default) as many as the machine
     * has CPUs, up to 8; 1 one.  Whatever the number, the result is the
     * same (explore.c says why). */
    int threads;
    /* States found before the other threads start (0: a default that
     * spares small searches the cost of starting them; tests set 1). */
    int64_t parallel_from;
    /* Called every 65,536 states (naive: tree nodes) with the number so
     * far; a nonzero return stops the search, and the result is then
     * partial.  NULL: none. */
    int (*progress)(void *arg, int64_t states);
    void *progress_arg;
};

/* Why a search is incomplete. */
enum explore_stop {
    EXPLORE_DONE,           /* complete: every schedule was covered */
    EXPLORE_MAX_STATES,     /* limits.max_states reached */
    EXPLORE_CANCELLED,      /* the progress callback asked to stop */
    EXPLORE_MEMORY,         /* the memory budget (--max-memory) is used up */
};

/* A task that ended with an error in this outcome. */
struct explore_failure {
    int task;
    int line, col;          /* where (0 if unknown) */
    char *message;          /* "AssertionError: ..." */
};

/* A task stuck in a deadlock: it waits for lock, held by holder.  lock is
 * -1 for a task that is stuck for another reason (it cannot start). */
struct explore_wait {
    int task;
    int lock;
    int holder;
    int queue;              /* which of the object's queues (sync.h) */
};

struct explore_outcome {
    enum trace_status status;   /* TRACE_OK, _FAILED, _DEADLOCK or _LIMIT */
    int64_t *final;             /* nspaces x nglobals; space 0: the main
                                 * program, space t + 1: task t's process */
    struct explore_failure *failures;
    int nfailures;
    struct explore_wait *waits; /* TRACE_DEADLOCK only */
    int nwaits;

    /* How many schedules end here: exact, in decimal.  When the outcome
     * can be reached through a loop that the tasks may repeat any number
     * of times (a spin loop) there are infinitely many: infinite is set
     * and schedules is "infinite". */
    char *schedules;
    int infinite;
    double share;               /* of all counted schedules, 0..1 (0 when
                                 * the counts are infinite) */

    /* A schedule with the fewest preemptions that ends here.  Load it as a
     * run with explore_witness_sim(). */
    struct schedule witness;
    char *witness_text;         /* "A4 B2 A21 B20" */
    int preemptions;            /* of the witness: the fewest possible */
    int64_t witness_ticks;      /* turns in the witness */
    int reproduced;             /* a recorded replay of the witness ended in
                                 * exactly this outcome (always, unless the
                                 * scene's budget is too small for it) */
};

struct explore_result {
    const struct lesson *L;
    int scene;
    struct scene_config cfg;
    int ntasks, nspaces, nglobals;
    const char *labels[LESSON_MAX_TASKS];

    int max_preemptions;        /* the bound searched with, -1: none */
    int naive;
    /* The search was reduced: the counts ("schedules" of the result and
     * of each outcome) are of the orders in which the tasks' shared
     * accesses (and ends) can happen, not of every schedule; states and
     * transitions are those of the reduced graph. */
    int reduced;
    int complete;
    enum explore_stop stop;
    char *stop_text;            /* EXPLORE_MEMORY: "the search needs more
                                 * than 1 GiB of memory (--max-memory)" */
    int64_t states;             /* distinct states (naive: tree nodes) */
    int64_t transitions;        /* turns simulated */
    int endless;                /* some schedules never end: the tasks can
                                 * go round a loop forever */
    char *schedules;            /* all schedules counted, in decimal, or
                                 * "infinite" */
    /* Nodes of the tree of all schedule prefixes, i.e. the turns a search
     * without memoisation simulates (0 if infinite). */
    double tree_nodes;

    struct explore_outcome *outcomes;   /* sorted: ok, failed, deadlock,
                                         * limit; then by final values */
    int noutcomes;
    unsigned char *varies;      /* nspaces x nglobals: 1 where the outcomes
                                 * do not all end with the same value */
    int ndeadlocks;
    int nfailed;                /* outcomes where a task failed */
};

void explore_limits_init(struct explore_limits *lim);
/* The threads a search uses by default. */
int explore_default_threads(void);
/* Why the search is partial, for messages: "stopped at --max-states", "the
 * search needs more than 1 GiB of memory (--max-memory)", "cancelled". */
const char *explore_stop_reason(const struct explore_result *r);

/* What the counts count: "schedules", or when reduced "orders of shared
 * accesses" (singular if !plural). */
const char *explore_count_noun(const struct explore_result *r, int plural);

/* Explore scene (index into L->scenes) with settings cfg (the scene's own,
 * perhaps overridden; its schedule, if any, is ignored: the explorer
 * chooses every turn).  lim may be NULL for the defaults.  Never fails:
 * limits give a partial result (complete == 0). */
struct explore_result *explore_run(const struct lesson *L, int scene,
                                   const struct scene_config *cfg,
                                   const struct explore_limits *lim);
void explore_free(struct explore_result *r);

/* How much explore_outcome_label says. */
enum explore_label {
    /* Every variable, each failure with its message and line, each stuck
     * task: "x = 1 · B failed: AssertionError: ... (line 7)", "deadlock: A
     * waits for m2 (held by B), B waits for m1 (held by A) · x = 0". */
    EXPLORE_LABEL_FULL,
    /* The same, naming only the variables whose final value is not the
     * same in every outcome (all of them if none differ). */
    EXPLORE_LABEL_BRIEF,
    /* Short enough for a bar's caption: "x = 1 · B failed", "deadlock". */
    EXPLORE_LABEL_TERSE,
};

/* Outcome i in words. */
void explore_outcome_label(struct strbuf *out, const struct explore_result *r,
                           int i, enum explore_label how);

/* A recorded run of outcome i's witness, not yet stepped: sim_run() it,
 * or step and seek it like any run; it ends in outcome i.  Free it with
 * sim_free(). */
struct sim *explore_witness_sim(const struct explore_result *r, int i);

/* The report of `taketurns explore`: outcomes as bars by share of the
 * schedules, witnesses, and the outcomes each preemption bound allows.
 * ascii: bars of '#' instead of Unicode blocks. */
void explore_format_text(struct strbuf *out, const struct explore_result *r,
                         int ascii);
/* The JSON object of `taketurns explore --json` (DESIGN.md section 4). */
void explore_format_json(struct strbuf *out, const struct explore_result *r);

#endif
