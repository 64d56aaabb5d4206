/* test_sim.c - the VM and the schedulers: the semantics lessons rely on. */
#include <stdlib.h>

#include "lesson.h"
#include "report.h"
#include "schedule.h"
#include "sim.h"
#include "testhelp.h"
#include "testlesson.h"

static struct lesson *load(const char *text)
{
    return test_lesson("t.lesson", text);
}

/* The outcome of one run. */
struct result {
    int64_t x;          /* final value of the first shared variable */
    int64_t makespan;
    int status;
    int64_t preempts, yields, blocks;
};

static struct result run_cfg(const struct lesson *L, const char *scene,
                             const struct scene_config *cfg, const char *sched)
{
    int i = lesson_find_scene(L, scene);
    struct result r = {0, 0, 0, 0, 0, 0};
    struct schedule sch;
    struct sim *s;
    struct trace *tr;

    if (i < 0) {
        printf("FAIL no scene %s\n", scene);
        return r;
    }
    if (sched) {
        const char *labels[LESSON_MAX_TASKS];
        struct strbuf err;
        int off;

        for (int t = 0; t < L->scenes[i].ntasks; t++)
            labels[t] = L->scenes[i].tasks[t].label;
        sb_init(&err);
        if (schedule_parse(sched, labels, L->scenes[i].ntasks, &sch, &off, &err))
            printf("FAIL schedule %s: %s\n", sched, err.s);
        sb_done(&err);
    }
    s = sim_new(L, i, cfg ? cfg : &L->scenes[i].cfg, sched ? &sch : NULL, 1);
    sim_run(s);
    tr = sim_trace(s);
    r.x = tr->nglobals ? tr->final[0] : 0;
    r.makespan = tr->end;
    r.status = tr->status;
    r.preempts = tr->switches[SWK_PREEMPT];
    r.yields = tr->switches[SWK_YIELD];
    r.blocks = tr->switches[SWK_BLOCK];
    sim_free(s);
    if (sched)
        schedule_done(&sch);
    return r;
}

static struct result run(const struct lesson *L, const char *scene)
{
    return run_cfg(L, scene, NULL, NULL);
}

static const char race[] =
    "lesson \"race\"\n"
    "shared x = 0\n"
    "lock m\n"
    "lock n\n"
    "def inc():\n"
    "    global x\n"
    "    x = x + 1\n"
    "def loop_inc(k):\n"
    "    global x\n"
    "    for i in range(k):\n"
    "        x = x + 1\n"
    "def safe(k):\n"
    "    global x\n"
    "    for i in range(k):\n"
    "        with m:\n"
    "            x += 1\n"
    "def call_between(k):\n"
    "    global x\n"
    "    for i in range(k):\n"
    "        t = x\n"
    "        nothing()\n"
    "        x = t + 1\n"
    "def nothing():\n"
    "    pass\n"
    "def mn():\n"
    "    global x\n"
    "    with m:\n"
    "        with n:\n"
    "            x += 1\n"
    "def nm():\n"
    "    global x\n"
    "    with n:\n"
    "        with m:\n"
    "            x += 1\n"
    "scene one:\n"
    "    mode threads\n"
    "    cpus 1\n"
    "    run inc() as A\n"
    "    run inc() as B\n"
    "scene loop:\n"
    "    mode threads\n"
    "    run loop_inc(1) as A\n"
    "    run loop_inc(1) as B\n"
    "scene gil:\n"
    "    mode gil\n"
    "    switch-interval 1\n"
    "    run loop_inc(3) as A\n"
    "    run loop_inc(3) as B\n"
    "scene gilcall:\n"
    "    mode gil\n"
    "    switch-interval 1\n"
    "    checkpoints loops-and-calls\n"
    "    run call_between(3) as A\n"
    "    run call_between(3) as B\n"
    "scene locked:\n"
    "    mode threads\n"
    "    quantum 1\n"
    "    run safe(3) as A\n"
    "    run safe(3) as B\n"
    "scene dead:\n"
    "    mode threads\n"
    "    quantum 1\n"
    "    run mn() as A\n"
    "    run nm() as B\n";

static void test_threads_race(void)
{
    struct lesson *L = load(race);
    struct scene_config c;

    if (!L)
        return;
    c = L->scenes[0].cfg;
    for (int q = 1; q <= 2; q++) {
        c.quantum = q;
        CHECK_EQ(run_cfg(L, "one", &c, NULL).x, 1);
        CHECK_EQ(run_cfg(L, "loop", &c, NULL).x, 1);
    }
    c.quantum = 1000;
    CHECK_EQ(run_cfg(L, "one", &c, NULL).x, 2);
    CHECK_EQ(run_cfg(L, "loop", &c, NULL).x, 2);
    c.cpus = 2;
    CHECK_EQ(run_cfg(L, "one", &c, NULL).x, 1);
    CHECK_EQ(run_cfg(L, "loop", &c, NULL).x, 1);
    /* A lock around the increment always gives 2k. */
    c = L->scenes[lesson_find_scene(L, "locked")].cfg;
    for (int q = 1; q <= 7; q++) {
        c.quantum = q;
        CHECK_EQ(run_cfg(L, "locked", &c, NULL).x, 6);
        c.cpus = 2;
        CHECK_EQ(run_cfg(L, "locked", &c, NULL).x, 6);
        c.cpus = 1;
    }
    lesson_free(L);
}

static void test_gil(void)
{
    struct lesson *L = load(race);
    struct scene_config c;

    if (!L)
        return;
    c = L->scenes[lesson_find_scene(L, "gil")].cfg;
    /* A single increment each: every-op loses one, loops-and-calls none. */
    c.checkpoints = CHECK_EVERY_OP;
    CHECK_EQ(run_cfg(L, "one", &(struct scene_config){.mode = MODE_GIL,
             .cpus = 1, .quantum = 5, .switch_interval = 1,
             .checkpoints = CHECK_EVERY_OP, .budget = 1000000}, NULL).x, 1);
    CHECK_EQ(run_cfg(L, "one", &(struct scene_config){.mode = MODE_GIL,
             .cpus = 1, .quantum = 5, .switch_interval = 1,
             .checkpoints = CHECK_LOOPS_AND_CALLS, .budget = 1000000}, NULL).x, 2);
    /* A plain loop: a switch inside the increment under every-op only. */
    CHECK(run_cfg(L, "gil", &c, NULL).x < 6);
    c.checkpoints = CHECK_LOOPS_AND_CALLS;
    CHECK_EQ(run_cfg(L, "gil", &c, NULL).x, 6);
    /* A call between the read and the write is a checkpoint. */
    CHECK(run(L, "gilcall").x < 6);
    lesson_free(L);
}

static void test_deadlock(void)
{
    struct lesson *L = load(race);
    struct result r;

    if (!L)
        return;
    r = run(L, "dead");
    CHECK_EQ(r.status, TRACE_DEADLOCK);
    /* The same tasks one after the other do not deadlock. */
    r = run_cfg(L, "dead", NULL, "A20 B20");
    CHECK_EQ(r.status, TRACE_OK);
    CHECK_EQ(r.x, 2);
    lesson_free(L);
}

static const char aio[] =
    "lesson \"aio\"\n"
    "import asyncio\n"
    "shared order = 0\n"
    "async def t(n):\n"
    "    global order\n"
    "    await asyncio.sleep(n)\n"
    "    order = order * 10 + n\n"
    "async def blocking(n):\n"
    "    global order\n"
    "    sleep(n)\n"
    "    order = order * 10 + n\n"
    "def wait_io():\n"
    "    io(100)\n"
    "async def await_io():\n"
    "    await io(100)\n"
    "def work():\n"
    "    compute(1000)\n"
    "scene timers:\n"
    "    mode asyncio\n"
    "    run t(300) as A\n"
    "    run t(100) as B\n"
    "    run t(200) as C\n"
    "scene awaited:\n"
    "    mode asyncio\n"
    "    run t(300) as A\n"
    "    run t(100) as B\n"
    "scene blocked:\n"
    "    mode asyncio\n"
    "    run blocking(300) as A\n"
    "    run t(100) as B\n"
    "scene seq8:\n"
    "    mode sequential\n"
    "    run wait_io()\n"
    "    run wait_io()\n"
    "    run wait_io()\n"
    "    run wait_io()\n"
    "    run wait_io()\n"
    "    run wait_io()\n"
    "    run wait_io()\n"
    "    run wait_io()\n"
    "scene thr8:\n"
    "    mode threads\n"
    "    run wait_io()\n"
    "    run wait_io()\n"
    "    run wait_io()\n"
    "    run wait_io()\n"
    "    run wait_io()\n"
    "    run wait_io()\n"
    "    run wait_io()\n"
    "    run wait_io()\n"
    "scene aio8:\n"
    "    mode asyncio\n"
    "    run await_io()\n"
    "    run await_io()\n"
    "    run await_io()\n"
    "    run await_io()\n"
    "    run await_io()\n"
    "    run await_io()\n"
    "    run await_io()\n"
    "    run await_io()\n"
    "scene cpu_seq:\n"
    "    mode sequential\n"
    "    run work()\n"
    "    run work()\n"
    "scene cpu_thr:\n"
    "    mode threads\n"
    "    cpus 2\n"
    "    run work()\n"
    "    run work()\n"
    "scene cpu_gil:\n"
    "    mode gil\n"
    "    cpus 2\n"
    "    run work()\n"
    "    run work()\n"
    "scene cpu_proc:\n"
    "    mode processes\n"
    "    cpus 2\n"
    "    run work()\n"
    "    run work()\n";

static void test_asyncio(void)
{
    struct lesson *L = load(aio);

    if (!L)
        return;
    /* Coroutines resume in timer order: B (100), C (200), A (300).  The
     * waits are long next to the dozen ops each coroutine runs before its
     * await, as real waits are next to bytecodes. */
    CHECK_EQ(run(L, "timers").x, 100 * 100 + 200 * 10 + 300 + 0);
    CHECK_EQ(run(L, "awaited").x, 100 * 10 + 300);
    /* A blocking sleep stalls the loop: B waits, the run takes longer. */
    CHECK_EQ(run(L, "blocked").x, 300 * 10 + 100);
    CHECK(run(L, "blocked").makespan > run(L, "awaited").makespan);
    CHECK_EQ(run(L, "awaited").yields, 2);
    lesson_free(L);
}

static void test_speedups(void)
{
    struct lesson *L = load(aio);
    int64_t seq, thr, as, cseq;

    if (!L)
        return;
    seq = run(L, "seq8").makespan;
    thr = run(L, "thr8").makespan;
    as = run(L, "aio8").makespan;
    printf("    8 x io(100): sequential %lld, threads %lld, asyncio %lld\n",
           (long long)seq, (long long)thr, (long long)as);
    CHECK(thr * 4 <= seq);
    CHECK(as * 4 <= seq);
    cseq = run(L, "cpu_seq").makespan;
    CHECK(run(L, "cpu_thr").makespan * 10 <= cseq * 6);   /* about half */
    CHECK(run(L, "cpu_thr").makespan * 2 >= cseq);
    CHECK(run(L, "cpu_proc").makespan * 10 <= cseq * 6);
    CHECK(run(L, "cpu_gil").makespan >= cseq);
    lesson_free(L);
}

static void test_processes(void)
{
    struct lesson *L = load("lesson \"p\"\n"
        "shared x = 0\n"
        "def inc(k):\n"
        "    global x\n"
        "    for i in range(k):\n"
        "        x += 1\n"
        "scene p:\n"
        "    mode processes\n"
        "    run inc(3) as A\n"
        "    run inc(4) as B\n");
    struct sim *s;
    struct trace *tr;

    if (!L)
        return;
    s = sim_new(L, 0, &L->scenes[0].cfg, NULL, 1);
    sim_run(s);
    tr = sim_trace(s);
    CHECK_EQ(tr->nspaces, 3);
    CHECK_EQ(tr->final[0], 0);  /* the parent's x is unchanged */
    CHECK_EQ(tr->final[1], 3);  /* A's own copy */
    CHECK_EQ(tr->final[2], 4);  /* B's own copy */
    sim_free(s);
    lesson_free(L);
}

/* A task is never preempted while a CPU is free: when B arrives at tick 20
 * with A's slice used up, B takes the idle cpu1 and A keeps cpu0. */
static void test_no_preemption_with_a_free_cpu(void)
{
    struct lesson *L = load("lesson \"idle\"\n"
        "def job(n):\n"
        "    compute(n)\n"
        "scene two_cpus:\n"
        "    mode processes\n"
        "    cpus 2\n"
        "    quantum 5\n"
        "    spawn-cost 10\n"
        "    run job(60) as A\n"
        "    run job(60) as B\n"
        "scene three_on_two:\n"
        "    mode threads\n"
        "    cpus 2\n"
        "    quantum 5\n"
        "    run job(30) as A\n"
        "    run job(30) as B\n"
        "    run job(30) as C\n");

    if (!L)
        return;
    CHECK_EQ(run(L, "two_cpus").preempts, 0);
    /* With more threads than CPUs, slices still end in preemptions. */
    CHECK(run(L, "three_on_two").preempts > 0);
    lesson_free(L);
}

static void test_runtime_errors(void)
{
    struct lesson *L = load("lesson \"e\"\n"
        "shared x = 0\n"
        "lock m\n"
        "def div(a, b):\n"
        "    global x\n"
        "    x = a // b\n"
        "def big():\n"
        "    global x\n"
        "    x = 9223372036854775807\n"
        "    x += 1\n"
        "def unbound(k):\n"
        "    global x\n"
        "    if k > 0:\n"
        "        y = 1\n"
        "    x = y\n"
        "def rec(k):\n"
        "    rec(k + 1)\n"
        "def bad_release():\n"
        "    m.release()\n"
        "def forever():\n"
        "    while True:\n"
        "        pass\n"
        "def floor():\n"
        "    global x\n"
        "    x = -7 // 2 * 100 + -7 % 2\n"
        "scene d:\n"
        "    mode threads\n"
        "    run div(1, 0)\n"
        "scene o:\n"
        "    mode threads\n"
        "    run big()\n"
        "scene u:\n"
        "    mode threads\n"
        "    run unbound(0)\n"
        "scene r:\n"
        "    mode threads\n"
        "    run rec(0)\n"
        "scene l:\n"
        "    mode threads\n"
        "    run bad_release()\n"
        "scene f:\n"
        "    mode threads\n"
        "    budget 5000\n"
        "    run forever()\n"
        "scene fl:\n"
        "    mode threads\n"
        "    run floor()\n"
        "scene ok:\n"
        "    mode threads\n"
        "    run div(7, -2)\n");

    if (!L)
        return;
    CHECK_EQ(run(L, "d").status, TRACE_FAILED);
    CHECK_EQ(run(L, "o").status, TRACE_FAILED);
    CHECK_EQ(run(L, "u").status, TRACE_FAILED);
    CHECK_EQ(run(L, "r").status, TRACE_FAILED);
    CHECK_EQ(run(L, "l").status, TRACE_FAILED);
    CHECK_EQ(run(L, "f").status, TRACE_LIMIT);
    /* Python's floor division and modulo. */
    CHECK_EQ(run(L, "fl").x, -4 * 100 + 1);
    CHECK_EQ(run(L, "ok").x, -4);
    lesson_free(L);
}

/* Seeking gives the same state as running there from the start. */
static void test_seek(void)
{
    struct sim *full, *fresh;
    struct strbuf a, b;
    int64_t end;

    /* A long run so that there are many checkpoints. */
    {
        struct lesson *L2 = load("lesson \"long\"\n"
            "shared x = 0\n"
            "lock m\n"
            "def safe(k):\n"
            "    global x\n"
            "    for i in range(k):\n"
            "        with m:\n"
            "            x += 1\n"
            "        io(3)\n"
            "scene s:\n"
            "    mode threads\n"
            "    quantum 3\n"
            "    run safe(3000) as A\n"
            "    run safe(3000) as B\n"
            "    run safe(3000) as C\n");

        if (!L2)
            return;
        full = sim_new(L2, 0, &L2->scenes[0].cfg, NULL, 1);
        sim_run(full);
        end = sim_trace(full)->end;
        CHECK(end > 20000);
        sb_init(&a);
        sb_init(&b);
        for (int64_t t = end; t >= 0; t -= end / 7 + 1) {
            fresh = sim_new(L2, 0, &L2->scenes[0].cfg, NULL, 0);
            while (sim_now(fresh) < t && sim_step(fresh))
                ;
            sim_seek(full, t);
            sim_canon(full, &a);
            sim_canon(fresh, &b);
            CHECK(sim_now(full) == sim_now(fresh) && a.len == b.len &&
                  memcmp(a.s, b.s, a.len) == 0);
            sim_free(fresh);
        }
        /* Back and forth in small steps. */
        sim_seek(full, 100);
        sim_seek(full, 99);
        CHECK_EQ(sim_now(full), 99);
        sb_done(&a);
        sb_done(&b);
        sim_free(full);
        lesson_free(L2);
    }
}

/* Save and restore give back the same state; the run goes on the same. */
/* A state saved, run to the end, restored: the same canonical state,
 * and the same end. */
static void check_save_restore(struct sim *s)
{
    unsigned char *buf = xmalloc(sim_state_size(s));
    struct strbuf a, b;
    int64_t x1;

    sim_save(s, buf);
    sb_init(&a);
    sb_init(&b);
    sim_canon(s, &a);
    sim_run(s);
    x1 = sim_global(s, 0, 0);
    sim_restore(s, buf);
    sim_canon(s, &b);
    CHECK(a.len == b.len && memcmp(a.s, b.s, a.len) == 0);
    sim_run(s);
    CHECK_EQ(sim_global(s, 0, 0), x1);
    free(buf);
    sb_done(&a);
    sb_done(&b);
}

static void test_save_restore(void)
{
    struct lesson *L = load(race);
    struct sim *s;

    if (!L)
        return;
    s = sim_new(L, lesson_find_scene(L, "locked"), &L->scenes[4].cfg, NULL, 0);
    for (int i = 0; i < 7; i++)
        sim_step(s);
    check_save_restore(s);
    sim_free(s);
    lesson_free(L);
}

/* Choosing turns by hand, and taking over a recorded run. */
static void test_choices(void)
{
    struct lesson *L = load(race);
    struct sim *s;
    int tasks[LESSON_MAX_TASKS], n;

    if (!L)
        return;
    s = sim_new(L, lesson_find_scene(L, "one"), &L->scenes[0].cfg, NULL, 1);
    n = sim_choices(s, tasks);
    CHECK_EQ(n, 2);
    /* A reads, B reads, then each writes: the lost update by hand
     * (each task: RESUME, LOAD_GLOBAL x, LOAD_CONST 1, BINARY_OP +,
     * STORE_GLOBAL x, RETURN_CONST None). */
    {
        const char *turns = "AABBAAAABBBB";

        for (const char *p = turns; *p && sim_status(s) == TRACE_RUNNING; p++) {
            sim_force(s, *p - 'A');
            sim_step(s);
        }
        while (sim_step(s))
            ;
    }
    CHECK_EQ(sim_global(s, 0, 0), 1);
    /* Take over at tick 2, when only A has read x, and let A finish
     * first: no update is lost.  Seeking replays the chosen turns. */
    sim_take_over(s, 2);
    CHECK_EQ(sim_now(s), 2);
    CHECK_EQ(sim_task_vm(s, 0)->sp, 1);     /* A holds the 0 it read */
    CHECK_EQ(sim_task_vm(s, 1)->sp, 0);     /* B has not read yet */
    while (sim_status(s) == TRACE_RUNNING) {
        n = sim_choices(s, tasks);
        if (n > 0)
            sim_force(s, tasks[0]);
        sim_step(s);
    }
    CHECK_EQ(sim_global(s, 0, 0), 2);
    CHECK_EQ(sim_trace(s)->status, TRACE_OK);
    sim_free(s);
    lesson_free(L);
}

/* Two runs of the same scene give the same trace, byte for byte. */
static void test_determinism(void)
{
    struct lesson *L = load(race);
    struct strbuf a, b;

    if (!L)
        return;
    sb_init(&a);
    sb_init(&b);
    for (int i = 0; i < L->nscenes; i++) {
        for (int k = 0; k < 2; k++) {
            struct scene_config c = L->scenes[i].cfg;
            struct sim *s;
            struct report r;

            if (c.mode == MODE_THREADS)
                c.preempt = PREEMPT_RANDOM, c.seed = 42;
            s = sim_new(L, i, &c, NULL, 1);
            sim_run(s);
            r.L = L;
            r.scene = i;
            r.cfg = &c;
            r.tr = sim_trace(s);
            report_json(k ? &b : &a, &r);
            sim_free(s);
        }
        CHECK(a.len == b.len && memcmp(a.s, b.s, a.len) == 0);
        sb_clear(&a);
        sb_clear(&b);
    }
    sb_done(&a);
    sb_done(&b);
    lesson_free(L);
}

static void test_schedule_strings(void)
{
    const char *labels[] = {"A", "B", "T1", "main"};
    struct schedule s;
    struct strbuf err, out;
    int off = 0;

    sb_init(&err);
    sb_init(&out);
    CHECK_EQ(schedule_parse("AABAB", labels, 2, &s, &off, &err), 0);
    schedule_format(&s, labels, &out);
    CHECK_STR(out.s, "A2 B1 A1 B1");
    schedule_done(&s);
    sb_clear(&out);
    CHECK_EQ(schedule_parse("T1*3 main2, A", labels, 4, &s, &off, &err), 0);
    schedule_format(&s, labels, &out);
    CHECK_STR(out.s, "T1*3 main2 A1");
    CHECK_EQ(schedule_length(&s), 6);
    schedule_done(&s);
    CHECK_EQ(schedule_parse("A2 Q1", labels, 2, &s, &off, &err), -1);
    CHECK_EQ(off, 3);
    CHECK_EQ(schedule_parse("A0", labels, 2, &s, &off, &err), -1);
    CHECK_EQ(schedule_parse("", labels, 2, &s, &off, &err), -1);
    sb_done(&err);
    sb_done(&out);
}

/* concurrent.futures.ThreadPoolExecutor: lanes named as CPython names the
 * workers, a worker started only when none is idle, results in order,
 * and the pool's state saved and restored with the rest. */
static const char pool[] =
    "lesson \"t\"\n"
    "import concurrent.futures\n"
    "x = 0\n"
    "xs = [3, 1, 2]\n"
    "def job(n):\n"
    "    io(n)\n"
    "    return n * 10\n"
    "def main():\n"
    "    global x\n"
    "    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as ex:\n"
    "        f = ex.submit(job, 1)\n"
    "        x = f.result()\n"
    "        g = ex.submit(job, 2)\n"
    "        x = x + g.result()\n"
    "        for r in ex.map(job, xs):\n"
    "            x = x * 100 + r\n"
    "scene s:\n"
    "    mode gil\n"
    "    run main() as main\n";

static void test_pool(void)
{
    struct lesson *L = load(pool);
    struct sim *s;
    const struct trace *tr;
    int started = 0;

    if (!L)
        return;
    CHECK_EQ(L->scenes[0].ntasks, 4);
    CHECK_STR(L->scenes[0].tasks[1].label, "ThreadPoolExecutor-0_0");
    CHECK_STR(L->scenes[0].tasks[3].label, "ThreadPoolExecutor-0_2");
    s = sim_new(L, 0, &L->scenes[0].cfg, NULL, 1);
    sim_run(s);
    tr = sim_trace(s);
    /* 10, then 20 by the same idle worker; map: 30, 10, 20 in order */
    CHECK_EQ(tr->final[0], ((30 * 100 + 30) * 100 + 10) * 100 + 20);
    CHECK_EQ(tr->status, TRACE_OK);
    for (size_t i = 0; i < tr->nevents; i++)
        started += tr->events[i].kind == EV_START && tr->events[i].task > 0;
    CHECK_EQ(started, 3);
    sim_free(s);

    s = sim_new(L, 0, &L->scenes[0].cfg, NULL, 0);
    for (int i = 0; i < 40; i++)
        sim_step(s);
    check_save_restore(s);
    sim_free(s);
    lesson_free(L);
}

int main(void)
{
    test_threads_race();
    test_gil();
    test_deadlock();
    test_asyncio();
    test_no_preemption_with_a_free_cpu();
    test_speedups();
    test_processes();
    test_runtime_errors();
    test_seek();
    test_save_restore();
    test_choices();
    test_determinism();
    test_schedule_strings();
    test_pool();
    return TEST_DONE();
}
