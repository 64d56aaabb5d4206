/* test_ui_tape.c - the TUI's tape: the past at a cursor, steps, switches,
 * @until points, and manual turns that seeking replays. */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "testhelp.h"
#include "ui/tape.h"
#include "vm.h"

static const char race[] =
    "lesson \"race\"\n"
    "shared x = 0\n"
    "lock m\n"
    "def worker(n):\n"
    "    global x\n"
    "    for i in range(n):\n"
    "        x = x + 1\n"
    "def waiter():\n"
    "    compute(2)\n"
    "    io(5)\n"
    "    compute(1)\n"
    "scene race:\n"
    "    mode threads\n"
    "    cpus 1\n"
    "    quantum 3\n"
    "    run worker(3) as A\n"
    "    run worker(3) as B\n"
    "scene waits:\n"
    "    mode sequential\n"
    "    run waiter() as A\n"
    "    run waiter() as B\n"
    "page \"p\":\n"
    "    text\n"
    "    @scene race\n"
    "    @until x == 2\n";

static struct lesson *load(void)
{
    struct diag d;
    struct lesson *L;

    diag_init(&d);
    L = lesson_from_text("race", race, &d);
    if (!L)
        printf("FAIL lesson: %s\n", d.text.s);
    diag_done(&d);
    return L;
}

static size_t count_switches(const struct tape *tp, size_t n)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        k += tp->tr->events[i].kind == EV_SWITCH;
    return k;
}

/* The state of task t's interpreter, to compare two seeks. */
static uint32_t pc_of(struct tape *tp, int64_t t, int task)
{
    return vm_pc(sim_task_vm(tape_at(tp, t), task));
}

static void test_past_and_steps(const struct lesson *L)
{
    struct tape *tp = tape_new(L, 0, &L->scenes[0].cfg, NULL);

    /* Each worker(3) runs 28 ops: RESUME and the range's 4, 7 a pass
     * (FOR_ITER ... JUMP_BACKWARD), the last FOR_ITER and RETURN_CONST. */
    CHECK_EQ(tp->end, 56);
    CHECK(tape_finished(tp));
    /* A is preempted when tick 3 starts: at cursor 3 that switch is in the
     * past (it decided who takes tick 3), at cursor 2 it is not. */
    CHECK_EQ(count_switches(tp, tape_past_events(tp, 2)), 0);
    CHECK_EQ(count_switches(tp, tape_past_events(tp, 3)), 1);
    CHECK_EQ(tape_next_switch(tp, 0, TAPE_ANY_SWITCH), 3);
    CHECK_EQ(tape_next_switch(tp, 3, TAPE_ANY_SWITCH), 6);
    CHECK_EQ(tape_prev_switch(tp, 6, TAPE_ANY_SWITCH), 3);
    CHECK_EQ(tape_prev_switch(tp, 3, TAPE_ANY_SWITCH), -1);
    CHECK_EQ(tape_next_switch(tp, 0, 1u << SWK_YIELD), -1);
    CHECK_EQ(tape_step_forward(tp, 0), 1);
    CHECK_EQ(tape_step_back(tp, 1), 0);
    CHECK_EQ(tape_step_back(tp, 0), 0);
    CHECK_EQ(tape_step_forward(tp, 56), 56);
    CHECK_EQ(tape_on_cpu(tp, 0, 0), 0);
    CHECK_EQ(tape_on_cpu(tp, 0, 3), 1);
    /* Seeking is exact in both directions. */
    CHECK_EQ(pc_of(tp, 40, 0), pc_of(tp, 40, 0));
    {
        uint32_t fwd = pc_of(tp, 17, 1);

        tape_at(tp, 56);
        CHECK_EQ(pc_of(tp, 17, 1), fwd);
        CHECK_EQ(sim_global(tape_at(tp, 56), 0, 0), 3);
    }
    tape_free(tp);
}

static void test_until(const struct lesson *L)
{
    struct tape *tp = tape_new(L, 0, &L->scenes[0].cfg, NULL);
    struct directive dv;

    memset(&dv, 0, sizeof(dv));
    dv.kind = DIR_UNTIL;
    dv.until = UNTIL_SWITCH;
    CHECK_EQ(tape_until(tp, &dv, 0), 3);
    CHECK_EQ(tape_until(tp, &dv, 3), 6);
    dv.until = UNTIL_TICK;
    dv.n = 9;
    CHECK_EQ(tape_until(tp, &dv, 0), 9);
    dv.n = 5000;
    CHECK_EQ(tape_until(tp, &dv, 0), 56);
    dv.until = UNTIL_END;
    CHECK_EQ(tape_until(tp, &dv, 0), 56);
    dv.until = UNTIL_BLOCK;
    CHECK_EQ(tape_until(tp, &dv, 0), 56);   /* never: the end */
    /* The page's condition: x == 2, just after the store that makes it. */
    {
        const struct directive *u = &L->pages[0].dirs[1];
        int64_t c = tape_until(tp, u, 0);

        CHECK_EQ(u->until, UNTIL_EXPR);
        CHECK(c > 0 && c < 56);
        CHECK_EQ(sim_global(tape_at(tp, c), 0, 0), 2);
        CHECK_EQ(sim_global(tape_at(tp, c - 1), 0, 0), 1);
        CHECK(tape_condition(L, tape_at(tp, c), u->cond));
    }
    tape_free(tp);
}

static void test_idle_steps(const struct lesson *L)
{
    struct tape *tp = tape_new(L, 1, &L->scenes[1].cfg, NULL);
    int64_t t = 0, steps = 0, last = -1;

    /* A computes, then waits 5 ticks with nothing else running (one after
     * another): one step crosses the whole wait. */
    while (t < tp->end && steps < 100) {
        int64_t n = tape_step_forward(tp, t);

        if (n > t + 1)
            last = t;
        t = n;
        steps++;
    }
    CHECK_EQ(t, tp->end);
    CHECK(last >= 0);
    CHECK(steps < tp->end);
    CHECK(!tape_busy(tp, last));
    CHECK_EQ(tape_step_back(tp, tape_step_forward(tp, last)), last);
    tape_free(tp);
}

static void test_manual(const struct lesson *L)
{
    struct tape *tp = tape_new(L, 0, &L->scenes[0].cfg, NULL);
    int ch[LESSON_MAX_TASKS], n;
    int64_t c, front;
    uint32_t pc_a, pc_b;

    n = tape_choices(tp, 4, ch);
    CHECK_EQ(n, 2);
    /* Give tick 4 to B, then 6 ticks to B, then 2 to A. */
    c = tape_pick(tp, 4, 1);
    CHECK_EQ(c, 5);
    CHECK(tp->manual);
    CHECK_EQ(tp->manual_from, 4);
    CHECK_EQ(tp->end, 5);
    CHECK(!tape_finished(tp));
    for (int i = 0; i < 6; i++)
        c = tape_pick(tp, c, 1);
    for (int i = 0; i < 2; i++)
        c = tape_pick(tp, c, 0);
    CHECK_EQ(c, 13);
    CHECK(tape_by_hand(tp, 7));
    CHECK(!tape_by_hand(tp, 3));
    front = c;
    pc_a = pc_of(tp, front, 0);
    pc_b = pc_of(tp, front, 1);
    /* Stepping back and forth replays the hand-picked turns exactly. */
    tape_at(tp, 0);
    tape_at(tp, 6);
    CHECK_EQ(pc_of(tp, front, 0), pc_a);
    CHECK_EQ(pc_of(tp, front, 1), pc_b);
    /* Undo: pick differently at tick 8; the run is cut there. */
    c = tape_pick(tp, 8, 0);
    CHECK_EQ(c, 9);
    CHECK_EQ(tp->end, 9);
    /* A task that may not run is refused. */
    {
        struct tape *t2 = tape_new(L, 0, &L->scenes[0].cfg, NULL);

        CHECK_EQ(tape_pick(t2, t2->end, 0), -1);
        tape_free(t2);
    }
    /* Hand back: the scheduler runs to the end from tick 9. */
    tape_hand_back(tp, 9);
    CHECK(!tp->manual);
    CHECK(tape_finished(tp));
    CHECK(tp->end > 9);
    CHECK(tape_by_hand(tp, 8));
    CHECK(!tape_by_hand(tp, 9));
    tape_free(tp);
}

static void test_time_passes(const struct lesson *L)
{
    struct tape *tp = tape_new(L, 1, &L->scenes[1].cfg, NULL);
    int ch[LESSON_MAX_TASKS];
    int64_t t = 0, guard = 0;

    /* By hand until nobody can run (A waits for I/O), then time passes. */
    while (tape_choices(tp, t, ch) > 0 && guard++ < 20)
        t = tape_pick(tp, t, ch[0]);
    CHECK(!tape_finished(tp));
    CHECK_EQ(tape_choices(tp, t, ch), 0);
    {
        int64_t after = tape_let_time_pass(tp, t);

        CHECK(after > t + 1);
        CHECK(tape_choices(tp, after, ch) > 0);
    }
    tape_free(tp);
}

int main(void)
{
    struct lesson *L = load();

    if (!L)
        return 1;
    test_past_and_steps(L);
    test_until(L);
    test_idle_steps(L);
    test_manual(L);
    test_time_passes(L);
    lesson_free(L);
    return TEST_DONE();
}
