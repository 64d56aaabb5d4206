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
                 a->real_widen_ns, python ? app_python() : NULL) < 0) {
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

/* The kept run the view opens on: the median run, or if its trace was
 * not kept, the kept run whose wall time is nearest the median (the first
 * run is often the slow one: cold caches, threads starting).  An index in
 * kept[], -1 if no run was kept. */
static int opening_run(const struct real_result *r)
{
    int best = -1;
    int64_t best_d = 0;

    if (r->median_kept >= 0)
        return r->median_kept;
    for (int i = 0; i < r->nkept; i++) {
        int64_t d = r->walls[r->kept[i].run] - r->wall_ns.median;

        d = d < 0 ? -d : d;
        if (best < 0 || d < best_d)
            best = i, best_d = d;
    }
    return best;
}

const struct trace *app_real_trace(const struct app *a, int *run)
{
    const struct real_kept *k;

    if (!a->real || a->real_shown < 0 || a->real_shown >= a->real->nkept)
        return NULL;
    k = &a->real->kept[a->real_shown];
    if (run)
        *run = k->run;
    return k->trace;
}

int app_real_why(const struct app *a, struct strbuf *out)
{
    const struct real_result *r = a->real;
    const struct real_kept *k;
    const struct real_outcome *oc;

    if (!app_real_trace(a, NULL))
        return -1;
    k = &r->kept[a->real_shown];
    if (a->real_shown == r->median_kept) {
        sb_puts(out, "the median wall time");
        return 1;
    }
    oc = k->outcome >= 0 ? &r->outcomes[k->outcome] : NULL;
    if (k->run == 0)
        sb_puts(out, "the first run");
    else if (oc && oc->first_run == k->run) {
        sb_puts(out, "the first to end ");
        if (a->L->nshared > 0 || oc->status != TRACE_OK)
            real_outcome_text(out, a->L, r, oc);
        else
            sb_puts(out, "so");
        if (oc->status != TRACE_OK)
            sb_printf(out, " (%s)", trace_status_name(oc->status));
    } else {
        sb_puts(out, "a kept run");
    }
    if (r->median_kept < 0 && a->real_shown == opening_run(r))
        sb_puts(out, ", the kept run nearest the median");
    return 0;
}

void app_real_axis(const struct app *a, int w, int64_t *t0, int64_t *per_col,
                   int64_t *first_op)
{
    const struct trace *tr = app_real_trace(a, NULL);
    int64_t first = 0, end = 0, span, fit, last;

    *t0 = 0;
    *per_col = 1;
    if (first_op)
        *first_op = 0;
    if (!tr || w < 1)
        return;
    /* From the first op to the last: threads take a while to start and to
     * be joined, and those stretches would squeeze what happens into a
     * few columns. */
    for (size_t i = 0; i < tr->nops; i++) {
        int64_t t = trace_op_t(tr, i);

        if (i == 0 || t < first)
            first = t;
        if (i == 0 || t > end)
            end = t;
    }
    if (tr->nops == 0)
        end = tr->end;
    span = end >= first ? end - first + 1 : 1;
    fit = (span + w - 1) / w;
    *per_col = fit / (a->real_zoom > 0 ? a->real_zoom : 1);
    if (*per_col < 1)
        *per_col = 1;
    last = end + 1 - *per_col * w;
    *t0 = a->real_t0 < first ? first : a->real_t0;
    if (*t0 > last)
        *t0 = last > first ? last : first;
    if (first_op)
        *first_op = first;
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
            a->real_shown = opening_run(a->real);
            a->real_zoom = 1;
            a->real_t0 = 0;
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

/* ---- the real view's keys --------------------------------------------- */

/* Show the kept run dir (+1, -1) away, in run order. */
static int step_run(struct app *a, int dir)
{
    const struct real_result *r = a->real;
    int to = a->real_shown + dir;
    struct strbuf why;

    if (!app_real_trace(a, NULL)) {
        app_complain(a, "no run of these was traced");
        return 1;
    }
    if (to < 0 || to >= r->nkept) {
        app_complain(a, "no %s run kept: the first run of each outcome and "
                     "the median run are kept%s", dir > 0 ? "later" :
                     "earlier", r->nkept == 1 ? ", and here they are one" :
                     "");
        return 1;
    }
    a->real_shown = to;
    a->real_t0 = 0;
    sb_init(&why);
    app_real_why(a, &why);
    app_say(a, "run %d of %d: %s", r->kept[to].run + 1, r->runs, why.s);
    sb_done(&why);
    return 1;
}

int act_real_prev(struct app *a, int key)
{
    (void)key;
    return step_run(a, -1);
}

int act_real_next(struct app *a, int key)
{
    (void)key;
    return step_run(a, 1);
}

static int real_zoom(struct app *a, int in)
{
    int64_t t0, per;

    app_real_axis(a, app_lane_width(a), &t0, &per, NULL);
    if (in && per <= 1) {
        app_complain(a, "zoomed in as far as it goes: a column is 1 ns");
        return 1;
    }
    if (!in && a->real_zoom <= 1) {
        app_complain(a, "the whole run is shown");
        return 1;
    }
    a->real_zoom = in ? a->real_zoom * 2 : a->real_zoom / 2;
    /* Keep the middle of the view where it was. */
    a->real_t0 = t0 + per * app_lane_width(a) / 2 -
                 (in ? per / 2 : per * 2) * app_lane_width(a) / 2;
    return 1;
}

int act_real_zoom_in(struct app *a, int key)
{
    (void)key;
    return real_zoom(a, 1);
}

int act_real_zoom_out(struct app *a, int key)
{
    (void)key;
    return real_zoom(a, 0);
}

static int real_scroll(struct app *a, int64_t to_t0, int quarters)
{
    int64_t t0, per;

    app_real_axis(a, app_lane_width(a), &t0, &per, NULL);
    a->real_t0 = quarters ? t0 + quarters * per * app_lane_width(a) / 4 :
                 to_t0;
    return 1;
}

int act_real_start(struct app *a, int key)
{
    (void)key;
    return real_scroll(a, 0, 0);
}

int act_real_end(struct app *a, int key)
{
    (void)key;
    return real_scroll(a, INT64_MAX / 2, 0);
}

int act_real_left(struct app *a, int key)
{
    (void)key;
    return real_scroll(a, 0, -1);
}

int act_real_right(struct app *a, int key)
{
    (void)key;
    return real_scroll(a, 0, 1);
}

static const int run_counts[] = {1, 5, 20, 50, 100, 200, 500, 1000};

static int change_runs(struct app *a, int dir)
{
    int n = (int)TT_ARRAY_LEN(run_counts), i = 0;

    while (i < n - 1 && run_counts[i] < a->real_runs)
        i++;
    if (dir > 0 && run_counts[i] <= a->real_runs)
        i = i + 1 < n ? i + 1 : i;
    else if (dir < 0)
        i = i > 0 ? i - 1 : 0;
    a->real_runs = run_counts[i];
    a->real_runs_set = 1;
    app_say(a, "r now runs the scene %d time%s (and as many in Python): r "
            "runs it again", a->real_runs, a->real_runs == 1 ? "" : "s");
    return 1;
}

int act_real_more(struct app *a, int key)
{
    (void)key;
    return change_runs(a, 1);
}

int act_real_fewer(struct app *a, int key)
{
    (void)key;
    return change_runs(a, -1);
}

static const int64_t widen_steps[] = {0, 1000, 10000, 100000};

int act_real_widen(struct app *a, int key)
{
    int n = (int)TT_ARRAY_LEN(widen_steps), i = 0;

    (void)key;
    while (i < n && widen_steps[i] != a->real_widen_ns)
        i++;
    a->real_widen_ns = widen_steps[(i + 1) % n];
    if (a->real_widen_ns == 0)
        app_say(a, "no widening: the tool's threads run at full speed; r "
                "runs again");
    else
        app_say(a, "widened: a pause of %lld us after each read of a shared "
                "variable on the tool's threads (not in Python); r runs "
                "again", (long long)(a->real_widen_ns / 1000));
    return 1;
}
