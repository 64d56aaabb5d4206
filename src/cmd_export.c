/* cmd_export.c - `taketurns export LESSON --scene S --python`: the scene as
 * a standalone Python program on stdout (export.c writes it).
 *
 * --python is the one format so far, and must be said, so that another can
 * come later without changing what the command means.  --tick-us and
 * --timeout are real's (the default tick is real's for the scene);
 * --switch-interval US is CPython's sys.setswitchinterval, in microseconds
 * (not the scene's switch interval in ticks: the program runs in CPython's
 * GIL, not the simulated one).  --mode runs the tasks another way.
 * --simulated-args calls the tasks with their run lines' arguments even
 * where the scene gives python-args (to compare with the simulation).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "export.h"
#include "real/real.h"

/* Seconds from 0.001 to 3600, for --timeout. */
double export_parse_seconds(const char *cmd, const char *val)
{
    char *end;
    double v = strtod(val, &end);

    if (end == val || *end != '\0' || !(v >= 0.001 && v <= 3600))
        cli_usage_error(cmd, "--timeout needs seconds from 0.001 to 3600, "
                        "not '%s'", val);
    return v;
}

int cmd_export(int argc, char **argv)
{
    enum { OPT_PYTHON = 1, OPT_TICK_US, OPT_TIMEOUT, OPT_SWITCH_US,
           OPT_SIM_ARGS };
    static const struct cli_opt opts[] = {
        {"python", 0, OPT_PYTHON}, {"tick-us", 1, OPT_TICK_US},
        {"timeout", 1, OPT_TIMEOUT}, {"switch-interval", 1, OPT_SWITCH_US},
        {"simulated-args", 0, OPT_SIM_ARGS}, {"scene", 1, OPT_SCENE},
        {"mode", 1, OPT_MODE}, {NULL, 0, 0},
    };
    struct cli c;
    struct overrides ov;
    struct export_options eo = {0, 10.0, 0, NULL, 0};
    struct scene_config cfg;
    struct schedule sch;
    const char *lesson = NULL, *val;
    int id, python = 0, scene;
    struct lesson *L;
    struct strbuf out;

    cli_init(&c, "export", argc, argv);
    overrides_init(&ov, "export");
    while ((id = cli_next(&c, opts, &val)) >= 0) {
        switch (id) {
        case 0:
            if (lesson)
                cli_usage_error("export", "one lesson at a time (got '%s' "
                                "and '%s')", lesson, val);
            lesson = val;
            break;
        case OPT_PYTHON: python = 1; break;
        case OPT_SIM_ARGS: eo.simulated_args = 1; break;
        case OPT_TICK_US:
            eo.tick_ns = 1000 * cli_int("export", "tick-us", val, 1, 1000000);
            break;
        case OPT_TIMEOUT:
            eo.bound_s = export_parse_seconds("export", val);
            break;
        case OPT_SWITCH_US:
            eo.switch_interval_us = cli_int("export", "switch-interval", val,
                                            1, 10000000);
            break;
        default:
            overrides_option(&ov, id, val);
            break;
        }
    }
    if (!lesson)
        cli_usage_error("export", "which lesson? taketurns export LESSON "
                        "--scene S --python");
    if (!python)
        cli_usage_error("export", "export as what? add --python (a "
                        "standalone Python program, the one format so far)");
    L = cli_load_scene(lesson, &ov, &scene);
    if (!L)
        return 1;
    overrides_apply(&ov, L, scene, &cfg, &sch);
    schedule_done(&sch);
    if (eo.tick_ns <= 0)
        eo.tick_ns = real_default_tick(L, scene, &cfg);
    eo.lesson_arg = lesson;
    sb_init(&out);
    export_python(L, scene, &cfg, &eo, &out, NULL);
    fwrite(out.s, 1, out.len, stdout);
    fflush(stdout);
    sb_done(&out);
    lesson_free(L);
    return 0;
}
