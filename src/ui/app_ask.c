/* app_ask.c - a page's questions: the prediction typed before the run
 * shows the answer, checked and kept in the progress file. */
#include "ui/app_impl.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct ask_state *app_page_asks(const struct app *a, int p)
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
    st = app_page_asks(a, a->page);
    for (int i = 0; i < pg->ndirs; i++)
        if (pg->dirs[i].kind == DIR_ASK && !st[i].answered) {
            if (index)
                *index = i;
            return &pg->dirs[i];
        }
    return NULL;
}

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
        a->prompt = PROMPT_ANSWER;
        app_say(a, "no answer given: type it, then Enter (Esc: later)");
        return;
    }
    st = &app_page_asks(a, a->page)[i];
    st->answered = 1;
    st->right = answer_right(dv, a->input);
    snprintf(st->given, sizeof(st->given), "%s", a->input);
    for (int j = 0; j < i; j++)
        k += pg->dirs[j].kind == DIR_ASK;
    progress_answer(a->progress, a->key, a->page, k, st->right);
    progress_save(a->progress);
    if (st->right)
        app_say(a, "Right: %s.", dv->answer);
    else
        app_complain(a, "Not quite: you said %s, the answer is %s.", st->given,
                     dv->answer);
    a->ninput = 0;
    a->input[0] = '\0';
    if (app_pending_ask(a, NULL)) {
        a->prompt = PROMPT_ANSWER;  /* the next question */
        return;
    }
    app_reveal_explore(a);
    if (app_has_run(a) && a->until > a->cursor && !a->manual)
        app_play_to(a, a->until, !a->speed_set);
}

/* ---- typing the answer -------------------------------------------------- */

int act_ask_enter(struct app *a, int key)
{
    (void)key;
    if (a->prompt == PROMPT_PAGE) {
        char text[sizeof(a->input)];

        snprintf(text, sizeof(text), "%s", a->input);
        trim(text);
        a->prompt = PROMPT_NONE;
        a->ninput = 0;
        a->input[0] = '\0';
        if (text[0])
            app_goto_page(a, text);
        if (app_pending_ask(a, NULL) && !a->ask_aside)
            a->prompt = PROMPT_ANSWER;
        return 1;
    }
    submit_answer(a);
    return 1;
}

int act_ask_later(struct app *a, int key)
{
    (void)key;
    if (a->prompt == PROMPT_PAGE) {
        a->prompt = app_pending_ask(a, NULL) && !a->ask_aside ?
                    PROMPT_ANSWER : PROMPT_NONE;
        a->ninput = 0;
        a->input[0] = '\0';
        return 1;
    }
    a->prompt = 0;
    a->ask_aside = 1;
    a->ninput = 0;
    a->input[0] = '\0';
    app_say(a, "answer put aside: keys work again · Enter answers");
    return 1;
}

int act_ask_erase(struct app *a, int key)
{
    (void)key;
    if (a->ninput > 0)
        a->input[--a->ninput] = '\0';
    return 1;
}

int act_ask_type(struct app *a, int key)
{
    if (key >= ' ' && key < 127 && a->ninput + 1 < (int)sizeof(a->input) - 8) {
        a->input[a->ninput++] = (char)key;
        a->input[a->ninput] = '\0';
    }
    return 1;
}

void app_open_prompt(struct app *a, int first)
{
    a->prompt = PROMPT_ANSWER;
    a->ask_aside = 0;
    a->ninput = 0;
    a->input[0] = '\0';
    app_pause(a);
    if (first)
        act_ask_type(a, first);
}

/* ---- keys on the page --------------------------------------------------- */

/* Enter: answer the question that waits. */
int act_answer(struct app *a, int key)
{
    (void)key;
    if (app_pending_ask(a, NULL))
        app_open_prompt(a, 0);
    else
        app_say(a, "no question waits for an answer on this page");
    return 1;
}

/* A digit starts the answer, if a question waits (else it picks a task). */
int act_answer_digit(struct app *a, int key)
{
    if (!app_pending_ask(a, NULL) || a->manual)
        return 0;
    app_open_prompt(a, key);
    return 1;
}
