/* test_explore_reduce.c - the reduced search finds exactly what the full
 * search finds: the same outcomes (memory, status, failures, deadlocks),
 * each with the same fewest preemptions, under every preemption bound,
 * with witnesses that replay.  Checked on every scene of every lesson, test
 * lesson and pattern (tests/patterns: every synchronization object), and
 * on small scenes generated at random from fixed seeds. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "explore.h"
#include "lesson.h"
#include "membudget.h"
#include "sim.h"
#include "testhelp.h"
#include "testlesson.h"

/* Full searches bigger than this are skipped: nothing to compare with. */
enum { FULL_MAX = 400000 };

static struct explore_result *search(const struct lesson *L, int scene,
                                     int bound, enum explore_reduce how)
{
    struct explore_limits lim;

    explore_limits_init(&lim);
    lim.max_preemptions = bound;
    lim.reduce = how;
    lim.max_states = FULL_MAX;
    return explore_run(L, scene, &L->scenes[scene].cfg, &lim);
}

static int same_outcome(const struct explore_result *a,
                        const struct explore_result *b, int i)
{
    const struct explore_outcome *x = &a->outcomes[i], *y = &b->outcomes[i];
    size_t nv = (size_t)(a->nspaces * a->nglobals);

    if (x->status != y->status || x->nfailures != y->nfailures ||
        x->nwaits != y->nwaits || x->preemptions != y->preemptions ||
        memcmp(x->final, y->final, nv * sizeof(int64_t)) != 0)
        return 0;
    for (int k = 0; k < x->nfailures; k++)
        if (x->failures[k].task != y->failures[k].task ||
            x->failures[k].line != y->failures[k].line ||
            strcmp(x->failures[k].message, y->failures[k].message) != 0)
            return 0;
    for (int k = 0; k < x->nwaits; k++)
        if (x->waits[k].task != y->waits[k].task ||
            x->waits[k].lock != y->waits[k].lock ||
            x->waits[k].holder != y->waits[k].holder)
            return 0;
    return 1;
}

/* What the comparisons covered, so that they cannot pass by comparing
 * nothing: reduced searches, and outcomes with deadlocks and failures. */
static int seen_reduced, seen_deadlock, seen_failed;
static int64_t last_full_states;    /* of the last compare() */

/* Compare full and reduced on one scene and bound; returns 1 if compared.
 * what names it in failures. */
static int compare(const struct lesson *L, int scene, int bound,
                   const char *what)
{
    struct explore_result *full = search(L, scene, bound, EXPLORE_REDUCE_OFF);
    struct explore_result *red;
    int ok = 1, replayed = 1;

    last_full_states = full->states;
    if (!full->complete) {
        explore_free(full);
        return 0;
    }
    red = search(L, scene, bound, EXPLORE_REDUCE_ON);
    ok = red->complete && red->noutcomes == full->noutcomes &&
         red->ndeadlocks == full->ndeadlocks && red->nfailed == full->nfailed;
    for (int i = 0; ok && i < full->noutcomes; i++)
        ok = same_outcome(full, red, i);
    for (int i = 0; i < red->noutcomes; i++)
        replayed &= red->outcomes[i].reproduced;
    seen_reduced += red->reduced && red->states < full->states;
    seen_deadlock += red->reduced && red->ndeadlocks > 0;
    seen_failed += red->reduced && red->nfailed > 0;
    if (!ok || !replayed || red->states > full->states)
        printf("FAIL %s (bound %d): reduced %d outcomes in %lld states, "
               "full %d in %lld%s (stop %d, memory %zu)\n", what, bound,
               red->noutcomes, (long long)red->states, full->noutcomes,
               (long long)full->states, replayed ? "" : "; a witness does "
               "not replay", (int)red->stop, mem_used());
    test_failed += !ok || !replayed || red->states > full->states;
    explore_free(red);
    explore_free(full);
    return 1;
}

/* ---- one thread or several: the same answer ------------------------------------- */

/* A search on one thread, and on two that start at once: the same JSON,
 * byte for byte - outcomes, counts, witnesses - whatever the timing. */
static int seen_threads;

static void json_of(const struct lesson *L, int scene, int bound, int threads,
                    enum explore_reduce how, struct strbuf *out)
{
    struct explore_limits lim;
    struct explore_result *r;

    explore_limits_init(&lim);
    lim.max_preemptions = bound;
    lim.reduce = how;
    lim.threads = threads;
    lim.parallel_from = 1;
    r = explore_run(L, scene, &L->scenes[scene].cfg, &lim);
    sb_clear(out);
    explore_format_json(out, r);
    explore_free(r);
}

static void same_threaded(const struct lesson *L, int scene, int bound,
                          enum explore_reduce how, const char *what)
{
    struct strbuf one, two;

    sb_init(&one);
    sb_init(&two);
    json_of(L, scene, bound, 1, how, &one);
    json_of(L, scene, bound, 2, how, &two);
    if (one.len != two.len || memcmp(one.s, two.s, one.len) != 0) {
        printf("FAIL %s (bound %d, reduce %d): two threads answer otherwise "
               "than one\n", what, bound, (int)how);
        test_failed++;
    }
    seen_threads++;
    sb_done(&one);
    sb_done(&two);
}

/* Every scene of the lesson, unbounded and with the bounds 0, 1 and 2;
 * those small enough, on one thread and on two. */
static int compare_lesson(const struct lesson *L, const char *name)
{
    int n = 0;

    for (int sc = 0; sc < L->nscenes; sc++) {
        char what[600];
        int compared, small;

        snprintf(what, sizeof(what), "%s scene %s", name, L->scenes[sc].name);
        compared = compare(L, sc, -1, what);
        small = compared && last_full_states <= 50000;
        n += compared;
        for (int bound = 0; bound <= 2; bound++)
            n += compare(L, sc, bound, what);
        if (small) {    /* (bigger ones would take too long) */
            same_threaded(L, sc, -1, EXPLORE_REDUCE_OFF, what);
            same_threaded(L, sc, 1, EXPLORE_REDUCE_ON, what);
        }
    }
    return n;
}

static void test_lessons(void)
{
    const char *tests = getenv("TT_TESTS");
    char dirs[3][512];
    int files = 0, compared = 0;

    snprintf(dirs[0], sizeof(dirs[0]), "%s/../lessons", tests ? tests : "tests");
    snprintf(dirs[1], sizeof(dirs[1]), "%s/explore", tests ? tests : "tests");
    snprintf(dirs[2], sizeof(dirs[2]), "%s/patterns", tests ? tests : "tests");
    for (int d = 0; d < 3; d++) {
        DIR *dir = opendir(dirs[d]);
        struct dirent *e;

        CHECK(dir != NULL);
        while (dir && (e = readdir(dir)) != NULL) {
            size_t len = strlen(e->d_name);
            char path[1600];
            struct diag dg;
            struct lesson *L;

            if (len < 8 || strcmp(e->d_name + len - 7, ".lesson") != 0)
                continue;
            snprintf(path, sizeof(path), "%s/%s", dirs[d], e->d_name);
            diag_init(&dg);
            L = lesson_load(path, &dg);
            CHECK(L != NULL);
            if (L) {
                compared += compare_lesson(L, e->d_name);
                lesson_free(L);
            }
            diag_done(&dg);
            files++;
        }
        if (dir)
            closedir(dir);
    }
    CHECK(files >= 15);
    CHECK(compared >= 100);     /* most scenes are small enough to compare */
    CHECK(seen_threads >= 200);
}

/* ---- random scenes -------------------------------------------------------------- */

static uint64_t rng;

static unsigned rnd(unsigned n)
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (unsigned)((z ^ (z >> 31)) % n);
}

/* Statements of a worker: shared reads and writes, locks taken in either
 * order (deadlocks), a failing assert, private arithmetic, a loop, print. */
static const char *const stmts[] = {
    "        x = x + 1\n",
    "        y = x\n",
    "        x = y + 1\n",
    "        t = x\n        t = t * 2 + 1\n        x = t\n",
    "        with m1:\n            x = x + 1\n",
    "        with m1:\n            with m2:\n                y = y + x\n",
    "        with m2:\n            with m1:\n                x = x - y\n",
    "        assert x < 3, \"too big\"\n",
    "        if y == 1:\n            x = 5\n",
    "        t = 7\n        t = t - 1\n",
    "        print(x)\n",
    "        m1.acquire()\n        y = y + 1\n        m1.release()\n",
    /* twice as likely: locks taken in opposite orders */
    "        with m1:\n            with m2:\n                y = y + x\n",
    "        with m2:\n            with m1:\n                x = x - y\n",
};

static void gen_scene(struct strbuf *sb, int seed)
{
    int nfun = 2 + (int)rnd(2), ntask = 2 + (int)rnd(2);

    rng = (uint64_t)seed * 7919;
    sb_clear(sb);
    sb_printf(sb, "lesson \"random %d\"\nimport threading\nx = 0\ny = 0\n"
              "m1 = threading.Lock()\nm2 = threading.Lock()\n", seed);
    for (int f = 0; f < nfun; f++) {
        int n = 1 + (int)rnd(3);

        sb_printf(sb, "def f%d(n):\n    global x\n    global y\n"
                  "    for i in range(n):\n", f);
        for (int k = 0; k < n; k++)
            sb_puts(sb, stmts[rnd(sizeof(stmts) / sizeof(stmts[0]))]);
    }
    sb_printf(sb, "scene s:\n    mode %s\n",
              rnd(4) == 0 ? "processes" : "threads");
    for (int t = 0; t < ntask; t++)
        sb_printf(sb, "    run f%u(%u) as %c\n", rnd((unsigned)nfun),
                  1 + rnd(2), 'A' + t);
}

static void test_random(void)
{
    struct strbuf sb;
    int compared = 0, small;

    sb_init(&sb);
    for (int seed = 1; seed <= 60; seed++) {
        struct lesson *L;
        char name[32];

        gen_scene(&sb, seed);
        snprintf(name, sizeof(name), "random-%d", seed);
        L = test_lesson(name, sb.s);
        CHECK(L != NULL);
        if (!L)
            continue;
        small = compare(L, 0, -1, name);
        compared += small;
        if (small && last_full_states <= 50000) {
            same_threaded(L, 0, -1, EXPLORE_REDUCE_OFF, name);
            same_threaded(L, 0, -1, EXPLORE_REDUCE_ON, name);
        }
        compared += compare(L, 0, 1, name);
        lesson_free(L);
    }
    CHECK(compared >= 60);
    CHECK(seen_reduced >= 60);
    CHECK(seen_deadlock >= 4);
    CHECK(seen_failed >= 5);
    sb_done(&sb);
}

/* ---- what the reduction saves, and what it says ------------------------------------ */

static const char race[] =
    "lesson \"race\"\n"
    "x = 0\n"
    "def worker(n):\n"
    "    global x\n"
    "    for i in range(n):\n"
    "        x = x + 1\n"
    "scene three:\n"
    "    mode threads\n"
    "    run worker(2) as A\n"
    "    run worker(2) as B\n"
    "    run worker(2) as C\n"
    "scene gil:\n"
    "    mode gil\n"
    "    run worker(2) as A\n"
    "    run worker(2) as B\n";

static void test_counts(void)
{
    struct lesson *L = test_lesson("race", race);
    struct explore_result *full, *red, *gil, *r;
    struct strbuf sb;

    if (!L)
        return;
    full = search(L, 0, -1, EXPLORE_REDUCE_OFF);
    red = search(L, 0, -1, EXPLORE_REDUCE_ON);
    CHECK(!full->reduced && red->reduced);
    CHECK(red->states * 20 < full->states);
    /* x ends at 6 only if the six read-write pairs never overlap: the
     * orders of three tasks' two pairs each, 6! / (2! 2! 2!). */
    CHECK_EQ(red->outcomes[red->noutcomes - 1].final[0], 6);
    CHECK_STR(red->outcomes[red->noutcomes - 1].schedules, "90");
    sb_init(&sb);
    explore_format_json(&sb, red);
    CHECK(strstr(sb.s, "\"count\": \"shared-interleavings\"") != NULL);
    sb_clear(&sb);
    explore_format_json(&sb, full);
    CHECK(strstr(sb.s, "\"count\": \"schedules\"") != NULL);
    sb_clear(&sb);
    explore_format_text(&sb, red, 1);
    CHECK(strstr(sb.s, "orders of shared accesses") != NULL);
    sb_done(&sb);
    /* Automatic: the full search where it is feasible. */
    r = search(L, 0, -1, EXPLORE_REDUCE_AUTO);
    CHECK(!r->reduced && r->states == full->states);
    explore_free(r);
    /* The GIL branches only at its checkpoints already: never reduced. */
    gil = search(L, 1, -1, EXPLORE_REDUCE_ON);
    CHECK(!gil->reduced && gil->complete);
    explore_free(gil);
    explore_free(red);
    explore_free(full);
    lesson_free(L);
}

/* A timed wait moves with every tick, so a scene that reaches one is
 * searched in full, even when asked to reduce. */
static const char sleepy[] =
    "lesson \"sleepy\"\n"
    "x = 0\n"
    "def worker():\n"
    "    global x\n"
    "    t = x\n"
    "    sleep(2)\n"
    "    x = t + 1\n"
    "scene s:\n"
    "    mode threads\n"
    "    run worker() as A\n"
    "    run worker() as B\n";

static void test_timed(void)
{
    struct lesson *L = test_lesson("sleepy", sleepy);
    struct explore_result *r;

    if (!L)
        return;
    r = search(L, 0, -1, EXPLORE_REDUCE_ON);
    CHECK(!r->reduced && r->complete && r->noutcomes > 0);
    explore_free(r);
    CHECK(compare(L, 0, -1, "sleepy"));
    lesson_free(L);
}

/* Private runs longer than an edge (a compute() of 300 ticks) are cut
 * into edges with one choice: the same outcomes and preemptions, and the
 * orders are still counted once. */
static const char busy[] =
    "lesson \"busy\"\n"
    "x = 0\n"
    "def worker(n):\n"
    "    global x\n"
    "    compute(n)\n"
    "    x = x + 1\n"
    "scene s:\n"
    "    mode threads\n"
    "    run worker(300) as A\n"
    "    run worker(300) as B\n";

static void test_long_private(void)
{
    struct lesson *L = test_lesson("busy", busy);
    struct explore_result *r;

    if (!L)
        return;
    CHECK(compare(L, 0, -1, "busy"));
    CHECK(compare(L, 0, 1, "busy"));
    r = search(L, 0, -1, EXPLORE_REDUCE_ON);
    CHECK(r->reduced && r->complete);
    /* Two tasks, each one read and one write of x: C(4, 2) orders. */
    CHECK_STR(r->schedules, "6");
    explore_free(r);
    lesson_free(L);
}

int main(void)
{
    test_long_private();
    test_counts();
    test_timed();
    test_random();
    test_lessons();
    return TEST_DONE();
}
