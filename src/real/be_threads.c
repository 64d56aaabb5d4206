/* be_threads.c - the threads and gil backends: one pthread per task.
 *
 * Every thread is created first and waits at a start line; then all are
 * let go at once, so that short tasks overlap at all (creating a thread
 * takes tens of microseconds, longer than a small lesson's whole task).
 * The calling thread is the watchdog: it wakes every 2 ms to check the
 * time limit, the caller's cancel flag and, if the scene has locks or
 * pools, whether every unfinished task waits for a lock, a join or a pool
 * (a deadlock).  Stopping wakes every sleeping or waiting thread, and all
 * are joined before the run returns.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <time.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "real/real_impl.h"

enum { WATCH_NS = 2000000 };

static void *thread_main(void *p)
{
    struct rtask *T = p;
    struct rrun *r = T->run;

#ifdef PR_SET_TIMERSLACK
    /* Wake from sleeps on time, not up to 50 us late. */
    prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
#endif
    rrun_pin_self(r);
    pthread_mutex_lock(&r->done_mu);
    while (!r->go || (!atomic_load(&T->started) && !r->ending))
        pthread_cond_wait(&r->go_cv, &r->done_mu);
    if (!atomic_load(&T->started)) {
        /* a thread the code never started: it never runs */
        pthread_mutex_unlock(&r->done_mu);
        return NULL;
    }
    pthread_mutex_unlock(&r->done_mu);
    rtask_run(r, T);
    return NULL;
}

static void watch(struct rrun *r)
{
    pthread_mutex_lock(&r->done_mu);
    while (r->ndone < r->ntasks) {
        uint64_t until = rclock_mono_ns() + WATCH_NS;
        struct timespec ts;

        ts.tv_sec = (time_t)(until / 1000000000u);
        ts.tv_nsec = (long)(until % 1000000000u);
        pthread_cond_timedwait(&r->done_cv, &r->done_mu, &ts);
        if (r->ndone == r->ntasks || rrun_aborted(r))
            continue;
        pthread_mutex_unlock(&r->done_mu);
        if (r->opt->cancel && atomic_load(r->opt->cancel))
            rrun_abort(r, RA_CANCEL);
        else if (rclock_mono_ns() > r->deadline_mono)
            rrun_abort(r, RA_TIMEOUT);
        else if ((r->nlocks > 0 || r->pools) && rsync_deadlocked(r)) {
            r->dl_found = 1;
            rrun_abort(r, RA_DEADLOCK);
        }
        pthread_mutex_lock(&r->done_mu);
    }
    pthread_mutex_unlock(&r->done_mu);
}

static void threads_run(struct rrun *r)
{
    int created = 0;

    r->go = 0;
    r->ndone = 0;
    for (int t = 0; t < r->ntasks; t++) {
        struct rtask *T = &r->tasks[t];

        if (pthread_create(&T->thread, NULL, thread_main, T) != 0)
            break;
        T->has_thread = 1;
        created++;
    }
    pthread_mutex_lock(&r->done_mu);
    r->t0 = rclock_now();
    r->deadline_mono = rclock_mono_ns() + (uint64_t)r->opt->timeout_ns;
    r->deadline_raw = r->t0 + rclock_units((uint64_t)r->opt->timeout_ns);
    r->go = 1;
    r->ndone += r->ntasks - created;
    /* threads the code has not started count as done until it does */
    for (int t = r->nrun; t < created; t++)
        r->ndone++;
    pthread_cond_broadcast(&r->go_cv);
    pthread_mutex_unlock(&r->done_mu);
    if (created < r->ntasks) {
        r->limit_task = created;
        rrun_abort(r, RA_RESOURCE);
    }
    watch(r);
    pthread_mutex_lock(&r->done_mu);
    r->ending = 1;
    pthread_cond_broadcast(&r->go_cv);
    pthread_mutex_unlock(&r->done_mu);
    for (int t = 0; t < r->ntasks; t++)
        if (r->tasks[t].has_thread) {
            pthread_join(r->tasks[t].thread, NULL);
            r->tasks[t].has_thread = 0;
        }
}

static int threads_setup(struct rrun *r, struct strbuf *err)
{
    (void)err;
    r->fence = 1;
    r->threaded = 1;
    return 0;
}

static int gil_setup(struct rrun *r, struct strbuf *err)
{
    (void)err;
    r->fence = 1;
    r->threaded = 1;
    r->use_gil = 1;
    return 0;
}

static void threads_teardown(struct rrun *r)
{
    (void)r;
}

const struct real_backend real_threads = {
    .name = "threads",
    .detail = "pthreads",
    .setup = threads_setup,
    .run = threads_run,
    .teardown = threads_teardown,
};

const struct real_backend real_gil = {
    .name = "gil",
    .detail = "pthreads sharing a GIL",
    .setup = gil_setup,
    .run = threads_run,
    .teardown = threads_teardown,
};
