/* chrome.c - writing a trace as Chrome Trace Event JSON. */
#include "chrome.h"

#include <errno.h>
#include <string.h>

#include "program.h"
#include "report.h"
#include "vm.h"

struct cw {
    FILE *f;
    struct strbuf buf;      /* flushed to f as it grows */
    struct strbuf tmp;
    int first;
    double scale;           /* trace units per microsecond */
    const struct lesson *L;
    int scene;
    const struct scene_config *cfg;
    const struct trace *tr;
    struct report rep;
};

enum { PID_MAIN = 1, PID_CPUS = 2, PID_PROCESS = 10 };

static void flush(struct cw *w, int force)
{
    if (w->buf.len >= (force ? 1 : 1u << 16)) {
        fwrite(w->buf.s, 1, w->buf.len, w->f);
        sb_clear(&w->buf);
    }
}

/* Start an event object: {"name":...,"ph":"X" ... (the caller closes). */
static void begin(struct cw *w, const char *name, const char *ph)
{
    sb_puts(&w->buf, w->first ? "\n" : ",\n");
    w->first = 0;
    sb_puts(&w->buf, "{\"name\":");
    json_quote(&w->buf, name);
    sb_printf(&w->buf, ",\"ph\":\"%s\"", ph);
}

static void ts(struct cw *w, const char *key, int64_t t)
{
    double us = (double)t / w->scale;

    sb_printf(&w->buf, ",\"%s\":%.3f", key, us);
}

static void end(struct cw *w)
{
    sb_putc(&w->buf, '}');
    flush(w, 0);
}

static int task_pid(const struct cw *w, int task)
{
    return w->cfg->mode == MODE_PROCESSES ? PID_PROCESS + task : PID_MAIN;
}

/* ---- names ------------------------------------------------------------------- */

static void meta(struct cw *w, const char *what, int pid, int tid,
                 const char *name, int sort)
{
    begin(w, what, "M");
    sb_printf(&w->buf, ",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":", pid, tid);
    json_quote(&w->buf, name);
    sb_puts(&w->buf, "}}");
    begin(w, strcmp(what, "process_name") == 0 ? "process_sort_index" :
          "thread_sort_index", "M");
    sb_printf(&w->buf, ",\"pid\":%d,\"tid\":%d,\"args\":{\"sort_index\":%d}}",
              pid, tid, sort);
}

static void names(struct cw *w)
{
    const struct scene *sc = &w->L->scenes[w->scene];
    const struct trace *tr = w->tr;
    int real = strcmp(tr->unit, "ns") == 0;

    sb_clear(&w->tmp);
    sb_printf(&w->tmp, "%s: scene %s (%s, %s)", w->L->title, sc->name,
              mode_name(w->cfg->mode), real ? "real run" : "simulated");
    if (w->cfg->mode == MODE_PROCESSES)
        meta(w, "process_name", PID_MAIN, 0, "main program", 0);
    else
        meta(w, "process_name", PID_MAIN, 0, w->tmp.s, 0);
    for (int t = 0; t < tr->ntasks; t++) {
        sb_clear(&w->tmp);
        sb_printf(&w->tmp, "%s = ", tr->labels[t]);
        report_call(&w->tmp, w->L, w->scene, t);
        if (w->cfg->mode == MODE_PROCESSES) {
            struct strbuf p;

            sb_init(&p);
            sb_printf(&p, "process %s", tr->labels[t]);
            meta(w, "process_name", task_pid(w, t), 0, p.s, 10 + t);
            sb_done(&p);
        }
        meta(w, "thread_name", task_pid(w, t), t + 1, w->tmp.s, t);
    }
    meta(w, "process_name", PID_CPUS, 0, w->cfg->mode == MODE_ASYNCIO ?
         "event loop" : "CPUs", 1000);
    for (int c = 0; c < tr->ncpus; c++) {
        sb_clear(&w->tmp);
        if (w->cfg->mode == MODE_ASYNCIO)
            sb_puts(&w->tmp, "loop");
        else
            sb_printf(&w->tmp, "cpu%d", c);
        meta(w, "thread_name", PID_CPUS, c + 1, w->tmp.s, c);
    }
}

/* ---- spans and ops ----------------------------------------------------------- */

static const char *cname(int state)
{
    switch (state) {
    case TS_RUNNING: return "thread_state_running";
    case TS_READY:
    case TS_GIL_WAIT: return "thread_state_runnable";
    case TS_BLOCKED: return "thread_state_iowait";
    case TS_LOCK_WAIT: return "thread_state_uninterruptible";
    case TS_STARTING: return "thread_state_unknown";
    case TS_FAILED: return "terrible";
    default: return "grey";
    }
}

static int64_t span_end(const struct cw *w, int task, size_t i)
{
    int64_t e = trace_span_end(w->tr, task, i);

    return e >= 0 ? e : w->tr->end;
}

static void spans(struct cw *w)
{
    const struct trace *tr = w->tr;
    const struct program *P = w->L->prog;

    for (int t = 0; t < tr->ntasks; t++) {
        const struct trace_lane *ln = &tr->lanes[t];

        for (size_t i = 0; i < ln->n; i++) {
            const struct trace_span *sp = &ln->spans[i];
            int64_t e = span_end(w, t, i);

            if (sp->state == TS_NEW || sp->state == TS_DONE || e < sp->start)
                continue;
            begin(w, task_state_info[sp->state].name, "X");
            sb_puts(&w->buf, ",\"cat\":\"state\"");
            ts(w, "ts", sp->start);
            ts(w, "dur", e - sp->start);
            sb_printf(&w->buf, ",\"pid\":%d,\"tid\":%d,\"cname\":\"%s\","
                      "\"args\":{", task_pid(w, t), t + 1, cname(sp->state));
            sb_printf(&w->buf, "\"cpu\":%d", sp->cpu);
            if (sp->state == TS_LOCK_WAIT && sp->arg >= 0 && sp->arg < P->nlocks) {
                sb_puts(&w->buf, ",\"lock\":");
                json_quote(&w->buf, P->lock_names[sp->arg]);
            }
            if (sp->state == TS_BLOCKED && sp->wait)
                sb_printf(&w->buf, ",\"wait\":\"%s\"",
                          sp->wait == VM_IO || sp->wait == VM_AWAIT_IO ? "io" :
                          "sleep");
            sb_puts(&w->buf, "}");
            end(w);
            if (sp->cpu >= 0 && (sp->state == TS_RUNNING ||
                                 sp->state == TS_BLOCKED)) {
                begin(w, tr->labels[t], "X");
                sb_puts(&w->buf, ",\"cat\":\"cpu\"");
                ts(w, "ts", sp->start);
                ts(w, "dur", e - sp->start);
                sb_printf(&w->buf, ",\"pid\":%d,\"tid\":%d,\"args\":{\"state\":"
                          "\"%s\"}", PID_CPUS, sp->cpu + 1,
                          task_state_info[sp->state].name);
                end(w);
            }
        }
    }
}

/* Op i lasts until the task's next op, but not past its running span. */
static void op_slice(struct cw *w, size_t i, int64_t next)
{
    const struct trace *tr = w->tr;
    const struct trace_op op = trace_op_get(tr, i);
    const struct program *P = w->L->prog;
    size_t s = trace_lane_seek(tr, op.task, op.t);
    int64_t e = span_end(w, op.task, s);

    if (next >= 0 && next < e)
        e = next;
    if (e < op.t)
        e = op.t;
    sb_clear(&w->tmp);
    program_format_instr(P, op.pc, &w->tmp);
    begin(w, w->tmp.s, "X");
    sb_puts(&w->buf, ",\"cat\":\"op\"");
    ts(w, "ts", op.t);
    ts(w, "dur", e - op.t);
    sb_printf(&w->buf, ",\"pid\":%d,\"tid\":%d,\"args\":{\"line\":%d",
              task_pid(w, op.task), op.task + 1, P->pos[op.pc].line);
    sb_clear(&w->tmp);
    report_op_effect(&w->tmp, P, &op);
    if (w->tmp.len) {
        sb_puts(&w->buf, ",\"effect\":");
        json_quote(&w->buf, w->tmp.s);
    }
    sb_puts(&w->buf, "}");
    end(w);
}

static void ops(struct cw *w)
{
    const struct trace *tr = w->tr;
    int64_t pending[256];

    if (tr->nops > CHROME_MAX_OP_SLICES || tr->ntasks > 256)
        return;
    for (int t = 0; t < tr->ntasks; t++)
        pending[t] = -1;
    for (size_t i = 0; i < tr->nops; i++) {
        int t = trace_op_task(tr, i);

        if (pending[t] >= 0)
            op_slice(w, (size_t)pending[t], trace_op_t(tr, i));
        pending[t] = (int64_t)i;
    }
    for (int t = 0; t < tr->ntasks; t++)
        if (pending[t] >= 0)
            op_slice(w, (size_t)pending[t], -1);
}

/* ---- events and counters --------------------------------------------------------- */

static const char *event_name(const struct trace_event *ev)
{
    static const char *const names[] = {
        [EV_START] = "start", [EV_SWITCH] = "switch", [EV_WAKE] = "wake",
        [EV_ACQUIRE] = "acquire", [EV_LOCK_WAIT] = "lock wait",
        [EV_RELEASE] = "release", [EV_GIL_REQUEST] = "GIL drop request",
        [EV_GIL_TAKE] = "GIL taken", [EV_STALL] = "loop stalled",
        [EV_PRINT] = "print", [EV_EXIT] = "exit", [EV_ERROR] = "error",
        [EV_DEADLOCK] = "deadlock", [EV_LIMIT] = "limit",
    };

    if (ev->kind == EV_SWITCH)
        return switch_kind_name[switch_kind_of[ev->reason < SW_COUNT ?
                                               ev->reason : 0]];
    return ev->kind < TT_ARRAY_LEN(names) && names[ev->kind] ? names[ev->kind] :
           "event";
}

static void events(struct cw *w)
{
    const struct trace *tr = w->tr;

    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *ev = &tr->events[i];

        begin(w, event_name(ev), "i");
        sb_printf(&w->buf, ",\"cat\":\"%s\",\"s\":\"t\"", ev->kind == EV_SWITCH ?
                  "switch" : "event");
        ts(w, "ts", ev->t);
        sb_printf(&w->buf, ",\"pid\":%d,\"tid\":%d", task_pid(w, ev->task),
                  ev->task + 1);
        sb_clear(&w->tmp);
        if (report_explain(&w->tmp, &w->rep, ev)) {
            sb_puts(&w->buf, ",\"args\":{\"text\":");
            json_quote(&w->buf, w->tmp.s);
            sb_puts(&w->buf, "}");
        }
        end(w);
    }
}

static void counter(struct cw *w, int pid, int g, int64_t t, int64_t v)
{
    const char *name = w->L->prog->global_names[g];

    begin(w, name, "C");
    ts(w, "ts", t);
    sb_printf(&w->buf, ",\"pid\":%d,\"args\":{", pid);
    json_quote(&w->buf, name);
    sb_printf(&w->buf, ":%lld}", (long long)vm_num(w->L->prog, v));
    end(w);
}

static void counters(struct cw *w)
{
    const struct trace *tr = w->tr;
    const struct program *P = w->L->prog;
    int procs = w->cfg->mode == MODE_PROCESSES;

    for (int g = 0; g < P->nglobals; g++) {
        counter(w, PID_MAIN, g, 0, P->global_init[g]);
        for (int t = 0; procs && t < tr->ntasks; t++)
            counter(w, task_pid(w, t), g, 0, P->global_init[g]);
    }
    for (size_t i = 0; i < tr->nops; i++) {
        const struct instr *in = &P->code[trace_op_pc(tr, i)];

        if (in->op == OP_STORE_GLOBAL && trace_op_status(tr, i) != VM_ERROR)
            counter(w, task_pid(w, trace_op_task(tr, i)), in->a,
                    trace_op_t(tr, i), trace_op_value(tr, i));
    }
}

/* ---- the file -------------------------------------------------------------------- */

void chrome_write(FILE *f, const struct lesson *L, int scene,
                  const struct scene_config *cfg, const struct trace *tr)
{
    struct cw w;
    int real = strcmp(tr->unit, "ns") == 0;

    memset(&w, 0, sizeof(w));
    w.f = f;
    w.first = 1;
    w.scale = real ? 1000.0 : 1.0;
    w.L = L;
    w.scene = scene;
    w.cfg = cfg;
    w.tr = tr;
    w.rep.L = L;
    w.rep.scene = scene;
    w.rep.cfg = cfg;
    w.rep.tr = tr;
    sb_init(&w.buf);
    sb_init(&w.tmp);
    sb_puts(&w.buf, "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"lesson\":");
    json_quote(&w.buf, L->title);
    sb_puts(&w.buf, ",\"scene\":");
    json_quote(&w.buf, L->scenes[scene].name);
    sb_printf(&w.buf, ",\"mode\":\"%s\",\"run\":\"%s\",\"unit\":\"%s\","
              "\"time\":\"%s\"", mode_name(cfg->mode),
              real ? "real" : "simulated", tr->unit,
              real ? "microseconds of real time" : "1 tick is drawn as 1 us");
    if (tr->nops > CHROME_MAX_OP_SLICES)
        sb_printf(&w.buf, ",\"ops\":\"%zu ops: too many to draw one by one; "
                  "spans, events and counters only\"", tr->nops);
    sb_puts(&w.buf, "},\"traceEvents\":[");
    names(&w);
    spans(&w);
    ops(&w);
    events(&w);
    counters(&w);
    sb_puts(&w.buf, "\n]}\n");
    flush(&w, 1);
    sb_done(&w.buf);
    sb_done(&w.tmp);
}

int chrome_write_file(const char *path, const struct lesson *L, int scene,
                      const struct scene_config *cfg, const struct trace *tr,
                      struct strbuf *err)
{
    FILE *f = fopen(path, "w");

    if (!f) {
        sb_printf(err, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    chrome_write(f, L, scene, cfg, tr);
    if (ferror(f) | (fclose(f) != 0)) {
        sb_printf(err, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
