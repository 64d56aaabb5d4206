/* sim.c - the simulator core: ticks, CPUs, queues, timers, sync objects, trace.
 *
 * The per-mode policy lives in sched_*.c; this file is the mechanism they
 * share.  A tick: the mode (or the scripted schedule) dispatches tasks to
 * CPUs, each CPU runs one op of its task in index order, time advances and
 * timers that are due fire.  When no CPU has work, time jumps to the next
 * timer; with no timer left the run has ended, or deadlocked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "membudget.h"
#include "sim_impl.h"

/* Save the whole state at least this often while recording. */
enum { CK_TICKS = 1024, CK_STEPS = 4096 };

/* ---- recording ------------------------------------------------------------ */

static struct trace_event *event(struct sim *s, int64_t t, int kind, int task)
{
    return s->recording ? trace_event(s->tr, t, kind, task) : NULL;
}

void sim_set_state(struct sim *s, int t, int state, int64_t at, int why)
{
    struct sim_task *T = &s->tasks[t];

    T->state = (uint8_t)state;
    if (why)
        T->why = (uint8_t)why;
    /* A running task, or one that blocks while keeping its CPU (a stalled
     * event loop), is drawn on its CPU's lane. */
    if (s->recording)
        trace_state(s->tr, t, at, state,
                    state == TS_RUNNING || state == TS_BLOCKED ? T->cpu : -1,
                    why, state == TS_BLOCKED ? T->wait_kind : 0,
                    state == TS_LOCK_WAIT ? T->lock : -1);
}

uint64_t sim_random(struct sim *s)
{
    /* splitmix64: small, fast, and the same everywhere. */
    uint64_t z = (s->rng += 0x9E3779B97F4A7C15ull);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* ---- the ready queue: queued tasks ordered by seq ------------------------- */

static int queued(const struct sim_task *T)
{
    return T->state == TS_READY || T->state == TS_GIL_WAIT;
}

void sim_enqueue(struct sim *s, int t, int state, int64_t at, int why)
{
    struct sim_task *T = &s->tasks[t];

    T->seq = ++s->seqno;
    if (!queued(T))
        s->nready++;
    sim_set_state(s, t, state, at, why);
}

int sim_peek_ready(const struct sim *s)
{
    int best = -1;

    if (s->nready == 0)
        return -1;
    for (int t = 0; t < s->ntasks; t++)
        if (queued(&s->tasks[t]) &&
            (best < 0 || s->tasks[t].seq < s->tasks[best].seq))
            best = t;
    return best;
}

void sim_unqueue(struct sim *s, int t)
{
    if (queued(&s->tasks[t]))
        s->nready--;
}

int sim_pop_ready(struct sim *s)
{
    int t = sim_peek_ready(s);

    if (t >= 0)
        sim_unqueue(s, t);
    return t;
}

/* ---- CPUs ------------------------------------------------------------------- */

void sim_run_on(struct sim *s, int t, int cpu, int64_t at)
{
    struct sim_task *T = &s->tasks[t];

    s->cpus[cpu] = t;
    T->cpu = (int8_t)cpu;
    T->slice = 0;
    sim_set_state(s, t, TS_RUNNING, at, 0);
    if (s->pending_switch[cpu] >= 0) {
        /* The log's "; B runs" names the task that took the CPU right
         * after the switch (in its tick or the next).  A CPU that idled
         * first (another task wakes later, or the one that blocked comes
         * back after its wait) had no next task then: the switch names
         * none, and a task that blocked is never named as its own
         * successor. */
        struct trace_event *ev = s->recording ?
            &s->tr->events[s->pending_switch[cpu]] : NULL;
        if (ev && at <= ev->t + 1 &&
            (t != ev->task || switch_kind_of[ev->reason] != SWK_BLOCK))
            ev->other = (int16_t)t;
        s->pending_switch[cpu] = -1;
    }
    if (s->ops->took_cpu)
        s->ops->took_cpu(s, t);
}

static void take_off(struct sim *s, int cpu)
{
    int t = s->cpus[cpu];

    s->cpus[cpu] = -1;
    s->tasks[t].cpu = -1;
    s->ops->left_cpu(s, t);
}

void sim_switch_away(struct sim *s, int cpu, int reason, int64_t arg,
                     int arg2, int other)
{
    int t = s->cpus[cpu];
    struct trace_event *ev = event(s, s->now, EV_SWITCH, t);

    s->tasks[t].why = (uint8_t)reason;
    if (ev) {
        ev->reason = (uint8_t)reason;
        ev->arg = arg > INT32_MAX ? INT32_MAX : (int32_t)arg;
        ev->arg2 = (int16_t)arg2;
        ev->other = (int16_t)other;
        s->tr->switches[switch_kind_of[reason]]++;
        if (other < 0)
            s->pending_switch[cpu] = (int)(ev - s->tr->events);
    }
    take_off(s, cpu);
}

void sim_preempt(struct sim *s, int cpu, int reason, int64_t arg)
{
    int t = s->cpus[cpu];

    sim_switch_away(s, cpu, reason, arg, -1, -1);
    s->tasks[t].tie = -1;
    s->ops->runnable(s, t, s->now, reason);
}

void sim_fill_cpus(struct sim *s)
{
    for (int cpu = 0; cpu < s->ncpus && s->nready > 0; cpu++)
        if (s->cpus[cpu] < 0)
            sim_run_on(s, sim_pop_ready(s), cpu, s->now);
}

/* ---- timers ------------------------------------------------------------------ */

static int has_timer(const struct sim_task *T)
{
    return (T->state == TS_BLOCKED || T->state == TS_STARTING ||
            T->state == TS_LOCK_WAIT) && T->wake >= 0;
}

static void update_next_wake(struct sim *s)
{
    s->next_wake = INT64_MAX;
    for (int t = 0; t < s->ntasks; t++)
        if (has_timer(&s->tasks[t]) && s->tasks[t].wake < s->next_wake)
            s->next_wake = s->tasks[t].wake;
}

void sim_start_timer(struct sim *s, int t, int state, int64_t at,
                     int64_t until, int kind)
{
    struct sim_task *T = &s->tasks[t];

    if (until > SIM_MAX_TICKS + 1)
        until = SIM_MAX_TICKS + 1;
    T->wake = until;
    T->seq = ++s->seqno;
    T->wait_kind = (uint8_t)kind;
    sim_set_state(s, t, state, at, 0);
    if (until < s->next_wake)
        s->next_wake = until;
}

void sim_start_task(struct sim *s, int t, int64_t at)
{
    event(s, at, EV_START, t);
    s->tasks[t].tie = -1;
    s->ops->runnable(s, t, at, 0);
}

static void sync_timed_out(struct sim *s, int t);
static void worker_started(struct sim *s, int u, int64_t at);

/* Wake every task whose timer is due, earliest first, ties in the order
 * the timers were set. */
static void fire_timers(struct sim *s)
{
    while (s->next_wake <= s->now) {
        int best = -1;

        for (int t = 0; t < s->ntasks; t++) {
            const struct sim_task *T = &s->tasks[t];

            if (has_timer(T) && T->wake <= s->now &&
                (best < 0 || T->wake < s->tasks[best].wake ||
                 (T->wake == s->tasks[best].wake && T->seq < s->tasks[best].seq)))
                best = t;
        }
        if (best < 0) {
            update_next_wake(s);
            break;
        }
        s->tasks[best].wake = -1;
        if (s->tasks[best].state == TS_LOCK_WAIT) {
            sync_timed_out(s, best);
        } else if (s->tasks[best].state == TS_STARTING &&
                   s->tasks[best].pool >= 0) {
            worker_started(s, best, s->now);
        } else if (s->tasks[best].state == TS_STARTING) {
            sim_start_task(s, best, s->now);
        } else {
            event(s, s->now, EV_WAKE, best);
            s->tasks[best].tie = s->now;
            s->ops->runnable(s, best, s->now, 0);
        }
    }
}

void sim_wait_off_cpu(struct sim *s, int t, int cpu, int kind, int64_t n)
{
    int reason = kind == VM_SLEEP || kind == VM_AWAIT_SLEEP ? SW_SLEEP : SW_IO;

    sim_switch_away(s, cpu, reason, n, -1, -1);
    sim_start_timer(s, t, TS_BLOCKED, s->now + 1, sat_add(s->now + 1, n), kind);
}

/* ---- synchronization objects (sync.h) ------------------------------------------ */

/* Sync object obj as a task of space sees it: multiprocessing's objects
 * are one copy, space 0's, shared by every process. */
static struct sync_obj *sync_of(const struct sim *s, int space, int obj)
{
    if (sync_kind_shared(s->prog->lock_kind[obj]))
        space = 0;
    return &s->sync[space * s->nlocks + obj];
}

/* The objects of space, for a request on obj (sync_request indexes them). */
static struct sync_obj *objs_for(const struct sim *s, int space, int obj)
{
    return sync_of(s, space, obj) - obj;
}

/* A Value's number shows in its module variable, in every process's copy
 * of memory: the one value every process sees. */
static void show_value(struct sim *s, int obj)
{
    int64_t v;
    int g = sync_value(sync_of(s, 0, obj), &v);

    for (int sp = 0; g >= 0 && sp < s->nspaces; sp++)
        atomic_store_explicit(&s->mem[sp * s->nglobals + g], v,
                              memory_order_relaxed);
}

/* The queue t waits in, in obj, recorded so that reports can say what
 * it waits for. */
static int wait_queue(const struct sim *s, int t, int obj)
{
    return sync_wait_queue(sync_of(s, s->tasks[t].space, obj), t);
}

/* Tasks a request lets go on: each has what it waited for at once. */
static void wake_tasks(struct sim *s, int t, int obj,
                       const struct sync_wake *wake, int method)
{
    struct trace_event *ev;

    if (wake->err != ERR_NONE) {
        /* a broken barrier: its waiters' calls raise */
        for (int i = 0; i < wake->n; i++) {
            struct sim_task *W = &s->tasks[wake->tasks[i]];

            W->lock = -1;
            W->wake = -1;
            W->tie = -1;
            sim_fail_task(s, wake->tasks[i], wake->err, obj);
        }
        return;
    }
    for (int i = 0; i < wake->nmoved; i++)
        s->tasks[wake->moved[i]].lock = (int16_t)wake->moved_to;
    for (int i = 0; i < wake->n; i++) {
        int w = wake->tasks[i];
        struct sim_task *W = &s->tasks[w];
        int held = W->lock >= 0 ? W->lock : obj;

        if (method == SYNC_RELEASE && sync_is_lock(s->prog->lock_kind[held])) {
            if ((ev = event(s, s->now, EV_ACQUIRE, w)) != NULL)
                ev->arg2 = (int16_t)held;
        } else if ((ev = event(s, s->now, EV_WAKE, w)) != NULL) {
            ev->arg2 = (int16_t)held;
            ev->other = (int16_t)t;
        }
        vm_set_result(&W->vm, wake->values[i]);
        W->lock = -1;
        W->wake = -1;
        W->tie = -1;
        s->ops->runnable(s, w, s->now + 1, 0);
    }
}

/* t asks sync object obj (in its memory space) for what eff says.
 * Returns the error the task fails with, or ERR_NONE (also when it has
 * failed here already: a barrier it broke, whose waiters fail after it). */
static int sync_op(struct sim *s, int t, int cpu, const struct vm_effect *eff)
{
    struct sim_task *T = &s->tasks[t];
    int obj = eff->index;
    struct sync_call call = {eff->method, eff->value, eff->block,
                             eff->timeout};
    struct sync_wake wake;
    struct sync_reply r;
    struct trace_event *ev;
    enum sync_result res;

    wake.n = wake.nmoved = 0;
    res = sync_request(objs_for(s, T->space, obj), obj, t, &call, &wake, &r);
    show_value(s, obj);
    switch (res) {
    case SYNC_ERROR:
        if (wake.n == 0)
            return r.err;
        sim_fail_task(s, t, r.err, obj);
        wake_tasks(s, t, obj, &wake, call.method);
        return ERR_NONE;
    case SYNC_BLOCKED: {
        int in = r.waits_in;
        int holder = sync_holder(sync_of(s, T->space, in));
        int q = wait_queue(s, t, in);

        /* A condition's wait also lets go of its lock. */
        wake_tasks(s, t, in, &wake, SYNC_RELEASE);
        T->lock = (int16_t)in;
        if ((ev = event(s, s->now, EV_LOCK_WAIT, t)) != NULL) {
            ev->arg2 = (int16_t)in;
            ev->other = (int16_t)holder;
            ev->arg = q;
        }
        sim_switch_away(s, cpu, SW_LOCK,
                        sync_wait_arg(sync_of(s, T->space, in), t), in, -1);
        T->seq = ++s->seqno;
        T->wake = -1;
        sim_set_state(s, t, TS_LOCK_WAIT, s->now + 1, SW_LOCK);
        if (call.timeout > 0) {
            /* a timed wait: the timer gives up on it (sync_timeout) */
            T->wake = sat_add(s->now + 1, call.timeout);
            if (T->wake > SIM_MAX_TICKS + 1)
                T->wake = SIM_MAX_TICKS + 1;
            if (T->wake < s->next_wake)
                s->next_wake = T->wake;
        }
        return ERR_NONE;
    }
    case SYNC_GRANTED:
        break;
    }
    vm_set_result(&T->vm, r.value);
    if (call.method == SYNC_ACQUIRE && r.value == 1 &&
        (ev = event(s, s->now, EV_ACQUIRE, t)) != NULL)
        ev->arg2 = (int16_t)r.waits_in;
    if (call.method == SYNC_RELEASE &&
        (ev = event(s, s->now, EV_RELEASE, t)) != NULL) {
        ev->arg2 = (int16_t)r.waits_in;
        ev->other = (int16_t)(wake.n ? wake.tasks[0] : -1);
    }
    wake_tasks(s, t, obj, &wake, call.method);
    return ERR_NONE;
}

/* A timed wait in a sync object ran out (fire_timers). */
static void sync_timed_out(struct sim *s, int t)
{
    struct sim_task *T = &s->tasks[t];
    struct sync_reply r;
    struct sync_wake wake;
    struct trace_event *ev;

    wake.n = wake.nmoved = 0;
    switch (sync_timeout(objs_for(s, T->space, T->lock), T->lock, t, &wake,
                         &r)) {
    case SYNC_ERROR: {
        int obj = T->lock;

        T->lock = -1;
        sim_fail_task(s, t, r.err, obj);
        /* a barrier's: it broke, and the others waiting raise too */
        wake_tasks(s, t, obj, &wake, SYNC_WAIT);
        return;
    }
    case SYNC_BLOCKED:
        /* a condition's wait: it now waits for the lock, without a timer */
        if ((ev = event(s, s->now, EV_WAKE, t)) != NULL)
            ev->arg2 = T->lock;
        if ((ev = event(s, s->now, EV_LOCK_WAIT, t)) != NULL) {
            ev->arg2 = (int16_t)r.waits_in;
            ev->other = (int16_t)sync_holder(sync_of(s, T->space, r.waits_in));
        }
        T->lock = (int16_t)r.waits_in;
        return;
    case SYNC_GRANTED:
        break;
    }
    if ((ev = event(s, s->now, EV_WAKE, t)) != NULL)
        ev->arg2 = T->lock;
    vm_set_result(&T->vm, r.value);
    T->lock = -1;
    T->tie = s->now;
    s->ops->runnable(s, t, s->now, 0);
}

/* ---- running one tick of one CPU ------------------------------------------------- */

/* How each task has ended, as vm_gather_check reads it. */
static void task_ends(const struct sim *s, struct vm_task_end *ends)
{
    for (int u = 0; u < s->ntasks; u++) {
        const struct sim_task *U = &s->tasks[u];

        ends[u].ended = U->state == TS_DONE ? 1 : U->state == TS_FAILED ? 2 : 0;
        ends[u].at = U->end;
        ends[u].value = U->result;
    }
}

/* Where t's await of a gather stands (vm_gather_check); *u the task it
 * names. */
static int gather_check(struct sim *s, int t, int *u)
{
    struct vm_task_end ends[LESSON_MAX_TASKS];

    task_ends(s, ends);
    return vm_gather_check(&s->tasks[t].vm, s->prog, ends, u);
}

static int live_worker(const struct sim *s, int pool);
static void pool_shutdown(struct sim *s, int pool);

/* Threads waiting in join() for t go on: it has ended.  A coroutine
 * awaiting a gather waits on for the next of its tasks not done. */
static void wake_joiners(struct sim *s, int t)
{
    for (int u = 0; u < s->ntasks; u++) {
        struct sim_task *U = &s->tasks[u];
        struct trace_event *ev;
        int gathered, next, k;

        if (U->state != TS_BLOCKED || U->wait_kind != VM_JOIN)
            continue;
        if (U->join != t && s->tasks[t].state != TS_FAILED)
            continue;
        gathered = vm_gather_list(&U->vm, s->prog, NULL) != NULL;
        /* (once: at VM_GATHER_DONE the list takes the values) */
        k = gathered ? gather_check(s, u, &next) : VM_GATHER_NONE;
        if (k == VM_GATHER_FAILED) {
            /* as CPython's gather: the first error goes to the await at
             * once */
            U->join = -1;
            sim_fail_task(s, u, ERR_TASK_FAILED, next);
            continue;
        }
        if (U->join != t)
            continue;
        if (!gathered && s->cfg.mode == MODE_ASYNCIO &&
            s->tasks[t].state == TS_FAILED) {
            /* await TASK raises the task's exception */
            U->join = -1;
            sim_fail_task(s, u, ERR_TASK_FAILED, t);
            continue;
        }
        if (U->shut >= 0) {
            /* shutdown(wait=True) waits for every worker */
            int w = live_worker(s, U->shut);

            if (w >= 0) {
                U->join = (int8_t)w;
                continue;
            }
            U->shut = -1;
            gathered = 2;
        }
        if (k == VM_GATHER_WAIT) {
            U->join = (int8_t)next;
            continue;
        }
        if ((ev = event(s, s->now + 1, EV_WAKE, u)) != NULL) {
            ev->arg2 = TRACE_JOIN_MARK;
            ev->other = (int16_t)t;
            ev->arg = gathered;     /* 1: the await of a gather, 2: a
                                     * pool's shutdown */
        }
        U->join = -1;
        U->tie = -1;
        if (s->cfg.mode == MODE_ASYNCIO &&   /* await TASK gives its value */
            !gathered)
            vm_set_result(&U->vm, s->tasks[t].result);
        s->ops->runnable(s, u, s->now + 1, 0);
    }
}

static void end_task(struct sim *s, int t, int cpu, int state)
{
    struct sim_task *T = &s->tasks[t];

    if (cpu >= 0)
        take_off(s, cpu);   /* (a timed wait that raised is off any CPU) */
    T->end = s->now + 1;
    T->busy = 0;
    T->busy_kind = BUSY_NONE;
    s->ndone++;
    sim_set_state(s, t, state, s->now + 1, 0);
    s->ops->exited(s, t, s->now + 1);
    wake_joiners(s, t);
}

/* t fails inside with blocks: the error leaves each through its
 * __exit__, innermost first, which releases what the block entered and
 * lets its waiters go on as any release does (in the trace, such a
 * release's arg is 1 + the object the block entered).  A release that
 * cannot be made (the block's lock was released inside it) is skipped:
 * the task fails anyway. */
static void leave_with_blocks(struct sim *s, int t)
{
    struct sim_task *T = &s->tasks[t];
    int objs[VM_MAX_FRAMES * 4];
    int n = vm_with_objects(&T->vm, s->prog, T->last_pc, objs,
                            (int)(sizeof(objs) / sizeof(objs[0])));

    for (int i = 0; i < n; i++) {
        struct sync_call call = {SYNC_RELEASE, 1, 1, -1};
        struct sync_wake wake;
        struct sync_reply r;
        struct trace_event *ev;

        wake.n = wake.nmoved = 0;
        if (sync_request(objs_for(s, T->space, objs[i]), objs[i], t, &call,
                         &wake, &r) != SYNC_GRANTED)
            continue;
        show_value(s, objs[i]);
        if ((ev = event(s, s->now, EV_RELEASE, t)) != NULL) {
            ev->arg2 = (int16_t)r.waits_in;
            ev->other = (int16_t)(wake.n ? wake.tasks[0] : -1);
            ev->arg = 1 + objs[i];
        }
        wake_tasks(s, t, objs[i], &wake, SYNC_RELEASE);
    }
}

int sim_task_leaves_with(struct sim *s, int t)
{
    struct sim_task *T = &s->tasks[t];
    int obj;

    if (T->busy > 0 || !T->vm.nframes ||
        vm_with_objects(&T->vm, s->prog, vm_pc(&T->vm), &obj, 1) == 0)
        return 0;
    return vm_next_fails(&T->vm, s->prog, &s->mem[T->space * s->nglobals]);
}

void sim_fail_task(struct sim *s, int t, int err, int64_t index)
{
    struct sim_task *T = &s->tasks[t];
    struct trace_event *ev = NULL;
    struct vm_effect eff;

    memset(&eff, 0, sizeof(eff));
    eff.pc = T->last_pc;
    eff.error = (uint8_t)err;
    eff.index = (int32_t)index;
    /* its exception, which an await of it raises again: a task that
     * fails in an await of a failed task raises that task's own */
    T->result = err == ERR_TASK_FAILED ? s->tasks[index].result :
                vm_exc_value(s->prog, &eff);
    if (s->recording) {
        struct strbuf sb;

        sb_init(&sb);
        if (err == ERR_TASK_FAILED) {
            vm_format_reraise(s->prog, T->result, index < s->scene->ntasks ?
                              s->scene->tasks[index].label : "?", &sb);
        } else {
            vm_format_error(s->prog, &eff, &sb);
        }
        ev = event(s, s->now, EV_ERROR, t);
        ev->arg = trace_message(s->tr, sb.s);
        ev->arg2 = (int16_t)err;
        sb_done(&sb);
    }
    leave_with_blocks(s, t);
    /* its pools are shut down on the way out of their with blocks */
    for (int k = 0; s->pools && k < s->pools->npools; k++)
        if (s->pools->pools[k].owner == t && !s->pools->pools[k].shutdown)
            pool_shutdown(s, k);
    end_task(s, t, T->cpu, TS_FAILED);
}

static void print_effect(struct sim *s, int t, const struct vm_effect *eff)
{
    struct strbuf sb;
    struct trace_event *ev;

    if (!s->recording)
        return;
    sb_init(&sb);
    vm_format_print(s->prog, eff, &sb);
    ev = event(s, s->now, EV_PRINT, t);
    ev->arg = trace_text(s->tr, sb.s ? sb.s : "");
    sb_done(&sb);
}

/* ---- threads started by code ------------------------------------------------------ */

int sim_is_spawn_call(const struct program *P, uint32_t pc)
{
    return P->code[pc].kind == CK_POOL_NEW ||
           (P->code[pc].op == OP_CALL_KW && P->code[pc].kind == CK_THREAD) ||
           (op_info[P->code[pc].op].flags & OPF_BREAKER &&     /* the calls */
            (P->code[pc].kind == CK_CREATE_TASK ||
             P->code[pc].kind == CK_GATHER));
}

static int thread_mode(const struct sim *s)
{
    return s->cfg.mode == MODE_THREADS || s->cfg.mode == MODE_GIL;
}

/* threading.Thread(...): the next spawn task gets the thread's function
 * and arguments; it stays TS_NEW until start().  Returns an error. */
static int spawn(struct sim *s, int t, const struct vm_effect *eff)
{
    const struct program *P = s->prog;
    int u = s->nrun + s->nspawned;
    struct sim_task *U;

    int task = eff->value == VM_TASK_MARK || eff->value == VM_GATHER_MARK;

    if (task && s->cfg.mode != MODE_ASYNCIO)
        return ERR_TASK_MODE;
    if (!task && !thread_mode(s))
        return ERR_THREAD_MODE;
    if (u >= s->ntasks)
        return ERR_SPAWN;
    U = &s->tasks[u];
    if (vm_init_spawned(&U->vm, P, eff))
        return ERR_BOXED;
    U->space = s->tasks[t].space;
    s->nspawned++;
    vm_set_result(&s->tasks[t].vm, VM_REF(REF_THREAD, (uint32_t)u));
    if (s->discover) {
        struct sim_spawn *sp = &s->spawns[s->nspawned - 1];

        if (task)   /* asyncio.run's own task is Task-1 */
            snprintf(sp->label, sizeof(sp->label), "Task-%u",
                     (unsigned)(uint8_t)(s->nrun + s->nspawned));
        else if (eff->value >= 0)
            snprintf(sp->label, sizeof(sp->label), "%s",
                     P->consts[eff->value].str);
        else
            snprintf(sp->label, sizeof(sp->label), "Thread-%u",
                     (unsigned)(uint8_t)++s->nnamed);
        sp->func = eff->index;
        sp->pc = eff->pc;
        sp->task = t;
        sp->pooled = 0;
    }
    if (task) {
        /* scheduled at once: it runs when the loop gets to it */
        s->nunstarted--;
        sim_start_task(s, u, s->now + 1);
    }
    return ERR_NONE;
}

/* t leaves its CPU to wait until task u has ended (a join, an await of a
 * task or of a gather, whose arg2 is how many of its tasks are not done). */
static void block_on_join(struct sim *s, int t, int cpu, int u, int arg2)
{
    struct sim_task *T = &s->tasks[t];

    sim_switch_away(s, cpu, SW_JOIN, u, arg2, -1);
    T->join = (int8_t)u;
    T->wake = -1;
    T->wait_kind = VM_JOIN;
    T->seq = ++s->seqno;
    sim_set_state(s, t, TS_BLOCKED, s->now + 1, SW_JOIN);
}

struct gather_ctx {
    struct sim *s;
    int t;          /* the task that calls asyncio.gather() */
};

/* A task of asyncio.gather(), for vm_gather_start: the next spawn
 * task, or -1 - the error. */
static int gather_spawn(void *ctx, const struct vm_effect *e)
{
    struct gather_ctx *g = ctx;
    int err = spawn(g->s, g->t, e);

    return err != ERR_NONE ? -1 - err : g->s->nrun + g->s->nspawned - 1;
}

/* asyncio.gather(): each coroutine given becomes a task, scheduled in
 * the order given; the list of its tasks is what the call returns, and
 * what its await waits for. */
static int gather(struct sim *s, int t, const struct vm_effect *eff)
{
    struct gather_ctx g = {s, t};
    int err = vm_gather_start(&s->tasks[t].vm, s->prog, eff, gather_spawn,
                              &g);
    const struct vm_frame *fr = vm_frame(&s->tasks[t].vm);
    const int64_t *list = &s->tasks[t].vm.slots[fr->base +
                                                (uint32_t)eff->index];

    if (err != ERR_NONE)
        return err;
    /* 2: an exception becomes a value of the list */
    for (int64_t i = 0; i < list[0]; i++)
        s->tasks[vm_ref_index(list[1 + i])].retrieved =
            (uint8_t)(1 + eff->method);
    return ERR_NONE;
}

/* await asyncio.gather(): t waits until every task in it is done; the
 * await then gives the list of their values. */
static int gather_wait(struct sim *s, int t, int cpu)
{
    int u, left = 0;
    const int64_t *list = vm_gather_list(&s->tasks[t].vm, s->prog, NULL);

    switch (gather_check(s, t, &u)) {
    case VM_GATHER_FAILED:
        sim_fail_task(s, t, ERR_TASK_FAILED, u);
        return ERR_NONE;
    case VM_GATHER_WAIT:
        break;
    default:
        return ERR_NONE;
    }
    for (int64_t i = 0; i < list[0]; i++) {
        const struct sim_task *U = &s->tasks[vm_ref_index(list[1 + i])];

        left += U->state != TS_DONE && U->state != TS_FAILED;
    }
    /* arg2: how many of the gather's tasks are not done yet */
    block_on_join(s, t, cpu, u, left);
    return ERR_NONE;
}

/* HANDLE.start(): the thread can run from the next tick. */
static int start_thread(struct sim *s, int u)
{
    if (s->tasks[u].state != TS_NEW || u < s->nrun)
        return ERR_START_TWICE;
    s->nunstarted--;
    sim_start_task(s, u, s->now + 1);
    return ERR_NONE;
}

/* HANDLE.join(): t waits (off its CPU) until u has ended. */
static int join_thread(struct sim *s, int t, int cpu, int u)
{
    struct sim_task *T = &s->tasks[t];

    if (u == t)
        return ERR_JOIN_SELF;
    if (s->tasks[u].state == TS_NEW)
        return ERR_JOIN_UNSTARTED;
    if (s->cfg.mode == MODE_ASYNCIO)
        s->tasks[u].retrieved = 1;
    if (s->tasks[u].state == TS_FAILED && s->cfg.mode == MODE_ASYNCIO)
        return ERR_TASK_FAILED;     /* await TASK raises its exception */
    if (s->tasks[u].state == TS_DONE || s->tasks[u].state == TS_FAILED) {
        if (s->cfg.mode == MODE_ASYNCIO)
            vm_set_result(&T->vm, s->tasks[u].result);
        return ERR_NONE;
    }
    block_on_join(s, t, cpu, u, -1);
    return ERR_NONE;
}

/* ---- concurrent.futures' pools (tpool.h) ------------------------------- */

/* The lane labels of pool k's workers.  A thread pool's are
 * ThreadPoolExecutor-k_i.  A process pool's are multiprocessing's names
 * of the owner's children: the owner is the main program's process I
 * (its run line), whose children are ForkProcess-I:1, ForkProcess-I:2...
 * in the order forked, after the workers of its pools forked before
 * (set when the pool is made, and again when it forks). */
static void pool_labels(struct sim *s, int k)
{
    const struct tpool *pl = &s->pools->pools[k];
    int first = 1;

    for (int j = 0; pl->process && j < s->pools->npools; j++) {
        const struct tpool *o = &s->pools->pools[j];

        if (j != k && o->process && o->owner == pl->owner)
            first += o->nthreads;
    }
    for (int i = 0; i < pl->max; i++) {
        struct sim_spawn *sp = &s->spawns[pl->base - s->nrun + i];

        if (pl->process)
            snprintf(sp->label, sizeof(sp->label), "ForkProcess-%u:%u",
                     (unsigned)(uint8_t)(pl->owner + 1),
                     (unsigned)(uint8_t)(first + i));
        else
            snprintf(sp->label, sizeof(sp->label), "ThreadPoolExecutor-%u_%u",
                     (unsigned)k % 10u, (unsigned)i % 100u);
    }
}

/* ThreadPoolExecutor(max_workers=N) (or ProcessPoolExecutor):
 * max_workers lanes are the pool's from now on, named as CPython names
 * its workers; none runs until submit(). */
static int pool_new(struct sim *s, int t, const struct vm_effect *eff)
{
    int k, base = s->nrun + s->nspawned;

    if (eff->block ? s->cfg.mode != MODE_PROCESSES : !thread_mode(s))
        return eff->block ? ERR_PROCPOOL_MODE : ERR_POOL_MODE;
    if (eff->block && s->tasks[t].pool >= 0)
        return ERR_POOL_NESTED;
    if (eff->value <= 0)
        return ERR_MAX_WORKERS;
    if (tpool_room(s->pools, eff->value) != ERR_NONE)
        return ERR_POOL_CAP;
    if (base + eff->value > s->ntasks)
        return s->discover ? ERR_POOL_CAP : ERR_SPAWN;
    k = tpool_new(s->pools, t, base, (int)eff->value, eff->block != 0);
    for (int i = 0; i < eff->value; i++) {
        s->tasks[base + i].pool = (int8_t)k;
        if (s->discover) {
            struct sim_spawn *sp = &s->spawns[s->nspawned + i];

            sp->func = -1;  /* its first job's (take_job) */
            sp->pooled = 1;
            sp->pc = eff->pc;
            sp->task = t;
        }
    }
    if (s->discover)
        pool_labels(s, k);
    s->nspawned += (int)eff->value;
    vm_set_result(&s->tasks[t].vm, VM_OBJ(OBJ_POOL, k));
    return ERR_NONE;
}

/* Worker u takes the next job of its pool's queue: a fresh frame of the
 * job's function. */
static int take_job(struct sim *s, int u)
{
    struct sim_task *U = &s->tasks[u];
    struct vm_effect e;

    U->job = (int8_t)tpool_take(s->pools, U->pool, u, &e);
    if (s->discover) {
        struct sim_spawn *sp = &s->spawns[u - s->nrun];

        if (sp->func < 0)
            sp->func = e.index;
    }
    return vm_init_spawned(&U->vm, s->prog, &e) ? ERR_BOXED : ERR_NONE;
}

/* Give the queue's jobs to the pool's idle workers, the one idle longest
 * first (each waits in the SimpleQueue's get()). */
static void hand_out(struct sim *s, int pool)
{
    struct tpool *pl = &s->pools->pools[pool];

    while (pl->qlen > 0) {
        int u = -1;
        struct trace_event *ev;

        for (int i = 0; i < pl->nthreads; i++) {
            const struct sim_task *W = &s->tasks[pl->base + i];

            if (W->state == TS_BLOCKED && W->wait_kind == VM_POOL &&
                W->join < 0 && (u < 0 || W->seq < s->tasks[u].seq))
                u = pl->base + i;
        }
        if (u < 0)
            return;
        if ((ev = event(s, s->now + 1, EV_WAKE, u)) != NULL) {
            ev->arg2 = TRACE_WORK_MARK;
            ev->arg = pl->queue[0];
        }
        if (pl->process)    /* (a thread pool's submit counts its idle) */
            pl->idle--;
        take_job(s, u);
        s->ops->runnable(s, u, s->now + 1, 0);
    }
}

/* A process pool's worker u has started: it takes the queue's next
 * job, ends if the pool is shut down and the queue empty, or else waits
 * in the queue, idle. */
static void worker_started(struct sim *s, int u, int64_t at)
{
    struct sim_task *U = &s->tasks[u];
    struct tpool *pl = &s->pools->pools[U->pool];
    int err;

    if (pl->qlen > 0) {
        struct trace_event *ev;

        sim_start_task(s, u, at);
        if ((ev = event(s, at, EV_WAKE, u)) != NULL) {
            ev->arg2 = TRACE_WORK_MARK;
            ev->arg = pl->queue[0];
        }
        err = take_job(s, u);
        if (err != ERR_NONE)
            sim_fail_task(s, u, err, 0);
        return;
    }
    event(s, at, EV_START, u);
    if (pl->shutdown) {
        event(s, at, EV_EXIT, u);
        end_task(s, u, -1, TS_DONE);
        return;
    }
    pl->idle++;
    U->join = -1;
    U->wake = -1;
    U->tie = -1;
    U->wait_kind = VM_POOL;
    U->seq = ++s->seqno;
    sim_set_state(s, u, TS_BLOCKED, at, SW_WORK);
}

/* A process pool's first submit() forks its workers, one after another
 * (CPython 3.13's _launch_processes with fork): each is a copy of the
 * owner's memory, its module variables and the threading objects in it
 * (multiprocessing's objects stay the one shared copy, space 0's), and is
 * ready spawn-cost ticks after the one before, as the run lines'
 * processes are. */
static void fork_workers(struct sim *s, int pool)
{
    struct tpool *pl = &s->pools->pools[pool];
    int from = s->tasks[pl->owner].space;

    if (s->discover)
        pool_labels(s, pool);
    pl->nthreads = pl->max;
    for (int i = 0; i < pl->max; i++) {
        int u = pl->base + i, to = s->tasks[u].space;
        int64_t ready = s->now + 1 + (int64_t)(i + 1) * s->cfg.spawn_cost;

        for (int g = 0; g < s->nglobals; g++)
            atomic_store_explicit(&s->mem[to * s->nglobals + g],
                                  atomic_load_explicit(
                                      &s->mem[from * s->nglobals + g],
                                      memory_order_relaxed),
                                  memory_order_relaxed);
        for (int o = 0; o < s->nlocks; o++)
            if (!sync_kind_shared(s->prog->lock_kind[o]))
                *sync_of(s, to, o) = *sync_of(s, from, o);
        s->nunstarted--;
        if (s->cfg.spawn_cost == 0)
            worker_started(s, u, ready);
        else
            sim_start_timer(s, u, TS_STARTING, s->now + 1, ready, 0);
    }
}

/* submit(F, args) and each item of map(F, xs): a job at the end of the
 * queue, and a new worker started if a thread pool says so (tpool_submit);
 * a process pool forks all its workers at its first job instead; then the
 * idle workers take what is queued. */
static int submit(struct sim *s, int pool, int fn, const int64_t *args,
                  int nargs, int raw, int *job)
{
    int u, err = tpool_submit(s->pools, s->prog, pool, fn, args, nargs, raw,
                              job, &u);

    if (err == ERR_NONE && s->pools->pools[pool].process &&
        s->pools->pools[pool].nthreads == 0)
        fork_workers(s, pool);

    if (err != ERR_NONE)
        return err;
    if (u >= 0) {
        s->nunstarted--;
        err = take_job(s, u);
        sim_start_task(s, u, s->now + 1);
    }
    hand_out(s, pool);
    return err;
}

/* The tasks waiting in result() for job j go on: it is done (or failed,
 * and its error is raised in each of them, as Future.result() does). */
static void job_done(struct sim *s, int j)
{
    const struct tpool_job *jb = &s->pools->jobs[j];

    for (int u = 0; u < s->ntasks; u++) {
        struct sim_task *U = &s->tasks[u];
        struct trace_event *ev;

        if (U->state != TS_BLOCKED || U->wait_kind != VM_POOL ||
            U->join != j)
            continue;
        U->join = -1;
        if (jb->state == JOB_FAILED) {
            sim_fail_task(s, u, jb->err, jb->result);
            continue;
        }
        if ((ev = event(s, s->now + 1, EV_WAKE, u)) != NULL) {
            ev->arg2 = TRACE_RESULT_MARK;
            ev->arg = j;
            ev->other = jb->worker;
        }
        vm_set_result(&U->vm, jb->result);
        s->ops->runnable(s, u, s->now + 1, 0);
    }
}

/* Worker u has finished its job: the next job if there is one, the end
 * once the pool is shut down, else it is idle (it releases the idle
 * semaphore) and waits in the queue's get(). */
static void next_job(struct sim *s, int u, int cpu)
{
    struct sim_task *U = &s->tasks[u];
    struct tpool *pl = &s->pools->pools[U->pool];

    U->job = -1;
    if (pl->qlen > 0) {
        int err = take_job(s, u);

        if (err != ERR_NONE)
            sim_fail_task(s, u, err, 0);
        return;
    }
    if (pl->shutdown) {
        event(s, s->now + 1, EV_EXIT, u);
        end_task(s, u, cpu, TS_DONE);
        return;
    }
    pl->idle++;
    sim_switch_away(s, cpu, SW_WORK, U->pool, -1, -1);
    U->join = -1;
    U->wake = -1;
    U->wait_kind = VM_POOL;
    U->seq = ++s->seqno;
    sim_set_state(s, u, TS_BLOCKED, s->now + 1, SW_WORK);
}

/* A worker's job returned value v, or failed with err (index): the value
 * or the error goes to its future. */
static void worker_job_ends(struct sim *s, int u, int cpu, int err,
                            int64_t v)
{
    struct sim_task *U = &s->tasks[u];

    tpool_job_ends(s->pools, U->job, err, v);
    if (err != ERR_NONE)    /* the error leaves the job's with blocks */
        leave_with_blocks(s, u);
    if (s->recording && err != ERR_NONE) {
        struct vm_effect eff;
        struct strbuf sb;
        struct trace_event *ev;

        memset(&eff, 0, sizeof(eff));
        eff.pc = U->last_pc;
        eff.error = (uint8_t)err;
        eff.index = (int32_t)v;
        sb_init(&sb);
        vm_format_error(s->prog, &eff, &sb);
        ev = event(s, s->now, EV_PRINT, u);
        ev->arg = trace_message(s->tr, sb.s);
        ev->arg2 = TRACE_WORK_MARK;     /* not printed: kept */
        sb_done(&sb);
    }
    job_done(s, U->job);
    next_job(s, u, cpu);
}

/* Task t's op raised err (index: its vm_effect.index): a pool's worker
 * keeps it in its job's future, as CPython's worker does with any
 * exception, and goes on with the next job; any other task fails. */
static void raised(struct sim *s, int t, int cpu, int err, int64_t index)
{
    if (s->tasks[t].job >= 0)
        worker_job_ends(s, t, cpu, err, index);
    else
        sim_fail_task(s, t, err, index);
}

/* The first of pool's started workers that has not ended, or -1. */
static int live_worker(const struct sim *s, int pool)
{
    const struct tpool *pl = &s->pools->pools[pool];

    for (int i = 0; i < pl->nthreads; i++) {
        int st = s->tasks[pl->base + i].state;

        if (st != TS_DONE && st != TS_FAILED)
            return pl->base + i;
    }
    return -1;
}

/* shutdown(): no more jobs; the idle workers end (each gets the None
 * that tells it so), the others once the queue is empty. */
static void pool_shutdown(struct sim *s, int pool)
{
    struct tpool *pl = &s->pools->pools[pool];

    pl->shutdown = 1;
    for (int i = 0; i < pl->nthreads; i++) {
        int u = pl->base + i;
        const struct sim_task *W = &s->tasks[u];

        if (W->state == TS_BLOCKED && W->wait_kind == VM_POOL && W->join < 0) {
            event(s, s->now + 1, EV_EXIT, u);
            end_task(s, u, -1, TS_DONE);
        }
    }
}

/* The with block's exit: shutdown(wait=True) waits until every worker has
 * ended. */
static int pool_exit(struct sim *s, int t, int cpu, int pool)
{
    int u;

    pool_shutdown(s, pool);
    if ((u = live_worker(s, pool)) < 0)
        return ERR_NONE;
    block_on_join(s, t, cpu, u, TRACE_WORK_MARK);
    s->tasks[t].shut = (int8_t)pool;
    return ERR_NONE;
}

/* result(): the job's value at once if it is done, else t waits. */
static int pool_result(struct sim *s, int t, int cpu, int j)
{
    struct sim_task *T = &s->tasks[t];
    const struct tpool_job *jb = &s->pools->jobs[j];

    if (jb->state == JOB_DONE) {
        vm_set_result(&T->vm, jb->result);
        return ERR_NONE;
    }
    if (jb->state == JOB_FAILED) {
        sim_fail_task(s, t, jb->err, jb->result);
        return ERR_NONE;
    }
    sim_switch_away(s, cpu, SW_RESULT, j, -1, -1);
    T->join = (int8_t)j;
    T->wake = -1;
    T->wait_kind = VM_POOL;
    T->seq = ++s->seqno;
    sim_set_state(s, t, TS_BLOCKED, s->now + 1, SW_RESULT);
    return ERR_NONE;
}

static int pool_op(struct sim *s, int t, int cpu, const struct vm_effect *eff)
{
    int j = -1, err = ERR_NONE;

    if (eff->method != POOL_NEW &&
        eff->index >= (eff->method == POOL_RESULT ? s->pools->njobs :
                       s->pools->npools))
        return ERR_TYPE;    /* (the compiler lets no other value here) */
    switch ((enum vm_pool_op)eff->method) {
    case POOL_NEW:
        return pool_new(s, t, eff);
    case POOL_SUBMIT:
        err = submit(s, eff->index, (int)eff->value, eff->vals, eff->nvals,
                     0, &j);
        if (j >= 0)
            vm_set_result(&s->tasks[t].vm, VM_OBJ(OBJ_FUTURE, j));
        return err;
    case POOL_MAP: {
        /* every item is submitted first, as Executor.map does */
        int first = s->pools->njobs;

        for (int i = 0; i < eff->nvals && err == ERR_NONE; i++)
            err = submit(s, eff->index, (int)eff->value, &eff->vals[i], 1,
                         eff->block, &j);
        vm_set_result(&s->tasks[t].vm, VM_OBJ(OBJ_MAP, (uint32_t)first |
                                                (uint32_t)eff->nvals << 16));
        return err;
    }
    case POOL_RESULT:
        return pool_result(s, t, cpu, eff->index);
    case POOL_SHUTDOWN:
        return pool_exit(s, t, cpu, eff->index);
    }
    return ERR_NONE;
}

static void exec(struct sim *s, int cpu)
{
    int t = s->cpus[cpu];
    struct sim_task *T = &s->tasks[t];
    struct vm_effect eff;

    T->slice++;
    if (T->busy > 0) {
        if (T->busy_kind == BUSY_COMPUTE)
            T->checkpoint = 1;  /* CPU work is Python code with loops */
        if (--T->busy == 0) {
            if (T->busy_kind == BUSY_STALL)
                sim_set_state(s, t, TS_RUNNING, s->now + 1, 0);
            T->busy_kind = BUSY_NONE;
        }
        return;
    }
    vm_step(&T->vm, s->prog, &s->mem[T->space * s->nglobals], &eff);
    s->steps++;
    s->last_task = t;
    T->last_pc = eff.pc;
    T->checkpoint = s->cfg.checkpoints == CHECK_EVERY_OP || eff.checkpoint;
    if (s->recording)
        trace_op(s->tr, s->now, t, cpu, eff.pc, eff.status, eff.value);
    switch ((enum vm_status)eff.status) {
    case VM_RAN:
        break;
    case VM_COMPUTE:
        if (eff.value > 1) {
            T->busy = eff.value - 1;
            T->busy_kind = BUSY_COMPUTE;
        }
        break;
    case VM_SLEEP:
    case VM_IO:
        s->ops->blocking_wait(s, t, cpu, eff.status, eff.value);
        break;
    case VM_AWAIT_SLEEP:
    case VM_AWAIT_IO:
        s->ops->await_wait(s, t, cpu, eff.status, eff.value);
        break;
    case VM_SYNC: {
        int err = sync_op(s, t, cpu, &eff);

        if (err != ERR_NONE)
            raised(s, t, cpu, err, eff.index);
        break;
    }
    case VM_PRINT:
        print_effect(s, t, &eff);
        break;
    case VM_POOL: {
        int err = pool_op(s, t, cpu, &eff);

        if (err != ERR_NONE)
            raised(s, t, cpu, err, eff.index);
        break;
    }
    case VM_EXIT:
        if (T->job >= 0) {      /* a pool's worker: the job is done */
            worker_job_ends(s, t, cpu, ERR_NONE, eff.value);
            break;
        }
        /* Done once its last op has run: the same tick as its lane's
         * done span and "end" in JSON. */
        event(s, s->now + 1, EV_EXIT, t);
        T->result = eff.value;
        end_task(s, t, cpu, TS_DONE);
        break;
    case VM_ERROR:
        raised(s, t, cpu, eff.error, eff.index);
        break;
    case VM_THREAD:
    case VM_START:
    case VM_JOIN: {
        int err = eff.status == VM_THREAD ?
                  (eff.value == VM_GATHER_MARK ? gather(s, t, &eff) :
                   spawn(s, t, &eff)) :
                  eff.status == VM_START ? start_thread(s, eff.index) :
                  eff.method == 1 ? gather_wait(s, t, cpu) :
                  join_thread(s, t, cpu, eff.index);

        if (err != ERR_NONE)
            raised(s, t, cpu, err, eff.index);
        break;
    }
    }
}

/* ---- scripted turns ---------------------------------------------------------------- */

static int scripted(const struct sim *s)
{
    return s->force >= 0 || s->sched_step < s->sched.nsteps;
}

static void finish(struct sim *s, enum trace_status status, int64_t end);

/* The run stops at a limit (the step budget, the time limit, or a scripted
 * turn that cannot be taken); the message is recorded as EV_LIMIT, with
 * arg2 1 for a schedule's fault. */
static void vstop(struct sim *s, int schedule, const char *fmt, va_list ap)
{
    if (s->recording) {
        struct strbuf sb;
        struct trace_event *ev;

        sb_init(&sb);
        sb_vprintf(&sb, fmt, ap);
        ev = event(s, s->now, EV_LIMIT, s->last_task >= 0 ? s->last_task : 0);
        ev->arg = trace_message(s->tr, sb.s);
        if (schedule)
            ev->arg2 = 1;
        sb_done(&sb);
    }
    finish(s, TRACE_LIMIT, s->now);
}

static void schedule_error(struct sim *s, const char *fmt, ...) TT_PRINTF(2, 3);

static void schedule_error(struct sim *s, const char *fmt, ...)
{
    va_list ap;

    s->sched_error = 1;
    va_start(ap, fmt);
    vstop(s, 1, fmt, ap);
    va_end(ap);
}

static const char *why_not_runnable(const struct sim *s, int t)
{
    switch (s->tasks[t].state) {
    case TS_NEW: return "has not started yet";
    case TS_STARTING: return "is still being started";
    case TS_BLOCKED: return "is waiting (sleep or I/O)";
    case TS_LOCK_WAIT: return "is waiting for a lock";
    case TS_DONE: return "has already finished";
    case TS_FAILED: return "has stopped with an error";
    default: return "cannot run";
    }
}

static int anyone_runnable(const struct sim *s)
{
    if (s->nready > 0)
        return 1;
    for (int cpu = 0; cpu < s->ncpus; cpu++)
        if (s->cpus[cpu] >= 0)
            return 1;
    return 0;
}

/* Turns of the script given to tasks that have ended are skipped. */
static void skip_ended_turns(struct sim *s)
{
    while (s->force < 0 && s->sched_step < s->sched.nsteps) {
        int t = s->sched.steps[s->sched_step].task;

        if (s->tasks[t].state != TS_DONE && s->tasks[t].state != TS_FAILED)
            return;
        s->sched_step++;
        s->sched_used = 0;
    }
}

static void dispatch_scripted(struct sim *s)
{
    int target;
    struct sim_task *T;
    const char *label;

    skip_ended_turns(s);
    if (!scripted(s)) {
        s->ops->dispatch(s);
        return;
    }
    target = s->force >= 0 ? s->force : s->sched.steps[s->sched_step].task;
    T = &s->tasks[target];
    label = s->scene->tasks[target].label;

    /* A task on a CPU takes the turn even if it is blocked there (a
     * coroutine stalling the loop in a blocking call). */
    if (T->cpu < 0 && !queued(T)) {
        if (!anyone_runnable(s) && s->next_wake != INT64_MAX)
            return; /* only time can pass; the turn is not used */
        schedule_error(s, "the schedule gives tick %lld to %s, but %s %s",
                       (long long)s->now, label, label, why_not_runnable(s, target));
        return;
    }
    for (int cpu = 0; cpu < s->ncpus; cpu++) {
        int t = s->cpus[cpu];

        if (t < 0 || t == target)
            continue;
        if (!s->ops->may_switch(s, t)) {
            const char *from = s->scene->tasks[t].label;

            if (s->cfg.mode == MODE_GIL)
                schedule_error(s, "the schedule switches from %s to %s at "
                               "tick %lld, but %s is not at a GIL checkpoint "
                               "(checkpoints loops-and-calls)", from, label,
                               (long long)s->now, from);
            else
                schedule_error(s, "the schedule switches from %s to %s at "
                               "tick %lld, but %s has not given up control "
                               "(a coroutine only switches at await)", from,
                               label, (long long)s->now, from);
            return;
        }
        sim_preempt(s, cpu, SW_SCHEDULE, 0);
    }
    if (T->cpu < 0) {
        int cpu = 0;

        while (cpu < s->ncpus && s->cpus[cpu] >= 0)
            cpu++;
        sim_unqueue(s, target);
        sim_run_on(s, target, cpu, s->now);
    }
    if (s->force >= 0) {
        s->force = -1;
    } else if (++s->sched_used == s->sched.steps[s->sched_step].count) {
        s->sched_step++;
        s->sched_used = 0;
    }
}

/* ---- ending ------------------------------------------------------------------------ */

static void finish(struct sim *s, enum trace_status status, int64_t end)
{
    s->status = status;
    if (!s->recording)
        return;
    s->tr->status = status;
    s->tr->end = end;
    free(s->tr->final);
    s->tr->final = xcalloc((size_t)(s->nspaces * s->nglobals + 1),
                           sizeof(int64_t));
    for (int i = 0; i < s->nspaces * s->nglobals; i++)
        s->tr->final[i] = atomic_load_explicit(&s->mem[i], memory_order_relaxed);
    trace_close(s->tr, end);
}

/* The errors of the asyncio tasks made by code that nothing awaited or
 * gathered are marked: CPython reports them as never retrieved. */
static void mark_unretrieved(struct sim *s)
{
    if (!s->recording || s->cfg.mode != MODE_ASYNCIO)
        return;
    for (size_t i = s->tr->nevents; i-- > 0;) {
        struct trace_event *ev = &s->tr->events[i];

        if (ev->kind == EV_ERROR && ev->task >= s->nrun &&
            !s->tasks[ev->task].retrieved)
            ev->reason = TRACE_UNRETRIEVED;
    }
}

static void finish_done(struct sim *s)
{
    int64_t end = 0;
    int failed = 0;

    for (int t = 0; t < s->ntasks; t++) {
        if (s->tasks[t].end > end)
            end = s->tasks[t].end;
        /* a gather with return_exceptions=True handled its exception */
        failed |= s->tasks[t].state == TS_FAILED &&
                  s->tasks[t].retrieved != 2;
    }
    mark_unretrieved(s);
    finish(s, failed ? TRACE_FAILED : TRACE_OK, end);
}

static void deadlock(struct sim *s)
{
    for (int t = 0; t < s->ntasks; t++) {
        const struct sim_task *T = &s->tasks[t];
        struct trace_event *ev;

        if (T->state == TS_DONE || T->state == TS_FAILED ||
            (T->state == TS_NEW && t >= s->nrun))
            continue;
        ev = event(s, s->now, EV_DEADLOCK, t);
        if (ev && T->state == TS_BLOCKED && T->wait_kind == VM_JOIN) {
            ev->arg2 = TRACE_JOIN_MARK;
            ev->other = T->join;
            /* 1: it awaits a gather */
            ev->arg = vm_gather_list(&s->tasks[t].vm, s->prog, NULL) != NULL;
        }
        if (ev && T->state == TS_BLOCKED && T->wait_kind == VM_POOL) {
            ev->arg2 = T->join >= 0 ? TRACE_RESULT_MARK : TRACE_WORK_MARK;
            ev->arg = T->join;
            ev->other = T->join >= 0 ? s->pools->jobs[T->join].worker : -1;
        }
        if (ev && T->state == TS_LOCK_WAIT) {
            ev->arg2 = T->lock;
            ev->other = (int16_t)sync_holder(sync_of(s, T->space, T->lock));
            ev->arg = wait_queue(s, t, T->lock);
        }
    }
    finish(s, TRACE_DEADLOCK, s->now);
}

static void limit(struct sim *s, const char *fmt, ...) TT_PRINTF(2, 3);

static void limit(struct sim *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vstop(s, 0, fmt, ap);
    va_end(ap);
}

/* ---- checkpoints ----------------------------------------------------------------------- */

static void checkpoint(struct sim *s)
{
    size_t n = sim_state_size(s);
    struct sim_checkpoint *ck;

    /* Counted against the memory budget; past it, the first checkpoint
     * is still made (seeking needs one) and the trace stops the run. */
    if ((MEM_GROW(s->ckbuf, s->ckcap, s->cklen + n) |
         MEM_GROW(s->cks, s->cap_ck, s->nck + 1)) < 0 && s->recording)
        s->tr->full = 1;
    sim_save(s, s->ckbuf + s->cklen);
    ck = &s->cks[s->nck++];
    ck->t = s->now;
    ck->off = s->cklen;
    s->cklen += n;
    s->ck_t = s->now;
    s->ck_steps = s->steps;
}

/* ---- the tick -------------------------------------------------------------------------- */

/* While seeking (not recording), give back the turn chosen by hand for
 * this tick, if there was one, so that a run steered with sim_force
 * replays the same way. */
static void replay_turn(struct sim *s)
{
    size_t lo = 0, hi = s->nturns;

    if (s->now >= s->takeover)
        s->sched_step = s->sched.nsteps;
    if (s->recording || s->nturns == 0 || s->force >= 0)
        return;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (s->turns[mid].t < s->now)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->nturns && s->turns[lo].t == s->now)
        s->force = s->turns[lo].task;
}

/* One tick; idle time is skipped, but never past until (for seeking). */
static int step(struct sim *s, int64_t until)
{
    int busy = 0;

    if (s->status != TRACE_RUNNING)
        return 0;
    if (s->recording && (s->nck == 0 || s->now - s->ck_t >= CK_TICKS ||
                         s->steps - s->ck_steps >= CK_STEPS))
        checkpoint(s);
    replay_turn(s);
    if (scripted(s))
        dispatch_scripted(s);
    else
        s->ops->dispatch(s);
    if (s->status != TRACE_RUNNING)
        return 0;
    for (int cpu = 0; cpu < s->ncpus; cpu++)
        if (s->cpus[cpu] >= 0) {
            busy = 1;
            exec(s, cpu);
        }
    if (!busy) {
        if (s->next_wake == INT64_MAX) {
            if (s->ndone + s->nunstarted == s->ntasks)
                finish_done(s);
            else
                deadlock(s);
            return 0;
        }
        s->now = s->next_wake < until ? s->next_wake : until;
    } else {
        s->now++;
    }
    if (s->ndone + s->nunstarted == s->ntasks) {
        finish_done(s);
        return 0;
    }
    if (s->recording && trace_full(s->tr)) {
        struct strbuf sb;

        sb_init(&sb);
        mem_limit_message(&sb, "the run");
        limit(s, "%s: %s is still running", sb.s,
              s->scene->tasks[s->last_task >= 0 ? s->last_task : 0].label);
        sb_done(&sb);
        return 0;
    }
    if (s->steps > s->cfg.budget) {
        int t = s->last_task;

        limit(s, "the step budget of %lld ops is used up: %s is still "
              "running (an endless loop? raise it with 'budget N' in the "
              "scene or --budget)", (long long)s->cfg.budget,
              s->scene->tasks[t].label);
        return 0;
    }
    if (s->now > SIM_MAX_TICKS) {
        limit(s, "the run passed tick %lld without ending: %s is at its "
              "last op (are the waits or the compute() too long?)",
              (long long)SIM_MAX_TICKS,
              s->scene->tasks[s->last_task >= 0 ? s->last_task : 0].label);
        return 0;
    }
    fire_timers(s);
    return 1;
}

int sim_step(struct sim *s)
{
    return step(s, INT64_MAX);
}

void sim_run(struct sim *s)
{
    while (step(s, INT64_MAX))
        ;
}

/* ---- creation -------------------------------------------------------------------------- */

static const struct sched_ops *ops_for(enum mode m)
{
    switch (m) {
    case MODE_SEQUENTIAL: return &sched_sequential;
    case MODE_THREADS: return &sched_threads;
    case MODE_GIL: return &sched_gil;
    case MODE_ASYNCIO: return &sched_asyncio;
    case MODE_PROCESSES: return &sched_processes;
    case MODE_COUNT: break;
    }
    return &sched_threads;
}

struct sim *sim_new(const struct lesson *L, int scene,
                    const struct scene_config *cfg, const struct schedule *sch,
                    int record)
{
    struct sim *s = xcalloc(1, sizeof(*s));
    const struct scene *sc = &L->scenes[scene];
    const struct program *P = L->prog;
    const char *labels[LESSON_MAX_TASKS];

    s->L = L;
    s->prog = P;
    s->scene = sc;
    s->cfg = *cfg;
    s->ops = ops_for(cfg->mode);
    s->ntasks = sc->ntasks;
    s->nrun = sc->nrun > 0 ? sc->nrun : sc->ntasks;
    s->nunstarted = s->ntasks - s->nrun;
    s->ncpus = cfg->mode == MODE_SEQUENTIAL || cfg->mode == MODE_ASYNCIO ||
               sch ? 1 : cfg->cpus;
    s->nspaces = cfg->mode == MODE_PROCESSES ? sc->ntasks + 1 : 1;
    s->nglobals = P->nglobals;
    s->nlocks = P->nlocks;
    s->tasks = xcalloc((size_t)s->ntasks, sizeof(*s->tasks));
    s->cpus = xmalloc(sizeof(int) * (size_t)s->ncpus);
    s->pending_switch = xmalloc(sizeof(int) * (size_t)s->ncpus);
    for (int i = 0; i < s->ncpus; i++)
        s->cpus[i] = s->pending_switch[i] = -1;
    s->mem = xcalloc((size_t)(s->nspaces * s->nglobals + 1), sizeof(*s->mem));
    for (int sp = 0; sp < s->nspaces; sp++)
        for (int g = 0; g < s->nglobals; g++)
            atomic_init(&s->mem[sp * s->nglobals + g], P->global_init[g]);
    s->sync = xcalloc((size_t)(s->nspaces * s->nlocks + 1), sizeof(*s->sync));
    if (P->has_pools)
        s->pools = xcalloc(1, sizeof(*s->pools));
    for (int sp = 0; sp < s->nspaces; sp++)
        for (int i = 0; i < s->nlocks; i++)
            sync_init(sync_of(s, sp, i), P->lock_kind[i], P->lock_arg[i],
                      P->lock_link[i]);
    s->rng = cfg->seed;
    s->next_wake = INT64_MAX;
    s->gil_holder = -1;
    s->last_task = -1;
    s->force = -1;
    s->takeover = INT64_MAX;
    s->status = TRACE_RUNNING;
    schedule_init(&s->sched);
    if (sch)
        for (int i = 0; i < sch->nsteps; i++)
            schedule_add(&s->sched, sch->steps[i].task, sch->steps[i].count);
    for (int t = 0; t < s->ntasks; t++) {
        struct sim_task *T = &s->tasks[t];
        const struct scene_task *st = &sc->tasks[t];

        /* (a thread started by code gets its own function and arguments
         * when it is made: until then a frame of the first run's) */
        vm_init(&T->vm, P, st->func, t < s->nrun ? st->args : NULL,
                t < s->nrun ? st->nargs : 0);
        T->join = -1;
        T->pool = T->job = T->shut = -1;
        T->wake = -1;
        T->tie = -1;
        T->lock = -1;
        T->cpu = -1;
        T->state = TS_NEW;
        T->space = (uint8_t)(cfg->mode == MODE_PROCESSES ? t + 1 : 0);
        T->checkpoint = 1;
        labels[t] = st->label;
    }
    s->recording = record;
    if (record) {
        s->tr = trace_new(s->ntasks, labels, s->ncpus, "tick");
        s->tr->nglobals = s->nglobals;
        s->tr->nspaces = s->nspaces;
        for (int t = 0; t < s->ntasks; t++)
            trace_state(s->tr, t, 0, TS_NEW, -1, 0, 0, -1);
    }
    s->ops->start(s);
    fire_timers(s);
    return s;
}

int sim_discover(const struct lesson *L, int scene,
                 const struct scene_config *cfg, struct sim_spawn *out,
                 int max, uint32_t *mode_pc)
{
    const struct scene *sc = &L->scenes[scene];
    struct scene copy = *sc;
    struct scene_task tasks[LESSON_MAX_TASKS];
    struct sim *s;
    int n;

    *mode_pc = UINT32_MAX;
    if (max > LESSON_MAX_TASKS - sc->nrun)
        max = LESSON_MAX_TASKS - sc->nrun;
    memset(tasks, 0, sizeof(tasks));
    memcpy(tasks, sc->tasks, sizeof(*tasks) * (size_t)sc->nrun);
    for (int i = sc->nrun; i < sc->nrun + max; i++) {
        tasks[i].label = "?";
        tasks[i].spawned = 1;
    }
    copy.tasks = tasks;
    copy.ntasks = sc->nrun + max;
    {
        /* sim_new reads the scene through the lesson */
        struct lesson tmp = *L;
        struct scene *scenes = xmalloc(sizeof(*scenes) * (size_t)L->nscenes);

        memcpy(scenes, L->scenes, sizeof(*scenes) * (size_t)L->nscenes);
        scenes[scene] = copy;
        tmp.scenes = scenes;
        s = sim_new(&tmp, scene, cfg, NULL, 0);
        s->discover = 1;
        s->spawns = out;
        while (step(s, INT64_MAX))
            ;
        for (int t = 0; t < s->ntasks && *mode_pc == UINT32_MAX; t++) {
            uint32_t pc = s->tasks[t].last_pc;
            const struct instr *in = &s->prog->code[pc];

            if (s->tasks[t].state == TS_FAILED && sim_is_spawn_call(s->prog, pc) &&
                (in->kind == CK_POOL_NEW && in->sub ?
                 s->cfg.mode != MODE_PROCESSES :
                 in->kind == CK_THREAD || in->kind == CK_POOL_NEW ?
                 !thread_mode(s) : s->cfg.mode != MODE_ASYNCIO))
                *mode_pc = pc;
        }
        n = s->nspawned;
        for (int i = 0; i < n; i++)     /* a worker that never ran: */
            for (int k = 0; k <= i && out[i].func < 0; k++)
                out[i].func = k == i ? tasks[out[i].task].func :
                              out[k].pc == out[i].pc ? out[k].func : -1;
        sim_free(s);
        free(scenes);
    }
    return n;
}

void sim_free(struct sim *s)
{
    if (!s)
        return;
    for (int t = 0; t < s->ntasks; t++)
        vm_done(&s->tasks[t].vm);
    free(s->tasks);
    free(s->cpus);
    free(s->pending_switch);
    free(s->mem);
    free(s->sync);
    free(s->pools);
    schedule_done(&s->sched);
    free(s->turns);
    trace_free(s->tr);
    mem_free(s->cks, s->cap_ck * sizeof(*s->cks));
    mem_free(s->ckbuf, s->ckcap);
    free(s->scratch);
    free(s);
}

int sim_pool_describe(const struct sim *s, int i, struct strbuf *out)
{
    const struct tpool *pl;
    int idle = 0;

    if (!s->pools || i >= s->pools->npools)
        return -1;
    pl = &s->pools->pools[i];
    for (int k = 0; k < pl->nthreads; k++) {
        const struct sim_task *W = &s->tasks[pl->base + k];

        idle += W->state == TS_BLOCKED && W->wait_kind == VM_POOL;
    }
    if (s->pools->npools > 1)
        sb_printf(out, "pool %d queue: ", i);
    else
        sb_puts(out, "pool queue: ");
    if (pl->qlen == 0)
        sb_puts(out, "empty");
    /* jobs numbered from 1; a run of jobs in a row as 6..15 */
    for (int k = 0; k < pl->qlen; ) {
        int e = k;

        while (e + 1 < pl->qlen && pl->queue[e + 1] == pl->queue[e] + 1)
            e++;
        sb_printf(out, "%sjob%s %d", k ? ", " : "", e > k ? "s" : "",
                  pl->queue[k] + 1);
        if (e > k)
            sb_printf(out, "..%d", pl->queue[e] + 1);
        k = e + 1;
    }
    sb_printf(out, " · %d of %d worker%s, %d idle%s", pl->nthreads, pl->max,
              pl->process ? " processes" : "s", idle,
              pl->shutdown ? ", shut down" : "");
    return 0;
}

/* ---- saving and restoring ---------------------------------------------------------------- */

/* The scalar state, saved as one block. */
struct sim_scalars {
    int64_t now, steps, next_wake, gil_since, sched_used;
    uint64_t rng, seqno;
    int32_t nready, ndone, gil_holder, gil_drop, last_task, sched_step;
    int32_t force, sched_error, status, nspawned, nunstarted;
};

/* The part of a task saved by copying; the VM is saved separately. */
#define TASK_CORE_SIZE (sizeof(struct sim_task) - offsetof(struct sim_task, wake))

size_t sim_state_size(const struct sim *s)
{
    size_t n = sizeof(struct sim_scalars) +
               (size_t)s->ntasks * TASK_CORE_SIZE +
               sizeof(int) * 2 * (size_t)s->ncpus +
               sizeof(int64_t) * (size_t)(s->nspaces * s->nglobals) +
               sizeof(struct sync_obj) * (size_t)(s->nspaces * s->nlocks) +
               (s->pools ? sizeof(*s->pools) : 0);

    for (int t = 0; t < s->ntasks; t++)
        n += vm_state_size(&s->tasks[t].vm);
    return n;
}

void sim_save(const struct sim *s, unsigned char *out)
{
    struct sim_scalars sc;

    memset(&sc, 0, sizeof(sc));
    sc.now = s->now;
    sc.steps = s->steps;
    sc.next_wake = s->next_wake;
    sc.gil_since = s->gil_since;
    sc.sched_used = s->sched_used;
    sc.rng = s->rng;
    sc.seqno = s->seqno;
    sc.nready = s->nready;
    sc.ndone = s->ndone;
    sc.gil_holder = s->gil_holder;
    sc.gil_drop = s->gil_drop;
    sc.last_task = s->last_task;
    sc.sched_step = s->sched_step;
    sc.force = s->force;
    sc.sched_error = s->sched_error;
    sc.status = s->status;
    sc.nspawned = s->nspawned;
    sc.nunstarted = s->nunstarted;
    memcpy(out, &sc, sizeof(sc));
    out += sizeof(sc);
    for (int t = 0; t < s->ntasks; t++) {
        memcpy(out, (const char *)&s->tasks[t] + offsetof(struct sim_task, wake),
               TASK_CORE_SIZE);
        out += TASK_CORE_SIZE;
        vm_save(&s->tasks[t].vm, out);
        out += vm_state_size(&s->tasks[t].vm);
    }
    memcpy(out, s->cpus, sizeof(int) * (size_t)s->ncpus);
    out += sizeof(int) * (size_t)s->ncpus;
    memcpy(out, s->pending_switch, sizeof(int) * (size_t)s->ncpus);
    out += sizeof(int) * (size_t)s->ncpus;
    for (int i = 0; i < s->nspaces * s->nglobals; i++) {
        int64_t v = atomic_load_explicit(&s->mem[i], memory_order_relaxed);

        memcpy(out, &v, sizeof(v));
        out += sizeof(v);
    }
    memcpy(out, s->sync, sizeof(struct sync_obj) * (size_t)(s->nspaces * s->nlocks));
    out += sizeof(struct sync_obj) * (size_t)(s->nspaces * s->nlocks);
    if (s->pools)
        memcpy(out, s->pools, sizeof(*s->pools));
}

void sim_restore(struct sim *s, const unsigned char *in)
{
    struct sim_scalars sc;

    memcpy(&sc, in, sizeof(sc));
    in += sizeof(sc);
    s->now = sc.now;
    s->steps = sc.steps;
    s->next_wake = sc.next_wake;
    s->gil_since = sc.gil_since;
    s->sched_used = sc.sched_used;
    s->rng = sc.rng;
    s->seqno = sc.seqno;
    s->nready = sc.nready;
    s->ndone = sc.ndone;
    s->gil_holder = sc.gil_holder;
    s->gil_drop = sc.gil_drop;
    s->last_task = sc.last_task;
    s->sched_step = sc.sched_step;
    s->force = sc.force;
    s->sched_error = sc.sched_error;
    s->status = (enum trace_status)sc.status;
    s->nspawned = sc.nspawned;
    s->nunstarted = sc.nunstarted;
    for (int t = 0; t < s->ntasks; t++) {
        memcpy((char *)&s->tasks[t] + offsetof(struct sim_task, wake), in,
               TASK_CORE_SIZE);
        in += TASK_CORE_SIZE;
        in += vm_load(&s->tasks[t].vm, s->prog, in);
    }
    memcpy(s->cpus, in, sizeof(int) * (size_t)s->ncpus);
    in += sizeof(int) * (size_t)s->ncpus;
    memcpy(s->pending_switch, in, sizeof(int) * (size_t)s->ncpus);
    in += sizeof(int) * (size_t)s->ncpus;
    for (int i = 0; i < s->nspaces * s->nglobals; i++) {
        int64_t v;

        memcpy(&v, in, sizeof(v));
        in += sizeof(v);
        atomic_store_explicit(&s->mem[i], v, memory_order_relaxed);
    }
    memcpy(s->sync, in, sizeof(struct sync_obj) * (size_t)(s->nspaces * s->nlocks));
    in += sizeof(struct sync_obj) * (size_t)(s->nspaces * s->nlocks);
    if (s->pools)
        memcpy(s->pools, in, sizeof(*s->pools));
}

/* Rank of t's seq among the tasks for which same() holds. */
static int rank_of(const struct sim *s, int t,
                   int (*same)(const struct sim_task *, const struct sim_task *))
{
    int r = 0;

    for (int u = 0; u < s->ntasks; u++)
        if (u != t && same(&s->tasks[t], &s->tasks[u]) &&
            s->tasks[u].seq < s->tasks[t].seq)
            r++;
    return r;
}

static int same_queue(const struct sim_task *a, const struct sim_task *b)
{
    return queued(a) && queued(b);
}

static int same_timer(const struct sim_task *a, const struct sim_task *b)
{
    return has_timer(a) && has_timer(b) && a->wake == b->wake;
}

/* Zigzag, then one byte for a number below 0xF8 (small numbers of either
 * sign), else 0xF7 + n and the number's n bytes, least significant first,
 * n as small as it can be: a sequence of numbers has exactly one encoding,
 * written without a loop. */
static unsigned char *canon_int(unsigned char *p, int64_t v)
{
    uint64_t u = v < 0 ? ~((uint64_t)v << 1) : (uint64_t)v << 1;
    int n;

    if (u < 0xF8) {
        *p = (unsigned char)u;
        return p + 1;
    }
    n = 8 - __builtin_clzll(u) / 8;
    *p = (unsigned char)(0xF7 + n);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    u = __builtin_bswap64(u);
#endif
    memcpy(p + 1, &u, 8);   /* room is kept for all 8 */
    return p + 1 + n;
}

/* A length, as plain LEB128. */
static unsigned char *canon_uint(unsigned char *p, uint64_t u)
{
    while (u >= 0x80) {
        *p++ = (unsigned char)(u | 0x80);
        u >>= 7;
    }
    *p++ = (unsigned char)u;
    return p;
}

size_t sim_canon_room(const struct sim *s)
{
    size_t fields = 4 + (size_t)(s->nspaces * (s->nglobals +
                                               s->nlocks * SYNC_CANON_MAX));

    for (int t = 0; t < s->ntasks; t++)
        fields += 18 + 4u * s->tasks[t].vm.nframes + s->tasks[t].vm.sp;
    if (s->pools)
        fields += 2 + TPOOL_MAX_POOLS * (8 + TPOOL_MAX_JOBS) +
                  TPOOL_MAX_JOBS * (7 + LESSON_MAX_PARAMS);
    return fields * 10;
}

/* The pools' state, as canon_int fields. */
static unsigned char *canon_pools(const struct tpools *ps, unsigned char *p)
{
    p = canon_int(p, ps->npools);
    p = canon_int(p, ps->njobs);
    for (int i = 0; i < ps->npools; i++) {
        const struct tpool *pl = &ps->pools[i];

        p = canon_int(p, pl->max);
        p = canon_int(p, pl->nthreads);
        p = canon_int(p, pl->idle);
        p = canon_int(p, pl->shutdown);
        p = canon_int(p, pl->owner);
        p = canon_int(p, pl->base);
        p = canon_int(p, pl->qlen);
        p = canon_int(p, pl->process);
        for (int k = 0; k < pl->qlen; k++)
            p = canon_int(p, pl->queue[k]);
    }
    for (int j = 0; j < ps->njobs; j++) {
        const struct tpool_job *jb = &ps->jobs[j];

        p = canon_int(p, jb->state);
        p = canon_int(p, jb->fn);
        p = canon_int(p, jb->pool);
        p = canon_int(p, jb->worker);
        p = canon_int(p, jb->err);
        p = canon_int(p, jb->result);
        p = canon_int(p, jb->nargs);
        for (int k = 0; k < jb->nargs; k++)
            p = canon_int(p, jb->args[k]);
    }
    return p;
}

/* Part 0: what the tasks share.  Compact, because the explorer keeps one
 * per state: every field is a varint, and each part is a fixed sequence of
 * fields whose counts (frames, stack depth) come before the arrays they
 * size. */
static unsigned char *canon_shared(const struct sim *s, unsigned char *p)
{
    p = canon_int(p, s->gil_holder);
    p = canon_int(p, s->status);
    p = canon_int(p, s->cfg.mode == MODE_GIL ? s->gil_drop : 0);
    p = canon_int(p, s->ndone);
    for (int i = 0; i < s->nspaces * s->nglobals; i++)
        p = canon_int(p, atomic_load_explicit(&s->mem[i], memory_order_relaxed));
    for (int i = 0; i < s->nspaces * s->nlocks; i++) {
        int64_t f[SYNC_CANON_MAX];
        int nf = sync_canon(&s->sync[i], f);

        for (int k = 0; k < nf; k++)
            p = canon_int(p, f[k]);
    }
    if (s->pools)
        p = canon_pools(s->pools, p);
    return p;
}

/* Part t + 1: task t's own. */
static unsigned char *canon_task(const struct sim *s, int t, unsigned char *p)
{
    const struct sim_task *T = &s->tasks[t];
    const struct vm *vm = &T->vm;
    /* When every turn is chosen, the order of the ready queue and of
     * timers that end together decides nothing except in asyncio, where
     * only the head of the queue (or coroutines tied with it) may run.
     * Leaving it out elsewhere merges states that differ only in it. */
    int fifo = s->cfg.mode == MODE_ASYNCIO;

    p = canon_int(p, T->state);
    p = canon_int(p, T->busy);
    p = canon_int(p, T->busy_kind);
    p = canon_int(p, has_timer(T) ? T->wake - s->now : -1);
    p = canon_int(p, T->lock);
    p = canon_int(p, T->state == TS_LOCK_WAIT ?
                  sync_waiter_rank(sync_of(s, T->space, T->lock), t) :
                  !fifo ? -1 :
                  queued(T) ? rank_of(s, t, same_queue) :
                  has_timer(T) ? rank_of(s, t, same_timer) : -1);
    p = canon_int(p, s->cfg.mode == MODE_ASYNCIO && T->tie >= 0 ?
                  T->tie - s->now : 0);
    p = canon_int(p, s->cfg.mode == MODE_GIL ? T->checkpoint : 0);
    p = canon_int(p, T->cpu >= 0);
    p = canon_int(p, T->join);
    p = canon_int(p, T->state == TS_DONE || T->state == TS_FAILED ?
                  T->result : 0);
    p = canon_int(p, T->retrieved);
    p = canon_int(p, T->job);
    p = canon_int(p, T->shut);
    p = canon_int(p, vm->nframes);
    p = canon_int(p, vm->cur);
    p = canon_int(p, vm->pend);
    for (int f = 0; f < vm->nframes; f++) {
        const struct vm_frame *fr = &vm->frames[f];

        p = canon_int(p, fr->pc);
        p = canon_int(p, fr->base);
        p = canon_int(p, fr->fn);
        /* only the live slots: locals and the stack */
        p = canon_int(p, fr->sp - fr->base);
        for (uint32_t i = fr->base; i < fr->sp; i++)
            p = canon_int(p, vm->slots[i]);
    }
    return p;
}

size_t sim_canon_parts(const struct sim *s, unsigned char *out, uint32_t *lens)
{
    unsigned char *p = out, *part = out;

    p = canon_shared(s, p);
    lens[0] = (uint32_t)(p - part);
    for (int t = 0; t < s->ntasks; t++) {
        part = p;
        p = canon_task(s, t, p);
        lens[t + 1] = (uint32_t)(p - part);
    }
    return (size_t)(p - out);
}

size_t sim_canon_part(const struct sim *s, int k, unsigned char *out)
{
    return (size_t)((k == 0 ? canon_shared(s, out) :
                     canon_task(s, k - 1, out)) - out);
}

void sim_canon(const struct sim *s, struct strbuf *out)
{
    uint32_t lens[LESSON_MAX_TASKS + 1];
    size_t room = sim_canon_room(s), n, at;
    unsigned char *p, *q;

    /* The parts at the end of the buffer, then each moved down behind its
     * length (which is never longer than the part's fields). */
    sb_clear(out);
    XGROW(out->s, out->cap, 2 * room + 10 * (size_t)(s->ntasks + 1) + 1);
    p = (unsigned char *)out->s;
    q = p + room + 10 * (size_t)(s->ntasks + 1);
    n = sim_canon_parts(s, q, lens);
    at = 0;
    for (int k = 0; k <= s->ntasks; k++) {
        p = canon_uint(p, lens[k]);
        memmove(p, q + at, lens[k]);
        p += lens[k];
        at += lens[k];
    }
    (void)n;
    out->len = (size_t)(p - (unsigned char *)out->s);
    out->s[out->len] = '\0';
}

/* ---- seeking and taking over ----------------------------------------------------------- */

void sim_seek(struct sim *s, int64_t t)
{
    size_t lo = 0, hi = s->nck;
    int was = s->recording;

    if (!s->tr || s->nck == 0)
        return;
    if (s->tr->status != TRACE_RUNNING && t > s->tr->end)
        t = s->tr->end;
    /* The last checkpoint at or before t. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (s->cks[mid].t <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        lo = 1;
    if (!(s->now <= t && s->now >= s->cks[lo - 1].t && s->status == TRACE_RUNNING))
        sim_restore(s, s->ckbuf + s->cks[lo - 1].off);
    s->recording = 0;
    while (s->now < t && step(s, t))
        ;
    s->recording = was;
}

void sim_take_over(struct sim *s, int64_t t)
{
    size_t keep = 0;

    sim_seek(s, t);
    t = s->now;
    if (!s->tr)
        return;
    while (s->nturns > 0 && s->turns[s->nturns - 1].t >= t)
        s->nturns--;
    if (t < s->takeover)
        s->takeover = t;
    trace_cut(s->tr, t);
    free(s->tr->final);
    s->tr->final = NULL;
    while (keep < s->nck && s->cks[keep].t < t)
        keep++;
    if (keep == 0)
        keep = 1;   /* the state at tick 0 stays */
    if (keep < s->nck)
        s->cklen = s->cks[keep].off;
    s->nck = keep;
    s->ck_t = s->cks[keep - 1].t;
    s->ck_steps = 0;
    /* Spans that began at t were cut; open them again from the state. */
    for (int i = 0; i < s->ntasks; i++) {
        const struct sim_task *T = &s->tasks[i];

        trace_state(s->tr, i, t, T->state,
                    T->state == TS_RUNNING || T->state == TS_BLOCKED ? T->cpu : -1,
                    T->why, T->state == TS_BLOCKED ? T->wait_kind : 0,
                    T->state == TS_LOCK_WAIT ? T->lock : -1);
    }
    s->sched_step = s->sched.nsteps; /* the script gives way to the chooser */
    s->status = TRACE_RUNNING;
}

/* ---- choosing turns -------------------------------------------------------------------- */

int sim_choices(const struct sim *s, int *out)
{
    int n = 0, head;

    if (s->status != TRACE_RUNNING)
        return 0;
    for (int cpu = 0; cpu < s->ncpus; cpu++) {
        int t = s->cpus[cpu];

        if (t < 0)
            continue;
        out[n++] = t;
        if (!s->ops->may_switch(s, t))
            return n;   /* it keeps the CPU (or the GIL, or the loop) */
    }
    head = sim_peek_ready(s);
    if (head < 0)
        return n;
    if (s->cfg.mode == MODE_ASYNCIO) {
        /* FIFO; only coroutines woken by timers in the same tick tie. */
        out[n++] = head;
        if (s->tasks[head].tie >= 0)
            for (int t = 0; t < s->ntasks; t++)
                if (t != head && queued(&s->tasks[t]) &&
                    s->tasks[t].tie == s->tasks[head].tie)
                    out[n++] = t;
        return n;
    }
    for (int t = 0; t < s->ntasks; t++)
        if (queued(&s->tasks[t]))
            out[n++] = t;
    return n;
}

int sim_settle(struct sim *s, int *tasks)
{
    int n;

    while ((n = sim_choices(s, tasks)) == 0 && s->status == TRACE_RUNNING)
        sim_step(s);
    return n;
}

void sim_force(struct sim *s, int task)
{
    s->force = task;
    if (s->recording) {
        while (s->nturns > 0 && s->turns[s->nturns - 1].t >= s->now)
            s->nturns--;
        XGROW(s->turns, s->cap_turns, s->nturns + 1);
        s->turns[s->nturns].t = s->now;
        s->turns[s->nturns].task = task;
        s->nturns++;
    }
}

/* ---- accessors --------------------------------------------------------------------------- */

int64_t sim_now(const struct sim *s) { return s->now; }
enum trace_status sim_status(const struct sim *s) { return s->status; }
struct trace *sim_trace(struct sim *s) { return s->tr; }
const struct lesson *sim_lesson(const struct sim *s) { return s->L; }
const struct scene_config *sim_config(const struct sim *s) { return &s->cfg; }
int sim_ntasks(const struct sim *s) { return s->ntasks; }
int sim_ncpus(const struct sim *s) { return s->ncpus; }
int sim_nspaces(const struct sim *s) { return s->nspaces; }
int sim_last_task(const struct sim *s) { return s->last_task; }
size_t sim_checkpoint_bytes(const struct sim *s)
{
    return s->cklen + s->nck * sizeof(*s->cks);
}
int sim_gil_holder(const struct sim *s) { return s->gil_holder; }
int sim_gil_drop_request(const struct sim *s) { return s->gil_drop; }

enum task_state sim_task_state(const struct sim *s, int t)
{
    return (enum task_state)s->tasks[t].state;
}

const struct vm *sim_task_vm(const struct sim *s, int t)
{
    return &s->tasks[t].vm;
}

int sim_task_cpu(const struct sim *s, int t) { return s->tasks[t].cpu; }
int sim_task_space(const struct sim *s, int t) { return s->tasks[t].space; }
int sim_task_lock(const struct sim *s, int t) { return s->tasks[t].lock; }

int sim_task_join(const struct sim *s, int t)
{
    const struct sim_task *T = &s->tasks[t];

    return T->state == TS_BLOCKED && T->wait_kind == VM_JOIN ? T->join : -1;
}

int sim_task_pool_wait(const struct sim *s, int t)
{
    const struct sim_task *T = &s->tasks[t];

    if (T->state != TS_BLOCKED || T->wait_kind != VM_POOL)
        return -1;
    return T->join >= 0 ? T->join : -2;
}

int sim_task_shutdown(const struct sim *s, int t)
{
    const struct sim_task *T = &s->tasks[t];

    return T->state == TS_BLOCKED && T->wait_kind == VM_JOIN ? T->shut : -1;
}

int64_t sim_task_wake(const struct sim *s, int t)
{
    return has_timer(&s->tasks[t]) ? s->tasks[t].wake : -1;
}

int sim_task_states(const struct sim *s, uint8_t *states)
{
    int timed = 0;

    for (int t = 0; t < s->ntasks; t++) {
        states[t] = s->tasks[t].state;
        timed |= has_timer(&s->tasks[t]);
    }
    return timed;
}

int64_t sim_task_busy(const struct sim *s, int t)
{
    return s->tasks[t].busy;
}

int64_t sim_global(const struct sim *s, int space, int g)
{
    return atomic_load_explicit(&s->mem[space * s->nglobals + g],
                                memory_order_relaxed);
}

int sim_lock_owner(const struct sim *s, int space, int lock)
{
    return sync_holder(sync_of(s, space, lock));
}

const struct sync_obj *sim_sync(const struct sim *s, int space, int obj)
{
    return sync_of(s, space, obj);
}

/* Tasks for which keep() holds, ordered by key() then seq. */
static int ordered(const struct sim *s, int *out, int (*keep)(const struct sim_task *,
                                                            const void *),
                   const void *arg, int by_wake)
{
    int n = 0;

    for (int t = 0; t < s->ntasks; t++) {
        const struct sim_task *T = &s->tasks[t];
        int i;

        if (!keep(T, arg))
            continue;
        i = n++;
        while (i > 0) {
            const struct sim_task *U = &s->tasks[out[i - 1]];

            if (by_wake ? (U->wake < T->wake ||
                           (U->wake == T->wake && U->seq < T->seq))
                        : U->seq < T->seq)
                break;
            out[i] = out[i - 1];
            i--;
        }
        out[i] = t;
    }
    return n;
}

static int keep_queued(const struct sim_task *T, const void *arg)
{
    (void)arg;
    return queued(T);
}

static int keep_timer(const struct sim_task *T, const void *arg)
{
    (void)arg;
    return has_timer(T);
}

int sim_ready_queue(const struct sim *s, int *tasks)
{
    return ordered(s, tasks, keep_queued, NULL, 0);
}

int sim_timers(const struct sim *s, int *tasks, int64_t *when)
{
    int n = ordered(s, tasks, keep_timer, NULL, 1);

    for (int i = 0; i < n && when; i++)
        when[i] = s->tasks[tasks[i]].wake;
    return n;
}

int sim_lock_waiters(const struct sim *s, int space, int lock, int *tasks)
{
    const struct sync_obj *o = sync_of(s, space, lock);

    for (int i = 0; i < o->nwait; i++)
        tasks[i] = o->wtask[i];
    return o->nwait;
}
