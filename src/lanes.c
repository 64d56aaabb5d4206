/* lanes.c - timeline cells (see lanes.h). */
#include "lanes.h"

/* Which state wins a tie in a column: what a student most needs to see. */
static int priority(int state)
{
    switch (state) {
    case TS_RUNNING: return 8;
    case TS_FAILED: return 7;
    case TS_LOCK_WAIT: return 6;
    case TS_GIL_WAIT: return 5;
    case TS_BLOCKED: return 4;
    case TS_STARTING: return 3;
    case TS_READY: return 2;
    case TS_DONE: return 1;
    default: return 0;
    }
}

static int span_mark(const struct trace_span *sp)
{
    int k;

    if (!sp->why || sp->state == TS_RUNNING)
        return SWK_NONE;
    k = switch_kind_of[sp->why];
    return k == SWK_PREEMPT || k == SWK_YIELD ? k : SWK_NONE;
}

static int best_of(const int64_t *cover)
{
    int best = -1;

    for (int s = 0; s < TS_COUNT; s++)
        if (cover[s] > 0 &&
            (best < 0 || cover[s] > cover[best] ||
             (cover[s] == cover[best] && priority(s) > priority(best))))
            best = s;
    return best;
}

/* The cell for a column whose ticks are covered so: LANE_PART
 * where the task ran for only part of its live ticks, else the state that
 * covers the most. */
static int cell_of(const int64_t *cover)
{
    int64_t live = 0;
    int best;

    for (int st = 0; st < TS_COUNT; st++)
        if (st != TS_NEW && st != TS_DONE)
            live += cover[st];
    if (cover[TS_RUNNING] > 0 && cover[TS_RUNNING] < live)
        return LANE_PART;
    best = best_of(cover);
    return best < 0 ? TS_DONE : best;
}

/* Too many spans in the column: look at LANE_SAMPLES ticks spread over it. */
static int sampled_cell(const struct trace *tr, int task, int64_t c0,
                        int64_t c1, int *mark)
{
    int64_t cover[TS_COUNT] = {0};

    for (int i = 0; i < LANE_SAMPLES; i++) {
        int64_t t = c0 + (c1 - c0) * i / LANE_SAMPLES;
        const struct trace_span *sp = trace_span_at(tr, task, t);

        cover[sp ? sp->state : TS_DONE]++;
        if (sp && !*mark)
            *mark = span_mark(sp);
    }
    return cell_of(cover);
}

int lane_task_cell(const struct trace *tr, int task, int64_t c0, int64_t c1,
                   int *mark)
{
    const struct trace_lane *ln = &tr->lanes[task];
    int64_t cover[TS_COUNT] = {0};
    int walked = 0;

    *mark = SWK_NONE;
    if (ln->n == 0 || c1 <= ln->spans[0].start)
        return TS_NEW;
    for (size_t i = trace_lane_seek(tr, task, c0); i < ln->n; i++) {
        const struct trace_span *sp = &ln->spans[i];
        int64_t end = trace_span_end(tr, task, i), a, b;

        if (sp->start >= c1)
            break;
        if (++walked > LANE_MAX_SPANS) {
            *mark = SWK_NONE;
            return sampled_cell(tr, task, c0, c1, mark);
        }
        if (end < 0)
            end = c1;
        a = sp->start > c0 ? sp->start : c0;
        b = end < c1 ? end : c1;
        if (b > a)
            cover[sp->state] += b - a;
        if (sp->start >= c0 && !*mark)
            *mark = span_mark(sp);
    }
    return cell_of(cover);
}

int lane_cpu_cell(const struct trace *tr, int cpu, int64_t c0, int64_t c1,
                  int *stalled)
{
    int best = -1;
    int64_t most = 0, busy = 0, best_blocked = 0;

    *stalled = 0;
    for (int t = 0; t < tr->ntasks; t++) {
        const struct trace_lane *ln = &tr->lanes[t];
        int64_t run = 0, blocked = 0;
        int walked = 0;

        for (size_t i = trace_lane_seek(tr, t, c0); i < ln->n; i++) {
            const struct trace_span *sp = &ln->spans[i];
            int64_t end = trace_span_end(tr, t, i), a, b;

            if (sp->start >= c1)
                break;
            if (++walked > LANE_MAX_SPANS) {
                /* Sample instead of summing a crowded column. */
                run = blocked = 0;
                for (int k = 0; k < LANE_SAMPLES; k++) {
                    int64_t at = c0 + (c1 - c0) * k / LANE_SAMPLES;
                    const struct trace_span *s2 = trace_span_at(tr, t, at);

                    if (s2 && s2->cpu == cpu && (s2->state == TS_RUNNING ||
                                                 s2->state == TS_BLOCKED)) {
                        run += (c1 - c0) / LANE_SAMPLES + 1;
                        if (s2->state == TS_BLOCKED)
                            blocked += (c1 - c0) / LANE_SAMPLES + 1;
                    }
                }
                break;
            }
            if ((sp->state != TS_RUNNING && sp->state != TS_BLOCKED) ||
                sp->cpu != cpu)
                continue;
            if (end < 0)
                end = c1;
            a = sp->start > c0 ? sp->start : c0;
            b = end < c1 ? end : c1;
            if (b > a) {
                run += b - a;
                if (sp->state == TS_BLOCKED)
                    blocked += b - a;
            }
        }
        busy += run;
        if (run > most) {
            most = run;
            best = t;
            best_blocked = blocked;
        }
    }
    *stalled = best >= 0 && best_blocked * 2 >= most;
    if (busy * 2 < c1 - c0)
        return LANE_IDLE;
    /* A column where several took turns would lie by naming one. */
    return most == busy ? best : LANE_MIXED;
}
