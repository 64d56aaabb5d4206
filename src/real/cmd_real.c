/* cmd_real.c - `taketurns real`: run a scene for real, and say what happened.
 *
 * Prints the outcome histogram and wall-time statistics (or one JSON
 * object with --json), optionally the first run's timeline, a replay of
 * its interleaving in the simulator (--replay) and a Chrome trace
 * (--chrome FILE).  Exit status: 0 if every run ended normally, 1 if a run
 * failed, deadlocked or hit a limit (said on stderr, compiler style), 2 for
 * a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chrome.h"
#include "cli.h"
#include "commands.h"
#include "json.h"
#include "program.h"
#include "real/clock.h"
#include "real/cpython.h"
#include "real/real.h"
#include "report.h"
#include "sync.h"
#include "vm.h"

/* A first run with more ops is not written out in --json. */
enum { REAL_JSON_MAX_OPS = 100000 };

struct real_args {
    const char *lesson;
    int json, timeline, width, replay, trace_both;
    const char *chrome;
    struct real_options opt;
    const char *python;         /* --python [PATH]: run in this CPython */
    const char *switch_val;     /* --switch-interval: ticks, or with
                                   --python CPython's microseconds */
    const char *c_only;         /* an option of the C backends only */
};

/* "812 ns", "41.2 us", "3.45 ms", "1.20 s". */
static void fmt_ns(struct strbuf *out, int64_t ns)
{
    if (ns < 1000)
        sb_printf(out, "%lld ns", (long long)ns);
    else if (ns < 1000000)
        sb_printf(out, "%.3g us", (double)ns / 1e3);
    else if (ns < 1000000000)
        sb_printf(out, "%.3g ms", (double)ns / 1e6);
    else
        sb_printf(out, "%.3g s", (double)ns / 1e9);
}

/* --python, --python=PATH, or --python PATH when PATH's file name starts
 * with "python" (python3.13, /usr/bin/python3): taken out of argv, since
 * the option's value is optional.  Returns argc left. */
static int take_python(int argc, char **argv, const char **python)
{
    int out = 0;

    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];

        if (strcmp(arg, "--") == 0) {
            while (i < argc)
                argv[out++] = argv[i++];
            break;
        }
        if (strncmp(arg, "--python=", 9) == 0) {
            if (!arg[9])
                cli_usage_error("real", "--python= needs an interpreter");
            *python = arg + 9;
        } else if (strcmp(arg, "--python") == 0) {
            const char *next = i + 1 < argc ? argv[i + 1] : NULL;
            const char *base = next ? strrchr(next, '/') : NULL;

            base = base ? base + 1 : next;
            *python = "python3";
            if (base && strncmp(base, "python", 6) == 0 &&
                !strstr(base, ".lesson"))
                *python = argv[++i];
        } else {
            argv[out++] = argv[i];
        }
    }
    return out;
}

static void parse(int argc, char **argv, struct real_args *a,
                  struct overrides *ov)
{
    enum {
        OPT_JSON = 1, OPT_RUNS, OPT_TICK_US, OPT_TIMEOUT, OPT_WIDEN, OPT_TRACE,
        OPT_MAX_RECORDS, OPT_CHROME, OPT_TIMELINE, OPT_WIDTH, OPT_REPLAY,
        OPT_CORO,
    };
    static const struct cli_opt opts[] = {
        {"json", 0, OPT_JSON}, {"runs", 1, OPT_RUNS},
        {"tick-us", 1, OPT_TICK_US}, {"timeout", 1, OPT_TIMEOUT},
        {"widen", 1, OPT_WIDEN}, {"trace", 1, OPT_TRACE},
        {"max-records", 1, OPT_MAX_RECORDS}, {"chrome", 1, OPT_CHROME},
        {"timeline", 0, OPT_TIMELINE}, {"width", 1, OPT_WIDTH},
        {"replay", 0, OPT_REPLAY}, {"coro", 1, OPT_CORO}, OVERRIDE_OPTS,
        {NULL, 0, 0},
    };
    struct cli c;
    const char *val;
    int id;

    memset(a, 0, sizeof(*a));
    a->width = 100;
    real_options_init(&a->opt);
    argc = take_python(argc, argv, &a->python);
    cli_init(&c, "real", argc, argv);
    overrides_init(ov, "real");
    while ((id = cli_next(&c, opts, &val)) >= 0) {
        switch (id) {
        case 0:
            if (a->lesson)
                cli_usage_error("real", "one lesson at a time (got '%s' and "
                                "'%s')", a->lesson, val);
            a->lesson = val;
            break;
        case OPT_JSON: a->json = 1; break;
        case OPT_TIMELINE: a->timeline = 1; a->c_only = "timeline"; break;
        case OPT_REPLAY: a->replay = 1; a->c_only = "replay"; break;
        case OPT_CHROME: a->chrome = val; a->c_only = "chrome"; break;
        case OPT_RUNS:
            a->opt.runs = (int)cli_int("real", "runs", val, 1, REAL_MAX_RUNS);
            break;
        case OPT_TICK_US:
            a->opt.tick_ns = 1000 * cli_int("real", "tick-us", val, 1, 1000000);
            break;
        case OPT_TIMEOUT:
            a->opt.timeout_ns =
                (int64_t)(export_parse_seconds("real", val) * 1e9);
            break;
        case OPT_WIDEN:
            a->c_only = "widen";
            a->opt.widen_ns = 1000 * cli_int("real", "widen", val, 0, 1000000);
            break;
        case OPT_MAX_RECORDS:
            a->opt.max_records = cli_int("real", "max-records", val, 1024,
                                         INT64_C(1) << 28);
            break;
        case OPT_WIDTH:
            a->width = (int)cli_int("real", "width", val, 20, 10000);
            break;
        case OPT_CORO:
            a->c_only = "coro";
            if (strcmp(val, "asm") != 0 && strcmp(val, "ucontext") != 0)
                cli_usage_error("real", "--coro is 'asm' or 'ucontext', not "
                                "'%s'", val);
            a->opt.coro = val;
            break;
        case OPT_TRACE:
            a->c_only = "trace";
            if (strcmp(val, "on") == 0)
                a->opt.traced = 1;
            else if (strcmp(val, "off") == 0)
                a->opt.traced = 0;
            else if (strcmp(val, "both") == 0)
                a->trace_both = a->opt.traced = 1;
            else
                cli_usage_error("real", "--trace is 'on', 'off' or 'both', "
                                "not '%s'", val);
            break;
        case OPT_SWITCH_INTERVAL:
            a->switch_val = val;
            break;
        default:
            overrides_option(ov, id, val);
            break;
        }
    }
    if (!a->lesson)
        cli_usage_error("real", "which lesson? taketurns real LESSON");
    if (a->python && a->c_only)
        cli_usage_error("real", "--%s is for the C backends, not --python",
                        a->c_only);
    if (a->switch_val && !a->python)
        overrides_option(ov, OPT_SWITCH_INTERVAL, a->switch_val);
    if (a->json && a->timeline)
        cli_usage_error("real", "choose --json or --timeline, not both");
    if (!a->opt.traced && (a->timeline || a->replay || a->chrome))
        cli_usage_error("real", "--timeline, --replay and --chrome need a "
                        "trace: drop --trace off");
}

/* ---- failures, compiler style --------------------------------------------------- */

/* Where a message about an event of a task should point: its last op. */
static void place(const struct lesson *L, int scene, const struct trace *tr,
                  const struct trace_event *ev, int *line, int *col)
{
    for (size_t i = ev->op_index; i-- > 0;)
        if (trace_op_task(tr, i) == ev->task) {
            *line = L->prog->pos[trace_op_pc(tr, i)].line;
            *col = L->prog->pos[trace_op_pc(tr, i)].col;
            return;
        }
    *line = L->scenes[scene].tasks[ev->task].line;
    *col = L->scenes[scene].tasks[ev->task].col;
}

static void print_failure(const struct lesson *L, int scene,
                          const struct scene_config *cfg,
                          const struct real_outcome *oc)
{
    const struct trace *tr = oc->trace;
    const struct program *P = L->prog;
    struct diag d;
    struct strbuf msg, when;
    int line, col, said = 0;

    diag_init(&d);
    sb_init(&msg);
    sb_init(&when);
    if (!tr) {
        diag_file_error(&d, L->src->name, "%d real run%s of scene '%s' %s: "
                        "%s", oc->count, oc->count == 1 ? "" : "s",
                        L->scenes[scene].name, oc->status == TRACE_DEADLOCK ?
                        "deadlocked" : oc->status == TRACE_FAILED ? "failed" :
                        "stopped", oc->why ? oc->why : "");
        fputs(d.text.s, stderr);
    }
    for (size_t i = 0; tr && i < tr->nevents; i++) {
        const struct trace_event *ev = &tr->events[i];

        sb_clear(&when);
        fmt_ns(&when, ev->t);
        if (ev->kind == EV_ERROR || ev->kind == EV_LIMIT) {
            place(L, scene, tr, ev, &line, &col);
            diag_error(&d, L->src, line, col, "in a real run, %s%s%s: %s",
                       ev->kind == EV_ERROR ? "task " : "",
                       ev->kind == EV_ERROR ? tr->labels[ev->task] : "after ",
                       ev->kind == EV_ERROR ? "" : when.s,
                       trace_text_at(tr, ev->arg));
        } else if (ev->kind == EV_DEADLOCK && !said) {
            said = 1;
            place(L, scene, tr, ev, &line, &col);
            sb_clear(&msg);
            for (size_t k = i; k < tr->nevents; k++) {
                const struct trace_event *e2 = &tr->events[k];

                if (e2->kind != EV_DEADLOCK)
                    continue;
                if (msg.len)
                    sb_puts(&msg, "; ");
                if (e2->arg2 >= 0 && e2->arg2 < P->nlocks) {
                    sb_printf(&msg, "%s waits for ", tr->labels[e2->task]);
                    sync_wait_text(P->lock_kind[e2->arg2], e2->arg,
                                   P->lock_names[e2->arg2],
                                   e2->other == e2->task ? "itself" :
                                   e2->other >= 0 ? tr->labels[e2->other] :
                                   "a task that has ended", &msg);
                } else if (e2->arg2 == TRACE_JOIN_MARK && e2->other >= 0) {
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
            diag_error(&d, L->src, line, col, "deadlock in a real run of "
                       "scene '%s', found after %s: %s", L->scenes[scene].name,
                       when.s, msg.s);
        } else {
            continue;
        }
        fputs(d.text.s, stderr);
    }
    sb_done(&msg);
    sb_done(&when);
    diag_done(&d);
}

/* ---- output -------------------------------------------------------------------- */

static void text_series(struct strbuf *out, const struct lesson *L,
                        const struct real_result *res, const char *what)
{
    sb_printf(out, "%d run%s, %s:\n\n", res->runs, res->runs == 1 ? "" : "s",
              what);
    real_result_histogram(out, L, res, 40);
    sb_puts(out, "\nwall time per run: min ");
    fmt_ns(out, res->wall_ns.min);
    sb_puts(out, " · median ");
    fmt_ns(out, res->wall_ns.median);
    sb_puts(out, " · max ");
    fmt_ns(out, res->wall_ns.max);
    sb_printf(out, "  (%.1f ns per op)\n", res->ns_per_op);
}

static void text_replay(struct strbuf *out, const struct real_args *a,
                        const struct lesson *L, int scene,
                        const struct real_replay *rp)
{
    if (!rp->ok) {
        sb_printf(out, "\nreplay: not possible: %s\n", rp->why.s);
        return;
    }
    sb_printf(out, "\nreplay: the first run's interleaving, run step by step "
              "in the simulator (%lld ticks), ends in the same state:\n"
              "  taketurns run %s --scene %s --schedule \"", (long long)rp->steps,
              a->lesson, L->scenes[scene].name);
    if (rp->schedule.len > 2000) {
        sb_add(out, rp->schedule.s, 2000);
        sb_puts(out, " ...\"\n  (the schedule is long: --json has all of it)\n");
    } else {
        sb_printf(out, "%s\"\n", rp->schedule.s);
    }
}

static void text_output(struct strbuf *out, const struct real_args *a,
                        const struct lesson *L, int scene,
                        const struct scene_config *cfg,
                        const struct real_result *res,
                        const struct real_result *untraced,
                        const struct real_replay *rp)
{
    sb_printf(out, "%s — scene %s, run for real\n", L->title,
              L->scenes[scene].name);
    report_settings(out, cfg);
    sb_printf(out, "; %s\n\n", res->detail);
    text_series(out, L, res, res->traced ? "traced" : "untraced");
    if (untraced) {
        sb_putc(out, '\n');
        text_series(out, L, untraced, "untraced");
        sb_printf(out, "\ntraced %.1f ns per op, untraced %.1f: ",
                  res->ns_per_op, untraced->ns_per_op);
        if (res->ops / (res->runs ? res->runs : 1) >= 10000 &&
            res->ns_per_op > untraced->ns_per_op)
            sb_printf(out, "tracing costs about %.1f ns per op here\n",
                      res->ns_per_op - untraced->ns_per_op);
        else
            sb_puts(out, "these runs are too short to tell what tracing "
                    "costs (taketurns bench measures it on a long race)\n");
    }
    if (res->order_checked)
        sb_printf(out, "\n%s\n", res->order_same ?
                  "every run executed its ops in exactly the simulated order" :
                  "a run did NOT execute its ops in the simulated order");
    if (rp)
        text_replay(out, a, L, scene, rp);
    if (a->timeline && res->trace) {
        struct report r = {L, scene, cfg, res->trace, NULL};

        sb_puts(out, "\nthe first run:\n");
        report_timeline(out, &r, a->width);
    }
    if (res->notes.len) {
        sb_puts(out, "\nnotes:\n");
        for (const char *s = res->notes.s; *s;) {
            const char *nl = strchr(s, '\n');
            size_t len = nl ? (size_t)(nl - s) : strlen(s);

            sb_puts(out, "  - ");
            sb_add(out, s, len);
            sb_putc(out, '\n');
            s += len + (nl != NULL);
        }
    }
}

static void json_output(struct strbuf *out, const struct real_args *a,
                        const struct lesson *L, int scene,
                        const struct scene_config *cfg,
                        const struct real_result *res,
                        const struct real_result *untraced,
                        const struct real_replay *rp)
{
    struct json j;

    json_init(&j, out, 1);
    json_object(&j, NULL);
    json_str(&j, "lesson", L->title);
    json_str(&j, "scene", L->scenes[scene].name);
    json_str(&j, "mode", mode_name(cfg->mode));
    json_str(&j, "runtime", scene_runtime(cfg));
    real_result_json(&j, L, res);
    if (untraced) {
        json_object(&j, "untraced");
        real_result_json(&j, L, untraced);
        json_end(&j);
        json_double(&j, "tracing_cost_ns_per_op",
                    res->ns_per_op - untraced->ns_per_op);
    }
    if (rp) {
        json_object(&j, "replay");
        json_bool(&j, "ok", rp->ok);
        if (rp->ok) {
            json_str(&j, "schedule", rp->schedule.s);
            json_int(&j, "steps", rp->steps);
        } else {
            json_str(&j, "why", rp->why.s);
        }
        if (rp->final) {
            json_object(&j, "final");
            for (int g = 0; g < L->prog->nglobals; g++)
                json_int(&j, L->prog->global_names[g],
                         vm_num(L->prog, rp->final[g]));
            json_end(&j);
        }
        json_int(&j, "searched", rp->searched);
        json_end(&j);
    }
    if (a->chrome)
        json_str(&j, "chrome", a->chrome);
    if (res->trace && res->trace->nops <= REAL_JSON_MAX_OPS) {
        /* The first run as `taketurns run --json` reports a run, times in
         * ns: its ops can be set beside the simulated ones. */
        struct report r = {L, scene, cfg, res->trace, NULL};
        struct strbuf one;

        sb_init(&one);
        report_json(&one, &r);
        while (one.len && (one.s[one.len - 1] == '\n'))
            one.s[--one.len] = '\0';
        json_str(&j, "first_run_unit", res->trace->unit);
        json_raw(&j, "first_run", one.s);
        sb_done(&one);
    }
    json_end(&j);
    sb_putc(out, '\n');
}

/* ---- in CPython (--python) ---------------------------------------------------- */

/* "200000" or "2, 3". */
static void args_text(struct strbuf *out, const int64_t *v, int n)
{
    for (int i = 0; i < n; i++)
        sb_printf(out, "%s%lld", i ? ", " : "", (long long)v[i]);
}

static void python_text(struct strbuf *out, const struct lesson *L, int scene,
                        const struct scene_config *cfg,
                        const struct cpython_options *o, const char *version,
                        int gil, const struct real_result *res,
                        int64_t elapsed)
{
    const struct scene *sc = &L->scenes[scene];

    sb_printf(out, "%s — scene %s, run in CPython\n", L->title,
              L->scenes[scene].name);
    sb_printf(out, "%s (Python %s%s) · mode %s: the program starts the tasks "
              "as %s\n", o->python, version, gil ? "" : ", no GIL",
              mode_name(cfg->mode),
              scene_runtime(cfg));
    sb_puts(out, "tick ");
    fmt_ns(out, o->ex.tick_ns);
    if (o->ex.switch_interval_us > 0) {
        sb_puts(out, " · sys.setswitchinterval(");
        fmt_ns(out, o->ex.switch_interval_us * 1000);
        sb_puts(out, ") (--switch-interval)");
    } else {
        sb_puts(out, " · Python's own switch interval (5 ms unless changed)");
    }
    sb_printf(out, " · each run bounded at %g s\n", o->ex.bound_s);
    if (sc->python_args) {
        sb_puts(out, "each task is called with the scene's python-args (");
        args_text(out, sc->python_args, sc->npython_args);
        sb_puts(out, "), not its run line's (");
        args_text(out, sc->tasks[0].args, sc->tasks[0].nargs);
        sb_puts(out, ") as in the simulation\n");
    }
    sb_printf(out, "\n%d run%s:\n\n", res->runs, res->runs == 1 ? "" : "s");
    real_result_histogram(out, L, res, 40);
    sb_puts(out, "\nwall time per run (the tasks, timed in Python): min ");
    fmt_ns(out, res->wall_ns.min);
    sb_puts(out, " · median ");
    fmt_ns(out, res->wall_ns.median);
    sb_puts(out, " · max ");
    fmt_ns(out, res->wall_ns.max);
    sb_printf(out, "\n%d run%s took ", res->runs, res->runs == 1 ? "" : "s");
    fmt_ns(out, elapsed);
    sb_puts(out, " in all, the interpreter's start-up included\n");
    sb_printf(out, "\nthe program: taketurns export %s --scene %s --python\n",
              L->src->name, L->scenes[scene].name);
}

static void python_json(struct strbuf *out, const struct lesson *L, int scene,
                        const struct scene_config *cfg,
                        const struct cpython_options *o, const char *version,
                        int gil, const struct real_result *res,
                        int64_t elapsed)
{
    const struct program *P = L->prog;
    const struct scene *sc = &L->scenes[scene];
    struct json j;

    json_init(&j, out, 1);
    json_object(&j, NULL);
    json_str(&j, "lesson", L->title);
    json_str(&j, "scene", L->scenes[scene].name);
    json_str(&j, "mode", mode_name(cfg->mode));
    json_str(&j, "runtime", scene_runtime(cfg));
    json_str(&j, "backend", "cpython");
    json_str(&j, "python", version);
    json_str(&j, "interpreter", o->python);
    json_bool(&j, "gil", gil);
    if (sc->python_args) {
        json_array(&j, "python_args");
        for (int i = 0; i < sc->npython_args; i++)
            json_int(&j, NULL, sc->python_args[i]);
        json_end(&j);
    }
    json_int(&j, "runs", res->runs);
    json_int(&j, "tick_ns", o->ex.tick_ns);
    if (o->ex.switch_interval_us > 0)
        json_int(&j, "switch_interval_us", o->ex.switch_interval_us);
    else
        json_null(&j, "switch_interval_us");
    json_double(&j, "timeout_s", o->ex.bound_s);
    json_array(&j, "outcomes");
    for (int i = 0; i < res->noutcomes; i++) {
        const struct real_outcome *oc = &res->outcomes[i];

        json_object(&j, NULL);
        json_object(&j, "final");
        for (int g = 0; g < P->nglobals; g++)
            json_int(&j, P->global_names[g], vm_num(P, oc->final[g]));
        json_end(&j);
        json_int(&j, "count", oc->count);
        json_str(&j, "status", trace_status_name(oc->status));
        if (oc->why)
            json_str(&j, "why", oc->why);
        json_end(&j);
    }
    json_end(&j);
    json_object(&j, "wall_ns");
    json_int(&j, "min", res->wall_ns.min);
    json_int(&j, "median", res->wall_ns.median);
    json_int(&j, "max", res->wall_ns.max);
    json_end(&j);
    json_int(&j, "elapsed_ns", elapsed);
    json_int(&j, "failed", res->nfailed);
    json_int(&j, "deadlocks", res->ndeadlock);
    json_bool(&j, "deadlock", res->ndeadlock > 0);
    json_end(&j);
    sb_putc(out, '\n');
}

static int real_python(const struct real_args *a, struct lesson *L, int scene,
                       const struct scene_config *cfg)
{
    struct cpython_options o;
    struct strbuf version, err, out;
    struct real_result *res;
    int64_t elapsed = 0;
    int rc = 0, gil = 1;

    memset(&o, 0, sizeof(o));
    o.python = a->python;
    o.runs = a->opt.runs;
    o.ex.tick_ns = a->opt.tick_ns > 0 ? a->opt.tick_ns :
                   real_default_tick(L, scene, cfg);
    o.ex.bound_s = (double)a->opt.timeout_ns / 1e9;
    if (a->switch_val)
        o.ex.switch_interval_us = cli_int("real", "switch-interval",
                                          a->switch_val, 1, 10000000);
    o.ex.lesson_arg = a->lesson;
    sb_init(&version);
    sb_init(&err);
    if (cpython_probe(o.python, &version, &gil, &err) < 0) {
        fprintf(stderr, "taketurns real: error: %s\n", err.s);
        sb_done(&version), sb_done(&err);
        return 1;
    }
    res = cpython_run(L, scene, cfg, &o, &elapsed, &err);
    if (!res) {
        fprintf(stderr, "%s: error: scene '%s' in %s: %s\n", L->src->name,
                L->scenes[scene].name, o.python, err.s);
        sb_done(&version), sb_done(&err);
        return 1;
    }
    sb_init(&out);
    if (a->json)
        python_json(&out, L, scene, cfg, &o, version.s, gil, res, elapsed);
    else
        python_text(&out, L, scene, cfg, &o, version.s, gil, res, elapsed);
    fwrite(out.s, 1, out.len, stdout);
    fflush(stdout);
    for (int i = 0; i < res->noutcomes; i++)
        if (res->outcomes[i].status != TRACE_OK) {
            print_failure(L, scene, cfg, &res->outcomes[i]);
            rc = 1;
        }
    sb_done(&out);
    sb_done(&version);
    sb_done(&err);
    real_result_free(res);
    return rc;
}

int cmd_real(int argc, char **argv)
{
    struct real_args a;
    struct overrides ov;
    struct lesson *L;
    struct scene_config cfg;
    struct schedule sch;
    struct real_result *res, *untraced = NULL;
    struct real_replay rp;
    struct strbuf err, out;
    int scene, rc = 0, do_replay;

    parse(argc, argv, &a, &ov);
    L = cli_load_scene(a.lesson, &ov, &scene);
    if (!L)
        return 1;
    overrides_apply(&ov, L, scene, &cfg, &sch);
    schedule_done(&sch);
    if (a.python) {
        rc = real_python(&a, L, scene, &cfg);
        lesson_free(L);
        return rc;
    }
    sb_init(&err);
    res = real_run(L, scene, &cfg, &a.opt, &err);
    if (!res) {
        fprintf(stderr, "%s: error: scene '%s': %s\n", L->src->name,
                L->scenes[scene].name, err.s ? err.s : "cannot run");
        sb_done(&err);
        lesson_free(L);
        return 1;
    }
    if (a.trace_both) {
        struct real_options o2 = a.opt;

        o2.traced = 0;
        untraced = real_run(L, scene, &cfg, &o2, &err);
    }
    real_replay_init(&rp);
    do_replay = a.replay && res->trace;
    /* The reconstruction gets as long as a run may take. */
    rp.deadline_ns = rclock_mono_ns() + (uint64_t)a.opt.timeout_ns;
    if (do_replay)
        real_replay(L, scene, &cfg, res->trace, &rp);
    else if (a.replay)
        sb_puts(&rp.why, "there is no trace of the first run");
    if (a.chrome) {
        sb_clear(&err);
        if (!res->trace) {
            fprintf(stderr, "taketurns real: error: no trace to write to %s\n",
                    a.chrome);
            rc = 1;
        } else if (chrome_write_file(a.chrome, L, scene, &cfg, res->trace,
                                     &err) < 0) {
            fprintf(stderr, "taketurns real: error: %s\n", err.s);
            rc = 1;
        }
    }
    sb_init(&out);
    if (a.json)
        json_output(&out, &a, L, scene, &cfg, res, untraced,
                    a.replay ? &rp : NULL);
    else
        text_output(&out, &a, L, scene, &cfg, res, untraced,
                    a.replay ? &rp : NULL);
    fwrite(out.s, 1, out.len, stdout);
    fflush(stdout);
    sb_done(&out);
    for (int i = 0; i < res->noutcomes; i++)
        if (res->outcomes[i].status != TRACE_OK) {
            print_failure(L, scene, &cfg, &res->outcomes[i]);
            rc = 1;
        }
    real_replay_done(&rp);
    real_result_free(untraced);
    real_result_free(res);
    sb_done(&err);
    lesson_free(L);
    return rc;
}
