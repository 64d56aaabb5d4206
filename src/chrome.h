/* chrome.h - a trace as Chrome Trace Event JSON, for Perfetto.
 *
 * Opens in https://ui.perfetto.dev (and chrome://tracing): one process for
 * the scene with one thread per task (in processes mode, one process per
 * task), holding an X slice per state span and, nested in each running
 * span, an X slice per op; i instants for switches and the other events,
 * with the sentence the event log shows; C counters for the shared
 * variables; M metadata naming processes and threads; and a "CPUs" (or
 * "event loop") process with a lane per CPU showing who ran there.
 * Timestamps are microseconds: a real trace's nanoseconds / 1000, and a
 * simulated tick is drawn as 1 us (otherData says which).
 */
#ifndef TT_CHROME_H
#define TT_CHROME_H

#include <stdio.h>

#include "lesson.h"
#include "trace.h"
#include "util.h"

/* Ops are drawn as slices up to this many; beyond, spans only. */
enum { CHROME_MAX_OP_SLICES = 200000 };

void chrome_write(FILE *f, const struct lesson *L, int scene,
                  const struct scene_config *cfg, const struct trace *tr);
/* Write to path; returns 0, or -1 with a message in err. */
int chrome_write_file(const char *path, const struct lesson *L, int scene,
                      const struct scene_config *cfg, const struct trace *tr,
                      struct strbuf *err);

#endif
