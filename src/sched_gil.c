/* sched_gil.c - Python threads: only the holder of the GIL runs bytecode.
 *
 * Modelled on CPython's ceval_gil.c.  Threads that can run wait for the GIL
 * in FIFO order.  A waiter that has waited a whole switch interval, with no
 * switch in that interval, sets the drop request.  The holder looks at the
 * request only at a checkpoint: by default where CPython 3.13 checks its
 * eval breaker (RESUME at a function's start, JUMP_BACKWARD, after a CALL
 * of a builtin: the instructions flagged IF_BREAKER; `checkpoints
 * loops-and-calls`), or between any two ops under `checkpoints every-op`
 * (Python 3.9 and older); a tick of compute() is always a checkpoint, since
 * it stands for Python code with loops.  The
 * holder then drops the GIL and joins the back of the queue, so another
 * thread takes it (forced switching).  Sleeping, waiting for I/O or for a
 * lock releases the GIL; a thread that wakes must wait for it again.
 * The OS scheduler is not modelled here: the holder runs on cpu 0 and any
 * other CPUs stay idle, which is the lesson; quantum and preempt have no
 * effect.
 */
#include "sim_impl.h"

static void gil_start(struct sim *s)
{
    for (int t = 0; t < s->nrun; t++)
        sim_start_task(s, t, 0);
}

static void gil_runnable(struct sim *s, int t, int64_t at, int why)
{
    s->tasks[t].since = at;
    sim_enqueue(s, t, TS_GIL_WAIT, at, why);
}

/* When waiter w's timed waits (of one interval each, starting when it began
 * to wait) first end with the holder unchanged throughout. */
static int64_t request_time(const struct sim *s, int w)
{
    int64_t since = s->tasks[w].since, iv = s->cfg.switch_interval;

    if (s->gil_since <= since)
        return since + iv;
    return since + iv * (1 + (s->gil_since - since + iv - 1) / iv);
}

static void gil_dispatch(struct sim *s)
{
    int h = s->gil_holder;

    if (h >= 0 && s->nready > 0) {
        if (!s->gil_drop) {
            int64_t when = INT64_MAX;
            int who = -1;

            for (int t = 0; t < s->ntasks; t++)
                if (s->tasks[t].state == TS_GIL_WAIT) {
                    int64_t r = request_time(s, t);

                    if (r < when || (r == when && who >= 0 &&
                                     s->tasks[t].seq < s->tasks[who].seq)) {
                        when = r;
                        who = t;
                    }
                }
            if (s->now >= when) {
                s->gil_drop = 1;
                if (s->recording) {
                    struct trace_event *ev =
                        trace_event(s->tr, s->now, EV_GIL_REQUEST, who);

                    ev->other = (int16_t)h;
                    ev->arg = s->cfg.switch_interval;
                }
            }
        }
        if (s->gil_drop && s->tasks[h].checkpoint) {
            sim_preempt(s, s->tasks[h].cpu, SW_GIL_DROP, s->cfg.switch_interval);
            h = -1;
        }
    }
    if (h < 0 && s->nready > 0) {
        sim_run_on(s, sim_pop_ready(s), 0, s->now);
    }
}

static void gil_took_cpu(struct sim *s, int t)
{
    s->gil_holder = t;
    s->gil_since = s->now;
    s->gil_drop = 0;
    if (s->recording)
        trace_event(s->tr, s->now, EV_GIL_TAKE, t);
}

static void gil_left_cpu(struct sim *s, int t)
{
    if (s->gil_holder == t) {
        s->gil_holder = -1;
        s->gil_drop = 0;
    }
}

static void gil_blocking_wait(struct sim *s, int t, int cpu, int kind, int64_t n)
{
    sim_wait_off_cpu(s, t, cpu, kind, n);
}

static void gil_await_wait(struct sim *s, int t, int cpu, int kind, int64_t n)
{
    if (n > 0) {
        sim_wait_off_cpu(s, t, cpu, kind, n);
        return;
    }
    sim_switch_away(s, cpu, SW_AWAIT, 0, kind, -1);
    gil_runnable(s, t, s->now + 1, SW_AWAIT);
}

static void gil_exited(struct sim *s, int t, int64_t at)
{
    (void)s;
    (void)t;
    (void)at;
}

static int gil_may_switch(const struct sim *s, int t)
{
    return s->tasks[t].checkpoint;
}

const struct sched_ops sched_gil = {
    .name = "gil",
    .start = gil_start,
    .dispatch = gil_dispatch,
    .runnable = gil_runnable,
    .took_cpu = gil_took_cpu,
    .left_cpu = gil_left_cpu,
    .blocking_wait = gil_blocking_wait,
    .await_wait = gil_await_wait,
    .exited = gil_exited,
    .may_switch = gil_may_switch,
};
