/* merge.c - the per-task record buffers of a real run, as one struct trace.
 *
 * Each task's records are in time order; a k-way merge by time (then by
 * task, or by the run's one sequence where one thread ran every task)
 * feeds them to trace_op, trace_state and trace_event, so a real trace has
 * exactly the shape of a simulated one, in nanoseconds from the start.
 *
 * Spans the records do not state are inferred, and only these two:
 * a running task's lane follows the CPU its ops ran on, and a gap of more
 * than GAP_NS between two ops of a task that was neither working
 * (compute) nor waiting is drawn as "ready": the OS ran something else
 * then (another thread, an interrupt).
 *
 * The merge takes a heap of the sources (time, then sequence, then
 * source): O(n log k) for n records of k tasks.  It stops at a deadline
 * (the run's time limit, with a grace second), so a huge trace cannot keep
 * a timed-out run going; the trace is then cut short and says so.
 */
#define _GNU_SOURCE
#include <string.h>

#include "real/real_impl.h"

enum { GAP_NS = 10000 };

struct lane_track {
    int state, cpu;
    int64_t last_op;
    int gap_ok;             /* the last op was quick: a gap means preempted */
};

static int64_t to_ns(const struct rrun *r, uint64_t t)
{
    return t > r->t0 ? (int64_t)(rclock_ns(t - r->t0) + 0.5) : 0;
}

/* 2 sources per task: the task's buffer and, for processes, the
 * parent's records about it. */
static const struct real_rec *source_rec(const struct rrun *r,
                                         const uint32_t *pos, int s)
{
    const struct rtask *T = &r->tasks[s / 2];

    if (s % 2 == 0)
        return pos[s] < T->nrec ? &T->rec[pos[s]] : NULL;
    return pos[s] < T->nprec ? &T->prec[pos[s]] : NULL;
}

/* Merge order: by time, then (one thread ran every task) by the run's
 * sequence, then by source. */
static int before(const struct rrun *r, const uint32_t *pos, int a, int b)
{
    const struct real_rec *x = source_rec(r, pos, a), *y = source_rec(r, pos, b);

    if (x->t != y->t)
        return x->t < y->t;
    if (r->single && x->seq != y->seq)
        return x->seq < y->seq;
    return a < b;
}

static void sift_down(const struct rrun *r, const uint32_t *pos, int *heap,
                      int n, int i)
{
    for (;;) {
        int l = 2 * i + 1, m = i, tmp;

        if (l < n && before(r, pos, heap[l], heap[m]))
            m = l;
        if (l + 1 < n && before(r, pos, heap[l + 1], heap[m]))
            m = l + 1;
        if (m == i)
            return;
        tmp = heap[i];
        heap[i] = heap[m];
        heap[m] = tmp;
        i = m;
    }
}

/* May the sync op at pc make its task wait (an acquire)? */
static int sync_may_wait(const struct program *P, uint32_t pc)
{
    int acquire = 0;

    return program_lock_op(P, pc, &acquire) >= 0 && acquire;
}

static void merge_op(struct trace *tr, const struct rrun *r,
                     struct lane_track *ln, int task, int64_t ns,
                     const struct real_rec *rc)
{
    if (!r->single && ln->state == TS_RUNNING && ln->gap_ok &&
        ns - ln->last_op > GAP_NS) {
        trace_state(tr, task, ln->last_op + 1, TS_READY, -1, 0, 0, -1);
        ln->state = TS_READY;
    }
    if (ln->state != TS_RUNNING || ln->cpu != rc->cpu) {
        trace_state(tr, task, ns, TS_RUNNING, rc->cpu, 0, 0, -1);
        ln->state = TS_RUNNING;
        ln->cpu = rc->cpu;
    }
    trace_op(tr, ns, task, rc->cpu, rc->pc, rc->status, rc->value);
    ln->last_op = ns;
    ln->gap_ok = rc->status == VM_RAN || rc->status == VM_PRINT ||
                 (rc->status == VM_SYNC && !sync_may_wait(r->P, rc->pc));
}

static int takes_text(int kind)
{
    return kind == EV_PRINT || kind == EV_ERROR || kind == EV_LIMIT;
}

static void merge_event(struct trace *tr, const struct rtask *T, int64_t ns,
                        const struct real_rec *rc)
{
    struct trace_event *ev = trace_event(tr, ns, rc->status, T->id);

    ev->reason = rc->why;
    ev->other = rc->other;
    ev->arg2 = rc->arg2;
    if (takes_text(rc->status))
        ev->arg = rc->value >= 0 && (size_t)rc->value < T->text.len ?
                  trace_text(tr, T->text.s + rc->value) : -1;
    else
        ev->arg = rc->value > INT32_MAX ? INT32_MAX :
                  rc->value < INT32_MIN ? INT32_MIN : (int32_t)rc->value;
    if (rc->status == EV_SWITCH && rc->why < SW_COUNT)
        tr->switches[switch_kind_of[rc->why]]++;
}

struct trace *real_merge(struct rrun *r, uint64_t deadline_mono)
{
    const char *labels[LESSON_MAX_TASKS];
    struct lane_track ln[LESSON_MAX_TASKS];
    uint32_t pos[2 * LESSON_MAX_TASKS] = {0};
    int heap[2 * LESSON_MAX_TASKS], nheap = 0;
    struct trace *tr;
    size_t done = 0;
    int s;

    for (int t = 0; t < r->ntasks; t++) {
        labels[t] = r->sc->tasks[t].label;
        ln[t].state = TS_NEW;
        ln[t].cpu = -1;
        ln[t].last_op = 0;
        ln[t].gap_ok = 0;
    }
    tr = trace_new(r->ntasks, labels, r->ncpu, "ns");
    tr->nglobals = r->nglobals;
    tr->nspaces = r->nspaces;
    r->merge_cut = 0;
    for (int t = 0; t < r->ntasks; t++)
        trace_state(tr, t, 0, TS_NEW, -1, 0, 0, -1);
    for (s = 0; s < 2 * r->ntasks; s++)
        if (source_rec(r, pos, s))
            heap[nheap++] = s;
    for (int i = nheap / 2 - 1; i >= 0; i--)
        sift_down(r, pos, heap, nheap, i);
    while (nheap > 0) {
        const struct real_rec *rc;
        const struct rtask *T;
        int64_t ns;

        if (++done % 4096 == 0 && (rclock_mono_ns() > deadline_mono ||
                                   trace_full(tr))) {
            r->merge_cut = 1;   /* the rest is not drawn */
            break;
        }
        s = heap[0];
        rc = source_rec(r, pos, s);
        T = &r->tasks[s / 2];
        ns = to_ns(r, rc->t);
        pos[s]++;
        if (source_rec(r, pos, s))
            sift_down(r, pos, heap, nheap, 0);
        else if (--nheap > 0) {
            heap[0] = heap[nheap];
            sift_down(r, pos, heap, nheap, 0);
        }
        switch ((enum rec_kind)rc->kind) {
        case REC_OP:
            merge_op(tr, r, &ln[T->id], T->id, ns, rc);
            break;
        case REC_STATE:
            /* A wait begins after the op that began it, as in the
             * simulator: the op itself was still running. */
            if (rc->status != TS_RUNNING && ln[T->id].state == TS_RUNNING &&
                ns <= ln[T->id].last_op)
                ns = ln[T->id].last_op + 1;
            trace_state(tr, T->id, ns, rc->status, rc->cpu, rc->why, rc->arg2,
                        (int32_t)rc->pc);
            ln[T->id].state = rc->status;
            ln[T->id].cpu = rc->cpu;
            break;
        case REC_EVENT:
            merge_event(tr, T, ns, rc);
            break;
        }
    }
    tr->status = r->status;
    tr->end = to_ns(r, r->t_end);
    tr->final = xcalloc((size_t)(r->nspaces * r->nglobals + 1), sizeof(int64_t));
    memcpy(tr->final, r->final, sizeof(int64_t) * (size_t)(r->nspaces * r->nglobals));
    trace_close(tr, tr->end);
    return tr;
}
