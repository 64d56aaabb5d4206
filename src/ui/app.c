/* app.c - the TUI's state: its lifecycle, the timeline's geometry and
 * zoom, and which mode the screen is in (see app.h).  Each mode's keys are
 * in a file of its own (app_impl.h), dispatched by actions.c. */
#include "ui/app_impl.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "program.h"

/* Ticks per second.  The default is chosen per page so that the whole run
 * plays in about eight seconds. */
const int app_speeds[] = {1, 2, 4, 8, 15, 30, 60, 125, 250, 500, 1000, 4000};
const int app_nspeeds = (int)TT_ARRAY_LEN(app_speeds);

/* ---- small helpers ------------------------------------------------------ */

void app_say(struct app *a, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof(a->msg), fmt, ap);
    va_end(ap);
    a->msg_bad = 0;
}

void app_complain(struct app *a, const char *fmt, ...)
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

const char *app_label(const struct app *a, int t)
{
    return a->tape ? a->tape->tr->labels[t] : "?";
}

int64_t app_run_end(const struct app *a)
{
    int64_t end = 0;

    if (a->tape)
        return a->tape->end;
    for (int i = 0; i < a->ncmp; i++)
        if (a->cmp[i]->end > end)
            end = a->cmp[i]->end;
    return end;
}

int app_has_run(const struct app *a)
{
    return a->tape || a->ncmp > 0;
}

const struct directive *app_find_dir(const struct page *pg,
                                     enum directive_kind kind)
{
    for (int i = 0; i < pg->ndirs; i++)
        if (pg->dirs[i].kind == kind)
            return &pg->dirs[i];
    return NULL;
}

int app_mode(const struct app *a)
{
    if (a->screen == SCREEN_PICKER)
        return M_PICKER;
    if (a->prompt)
        return M_ASK;
    /* The real view is drawn in place of the outcomes: its keys win. */
    if (!a->manual && a->tape && a->view != VIEW_SIM && a->real)
        return M_REAL;
    if (a->ex_open && a->focus == FOCUS_LOG && a->ex)
        return M_OUTCOMES;
    if (a->manual)
        return M_MANUAL;
    if (!app_has_run(a))
        return M_TEXT;
    return M_PLAY;
}

/* ---- layout facts shared with the view ---------------------------------- */

/* The timeline's columns at width: labels (at least label_min wide),
 * then the time axis, then (on wide screens) each lane's state or each
 * compared scene's makespan. */
static void geometry(int width, int compare, int label_min, int *label,
                     int *axis)
{
    int state = 0;

    *label = label_min;
    if (compare) {
        int cap = width >= 100 ? 26 : 20;

        if (*label < 8)
            *label = 8;
        if (*label > cap)
            *label = cap;
        state = 12;     /* " 168 ticks" after the bars */
    } else {
        if (*label < 6)
            *label = 6;
        if (width >= 110)
            state = 22;
    }
    *axis = width - *label - state - 1;
    if (*axis < 10)
        *axis = 10;
}

static int name_cols(const char *name)
{
    return (int)strlen(name) + 2;
}

static void lane_geometry(const struct app *a, int *label, int *axis)
{
    int min = 0;

    for (int i = 0; i < a->ncmp; i++)
        if (name_cols(a->L->scenes[a->cmp[i]->scene].name) > min)
            min = name_cols(a->L->scenes[a->cmp[i]->scene].name);
    if (!a->ncmp && a->tape)
        for (int t = 0; t < a->tape->tr->ntasks; t++)
            if (name_cols(a->tape->tr->labels[t]) > min)
                min = name_cols(a->tape->tr->labels[t]);
    geometry(a->width, a->ncmp > 0, min, label, axis);
}

/* The narrowest time axis of any page of the lesson: the one scale must
 * fit the longest run there too. */
static int lesson_axis(const struct app *a)
{
    const struct lesson *L = a->L;
    int label, axis, narrowest = app_lane_width(a);

    for (int p = 0; L && p < L->npages; p++) {
        const struct page *pg = &L->pages[p];
        const struct directive *cmp = app_find_dir(pg, DIR_COMPARE);
        int min = 0;

        if (cmp) {
            for (int i = 0; i < cmp->nscenes; i++)
                if (name_cols(L->scenes[cmp->scenes[i]].name) > min)
                    min = name_cols(L->scenes[cmp->scenes[i]].name);
        } else if (app_page_scene(L, p) >= 0) {
            const struct scene *sc = &L->scenes[pg->scene];

            for (int t = 0; t < sc->ntasks; t++)
                if (name_cols(sc->tasks[t].label) > min)
                    min = name_cols(sc->tasks[t].label);
        } else {
            continue;
        }
        geometry(a->width, cmp != NULL, min, &label, &axis);
        if (axis < narrowest)
            narrowest = axis;
    }
    return narrowest;
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
    int64_t end = app_run_end(a);

    return end > a->cursor ? end : a->cursor;
}

struct zoom app_zoom(const struct app *a)
{
    return a->zoom;
}

/* ---- zoom --------------------------------------------------------------- */

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

int64_t app_visible_ticks(const struct app *a)
{
    return (int64_t)(app_lane_width(a) / a->zoom.cols) * a->zoom.ticks;
}

/* One scale for the whole lesson: the zoom at which its longest run fits
 * (or the page's @scale), so that a tick is as wide on every page and a
 * faster run looks shorter. */
void app_fit_zoom(struct app *a)
{
    int64_t span = (a->scale_span > 0 ? a->scale_span : app_span(a)) + 1;
    int w = a->scale_span > 0 ? lesson_axis(a) : app_lane_width(a);

    for (int i = 0; i < ZOOM_LEVELS; i++) {
        struct zoom z = zoom_level(i);

        if ((span + z.ticks - 1) / z.ticks * z.cols <= w) {
            a->zoom = z;
            break;
        }
        a->zoom = z;
    }
    /* A page that stops before its run ends shows every tick up to the
     * stop: no column there covers two ticks, so the state it stops at
     * (and each switch before it) reads exactly. */
    if (a->until >= 0 && a->until < app_run_end(a) && a->zoom.ticks > 1 &&
        !(app_page(a) && app_find_dir(app_page(a), DIR_SCALE)))
        a->zoom = zoom_level(3);
}

/* Keep the cursor on the timeline. */
void app_follow_view(struct app *a)
{
    int64_t vis = app_visible_ticks(a), t0;

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

void app_change_zoom(struct app *a, int dir)
{
    int i = zoom_index(a->zoom) + dir;

    if (i < 0 || i >= ZOOM_LEVELS)
        return;
    a->zoom = zoom_level(i);
    a->zoom_set = 1;
    app_follow_view(a);
    if (a->zoom.cols > 1)
        app_say(a, "zoom: %d columns a tick", a->zoom.cols);
    else
        app_say(a, "zoom: %lld tick%s a column", (long long)a->zoom.ticks,
                a->zoom.ticks == 1 ? "" : "s");
}

void app_set_view(struct app *a, int64_t t, struct zoom z)
{
    a->playing = 0;
    a->zoom = z;
    a->zoom_set = 1;
    a->cursor = t;
    a->last_ts = -1;
    app_follow_view(a);
}

void app_resize(struct app *a, int width, int height)
{
    a->width = width;
    a->height = height;
    if (!a->zoom_set)
        app_fit_zoom(a);
    app_follow_view(a);
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

void app_done(struct app *a)
{
    app_close_page(a);
    app_close_lesson(a);
    app_free_entries(a);
}

/* ---- keys that mean the same everywhere --------------------------------- */

int act_help(struct app *a, int key)
{
    (void)key;
    a->help = 1;
    return 1;
}

int act_quit(struct app *a, int key)
{
    (void)key;
    a->quit = 1;
    return 1;
}
