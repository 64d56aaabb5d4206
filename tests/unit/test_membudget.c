/* test_membudget.c - the memory budget: sizes, growth that asks first, and
 * accounts that balance (whatever a sim, a trace or the explorer counts,
 * it gives back when freed, or the next command would find the budget
 * used up by ghosts). */
#include <stdint.h>
#include <stdlib.h>

#include "explore.h"
#include "membudget.h"
#include "sim.h"
#include "testhelp.h"
#include "testlesson.h"
#include "util.h"

static void test_sizes(void)
{
    size_t n = 0;
    struct strbuf sb;

    CHECK(mem_parse_size("64M", &n) == 0 && n == (size_t)64 << 20);
    CHECK(mem_parse_size("1G", &n) == 0 && n == (size_t)1 << 30);
    CHECK(mem_parse_size("512KiB", &n) == 0 && n == (size_t)512 << 10);
    CHECK(mem_parse_size("1048576", &n) == 0 && n == (size_t)1 << 20);
    CHECK(mem_parse_size("2gb", &n) == 0 && n == (size_t)2 << 30);
    CHECK(mem_parse_size("", &n) < 0);
    CHECK(mem_parse_size("-1M", &n) < 0);
    CHECK(mem_parse_size("0", &n) < 0);
    CHECK(mem_parse_size("12X", &n) < 0);
    CHECK(mem_parse_size("99999999999999999999G", &n) < 0);
    sb_init(&sb);
    mem_format_size(&sb, (size_t)1 << 30);
    CHECK_STR(sb.s, "1 GiB");
    sb_clear(&sb);
    mem_format_size(&sb, (size_t)64 << 20);
    CHECK_STR(sb.s, "64 MiB");
    sb_clear(&sb);
    mem_format_size(&sb, 1000);
    CHECK_STR(sb.s, "1000 bytes");
    sb_clear(&sb);
    mem_limit_message(&sb, "the run");
    CHECK_STR(sb.s, "the run needs more than 1 GiB of memory (--max-memory)");
    sb_done(&sb);
}

static void test_grow(void)
{
    size_t before = mem_used(), cap = 0;
    int *a = NULL;

    mem_set_limit((size_t)1 << 20);
    CHECK_EQ(MEM_GROW(a, cap, 100), 0);
    CHECK(cap >= 100);
    CHECK_EQ(mem_used() - before, cap * sizeof(int));
    /* Past the limit: grown to exactly what is needed, counted, refused. */
    CHECK_EQ(MEM_GROW(a, cap, 300000), -1);
    CHECK_EQ(cap, 300000);
    CHECK_EQ(mem_used() - before, 300000 * sizeof(int));
    CHECK(mem_charge(1) < 0);
    mem_free(a, cap * sizeof(int));
    CHECK_EQ(mem_used(), before);
    CHECK(mem_peak() >= before + 300000 * sizeof(int));
    mem_set_limit(0);
    CHECK_EQ(mem_limit(), MEM_DEFAULT_LIMIT);
}

static const char race[] =
    "lesson \"Race\"\n"
    "shared x = 0\n"
    "def w(n):\n"
    "    global x\n"
    "    for i in range(n):\n"
    "        x = x + 1\n"
    "scene race:\n"
    "    mode threads\n"
    "    quantum 3\n"
    "    run w(3) as A\n"
    "    run w(3) as B\n"
    "scene spin:\n"
    "    mode threads\n"
    "    budget 1000000000\n"
    "    run w(1000000000) as A\n";

static void test_balance(void)
{
    struct lesson *L = test_lesson("race", race);
    size_t before = mem_used();
    struct explore_result *r;
    struct sim *s;

    if (!L)
        return;
    s = sim_new(L, 0, &L->scenes[0].cfg, NULL, 1);
    sim_run(s);
    CHECK(mem_used() > before);
    sim_free(s);
    CHECK_EQ(mem_used(), before);
    r = explore_run(L, 0, &L->scenes[0].cfg, NULL);
    CHECK(r->complete);
    CHECK_EQ(r->noutcomes, 5);
    explore_free(r);
    CHECK_EQ(mem_used(), before);

    /* A budget of 8 MiB: the run stops at it, with the message, and its
     * trace stays near the limit. */
    mem_set_limit((size_t)8 << 20);
    s = sim_new(L, 1, &L->scenes[1].cfg, NULL, 1);
    sim_run(s);
    CHECK_EQ(sim_status(s), TRACE_LIMIT);
    CHECK(mem_used() < ((size_t)9 << 20));
    CHECK(sim_trace(s)->nevents > 0 &&
          strstr(trace_text_at(sim_trace(s),
                               sim_trace(s)->events[sim_trace(s)->nevents - 1].arg),
                 "the run needs more than 8 MiB of memory (--max-memory)") != NULL);
    sim_free(s);
    CHECK_EQ(mem_used(), before);
    r = explore_run(L, 1, &L->scenes[1].cfg, NULL);
    CHECK(!r->complete);
    CHECK_EQ(r->stop, EXPLORE_MEMORY);
    CHECK_STR(explore_stop_reason(r),
              "the search needs more than 8 MiB of memory (--max-memory)");
    explore_free(r);
    CHECK_EQ(mem_used(), before);
    mem_set_limit(0);
    lesson_free(L);
}

int main(void)
{
    test_sizes();
    test_grow();
    test_balance();
    return TEST_DONE();
}
