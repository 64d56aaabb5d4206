/* gil.c - a real Global Interpreter Lock, built as CPython builds its own.
 *
 * Follows Python/ceval_gil.c (take_gil, drop_gil, FORCE_SWITCHING): a
 * thread that finds the GIL taken waits on a condition variable one switch
 * interval at a time; when an interval passes without a switch it sets the
 * drop request.  The holder looks at the request at checkpoints
 * (real_task.c: between any two ops, or only after backward jumps and
 * calls, as the scene's `checkpoints` says), drops the GIL, and waits on a
 * second condition variable until some other thread has taken it, so the
 * requester really gets its turn.  Waiting for I/O, a sleep or a lock
 * drops the GIL without that wait.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <time.h>

#include "real/real_impl.h"

void rgil_init(struct rgil *g, int64_t interval_ns)
{
    pthread_condattr_t ca;

    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, &ca);
    pthread_mutex_init(&g->switch_mu, NULL);
    pthread_cond_init(&g->switch_cv, NULL);
    pthread_condattr_destroy(&ca);
    g->locked = 0;
    g->holder = -1;
    g->switches = 0;
    atomic_init(&g->drop_request, 0);
    g->last_holder = -1;
    g->interval_ns = interval_ns > 0 ? interval_ns : 1;
}

void rgil_destroy(struct rgil *g)
{
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->switch_mu);
    pthread_cond_destroy(&g->switch_cv);
}

int rgil_take(struct rrun *r, struct rtask *T)
{
    struct rgil *g = &r->gil;
    struct real_rec *ev;

    pthread_mutex_lock(&g->mu);
    while (g->locked && !rrun_aborted(r)) {
        uint64_t saved = g->switches;
        uint64_t until = rclock_add(rclock_mono_ns(), (uint64_t)g->interval_ns);
        struct timespec ts;
        int rc;

        ts.tv_sec = (time_t)(until / 1000000000u);
        ts.tv_nsec = (long)(until % 1000000000u);
        rc = pthread_cond_timedwait(&g->cv, &g->mu, &ts);
        if (rc == ETIMEDOUT && g->locked && g->switches == saved &&
            !atomic_load_explicit(&g->drop_request, memory_order_relaxed)) {
            /* A whole interval and no switch: ask the holder to drop it. */
            atomic_store_explicit(&g->drop_request, 1, memory_order_relaxed);
            if ((ev = rrec_event(T, rclock_now(), EV_GIL_REQUEST)) != NULL) {
                ev->other = (int16_t)g->holder;
                ev->value = r->cfg.switch_interval;
            }
        }
    }
    if (rrun_aborted(r)) {
        pthread_mutex_unlock(&g->mu);
        return -1;
    }
    pthread_mutex_lock(&g->switch_mu);
    g->locked = 1;
    g->holder = T->id;
    if (g->last_holder != T->id) {
        g->last_holder = T->id;
        g->switches++;
    }
    pthread_cond_signal(&g->switch_cv);
    pthread_mutex_unlock(&g->switch_mu);
    /* A request was meant for the thread that had the GIL. */
    atomic_store_explicit(&g->drop_request, 0, memory_order_relaxed);
    pthread_mutex_unlock(&g->mu);
    T->has_gil = 1;
    {
        uint64_t t = rclock_now();

        rrec_event(T, t, EV_GIL_TAKE);
        rrec_state(T, t, TS_RUNNING, rrun_lane(r), 0, 0, -1);
    }
    return 0;
}

void rgil_drop(struct rrun *r, struct rtask *T, int forced)
{
    struct rgil *g = &r->gil;

    T->has_gil = 0;
    pthread_mutex_lock(&g->mu);
    g->locked = 0;
    g->holder = -1;
    pthread_cond_signal(&g->cv);
    pthread_mutex_unlock(&g->mu);
    if (!forced)
        return;
    /* Forced switching: wait until another thread has taken the GIL, or
     * the dropping thread could simply take it back. */
    pthread_mutex_lock(&g->switch_mu);
    while (g->last_holder == T->id && !rrun_aborted(r))
        pthread_cond_wait(&g->switch_cv, &g->switch_mu);
    pthread_mutex_unlock(&g->switch_mu);
}

void rgil_wake_all(struct rrun *r)
{
    struct rgil *g = &r->gil;

    pthread_mutex_lock(&g->mu);
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
    pthread_mutex_lock(&g->switch_mu);
    pthread_cond_broadcast(&g->switch_cv);
    pthread_mutex_unlock(&g->switch_mu);
}
