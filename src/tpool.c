/* tpool.c - concurrent.futures.ThreadPoolExecutor's queue and futures
 * (tpool.h). */
#include <string.h>

#include "tpool.h"

int tpool_room(const struct tpools *ps, int64_t max)
{
    return ps->npools == TPOOL_MAX_POOLS || max > LESSON_MAX_TASKS ?
           ERR_POOL_CAP : ERR_NONE;
}

int tpool_new(struct tpools *ps, int owner, int base, int max, int process)
{
    int k = ps->npools++;
    struct tpool *pl = &ps->pools[k];

    memset(pl, 0, sizeof(*pl));
    pl->max = (int8_t)max;
    pl->base = (int8_t)base;
    pl->owner = (int8_t)owner;
    pl->process = (int8_t)(process != 0);
    return k;
}

int tpool_submit(struct tpools *ps, const struct program *P, int pool, int fn,
                 const int64_t *args, int nargs, int raw, int *job,
                 int *start)
{
    struct tpool *pl = &ps->pools[pool];
    struct tpool_job *jb;

    *start = -1;
    if (pl->shutdown)
        return ERR_POOL_SHUTDOWN;
    if (ps->njobs == TPOOL_MAX_JOBS)
        return ERR_POOL_CAP;
    *job = ps->njobs++;
    jb = &ps->jobs[*job];
    memset(jb, 0, sizeof(*jb));
    jb->fn = (int16_t)fn;
    jb->nargs = (int8_t)nargs;
    jb->pool = (int8_t)pool;
    jb->worker = -1;
    for (int i = 0; i < nargs; i++)
        if (raw ? vm_box(P, args[i], &jb->args[i]) :
            (jb->args[i] = args[i], 0))
            return ERR_BOXED;
    pl->queue[pl->qlen++] = (int8_t)*job;
    if (pl->process)
        return ERR_NONE;
    if (pl->idle > 0)
        pl->idle--;
    else if (pl->nthreads < pl->max)
        *start = pl->base + pl->nthreads++;
    return ERR_NONE;
}

int tpool_take(struct tpools *ps, int pool, int u, struct vm_effect *call)
{
    struct tpool *pl = &ps->pools[pool];
    int j = pl->queue[0];
    struct tpool_job *jb = &ps->jobs[j];

    pl->qlen--;
    memmove(pl->queue, pl->queue + 1, (size_t)pl->qlen);
    jb->state = JOB_RUNNING;
    jb->worker = (int8_t)u;
    memset(call, 0, sizeof(*call));
    call->index = jb->fn;
    call->vals = jb->args;
    call->nvals = jb->nargs;
    return j;
}

void tpool_job_ends(struct tpools *ps, int j, int err, int64_t v)
{
    struct tpool_job *jb = &ps->jobs[j];

    jb->state = err == ERR_NONE ? JOB_DONE : JOB_FAILED;
    jb->err = (int8_t)err;
    jb->result = v;
}
