/* commands.h - the subcommands of taketurns, one function each.
 *
 * Each takes the arguments after its name and returns the exit status:
 * 0 ok, 1 the lesson or the run failed, 2 a usage error.
 */
#ifndef TT_COMMANDS_H
#define TT_COMMANDS_H

#include "lesson.h"
#include "trace.h"

int cmd_check(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_explore(int argc, char **argv);    /* cmd_explore.c */
int cmd_dis(int argc, char **argv);        /* cmd_dis.c */
int cmd_real(int argc, char **argv);       /* real/cmd_real.c */
int cmd_export(int argc, char **argv);     /* cmd_export.c */
/* --timeout's seconds (0.001 to 3600), or a usage error of cmd. */
double export_parse_seconds(const char *cmd, const char *val);
int cmd_screen(int argc, char **argv);     /* ui/cmd_screen.c */
/* taketurns [LESSON]: the TUI; argv holds the lesson, if any (ui/tui.c). */
int cmd_tui(int argc, char **argv);

/* Print a failed run's errors, deadlock or limit as FILE:LINE:COL lines. */
void run_print_failure(const struct lesson *L, int scene,
                       const struct scene_config *cfg, const struct trace *tr);

#endif
