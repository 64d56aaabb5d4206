/* tape.c - a recorded run the TUI plays forward and back (see tape.h). */
#include "ui/tape.h"

#include <string.h>

#include "goal.h"

struct tape *tape_new(const struct lesson *L, int scene,
                      const struct scene_config *cfg,
                      const struct schedule *sch)
{
    struct tape *tp = xcalloc(1, sizeof(*tp));

    tp->L = L;
    tp->scene = scene;
    tp->cfg = *cfg;
    tp->sim = sim_new(L, scene, cfg, sch, 1);
    sim_run(tp->sim);
    tp->tr = sim_trace(tp->sim);
    tp->end = tp->tr->end;
    tp->at = sim_now(tp->sim);
    tp->manual_from = -1;
    tp->manual_to = -1;
    return tp;
}

void tape_free(struct tape *tp)
{
    if (!tp)
        return;
    sim_free(tp->sim);
    free(tp);
}

int tape_finished(const struct tape *tp)
{
    return tp->tr->status != TRACE_RUNNING;
}

const struct sim *tape_at(struct tape *tp, int64_t t)
{
    if (t < 0)
        t = 0;
    if (t > tp->end)
        t = tp->end;
    if (tp->at != t) {
        sim_seek(tp->sim, t);
        tp->at = t;
    }
    return tp->sim;
}

/* ---- the past ----------------------------------------------------------- */

size_t tape_past_events(const struct tape *tp, int64_t t)
{
    const struct trace *tr = tp->tr;
    size_t i = trace_event_seek(tr, t);
    size_t ops = trace_op_seek(tr, t);

    while (i < tr->nevents && tr->events[i].t == t &&
           tr->events[i].op_index <= ops)
        i++;
    return i;
}

int64_t tape_event_cursor(const struct tape *tp, const struct trace_event *ev)
{
    return ev->op_index <= trace_op_seek(tp->tr, ev->t) ? ev->t : ev->t + 1;
}

/* ---- moving ------------------------------------------------------------- */

int tape_on_cpu(const struct tape *tp, int cpu, int64_t t)
{
    for (int k = 0; k < tp->tr->ntasks; k++) {
        const struct trace_span *sp = trace_span_at(tp->tr, k, t);

        if (sp && sp->state == TS_RUNNING && sp->cpu == cpu)
            return k;
    }
    return -1;
}

int tape_busy(const struct tape *tp, int64_t t)
{
    for (int k = 0; k < tp->tr->ntasks; k++) {
        const struct trace_span *sp = trace_span_at(tp->tr, k, t);

        if (sp && sp->state == TS_RUNNING)
            return 1;
    }
    return 0;
}

int64_t tape_step_forward(const struct tape *tp, int64_t t)
{
    const struct trace *tr = tp->tr;
    int64_t next = tp->end;
    size_t e;

    if (t >= tp->end)
        return tp->end;
    if (tape_busy(tp, t))
        return t + 1;
    /* Nothing runs: go to the next change of any lane or the next event. */
    for (int k = 0; k < tr->ntasks; k++) {
        const struct trace_lane *ln = &tr->lanes[k];
        size_t i = trace_lane_seek(tr, k, t);

        if (ln->n && ln->spans[i].start <= t && i + 1 < ln->n &&
            ln->spans[i + 1].start < next)
            next = ln->spans[i + 1].start;
        else if (ln->n && ln->spans[i].start > t && ln->spans[i].start < next)
            next = ln->spans[i].start;
    }
    e = trace_event_seek(tr, t + 1);
    if (e < tr->nevents && tr->events[e].t < next)
        next = tr->events[e].t;
    return next > t ? next : t + 1;
}

int64_t tape_step_back(const struct tape *tp, int64_t t)
{
    const struct trace *tr = tp->tr;
    int64_t p, start = 0;
    size_t e;

    if (t > tp->end)
        t = tp->end;
    if (t <= 0)
        return 0;
    p = t - 1;
    if (tape_busy(tp, p))
        return p;
    /* The start of the idle stretch that p is in. */
    for (int k = 0; k < tr->ntasks; k++) {
        const struct trace_span *sp = trace_span_at(tr, k, p);

        if (sp && sp->start > start)
            start = sp->start;
    }
    e = trace_event_seek(tr, p + 1);
    if (e > 0 && tr->events[e - 1].t > start)
        start = tr->events[e - 1].t;
    return start < t ? start : p;
}

static int wanted(const struct trace_event *ev, unsigned mask)
{
    return ev->kind == EV_SWITCH &&
           (mask & (1u << switch_kind_of[ev->reason])) != 0;
}

int64_t tape_next_switch(const struct tape *tp, int64_t t, unsigned mask)
{
    const struct trace *tr = tp->tr;

    for (size_t i = tape_past_events(tp, t); i < tr->nevents; i++)
        if (wanted(&tr->events[i], mask)) {
            int64_t c = tape_event_cursor(tp, &tr->events[i]);

            if (c > t && c <= tp->end)
                return c;
        }
    return -1;
}

int64_t tape_prev_switch(const struct tape *tp, int64_t t, unsigned mask)
{
    const struct trace *tr = tp->tr;

    for (size_t i = tape_past_events(tp, t); i-- > 0;)
        if (wanted(&tr->events[i], mask)) {
            int64_t c = tape_event_cursor(tp, &tr->events[i]);

            if (c < t)
                return c;
        }
    return -1;
}

/* ---- @until ------------------------------------------------------------- */

int tape_condition(const struct lesson *L, const struct sim *s,
                   const struct expr *cond)
{
    return goal_condition(L, s, cond);
}

/* The first cursor >= from at which cond holds: replay the stores. */
static int64_t until_condition(struct tape *tp, const struct expr *cond,
                               int64_t from)
{
    const struct sim *s = tape_at(tp, from);
    const struct program *P = tp->L->prog;
    const struct trace *tr = tp->tr;
    int nsp = sim_nspaces(s), n = tp->L->nshared;
    int64_t *mem;
    int64_t found = tp->end;

    if (tape_condition(tp->L, s, cond))
        return from;
    if (n == 0)
        return tp->end;
    mem = xcalloc((size_t)(nsp * n), sizeof(int64_t));
    for (int sp = 0; sp < nsp; sp++)
        for (int i = 0; i < n; i++)
            mem[sp * n + i] = sim_global(s, sp, i);
    for (size_t i = trace_op_seek(tr, from); i < tr->nops; i++) {
        const struct instr *in = &P->code[trace_op_pc(tr, i)];
        int sp;

        if (in->op != OP_STORE_GLOBAL || in->a >= n)
            continue;
        sp = sim_task_space(s, trace_op_task(tr, i));
        mem[sp * n + in->a] = trace_op_value(tr, i);
        if (goal_condition_on(tp->L, cond, &mem[sp * n])) {
            found = trace_op_t(tr, i) + 1;
            break;
        }
    }
    free(mem);
    return found < tp->end ? found : tp->end;
}

int64_t tape_until(struct tape *tp, const struct directive *dv, int64_t from)
{
    int64_t c;
    unsigned mask = TAPE_ANY_SWITCH;

    switch (dv->until) {
    case UNTIL_PREEMPT:
        mask = 1u << SWK_PREEMPT;
        break;
    case UNTIL_YIELD:
        mask = 1u << SWK_YIELD;
        break;
    case UNTIL_BLOCK:
        mask = 1u << SWK_BLOCK;
        break;
    case UNTIL_SWITCH:
        break;
    case UNTIL_TICK:
        return dv->n < tp->end ? dv->n : tp->end;
    case UNTIL_END:
        return tp->end;
    case UNTIL_EXPR:
        return until_condition(tp, dv->cond, from);
    }
    c = tape_next_switch(tp, from, mask);
    return c < 0 ? tp->end : c;
}

/* ---- manual mode -------------------------------------------------------- */

int tape_choices(struct tape *tp, int64_t t, int *tasks)
{
    if (t > tp->end)
        return 0;
    return sim_choices(tape_at(tp, t), tasks);
}

/* Cut the run at t (unless it already ends there by hand) so that it can
 * grow by chosen turns. */
void tape_take_over(struct tape *tp, int64_t t)
{
    if (tp->manual && t == tp->end && !tape_finished(tp))
        return;
    sim_take_over(tp->sim, t);
    tp->at = sim_now(tp->sim);
    tp->end = tp->at;
    if (!tp->manual || tp->manual_from < 0 || t < tp->manual_from)
        tp->manual_from = t;
    tp->manual = 1;
    tp->manual_to = -1;
}

static int64_t grown(struct tape *tp)
{
    tp->at = sim_now(tp->sim);
    tp->end = tape_finished(tp) ? tp->tr->end : tp->at;
    if (tp->at > tp->end)
        tp->at = -1;
    return tp->end;
}

int64_t tape_pick(struct tape *tp, int64_t t, int task)
{
    int ch[LESSON_MAX_TASKS], n = tape_choices(tp, t, ch), ok = 0;

    for (int i = 0; i < n; i++)
        ok |= ch[i] == task;
    if (!ok)
        return -1;
    tape_take_over(tp, t);
    sim_force(tp->sim, task);
    sim_step(tp->sim);
    return grown(tp);
}

int64_t tape_let_time_pass(struct tape *tp, int64_t t)
{
    int ch[LESSON_MAX_TASKS];

    if (tape_choices(tp, t, ch) > 0)
        return -1;
    if (sim_status(tape_at(tp, t)) != TRACE_RUNNING)
        return -1;
    tape_take_over(tp, t);
    sim_step(tp->sim);
    return grown(tp);
}

void tape_hand_back(struct tape *tp, int64_t t)
{
    if (!tp->manual)
        return;
    if (t > tp->end)
        t = tp->end;
    sim_take_over(tp->sim, t);
    sim_run(tp->sim);
    tp->manual = 0;
    tp->manual_to = t;
    tp->end = tp->tr->end;
    tp->at = sim_now(tp->sim);
}

int tape_by_hand(const struct tape *tp, int64_t t)
{
    if (tp->manual_from < 0 || t < tp->manual_from)
        return 0;
    return tp->manual || t < tp->manual_to;
}
