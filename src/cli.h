/* cli.h - command-line parsing shared by the subcommands.
 *
 * Options are --name VALUE or --name=VALUE, anywhere among the positional
 * arguments.  A usage error prints "taketurns CMD: error: ..." and exits
 * with status 2.  Scene settings can be overridden the same way in every
 * subcommand that runs a scene (struct overrides).
 */
#ifndef TT_CLI_H
#define TT_CLI_H

#include <stdint.h>

#include "lesson.h"
#include "schedule.h"
#include "util.h"

#define TT_VERSION "0.1.0"

struct cli_opt {
    const char *name;   /* without the dashes */
    int has_arg;
    int id;             /* > 0 */
};

struct cli {
    const char *cmd;    /* for messages */
    int argc;
    char **argv;
    int i;
};

void cli_init(struct cli *c, const char *cmd, int argc, char **argv);
/* The next option's id (its value in *val), 0 for a positional argument
 * (in *val), or -1 at the end. */
int cli_next(struct cli *c, const struct cli_opt *opts, const char **val);
TT_NORETURN void cli_usage_error(const char *cmd, const char *fmt, ...)
    TT_PRINTF(2, 3);
int64_t cli_int(const char *cmd, const char *opt, const char *val, int64_t lo,
                int64_t hi);

/* Option ids of the scene overrides; add OVERRIDE_OPTS to a table. */
enum {
    OPT_SCENE = 100, OPT_MODE, OPT_CPUS, OPT_QUANTUM, OPT_PREEMPT, OPT_SEED,
    OPT_SWITCH_INTERVAL, OPT_CHECKPOINTS, OPT_SPAWN_COST, OPT_SCHEDULE,
    OPT_BUDGET,
};

#define OVERRIDE_OPTS                                                   \
    {"scene", 1, OPT_SCENE}, {"mode", 1, OPT_MODE}, {"cpus", 1, OPT_CPUS}, \
    {"quantum", 1, OPT_QUANTUM}, {"preempt", 1, OPT_PREEMPT},           \
    {"seed", 1, OPT_SEED}, {"switch-interval", 1, OPT_SWITCH_INTERVAL}, \
    {"checkpoints", 1, OPT_CHECKPOINTS},                                \
    {"spawn-cost", 1, OPT_SPAWN_COST}, {"schedule", 1, OPT_SCHEDULE},   \
    {"budget", 1, OPT_BUDGET}

struct overrides {
    const char *cmd;
    const char *scene;      /* NULL: the first scene */
    unsigned set;           /* bit SET_x: given on the command line */
    struct scene_config cfg;
};

void overrides_init(struct overrides *ov, const char *cmd);
/* Handle option id if it is an override; returns 1 if it was. */
int overrides_option(struct overrides *ov, int id, const char *val);
/* The scene index chosen by --scene (usage error if unknown). */
int overrides_scene(const struct overrides *ov, const struct lesson *L);
/* The scene's settings with the overrides applied.  Settings of the scene
 * that do not apply to an overridden mode are dropped; an override that
 * does not apply to the mode is a usage error.  sch receives the schedule
 * (parsed against the scene's labels); returns 1 if there is one. */
int overrides_apply(const struct overrides *ov, const struct lesson *L,
                    int scene, struct scene_config *out, struct schedule *sch);

/* Find and load a lesson; on failure print the error and return NULL. */
struct lesson *cli_load_lesson(const char *name);
/* Load a lesson and choose the scene --scene names (its first by default)
 * in *scene; NULL, with the error printed, if it cannot be loaded or has
 * no scene (a usage error if --scene names none: exit 2). */
struct lesson *cli_load_scene(const char *name, const struct overrides *ov,
                              int *scene);

#endif
