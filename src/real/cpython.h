/* cpython.h - running a scene in a real CPython (taketurns real --python).
 *
 * The scene is exported as a Python program (export.h), written to a
 * temporary file and run by the interpreter, fork/exec with no shell, as
 * many times as asked.  Each run has a time limit; a child that passes it
 * is killed with its whole process group, and no process outlives
 * cpython_run.  Each run's last line of output (the program's JSON) gives
 * its outcome; the result is a struct real_result like the C backends',
 * with backend "cpython", so it is reported the same way.
 */
#ifndef TT_CPYTHON_H
#define TT_CPYTHON_H

#include <stdatomic.h>
#include <stdint.h>

#include "export.h"
#include "lesson.h"
#include "real/real.h"
#include "util.h"

struct cpython_options {
    const char *python;         /* the interpreter: a path, or a name looked
                                   up on the PATH */
    int runs;
    struct export_options ex;   /* tick, bound (per run), switch interval */
    /* Optional, as real_options': nonzero (from another thread) stops the
     * runs (the running child is killed at once; the runs done so far are
     * kept, res->stopped says so); progress(arg, done, total) after each
     * run. */
    const _Atomic int *cancel;
    void (*progress)(void *arg, int done, int total);
    void *progress_arg;
};

/* The interpreter's own version ("3.11.2") and whether its GIL is on (a
 * free-threaded 3.13t build may run without one), from running it.
 * Returns 0, or -1 with a sentence naming the interpreter in err. */
int cpython_probe(const char *python, struct strbuf *version, int *gil,
                  struct strbuf *err);
/* The version alone. */
int cpython_version(const char *python, struct strbuf *version,
                    struct strbuf *err);

/* Run scene o->runs times in o->python.  Returns NULL with a sentence in
 * err if the program could not run (or printed no result).  *elapsed_ns:
 * the time all the runs took, interpreter start-up included. */
struct real_result *cpython_run(const struct lesson *L, int scene,
                                const struct scene_config *cfg,
                                const struct cpython_options *o,
                                int64_t *elapsed_ns, struct strbuf *err);

#endif
