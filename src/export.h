/* export.h - a scene as a standalone Python program (taketurns export
 * --python, and real --python).
 *
 * A lesson's code is a Python 3.13 module, so a scene can run in the
 * student's own CPython: export_python() writes the module (line for line,
 * the lesson's title, scenes and pages as blank lines), stubs for
 * compute/sleep/io that count time in ticks, and a __main__ that starts the
 * scene's tasks the way its mode says and prints, as its last line, one
 * JSON object: {"final": {...}} (see export.c).  Text only: no curses.
 */
#ifndef TT_EXPORT_H
#define TT_EXPORT_H

#include <stdint.h>

#include "lesson.h"
#include "util.h"

struct export_options {
    int64_t tick_ns;            /* length of a tick (> 0) */
    double bound_s;             /* seconds before the run counts as stuck */
    int64_t switch_interval_us; /* sys.setswitchinterval; 0: Python's own */
    const char *lesson_arg;     /* the lesson as named on the command line,
                                   for the header (NULL: its path) */
    int simulated_args;         /* call the tasks with their run lines'
                                   arguments even if the scene has
                                   python-args (to compare with the
                                   simulation) */
};

/* The exit statuses of an exported program: every task ended, a task
 * raised an exception, the tasks were not done within the bound. */
enum { EXPORT_EXIT_OK = 0, EXPORT_EXIT_FAILED = 1, EXPORT_EXIT_STUCK = 3 };

/* Append scene's program (settings cfg) to out.  The lesson's line N is
 * line N + *offset of the program (offset may be NULL). */
void export_python(const struct lesson *L, int scene,
                   const struct scene_config *cfg,
                   const struct export_options *opt, struct strbuf *out,
                   int *offset);

#endif
