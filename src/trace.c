/* trace.c - recording and looking up spans, ops and events. */
#include "trace.h"

#include <stdio.h>
#include <string.h>

const struct task_state_info task_state_info[TS_COUNT] = {
#define X(id, name, glyph, desc) {name, glyph, desc},
    TASK_STATES(X)
#undef X
};

const enum switch_kind switch_kind_of[SW_COUNT] = {
#define X(id, kind) kind,
    SWITCH_REASONS(X)
#undef X
};

const char *const switch_kind_name[SWK_COUNT] = {
    "none", "preempt", "yield", "block",
};

struct trace *trace_new(int ntasks, const char *const *labels, int ncpus,
                        const char *unit)
{
    struct trace *tr = xcalloc(1, sizeof(*tr));

    tr->unit = unit;
    tr->ntasks = ntasks;
    tr->ncpus = ncpus;
    tr->labels = xcalloc((size_t)(ntasks ? ntasks : 1), sizeof(*tr->labels));
    for (int i = 0; i < ntasks; i++)
        snprintf(tr->labels[i], sizeof(tr->labels[i]), "%s", labels[i]);
    tr->lanes = xcalloc((size_t)(ntasks ? ntasks : 1), sizeof(*tr->lanes));
    sb_init(&tr->text);
    tr->end = 0;
    tr->status = TRACE_RUNNING;
    return tr;
}

void trace_free(struct trace *tr)
{
    if (!tr)
        return;
    for (int i = 0; i < tr->ntasks; i++)
        free(tr->lanes[i].spans);
    free(tr->lanes);
    free(tr->labels);
    free(tr->ops);
    free(tr->events);
    free(tr->final);
    sb_done(&tr->text);
    free(tr);
}

struct trace_event *trace_event(struct trace *tr, int64_t t, int kind,
                                int task)
{
    struct trace_event *ev;

    XGROW(tr->events, tr->cap_events, tr->nevents + 1);
    ev = &tr->events[tr->nevents++];
    memset(ev, 0, sizeof(*ev));
    ev->t = t;
    ev->kind = (uint8_t)kind;
    ev->task = (uint16_t)task;
    ev->other = -1;
    ev->arg2 = -1;
    ev->op_index = (uint32_t)tr->nops;
    return ev;
}

int32_t trace_text(struct trace *tr, const char *s)
{
    int32_t off = (int32_t)tr->text.len;

    if (tr->text.len > INT32_MAX / 2)
        return -1;  /* shown as a note that output was dropped */

    sb_puts(&tr->text, s);
    sb_putc(&tr->text, '\0');
    return off;
}

const char *trace_text_at(const struct trace *tr, int64_t off)
{
    if (off < 0)
        return "(more output than taketurns keeps)";
    return (size_t)off < tr->text.len ? tr->text.s + off : "";
}

void trace_state(struct trace *tr, int task, int64_t t, int state, int cpu,
                 int why, int wait, int arg)
{
    struct trace_lane *ln = &tr->lanes[task];
    struct trace_span *sp;

    if (ln->n > 0 && ln->end < 0) {
        sp = &ln->spans[ln->n - 1];
        if (sp->state == state && sp->cpu == cpu && sp->arg == arg &&
            sp->wait == wait)
            return;
        if (sp->start == t) {
            /* Nothing happened in the old state: replace it. */
            sp->state = (uint8_t)state;
            sp->cpu = (int8_t)cpu;
            sp->wait = (uint8_t)wait;
            sp->arg = arg;
            if (why)
                sp->why = (uint8_t)why;
            return;
        }
    }
    XGROW(ln->spans, ln->cap, ln->n + 1);
    sp = &ln->spans[ln->n++];
    sp->start = t;
    sp->state = (uint8_t)state;
    sp->cpu = (int8_t)cpu;
    sp->why = (uint8_t)why;
    sp->wait = (uint8_t)wait;
    sp->arg = arg;
    ln->end = -1;
}

void trace_close(struct trace *tr, int64_t t)
{
    for (int i = 0; i < tr->ntasks; i++) {
        struct trace_lane *ln = &tr->lanes[i];

        if (ln->n > 0 && ln->end < 0)
            ln->end = t > ln->spans[ln->n - 1].start ? t :
                      ln->spans[ln->n - 1].start;
    }
}

int64_t trace_span_end(const struct trace *tr, int task, size_t i)
{
    const struct trace_lane *ln = &tr->lanes[task];

    return i + 1 < ln->n ? ln->spans[i + 1].start : ln->end;
}

void trace_cut(struct trace *tr, int64_t t)
{
    size_t text_keep = 0;

    for (int i = 0; i < tr->ntasks; i++) {
        struct trace_lane *ln = &tr->lanes[i];

        while (ln->n > 0 && ln->spans[ln->n - 1].start >= t)
            ln->n--;
        ln->end = -1;
    }
    tr->nops = trace_op_seek(tr, t);
    tr->nevents = trace_event_seek(tr, t);
    /* Texts are appended in event order: keep those still referenced. */
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *ev = &tr->events[i];

        if (ev->kind == EV_PRINT || ev->kind == EV_ERROR || ev->kind == EV_LIMIT) {
            size_t end = (size_t)ev->arg + strlen(tr->text.s + ev->arg) + 1;

            if (end > text_keep)
                text_keep = end;
        }
    }
    tr->text.len = text_keep;
    if (tr->text.s)
        tr->text.s[text_keep] = '\0';
    tr->status = TRACE_RUNNING;
    tr->end = 0;
    memset(tr->switches, 0, sizeof(tr->switches));
    for (size_t i = 0; i < tr->nevents; i++)
        if (tr->events[i].kind == EV_SWITCH)
            tr->switches[switch_kind_of[tr->events[i].reason]]++;
}

size_t trace_lane_seek(const struct trace *tr, int task, int64_t t)
{
    const struct trace_lane *ln = &tr->lanes[task];
    size_t lo = 0, hi = ln->n;

    /* First span starting after t, minus one. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (ln->spans[mid].start <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 ? lo - 1 : 0;
}

const struct trace_span *trace_span_at(const struct trace *tr, int task,
                                       int64_t t)
{
    const struct trace_lane *ln = &tr->lanes[task];
    size_t i;

    if (ln->n == 0 || ln->spans[0].start > t)
        return NULL;
    i = trace_lane_seek(tr, task, t);
    if (ln->end >= 0 && i == ln->n - 1 && t >= ln->end && t > ln->spans[i].start)
        return NULL;
    return &ln->spans[i];
}

size_t trace_op_seek(const struct trace *tr, int64_t t)
{
    size_t lo = 0, hi = tr->nops;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (tr->ops[mid].t < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t trace_event_seek(const struct trace *tr, int64_t t)
{
    size_t lo = 0, hi = tr->nevents;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (tr->events[mid].t < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const char *trace_status_name(enum trace_status s)
{
    switch (s) {
    case TRACE_OK: return "ok";
    case TRACE_FAILED: return "failed";
    case TRACE_DEADLOCK: return "deadlock";
    case TRACE_LIMIT: return "limit";
    case TRACE_RUNNING: break;
    }
    return "running";
}

size_t trace_bytes(const struct trace *tr)
{
    size_t n = sizeof(*tr) + tr->nops * sizeof(struct trace_op) +
               tr->nevents * sizeof(struct trace_event) + tr->text.len;

    for (int i = 0; i < tr->ntasks; i++)
        n += tr->lanes[i].n * sizeof(struct trace_span);
    return n;
}
