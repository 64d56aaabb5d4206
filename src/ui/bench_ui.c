/* bench_ui.c - timing the lesson screen (see bench_ui.h). */
#include "ui/bench_ui.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "ui/app.h"
#include "ui/term.h"
#include "ui/view.h"

/* Two threads racing on one CPU, quantum 3: n iterations each give a run
 * of about 14 n ticks. */
static const char bench_lesson[] =
    "lesson \"bench: the lesson screen\"\n"
    "shared x = 0\n"
    "def worker(n):\n"
    "    global x\n"
    "    for i in range(n):\n"
    "        x = x + 1\n"
    "scene race:\n"
    "    mode threads\n"
    "    cpus 1\n"
    "    quantum 3\n"
    "    budget 100000000\n"
    "    run worker(%d) as A\n"
    "    run worker(%d) as B\n"
    "page \"bench\":\n"
    "    Two threads race on x.\n"
    "    @scene race\n";

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static struct lesson *make(int n)
{
    char text[sizeof(bench_lesson) + 64];
    struct diag d;
    struct lesson *L;

    snprintf(text, sizeof(text), bench_lesson, n, n);
    diag_init(&d);
    L = lesson_from_text("bench", text, &d);
    if (!L)
        die("bench lesson: %s", d.text.s);
    diag_done(&d);
    return L;
}

/* The best time of a few frames, each drawn and shown in full. */
static double frame_us(struct app *a)
{
    double best = 1e30;

    for (int i = 0; i < 30; i++) {
        double t0 = now_us(), dt;

        view_draw(a);
        term_show();
        dt = now_us() - t0;
        if (dt < best)
            best = dt;
    }
    return best;
}

int ui_bench_measure(struct ui_bench *b)
{
    struct term_opts o = {1, 120, 40, 0, 0};
    struct progress *pg = xcalloc(1, sizeof(*pg));
    struct strbuf err;
    struct zoom z = {1, 1};
    struct app a;
    int64_t cursor = 60;

    memset(b, 0, sizeof(*b));
    sb_init(&err);
    if (term_start(&o, &err) < 0) {
        sb_done(&err);
        free(pg);
        return -1;
    }
    app_init(&a, pg);
    app_resize(&a, 120, 40);

    app_open_lesson(&a, make(7), "bench-small", 0);
    b->small_ticks = a.tape->end;
    app_set_view(&a, cursor, z);
    b->render_us_small = frame_us(&a);

    app_open_lesson(&a, make(7150), "bench-large", 0);
    b->large_ticks = a.tape->end;
    app_set_view(&a, cursor, z);
    b->render_us_large = frame_us(&a);

    /* Seeking: from the last tick to the first and back. */
    b->seek_ms = 1e30;
    for (int i = 0; i < 5; i++) {
        double t0;

        tape_at(a.tape, a.tape->end);
        t0 = now_us();
        tape_at(a.tape, 0);
        tape_at(a.tape, a.tape->end);
        if ((now_us() - t0) / 1000 < b->seek_ms)
            b->seek_ms = (now_us() - t0) / 1000;
    }
    app_done(&a);
    term_stop();
    progress_free(pg);
    sb_done(&err);
    return 0;
}
