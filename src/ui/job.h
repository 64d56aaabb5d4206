/* job.h - slow work the TUI does on a thread of its own.
 *
 * Exploring every interleaving of a scene or running it for real can take
 * seconds; the screen must stay alive meanwhile.  A job runs on its own
 * pthread, counts its progress in an atomic, can be cancelled, and is
 * collected by job_poll() from the application's tick.  Nothing here
 * draws.  Ownership: the job owns its result until job_take_*().
 */
#ifndef TT_UI_JOB_H
#define TT_UI_JOB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "explore.h"
#include "lesson.h"
#include "real/real.h"

enum job_kind { JOB_NONE, JOB_EXPLORE, JOB_REAL, JOB_MEASURE };

struct job {
    enum job_kind kind;
    int started;            /* the thread exists and is not joined */
    atomic_int done;
    atomic_int cancel;
    atomic_llong progress;  /* states explored, or runs done */
    int64_t total;          /* runs asked (real), 0 if unknown */
    pthread_t thread;
    /* what to do */
    const struct lesson *L;
    int scene;
    struct scene_config cfg;
    int max_preemptions;    /* explore: -1 none */
    int runs;               /* real */
    const char *python;     /* real: then in this CPython too (NULL: no) */
    int64_t widen_ns;       /* real: the C backend's race window */
    /* what came of it */
    struct explore_result *ex;
    struct real_result *real;
    /* real with python: the interpreter's runs, or why there are none
     * (python_err: it is missing or broken; py_fail: the program failed) */
    struct real_result *py;
    struct strbuf py_version, py_err;
    int py_gil;
    int64_t py_elapsed_ns;
    struct real_costs costs;    /* measure */
    struct strbuf err;
};

/* Start exploring scene (limited to max_states, so the TUI answers). */
int job_explore(struct job *j, const struct lesson *L, int scene,
                const struct scene_config *cfg, int max_preemptions,
                int64_t max_states);
/* Start runs real runs of scene on the C backend of its mode, then, if
 * python is not NULL, as many in that interpreter (probed first: a missing
 * one is not an error, py_err says why there are no CPython runs). */
int job_real(struct job *j, const struct lesson *L, int scene,
             const struct scene_config *cfg, int runs, int64_t widen_ns,
             const char *python);
/* Measure what switches cost on this machine (real_measure_costs). */
int job_measure(struct job *j);
/* Returns 1 once the job has finished (and joins its thread). */
int job_poll(struct job *j);
/* Stop the job and wait for it; frees whatever it made. */
void job_stop(struct job *j);
int job_busy(const struct job *j);

#endif
