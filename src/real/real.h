/* real.h - running a scene for real: threads, a GIL, coroutines, processes.
 *
 * real_run() runs the tasks of a scene on this machine, through the same VM
 * as the simulator, once or many times, and returns what happened: the
 * traces of a few runs (a struct trace in nanoseconds, drawn like a
 * simulated one) - the first run of each distinct outcome and the run whose
 * wall time is the median - a histogram of final states and wall-time
 * statistics.  The backends (one ops table each, real_impl.h):
 *
 *   sequential  the tasks one after another on the calling thread
 *   threads     one pthread per task; shared variables in shared memory
 *   gil         the same, and a GIL built like CPython's ceval_gil.c
 *   asyncio     stackful coroutines on one thread (coro.h), an event loop
 *   processes   fork(); each process has its own copy of the variables
 *
 * Time: a tick has a real length (opt->tick_ns): compute(N) is N ticks of
 * calibrated busy work, sleep(N) and io(N) are real sleeps of N ticks, a
 * switch interval of S ticks lasts S ticks.  Bytecode ops take what they
 * take (nanoseconds).  Every run is bounded: a time limit, the scene's
 * step budget (per task), a cap on trace records; a deadlock is noticed by
 * a watchdog (or by the event loop, which knows) and reported, and every
 * thread and child process is gone when real_run returns.
 *
 * A real trace's ops carry what the simulator's do, except that the op of
 * a sync request that may wait (an ACQUIRE), or of any request of an
 * event, barrier or queue, has its ticket as its value (its place among
 * the object's requests), for replay.
 *
 * Tracing disturbs what it measures: each op costs a timestamp and a record
 * (about 10-20 ns); opt->traced = 0 runs without records, so that the two
 * can be compared (`taketurns real --trace both`, `taketurns bench`).
 *
 * No curses here: the TUI calls this API and draws the result.  real_run
 * blocks; opt->cancel and opt->progress let a caller run it on a thread of
 * its own and stop it.
 */
#ifndef TT_REAL_H
#define TT_REAL_H

#include <stdatomic.h>
#include <stdint.h>

#include "json.h"
#include "lesson.h"
#include "trace.h"
#include "util.h"

enum {
    REAL_MAX_RUNS = 100000,
    REAL_KEEP_TRACES = 16,      /* traces kept: first run of each outcome */
    REAL_MEDIAN_TRACES = 1024,  /* traces held at once, at most, while the
                                   median run is not yet known */
};

/* Ops in all the first runs' traces kept, at most (the first run's is
 * always kept); as many again, at most, in the traces held while the
 * median run is not yet known (struct real_median). */
#define REAL_KEEP_RECORDS(opt) ((size_t)(opt)->max_records * 4)

struct real_options {
    int runs;                   /* how many times (default 1) */
    int64_t tick_ns;            /* length of a tick; 0: real_default_tick */
    int64_t timeout_ns;         /* per run (default 10 s) */
    int64_t widen_ns;           /* race window: pause after each read of a
                                   shared variable (0: none) */
    int traced;                 /* record every op (default 1) */
    int64_t max_records;        /* trace records per run (default 2^20) */
    const char *coro;           /* asyncio: "asm", "ucontext", NULL: default */
    /* Optional: set to nonzero (from another thread) to stop; the runs
     * done so far are kept.  progress(arg, done, total) after each run. */
    const _Atomic int *cancel;
    void (*progress)(void *arg, int done, int total);
    void *progress_arg;
};

/* Defaults: one traced run, the default tick, a 10 s limit. */
void real_options_init(struct real_options *opt);

/* The default tick for a scene: 1 ms, or shorter so that the simulated run
 * of the scene lasts at most about a second (never under 1 µs). */
int64_t real_default_tick(const struct lesson *L, int scene,
                          const struct scene_config *cfg);

/* Can scenes of mode m run for real here?  Returns 1, or 0 with a reason
 * in why ("fork() is not allowed here: ..."), for the UI to show. */
int real_available(enum mode m, struct strbuf *why);

/* A distinct way a run ended. */
struct real_outcome {
    enum trace_status status;   /* TRACE_OK, _FAILED, _DEADLOCK, _LIMIT */
    int64_t *final;             /* nspaces x nglobals, as trace->final */
    int count;
    int first_run;              /* index of the first run that ended so */
    struct trace *trace;        /* that run's trace (one of kept[]'s; NULL
                                   if not traced or past REAL_KEEP_TRACES) */
    char *why;                  /* not ok: what happened, one sentence
                                   ("A waits for lock m (held by B)") */
};

struct real_stats {
    int64_t min, median, max;
};

/* A run whose trace is kept. */
struct real_kept {
    int run;                    /* its index, from 0 */
    int outcome;                /* how it ended: an index in outcomes[] */
    struct trace *trace;        /* owned */
};

struct real_result {
    int scene;
    const char *backend;        /* mode name: "threads", "asyncio", ... */
    const char *detail;         /* "pthreads", "pthreads + GIL",
                                   "coroutines, asm x86-64", "fork()" ... */
    int runs;                   /* runs done */
    int runs_asked;
    int traced;
    int64_t tick_ns;
    int64_t widen_ns;
    int cpus_asked, cpus_used;  /* threads, gil, processes */
    int pinned;                 /* the CPUs were set by affinity */
    int nspaces, nglobals;
    struct real_outcome *outcomes; /* sorted: status, then final values */
    int noutcomes;
    struct real_stats wall_ns;  /* per run, from start to the last task's end */
    int64_t *walls;             /* every run's wall time, in run order */
    /* The runs whose traces are kept, in run order: the first run of each
     * outcome (within REAL_KEEP_TRACES and REAL_KEEP_RECORDS) and the
     * median run. */
    struct real_kept *kept;
    int nkept;
    int median_run;             /* the run whose wall time is the median
                                   (real_median_run), -1 if none ran */
    int median_kept;            /* its place in kept[], -1 if its trace was
                                   not kept (untraced, or the memory bound
                                   let it go before it was known) */
    int64_t ops;                /* ops run over all runs */
    double ns_per_op;           /* median over runs: time per op, from each
                                   task's start to its end (one thread or
                                   the GIL at a time: the run's wall time) */
    struct trace *trace;        /* the first run's trace (kept[0]'s; NULL
                                   if untraced) */
    int nfailed, ndeadlock, nlimit;
    int stopped;                /* runs stopped: time limit or cancelled */
    int truncated;              /* a trace hit max_records */
    int merge_cut;              /* merging a trace stopped at the time
                                   limit or the memory budget */
    /* asyncio: did every traced run run the ops in the simulated order? */
    int order_checked, order_same;
    int64_t order_first_diff;   /* op index of the first difference, -1 */
    struct strbuf notes;        /* sentences for the user, one per line */
};

/* Run scene (with settings cfg, usually the scene's own or overridden) for
 * real.  Returns NULL with a message in err if it cannot run here.  The
 * result is owned by the caller. */
struct real_result *real_run(const struct lesson *L, int scene,
                             const struct scene_config *cfg,
                             const struct real_options *opt,
                             struct strbuf *err);
void real_result_free(struct real_result *res);

/* The outcome histogram and wall times as JSON members of the object being
 * written: "backend", "runs", "outcomes": [{"final", "count", ...}],
 * "wall_ns": {"min", "median", "max"} and the rest (see cmd_real.c). */
void real_result_json(struct json *j, const struct lesson *L,
                      const struct real_result *res);
/* "x = 6    ######## 98  98%" lines, bars at most width columns wide. */
void real_result_histogram(struct strbuf *out, const struct lesson *L,
                           const struct real_result *res, int width);
/* "x = 3" or "x = 3; in A: x = 1, in B: x = 2" for processes. */
void real_outcome_text(struct strbuf *out, const struct lesson *L,
                       const struct real_result *res,
                       const struct real_outcome *oc);

/* ---- the median run ------------------------------------------------------ */

/* The run whose wall time is the median of walls[0..n): the lower middle
 * one when n is even, the earliest of equal ones.  -1 if n is 0. */
int real_median_run(const int64_t *walls, int n);

/* Which run is the median is known only when every run is done, and the
 * traces of all runs cannot be kept.  While the runs go on, real_median
 * holds the traces of the runs that may still be it: those whose wall
 * times are next to one another in the middle of the runs so far.  A run
 * that can no longer be the median is let go at once; past the bound (at
 * most cap traces, max_ops ops and max_bytes bytes counted against the
 * memory budget) the one farthest from the middle is let go.  So the
 * median run's trace is held whenever the runs that could be it fit in the
 * bound (about twice the square root of the number of runs, when run times
 * vary at random), and otherwise a run next to it may be. */
struct real_median_pick {
    int run;
    int64_t wall;
    int tag;                    /* the caller's (real_run: the outcome) */
    struct trace *trace;        /* NULL: none (untraced) */
    int owned;                  /* trace is freed with the pick */
};

struct real_median {
    int total;                  /* runs planned */
    int cap;
    size_t max_ops, max_bytes;
    struct real_median_pick *pool; /* by wall time, then run */
    int n;
    size_t pool_cap, ops, bytes;
    /* Runs outside the pool: below (wall, run) <= lo, above >= hi. */
    int below, above, has_lo, has_hi;
    struct real_median_pick lo, hi;
    int done;                   /* runs added */
};

/* Hold at most cap traces (0: about twice the square root of total, at
 * most REAL_MEDIAN_TRACES), max_ops ops and max_bytes bytes. */
void real_median_init(struct real_median *m, int total, int cap,
                      size_t max_ops, size_t max_bytes);
/* Run number run ended after wall ns, with trace tr (or NULL).  If owned,
 * the pool frees tr when it lets the run go (and counts it in the bound);
 * if not, the caller keeps it alive until real_median_done. */
void real_median_add(struct real_median *m, int run, int64_t wall, int tag,
                     struct trace *tr, int owned);
/* The pick held for run, or NULL if it was let go. */
struct real_median_pick *real_median_find(struct real_median *m, int run);
/* Free the traces still owned. */
void real_median_done(struct real_median *m);

/* ---- replaying a real run in the simulator ------------------------------ */

/* A real threads (or gil) run's interleaving, reconstructed
 * from its trace: an order of the ops in which every read of a shared
 * variable sees the value it really saw, every lock is taken in the order
 * it really was (and the final state is the real one).  The simulator runs
 * that order step by step as a schedule. */
struct real_replay {
    int ok;                     /* the simulator ended in the real state */
    struct strbuf schedule;     /* "A7 B4 A3 ...": taketurns run --schedule */
    struct strbuf why;          /* when not ok: what could not be done */
    int64_t *final;             /* the simulator's final state (or NULL) */
    int64_t steps;              /* ticks given by the schedule */
    int64_t searched;           /* states the reconstruction visited */
    uint64_t deadline_ns;       /* CLOCK_MONOTONIC: give up after it (0:
                                   no deadline; real --replay: --timeout) */
};

void real_replay_init(struct real_replay *rp);
void real_replay_done(struct real_replay *rp);
/* Returns rp->ok.  tr is a trace from real_run of the same scene and cfg. */
int real_replay(const struct lesson *L, int scene,
                const struct scene_config *cfg, const struct trace *tr,
                struct real_replay *rp);

/* ---- bench (taketurns bench) ------------------------------------------- */

struct real_bench {
    const char *coro;           /* the switch coro_switch_ns measured */
    double coro_switch_ns;      /* one switch between two coroutines */
    double ucontext_switch_ns;
    double thread_handoff_ns;   /* one hand-off between two pthreads on
                                   one CPU */
    double thread_start_ns;     /* pthread_create + pthread_join */
    double process_start_ns;    /* fork + exit + waitpid */
    double trace_event_ns;      /* recording one op: timestamp and record */
    double io_speedup_threads;  /* 8 tasks each waiting 50 ms */
    double io_speedup_asyncio;
    double cpu_speedup_threads; /* 2 CPU-bound tasks on 2 cores */
    double cpu_speedup_gil;
    double cpu_speedup_processes;
    /* Two threads racing on x = x + 1, traced and untraced. */
    double race_ns_per_op_traced, race_ns_per_op_untraced;
    double race_lost_traced, race_lost_untraced; /* fraction of updates */
};

void real_bench_measure(struct real_bench *b);

/* What taking turns costs on this machine, measured in a fraction of a
 * second (for lesson pages with @measure, and for bench): each the best
 * of a few tries. */
struct real_costs {
    const char *coro;           /* the switch coro_switch_ns measured */
    double coro_switch_ns;      /* one switch between two coroutines */
    double ucontext_switch_ns;  /* the same with swapcontext(3) */
    double thread_handoff_ns;   /* one hand-off between two threads */
    double thread_start_ns;     /* pthread_create and pthread_join */
    double process_start_ns;    /* fork(), the child exits, waitpid() */
};

void real_measure_costs(struct real_costs *c);
void real_bench_json(struct json *j, const struct real_bench *b);
void real_bench_text(struct strbuf *out, const struct real_bench *b);

#endif
