/* test_ui_truth.c - the log, the lanes and the pages agree with the model.
 *
 * Over every scene of every lesson: a switch names as the next task only
 * one that runs right after it, and a task is done at one tick in the log,
 * on its lane and in JSON.  Then, where a page that stops early (or at
 * the end) names a state in words, the screen at its stop must show that
 * state: each claim below quotes the words it stands for.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lessons.h"
#include "sim.h"
#include "testhelp.h"
#include "testscreen.h"
#include "ui/app.h"
#include "ui/app_impl.h"
#include "ui/driver.h"
#include "ui/draw.h"
#include "ui/tape.h"
#include "ui/term.h"

/* ---- the model ------------------------------------------------------------ */

static int running_at(const struct trace *tr, int task, int64_t t)
{
    const struct trace_span *sp = trace_span_at(tr, task, t);

    return sp && sp->state == TS_RUNNING;
}

static void check_trace(const char *name, const struct trace *tr)
{
    int bad = 0;

    for (size_t i = 0; i < tr->nevents; i++) {
        const struct trace_event *ev = &tr->events[i];

        if (i > 0 && ev->t < tr->events[i - 1].t && !bad++)
            printf("FAIL %s: event %zu is earlier than the one before\n",
                   name, i);
        if (ev->kind == EV_SWITCH && ev->other >= 0 &&
            !running_at(tr, ev->other, ev->t) &&
            !running_at(tr, ev->other, ev->t + 1) && !bad++)
            printf("FAIL %s: the switch at %lld names %s as next, which "
                   "does not run then\n", name, (long long)ev->t,
                   tr->labels[ev->other]);
        if (ev->kind == EV_SWITCH && ev->other == ev->task &&
            switch_kind_of[ev->reason] == SWK_BLOCK && !bad++)
            printf("FAIL %s: %s blocks at %lld and is named as next\n", name,
                   tr->labels[ev->task], (long long)ev->t);
        if (ev->kind == EV_EXIT) {
            const struct trace_lane *ln = &tr->lanes[ev->task];
            const struct trace_span *last = &ln->spans[ln->n - 1];

            if ((last->state != TS_DONE || last->start != ev->t) && !bad++)
                printf("FAIL %s: %s is done at %lld in the log, its lane "
                       "says %lld\n", name, tr->labels[ev->task],
                       (long long)ev->t, (long long)last->start);
        }
    }
    test_failed += bad > 0;
    if (!bad)
        printf("ok %s: next tasks run, done ticks agree\n", name);
}

static void test_model(char **paths, int n)
{
    for (int i = 0; i < n; i++) {
        struct diag d;
        struct lesson *L;

        diag_init(&d);
        L = lesson_load(paths[i], &d);
        if (!L) {
            printf("FAIL %s does not load:\n%s", paths[i], d.text.s);
            test_failed++;
            diag_done(&d);
            continue;
        }
        for (int s = 0; s < L->nscenes; s++) {
            struct sim *sm = sim_new(L, s, &L->scenes[s].cfg, NULL, 1);
            char name[200];

            sim_run(sm);
            snprintf(name, sizeof(name), "%s %s", progress_key(paths[i]),
                     L->scenes[s].name);
            check_trace(name, sim_trace(sm));
            sim_free(sm);
        }
        lesson_free(L);
        diag_done(&d);
    }
}

/* ---- the screen at a page's stop ---------------------------------------- */

/* What a page says, and what the screen must show for it.  Each check is
 * one of:
 *   "tick N"           the page stops at tick N
 *   "state X NAME"     task X is in state NAME (task_state_info) there
 *   "lane X ends G"    the last glyph drawn on X's lane is G
 *   "lane X has G"     X's lane shows G somewhere
 *   "has TEXT"         the screen shows TEXT
 *   "code X TEXT"      with X's code shown, the marked line or op is TEXT
 *   "marks G N"        the task lanes show the mark G N times in all
 */
struct claim {
    const char *lesson, *page;  /* file name, page title */
    const char *words;          /* what the page says */
    const char *checks[6];
    int at_end;                 /* checked at the run's end (End), not at
                                 * the page's stop */
};

static const struct claim claims[] = {
    {"02-preemption", "Round robin",
     "A ! on a lane marks a preemption",
     {"lane A ends !", "state A ready", "state B running",
      "has A preempted: its quantum of 3 ticks is used up; B runs"}, 0},
    {"02-preemption", "A whole run",
     "Play to the end and count the ! marks (33 preemptions, its answer)",
     {"marks ! 33"}, 1},
    {"03-race", "One line, four steps",
     "A has set up its loop (7 ticks, from RESUME to STORE_FAST i)",
     {"tick 7", "code A x = x + 1", "code A LOAD_GLOBAL x"}, 0},
    {"03-race", "Stopped in the middle",
     "A has read x (0) and pushed 1 when its quantum runs out: its stack "
     "holds a value of x about to go stale",
     {"tick 15", "state A ready", "lane A has !", "code A BINARY_OP +",
      "has 0, 1]"}, 0},
    {"04-locks", "Preempted while holding the lock",
     "B gets the CPU but cannot get in: it blocks on m as it reaches with "
     "m:, and A resumes",
     {"lane B ends L", "state B lock wait", "state A running",
      "has lock m: A has it, B waits", "code B with m:",
      "code B BEFORE_WITH"}, 0},
    {"05-asyncio", "One thread, one loop",
     "at await it hands control back to the loop, which runs the next "
     "ready one",
     {"state A waiting", "state B running", "code A YIELD_VALUE 1",
      "has A yields at await io(90)"}, 0},
    {"06-blocking-the-loop", "One time.sleep",
     "~ means the loop itself is stuck. H's timer runs out at tick 47, yet "
     "H stays ready, not running",
     {"tick 60", "lane loop ends ~", "state H ready",
      "has 47  H's wait is over"}, 0},
    {"09-processes", "Starting a process costs time",
     "+ means the process is still being started ... each start costs 10 "
     "ticks, one after another",
     {"tick 12", "lane A has +", "state A running", "lane B ends +",
      "state B starting"}, 0},
    {"12-deadlock", "Who waits for whom",
     "B's lane ends in L, waiting for lock a; A's last op, at tick 69, asks "
     "for b and blocks too",
     {"lane B ends L", "state A lock wait", "code B with a:", "code A with b:",
      "has 69  A blocks on lock b", "has lock a: A has it, B waits"}, 0},
};

static int task_index(const struct app *a, const char *label)
{
    for (int k = 0; k < a->tape->tr->ntasks; k++)
        if (strcmp(a->tape->tr->labels[k], label) == 0)
            return k;
    return -1;
}

/* Column col of a line (every glyph on these screens is one column): a
 * pointer into it, or NULL past its end. */
static const char *column(const char *line, const char *end, int col)
{
    const char *p = line;

    for (int c = 0; c < col && p < end; c++)
        do
            p++;
        while (p < end && ((unsigned char)*p & 0xC0) == 0x80);
    return p < end ? p : NULL;
}

/* The glyphs of lane label, as one string of the lane's columns. */
static int lane_glyphs(struct app *a, const char *screen, const char *label,
                       char *out, size_t n)
{
    int x0 = app_lane_x0(a), w = app_lane_width(a);
    size_t ll = strlen(label);

    for (const char *line = screen; *line;) {
        const char *end = strchr(line, '\n');
        const char *p1;

        if (!end)
            end = line + strlen(line);
        p1 = column(line, end, 1);
        if (p1 && strncmp(p1, label, ll) == 0 && p1[ll] == ' ' &&
            (line[0] == ' ' || strncmp(line, "▶", 3) == 0)) {
            const char *a0 = column(line, end, x0);
            const char *a1 = column(line, end, x0 + w);
            size_t len;

            if (!a0)
                return 0;
            len = (size_t)((a1 ? a1 : end) - a0);
            if (len >= n)
                len = n - 1;
            memcpy(out, a0, len);
            out[len] = '\0';
            /* trailing blanks are not drawn */
            while (len > 0 && out[len - 1] == ' ')
                out[--len] = '\0';
            return 1;
        }
        line = *end ? end + 1 : end;
    }
    return 0;
}

/* The last glyph of s (UTF-8). */
static const char *last_glyph(const char *s)
{
    const char *p = s + strlen(s);

    while (p > s) {
        p--;
        if (((unsigned char)*p & 0xC0) != 0x80)
            break;
    }
    return p;
}

/* A line with the marker ▶ followed (after blanks) by text. */
static int marked(const char *screen, const char *text)
{
    static const char mark[] = "▶";
    size_t len = strlen(screen), ml = strlen(mark);

    for (size_t i = 0; i + ml <= len; i++) {
        size_t j = i + ml;

        if (memcmp(screen + i, mark, ml) != 0)
            continue;
        while (screen[j] == ' ')
            j++;
        if (strncmp(screen + j, text, strlen(text)) == 0)
            return 1;
    }
    return 0;
}

static int state_named(const char *name)
{
    for (int s = 0; s < TS_COUNT; s++)
        if (strcmp(task_state_info[s].name, name) == 0)
            return s;
    return -1;
}

/* One check: NULL when it holds, else what the screen shows instead. */
static const char *check_one(struct app *a, const char *check,
                             const char *screen, char *why, size_t n)
{
    char label[16], arg[100], glyphs[1000];
    long long v;

    if (sscanf(check, "tick %lld", &v) == 1) {
        snprintf(why, n, "the page stops at tick %lld", (long long)a->cursor);
        return a->cursor == v ? NULL : why;
    }
    if (sscanf(check, "state %15s %99[^\n]", label, arg) == 2) {
        /* as its lane's label says it: the span at the cursor */
        int k = task_index(a, label), want = state_named(arg);
        const struct trace_span *sp;

        if (k < 0 || want < 0)
            return "no such task or state";
        sp = trace_span_at(a->tape->tr, k, a->cursor);
        snprintf(why, n, "%s is %s", label,
                 sp ? task_state_info[sp->state].name : "nowhere yet");
        return sp && sp->state == want ? NULL : why;
    }
    if (sscanf(check, "lane %15s ends %99s", label, arg) == 2 ||
        sscanf(check, "lane %15s has %99s", label, arg) == 2) {
        if (!lane_glyphs(a, screen, label, glyphs, sizeof(glyphs)))
            return "no such lane on the screen";
        snprintf(why, n, "lane %s is '%s'", label, glyphs);
        if (strstr(check, " ends "))
            return strcmp(last_glyph(glyphs), arg) == 0 ? NULL : why;
        return strstr(glyphs, arg) ? NULL : why;
    }
    if (sscanf(check, "marks %15s %lld", label, &v) == 2) {
        long long seen = 0;

        for (int k = 0; k < a->tape->tr->ntasks; k++) {
            if (!lane_glyphs(a, screen, a->tape->tr->labels[k], glyphs,
                             sizeof(glyphs)))
                return "a lane is not on the screen";
            for (const char *g = glyphs; (g = strstr(g, label)) != NULL; g++)
                seen++;
        }
        snprintf(why, n, "the lanes show %lld", seen);
        return seen == v ? NULL : why;
    }
    if (strncmp(check, "has ", 4) == 0)
        return strstr(screen, check + 4) ? NULL : "not on the screen";
    if (sscanf(check, "code %15s %99[^\n]", label, arg) == 2) {
        int k = task_index(a, label), was = a->sel, ok;
        char *s;

        if (k < 0)
            return "no such task";
        a->sel = k;
        s = screen_text(a);
        a->sel = was;
        ok = marked(s, arg);
        free(s);
        return ok ? NULL : "not the marked line or op";
    }
    return "a check this test does not know";
}

static int page_index(const struct lesson *L, const char *title)
{
    for (int p = 0; p < L->npages; p++)
        if (strcmp(L->pages[p].title, title) == 0)
            return p;
    return -1;
}

/* Opens the claim's page at w x h and runs its checks; with deny, each
 * check must fail instead (the checks themselves can fail). */
static void check_claim(const struct claim *c, int w, int h, int deny)
{
    struct progress *pg = xcalloc(1, sizeof(*pg));
    struct app a;
    struct strbuf err, path;
    int64_t clock = 0;
    int p = -1;

    sb_init(&err);
    sb_init(&path);
    sb_printf(&path, "lessons/%s.lesson", c->lesson);
    app_init(&a, pg);
    if (app_open(&a, path.s, 0, &err) == 0)
        p = page_index(a.L, c->page);
    app_done(&a);
    app_init(&a, pg);
    if (p < 0 || app_open(&a, path.s, p, &err) < 0) {
        printf("FAIL %s, page \"%s\" does not open: %s\n", c->lesson, c->page,
               err.s);
        test_failed++;
        goto out;
    }
    term_resize(w, h);
    app_resize(&a, w, h);
    driver_settle(&a, &clock);
    if (c->at_end) {
        app_key(&a, K_ESC);     /* the question aside: keys work */
        app_key(&a, K_END);
        driver_settle(&a, &clock);
    }
    for (size_t i = 0; i < TT_ARRAY_LEN(c->checks) && c->checks[i]; i++) {
        char *s = screen_text(&a), why[1200];
        const char *r = check_one(&a, c->checks[i], s, why, sizeof(why));

        if (deny) {
            printf("%s a false claim is caught: %s\n", r ? "ok" : "FAIL",
                   c->checks[i]);
            test_failed += r == NULL;
        } else if (r) {
            printf("FAIL %s \"%s\" %dx%d: the page says \"%s\"; '%s' fails: "
                   "%s\n%s", c->lesson, c->page, w, h, c->words, c->checks[i],
                   r, s);
            test_failed++;
        } else {
            printf("ok %s \"%s\" %dx%d: %s\n", c->lesson, c->page, w, h,
                   c->checks[i]);
        }
        free(s);
    }
out:
    app_done(&a);
    progress_free(pg);
    sb_done(&err);
    sb_done(&path);
}

/* Claims the screen denies: each check must fail. */
static const struct claim wrong = {
    "12-deadlock", "Who waits for whom", "(a claim the screen denies)",
    {"lane B ends █", "code B moved += 1", "state B running", "tick 3",
     "lane A has +", "has no such text anywhere"}, 0};

/* ---- one scale ------------------------------------------------------------ */

/* Every page of a lesson draws a tick as wide (the longest run fits), but
 * a page that stops before its run ends, which shows each tick up to its
 * stop (no column covers two ticks), and a page with its own @scale. */
static void test_one_scale(char **paths, int n, int w, int h)
{
    for (int i = 0; i < n; i++) {
        struct progress *pg = xcalloc(1, sizeof(*pg));
        struct app a;
        struct strbuf err;
        struct zoom lesson = {0, 0};
        int npages, bad = 0, early = 0;

        sb_init(&err);
        app_init(&a, pg);
        npages = app_open(&a, paths[i], 0, &err) < 0 ? 0 : a.L->npages;
        for (int p = 0; p < npages && !bad; p++) {
            int64_t clock = 0;
            struct zoom z;

            app_done(&a);
            app_init(&a, pg);
            app_open(&a, paths[i], p, &err);
            term_resize(w, h);
            app_resize(&a, w, h);
            driver_settle(&a, &clock);
            if (!a.tape && !a.ncmp)
                continue;
            z = app_zoom(&a);
            if (a.until >= 0 && a.until < app_span(&a)) {
                early++;
                if (z.ticks != 1 && !bad++)
                    printf("FAIL %s p%d %dx%d stops early at %lld but draws "
                           "%lld ticks a column\n", progress_key(paths[i]),
                           p + 1, w, h, (long long)a.until,
                           (long long)z.ticks);
                continue;
            }
            if (app_find_dir(app_page(&a), DIR_SCALE))
                continue;
            if (!lesson.cols)
                lesson = z;
            if ((z.cols != lesson.cols || z.ticks != lesson.ticks) && !bad++)
                printf("FAIL %s p%d %dx%d: %d/%lld, other pages %d/%lld "
                       "(columns/ticks)\n", progress_key(paths[i]), p + 1,
                       w, h, z.cols, (long long)z.ticks, lesson.cols,
                       (long long)lesson.ticks);
        }
        if (!bad)
            printf("ok %s %dx%d: one scale (%d early stops drawn tick by "
                   "tick)\n", progress_key(paths[i]), w, h, early);
        test_failed += bad > 0;
        app_done(&a);
        progress_free(pg);
        sb_done(&err);
    }
}

/* A page with @scale N fits N ticks across; the other pages keep the
 * lesson's scale (its longest run, 41 ticks here). */
static void test_scale_directive(void)
{
    static const char text[] =
        "lesson \"Scales\"\n"
        "def job(n):\n    compute(n)\n"
        "scene short:\n    mode sequential\n    run job(3) as A\n"
        "scene long:\n    mode sequential\n    run job(36) as A\n"
        "page \"Short\":\n    A short run.\n    @scene short\n"
        "page \"Long\":\n    A long run.\n    @scene long\n"
        "page \"Close up\":\n    The short run, close up.\n"
        "    @scene short\n    @scale 10\n";
    struct zoom z[3];

    for (int p = 0; p < 3; p++) {
        struct progress *pg = xcalloc(1, sizeof(*pg));
        struct diag d;
        struct lesson *L;
        struct app a;
        int64_t clock = 0;

        diag_init(&d);
        L = lesson_from_text("scales.lesson", text, &d);
        if (!L) {
            printf("FAIL scales.lesson:\n%s", d.text.s);
            test_failed++;
            diag_done(&d);
            progress_free(pg);
            return;
        }
        diag_done(&d);
        app_init(&a, pg);
        app_open_lesson(&a, L, "scales.lesson", p);
        term_resize(80, 24);
        app_resize(&a, 80, 24);
        driver_settle(&a, &clock);
        z[p] = app_zoom(&a);
        app_done(&a);
        progress_free(pg);
    }
    /* 80 columns leave 73 for the axis: 42 ticks fit at 1 column a tick,
     * 11 at 4 columns a tick. */
    CHECK(z[0].cols == 1 && z[0].ticks == 1);
    CHECK(z[1].cols == z[0].cols && z[1].ticks == z[0].ticks);
    CHECK_EQ(z[2].cols, 4);
}

/* ---- pages of text alone --------------------------------------------------- */

/* A page without @scene goes on with the previous page's scene only when a
 * directive of its own needs it; text alone shows no timeline (the one left
 * from the page before would be frozen where it was, and unexplained). */
static void test_text_pages(void)
{
    static const char text[] =
        "lesson \"Text pages\"\n"
        "def job(n):\n    compute(n)\n"
        "scene s:\n    mode sequential\n    run job(9) as A\n"
        "page \"Run\":\n    It runs.\n    @scene s\n    @until tick 3\n"
        "page \"On\":\n    It goes on.\n    @until end\n"
        "page \"Words\":\n    What it means, in words.\n"
        "page \"Opinion\":\n    Your view.\n    @ask \"Nice?\" yes\n";
    static const struct { int scene; const char *shows; } want[] = {
        {1, "scene s"}, {1, "scene s"}, {0, "page 3/4"}, {0, "page 4/4"},
    };

    for (int p = 0; p < 4; p++) {
        struct progress *pg = xcalloc(1, sizeof(*pg));
        struct diag d;
        struct lesson *L;
        struct app a;
        int64_t clock = 0;
        char *scr;

        diag_init(&d);
        L = lesson_from_text("text.lesson", text, &d);
        if (!L) {
            printf("FAIL text.lesson:\n%s", d.text.s);
            test_failed++;
            diag_done(&d);
            progress_free(pg);
            return;
        }
        diag_done(&d);
        app_init(&a, pg);
        app_open_lesson(&a, L, "text.lesson", p);
        term_resize(80, 24);
        app_resize(&a, 80, 24);
        driver_settle(&a, &clock);
        scr = screen_text(&a);
        if ((a.tape != NULL) != want[p].scene || !strstr(scr, want[p].shows) ||
            (!want[p].scene && strstr(scr, "scene s"))) {
            printf("FAIL text.lesson page %d: %s\n%s", p + 1, want[p].scene ?
                   "goes on with the scene" : "is text alone", scr);
            test_failed++;
        } else {
            printf("ok text.lesson page %d %s\n", p + 1, want[p].scene ?
                   "goes on with the scene" : "is text alone");
        }
        if (p == 1)
            CHECK(a.cursor == app_run_end(&a) && a.cursor > 3);
        free(scr);
        app_done(&a);
        progress_free(pg);
    }
}

/* ---- a schedule chosen in the explorer ----------------------------------- */

/* On lesson 3's explorer page the explanation of "the smallest x" walks
 * through the schedule that ends in x = 2: it stays under the question when
 * the run follows that schedule, and gives way to a note under another. */
static void test_witness_explain(void)
{
    struct progress *pg = xcalloc(1, sizeof(*pg));
    struct app a;
    struct strbuf err;
    int64_t clock = 0;
    int p, low = -1, high = -1;
    const struct directive *ex = NULL, *ask = NULL;
    char start[24];

    sb_init(&err);
    app_init(&a, pg);
    if (app_open(&a, "lessons/03-race.lesson", 0, &err) < 0 ||
        (p = page_index(a.L, "What else could happen?")) < 0) {
        printf("FAIL lesson 3's explorer page does not open: %s\n", err.s);
        test_failed++;
        goto out;
    }
    app_done(&a);
    app_init(&a, pg);
    app_open(&a, "lessons/03-race.lesson", p, &err);
    ask = app_find_dir(app_page(&a), DIR_ASK);
    ex = app_find_dir(app_page(&a), DIR_EXPLAIN);
    CHECK(ask && ex && ask->about == ASK_MIN);
    if (!ask || !ex)
        goto out;
    snprintf(start, sizeof(start), "%.20s", ex->text);
    term_resize(120, 40);
    app_resize(&a, 120, 40);
    for (const char *c = ask->answer; *c; c++)
        app_key(&a, (unsigned char)*c);
    app_key(&a, K_ENTER);
    driver_settle(&a, &clock);
    CHECK(a.ex != NULL);
    if (!a.ex)
        goto out;
    for (int i = 0; i < a.ex->noutcomes; i++) {
        int g = lesson_find_shared(a.L, ask->about_name);

        if (a.ex->outcomes[i].final[g] == ask->answer_int)
            low = i;
        else if (a.ex->outcomes[i].status == TRACE_OK)
            high = i;
    }
    CHECK(low >= 0 && high >= 0);
    for (int k = 0; k < 2 && low >= 0 && high >= 0; k++) {
        char *scr;

        a.ex_sel = k == 0 ? high : low;
        act_run_outcome(&a, K_ENTER);
        driver_settle(&a, &clock);
        scr = screen_text(&a);
        if (k == 0 && (strstr(scr, start) || !strstr(scr, "the explanation "
                                                     "describes another run")))
            printf("FAIL a schedule that does not end in the answer keeps "
                   "the explanation:\n%s", scr), test_failed++;
        else if (k == 1 && !strstr(scr, start))
            printf("FAIL the schedule the explanation walks through lost "
                   "it:\n%s", scr), test_failed++;
        else
            printf("ok the explanation %s under a schedule ending in %s\n",
                   k ? "stays" : "gives way", k ? "the answer" : "another x");
        free(scr);
    }
out:
    app_done(&a);
    progress_free(pg);
    sb_done(&err);
}

int main(void)
{
    struct term_opts o = {1, 80, 24, 0, 0};
    struct strbuf err;
    char **paths;
    int n = lessons_list(&paths);
    static const int sizes[][2] = {{80, 24}, {120, 40}};

    CHECK(n > 0);
    test_model(paths, n);
    sb_init(&err);
    if (term_start(&o, &err) < 0) {
        printf("FAIL no headless screen: %s\n", err.s);
        return 1;
    }
    for (size_t s = 0; s < TT_ARRAY_LEN(sizes); s++)
        test_one_scale(paths, n, sizes[s][0], sizes[s][1]);
    test_scale_directive();
    test_text_pages();
    test_witness_explain();
    lessons_list_free(paths, n);
    for (size_t i = 0; i < TT_ARRAY_LEN(claims); i++)
        for (size_t s = 0; s < TT_ARRAY_LEN(sizes); s++)
            check_claim(&claims[i], sizes[s][0], sizes[s][1], 0);
    check_claim(&wrong, 80, 24, 1);
    term_stop();
    sb_done(&err);
    return TEST_DONE();
}
