/* real_task.c - one task's life in a real run: ops, waits, locks, the end.
 *
 * rtask_run() is the loop every backend but asyncio runs for a task: one
 * vm_step per op, a record per op, and the effect made real (busy work,
 * a real sleep, a real lock).  The GIL, fences and the race-window pause
 * are switched on by the rrun; nothing here knows which backend calls it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <time.h>

#include "real/real_impl.h"

/* ---- records ---------------------------------------------------------------- */

static int terminal_state(int state)
{
    return state == TS_DONE || state == TS_FAILED;
}

static int terminal_event(int kind)
{
    return kind == EV_EXIT || kind == EV_ERROR || kind == EV_DEADLOCK ||
           kind == EV_LIMIT;
}

void rrec_state(struct rtask *T, uint64_t t, int state, int cpu, int why,
                int wait, int arg)
{
    struct real_rec *rc = rrec_add(T, t, REC_STATE,
                                   terminal_state(state) ? 0 : RREC_RESERVE / 2);

    if (!rc)
        return;
    rc->value = 0;
    rc->status = (uint8_t)state;
    rc->cpu = (int8_t)cpu;
    rc->why = (uint8_t)why;
    rc->arg2 = (int16_t)wait;
    rc->pc = (uint32_t)arg;
    rc->other = -1;
}

struct real_rec *rrec_event(struct rtask *T, uint64_t t, int kind)
{
    struct real_rec *rc = rrec_add(T, t, REC_EVENT,
                                   terminal_event(kind) ? 0 : RREC_RESERVE / 2);

    if (!rc)
        return NULL;
    rc->value = 0;
    rc->pc = 0;
    rc->status = (uint8_t)kind;
    rc->cpu = -1;
    rc->why = 0;
    rc->other = -1;
    rc->arg2 = -1;
    return rc;
}

int64_t rrec_text(struct rtask *T, const char *s)
{
    int64_t off = (int64_t)T->text.len;

    if (T->text.len > (1u << 20))
        return -1;  /* the trace says output was dropped */
    sb_puts(&T->text, s);
    sb_putc(&T->text, '\0');
    return off;
}

/* ---- stopping, sleeping, working ---------------------------------------------- */

void rrun_abort(struct rrun *r, enum rabort why)
{
    int expected = RA_NONE;

    if (!atomic_compare_exchange_strong(&r->abort, &expected, (int)why))
        return;
    r->t_abort = rclock_now();
    if (!r->threaded)
        return;
    pthread_mutex_lock(&r->sleep_mu);
    pthread_cond_broadcast(&r->sleep_cv);
    pthread_mutex_unlock(&r->sleep_mu);
    rsync_wake_all(r);
    if (r->use_gil)
        rgil_wake_all(r);
}

static void to_timespec(uint64_t ns, struct timespec *ts)
{
    ts->tv_sec = (time_t)(ns / 1000000000u);
    ts->tv_nsec = (long)(ns % 1000000000u);
}

/* Every so often: the time limit and the caller's cancel flag. */
static int rrun_check(struct rrun *r)
{
    if (rclock_now() > r->deadline_raw)
        rrun_abort(r, RA_TIMEOUT);
    else if (r->opt->cancel &&
             atomic_load_explicit(r->opt->cancel, memory_order_relaxed))
        rrun_abort(r, RA_CANCEL);
    return rrun_aborted(r) ? -1 : 0;
}

uint64_t rrun_ticks_ns(const struct rrun *r, int64_t n)
{
    uint64_t tick = (uint64_t)r->tick_ns;

    if (n <= 0)
        return 0;
    return (uint64_t)n > UINT64_MAX / tick ? UINT64_MAX : (uint64_t)n * tick;
}

int rrun_sleep_until(struct rrun *r, uint64_t until)
{
    struct timespec ts;

    if (until > r->deadline_mono) {
        /* The wait would outlast the run: sleep to the limit, then stop. */
        if (rrun_sleep_until(r, r->deadline_mono) == 0)
            rrun_abort(r, RA_TIMEOUT);
        return -1;
    }
    to_timespec(until, &ts);
    if (!r->threaded) {
        /* Nobody can wake this thread: sleep in steps of at most 10 ms,
         * to notice the caller's cancel flag. */
        for (;;) {
            uint64_t now = rclock_mono_ns(), step = until;

            if (now >= until || rrun_check(r) < 0)
                break;
            if (step > now + 10000000u)
                step = now + 10000000u;
            to_timespec(step, &ts);
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)
                   == EINTR)
                ;
        }
        return rrun_aborted(r) ? -1 : 0;
    }
    pthread_mutex_lock(&r->sleep_mu);
    while (!rrun_aborted(r) && rclock_mono_ns() < until)
        if (pthread_cond_timedwait(&r->sleep_cv, &r->sleep_mu, &ts) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&r->sleep_mu);
    return rrun_aborted(r) ? -1 : 0;
}

/* Under the GIL: the holder was asked to drop it; let another take it. */
static int gil_switch(struct rrun *r, struct rtask *T)
{
    uint64_t t = rclock_now();
    struct real_rec *ev = rrec_event(T, t, EV_SWITCH);

    if (ev) {
        ev->why = SW_GIL_DROP;
        ev->value = r->cfg.switch_interval;
    }
    rrec_state(T, t, TS_GIL_WAIT, -1, SW_GIL_DROP, 0, -1);
    rgil_drop(r, T, 1);
    return rgil_take(r, T);
}

static int gil_checkpoint(struct rrun *r, struct rtask *T)
{
    if (r->use_gil &&
        atomic_load_explicit(&r->gil.drop_request, memory_order_relaxed))
        return gil_switch(r, T);
    return 0;
}

/* A slice of busy work ran from t0 to t1.  Much longer than `expect`: the
 * OS ran something else meanwhile (drawn as ready, after the part of the
 * slice that worked).  The thread may also have moved to another CPU. */
static void busy_observe(struct rrun *r, struct rtask *T, uint64_t t0,
                         uint64_t t1, uint64_t expect, int *cpu)
{
    int now_cpu = rrun_lane(r);

    if (t1 - t0 > 2 * expect + rclock_units(20000)) {
        rrec_state(T, t0 + expect, TS_READY, -1, 0, 0, -1);
        rrec_state(T, t1, TS_RUNNING, now_cpu, 0, 0, -1);
    } else if (now_cpu != *cpu) {
        rrec_state(T, t1, TS_RUNNING, now_cpu, 0, 0, -1);
    }
    *cpu = now_cpu;
}

int rrun_busy(struct rrun *r, struct rtask *T, int64_t ticks)
{
    /* Work in slices of at most about 50 us, to notice a stop and, when
     * tracing threads or processes, the OS taking the CPU away. */
    uint64_t slice = r->tick_iters, most = rclock_iters(50000), expect;
    int splits = 1, watch = r->traced && !r->single, cpu = rrun_lane(r);

    while (slice > most && splits < (1 << 24)) {
        slice = (slice + 1) / 2;
        splits *= 2;
    }
    expect = rclock_units((uint64_t)r->tick_ns / (uint64_t)splits);
    for (int64_t k = 0; k < ticks; k++) {
        if (k > 0 && gil_checkpoint(r, T) < 0)
            return -1;
        for (int s = 0; s < splits; s++) {
            uint64_t t0 = watch ? rclock_now() : 0;
            volatile uint64_t sink = rclock_spin(slice);

            (void)sink;
            if (watch)
                busy_observe(r, T, t0, rclock_now(), expect, &cpu);
            if (rrun_aborted(r) || rrun_check(r) < 0)
                return -1;
        }
    }
    return 0;
}

/* ---- sync objects ------------------------------------------------------------------ */

void rsync_init(struct rrun *r)
{
    pthread_mutex_init(&r->sync_mu, NULL);
    r->sync = xcalloc((size_t)r->nlocks + 1, sizeof(*r->sync));
    r->ticket = xcalloc((size_t)r->nlocks + 1, sizeof(*r->ticket));
}

void rsync_reset(struct rrun *r)
{
    for (int i = 0; i < r->nlocks; i++) {
        sync_init(&r->sync[i], r->P->lock_kind[i], r->P->lock_arg[i],
                  r->P->lock_link[i]);
        r->ticket[i] = 0;
    }
}

void rsync_destroy(struct rrun *r)
{
    pthread_mutex_destroy(&r->sync_mu);
    free(r->sync);
    free(r->ticket);
    r->sync = NULL;
    r->ticket = NULL;
}

/* The op just recorded gets its ticket as its value: the order in which
 * tasks asked an object for something that may wait. */
static void set_ticket(struct rtask *T, uint32_t ticket)
{
    if (T->nrec > 0 && T->rec[T->nrec - 1].kind == REC_OP)
        T->rec[T->nrec - 1].value = ticket;
}

/* T got what it waited for in obj (or what it asked for at once). */
void rsync_record_got(struct rrun *r, struct rtask *T, uint64_t t, int obj,
                      int woken_by)
{
    struct real_rec *ev;

    if (sync_is_lock(r->P->lock_kind[obj])) {
        if ((ev = rrec_event(T, t, EV_ACQUIRE)) != NULL)
            ev->arg2 = (int16_t)obj;
    } else if ((ev = rrec_event(T, t, EV_WAKE)) != NULL) {
        ev->arg2 = (int16_t)obj;
        ev->other = (int16_t)woken_by;
    }
}

void rsync_record_wait(struct rtask *T, uint64_t t, int obj, int arg, int q)
{
    struct real_rec *ev;

    if ((ev = rrec_event(T, t, EV_LOCK_WAIT)) != NULL) {
        ev->arg2 = (int16_t)obj;
        ev->other = (int16_t)(arg >= 0 ? arg : -1);
        ev->value = q;
    }
    if ((ev = rrec_event(T, t, EV_SWITCH)) != NULL) {
        ev->why = SW_LOCK;
        ev->value = arg;
        ev->arg2 = (int16_t)obj;
    }
    rrec_state(T, t, TS_LOCK_WAIT, -1, SW_LOCK, 0, obj);
}

void rsync_record_done(struct rrun *r, struct rtask *T, uint64_t t,
                       const struct vm_effect *eff, const struct sync_reply *rep,
                       const struct sync_wake *wake)
{
    struct real_rec *ev;

    (void)r;
    if (eff->method == SYNC_ACQUIRE && rep->value == 1) {
        if ((ev = rrec_event(T, t, EV_ACQUIRE)) != NULL)
            ev->arg2 = (int16_t)rep->waits_in;
    } else if (eff->method == SYNC_RELEASE &&
               (ev = rrec_event(T, t, EV_RELEASE)) != NULL) {
        ev->arg2 = (int16_t)rep->waits_in;
        ev->other = (int16_t)(wake->n ? wake->tasks[0] : -1);
    }
}

/* Let the tasks a request woke go on (sync_mu held). */
static void deliver(struct rrun *r, int waker, const struct sync_wake *w)
{
    for (int i = 0; i < w->nmoved; i++)
        r->tasks[w->moved[i]].waiting_lock = w->moved_to;
    for (int i = 0; i < w->n; i++) {
        struct rtask *W = &r->tasks[w->tasks[i]];

        W->granted = 1;
        W->result = w->values[i];
        W->woken_by = waker;
        if (w->err)
            W->timeout_err = w->err;    /* their calls raise it */
        pthread_cond_signal(&W->cv);
    }
}

/* Wait (sync_mu held) until granted, the run stops, or the timeout (ns
 * from now, 0 for none) passes; then the wait is given up. */
static void wait_granted(struct rrun *r, struct rtask *T, uint64_t timeout_ns)
{
    struct timespec ts;

    if (timeout_ns) {
        uint64_t until;

        clock_gettime(CLOCK_REALTIME, &ts);
        until = rclock_add((uint64_t)ts.tv_sec * 1000000000u +
                           (uint64_t)ts.tv_nsec, timeout_ns);
        ts.tv_sec = (time_t)(until / 1000000000u);
        ts.tv_nsec = (long)(until % 1000000000u);
    }
    while (!T->granted && !rrun_aborted(r)) {
        if (!timeout_ns) {
            pthread_cond_wait(&T->cv, &r->sync_mu);
        } else if (pthread_cond_timedwait(&T->cv, &r->sync_mu, &ts) ==
                   ETIMEDOUT && !T->granted) {
            struct sync_reply rep;
            struct sync_wake wake;

            T->timed_out = 1;
            wake.n = wake.nmoved = 0;
            switch (sync_timeout(r->sync, T->waiting_lock, T->id, &wake,
                                 &rep)) {
            case SYNC_BLOCKED:
                /* a condition's wait: it must get the lock back first */
                T->waiting_lock = rep.waits_in;
                T->timed = 0;
                timeout_ns = 0;
                continue;
            case SYNC_ERROR:
                T->timeout_err = rep.err;
                deliver(r, T->id, &wake);   /* a broken barrier's waiters */
                break;
            case SYNC_GRANTED:
                break;
            }
            T->result = rep.value;
            T->granted = 1;
            T->woken_by = -1;
        }
    }
}

int rsync_request(struct rrun *r, struct rtask *T, const struct vm_effect *eff,
                  uint64_t t)
{
    int obj = eff->index, in, arg, q, got;
    struct sync_call call = rsync_call(eff);
    struct sync_wake wake;
    struct sync_reply rep;
    enum sync_result res;

    if (r->be->shared_request && sync_kind_shared(r->P->lock_kind[obj]))
        return r->be->shared_request(r, T, eff, t);
    wake.n = wake.nmoved = 0;
    pthread_mutex_lock(&r->sync_mu);
    if (rsync_ticketed(r->P->lock_kind[obj], eff->method))
        set_ticket(T, r->ticket[obj]++);
    res = sync_request(r->sync, obj, T->id, &call, &wake, &rep);
    rsync_show_value(r, r->sync, obj);
    switch (res) {
    case SYNC_ERROR:
        deliver(r, T->id, &wake);   /* a barrier it broke */
        pthread_mutex_unlock(&r->sync_mu);
        return rep.err;
    case SYNC_GRANTED:
        deliver(r, T->id, &wake);
        pthread_mutex_unlock(&r->sync_mu);
        vm_set_result(&T->vm, rep.value);
        rsync_record_done(r, T, t, eff, &rep, &wake);
        return 0;
    case SYNC_BLOCKED:
        break;
    }
    in = rep.waits_in;
    arg = sync_wait_arg(&r->sync[in], T->id);
    q = sync_wait_queue(&r->sync[in], T->id);
    deliver(r, T->id, &wake);   /* a condition's wait lets go of its lock */
    if (r->solo && call.timeout <= 0) {
        /* Nobody else shares this object: it will never be released (a
         * timed wait just runs out). */
        sync_cancel(&r->sync[in], T->id);
        pthread_mutex_unlock(&r->sync_mu);
        r->dl_found = 1;
        r->dl_lock[T->id] = in;
        r->dl_holder[T->id] = q == SYNC_Q_MAIN ? sync_holder(&r->sync[in]) : -1;
        r->dl_queue[T->id] = q;
        return -1;
    }
    T->waiting_lock = in;
    T->granted = 0;
    T->timed = call.timeout > 0;
    T->timed_out = 0;
    T->timeout_err = 0;
    pthread_mutex_unlock(&r->sync_mu);

    rsync_record_wait(T, t, in, arg, q);
    if (r->use_gil)
        rgil_drop(r, T, 0);

    pthread_mutex_lock(&r->sync_mu);
    wait_granted(r, T, call.timeout > 0 ? rrun_ticks_ns(r, call.timeout) : 0);
    got = T->granted;
    in = T->waiting_lock;
    T->waiting_lock = -1;
    T->timed = 0;
    T->granted = 0;
    pthread_mutex_unlock(&r->sync_mu);
    if (!got)
        return -1;
    if (T->timeout_err)
        return T->timeout_err;
    vm_set_result(&T->vm, T->result);
    rsync_record_got(r, T, rclock_now(), in, T->woken_by);
    if (r->use_gil)
        return rgil_take(r, T);
    return 0;
}

void rsync_show_value(struct rrun *r, const struct sync_obj *objs, int obj)
{
    int64_t v;
    int g = sync_value(&objs[obj], &v);

    if (g >= 0)
        atomic_store_explicit(&r->mem[g], v, memory_order_relaxed);
}

void rsync_wake_all(struct rrun *r)
{
    pthread_mutex_lock(&r->sync_mu);
    for (int t = 0; t < r->ntasks; t++)
        if (r->tasks[t].waiting_lock >= 0 ||
            r->tasks[t].pool_wait != RPOOL_NONE)
            pthread_cond_signal(&r->tasks[t].cv);
    pthread_mutex_unlock(&r->sync_mu);
}

int rsync_deadlocked(struct rrun *r)
{
    int waiting = 0, dead = 1;

    /* With sync_mu held, who waits for what cannot change. */
    pthread_mutex_lock(&r->sync_mu);
    for (int t = 0; t < r->ntasks; t++) {
        const struct rtask *T = &r->tasks[t];

        r->dl_lock[t] = -1;
        r->dl_holder[t] = -1;
        r->dl_queue[t] = 0;
        if (atomic_load(&T->finished) || !atomic_load(&T->started))
            continue;
        if (atomic_load(&T->joining) >= 0) {
            int u = atomic_load(&T->joining);

            /* stuck only while the thread it joins has not ended */
            if (u < 0 || atomic_load(&r->tasks[u].finished)) {
                dead = 0;
                continue;
            }
            waiting++;
            r->dl_lock[t] = TRACE_JOIN_MARK;
            r->dl_holder[t] = u;
        } else if (T->waiting_lock >= 0 && !T->granted && !T->timed) {
            const struct sync_obj *o = &r->sync[T->waiting_lock];

            waiting++;
            r->dl_lock[t] = T->waiting_lock;
            r->dl_queue[t] = sync_wait_queue(o, t);
            r->dl_holder[t] = r->dl_queue[t] == SYNC_Q_MAIN ?
                              sync_holder(o) : -1;
        } else if (T->pool_wait != RPOOL_NONE) {
            /* in result(), or an idle worker: as the simulator's marks */
            int res = T->pool_wait == RPOOL_RESULT;

            waiting++;
            r->dl_lock[t] = res ? TRACE_RESULT_MARK : TRACE_WORK_MARK;
            r->dl_queue[t] = res ? T->pool_job : -1;
            r->dl_holder[t] = res ? r->pools->jobs[T->pool_job].worker : -1;
        } else {
            dead = 0;
        }
    }
    pthread_mutex_unlock(&r->sync_mu);
    return dead && waiting > 0;
}

/* ---- the end of a task ------------------------------------------------------------ */

void rtask_end(struct rrun *r, struct rtask *T, uint64_t t, int state)
{
    (void)r;
    T->t_end = t;
    T->end_state = (int8_t)state;
    rrec_state(T, t, state, -1, 0, 0, -1);
}

/* Release obj for T, whose error leaves the with block that entered it
 * (a release that cannot be made is skipped: T fails anyway). */
void rsync_leave_with(struct rrun *r, struct rtask *T, uint64_t t, int obj)
{
    struct sync_call call = {SYNC_RELEASE, 1, 1, -1};
    struct sync_wake wake;
    struct sync_reply rep;
    struct real_rec *ev;
    int got;

    wake.n = wake.nmoved = 0;
    pthread_mutex_lock(&r->sync_mu);
    got = sync_request(r->sync, obj, T->id, &call, &wake, &rep) ==
          SYNC_GRANTED;
    if (got)
        deliver(r, T->id, &wake);
    rsync_show_value(r, r->sync, obj);
    pthread_mutex_unlock(&r->sync_mu);
    if (got && (ev = rrec_event(T, t, EV_RELEASE)) != NULL) {
        ev->arg2 = (int16_t)rep.waits_in;
        ev->other = (int16_t)(wake.n ? wake.tasks[0] : -1);
        ev->value = 1 + obj;
    }
}

/* As CPython's exception leaves the task's with blocks, innermost first,
 * each __exit__ releases what its block entered. */
void rtask_leave_with(struct rrun *r, struct rtask *T, uint64_t t,
                      uint32_t pc)
{
    int objs[VM_MAX_FRAMES * 4];
    int n = vm_with_objects(&T->vm, r->P, pc, objs,
                            (int)(sizeof(objs) / sizeof(objs[0])));

    for (int i = 0; i < n; i++)
        (r->be->leave_with ? r->be->leave_with : rsync_leave_with)(r, T, t,
                                                                 objs[i]);
}

void rtask_fail(struct rrun *r, struct rtask *T, uint64_t t,
                const struct vm_effect *eff)
{
    struct strbuf sb;
    struct real_rec *ev;

    sb_init(&sb);
    if (eff->error == ERR_TASK_FAILED) {
        /* an await raises the exception of the task it awaits */
        T->value = r->tasks[eff->index].value;
        vm_format_reraise(r->P, T->value, r->sc->tasks[eff->index].label,
                          &sb);
    } else {
        T->value = vm_exc_value(r->P, eff);
        vm_format_error(r->P, eff, &sb);
    }
    T->err_off = rrec_text(T, sb.s);    /* kept even when not tracing */
    if ((ev = rrec_event(T, t, EV_ERROR)) != NULL) {
        ev->value = T->err_off;
        ev->arg2 = eff->error;
    }
    sb_done(&sb);
    rtask_leave_with(r, T, t, eff->pc);
    /* its pools are shut down on the way out of their with blocks */
    if (r->pools)
        rpool_owner_fails(r, T);
    rtask_end(r, T, t, TS_FAILED);
}

void rtask_print(struct rtask *T, uint64_t t, const struct program *P,
                 const struct vm_effect *eff)
{
    struct strbuf sb;
    struct real_rec *ev;

    sb_init(&sb);
    vm_format_print(P, eff, &sb);
    if ((ev = rrec_event(T, t, EV_PRINT)) != NULL)
        ev->value = rrec_text(T, sb.s ? sb.s : "");
    sb_done(&sb);
}

/* ---- waits --------------------------------------------------------------------------- */

/* sleep(n) / io(n): a real sleep; under the GIL, without it. */
static int blocking_wait(struct rrun *r, struct rtask *T, uint64_t t, int kind,
                         int64_t n)
{
    int reason = kind == VM_SLEEP || kind == VM_AWAIT_SLEEP ? SW_SLEEP : SW_IO;
    struct real_rec *ev = rrec_event(T, t, EV_SWITCH);
    uint64_t until;

    if (ev) {
        ev->why = (uint8_t)reason;
        ev->value = n;
    }
    rrec_state(T, t, TS_BLOCKED, -1, reason, kind, -1);
    if (r->use_gil)
        rgil_drop(r, T, 0);
    until = rclock_add(rclock_mono_ns(), rrun_ticks_ns(r, n));
    if (rrun_sleep_until(r, until) < 0)
        return -1;
    rrec_event(T, rclock_now(), EV_WAKE);
    if (r->use_gil)
        return rgil_take(r, T);
    return 0;
}

/* await sleep(0) outside an event loop: give up the CPU (or the GIL). */
static int yield_now(struct rrun *r, struct rtask *T, uint64_t t, int kind)
{
    struct real_rec *ev = rrec_event(T, t, EV_SWITCH);

    if (ev) {
        ev->why = SW_AWAIT;
        ev->arg2 = (int16_t)kind;
    }
    rrec_state(T, t, r->use_gil ? TS_GIL_WAIT : TS_READY, -1, SW_AWAIT, 0, -1);
    if (r->use_gil)
        rgil_drop(r, T, 0);
    sched_yield();
    if (r->use_gil)
        return rgil_take(r, T);
    return 0;
}

/* The race-window knob: a real pause between a read and what follows. */
static int widen(struct rrun *r, struct rtask *T)
{
    uint64_t t = rclock_now();

    rrec_state(T, t, TS_BLOCKED, -1, 0, VM_SLEEP, -1);
    return rrun_sleep_until(r, rclock_mono_ns() + (uint64_t)r->widen_ns);
}

/* ---- the loop ------------------------------------------------------------------------ */

/* ---- threads started by code ---------------------------------------------------------- */

/* threading.Thread(...): the next spawn task gets the function and its
 * arguments; its pthread waits until start().  Returns an error or 0. */
static int spawn(struct rrun *r, struct rtask *T, const struct vm_effect *eff)
{
    const struct program *P = r->P;
    int u = r->nrun + atomic_fetch_add(&r->nspawned, 1);
    struct rtask *U;

    if (!r->threaded)
        return ERR_THREAD_MODE;
    if (u >= r->ntasks)
        return ERR_SPAWN;
    U = &r->tasks[u];
    if (vm_init_spawned(&U->vm, P, eff))
        return ERR_BOXED;
    vm_set_result(&T->vm, VM_REF(REF_THREAD, (uint32_t)u));
    return 0;
}

/* HANDLE.start(): its pthread goes. */
int rtask_start(struct rrun *r, int u)
{
    struct rtask *U = &r->tasks[u];
    int err = 0;

    pthread_mutex_lock(&r->done_mu);
    if (atomic_load(&U->started) || u < r->nrun) {
        err = ERR_START_TWICE;
    } else {
        atomic_store(&U->started, 1);
        r->ndone--;
        pthread_cond_broadcast(&r->go_cv);
    }
    pthread_mutex_unlock(&r->done_mu);
    return err;
}

int rtask_wait_ended(struct rrun *r, struct rtask *T, int u)
{
    struct rtask *U = &r->tasks[u];

    atomic_store(&T->joining, u);
    pthread_mutex_lock(&r->done_mu);
    while (!atomic_load(&U->finished) && !rrun_aborted(r)) {
        uint64_t until = rclock_mono_ns() + 2000000u;
        struct timespec ts;

        ts.tv_sec = (time_t)(until / 1000000000u);
        ts.tv_nsec = (long)(until % 1000000000u);
        pthread_cond_timedwait(&r->done_cv, &r->done_mu, &ts);
    }
    pthread_mutex_unlock(&r->done_mu);
    atomic_store(&T->joining, -1);
    return rrun_aborted(r) ? -1 : 0;
}

/* HANDLE.join(): wait (without the GIL) until thread u has ended.
 * Returns an error, 0, or -1 if the run was stopped. */
static int join_thread(struct rrun *r, struct rtask *T, uint64_t t, int u)
{
    struct rtask *U = &r->tasks[u];
    struct real_rec *ev;
    int started;

    if (u == T->id)
        return ERR_JOIN_SELF;
    started = atomic_load(&U->started);
    if (!started)
        return ERR_JOIN_UNSTARTED;
    if (atomic_load(&U->finished))
        return 0;
    if ((ev = rrec_event(T, t, EV_SWITCH)) != NULL) {
        ev->why = SW_JOIN;
        ev->value = u;
    }
    rrec_state(T, t, TS_BLOCKED, -1, SW_JOIN, VM_JOIN, -1);
    if (r->use_gil)
        rgil_drop(r, T, 0);
    if (rtask_wait_ended(r, T, u) < 0)
        return -1;
    if ((ev = rrec_event(T, rclock_now(), EV_WAKE)) != NULL) {
        ev->arg2 = TRACE_JOIN_MARK;
        ev->other = (int16_t)u;
    }
    if (r->use_gil)
        return rgil_take(r, T);
    return 0;
}

static void finished(struct rrun *r, struct rtask *T)
{
    if (T->has_gil)
        rgil_drop(r, T, 0);
    atomic_store(&T->finished, 1);
    if (r->threaded) {
        pthread_mutex_lock(&r->done_mu);
        r->ndone++;
        /* the watchdog, and any thread in a join() */
        pthread_cond_broadcast(&r->done_cv);
        pthread_mutex_unlock(&r->done_mu);
    }
}

/* The task's op raised err: a pool's worker keeps it in its job's future,
 * as CPython's worker does with any exception, and goes on with the next
 * job (0); any other task fails (-1: its thread stops). */
static int raised(struct rrun *r, struct rtask *T, struct vm_effect *eff,
                  int err)
{
    eff->status = VM_ERROR;
    eff->error = (uint8_t)err;
    if (T->job >= 0)
        return rpool_job_ends(r, T, eff) != 0 ? -1 : 0;
    rtask_fail(r, T, rclock_now(), eff);
    return -1;
}

void rtask_run(struct rrun *r, struct rtask *T)
{
    const struct program *P = r->P;
    _Atomic int64_t *mem = r->mem;
    struct vm_effect eff;
    int check = 1, every_op = r->cfg.checkpoints == CHECK_EVERY_OP;
    int64_t budget = r->cfg.budget;
    uint64_t t = rclock_now();

    T->t_start = t;
    rrec_event(T, t, EV_START);
    rrec_state(T, t, r->use_gil ? TS_GIL_WAIT : TS_READY, -1, 0, 0, -1);
    if (r->use_gil && rgil_take(r, T) < 0)
        goto out;
    for (;;) {
        if (rrun_aborted(r) || ((T->ops & 255) == 0 && rrun_check(r) < 0))
            goto out;
        if (check && gil_checkpoint(r, T) < 0)
            goto out;
        t = rclock_now();
        vm_step(&T->vm, P, mem, &eff);
        T->ops++;
        if (r->traced)
            rrec_op(T, t, rrun_lane(r), &eff);
        check = every_op || eff.checkpoint;
        if (eff.op == OP_STORE_GLOBAL) {
            if (r->fence)
                atomic_thread_fence(memory_order_seq_cst);
        } else if (eff.op == OP_LOAD_GLOBAL) {
#if !defined(__x86_64__)
            if (r->fence)
                atomic_thread_fence(memory_order_seq_cst);
#endif
            if (r->widen_ns > 0 && widen(r, T) < 0)
                goto out;
        }
        switch ((enum vm_status)eff.status) {
        case VM_RAN:
            break;
        case VM_COMPUTE:
            if (eff.value > 0 && rrun_busy(r, T, eff.value) < 0)
                goto out;
            check = 1;
            break;
        case VM_SLEEP:
        case VM_IO:
            if (eff.value > 0 && blocking_wait(r, T, t, eff.status,
                                               eff.value) < 0)
                goto out;
            break;
        case VM_AWAIT_SLEEP:
        case VM_AWAIT_IO:
            if ((eff.value > 0 ? blocking_wait(r, T, t, eff.status, eff.value) :
                 yield_now(r, T, t, eff.status)) < 0)
                goto out;
            break;
        case VM_SYNC: {
            int rc = rsync_request(r, T, &eff, t);

            if (rc < 0 || (rc > 0 && raised(r, T, &eff, rc) < 0))
                goto out;
            break;
        }
        case VM_PRINT:
            rtask_print(T, t, P, &eff);
            break;
        case VM_EXIT:
            if (T->job >= 0) {  /* a pool's worker: the job is done */
                if (rpool_job_ends(r, T, &eff) != 0)
                    goto out;
                break;
            }
            t = rclock_now();
            rrec_event(T, t, EV_EXIT);
            rtask_end(r, T, t, TS_DONE);
            goto out;
        case VM_THREAD:
        case VM_START:
        case VM_JOIN:
        case VM_POOL: {
            int rc = eff.status == VM_THREAD ? spawn(r, T, &eff) :
                     eff.status == VM_START ? rtask_start(r, eff.index) :
                     eff.status == VM_POOL ? rpool_op(r, T, &eff, t) :
                     join_thread(r, T, t, eff.index);

            if (rc < 0 || (rc > 0 && raised(r, T, &eff, rc) < 0))
                goto out;
            break;
        }
        case VM_ERROR:
            if (raised(r, T, &eff, eff.error) < 0)
                goto out;
            break;
        }
        if (T->ops > budget) {
            r->limit_task = T->id;
            rrun_abort(r, RA_BUDGET);
            goto out;
        }
    }
out:
    finished(r, T);
}

/* ---- CPUs ------------------------------------------------------------------------------ */

void rrun_pin_self(struct rrun *r)
{
    if (r->pin)
        pthread_setaffinity_np(pthread_self(), sizeof(r->cpuset), &r->cpuset);
}
