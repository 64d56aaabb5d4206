/* goal.c - puzzles: a page's @goal, checked on states and searched for. */
#include "goal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "membudget.h"
#include "program.h"
#include "sim.h"
#include "util.h"
#include "vm.h"

/* ---- conditions on module variables ----------------------------------------- */

/* The value of e over module variables g; *ok = 0 where Python would raise
 * (a division by zero). */
static int64_t eval(const struct lesson *L, const struct expr *e,
                    const int64_t *g, int *ok)
{
    int64_t a, b;

    switch (e->kind) {
    case E_INT:
        return e->ival;
    case E_NAME: {
        int i = lesson_find_shared(L, e->name);

        return i >= 0 ? vm_num(L->prog, g[i]) : (*ok = 0);
    }
    case E_ATTR: {      /* v.value: the Value's module variable */
        char name[256];
        int i;

        snprintf(name, sizeof(name), "%s.%s", e->name, e->attr);
        i = lesson_find_shared(L, name);
        return i >= 0 ? vm_num(L->prog, g[i]) : (*ok = 0);
    }
    case E_NOT:
        return !eval(L, e->lhs, g, ok);
    case E_NEG:
        return (int64_t)(0 - (uint64_t)eval(L, e->lhs, g, ok));
    case E_AND:
        return eval(L, e->lhs, g, ok) && eval(L, e->rhs, g, ok);
    case E_OR:
        return eval(L, e->lhs, g, ok) || eval(L, e->rhs, g, ok);
    case E_BINARY:
        a = eval(L, e->lhs, g, ok);
        b = eval(L, e->rhs, g, ok);
        switch (e->op) {
        case '+': return (int64_t)((uint64_t)a + (uint64_t)b);
        case '-': return (int64_t)((uint64_t)a - (uint64_t)b);
        case '*': return (int64_t)((uint64_t)a * (uint64_t)b);
        case '/':
        case '%':
            if (b == 0 || (a == INT64_MIN && b == -1))
                return (*ok = 0);
            {
                /* Python's floor division and modulo. */
                int64_t q = a / b, r = a % b;

                if (r != 0 && ((r < 0) != (b < 0))) {
                    q--;
                    r += b;
                }
                return e->op == '/' ? q : r;
            }
        }
        return (*ok = 0);
    case E_COMPARE:
        a = eval(L, e->lhs, g, ok);
        b = eval(L, e->rhs, g, ok);
        switch (e->op) {
        case CMP_LT: return a < b;
        case CMP_LE: return a <= b;
        case CMP_EQ: return a == b;
        case CMP_NE: return a != b;
        case CMP_GT: return a > b;
        case CMP_GE: return a >= b;
        }
        return 0;
    case E_CALL:
    case E_METHOD:
    case E_THREAD:
    case E_TUPLE:
    case E_STR:
    case E_LIST:
    case E_SUBSCR:
    case E_POOL:
    case E_TASK:
    case E_GATHER:
        break;
    }
    return (*ok = 0);
}

int goal_condition_on(const struct lesson *L, const struct expr *cond,
                      const int64_t *g)
{
    int ok = 1;
    int64_t v = eval(L, cond, g, &ok);

    return ok && v != 0;
}

int goal_condition(const struct lesson *L, const struct sim *s,
                   const struct expr *cond)
{
    int n = L->nshared;
    int64_t *g = xmalloc(sizeof(int64_t) * (size_t)(n + 1));
    int yes = 0;

    for (int sp = 0; sp < sim_nspaces(s) && !yes; sp++) {
        for (int i = 0; i < n; i++)
            g[i] = sim_global(s, sp, i);
        yes = goal_condition_on(L, cond, g);
    }
    free(g);
    return yes;
}

/* ---- goals on states -------------------------------------------------------- */

/* Task t stands at source line: the op it runs next is one of that line's. */
static int at_line(const struct lesson *L, const struct sim *s, int t,
                   int64_t line)
{
    enum task_state st = sim_task_state(s, t);

    if (st == TS_NEW || st == TS_DONE || st == TS_FAILED)
        return 0;
    return L->prog->pos[vm_pc(sim_task_vm(s, t))].line == line;
}

/* Every task that has not ended waits for a lock: a deadlock, which the
 * simulator will report at its next step (no lock is ever released again:
 * its holder waits too, or has ended). */
static int stuck(const struct sim *s)
{
    int waiting = 0;

    if (sim_status(s) != TRACE_RUNNING)
        return 0;
    for (int t = 0; t < sim_ntasks(s); t++) {
        enum task_state st = sim_task_state(s, t);

        if (st == TS_LOCK_WAIT)
            waiting++;
        else if (st != TS_DONE && st != TS_FAILED)
            return 0;
    }
    return waiting > 0;
}

int goal_holds(const struct lesson *L, const struct sim *s,
               const struct directive *g)
{
    int n = 0;

    switch (g->goal) {
    case GOAL_END:
        return sim_status(s) != TRACE_RUNNING &&
               sim_status(s) != TRACE_LIMIT && goal_condition(L, s, g->cond);
    case GOAL_DEADLOCK:
        return sim_status(s) == TRACE_DEADLOCK || stuck(s);
    case GOAL_FAILS:
        for (int t = 0; t < sim_ntasks(s); t++)
            if (sim_task_state(s, t) == TS_FAILED)
                return 1;
        return 0;
    case GOAL_TOGETHER:
        for (int t = 0; t < sim_ntasks(s); t++)
            n += at_line(L, s, t, g->n);
        return n >= 2;
    }
    return 0;
}

/* Line line of the lesson from byte offset from, without its comment and
 * the spaces around it. */
static void code_text(const struct lesson *L, int line, size_t from,
                      struct strbuf *out)
{
    size_t len;
    const char *start = source_line(L->src, line, &len);
    const char *text = start + (from < len ? from : len);
    const char *end = memchr(text, '#', len - (size_t)(text - start));

    end = end ? end : start + len;
    while (text < end && *text == ' ')
        text++;
    while (end > text && end[-1] == ' ')
        end--;
    sb_add(out, text, (size_t)(end - text));
}

void goal_describe(const struct lesson *L, const struct directive *g,
                   struct strbuf *out)
{
    switch (g->goal) {
    case GOAL_DEADLOCK:
        sb_puts(out, "a deadlock");
        return;
    case GOAL_FAILS:
        sb_puts(out, "a task fails");
        return;
    case GOAL_TOGETHER:
        sb_printf(out, "two tasks at line %lld, ", (long long)g->n);
        code_text(L, (int)g->n, 0, out);
        sb_puts(out, ", at once");
        return;
    case GOAL_END:
        /* The condition as written, after "@goal". */
        code_text(L, g->line, (size_t)(g->col - 1 + 5), out);
        sb_puts(out, " at the end");
        return;
    }
}

/* ---- the search ----------------------------------------------------------------- */

#define NONE UINT32_MAX

/* A state seen: where its key and saved state are, how it was reached. */
struct gnode {
    size_t key, keylen;     /* in gs->keys */
    size_t state;           /* in gs->states */
    uint32_t parent;        /* NONE for the start */
    int32_t dist;           /* fewest preemptions to reach it */
    int8_t task;            /* the turn from parent */
    uint8_t done, goal;
};

struct gsearch {
    const struct lesson *L;
    const struct directive *g;
    struct sim *s;
    struct gnode *nodes;
    size_t nnodes, cap_nodes;
    unsigned char *keys, *states;
    size_t keylen, keycap, statelen, statecap;
    uint32_t *table;        /* open addressing: node ids, NONE empty */
    size_t tcap;
    uint32_t *dq;           /* the 0-1 BFS deque, a ring */
    size_t dqcap, dqhead, dqlen;
    size_t charged;
    int oom;
};

static uint64_t hash_key(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603u;

    while (n--)
        h = (h ^ *p++) * 1099511628211u;
    return h ^ h >> 29;
}

static void charge(struct gsearch *gs, size_t n)
{
    if (mem_charge(n) < 0) {
        gs->oom = 1;
        mem_force(n);
    }
    gs->charged += n;
}

static void table_grow(struct gsearch *gs)
{
    size_t cap = gs->tcap ? gs->tcap * 2 : 1024;
    uint32_t *t = xmalloc(cap * sizeof(*t));

    charge(gs, (cap - gs->tcap) * sizeof(*t));
    memset(t, 0xff, cap * sizeof(*t));
    for (size_t i = 0; i < gs->nnodes; i++) {
        const struct gnode *nd = &gs->nodes[i];
        size_t h = hash_key(gs->keys + nd->key, nd->keylen) & (cap - 1);

        while (t[h] != NONE)
            h = (h + 1) & (cap - 1);
        t[h] = (uint32_t)i;
    }
    free(gs->table);
    gs->table = t;
    gs->tcap = cap;
}

static void dq_push(struct gsearch *gs, uint32_t id, int front)
{
    if (gs->dqlen == gs->dqcap) {
        size_t cap = gs->dqcap ? gs->dqcap * 2 : 1024;
        uint32_t *q = xmalloc(cap * sizeof(*q));

        charge(gs, (cap - gs->dqcap) * sizeof(*q));
        for (size_t i = 0; i < gs->dqlen; i++)
            q[i] = gs->dq[(gs->dqhead + i) % gs->dqcap];
        free(gs->dq);
        gs->dq = q;
        gs->dqcap = cap;
        gs->dqhead = 0;
    }
    if (front) {
        gs->dqhead = (gs->dqhead + gs->dqcap - 1) % gs->dqcap;
        gs->dq[gs->dqhead] = id;
    } else {
        gs->dq[(gs->dqhead + gs->dqlen) % gs->dqcap] = id;
    }
    gs->dqlen++;
}

static uint32_t dq_pop(struct gsearch *gs)
{
    uint32_t id = gs->dq[gs->dqhead];

    gs->dqhead = (gs->dqhead + 1) % gs->dqcap;
    gs->dqlen--;
    return id;
}

static void grow_bytes(struct gsearch *gs, unsigned char **buf, size_t *cap,
                       size_t need)
{
    size_t old = *cap;

    XGROW(*buf, *cap, need);
    charge(gs, *cap - old);
}

/* The node of the state the sim is in, reached from parent by task's turn
 * at a cost of dist preemptions: new, or an old one reached more cheaply
 * (pushed again), or an old one (not pushed). */
static void visit(struct gsearch *gs, struct strbuf *key, uint32_t parent,
                  int task, int32_t dist, int cost)
{
    size_t h, size;
    uint32_t id;
    struct gnode *nd;

    sim_canon(gs->s, key);
    if ((gs->nnodes + 1) * 2 > gs->tcap)
        table_grow(gs);
    h = hash_key((const unsigned char *)key->s, key->len) & (gs->tcap - 1);
    while ((id = gs->table[h]) != NONE) {
        nd = &gs->nodes[id];
        if (nd->keylen == key->len &&
            memcmp(gs->keys + nd->key, key->s, key->len) == 0) {
            if (!nd->done && dist < nd->dist) {
                nd->dist = dist;
                nd->parent = parent;
                nd->task = (int8_t)task;
                dq_push(gs, id, cost == 0);
            }
            return;
        }
        h = (h + 1) & (gs->tcap - 1);
    }
    id = (uint32_t)gs->nnodes;
    if (gs->nnodes == gs->cap_nodes) {
        size_t old = gs->cap_nodes;

        XGROW(gs->nodes, gs->cap_nodes, gs->nnodes + 1);
        charge(gs, (gs->cap_nodes - old) * sizeof(*gs->nodes));
    }
    gs->nnodes++;
    gs->table[h] = id;
    nd = &gs->nodes[id];
    memset(nd, 0, sizeof(*nd));
    grow_bytes(gs, &gs->keys, &gs->keycap, gs->keylen + key->len);
    memcpy(gs->keys + gs->keylen, key->s, key->len);
    nd->key = gs->keylen;
    nd->keylen = key->len;
    gs->keylen += key->len;
    size = sim_state_size(gs->s);   /* grows with the tasks' stacks */
    grow_bytes(gs, &gs->states, &gs->statecap, gs->statelen + size);
    sim_save(gs->s, gs->states + gs->statelen);
    nd->state = gs->statelen;
    gs->statelen += size;
    nd->parent = parent;
    nd->task = (int8_t)task;
    nd->dist = dist;
    nd->goal = (uint8_t)goal_holds(gs->L, gs->s, gs->g);
    dq_push(gs, id, cost == 0);
}

/* The turns from the start to node id. */
static void witness(struct gsearch *gs, uint32_t id, struct goal_result *out)
{
    size_t n = 0;
    int *turns;

    for (uint32_t i = id; gs->nodes[i].parent != NONE; i = gs->nodes[i].parent)
        n++;
    turns = xmalloc(sizeof(int) * (n + 1));
    out->steps = (int64_t)n;
    for (uint32_t i = id; gs->nodes[i].parent != NONE; i = gs->nodes[i].parent)
        turns[--n] = gs->nodes[i].task;
    for (int64_t k = 0; k < out->steps; k++)
        schedule_add(&out->witness, turns[k], 1);
    free(turns);
    out->preemptions = gs->nodes[id].dist;
}

static void gsearch_done(struct gsearch *gs)
{
    sim_free(gs->s);
    free(gs->nodes);
    free(gs->keys);
    free(gs->states);
    free(gs->table);
    free(gs->dq);
    mem_uncharge(gs->charged);
}

void goal_search(const struct lesson *L, int scene,
                 const struct scene_config *cfg, const struct sim *from,
                 const struct directive *g, int64_t max_states,
                 struct goal_result *out)
{
    struct gsearch gs;
    struct scene_config c = *cfg;
    struct strbuf key;
    int ch[LESSON_MAX_TASKS];

    memset(out, 0, sizeof(*out));
    schedule_init(&out->witness);
    memset(&gs, 0, sizeof(gs));
    gs.L = L;
    gs.g = g;
    c.schedule = NULL;          /* every turn is the search's */
    gs.s = sim_new(L, scene, &c, NULL, 0);
    if (from) {
        unsigned char *buf = xmalloc(sim_state_size(from));

        sim_save(from, buf);
        sim_restore(gs.s, buf);
        free(buf);
    }
    sb_init(&key);
    sim_settle(gs.s, ch);
    visit(&gs, &key, NONE, -1, 0, 0);
    while (gs.dqlen > 0 && !gs.oom) {
        uint32_t id = dq_pop(&gs);
        struct gnode *nd = &gs.nodes[id];
        int n, cur;

        if (nd->done)
            continue;
        nd->done = 1;
        if (nd->goal) {
            out->found = 1;
            witness(&gs, id, out);
            break;
        }
        sim_restore(gs.s, gs.states + nd->state);
        n = sim_choices(gs.s, ch);
        /* A preemption: a switch away from a task that could have run on
         * (as the explorer counts them). */
        cur = n > 0 && sim_task_cpu(gs.s, ch[0]) >= 0 ? ch[0] : -1;
        for (int i = 0; i < n; i++) {
            int cost = cur >= 0 && ch[i] != cur;
            int dummy[LESSON_MAX_TASKS];

            if (i > 0)
                sim_restore(gs.s, gs.states + gs.nodes[id].state);
            if ((int64_t)gs.nnodes >= max_states) {
                out->states = (int64_t)gs.nnodes;
                goto stop;
            }
            sim_force(gs.s, ch[i]);
            sim_step(gs.s);
            sim_settle(gs.s, dummy);
            visit(&gs, &key, id, ch[i], gs.nodes[id].dist + cost, cost);
        }
    }
    out->complete = !out->found && !gs.oom;
stop:
    out->states = (int64_t)gs.nnodes;
    out->out_of_memory = gs.oom;
    sb_done(&key);
    gsearch_done(&gs);
}

void goal_result_done(struct goal_result *r)
{
    schedule_done(&r->witness);
}
