/* real_impl.h - the state of one real run, shared by the backends.
 *
 * Only src/real/ includes this.  A struct rrun is set up once for a series
 * of runs (rrun_new) and reset before each (rrun_reset); a backend (one
 * const struct real_backend each) runs every task once and leaves the
 * outcome in the rrun.  Each task records into its own buffer of 32-byte
 * records (no shared counters, no locks on the hot path); real_merge()
 * turns the buffers into a struct trace after the run.
 *
 * Memory model: the VM reads and writes shared variables with relaxed
 * atomics.  Real hardware may let a later load pass an earlier store (x86
 * store buffers) or reorder more (Arm), which no interleaving of ops
 * explains; the simulator and the explorer only know interleavings.  So
 * the threads and gil backends put a full fence after each store (x86-64,
 * where that suffices) or after each shared access (elsewhere): real runs
 * are sequentially consistent, and every real outcome is one the explorer
 * can find.  The race inside x = x + 1 is between ops, so it stays.
 */
#ifndef TT_REAL_IMPL_H
#define TT_REAL_IMPL_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

#include "real/clock.h"
#include "real/real.h"
#include "sync.h"
#include "tpool.h"
#include "vm.h"

/* ---- trace records -------------------------------------------------------- */

enum rec_kind { REC_OP, REC_STATE, REC_EVENT };

/* One record: an op, a state change or an event of one task.  Times are
 * raw clock readings (rclock_now). */
struct real_rec {
    uint64_t t;
    int64_t value;      /* op: value; event: arg (text offset for prints) */
    uint32_t pc;        /* op: pc; state: arg (the lock waited for) */
    uint32_t seq;       /* per task; in one-thread backends, per run */
    uint8_t kind;       /* enum rec_kind */
    uint8_t status;     /* op: vm_status; state: task_state; event: kind */
    int8_t cpu;         /* CPU lane, -1 if none */
    uint8_t why;        /* state: switch reason; event: switch reason */
    int16_t other;      /* event: other task */
    int16_t arg2;       /* event: arg2; state: wait kind */
};

/* Records kept back for a task's last events when its buffer fills. */
enum { RREC_RESERVE = 16 };

/* ---- sync objects ------------------------------------------------------------ */

/* The lesson's sync objects (sync.h) are the same objects the simulator
 * uses, so a real run takes exactly the decisions a simulated one can:
 * release hands a lock or a semaphore's unit straight to the first waiter
 * (a releasing thread cannot barge back in ahead of the waiters, which
 * would allow outcomes the simulator has no interleaving for).  The thread
 * backends guard all of them with one mutex (struct rrun's sync_mu); a
 * waiter sleeps on its own condition variable until a hand-off grants it.
 * The asyncio loop is one thread and uses them directly.  ticket counts
 * the requests of each object that rsync_ticketed() names; each such op's
 * record holds its ticket, so replay knows their real order. */

/* Does a request get a ticket (its place among the object's requests) as
 * its op's value?  Every one that may wait (acquire, wait, get, put,
 * join), and every request of an event, a barrier or a queue, whose
 * results depend on the order of the object's requests; not a release or
 * notify, whose value is its count. */
static inline int rsync_ticketed(int kind, int method)
{
    if (sync_method_may_wait(kind, method))
        return 1;
    switch (sync_kind_base(kind)) {
    case SYNC_EVENT:
    case SYNC_AEVENT:
    case SYNC_BARRIER:
    case SYNC_QUEUE:
    case SYNC_AQUEUE:
        return 1;
    default:
        return 0;
    }
}

/* ---- the GIL ----------------------------------------------------------------- */

/* CPython's GIL (Python/ceval_gil.c): a mutex and condition variable guard
 * `locked`; a waiter waits one switch interval at a time and, if an
 * interval passes with no switch, sets drop_request; the holder reads the
 * request (a relaxed atomic, like CPython's eval_breaker) at checkpoints,
 * drops the GIL and, with forced switching, waits on switch_cv until
 * another thread has taken it. */
struct rgil {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int locked;
    int holder;
    uint64_t switches;
    atomic_int drop_request;
    pthread_mutex_t switch_mu;
    pthread_cond_t switch_cv;
    int last_holder;
    int64_t interval_ns;
};

/* ---- thread pools ------------------------------------------------------------ */

/* What a task waits for in a pool (struct rtask's pool_wait). */
enum { RPOOL_NONE, RPOOL_WORK, RPOOL_RESULT };

/* ---- tasks ------------------------------------------------------------------- */

struct rrun;

struct rtask {
    _Alignas(64) struct vm vm; /* a cache line of its own: no false sharing */
    struct rrun *run;
    int id;
    /* Trace records: a buffer of cap; seq points at the counter to use. */
    struct real_rec *rec;
    uint32_t nrec, cap;
    uint32_t *seqp;
    uint32_t seq;
    uint64_t last_t;
    uint8_t truncated;
    int8_t end_state;       /* TS_DONE or TS_FAILED once it ended, else -1 */
    int64_t ops;
    uint64_t t_start;       /* raw time it started (0: never) */
    uint64_t t_end;         /* raw time it ended */
    int64_t err_off;        /* its error message in text, or -1 */
    struct strbuf text;     /* prints and messages; records hold offsets */
    /* Sync waits (guarded by the run's sync_mu). */
    pthread_cond_t cv;
    int waiting_lock;       /* the sync object waited for, -1 if none */
    int granted;
    int64_t result;         /* what the call returns once granted */
    int woken_by;           /* the task whose request granted it, -1 */
    int timed_out, timeout_err;
    int timed;              /* its wait has a timeout: it is not stuck */
    atomic_int finished;    /* for the watchdog */
    atomic_int started;     /* (set under done_mu) it may run: a run
                             * line's task, or a thread started by code */
    atomic_int joining;     /* the task it waits for in join() (or, on the
                             * event loop, awaits), or -1 */
    int64_t value;          /* asyncio: what it returned, or its exception
                             * (OBJ_EXC) once it failed */
    uint8_t retrieved;      /* asyncio: awaited or gathered (2: by a gather
                             * with return_exceptions=True) */
    int has_gil;            /* this task holds the GIL */
    /* Pools (guarded by sync_mu): the pool a worker belongs to and the
     * job it runs (-1 if none); what it waits for (RPOOL_*: a job, or
     * pool_job's result), and when it became idle. */
    int pool, job, pool_wait, pool_job;
    uint32_t idle_seq;
    pthread_t thread;
    int has_thread;
    /* processes: the records the parent makes (the spawn), merged with
     * the child's. */
    struct real_rec prec[4];
    uint32_t nprec;
    int pid;
};

/* ---- the run ----------------------------------------------------------------- */

enum rabort {
    RA_NONE, RA_TIMEOUT, RA_DEADLOCK, RA_CANCEL, RA_BUDGET,
    RA_RESOURCE,                /* a thread or process could not start */
};

struct real_backend;

enum { RCPU_IDS = 1024 };

struct rrun {
    const struct lesson *L;
    const struct program *P;
    const struct scene *sc;
    int scene;
    struct scene_config cfg;
    const struct real_options *opt;
    const struct real_backend *be;

    int ntasks, nglobals, nlocks, nspaces;
    /* Tasks nrun.. are threads the code starts (threading.Thread): the
     * next one made is nrun + nspawned.  Their pthreads exist from the
     * start and wait (on done_mu) until started, or until the run ends. */
    int nrun;
    atomic_int nspawned;
    int ending;
    struct rtask *tasks;
    _Atomic int64_t *mem;       /* nglobals (processes: each copies it) */
    struct sync_obj *sync;      /* nlocks sync objects */
    struct tpools *pools;       /* the ThreadPoolExecutors (tpool.h; under
                                   sync_mu), NULL if none */
    uint32_t pool_seq;          /* orders the idle workers' waits */
    uint32_t *ticket;           /* nlocks: acquire attempts so far */
    pthread_mutex_t sync_mu;
    struct rgil gil;
    int use_gil;
    int solo;                   /* each task alone with its memory: a lock
                                   it cannot take is a deadlock at once */
    int fence;                  /* sequential consistency fences */
    int single;                 /* one OS thread runs every task: records
                                   are ordered by one sequence per run */
    int threaded;               /* other threads may need waking */
    uint32_t gseq;

    int traced;
    uint32_t rec_cap;           /* per task */
    size_t rec_bytes;           /* of all tasks, counted in the budget */
    int merge_cut;              /* real_merge stopped before the end */
    int64_t tick_ns;
    uint64_t tick_iters;        /* busy-work iterations in a tick */
    int64_t widen_ns;

    uint64_t t0;                /* raw clock when the run started */
    uint64_t deadline_mono;     /* CLOCK_MONOTONIC ns: the time limit */
    uint64_t deadline_raw;
    atomic_int abort;           /* enum rabort */

    /* Sleeping threads wait here, so an abort can wake them. */
    pthread_mutex_t sleep_mu;
    pthread_cond_t sleep_cv;
    /* Tasks that ended, for the watchdog. */
    pthread_mutex_t done_mu;
    pthread_cond_t done_cv;
    int ndone;
    /* The start line: threads wait here (on done_mu) until all exist. */
    pthread_cond_t go_cv;
    int go;

    /* CPUs: the lanes of the trace are the CPUs the run may use. */
    int ncpu;                   /* lanes */
    int pin;                    /* set the affinity of each thread */
    cpu_set_t cpuset;
    int8_t lane_of[RCPU_IDS];

    /* The outcome of the last run. */
    enum trace_status status;
    uint64_t t_end;             /* raw time the last task ended */
    int64_t *final;             /* nspaces x nglobals */
    int limit_task;             /* for the limit message */
    uint64_t t_abort;
    /* Deadlock: what each unfinished task waited for, and its holder. */
    int dl_lock[LESSON_MAX_TASKS], dl_holder[LESSON_MAX_TASKS];
    int dl_queue[LESSON_MAX_TASKS];     /* the queue it waits in (sync.h) */
    int dl_found;
    struct strbuf why;          /* how the run ended, if not normally */

    /* The backend's own state (asyncio: the loop; processes: the shared
     * memory). */
    void *be_state;
    const char *detail;
};

struct real_backend {
    const char *name;           /* mode name */
    const char *detail;         /* for the result */
    /* Set up what the backend needs once for a series; 0 or -1 (err). */
    int (*setup)(struct rrun *r, struct strbuf *err);
    /* Run every task once (rrun_reset has been called). */
    void (*run)(struct rrun *r);
    void (*teardown)(struct rrun *r);
    /* Release sync object obj for T, whose error leaves the with block
     * that entered it, and let its waiters go on (NULL: the threads'
     * way, under sync_mu). */
    void (*leave_with)(struct rrun *r, struct rtask *T, uint64_t t, int obj);
    /* T asks a multiprocessing object (sync_kind_shared), which this
     * backend keeps where every task sees it; as rsync_request (NULL: the
     * objects are shared already, as threads share everything). */
    int (*shared_request)(struct rrun *r, struct rtask *T,
                          const struct vm_effect *eff, uint64_t t);
};

extern const struct real_backend real_sequential, real_threads, real_gil,
    real_asyncio, real_processes;

/* ---- recording (inline: this is the hot path) ----------------------------- */

static inline struct real_rec *rrec_add(struct rtask *T, uint64_t t, int kind,
                                        uint32_t room)
{
    struct real_rec *rc;

    if (T->nrec + room >= T->cap) {
        T->truncated = 1;
        return NULL;
    }
    if (t < T->last_t)
        t = T->last_t;
    T->last_t = t;
    rc = &T->rec[T->nrec++];
    rc->t = t;
    rc->seq = (*T->seqp)++;
    rc->kind = (uint8_t)kind;
    return rc;
}

static inline int rrun_lane(const struct rrun *r)
{
    int c = sched_getcpu();

    return c >= 0 && c < RCPU_IDS ? r->lane_of[c] : -1;
}

/* Record an op that started at time t. */
static inline void rrec_op(struct rtask *T, uint64_t t, int cpu,
                           const struct vm_effect *e)
{
    struct real_rec *rc = rrec_add(T, t, REC_OP, RREC_RESERVE);

    if (!rc)
        return;
    rc->value = e->value;
    rc->pc = e->pc;
    rc->status = e->status;
    rc->cpu = (int8_t)cpu;
}

/* ---- helpers (real_task.c) --------------------------------------------------- */

void rrec_state(struct rtask *T, uint64_t t, int state, int cpu, int why,
                int wait, int arg);
struct real_rec *rrec_event(struct rtask *T, uint64_t t, int kind);
/* Keep s in the task's text; returns its offset. */
int64_t rrec_text(struct rtask *T, const char *s);

/* Stop the run (the first reason wins). */
void rrun_abort(struct rrun *r, enum rabort why);
static inline int rrun_aborted(struct rrun *r)
{
    return atomic_load_explicit(&r->abort, memory_order_relaxed) != RA_NONE;
}
/* Sleep until CLOCK_MONOTONIC time until (ns); 0, or -1 if the run was
 * stopped meanwhile (or the time limit came first). */
int rrun_sleep_until(struct rrun *r, uint64_t until);
/* n ticks of real time, in ns, saturated at UINT64_MAX (0 if n <= 0). */
uint64_t rrun_ticks_ns(const struct rrun *r, int64_t n);
/* n ticks of CPU work; under the GIL each tick is a checkpoint. */
int rrun_busy(struct rrun *r, struct rtask *T, int64_t ticks);

/* Run task T to its end (threads, gil, processes, sequential). */
void rtask_run(struct rrun *r, struct rtask *T);
/* T ended (state TS_DONE or TS_FAILED) at t. */
void rtask_end(struct rrun *r, struct rtask *T, uint64_t t, int state);
/* Record a runtime error of T (eff) and end it. */
void rtask_fail(struct rrun *r, struct rtask *T, uint64_t t,
                const struct vm_effect *eff);
void rtask_print(struct rtask *T, uint64_t t, const struct program *P,
                 const struct vm_effect *eff);

/* Sync objects (all backends): made, set to their starting state, freed. */
/* The request an op's effect makes of a sync object. */
static inline struct sync_call rsync_call(const struct vm_effect *eff)
{
    struct sync_call c = {eff->method, eff->value, eff->block, eff->timeout};

    return c;
}

void rsync_init(struct rrun *r);
void rsync_reset(struct rrun *r);
void rsync_destroy(struct rrun *r);
/* T asks a sync object for what eff says (the thread backends: it waits
 * here until granted, and the call's result is put on its stack).  0, -1
 * if the run stopped meanwhile, or the enum vm_error the task fails with. */
int rsync_request(struct rrun *r, struct rtask *T, const struct vm_effect *eff,
                  uint64_t t);
/* Records: T waits in obj (arg: sync_wait_arg; q: its queue); T's request
 * was granted at once; T got what it waited for (woken_by: the task that
 * let it go on, -1 if it was a lock's hand-off). */
void rsync_record_wait(struct rtask *T, uint64_t t, int obj, int arg, int q);
void rsync_record_done(struct rrun *r, struct rtask *T, uint64_t t,
                       const struct vm_effect *eff, const struct sync_reply *rep,
                       const struct sync_wake *wake);
void rsync_record_got(struct rrun *r, struct rtask *T, uint64_t t, int obj,
                      int woken_by);
/* Wake every waiter (after an abort). */
void rsync_wake_all(struct rrun *r);
/* A Value's number, from objs, into its module variable in r->mem. */
void rsync_show_value(struct rrun *r, const struct sync_obj *objs, int obj);
/* Release obj for T, whose error leaves a with block (the threads' way). */
void rsync_leave_with(struct rrun *r, struct rtask *T, uint64_t t, int obj);
/* 1 if every unfinished task waits for a sync object nobody will release;
 * fills dl_lock/dl_holder. */
int rsync_deadlocked(struct rrun *r);

/* Threads: start task u, which the code made (0, or ERR_START_TWICE);
 * wait, the GIL dropped, until task u has ended (0, or -1 if the run
 * stopped); release what T's with blocks entered, as its error leaves
 * them from pc. */
int rtask_start(struct rrun *r, int u);
int rtask_wait_ended(struct rrun *r, struct rtask *T, int u);
void rtask_leave_with(struct rrun *r, struct rtask *T, uint64_t t,
                      uint32_t pc);

/* Thread pools (pool.c).  rpool_op: T's call eff (VM_POOL) made real: 0,
 * -1 if the run stopped, or the error T fails with (a failed job's, with
 * its index in eff->index).  rpool_job_ends: worker T's job returned or
 * failed (eff): 0 if it has taken the next, 1 if it has ended, -1 if the
 * run stopped.  rpool_owner_fails: T's error shuts its pools down. */
void rpool_init(struct rrun *r);
void rpool_reset(struct rrun *r);
void rpool_destroy(struct rrun *r);
int rpool_op(struct rrun *r, struct rtask *T, struct vm_effect *eff,
             uint64_t t);
int rpool_job_ends(struct rrun *r, struct rtask *T,
                   const struct vm_effect *eff);
void rpool_owner_fails(struct rrun *r, struct rtask *T);

/* The GIL (gil.c). */
void rgil_init(struct rgil *g, int64_t interval_ns);
void rgil_destroy(struct rgil *g);
int rgil_take(struct rrun *r, struct rtask *T);
void rgil_drop(struct rrun *r, struct rtask *T, int forced);
void rgil_wake_all(struct rrun *r);

/* Threads: affinity and the start line. */
void rrun_pin_self(struct rrun *r);

/* Merge the records of the last run into a trace (merge.c). */
/* Stops at deadline_mono (CLOCK_MONOTONIC ns) or when the memory budget
 * is used up, with the trace cut short there and r->merge_cut set. */
struct trace *real_merge(struct rrun *r, uint64_t deadline_mono);

#endif
