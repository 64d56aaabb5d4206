/* median.c - keeping the trace of the run whose wall time is the median
 * (real.h: struct real_median).
 *
 * The pool holds the runs whose (wall, run) keys lie strictly between lo
 * and hi, every one of them, in order; below counts the runs at or under
 * lo, above those at or over hi.  So a run's rank among the runs so far is
 * below plus its place in the pool, and its rank when all total runs are
 * done is that or up to (total - done) more.  The pool lets go only of its
 * ends, which keeps it one stretch of neighbours: first those whose rank
 * can no longer be the median's, then, past the bound, the end farther
 * from the middle of the runs so far.
 */
#include <stdlib.h>
#include <string.h>

#include "real/real.h"

static int key_cmp(int64_t wa, int ra, int64_t wb, int rb)
{
    if (wa != wb)
        return wa < wb ? -1 : 1;
    return (ra > rb) - (ra < rb);
}

struct keyed {
    int64_t wall;
    int run;
};

static int keyed_qcmp(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;

    return key_cmp(x->wall, x->run, y->wall, y->run);
}

int real_median_run(const int64_t *walls, int n)
{
    struct keyed *k;
    int want = (n - 1) / 2, best;

    if (n <= 0)
        return -1;
    k = xmalloc(sizeof(*k) * (size_t)n);
    for (int i = 0; i < n; i++)
        k[i].wall = walls[i], k[i].run = i;
    qsort(k, (size_t)n, sizeof(*k), keyed_qcmp);
    /* The earliest run with the wall time of the one in the middle. */
    best = k[want].run;
    for (int i = want; i-- > 0 && k[i].wall == k[want].wall;)
        best = k[i].run;
    free(k);
    return best;
}

static int isqrt(int n)
{
    int r = 0;

    while ((int64_t)(r + 1) * (r + 1) <= n)
        r++;
    return r;
}

void real_median_init(struct real_median *m, int total, int cap,
                      size_t max_ops, size_t max_bytes)
{
    memset(m, 0, sizeof(*m));
    m->total = total < 1 ? 1 : total;
    if (cap <= 0)
        cap = 2 * isqrt(m->total) + 16;
    m->cap = cap < REAL_MEDIAN_TRACES ? cap : REAL_MEDIAN_TRACES;
    m->max_ops = max_ops;
    m->max_bytes = max_bytes;
}

static size_t pick_ops(const struct real_median_pick *p)
{
    return p->owned && p->trace ? p->trace->nops : 0;
}

static size_t pick_bytes(const struct real_median_pick *p)
{
    return p->owned && p->trace ? p->trace->charged : 0;
}

/* Let go of the lowest (bottom) or highest pick. */
static void let_go(struct real_median *m, int bottom)
{
    struct real_median_pick *p = &m->pool[bottom ? 0 : m->n - 1];

    m->ops -= pick_ops(p);
    m->bytes -= pick_bytes(p);
    if (p->owned)
        trace_free(p->trace);
    p->trace = NULL;
    if (bottom) {
        m->lo = *p;
        m->has_lo = 1;
        m->below++;
        memmove(&m->pool[0], &m->pool[1], sizeof(*p) * (size_t)(m->n - 1));
    } else {
        m->hi = *p;
        m->has_hi = 1;
        m->above++;
    }
    m->n--;
}

void real_median_add(struct real_median *m, int run, int64_t wall, int tag,
                     struct trace *tr, int owned)
{
    int want = (m->total - 1) / 2, left = m->total - m->done - 1, at;
    struct real_median_pick *p;

    m->done++;
    if (m->has_lo && key_cmp(wall, run, m->lo.wall, m->lo.run) <= 0) {
        m->below++;
        if (owned)
            trace_free(tr);
        tr = NULL;
    } else if (m->has_hi && key_cmp(wall, run, m->hi.wall, m->hi.run) >= 0) {
        m->above++;
        if (owned)
            trace_free(tr);
        tr = NULL;
    } else {
        XGROW(m->pool, m->pool_cap, (size_t)m->n + 1);
        for (at = m->n; at > 0 && key_cmp(wall, run, m->pool[at - 1].wall,
                                          m->pool[at - 1].run) < 0; at--)
            ;
        memmove(&m->pool[at + 1], &m->pool[at],
                sizeof(*p) * (size_t)(m->n - at));
        p = &m->pool[at];
        p->run = run;
        p->wall = wall;
        p->tag = tag;
        p->trace = tr;
        p->owned = owned && tr;
        m->n++;
        m->ops += pick_ops(p);
        m->bytes += pick_bytes(p);
    }
    if (left < 0)
        left = 0;   /* more runs than planned: the middle of those so far */
    while (m->n > 0) {
        int bottom = m->below, top = m->below + m->n - 1;
        /* Twice the middle rank of the runs so far, and the distances of
         * the ends from it (doubled too, to stay in integers). */
        int mid2 = m->done - 1, d_bottom = mid2 - 2 * bottom,
            d_top = 2 * top - mid2;

        if (m->done <= m->total && bottom + left < want) {
            let_go(m, 1);       /* too low ever to be the median */
            continue;
        }
        if (m->done <= m->total && top > want) {
            let_go(m, 0);       /* too high */
            continue;
        }
        if (m->n <= m->cap && m->ops <= m->max_ops && m->bytes <= m->max_bytes)
            break;
        let_go(m, d_bottom > d_top);
    }
}

struct real_median_pick *real_median_find(struct real_median *m, int run)
{
    for (int i = 0; i < m->n; i++)
        if (m->pool[i].run == run)
            return &m->pool[i];
    return NULL;
}

void real_median_done(struct real_median *m)
{
    for (int i = 0; i < m->n; i++)
        if (m->pool[i].owned)
            trace_free(m->pool[i].trace);
    free(m->pool);
    memset(m, 0, sizeof(*m));
}
