/* app_page.c - lesson pages and playback: opening a page, the clock,
 * stepping, switches, pages, speed, focus and the timeline's view. */
#include "ui/app_impl.h"

#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "lessons.h"
#include "program.h"
#include "svg.h"

enum {
    FRAME_MS = 33,          /* at most ~30 frames a second */
    RUN_TO_STOP_MS = 3000,  /* opening a page plays to its stop this fast */
};

/* ---- closing ------------------------------------------------------------ */

void app_close_page(struct app *a)
{
    job_stop(&a->job);
    if (a->ex)
        explore_free(a->ex);
    a->ex = NULL;
    a->ex_open = 0;
    a->ex_sel = 0;
    a->witness = -1;
    app_clear_real(a);
    a->view = VIEW_SIM;
    a->job_note[0] = '\0';
    tape_free(a->tape);
    a->tape = NULL;
    for (int i = 0; i < a->ncmp; i++)
        tape_free(a->cmp[i]);
    free(a->cmp);
    a->cmp = NULL;
    a->ncmp = 0;
    a->compare = NULL;
    a->playing = 0;
    a->manual = 0;
    a->goal = NULL;
    a->goal_solved = 0;
    a->prompt = 0;
    a->ninput = 0;
    a->input[0] = '\0';
}

void app_close_lesson(struct app *a)
{
    app_close_page(a);
    free(a->asks);
    a->asks = NULL;
    lesson_free(a->L);
    a->L = NULL;
    free(a->path);
    a->path = NULL;
}

/* ---- opening pages ------------------------------------------------------ */

static struct tape *load_scene(const struct lesson *L, int scene)
{
    const struct scene *sc = &L->scenes[scene];
    struct schedule sch;
    struct tape *tp;
    int has = 0;

    if (sc->cfg.schedule) {
        struct strbuf err;
        int off;

        sb_init(&err);
        has = scene_schedule_parse(sc, sc->cfg.schedule, &sch, &off, &err) == 0;
        sb_done(&err);
    }
    tp = tape_new(L, scene, &sc->cfg, has ? &sch : NULL);
    if (has)
        schedule_done(&sch);
    return tp;
}

/* The scene a page shows: the one its @scene names, or the previous
 * page's when one of its directives runs or asks about a scene (@until,
 * an @ask about the run, @explore, @real...).  A page with neither is text
 * alone: the previous page's timeline, frozen where it was, would be a
 * picture the text does not speak of.  -1 when there is none. */
int app_page_scene(const struct lesson *L, int p)
{
    const struct page *pg = &L->pages[p];

    if (pg->scene < 0 || app_find_dir(pg, DIR_SCENE))
        return pg->scene;
    for (int k = 0; k < pg->ndirs; k++) {
        const struct directive *dv = &pg->dirs[k];

        switch (dv->kind) {
        case DIR_EXPLAIN:
        case DIR_SCALE:
        case DIR_MEASURE:
            break;
        case DIR_ASK:
            if (dv->about != ASK_NONE)
                return pg->scene;
            break;
        default:
            return pg->scene;
        }
    }
    return -1;
}

/* The page opens where the previous one stopped when it goes on with the
 * same scene (no @scene of its own), else at tick 0. */
static int64_t page_start(struct app *a, int p)
{
    const struct lesson *L = a->L;
    int q = p;
    int64_t start = 0;

    while (q > 0 && !app_find_dir(&L->pages[q], DIR_SCENE) &&
           !app_find_dir(&L->pages[q], DIR_COMPARE) &&
           !app_find_dir(&L->pages[q - 1], DIR_COMPARE) &&
           L->pages[q - 1].scene == L->pages[q].scene)
        q--;
    for (int i = q; i < p; i++) {
        const struct directive *u = app_find_dir(&L->pages[i], DIR_UNTIL);

        if (u)
            start = tape_until(a->tape, u, start);
    }
    return start;
}

static int default_speed(int64_t span)
{
    int i = 2;

    while (i + 1 < app_nspeeds && app_speeds[i] * 8 < span)
        i++;
    return i;
}

void app_open_page(struct app *a, int p)
{
    const struct page *pg;
    const struct directive *u;

    app_close_page(a);
    if (p < 0)
        p = 0;
    if (p >= a->L->npages)
        p = a->L->npages - 1;
    a->page = p;
    pg = &a->L->pages[p];
    progress_see(a->progress, a->key, p);
    progress_save(a->progress);
    a->text_scroll = a->code_scroll = a->log_scroll = 0;
    a->sel = -1;
    a->zoom_set = 0;
    a->focus_auto = 1;
    a->focus = FOCUS_TIMELINE;
    a->view_t0 = 0;
    a->cursor = 0;
    a->last_ts = -1;
    a->until = -1;
    a->msg[0] = '\0';
    a->compare = app_find_dir(pg, DIR_COMPARE);
    if (a->compare) {
        a->ncmp = a->compare->nscenes;
        a->cmp = xcalloc((size_t)a->ncmp, sizeof(*a->cmp));
        for (int i = 0; i < a->ncmp; i++)
            a->cmp[i] = load_scene(a->L, a->compare->scenes[i]);
        a->until = app_run_end(a);
    } else if (app_page_scene(a->L, p) >= 0) {
        a->tape = load_scene(a->L, pg->scene);
        a->cursor = page_start(a, p);
        u = app_find_dir(pg, DIR_UNTIL);
        if (u)
            a->until = tape_until(a->tape, u, a->cursor);
    }
    a->stop = a->until >= 0 ? a->until : app_run_end(a);
    u = app_find_dir(pg, DIR_SCALE);
    a->scale_span = u ? u->n : a->lesson_span;
    if (!a->speed_set)
        a->speed = default_speed(app_run_end(a));
    if (!a->real_runs_set)
        a->real_runs = 20;
    if (a->tape) {
        const struct directive *dv = app_find_dir(pg, DIR_REAL);

        if (dv && dv->n > 0 && !a->real_runs_set)
            a->real_runs = (int)dv->n;
        /* While a question waits, r does too: say nothing of it yet. */
        if (dv && app_pending_ask(a, NULL))
            ;
        else if (dv && dv->python && !app_find_dir(pg, DIR_MEASURE))
            app_say(a, "r runs this scene here: %d time%s on the tool's "
                    "threads, %d in your %s", a->real_runs,
                    a->real_runs == 1 ? "" : "s", a->real_runs, app_python());
        else if (dv && !app_find_dir(pg, DIR_MEASURE))
            app_say(a, "r runs this scene for real on this machine (%d run%s); "
                    "v then shows it next to the simulation", a->real_runs,
                    a->real_runs == 1 ? "" : "s");
        if ((dv = app_find_dir(pg, DIR_EXPLORE)) != NULL)
            app_start_explore(a, (int)dv->n, !app_pending_ask(a, NULL));
    }
    if (app_find_dir(pg, DIR_MEASURE) && !a->have_costs)
        app_say(a, "r measures what switching costs on this machine");
    if (a->focus == FOCUS_CODE && !a->tape)
        a->focus = FOCUS_TIMELINE;
    app_fit_zoom(a);
    app_follow_view(a);
    a->ask_aside = 0;
    if (pg->goal && a->tape)
        app_goal_open(a);           /* a puzzle: the student schedules */
    else if (app_pending_ask(a, NULL))
        a->prompt = PROMPT_ANSWER;  /* what is typed now is the prediction */
    else if (app_has_run(a) && a->until > a->cursor && a->open_paused)
        app_say(a, "paused at the page's start · space plays to where it "
                "stops (tick %lld)", (long long)a->until);
    else if (app_has_run(a) && a->until > a->cursor)
        app_play_to(a, a->until, !a->speed_set);
}

int app_open(struct app *a, const char *path, int page, struct strbuf *err)
{
    struct diag d;
    struct lesson *L;

    diag_init(&d);
    L = lesson_load(path, &d);
    if (!L) {
        sb_puts(err, d.text.s ? d.text.s : "cannot read the lesson\n");
        diag_done(&d);
        return -1;
    }
    diag_done(&d);
    if (L->npages == 0) {
        sb_printf(err, "%s: error: this lesson has no pages to show (try "
                  "'taketurns run %s')\n", path, path);
        lesson_free(L);
        return -1;
    }
    app_open_lesson(a, L, path, page);
    return 0;
}

/* The longest run that a page of the lesson shows (its scene, or the
 * scenes it compares): the lesson's one scale fits it. */
static int64_t lesson_span(const struct lesson *L)
{
    int64_t span = 0;
    char *seen = xcalloc((size_t)L->nscenes + 1, 1);

    for (int p = 0; p < L->npages; p++) {
        const struct page *pg = &L->pages[p];
        const struct directive *cmp = app_find_dir(pg, DIR_COMPARE);
        int n = cmp ? cmp->nscenes : app_page_scene(L, p) >= 0;

        for (int i = 0; i < n; i++) {
            int sc = cmp ? cmp->scenes[i] : pg->scene;
            struct tape *tp;

            if (seen[sc])
                continue;
            seen[sc] = 1;
            tp = load_scene(L, sc);
            if (tp->end > span)
                span = tp->end;
            tape_free(tp);
        }
    }
    free(seen);
    return span;
}

void app_open_lesson(struct app *a, struct lesson *L, const char *path,
                     int page)
{
    int nd = 0;

    app_close_lesson(a);
    a->L = L;
    a->lesson_span = lesson_span(L);
    a->path = xstrdup(path);
    a->key = progress_key(a->path);
    snprintf(a->last_key, sizeof(a->last_key), "%s", a->key);
    for (int i = 0; i < L->npages; i++)
        nd += L->pages[i].ndirs;
    a->asks = xcalloc((size_t)(nd ? nd : 1), sizeof(*a->asks));
    a->screen = SCREEN_LESSON;
    a->help = 0;
    app_open_page(a, page);
}

/* ---- who is shown ------------------------------------------------------- */

int app_shown_task(struct app *a)
{
    const struct trace *tr;
    size_t k;

    if (!a->tape)
        return -1;
    tr = a->tape->tr;
    if (a->sel >= 0 && a->sel < tr->ntasks)
        return a->sel;
    /* Follow the task that ran the last tick (the effect of its op is
     * what a step shows), unless it has just finished while another one
     * runs. */
    if (a->cursor > 0)
        for (int cpu = 0; cpu < tr->ncpus; cpu++) {
            int t = tape_on_cpu(a->tape, cpu, a->cursor - 1);
            const struct trace_span *sp;

            if (t < 0)
                continue;
            sp = trace_span_at(tr, t, a->cursor);
            if (!sp || (sp->state != TS_DONE && sp->state != TS_FAILED))
                return t;
            break;
        }
    k = trace_op_seek(tr, a->cursor);
    for (int cpu = 0; cpu < tr->ncpus; cpu++) {
        int t = tape_on_cpu(a->tape, cpu, a->cursor);

        if (t >= 0)
            return t;
    }
    return k > 0 ? trace_op_task(tr, k - 1) : 0;
}

/* ---- playing ------------------------------------------------------------ */

/* Play from the cursor to target; boost: get there within a few seconds
 * (when the student has not chosen a speed). */
void app_play_to(struct app *a, int64_t target, int boost)
{
    int64_t dist = target - a->cursor;

    if (dist <= 0)
        return;
    a->stop = target;
    a->playing = 1;
    a->last_ms = a->now_ms;
    a->carry = 0;
    a->boost = 0;
    if (boost && dist * 1000 / app_speeds[a->speed] > RUN_TO_STOP_MS)
        a->boost = dist * 1000 / RUN_TO_STOP_MS + 1;
}

void app_pause(struct app *a)
{
    a->playing = 0;
    a->boost = 0;
}

void app_set_cursor(struct app *a, int64_t t)
{
    int64_t end = app_run_end(a);

    if (t < 0)
        t = 0;
    if (t > end)
        t = end;
    if (t != a->cursor) {
        a->last_ts = a->cursor;
        a->log_scroll = 0;
        a->code_scroll = 0;
    }
    a->cursor = t;
    app_follow_view(a);
    app_goal_check(a);
}

void app_reached(struct app *a)
{
    int64_t end = app_run_end(a);

    app_pause(a);
    if (a->cursor >= end && (!a->tape || tape_finished(a->tape))) {
        if (a->page + 1 < a->L->npages)
            app_say(a, "the run is over at tick %lld · Home replays · PgDn: "
                    "next page", (long long)a->cursor);
        else
            app_say(a, "the run is over at tick %lld · Home replays · this "
                    "is the last page", (long long)a->cursor);
    } else if (a->cursor == a->until) {
        app_say(a, "paused where this page stops (tick %lld) · space plays "
                "on · → steps", (long long)a->cursor);
    } else {
        app_say(a, "paused at tick %lld", (long long)a->cursor);
    }
}

int act_play(struct app *a, int key)
{
    int64_t end = app_run_end(a);

    (void)key;
    if (!app_has_run(a)) {
        app_say(a, "this page has no scene to play");
        return 1;
    }
    if (a->playing) {
        app_pause(a);
        app_say(a, "paused at tick %lld", (long long)a->cursor);
        return 1;
    }
    if (a->manual) {
        if (a->cursor < a->tape->end) {
            app_play_to(a, a->tape->end, 0);
            return 1;
        }
        app_say_choices(a);
        return 1;
    }
    if (a->cursor >= end)
        app_set_cursor(a, 0);
    app_reveal_explore(a);  /* playing on skips the question */
    app_play_to(a, a->until > a->cursor ? a->until : end, 0);
    a->msg[0] = '\0';
    return 1;
}

void app_tick(struct app *a, int64_t now_ms)
{
    int64_t dt, n, rate;

    a->now_ms = now_ms;
    if (job_busy(&a->job))
        app_collect_job(a);
    if (!a->playing)
        return;
    dt = now_ms - a->last_ms;
    if (dt < 0)
        dt = 0;
    a->last_ms = now_ms;
    rate = a->boost ? a->boost : app_speeds[a->speed];
    a->carry += (double)dt * (double)rate / 1000.0;
    n = (int64_t)a->carry;
    a->carry -= (double)n;
    if (n <= 0)
        return;
    if (a->cursor + n >= a->stop) {
        app_set_cursor(a, a->stop);
        app_reached(a);
    } else {
        app_set_cursor(a, a->cursor + n);
    }
}

int64_t app_timeout(const struct app *a, int64_t now_ms)
{
    int64_t rate, frame, due;

    if (!a->playing)
        return job_busy(&a->job) ? 100 : -1;   /* to show progress */
    rate = a->boost ? a->boost : app_speeds[a->speed];
    frame = 1000 / rate;
    if (frame < FRAME_MS)
        frame = FRAME_MS;
    due = a->last_ms + frame - now_ms;
    return due > 0 ? due : 0;
}

int app_idle(const struct app *a)
{
    return !a->playing && !job_busy(&a->job);
}

/* ---- moving the cursor -------------------------------------------------- */

int act_step_forward(struct app *a, int key)
{
    int64_t t = a->cursor;

    (void)key;
    app_pause(a);
    if (a->manual) {
        app_manual_forward(a);
        return 1;
    }
    if (a->tape) {
        if (t >= a->tape->end) {
            app_reached(a);
            return 1;
        }
        app_set_cursor(a, tape_step_forward(a->tape, t));
        if (a->cursor > t + 1)
            app_say(a, "nothing runs from tick %lld to %lld: every task waits",
                    (long long)t, (long long)a->cursor);
        else if (a->cursor >= a->tape->end)
            app_reached(a);
    } else if (a->ncmp) {
        if (t >= app_run_end(a))
            app_reached(a);
        else
            app_set_cursor(a, t + 1);
    }
    return 1;
}

int act_step_back(struct app *a, int key)
{
    int64_t t = a->cursor;

    (void)key;
    app_pause(a);
    if (t == 0) {
        app_say(a, "this is the start of the run");
        return 1;
    }
    if (a->tape)
        app_set_cursor(a, tape_step_back(a->tape, t));
    else
        app_set_cursor(a, t - 1);
    if (a->manual)
        app_say_choices(a);
    return 1;
}

static void jump_switch(struct app *a, int dir)
{
    int64_t c;

    app_pause(a);
    if (!a->tape) {
        app_say(a, "n and N jump between switches of a single scene");
        return;
    }
    c = dir > 0 ? tape_next_switch(a->tape, a->cursor, TAPE_ANY_SWITCH) :
                  tape_prev_switch(a->tape, a->cursor, TAPE_ANY_SWITCH);
    if (c < 0) {
        app_say(a, dir > 0 ? "no more switches after tick %lld" :
                "no switch before tick %lld", (long long)a->cursor);
        return;
    }
    app_set_cursor(a, c);
}

int act_next_switch(struct app *a, int key)
{
    (void)key;
    jump_switch(a, 1);
    return 1;
}

int act_prev_switch(struct app *a, int key)
{
    (void)key;
    jump_switch(a, -1);
    return 1;
}

int act_start(struct app *a, int key)
{
    (void)key;
    app_pause(a);
    app_set_cursor(a, 0);
    return 1;
}

int act_end(struct app *a, int key)
{
    (void)key;
    app_pause(a);
    app_set_cursor(a, app_run_end(a));
    if (a->manual)
        app_say_choices(a);
    return 1;
}

/* ---- pages and speed ---------------------------------------------------- */

/* The lesson after this one in the lesson directory, or NULL. */
static char *next_lesson(const struct app *a)
{
    char **paths, *next = NULL;
    int n = lessons_list(&paths);

    for (int i = 0; i + 1 < n; i++)
        if (strcmp(progress_key(paths[i]), a->key) == 0) {
            next = xstrdup(paths[i + 1]);
            break;
        }
    lessons_list_free(paths, n);
    return next;
}

static void go_page(struct app *a, int dir)
{
    int p = a->page + dir;
    char *next;

    if (p < 0) {
        app_say(a, "this is the first page");
        return;
    }
    if (p >= a->L->npages && (next = next_lesson(a)) != NULL) {
        /* On to the next lesson, as a class goes on. */
        struct strbuf err;

        sb_init(&err);
        if (app_open(a, next, 0, &err) < 0)
            app_complain(a, "%.*s", (int)strcspn(err.s, "\n"), err.s);
        else if (!a->msg[0])
            app_say(a, "on to the next lesson: %s", a->L->title);
        sb_done(&err);
        free(next);
        return;
    }
    if (p >= a->L->npages) {
        app_say(a, "this is the last page of the last lesson%s",
                a->from_picker ? " · Esc: the list of lessons" : "");
        return;
    }
    app_open_page(a, p);
}

/* g: type a page's number, then Enter. */
int act_goto_page(struct app *a, int key)
{
    (void)key;
    a->prompt = PROMPT_PAGE;
    a->ninput = 0;
    a->input[0] = '\0';
    return 1;
}

void app_goto_page(struct app *a, const char *text)
{
    int64_t n;

    if (parse_int64(text, &n) < 0 || n < 1 || n > a->L->npages) {
        app_complain(a, "no page '%s': pages are 1-%d", text, a->L->npages);
        return;
    }
    app_open_page(a, (int)n - 1);
}

/* p: pages open paused at their start, or play to where they stop. */
int act_open_paused(struct app *a, int key)
{
    (void)key;
    a->open_paused = !a->open_paused;
    app_say(a, a->open_paused ? "pages now open paused at their start · "
            "space plays" : "pages now play to where they stop when opened");
    return 1;
}

int act_present(struct app *a, int key)
{
    (void)key;
    a->present = !a->present;
    app_say(a, a->present ? "presenter layout: big lanes, no dim text · b "
            "again for the usual one" : "the usual layout");
    return 1;
}

/* The timeline as shown (its ticks, zoom and cursor) as an SVG picture,
 * in LESSON-pPAGE-tTICK.svg in the current directory. */
int act_write_svg(struct app *a, int key)
{
    struct svg_run runs[LESSON_MAX_TASKS];
    struct svg_view v;
    struct strbuf path, err;
    int n = 0;
    size_t klen = strlen(a->key);

    (void)key;
    if (a->tape)
        runs[n++] = (struct svg_run){a->L, a->tape->scene, &a->tape->cfg,
                                     a->tape->tr, a->cursor + 1};
    for (int i = 0; i < a->ncmp && n < (int)TT_ARRAY_LEN(runs); i++)
        runs[n++] = (struct svg_run){a->L, a->cmp[i]->scene, &a->cmp[i]->cfg,
                                     a->cmp[i]->tr,
                                     (a->cursor < a->cmp[i]->end ? a->cursor :
                                      a->cmp[i]->end) + 1};
    if (n == 0)
        return 0;
    v.t0 = a->view_t0;
    v.per = a->zoom.ticks;
    v.col_px = SVG_COL_PX * a->zoom.cols;
    v.cols = app_lane_width(a) / a->zoom.cols;
    v.cursor = a->cursor;
    if (klen > 7 && strcmp(a->key + klen - 7, ".lesson") == 0)
        klen -= 7;
    sb_init(&path);
    sb_init(&err);
    sb_printf(&path, "%.*s-p%d-t%lld.svg", (int)klen, a->key, a->page + 1,
              (long long)a->cursor);
    if (svg_write_file(path.s, &v, runs, n, &err) < 0)
        app_complain(a, "%s", err.s);
    else
        app_say(a, "wrote %s: the timeline as shown, as an SVG picture",
                path.s);
    sb_done(&path);
    sb_done(&err);
    return 1;
}

int act_page_next(struct app *a, int key)
{
    (void)key;
    go_page(a, 1);
    return 1;
}

int act_page_prev(struct app *a, int key)
{
    (void)key;
    go_page(a, -1);
    return 1;
}

static void change_speed(struct app *a, int dir)
{
    int s = a->speed + dir;

    if (s < 0 || s >= app_nspeeds) {
        app_say(a, "speed %d ticks/s is the %s", app_speeds[a->speed],
                dir > 0 ? "fastest" : "slowest");
        return;
    }
    a->speed = s;
    a->speed_set = 1;   /* kept from page to page, and for next time */
    a->boost = 0;
    app_say(a, "speed %d tick%s a second", app_speeds[s],
            app_speeds[s] == 1 ? "" : "s");
}

int act_faster(struct app *a, int key)
{
    (void)key;
    change_speed(a, 1);
    return 1;
}

int act_slower(struct app *a, int key)
{
    (void)key;
    change_speed(a, -1);
    return 1;
}

/* ---- the timeline's view ------------------------------------------------ */

static void scroll_view(struct app *a, int dir)
{
    int64_t vis = app_visible_ticks(a), t0 = a->view_t0 + dir * (vis / 2);
    int64_t span = app_span(a);

    if (t0 > span - vis / 2)
        t0 = span - vis / 2;
    if (t0 < 0)
        t0 = 0;
    a->view_t0 = t0 / a->zoom.ticks * a->zoom.ticks;
}

int act_scroll_left(struct app *a, int key)
{
    (void)key;
    scroll_view(a, -1);
    return 1;
}

int act_scroll_right(struct app *a, int key)
{
    (void)key;
    scroll_view(a, 1);
    return 1;
}

int act_zoom_in(struct app *a, int key)
{
    (void)key;
    app_change_zoom(a, -1);
    return 1;
}

int act_zoom_out(struct app *a, int key)
{
    (void)key;
    app_change_zoom(a, 1);
    return 1;
}

/* ---- focus -------------------------------------------------------------- */

static void move_in_focus(struct app *a, int dir)
{
    int n = a->tape ? a->tape->tr->ntasks : 0;

    switch (a->focus) {
    case FOCUS_TEXT:
        a->text_scroll += dir;
        if (a->text_scroll < 0)
            a->text_scroll = 0;
        break;
    case FOCUS_TIMELINE:
        if (!n)
            break;
        a->sel += dir;
        if (a->sel < -1)
            a->sel = n - 1;
        if (a->sel >= n)
            a->sel = -1;
        if (a->sel < 0)
            app_say(a, "the code panel follows the task that runs");
        else
            app_say(a, "the code panel shows %s (↑ above the first lane: "
                    "follow who runs)", app_label(a, a->sel));
        break;
    case FOCUS_CODE:
        a->code_scroll += dir;
        break;
    case FOCUS_LOG:
        if (a->ex_open && a->ex) {
            a->ex_sel += dir;
            if (a->ex_sel < 0)
                a->ex_sel = 0;
            if (a->ex_sel >= a->ex->noutcomes)
                a->ex_sel = a->ex->noutcomes - 1;
            break;
        }
        a->log_scroll -= dir;
        if (a->log_scroll < 0)
            a->log_scroll = 0;
        break;
    }
}

int act_move_up(struct app *a, int key)
{
    (void)key;
    move_in_focus(a, -1);
    return 1;
}

int act_move_down(struct app *a, int key)
{
    (void)key;
    move_in_focus(a, 1);
    return 1;
}

static const char *const focus_names[FOCUS_COUNT] = {
    "the text (↑↓ scroll it)", "the timeline (↑↓ choose whose code is shown)",
    "the code (↑↓ scroll it)", "the event log (↑↓ scroll back)",
};

static void next_focus(struct app *a, int dir)
{
    a->focus_auto = 0;
    do
        a->focus = (a->focus + dir + FOCUS_COUNT) % FOCUS_COUNT;
    while (!a->tape && (a->focus == FOCUS_CODE || a->focus == FOCUS_LOG));
    if (a->focus == FOCUS_LOG && a->ex_open)
        app_say(a, "focus: the outcomes (↑↓ choose one, Enter runs it)");
    else
        app_say(a, "focus: %s", focus_names[a->focus]);
}

int act_focus_next(struct app *a, int key)
{
    (void)key;
    next_focus(a, 1);
    return 1;
}

int act_focus_prev(struct app *a, int key)
{
    (void)key;
    next_focus(a, -1);
    return 1;
}

/* Esc: close the outcomes, else back to the list of lessons. */
int act_back(struct app *a, int key)
{
    (void)key;
    if (a->ex_open) {
        a->ex_open = 0;
        return 1;
    }
    if (a->from_picker) {
        app_close_lesson(a);
        a->screen = SCREEN_PICKER;
    }
    return 1;
}

/* ---- the mouse ---------------------------------------------------------- */

void app_click(struct app *a, int x, int y)
{
    if (a->help) {
        a->help = 0;
        return;
    }
    if (a->screen != SCREEN_LESSON || a->prompt)
        return;
    for (int i = 0; i < a->nhits; i++) {
        const struct app_hit *h = &a->hits[i];
        int64_t t;

        if (h->y != y || x < h->x0 || x >= h->x1)
            continue;
        t = a->view_t0 + (int64_t)((x - h->x0) / a->zoom.cols) * a->zoom.ticks;
        app_pause(a);
        app_set_cursor(a, t);
        if (h->task >= 0)
            a->sel = h->task;
        a->msg[0] = '\0';
        return;
    }
}
