/* sched_sequential.c - one task after another, as a plain program would.
 *
 * Task i + 1 starts when task i has ended.  A wait (sleep, I/O) leaves the
 * one CPU idle: nobody else may use the time, which is the point.
 */
#include "sim_impl.h"

static void seq_start(struct sim *s)
{
    sim_start_task(s, 0, 0);
}

static void seq_runnable(struct sim *s, int t, int64_t at, int why)
{
    sim_enqueue(s, t, TS_READY, at, why);
}

static void seq_dispatch(struct sim *s)
{
    sim_fill_cpus(s);
}

static void seq_left_cpu(struct sim *s, int t)
{
    (void)s;
    (void)t;
}

static void seq_wait(struct sim *s, int t, int cpu, int kind, int64_t n)
{
    sim_wait_off_cpu(s, t, cpu, kind, n);
}

static void seq_exited(struct sim *s, int t, int64_t at)
{
    for (int next = t + 1; next < s->ntasks; next++)
        if (s->tasks[next].state == TS_NEW) {
            sim_start_task(s, next, at);
            return;
        }
}

static int seq_may_switch(const struct sim *s, int t)
{
    (void)s;
    (void)t;
    return 0;
}

const struct sched_ops sched_sequential = {
    .name = "sequential",
    .start = seq_start,
    .dispatch = seq_dispatch,
    .runnable = seq_runnable,
    .took_cpu = NULL,
    .left_cpu = seq_left_cpu,
    .blocking_wait = seq_wait,
    .await_wait = seq_wait,
    .exited = seq_exited,
    .may_switch = seq_may_switch,
};
