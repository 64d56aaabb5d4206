/* real.c - real runs: set up, run many times, count outcomes, report.
 *
 * real_run() owns the series: it builds an rrun for the scene, resets and
 * runs it with the backend of the scene's mode as often as asked, decides
 * how each run ended (rrun_finish), merges its records into a trace and
 * counts its final state.  For asyncio it also checks each traced run
 * against the simulator, op by op.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "membudget.h"
#include "real/coro.h"
#include "real/real_impl.h"
#include "sync.h"
#include "sim.h"
#include "vm.h"

/* ---- options and defaults -------------------------------------------------- */

void real_options_init(struct real_options *opt)
{
    memset(opt, 0, sizeof(*opt));
    opt->runs = 1;
    opt->timeout_ns = INT64_C(10000000000);
    opt->traced = 1;
    opt->max_records = INT64_C(1) << 20;
}

static struct scene_config unscripted(const struct scene_config *cfg)
{
    struct scene_config c = *cfg;

    c.schedule = NULL;
    return c;
}

int64_t real_default_tick(const struct lesson *L, int scene,
                          const struct scene_config *cfg)
{
    struct scene_config c = unscripted(cfg);
    struct sim *s = sim_new(L, scene, &c, NULL, 0);
    int64_t ticks, tick = 1000000;

    /* Past a million ticks the tick is 1 us anyway: do not simulate an
     * endless scene to the simulator's own limit. */
    while (sim_now(s) < 1000000 && sim_step(s))
        ;
    ticks = sim_now(s);
    sim_free(s);
    if (ticks > 1000)
        tick = INT64_C(1000000000) / ticks;
    return tick < 1000 ? 1000 : tick;
}

static const struct real_backend *backend_for(enum mode m)
{
    switch (m) {
    case MODE_SEQUENTIAL: return &real_sequential;
    case MODE_THREADS: return &real_threads;
    case MODE_GIL: return &real_gil;
    case MODE_ASYNCIO: return &real_asyncio;
    case MODE_PROCESSES: return &real_processes;
    case MODE_COUNT: break;
    }
    return &real_threads;
}

/* ---- can it run here? --------------------------------------------------------- */

static void *nothing(void *p)
{
    return p;
}

static void coro_probe_fn(void *p)
{
    struct coro *pair = p;

    coro_default()->swap(&pair[1], &pair[0]);
}

static int probe(enum mode m, struct strbuf *why)
{
    switch (m) {
    case MODE_SEQUENTIAL:
        return 1;
    case MODE_THREADS:
    case MODE_GIL: {
        pthread_t th;
        int rc = pthread_create(&th, NULL, nothing, NULL);

        if (rc != 0) {
            sb_printf(why, "threads cannot be created here: %s", strerror(rc));
            return 0;
        }
        pthread_join(th, NULL);
        return 1;
    }
    case MODE_ASYNCIO: {
        struct coro pair[2];

        memset(&pair[0], 0, sizeof(pair[0]));
        if (coro_stack_new(&pair[1], CORO_STACK_SIZE) < 0) {
            sb_printf(why, "no memory can be mapped for a coroutine stack: %s",
                      strerror(errno));
            return 0;
        }
        if (coro_default()->init(&pair[1], coro_probe_fn, pair) < 0) {
            coro_free(&pair[1]);
            sb_puts(why, "coroutines cannot be started here");
            return 0;
        }
        coro_default()->swap(&pair[0], &pair[1]);
        coro_free(&pair[1]);
        coro_free(&pair[0]);
        return 1;
    }
    case MODE_PROCESSES: {
        pid_t pid;

        fflush(NULL);   /* see be_processes.c: a child must not repeat it */
        pid = fork();

        if (pid < 0) {
            sb_printf(why, "processes cannot be started here: fork() fails "
                      "(%s)", strerror(errno));
            return 0;
        }
        if (pid == 0)
            _exit(0);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        return 1;
    }
    case MODE_COUNT:
        break;
    }
    sb_puts(why, "unknown mode");
    return 0;
}

int real_available(enum mode m, struct strbuf *why)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static int known[MODE_COUNT];       /* 0 unknown, 1 yes, 2 no */
    static char reason[MODE_COUNT][160];
    int yes;

    if (m < 0 || m >= MODE_COUNT)
        return 0;
    pthread_mutex_lock(&mu);
    if (!known[m]) {
        struct strbuf sb;

        sb_init(&sb);
        known[m] = probe(m, &sb) ? 1 : 2;
        snprintf(reason[m], sizeof(reason[m]), "%s", sb.s ? sb.s : "");
        sb_done(&sb);
    }
    if (known[m] == 2 && why)
        sb_printf(why, "real runs are unavailable here: %s", reason[m]);
    yes = known[m] == 1;
    pthread_mutex_unlock(&mu);
    return yes;
}

/* ---- CPUs ------------------------------------------------------------------------ */

static void choose_cpus(struct rrun *r, struct real_result *res)
{
    cpu_set_t allowed;
    int ids[LESSON_MAX_CPUS], n = 0, use;

    memset(r->lane_of, -1, sizeof(r->lane_of));
    if (r->cfg.mode == MODE_SEQUENTIAL || r->cfg.mode == MODE_ASYNCIO) {
        memset(r->lane_of, 0, sizeof(r->lane_of));
        r->ncpu = 1;
        return;
    }
    if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
        for (int i = 0; i < CPU_SETSIZE && n < LESSON_MAX_CPUS; i++)
            if (CPU_ISSET(i, &allowed))
                ids[n++] = i;
    }
    if (n == 0) {
        long on = sysconf(_SC_NPROCESSORS_ONLN);

        for (n = 0; n < (on > 0 ? on : 1) && n < LESSON_MAX_CPUS; n++)
            ids[n] = n;
    }
    use = r->cfg.cpus < n ? r->cfg.cpus : n;
    r->pin = use < n;
    if (r->pin) {
        CPU_ZERO(&r->cpuset);
        for (int i = 0; i < use; i++)
            CPU_SET(ids[i], &r->cpuset);
        /* Try it on this thread, then put its own mask back. */
        if (sched_setaffinity(0, sizeof(r->cpuset), &r->cpuset) != 0) {
            sb_printf(&res->notes, "the CPUs could not be limited to %d "
                      "(%s): the threads ran on all %d\n", use,
                      strerror(errno), n);
            r->pin = 0;
            use = n;
        } else {
            sched_setaffinity(0, sizeof(allowed), &allowed);
        }
    }
    for (int i = 0; i < use; i++)
        if (ids[i] < RCPU_IDS)
            r->lane_of[ids[i]] = (int8_t)i;
    r->ncpu = use;
    res->cpus_asked = r->cfg.cpus;
    res->cpus_used = use;
    res->pinned = r->pin;
    if (r->cfg.cpus > n)
        sb_printf(&res->notes, "the scene asks for %d CPUs; taketurns may use "
                  "%d here, so it used %d\n", r->cfg.cpus, n, n);
}

/* ---- the run's state --------------------------------------------------------------- */

static void rrun_free(struct rrun *r)
{
    if (!r)
        return;
    if (r->be && r->be->teardown)
        r->be->teardown(r);
    for (int t = 0; t < r->ntasks; t++) {
        struct rtask *T = &r->tasks[t];

        vm_done(&T->vm);
        free(T->rec);
        sb_done(&T->text);
        pthread_cond_destroy(&T->cv);
    }
    free(r->tasks);
    mem_uncharge(r->rec_bytes);
    rsync_destroy(r);
    rpool_destroy(r);
    free(r->mem);
    free(r->final);
    rgil_destroy(&r->gil);
    pthread_mutex_destroy(&r->sleep_mu);
    pthread_cond_destroy(&r->sleep_cv);
    pthread_mutex_destroy(&r->done_mu);
    pthread_cond_destroy(&r->done_cv);
    pthread_cond_destroy(&r->go_cv);
    sb_done(&r->why);
    free(r);
}

static struct rrun *rrun_new(const struct lesson *L, int scene,
                             const struct scene_config *cfg,
                             const struct real_options *opt,
                             struct real_result *res, struct strbuf *err)
{
    struct rrun *r = xcalloc(1, sizeof(*r));
    pthread_condattr_t ca;
    int64_t cap;

    r->L = L;
    r->P = L->prog;
    r->scene = scene;
    r->sc = &L->scenes[scene];
    r->cfg = unscripted(cfg);
    r->opt = opt;
    r->be = backend_for(cfg->mode);
    r->detail = r->be->detail;
    r->ntasks = r->sc->ntasks;
    r->nrun = r->sc->nrun > 0 ? r->sc->nrun : r->ntasks;
    r->nglobals = r->P->nglobals;
    r->nlocks = r->P->nlocks;
    r->nspaces = cfg->mode == MODE_PROCESSES ? r->ntasks + 1 : 1;
    r->traced = opt->traced;
    r->tick_ns = opt->tick_ns > 0 ? opt->tick_ns : real_default_tick(L, scene, cfg);
    r->tick_iters = rclock_iters((uint64_t)r->tick_ns);
    r->widen_ns = opt->widen_ns;
    cap = opt->traced ? opt->max_records / (r->ntasks ? r->ntasks : 1) : 0;
    if (opt->traced && cap < 4 * RREC_RESERVE)
        cap = 4 * RREC_RESERVE;
    r->rec_cap = cap > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)cap;
    if (r->rec_cap > 4 * RREC_RESERVE) {
        /* Records count against the memory budget, with as much again for
         * the trace they are merged into: past it, fewer are kept and the
         * run says its trace was cut short. */
        size_t per = 2 * sizeof(struct real_rec) * (size_t)(r->ntasks + 1);
        size_t room = mem_limit() > mem_used() ? mem_limit() - mem_used() : 0;

        if (r->rec_cap > room / per)
            r->rec_cap = room / per > 4 * RREC_RESERVE ? (uint32_t)(room / per) :
                         4 * RREC_RESERVE;
    }
    r->rec_bytes = sizeof(struct real_rec) * r->rec_cap * (size_t)r->ntasks;
    mem_force(r->rec_bytes);

    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&r->sleep_mu, NULL);
    pthread_cond_init(&r->sleep_cv, &ca);
    pthread_mutex_init(&r->done_mu, NULL);
    pthread_cond_init(&r->done_cv, &ca);
    pthread_cond_init(&r->go_cv, NULL);
    pthread_condattr_destroy(&ca);
    sb_init(&r->why);
    rgil_init(&r->gil, sat_mul(r->tick_ns, cfg->switch_interval));

    r->tasks = aligned_alloc(64, sizeof(struct rtask) * (size_t)(r->ntasks + 1));
    if (!r->tasks)
        die("out of memory");
    memset(r->tasks, 0, sizeof(struct rtask) * (size_t)(r->ntasks + 1));
    for (int t = 0; t < r->ntasks; t++) {
        struct rtask *T = &r->tasks[t];

        T->run = r;
        T->id = t;
        T->cap = r->rec_cap;
        T->rec = r->rec_cap ? xmalloc(sizeof(struct real_rec) * r->rec_cap) :
                 NULL;
        sb_init(&T->text);
        pthread_cond_init(&T->cv, NULL);
    }
    r->mem = xcalloc((size_t)r->nglobals + 1, sizeof(*r->mem));
    rsync_init(r);
    rpool_init(r);
    r->final = xcalloc((size_t)(r->nspaces * r->nglobals + 1), sizeof(int64_t));
    choose_cpus(r, res);
    if (r->be->setup(r, err) < 0) {
        r->be = NULL;
        rrun_free(r);
        return NULL;
    }
    return r;
}

static void rrun_reset(struct rrun *r)
{
    const struct program *P = r->P;

    for (int t = 0; t < r->ntasks; t++) {
        struct rtask *T = &r->tasks[t];
        const struct scene_task *st = &r->sc->tasks[t];

        vm_done(&T->vm);
        vm_init(&T->vm, P, st->func, st->args, st->nargs);
        T->nrec = T->nprec = 0;
        T->seq = 0;
        T->seqp = r->single ? &r->gseq : &T->seq;
        T->last_t = 0;
        T->truncated = 0;
        T->end_state = -1;
        T->ops = 0;
        T->t_start = T->t_end = 0;
        T->err_off = -1;
        sb_clear(&T->text);
        T->waiting_lock = -1;
        T->timed = 0;
        T->granted = 0;
        atomic_store(&T->finished, 0);
        atomic_store(&T->started, t < r->nrun);
        atomic_store(&T->joining, -1);
        T->value = 0;
        T->retrieved = 0;
        T->has_gil = 0;
        T->has_thread = 0;
        T->pid = 0;
    }
    for (int g = 0; g < r->nglobals; g++)
        atomic_store_explicit(&r->mem[g], P->global_init[g],
                              memory_order_relaxed);
    atomic_store(&r->nspawned, 0);
    r->ending = 0;
    rsync_reset(r);
    rpool_reset(r);
    r->gil.locked = 0;
    r->gil.holder = r->gil.last_holder = -1;
    r->gil.switches = 0;
    atomic_store(&r->gil.drop_request, 0);
    atomic_store(&r->abort, RA_NONE);
    r->gseq = 0;
    r->ndone = 0;
    r->go = 0;
    r->status = TRACE_RUNNING;
    r->t_end = r->t_abort = 0;
    r->limit_task = -1;
    r->dl_found = 0;
    sb_clear(&r->why);
    for (int t = 0; t < LESSON_MAX_TASKS; t++)
        r->dl_lock[t] = r->dl_holder[t] = -1;
    for (int t = 0; t < LESSON_MAX_TASKS; t++)
        r->dl_queue[t] = 0;
}

/* ---- how a run ended ---------------------------------------------------------------- */

static int first_unfinished(const struct rrun *r)
{
    for (int t = 0; t < r->ntasks; t++)
        if (r->tasks[t].end_state < 0)
            return t;
    return 0;
}

static void limit_event(struct rrun *r, enum rabort why, uint64_t t)
{
    int task = r->limit_task >= 0 ? r->limit_task : first_unfinished(r);
    struct rtask *T = &r->tasks[task];
    const char *label = r->sc->tasks[task].label;
    struct real_rec *ev;
    struct strbuf sb;

    sb_init(&sb);
    switch (why) {
    case RA_TIMEOUT:
        sb_printf(&sb, "the run did not end within the time limit of %.3g s "
                  "(--timeout): %s is still running", (double)r->opt->timeout_ns
                  / 1e9, label);
        break;
    case RA_BUDGET:
        sb_printf(&sb, "the step budget of %lld ops is used up: %s is still "
                  "running (an endless loop? raise it with 'budget N' in the "
                  "scene or --budget)", (long long)r->cfg.budget, label);
        break;
    case RA_RESOURCE:
        sb_printf(&sb, "%s could not be started (%s)", label,
                  r->cfg.mode == MODE_PROCESSES ? "fork() failed" :
                  "pthread_create() failed");
        break;
    default:
        sb_puts(&sb, "the run was stopped before it ended");
        break;
    }
    if ((ev = rrec_event(T, t, EV_LIMIT)) != NULL)
        ev->value = rrec_text(T, sb.s);
    sb_puts(&r->why, sb.s);
    sb_done(&sb);
}

static void rrun_finish(struct rrun *r)
{
    enum rabort why = (enum rabort)atomic_load(&r->abort);
    uint64_t end = 0, t_stop;
    int failed = 0;

    for (int t = 0; t < r->ntasks; t++) {
        const struct rtask *T = &r->tasks[t];

        if (T->end_state >= 0 && T->t_end > end)
            end = T->t_end;
        if (T->last_t > end && T->end_state < 0)
            end = T->last_t;
        /* a gather with return_exceptions=True handled its exception */
        failed |= T->end_state == TS_FAILED && T->retrieved != 2;
    }
    t_stop = r->t_abort > end ? r->t_abort : end;
    if (r->dl_found) {
        r->status = TRACE_DEADLOCK;
        for (int t = 0; t < r->ntasks; t++) {
            struct rtask *T = &r->tasks[t];
            struct real_rec *ev;
            int lk = r->dl_lock[t], h = r->dl_holder[t];

            if (T->end_state >= 0 || !atomic_load(&T->started))
                continue;
            if (r->why.len)
                sb_puts(&r->why, "; ");
            if (lk == TRACE_JOIN_MARK) {
                sb_printf(&r->why, "%s ", r->sc->tasks[t].label);
                sync_join_text(r->cfg.mode == MODE_ASYNCIO, r->dl_queue[t],
                               r->sc->tasks[h].label, &r->why);
            } else if (lk == TRACE_RESULT_MARK || lk == TRACE_WORK_MARK) {
                sb_printf(&r->why, "%s ", r->sc->tasks[t].label);
                sync_pool_wait_text(lk == TRACE_RESULT_MARK, r->dl_queue[t],
                                    &r->why);
            } else if (lk >= 0) {
                sb_printf(&r->why, "%s waits for ", r->sc->tasks[t].label);
                sync_wait_text(r->P->lock_kind[lk], r->dl_queue[t],
                               r->P->lock_names[lk], h == t ? "itself" :
                               h >= 0 ? r->sc->tasks[h].label :
                               "a task that has ended", &r->why);
            } else
                sb_printf(&r->why, "%s cannot start", r->sc->tasks[t].label);
            if ((ev = rrec_event(T, t_stop, EV_DEADLOCK)) != NULL) {
                ev->arg2 = (int16_t)r->dl_lock[t];
                ev->other = (int16_t)r->dl_holder[t];
                ev->value = r->dl_queue[t];
            }
        }
    } else if (why != RA_NONE) {
        r->status = TRACE_LIMIT;
        limit_event(r, why, t_stop);
    } else {
        r->status = failed ? TRACE_FAILED : TRACE_OK;
        for (int t = 0; t < r->ntasks && failed && !r->why.len; t++)
            if (r->tasks[t].err_off >= 0)
                sb_printf(&r->why, "%s fails: %s", r->sc->tasks[t].label,
                          r->tasks[t].text.s + r->tasks[t].err_off);
    }
    r->t_end = r->status == TRACE_OK || r->status == TRACE_FAILED ? end : t_stop;
    if (r->t_end < r->t0)
        r->t_end = r->t0;
    for (int g = 0; g < r->nglobals; g++)
        /* processes: the main program's memory, where only a Value's
         * module variable changes (be_processes.c) */
        r->final[g] = atomic_load_explicit(&r->mem[g], memory_order_relaxed);
}

/* ---- outcomes ------------------------------------------------------------------------- */

/* Equal values are equal numbers (vm.h), but only numbers are in order. */
static int outcome_cmp(const struct program *P, const struct real_outcome *a,
                       const struct real_outcome *b, int n)
{
    if (a->status != b->status)
        return a->status < b->status ? -1 : 1;
    for (int i = 0; i < n; i++) {
        int64_t x = vm_num(P, a->final[i]), y = vm_num(P, b->final[i]);

        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

/* Outcomes are few: an insertion sort, and no global for qsort to see
 * (two series may run at once, from two threads). */
static void sort_outcomes(const struct program *P, struct real_outcome *oc,
                          int n, int nvalues)
{
    for (int i = 1; i < n; i++) {
        struct real_outcome x = oc[i];
        int k = i;

        while (k > 0 && outcome_cmp(P, &oc[k - 1], &x, nvalues) > 0) {
            oc[k] = oc[k - 1];
            k--;
        }
        oc[k] = x;
    }
}

static struct real_outcome *count_outcome(struct real_result *res,
                                          const struct rrun *r, int run,
                                          size_t *cap, int *is_new)
{
    int n = r->nspaces * r->nglobals;
    struct real_outcome key, *oc;

    key.status = r->status;
    key.final = r->final;
    *is_new = 0;
    for (int i = 0; i < res->noutcomes; i++)
        if (outcome_cmp(r->P, &res->outcomes[i], &key, n) == 0) {
            res->outcomes[i].count++;
            return &res->outcomes[i];
        }
    XGROW(res->outcomes, *cap, (size_t)res->noutcomes + 1);
    oc = &res->outcomes[res->noutcomes++];
    oc->status = r->status;
    oc->final = xmalloc(sizeof(int64_t) * (size_t)(n + 1));
    memcpy(oc->final, r->final, sizeof(int64_t) * (size_t)n);
    oc->count = 1;
    oc->first_run = run;
    oc->trace = NULL;
    oc->why = r->why.len ? xstrdup(r->why.s) : NULL;
    *is_new = 1;
    return oc;
}

static int64_t cmp64(int64_t a, int64_t b)
{
    return (a > b) - (a < b);
}

static int wall_qcmp(const void *a, const void *b)
{
    return (int)cmp64(*(const int64_t *)a, *(const int64_t *)b);
}

static int64_t median(int64_t *v, int n)
{
    return n ? (v[(n - 1) / 2] + v[n / 2]) / 2 : 0;
}

/* First op where the simulated and the real asyncio orders differ, or -1. */
static int64_t order_diff(const struct trace *sim, const struct trace *real)
{
    size_t n = sim->nops < real->nops ? sim->nops : real->nops;

    for (size_t i = 0; i < n; i++) {
        struct trace_op a = trace_op_get(sim, i), b = trace_op_get(real, i);

        if (a.task != b.task || a.pc != b.pc || a.status != b.status ||
            a.value != b.value)   /* (asyncio records no lock tickets) */
            return (int64_t)i;
    }
    return sim->nops == real->nops ? -1 : (int64_t)n;
}

/* ---- notes ------------------------------------------------------------------------------ */

static void notes(const struct rrun *r, struct real_result *res)
{
    struct strbuf *n = &res->notes;
    const struct scene *sc = r->sc;
    enum mode m = r->cfg.mode;

    if (res->tick_ns >= 1000000)
        sb_printf(n, "1 tick = %g ms of real time (compute, sleep and io "
                  "last that many ticks)\n", (double)res->tick_ns / 1e6);
    else
        sb_printf(n, "1 tick = %g us of real time (compute, sleep and io "
                  "last that many ticks)\n", (double)res->tick_ns / 1e3);
    if (res->traced)
        sb_printf(n, "every op is timestamped (%s) and recorded, which slows "
                  "it down and shifts the timing it observes: compare "
                  "--trace off\n", rclock_name());
    if (m == MODE_THREADS || m == MODE_GIL || m == MODE_PROCESSES) {
        if (res->pinned)
            sb_printf(n, "cpus %d: the %s run on %d CPU%s (affinity)\n",
                      r->cfg.cpus, m == MODE_PROCESSES ? "processes" :
                      "threads", res->cpus_used, res->cpus_used == 1 ? "" : "s");
        sb_puts(n, m == MODE_GIL ? "the OS runs the threads; the GIL decides "
                "which one runs Python: quantum and preempt have no effect\n" :
                "the OS decides when to switch: quantum, preempt and seed "
                "have no effect on a real run\n");
    }
    if (m == MODE_GIL)
        sb_printf(n, "switch interval %d ticks = %g ms; checkpoints %s\n",
                  r->cfg.switch_interval, (double)r->gil.interval_ns / 1e6,
                  r->cfg.checkpoints == CHECK_EVERY_OP ? "every-op" :
                  "loops-and-calls");
    if (m == MODE_PROCESSES)
        sb_puts(n, "spawn-cost has no effect: starting a process costs what "
                "fork() costs here (the starting spans)\n");
    if (sc->cfg.schedule)
        sb_puts(n, "the scene's schedule is not followed: on a real machine "
                "nobody scripts the turns\n");
    if (res->widen_ns > 0) {
        if (m == MODE_THREADS || m == MODE_GIL)
            sb_printf(n, "race window widened (--widen): after every read of "
                      "a shared variable the task pauses %g us, so others get "
                      "to run in between; real programs are seldom this "
                      "unlucky\n", (double)res->widen_ns / 1e3);
        else
            sb_printf(n, "--widen has no effect in mode %s: %s\n", mode_name(m),
                      m == MODE_ASYNCIO ? "a coroutine is never interrupted "
                      "between a read and a write" : "no other task shares "
                      "the variables");
    }
    if (res->truncated && (uint64_t)r->rec_cap * (uint64_t)r->ntasks <
                              (uint64_t)r->opt->max_records) {
        struct strbuf sz;

        sb_init(&sz);
        mem_format_size(&sz, mem_limit());
        sb_printf(n, "a trace reached its cap of %lld records, all that fit "
                  "in %s of memory (--max-memory, --max-records): the rest "
                  "of that run is not drawn\n",
                  (long long)r->rec_cap * r->ntasks, sz.s);
        sb_done(&sz);
    } else if (res->truncated) {
        sb_printf(n, "a trace reached its cap of %lld records (--max-records): "
                  "the rest of that run is not drawn\n",
                  (long long)r->opt->max_records);
    }
    if (res->merge_cut)
        sb_puts(n, "merging the trace went past the time limit (--timeout) "
                "or the memory budget (--max-memory): the rest of that run is "
                "not drawn\n");
    if (res->stopped)
        sb_puts(n, "the runs were stopped early (a time limit, or a "
                "cancel)\n");
}

/* ---- the median run ------------------------------------------------------------------- */

static int outcome_of(const struct real_result *res, int first_run)
{
    for (int i = 0; i < res->noutcomes; i++)
        if (res->outcomes[i].first_run == first_run)
            return i;
    return -1;
}

/* After the series: find the median run, take its trace from the pool if
 * it is not kept already (any run with the median's wall time will do),
 * and put kept[] in run order with outcome indexes. */
static void keep_median(struct real_result *res, struct real_median *med,
                        size_t *kept_cap)
{
    int mrun = real_median_run(res->walls, res->runs), found = -1;

    res->median_run = mrun;
    res->median_kept = -1;
    for (int i = 0; mrun >= 0 && i < res->nkept; i++)
        if (res->walls[res->kept[i].run] == res->walls[mrun] &&
            (found < 0 || res->kept[i].run < found))
            found = res->kept[i].run;
    if (mrun >= 0 && found < 0) {
        struct real_median_pick *pick = NULL;

        for (int i = 0; i < med->n; i++)
            if (med->pool[i].wall == res->walls[mrun] && med->pool[i].owned &&
                (!pick || med->pool[i].run < pick->run))
                pick = &med->pool[i];
        if (pick) {
            struct real_kept *k;

            XGROW(res->kept, *kept_cap, (size_t)res->nkept + 1);
            k = &res->kept[res->nkept++];
            k->run = pick->run;
            k->outcome = pick->tag;
            k->trace = pick->trace;
            pick->owned = 0;        /* kept[] owns it now */
            found = pick->run;
        }
    }
    if (found >= 0)
        res->median_run = found;
    /* Run order (few: an insertion sort), outcomes by index. */
    for (int i = 1; i < res->nkept; i++) {
        struct real_kept x = res->kept[i];
        int k = i;

        while (k > 0 && res->kept[k - 1].run > x.run) {
            res->kept[k] = res->kept[k - 1];
            k--;
        }
        res->kept[k] = x;
    }
    for (int i = 0; i < res->nkept; i++) {
        res->kept[i].outcome = outcome_of(res, res->kept[i].outcome);
        if (found >= 0 && res->kept[i].run == found)
            res->median_kept = i;
    }
}

/* ---- the series ------------------------------------------------------------------------- */

struct real_result *real_run(const struct lesson *L, int scene,
                             const struct scene_config *cfg,
                             const struct real_options *opt,
                             struct strbuf *err)
{
    struct real_result *res;
    struct rrun *r;
    struct trace *sim_tr = NULL;
    struct sim *sim = NULL;
    size_t cap = 0, kept_ops = 0, kept_cap = 0;
    int kept = 0;
    int64_t *sorted, *ratios;
    struct real_median med;

    if (!real_available(cfg->mode, err))
        return NULL;
    if (L->scenes[scene].ntasks == 0) {
        sb_puts(err, "the scene has no tasks to run");
        return NULL;
    }
    if (L->scenes[scene].ntasks > L->scenes[scene].nrun &&
        cfg->mode != MODE_THREADS && cfg->mode != MODE_GIL &&
        cfg->mode != MODE_ASYNCIO) {
        const struct scene_task *st =
            &L->scenes[scene].tasks[L->scenes[scene].nrun];

        if (st->pooled && L->scenes[scene].cfg.mode == MODE_PROCESSES)
            sb_printf(err, "its code makes a concurrent.futures."
                      "ProcessPoolExecutor (line %d): process pools run in "
                      "the simulator and in CPython (real --python), not on "
                      "the C backends", st->line);
        else if (st->pooled)
            sb_printf(err, "its code makes a concurrent.futures."
                      "ThreadPoolExecutor (line %d): its worker threads run "
                      "for real in mode threads or gil", st->line);
        else
            sb_printf(err, "its code starts tasks (line %d): threads "
                      "(threading.Thread) run for real in mode threads or "
                      "gil, asyncio tasks in mode asyncio", st->line);
        return NULL;
    }
    rclock_init();
    res = xcalloc(1, sizeof(*res));
    sb_init(&res->notes);
    res->backend = mode_name(cfg->mode);
    res->scene = scene;
    res->runs_asked = opt->runs < 1 ? 1 : opt->runs;
    res->traced = opt->traced;
    res->widen_ns = opt->widen_ns;
    res->order_first_diff = -1;
    res->median_run = res->median_kept = -1;
    r = rrun_new(L, scene, cfg, opt, res, err);
    if (!r) {
        real_result_free(res);
        return NULL;
    }
    res->detail = r->detail;
    res->tick_ns = r->tick_ns;
    res->nspaces = r->nspaces;
    res->nglobals = r->nglobals;
    res->walls = xcalloc((size_t)res->runs_asked + 1, sizeof(int64_t));
    ratios = xcalloc((size_t)res->runs_asked + 1, sizeof(int64_t));
    /* The runs that may be the median are held apart, within a bound of
     * their own: as many ops as the first runs' traces, and a quarter of
     * the memory budget. */
    real_median_init(&med, res->runs_asked, 0, REAL_KEEP_RECORDS(opt),
                     mem_limit() / 4);
    if (cfg->mode == MODE_ASYNCIO && opt->traced) {
        struct scene_config c = unscripted(cfg);

        sim = sim_new(L, scene, &c, NULL, 1);
        sim_run(sim);
        sim_tr = sim_trace(sim);
        res->order_checked = 1;
        res->order_same = 1;
    }
    for (int run = 0; run < res->runs_asked; run++) {
        struct real_outcome *oc;
        struct trace *tr = NULL;
        int64_t wall, ops = 0, busy = 0;
        int is_new;

        if (opt->cancel && atomic_load(opt->cancel)) {
            res->stopped = 1;
            break;
        }
        rrun_reset(r);
        r->be->run(r);
        rrun_finish(r);
        wall = (int64_t)(rclock_ns(r->t_end - r->t0) + 0.5); /* as merge.c */
        res->walls[res->runs] = wall;
        for (int t = 0; t < r->ntasks; t++) {
            const struct rtask *T = &r->tasks[t];

            ops += T->ops;
            res->truncated |= r->traced && T->truncated;
            if (T->t_start && T->t_end > T->t_start)
                busy += (int64_t)rclock_ns(T->t_end - T->t_start);
        }
        res->ops += ops;
        /* Time per op: of the whole run where one thread (or the GIL)
         * runs one op at a time, else of each task's own time from its
         * start to its end (not of starting threads). */
        if (r->single || r->use_gil || !busy)
            busy = wall;
        ratios[res->runs] = ops ? busy * 1000 / ops : 0;
        res->runs++;
        res->nfailed += r->status == TRACE_FAILED;
        res->ndeadlock += r->status == TRACE_DEADLOCK;
        res->nlimit += r->status == TRACE_LIMIT;
        if (r->traced) {
            /* Merging may take until the time limit, or a second past
             * the run's end if that is later. */
            uint64_t now = rclock_mono_ns(), until = r->deadline_mono;

            if (until < now + 1000000000u)
                until = now + 1000000000u;
            tr = real_merge(r, until);
            res->merge_cut |= r->merge_cut;
        }
        if (tr && sim_tr) {
            int64_t d = order_diff(sim_tr, tr);

            if (d >= 0 && res->order_same) {
                res->order_same = 0;
                res->order_first_diff = d;
            }
        }
        oc = count_outcome(res, r, run, &cap, &is_new);
        /* Keep the first trace of each outcome, within a memory bound
         * (the first run's is always kept). */
        if (tr && is_new && (run == 0 || (kept < REAL_KEEP_TRACES &&
                                          kept_ops + tr->nops <=
                                          REAL_KEEP_RECORDS(opt)))) {
            struct real_kept *k;

            XGROW(res->kept, kept_cap, (size_t)res->nkept + 1);
            k = &res->kept[res->nkept++];
            k->run = run;
            k->outcome = oc->first_run;     /* an index once sorted */
            k->trace = tr;
            oc->trace = tr;
            kept++;
            kept_ops += tr->nops;
            real_median_add(&med, run, wall, oc->first_run, tr, 0);
        } else {
            real_median_add(&med, run, wall, oc->first_run, tr, 1);
        }
        tr = NULL;
        if (run == 0)
            res->trace = oc->trace;
        if (opt->progress)
            opt->progress(opt->progress_arg, res->runs, res->runs_asked);
        {
            enum rabort why = (enum rabort)atomic_load(&r->abort);

            if (why == RA_TIMEOUT || why == RA_CANCEL || why == RA_RESOURCE) {
                res->stopped = res->runs < res->runs_asked;
                break;
            }
        }
    }
    sorted = xmalloc(sizeof(int64_t) * (size_t)(res->runs + 1));
    memcpy(sorted, res->walls, sizeof(int64_t) * (size_t)res->runs);
    qsort(sorted, (size_t)res->runs, sizeof(int64_t), wall_qcmp);
    res->wall_ns.min = res->runs ? sorted[0] : 0;
    res->wall_ns.max = res->runs ? sorted[res->runs - 1] : 0;
    res->wall_ns.median = median(sorted, res->runs);
    qsort(ratios, (size_t)res->runs, sizeof(int64_t), wall_qcmp);
    res->ns_per_op = (double)median(ratios, res->runs) / 1000.0;
    free(sorted);
    free(ratios);
    sort_outcomes(r->P, res->outcomes, res->noutcomes,
                  r->nspaces * r->nglobals);
    keep_median(res, &med, &kept_cap);
    real_median_done(&med);
    notes(r, res);
    sim_free(sim);
    rrun_free(r);
    return res;
}

void real_result_free(struct real_result *res)
{
    if (!res)
        return;
    for (int i = 0; i < res->noutcomes; i++) {
        free(res->outcomes[i].final);
        free(res->outcomes[i].why);
    }
    for (int i = 0; i < res->nkept; i++)
        trace_free(res->kept[i].trace);
    free(res->kept);
    free(res->outcomes);
    free(res->walls);
    sb_done(&res->notes);
    free(res);
}

/* ---- reporting ---------------------------------------------------------------------------- */

static void memory_text(struct strbuf *out, const struct program *P,
                        const int64_t *v)
{
    if (P->nglobals == 0)
        sb_puts(out, "(no shared variables)");
    for (int g = 0; g < P->nglobals; g++) {
        sb_printf(out, "%s%s = ", g ? ", " : "", P->global_names[g]);
        vm_format_value(P, v[g], out);
    }
}

void real_outcome_text(struct strbuf *out, const struct lesson *L,
                       const struct real_result *res,
                       const struct real_outcome *oc)
{
    const struct program *P = L->prog;
    const struct scene *sc = &L->scenes[res->scene];

    memory_text(out, P, oc->final);
    if (res->nspaces > 1)
        sb_puts(out, " (main);");
    for (int sp = 1; sp < res->nspaces; sp++) {
        sb_printf(out, "%s %s: ", sp > 1 ? "," : "", sc->tasks[sp - 1].label);
        memory_text(out, P, oc->final + sp * res->nglobals);
    }
}

static void json_values(struct json *j, const char *key, const struct program *P,
                        const int64_t *v)
{
    json_object(j, key);
    for (int g = 0; g < P->nglobals; g++)
        json_int(j, P->global_names[g], vm_num(P, v[g]));
    json_end(j);
}

void real_result_json(struct json *j, const struct lesson *L,
                      const struct real_result *res)
{
    const struct program *P = L->prog;
    struct strbuf line;

    json_str(j, "backend", res->backend);
    json_str(j, "detail", res->detail);
    json_int(j, "runs", res->runs);
    json_bool(j, "traced", res->traced);
    json_int(j, "tick_ns", res->tick_ns);
    if (res->cpus_asked > 0) {
        json_object(j, "cpus");
        json_int(j, "asked", res->cpus_asked);
        json_int(j, "used", res->cpus_used);
        json_bool(j, "pinned", res->pinned);
        json_end(j);
    }
    if (res->widen_ns > 0)
        json_int(j, "widen_ns", res->widen_ns);
    json_array(j, "outcomes");
    for (int i = 0; i < res->noutcomes; i++) {
        const struct real_outcome *oc = &res->outcomes[i];

        json_object(j, NULL);
        json_values(j, "final", P, oc->final);
        json_int(j, "count", oc->count);
        json_str(j, "status", trace_status_name(oc->status));
        if (oc->why)
            json_str(j, "why", oc->why);
        if (res->nspaces > 1) {
            json_object(j, "processes");
            for (int sp = 1; sp < res->nspaces; sp++)
                json_values(j, L->scenes[res->scene].tasks[sp - 1].label, P,
                            oc->final + sp * res->nglobals);
            json_end(j);
        }
        json_end(j);
    }
    json_end(j);
    json_object(j, "wall_ns");
    json_int(j, "min", res->wall_ns.min);
    json_int(j, "median", res->wall_ns.median);
    json_int(j, "max", res->wall_ns.max);
    json_end(j);
    if (res->median_run >= 0) {
        /* The run whose wall time is the median (the TUI shows it): its
         * number from 1, and whether its trace was kept. */
        json_object(j, "median_run");
        json_int(j, "run", res->median_run + 1);
        json_int(j, "wall_ns", res->walls[res->median_run]);
        json_bool(j, "traced", res->median_kept >= 0);
        json_end(j);
    }
    json_int(j, "ops", res->ops);
    json_double(j, "ns_per_op", res->ns_per_op);
    json_int(j, "failed", res->nfailed);
    json_int(j, "deadlocks", res->ndeadlock);
    json_int(j, "limits", res->nlimit);
    json_bool(j, "deadlock", res->ndeadlock > 0);
    json_bool(j, "stopped", res->stopped);
    json_bool(j, "truncated", res->truncated);
    if (res->order_checked) {
        json_bool(j, "order_matches_simulation", res->order_same);
        if (!res->order_same)
            json_int(j, "order_first_difference", res->order_first_diff);
    }
    json_array(j, "notes");
    sb_init(&line);
    for (const char *s = res->notes.s; s && *s;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);

        sb_clear(&line);
        sb_add(&line, s, len);
        json_str(j, NULL, line.s);
        s += len + (nl != NULL);
    }
    sb_done(&line);
    json_end(j);
}

/* A histogram lists this many outcomes at most; more that differ in one
 * variable are shown as ranges of its values. */
enum { HIST_MAX_ROWS = 12, HIST_BINS = 10 };

/* One histogram row: label, a bar of count against most, the count and
 * its share of the runs. */
static void hist_row(struct strbuf *out, const char *label, size_t label_w,
                     int count, int most, int runs, int width)
{
    size_t start = out->len;
    int bar = (int)((int64_t)count * width / (most > 0 ? most : 1));

    if (bar == 0 && count > 0)
        bar = 1;
    sb_puts(out, "  ");
    sb_puts(out, label);
    sb_pad_to(out, start, (int)label_w + 4);
    for (int k = 0; k < bar; k++)
        sb_putc(out, '#');
    sb_pad_to(out, start, (int)label_w + 4 + width + 1);
    sb_printf(out, "%6d  %3d%%", count,
              (int)((int64_t)count * 100 / (runs > 0 ? runs : 1)));
}

/* The one variable whose value tells many outcomes apart, when they all
 * ended normally in one memory and differ in nothing else: its index, or
 * -1. */
static int hist_varying(const struct program *P, const struct real_result *res)
{
    int found = -1;

    if (res->nspaces != 1)
        return -1;
    for (int i = 0; i < res->noutcomes; i++)
        if (res->outcomes[i].status != TRACE_OK)
            return -1;
    for (int g = 0; g < P->nglobals; g++)
        for (int i = 1; i < res->noutcomes; i++)
            if (res->outcomes[i].final[g] != res->outcomes[0].final[g]) {
                if (found >= 0)
                    return -1;
                found = g;
                break;
            }
    return found;
}

/* Many outcomes that differ in one variable: its values in HIST_BINS equal
 * ranges, each with its runs. */
static void hist_ranges(struct strbuf *out, const struct program *P,
                        const struct real_result *res, int g, int width)
{
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    int runs[HIST_BINS] = {0}, kinds[HIST_BINS] = {0}, most = 1, nbins;
    uint64_t step;
    char label[HIST_BINS][64];
    size_t w = 0;

    for (int i = 0; i < res->noutcomes; i++) {
        int64_t v = vm_num(P, res->outcomes[i].final[g]);

        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    /* Unsigned: the span of two int64 values may not fit in one. */
    step = ((uint64_t)hi - (uint64_t)lo) / HIST_BINS + 1;
    nbins = (int)(((uint64_t)hi - (uint64_t)lo) / step) + 1;
    for (int i = 0; i < res->noutcomes; i++) {
        int64_t v = vm_num(P, res->outcomes[i].final[g]);
        int b = (int)(((uint64_t)v - (uint64_t)lo) / step);

        runs[b] += res->outcomes[i].count;
        kinds[b]++;
    }
    for (int b = 0; b < nbins; b++) {
        uint64_t from = (uint64_t)lo + (uint64_t)b * step, to = from + step - 1;
        size_t n;

        if (b == nbins - 1)
            to = (uint64_t)hi;
        if (from == to)
            n = (size_t)snprintf(label[b], sizeof(label[b]), "%s = %lld",
                                 P->global_names[g], (long long)(int64_t)from);
        else
            n = (size_t)snprintf(label[b], sizeof(label[b]),
                                 "%s = %lld to %lld", P->global_names[g],
                                 (long long)(int64_t)from,
                                 (long long)(int64_t)to);
        n = utf8_width(label[b], n < sizeof(label[b]) ? n : sizeof(label[b]) - 1);
        if (n > w)
            w = n;
        if (runs[b] > most)
            most = runs[b];
    }
    sb_printf(out, "  %d different outcomes, %s in %d ranges:\n",
              res->noutcomes, P->global_names[g], nbins);
    for (int b = 0; b < nbins; b++) {
        hist_row(out, label[b], w, runs[b], most, res->runs, width);
        if (kinds[b] > 1)
            sb_printf(out, "  (%d different values)", kinds[b]);
        sb_putc(out, '\n');
    }
}

void real_result_histogram(struct strbuf *out, const struct lesson *L,
                           const struct real_result *res, int width)
{
    struct strbuf lab;
    size_t w = 0;
    int most = 1, shown = res->noutcomes, rest = 0, g;
    int *order = NULL;

    if (width < 10)
        width = 10;
    if (res->noutcomes > HIST_MAX_ROWS &&
        (g = hist_varying(L->prog, res)) >= 0) {
        hist_ranges(out, L->prog, res, g, width);
        return;
    }
    /* Too many to list: the most frequent first, the rest counted. */
    order = xcalloc((size_t)(res->noutcomes ? res->noutcomes : 1),
                    sizeof(*order));
    for (int i = 0; i < res->noutcomes; i++)
        order[i] = i;
    if (res->noutcomes > HIST_MAX_ROWS) {
        for (int i = 1; i < res->noutcomes; i++)
            for (int k = i; k > 0 && res->outcomes[order[k]].count >
                                     res->outcomes[order[k - 1]].count; k--) {
                int t = order[k];

                order[k] = order[k - 1];
                order[k - 1] = t;
            }
        shown = HIST_MAX_ROWS - 1;
        for (int i = shown; i < res->noutcomes; i++)
            rest += res->outcomes[order[i]].count;
    }
    sb_init(&lab);
    for (int i = 0; i < shown; i++) {
        size_t n;

        sb_clear(&lab);
        real_outcome_text(&lab, L, res, &res->outcomes[order[i]]);
        n = utf8_width(lab.s, lab.len);
        if (n > w)
            w = n;
        if (res->outcomes[order[i]].count > most)
            most = res->outcomes[order[i]].count;
    }
    for (int i = 0; i < shown; i++) {
        const struct real_outcome *oc = &res->outcomes[order[i]];

        sb_clear(&lab);
        real_outcome_text(&lab, L, res, oc);
        hist_row(out, lab.s, w, oc->count, most, res->runs, width);
        if (oc->status != TRACE_OK)
            sb_printf(out, "  (%s)", trace_status_name(oc->status));
        sb_putc(out, '\n');
    }
    if (rest)
        sb_printf(out, "  ... and %d other outcomes, in %d run%s\n",
                  res->noutcomes - shown, rest, rest == 1 ? "" : "s");
    sb_done(&lab);
    free(order);
}
