/* cmd_screen.c - `taketurns screen`: the lesson screen as text.
 *
 *     taketurns screen [LESSON] [--page P] [--step K] [--size WxH]
 *                      [--keys SCRIPT] [--ascii] [--present]
 *
 * Opens the lesson at page P (from 1) on a headless curses screen of W x H
 * (default $COLUMNS x $LINES, else 80x24), lets the page play to where it
 * stops, steps K ticks forward (→), plays the key script SCRIPT if given
 * (keys.h: "m 1 1 <Left>"), and prints the screen read back from curses,
 * exactly as the TUI draws it.  Without a lesson: the lesson picker.
 * Nothing is written to the progress file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "ui/app.h"
#include "ui/driver.h"
#include "ui/keys.h"
#include "ui/term.h"
#include "ui/view.h"

static void parse_size(const char *val, int *w, int *h)
{
    if (sscanf(val, "%dx%d", w, h) != 2 || *w < 1 || *h < 1 || *w > 1000 ||
        *h > 1000)
        cli_usage_error("screen", "--size takes WIDTHxHEIGHT, such as 80x24 "
                        "(got '%s')", val);
}

static int env_size(const char *name, int def)
{
    const char *v = getenv(name);
    int n = v ? atoi(v) : 0;

    return n >= 1 && n <= 1000 ? n : def;
}

int cmd_screen(int argc, char **argv)
{
    enum { OPT_PAGE = 1, OPT_STEP, OPT_SIZE, OPT_KEYS, OPT_ASCII,
           OPT_PRESENT };
    static const struct cli_opt opts[] = {
        {"page", 1, OPT_PAGE}, {"step", 1, OPT_STEP}, {"size", 1, OPT_SIZE},
        {"keys", 1, OPT_KEYS}, {"ascii", 0, OPT_ASCII},
        {"present", 0, OPT_PRESENT}, {NULL, 0, 0},
    };
    struct cli c;
    const char *lesson = NULL, *val, *keys = NULL;
    int id, page = 1, ascii = 0, rc = 0, present = 0;
    int64_t steps = 0, clock = 0;
    struct term_opts o = {1, env_size("COLUMNS", 80), env_size("LINES", 24),
                          0, 0};
    struct progress *pg = xcalloc(1, sizeof(*pg));   /* in memory only */
    struct key_script ks = {NULL, 0, 0};
    struct app a;
    struct strbuf err;

    cli_init(&c, "screen", argc, argv);
    while ((id = cli_next(&c, opts, &val)) >= 0) {
        switch (id) {
        case 0:
            if (lesson)
                cli_usage_error("screen", "one lesson at a time (got '%s' and "
                                "'%s')", lesson, val);
            lesson = val;
            break;
        case OPT_PAGE:
            page = (int)cli_int("screen", "page", val, 1, 100000);
            break;
        case OPT_STEP:
            steps = cli_int("screen", "step", val, 0, 1000000);
            break;
        case OPT_SIZE:
            parse_size(val, &o.width, &o.height);
            break;
        case OPT_KEYS:
            keys = val;
            break;
        case OPT_ASCII:
            ascii = 1;
            break;
        case OPT_PRESENT:
            present = 1;
            break;
        }
    }
    o.ascii = ascii;
    sb_init(&err);
    if (keys && keys_parse(keys, &ks, &err) < 0)
        cli_usage_error("screen", "--keys: %s", err.s);
    app_init(&a, pg);
    a.present = present;
    if (app_start(&a, lesson, page - 1, NULL, &err) < 0) {
        fputs(err.s, stderr);
        rc = 1;
    } else if (lesson && page > a.L->npages) {
        cli_usage_error("screen", "--page %d: the lesson has %d page%s",
                        page, a.L->npages, a.L->npages == 1 ? "" : "s");
    }
    if (rc == 0) {
        if (term_start(&o, &err) < 0) {
            fprintf(stderr, "taketurns screen: error: %s\n", err.s);
            rc = 1;
        } else {
            app_resize(&a, o.width, o.height);
            driver_settle(&a, &clock);
            view_draw(&a);
            /* Step as the keys would, but draw only the last frame: a
             * step costs a seek in the trace, a frame a whole screen.
             * No frame in between changes what a step does. */
            for (int64_t i = 0; i < steps; i++)
                app_key(&a, K_RIGHT);
            if (steps > 0)
                view_draw(&a);
            driver_script(&a, &ks, &clock, stdout);
            driver_dump(&a, stdout);
            term_stop();
        }
    }
    keys_free(&ks);
    app_done(&a);
    progress_free(pg);
    sb_done(&err);
    return rc;
}
