/* app_real.c - real runs: the page's scene run on this machine (or, on an
 * @measure page, what switching costs here), on a thread, and the view of
 * the simulation, the real run or both. */
#include "ui/app_impl.h"

#include <stdio.h>
#include <stdlib.h>

const char *app_python(void)
{
    const char *p = getenv("TAKETURNS_PYTHON");

    return p && *p ? p : "python3";
}

int app_wants_python(const struct app *a)
{
    const struct directive *dv = app_find_dir(app_page(a), DIR_REAL);

    return dv && dv->python;
}

void app_clear_real(struct app *a)
{
    if (a->real)
        real_result_free(a->real);
    if (a->py)
        real_result_free(a->py);
    a->real = NULL;
    a->py = NULL;
    a->py_version[0] = '\0';
    a->py_note[0] = '\0';
}

/* The page's scene for real: on the C backend of its mode and, if python,
 * in the student's CPython too, one after the other on the job's thread. */
static void start_real(struct app *a, int python)
{
    struct strbuf why;

    sb_init(&why);
    if (!real_available(a->tape->cfg.mode, &why)) {
        snprintf(a->job_note, sizeof(a->job_note), "cannot run %s scenes for "
                 "real here: %s", mode_name(a->tape->cfg.mode), why.s);
        app_complain(a, "%s", a->job_note);
        sb_done(&why);
        return;
    }
    sb_done(&why);
    if (job_real(&a->job, a->L, a->tape->scene, &a->tape->cfg, a->real_runs,
                 python ? app_python() : NULL) < 0) {
        app_complain(a, "cannot run for real: %s", a->job.err.s);
        return;
    }
    a->job_note[0] = '\0';
    /* The real view shows how far the runs are, and then what they did. */
    a->view = VIEW_BOTH;
    if (python)
        app_say(a, "running %s for real, %d time%s on the tool's threads, "
                "then in %s: the screen stays live (r stops)",
                a->L->scenes[a->tape->scene].name, a->real_runs,
                a->real_runs == 1 ? "" : "s", app_python());
    else
        app_say(a, "running %s for real, %d time%s: the screen stays live (r "
                "stops)", a->L->scenes[a->tape->scene].name, a->real_runs,
                a->real_runs == 1 ? "" : "s");
}

/* Keep what CPython made of a real job, or why it made nothing. */
static void collect_python(struct app *a, struct job *j)
{
    if (!j->python)
        return;
    if (j->py) {
        a->py = j->py;
        j->py = NULL;
        snprintf(a->py_version, sizeof(a->py_version), "%s",
                 j->py_version.s ? j->py_version.s : "?");
        a->py_gil = j->py_gil;
        a->py_elapsed_ns = j->py_elapsed_ns;
    } else if (j->py_err.s) {
        snprintf(a->py_note, sizeof(a->py_note), "no run in Python: %s",
                 j->py_err.s);
    }
}

void app_collect_job(struct app *a)
{
    struct job *j = &a->job;

    if (!job_poll(j))
        return;
    if (j->kind == JOB_EXPLORE && j->ex) {
        a->ex = j->ex;
        j->ex = NULL;
        if (a->ex_sel >= a->ex->noutcomes)
            a->ex_sel = 0;
        if (a->ex_open)
            app_say(a, "%d outcome%s: ↑↓ choose one, Enter runs the schedule "
                    "that ends in it", a->ex->noutcomes,
                    a->ex->noutcomes == 1 ? "" : "s");
    } else if (j->kind == JOB_MEASURE) {
        a->costs = j->costs;
        a->have_costs = 1;
        app_say(a, "measured on this machine: r measures again");
    } else if (j->kind == JOB_REAL) {
        app_clear_real(a);
        collect_python(a, j);
        if (j->real) {
            a->real = j->real;
            j->real = NULL;
            a->view = VIEW_BOTH;
            if (a->py)
                app_say(a, "%d real run%s done, and %d in Python %s · v: "
                        "simulated, real, both", a->real->runs,
                        a->real->runs == 1 ? "" : "s", a->py->runs,
                        a->py_version);
            else if (a->py_note[0])
                app_say(a, "%d real run%s done; %s", a->real->runs,
                        a->real->runs == 1 ? "" : "s", a->py_note);
            else
                app_say(a, "%d real run%s done · v: simulated, real, both%s",
                        a->real->runs, a->real->runs == 1 ? "" : "s",
                        app_wants_python(a) ? "" : " · R: in your python3 "
                        "too");
        } else {
            snprintf(a->job_note, sizeof(a->job_note), "%s",
                     j->err.s ? j->err.s : "the real run failed");
            app_complain(a, "%s", a->job_note);
        }
    }
    job_stop(j);
}

void app_job_status(const struct app *a, char *buf, size_t n)
{
    long long done = (long long)atomic_load(&a->job.progress);

    buf[0] = '\0';
    if (!job_busy(&a->job))
        return;
    if (a->job.kind == JOB_EXPLORE)
        snprintf(buf, n, "exploring every interleaving: %lld states so far "
                 "(e stops)", done);
    else if (a->job.kind == JOB_MEASURE)
        snprintf(buf, n, "measuring switches on this machine...");
    else if (a->job.python && done >= a->job.runs)
        snprintf(buf, n, "running in %s: %lld of %d runs (r stops)",
                 a->job.python, done - a->job.runs, a->job.runs);
    else
        snprintf(buf, n, "running for real: %lld of %d runs (r stops)", done,
                 a->job.runs);
}

/* r: the page's real run (with CPython when the page asks for it);
 * R: with CPython on any page.  Either stops a real run going on. */
static int real_key(struct app *a, int python)
{
    if (app_find_dir(app_page(a), DIR_MEASURE)) {
        if (job_busy(&a->job)) {
            app_complain(a, "still working: wait for it to finish");
            return 1;
        }
        if (job_measure(&a->job) < 0)
            app_complain(a, "cannot measure: %s", a->job.err.s);
        else
            app_say(a, "measuring: a fraction of a second");
        return 1;
    }
    if (!a->tape) {
        app_complain(a, "r runs a single scene for real: this page has none");
        return 1;
    }
    if (app_pending_ask(a, NULL) && !job_busy(&a->job)) {
        app_complain(a, "answer the page's question first: a real run would "
                     "give the answer away");
        return 1;
    }
    if (job_busy(&a->job)) {
        if (a->job.kind == JOB_REAL) {
            job_stop(&a->job);
            app_say(a, "real runs stopped");
        } else {
            app_complain(a, "the explorer is working: wait for it, or e "
                         "stops it");
        }
        return 1;
    }
    start_real(a, python);
    return 1;
}

int act_real(struct app *a, int key)
{
    (void)key;
    return real_key(a, app_wants_python(a));
}

int act_real_python(struct app *a, int key)
{
    (void)key;
    return real_key(a, 1);
}

int act_view(struct app *a, int key)
{
    static const char *const names[VIEW_COUNT] = {
        "the simulation", "the real run", "the simulation and the real run",
    };

    (void)key;
    if (!a->real) {
        app_complain(a, "v shows a real run: press r to make one first");
        return 1;
    }
    a->view = (a->view + 1) % VIEW_COUNT;
    app_say(a, "showing %s", names[a->view]);
    return 1;
}
