/* job.c - explorer and real runs on a thread of their own (see job.h). */
#include "ui/job.h"

#include <string.h>

#include "real/cpython.h"

static int explore_progress(void *arg, int64_t states)
{
    struct job *j = arg;

    atomic_store(&j->progress, (long long)states);
    return atomic_load(&j->cancel);
}

static void real_progress(void *arg, int done, int total)
{
    struct job *j = arg;

    (void)total;
    atomic_store(&j->progress, (long long)done);
}

/* CPython's runs come after the C backend's: count on from them. */
static void python_progress(void *arg, int done, int total)
{
    struct job *j = arg;

    (void)total;
    atomic_store(&j->progress, (long long)(j->runs + done));
}

static void run_python(struct job *j)
{
    struct cpython_options o;

    if (cpython_probe(j->python, &j->py_version, &j->py_gil, &j->py_err) < 0)
        return;
    memset(&o, 0, sizeof(o));
    o.python = j->python;
    o.runs = j->runs;
    o.ex.tick_ns = real_default_tick(j->L, j->scene, &j->cfg);
    o.ex.bound_s = 10.0;
    o.cancel = &j->cancel;
    o.progress = python_progress;
    o.progress_arg = j;
    j->py = cpython_run(j->L, j->scene, &j->cfg, &o, &j->py_elapsed_ns,
                        &j->py_err);
}

static void *run(void *arg)
{
    struct job *j = arg;

    if (j->kind == JOB_EXPLORE) {
        struct explore_limits lim;

        explore_limits_init(&lim);
        lim.max_preemptions = j->max_preemptions;
        if (j->total > 0)
            lim.max_states = j->total;
        lim.progress = explore_progress;
        lim.progress_arg = j;
        j->ex = explore_run(j->L, j->scene, &j->cfg, &lim);
    } else if (j->kind == JOB_MEASURE) {
        real_measure_costs(&j->costs);
    } else {
        struct real_options opt;

        real_options_init(&opt);
        opt.runs = j->runs;
        opt.widen_ns = j->widen_ns;
        opt.cancel = &j->cancel;
        opt.progress = real_progress;
        opt.progress_arg = j;
        j->real = real_run(j->L, j->scene, &j->cfg, &opt, &j->err);
        if (j->python && !atomic_load(&j->cancel))
            run_python(j);
    }
    atomic_store(&j->done, 1);
    return NULL;
}

static int start(struct job *j, enum job_kind kind, const struct lesson *L,
                 int scene, const struct scene_config *cfg)
{
    job_stop(j);
    j->kind = kind;
    j->L = L;
    j->scene = scene;
    j->cfg = *cfg;
    atomic_store(&j->done, 0);
    atomic_store(&j->cancel, 0);
    atomic_store(&j->progress, 0);
    sb_init(&j->err);
    sb_init(&j->py_version);
    sb_init(&j->py_err);
    j->py_gil = 1;
    j->py_elapsed_ns = 0;
    if (pthread_create(&j->thread, NULL, run, j) != 0) {
        sb_puts(&j->err, "cannot start a thread");
        j->kind = JOB_NONE;
        return -1;
    }
    j->started = 1;
    return 0;
}

int job_explore(struct job *j, const struct lesson *L, int scene,
                const struct scene_config *cfg, int max_preemptions,
                int64_t max_states)
{
    j->max_preemptions = max_preemptions;
    j->total = max_states;
    return start(j, JOB_EXPLORE, L, scene, cfg);
}

int job_real(struct job *j, const struct lesson *L, int scene,
             const struct scene_config *cfg, int runs, int64_t widen_ns,
             const char *python)
{
    j->runs = runs;
    j->widen_ns = widen_ns;
    j->total = python ? 2 * (int64_t)runs : runs;
    j->python = python;
    return start(j, JOB_REAL, L, scene, cfg);
}

int job_measure(struct job *j)
{
    struct scene_config none;

    memset(&none, 0, sizeof(none));
    return start(j, JOB_MEASURE, NULL, -1, &none);
}

int job_poll(struct job *j)
{
    if (!j->started)
        return 0;
    if (!atomic_load(&j->done))
        return 0;
    pthread_join(j->thread, NULL);
    j->started = 0;
    return 1;
}

int job_busy(const struct job *j)
{
    return j->started;
}

void job_stop(struct job *j)
{
    if (j->started) {
        atomic_store(&j->cancel, 1);
        pthread_join(j->thread, NULL);
        j->started = 0;
    }
    if (j->ex)
        explore_free(j->ex);
    if (j->real)
        real_result_free(j->real);
    if (j->py)
        real_result_free(j->py);
    j->ex = NULL;
    j->real = NULL;
    j->py = NULL;
    if (j->kind != JOB_NONE) {
        sb_done(&j->err);
        sb_done(&j->py_version);
        sb_done(&j->py_err);
    }
    j->kind = JOB_NONE;
}
