/* tpool.h - concurrent.futures.ThreadPoolExecutor's queue and futures.
 *
 * As CPython 3.13's Lib/concurrent/futures/thread.py keeps them: one queue
 * of work items per pool (a SimpleQueue), workers started by submit() only
 * while no worker is idle (its idle semaphore) and fewer than max_workers
 * run, each taking the next job when it has finished one; shutdown puts no
 * more work.  The simulator (sim.c) and the real thread backends
 * (real/pool.c) keep their pools here and take these decisions through
 * the same functions, so a real pool takes only the steps a simulated one
 * can; who runs, waits and wakes is theirs.  Pool k's worker i is task
 * base + i, named ThreadPoolExecutor-k_i.  Plain bytes: saved by copying.
 */
#ifndef TT_TPOOL_H
#define TT_TPOOL_H

#include <stdint.h>

#include "lesson.h"
#include "vm.h"

/* The limits ERR_POOL_CAP states. */
enum { TPOOL_MAX_POOLS = 4, TPOOL_MAX_JOBS = 32 };
enum tpool_job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED };

struct tpool_job {
    int64_t result;     /* JOB_DONE: its value; JOB_FAILED: the error's
                         * index (vm_effect.index) */
    int64_t args[LESSON_MAX_PARAMS];
    int16_t fn;
    int8_t state, nargs, pool, err, worker, pad;
};

/* A ProcessPoolExecutor (process 1) is the same pool as CPython 3.13's
 * process.py has it with fork: its first submit() forks all max_workers
 * workers (nthreads is 0 before, max after), each a copy of the owner's
 * memory space, and each worker runs its jobs in its own space; its
 * workers are never started one by one. */
struct tpool {
    int8_t max, nthreads, idle, shutdown, owner, base, qlen, process;
    int8_t queue[TPOOL_MAX_JOBS];   /* jobs waiting, the next first */
};

struct tpools {
    int32_t npools, njobs;
    struct tpool pools[TPOOL_MAX_POOLS];
    struct tpool_job jobs[TPOOL_MAX_JOBS];
};

/* ThreadPoolExecutor(max_workers=max): ERR_POOL_CAP if ps has no room for
 * it, else ERR_NONE. */
int tpool_room(const struct tpools *ps, int64_t max);
/* The pool made by task owner, its workers the tasks base... (process: a
 * ProcessPoolExecutor's): its index. */
int tpool_new(struct tpools *ps, int owner, int base, int max, int process);
/* submit(fn, args) (raw: numbers to box): an error, and nothing queued;
 * or ERR_NONE with the job at the end of the queue (*job), then
 * _adjust_thread_count: an idle worker will take it, or *start is the
 * worker to start now, which must take the next job (else -1).  A process
 * pool's job waits for an idle worker; *start is -1. */
int tpool_submit(struct tpools *ps, const struct program *P, int pool, int fn,
                 const int64_t *args, int nargs, int raw, int *job,
                 int *start);
/* Worker u of pool takes the next job of the queue: the job, and in *call
 * the call of its function (index, vals, nvals; for vm_init_spawned). */
int tpool_take(struct tpools *ps, int pool, int u, struct vm_effect *call);
/* Job j returned v, or failed with err (v: the error's index). */
void tpool_job_ends(struct tpools *ps, int j, int err, int64_t v);

#endif
