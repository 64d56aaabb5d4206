/* app.c - the TUI's state machine: pages, playback, keys (see app.h). */
#include "ui/app.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "diag.h"
#include "program.h"
#include "ui/keys.h"

/* Ticks per second.  The default is chosen per page so that the whole run
 * plays in about eight seconds. */
const int app_speeds[] = {1, 2, 4, 8, 15, 30, 60, 125, 250, 500, 1000, 4000};
const int app_nspeeds = (int)TT_ARRAY_LEN(app_speeds);

enum {
    FRAME_MS = 33,          /* at most ~30 frames a second */
    RUN_TO_STOP_MS = 3000,  /* opening a page plays to its stop this fast */
};

/* ---- small helpers ------------------------------------------------------ */

static void say(struct app *a, const char *fmt, ...) TT_PRINTF(2, 3);

static void say(struct app *a, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof(a->msg), fmt, ap);
    va_end(ap);
    a->msg_bad = 0;
}

static void complain(struct app *a, const char *fmt, ...) TT_PRINTF(2, 3);

static void complain(struct app *a, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof(a->msg), fmt, ap);
    va_end(ap);
    a->msg_bad = 1;
}

const struct page *app_page(const struct app *a)
{
    return a->L && a->page >= 0 && a->page < a->L->npages ?
           &a->L->pages[a->page] : NULL;
}

static const char *label(const struct app *a, int t)
{
    return a->tape ? a->tape->tr->labels[t] : "?";
}

static int64_t run_end(const struct app *a)
{
    int64_t end = 0;

    if (a->tape)
        return a->tape->end;
    for (int i = 0; i < a->ncmp; i++)
        if (a->cmp[i]->end > end)
            end = a->cmp[i]->end;
    return end;
}

static int has_run(const struct app *a)
{
    return a->tape || a->ncmp > 0;
}

/* ---- layout facts shared with the view ---------------------------------- */

/* The timeline's columns: labels, then the time axis, then (on wide
 * screens) each lane's state or each compared scene's makespan. */
static void lane_geometry(const struct app *a, int *label, int *axis)
{
    int state = 0;

    *label = 6;
    if (a->ncmp > 0) {
        int cap = a->width >= 100 ? 26 : 20;

        *label = 8;
        for (int i = 0; i < a->ncmp; i++) {
            int n = (int)strlen(a->L->scenes[a->cmp[i]->scene].name) + 2;

            if (n > *label)
                *label = n;
        }
        if (*label > cap)
            *label = cap;
        state = 12;     /* " 168 ticks" after the bars */
    } else if (a->tape) {
        for (int t = 0; t < a->tape->tr->ntasks; t++) {
            int n = (int)strlen(a->tape->tr->labels[t]) + 2;

            if (n > *label)
                *label = n;
        }
        if (a->width >= 110)
            state = 22;
    }
    *axis = a->width - *label - state - 1;
    if (*axis < 10)
        *axis = 10;
}

int app_lane_width(const struct app *a)
{
    int label, axis;

    lane_geometry(a, &label, &axis);
    return axis;
}

int app_lane_x0(const struct app *a)
{
    int label, axis;

    lane_geometry(a, &label, &axis);
    return label;
}

int64_t app_span(const struct app *a)
{
    int64_t end = run_end(a);

    return end > a->cursor ? end : a->cursor;
}

struct zoom app_zoom(const struct app *a)
{
    return a->zoom;
}

/* Zoom levels, most zoomed in first: 4, 3, 2 columns a tick, then 1, 2,
 * 3, 4, 5, 6, 8 ... ticks a column. */
enum { ZOOM_LEVELS = 3 + 12 * 7 };

static struct zoom zoom_level(int i)
{
    static const int steps[] = {1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25};
    struct zoom z = {1, 1};
    int64_t p = 1;

    if (i < 3) {
        z.cols = 4 - i;
        return z;
    }
    i -= 3;
    for (int k = 0; k < i / 12; k++)
        p *= 30;
    z.ticks = steps[i % 12] * p;
    return z;
}

static int zoom_index(struct zoom z)
{
    for (int i = 0; i < ZOOM_LEVELS; i++) {
        struct zoom l = zoom_level(i);

        if (l.cols == z.cols && l.ticks >= z.ticks)
            return i;
    }
    return 3;
}

static int64_t visible_ticks(const struct app *a)
{
    return (int64_t)(app_lane_width(a) / a->zoom.cols) * a->zoom.ticks;
}

static void fit_zoom(struct app *a)
{
    int64_t span = app_span(a) + 1;
    int w = app_lane_width(a);

    for (int i = 0; i < ZOOM_LEVELS; i++) {
        struct zoom z = zoom_level(i);

        if ((span + z.ticks - 1) / z.ticks * z.cols <= w) {
            a->zoom = z;
            return;
        }
    }
    a->zoom = zoom_level(ZOOM_LEVELS - 1);
}

/* Keep the cursor on the timeline. */
static void follow_view(struct app *a)
{
    int64_t vis = visible_ticks(a), t0;

    if (vis <= 0)
        return;
    if (app_span(a) < vis) {
        a->view_t0 = 0;
        return;
    }
    if (a->cursor >= a->view_t0 && a->cursor < a->view_t0 + vis)
        return;
    t0 = a->cursor - vis / 4;
    if (t0 < 0)
        t0 = 0;
    a->view_t0 = t0 / a->zoom.ticks * a->zoom.ticks;
}

void app_set_view(struct app *a, int64_t t, struct zoom z)
{
    a->playing = 0;
    a->zoom = z;
    a->zoom_set = 1;
    a->cursor = t;
    a->last_ts = -1;
    follow_view(a);
}

void app_resize(struct app *a, int width, int height)
{
    a->width = width;
    a->height = height;
    if (!a->zoom_set)
        fit_zoom(a);
    follow_view(a);
}

/* ---- lifecycle ---------------------------------------------------------- */

void app_init(struct app *a, struct progress *pg)
{
    memset(a, 0, sizeof(*a));
    a->progress = pg;
    a->width = 80;
    a->height = 24;
    a->speed = 3;
    a->sel = -1;
    a->focus = FOCUS_TIMELINE;
    a->zoom.cols = 1;
    a->zoom.ticks = 1;
    a->until = -1;
    a->last_ts = -1;
    a->witness = -1;
}

static void close_page(struct app *a)
{
    job_stop(&a->job);
    if (a->ex)
        explore_free(a->ex);
    a->ex = NULL;
    a->ex_open = 0;
    a->ex_sel = 0;
    a->witness = -1;
    if (a->real)
        real_result_free(a->real);
    a->real = NULL;
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
    a->prompt = 0;
    a->ninput = 0;
    a->input[0] = '\0';
}

static void free_answers(struct app *a)
{
    free(a->asks);
    a->asks = NULL;
}

static void close_lesson(struct app *a)
{
    close_page(a);
    free_answers(a);
    lesson_free(a->L);
    a->L = NULL;
    free(a->path);
    a->path = NULL;
}

static void free_entries(struct app *a)
{
    for (int i = 0; i < a->nentries; i++) {
        free(a->entries[i].path);
        free(a->entries[i].title);
        free(a->entries[i].about);
        free(a->entries[i].error);
    }
    free(a->entries);
    a->entries = NULL;
    a->nentries = 0;
}

void app_done(struct app *a)
{
    close_page(a);
    close_lesson(a);
    free_entries(a);
}

/* ---- opening pages ------------------------------------------------------ */

static const struct directive *find_dir(const struct page *pg,
                                        enum directive_kind kind)
{
    for (int i = 0; i < pg->ndirs; i++)
        if (pg->dirs[i].kind == kind)
            return &pg->dirs[i];
    return NULL;
}

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

/* The page opens where the previous one stopped when it goes on with the
 * same scene (no @scene of its own), else at tick 0. */
static int64_t page_start(struct app *a, int p)
{
    const struct lesson *L = a->L;
    int q = p;
    int64_t start = 0;

    while (q > 0 && !find_dir(&L->pages[q], DIR_SCENE) &&
           !find_dir(&L->pages[q], DIR_COMPARE) &&
           !find_dir(&L->pages[q - 1], DIR_COMPARE) &&
           L->pages[q - 1].scene == L->pages[q].scene)
        q--;
    for (int i = q; i < p; i++) {
        const struct directive *u = find_dir(&L->pages[i], DIR_UNTIL);

        if (u)
            start = tape_until(a->tape, u, start);
    }
    return start;
}

static struct ask_state *page_asks(const struct app *a, int p)
{
    int off = 0;

    for (int i = 0; i < p; i++)
        off += a->L->pages[i].ndirs;
    return a->asks + off;
}

const struct directive *app_pending_ask(const struct app *a, int *index)
{
    const struct page *pg = app_page(a);
    struct ask_state *st;

    if (!pg)
        return NULL;
    st = page_asks(a, a->page);
    for (int i = 0; i < pg->ndirs; i++)
        if (pg->dirs[i].kind == DIR_ASK && !st[i].answered) {
            if (index)
                *index = i;
            return &pg->dirs[i];
        }
    return NULL;
}

static int default_speed(int64_t span)
{
    int i = 2;

    while (i + 1 < app_nspeeds && app_speeds[i] * 8 < span)
        i++;
    return i;
}

/* Play from the cursor to target; boost: get there within a few seconds. */
static void play_to(struct app *a, int64_t target, int boost)
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

static void pause_play(struct app *a)
{
    a->playing = 0;
    a->boost = 0;
}

static void set_cursor(struct app *a, int64_t t)
{
    int64_t end = run_end(a);

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
    follow_view(a);
}

/* ---- the explorer and real runs (on a thread) --------------------------- */

enum { EXPLORE_UI_MAX_STATES = 500000 };

/* show: open the outcome list now; a page that asks for a prediction
 * first explores in the background and shows it once answered. */
static void start_explore(struct app *a, int max_preemptions, int show)
{
    if (a->ex) {
        a->ex_open = show;
        return;
    }
    if (job_explore(&a->job, a->L, a->tape->scene, &a->tape->cfg,
                    max_preemptions < 0 ? -1 : max_preemptions,
                    EXPLORE_UI_MAX_STATES) < 0) {
        complain(a, "cannot explore: %s", a->job.err.s);
        return;
    }
    a->ex_open = show;
    a->ex_sel = 0;
    if (show) {
        a->focus = FOCUS_LOG;
        a->focus_auto = 0;
    }
}

/* The page's @explore, held back while its question was open. */
static void reveal_explore(struct app *a)
{
    if (a->ex_open || !a->tape || !find_dir(app_page(a), DIR_EXPLORE))
        return;
    if (!a->ex && !job_busy(&a->job))
        return;
    a->ex_open = 1;
    a->focus = FOCUS_LOG;
    a->focus_auto = 0;
}

static void start_real(struct app *a)
{
    struct strbuf why;

    sb_init(&why);
    if (!real_available(a->tape->cfg.mode, &why)) {
        snprintf(a->job_note, sizeof(a->job_note), "cannot run %s scenes for "
                 "real here: %s", mode_name(a->tape->cfg.mode), why.s);
        complain(a, "%s", a->job_note);
        sb_done(&why);
        return;
    }
    sb_done(&why);
    if (job_real(&a->job, a->L, a->tape->scene, &a->tape->cfg,
                 a->real_runs) < 0) {
        complain(a, "cannot run for real: %s", a->job.err.s);
        return;
    }
    a->job_note[0] = '\0';
    say(a, "running %s for real, %d time%s: the screen stays live (r stops)",
        a->L->scenes[a->tape->scene].name, a->real_runs,
        a->real_runs == 1 ? "" : "s");
}

/* A finished job: keep its result. */
static void collect_job(struct app *a)
{
    struct job *j = &a->job;

    if (!job_poll(j))
        return;
    if (j->kind == JOB_EXPLORE && j->ex) {
        a->ex = j->ex;
        j->ex = NULL;
        if (a->ex_sel >= a->ex->noutcomes)
            a->ex_sel = 0;
        if (a->ex_open)
            say(a, "%d outcome%s: ↑↓ choose one, Enter runs the schedule "
                "that ends in it", a->ex->noutcomes,
                a->ex->noutcomes == 1 ? "" : "s");
    } else if (j->kind == JOB_MEASURE) {
        a->costs = j->costs;
        a->have_costs = 1;
        say(a, "measured on this machine: r measures again");
    } else if (j->kind == JOB_REAL) {
        if (j->real) {
            if (a->real)
                real_result_free(a->real);
            a->real = j->real;
            j->real = NULL;
            a->view = VIEW_BOTH;
            say(a, "%d real run%s done · v: simulated, real, both",
                a->real->runs, a->real->runs == 1 ? "" : "s");
        } else {
            snprintf(a->job_note, sizeof(a->job_note), "%s",
                     j->err.s ? j->err.s : "the real run failed");
            complain(a, "%s", a->job_note);
        }
    }
    job_stop(j);
}

void app_job_status(const struct app *a, char *buf, size_t n)
{
    long long done = (long long)atomic_load(&a->job.progress);

    buf[0] = '\0';
    if (!job_busy(&a->job))
        return;
    if (a->job.kind == JOB_EXPLORE)
        snprintf(buf, n, "exploring every interleaving: %lld states so far "
                 "(e stops)", done);
    else if (a->job.kind == JOB_MEASURE)
        snprintf(buf, n, "measuring switches on this machine...");
    else
        snprintf(buf, n, "running for real: %lld of %lld runs (r stops)", done,
                 (long long)a->job.total);
}

/* Run outcome i's witness: a schedule with the fewest preemptions that
 * ends in it, as the page's run. */
static void load_witness(struct app *a, int i)
{
    const struct explore_outcome *o;
    struct strbuf lab;
    int scene;
    struct scene_config cfg;

    if (!a->ex || i < 0 || i >= a->ex->noutcomes)
        return;
    o = &a->ex->outcomes[i];
    scene = a->tape->scene;
    cfg = a->tape->cfg;
    cfg.schedule = NULL;
    tape_free(a->tape);
    a->tape = tape_new(a->L, scene, &cfg, &o->witness);
    a->witness = i;
    a->manual = 0;
    a->cursor = 0;
    a->last_ts = -1;
    a->until = -1;
    a->sel = -1;
    if (!a->zoom_set)
        fit_zoom(a);
    follow_view(a);
    play_to(a, a->tape->end, 1);
    sb_init(&lab);
    explore_outcome_label(&lab, a->ex, i, EXPLORE_LABEL_TERSE);
    say(a, "the run now follows a schedule that ends in %s: %s", lab.s,
        o->witness_text);
    sb_done(&lab);
}

static void open_page(struct app *a, int p)
{
    const struct page *pg;
    const struct directive *u;

    close_page(a);
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
    a->compare = find_dir(pg, DIR_COMPARE);
    if (a->compare) {
        a->ncmp = a->compare->nscenes;
        a->cmp = xcalloc((size_t)a->ncmp, sizeof(*a->cmp));
        for (int i = 0; i < a->ncmp; i++)
            a->cmp[i] = load_scene(a->L, a->compare->scenes[i]);
        a->until = run_end(a);
    } else if (pg->scene >= 0) {
        a->tape = load_scene(a->L, pg->scene);
        a->cursor = page_start(a, p);
        u = find_dir(pg, DIR_UNTIL);
        if (u)
            a->until = tape_until(a->tape, u, a->cursor);
    }
    a->stop = a->until >= 0 ? a->until : run_end(a);
    a->speed = default_speed(run_end(a));
    a->real_runs = 20;
    if (a->tape) {
        const struct directive *dv = find_dir(pg, DIR_REAL);

        if (dv && dv->n > 0)
            a->real_runs = (int)dv->n;
        if (dv && !find_dir(pg, DIR_MEASURE))
            say(a, "r runs this scene for real on this machine (%d run%s); "
                "v then shows it next to the simulation", a->real_runs,
                a->real_runs == 1 ? "" : "s");
        if ((dv = find_dir(pg, DIR_EXPLORE)) != NULL)
            start_explore(a, (int)dv->n, !app_pending_ask(a, NULL));
    }
    if (find_dir(pg, DIR_MEASURE) && !a->have_costs)
        say(a, "r measures what switching costs on this machine");
    if (a->focus == FOCUS_CODE && !a->tape)
        a->focus = FOCUS_TIMELINE;
    fit_zoom(a);
    follow_view(a);
    if (has_run(a) && a->until > a->cursor && !app_pending_ask(a, NULL))
        play_to(a, a->until, 1);
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

void app_open_lesson(struct app *a, struct lesson *L, const char *path,
                     int page)
{
    int nd = 0;

    close_lesson(a);
    a->L = L;
    a->path = xstrdup(path);
    a->key = progress_key(a->path);
    for (int i = 0; i < L->npages; i++)
        nd += L->pages[i].ndirs;
    a->asks = xcalloc((size_t)(nd ? nd : 1), sizeof(*a->asks));
    a->screen = SCREEN_LESSON;
    a->help = 0;
    open_page(a, page);
}

/* ---- the lesson picker -------------------------------------------------- */

void app_picker(struct app *a, char **paths, int n)
{
    free_entries(a);
    a->entries = xcalloc((size_t)(n ? n : 1), sizeof(*a->entries));
    a->nentries = n;
    for (int i = 0; i < n; i++) {
        struct picker_entry *e = &a->entries[i];
        const char *base = progress_key(paths[i]);
        struct diag d;
        struct lesson *L;

        e->path = xstrdup(paths[i]);
        e->number = isdigit((unsigned char)base[0]) ? atoi(base) : -1;
        diag_init(&d);
        L = lesson_load(paths[i], &d);
        if (L) {
            e->title = xstrdup(L->title);
            e->about = L->about ? xstrdup(L->about) : NULL;
            e->npages = L->npages;
            for (int p = 0; p < L->npages; p++)
                for (int k = 0; k < L->pages[p].ndirs; k++)
                    e->nasks += L->pages[p].dirs[k].kind == DIR_ASK;
            lesson_free(L);
        } else {
            const char *s = d.text.s ? d.text.s : "cannot be read";

            e->title = xstrdup(base);
            e->error = xstrndup(s, strcspn(s, "\n"));
        }
        diag_done(&d);
    }
    a->pick = 0;
    a->pick_top = 0;
    a->from_picker = 1;
    a->screen = SCREEN_PICKER;
}

static void picker_open(struct app *a)
{
    struct picker_entry *e;
    const struct progress_lesson *pl;
    struct strbuf err;
    int page = 0;

    if (a->nentries == 0)
        return;
    e = &a->entries[a->pick];
    if (e->error) {
        complain(a, "%s", e->error);
        return;
    }
    /* Go on where the student left off: the first page not seen yet. */
    pl = progress_find(a->progress, progress_key(e->path));
    if (pl && progress_pages_seen(pl) < e->npages)
        while (page < e->npages && page / 64 < pl->nwords &&
               (pl->seen[page / 64] & (1ull << (page % 64))))
            page++;
    if (page >= e->npages)
        page = 0;
    sb_init(&err);
    if (app_open(a, e->path, page, &err) < 0)
        complain(a, "%.*s", (int)strcspn(err.s, "\n"), err.s);
    sb_done(&err);
}

static void picker_key(struct app *a, int key)
{
    int n = a->nentries;

    a->msg[0] = '\0';
    switch (key) {
    case 'q':
        a->quit = 1;
        break;
    case K_UP:
    case 'k':
        if (a->pick > 0)
            a->pick--;
        break;
    case K_DOWN:
    case 'j':
        if (a->pick + 1 < n)
            a->pick++;
        break;
    case K_HOME:
        a->pick = 0;
        break;
    case K_END:
        a->pick = n > 0 ? n - 1 : 0;
        break;
    case K_ENTER:
    case K_RIGHT:
    case 'l':
    case ' ':
        picker_open(a);
        break;
    case '?':
        a->help = 1;
        break;
    default:
        if (key >= '0' && key <= '9')
            for (int i = 0; i < n; i++)
                if (a->entries[i].number == key - '0') {
                    a->pick = i;
                    picker_open(a);
                    return;
                }
        break;
    }
}

/* ---- questions ---------------------------------------------------------- */

static void trim(char *s)
{
    size_t n = strlen(s), i = 0;

    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    while (isspace((unsigned char)s[i]))
        i++;
    memmove(s, s + i, n - i + 1);
}

static const char *yes_no(const char *s)
{
    if (!strcasecmp(s, "y") || !strcasecmp(s, "yes") || !strcasecmp(s, "true"))
        return "yes";
    if (!strcasecmp(s, "n") || !strcasecmp(s, "no") || !strcasecmp(s, "false"))
        return "no";
    return s;
}

static int answer_right(const struct directive *dv, const char *given)
{
    int64_t v;

    if (dv->answer_is_int)
        return parse_int64(given[0] == '+' ? given + 1 : given, &v) == 0 &&
               v == dv->answer_int;
    return strcasecmp(yes_no(given), yes_no(dv->answer)) == 0;
}

static void submit_answer(struct app *a)
{
    int i, k = 0;
    const struct directive *dv = app_pending_ask(a, &i);
    const struct page *pg = app_page(a);
    struct ask_state *st;

    a->prompt = 0;
    trim(a->input);
    if (!dv)
        return;
    if (!a->input[0]) {
        say(a, "no answer given: type it, then Enter (Esc cancels)");
        return;
    }
    st = &page_asks(a, a->page)[i];
    st->answered = 1;
    st->right = answer_right(dv, a->input);
    snprintf(st->given, sizeof(st->given), "%s", a->input);
    for (int j = 0; j < i; j++)
        k += pg->dirs[j].kind == DIR_ASK;
    progress_answer(a->progress, a->key, a->page, k, st->right);
    progress_save(a->progress);
    if (st->right)
        say(a, "Right: %s.", dv->answer);
    else
        complain(a, "Not quite: you said %s, the answer is %s.", st->given,
                 dv->answer);
    a->ninput = 0;
    a->input[0] = '\0';
    if (!app_pending_ask(a, NULL))
        reveal_explore(a);
    if (!app_pending_ask(a, NULL) && has_run(a) && a->until > a->cursor &&
        !a->manual)
        play_to(a, a->until, 1);
}

static void prompt_key(struct app *a, int key)
{
    if (key == K_ENTER) {
        submit_answer(a);
    } else if (key == K_ESC) {
        a->prompt = 0;
        a->ninput = 0;
        a->input[0] = '\0';
        say(a, "answer put aside: Enter to answer later");
    } else if (key == K_BACKSPACE || key == 8) {
        if (a->ninput > 0)
            a->input[--a->ninput] = '\0';
    } else if (key >= ' ' && key < 127 &&
               a->ninput + 1 < (int)sizeof(a->input) - 8) {
        a->input[a->ninput++] = (char)key;
        a->input[a->ninput] = '\0';
    }
}

static void open_prompt(struct app *a, int first)
{
    a->prompt = 1;
    a->ninput = 0;
    a->input[0] = '\0';
    pause_play(a);
    if (first)
        prompt_key(a, first);
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
    return k > 0 ? tr->ops[k - 1].task : 0;
}

/* ---- manual mode -------------------------------------------------------- */

int app_choices(struct app *a, int *tasks)
{
    if (!a->tape)
        return 0;
    return tape_choices(a->tape, a->cursor, tasks);
}

int app_task_key(const struct app *a, int t)
{
    const char *l = label(a, t);

    if (l[0] && !l[1] && isupper((unsigned char)l[0]))
        return l[0];
    return t < 9 ? '1' + t : 0;
}

static int task_for_key(const struct app *a, int key)
{
    if (!a->tape)
        return -1;
    for (int t = 0; t < a->tape->tr->ntasks; t++) {
        const char *l = a->tape->tr->labels[t];

        if (key >= '1' && key <= '9' && key - '1' == t)
            return t;
        if (l[0] == key && !l[1] && isupper((unsigned char)key))
            return t;
    }
    return -1;
}

/* Why task t may not take the next tick. */
static void why_not(struct app *a, int t, struct strbuf *out)
{
    const struct sim *s = tape_at(a->tape, a->cursor);
    const struct program *P = a->L->prog;
    const char *A = label(a, t);
    int ch[LESSON_MAX_TASKS], n = sim_choices(s, ch);

    switch (sim_task_state(s, t)) {
    case TS_DONE:
        sb_printf(out, "%s has finished", A);
        return;
    case TS_FAILED:
        sb_printf(out, "%s stopped with an error", A);
        return;
    case TS_NEW:
    case TS_STARTING:
        sb_printf(out, "%s has not started yet", A);
        return;
    case TS_BLOCKED:
        sb_printf(out, "%s is waiting until tick %lld", A,
                  (long long)sim_task_wake(s, t));
        return;
    case TS_LOCK_WAIT: {
        int lock = sim_task_lock(s, t);
        int owner = lock >= 0 ? sim_lock_owner(s, sim_task_space(s, t), lock)
                              : -1;

        sb_printf(out, "%s waits for lock %s", A,
                  lock >= 0 ? P->lock_names[lock] : "?");
        if (owner >= 0)
            sb_printf(out, ", held by %s", label(a, owner));
        return;
    }
    default:
        break;
    }
    if (n == 1 && sim_task_state(s, ch[0]) == TS_RUNNING) {
        if (a->tape->cfg.mode == MODE_GIL)
            sb_printf(out, "%s holds the GIL and is not at a checkpoint: it "
                      "runs on", label(a, ch[0]));
        else if (a->tape->cfg.mode == MODE_ASYNCIO)
            sb_printf(out, "%s has the event loop until it awaits",
                      label(a, ch[0]));
        else
            sb_printf(out, "only %s can run now", label(a, ch[0]));
        return;
    }
    if (a->tape->cfg.mode == MODE_ASYNCIO)
        sb_printf(out, "the event loop runs its ready queue in order: %s is "
                  "not first", A);
    else
        sb_printf(out, "%s cannot run now", A);
}

static void say_choices(struct app *a)
{
    int ch[LESSON_MAX_TASKS], n = app_choices(a, ch);
    struct strbuf sb;

    if (tape_finished(a->tape) && a->cursor >= a->tape->end) {
        say(a, "the run is over at tick %lld · ← undoes · m hands back",
            (long long)a->cursor);
        return;
    }
    sb_init(&sb);
    if (n == 0) {
        sb_puts(&sb, "nobody can run now: → lets time pass");
    } else {
        sb_puts(&sb, "you schedule: pick who runs next:");
        for (int i = 0; i < n; i++)
            sb_printf(&sb, " %c=%s", app_task_key(a, ch[i]),
                      label(a, ch[i]));
        sb_puts(&sb, " · ← undoes · m hands back");
    }
    say(a, "%s", sb.s);
    sb_done(&sb);
}

static void manual_on(struct app *a)
{
    if (!a->tape) {
        complain(a, "manual mode needs a page with one scene");
        return;
    }
    a->manual = 1;
    pause_play(a);
}

static void pick_task(struct app *a, int t)
{
    int64_t c;

    manual_on(a);
    if (!a->manual)
        return;
    c = tape_pick(a->tape, a->cursor, t);
    if (c < 0) {
        struct strbuf sb;

        sb_init(&sb);
        why_not(a, t, &sb);
        complain(a, "%s", sb.s);
        sb_done(&sb);
        return;
    }
    set_cursor(a, c);
    say_choices(a);
}

static void manual_toggle(struct app *a)
{
    if (a->manual) {
        int64_t t = a->cursor;

        tape_hand_back(a->tape, t);
        a->manual = 0;
        say(a, "the scheduler takes over again from tick %lld",
            (long long)t);
        if (!a->zoom_set)
            fit_zoom(a);
        follow_view(a);
        return;
    }
    manual_on(a);
    if (a->manual)
        say_choices(a);
}

/* → in manual mode: replay what was chosen, or take the only turn. */
static void manual_forward(struct app *a)
{
    int ch[LESSON_MAX_TASKS], n;
    int64_t c;

    if (a->cursor < a->tape->end) {
        set_cursor(a, tape_step_forward(a->tape, a->cursor));
        return;
    }
    n = app_choices(a, ch);
    if (n == 1) {
        pick_task(a, ch[0]);
    } else if (n == 0 && (c = tape_let_time_pass(a->tape, a->cursor)) >= 0) {
        set_cursor(a, c);
        say_choices(a);
    } else {
        say_choices(a);
    }
}

/* ---- playing ------------------------------------------------------------ */

static void reached(struct app *a)
{
    int64_t end = run_end(a);

    pause_play(a);
    if (a->cursor >= end && (!a->tape || tape_finished(a->tape))) {
        if (a->page + 1 < a->L->npages)
            say(a, "the run is over at tick %lld · Home replays · PgDn: next "
                "page", (long long)a->cursor);
        else
            say(a, "the run is over at tick %lld · Home replays · this is "
                "the last page", (long long)a->cursor);
    } else if (a->cursor == a->until) {
        say(a, "paused where this page stops (tick %lld) · space plays on · "
            "→ steps", (long long)a->cursor);
    } else {
        say(a, "paused at tick %lld", (long long)a->cursor);
    }
}

static void toggle_play(struct app *a)
{
    int64_t end = run_end(a);

    if (!has_run(a)) {
        say(a, "this page has no scene to play");
        return;
    }
    if (a->playing) {
        pause_play(a);
        say(a, "paused at tick %lld", (long long)a->cursor);
        return;
    }
    if (a->manual) {
        if (a->cursor < a->tape->end) {
            play_to(a, a->tape->end, 0);
            return;
        }
        say_choices(a);
        return;
    }
    if (a->cursor >= end)
        set_cursor(a, 0);
    reveal_explore(a);  /* playing on skips the question */
    play_to(a, a->until > a->cursor ? a->until : end, 0);
    a->msg[0] = '\0';
}

void app_tick(struct app *a, int64_t now_ms)
{
    int64_t dt, n, rate;

    a->now_ms = now_ms;
    if (job_busy(&a->job))
        collect_job(a);
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
        set_cursor(a, a->stop);
        reached(a);
    } else {
        set_cursor(a, a->cursor + n);
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

static void step_forward(struct app *a)
{
    int64_t t = a->cursor;

    pause_play(a);
    if (a->manual) {
        manual_forward(a);
        return;
    }
    if (a->tape) {
        if (t >= a->tape->end) {
            reached(a);
            return;
        }
        set_cursor(a, tape_step_forward(a->tape, t));
        if (a->cursor > t + 1)
            say(a, "nothing runs from tick %lld to %lld: every task waits",
                (long long)t, (long long)a->cursor);
        else if (a->cursor >= a->tape->end)
            reached(a);
    } else if (a->ncmp) {
        if (t >= run_end(a))
            reached(a);
        else
            set_cursor(a, t + 1);
    }
}

static void step_back(struct app *a)
{
    int64_t t = a->cursor;

    pause_play(a);
    if (t == 0) {
        say(a, "this is the start of the run");
        return;
    }
    if (a->tape)
        set_cursor(a, tape_step_back(a->tape, t));
    else
        set_cursor(a, t - 1);
    if (a->manual)
        say_choices(a);
}

static void jump_switch(struct app *a, int dir)
{
    int64_t c;

    pause_play(a);
    if (!a->tape) {
        say(a, "n and N jump between switches of a single scene");
        return;
    }
    c = dir > 0 ? tape_next_switch(a->tape, a->cursor, TAPE_ANY_SWITCH) :
                  tape_prev_switch(a->tape, a->cursor, TAPE_ANY_SWITCH);
    if (c < 0) {
        say(a, dir > 0 ? "no more switches after tick %lld" :
            "no switch before tick %lld", (long long)a->cursor);
        return;
    }
    set_cursor(a, c);
}

static void go_page(struct app *a, int dir)
{
    int p = a->page + dir;

    if (p < 0) {
        say(a, "this is the first page");
        return;
    }
    if (p >= a->L->npages) {
        say(a, "this is the last page of the lesson%s",
            a->from_picker ? " · Esc: the list of lessons" : "");
        return;
    }
    open_page(a, p);
}

static void change_speed(struct app *a, int dir)
{
    int s = a->speed + dir;

    if (s < 0 || s >= app_nspeeds) {
        say(a, "speed %d ticks/s is the %s", app_speeds[a->speed],
            dir > 0 ? "fastest" : "slowest");
        return;
    }
    a->speed = s;
    a->boost = 0;
    say(a, "speed %d tick%s a second", app_speeds[s],
        app_speeds[s] == 1 ? "" : "s");
}

static void change_zoom(struct app *a, int dir)
{
    int i = zoom_index(a->zoom) + dir;

    if (i < 0 || i >= ZOOM_LEVELS)
        return;
    a->zoom = zoom_level(i);
    a->zoom_set = 1;
    follow_view(a);
    if (a->zoom.cols > 1)
        say(a, "zoom: %d columns a tick", a->zoom.cols);
    else
        say(a, "zoom: %lld tick%s a column", (long long)a->zoom.ticks,
            a->zoom.ticks == 1 ? "" : "s");
}

static void scroll_view(struct app *a, int dir)
{
    int64_t vis = visible_ticks(a), t0 = a->view_t0 + dir * (vis / 2);
    int64_t span = app_span(a);

    if (t0 > span - vis / 2)
        t0 = span - vis / 2;
    if (t0 < 0)
        t0 = 0;
    a->view_t0 = t0 / a->zoom.ticks * a->zoom.ticks;
}

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
            say(a, "the code panel follows the task that runs");
        else
            say(a, "the code panel shows %s (↑ above the first lane: follow "
                "who runs)", label(a, a->sel));
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
        say(a, "focus: the outcomes (↑↓ choose one, Enter runs it)");
    else
        say(a, "focus: %s", focus_names[a->focus]);
}

static void explore_key(struct app *a)
{
    const struct directive *dv;

    if (!a->tape) {
        complain(a, "e explores a single scene: this page has none");
        return;
    }
    if (job_busy(&a->job) && a->job.kind == JOB_EXPLORE) {
        job_stop(&a->job);
        a->ex_open = 0;
        say(a, "exploring stopped");
        return;
    }
    if (a->ex_open) {
        a->ex_open = 0;
        if (a->focus == FOCUS_LOG)
            a->focus = FOCUS_TIMELINE;
        return;
    }
    if (job_busy(&a->job)) {
        complain(a, "a real run is going on: wait for it, or r stops it");
        return;
    }
    dv = find_dir(app_page(a), DIR_EXPLORE);
    start_explore(a, dv ? (int)dv->n : -1, 1);
    a->focus = FOCUS_LOG;
    a->focus_auto = 0;
}

static void real_key(struct app *a)
{
    if (find_dir(app_page(a), DIR_MEASURE)) {
        if (job_busy(&a->job)) {
            complain(a, "still working: wait for it to finish");
            return;
        }
        if (job_measure(&a->job) < 0)
            complain(a, "cannot measure: %s", a->job.err.s);
        else
            say(a, "measuring: a fraction of a second");
        return;
    }
    if (!a->tape) {
        complain(a, "r runs a single scene for real: this page has none");
        return;
    }
    if (job_busy(&a->job)) {
        if (a->job.kind == JOB_REAL) {
            job_stop(&a->job);
            say(a, "real runs stopped");
        } else {
            complain(a, "the explorer is working: wait for it, or e stops it");
        }
        return;
    }
    start_real(a);
}

static void view_key(struct app *a)
{
    static const char *const names[VIEW_COUNT] = {
        "the simulation", "the real run", "the simulation and the real run",
    };

    if (!a->real) {
        complain(a, "v shows a real run: press r to make one first");
        return;
    }
    a->view = (a->view + 1) % VIEW_COUNT;
    say(a, "showing %s", names[a->view]);
}

static void lesson_key(struct app *a, int key)
{
    int t;

    if (a->prompt) {
        prompt_key(a, key);
        return;
    }
    a->msg[0] = '\0';
    switch (key) {
    case 'q':
        a->quit = 1;
        return;
    case '?':
        a->help = 1;
        return;
    case ' ':
        toggle_play(a);
        return;
    case K_RIGHT:
    case 'l':
        step_forward(a);
        return;
    case K_LEFT:
    case 'h':
        step_back(a);
        return;
    case 'n':
        jump_switch(a, 1);
        return;
    case 'N':
        if ((t = task_for_key(a, key)) >= 0 && a->manual)
            pick_task(a, t);
        else
            jump_switch(a, -1);
        return;
    case '+':
    case '=':
        change_speed(a, 1);
        return;
    case '-':
    case '_':
        change_speed(a, -1);
        return;
    case K_HOME:
        pause_play(a);
        set_cursor(a, 0);
        return;
    case K_END:
        pause_play(a);
        set_cursor(a, run_end(a));
        if (a->manual)
            say_choices(a);
        return;
    case K_PGDN:
        go_page(a, 1);
        return;
    case K_PGUP:
        go_page(a, -1);
        return;
    case K_TAB:
        next_focus(a, 1);
        return;
    case K_BTAB:
        next_focus(a, -1);
        return;
    case K_UP:
    case 'k':
        move_in_focus(a, -1);
        return;
    case K_DOWN:
    case 'j':
        move_in_focus(a, 1);
        return;
    case '<':
    case ',':
        scroll_view(a, -1);
        return;
    case '>':
    case '.':
        scroll_view(a, 1);
        return;
    case 'z':
        change_zoom(a, -1);
        return;
    case 'Z':
        change_zoom(a, 1);
        return;
    case 'm':
        manual_toggle(a);
        return;
    case K_ENTER:
        if (a->ex_open && a->ex && a->focus == FOCUS_LOG)
            load_witness(a, a->ex_sel);
        else if (app_pending_ask(a, NULL))
            open_prompt(a, 0);
        else
            say(a, "no question waits for an answer on this page");
        return;
    case K_ESC:
        if (a->ex_open) {
            a->ex_open = 0;
            return;
        }
        if (a->from_picker) {
            close_lesson(a);
            a->screen = SCREEN_PICKER;
        }
        return;
    case 'e':
        explore_key(a);
        return;
    case 'r':
        real_key(a);
        return;
    case 'v':
        view_key(a);
        return;
    default:
        break;
    }
    if (key >= '0' && key <= '9' && app_pending_ask(a, NULL) && !a->manual) {
        open_prompt(a, key);
        return;
    }
    /* A task's key: its number, or its one-letter label (A, B, ...); the
     * student becomes the scheduler if not already. */
    if ((t = task_for_key(a, key)) >= 0) {
        pick_task(a, t);
        return;
    }
    if (key >= '1' && key <= '9' && a->tape)
        complain(a, "there is no task %c: tasks are 1-%d", key,
                 a->tape->tr->ntasks);
    else if (key > ' ' && key < 127)
        complain(a, "%c does nothing here · ? lists the keys", key);
}

void app_key(struct app *a, int key)
{
    if (a->help) {
        a->help = 0;    /* any key only closes the help, as in less */
        return;
    }
    if (a->screen == SCREEN_PICKER)
        picker_key(a, key);
    else
        lesson_key(a, key);
}

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
        pause_play(a);
        set_cursor(a, t);
        if (h->task >= 0)
            a->sel = h->task;
        a->msg[0] = '\0';
        return;
    }
}
