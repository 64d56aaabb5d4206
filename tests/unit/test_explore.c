/* test_explore.c - the explorer: outcome sets, exact counts, witnesses,
 * preemption bounds and limits, checked against facts worked out by hand
 * and against a brute-force walk of every schedule (the naive search). */
#include <stdlib.h>

#include "explore.h"
#include "lesson.h"
#include "schedule.h"
#include "sim.h"
#include "testhelp.h"
#include "testlesson.h"

static const char counters[] =
    "lesson \"counters\"\n"
    "shared x = 0\n"
    "lock m\n"
    "def worker(n):\n"
    "    global x\n"
    "    for i in range(n):\n"
    "        x = x + 1\n"
    "def careful(n):\n"
    "    global x\n"
    "    for i in range(n):\n"
    "        with m:\n"
    "            x = x + 1\n"
    "def bump():\n"
    "    global x\n"
    "    x = x + 1\n"
    "def guarded():\n"
    "    global x\n"
    "    with m:\n"
    "        x = x + 1\n"
    "scene bump:\n"
    "    mode threads\n"
    "    run bump() as A\n"
    "    run bump() as B\n"
    "scene guarded:\n"
    "    mode threads\n"
    "    run guarded() as A\n"
    "    run guarded() as B\n"
    "scene one:\n"
    "    mode threads\n"
    "    run worker(1) as A\n"
    "    run worker(1) as B\n"
    "scene two:\n"
    "    mode threads\n"
    "    run worker(2) as A\n"
    "    run worker(2) as B\n"
    "scene three:\n"
    "    mode threads\n"
    "    run worker(3) as A\n"
    "    run worker(3) as B\n"
    "scene four:\n"
    "    mode threads\n"
    "    run worker(4) as A\n"
    "    run worker(4) as B\n"
    "scene locked1:\n"
    "    mode threads\n"
    "    run careful(1) as A\n"
    "    run careful(1) as B\n"
    "scene locked2:\n"
    "    mode threads\n"
    "    run careful(2) as A\n"
    "    run careful(2) as B\n"
    "scene locked3:\n"
    "    mode threads\n"
    "    quantum 3\n"
    "    run careful(3) as A\n"
    "    run careful(3) as B\n"
    "scene trio:\n"
    "    mode threads\n"
    "    run worker(2) as A\n"
    "    run worker(2) as B\n"
    "    run worker(2) as C\n"
    "scene gil:\n"
    "    mode gil\n"
    "    checkpoints loops-and-calls\n"
    "    run worker(3) as A\n"
    "    run worker(3) as B\n"
    "scene parallel:\n"
    "    mode threads\n"
    "    cpus 2\n"
    "    quantum 2\n"
    "    run worker(2) as A\n"
    "    run worker(2) as B\n";

/* Straight-line tasks of k ticks each: every op counts, whatever it is
 * (a local, a print, a compute of several ticks). */
static const char lines[] =
    "lesson \"straight lines\"\n"
    "shared x = 0\n"
    "def incr():\n"
    "    global x\n"
    "    x = x + 1\n"
    "    x = x + 1\n"
    "def mixed():\n"
    "    global x\n"
    "    t = 1\n"
    "    print(\"hi\", t)\n"
    "    compute(2)\n"
    "    x = x + t\n"
    "def busy():\n"
    "    compute(98)\n"
    "scene incr:\n"
    "    mode threads\n"
    "    run incr() as A\n"
    "    run incr() as B\n"
    "scene mixed:\n"
    "    mode threads\n"
    "    run mixed() as A\n"
    "    run mixed() as B\n"
    "scene busy:\n"
    "    mode threads\n"
    "    run busy() as A\n"
    "    run busy() as B\n"
    "scene uneven:\n"
    "    mode threads\n"
    "    run incr() as A\n"
    "    run mixed() as B\n";

static const char locks[] =
    "lesson \"locks\"\n"
    "shared x = 0\n"
    "shared flag = 0\n"
    "lock m1\n"
    "lock m2\n"
    "def ab():\n"
    "    global x\n"
    "    with m1:\n"
    "        with m2:\n"
    "            x = x + 1\n"
    "def ba():\n"
    "    global x\n"
    "    with m2:\n"
    "        with m1:\n"
    "            x = x + 1\n"
    "def grab_ab():\n"
    "    m1.acquire()\n"
    "    m2.acquire()\n"
    "def grab_ba():\n"
    "    m2.acquire()\n"
    "    m1.acquire()\n"
    "def checked():\n"
    "    global x\n"
    "    t = x\n"
    "    x = t + 1\n"
    "    assert x == t + 1, \"x changed\"\n"
    "def setter():\n"
    "    global x, flag\n"
    "    x = 5\n"
    "    flag = 1\n"
    "def waiter():\n"
    "    global x\n"
    "    while flag == 0:\n"
    "        pass\n"
    "    x = x + 1\n"
    "scene opposite:\n"
    "    mode threads\n"
    "    run ab() as A\n"
    "    run ba() as B\n"
    "scene grab:\n"
    "    mode threads\n"
    "    run grab_ab() as A\n"
    "    run grab_ba() as B\n"
    "scene same:\n"
    "    mode threads\n"
    "    run ab() as A\n"
    "    run ab() as B\n"
    "scene asserts:\n"
    "    mode threads\n"
    "    run checked() as A\n"
    "    run checked() as B\n"
    "scene spin:\n"
    "    mode threads\n"
    "    run waiter() as W\n"
    "    run setter() as S\n";

static const char aio[] =
    "lesson \"asyncio\"\n"
    "import asyncio\n"
    "shared x = 0\n"
    "async def coro(n):\n"
    "    global x\n"
    "    t = x\n"
    "    await asyncio.sleep(n)\n"
    "    x = t + 1\n"
    "async def double_after(n):\n"
    "    global x\n"
    "    await asyncio.sleep(n)\n"
    "    x = x * 2\n"
    "async def add_after(n):\n"
    "    global x\n"
    "    await asyncio.sleep(n)\n"
    "    x = x + 1\n"
    "def worker(n):\n"
    "    global x\n"
    "    for i in range(n):\n"
    "        x = x + 1\n"
    "scene no_ties:\n"
    "    mode asyncio\n"
    "    run coro(1) as A\n"
    "    run coro(2) as B\n"
    "    run coro(3) as C\n"
    "scene tie:\n"
    "    mode asyncio\n"
    "    run double_after(13) as A\n"
    "    run add_after(2) as B\n"
    "scene processes:\n"
    "    mode processes\n"
    "    spawn-cost 2\n"
    "    run worker(2) as A\n"
    "    run worker(2) as B\n";

static struct lesson *load(const char *text)
{
    return test_lesson("t.lesson", text);
}

static struct explore_result *explore(const struct lesson *L, const char *scene,
                                      int bound, int naive, int64_t max_states)
{
    int i = lesson_find_scene(L, scene);
    struct explore_limits lim;

    if (i < 0) {
        printf("FAIL no scene %s\n", scene);
        exit(1);
    }
    explore_limits_init(&lim);
    lim.max_preemptions = bound;
    lim.naive = naive;
    if (max_states > 0)
        lim.max_states = max_states;
    return explore_run(L, i, &L->scenes[i].cfg, &lim);
}

/* The final values of x over all outcomes are exactly lo, lo+1, ..., hi,
 * each once, every run ending normally. */
static int finals_are(const struct explore_result *r, int64_t lo, int64_t hi)
{
    if (r->noutcomes != hi - lo + 1)
        return 0;
    for (int i = 0; i < r->noutcomes; i++)
        if (r->outcomes[i].final[0] != lo + i ||
            r->outcomes[i].status != TRACE_OK)
            return 0;
    return 1;
}

static int all_reproduced(const struct explore_result *r)
{
    for (int i = 0; i < r->noutcomes; i++)
        if (!r->outcomes[i].reproduced)
            return 0;
    return 1;
}

static uint64_t binomial(int n, int k)
{
    uint64_t c = 1;

    for (int i = 1; i <= k; i++)
        c = c * (uint64_t)(n - k + i) / (uint64_t)i;
    return c;
}

/* ---- the race: outcome sets -------------------------------------------------- */

static void test_race_outcomes(void)
{
    struct lesson *L = load(counters);
    struct explore_result *r;

    if (!L)
        return;
    r = explore(L, "one", -1, 0, 0);
    CHECK(r->complete && finals_are(r, 1, 2));
    explore_free(r);
    r = explore(L, "two", -1, 0, 0);
    CHECK(r->complete && finals_are(r, 2, 4));
    explore_free(r);
    r = explore(L, "three", -1, 0, 0);
    CHECK(r->complete && finals_are(r, 2, 6));
    CHECK(all_reproduced(r));
    explore_free(r);
    r = explore(L, "four", -1, 0, 0);
    CHECK(r->complete && finals_are(r, 2, 8));
    CHECK(all_reproduced(r));
    explore_free(r);
    /* Three threads doing it twice. */
    r = explore(L, "trio", -1, 0, 0);
    CHECK(r->complete && finals_are(r, 2, 6));
    CHECK(all_reproduced(r));
    explore_free(r);
    /* Two CPUs run ops at the same time, but what they can do is what the
     * interleavings can do. */
    r = explore(L, "parallel", -1, 0, 0);
    CHECK(r->complete && finals_are(r, 2, 4));
    explore_free(r);
    lesson_free(L);
}

static void test_lock(void)
{
    struct lesson *L = load(counters);
    struct explore_result *r;

    if (!L)
        return;
    r = explore(L, "locked1", -1, 0, 0);
    CHECK(r->complete && finals_are(r, 2, 2));
    explore_free(r);
    r = explore(L, "locked2", -1, 0, 0);
    CHECK(r->complete && finals_are(r, 4, 4));
    explore_free(r);
    r = explore(L, "locked3", -1, 0, 0);
    CHECK(r->complete && finals_are(r, 6, 6));
    CHECK_EQ(r->ndeadlocks, 0);
    explore_free(r);
    lesson_free(L);
}

/* Under loops-and-calls a thread gives up the GIL only at the loop's
 * backward jump, never between the load and the store. */
static void test_gil(void)
{
    struct lesson *L = load(counters);
    struct explore_result *r;

    if (!L)
        return;
    r = explore(L, "gil", -1, 0, 0);
    CHECK(r->complete && finals_are(r, 6, 6));
    explore_free(r);
    lesson_free(L);
}

/* ---- counting ------------------------------------------------------------------ */

static void test_counts(void)
{
    struct lesson *L = load(lines), *C = load(counters);
    struct explore_result *r;

    if (!L || !C)
        return;
    /* RESUME, 2 x (4 ops), RETURN_CONST: k = 10 ticks each. */
    r = explore(L, "incr", -1, 0, 0);
    CHECK(r->complete);
    CHECK_STR(r->schedules, "184756");
    CHECK_EQ(binomial(20, 10), 184756);
    explore_free(r);
    /* RESUME, t = 1 (2 ops), print("hi", t) (5), compute(2) (4 ops, the
     * CALL 2 ticks), x = x + t (4), RETURN_CONST: k = 18. */
    r = explore(L, "mixed", -1, 0, 0);
    CHECK_EQ(strtoull(r->schedules, NULL, 10), binomial(36, 18));
    explore_free(r);
    /* 10 ticks and 18 ticks: C(28, 10). */
    r = explore(L, "uneven", -1, 0, 0);
    CHECK_EQ(strtoull(r->schedules, NULL, 10), binomial(28, 10));
    explore_free(r);
    /* compute(98): RESUME, LOAD_GLOBAL, LOAD_CONST, the CALL's 98 ticks,
     * POP_TOP, RETURN_CONST: k = 103, and C(206, 103) needs 202 bits. */
    r = explore(L, "busy", -1, 0, 0);
    CHECK(r->complete);
    CHECK_STR(r->schedules,
              "5710294458198606715524045745816008575257432967999860738082400");
    CHECK_EQ(r->noutcomes, 1);
    CHECK_STR(r->outcomes[0].schedules, r->schedules);
    CHECK(r->outcomes[0].share == 1.0);
    explore_free(r);
    /* worker(n) is 7 + 7n ticks: RESUME and the range's 4, 7 a pass, the
     * last FOR_ITER and RETURN_CONST.  C(2k, k) in all, whatever the
     * outcomes. */
    r = explore(C, "two", -1, 0, 0);
    CHECK_EQ(strtoull(r->schedules, NULL, 10), binomial(42, 21));
    explore_free(r);
    r = explore(C, "three", -1, 0, 0);
    CHECK_STR(r->schedules, "7648690600760440");        /* C(56, 28) */
    {
        /* The outcomes' counts add up to the total. */
        unsigned long long sum = 0;

        for (int i = 0; i < r->noutcomes; i++)
            sum += strtoull(r->outcomes[i].schedules, NULL, 10);
        CHECK_EQ(sum, 7648690600760440ull);
    }
    explore_free(r);
    /* Three threads of 21 ticks: 63! / (21!)^3, beyond 64 bits. */
    r = explore(C, "trio", -1, 0, 0);
    CHECK_STR(r->schedules, "14866378592908813372327325400");
    explore_free(r);
    lesson_free(C);
    lesson_free(L);
}

/* ---- against brute force ---------------------------------------------------- */

/* The memoised search and a walk of every schedule one by one agree on
 * every outcome, its count and the fewest preemptions that reach it. */
static void agree_with_naive(const struct lesson *L, const char *scene, int bound)
{
    struct explore_result *m = explore(L, scene, bound, 0, 0);
    struct explore_result *n = explore(L, scene, bound, 1, 10000000);
    int same = m->complete && n->complete && m->noutcomes == n->noutcomes &&
               strcmp(m->schedules, n->schedules) == 0 &&
               m->tree_nodes == (double)n->states;

    for (int i = 0; same && i < m->noutcomes; i++) {
        const struct explore_outcome *a = &m->outcomes[i], *b = &n->outcomes[i];

        same = a->status == b->status && a->final[0] == b->final[0] &&
               strcmp(a->schedules, b->schedules) == 0 &&
               a->preemptions == b->preemptions && a->reproduced &&
               b->reproduced;
    }
    printf("%s %s:%d memoised and brute force agree on %s (bound %d)\n",
           same ? "ok" : "FAIL", __FILE__, __LINE__, scene, bound);
    test_failed += !same;
    CHECK(m->states <= n->states);
    explore_free(n);
    explore_free(m);
}

static void test_brute_force(void)
{
    struct lesson *C = load(counters), *K = load(locks), *A = load(aio);

    if (!C || !K || !A)
        return;
    /* Scenes small enough for a walk of every schedule (CPython's
     * bytecode makes worker(1) 14 ticks: C(28, 14) schedules). */
    agree_with_naive(C, "bump", -1);
    agree_with_naive(C, "guarded", -1);
    agree_with_naive(C, "one", 0);
    agree_with_naive(C, "one", 1);
    agree_with_naive(K, "grab", -1);
    agree_with_naive(K, "opposite", 0);
    agree_with_naive(K, "same", -1);
    agree_with_naive(K, "asserts", 0);
    agree_with_naive(K, "asserts", 1);
    agree_with_naive(K, "asserts", 2);
    agree_with_naive(A, "tie", -1);
    lesson_free(A);
    lesson_free(K);
    lesson_free(C);
}

/* ---- witnesses --------------------------------------------------------------- */

/* Replaying a witness ends in its outcome, with exactly as many
 * preemptions as it claims, and its text reads back as the same schedule. */
static void test_witness_replay(void)
{
    struct lesson *L = load(counters);
    struct explore_result *r;
    int scene;

    if (!L)
        return;
    scene = lesson_find_scene(L, "three");
    r = explore(L, "three", -1, 0, 0);
    for (int i = 0; i < r->noutcomes; i++) {
        const struct explore_outcome *o = &r->outcomes[i];
        struct schedule back;
        struct strbuf err;
        struct sim *s;
        struct trace *tr;
        int off;

        sb_init(&err);
        CHECK(schedule_parse(o->witness_text, r->labels, r->ntasks, &back,
                             &off, &err) == 0);
        CHECK_EQ(schedule_length(&back), o->witness_ticks);
        s = sim_new(L, scene, &L->scenes[scene].cfg, &back, 1);
        sim_run(s);
        tr = sim_trace(s);
        CHECK_EQ(sim_status(s), TRACE_OK);
        CHECK_EQ(tr->final[0], o->final[0]);
        CHECK_EQ(tr->switches[SWK_PREEMPT], o->preemptions);
        sim_free(s);
        schedule_done(&back);
        sb_done(&err);
    }
    /* The TUI's way to load a witness as the current run. */
    {
        struct sim *s = explore_witness_sim(r, 0);

        sim_run(s);
        CHECK_EQ(sim_status(s), TRACE_OK);
        CHECK_EQ(sim_global(s, 0, 0), r->outcomes[0].final[0]);
        CHECK(sim_trace(s) != NULL);
        sim_free(s);
    }
    /* Lost updates need preemptions: 6 needs none, 3 one, 2 four. */
    CHECK_EQ(r->outcomes[4].preemptions, 0);
    CHECK_EQ(r->outcomes[1].preemptions, 1);
    CHECK_EQ(r->outcomes[0].preemptions, 4);
    explore_free(r);
    lesson_free(L);
}

/* ---- deadlocks, failures, loops ------------------------------------------------ */

static void test_deadlock(void)
{
    struct lesson *L = load(locks);
    struct explore_result *r;
    const struct explore_outcome *d;

    if (!L)
        return;
    r = explore(L, "opposite", -1, 0, 0);
    CHECK_EQ(r->noutcomes, 2);
    CHECK_EQ(r->ndeadlocks, 1);
    d = &r->outcomes[1];
    CHECK_EQ(d->status, TRACE_DEADLOCK);
    CHECK_EQ(d->nwaits, 2);
    CHECK(d->nwaits == 2 && d->waits[0].lock >= 0 &&
          d->waits[0].holder == d->waits[1].task);
    CHECK_EQ(d->preemptions, 1);
    CHECK(d->reproduced);
    CHECK_EQ(r->outcomes[0].final[0], 2);
    explore_free(r);
    r = explore(L, "same", -1, 0, 0);
    CHECK_EQ(r->ndeadlocks, 0);
    CHECK(finals_are(r, 2, 2));
    explore_free(r);
    lesson_free(L);
}

static void test_failures(void)
{
    struct lesson *L = load(locks);
    struct explore_result *r;
    int failed = 0, both = 0;

    if (!L)
        return;
    r = explore(L, "asserts", -1, 0, 0);
    for (int i = 0; i < r->noutcomes; i++) {
        const struct explore_outcome *o = &r->outcomes[i];

        if (o->status != TRACE_FAILED)
            continue;
        failed++;
        both |= o->nfailures == 2;
        CHECK(o->nfailures >= 1 && strstr(o->failures[0].message,
                                          "AssertionError: x changed"));
        CHECK(o->nfailures >= 1 && o->failures[0].line == 26);
        CHECK(o->reproduced);
    }
    /* A fails, or B fails: two outcomes with the same memory. */
    CHECK_EQ(failed, 2);
    CHECK(!both);
    CHECK_EQ(r->nfailed, 2);
    explore_free(r);
    lesson_free(L);
}

/* A spin loop: the waiter can spin forever, so there are infinitely many
 * schedules; the outcome is still found, with a witness. */
static void test_spin(void)
{
    struct lesson *L = load(locks);
    struct explore_result *r, *n;

    if (!L)
        return;
    r = explore(L, "spin", -1, 0, 0);
    CHECK(r->complete);
    CHECK(r->endless);
    CHECK_STR(r->schedules, "infinite");
    CHECK_EQ(r->noutcomes, 1);
    CHECK(r->outcomes[0].infinite);
    CHECK_EQ(r->outcomes[0].final[0], 6);
    CHECK(r->outcomes[0].reproduced);
    explore_free(r);
    /* Without memoisation the tree is infinite: the node limit stops it. */
    n = explore(L, "spin", -1, 1, 5000);
    CHECK(!n->complete && n->stop == EXPLORE_MAX_STATES);
    CHECK_EQ(n->states, 5000);
    explore_free(n);
    lesson_free(L);
}

/* ---- asyncio and processes ---------------------------------------------------- */

static void test_asyncio(void)
{
    struct lesson *L = load(aio);
    struct explore_result *r;

    if (!L)
        return;
    r = explore(L, "no_ties", -1, 0, 0);
    CHECK(r->complete);
    CHECK_EQ(r->noutcomes, 1);
    CHECK_STR(r->schedules, "1");
    CHECK_EQ(r->outcomes[0].preemptions, 0);
    explore_free(r);
    /* Timers ending in the same tick (A's 13-tick wait starts 11 ops
     * before B's 2-tick one): either coroutine may go first. */
    r = explore(L, "tie", -1, 0, 0);
    CHECK(finals_are(r, 1, 2));
    CHECK_STR(r->schedules, "2");
    CHECK(all_reproduced(r));
    explore_free(r);
    lesson_free(L);
}

static void test_processes(void)
{
    struct lesson *L = load(aio);
    struct explore_result *r;

    if (!L)
        return;
    r = explore(L, "processes", -1, 0, 0);
    CHECK_EQ(r->nspaces, 3);
    CHECK_EQ(r->noutcomes, 1);
    if (r->noutcomes == 1) {
        /* Nothing is shared: each process counts to 2 in its own copy. */
        CHECK_EQ(r->outcomes[0].final[0], 0);
        CHECK_EQ(r->outcomes[0].final[1], 2);
        CHECK_EQ(r->outcomes[0].final[2], 2);
    }
    explore_free(r);
    lesson_free(L);
}

/* ---- preemption bounds -------------------------------------------------------- */

static int has_final(const struct explore_result *r, int64_t x)
{
    for (int i = 0; i < r->noutcomes; i++)
        if (r->outcomes[i].final[0] == x)
            return 1;
    return 0;
}

static void test_bounds(void)
{
    struct lesson *L = load(counters);
    struct explore_result *full, *r[5];

    if (!L)
        return;
    full = explore(L, "three", -1, 0, 0);
    for (int k = 0; k < 5; k++)
        r[k] = explore(L, "three", k, 0, 0);
    /* K = 0: only the serial runs, A then B and B then A. */
    CHECK(finals_are(r[0], 6, 6));
    CHECK_STR(r[0]->schedules, "2");
    /* The set grows with K, and each outcome appears at the bound its
     * witness needs. */
    for (int k = 0; k < 4; k++) {
        int sub = 1;

        for (int i = 0; i < r[k]->noutcomes; i++)
            sub &= has_final(r[k + 1], r[k]->outcomes[i].final[0]);
        CHECK(sub);
        CHECK(r[k]->noutcomes <= r[k + 1]->noutcomes);
    }
    for (int i = 0; i < full->noutcomes; i++) {
        int p = full->outcomes[i].preemptions;

        CHECK(has_final(r[p], full->outcomes[i].final[0]));
        CHECK(p == 0 || !has_final(r[p - 1], full->outcomes[i].final[0]));
    }
    CHECK_EQ(r[4]->noutcomes, full->noutcomes);
    for (int k = 0; k < 5; k++) {
        CHECK(r[k]->complete);
        CHECK_EQ(r[k]->max_preemptions, k);
        explore_free(r[k]);
    }
    explore_free(full);
    lesson_free(L);
}

/* ---- limits -------------------------------------------------------------------- */

static int stop_at(void *arg, int64_t states)
{
    (void)states;
    return ++*(int *)arg >= 1;
}

static void test_limits(void)
{
    struct lesson *L = load(counters);
    struct explore_result *r;
    struct explore_limits lim;
    int calls = 0;

    if (!L)
        return;
    r = explore(L, "three", -1, 0, 100);
    CHECK(!r->complete);
    CHECK_EQ(r->stop, EXPLORE_MAX_STATES);
    CHECK(r->states <= 100);
    CHECK(r->noutcomes >= 1 && all_reproduced(r));
    explore_free(r);
    r = explore(L, "three", -1, 0, 1);
    CHECK(!r->complete && r->states == 1);
    explore_free(r);
    /* The progress callback can stop a search (the TUI's cancel key). */
    explore_limits_init(&lim);
    lim.progress = stop_at;
    lim.progress_arg = &calls;
    r = explore_run(L, lesson_find_scene(L, "trio"), &L->scenes[0].cfg, &lim);
    CHECK(!r->complete);
    CHECK_EQ(r->stop, EXPLORE_CANCELLED);
    CHECK_EQ(calls, 1);
    explore_free(r);
    lesson_free(L);
}

/* ---- determinism and words -------------------------------------------------------- */

static void test_text(void)
{
    struct lesson *L = load(locks);
    struct explore_result *a, *b;
    struct strbuf ja, jb, lab;

    if (!L)
        return;
    a = explore(L, "opposite", -1, 0, 0);
    b = explore(L, "opposite", -1, 0, 0);
    sb_init(&ja);
    sb_init(&jb);
    sb_init(&lab);
    explore_format_json(&ja, a);
    explore_format_json(&jb, b);
    CHECK(ja.len == jb.len && memcmp(ja.s, jb.s, ja.len) == 0);
    CHECK(strstr(ja.s, "\"complete\": true") != NULL);
    CHECK(strstr(ja.s, "\"deadlocks\": [") != NULL);
    explore_outcome_label(&lab, a, 1, EXPLORE_LABEL_FULL);
    CHECK_STR(lab.s, "deadlock: A waits for m2 (held by B), B waits for m1 "
              "(held by A) \u00b7 x = 0, flag = 0");
    sb_clear(&lab);
    explore_outcome_label(&lab, a, 1, EXPLORE_LABEL_TERSE);
    CHECK_STR(lab.s, "deadlock \u00b7 x = 0");
    sb_clear(&lab);
    explore_outcome_label(&lab, a, 0, EXPLORE_LABEL_BRIEF);
    CHECK_STR(lab.s, "x = 2");
    sb_done(&lab);
    sb_done(&jb);
    sb_done(&ja);
    explore_free(b);
    explore_free(a);
    lesson_free(L);
}

int main(void)
{
    test_race_outcomes();
    test_lock();
    test_gil();
    test_counts();
    test_brute_force();
    test_witness_replay();
    test_deadlock();
    test_failures();
    test_spin();
    test_asyncio();
    test_processes();
    test_bounds();
    test_limits();
    test_text();
    return TEST_DONE();
}
