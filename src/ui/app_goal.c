/* app_goal.c - puzzles: a page with @goal opens in manual mode, the
 * student schedules until the goal is reached, and H hints at the next
 * step of a way there with the fewest preemptions (goal.h). */
#include "ui/app_impl.h"

#include <string.h>

#include "goal.h"

/* Searches made while the student waits stay small: a puzzle's scene is. */
enum { HINT_MAX_STATES = 200000 };

/* Turns the student has given so far (ticks in which someone ran) and the
 * preemptions among them, as the explorer counts them. */
static void used(struct app *a, int64_t *steps, int *preempts)
{
    const struct trace *tr = a->tape->tr;
    size_t past = tape_past_events(a->tape, a->cursor);

    *steps = 0;
    *preempts = 0;
    for (int64_t t = 0; t < a->cursor; t++)
        *steps += tape_busy(a->tape, t);
    for (size_t i = 0; i < past; i++)
        if (tr->events[i].kind == EV_SWITCH &&
            switch_kind_of[tr->events[i].reason] == SWK_PREEMPT)
            (*preempts)++;
}

void app_goal_open(struct app *a)
{
    const struct page *pg = app_page(a);
    struct goal_result gr;

    a->goal = pg->goal;
    a->goal_solved = 0;
    a->goal_best = -1;
    if (!a->goal || !a->tape)
        return;
    goal_search(a->L, pg->scene, &a->tape->cfg, NULL, a->goal,
                HINT_MAX_STATES, &gr);
    if (gr.found)
        a->goal_best = gr.preemptions;
    goal_result_done(&gr);
    tape_take_over(a->tape, 0);
    a->cursor = 0;
    a->manual = 1;
    app_pause(a);
    app_say_choices(a);
}

void app_goal_check(struct app *a)
{
    int64_t steps;
    int preempts;

    if (!a->goal || !a->manual || !a->tape ||
        !goal_holds(a->L, tape_at(a->tape, a->cursor), a->goal))
        return;
    used(a, &steps, &preempts);
    a->goal_solved = 1;
    a->goal_steps = steps;
    a->goal_preempts = preempts;
    /* kept, so that the lesson shows it solved when opened again */
    progress_solve(a->progress, a->key, a->page, steps, preempts);
    progress_save(a->progress);
}

int app_goal_say(struct app *a)
{
    if (!a->goal || !a->goal_solved || !a->tape ||
        !goal_holds(a->L, tape_at(a->tape, a->cursor), a->goal))
        return 0;
    app_say(a, "solved: the goal is reached · ← and try another way, or "
            "PgDn: next page");
    return 1;
}

void app_goal_words(const struct app *a, struct strbuf *out)
{
    int steps, preempts;

    if (!a->goal_solved) {
        sb_puts(out, "Goal: ");
        goal_describe(a->L, a->goal, out);
        sb_puts(out, ". You are the scheduler: pick who runs each step; ← "
                "undoes; H hints.");
        if (progress_solved(progress_find(a->progress, a->key), a->page,
                            &steps, &preempts))
            sb_printf(out, " Solved before, in %d step%s with %d "
                      "preemption%s.", steps, steps == 1 ? "" : "s",
                      preempts, preempts == 1 ? "" : "s");
        return;
    }
    sb_printf(out, "Solved in %lld step%s with %d preemption%s",
              (long long)a->goal_steps, a->goal_steps == 1 ? "" : "s",
              a->goal_preempts, a->goal_preempts == 1 ? "" : "s");
    if (a->goal_best < 0)
        sb_puts(out, ".");
    else if (a->goal_preempts <= a->goal_best)
        sb_puts(out, ": the fewest possible.");
    else
        sb_printf(out, "; the fewest possible is %d.", a->goal_best);
}

int act_hint(struct app *a, int key)
{
    struct goal_result gr;
    const struct sim *s;

    (void)key;
    if (!a->goal || !a->tape)
        return 0;
    if (!a->manual) {
        a->manual = 1;
        app_pause(a);
    }
    s = tape_at(a->tape, a->cursor);
    if (goal_holds(a->L, s, a->goal)) {
        app_say(a, "the goal is reached here · ← and try another way");
        return 1;
    }
    goal_search(a->L, app_page(a)->scene, &a->tape->cfg, s, a->goal,
                HINT_MAX_STATES, &gr);
    if (gr.found && gr.witness.nsteps > 0) {
        int t = gr.witness.steps[0].task;

        app_say(a, "hint: %s runs next (key %c) · the way there from here "
                "needs %d preemption%s more", app_label(a, t),
                app_task_key(a, t), gr.preemptions,
                gr.preemptions == 1 ? "" : "s");
    } else if (gr.complete) {
        app_complain(a, "from here the goal cannot be reached: ← goes back");
    } else {
        app_complain(a, "no hint: the search from here is too big");
    }
    goal_result_done(&gr);
    return 1;
}
