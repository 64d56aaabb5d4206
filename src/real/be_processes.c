/* be_processes.c - the processes backend: one fork()ed process per task.
 *
 * Each child works on its own copy of the shared variables and locks (the
 * copy fork makes), which is the lesson: nothing is shared unless asked
 * for.  The trace records are written straight into a MAP_SHARED mapping
 * that the parent made before forking, one slot per task: a header (the
 * child's final values, how it ended, its printed text) and its record
 * buffer.  Children are forked one after another, as multiprocessing
 * starts its workers; the parent records when it began each fork, so the
 * cost of starting a process shows as a "starting" span.  The scene's
 * spawn-cost is not used: the real cost is what fork() takes here.
 *
 * multiprocessing's own objects (Value, Lock, RLock, Semaphore, Event)
 * are the exception: one copy, in a second MAP_SHARED mapping, guarded by a
 * process-shared mutex; a task that waits for one sleeps on a
 * process-shared condition variable until a hand-off grants it (its flag
 * in the mapping), as the threads backends' tasks do.
 *
 * The parent polls its children every 500 us; at the time limit (or on
 * cancel) it kills the rest with SIGKILL, and it reaps every child before
 * returning.  A child dies with its parent (PR_SET_PDEATHSIG).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "real/real_impl.h"

enum { TEXT_CAP = 64 * 1024, POLL_NS = 500000 };

/* The head of a task's slot in shared memory. */
struct pslot {
    uint32_t nrec;
    int32_t end_state;
    uint64_t t_start, t_end;
    uint64_t t_abort;       /* when the child stopped at a limit, or 0 */
    int64_t ops;
    int64_t err_off;
    uint32_t text_len;
    int32_t truncated;
    int32_t abort;
    int32_t dl_lock, dl_holder, dl_queue;
    int32_t done;
    int64_t final[];        /* nglobals, then the records, then text */
};

/* The objects every process shares, and who of their waiters has been
 * granted what it waited for. */
struct pshared {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int deadlock;               /* every task waits or has ended */
    int ended[LESSON_MAX_TASKS];
    int waiting[LESSON_MAX_TASKS];  /* untimed, in a shared object */
    int granted[LESSON_MAX_TASKS];
    int woken_by[LESSON_MAX_TASKS];
    int64_t result[LESSON_MAX_TASKS];
    struct sync_obj objs[];     /* nlocks; only the shared kinds are used */
};

struct pshm {
    unsigned char *map;
    size_t size, slot;
    size_t rec_off, text_off;   /* within a slot */
    struct pshared *shared;     /* NULL if the program has none */
    size_t shared_size;
};

/* ---- objects shared by the processes ---------------------------------------- */

static int has_shared(const struct program *P)
{
    for (int i = 0; i < P->nlocks; i++)
        if (sync_kind_shared(P->lock_kind[i]))
            return 1;
    return 0;
}

static int shared_setup(struct rrun *r, struct pshm *sh, struct strbuf *err)
{
    pthread_mutexattr_t ma;
    pthread_condattr_t ca;

    if (!has_shared(r->P))
        return 0;
    sh->shared_size = sizeof(struct pshared) +
                      sizeof(struct sync_obj) * (size_t)r->nlocks;
    sh->shared = mmap(NULL, sh->shared_size, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh->shared == MAP_FAILED) {
        sh->shared = NULL;
        sb_printf(err, "cannot map shared memory for the Values and locks: "
                  "%s", strerror(errno));
        return -1;
    }
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&sh->shared->mu, &ma);
    pthread_mutexattr_destroy(&ma);
    pthread_condattr_init(&ca);
    pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
    pthread_cond_init(&sh->shared->cv, &ca);
    pthread_condattr_destroy(&ca);
    return 0;
}

static void shared_reset(struct rrun *r, struct pshm *sh)
{
    struct pshared *ps = sh->shared;

    if (!ps)
        return;
    for (int i = 0; i < r->nlocks; i++)
        sync_init(&ps->objs[i], r->P->lock_kind[i], r->P->lock_arg[i],
                  r->P->lock_link[i]);
    memset(ps->granted, 0, sizeof(ps->granted));
    memset(ps->ended, 0, sizeof(ps->ended));
    memset(ps->waiting, 0, sizeof(ps->waiting));
    ps->deadlock = 0;
}

/* Is every task waiting, untimed, in a shared object, or ended (mu
 * held)?  Then no process will ever let the waiters go on. */
static int shared_stuck(const struct rrun *r, const struct pshared *ps)
{
    int waiting = 0;

    for (int t = 0; t < r->ntasks; t++) {
        if (!ps->ended[t] && !ps->waiting[t])
            return 0;
        waiting += ps->waiting[t];
    }
    return waiting > 0;
}

/* T's process is done with the shared objects: it may end a deadlock. */
static void shared_end(struct rrun *r, struct pshm *sh, int t)
{
    struct pshared *ps = sh->shared;

    if (!ps)
        return;
    pthread_mutex_lock(&ps->mu);
    ps->ended[t] = 1;
    if (shared_stuck(r, ps)) {
        ps->deadlock = 1;
        pthread_cond_broadcast(&ps->cv);
    }
    pthread_mutex_unlock(&ps->mu);
}

static void shared_teardown(struct pshm *sh)
{
    if (!sh->shared)
        return;
    pthread_cond_destroy(&sh->shared->cv);
    pthread_mutex_destroy(&sh->shared->mu);
    munmap(sh->shared, sh->shared_size);
    sh->shared = NULL;
}

/* Grant the tasks a request woke, in whichever process they are (mu
 * held). */
static void shared_deliver(struct pshared *ps, int waker,
                           const struct sync_wake *w)
{
    for (int i = 0; i < w->n; i++) {
        /* no longer waiting, though it may not have woken up yet */
        ps->waiting[w->tasks[i]] = 0;
        ps->granted[w->tasks[i]] = 1;
        ps->result[w->tasks[i]] = w->values[i];
        ps->woken_by[w->tasks[i]] = waker;
    }
    if (w->n)
        pthread_cond_broadcast(&ps->cv);
}

/* Wait (mu held) until granted, a deadlock, the time limit, or the
 * timeout (monotonic ns, 0 for none) passes; returns 1 if granted. */
static int shared_wait(struct rrun *r, struct pshared *ps, struct rtask *T,
                       int obj, uint64_t until)
{
    /* (granted already, between the request and this wait: mu was let
     * go to record the wait; then it is not waiting at all) */
    ps->waiting[T->id] = !until && !ps->granted[T->id];
    if (ps->waiting[T->id] && shared_stuck(r, ps)) {
        ps->deadlock = 1;
        pthread_cond_broadcast(&ps->cv);
    }
    while (!ps->granted[T->id]) {
        struct timespec ts;
        uint64_t now;

        /* Wake every 10 ms to look at the clock: a process killed at
         * the time limit wakes nobody. */
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 10000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        if (ps->deadlock)
            break;
        pthread_cond_timedwait(&ps->cv, &ps->mu, &ts);
        now = rclock_mono_ns();
        if (!ps->granted[T->id] && (ps->deadlock || now > r->deadline_mono))
            break;
        if (!ps->granted[T->id] && until && now > until) {
            struct sync_wake wake;
            struct sync_reply rep;

            wake.n = wake.nmoved = 0;
            if (sync_timeout(ps->objs, obj, T->id, &wake, &rep) ==
                SYNC_ERROR)
                T->timeout_err = rep.err;
            shared_deliver(ps, T->id, &wake);
            ps->result[T->id] = rep.value;
            ps->woken_by[T->id] = -1;
            ps->granted[T->id] = 1;
        }
    }
    ps->waiting[T->id] = 0;
    return ps->granted[T->id];
}

static int proc_shared_request(struct rrun *r, struct rtask *T,
                               const struct vm_effect *eff, uint64_t t)
{
    struct pshm *sh = r->be_state;
    struct pshared *ps = sh->shared;
    int obj = eff->index, in, arg, q, got;
    struct sync_call call = rsync_call(eff);
    struct sync_reply rep;
    struct sync_wake wake;
    enum sync_result res;
    uint64_t until = 0;

    wake.n = wake.nmoved = 0;
    pthread_mutex_lock(&ps->mu);
    ps->granted[T->id] = 0;
    res = sync_request(ps->objs, obj, T->id, &call, &wake, &rep);
    shared_deliver(ps, T->id, &wake);
    rsync_show_value(r, ps->objs, obj);
    if (res != SYNC_BLOCKED) {
        pthread_mutex_unlock(&ps->mu);
        if (res == SYNC_ERROR)
            return rep.err;
        vm_set_result(&T->vm, rep.value);
        rsync_record_done(r, T, t, eff, &rep, &wake);
        return 0;
    }
    in = rep.waits_in;
    arg = sync_wait_arg(&ps->objs[in], T->id);
    q = sync_wait_queue(&ps->objs[in], T->id);
    pthread_mutex_unlock(&ps->mu);
    rsync_record_wait(T, t, in, arg, q);
    if (call.timeout > 0)
        until = rclock_mono_ns() + (uint64_t)rrun_ticks_ns(r, call.timeout);
    T->timeout_err = 0;
    pthread_mutex_lock(&ps->mu);
    got = shared_wait(r, ps, T, in, until);
    rsync_show_value(r, ps->objs, in);
    if (!got && ps->deadlock) {
        /* every process waits: none will ever let this one go on */
        r->dl_found = 1;
        r->dl_lock[T->id] = in;
        r->dl_holder[T->id] = q == SYNC_Q_MAIN || q == SYNC_Q_VALUE ?
                              sync_holder(&ps->objs[in]) : -1;
        r->dl_queue[T->id] = q;
        sync_cancel(&ps->objs[in], T->id);
    }
    pthread_mutex_unlock(&ps->mu);
    if (!got) {
        if (!r->dl_found)
            rrun_abort(r, RA_TIMEOUT);
        return -1;
    }
    if (T->timeout_err)
        return T->timeout_err;
    vm_set_result(&T->vm, ps->result[T->id]);
    rsync_record_got(r, T, rclock_now(), in, ps->woken_by[T->id]);
    return 0;
}

/* T's error leaves a with block: a shared object is released here, the
 * rest of T's own copies as the threads backends do. */
static void proc_leave_with(struct rrun *r, struct rtask *T, uint64_t t,
                            int obj)
{
    struct pshm *sh = r->be_state;
    struct pshared *ps = sh->shared;
    struct sync_call call = {SYNC_RELEASE, 1, 1, -1};
    struct sync_wake wake;
    struct sync_reply rep;

    if (!ps || !sync_kind_shared(r->P->lock_kind[obj])) {
        rsync_leave_with(r, T, t, obj);
        return;
    }
    wake.n = wake.nmoved = 0;
    pthread_mutex_lock(&ps->mu);
    if (sync_request(ps->objs, obj, T->id, &call, &wake, &rep) ==
        SYNC_GRANTED)
        shared_deliver(ps, T->id, &wake);
    rsync_show_value(r, ps->objs, obj);
    pthread_mutex_unlock(&ps->mu);
}

/* Every process, and the main program, ends with the Values' numbers. */
static void shared_finals(struct rrun *r, struct pshm *sh)
{
    if (!sh->shared)
        return;
    for (int i = 0; i < r->nlocks; i++) {
        int64_t v;
        int g = sync_value(&sh->shared->objs[i], &v);

        if (g < 0)
            continue;
        atomic_store_explicit(&r->mem[g], v, memory_order_relaxed);
        for (int sp = 1; sp <= r->ntasks; sp++)
            r->final[sp * r->nglobals + g] = v;
    }
}

static struct pslot *slot_of(const struct pshm *sh, int t)
{
    return (struct pslot *)(void *)(sh->map + sh->slot * (size_t)t);
}

static int proc_setup(struct rrun *r, struct strbuf *err)
{
    struct pshm *sh = xcalloc(1, sizeof(*sh));
    size_t head = sizeof(struct pslot) + sizeof(int64_t) * (size_t)(r->nglobals + 1);

    sh->rec_off = (head + 63) / 64 * 64;
    sh->text_off = sh->rec_off + sizeof(struct real_rec) * r->rec_cap;
    sh->slot = (sh->text_off + TEXT_CAP + 4095) / 4096 * 4096;
    sh->size = sh->slot * (size_t)r->ntasks;
    sh->map = mmap(NULL, sh->size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh->map == MAP_FAILED) {
        sb_printf(err, "cannot map shared memory for the trace: %s",
                  strerror(errno));
        free(sh);
        return -1;
    }
    for (int t = 0; t < r->ntasks; t++) {
        struct rtask *T = &r->tasks[t];

        free(T->rec);   /* the records live in shared memory instead */
        T->rec = r->rec_cap ? (struct real_rec *)(void *)(sh->map + sh->slot *
                                                   (size_t)t + sh->rec_off) :
                 NULL;
    }
    if (shared_setup(r, sh, err) < 0) {
        munmap(sh->map, sh->size);
        free(sh);
        return -1;
    }
    r->be_state = sh;
    /* alone with its copies, a task waiting for one waits forever (the
     * shared objects go through proc_shared_request instead) */
    r->solo = 1;
    return 0;
}

static void proc_teardown(struct rrun *r)
{
    struct pshm *sh = r->be_state;

    if (!sh)
        return;
    for (int t = 0; t < r->ntasks; t++)
        r->tasks[t].rec = NULL;
    shared_teardown(sh);
    munmap(sh->map, sh->size);
    free(sh);
    r->be_state = NULL;
}

/* The child: run the task on its own copy of everything, leave the
 * results in its slot, and exit without running any of the parent's exit
 * handlers or flushing its stdio buffers. */
TT_NORETURN static void child(struct rrun *r, struct pshm *sh, int t,
                              pid_t parent)
{
    struct rtask *T = &r->tasks[t];
    struct pslot *ps = slot_of(sh, t);

    die_in_child();     /* a fatal error here must not run exit handlers */
#ifdef PR_SET_PDEATHSIG
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0UL, 0UL, 0UL);
#endif
    if (getppid() != parent)
        _exit(1);
    if (r->pin)
        sched_setaffinity(0, sizeof(r->cpuset), &r->cpuset);
    rtask_run(r, T);
    shared_end(r, sh, t);
    ps->nrec = T->nrec;
    ps->end_state = T->end_state;
    ps->t_start = T->t_start;
    ps->t_end = T->t_end;
    ps->ops = T->ops;
    ps->err_off = T->err_off < TEXT_CAP ? T->err_off : -1;
    ps->truncated = T->truncated;
    ps->abort = atomic_load(&r->abort);
    ps->t_abort = ps->abort != RA_NONE ? r->t_abort : 0;
    ps->dl_lock = r->dl_found ? r->dl_lock[t] : -1;
    ps->dl_holder = r->dl_found ? r->dl_holder[t] : -1;
    ps->dl_queue = r->dl_found ? r->dl_queue[t] : 0;
    for (int g = 0; g < r->nglobals; g++)
        ps->final[g] = atomic_load_explicit(&r->mem[g], memory_order_relaxed);
    ps->text_len = (uint32_t)(T->text.len < TEXT_CAP ? T->text.len : TEXT_CAP);
    if (ps->text_len)
        memcpy((unsigned char *)ps + sh->text_off, T->text.s, ps->text_len);
    ps->done = 1;
    _exit(0);
}

/* A record the parent makes about task T (in T->prec). */
static void parent_state(struct rtask *T, uint64_t t, int state)
{
    struct real_rec *rc;

    if (T->nprec >= TT_ARRAY_LEN(T->prec))
        return;
    rc = &T->prec[T->nprec++];
    memset(rc, 0, sizeof(*rc));
    rc->t = t;
    rc->kind = REC_STATE;
    rc->status = (uint8_t)state;
    rc->cpu = -1;
    rc->other = -1;
    rc->pc = (uint32_t)-1;
}

static void reap(struct rrun *r, int kill_rest)
{
    for (int t = 0; t < r->ntasks; t++) {
        struct rtask *T = &r->tasks[t];

        if (T->pid <= 0)
            continue;
        if (kill_rest)
            kill(T->pid, SIGKILL);
        while (waitpid(T->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        T->pid = 0;
    }
}

/* Wait for every child, killing them all at the time limit or on cancel. */
static void wait_children(struct rrun *r)
{
    int alive = 0;

    for (int t = 0; t < r->ntasks; t++)
        alive += r->tasks[t].pid > 0;
    while (alive > 0) {
        struct timespec ts = {0, POLL_NS};

        for (int t = 0; t < r->ntasks; t++) {
            struct rtask *T = &r->tasks[t];
            pid_t p;

            if (T->pid <= 0)
                continue;
            p = waitpid(T->pid, NULL, WNOHANG);
            if (p == T->pid || (p < 0 && errno != EINTR)) {
                T->pid = 0;
                alive--;
            }
        }
        if (alive == 0)
            break;
        if (rclock_mono_ns() > r->deadline_mono + 100000000u) {
            rrun_abort(r, RA_TIMEOUT);
            reap(r, 1);
            break;
        }
        if (r->opt->cancel && atomic_load(r->opt->cancel)) {
            rrun_abort(r, RA_CANCEL);
            reap(r, 1);
            break;
        }
        nanosleep(&ts, NULL);
    }
}

/* Read each child's slot back into its task. */
static void collect(struct rrun *r, struct pshm *sh)
{
    for (int t = 0; t < r->ntasks; t++) {
        struct rtask *T = &r->tasks[t];
        struct pslot *ps = slot_of(sh, t);
        int64_t *fin = &r->final[(t + 1) * r->nglobals];

        if (!ps->done) {
            for (int g = 0; g < r->nglobals; g++)
                fin[g] = r->P->global_init[g];
            continue;
        }
        T->nrec = ps->nrec;
        T->end_state = (int8_t)ps->end_state;
        T->t_start = ps->t_start;
        T->t_end = ps->t_end;
        T->ops = ps->ops;
        T->err_off = ps->err_off;
        T->truncated = (uint8_t)ps->truncated;
        T->last_t = T->nrec ? T->rec[T->nrec - 1].t : T->last_t;
        sb_add(&T->text, (const char *)ps + sh->text_off, ps->text_len);
        for (int g = 0; g < r->nglobals; g++)
            fin[g] = ps->final[g];
        if (ps->dl_lock >= 0) {
            r->dl_found = 1;
            r->dl_lock[t] = ps->dl_lock;
            r->dl_holder[t] = ps->dl_holder;
            r->dl_queue[t] = ps->dl_queue;
        }
        if (ps->abort == RA_BUDGET && r->limit_task < 0)
            r->limit_task = t;
        if (ps->abort != RA_NONE) {
            int expected = RA_NONE;

            if (atomic_compare_exchange_strong(&r->abort, &expected,
                                               ps->abort))
                r->t_abort = ps->t_abort ? ps->t_abort :
                             ps->t_end ? ps->t_end : T->last_t;
        }
    }
}

static void proc_run(struct rrun *r)
{
    struct pshm *sh = r->be_state;
    pid_t parent = getpid();

    for (int t = 0; t < r->ntasks; t++) {
        struct pslot *ps = slot_of(sh, t);

        memset(ps, 0, sh->rec_off);
        ps->end_state = -1;
        ps->dl_lock = ps->dl_holder = -1;
        ps->dl_queue = 0;
    }
    /* Children leave by _exit, which should not flush stdio, but under a
     * sanitizer it may: a child must not repeat output the parent has not
     * written yet. */
    fflush(NULL);
    shared_reset(r, sh);
    r->t0 = rclock_now();
    r->deadline_mono = rclock_mono_ns() + (uint64_t)r->opt->timeout_ns;
    r->deadline_raw = r->t0 + rclock_units((uint64_t)r->opt->timeout_ns);
    for (int t = 0; t < r->ntasks; t++) {
        struct rtask *T = &r->tasks[t];
        pid_t pid;

        parent_state(T, rclock_now(), TS_STARTING);
        pid = fork();
        if (pid == 0)
            child(r, sh, t, parent);
        if (pid < 0) {
            r->limit_task = t;
            rrun_abort(r, RA_RESOURCE);
            break;
        }
        T->pid = pid;
    }
    if (rrun_aborted(r))
        reap(r, 1);
    else
        wait_children(r);
    collect(r, sh);
    shared_finals(r, sh);
}

const struct real_backend real_processes = {
    .name = "processes",
    .detail = "fork(): a process per task",
    .setup = proc_setup,
    .run = proc_run,
    .teardown = proc_teardown,
    .leave_with = proc_leave_with,
    .shared_request = proc_shared_request,
};
