/* tui.c - `taketurns [LESSON]`: the lesson screen in the terminal.
 *
 * Without a lesson, a lesson picker.  With TAKETURNS_KEYS=FILE the TUI runs
 * headless on a virtual screen of $COLUMNS x $LINES (80x24 by default),
 * plays the key script in FILE (keys.h) and prints the screen at each
 * <Dump>: the real TUI, driven without a terminal, for tests.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "ui/app.h"
#include "ui/driver.h"
#include "ui/keys.h"
#include "ui/term.h"

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct strbuf sb;
    char buf[4096];
    size_t n;

    if (!f)
        return NULL;
    sb_init(&sb);
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        sb_add(&sb, buf, n);
    fclose(f);
    if (!sb.s)
        sb_puts(&sb, "");
    return sb_steal(&sb);
}

static int env_int(const char *name, int def, int lo, int hi)
{
    const char *v = getenv(name);
    int64_t n;

    if (!v || parse_int64(v, &n) < 0 || n < lo || n > hi)
        return def;
    return (int)n;
}

/* ---- preferences kept between runs -------------------------------------- */

/* Next to the progress file: the speed the student chose, whether pages
 * open paused, and the last lesson opened (the picker starts on it). */
struct prefs {
    int speed;          /* -1: never chosen */
    int paused;
    char last[256];
};

static char *prefs_path(const struct progress *pg)
{
    const char *slash;
    struct strbuf sb;

    if (!pg->path || !(slash = strrchr(pg->path, '/')))
        return NULL;
    sb_init(&sb);
    sb_printf(&sb, "%.*s/prefs", (int)(slash - pg->path), pg->path);
    return sb_steal(&sb);
}

static void prefs_load(const struct progress *pg, struct prefs *pf)
{
    char *path = prefs_path(pg), line[300];
    FILE *f = path ? fopen(path, "r") : NULL;

    pf->speed = -1;
    pf->paused = 0;
    pf->last[0] = '\0';
    while (f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, "speed=", 6))
            pf->speed = atoi(line + 6);
        else if (!strncmp(line, "paused=", 7))
            pf->paused = atoi(line + 7) != 0;
        else if (!strncmp(line, "last=", 5))
            snprintf(pf->last, sizeof(pf->last), "%.255s", line + 5);
    }
    if (f)
        fclose(f);
    if (pf->speed >= app_nspeeds)
        pf->speed = app_nspeeds - 1;
    free(path);
}

/* Quietly does nothing if it cannot be written: a convenience. */
static void prefs_save(const struct progress *pg, const struct prefs *pf)
{
    char *path = prefs_path(pg);
    FILE *f = path ? fopen(path, "w") : NULL;

    if (f) {
        if (pf->speed >= 0)
            fprintf(f, "speed=%d\n", pf->speed);
        fprintf(f, "paused=%d\n", pf->paused);
        if (pf->last[0])
            fprintf(f, "last=%s\n", pf->last);
        fclose(f);
    }
    free(path);
}

/* Run headless from a key script. */
static int run_script(struct app *a, const char *file, int ascii)
{
    struct term_opts o = {1, env_int("COLUMNS", 80, 1, 1000),
                          env_int("LINES", 24, 1, 1000), ascii, 0};
    struct key_script ks;
    struct strbuf err;
    char *text = read_file(file);
    int64_t clock = 0;

    sb_init(&err);
    if (!text) {
        fprintf(stderr, "taketurns: error: cannot read the key script '%s'\n",
                file);
        return 1;
    }
    if (keys_parse(text, &ks, &err) < 0) {
        fprintf(stderr, "taketurns: error: key script %s: %s\n", file, err.s);
        free(text);
        sb_done(&err);
        return 1;
    }
    free(text);
    if (term_start(&o, &err) < 0) {
        fprintf(stderr, "taketurns: error: %s\n", err.s);
        keys_free(&ks);
        sb_done(&err);
        return 1;
    }
    app_resize(a, o.width, o.height);
    driver_script(a, &ks, &clock, stdout);
    term_stop();
    keys_free(&ks);
    sb_done(&err);
    return 0;
}

int cmd_tui(int argc, char **argv)
{
    enum { OPT_PAGE = 1, OPT_ASCII, OPT_NO_MOUSE, OPT_PAUSED, OPT_PRESENT };
    static const struct cli_opt opts[] = {
        {"page", 1, OPT_PAGE}, {"ascii", 0, OPT_ASCII},
        {"no-mouse", 0, OPT_NO_MOUSE}, {"paused", 0, OPT_PAUSED},
        {"present", 0, OPT_PRESENT}, {NULL, 0, 0},
    };
    struct prefs pf;
    int paused = 0, start_paused, present = 0;
    struct cli c;
    const char *lesson = NULL, *val, *script = getenv("TAKETURNS_KEYS");
    int id, page = 1, ascii = 0, mouse = 1, rc = 0, sig = 0;
    struct progress *pg;
    struct app a;
    struct strbuf err;

    cli_init(&c, "taketurns", argc, argv);
    while ((id = cli_next(&c, opts, &val)) >= 0) {
        if (id == 0) {
            if (lesson)
                cli_usage_error(NULL, "one lesson at a time (got '%s' and "
                                "'%s')", lesson, val);
            lesson = val;
        } else if (id == OPT_PAGE) {
            page = (int)cli_int(NULL, "page", val, 1, 100000);
        } else if (id == OPT_ASCII) {
            ascii = 1;
        } else if (id == OPT_NO_MOUSE) {
            mouse = 0;
        } else if (id == OPT_PAUSED) {
            paused = 1;
        } else if (id == OPT_PRESENT) {
            present = 1;
        }
    }
    pg = progress_load();
    app_init(&a, pg);
    a.present = present;
    prefs_load(pg, &pf);
    if (pf.speed >= 0) {
        a.speed = pf.speed;
        a.speed_set = 1;
    }
    a.open_paused = pf.paused || paused;
    start_paused = a.open_paused;
    sb_init(&err);
    if (app_start(&a, lesson, page - 1, pf.last, &err) < 0) {
        fputs(err.s, stderr);
        rc = 1;
    }
    if (rc == 0 && script && *script) {
        rc = run_script(&a, script, ascii);
    } else if (rc == 0) {
        struct term_opts o = {0, 0, 0, ascii, mouse};

        if (term_start(&o, &err) < 0) {
            fprintf(stderr, "taketurns: error: %s\n", err.s);
            rc = 1;
        } else {
            sig = driver_loop(&a);
            term_stop();
        }
    }
    progress_save(pg);
    if (a.speed_set)
        pf.speed = a.speed;
    if (a.open_paused != start_paused)
        pf.paused = a.open_paused;  /* p was pressed: --paused is for now */
    if (a.last_key[0])
        snprintf(pf.last, sizeof(pf.last), "%s", a.last_key);
    prefs_save(pg, &pf);
    app_done(&a);
    progress_free(pg);
    sb_done(&err);
    if (sig) {
        /* Die of the signal, as the shell expects, now the terminal is
         * back to normal. */
        signal(sig, SIG_DFL);
        raise(sig);
        return 128 + sig;
    }
    return rc;
}
