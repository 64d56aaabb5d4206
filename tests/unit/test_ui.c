/* test_ui.c - the TUI without a screen: key scripts, the progress file,
 * timeline cells, and what keys do to the application. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "testhelp.h"
#include "ui/actions.h"
#include "ui/app.h"
#include "ui/keys.h"
#include "lanes.h"
#include "ui/progress.h"

/* ---- key scripts ---------------------------------------------------------- */

static void test_keys(void)
{
    struct key_script ks;
    struct strbuf err;

    sb_init(&err);
    CHECK_EQ(keys_parse("6 <Enter> # a comment <Dump>\n<wait> <Sleep 250> "
                        "<Size 100x30> <Click 7 12> yes <PgDn> <Lt>", &ks,
                        &err), 0);
    CHECK_EQ(ks.n, 11);
    CHECK_EQ(ks.ev[0].key, '6');
    CHECK_EQ(ks.ev[1].key, K_ENTER);
    CHECK_EQ(ks.ev[2].cmd, KC_WAIT);
    CHECK_EQ(ks.ev[3].cmd, KC_SLEEP);
    CHECK_EQ(ks.ev[3].ms, 250);
    CHECK_EQ(ks.ev[4].cmd, KC_SIZE);
    CHECK_EQ(ks.ev[4].x, 100);
    CHECK_EQ(ks.ev[4].y, 30);
    CHECK_EQ(ks.ev[5].key, K_CLICK);
    CHECK_EQ(ks.ev[5].x, 7);
    CHECK_EQ(ks.ev[6].key, 'y');
    CHECK_EQ(ks.ev[8].key, 's');
    CHECK_EQ(ks.ev[9].key, K_PGDN);
    CHECK_EQ(ks.ev[10].key, '<');
    keys_free(&ks);
    CHECK_EQ(keys_parse("<Bogus>", &ks, &err), -1);
    CHECK(strstr(err.s, "Bogus") != NULL);
    sb_clear(&err);
    CHECK_EQ(keys_parse("<Size big>", &ks, &err), -1);
    sb_done(&err);
}

/* ---- the progress file ------------------------------------------------------- */

static void test_progress(void)
{
    char dir[] = "/tmp/tt-progress-XXXXXX";
    struct progress *pg;
    const struct progress_lesson *pl;
    char *file;

    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return;
    }
    setenv("XDG_STATE_HOME", dir, 1);
    pg = progress_load();
    CHECK(pg->path != NULL);
    progress_see(pg, "03-race.lesson", 0);
    progress_see(pg, "03-race.lesson", 2);
    progress_see(pg, "03-race.lesson", 2);
    progress_answer(pg, "03-race.lesson", 0, 0, 1);
    progress_answer(pg, "03-race.lesson", 3, 0, 0);
    progress_answer(pg, "03-race.lesson", 3, 0, 1);    /* the first counts */
    progress_see(pg, "07-io-bound.lesson", 70);
    progress_save(pg);
    progress_free(pg);

    pg = progress_load();
    pl = progress_find(pg, "03-race.lesson");
    CHECK(pl != NULL);
    CHECK_EQ(progress_pages_seen(pl), 2);
    CHECK_EQ(progress_right(pl), 1);
    CHECK_EQ(progress_answered(pl, 3, 0), 0);
    CHECK_EQ(progress_answered(pl, 0, 0), 1);
    CHECK_EQ(progress_answered(pl, 1, 0), -1);
    CHECK_EQ(progress_pages_seen(progress_find(pg, "07-io-bound.lesson")), 1);
    CHECK(progress_find(pg, "nope.lesson") == NULL);
    CHECK_STR(progress_key("lessons/03-race.lesson"), "03-race.lesson");
    progress_free(pg);
    file = xasprintf("%s/taketurns/progress", dir);
    CHECK(access(file, R_OK) == 0);
    unlink(file);
    free(file);
    file = xasprintf("%s/taketurns", dir);
    rmdir(file);
    free(file);
    rmdir(dir);
}

/* ---- timeline cells --------------------------------------------------------------- */

static void test_lanes(void)
{
    const char *labels[] = {"A", "B"};
    struct trace *tr = trace_new(2, labels, 1, "tick");
    int mark, stalled;

    /* A runs 0-3, is preempted (ready 3-6), runs 6-10; B the opposite. */
    trace_state(tr, 0, 0, TS_RUNNING, 0, 0, 0, -1);
    trace_state(tr, 1, 0, TS_READY, -1, 0, 0, -1);
    trace_state(tr, 0, 3, TS_READY, -1, SW_QUANTUM, 0, -1);
    trace_state(tr, 1, 3, TS_RUNNING, 0, 0, 0, -1);
    trace_state(tr, 0, 6, TS_RUNNING, 0, 0, 0, -1);
    trace_state(tr, 1, 6, TS_BLOCKED, -1, SW_AWAIT, 4, -1);
    trace_close(tr, 10);
    CHECK_EQ(lane_task_cell(tr, 0, 0, 1, &mark), TS_RUNNING);
    CHECK_EQ(mark, SWK_NONE);
    CHECK_EQ(lane_task_cell(tr, 0, 3, 4, &mark), TS_READY);
    CHECK_EQ(mark, SWK_PREEMPT);
    CHECK_EQ(lane_task_cell(tr, 0, 4, 5, &mark), TS_READY);
    CHECK_EQ(mark, SWK_NONE);
    CHECK_EQ(lane_task_cell(tr, 1, 6, 7, &mark), TS_BLOCKED);
    CHECK_EQ(mark, SWK_YIELD);
    /* A column of several ticks where A ran only part of the time says
     * so; one where it only waited names the state that covers most. */
    CHECK_EQ(lane_task_cell(tr, 0, 0, 5, &mark), LANE_PART);
    CHECK_EQ(lane_task_cell(tr, 0, 2, 6, &mark), LANE_PART);
    CHECK_EQ(lane_task_cell(tr, 0, 3, 6, &mark), TS_READY);
    CHECK_EQ(lane_task_cell(tr, 0, 6, 10, &mark), TS_RUNNING);
    CHECK_EQ(lane_task_cell(tr, 1, 5, 10, &mark), LANE_PART);
    CHECK_EQ(lane_task_cell(tr, 1, 6, 10, &mark), TS_BLOCKED);
    CHECK_EQ(lane_cpu_cell(tr, 0, 0, 1, &stalled), 0);
    CHECK_EQ(lane_cpu_cell(tr, 0, 4, 5, &stalled), 1);
    CHECK_EQ(lane_cpu_cell(tr, 0, 0, 3, &stalled), 0);
    /* Two tasks in one column: naming either would double its share. */
    CHECK_EQ(lane_cpu_cell(tr, 0, 2, 4, &stalled), LANE_MIXED);
    CHECK_EQ(lane_cpu_cell(tr, 0, 0, 10, &stalled), LANE_MIXED);
    trace_free(tr);

    /* A crowded column is sampled, not summed: the answer stays sane. */
    tr = trace_new(2, labels, 1, "tick");
    for (int t = 0; t < 1000; t++) {
        trace_state(tr, 0, t, t % 2 ? TS_READY : TS_RUNNING, t % 2 ? -1 : 0,
                    t % 2 ? SW_QUANTUM : 0, 0, -1);
        trace_state(tr, 1, t, t % 2 ? TS_RUNNING : TS_READY, t % 2 ? 0 : -1,
                    0, 0, -1);
    }
    trace_close(tr, 1000);
    {
        int st = lane_task_cell(tr, 0, 0, 1000, &mark);

        CHECK_EQ(st, LANE_PART);
        /* A and B share the CPU half and half: neither stands for it. */
        CHECK_EQ(lane_cpu_cell(tr, 0, 0, 1000, &stalled), LANE_MIXED);
        CHECK_EQ(lane_cpu_cell(tr, 0, 0, 2, &stalled), LANE_MIXED);
        CHECK_EQ(lane_cpu_cell(tr, 0, 0, 20, &stalled), LANE_MIXED);
        CHECK_EQ(lane_cpu_cell(tr, 0, 0, 1, &stalled), 0);
    }
    trace_free(tr);
}

/* ---- the application ---------------------------------------------------------- */

static const char lesson_text[] =
    "lesson \"keys\"\n"
    "shared x = 0\n"
    "def worker(n):\n"
    "    global x\n"
    "    for i in range(n):\n"
    "        x = x + 1\n"
    "scene race:\n"
    "    mode threads\n"
    "    cpus 1\n"
    "    quantum 3\n"
    "    run worker(3) as A\n"
    "    run worker(3) as B\n"
    "scene other:\n"
    "    mode sequential\n"
    "    run worker(1) as A\n"
    "    run worker(1) as B\n"
    "page \"one\":\n"
    "    Predict.\n"
    "    @scene race\n"
    "    @ask \"x at the end?\" 3 is final x\n"
    "    @explain \"Lost updates.\"\n"
    "    @until end\n"
    "page \"two\":\n"
    "    Stops at the first switch.\n"
    "    @scene race\n"
    "    @until switch\n"
    "page \"three\":\n"
    "    Goes on from there.\n"
    "    @until switch\n"
    "page \"four\":\n"
    "    Both.\n"
    "    @compare race other\n";

static void settle(struct app *a, int64_t *clock)
{
    for (int guard = 0; !app_idle(a) && guard < 100000; guard++) {
        int64_t to = app_timeout(a, *clock);

        *clock += to > 0 ? to : 1;
        app_tick(a, *clock);
    }
}

static void test_app(void)
{
    struct progress *pg = xcalloc(1, sizeof(*pg));
    struct diag d;
    struct lesson *L;
    struct app a;
    int64_t clock = 0;
    int i;

    diag_init(&d);
    L = lesson_from_text("keys", lesson_text, &d);
    diag_done(&d);
    if (!L) {
        CHECK(!"lesson");
        return;
    }
    app_init(&a, pg);
    app_resize(&a, 120, 40);
    app_open_lesson(&a, L, "keys.lesson", 0);
    /* A question waits for a prediction: nothing plays. */
    CHECK(app_idle(&a));
    CHECK_EQ(a.cursor, 0);
    CHECK(app_pending_ask(&a, &i) != NULL);
    /* Typed characters are the answer: n does not jump to a switch, Esc
     * puts the question aside (then keys work), Enter takes it up. */
    CHECK(a.prompt);
    CHECK_EQ(app_mode(&a), M_ASK);
    app_key(&a, 'n');
    CHECK_EQ(a.cursor, 0);
    CHECK_STR(a.input, "n");
    app_key(&a, K_ESC);
    CHECK(!a.prompt);
    CHECK_EQ(app_mode(&a), M_PLAY);
    app_key(&a, K_ENTER);
    CHECK(a.prompt);
    CHECK_STR(a.input, "");
    app_key(&a, '4');
    CHECK(a.prompt);
    app_key(&a, K_BACKSPACE);
    app_key(&a, '3');
    app_key(&a, K_ENTER);
    CHECK(!a.prompt);
    CHECK(app_pending_ask(&a, NULL) == NULL);
    CHECK(a.asks[i].answered);
    CHECK(a.asks[i].right);
    CHECK_EQ(progress_right(progress_find(pg, "keys.lesson")), 1);
    /* Then the page plays to its @until (the end). */
    CHECK(!app_idle(&a));
    settle(&a, &clock);
    CHECK_EQ(a.cursor, a.tape->end);
    /* Home, steps, switches. */
    app_key(&a, K_HOME);
    CHECK_EQ(a.cursor, 0);
    app_key(&a, K_RIGHT);
    app_key(&a, 'l');
    CHECK_EQ(a.cursor, 2);
    app_key(&a, K_LEFT);
    CHECK_EQ(a.cursor, 1);
    app_key(&a, 'n');
    CHECK_EQ(a.cursor, 3);
    app_key(&a, 'n');
    CHECK_EQ(a.cursor, 6);
    app_key(&a, 'N');
    CHECK_EQ(a.cursor, 3);
    app_key(&a, K_END);
    CHECK_EQ(a.cursor, a.tape->end);
    /* Speed. */
    i = a.speed;
    app_key(&a, '+');
    CHECK_EQ(a.speed, i + 1);
    app_key(&a, '-');
    CHECK_EQ(a.speed, i);
    /* Play and pause. */
    app_key(&a, K_HOME);
    app_key(&a, ' ');
    CHECK(a.playing);
    app_tick(&a, clock + 500);
    CHECK(a.cursor > 0);
    app_key(&a, ' ');
    CHECK(!a.playing);
    /* Pages: the second stops at the first switch, the third goes on from
     * there to the next one. */
    app_key(&a, K_PGDN);
    CHECK_EQ(a.page, 1);
    settle(&a, &clock);
    CHECK_EQ(a.cursor, 3);
    app_key(&a, K_PGDN);
    settle(&a, &clock);
    CHECK_EQ(a.page, 2);
    CHECK_EQ(a.cursor, 6);
    app_key(&a, K_PGUP);
    settle(&a, &clock);
    CHECK_EQ(a.cursor, 3);
    /* The speed the student chose stays from page to page, and a page
     * plays to its stop at that speed. */
    app_key(&a, K_PGUP);
    settle(&a, &clock);
    app_key(&a, '-');
    i = a.speed;
    CHECK(a.speed_set);
    app_key(&a, K_PGDN);
    CHECK_EQ(a.speed, i);
    CHECK(a.playing);
    CHECK_EQ(a.boost, 0);
    settle(&a, &clock);
    CHECK_EQ(a.cursor, 3);
    /* Pages may open paused, at their start. */
    app_key(&a, 'p');
    CHECK(a.open_paused);
    app_key(&a, K_PGDN);
    CHECK(!a.playing);
    CHECK_EQ(a.cursor, 3);
    app_key(&a, 'p');
    CHECK(!a.open_paused);
    /* g, a number, Enter: that page. */
    app_key(&a, 'g');
    CHECK_EQ(app_mode(&a), M_ASK);
    app_key(&a, '2');
    app_key(&a, K_ENTER);
    CHECK_EQ(a.page, 1);
    CHECK_EQ(app_mode(&a), M_PLAY);
    settle(&a, &clock);
    CHECK_EQ(a.cursor, 3);
    /* Manual mode: B takes tick 3, twice; ← undoes; m hands back. */
    app_key(&a, 'm');
    CHECK(a.manual);
    app_key(&a, 'B');
    CHECK_EQ(a.cursor, 4);
    app_key(&a, 'b');          /* a task's letter in either case */
    CHECK_EQ(a.cursor, 5);
    app_key(&a, K_LEFT);
    CHECK_EQ(a.cursor, 4);
    app_key(&a, '2');
    CHECK_EQ(a.cursor, 5);
    CHECK(a.tape->manual);
    app_key(&a, K_LEFT);
    CHECK_EQ(a.cursor, 4);
    app_key(&a, K_RIGHT);      /* redo what was chosen */
    CHECK_EQ(a.cursor, 5);
    app_key(&a, '9');          /* no such task: a message */
    CHECK(a.msg_bad);
    app_key(&a, 'm');
    CHECK(!a.manual);
    CHECK(tape_finished(a.tape));
    /* Focus and selection. */
    app_key(&a, K_TAB);
    app_key(&a, K_TAB);
    CHECK(a.focus != FOCUS_TIMELINE);
    while (a.focus != FOCUS_TIMELINE)
        app_key(&a, K_TAB);
    app_key(&a, K_DOWN);
    CHECK_EQ(a.sel, 0);
    CHECK_EQ(app_shown_task(&a), 0);
    app_key(&a, K_DOWN);
    CHECK_EQ(app_shown_task(&a), 1);
    app_key(&a, K_UP);
    app_key(&a, K_UP);
    CHECK_EQ(a.sel, -1);
    /* Zoom and help. */
    app_key(&a, 'z');
    CHECK(a.zoom_set);
    app_key(&a, '?');
    CHECK(a.help);
    app_key(&a, 'x');
    CHECK(!a.help);
    /* The compare page plays all its scenes to the longest end. */
    CHECK_EQ(a.page, 1);
    app_key(&a, K_PGDN);
    app_key(&a, K_PGDN);
    CHECK_EQ(a.page, 3);
    CHECK_EQ(a.ncmp, 2);
    settle(&a, &clock);
    CHECK_EQ(a.cursor, a.cmp[0]->end > a.cmp[1]->end ? a.cmp[0]->end :
             a.cmp[1]->end);
    app_key(&a, K_PGDN);       /* the last page: stays */
    CHECK_EQ(a.page, 3);
    app_key(&a, 'q');
    CHECK(a.quit);
    app_done(&a);
    progress_free(pg);
}

int main(void)
{
    test_keys();
    test_progress();
    test_lanes();
    test_app();
    return TEST_DONE();
}
