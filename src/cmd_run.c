/* cmd_run.c - `taketurns run` and `taketurns check`. */
#include <stdio.h>
#include <string.h>

#include "chrome.h"
#include "cli.h"
#include "diag.h"
#include "commands.h"
#include "explore.h"
#include "membudget.h"
#include "program.h"
#include "report.h"
#include "sync.h"
#include "sim.h"

/* An @ask about min, max or the number of outcomes is answered by the
 * explorer, over every interleaving of the scene.  A scene too big to
 * explore completely here is not checked, with a warning.  0 if the
 * answer agrees. */
static int check_ask_explored(const struct lesson *L, int scene,
                              const struct directive *dv, struct diag *d)
{
    enum { CHECK_MAX_STATES = 300000 };
    const struct scene *sc = &L->scenes[scene];
    struct explore_limits lim;
    struct explore_result *r;
    int64_t got = 0;
    const char *what = "the number of different outcomes";
    int rc = 0;

    explore_limits_init(&lim);
    lim.max_states = CHECK_MAX_STATES;
    r = explore_run(L, scene, &sc->cfg, &lim);
    if (r->stop == EXPLORE_MEMORY) {
        diag_warning(d, L->src, dv->line, dv->col, "not checked: exploring "
                     "scene '%s': %s", sc->name, r->stop_text);
    } else if (!r->complete) {
        diag_warning(d, L->src, dv->line, dv->col, "not checked: scene '%s' "
                     "has more than %d states to explore", sc->name,
                     CHECK_MAX_STATES);
    } else if (dv->about == ASK_OUTCOMES) {
        got = r->noutcomes;
    } else {
        int g = lesson_find_shared(L, dv->about_name);

        what = dv->about == ASK_MIN ? "the smallest final" : "the largest final";
        for (int i = 0; i < r->noutcomes; i++) {
            int64_t v = r->outcomes[i].final[g];

            if (i == 0 || (dv->about == ASK_MIN ? v < got : v > got))
                got = v;
        }
    }
    if (r->complete && got != dv->answer_int) {
        diag_error(d, L->src, dv->line, dv->col, "this answer is wrong: over "
                   "every interleaving of scene '%s', %s%s%s is %lld, not %lld",
                   sc->name, what, dv->about == ASK_OUTCOMES ? "" : " ",
                   dv->about == ASK_OUTCOMES ? "" : dv->about_name,
                   (long long)got, (long long)dv->answer_int);
        rc = -1;
    }
    explore_free(r);
    return rc;
}

/* Where a message about task t should point: its last op, or its run line. */
static void task_place(const struct lesson *L, int scene, const struct trace *tr,
                       const struct trace_event *ev, int *line, int *col)
{
    const struct program *P = L->prog;

    for (size_t i = ev->op_index; i-- > 0;)
        if (tr->ops[i].task == ev->task) {
            *line = P->pos[tr->ops[i].pc].line;
            *col = P->pos[tr->ops[i].pc].col;
            return;
        }
    *line = L->scenes[scene].tasks[ev->task].line;
    *col = L->scenes[scene].tasks[ev->task].col;
}

/* Print why a run failed, compiler style, on stderr. */
void run_print_failure(const struct lesson *L, int scene,
                       const struct scene_config *cfg, const struct trace *tr)
{
    struct diag d;
    struct strbuf msg;
    int line, col, said = 0;

    diag_init(&d);
    sb_init(&msg);
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *ev = &tr->events[i];

        sb_clear(&msg);
        if (ev->kind == EV_ERROR) {
            task_place(L, scene, tr, ev, &line, &col);
            diag_error(&d, L->src, line, col, "in task %s: %s",
                       tr->labels[ev->task], trace_text_at(tr, ev->arg));
        } else if (ev->kind == EV_LIMIT) {
            if (ev->arg2 == 1 && cfg->schedule_line > 0) {
                line = cfg->schedule_line;
                col = cfg->schedule_col;
            } else {
                task_place(L, scene, tr, ev, &line, &col);
            }
            diag_error(&d, L->src, line, col, "%s",
                       trace_text_at(tr, ev->arg));
        } else if (ev->kind == EV_DEADLOCK && !said) {
            said = 1;
            task_place(L, scene, tr, ev, &line, &col);
            for (size_t k = i; k < tr->nevents; k++) {
                const struct trace_event *e2 = &tr->events[k];

                if (e2->kind != EV_DEADLOCK)
                    continue;
                if (msg.len)
                    sb_puts(&msg, "; ");
                if (e2->arg2 >= 0) {
                    sb_printf(&msg, "%s waits for ", tr->labels[e2->task]);
                    sync_wait_text(L->prog->lock_kind[e2->arg2], e2->arg,
                                   L->prog->lock_names[e2->arg2],
                                   e2->other == e2->task ? "itself" :
                                   e2->other >= 0 ? tr->labels[e2->other] :
                                   "nobody", &msg);
                } else
                    sb_printf(&msg, "%s cannot start", tr->labels[e2->task]);
            }
            diag_error(&d, L->src, line, col, "deadlock at tick %lld in "
                       "scene '%s': %s", (long long)ev->t,
                       L->scenes[scene].name, msg.s);
        } else {
            continue;
        }
        fputs(d.text.s, stderr);
    }
    sb_done(&msg);
    diag_done(&d);
}

int cmd_run(int argc, char **argv)
{
    enum { OPT_JSON = 1, OPT_TIMELINE, OPT_WIDTH, OPT_CHROME };
    static const struct cli_opt opts[] = {
        {"json", 0, OPT_JSON}, {"timeline", 0, OPT_TIMELINE},
        {"width", 1, OPT_WIDTH}, {"chrome", 1, OPT_CHROME}, OVERRIDE_OPTS,
        {NULL, 0, 0},
    };
    struct cli c;
    struct overrides ov;
    const char *lesson = NULL, *val, *chrome = NULL;
    int id, json = 0, timeline = 0, width = 100, scene, has_sch, rc;
    size_t reserve;
    struct lesson *L;
    struct scene_config cfg;
    struct schedule sch;
    struct sim *s;
    struct strbuf out;

    cli_init(&c, "run", argc, argv);
    overrides_init(&ov, "run");
    while ((id = cli_next(&c, opts, &val)) >= 0) {
        if (id == 0) {
            if (lesson)
                cli_usage_error("run", "one lesson at a time (got '%s' and "
                                "'%s')", lesson, val);
            lesson = val;
        } else if (id == OPT_JSON) {
            json = 1;
        } else if (id == OPT_TIMELINE) {
            timeline = 1;
        } else if (id == OPT_WIDTH) {
            width = (int)cli_int("run", "width", val, 20, 10000);
        } else if (id == OPT_CHROME) {
            chrome = val;   /* Chrome Trace Event JSON, for Perfetto */
        } else {
            overrides_option(&ov, id, val);
        }
    }
    if (!lesson)
        cli_usage_error("run", "which lesson? taketurns run LESSON");
    if (json && timeline)
        cli_usage_error("run", "choose --json or --timeline, not both");
    L = cli_load_scene(lesson, &ov, &scene);
    if (!L)
        return 1;
    has_sch = overrides_apply(&ov, L, scene, &cfg, &sch);
    s = sim_new(L, scene, &cfg, has_sch ? &sch : NULL, 1);
    /* The log is built in memory from the trace: about 55 bytes of text
     * an op (JSON: 120) against the trace's 24-30, and a growing buffer
     * may hold twice what it uses.  Keep that room in the memory budget
     * while the run records, so that trace and text fit in it together. */
    reserve = mem_limit() / (json ? 7 : timeline ? 2 : 4) *
              (json ? 6 : timeline ? 1 : 3);
    mem_force(reserve);
    sim_run(s);
    mem_uncharge(reserve);
    {
        struct report r = {L, scene, &cfg, sim_trace(s)};

        sb_init(&out);
        if (json)
            report_json(&out, &r);
        else if (timeline)
            report_timeline(&out, &r, width);
        else
            report_text(&out, &r);
        fwrite(out.s, 1, out.len, stdout);
        fflush(stdout);
        sb_done(&out);
    }
    rc = sim_status(s) == TRACE_OK ? 0 : 1;
    if (rc)
        run_print_failure(L, scene, &cfg, sim_trace(s));
    if (chrome) {
        struct strbuf err;

        sb_init(&err);
        if (chrome_write_file(chrome, L, scene, &cfg, sim_trace(s), &err) < 0) {
            fprintf(stderr, "taketurns run: error: %s\n", err.s);
            rc = 1;
        }
        sb_done(&err);
    }
    sim_free(s);
    schedule_done(&sch);
    lesson_free(L);
    return rc;
}

/* A scene run once, for checking the questions asked about it. */
struct scene_run {
    struct sim *sim;
    int has_sch;
    struct schedule sch;
};

static void run_scene(const struct lesson *L, int i, struct scene_run *r,
                      int record)
{
    const struct scene *sc = &L->scenes[i];
    struct strbuf err;
    int off;

    sb_init(&err);
    r->has_sch = sc->cfg.schedule &&
                 scene_schedule_parse(sc, sc->cfg.schedule, &r->sch, &off,
                                      &err) == 0;
    sb_done(&err);
    r->sim = sim_new(L, i, &sc->cfg, r->has_sch ? &r->sch : NULL, record);
    sim_run(r->sim);
}

static void scene_run_done(struct scene_run *r)
{
    sim_free(r->sim);
    if (r->has_sch)
        schedule_done(&r->sch);
    r->sim = NULL;
}

/* Check one @ask against its scene's simulated run; 0 if it agrees. */
static int check_ask(const struct lesson *L, int scene, const struct directive *dv,
                     struct scene_run *runs, struct diag *d)
{
    const struct scene *sc = &L->scenes[scene];
    struct trace *tr;
    int64_t got = 0;
    const char *what = "";

    if (!runs[scene].sim)
        run_scene(L, scene, &runs[scene], 1);
    tr = sim_trace(runs[scene].sim);
    switch (dv->about) {
    case ASK_FINAL:
        got = tr->final[lesson_find_shared(L, dv->about_name)];
        what = dv->about_name;
        break;
    case ASK_MAKESPAN:
        got = tr->end;
        what = "the makespan";
        break;
    case ASK_SWITCHES:
        got = tr->switches[SWK_PREEMPT] + tr->switches[SWK_YIELD] +
              tr->switches[SWK_BLOCK];
        what = "the number of switches";
        break;
    case ASK_PREEMPTS:
        got = tr->switches[SWK_PREEMPT];
        what = "the number of preemptions";
        break;
    case ASK_FAILURES:
        for (size_t i = 0; i < tr->nevents; i++)
            got += tr->events[i].kind == EV_ERROR;
        what = "the number of tasks that fail";
        break;
    case ASK_DEADLOCK: {
        int yes = tr->status == TRACE_DEADLOCK;
        int said = strcmp(dv->answer, "yes") == 0 || strcmp(dv->answer, "true") == 0;

        if (yes == said)
            return 0;
        diag_error(d, L->src, dv->line, dv->col, "this answer is wrong: scene "
                   "'%s' %s deadlock", sc->name, yes ? "does" : "does not");
        return -1;
    }
    default:
        /* min, max and outcomes come from the explorer (explore.c). */
        return check_ask_explored(L, scene, dv, d);
    }
    if (got == dv->answer_int)
        return 0;
    diag_error(d, L->src, dv->line, dv->col, "this answer is wrong: in scene "
               "'%s' %s is %lld, not %lld", sc->name, what, (long long)got,
               (long long)dv->answer_int);
    return -1;
}

/* Every scene must end (warn if it stops at a limit), and every @ask that
 * says what it is about must agree with the simulation.  Returns 0, or -1
 * if an answer is wrong (d then holds the errors). */
static int check_lesson(const struct lesson *L, struct diag *d)
{
    struct scene_run *runs = xcalloc((size_t)L->nscenes + 1, sizeof(*runs));
    int rc = 0, scene = -1;

    for (int i = 0; i < L->nscenes; i++) {
        const struct scene *sc = &L->scenes[i];

        run_scene(L, i, &runs[i], 1);
        if (sim_status(runs[i].sim) == TRACE_LIMIT)
            diag_warning(d, L->src, sc->line, sc->col, "scene '%s' stops at a "
                         "limit (the step budget, the time limit, or its "
                         "schedule): 'taketurns run --scene %s' says which",
                         sc->name, sc->name);
    }
    for (int p = 0; p < L->npages; p++) {
        const struct page *pg = &L->pages[p];

        for (int k = 0; k < pg->ndirs; k++) {
            const struct directive *dv = &pg->dirs[k];
            struct diag one;

            if (dv->kind == DIR_SCENE)
                scene = dv->scene;
            if (dv->kind != DIR_ASK)
                continue;
            if (dv->about == ASK_NONE) {
                if (dv->answer_is_int)
                    diag_warning(d, L->src, dv->line, dv->col, "this numeric "
                                 "answer is not checked against the "
                                 "simulation: say what it is, e.g. 'is final "
                                 "x' or 'is makespan'");
                continue;
            }
            diag_init(&one);
            if (check_ask(L, scene, dv, runs, &one) < 0)
                rc = -1;
            /* Errors, and warnings such as "not checked". */
            if (one.text.s)
                sb_puts(&d->text, one.text.s);
            diag_done(&one);
        }
    }
    for (int i = 0; i < L->nscenes; i++)
        if (runs[i].sim)
            scene_run_done(&runs[i]);
    free(runs);
    return rc;
}

int cmd_check(int argc, char **argv)
{
    static const struct cli_opt opts[] = {{NULL, 0, 0}};
    struct cli c;
    const char *val;
    int id, rc = 0, n = 0;

    cli_init(&c, "check", argc, argv);
    while ((id = cli_next(&c, opts, &val)) >= 0) {
        struct lesson *L = cli_load_lesson(val);
        struct diag d;

        n++;
        if (!L) {
            rc = 1;
            continue;
        }
        diag_init(&d);
        if (check_lesson(L, &d) < 0) {
            rc = 1;
            fputs(d.text.s, stderr);
        } else {
            fputs(d.text.s ? d.text.s : "", stderr);
            printf("%s: ok: %d scene%s, %d page%s\n", L->src->name,
                   L->nscenes, L->nscenes == 1 ? "" : "s", L->npages,
                   L->npages == 1 ? "" : "s");
        }
        diag_done(&d);
        lesson_free(L);
    }
    if (n == 0)
        cli_usage_error("check", "which lessons? taketurns check LESSON...");
    return rc;
}
