/* fuzz_tui.c - libFuzzer harness: the TUI driven by a key script, headless.
 *
 * The input is a key script (keys.h), a line "%%", and a lesson:
 *
 *     <Right> n e <Wait> <PgDn> m 1 <Dump>
 *     %%
 *     lesson "..."
 *
 * (without the "%%" line, all of it is the lesson and the keys are a fixed
 * tour).  The lesson opens in the real app on a virtual screen, the keys
 * are played with a virtual clock, and every <Dump> draws a frame.  Real
 * runs ('r') are left out: they start threads and processes and take
 * wall-clock time; long sleeps and huge screens are trimmed.  The memory
 * budget is 32 MiB, which also bounds the explorer ('e').  Built and run
 * by `make fuzz` (tests/fuzz/run.sh).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "membudget.h"
#include "ui/app.h"
#include "ui/driver.h"
#include "ui/keys.h"
#include "ui/progress.h"
#include "ui/term.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char default_keys[] =
    "<Right> <Right> n N <End> <Home> <Tab> <Down> <Up> e <Wait> <Enter> "
    "<PgDn> m 1 2 <Left> m <Space> <Sleep 200> <Size 100x30> ? x <Dump>";

static char path[] = "/tmp/tt-fuzz-tui-XXXXXX.lesson";
static FILE *null_out;

static int start(void)
{
    struct term_opts o = {1, 80, 24, 0, 0};
    struct strbuf err;
    int fd = mkstemps(path, 7);

    if (fd < 0)
        return -1;
    close(fd);
    null_out = fopen("/dev/null", "w");
    mem_set_limit((size_t)32 << 20);
    sb_init(&err);
    if (term_start(&o, &err) < 0) {
        fprintf(stderr, "fuzz_tui: %s\n", err.s);
        sb_done(&err);
        return -1;
    }
    sb_done(&err);
    return 0;
}

/* Leave out what takes real time or real resources. */
static void tame(struct key_script *ks)
{
    size_t n = 0;

    for (size_t i = 0; i < ks->n; i++) {
        struct key_event ev = ks->ev[i];

        if (ev.cmd == KC_KEY && (ev.key == 'r' || ev.key == 'R'))
            continue;
        if (ev.cmd == KC_SLEEP && (ev.ms < 0 || ev.ms > 5000))
            ev.ms = 5000;
        if (ev.cmd == KC_SIZE) {
            ev.x = ev.x < 1 ? 1 : ev.x > 200 ? 200 : ev.x;
            ev.y = ev.y < 1 ? 1 : ev.y > 80 ? 80 : ev.y;
        }
        ks->ev[n++] = ev;
    }
    ks->n = n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    char *sep = NULL;
    char *input, *keys_text, *lesson;
    struct key_script ks;
    struct strbuf err;
    struct progress *pg;
    struct app a;
    int64_t clock = 0;
    FILE *f;

    if (!ready) {
        if (start() < 0)
            abort();
        ready = 1;
    }
    if (size > 65536)
        return 0;
    input = xstrndup((const char *)data, size);
    if (strncmp(input, "%%\n", 3) == 0)
        sep = input;
    else if ((sep = strstr(input, "\n%%\n")) != NULL)
        sep++;
    if (sep) {
        keys_text = xstrndup(input, (size_t)(sep - input));
        lesson = sep + 3;
    } else {
        keys_text = xstrdup(default_keys);
        lesson = input;
    }
    sb_init(&err);
    if (keys_parse(keys_text, &ks, &err) < 0) {
        free(keys_text);
        free(input);
        sb_done(&err);
        return 0;
    }
    tame(&ks);
    f = fopen(path, "w");
    if (f) {
        fputs(lesson, f);
        fclose(f);
    }
    pg = xcalloc(1, sizeof(*pg));   /* in memory only */
    app_init(&a, pg);
    term_resize(80, 24);
    if (app_open(&a, path, 0, &err) == 0) {
        app_resize(&a, 80, 24);
        driver_settle(&a, &clock);
        driver_script(&a, &ks, &clock, null_out);
        driver_dump(&a, null_out);
    }
    app_done(&a);
    progress_free(pg);
    keys_free(&ks);
    sb_done(&err);
    free(keys_text);
    free(input);
    return 0;
}
