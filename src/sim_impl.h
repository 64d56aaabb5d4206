/* sim_impl.h - the simulator's state, shared by sim.c and the schedulers.
 *
 * Only sim.c and sched_*.c include this.  Each scheduling mode is a const
 * struct sched_ops; the helpers below are the vocabulary the modes use to
 * move tasks between CPUs, queues and timers, recording every change.
 */
#ifndef TT_SIM_IMPL_H
#define TT_SIM_IMPL_H

#include "sim.h"
#include "sync.h"
#include "tpool.h"

enum busy_kind { BUSY_NONE, BUSY_COMPUTE, BUSY_STALL };

struct sim_task {
    struct vm vm;
    int64_t wake;       /* end of a timed wait (TS_BLOCKED, TS_STARTING) */
    int64_t busy;       /* ticks left of a compute or of a loop stall */
    int64_t end;        /* when it finished */
    int64_t since;      /* when it began waiting for the GIL */
    int64_t tie;        /* asyncio: tick its timer made it ready, else -1 */
    int64_t result;     /* what its function returned (an awaited task's
                         * value) */
    uint64_t seq;       /* order among the ready, the timers, the waiters */
    int32_t slice;      /* ticks run since it was put on its CPU */
    int16_t lock;       /* TS_LOCK_WAIT: the sync object waited for */
    int8_t cpu;         /* its CPU while TS_RUNNING, else -1 */
    int8_t join;        /* TS_BLOCKED in a join(): the task joined, else -1 */
    uint8_t state;      /* enum task_state */
    uint8_t space;      /* memory space: 0, or its process's own */
    uint8_t busy_kind;
    uint8_t wait_kind;  /* TS_BLOCKED: the vm_status that started the wait */
    uint8_t checkpoint; /* the GIL may be dropped before its next op */
    uint8_t why;        /* reason of its last switch, for span marks */
    uint8_t retrieved;  /* an asyncio task: something awaits or gathers it
                         * (its exception, if it fails, is raised there;
                         * 2: a gather with return_exceptions=True keeps
                         * it as a value) */
    uint32_t last_pc;   /* its last op */
    int8_t pool;        /* a pool's worker: its pool, else -1 */
    int8_t job;         /* the job a worker runs, else -1 */
    int8_t shut;        /* TS_BLOCKED in a pool's shutdown: the pool, -1 */
    int8_t pad8;
};

struct sched_ops {
    const char *name;
    /* The tasks' states at tick 0. */
    void (*start)(struct sim *s);
    /* At the start of every tick: preempt, and put tasks on free CPUs. */
    void (*dispatch)(struct sim *s);
    /* Task t can run from time at (woken, preempted, got its lock); why is
     * the reason it was switched out, if it was. */
    void (*runnable)(struct sim *s, int t, int64_t at, int why);
    /* Task t was put on a CPU / taken off it (for any reason). */
    void (*took_cpu)(struct sim *s, int t);
    void (*left_cpu)(struct sim *s, int t);
    /* sleep(n) / io(n) not awaited; await sleep(n) / await io(n). */
    void (*blocking_wait)(struct sim *s, int t, int cpu, int kind, int64_t n);
    void (*await_wait)(struct sim *s, int t, int cpu, int kind, int64_t n);
    /* Task t has ended (returned or failed). */
    void (*exited)(struct sim *s, int t, int64_t at);
    /* May a scripted schedule switch away from running task t now? */
    int (*may_switch)(const struct sim *s, int t);
};

extern const struct sched_ops sched_sequential, sched_threads, sched_gil,
    sched_asyncio, sched_processes;

struct sim_turn {
    int64_t t;
    int task;
};

struct sim_checkpoint {
    int64_t t;
    size_t off;         /* into ckbuf */
};

struct sim {
    const struct lesson *L;
    const struct program *prog;
    const struct scene *scene;
    struct scene_config cfg;
    const struct sched_ops *ops;

    int ntasks, ncpus, nspaces, nglobals, nlocks;
    /* Tasks nrun.. are threads started by code (threading.Thread): the
     * next one made takes task nrun + nspawned; nunstarted of them are
     * still TS_NEW (made or not, never started), and the run ends when
     * every other task has. */
    int nrun, nspawned, nunstarted;
    /* Discovering the threads a scene makes (sim_discover): the label,
     * function and place of each, in the order made. */
    int discover, nnamed;
    struct sim_spawn *spawns;
    struct sim_task *tasks;
    int *cpus;          /* task on each CPU, -1 when idle */
    _Atomic int64_t *mem;  /* nspaces x nglobals */
    struct sync_obj *sync; /* nspaces x nlocks: the sync objects */
    struct tpools *pools;   /* the ThreadPoolExecutors (tpool.h), NULL if
                             * none */
    int *pending_switch; /* per CPU: event index of the last switch away */

    int64_t now;
    uint64_t rng;
    uint64_t seqno;
    int64_t steps;      /* ops executed */
    int64_t next_wake;  /* earliest timer, INT64_MAX if none */
    int nready;         /* tasks in the ready queue (or waiting for the GIL) */
    int ndone;
    int gil_holder;
    int gil_drop;       /* drop request set */
    int64_t gil_since;  /* when the holder took the GIL */
    int last_task;

    struct schedule sched;  /* scripted turns */
    int sched_step;
    int64_t sched_used;     /* ticks used of the current step */
    int force;              /* task to run in the next tick, -1 */
    /* Turns chosen with sim_force while recording, in tick order, so that
     * seeking replays them; from tick takeover on the script gives way. */
    struct sim_turn *turns;
    size_t nturns, cap_turns;
    int64_t takeover;       /* INT64_MAX until sim_take_over */
    int sched_error;        /* a scripted turn could not be taken */

    enum trace_status status;
    struct trace *tr;
    int recording;
    struct sim_checkpoint *cks;
    size_t nck, cap_ck;
    unsigned char *ckbuf;
    size_t cklen, ckcap;
    int64_t ck_steps, ck_t;
    unsigned char *scratch; /* a state buffer for seeking */
};

/* Time beyond which a run is stopped (the tick limit). */
#define SIM_MAX_TICKS INT64_C(100000000)

/* ---- helpers for the schedulers (sim.c) ---------------------------------- */

void sim_set_state(struct sim *s, int t, int state, int64_t at, int why);
/* Append t to the ready queue in state (TS_READY or TS_GIL_WAIT). */
void sim_enqueue(struct sim *s, int t, int state, int64_t at, int why);
/* Remove and return the head of the ready queue, or -1. */
int sim_pop_ready(struct sim *s);
int sim_peek_ready(const struct sim *s);
void sim_run_on(struct sim *s, int t, int cpu, int64_t at);
/* Take t off its CPU because of reason; records the switch. */
void sim_switch_away(struct sim *s, int cpu, int reason, int64_t arg,
                     int arg2, int other);
/* Preempt the task on cpu (now) and make it runnable again. */
void sim_preempt(struct sim *s, int cpu, int reason, int64_t arg);
/* t waits from time at until time until, in state (TS_BLOCKED or
 * TS_STARTING); kind is the vm_status that started the wait. */
void sim_start_timer(struct sim *s, int t, int state, int64_t at,
                     int64_t until, int kind);
/* t starts (records it) and can run from time at. */
void sim_start_task(struct sim *s, int t, int64_t at);
/* Take a queued task out of the ready queue (to run it). */
void sim_unqueue(struct sim *s, int t);
/* Default blocking wait: off the CPU until now + 1 + n. */
void sim_wait_off_cpu(struct sim *s, int t, int cpu, int kind, int64_t n);
/* Fill free CPUs from the ready queue, lower CPU first. */
void sim_fill_cpus(struct sim *s);
uint64_t sim_random(struct sim *s);
void sim_fail_task(struct sim *s, int t, int err, int64_t index);

#endif
