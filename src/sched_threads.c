/* sched_threads.c - OS threads and processes: preemptive round robin.
 *
 * A FIFO ready queue shared by all CPUs.  At the start of a tick a thread
 * whose time slice (quantum) is used up goes to the back of the queue if
 * another thread is waiting for a CPU and no CPU is free to take it (a
 * thread is never preempted while a CPU is free); with `preempt random`,
 * each tick each running thread is interrupted with probability 1/quantum
 * instead.  Free CPUs then take threads from the head of the queue, lower
 * CPU first.
 * Processes are scheduled the same way; they differ in memory (each has its
 * own copy of the variables, set up in sim.c) and in starting: process i
 * (0-based, in run order) is ready only at tick (i + 1) * spawn-cost.
 */
#include "sim_impl.h"

static void threads_start(struct sim *s)
{
    for (int t = 0; t < s->nrun; t++)
        sim_start_task(s, t, 0);
}

static void processes_start(struct sim *s)
{
    for (int t = 0; t < s->nrun; t++) {
        int64_t ready = (int64_t)(t + 1) * s->cfg.spawn_cost;

        if (ready == 0)
            sim_start_task(s, t, 0);
        else
            sim_start_timer(s, t, TS_STARTING, 0, ready, 0);
    }
}

static void threads_runnable(struct sim *s, int t, int64_t at, int why)
{
    sim_enqueue(s, t, TS_READY, at, why);
}

static void threads_dispatch(struct sim *s)
{
    const struct scene_config *c = &s->cfg;
    int waiting = s->nready, preempted = 0;

    /* Waiting threads that a free CPU will take need no preemption. */
    for (int cpu = 0; cpu < s->ncpus; cpu++)
        if (s->cpus[cpu] < 0 && waiting > 0)
            waiting--;
    for (int cpu = 0; cpu < s->ncpus; cpu++) {
        int t = s->cpus[cpu];
        int expired;

        if (t < 0)
            continue;
        if (c->preempt == PREEMPT_RANDOM)
            expired = sim_random(s) % (uint64_t)c->quantum == 0 &&
                      s->tasks[t].slice > 0;
        else
            expired = s->tasks[t].slice >= c->quantum;
        if (!expired)
            continue;
        if (preempted < waiting) {
            sim_preempt(s, cpu, c->preempt == PREEMPT_RANDOM ? SW_RANDOM :
                        SW_QUANTUM, c->quantum);
            preempted++;
        } else {
            s->tasks[t].slice = 0; /* nobody waits: a fresh slice */
        }
    }
    sim_fill_cpus(s);
}

static void threads_left_cpu(struct sim *s, int t)
{
    (void)s;
    (void)t;
}

static void threads_blocking_wait(struct sim *s, int t, int cpu, int kind,
                                  int64_t n)
{
    sim_wait_off_cpu(s, t, cpu, kind, n);
}

/* Outside asyncio, `await sleep(0)` gives up the CPU like sched_yield();
 * other awaited waits block the thread like their plain forms. */
static void threads_await_wait(struct sim *s, int t, int cpu, int kind,
                               int64_t n)
{
    if (n > 0) {
        sim_wait_off_cpu(s, t, cpu, kind, n);
        return;
    }
    sim_switch_away(s, cpu, SW_AWAIT, 0, kind, -1);
    s->ops->runnable(s, t, s->now + 1, SW_AWAIT);
}

static void threads_exited(struct sim *s, int t, int64_t at)
{
    (void)s;
    (void)t;
    (void)at;
}

static int threads_may_switch(const struct sim *s, int t)
{
    (void)s;
    (void)t;
    return 1;
}

const struct sched_ops sched_threads = {
    .name = "threads",
    .start = threads_start,
    .dispatch = threads_dispatch,
    .runnable = threads_runnable,
    .took_cpu = NULL,
    .left_cpu = threads_left_cpu,
    .blocking_wait = threads_blocking_wait,
    .await_wait = threads_await_wait,
    .exited = threads_exited,
    .may_switch = threads_may_switch,
};

const struct sched_ops sched_processes = {
    .name = "processes",
    .start = processes_start,
    .dispatch = threads_dispatch,
    .runnable = threads_runnable,
    .took_cpu = NULL,
    .left_cpu = threads_left_cpu,
    .blocking_wait = threads_blocking_wait,
    .await_wait = threads_await_wait,
    .exited = threads_exited,
    .may_switch = threads_may_switch,
};
