/* app_impl.h - what the application's files share; nothing outside
 * src/ui/app*.c and src/ui/actions.c uses it.
 *
 * app.c holds the state's lifecycle, the timeline's geometry and zoom, the
 * clock and key dispatch; each mode of the screen has a file of its own:
 * app_page.c (lesson pages and playback), app_manual.c (the student
 * schedules), app_ask.c (questions), app_explore.c (the explorer's
 * outcomes), app_real.c (real runs), app_picker.c (the list of lessons).
 * Their key handlers are the functions named in actions.h.
 */
#ifndef TT_UI_APP_IMPL_H
#define TT_UI_APP_IMPL_H

#include "ui/actions.h"
#include "ui/app.h"
#include "util.h"

/* Every action's function: 1 if it took the key, 0 to pass it on. */
#define X(id, fn, keys, modes, fmodes, fpos, fkey, fwhat, help) \
    int fn(struct app *a, int key);
APP_ACTIONS(X)
#undef X
/* Rows that are only a hint or a help line name act_none. */

/* ---- app.c -------------------------------------------------------------- */

void app_say(struct app *a, const char *fmt, ...) TT_PRINTF(2, 3);
void app_complain(struct app *a, const char *fmt, ...) TT_PRINTF(2, 3);
const char *app_label(const struct app *a, int t);
/* The end of the page's run (the longest, for @compare). */
int64_t app_run_end(const struct app *a);
int app_has_run(const struct app *a);
const struct directive *app_find_dir(const struct page *pg,
                                     enum directive_kind kind);
void app_fit_zoom(struct app *a);
void app_follow_view(struct app *a);
int64_t app_visible_ticks(const struct app *a);
/* Zoom one level in (dir -1) or out (+1). */
void app_change_zoom(struct app *a, int dir);

/* ---- app_page.c --------------------------------------------------------- */

/* The scene page p shows, or -1 for a page of text alone. */
int app_page_scene(const struct lesson *L, int p);
void app_open_page(struct app *a, int p);
void app_close_page(struct app *a);
void app_close_lesson(struct app *a);
void app_play_to(struct app *a, int64_t target, int boost);
void app_pause(struct app *a);
void app_set_cursor(struct app *a, int64_t t);
/* Playing has reached where it stops. */
void app_reached(struct app *a);
/* Open the page numbered text (from 1), or say why not. */
void app_goto_page(struct app *a, const char *text);

/* ---- app_ask.c ---------------------------------------------------------- */

struct ask_state *app_page_asks(const struct app *a, int p);
void app_open_prompt(struct app *a, int first);

/* ---- app_manual.c ------------------------------------------------------- */

/* The task a key picks (its number, or its one-letter label), or -1. */
int app_task_for_key(const struct app *a, int key);
void app_say_choices(struct app *a);
void app_manual_forward(struct app *a);

/* ---- app_goal.c --------------------------------------------------------- */

/* Open the page's puzzle, if it has an @goal: manual mode from tick 0. */
void app_goal_open(struct app *a);
/* After the cursor moved: is the goal reached? */
void app_goal_check(struct app *a);
/* Say that the goal is reached here, if it is: 1 if said. */
int app_goal_say(struct app *a);

/* ---- app_explore.c ------------------------------------------------------ */

void app_start_explore(struct app *a, int max_preemptions, int show);
void app_reveal_explore(struct app *a);

/* ---- app_real.c --------------------------------------------------------- */

/* A finished job: keep its result. */
void app_collect_job(struct app *a);
/* Forget the page's real runs (C backends and CPython). */
void app_clear_real(struct app *a);
/* The page asks for its scene to run in CPython too (@real python). */
int app_wants_python(const struct app *a);

/* ---- app_picker.c ------------------------------------------------------- */

void app_free_entries(struct app *a);

#endif
