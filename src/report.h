/* report.h - a run as text: the event log, JSON, and an ASCII timeline.
 *
 * Everything here reads a finished (or partial) trace and writes into a
 * strbuf; nothing draws on a screen.  report_explain() is the sentence the
 * event log of the TUI shows for an event ("A preempted: quantum of 3 used
 * up; B runs"), so the command line and the TUI explain switches alike.
 */
#ifndef TT_REPORT_H
#define TT_REPORT_H

#include <stdio.h>

#include "json.h"
#include "lesson.h"
#include "program.h"
#include "trace.h"
#include "util.h"

struct report {
    const struct lesson *L;
    int scene;
    const struct scene_config *cfg;
    const struct trace *tr;
    /* Where a long report goes as it is written (NULL: all of it stays in
     * the strbuf).  A run of millions of ops makes hundreds of megabytes of
     * text, which must not be held in memory outside the budget. */
    FILE *stream;
};

/* What op does, in the words of the scene's mode: op_info's words, but
 * without the GIL where there is none to change hands (threads without
 * one, processes, asyncio, sequential), and with a module variable each
 * process's own copy in processes. */
const char *report_op_meaning(int op, enum mode mode);
/* "threads, 1 CPU, quantum 3 (round robin)". */
void report_settings(struct strbuf *out, const struct scene_config *cfg);
/* The same in fewer words, for narrow tables: "threads (no GIL), 1 CPU,
 * quantum 4". */
void report_settings_brief(struct strbuf *out, const struct scene_config *c);
/* The real system a mode models, in a few words ("CPython 3.13"). */
const char *report_runtime_short(const struct scene_config *cfg);
/* "worker(3)" for task t of the scene. */
void report_call(struct strbuf *out, const struct lesson *L, int scene, int t);
/* Why an event happened, in one sentence.  Returns 0 (writing nothing)
 * for events the log leaves out because another line says it. */
int report_explain(struct strbuf *out, const struct report *r,
                   const struct trace_event *ev);
/* What an op did: "x is 0", "x = 1", "= 2", "i = 0", "3 ticks of work". */
void report_op_effect(struct strbuf *out, const struct program *P,
                      const struct trace_op *op);
/* "x = 3" or "x = 3, y = 0" for memory space (0: the main program). */
void report_memory(struct strbuf *out, const struct program *P,
                   const struct trace *tr, int space);

void report_text(struct strbuf *out, const struct report *r);
void report_json(struct strbuf *out, const struct report *r);
/* One lane per task and per CPU, width columns of time at most. */
void report_timeline(struct strbuf *out, const struct report *r, int width);
/* "final: x = 3" and the deadlock, error and limit lines of the end. */
void report_summary(struct strbuf *out, const struct report *r);

#endif
