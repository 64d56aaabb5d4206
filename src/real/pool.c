/* pool.c - concurrent.futures.ThreadPoolExecutor in real runs.
 *
 * The simulator's pools (tpool.h, as CPython 3.13's thread.py has them) on
 * the threads and gil backends: each worker is the pthread of its lane,
 * fixed when the pool is made, started by the submit() that needs it.  The
 * pools are guarded by the run's sync_mu, as the sync objects are, so the
 * watchdog sees pool waits and lock waits at one instant.  A job is handed
 * to the worker idle longest, as in the simulator (a free-for-all would
 * let a real run take turns the simulator cannot replay): the handing task
 * sets up the worker's frame and wakes it on its own condition variable.
 * Every wait is timed and looks at rrun_aborted, so none outlives a stopped
 * run; the GIL is dropped for each.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <time.h>

#include "real/real_impl.h"

void rpool_init(struct rrun *r)
{
    r->pools = r->P->has_pools ? xcalloc(1, sizeof(*r->pools)) : NULL;
}

void rpool_reset(struct rrun *r)
{
    if (r->pools)
        memset(r->pools, 0, sizeof(*r->pools));
    r->pool_seq = 0;
    for (int t = 0; t < r->ntasks; t++) {
        struct rtask *T = &r->tasks[t];

        T->pool = T->job = T->pool_job = -1;
        T->pool_wait = RPOOL_NONE;
        T->idle_seq = 0;
    }
}

void rpool_destroy(struct rrun *r)
{
    free(r->pools);
    r->pools = NULL;
}

/* ---- waits (sync_mu held) ---------------------------------------------------- */

/* T waits for what pool_wait says, until the task that gives it clears
 * pool_wait, or the run stops: then 0, or -1 (and it waits no more). */
static int wait_given(struct rrun *r, struct rtask *T)
{
    while (T->pool_wait != RPOOL_NONE && !rrun_aborted(r)) {
        struct timespec ts;
        uint64_t until;

        clock_gettime(CLOCK_REALTIME, &ts);
        until = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec +
                2000000u;
        ts.tv_sec = (time_t)(until / 1000000000u);
        ts.tv_nsec = (long)(until % 1000000000u);
        pthread_cond_timedwait(&T->cv, &r->sync_mu, &ts);
    }
    if (T->pool_wait == RPOOL_NONE)
        return 0;
    T->pool_wait = RPOOL_NONE;
    return -1;
}

/* Let T go on from its pool wait. */
static void give(struct rtask *T)
{
    T->pool_wait = RPOOL_NONE;
    pthread_cond_signal(&T->cv);
}

/* T leaves its CPU (and the GIL) to wait, as the simulator draws it:
 * reason why, switch arg, state wait kind. */
static void switch_away(struct rrun *r, struct rtask *T, uint64_t t, int why,
                        int64_t arg, int arg2, int kind)
{
    struct real_rec *ev = rrec_event(T, t, EV_SWITCH);

    if (ev) {
        ev->why = (uint8_t)why;
        ev->value = arg;
        ev->arg2 = (int16_t)arg2;
    }
    rrec_state(T, t, TS_BLOCKED, -1, why, kind, -1);
    if (r->use_gil)
        rgil_drop(r, T, 0);
}

/* T is let go on: the wake (mark arg2, arg, other), and the GIL again. */
static int wake(struct rrun *r, struct rtask *T, int arg2, int64_t arg,
                int other)
{
    struct real_rec *ev = rrec_event(T, rclock_now(), EV_WAKE);

    if (ev) {
        ev->arg2 = (int16_t)arg2;
        ev->value = arg;
        ev->other = (int16_t)other;
    }
    return r->use_gil ? rgil_take(r, T) : 0;
}

/* ---- the queue (sync_mu held) ------------------------------------------------ */

/* Worker u takes the next job of its pool's queue: a fresh frame of the
 * job's function. */
static int take_job(struct rrun *r, int u)
{
    struct rtask *U = &r->tasks[u];
    struct vm_effect e;

    U->job = tpool_take(r->pools, U->pool, u, &e);
    return vm_init_spawned(&U->vm, r->P, &e) ? ERR_BOXED : ERR_NONE;
}

/* Give the queue's jobs to the pool's idle workers, the one idle longest
 * first (each waits in the SimpleQueue's get()). */
static void hand_out(struct rrun *r, int pool)
{
    const struct tpool *pl = &r->pools->pools[pool];

    while (pl->qlen > 0) {
        int u = -1;

        for (int i = 0; i < pl->nthreads; i++) {
            const struct rtask *W = &r->tasks[pl->base + i];

            if (W->pool_wait == RPOOL_WORK &&
                (u < 0 || W->idle_seq < r->tasks[u].idle_seq))
                u = pl->base + i;
        }
        if (u < 0)
            return;
        take_job(r, u);
        give(&r->tasks[u]);
    }
}

/* submit(F, args) and each item of map(F, xs): a job at the end of the
 * queue, and a new worker (in start, started by the caller once sync_mu
 * is let go) if the pool says so (tpool_submit); then the idle workers
 * take what is queued. */
static int submit(struct rrun *r, int pool, int fn, const int64_t *args,
                  int nargs, int raw, int *job, int *start, int *nstart)
{
    int u, err = tpool_submit(r->pools, r->P, pool, fn, args, nargs, raw, job,
                              &u);

    if (err != ERR_NONE)
        return err;
    if (u >= 0) {
        err = take_job(r, u);
        start[(*nstart)++] = u;
    }
    hand_out(r, pool);
    return err;
}

/* The tasks waiting in result() for job j go on: it is done or failed. */
static void job_done(struct rrun *r, int j)
{
    for (int u = 0; u < r->ntasks; u++) {
        struct rtask *U = &r->tasks[u];

        if (U->pool_wait == RPOOL_RESULT && U->pool_job == j)
            give(U);
    }
}

/* shutdown(): no more jobs; the idle workers end (each gets the None that
 * tells it so), the others once the queue is empty. */
static void pool_shutdown(struct rrun *r, int pool)
{
    struct tpool *pl = &r->pools->pools[pool];

    pl->shutdown = 1;
    for (int i = 0; i < pl->nthreads; i++) {
        struct rtask *W = &r->tasks[pl->base + i];

        if (W->pool_wait == RPOOL_WORK)
            give(W);    /* with no job: it ends */
    }
}

/* ---- the calls ---------------------------------------------------------------- */

/* ThreadPoolExecutor(max_workers=N): max_workers lanes are the pool's from
 * now on (the scene has them, named as CPython names its workers); none
 * runs until submit(). */
static int pool_new(struct rrun *r, struct rtask *T, const struct vm_effect *eff)
{
    int k, base, n = (int)eff->value;

    if (r->cfg.mode != MODE_THREADS && r->cfg.mode != MODE_GIL)
        return ERR_POOL_MODE;
    if (eff->value <= 0)
        return ERR_MAX_WORKERS;
    pthread_mutex_lock(&r->sync_mu);
    if (tpool_room(r->pools, eff->value) != ERR_NONE) {
        pthread_mutex_unlock(&r->sync_mu);
        return ERR_POOL_CAP;
    }
    base = r->nrun + atomic_fetch_add(&r->nspawned, n);
    if (base + n > r->ntasks) {
        pthread_mutex_unlock(&r->sync_mu);
        return ERR_SPAWN;
    }
    k = tpool_new(r->pools, T->id, base, n, 0);
    for (int i = 0; i < n; i++)
        r->tasks[base + i].pool = k;
    pthread_mutex_unlock(&r->sync_mu);
    vm_set_result(&T->vm, VM_OBJ(OBJ_POOL, k));
    return ERR_NONE;
}

/* submit() or map(): the jobs queued, and the workers they need started. */
static int pool_submit(struct rrun *r, struct rtask *T,
                       const struct vm_effect *eff)
{
    int start[LESSON_MAX_TASKS], nstart = 0, j = -1, err = ERR_NONE;
    int first = r->pools->njobs;
    int64_t v;

    if (eff->method == POOL_SUBMIT) {
        err = submit(r, eff->index, (int)eff->value, eff->vals, eff->nvals, 0,
                     &j, start, &nstart);
        v = VM_OBJ(OBJ_FUTURE, j);
    } else {
        /* every item is submitted first, as Executor.map does */
        for (int i = 0; i < eff->nvals && err == ERR_NONE; i++)
            err = submit(r, eff->index, (int)eff->value, &eff->vals[i], 1,
                         eff->block, &j, start, &nstart);
        v = VM_OBJ(OBJ_MAP, (uint32_t)first | (uint32_t)eff->nvals << 16);
    }
    pthread_mutex_unlock(&r->sync_mu);
    for (int i = 0; i < nstart; i++)
        rtask_start(r, start[i]);
    if (j >= 0)
        vm_set_result(&T->vm, v);
    return err;
}

/* result(): the job's value at once if it is done, else T waits (without
 * the GIL); a failed job's error is raised (its index in eff->index). */
static int pool_result(struct rrun *r, struct rtask *T, struct vm_effect *eff,
                       uint64_t t)
{
    const struct tpool_job *jb = &r->pools->jobs[eff->index];
    int j = eff->index, state = jb->state, err = jb->err, worker;
    int64_t v = jb->result;

    if (state != JOB_DONE && state != JOB_FAILED) {
        T->pool_wait = RPOOL_RESULT;
        T->pool_job = j;
        pthread_mutex_unlock(&r->sync_mu);
        switch_away(r, T, t, SW_RESULT, j, -1, VM_POOL);
        pthread_mutex_lock(&r->sync_mu);
        if (wait_given(r, T) < 0) {
            pthread_mutex_unlock(&r->sync_mu);
            return -1;
        }
        state = jb->state;
        err = jb->err;
        v = jb->result;
        worker = jb->worker;
        pthread_mutex_unlock(&r->sync_mu);
        if (state == JOB_DONE && wake(r, T, TRACE_RESULT_MARK, j, worker) < 0)
            return -1;
    } else {
        pthread_mutex_unlock(&r->sync_mu);
    }
    if (state == JOB_FAILED) {
        eff->index = (int32_t)v;
        return err;
    }
    vm_set_result(&T->vm, v);
    return 0;
}

/* The first of pool's started workers that has not ended, or -1. */
static int live_worker(struct rrun *r, int base, int n)
{
    for (int i = 0; i < n; i++)
        if (!atomic_load(&r->tasks[base + i].finished))
            return base + i;
    return -1;
}

/* The with block's exit: shutdown(wait=True) waits until every worker has
 * ended (no worker starts after the shutdown: base and n stay). */
static int pool_exit(struct rrun *r, struct rtask *T, int pool, uint64_t t)
{
    const struct tpool *pl = &r->pools->pools[pool];
    int base = pl->base, n = pl->nthreads, u, last = -1;

    pool_shutdown(r, pool);
    pthread_mutex_unlock(&r->sync_mu);
    while ((u = live_worker(r, base, n)) >= 0) {
        if (last < 0)
            switch_away(r, T, t, SW_JOIN, u, TRACE_WORK_MARK, VM_JOIN);
        if (rtask_wait_ended(r, T, u) < 0)
            return -1;
        last = u;
    }
    /* (arg 2: a pool's shutdown returns) */
    return last < 0 ? 0 : wake(r, T, TRACE_JOIN_MARK, 2, last);
}

int rpool_op(struct rrun *r, struct rtask *T, struct vm_effect *eff,
             uint64_t t)
{
    if (!r->pools)      /* (a program with a pool's call makes one) */
        return ERR_POOL_MODE;
    if (eff->method == POOL_NEW && eff->block)
        return ERR_PROCPOOL_MODE;   /* a ProcessPoolExecutor: processes */
    if (eff->method == POOL_NEW)
        return pool_new(r, T, eff);
    pthread_mutex_lock(&r->sync_mu);
    if (eff->index < 0 ||
        eff->index >= (eff->method == POOL_RESULT ? r->pools->njobs :
                       r->pools->npools)) {
        pthread_mutex_unlock(&r->sync_mu);
        return ERR_TYPE;    /* (the compiler lets no other value here) */
    }
    switch ((enum vm_pool_op)eff->method) {
    case POOL_SUBMIT:
    case POOL_MAP:
        return pool_submit(r, T, eff);
    case POOL_RESULT:
        return pool_result(r, T, eff, t);
    case POOL_SHUTDOWN:
        return pool_exit(r, T, eff->index, t);
    case POOL_NEW:
        break;
    }
    pthread_mutex_unlock(&r->sync_mu);
    return ERR_NONE;
}

/* ---- a worker between jobs ----------------------------------------------------- */

/* A failed job's error is kept in its future, not printed: the trace
 * keeps it as the simulator does (a print marked TRACE_WORK_MARK). */
static void keep_error(struct rrun *r, struct rtask *T, uint64_t t,
                       const struct vm_effect *eff)
{
    struct strbuf sb;
    struct real_rec *ev;

    sb_init(&sb);
    vm_format_error(r->P, eff, &sb);
    if ((ev = rrec_event(T, t, EV_PRINT)) != NULL) {
        ev->value = rrec_text(T, sb.s ? sb.s : "");
        ev->arg2 = TRACE_WORK_MARK;
    }
    sb_done(&sb);
}

/* Worker T ends: its pool is shut down and has no job left for it. */
static int worker_exits(struct rrun *r, struct rtask *T)
{
    uint64_t t = rclock_now();

    rrec_event(T, t, EV_EXIT);
    rtask_end(r, T, t, TS_DONE);
    return 1;
}

int rpool_job_ends(struct rrun *r, struct rtask *T, const struct vm_effect *eff)
{
    int err = eff->status == VM_ERROR ? eff->error : ERR_NONE;
    uint64_t t = rclock_now();
    const struct tpool *pl = &r->pools->pools[T->pool];

    if (err != ERR_NONE) {
        rtask_leave_with(r, T, t, eff->pc);
        keep_error(r, T, t, eff);
    }
    pthread_mutex_lock(&r->sync_mu);
    tpool_job_ends(r->pools, T->job, err, err == ERR_NONE ? eff->value :
                   eff->index);
    job_done(r, T->job);
    /* the next job if there is one, the end once the pool is shut down,
     * else it is idle (it releases the idle semaphore) and waits in the
     * queue's get() */
    T->job = -1;
    if (pl->qlen > 0) {
        struct vm_effect fail;

        memset(&fail, 0, sizeof(fail));
        fail.error = (uint8_t)take_job(r, T->id);
        pthread_mutex_unlock(&r->sync_mu);
        if (fail.error == ERR_NONE)
            return 0;
        fail.status = VM_ERROR;
        fail.pc = eff->pc;
        rtask_fail(r, T, rclock_now(), &fail);
        return 1;
    }
    if (pl->shutdown) {
        pthread_mutex_unlock(&r->sync_mu);
        return worker_exits(r, T);
    }
    r->pools->pools[T->pool].idle++;
    T->pool_wait = RPOOL_WORK;
    T->idle_seq = ++r->pool_seq;
    pthread_mutex_unlock(&r->sync_mu);
    switch_away(r, T, t, SW_WORK, T->pool, -1, VM_POOL);
    pthread_mutex_lock(&r->sync_mu);
    if (wait_given(r, T) < 0) {
        pthread_mutex_unlock(&r->sync_mu);
        return -1;
    }
    pthread_mutex_unlock(&r->sync_mu);
    if (T->job < 0)
        return worker_exits(r, T);
    return wake(r, T, TRACE_WORK_MARK, T->job, -1) < 0 ? -1 : 0;
}

void rpool_owner_fails(struct rrun *r, struct rtask *T)
{
    pthread_mutex_lock(&r->sync_mu);
    for (int k = 0; k < r->pools->npools; k++)
        if (r->pools->pools[k].owner == T->id &&
            !r->pools->pools[k].shutdown)
            pool_shutdown(r, k);
    pthread_mutex_unlock(&r->sync_mu);
}
