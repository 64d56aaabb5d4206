/* sched_asyncio.c - coroutines on one event loop.
 *
 * One thread runs the loop.  The ready queue is FIFO; a coroutine runs until
 * it awaits, and then goes to the back of the queue (await sleep(0)) or onto
 * the timer queue until its wait ends; timers that end in the same tick wake
 * in the order they were set.  A blocking call - sleep(n) or io(n) without
 * await, or compute(n) - keeps the loop for its whole length: every other
 * coroutine waits, ready or not.
 */
#include "sim_impl.h"

static void aio_start(struct sim *s)
{
    for (int t = 0; t < s->nrun; t++)
        sim_start_task(s, t, 0);
}

static void aio_runnable(struct sim *s, int t, int64_t at, int why)
{
    sim_enqueue(s, t, TS_READY, at, why);
}

static void aio_dispatch(struct sim *s)
{
    sim_fill_cpus(s);
}

static void aio_left_cpu(struct sim *s, int t)
{
    (void)s;
    (void)t;
}

/* A blocking call inside the loop: the coroutine keeps the loop, blocked. */
static void aio_blocking_wait(struct sim *s, int t, int cpu, int kind,
                              int64_t n)
{
    struct sim_task *T = &s->tasks[t];

    (void)cpu;
    if (n == 0)
        return;
    T->busy = n;
    T->busy_kind = BUSY_STALL;
    T->wait_kind = (uint8_t)kind;
    sim_set_state(s, t, TS_BLOCKED, s->now + 1, 0);
    if (s->recording) {
        struct trace_event *ev = trace_event(s->tr, s->now, EV_STALL, t);

        ev->arg = n > INT32_MAX ? INT32_MAX : (int32_t)n;
        ev->arg2 = (int16_t)kind;
    }
}

static void aio_await_wait(struct sim *s, int t, int cpu, int kind, int64_t n)
{
    sim_switch_away(s, cpu, SW_AWAIT, n, kind, -1);
    if (n == 0)
        aio_runnable(s, t, s->now + 1, SW_AWAIT);
    else
        sim_start_timer(s, t, TS_BLOCKED, s->now + 1, sat_add(s->now + 1, n),
                        kind);
}

static void aio_exited(struct sim *s, int t, int64_t at)
{
    (void)s;
    (void)t;
    (void)at;
}

/* A coroutine on the loop gives it up only by awaiting. */
static int aio_may_switch(const struct sim *s, int t)
{
    (void)s;
    (void)t;
    return 0;
}

const struct sched_ops sched_asyncio = {
    .name = "asyncio",
    .start = aio_start,
    .dispatch = aio_dispatch,
    .runnable = aio_runnable,
    .took_cpu = NULL,
    .left_cpu = aio_left_cpu,
    .blocking_wait = aio_blocking_wait,
    .await_wait = aio_await_wait,
    .exited = aio_exited,
    .may_switch = aio_may_switch,
};
