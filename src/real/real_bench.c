/* real_bench.c - what real runs cost: switches, hand-offs, tracing, speedups.
 *
 * Measured in one `taketurns bench` run, each the best of a few tries (the
 * fastest try is the one least disturbed by the rest of the machine):
 *   coro_switch_ns       one switch between two coroutines (the asm switch
 *                        where there is one), averaged over millions
 *   ucontext_switch_ns   the same with swapcontext(3)
 *   thread_handoff_ns    one hand-off between two pthreads (mutex and
 *                        condition variable, as the GIL hands over), on
 *                        one CPU
 *   thread_start_ns      pthread_create and pthread_join of a thread that
 *                        does nothing
 *   process_start_ns     fork() of this process, the child exiting at
 *                        once, and waitpid()
 *   trace_event_ns       recording one op: timestamp, CPU and a record
 *   io_speedup_*         8 tasks each waiting 50 ms: sequential / threads,
 *                        sequential / asyncio
 *   cpu_speedup_*        2 tasks each computing 100 ms, on 2 CPUs:
 *                        sequential / threads, / gil, / processes
 *   race_*               two threads racing on x = x + 1 on 2 CPUs, traced
 *                        and untraced: wall time per op, updates lost
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "real/coro.h"
#include "real/real_impl.h"

static const char bench_lesson[] =
    "lesson \"bench: real runs\"\n"
    "shared x = 0\n"
    "def fetch():\n"
    "    io(50)\n"
    "async def fetch_async():\n"
    "    await io(50)\n"
    "def crunch(n):\n"
    "    compute(n)\n"
    "def worker(n):\n"
    "    global x\n"
    "    for i in range(n):\n"
    "        x = x + 1\n"
    "scene io_sequential:\n"
    "    mode sequential\n"
    "    run fetch() as A\n"
    "    run fetch() as B\n"
    "    run fetch() as C\n"
    "    run fetch() as D\n"
    "    run fetch() as E\n"
    "    run fetch() as F\n"
    "    run fetch() as G\n"
    "    run fetch() as H\n"
    "scene io_threads:\n"
    "    mode threads\n"
    "    cpus 2\n"
    "    run fetch() as A\n"
    "    run fetch() as B\n"
    "    run fetch() as C\n"
    "    run fetch() as D\n"
    "    run fetch() as E\n"
    "    run fetch() as F\n"
    "    run fetch() as G\n"
    "    run fetch() as H\n"
    "scene io_asyncio:\n"
    "    mode asyncio\n"
    "    run fetch_async() as A\n"
    "    run fetch_async() as B\n"
    "    run fetch_async() as C\n"
    "    run fetch_async() as D\n"
    "    run fetch_async() as E\n"
    "    run fetch_async() as F\n"
    "    run fetch_async() as G\n"
    "    run fetch_async() as H\n"
    "scene cpu_sequential:\n"
    "    mode sequential\n"
    "    run crunch(100) as A\n"
    "    run crunch(100) as B\n"
    "scene cpu_threads:\n"
    "    mode threads\n"
    "    cpus 2\n"
    "    run crunch(100) as A\n"
    "    run crunch(100) as B\n"
    "scene cpu_gil:\n"
    "    mode gil\n"
    "    cpus 2\n"
    "    run crunch(100) as A\n"
    "    run crunch(100) as B\n"
    "scene cpu_processes:\n"
    "    mode processes\n"
    "    cpus 2\n"
    "    run crunch(100) as A\n"
    "    run crunch(100) as B\n"
    "scene race:\n"
    "    mode threads\n"
    "    cpus 2\n"
    "    budget 100000000\n"
    "    run worker(50000) as A\n"
    "    run worker(50000) as B\n";

static double now_ns(void)
{
    return (double)rclock_mono_ns();
}

/* ---- switches ---------------------------------------------------------------- */

struct pingpong {
    const struct coro_ops *ops;
    struct coro main, co;
};

static void pong(void *p)
{
    struct pingpong *pp = p;

    for (;;)
        pp->ops->swap(&pp->co, &pp->main);
}

static double coro_switch(const struct coro_ops *ops, long rounds)
{
    struct pingpong pp;
    double best = 0;

    memset(&pp, 0, sizeof(pp));
    pp.ops = ops;
    if (coro_stack_new(&pp.co, CORO_STACK_SIZE) < 0 ||
        ops->init(&pp.co, pong, &pp) < 0)
        return -1;
    for (int tries = 0; tries < 3; tries++) {
        double t0 = now_ns(), ns;

        for (long i = 0; i < rounds; i++)
            ops->swap(&pp.main, &pp.co);
        ns = (now_ns() - t0) / (2.0 * (double)rounds);
        if (tries == 0 || ns < best)
            best = ns;
    }
    coro_free(&pp.co);
    coro_free(&pp.main);
    return best;
}

struct handoff {
    cpu_set_t cpu;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int turn;
    long rounds;
};

/* Both threads on the CPU the caller runs on: the figure is then the
 * scheduler's hand-off itself, not how long an idle CPU takes to wake up
 * (tens of microseconds on a VM, and it varies). */
static void same_cpu(struct handoff *h)
{
    pthread_setaffinity_np(pthread_self(), sizeof(h->cpu), &h->cpu);
}

static void *handoff_peer(void *p)
{
    struct handoff *h = p;

    same_cpu(h);
    pthread_mutex_lock(&h->mu);
    for (long i = 0; i < h->rounds; i++) {
        while (h->turn != 1)
            pthread_cond_wait(&h->cv, &h->mu);
        h->turn = 0;
        pthread_cond_signal(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

static double thread_handoff(long rounds)
{
    double best = 0;

    for (int tries = 0; tries < 3; tries++) {
        struct handoff h;
        cpu_set_t mask;
        pthread_t th;
        double t0, ns;

        pthread_mutex_init(&h.mu, NULL);
        pthread_cond_init(&h.cv, NULL);
        h.turn = 0;
        h.rounds = rounds;
        CPU_ZERO(&h.cpu);
        CPU_SET(sched_getcpu() > 0 ? sched_getcpu() : 0, &h.cpu);
        if (pthread_create(&th, NULL, handoff_peer, &h) != 0)
            return -1;
        pthread_getaffinity_np(pthread_self(), sizeof(mask), &mask);
        same_cpu(&h);
        t0 = now_ns();
        pthread_mutex_lock(&h.mu);
        for (long i = 0; i < rounds; i++) {
            h.turn = 1;
            pthread_cond_signal(&h.cv);
            while (h.turn != 0)
                pthread_cond_wait(&h.cv, &h.mu);
        }
        pthread_mutex_unlock(&h.mu);
        ns = (now_ns() - t0) / (2.0 * (double)rounds);
        pthread_join(th, NULL);
        pthread_setaffinity_np(pthread_self(), sizeof(mask), &mask);
        pthread_mutex_destroy(&h.mu);
        pthread_cond_destroy(&h.cv);
        if (tries == 0 || ns < best)
            best = ns;
    }
    return best;
}

static void *do_nothing(void *p)
{
    return p;
}

static double thread_start(int rounds)
{
    double best = 0;

    for (int tries = 0; tries < 3; tries++) {
        double t0 = now_ns(), ns;

        for (int i = 0; i < rounds; i++) {
            pthread_t th;

            if (pthread_create(&th, NULL, do_nothing, NULL) != 0)
                return -1;
            pthread_join(th, NULL);
        }
        ns = (now_ns() - t0) / rounds;
        if (tries == 0 || ns < best)
            best = ns;
    }
    return best;
}

/* fork() copies the page tables of this process, which is what starting a
 * Python process with the fork method costs before the interpreter runs. */
static double process_start(int rounds)
{
    double best = 0;

    for (int tries = 0; tries < 3; tries++) {
        double t0 = now_ns(), ns;

        for (int i = 0; i < rounds; i++) {
            pid_t pid = fork();

            if (pid < 0)
                return -1;
            if (pid == 0)
                _exit(0);
            while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        }
        ns = (now_ns() - t0) / rounds;
        if (tries == 0 || ns < best)
            best = ns;
    }
    return best;
}

void real_measure_costs(struct real_costs *c)
{
    memset(c, 0, sizeof(*c));
    rclock_init();
    c->coro = coro_default()->name;
    c->coro_switch_ns = coro_switch(coro_default(), 200000);
    c->ucontext_switch_ns = coro_switch(&coro_ucontext, 20000);
    c->thread_handoff_ns = thread_handoff(2000);
    c->thread_start_ns = thread_start(200);
    c->process_start_ns = process_start(30);
}

/* The hot path of a traced op, without the op: as rtask_run does it. */
static double trace_cost(long n)
{
    struct rtask *T = aligned_alloc(64, sizeof(struct rtask));
    struct rrun r;
    struct vm_effect eff;
    double best = 0;

    memset(T, 0, sizeof(*T));
    memset(&r, 0, sizeof(r));
    memset(r.lane_of, 0, sizeof(r.lane_of));
    memset(&eff, 0, sizeof(eff));
    T->cap = (uint32_t)n + 2 * RREC_RESERVE;
    T->rec = xmalloc(sizeof(struct real_rec) * T->cap);
    T->seqp = &T->seq;
    T->run = &r;
    for (int tries = 0; tries < 3; tries++) {
        double t0, ns;

        T->nrec = 0;
        T->last_t = 0;
        t0 = now_ns();
        for (long i = 0; i < n; i++) {
            eff.value = i;
            rrec_op(T, rclock_now(), rrun_lane(&r), &eff);
        }
        ns = (now_ns() - t0) / (double)n;
        if (tries == 0 || ns < best)
            best = ns;
    }
    free(T->rec);
    free(T);
    return best;
}

/* ---- real runs ------------------------------------------------------------------ */

/* The shortest of three untraced runs of a scene, in ns (-1 if it failed). */
static double best_wall(const struct lesson *L, const char *scene, int traced,
                        struct real_result **keep)
{
    struct real_options opt;
    struct real_result *res;
    struct strbuf err;
    int s = lesson_find_scene(L, scene);
    double wall;

    real_options_init(&opt);
    opt.runs = 3;
    opt.tick_ns = 1000000;
    opt.traced = traced;
    sb_init(&err);
    res = real_run(L, s, &L->scenes[s].cfg, &opt, &err);
    sb_done(&err);
    if (!res)
        return -1;
    wall = res->nfailed + res->ndeadlock + res->nlimit ? -1 :
           (double)res->wall_ns.min;
    if (keep)
        *keep = res;
    else
        real_result_free(res);
    return wall;
}

static double ratio(double a, double b)
{
    return a > 0 && b > 0 ? a / b : 0;
}

/* The fraction of the 100000 increments the race lost, over its runs. */
static double lost(const struct real_result *res)
{
    double sum = 0;
    int n = 0;

    if (!res)
        return 0;
    for (int i = 0; i < res->noutcomes; i++) {
        sum += (double)res->outcomes[i].final[0] * res->outcomes[i].count;
        n += res->outcomes[i].count;
    }
    return n ? 1.0 - sum / n / 100000.0 : 0;
}

void real_bench_measure(struct real_bench *b)
{
    struct diag d;
    struct lesson *L;
    struct real_result *traced = NULL, *untraced = NULL;
    double seq;

    memset(b, 0, sizeof(*b));
    rclock_init();
    b->coro = coro_default()->name;
    b->coro_switch_ns = coro_switch(coro_default(), 2000000);
    b->ucontext_switch_ns = coro_switch(&coro_ucontext, 200000);
    b->thread_handoff_ns = thread_handoff(20000);
    b->thread_start_ns = thread_start(2000);
    b->process_start_ns = process_start(200);
    b->trace_event_ns = trace_cost(1000000);

    diag_init(&d);
    L = lesson_from_text("bench", bench_lesson, &d);
    if (!L)
        die("bench lesson: %s", d.text.s);
    seq = best_wall(L, "io_sequential", 0, NULL);
    b->io_speedup_threads = ratio(seq, best_wall(L, "io_threads", 0, NULL));
    b->io_speedup_asyncio = ratio(seq, best_wall(L, "io_asyncio", 0, NULL));
    seq = best_wall(L, "cpu_sequential", 0, NULL);
    b->cpu_speedup_threads = ratio(seq, best_wall(L, "cpu_threads", 0, NULL));
    b->cpu_speedup_gil = ratio(seq, best_wall(L, "cpu_gil", 0, NULL));
    b->cpu_speedup_processes = ratio(seq, best_wall(L, "cpu_processes", 0,
                                                    NULL));
    best_wall(L, "race", 1, &traced);
    best_wall(L, "race", 0, &untraced);
    b->race_ns_per_op_traced = traced ? traced->ns_per_op : 0;
    b->race_ns_per_op_untraced = untraced ? untraced->ns_per_op : 0;
    b->race_lost_traced = lost(traced);
    b->race_lost_untraced = lost(untraced);
    real_result_free(traced);
    real_result_free(untraced);
    lesson_free(L);
    diag_done(&d);
}

void real_bench_json(struct json *j, const struct real_bench *b)
{
    json_str(j, "coro_switch", b->coro);
    json_double(j, "coro_switch_ns", b->coro_switch_ns);
    json_double(j, "ucontext_switch_ns", b->ucontext_switch_ns);
    json_double(j, "thread_handoff_ns", b->thread_handoff_ns);
    json_double(j, "thread_start_ns", b->thread_start_ns);
    json_double(j, "process_start_ns", b->process_start_ns);
    json_double(j, "trace_event_ns", b->trace_event_ns);
    json_double(j, "io_speedup_threads", b->io_speedup_threads);
    json_double(j, "io_speedup_asyncio", b->io_speedup_asyncio);
    json_double(j, "cpu_speedup_threads", b->cpu_speedup_threads);
    json_double(j, "cpu_speedup_gil", b->cpu_speedup_gil);
    json_double(j, "cpu_speedup_processes", b->cpu_speedup_processes);
    json_double(j, "race_ns_per_op_traced", b->race_ns_per_op_traced);
    json_double(j, "race_ns_per_op_untraced", b->race_ns_per_op_untraced);
    json_double(j, "race_lost_traced", b->race_lost_traced);
    json_double(j, "race_lost_untraced", b->race_lost_untraced);
}

void real_bench_text(struct strbuf *out, const struct real_bench *b)
{
    sb_printf(out, "coroutine switch: %.1f ns (%s), %.1f ns with "
              "swapcontext\n", b->coro_switch_ns, b->coro,
              b->ucontext_switch_ns);
    sb_printf(out, "thread hand-off:  %.0f ns (mutex and condition "
              "variable, both threads on one CPU)\n", b->thread_handoff_ns);
    sb_printf(out, "thread start:     %.0f ns (pthread_create and join)\n",
              b->thread_start_ns);
    sb_printf(out, "process start:    %.0f ns (fork, exit, waitpid)\n",
              b->process_start_ns);
    sb_printf(out, "tracing an op:    %.1f ns (timestamp, CPU, record)\n",
              b->trace_event_ns);
    sb_printf(out, "I/O-bound, 8 tasks x 50 ms: threads %.1fx, asyncio %.1fx "
              "faster than one after another\n", b->io_speedup_threads,
              b->io_speedup_asyncio);
    sb_printf(out, "CPU-bound, 2 tasks on 2 CPUs: threads %.2fx, gil %.2fx, "
              "processes %.2fx\n", b->cpu_speedup_threads, b->cpu_speedup_gil,
              b->cpu_speedup_processes);
    sb_printf(out, "race, 2 x 50000 x = x + 1 on 2 CPUs: traced %.1f ns/op, "
              "%.0f%% lost; untraced %.1f ns/op, %.0f%% lost\n",
              b->race_ns_per_op_traced, 100 * b->race_lost_traced,
              b->race_ns_per_op_untraced, 100 * b->race_lost_untraced);
}
