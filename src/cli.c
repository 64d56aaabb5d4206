/* cli.c - options, overrides, and loading a lesson named on the command line. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lessons.h"

void cli_init(struct cli *c, const char *cmd, int argc, char **argv)
{
    c->cmd = cmd;
    c->argc = argc;
    c->argv = argv;
    c->i = 0;
}

void cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fprintf(stderr, "taketurns%s%s: error: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'taketurns --help'.\n");
    exit(2);
}

int cli_next(struct cli *c, const struct cli_opt *opts, const char **val)
{
    const char *arg, *eq;
    size_t len;

    if (c->i >= c->argc)
        return -1;
    arg = c->argv[c->i++];
    if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
        if (arg[0] == '-' && arg[1] != '\0' && strcmp(arg, "--") != 0)
            cli_usage_error(c->cmd, "unknown option '%s'", arg);
        if (strcmp(arg, "--") == 0 && c->i < c->argc)
            arg = c->argv[c->i++];
        *val = arg;
        return 0;
    }
    arg += 2;
    eq = strchr(arg, '=');
    len = eq ? (size_t)(eq - arg) : strlen(arg);
    for (const struct cli_opt *o = opts; o->name; o++) {
        if (strlen(o->name) != len || strncmp(o->name, arg, len) != 0)
            continue;
        if (!o->has_arg) {
            if (eq)
                cli_usage_error(c->cmd, "--%s takes no value", o->name);
            *val = NULL;
            return o->id;
        }
        if (eq) {
            *val = eq + 1;
        } else {
            if (c->i >= c->argc)
                cli_usage_error(c->cmd, "--%s needs a value", o->name);
            *val = c->argv[c->i++];
        }
        return o->id;
    }
    cli_usage_error(c->cmd, "unknown option '--%.*s'", (int)len, arg);
}

int64_t cli_int(const char *cmd, const char *opt, const char *val, int64_t lo,
                int64_t hi)
{
    int64_t v;

    if (parse_int64(val, &v) < 0)
        cli_usage_error(cmd, "--%s needs a whole number, not '%s'", opt, val);
    if (v < lo)
        cli_usage_error(cmd, "--%s must be at least %lld, not %lld", opt,
                        (long long)lo, (long long)v);
    if (v > hi)
        cli_usage_error(cmd, "--%s must be at most %lld, not %lld", opt,
                        (long long)hi, (long long)v);
    return v;
}

/* ---- overrides ------------------------------------------------------------- */

void overrides_init(struct overrides *ov, const char *cmd)
{
    memset(ov, 0, sizeof(*ov));
    ov->cmd = cmd;
    scene_config_defaults(&ov->cfg, MODE_THREADS);
}

int overrides_option(struct overrides *ov, int id, const char *val)
{
    struct scene_config *c = &ov->cfg;
    const char *cmd = ov->cmd;
    int m;

    switch (id) {
    case OPT_SCENE:
        ov->scene = val;
        return 1;
    case OPT_MODE:
        m = mode_from_name(val);
        if (m < 0)
            cli_usage_error(cmd, "unknown mode '%s' (modes: sequential, "
                            "threads, gil, asyncio, processes)", val);
        c->mode = (enum mode)m;
        ov->set |= 1u << SET_MODE;
        return 1;
    case OPT_CPUS:
        c->cpus = (int)cli_int(cmd, "cpus", val, 1, LESSON_MAX_CPUS);
        ov->set |= 1u << SET_CPUS;
        return 1;
    case OPT_QUANTUM:
        c->quantum = (int)cli_int(cmd, "quantum", val, 1, 1000000000);
        ov->set |= 1u << SET_QUANTUM;
        return 1;
    case OPT_PREEMPT:
        if (strcmp(val, "quantum") == 0)
            c->preempt = PREEMPT_QUANTUM;
        else if (strcmp(val, "random") == 0)
            c->preempt = PREEMPT_RANDOM;
        else
            cli_usage_error(cmd, "--preempt is 'quantum' or 'random', not "
                            "'%s'", val);
        ov->set |= 1u << SET_PREEMPT;
        return 1;
    case OPT_SEED:
        c->seed = (uint64_t)cli_int(cmd, "seed", val, 0, INT64_MAX);
        ov->set |= 1u << SET_SEED;
        return 1;
    case OPT_SWITCH_INTERVAL:
        c->switch_interval = (int)cli_int(cmd, "switch-interval", val, 1,
                                          1000000000);
        ov->set |= 1u << SET_SWITCH_INTERVAL;
        return 1;
    case OPT_CHECKPOINTS:
        if (strcmp(val, "every-op") == 0)
            c->checkpoints = CHECK_EVERY_OP;
        else if (strcmp(val, "loops-and-calls") == 0)
            c->checkpoints = CHECK_LOOPS_AND_CALLS;
        else
            cli_usage_error(cmd, "--checkpoints is 'every-op' or "
                            "'loops-and-calls', not '%s'", val);
        ov->set |= 1u << SET_CHECKPOINTS;
        return 1;
    case OPT_SPAWN_COST:
        c->spawn_cost = (int)cli_int(cmd, "spawn-cost", val, 0, 1000000000);
        ov->set |= 1u << SET_SPAWN_COST;
        return 1;
    case OPT_SCHEDULE:
        c->schedule = val;
        ov->set |= 1u << SET_SCHEDULE;
        return 1;
    case OPT_BUDGET:
        c->budget = cli_int(cmd, "budget", val, 1, INT64_MAX / 2);
        ov->set |= 1u << SET_BUDGET;
        return 1;
    default:
        return 0;
    }
}

int overrides_scene(const struct overrides *ov, const struct lesson *L)
{
    int s;

    if (L->nscenes == 0)
        return -1;
    if (!ov->scene)
        return 0;
    s = lesson_find_scene(L, ov->scene);
    if (s < 0) {
        struct strbuf names;

        sb_init(&names);
        for (int i = 0; i < L->nscenes; i++)
            sb_printf(&names, "%s%s", i ? ", " : "", L->scenes[i].name);
        fflush(stdout);
        fprintf(stderr, "taketurns %s: error: %s has no scene '%s' (scenes: "
                "%s)\n", ov->cmd, L->src->name, ov->scene, names.s);
        sb_done(&names);
        exit(2);
    }
    return s;
}

/* Copy setting s from one config to another. */
static void copy_setting(struct scene_config *to, const struct scene_config *from,
                         int s)
{
    switch ((enum setting)s) {
    case SET_MODE: to->mode = from->mode; break;
    case SET_CPUS: to->cpus = from->cpus; break;
    case SET_QUANTUM: to->quantum = from->quantum; break;
    case SET_PREEMPT: to->preempt = from->preempt; break;
    case SET_SEED: to->seed = from->seed; break;
    case SET_SCHEDULE:
        to->schedule = from->schedule;
        to->schedule_line = from->schedule_line;
        to->schedule_col = from->schedule_col;
        break;
    case SET_SWITCH_INTERVAL: to->switch_interval = from->switch_interval; break;
    case SET_CHECKPOINTS: to->checkpoints = from->checkpoints; break;
    case SET_SPAWN_COST: to->spawn_cost = from->spawn_cost; break;
    case SET_BUDGET: to->budget = from->budget; break;
    case SET_COUNT: break;
    }
}

int overrides_apply(const struct overrides *ov, const struct lesson *L,
                    int scene, struct scene_config *out, struct schedule *sch)
{
    const struct scene *sc = &L->scenes[scene];
    enum mode mode = ov->set & 1u << SET_MODE ? ov->cfg.mode : sc->cfg.mode;
    unsigned ok = mode_settings(mode);

    if (mode == sc->cfg.mode) {
        *out = sc->cfg;
    } else {
        scene_config_defaults(out, mode);
        for (int s = 0; s < SET_COUNT; s++)
            if (s != SET_MODE && (sc->set & 1u << s) && (ok & 1u << s))
                copy_setting(out, &sc->cfg, s);
    }
    for (int s = 0; s < SET_COUNT; s++) {
        if (!(ov->set & 1u << s))
            continue;
        if (!(ok & 1u << s))
            cli_usage_error(ov->cmd, "--%s does not apply to mode %s",
                            setting_name((enum setting)s), mode_name(mode));
        copy_setting(out, &ov->cfg, s);
        if (s == SET_SCHEDULE)
            out->schedule_line = 0;
    }
    out->mode = mode;
    schedule_init(sch);
    if (!out->schedule)
        return 0;
    {
        struct strbuf err;
        int off = 0;

        sb_init(&err);
        if (scene_schedule_parse(sc, out->schedule, sch, &off, &err) < 0)
            cli_usage_error(ov->cmd, "--schedule \"%s\": %s (at character %d)",
                            out->schedule, err.s, off + 1);
        sb_done(&err);
    }
    return 1;
}

struct lesson *cli_load_scene(const char *name, const struct overrides *ov,
                              int *scene)
{
    struct lesson *L = cli_load_lesson(name);

    if (!L)
        return NULL;
    *scene = overrides_scene(ov, L);
    if (*scene < 0) {
        fflush(stdout);
        fprintf(stderr, "%s: error: this lesson has no scenes, and "
                "'taketurns %s' needs one\n", L->src->name, ov->cmd);
        lesson_free(L);
        return NULL;
    }
    return L;
}

struct lesson *cli_load_lesson(const char *name)
{
    struct strbuf path;
    struct diag d;
    struct lesson *L;

    sb_init(&path);
    diag_init(&d);
    if (lessons_find(name, &path) < 0 && !lessons_is_path(name)) {
        sb_clear(&d.text);
        lessons_missing(name, &d.text);
        L = NULL;
    } else {
        L = lesson_load(path.s, &d);
    }
    if (!L) {
        fflush(stdout);
        fputs(d.text.s, stderr);
    }
    diag_done(&d);
    sb_done(&path);
    return L;
}
