/* actions.c - key handling, footers and help, all from APP_ACTIONS. */
#include "ui/app_impl.h"

#include <ctype.h>

enum { ACTION_MAX_KEYS = 4 };

struct action {
    int (*fn)(struct app *a, int key);
    int keys[ACTION_MAX_KEYS];
    int modes;
    int footer_modes, footer_pos;
    const char *footer_key, *footer_what;
    const char *help;
};

/* Rows that only give a footer hint or a help line. */
int act_none(struct app *a, int key)
{
    (void)a;
    (void)key;
    return 0;
}

static const struct action actions[ACT_COUNT] = {
#define X(id, fn, ks, modes, fmodes, fpos, fkey, fwhat, help) \
    [ACT_##id] = {fn, ks, modes, fmodes, fpos, fkey, fwhat, help},
    APP_ACTIONS(X)
#undef X
};

static int key_matches(const struct app *a, int want, int key)
{
    switch (want) {
    case 0:
        return 0;
    case AK_DIGIT:
        return key >= '0' && key <= '9';
    case AK_TASK:
        return app_task_for_key(a, key) >= 0;
    case AK_TASK_LOWER:
        return key >= 'a' && key <= 'z' &&
               app_task_for_key(a, toupper(key)) >= 0;
    case AK_TEXT:
        return key >= ' ' && key < 127;
    default:
        return key == want;
    }
}

/* A key no action took: say so, if it is one a person would type. */
static void unknown_key(struct app *a, int key)
{
    if (key >= '1' && key <= '9' && a->tape)
        app_complain(a, "there is no task %c: tasks are 1-%d", key,
                     a->tape->tr->ntasks);
    else if (key > ' ' && key < 127)
        app_complain(a, "%c does nothing here · ? lists the keys", key);
}

void app_key(struct app *a, int key)
{
    int mode;

    if (a->help) {
        a->help = 0;    /* any key only closes the help, as in less */
        return;
    }
    mode = app_mode(a);
    if (mode != M_ASK)
        a->msg[0] = '\0';
    for (int i = 0; i < ACT_COUNT; i++) {
        const struct action *ac = &actions[i];

        if (!(ac->modes & mode))
            continue;
        for (int k = 0; k < ACTION_MAX_KEYS; k++)
            if (key_matches(a, ac->keys[k], key)) {
                if (ac->fn(a, key))
                    return;
                break;
            }
    }
    if (mode & M_LESSON)
        unknown_key(a, key);
}

int app_hints(int mode, struct app_hint *out, int max)
{
    int n = 0;

    /* In the order of their places; a place is used once per mode. */
    for (int pos = 1; pos <= ACT_COUNT && n < max; pos++)
        for (int i = 0; i < ACT_COUNT && n < max; i++) {
            const struct action *ac = &actions[i];

            if (ac->footer_pos == pos && (ac->footer_modes & mode)) {
                out[n].key = ac->footer_key;
                out[n].what = ac->footer_what;
                n++;
            }
        }
    return n;
}

int app_help(const char **out, int max)
{
    int n = 0;

    for (int i = 0; i < ACT_COUNT && n < max; i++)
        if (actions[i].help)
            out[n++] = actions[i].help;
    return n;
}
