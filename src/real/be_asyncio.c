/* be_asyncio.c - the asyncio backend: coroutines on one real event loop.
 *
 * Each task is a stackful coroutine (coro.h) with its own mmap'd stack; the
 * loop runs on the calling thread and switches to a coroutine, which runs
 * ops until it awaits, waits for a lock or ends, and switches back.  A
 * blocking call inside a coroutine (sleep(n), io(n) without await) really
 * sleeps on the loop's thread, and compute(n) really spins: every other
 * coroutine waits, as in asyncio.
 *
 * The order.  A real asyncio run must run the ops in exactly the order of
 * the simulated run.  The simulator charges every op one tick and ends a
 * timer at (tick of the await + 1 + n); real ops take nanoseconds, so
 * deadlines taken from a real clock would order timers that tie, or nearly
 * tie, in ticks differently (and by luck).  So the loop keeps its own
 * clock, in ticks, that advances with the work done: one tick per op,
 * max(N, 1) for compute(N), 1 + n for a blocking sleep(n) or io(n) - the
 * simulator's charges.  Every scheduling decision is made on that clock
 * with the simulator's rules: a FIFO ready queue; a timer heap ordered by
 * (deadline in ticks, order of setting); timers due by a tick are moved to
 * the ready queue before anything the tick's op makes ready, and at the
 * end of the tick; an idle loop jumps its clock to the first deadline.
 * The order of ops is therefore a function of the scene alone, the same as
 * the simulator's, whatever the machine does.
 *
 * Tasks made by code (asyncio.create_task, asyncio.gather) get the next
 * spare task and coroutine of the run and are ready at once, as the
 * simulator schedules them; an await of a task (or of a gather) waits off
 * the loop until the task ends, and gets its value, or fails with its
 * exception, by the simulator's rules (vm_gather_check).
 *
 * The real clock decides only how long the loop sleeps: each timer also has
 * a real deadline (when its await ran + n ticks of real time), and the
 * loop never resumes a coroutine before its real deadline - when the next
 * coroutine to run is still waiting, the loop really sleeps until then
 * (clock_nanosleep to an absolute time; the next deadline of the heap when
 * nothing else is ready).  So `await io(50)` really waits 50 ticks, eight
 * of them overlap, and the clock in ticks only ever orders.
 */
#define _GNU_SOURCE
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "real/coro.h"
#include "real/real_impl.h"

struct atimer {
    int64_t deadline;       /* in ticks of the loop clock */
    uint64_t seq;           /* order of setting: ties go first-set first */
    int task;
};

struct aio {
    struct rrun *r;
    const struct coro_ops *ops;
    struct coro loop;
    struct coro co[LESSON_MAX_TASKS];
    int64_t V;              /* the loop clock */
    uint64_t seqno;
    int ready[LESSON_MAX_TASKS];
    int rhead, rn;
    struct atimer heap[LESSON_MAX_TASKS];
    int nheap;
    uint64_t not_before[LESSON_MAX_TASKS]; /* raw: its wait really ends */
    uint64_t real_deadline[LESSON_MAX_TASKS];
    int ndone;
    int nstarted;           /* the run lines' tasks and those made so far */
    uint64_t last_op_t;
    uint64_t last_wake_t;   /* wake-ups are delivered in the loop's order */
    /* The last switch away, to fill in who ran next. */
    int sw_task;
    uint32_t sw_rec;
};

/* ---- the ready queue and the timer heap ------------------------------------ */

static void ready_push(struct aio *a, int t, uint64_t not_before)
{
    a->ready[(a->rhead + a->rn++) % LESSON_MAX_TASKS] = t;
    a->not_before[t] = not_before;
}

static int ready_pop(struct aio *a)
{
    int t = a->ready[a->rhead];

    a->rhead = (a->rhead + 1) % LESSON_MAX_TASKS;
    a->rn--;
    return t;
}

static int timer_less(const struct atimer *x, const struct atimer *y)
{
    return x->deadline < y->deadline ||
           (x->deadline == y->deadline && x->seq < y->seq);
}

static void heap_push(struct aio *a, int64_t deadline, int task)
{
    int i = a->nheap++;

    a->heap[i].deadline = deadline;
    a->heap[i].seq = ++a->seqno;
    a->heap[i].task = task;
    while (i > 0 && timer_less(&a->heap[i], &a->heap[(i - 1) / 2])) {
        struct atimer tmp = a->heap[i];

        a->heap[i] = a->heap[(i - 1) / 2];
        a->heap[(i - 1) / 2] = tmp;
        i = (i - 1) / 2;
    }
}

static struct atimer heap_pop(struct aio *a)
{
    struct atimer top = a->heap[0];
    int i = 0;

    a->heap[0] = a->heap[--a->nheap];
    for (;;) {
        int l = 2 * i + 1, m = i;

        if (l < a->nheap && timer_less(&a->heap[l], &a->heap[m]))
            m = l;
        if (l + 1 < a->nheap && timer_less(&a->heap[l + 1], &a->heap[m]))
            m = l + 1;
        if (m == i)
            break;
        struct atimer tmp = a->heap[i];

        a->heap[i] = a->heap[m];
        a->heap[m] = tmp;
        i = m;
    }
    return top;
}

/* Move every timer due by tick `by` to the ready queue, in heap order.
 * A wake-up is recorded when the loop delivers it: not before the wait
 * really ended, nor before the wake-ups delivered ahead of it. */
static void fire_timers(struct aio *a, int64_t by)
{
    while (a->nheap > 0 && a->heap[0].deadline <= by) {
        struct atimer tm;
        struct rtask *T;
        uint64_t when;

        if (a->real_deadline[a->heap[0].task] > a->r->deadline_raw) {
            /* The wait ends after the time limit: sleep to the limit and
             * stop there, rather than record a wake-up that never came. */
            rrun_sleep_until(a->r, UINT64_MAX);
            return;
        }
        tm = heap_pop(a);
        T = &a->r->tasks[tm.task];
        when = rclock_now();

        if (when < a->real_deadline[tm.task])
            when = a->real_deadline[tm.task];
        if (when < a->last_wake_t)
            when = a->last_wake_t;
        a->last_wake_t = when;

        rrec_event(T, when, EV_WAKE);
        rrec_state(T, when, TS_READY, -1, 0, 0, -1);
        ready_push(a, tm.task, when);
    }
}

/* ---- inside a coroutine ------------------------------------------------------ */

/* Give the loop back control; returns when the loop resumes this task. */
static void to_loop(struct aio *a, struct rtask *T)
{
    a->ops->swap(&a->co[T->id], &a->loop);
}

/* Switch away from T (recorded); the loop fills in who runs next. */
static void switch_away(struct aio *a, struct rtask *T, uint64_t t, int why,
                        int64_t arg, int arg2)
{
    struct real_rec *ev = rrec_event(T, t, EV_SWITCH);

    if (ev) {
        ev->why = (uint8_t)why;
        ev->value = arg;
        ev->arg2 = (int16_t)arg2;
        a->sw_task = T->id;
        a->sw_rec = (uint32_t)(ev - T->rec);
    }
}

/* A blocking call: the coroutine keeps the loop, and the loop waits. */
static int stall(struct aio *a, struct rtask *T, uint64_t t, int kind, int64_t n)
{
    struct rrun *r = a->r;
    struct real_rec *ev = rrec_event(T, t, EV_STALL);

    if (ev) {
        ev->value = n;
        ev->arg2 = (int16_t)kind;
    }
    rrec_state(T, t, TS_BLOCKED, 0, 0, kind, -1);
    if (rrun_sleep_until(r, rclock_add(rclock_mono_ns(),
                                       rrun_ticks_ns(r, n))) < 0)
        return -1;
    rrec_state(T, rclock_now(), TS_RUNNING, 0, 0, 0, -1);
    return 0;
}

/* The tasks a request lets go on: they have what they waited for (their
 * calls' results are set here, on this one thread) and are ready. */
static void wake_tasks(struct aio *a, struct rtask *T, uint64_t t,
                       int64_t tick, const struct sync_wake *wake)
{
    struct rrun *r = a->r;

    for (int i = 0; i < wake->nmoved; i++)
        r->tasks[wake->moved[i]].waiting_lock = wake->moved_to;
    for (int i = 0; i < wake->n; i++) {
        struct rtask *W = &r->tasks[wake->tasks[i]];
        int obj = W->waiting_lock;

        if (wake->err)
            W->timeout_err = wake->err;     /* a broken barrier's wait */
        vm_set_result(&W->vm, wake->values[i]);
        if (!wake->err)
            rsync_record_got(r, W, t, obj >= 0 ? obj : 0, T->id);
        rrec_state(W, t, TS_READY, -1, 0, 0, -1);
        fire_timers(a, tick);
        ready_push(a, W->id, 0);
    }
}

/* T asks a sync object for what eff says: it may wait (the loop runs
 * others meanwhile), and tasks it lets go on become ready.  Returns the
 * error the task fails with, or ERR_NONE. */
static int sync_op(struct aio *a, struct rtask *T, uint64_t t, int64_t tick,
                   const struct vm_effect *eff)
{
    struct rrun *r = a->r;
    struct sync_call call = {eff->method, eff->value, eff->block,
                             eff->timeout};
    struct sync_wake wake;
    struct sync_reply rep;
    struct real_rec *ev;
    int in, q, arg;
    enum sync_result res;

    wake.n = wake.nmoved = 0;
    res = sync_request(r->sync, eff->index, T->id, &call, &wake, &rep);
    rsync_show_value(r, r->sync, eff->index);
    switch (res) {
    case SYNC_ERROR:
        wake_tasks(a, T, t, tick, &wake);   /* a barrier it broke */
        return rep.err;
    case SYNC_BLOCKED:
        in = rep.waits_in;
        q = sync_wait_queue(&r->sync[in], T->id);
        arg = sync_wait_arg(&r->sync[in], T->id);
        wake_tasks(a, T, t, tick, &wake);
        if ((ev = rrec_event(T, t, EV_LOCK_WAIT)) != NULL) {
            ev->arg2 = (int16_t)in;
            ev->other = (int16_t)(arg >= 0 ? arg : -1);
            ev->value = q;
        }
        switch_away(a, T, t, SW_LOCK, arg, in);
        rrec_state(T, t, TS_LOCK_WAIT, -1, SW_LOCK, 0, in);
        T->waiting_lock = in;
        T->timeout_err = 0;
        to_loop(a, T);
        T->waiting_lock = -1;
        return T->timeout_err;
    case SYNC_GRANTED:
        break;
    }
    vm_set_result(&T->vm, rep.value);
    rsync_record_done(r, T, t, eff, &rep, &wake);
    wake_tasks(a, T, t, tick, &wake);
    return ERR_NONE;
}

/* T's error leaves the with block that entered obj: its __exit__
 * releases obj (rtask_fail), and the waiters it lets go on are ready. */
static void aio_leave_with(struct rrun *r, struct rtask *T, uint64_t t,
                           int obj)
{
    struct aio *a = r->be_state;
    struct sync_call call = {SYNC_RELEASE, 1, 1, -1};
    struct sync_wake wake;
    struct sync_reply rep;
    struct real_rec *ev;

    wake.n = wake.nmoved = 0;
    if (sync_request(r->sync, obj, T->id, &call, &wake, &rep) !=
        SYNC_GRANTED)
        return;
    rsync_show_value(r, r->sync, obj);
    if ((ev = rrec_event(T, t, EV_RELEASE)) != NULL) {
        ev->arg2 = (int16_t)rep.waits_in;
        ev->other = (int16_t)(wake.n ? wake.tasks[0] : -1);
        ev->value = 1 + obj;
    }
    wake_tasks(a, T, t, a->V > 0 ? a->V - 1 : 0, &wake);
}

/* The end of T: it never runs again. */
TT_NORETURN static void task_over(struct aio *a, struct rtask *T)
{
    a->ndone++;
    to_loop(a, T);
    abort();
}

/* ---- tasks made by code -------------------------------------------------------- */

static void coroutine(void *p);

/* A task made by code (asyncio.create_task, or one of a gather's): the
 * next spare task runs e's coroutine, ready at once after the timers due
 * by this tick, as the simulator schedules it.  Returns the task, or -1 -
 * an error. */
static int spawn(struct aio *a, struct rtask *T, uint64_t t, int64_t tick,
                 const struct vm_effect *e)
{
    struct rrun *r = a->r;
    int u = r->nrun + atomic_fetch_add(&r->nspawned, 1);
    struct rtask *U;

    if (e->value != VM_TASK_MARK)
        return -1 - ERR_THREAD_MODE;    /* threading.Thread: no OS threads */
    if (u >= r->ntasks)
        return -1 - ERR_SPAWN;
    U = &r->tasks[u];
    if (vm_init_spawned(&U->vm, r->P, e))
        return -1 - ERR_BOXED;
    vm_set_result(&T->vm, VM_REF(REF_THREAD, (uint32_t)u));
    atomic_store(&U->started, 1);
    a->nstarted++;
    a->ops->init(&a->co[u], coroutine, U);
    rrec_event(U, t, EV_START);
    rrec_state(U, t, TS_READY, -1, 0, 0, -1);
    fire_timers(a, tick);
    ready_push(a, u, 0);
    return u;
}

struct gather_ctx {
    struct aio *a;
    struct rtask *T;
    uint64_t t;
    int64_t tick;
};

static int gather_spawn(void *ctx, const struct vm_effect *e)
{
    struct gather_ctx *g = ctx;

    return spawn(g->a, g->T, g->t, g->tick, e);
}

/* asyncio.gather(...): its coroutines become tasks (vm_gather_start). */
static int gather(struct aio *a, struct rtask *T, uint64_t t, int64_t tick,
                  const struct vm_effect *eff)
{
    struct gather_ctx g = {a, T, t, tick};
    int err = vm_gather_start(&T->vm, a->r->P, eff, gather_spawn, &g);
    const struct vm_frame *fr = vm_frame(&T->vm);
    const int64_t *list = &T->vm.slots[fr->base + (uint32_t)eff->index];

    if (err != ERR_NONE)
        return err;
    /* 2: an exception becomes a value of the list */
    for (int64_t i = 0; i < list[0]; i++)
        a->r->tasks[vm_ref_index(list[1 + i])].retrieved =
            (uint8_t)(1 + eff->method);
    return ERR_NONE;
}

/* T leaves the loop until task u has ended (an await of it, or of a
 * gather with left tasks not done). */
static void block_on(struct aio *a, struct rtask *T, uint64_t t, int u,
                     int left)
{
    switch_away(a, T, t, SW_JOIN, u, left);
    rrec_state(T, t, TS_BLOCKED, -1, SW_JOIN, VM_JOIN, -1);
    atomic_store(&T->joining, u);
    to_loop(a, T);
}

/* await TASK: at once if u has ended (its value, or its exception);
 * else T waits until it has (wake_awaiters).  Returns an error. */
static int await_task(struct aio *a, struct rtask *T, uint64_t t, int u)
{
    struct rtask *U = &a->r->tasks[u];

    if (u == T->id)
        return ERR_JOIN_SELF;
    if (!U->retrieved)
        U->retrieved = 1;
    if (U->end_state == TS_FAILED)
        return ERR_TASK_FAILED;
    if (U->end_state == TS_DONE)
        vm_set_result(&T->vm, U->value);
    else
        block_on(a, T, t, u, -1);
    return ERR_NONE;
}

static int gather_check(struct rrun *r, struct rtask *T, int *u)
{
    struct vm_task_end ends[LESSON_MAX_TASKS];

    for (int k = 0; k < r->ntasks; k++) {
        ends[k].ended = r->tasks[k].end_state == TS_DONE ? 1 :
                        r->tasks[k].end_state == TS_FAILED ? 2 : 0;
        ends[k].at = (int64_t)r->tasks[k].t_end;
        ends[k].value = r->tasks[k].value;
    }
    return vm_gather_check(&T->vm, r->P, ends, u);
}

/* await asyncio.gather(): T waits until every task in it is done, or
 * fails with the first one's exception (*u that task). */
static int await_gather(struct aio *a, struct rtask *T, uint64_t t, int *u)
{
    struct rrun *r = a->r;
    const int64_t *list;
    int left = 0;

    switch (gather_check(r, T, u)) {
    case VM_GATHER_FAILED:
        return ERR_TASK_FAILED;
    case VM_GATHER_WAIT:
        break;
    default:
        return ERR_NONE;
    }
    list = vm_gather_list(&T->vm, r->P, NULL);
    for (int64_t i = 0; i < list[0]; i++)
        left += r->tasks[vm_ref_index(list[1 + i])].end_state < 0;
    block_on(a, T, t, *u, left);
    return ERR_NONE;
}

static void wake_awaiters(struct aio *a, struct rtask *U, uint64_t t,
                          int64_t tick);

/* W, waiting in an await, fails there with the exception of task u;
 * its coroutine never runs again. */
static void fail_awaiter(struct aio *a, struct rtask *W, uint64_t t,
                         int64_t tick, int u)
{
    struct vm_effect eff;

    memset(&eff, 0, sizeof(eff));
    eff.status = VM_ERROR;
    eff.error = ERR_TASK_FAILED;
    eff.index = u;
    eff.pc = vm_pc(&W->vm);
    atomic_store(&W->joining, -1);
    rtask_fail(a->r, W, t, &eff);
    a->ndone++;
    wake_awaiters(a, W, t, tick);
}

/* Task U has ended: what awaits it goes on (with its value), waits for
 * the next of its gather's tasks, or fails with U's exception - in task
 * order, as the simulator's wake_joiners. */
static void wake_awaiters(struct aio *a, struct rtask *U, uint64_t t,
                          int64_t tick)
{
    struct rrun *r = a->r;

    for (int w = 0; w < r->ntasks; w++) {
        struct rtask *W = &r->tasks[w];
        int joins = atomic_load(&W->joining), gathered, next = -1, k;
        struct real_rec *ev;

        if (W->end_state >= 0 || joins < 0 ||
            (joins != U->id && U->end_state != TS_FAILED))
            continue;
        gathered = vm_gather_list(&W->vm, r->P, NULL) != NULL;
        /* (once: at VM_GATHER_DONE the list takes the values) */
        k = gathered ? gather_check(r, W, &next) : VM_GATHER_NONE;
        if (k == VM_GATHER_FAILED) {
            fail_awaiter(a, W, t, tick, next);
            continue;
        }
        if (joins != U->id)
            continue;
        if (!gathered && U->end_state == TS_FAILED) {
            fail_awaiter(a, W, t, tick, U->id);
            continue;
        }
        if (k == VM_GATHER_WAIT) {
            atomic_store(&W->joining, next);
            continue;
        }
        if ((ev = rrec_event(W, t, EV_WAKE)) != NULL) {
            ev->arg2 = TRACE_JOIN_MARK;
            ev->other = (int16_t)U->id;
            ev->value = gathered;
        }
        atomic_store(&W->joining, -1);
        if (!gathered)
            vm_set_result(&W->vm, U->value);
        rrec_state(W, t, TS_READY, -1, 0, 0, -1);
        fire_timers(a, tick);
        ready_push(a, w, 0);
    }
}

/* T has failed with eff's error: it ends, and what awaits it fails. */
TT_NORETURN static void fail(struct aio *a, struct rtask *T, int64_t tick,
                             const struct vm_effect *eff)
{
    uint64_t t = rclock_now();

    rtask_fail(a->r, T, t, eff);
    wake_awaiters(a, T, t, tick);
    task_over(a, T);
}

/* ---- the coroutine ----------------------------------------------------------- */

static void coroutine(void *p)
{
    struct rtask *T = p;
    struct rrun *r = T->run;
    struct aio *a = r->be_state;
    const struct program *P = r->P;
    struct vm_effect eff;

    for (;;) {
        int64_t tick = a->V;
        uint64_t t;

        if ((T->ops & 255) == 0) {
            if (rclock_now() > r->deadline_raw)
                rrun_abort(r, RA_TIMEOUT);
            else if (r->opt->cancel && atomic_load(r->opt->cancel))
                rrun_abort(r, RA_CANCEL);
            if (rrun_aborted(r))
                task_over(a, T);
        }
        t = rclock_now();
        if (t < a->last_op_t)
            t = a->last_op_t;
        a->last_op_t = t;
        vm_step(&T->vm, P, r->mem, &eff);
        T->ops++;
        if (r->traced)
            rrec_op(T, t, 0, &eff);
        a->V = tick + 1;
        switch ((enum vm_status)eff.status) {
        case VM_RAN:
            break;
        case VM_COMPUTE:
            if (eff.value > 1)
                a->V = sat_add(tick, eff.value);
            if (eff.value > 0 && rrun_busy(r, T, eff.value) < 0)
                task_over(a, T);
            break;
        case VM_SLEEP:
        case VM_IO:
            if (eff.value > 0) {
                a->V = sat_add(tick + 1, eff.value);
                if (stall(a, T, t, eff.status, eff.value) < 0)
                    task_over(a, T);
            }
            break;
        case VM_AWAIT_SLEEP:
        case VM_AWAIT_IO:
            switch_away(a, T, t, SW_AWAIT, eff.value, eff.status);
            if (eff.value == 0) {
                rrec_state(T, t, TS_READY, -1, SW_AWAIT, 0, -1);
                fire_timers(a, tick);
                ready_push(a, T->id, 0);
            } else {
                rrec_state(T, t, TS_BLOCKED, -1, SW_AWAIT, eff.status, -1);
                a->real_deadline[T->id] =
                    rclock_add(t, rclock_units(rrun_ticks_ns(r, eff.value)));
                heap_push(a, sat_add(tick + 1, eff.value), T->id);
            }
            to_loop(a, T);
            break;
        case VM_SYNC: {
            int err = sync_op(a, T, t, tick, &eff);

            if (err != ERR_NONE) {
                eff.status = VM_ERROR;
                eff.error = (uint8_t)err;
                fail(a, T, tick, &eff);
            }
            break;
        }
        case VM_PRINT:
            rtask_print(T, t, P, &eff);
            break;
        case VM_EXIT:
            t = rclock_now();
            rrec_event(T, t, EV_EXIT);
            T->value = eff.value;
            rtask_end(r, T, t, TS_DONE);
            wake_awaiters(a, T, t, tick);
            task_over(a, T);
        case VM_THREAD:
        case VM_START:
        case VM_JOIN: {
            /* tasks; no OS threads on an event loop */
            int u = eff.index, err =
                eff.status == VM_START ? ERR_THREAD_MODE :
                eff.status == VM_JOIN ? (eff.method == 1 ?
                                         await_gather(a, T, t, &u) :
                                         await_task(a, T, t, u)) :
                eff.value == VM_GATHER_MARK ? gather(a, T, t, tick, &eff) :
                spawn(a, T, t, tick, &eff);

            if (eff.status == VM_THREAD && eff.value != VM_GATHER_MARK)
                err = err < 0 ? -1 - err : ERR_NONE;    /* (a task) */
            if (err == ERR_NONE)
                break;
            eff.status = VM_ERROR;
            eff.error = (uint8_t)err;
            eff.index = u;
            fail(a, T, tick, &eff);
        }
        case VM_POOL:
            /* a pool's worker threads: no OS threads on an event loop,
             * as the simulator says */
            eff.status = VM_ERROR;
            eff.error = ERR_POOL_MODE;
            fail(a, T, tick, &eff);
        case VM_ERROR:
            fail(a, T, tick, &eff);
        }
        if (T->ops > r->cfg.budget) {
            r->limit_task = T->id;
            rrun_abort(r, RA_BUDGET);
            task_over(a, T);
        }
    }
}

/* ---- the loop ------------------------------------------------------------------ */

static int aio_setup(struct rrun *r, struct strbuf *err)
{
    struct aio *a = xcalloc(1, sizeof(*a));

    a->r = r;
    a->ops = r->opt->coro ? coro_by_name(r->opt->coro) : coro_default();
    if (!a->ops) {
        sb_printf(err, "no coroutine switch named '%s' in this build",
                  r->opt->coro);
        free(a);
        return -1;
    }
    for (int t = 0; t < r->ntasks; t++)
        if (coro_stack_new(&a->co[t], CORO_STACK_SIZE) < 0) {
            sb_puts(err, "cannot map a coroutine stack");
            for (int k = 0; k < t; k++)
                coro_free(&a->co[k]);
            free(a);
            return -1;
        }
    r->be_state = a;
    r->single = 1;
#if defined(__x86_64__)
    r->detail = a->ops == &coro_ucontext ? "coroutines, ucontext switch" :
                "coroutines, asm x86-64 switch";
#else
    r->detail = a->ops == &coro_ucontext ? "coroutines, ucontext switch" :
                "coroutines, asm aarch64 switch";
#endif
    return 0;
}

static void aio_teardown(struct rrun *r)
{
    struct aio *a = r->be_state;

    if (!a)
        return;
    for (int t = 0; t < r->ntasks; t++)
        coro_free(&a->co[t]);
    coro_free(&a->loop);
    free(a);
    r->be_state = NULL;
}

/* Sleep until raw clock time `when` (a coroutine's wait really ends). */
static int wait_until_raw(struct rrun *r, uint64_t when)
{
    uint64_t now = rclock_now();

    if (when <= now)
        return 0;
    return rrun_sleep_until(r, rclock_add(rclock_mono_ns(),
                                          rclock_ns_u64(when - now)));
}

static void deadlock(struct aio *a)
{
    struct rrun *r = a->r;

    r->dl_found = 1;
    for (int t = 0; t < r->ntasks; t++) {
        int lk = r->tasks[t].waiting_lock;
        int u = atomic_load(&r->tasks[t].joining);

        if (u >= 0) {       /* an await of task u, or of a gather */
            r->dl_lock[t] = TRACE_JOIN_MARK;
            r->dl_holder[t] = u;
            r->dl_queue[t] = vm_gather_list(&r->tasks[t].vm, r->P,
                                            NULL) != NULL;
            continue;
        }
        r->dl_lock[t] = lk;
        r->dl_queue[t] = lk >= 0 ? sync_wait_queue(&r->sync[lk], t) : 0;
        r->dl_holder[t] = lk >= 0 && r->dl_queue[t] == SYNC_Q_MAIN ?
                          sync_holder(&r->sync[lk]) : -1;
    }
}

static void aio_run(struct rrun *r)
{
    struct aio *a = r->be_state;
#ifdef PR_SET_TIMERSLACK
    int slack = prctl(PR_GET_TIMERSLACK, 0UL, 0UL, 0UL, 0UL);

    prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
#endif
    a->V = 0;
    a->seqno = 0;
    a->rhead = a->rn = 0;
    a->nheap = 0;
    a->ndone = 0;
    a->nstarted = r->nrun;
    a->last_op_t = 0;
    a->last_wake_t = 0;
    a->sw_task = -1;
    r->t0 = rclock_now();
    r->deadline_mono = rclock_mono_ns() + (uint64_t)r->opt->timeout_ns;
    r->deadline_raw = r->t0 + rclock_units((uint64_t)r->opt->timeout_ns);
    for (int t = 0; t < r->nrun; t++) {     /* the code makes the rest */
        struct rtask *T = &r->tasks[t];

        a->ops->init(&a->co[t], coroutine, T);
        rrec_event(T, r->t0, EV_START);
        rrec_state(T, r->t0, TS_READY, -1, 0, 0, -1);
        ready_push(a, t, 0);
    }
    for (;;) {
        int t;
        uint64_t now;

        fire_timers(a, a->V);
        if (rrun_aborted(r))
            break;
        if (a->rn == 0) {
            if (a->nheap == 0) {
                if (a->ndone < a->nstarted)
                    deadlock(a);
                break;
            }
            a->V = a->heap[0].deadline;     /* idle: on to the next timer */
            continue;
        }
        t = ready_pop(a);
        if (wait_until_raw(r, a->not_before[t]) < 0)
            break;
        now = rclock_now();
        if (a->sw_task >= 0) {
            r->tasks[a->sw_task].rec[a->sw_rec].other = (int16_t)t;
            a->sw_task = -1;
        }
        rrec_state(&r->tasks[t], now, TS_RUNNING, 0, 0, 0, -1);
        a->ops->swap(&a->loop, &a->co[t]);
    }
#ifdef PR_SET_TIMERSLACK
    if (slack > 0)
        prctl(PR_SET_TIMERSLACK, (unsigned long)slack, 0UL, 0UL, 0UL);
#endif
}

const struct real_backend real_asyncio = {
    .name = "asyncio",
    .detail = "coroutines on one event loop",
    .setup = aio_setup,
    .run = aio_run,
    .teardown = aio_teardown,
    .leave_with = aio_leave_with,
};
