/* replay.c - a real run's interleaving, replayed step by step in the simulator.
 *
 * Timestamps alone do not give the order in which two CPUs really read and
 * wrote a variable: clocks are read a few nanoseconds away from the access.
 * The values do.  So the order is reconstructed in two steps:
 *
 * 1. The shared ops - LOAD_GLOBAL, STORE_GLOBAL and the requests of sync
 *    objects - are put in an order in which every load sees the value it
 *    really read, each object's ticketed requests come in the order of
 *    their real tickets (real_task.c records each one's place among the
 *    object's requests: every acquire, and every request of an event,
 *    barrier or queue, see rsync_ticketed), the objects hand over as they
 *    do in the simulator (sync.h), and memory ends in the real final
 *    state.  A depth-first
 *    search tries the tasks in the order of their timestamps, so the
 *    first path usually works; dead ends are remembered (by a hash of the
 *    state) and the search gives up after REPLAY_MAX_NODES steps.
 * 2. The simulator, started with the scene's settings and one CPU, is then
 *    driven tick by tick: each tick it runs the task whose next op came
 *    first in real time among those allowed next (local ops commute, and
 *    shared ops must follow step 1's order) and which the simulator can
 *    run now.  Each tick is one step of the schedule; the schedule is run
 *    again from scratch as `--schedule` would, and must end in the real
 *    final state.
 *
 * Where either step fails - the values cannot be explained (a record cap
 * was hit), the search is too long, or the simulator cannot follow (a task
 * slept longer in simulated ticks than the others ran) - the reason is
 * given instead of a schedule.
 */
#define _GNU_SOURCE
#include <string.h>

#include "real/real_impl.h"
#include "schedule.h"
#include "sim.h"

enum {
    REPLAY_MAX_NODES = 2000000,
    REPLAY_MAX_SHARED = 500000,     /* about 60 MB of search stack */
    REPLAY_MAX_UNWIND = 16,         /* with blocks one failing task leaves */
};

void real_replay_init(struct real_replay *rp)
{
    memset(rp, 0, sizeof(*rp));
    sb_init(&rp->schedule);
    sb_init(&rp->why);
}

void real_replay_done(struct real_replay *rp)
{
    sb_done(&rp->schedule);
    sb_done(&rp->why);
    free(rp->final);
    rp->final = NULL;
}

/* ---- the ops of each task ----------------------------------------------------- */

struct rp {
    uint64_t deadline_ns;       /* 0: none */
    const struct program *P;
    const struct trace *tr;
    int ntasks, nglobals, nlocks;
    uint32_t *idx[LESSON_MAX_TASKS];    /* each task's ops (op indices) */
    uint32_t len[LESSON_MAX_TASKS];
    /* Search state. */
    uint32_t pos[LESSON_MAX_TASKS];     /* next op of each task */
    int blocked[LESSON_MAX_TASKS];
    int64_t *mem;
    struct sync_obj *objs;              /* the sync objects, as replayed */
    uint32_t *next_ticket;              /* per object: the next request's */
    /* Per task that failed inside with blocks: the objects their __exit__
     * released as the error left them (the trace's events say which). */
    int16_t unwind[LESSON_MAX_TASKS][REPLAY_MAX_UNWIND];
    int nunwind[LESSON_MAX_TASKS];
    /* The order found: shared ops as (task, index into idx[task]). */
    int8_t *order_task;
    size_t norder;
    /* Dead ends seen. */
    uint64_t *seen;
    size_t seen_cap, nseen;
    int64_t nodes;
};

/* What an op does to shared state: the only ops whose order matters.
 * RK_SYNC: any other request of a sync object (*method says which);
 * RK_UNWIND: an op of the task's own that failed inside with blocks,
 * which released what they entered. */
enum { RK_LOCAL, RK_LOAD, RK_STORE, RK_ACQUIRE, RK_RELEASE, RK_SYNC,
       RK_UNWIND };

static int pc_kind(const struct program *P, uint32_t pc, int *index,
                   int *method)
{
    const struct instr *in = &P->code[pc];
    int lk;

    *index = in->a;
    *method = -1;
    if (in->op == OP_LOAD_GLOBAL && in->a >= 0)
        return RK_LOAD;
    if (in->op == OP_STORE_GLOBAL)
        return RK_STORE;
    lk = program_sync_op(P, pc, method);
    if (lk < 0)
        return RK_LOCAL;
    *index = lk;
    return *method == SYNC_ACQUIRE ? RK_ACQUIRE :
           *method == SYNC_RELEASE ? RK_RELEASE : RK_SYNC;
}

/* Did op i fail inside with blocks that released something? */
static int unwinds(const struct rp *R, uint32_t i)
{
    return trace_op_status(R->tr, i) == VM_ERROR &&
           R->nunwind[trace_op_task(R->tr, i)] > 0;
}

static int op_kind(const struct rp *R, uint32_t i)
{
    int index, method, kind = pc_kind(R->P, trace_op_pc(R->tr, i), &index,
                                      &method);

    return kind == RK_LOCAL && unwinds(R, i) ? RK_UNWIND : kind;
}

/* Is op i's value its ticket (rsync_ticketed), not what the simulator
 * records? */
static int op_ticketed(const struct rp *R, uint32_t i)
{
    int index, method, kind = pc_kind(R->P, trace_op_pc(R->tr, i), &index,
                                      &method);

    return kind == RK_ACQUIRE ||
           (kind == RK_SYNC && rsync_ticketed(R->P->lock_kind[index], method));
}

static int is_shared(int kind)
{
    return kind != RK_LOCAL;
}

/* Skip task t's local ops: they commute with everyone else's. */
static void skip_local(struct rp *R, int t)
{
    while (R->pos[t] < R->len[t] && !is_shared(op_kind(R, R->idx[t][R->pos[t]])))
        R->pos[t]++;
}

/* ---- the search ---------------------------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    return h * 0xFF51AFD7ED558CCDull;
}

static uint64_t state_hash(const struct rp *R)
{
    uint64_t h = 1469598103934665603ull;

    for (int t = 0; t < R->ntasks; t++)
        h = mix(h, (uint64_t)R->pos[t] << 1 | (uint64_t)R->blocked[t]);
    for (int g = 0; g < R->nglobals; g++)
        h = mix(h, (uint64_t)R->mem[g]);
    for (int l = 0; l < R->nlocks; l++) {
        int64_t f[SYNC_CANON_MAX];
        int nf = sync_canon(&R->objs[l], f);

        for (int k = 0; k < nf; k++)
            h = mix(h, (uint64_t)f[k]);
        h = mix(h, R->next_ticket[l]);
    }
    return h ? h : 1;
}

static int seen_has(const struct rp *R, uint64_t h)
{
    if (!R->seen_cap)
        return 0;
    for (size_t i = h & (R->seen_cap - 1);; i = (i + 1) & (R->seen_cap - 1)) {
        if (R->seen[i] == h)
            return 1;
        if (R->seen[i] == 0)
            return 0;
    }
}

static void seen_add(struct rp *R, uint64_t h)
{
    if (R->nseen * 2 >= R->seen_cap) {
        size_t cap = R->seen_cap ? R->seen_cap * 2 : 1024;
        uint64_t *old = R->seen, *nw = xcalloc(cap, sizeof(*nw));

        for (size_t i = 0; i < R->seen_cap; i++)
            if (old[i]) {
                size_t j = old[i] & (cap - 1);

                while (nw[j])
                    j = (j + 1) & (cap - 1);
                nw[j] = old[i];
            }
        free(old);
        R->seen = nw;
        R->seen_cap = cap;
    }
    for (size_t i = h & (R->seen_cap - 1);; i = (i + 1) & (R->seen_cap - 1))
        if (R->seen[i] == 0) {
            R->seen[i] = h;
            R->nseen++;
            return;
        }
}

/* What a move changed, to undo it. */
struct undo {
    int task;
    uint32_t pos;               /* task's pos before the move */
    int64_t old;                /* STORE: the old value */
    int lock;                   /* a request: the object, -1 for none */
    int link;                   /* and the object holding its lock */
    struct sync_obj saved, saved_link;
    uint32_t ticket;            /* the object's next ticket before */
    struct sync_obj *all;       /* RK_UNWIND: every object before (owned) */
    struct sync_wake woke;      /* the waiters unblocked */
};

struct frame {
    int8_t cand[LESSON_MAX_TASKS];
    int ncand, next;
    struct undo u;
};

/* Does the call at pc pass blocking=False or a timeout? */
static int limited_wait(const struct program *P, uint32_t pc)
{
    const struct instr *in = &P->code[pc];

    if (in->kind != CK_SYNC)
        return 0;
    for (uint32_t roles = (uint32_t)in->c; roles; roles >>= 2)
        if ((roles & 3u) == SYNC_ARG_BLOCK || (roles & 3u) == SYNC_ARG_TIMEOUT)
            return 1;
    return 0;
}

/* Replay follows the threading objects, whose requests' order the trace
 * records (a ticket for each request that may wait, and for every request
 * of an event, a barrier or a queue; a release's count): the objects'
 * states, and so who waits and who goes on, follow from that order.  The
 * values a queue passes need not be known: the ops that use them record
 * them.  A wait with a limit is not followed: when it ran out is not in
 * the trace. */
static int replayable(const struct program *P, const struct trace *tr,
                      struct strbuf *why)
{
    for (size_t i = 0; i < tr->nops; i++) {
        uint32_t pc = trace_op_pc(tr, i);
        int method, obj = program_sync_op(P, pc, &method), kind;

        if (obj < 0)
            continue;
        kind = P->lock_kind[obj];
        switch (kind) {
        case SYNC_LOCK:
        case SYNC_RLOCK:
        case SYNC_SEMAPHORE:
        case SYNC_BSEMAPHORE:
            break;
        case SYNC_EVENT:
        case SYNC_CONDITION:
        case SYNC_BARRIER:
        case SYNC_QUEUE:
            if (limited_wait(P, pc)) {
                sb_printf(why, "the run waits for %s (line %d) with a limit "
                          "(blocking=False or a timeout): when a wait ran out "
                          "is not in the trace", P->lock_names[obj],
                          P->pos[pc].line);
                return 0;
            }
            break;
        default:
            sb_printf(why, "the run uses %s (%s %s.%s): replay follows only "
                      "threading's objects and queue.Queue",
                      P->lock_names[obj], sync_kind_info[kind].async ? "an" :
                      "a", sync_kind_info[kind].module,
                      sync_kind_info[kind].name);
            return 0;
        }
    }
    return 1;
}

/* Save what a request of object a may change, for undo_move. */
static void save_objs(struct rp *R, int a, struct undo *u)
{
    u->lock = a;
    u->link = R->objs[a].link >= 0 && R->objs[a].link != a ?
              R->objs[a].link : -1;
    u->saved = R->objs[a];
    if (u->link >= 0)
        u->saved_link = R->objs[u->link];
    u->ticket = R->next_ticket[a];
}

static void restore_objs(struct rp *R, const struct undo *u)
{
    R->objs[u->lock] = u->saved;
    if (u->link >= 0)
        R->objs[u->link] = u->saved_link;
    R->next_ticket[u->lock] = u->ticket;
}

static void undo_move(struct rp *R, const struct undo *u);

/* Task t failed inside with blocks: release what the real run's __exit__
 * released, in the same order (every object saved first, in u->all).
 * Returns 0 if a release cannot be made here. */
static int leave_with_blocks(struct rp *R, int t, struct undo *u)
{
    struct sync_call call = {SYNC_RELEASE, 1, 1, -1};
    struct sync_reply rep;
    int from = u->woke.n;

    u->all = xmalloc(sizeof(*R->objs) * (size_t)(R->nlocks + 1));
    memcpy(u->all, R->objs, sizeof(*R->objs) * (size_t)R->nlocks);
    for (int k = 0; k < R->nunwind[t]; k++) {
        if (sync_request(R->objs, R->unwind[t][k], t, &call, &u->woke,
                         &rep) != SYNC_GRANTED)
            return 0;
    }
    for (int k = from; k < u->woke.n; k++)
        R->blocked[u->woke.tasks[k]] = 0;
    return 1;
}

/* Can task t run its next shared op now?  If so, do it (filling u). */
static int try_move(struct rp *R, int t, struct undo *u)
{
    uint32_t i = R->idx[t][R->pos[t]];
    const struct trace_op op = trace_op_get(R->tr, i);
    int a, method, kind = pc_kind(R->P, op.pc, &a, &method);
    enum sync_result res;
    /* (only what replayable() allows is replayed) */
    struct sync_call call = {SYNC_ACQUIRE, 1, 1, -1};
    struct sync_reply rep;

    u->task = t;
    u->pos = R->pos[t];
    u->lock = -1;
    u->all = NULL;
    u->woke.n = u->woke.nmoved = 0;
    if (kind == RK_LOCAL && unwinds(R, i))
        kind = RK_UNWIND;
    switch (kind) {
    case RK_LOAD:
        if (R->mem[a] != op.value)
            return 0;
        break;
    case RK_STORE:
        u->old = R->mem[a];
        R->mem[a] = op.value;
        break;
    case RK_ACQUIRE:
        if ((uint64_t)op.value != R->next_ticket[a])
            return 0;
        save_objs(R, a, u);
        R->next_ticket[a]++;
        call.method = SYNC_ACQUIRE;
        if (sync_request(R->objs, a, t, &call, &u->woke, &rep) == SYNC_BLOCKED)
            R->blocked[t] = 1;
        break;
    case RK_RELEASE:
    case RK_SYNC: {
        /* a ticketed request comes in its real place among the object's;
         * the others carry their count (release(n), notify(n)) */
        int ticketed = kind == RK_SYNC &&
                       rsync_ticketed(R->P->lock_kind[a], method);

        if (ticketed && (uint64_t)op.value != R->next_ticket[a])
            return 0;
        save_objs(R, a, u);
        if (ticketed)
            R->next_ticket[a]++;
        call.method = kind == RK_RELEASE ? SYNC_RELEASE : method;
        call.value = ticketed ? 0 : op.value;
        res = sync_request(R->objs, a, t, &call, &u->woke, &rep);
        if ((op.status == VM_ERROR) != (res == SYNC_ERROR) ||
            u->woke.err != ERR_NONE) {
            restore_objs(R, u);
            return 0;
        }
        if (res == SYNC_BLOCKED)
            R->blocked[t] = 1;
        for (int k = 0; k < u->woke.n; k++)
            R->blocked[u->woke.tasks[k]] = 0;
        break;
    }
    case RK_UNWIND:
        break;
    default:
        return 0;
    }
    if (unwinds(R, i) && !leave_with_blocks(R, t, u)) {
        undo_move(R, u);
        return 0;
    }
    R->pos[t]++;
    skip_local(R, t);
    return 1;
}

static void undo_move(struct rp *R, const struct undo *u)
{
    uint32_t i = R->idx[u->task][u->pos];
    int a, method, kind = pc_kind(R->P, trace_op_pc(R->tr, i), &a, &method);

    R->pos[u->task] = u->pos;
    if (kind == RK_STORE)
        R->mem[a] = u->old;
    if (u->lock >= 0 || u->all) {
        if (u->all) {
            memcpy(R->objs, u->all, sizeof(*R->objs) * (size_t)R->nlocks);
            if (u->lock >= 0)
                R->next_ticket[u->lock] = u->ticket;
            free(u->all);
        } else {
            restore_objs(R, u);
        }
        R->blocked[u->task] = 0;
        for (int k = 0; k < u->woke.n; k++)
            R->blocked[u->woke.tasks[k]] = 1;
    }
}

/* The tasks that could move, earliest next op first. */
static int candidates(const struct rp *R, int8_t *cand)
{
    int n = 0;

    for (int t = 0; t < R->ntasks; t++) {
        int k;

        if (R->blocked[t] || R->pos[t] >= R->len[t])
            continue;
        k = n++;
        while (k > 0) {
            int64_t a = trace_op_t(R->tr, R->idx[cand[k - 1]]
                                                [R->pos[cand[k - 1]]]);
            int64_t b = trace_op_t(R->tr, R->idx[t][R->pos[t]]);

            if (a <= b)
                break;
            cand[k] = cand[k - 1];
            k--;
        }
        cand[k] = (int8_t)t;
    }
    return n;
}

static int finished(const struct rp *R)
{
    for (int t = 0; t < R->ntasks; t++)
        if (R->pos[t] < R->len[t])
            return 0;
    for (int g = 0; g < R->nglobals; g++)
        if (R->mem[g] != R->tr->final[g])
            return 0;
    return 1;
}

/* Depth-first search for an order of the shared ops.  Returns 1 if found
 * (R->order_task holds it), 0 if there is none, -1 if it took too long. */
static int search(struct rp *R, size_t nshared)
{
    struct frame *st = xmalloc(sizeof(*st) * (nshared + 1));
    size_t depth = 0;
    int found = 0;

    st[0].ncand = candidates(R, st[0].cand);
    st[0].next = 0;
    for (;;) {
        struct frame *f = &st[depth];

        if (depth == nshared && finished(R)) {
            found = 1;
            break;
        }
        if (++R->nodes > REPLAY_MAX_NODES ||
            (R->deadline_ns && R->nodes % 4096 == 0 &&
             rclock_mono_ns() > R->deadline_ns)) {
            found = -1;
            break;
        }
        while (f->next < f->ncand && !try_move(R, f->cand[f->next], &f->u))
            f->next++;
        if (f->next < f->ncand) {
            uint64_t h = state_hash(R);

            if (depth + 1 <= nshared && !seen_has(R, h)) {
                R->order_task[depth] = f->cand[f->next];
                depth++;
                st[depth].ncand = candidates(R, st[depth].cand);
                st[depth].next = 0;
                continue;
            }
            undo_move(R, &f->u);
            f->next++;
            continue;
        }
        /* Every move from here failed: remember it, and step back. */
        seen_add(R, state_hash(R));
        if (depth == 0)
            break;
        depth--;
        undo_move(R, &st[depth].u);
        st[depth].next++;
    }
    R->norder = depth;
    for (size_t k = 0; k < depth; k++)
        free(st[k].u.all);     /* the moves kept own their saved objects */
    free(st);
    return found;
}

/* ---- driving the simulator ---------------------------------------------------------- */

static const char *state_words(enum task_state s)
{
    switch (s) {
    case TS_BLOCKED: return "is still waiting (sleep or I/O) in simulated ticks";
    case TS_LOCK_WAIT: return "is waiting for a lock";
    case TS_GIL_WAIT: return "is waiting for the GIL";
    case TS_READY: return "is ready but may not run (the running task cannot "
                          "be switched here)";
    case TS_NEW: return "has not started";
    case TS_STARTING: return "is still starting";
    default: return "cannot run";
    }
}

static int in_choices(const int *ch, int n, int t)
{
    for (int i = 0; i < n; i++)
        if (ch[i] == t)
            return 1;
    return 0;
}

/* Step the simulator along the order; fills sch.  Returns 1 on success. */
static int drive(struct rp *R, struct sim *s, struct schedule *sch,
                 struct strbuf *why)
{
    uint32_t p[LESSON_MAX_TASKS] = {0};
    size_t k = 0;
    int ch[LESSON_MAX_TASKS];
    const struct trace *st = sim_trace(s);

    for (;;) {
        int n, best = -1, left = 0;
        int64_t best_t = 0;

        for (int t = 0; t < R->ntasks; t++)
            left |= p[t] < R->len[t];
        if (!left)
            return 1;
        if (sim_status(s) != TRACE_RUNNING) {
            sb_printf(why, "the simulator's run ended at tick %lld before "
                      "the real run's ops were all replayed",
                      (long long)sim_now(s));
            return 0;
        }
        n = sim_choices(s, ch);
        for (int t = 0; t < R->ntasks; t++) {
            int64_t op_t;

            if (p[t] >= R->len[t] || !in_choices(ch, n, t))
                continue;
            op_t = trace_op_t(R->tr, R->idx[t][p[t]]);
            if (is_shared(op_kind(R, R->idx[t][p[t]])) &&
                (k >= R->norder || R->order_task[k] != t))
                continue;
            if (best < 0 || op_t < best_t) {
                best = t;
                best_t = op_t;
            }
        }
        if (best < 0) {
            int want = k < R->norder ? R->order_task[k] : -1;

            if (n == 0) {
                sim_step(s);    /* only time can pass */
                continue;
            }
            for (int t = 0; want < 0 && t < R->ntasks; t++)
                if (p[t] < R->len[t])
                    want = t;
            sb_printf(why, "the simulator cannot follow the real run at tick "
                      "%lld: %s runs next in the real run, but in the "
                      "simulator %s %s", (long long)sim_now(s),
                      R->tr->labels[want], R->tr->labels[want],
                      state_words(sim_task_state(s, want)));
            return 0;
        }
        {
            size_t before = st->nops;

            sim_force(s, best);
            sim_step(s);
            schedule_add(sch, best, 1);
            if (st->nops > before) {
                struct trace_op got = trace_op_get(st, st->nops - 1);
                struct trace_op want = trace_op_get(R->tr,
                                                    R->idx[best][p[best]]);
                int op = op_kind(R, R->idx[best][p[best]]);

                if (got.task != best || got.pc != want.pc ||
                    (!op_ticketed(R, R->idx[best][p[best]]) &&
                     got.value != want.value)) {
                    sb_printf(why, "the simulator went another way at tick "
                              "%lld: %s's op at line %d gave %lld, not %lld",
                              (long long)got.t, R->tr->labels[best],
                              R->P->pos[want.pc].line, (long long)got.value,
                              (long long)want.value);
                    return 0;
                }
                if (is_shared(op))
                    k++;
                p[best]++;
            }
        }
    }
}

/* ---- the whole replay ------------------------------------------------------------------ */

static int check_complete(const struct rp *R, struct strbuf *why)
{
    for (int t = 0; t < R->ntasks; t++) {
        const struct trace_lane *ln = &R->tr->lanes[t];
        int state = ln->n ? ln->spans[ln->n - 1].state : TS_NEW;
        int last = R->len[t] ?
                   trace_op_status(R->tr, R->idx[t][R->len[t] - 1]) : -1;

        /* (a task fails at an error, or in result(), which raises its
         * job's; a pool's worker ends after its last job, which may have
         * failed) */
        if ((state == TS_DONE && last != VM_EXIT && last != VM_ERROR) ||
            (state == TS_FAILED && last != VM_ERROR && last != VM_POOL)) {
            sb_printf(why, "the trace of %s is incomplete (it reached its "
                      "record cap): its interleaving cannot be reconstructed",
                      R->tr->labels[t]);
            return 0;
        }
    }
    return 1;
}

static int same_final(const int64_t *a, const int64_t *b, int n)
{
    for (int i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/* Run the schedule text from scratch, as `taketurns run --schedule` does. */
static int rerun(const struct lesson *L, int scene, const struct scene_config *cfg,
                 const char *text, const struct trace *real, struct real_replay *rp)
{
    const struct scene *sc = &L->scenes[scene];
    struct schedule sch;
    struct strbuf err;
    struct scene_config c = *cfg;
    struct sim *s;
    int off, ok;

    sb_init(&err);
    schedule_init(&sch);
    if (scene_schedule_parse(sc, text, &sch, &off, &err) < 0) {
        sb_printf(&rp->why, "the schedule does not read back: %s", err.s);
        sb_done(&err);
        return 0;
    }
    sb_done(&err);
    c.schedule = NULL;
    s = sim_new(L, scene, &c, &sch, 1);
    sim_run(s);
    free(rp->final);
    rp->final = xcalloc((size_t)real->nglobals + 1, sizeof(int64_t));
    memcpy(rp->final, sim_trace(s)->final, sizeof(int64_t) * (size_t)real->nglobals);
    ok = sim_status(s) == real->status &&
         same_final(rp->final, real->final, real->nglobals);
    if (!ok)
        sb_puts(&rp->why, "the simulator, given the schedule, does not end "
                "in the real run's state");
    sim_free(s);
    schedule_done(&sch);
    return ok;
}

int real_replay(const struct lesson *L, int scene, const struct scene_config *cfg,
                const struct trace *tr, struct real_replay *rp)
{
    struct rp R;
    struct schedule sch;
    struct sim *s;
    struct scene_config c = *cfg;
    const char *labels[LESSON_MAX_TASKS];
    size_t nshared = 0;
    int found;

    sb_clear(&rp->schedule);
    sb_clear(&rp->why);
    rp->ok = 0;
    if (cfg->mode != MODE_THREADS && cfg->mode != MODE_GIL) {
        sb_printf(&rp->why, "replay reconstructs thread interleavings; in mode "
                  "%s there is none to reconstruct (%s)", mode_name(cfg->mode),
                  cfg->mode == MODE_ASYNCIO ? "a real asyncio run follows the "
                  "simulated order exactly" : cfg->mode == MODE_SEQUENTIAL ?
                  "the tasks run one after another" :
                  "processes share no module variables");
        return 0;
    }
    if (tr->status == TRACE_LIMIT || tr->status == TRACE_RUNNING) {
        sb_puts(&rp->why, "the run was stopped before it ended: there is no "
                "final state to reach");
        return 0;
    }
    memset(&R, 0, sizeof(R));
    R.P = L->prog;
    R.deadline_ns = rp->deadline_ns;
    R.tr = tr;
    R.ntasks = tr->ntasks;
    R.nglobals = tr->nglobals;
    R.nlocks = L->prog->nlocks;
    for (int t = 0; t < R.ntasks; t++)
        R.idx[t] = xmalloc(sizeof(uint32_t) * (tr->nops + 1));
    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *ev = &tr->events[i];

        if (ev->kind == EV_RELEASE && ev->arg > 0 && ev->arg <= R.nlocks &&
            R.nunwind[ev->task] < REPLAY_MAX_UNWIND)
            R.unwind[ev->task][R.nunwind[ev->task]++] =
                (int16_t)(ev->arg - 1);
    }
    for (size_t i = 0; i < tr->nops; i++) {
        int t = trace_op_task(tr, i);

        R.idx[t][R.len[t]++] = (uint32_t)i;
        nshared += is_shared(op_kind(&R, (uint32_t)i));
    }
    R.mem = xcalloc((size_t)R.nglobals + 1, sizeof(int64_t));
    for (int g = 0; g < R.nglobals; g++)
        R.mem[g] = L->prog->global_init[g];
    R.objs = xcalloc((size_t)R.nlocks + 1, sizeof(*R.objs));
    R.next_ticket = xcalloc((size_t)R.nlocks + 1, sizeof(*R.next_ticket));
    for (int l = 0; l < R.nlocks; l++)
        sync_init(&R.objs[l], L->prog->lock_kind[l], L->prog->lock_arg[l],
                  L->prog->lock_link[l]);
    R.order_task = xmalloc(nshared + 1);
    for (int t = 0; t < R.ntasks; t++)
        skip_local(&R, t);

    schedule_init(&sch);
    found = 0;
    if (!check_complete(&R, &rp->why) || !replayable(L->prog, tr, &rp->why)) {
        /* said why */
    } else if (nshared > REPLAY_MAX_SHARED) {
        sb_printf(&rp->why, "the run has %zu reads, writes and lock operations: "
                  "too many to reconstruct (at most %d)", nshared,
                  REPLAY_MAX_SHARED);
    } else if ((found = search(&R, nshared)) <= 0) {
        if (found < 0)
            sb_printf(&rp->why, "no order of the reads and writes was found "
                      "after %lld steps of search%s", (long long)R.nodes - 1,
                      R.nodes <= REPLAY_MAX_NODES ? ", within the time limit "
                      "(--timeout)" : "");
        else
            sb_puts(&rp->why, "no order of the reads and writes explains the "
                    "values they saw: the interleaving cannot be "
                    "reconstructed");
        found = 0;
    }
    rp->searched = R.nodes;
    if (found) {
        /* Step 2: the simulator, one CPU, turns chosen tick by tick. */
        struct schedule none;

        schedule_init(&none);
        c.schedule = NULL;
        s = sim_new(L, scene, &c, &none, 1);
        if (drive(&R, s, &sch, &rp->why)) {
            for (int t = 0; t < R.ntasks; t++)
                labels[t] = tr->labels[t];
            schedule_format(&sch, labels, &rp->schedule);
            rp->steps = schedule_length(&sch);
            rp->ok = rerun(L, scene, cfg, rp->schedule.s ? rp->schedule.s : "",
                           tr, rp);
        }
        sim_free(s);
        schedule_done(&none);
    }
    schedule_done(&sch);
    for (int t = 0; t < R.ntasks; t++)
        free(R.idx[t]);
    free(R.mem);
    free(R.objs);
    free(R.next_ticket);
    free(R.order_task);
    free(R.seen);
    return rp->ok;
}
