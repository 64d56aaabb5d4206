/* trace.c - recording and looking up spans, ops and events. */
#include "trace.h"

#include <stdio.h>
#include <string.h>

#include "lesson.h"
#include "membudget.h"
#include "program.h"
#include "vm.h"

/* What an op record holds (trace.h, "Ops") must fit its fields; anything
 * else escapes, but these should not. */
_Static_assert(PROGRAM_MAX_CODE <= 1 << TRACE_PC_BITS, "pc bits");
_Static_assert(VM_ERROR < 1 << TRACE_STATUS_BITS, "status bits");
_Static_assert(LESSON_MAX_CPUS < (1 << TRACE_CPU_BITS) - 1, "cpu bits");
_Static_assert(LESSON_MAX_TASKS <= 1 << TRACE_TASK_BITS, "task bits");
_Static_assert(TRACE_TASK_BITS + TRACE_DT_BITS == 16, "record layout");
_Static_assert(sizeof(struct trace_rec) == 10, "record size");
/* Codes for values near INT64_MIN: VM_UNSET and every reference kind. */
_Static_assert(VM_UNSET == INT64_MIN && VM_REF_BASE == INT64_MIN + 1 &&
               REF_COUNT <= 32, "value codes");

/* Text offsets are int32_t; prints stop here, messages have the rest. */
#define TEXT_CAP ((size_t)INT32_MAX / 2)

/* Grow an array of the trace, counted against the memory budget. */
static void grow(struct trace *tr, void **arr, size_t *cap, size_t need,
                 size_t elem)
{
    size_t old = *cap;

    if (mem_grow(arr, cap, need, elem) < 0)
        tr->full = 1;
    tr->charged += (*cap - old) * elem;
}
#define GROW(tr, arr, cap, need) \
    grow((tr), (void **)&(arr), &(cap), (need), sizeof(*(arr)))

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
    /* Blocks of ops sharing a base time (trace.h, "Ops"). */
    tr->op_block_bits = strcmp(unit, "tick") == 0 ? TRACE_TICK_BLOCK_BITS : 0;
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
    mem_uncharge(tr->charged);
    for (int i = 0; i < tr->ntasks; i++)
        free(tr->lanes[i].spans);
    free(tr->lanes);
    free(tr->labels);
    free(tr->op_recs);
    free(tr->op_base);
    free(tr->op_esc);
    free(tr->events);
    free(tr->final);
    sb_done(&tr->text);
    free(tr);
}

struct trace_event *trace_event(struct trace *tr, int64_t t, int kind,
                                int task)
{
    struct trace_event *ev;
    size_t at = tr->nevents;

    if (tr->nevents == tr->cap_events)
        GROW(tr, tr->events, tr->cap_events, tr->nevents + 1);
    /* Events stay sorted by time (trace_event_seek): an event stamped at
     * the end of a tick (a task is done once its last op has run) goes
     * after the events that other CPUs record later in the same tick. */
    while (at > 0 && tr->events[at - 1].t > t)
        at--;
    memmove(&tr->events[at + 1], &tr->events[at],
            (tr->nevents - at) * sizeof(*ev));
    tr->nevents++;
    ev = &tr->events[at];
    memset(ev, 0, sizeof(*ev));
    ev->t = t;
    ev->kind = (uint8_t)kind;
    ev->task = (uint16_t)task;
    ev->other = -1;
    ev->arg2 = -1;
    ev->op_index = (uint32_t)tr->nops;
    return ev;
}

void trace_grow_ops(struct trace *tr)
{
    GROW(tr, tr->op_recs, tr->cap_ops, tr->nops + 1);
    /* A base for every block the records have room for. */
    GROW(tr, tr->op_base, tr->cap_base,
         (tr->cap_ops + ((size_t)1 << tr->op_block_bits) - 1) >>
         tr->op_block_bits);
}

/* The code of a value just above INT64_MIN (trace.h, "Ops"), or 0 if it
 * has none. */
static int64_t near_min_code(int64_t value)
{
    uint64_t off = (uint64_t)value - (uint64_t)INT64_MIN, kind, index;

    if (off == 0)
        return INT32_MIN;
    kind = (off - 1) >> 32;
    index = (off - 1) & 0xffffffffu;
    if (kind >= 32 || index >= (uint64_t)1 << TRACE_REF_INDEX_BITS)
        return 0;
    return (int64_t)INT32_MIN + 1 +
           (int64_t)(kind << TRACE_REF_INDEX_BITS | index);
}

void trace_op_slow(struct trace *tr, int64_t t, int task, int cpu,
                   uint32_t pc, int status, int64_t value)
{
    size_t n = tr->nops;
    uint64_t dt = (uint64_t)t - (uint64_t)tr->op_base[n >> tr->op_block_bits];
    int64_t code = near_min_code(value);
    struct trace_esc *e;
    uint64_t lo = (uint64_t)1 << 63;

    if (code && (dt >> TRACE_DT_BITS | pc >> TRACE_PC_BITS |
                 (unsigned)status >> TRACE_STATUS_BITS |
                 (unsigned)(cpu + 1) >> TRACE_CPU_BITS |
                 (unsigned)task >> TRACE_TASK_BITS) == 0) {
        trace_rec_put(tr, n, dt, task, cpu, pc, status, code);
        tr->nops = n + 1;
        return;
    }
    /* An escape: the record says so, op_esc has the op. */
    if (tr->nesc == tr->cap_esc)
        GROW(tr, tr->op_esc, tr->cap_esc, tr->nesc + 1);
    e = &tr->op_esc[tr->nesc++];
    memset(e, 0, sizeof(*e));
    e->i = n;
    e->op.t = t;
    e->op.value = value;
    e->op.pc = pc;
    e->op.task = (uint16_t)task;
    e->op.cpu = (int8_t)cpu;
    e->op.status = (uint8_t)status;
    memset(&tr->op_recs[n], 0, sizeof(struct trace_rec));
    memcpy(tr->op_recs[n].b, &lo, sizeof(lo));
    tr->nops = n + 1;
}

/* The first escape at index >= i (nesc if none). */
static size_t esc_seek(const struct trace *tr, size_t i)
{
    size_t lo = 0, hi = tr->nesc;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (tr->op_esc[mid].i < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const struct trace_op *trace_op_escaped(const struct trace *tr, size_t i)
{
    size_t k = esc_seek(tr, i);

    if (k == tr->nesc || tr->op_esc[k].i != i)
        die("trace: op %zu is marked escaped but is not", i);
    return &tr->op_esc[k].op;
}

/* Make room for n more bytes of text: 0, or -1 if the budget refuses
 * (force: counted anyway). */
static int text_room(struct trace *tr, size_t n, int force)
{
    struct strbuf *sb = &tr->text;
    size_t need = sb->len + n + 1, old = sb->cap;

    if (need <= sb->cap)
        return 0;
    if (!force) {
        size_t cap = sb->cap ? sb->cap : 8;

        while (cap < need)
            cap *= 2;
        if (mem_charge(cap - old) < 0) {
            tr->full = 1;
            return -1;
        }
        sb->s = xrealloc(sb->s, cap);
        sb->cap = cap;
    } else if (mem_grow((void **)&sb->s, &sb->cap, need, 1) < 0) {
        tr->full = 1;
    }
    tr->charged += sb->cap - old;
    return 0;
}

int32_t trace_text(struct trace *tr, const char *s)
{
    int32_t off = (int32_t)tr->text.len;
    size_t n = strlen(s);

    if (tr->text.len + n >= TEXT_CAP || text_room(tr, n, 0) < 0)
        return -1;  /* shown as a note that output was dropped */
    sb_add(&tr->text, s, n);
    sb_putc(&tr->text, '\0');
    return off;
}

int32_t trace_message(struct trace *tr, const char *s)
{
    int32_t off = (int32_t)tr->text.len;
    size_t n = strlen(s);

    if (n > 4096)
        n = 4096;   /* a message, not a print */
    if (tr->text.len + n >= (size_t)INT32_MAX - 1)
        return -1;
    text_room(tr, n + 1, 1);
    sb_add(&tr->text, s, n);
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
    if (ln->n == ln->cap)
        GROW(tr, ln->spans, ln->cap, ln->n + 1);
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
    tr->nesc = esc_seek(tr, tr->nops);
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

        if (trace_op_t(tr, mid) < t)
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
    size_t n = sizeof(*tr) + tr->nops * sizeof(struct trace_rec) +
               ((tr->nops + ((size_t)1 << tr->op_block_bits) - 1) >>
                tr->op_block_bits) * sizeof(int64_t) +
               tr->nesc * sizeof(struct trace_esc) +
               tr->nevents * sizeof(struct trace_event) + tr->text.len;

    for (int i = 0; i < tr->ntasks; i++)
        n += tr->lanes[i].n * sizeof(struct trace_span);
    return n;
}
