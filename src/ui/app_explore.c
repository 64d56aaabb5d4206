/* app_explore.c - the explorer's view: every outcome of the page's scene,
 * found on a thread; Enter runs a schedule that ends in the chosen one. */
#include "ui/app_impl.h"

#include <stdio.h>

enum { EXPLORE_UI_MAX_STATES = 500000 };

/* show: open the outcome list now; a page that asks for a prediction
 * first explores in the background and shows it once answered. */
void app_start_explore(struct app *a, int max_preemptions, int show)
{
    if (a->ex) {
        a->ex_open = show;
        return;
    }
    if (job_explore(&a->job, a->L, a->tape->scene, &a->tape->cfg,
                    max_preemptions < 0 ? -1 : max_preemptions,
                    EXPLORE_UI_MAX_STATES) < 0) {
        app_complain(a, "cannot explore: %s", a->job.err.s);
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
void app_reveal_explore(struct app *a)
{
    if (a->ex_open || !a->tape || !app_find_dir(app_page(a), DIR_EXPLORE))
        return;
    if (!a->ex && !job_busy(&a->job))
        return;
    a->ex_open = 1;
    a->focus = FOCUS_LOG;
    a->focus_auto = 0;
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
        app_fit_zoom(a);
    app_follow_view(a);
    app_play_to(a, a->tape->end, !a->speed_set);
    sb_init(&lab);
    explore_outcome_label(&lab, a->ex, i, EXPLORE_LABEL_TERSE);
    app_say(a, "the run now follows a schedule that ends in %s: %s", lab.s,
            o->witness_text);
    sb_done(&lab);
}

int act_run_outcome(struct app *a, int key)
{
    (void)key;
    load_witness(a, a->ex_sel);
    return 1;
}

int act_explore(struct app *a, int key)
{
    const struct directive *dv;

    (void)key;
    if (!a->tape) {
        app_complain(a, "e explores a single scene: this page has none");
        return 1;
    }
    if (job_busy(&a->job) && a->job.kind == JOB_EXPLORE) {
        job_stop(&a->job);
        a->ex_open = 0;
        app_say(a, "exploring stopped");
        return 1;
    }
    if (a->ex_open) {
        a->ex_open = 0;
        if (a->focus == FOCUS_LOG)
            a->focus = FOCUS_TIMELINE;
        return 1;
    }
    if (job_busy(&a->job)) {
        app_complain(a, "a real run is going on: wait for it, or r stops it");
        return 1;
    }
    dv = app_find_dir(app_page(a), DIR_EXPLORE);
    app_start_explore(a, dv ? (int)dv->n : -1, 1);
    a->focus = FOCUS_LOG;
    a->focus_auto = 0;
    return 1;
}
