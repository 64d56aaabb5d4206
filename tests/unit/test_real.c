/* test_real.c - real runs through the API: order, replay, limits, traces.
 *
 * Nothing here depends on timing: asyncio and sequential runs must follow
 * the simulator op for op whatever the machine does; a threads run's
 * interleaving must replay, whatever it was; a deadlock that happens in
 * every interleaving must be reported; and time limits only need to stop
 * a run that would never end.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

#include "chrome.h"
#include "lesson.h"
#include "program.h"
#include "real/coro.h"
#include "real/real.h"
#include "schedule.h"
#include "sim.h"
#include "testhelp.h"
#include "testlesson.h"

static const char text[] =
    "lesson \"test_real\"\n"
    "import asyncio\n"
    "shared x = 0\n"
    "shared y = 0\n"
    "lock m\n"
    "lock n\n"
    "am = asyncio.Lock()\n"
    "aq = asyncio.Queue(1)\n"
    "aev = asyncio.Event()\n"
    "asem = asyncio.Semaphore(1)\n"
    "acv = asyncio.Condition()\n"
    "def worker(k):\n"
    "    global x\n"
    "    for i in range(k):\n"
    "        x = x + 1\n"
    "def careful(k):\n"
    "    global x\n"
    "    for i in range(k):\n"
    "        with m:\n"
    "            x = x + 1\n"
    "def napper(k):\n"
    "    global y\n"
    "    for i in range(k):\n"
    "        sleep(1)\n"
    "        y = y + 1\n"
    "    print(\"napped\", y)\n"
    "def fails():\n"
    "    global x\n"
    "    x = x + 1\n"
    "    assert x < 0, \"x went up\"\n"
    "def twice():\n"
    "    with n:\n"
    "        with n:\n"
    "            pass\n"
    "def spin():\n"
    "    global x\n"
    "    while True:\n"
    "        x = x + 1\n"
    "async def counter(step, k):\n"
    "    global x, y\n"
    "    for i in range(k):\n"
    "        x = x + step\n"
    "        await asyncio.sleep(0)\n"
    "    await io(2)\n"
    "    y = y + x\n"
    "async def waiter(k):\n"
    "    global x\n"
    "    await asyncio.sleep(k)\n"
    "    async with am:\n"
    "        x = x * 2\n"
    "        await asyncio.sleep(1)\n"
    "        print(\"x is\", x)\n"
    "async def staller():\n"
    "    global x\n"
    "    await asyncio.sleep(0)\n"
    "    io(3)\n"
    "    compute(2)\n"
    "    x = x + 100\n"
    "async def twin(k):\n"
    "    global x, y\n"
    "    await io(k)\n"
    "    x = x + 1\n"
    "    await io(k)\n"
    "    y = y + x\n"
    "async def aproducer(k):\n"
    "    for i in range(k):\n"
    "        await aq.put(i + 1)\n"
    "    aev.set()\n"
    "async def aconsumer(k):\n"
    "    global x\n"
    "    for i in range(k):\n"
    "        async with asem:\n"
    "            x = x + await aq.get()\n"
    "    await aev.wait()\n"
    "    async with acv:\n"
    "        acv.notify_all()\n"
    "async def acvwaiter():\n"
    "    global y\n"
    "    async with acv:\n"
    "        await acv.wait()\n"
    "        y = y + 1\n"
    "scene aio_sync:\n"
    "    mode asyncio\n"
    "    run acvwaiter() as W\n"
    "    run aproducer(4) as P\n"
    "    run aconsumer(4) as C\n"
    "    run acvwaiter() as V\n"
    "scene aio:\n"
    "    mode asyncio\n"
    "    run counter(1, 3) as A\n"
    "    run counter(10, 3) as B\n"
    "    run waiter(2) as C\n"
    "    run waiter(2) as D\n"
    "    run staller() as E\n"
    "scene ties:\n"
    "    mode asyncio\n"
    "    run twin(3) as A\n"
    "    run twin(2) as B\n"
    "    run twin(3) as C\n"
    "    run twin(1) as D\n"
    "    run twin(2) as E\n"
    "scene seq:\n"
    "    mode sequential\n"
    "    run worker(3) as A\n"
    "    run careful(2) as B\n"
    "    run napper(2) as C\n"
    "scene race:\n"
    "    mode threads\n"
    "    cpus 2\n"
    "    run worker(5) as A\n"
    "    run worker(5) as B\n"
    "    run careful(3) as C\n"
    "scene one_cpu:\n"
    "    mode threads\n"
    "    cpus 1\n"
    "    run worker(4) as A\n"
    "    run careful(4) as B\n"
    "    run napper(2) as C\n"
    "scene gil_loops:\n"
    "    mode gil\n"
    "    cpus 2\n"
    "    switch-interval 1\n"
    "    checkpoints loops-and-calls\n"
    "    run worker(300) as A\n"
    "    run worker(300) as B\n"
    "scene fail:\n"
    "    mode threads\n"
    "    run fails() as A\n"
    "    run worker(2) as B\n"
    "scene procs:\n"
    "    mode processes\n"
    "    cpus 2\n"
    "    run worker(3) as A\n"
    "    run careful(2) as B\n"
    "    run twice() as C\n"
    "scene nap:\n"
    "    mode sequential\n"
    "    run napper(100000) as A\n"
    "scene spin:\n"
    "    mode threads\n"
    "    budget 1000000000000\n"
    "    run spin() as A\n"
    "    run napper(100000) as B\n";

static struct lesson *load(void)
{
    return test_lesson("test_real.lesson", text);
}

static double now_sec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct real_result *run(const struct lesson *L, const char *scene,
                               struct real_options *opt)
{
    int s = lesson_find_scene(L, scene);
    struct strbuf err;
    struct real_result *res;

    sb_init(&err);
    res = real_run(L, s, &L->scenes[s].cfg, opt, &err);
    if (!res)
        printf("FAIL real_run %s: %s\n", scene, err.s);
    sb_done(&err);
    return res;
}

static void options(struct real_options *opt, int runs, int64_t tick_us)
{
    real_options_init(opt);
    opt->runs = runs;
    opt->tick_ns = tick_us * 1000;
}

/* ---- coroutines ------------------------------------------------------------- */

struct pp {
    const struct coro_ops *ops;
    struct coro main, co;
    long count;
};

static long deep(int n)
{
    volatile char pad[512];

    pad[0] = (char)n;
    return n == 0 ? pad[0] : deep(n - 1) + 1;
}

static void body(void *p)
{
    struct pp *pp = p;

    for (;;) {
        pp->count++;
        pp->count += deep(100) - 100;   /* about 60 KB of this stack */
        pp->ops->swap(&pp->co, &pp->main);
    }
}

static void test_coro(const struct coro_ops *ops)
{
    struct pp pp;

    memset(&pp, 0, sizeof(pp));
    pp.ops = ops;
    CHECK(coro_stack_new(&pp.co, CORO_STACK_SIZE) == 0);
    CHECK(ops->init(&pp.co, body, &pp) == 0);
    for (int i = 0; i < 1000; i++)
        ops->swap(&pp.main, &pp.co);
    CHECK_EQ(pp.count, 1000);
    /* Started afresh on the same stack. */
    CHECK(ops->init(&pp.co, body, &pp) == 0);
    ops->swap(&pp.main, &pp.co);
    CHECK_EQ(pp.count, 1001);
    coro_free(&pp.co);
    coro_free(&pp.main);
}

/* Endless recursion on a coroutine stack reaches the guard page and
 * faults, instead of writing over whatever lies below the stack. */
static volatile long depth_limit = 1L << 40;   /* never reached */

static long bottomless(long n)
{
    volatile char pad[200];

    pad[0] = (char)n;
    return n < depth_limit ? bottomless(n + 1) + pad[0] : 0;
}

static void overflow(void *p)
{
    (void)p;
    exit((int)bottomless(0) & 1 ? 3 : 4);
}

static void test_guard_page(void)
{
    pid_t pid;
    int status = 0;

    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        struct coro main_ctx, co;

        memset(&main_ctx, 0, sizeof(main_ctx));
        if (coro_stack_new(&co, 64 * 1024) < 0 ||
            coro_default()->init(&co, overflow, NULL) < 0)
            _exit(5);
        coro_default()->swap(&main_ctx, &co);
        _exit(6);
    }
    CHECK(pid > 0);
    waitpid(pid, &status, 0);
    /* Killed by SIGSEGV, or stopped by a sanitizer that caught it. */
    CHECK(WIFSIGNALED(status) || (WIFEXITED(status) &&
                                  WEXITSTATUS(status) != 5 &&
                                  WEXITSTATUS(status) != 6 &&
                                  WEXITSTATUS(status) != 0));
}

/* ---- the simulated order ------------------------------------------------------- */

static struct trace *simulate(struct sim **s, const struct lesson *L,
                              const char *scene)
{
    int i = lesson_find_scene(L, scene);

    *s = sim_new(L, i, &L->scenes[i].cfg, NULL, 1);
    sim_run(*s);
    return sim_trace(*s);
}

/* The real trace runs the same ops, with the same values, in the same
 * order as the simulated one (a real ACQUIRE's value is its ticket). */
static int same_ops(const struct trace *a,
                    const struct trace *b)
{
    if (a->nops != b->nops) {
        printf("    %zu simulated ops, %zu real\n", a->nops, b->nops);
        return 0;
    }
    for (size_t i = 0; i < a->nops; i++) {
        struct trace_op x = trace_op_get(a, i), y = trace_op_get(b, i);

        if (x.task != y.task || x.pc != y.pc ||
            (x.value != y.value && x.status != VM_SYNC) ||
            x.status != y.status) {
            printf("    op %zu differs: task %d pc %u value %lld / task %d pc "
                   "%u value %lld\n", i, x.task, x.pc, (long long)x.value,
                   y.task, y.pc, (long long)y.value);
            return 0;
        }
    }
    return 1;
}

static void test_order(const struct lesson *L, const char *scene,
                       const char *coro)
{
    struct real_options opt;
    struct real_result *res;
    struct sim *s;
    struct trace *st = simulate(&s, L, scene);

    options(&opt, 3, 200);
    opt.coro = coro;
    res = run(L, scene, &opt);
    if (!res)
        return;
    CHECK_EQ(res->runs, 3);
    CHECK_EQ(res->noutcomes, 1);
    CHECK(res->order_checked == (strcmp(scene, "seq") != 0));
    CHECK(!res->order_checked || res->order_same);
    CHECK(res->trace && same_ops(st, res->trace));
    CHECK(res->trace && strcmp(res->trace->unit, "ns") == 0);
    CHECK(res->noutcomes == 1 && res->outcomes[0].final[0] == st->final[0] &&
          res->outcomes[0].final[1] == st->final[1]);
    CHECK(res->noutcomes == 1 && res->outcomes[0].status == TRACE_OK);
    /* The same switches, yields and blocks as the simulated run. */
    if (res->trace) {
        CHECK_EQ(res->trace->switches[SWK_YIELD], st->switches[SWK_YIELD]);
        CHECK_EQ(res->trace->switches[SWK_BLOCK], st->switches[SWK_BLOCK]);
    }
    real_result_free(res);
    sim_free(s);
}

/* ---- the trace ------------------------------------------------------------------ */

static void test_trace_shape(const struct lesson *L)
{
    struct real_options opt;
    struct real_result *res;
    const struct trace *tr;
    int sorted = 1, inside = 1, done = 1;

    options(&opt, 1, 100);
    res = run(L, "one_cpu", &opt);
    if (!res)
        return;
    tr = res->trace;
    CHECK(tr != NULL);
    if (!tr) {
        real_result_free(res);
        return;
    }
    CHECK_EQ(tr->ntasks, 3);
    CHECK_EQ(tr->ncpus, 1);
    for (size_t i = 1; i < tr->nops; i++)
        sorted &= trace_op_t(tr, i - 1) <= trace_op_t(tr, i);
    for (size_t i = 1; i < tr->nevents; i++)
        sorted &= tr->events[i - 1].t <= tr->events[i].t;
    CHECK(sorted);
    /* Every op ran while its task's lane says running, on a CPU. */
    for (size_t i = 0; i < tr->nops; i++) {
        const struct trace_span *sp = trace_span_at(tr, trace_op_task(tr, i),
                                                    trace_op_t(tr, i));

        inside &= sp && sp->state == TS_RUNNING && sp->cpu == 0;
    }
    CHECK(inside);
    for (int t = 0; t < tr->ntasks; t++)
        done &= tr->lanes[t].n > 0 &&
                tr->lanes[t].spans[tr->lanes[t].n - 1].state == TS_DONE;
    CHECK(done);
    CHECK(tr->status == TRACE_OK);
    CHECK(tr->end > 0 && tr->end == res->wall_ns.min);
    CHECK(tr->switches[SWK_BLOCK] >= 2);    /* C's two sleeps, at least */
    {
        int printed = 0;

        for (size_t i = 0; i < tr->nevents; i++)
            printed |= tr->events[i].kind == EV_PRINT &&
                       strcmp(trace_text_at(tr, tr->events[i].arg),
                              "napped 2") == 0;
        CHECK(printed);
    }
    {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        int s = lesson_find_scene(L, "one_cpu");

        chrome_write(f, L, s, &L->scenes[s].cfg, tr);
        fclose(f);
        CHECK(strstr(buf, "\"traceEvents\":[") != NULL);
        CHECK(strstr(buf, "\"name\":\"thread_name\"") != NULL);
        CHECK(strstr(buf, "\"name\":\"LOAD_GLOBAL x\",\"ph\":\"X\"") != NULL);
        CHECK(strstr(buf, "\"ph\":\"C\"") != NULL);
        CHECK(strstr(buf, "\"run\":\"real\"") != NULL);
        free(buf);
    }
    real_result_free(res);
}

/* ---- replay ---------------------------------------------------------------------- */

static void test_replay(const struct lesson *L, const char *scene, int64_t widen)
{
    int s = lesson_find_scene(L, scene);
    struct real_options opt;
    struct real_result *res;
    struct real_replay rp;

    options(&opt, 1, 50);
    opt.widen_ns = widen;
    res = run(L, scene, &opt);
    if (!res || !res->trace)
        return;
    real_replay_init(&rp);
    /* A real sleep lasts real time, not a count of the others' ops: when
     * the OS wakes a sleeper before the others have run as many ops as the
     * simulator's ticks, the replay must say so rather than guess (the
     * design allows "or the tool says it could not reconstruct it"). */
    if (!real_replay(L, s, &L->scenes[s].cfg, res->trace, &rp) && rp.why.s &&
        strstr(rp.why.s, "is still waiting (sleep or I/O) in simulated ticks") &&
        strcmp(scene, "race") != 0) {
        printf("ok %s:%d replay of %s says why it cannot follow: %s\n",
               __FILE__, __LINE__, scene, rp.why.s);
        real_replay_done(&rp);
        real_result_free(res);
        return;
    }
    CHECK(rp.ok);
    if (!rp.ok)
        printf("    %s\n", rp.why.s);
    CHECK(rp.final && rp.final[0] == res->trace->final[0] &&
          rp.final[1] == res->trace->final[1]);
    /* The schedule reads back, and the simulator given it ends alike. */
    if (rp.ok) {
        const char *labels[LESSON_MAX_TASKS];
        struct schedule sch;
        struct strbuf err;
        struct sim *sm;
        int off;

        for (int t = 0; t < L->scenes[s].ntasks; t++)
            labels[t] = L->scenes[s].tasks[t].label;
        sb_init(&err);
        CHECK(schedule_parse(rp.schedule.s, labels, L->scenes[s].ntasks, &sch,
                             &off, &err) == 0);
        sm = sim_new(L, s, &L->scenes[s].cfg, &sch, 1);
        sim_run(sm);
        CHECK(sim_status(sm) == TRACE_OK);
        CHECK_EQ(sim_trace(sm)->final[0], res->trace->final[0]);
        CHECK_EQ(sim_trace(sm)->nops, res->trace->nops);
        sim_free(sm);
        schedule_done(&sch);
        sb_done(&err);
    }
    real_replay_done(&rp);
    real_result_free(res);
}

/* ---- endings ---------------------------------------------------------------------- */

static void test_gil_loops(const struct lesson *L)
{
    struct real_options opt;
    struct real_result *res;

    /* No checkpoint between the read and the write: nothing is lost, even
     * with the GIL changing hands every few microseconds. */
    options(&opt, 5, 2);
    opt.widen_ns = 3000;
    res = run(L, "gil_loops", &opt);
    if (!res)
        return;
    CHECK_EQ(res->noutcomes, 1);
    CHECK_EQ(res->outcomes[0].final[0], 600);
    CHECK_EQ(res->outcomes[0].count, 5);
    real_result_free(res);
}

static void test_failure(const struct lesson *L)
{
    struct real_options opt;
    struct real_result *res;

    options(&opt, 2, 100);
    opt.traced = 0;
    res = run(L, "fail", &opt);
    if (!res)
        return;
    CHECK_EQ(res->nfailed, 2);
    /* B's updates race with A's, so x may end differently from run to run
     * (a loaded machine preempts A between its read and its write): every
     * outcome, however many, is the same failure. */
    int all_failed = res->noutcomes >= 1, all_say_why = res->noutcomes >= 1;
    for (int i = 0; i < res->noutcomes; i++) {
        const char *why = res->outcomes[i].why;

        all_failed &= res->outcomes[i].status == TRACE_FAILED;
        all_say_why &= why && strstr(why, "A fails: AssertionError: x went up");
    }
    CHECK(all_failed);
    CHECK(all_say_why);
    CHECK(res->trace == NULL);
    real_result_free(res);
}

static void test_processes(const struct lesson *L)
{
    struct real_options opt;
    struct real_result *res;

    options(&opt, 2, 100);
    res = run(L, "procs", &opt);
    if (!res)
        return;
    CHECK_EQ(res->nspaces, 4);
    CHECK(res->noutcomes == 1 && res->outcomes[0].status == TRACE_DEADLOCK);
    if (res->noutcomes == 1) {
        const int64_t *f = res->outcomes[0].final;

        CHECK_EQ(f[0], 0);          /* the main program's x */
        CHECK_EQ(f[2], 3);          /* A's own x */
        CHECK_EQ(f[4], 2);          /* B's own x */
        CHECK(res->outcomes[0].why &&
              strstr(res->outcomes[0].why, "C waits for lock n (held by "
                     "itself)"));
    }
    CHECK(res->trace && res->trace->nspaces == 4);
    real_result_free(res);
}

static void test_limits(const struct lesson *L)
{
    struct real_options opt;
    struct real_result *res;
    double t0 = now_sec();
    _Atomic int cancel = 1;

    options(&opt, 3, 1000);
    opt.timeout_ns = 300000000;
    res = run(L, "spin", &opt);
    if (!res)
        return;
    CHECK(now_sec() - t0 < 5);
    CHECK_EQ(res->runs, 1);         /* a time limit ends the series */
    CHECK(res->stopped);
    CHECK(res->noutcomes == 1 && res->outcomes[0].status == TRACE_LIMIT);
    CHECK(res->noutcomes == 1 && res->outcomes[0].why &&
          strstr(res->outcomes[0].why, "time limit"));
    real_result_free(res);

    options(&opt, 3, 1000);
    opt.cancel = &cancel;
    res = run(L, "spin", &opt);
    CHECK(res && res->runs == 0 && res->stopped);
    real_result_free(res);
}

struct canceller {
    _Atomic int flag;
};

static void *cancel_soon(void *p)
{
    struct canceller *c = p;
    struct timespec ts = {0, 50000000};

    nanosleep(&ts, NULL);
    atomic_store(&c->flag, 1);
    return NULL;
}

/* The TUI runs real_run on a thread of its own and stops it with cancel:
 * a long sleep, or a spinning thread, must notice. */
static void test_cancel(const struct lesson *L, const char *scene)
{
    struct real_options opt;
    struct real_result *res;
    struct canceller c;
    pthread_t th;
    double t0 = now_sec();

    atomic_init(&c.flag, 0);
    options(&opt, 5, 1000);
    opt.traced = 0;
    opt.cancel = &c.flag;
    pthread_create(&th, NULL, cancel_soon, &c);
    res = run(L, scene, &opt);
    pthread_join(th, NULL);
    if (!res)
        return;
    CHECK(now_sec() - t0 < 3);
    CHECK_EQ(res->runs, 1);
    CHECK(res->stopped);
    CHECK(res->noutcomes == 1 && res->outcomes[0].status == TRACE_LIMIT);
    real_result_free(res);
}

/* ---- the median run ---------------------------------------------------------- */

/* real_median_run on given wall times: the lower middle, the earliest of
 * equal ones. */
static void test_median_pick(void)
{
    static const int64_t odd[] = {50, 10, 40, 20, 30};
    static const int64_t even[] = {9, 1, 7, 3};
    static const int64_t ties[] = {5, 2, 5, 5, 8};
    static const int64_t one[] = {42};

    CHECK_EQ(real_median_run(odd, 5), 4);       /* 30 */
    CHECK_EQ(real_median_run(even, 4), 3);      /* 3, of 3 and 7 */
    CHECK_EQ(real_median_run(ties, 5), 0);      /* the first 5 */
    CHECK_EQ(real_median_run(one, 1), 0);
    CHECK_EQ(real_median_run(one, 0), -1);
}

static struct trace *small_trace(int nops)
{
    static const char *const labels[] = {"A"};
    struct trace *tr = trace_new(1, labels, 1, "ns");

    for (int i = 0; i < nops; i++)
        trace_op(tr, i, 0, 0, 0, 0, 0);
    return tr;
}

/* Feed the pool walls[0..n) in order (each run with a trace of ops ops)
 * and say whether the median run's trace is held at the end; the pool
 * never holds more than its bound on the way. */
static int pool_keeps_median(const int64_t *walls, int n, int cap,
                             size_t max_ops, int ops)
{
    struct real_median m;
    struct real_median_pick *p;
    int want = real_median_run(walls, n), held = 0, within = 1;

    real_median_init(&m, n, cap, max_ops, (size_t)1 << 30);
    for (int i = 0; i < n; i++) {
        real_median_add(&m, i, walls[i], 7, small_trace(ops), 1);
        within &= m.n <= m.cap && m.ops <= max_ops;
    }
    CHECK(within);
    /* Any held run with the median's wall time is a median run. */
    for (int i = 0; i < m.n; i++) {
        p = &m.pool[i];
        if (p->wall == walls[want] && p->trace && p->tag == 7 &&
            p->trace->nops == (size_t)ops)
            held = 1;
    }
    p = real_median_find(&m, want);
    held &= !p || p->trace != NULL;
    real_median_done(&m);
    return held;
}

static void test_median_pool(void)
{
    enum { N = 200 };
    int64_t w[N];
    uint64_t seed = 12345;

    /* Orders that defeat a small pool, with room for every run that can
     * still be the median (half of them, plus one): always held. */
    for (int i = 0; i < 9; i++)
        w[i] = 100 - i;
    CHECK(pool_keeps_median(w, 9, 5, 1000, 3));
    for (int i = 0; i < 9; i++)
        w[i] = 100 + i;
    CHECK(pool_keeps_median(w, 9, 5, 1000, 3));
    for (int i = 0; i < 10; i++)
        w[i] = i % 2 ? 100 + i : 100 - i;   /* zigzag, even count */
    CHECK(pool_keeps_median(w, 10, 6, 1000, 3));
    /* Runs of equal wall time. */
    for (int i = 0; i < 11; i++)
        w[i] = 100 + i % 3;
    CHECK(pool_keeps_median(w, 11, 4, 1000, 3));
    /* Many runs, times at random and a slow first run (a cold start), in
     * the default bound (about twice the square root of the runs): the
     * pool stays small and the median is held. */
    for (int i = 0; i < N; i++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        w[i] = 1000000 + (int64_t)(seed >> 44);
    }
    w[0] = 5000000;
    CHECK(pool_keeps_median(w, N, 0, (size_t)1 << 20, 5));
    /* A bound in ops: still held, never more than the bound. */
    CHECK(pool_keeps_median(w, N, 0, 40 * 5, 5));
    /* Not owned: the pool neither frees nor counts the trace. */
    {
        struct real_median m;
        struct trace *tr = small_trace(3);

        real_median_init(&m, 3, 0, 1, (size_t)1 << 30);
        real_median_add(&m, 0, 10, 0, tr, 0);
        real_median_add(&m, 1, 30, 0, NULL, 0);
        real_median_add(&m, 2, 20, 0, small_trace(1), 1);
        CHECK(real_median_find(&m, 0) == NULL ||
              real_median_find(&m, 0)->trace == tr);
        CHECK(real_median_find(&m, 2) && real_median_find(&m, 2)->trace);
        CHECK_EQ((long long)m.ops, 1);
        real_median_done(&m);
        trace_free(tr);
    }
}

/* A real series keeps the median run's trace and says which it is: the
 * run whose wall time is the middle one, among kept[] in run order with
 * the first run.  Which run that is depends on the machine. */
static void test_real_median(const struct lesson *L)
{
    struct real_options opt;
    struct real_result *res;
    int64_t *sorted;
    int below = 0, above = 0, in_order = 1;

    options(&opt, 15, 1000);
    res = run(L, "race", &opt);
    if (!res)
        return;
    CHECK_EQ(res->runs, 15);
    CHECK(res->median_run >= 0 && res->median_run < res->runs);
    CHECK(res->median_kept >= 0 && res->median_kept < res->nkept);
    if (res->median_kept < 0 || res->median_run < 0) {
        real_result_free(res);
        return;
    }
    CHECK_EQ(res->kept[res->median_kept].run, res->median_run);
    CHECK(res->kept[res->median_kept].trace != NULL);
    /* 7 runs took less time and 7 more (or as long). */
    for (int i = 0; i < res->runs; i++) {
        below += res->walls[i] < res->walls[res->median_run];
        above += res->walls[i] > res->walls[res->median_run];
    }
    CHECK(below <= 7 && above <= 7);
    sorted = xmalloc(sizeof(int64_t) * 15);
    memcpy(sorted, res->walls, sizeof(int64_t) * 15);
    for (int i = 1; i < 15; i++)
        for (int k = i; k > 0 && sorted[k - 1] > sorted[k]; k--) {
            int64_t t = sorted[k];

            sorted[k] = sorted[k - 1], sorted[k - 1] = t;
        }
    CHECK_EQ(res->walls[res->median_run], sorted[7]);
    CHECK_EQ(res->wall_ns.median, sorted[7]);
    free(sorted);
    CHECK(res->nkept >= 1 && res->kept[0].run == 0 &&
          res->kept[0].trace == res->trace);
    for (int i = 0; i < res->nkept; i++) {
        in_order &= i == 0 || res->kept[i - 1].run < res->kept[i].run;
        in_order &= res->kept[i].outcome >= 0 &&
                    res->kept[i].outcome < res->noutcomes;
    }
    CHECK(in_order);
    /* Untraced: the median run is known, its trace is not. */
    real_result_free(res);
    options(&opt, 5, 1000);
    opt.traced = 0;
    res = run(L, "race", &opt);
    if (!res)
        return;
    CHECK(res->median_run >= 0 && res->median_kept == -1 && res->nkept == 0);
    real_result_free(res);
}

static void test_defaults(const struct lesson *L)
{
    int s = lesson_find_scene(L, "seq");
    struct strbuf why;

    CHECK_EQ(real_default_tick(L, s, &L->scenes[s].cfg), 1000000);
    s = lesson_find_scene(L, "gil_loops");
    CHECK(real_default_tick(L, s, &L->scenes[s].cfg) < 1000000);
    sb_init(&why);
    for (int m = 0; m < MODE_COUNT; m++)
        CHECK(real_available((enum mode)m, &why));
    sb_done(&why);
}

/* Many outcomes: those that differ in one variable are grouped in ranges
 * of its values; others are listed most frequent first, the rest counted. */
static void test_histogram(const struct lesson *L)
{
    const struct program *P = L->prog;
    struct real_outcome oc[30];
    int64_t fin[30][8];
    struct real_result res;
    struct strbuf sb;
    int gx = -1, gy = -1;

    for (int g = 0; g < P->nglobals; g++) {
        if (!strcmp(P->global_names[g], "x"))
            gx = g;
        if (!strcmp(P->global_names[g], "y"))
            gy = g;
    }
    CHECK(gx >= 0 && gy >= 0 && P->nglobals <= 8);
    if (gx < 0 || gy < 0 || P->nglobals > 8)
        return;
    memset(&res, 0, sizeof(res));
    memset(oc, 0, sizeof(oc));
    memset(fin, 0, sizeof(fin));
    res.nspaces = 1;
    res.nglobals = P->nglobals;
    res.outcomes = oc;
    for (int i = 0; i < 30; i++) {
        fin[i][gx] = i * 10;
        fin[i][gy] = 7;
        oc[i].final = fin[i];
        oc[i].count = i < 3 ? 5 : 1;
        oc[i].status = TRACE_OK;
        res.runs += oc[i].count;
    }
    res.noutcomes = 30;
    sb_init(&sb);
    real_result_histogram(&sb, L, &res, 40);
    CHECK_STR_HAS(sb.s, "30 different outcomes, x in 10 ranges:");
    CHECK_STR_HAS(sb.s, "x = 0 to 29");
    CHECK_STR_HAS(sb.s, "15   35%  (3 different values)");
    CHECK_STR_HAS(sb.s, "x = 270 to 290");
    CHECK(!strstr(sb.s, "x = 300"));

    /* Two variables vary: the 11 most frequent, then the rest. */
    fin[29][gy] = 8;
    sb_clear(&sb);
    real_result_histogram(&sb, L, &res, 40);
    CHECK(!strstr(sb.s, "ranges"));
    CHECK_STR_HAS(sb.s, "x = 0, y = 7");
    CHECK_STR_HAS(sb.s, "... and 19 other outcomes, in 19 runs");

    /* Few outcomes: every one, as before. */
    res.noutcomes = 3;
    sb_clear(&sb);
    real_result_histogram(&sb, L, &res, 40);
    CHECK(!strstr(sb.s, "other outcomes") && !strstr(sb.s, "ranges"));
    CHECK_STR_HAS(sb.s, "x = 20, y = 7");

    /* The whole range: the span does not overflow. */
    res.noutcomes = 30;
    fin[29][gy] = 7;
    fin[0][gx] = INT64_MAX;
    fin[1][gx] = -(INT64_C(1) << 62);
    sb_clear(&sb);
    real_result_histogram(&sb, L, &res, 40);
    CHECK_STR_HAS(sb.s, "x in 10 ranges");
    CHECK_STR_HAS(sb.s, "to 9223372036854775807");
    sb_done(&sb);
}

int main(void)
{
    struct lesson *L = load();

    if (!L)
        return 1;
    test_coro(&coro_ucontext);
#ifdef TT_CORO_ASM
    test_coro(&coro_asm);
#endif
    test_guard_page();
    test_order(L, "aio", NULL);
    test_order(L, "ties", NULL);
    test_order(L, "aio", "ucontext");
    test_order(L, "aio_sync", NULL);
    test_order(L, "seq", NULL);
    test_trace_shape(L);
    for (int i = 0; i < 3; i++) {
        test_replay(L, "race", 10000);
        test_replay(L, "one_cpu", 10000);
    }
    test_replay(L, "race", 0);
    test_gil_loops(L);
    test_failure(L);
    test_processes(L);
    test_limits(L);
    test_cancel(L, "nap");
    test_cancel(L, "spin");
    test_defaults(L);
    test_median_pick();
    test_median_pool();
    test_real_median(L);
    test_histogram(L);
    lesson_free(L);
    return TEST_DONE();
}
