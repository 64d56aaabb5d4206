/* cmd_run.c - `taketurns run` and `taketurns check`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "program.h"
#include "report.h"
#include "sim.h"

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
                if (e2->arg2 >= 0)
                    sb_printf(&msg, "%s waits for lock %s (held by %s)",
                              tr->labels[e2->task],
                              L->prog->lock_names[e2->arg2],
                              e2->other == e2->task ? "itself" :
                              tr->labels[e2->other]);
                else
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
    enum { OPT_JSON = 1, OPT_TIMELINE, OPT_WIDTH };
    static const struct cli_opt opts[] = {
        {"json", 0, OPT_JSON}, {"timeline", 0, OPT_TIMELINE},
        {"width", 1, OPT_WIDTH}, OVERRIDE_OPTS, {NULL, 0, 0},
    };
    struct cli c;
    struct overrides ov;
    const char *lesson = NULL, *val;
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
        } else {
            overrides_option(&ov, id, val);
        }
    }
    if (!lesson)
        cli_usage_error("run", "which lesson? taketurns run LESSON");
    if (json && timeline)
        cli_usage_error("run", "choose --json or --timeline, not both");
    L = cli_load_lesson(lesson);
    if (!L)
        return 1;
    scene = overrides_scene(&ov, L);
    if (scene < 0) {
        fprintf(stderr, "%s: error: this lesson has no scene to run\n",
                L->src->name);
        lesson_free(L);
        return 1;
    }
    has_sch = overrides_apply(&ov, L, scene, &cfg, &sch);
    s = sim_new(L, scene, &cfg, has_sch ? &sch : NULL, 1);
    sim_run(s);
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
    sim_free(s);
    schedule_done(&sch);
    lesson_free(L);
    return rc;
}

/* Run every scene without recording; warn about runs that hit a limit. */
static void check_scenes(const struct lesson *L, struct diag *d)
{
    for (int i = 0; i < L->nscenes; i++) {
        const struct scene *sc = &L->scenes[i];
        struct schedule sch;
        const char *labels[LESSON_MAX_TASKS];
        struct strbuf err;
        int off, has = 0;
        struct sim *s;

        for (int t = 0; t < sc->ntasks; t++)
            labels[t] = sc->tasks[t].label;
        sb_init(&err);
        if (sc->cfg.schedule)
            has = schedule_parse(sc->cfg.schedule, labels, sc->ntasks, &sch,
                                 &off, &err) == 0;
        sb_done(&err);
        s = sim_new(L, i, &sc->cfg, has ? &sch : NULL, 0);
        sim_run(s);
        if (sim_status(s) == TRACE_LIMIT)
            diag_warning(d, L->src, sc->line, sc->col, "scene '%s' stops at a "
                         "limit (the step budget, the time limit, or its "
                         "schedule): 'taketurns run --scene %s' says which",
                         sc->name, sc->name);
        sim_free(s);
        if (has)
            schedule_done(&sch);
    }
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
        check_scenes(L, &d);
        fputs(d.text.s ? d.text.s : "", stderr);
        printf("%s: ok: %d scene%s, %d page%s\n", L->src->name, L->nscenes,
               L->nscenes == 1 ? "" : "s", L->npages, L->npages == 1 ? "" : "s");
        diag_done(&d);
        lesson_free(L);
    }
    if (n == 0)
        cli_usage_error("check", "which lessons? taketurns check LESSON...");
    return rc;
}
