/* app_manual.c - manual mode: the student is the scheduler, picking the
 * task that takes each next tick; ← undoes, m hands the run back. */
#include "ui/app_impl.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "program.h"
#include "sync.h"

int app_choices(struct app *a, int *tasks)
{
    if (!a->tape)
        return 0;
    return tape_choices(a->tape, a->cursor, tasks);
}

int app_task_key(const struct app *a, int t)
{
    const char *l = app_label(a, t);

    if (l[0] && !l[1] && isupper((unsigned char)l[0]))
        return l[0];
    return t < 9 ? '1' + t : 0;
}

int app_task_for_key(const struct app *a, int key)
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
    const char *A = app_label(a, t);
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
        if (sim_task_join(s, t) >= 0) {
            sb_printf(out, a->tape->cfg.mode == MODE_ASYNCIO ?
                      "%s awaits %s: it waits until that task is done" :
                      "%s waits in join() for %s to finish", A,
                      app_label(a, sim_task_join(s, t)));
            return;
        }
        sb_printf(out, "%s is waiting until tick %lld", A,
                  (long long)sim_task_wake(s, t));
        return;
    case TS_LOCK_WAIT: {
        int lock = sim_task_lock(s, t);
        int owner = lock >= 0 ? sim_lock_owner(s, sim_task_space(s, t), lock)
                              : -1;

        if (lock >= 0 && !sync_is_lock(P->lock_kind[lock])) {
            const struct sync_obj *o = sim_sync(s, sim_task_space(s, t), lock);

            sb_printf(out, "%s waits for ", A);
            sync_wait_text(o->kind, sync_wait_queue(o, t), P->lock_names[lock],
                           NULL, out);
            return;
        }
        sb_printf(out, "%s waits for lock %s", A,
                  lock >= 0 ? P->lock_names[lock] : "?");
        if (owner >= 0)
            sb_printf(out, ", held by %s", app_label(a, owner));
        return;
    }
    default:
        break;
    }
    if (n == 1 && sim_task_state(s, ch[0]) == TS_RUNNING) {
        if (a->tape->cfg.mode == MODE_GIL)
            sb_printf(out, "%s holds the GIL and is not at a checkpoint: it "
                      "runs on", app_label(a, ch[0]));
        else if (a->tape->cfg.mode == MODE_ASYNCIO)
            sb_printf(out, "%s has the event loop until it awaits",
                      app_label(a, ch[0]));
        else
            sb_printf(out, "only %s can run now", app_label(a, ch[0]));
        return;
    }
    if (a->tape->cfg.mode == MODE_ASYNCIO)
        sb_printf(out, "the event loop runs its ready queue in order: %s is "
                  "not first", A);
    else
        sb_printf(out, "%s cannot run now", A);
}

void app_say_choices(struct app *a)
{
    int ch[LESSON_MAX_TASKS], n = app_choices(a, ch);
    struct strbuf sb;

    if (app_goal_say(a))
        return;
    if (tape_finished(a->tape) && a->cursor >= a->tape->end) {
        app_say(a, "the run is over at tick %lld · ← undoes · m hands back",
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
                      app_label(a, ch[i]));
        sb_puts(&sb, " · ← undoes · m hands back");
    }
    app_say(a, "%s", sb.s);
    sb_done(&sb);
}

static void manual_on(struct app *a)
{
    if (!a->tape) {
        app_complain(a, "manual mode needs a page with one scene");
        return;
    }
    a->manual = 1;
    app_pause(a);
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
        app_complain(a, "%s", sb.s);
        sb_done(&sb);
        return;
    }
    app_set_cursor(a, c);
    app_say_choices(a);
}

/* A task's key: its number, or its one-letter label (A, B, ...); the
 * student becomes the scheduler if not already. */
int act_pick_task(struct app *a, int key)
{
    int t = app_task_for_key(a, key);

    if (t < 0)
        return 0;
    pick_task(a, t);
    return 1;
}

/* In manual mode a task's letter works in lower case too. */
int act_pick_task_lower(struct app *a, int key)
{
    return act_pick_task(a, toupper(key));
}

int act_manual(struct app *a, int key)
{
    (void)key;
    if (a->manual) {
        int64_t t = a->cursor;

        tape_hand_back(a->tape, t);
        a->manual = 0;
        app_say(a, "the scheduler takes over again from tick %lld",
                (long long)t);
        if (!a->zoom_set)
            app_fit_zoom(a);
        app_follow_view(a);
        return 1;
    }
    manual_on(a);
    if (a->manual)
        app_say_choices(a);
    return 1;
}

/* → in manual mode: replay what was chosen, or take the only turn. */
void app_manual_forward(struct app *a)
{
    int ch[LESSON_MAX_TASKS], n;
    int64_t c;

    if (a->cursor < a->tape->end) {
        app_set_cursor(a, tape_step_forward(a->tape, a->cursor));
        return;
    }
    n = app_choices(a, ch);
    if (n == 1) {
        pick_task(a, ch[0]);
    } else if (n == 0 && (c = tape_let_time_pass(a->tape, a->cursor)) >= 0) {
        app_set_cursor(a, c);
        app_say_choices(a);
    } else {
        app_say_choices(a);
    }
}
