/* app.h - the TUI's state and what each key and each tick does to it.
 *
 * The application knows nothing of curses: app_key() handles one key,
 * app_tick() advances playback to a given time in milliseconds, and
 * app_timeout() says how long the caller may sleep before the next tick
 * is due (-1: until a key comes).  The terminal loop (tui.c) feeds it real
 * keys and the real clock; tests and `taketurns screen` feed it scripted
 * keys and a virtual clock.  view.c draws it.
 *
 * Pages: opening a page loads its scene (or the scenes it compares) and
 * puts the cursor where the page starts - tick 0, or where the previous
 * page stopped if this page goes on with its scene without an @scene of its
 * own.  A page with @until then plays to that point at the current speed
 * and pauses, unless pages open paused, or it asks a question first: then
 * it waits for the prediction, typed at once.
 */
#ifndef TT_UI_APP_H
#define TT_UI_APP_H

#include <stdint.h>

#include "lesson.h"
#include "ui/job.h"
#include "ui/progress.h"
#include "ui/tape.h"

enum app_screen { SCREEN_PICKER, SCREEN_LESSON };

/* What is being typed: an answer, or the number of a page to go to. */
enum { PROMPT_NONE, PROMPT_ANSWER, PROMPT_PAGE };

enum focus { FOCUS_TEXT, FOCUS_TIMELINE, FOCUS_CODE, FOCUS_LOG, FOCUS_COUNT };

/* What the timeline shows once a real run exists (v cycles). */
enum view_mode { VIEW_SIM, VIEW_REAL, VIEW_BOTH, VIEW_COUNT };

/* Timeline zoom: columns per tick (zoomed in) or ticks per column. */
struct zoom {
    int cols;           /* columns per tick, >= 1 */
    int64_t ticks;      /* ticks per column, >= 1; one of cols, ticks is 1 */
};

struct ask_state {
    int answered;
    int right;
    char given[48];
};

struct picker_entry {
    char *path;
    char *title;
    char *about;        /* NULL if none */
    char *error;        /* the lesson does not load: the first line */
    int number;         /* from the file name, -1 if none */
    char tag[4];        /* its letter after the number: "04a-..." is 4a */
    int npages, nasks, ngoals;     /* ngoals: pages with a puzzle */
};

struct app {
    enum app_screen screen;
    int quit;
    int help;                   /* the help overlay is shown */
    int present;                /* presenter layout: thick lanes, nothing
                                 * drawn dim (for a projector) */
    int width, height;          /* of the screen, for layout decisions */
    int64_t now_ms;             /* the clock, as last given */
    char msg[240];              /* a one-line message until the next key */
    int msg_bad;                /* the message is a complaint */

    /* the lesson picker */
    struct picker_entry *entries;
    int nentries, pick, pick_top;
    int from_picker;

    /* the lesson */
    struct lesson *L;
    char *path;
    const char *key;            /* for the progress file */
    char last_key[256];         /* the last lesson opened, by file name */
    struct progress *progress;
    int page;

    /* the page's run: one tape, or several for @compare */
    struct tape *tape;
    struct tape **cmp;
    int ncmp;
    const struct directive *compare;
    int64_t cursor;
    int64_t until;              /* the page's stopping point, -1 none */
    int64_t stop;               /* where playing stops */
    int playing;
    int speed;                  /* index into app_speeds */
    int speed_set;              /* the student chose it: it stays, page
                                 * after page (else each page's default) */
    int open_paused;            /* pages open paused at their start */
    int64_t boost;              /* ticks per second while running to the
                                 * page's stopping point (0: speed) */
    int64_t last_ms;
    double carry;               /* fraction of a tick not yet played */
    int manual;

    /* a puzzle: the page's @goal (goal.h), reached by turns chosen by hand */
    const struct directive *goal;   /* NULL: the page is not a puzzle */
    int goal_solved;
    int64_t goal_steps;         /* of the student's schedule that solved it */
    int goal_preempts;
    int goal_best;              /* fewest preemptions possible, -1: unknown */

    /* slow work on a thread: the explorer, real runs */
    struct job job;
    struct explore_result *ex;  /* every outcome of the page's scene */
    int ex_open;                /* the outcome panel replaces the log */
    int ex_sel;                 /* the outcome chosen in it */
    int witness;                /* the run is outcome witness's schedule,
                                 * -1: the scene's own scheduler */
    struct real_result *real;   /* the scene run for real */
    struct real_result *py;     /* ... and in the student's CPython */
    char py_version[32];        /* that interpreter's version */
    int py_gil;                 /* it ran with a GIL */
    int64_t py_elapsed_ns;      /* all its runs, start-up included */
    char py_note[240];          /* why there are no CPython runs */
    struct real_costs costs;    /* @measure: switch costs on this machine */
    int have_costs;
    int real_runs;              /* runs r asks for */
    int real_runs_set;          /* the student chose them (+ -): they stay */
    int64_t real_widen_ns;      /* w: pause after each shared read */
    int real_shown;             /* the kept run shown: in real->kept[] */
    int real_zoom;              /* the real axis, zoomed in this many times */
    int64_t real_t0;            /* its first nanosecond shown */
    enum view_mode view;
    char job_note[200];         /* why a job could not run */

    /* questions of the page: one state per directive (only asks used) */
    struct ask_state *asks;
    int prompt;                 /* typing: PROMPT_ANSWER (open while a
                                 * question waits) or PROMPT_PAGE */
    int ask_aside;              /* Esc put the question aside: keys work */
    char input[48];
    int ninput;

    /* what is looked at */
    int focus;
    int focus_auto;             /* the view may move the focus to the text
                                 * when it does not fit (until Tab) */
    int sel;                    /* selected task, -1: follow who runs */
    int text_scroll, code_scroll, log_scroll;
    struct zoom zoom;
    int zoom_set;               /* the student chose the zoom */
    int64_t lesson_span;        /* the longest run any page of the lesson
                                 * shows, in ticks */
    int64_t scale_span;         /* the timeline's scale fits this many
                                 * ticks: lesson_span, or the page's
                                 * @scale (0: the page's own run) */
    int64_t view_t0;            /* first tick shown on the timeline */
    int64_t last_cursor;        /* to highlight what changed */
    int64_t last_ts;            /* cursor before the last move, -1 */

    /* filled in by the view for the mouse: where the lanes are */
    struct app_hit {
        int y, x0, x1;
        int task;               /* -1 for a CPU lane */
        int cmp;                /* index of the compared scene, -1 */
    } hits[96];
    int nhits;
    int lane_x0;                /* first column of the time axis */
};

extern const int app_speeds[];
extern const int app_nspeeds;

void app_init(struct app *a, struct progress *pg);
void app_done(struct app *a);

/* Open a lesson file at page (from 0).  Returns 0, or -1 with the error
 * (FILE:LINE:COL ...) in err. */
int app_open(struct app *a, const char *path, int page, struct strbuf *err);
/* Open a lesson already loaded (the app owns it from now on); path names it
 * for the progress file.  It must have pages. */
void app_open_lesson(struct app *a, struct lesson *L, const char *path,
                     int page);
/* Show the cursor at tick t with a fixed zoom (for bench and tests). */
void app_set_view(struct app *a, int64_t t, struct zoom z);
/* Show the lesson picker with the lessons in paths. */
void app_picker(struct app *a, char **paths, int n);
/* Put the picker's cursor on the lesson whose file name is key. */
void app_picker_select(struct app *a, const char *key);
/* What the command line asks for: the lesson named (a path, or a name
 * found as lessons_find finds it) at page (from 0), or with no lesson the
 * picker, its cursor on the lesson last (a file name) if not NULL.
 * Returns 0, or -1 with the error in err. */
int app_start(struct app *a, const char *lesson, int page, const char *last,
              struct strbuf *err);

/* Handle one key (actions.h says what each key does in each mode). */
void app_key(struct app *a, int key);
/* The mode the screen is in: one of enum app_mode (actions.h). */
int app_mode(const struct app *a);
/* A mouse click at a screen cell. */
void app_click(struct app *a, int x, int y);
void app_tick(struct app *a, int64_t now_ms);
/* Milliseconds until app_tick has something to do, or -1. */
int64_t app_timeout(const struct app *a, int64_t now_ms);
/* Nothing animates: app_timeout is -1. */
int app_idle(const struct app *a);
/* The screen size changed. */
void app_resize(struct app *a, int width, int height);

/* ---- for the view ------------------------------------------------------- */

const struct page *app_page(const struct app *a);
/* The task the code panel shows (selected, or the one that runs). */
int app_shown_task(struct app *a);
/* The first column of the timeline's time axis, and how many it has. */
int app_lane_x0(const struct app *a);
int app_lane_width(const struct app *a);
/* The end of the timeline: the longest run on the page. */
int64_t app_span(const struct app *a);
/* Ticks per column and columns per tick of the current zoom. */
struct zoom app_zoom(const struct app *a);
/* The ask directive waiting for an answer, or NULL. */
const struct directive *app_pending_ask(const struct app *a, int *index);
/* The real run shown (v): a kept trace, or NULL; *run: its index. */
const struct trace *app_real_trace(const struct app *a, int *run);
/* Why the run shown was kept, for its title: "the median wall time"
 * (returns 1), "the first run", "the first to end x = 7" (0); -1 and
 * nothing if no run is shown. */
int app_real_why(const struct app *a, struct strbuf *out);
/* The real axis: first nanosecond shown and nanoseconds per column for a
 * time axis w columns wide, and the run's first op (first_op may be
 * NULL); it spans the ops, zoomed and scrolled by the real view's keys. */
void app_real_axis(const struct app *a, int w, int64_t *t0, int64_t *per_col,
                   int64_t *first_op);
/* The interpreter r and R run scenes in: $TAKETURNS_PYTHON, or python3. */
const char *app_python(void);
/* A job is running: "exploring: 12,000 states" etc. (buf empty if not). */
void app_job_status(const struct app *a, char *buf, size_t n);
/* A puzzle page's goal, or how it was solved, in a sentence. */
void app_goal_words(const struct app *a, struct strbuf *out);
/* Tasks that may take the next tick in manual mode. */
int app_choices(struct app *a, int *tasks);
/* The key that picks task t in manual mode ('1'..'9', or its label). */
int app_task_key(const struct app *a, int t);

/* A key and what it does, as the footer shows it. */
struct app_hint {
    const char *key, *what;
};
/* The footer's hints in a mode, in order; returns how many (<= max). */
int app_hints(int mode, struct app_hint *out, int max);
/* The help's entries, in order ('\n' continues an entry on the next
 * line); returns how many (<= max). */
int app_help(const char **out, int max);

#endif
