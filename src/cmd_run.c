/* cmd_run.c - `taketurns run` and `taketurns check`. */
#include <stdio.h>
#include <string.h>

#include "chrome.h"
#include "svg.h"
#include "cli.h"
#include "diag.h"
#include "commands.h"
#include "explore.h"
#include "goal.h"
#include "membudget.h"
#include "program.h"
#include "report.h"
#include "sync.h"
#include "vm.h"
#include "sim.h"

/* What `check` learns about one scene: its run, simulated once, and every
 * outcome of it, explored at most once however many questions ask. */
struct scene_run {
    struct sim *sim;
    int has_sch;
    struct schedule sch;
    struct explore_result *ex;  /* NULL until a question needs it */
};

/* What a check did, for --stats. */
struct check_stats {
    int explored;       /* explorer searches */
    int asked;          /* @ask answers the explorer checked */
    int goals;          /* @goal searches */
    int64_t goal_states;
    struct strbuf witnesses;    /* per goal: a way there, fewest preemptions */
};

enum { CHECK_MAX_STATES = 300000 };

/* Every outcome of scene, explored the first time a question needs it. */
static struct explore_result *scene_explored(const struct lesson *L, int scene,
                                             struct scene_run *runs,
                                             struct check_stats *st)
{
    struct explore_limits lim;

    if (!runs[scene].ex) {
        explore_limits_init(&lim);
        lim.max_states = CHECK_MAX_STATES;
        runs[scene].ex = explore_run(L, scene, &L->scenes[scene].cfg, &lim);
        st->explored++;
    }
    return runs[scene].ex;
}

/* An @ask about min, max or the number of outcomes is answered by the
 * explorer, over every interleaving of the scene.  A scene too big to
 * explore completely here is not checked, with a warning.  0 if the
 * answer agrees. */
static int check_ask_explored(const struct lesson *L, int scene,
                              const struct directive *dv,
                              struct scene_run *runs, struct check_stats *st,
                              struct diag *d)
{
    const struct scene *sc = &L->scenes[scene];
    struct explore_result *r = scene_explored(L, scene, runs, st);
    int64_t got = 0;
    const char *what = "the number of different outcomes";

    st->asked++;
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
            int64_t v = vm_num(L->prog, r->outcomes[i].final[g]);

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
        return -1;
    }
    return 0;
}

/* A puzzle's goal must be reachable: some interleaving of the page's scene
 * reaches it (goal.h).  0 if it is, or if the search could not finish. */
static int check_goal(const struct lesson *L, int scene,
                      const struct directive *dv, struct check_stats *st,
                      struct diag *d)
{
    const struct scene *sc = &L->scenes[scene];
    struct goal_result gr;
    struct strbuf what;
    int rc = 0;

    goal_search(L, scene, &sc->cfg, NULL, dv, CHECK_MAX_STATES, &gr);
    st->goals++;
    st->goal_states += gr.states;
    sb_init(&what);
    goal_describe(L, dv, &what);
    if (gr.out_of_memory) {
        struct strbuf m;

        sb_init(&m);
        mem_limit_message(&m, "the search");
        diag_warning(d, L->src, dv->line, dv->col, "not checked: looking for "
                     "this goal in scene '%s': %s", sc->name, m.s);
        sb_done(&m);
    } else if (!gr.found && !gr.complete) {
        diag_warning(d, L->src, dv->line, dv->col, "not checked: scene '%s' "
                     "has more than %d states to search for this goal",
                     sc->name, CHECK_MAX_STATES);
    } else if (!gr.found) {
        diag_error(d, L->src, dv->line, dv->col, "no interleaving of scene "
                   "'%s' reaches this goal (%s): all %lld states were tried",
                   sc->name, what.s, (long long)gr.states);
        rc = -1;
    } else {
        const char *labels[LESSON_MAX_TASKS];

        for (int t = 0; t < sc->ntasks; t++)
            labels[t] = sc->tasks[t].label;
        sb_printf(&st->witnesses, "%s:%d: goal reached in %lld steps with %d "
                  "preemption%s: ", L->src->name, dv->line,
                  (long long)gr.steps, gr.preemptions,
                  gr.preemptions == 1 ? "" : "s");
        schedule_format(&gr.witness, labels, &st->witnesses);
        sb_putc(&st->witnesses, '\n');
    }
    sb_done(&what);
    goal_result_done(&gr);
    return rc;
}

/* Where a message about task t should point: its last op, or its run line. */
static void task_place(const struct lesson *L, int scene, const struct trace *tr,
                       const struct trace_event *ev, int *line, int *col)
{
    const struct program *P = L->prog;

    for (size_t i = ev->op_index; i-- > 0;)
        if (trace_op_task(tr, i) == ev->task) {
            *line = P->pos[trace_op_pc(tr, i)].line;
            *col = P->pos[trace_op_pc(tr, i)].col;
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
            diag_error(&d, L->src, line, col, "in task %s: %s%s",
                       tr->labels[ev->task], trace_text_at(tr, ev->arg),
                       ev->reason == TRACE_UNRETRIEVED ? " (Task exception "
                       "was never retrieved: nothing awaits the task)" : "");
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
                } else if (e2->arg2 == TRACE_JOIN_MARK) {
                    sb_printf(&msg, "%s ", tr->labels[e2->task]);
                    sync_join_text(cfg->mode == MODE_ASYNCIO, e2->arg,
                                   tr->labels[e2->other], &msg);
                } else if (e2->arg2 == TRACE_RESULT_MARK ||
                           e2->arg2 == TRACE_WORK_MARK) {
                    sb_printf(&msg, "%s ", tr->labels[e2->task]);
                    sync_pool_wait_text(e2->arg2 == TRACE_RESULT_MARK,
                                        e2->arg, &msg);
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
    enum { OPT_JSON = 1, OPT_TIMELINE, OPT_WIDTH, OPT_CHROME, OPT_SVG };
    static const struct cli_opt opts[] = {
        {"json", 0, OPT_JSON}, {"timeline", 0, OPT_TIMELINE},
        {"width", 1, OPT_WIDTH}, {"chrome", 1, OPT_CHROME},
        {"svg", 1, OPT_SVG}, OVERRIDE_OPTS, {NULL, 0, 0},
    };
    struct cli c;
    struct overrides ov;
    const char *lesson = NULL, *val, *chrome = NULL, *svg = NULL;
    int id, json = 0, timeline = 0, width = 100, scene, has_sch, rc;
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
        } else if (id == OPT_SVG) {
            svg = val;      /* the timeline as a picture */
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
    sim_run(s);
    {
        struct report r = {L, scene, &cfg, sim_trace(s), stdout};

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
    if (svg) {
        struct strbuf err;
        struct svg_view v;
        struct svg_run one = {L, scene, &cfg, sim_trace(s),
                              sim_trace(s)->end};

        sb_init(&err);
        svg_view_whole(&v, sim_trace(s)->end);
        if (svg_write_file(svg, &v, &one, 1, &err) < 0) {
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
    if (r->ex)
        explore_free(r->ex);
    r->ex = NULL;
}

/* Check one @ask against its scene's simulated run; 0 if it agrees. */
static int check_ask(const struct lesson *L, int scene, const struct directive *dv,
                     struct scene_run *runs, struct check_stats *st,
                     struct diag *d)
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
        got = vm_num(L->prog,
                     tr->final[lesson_find_shared(L, dv->about_name)]);
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
        return check_ask_explored(L, scene, dv, runs, st, d);
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
static int check_lesson(const struct lesson *L, struct check_stats *st,
                        struct diag *d)
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
            if (dv->kind == DIR_GOAL) {
                diag_init(&one);
                if (check_goal(L, scene, dv, st, &one) < 0)
                    rc = -1;
                if (one.text.s)
                    sb_puts(&d->text, one.text.s);
                diag_done(&one);
                continue;
            }
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
            if (check_ask(L, scene, dv, runs, st, &one) < 0)
                rc = -1;
            /* Errors, and warnings such as "not checked". */
            if (one.text.s)
                sb_puts(&d->text, one.text.s);
            diag_done(&one);
        }
    }
    for (int i = 0; i < L->nscenes; i++)
        scene_run_done(&runs[i]);
    free(runs);
    return rc;
}

/* Check one lesson; 0 if it is right. */
static int check_one(const char *path, int stats)
{
    struct lesson *L = cli_load_lesson(path);
    struct diag d;
    struct check_stats st = {0, 0, 0, 0, {0}};
    int rc = 0;

    if (!L)
        return 1;
    sb_init(&st.witnesses);
    diag_init(&d);
    if (check_lesson(L, &st, &d) < 0) {
        rc = 1;
        fputs(d.text.s, stderr);
    } else {
        fputs(d.text.s ? d.text.s : "", stderr);
        printf("%s: ok: %d scene%s, %d page%s\n", L->src->name,
               L->nscenes, L->nscenes == 1 ? "" : "s", L->npages,
               L->npages == 1 ? "" : "s");
    }
    /* What the check cost: each scene is explored at most once. */
    if (stats)
        printf("%s: %d explorer search%s for %d answer%s, %d goal "
               "search%s (%lld states)\n", L->src->name, st.explored,
               st.explored == 1 ? "" : "es", st.asked,
               st.asked == 1 ? "" : "s", st.goals,
               st.goals == 1 ? "" : "es", (long long)st.goal_states);
    if (stats && st.witnesses.len)
        fputs(st.witnesses.s, stdout);
    sb_done(&st.witnesses);
    diag_done(&d);
    lesson_free(L);
    return rc;
}

int cmd_check(int argc, char **argv)
{
    enum { OPT_STATS = 1 };
    static const struct cli_opt opts[] = {{"stats", 0, OPT_STATS},
                                          {NULL, 0, 0}};
    struct cli c;
    const char *val;
    const char **paths = xcalloc((size_t)argc + 1, sizeof(*paths));
    int id, rc = 0, n = 0, stats = 0;

    cli_init(&c, "check", argc, argv);
    while ((id = cli_next(&c, opts, &val)) >= 0) {
        if (id == OPT_STATS)
            stats = 1;
        else
            paths[n++] = val;
    }
    if (n == 0)
        cli_usage_error("check", "which lessons? taketurns check LESSON...");
    for (int i = 0; i < n; i++)
        rc |= check_one(paths[i], stats);
    free(paths);
    return rc;
}
