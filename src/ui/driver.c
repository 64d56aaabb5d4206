/* driver.c - the TUI's main loop and the key-script player (driver.h). */
#include "ui/driver.h"

#include <time.h>

#include "ui/draw.h"
#include "ui/term.h"
#include "ui/view.h"

static void handle(struct app *a, int key, int x, int y)
{
    int w, h;

    switch (key) {
    case K_NONE:
        break;
    case K_RESIZE:
        term_size(&w, &h);
        app_resize(a, w, h);
        break;
    case K_CLICK:
        app_click(a, x, y);
        break;
    case K_WHEEL_UP:
        app_key(a, K_UP);
        break;
    case K_WHEEL_DOWN:
        app_key(a, K_DOWN);
        break;
    default:
        app_key(a, key);
        break;
    }
}

int driver_loop(struct app *a)
{
    int w, h;

    term_size(&w, &h);
    a->now_ms = term_now_ms();
    /* A page opened before the clock started plays from now, not from the
     * clock's zero (which would jump it to its stop at once). */
    a->last_ms = a->now_ms;
    app_resize(a, w, h);
    while (!a->quit) {
        int x = 0, y = 0, key;

        app_tick(a, term_now_ms());
        if (a->quit)
            break;
        view_draw(a);
        term_show();
        key = term_wait(app_timeout(a, term_now_ms()), &x, &y);
        if (key < 0)
            return term_signal();
        /* Every key already typed, then one frame. */
        while (key != K_NONE && !a->quit) {
            a->now_ms = term_now_ms();
            handle(a, key, x, y);
            key = term_poll_key(&x, &y);
        }
    }
    return 0;
}

void driver_settle(struct app *a, int64_t *clock_ms)
{
    /* A run is finite and playback always moves, so this ends; the bound
     * is a guard against a bug turning a test into a hang.  Work on a
     * thread (the explorer, real runs) takes real time: wait for it. */
    for (long guard = 0; !app_idle(a) && guard < 10000000; guard++) {
        int64_t to = app_timeout(a, *clock_ms);

        if (job_busy(&a->job)) {
            struct timespec ts = {0, 2000000};

            nanosleep(&ts, NULL);
        }
        *clock_ms += to > 0 ? to : 1;
        app_tick(a, *clock_ms);
    }
}

static void sleep_virtual(struct app *a, int64_t ms, int64_t *clock_ms)
{
    int64_t target = *clock_ms + ms;

    while (*clock_ms < target) {
        int64_t to = app_timeout(a, *clock_ms);

        if (to < 0 || *clock_ms + (to > 0 ? to : 1) > target)
            *clock_ms = target;
        else
            *clock_ms += to > 0 ? to : 1;
        app_tick(a, *clock_ms);
    }
}

void driver_dump(struct app *a, FILE *out)
{
    view_draw(a);
    term_show();
    draw_dump(out, a->width, a->height);
    fflush(out);
}

void driver_script(struct app *a, const struct key_script *ks,
                   int64_t *clock_ms, FILE *out)
{
    for (size_t i = 0; i < ks->n && !a->quit; i++) {
        const struct key_event *ev = &ks->ev[i];

        a->now_ms = *clock_ms;
        switch (ev->cmd) {
        case KC_KEY:
            if (ev->key == K_CLICK) {
                /* The hit map comes from the frame the click lands on. */
                view_draw(a);
                app_click(a, ev->x, ev->y);
            } else if (ev->key == K_RESIZE) {
                app_resize(a, a->width, a->height);
            } else {
                handle(a, ev->key, 0, 0);
            }
            app_tick(a, *clock_ms);
            break;
        case KC_WAIT:
            driver_settle(a, clock_ms);
            break;
        case KC_SLEEP:
            sleep_virtual(a, ev->ms, clock_ms);
            break;
        case KC_SIZE:
            term_resize(ev->x, ev->y);
            app_resize(a, ev->x, ev->y);
            break;
        case KC_DUMP:
            driver_dump(a, out);
            break;
        }
        /* The terminal loop draws after every key; so does this. */
        view_draw(a);
    }
}
