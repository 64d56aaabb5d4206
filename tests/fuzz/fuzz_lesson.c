/* fuzz_lesson.c - libFuzzer harness: the lesson loader and what reads a
 * lesson.  The input is a lesson file's bytes: read it (source_from_text,
 * every byte), parse and compile it (lesson_from_text), then run every
 * scene (small step budget, with the text, JSON and timeline reports) and
 * explore it (a few thousand states, with the witness replayed).  Limits
 * are small so that each input takes milliseconds; the memory budget is
 * 64 MiB.  Built and run by `make fuzz` (tests/fuzz/run.sh).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "explore.h"
#include "lesson.h"
#include "membudget.h"
#include "report.h"
#include "schedule.h"
#include "sim.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FUZZ_SCENES = 4, FUZZ_BUDGET = 20000, FUZZ_STATES = 2000 };

static void run_scene(const struct lesson *L, int scene)
{
    struct scene_config cfg = L->scenes[scene].cfg;
    struct schedule sch;
    struct strbuf out;
    struct sim *s;
    int off, has_sch;

    if (cfg.budget > FUZZ_BUDGET)
        cfg.budget = FUZZ_BUDGET;
    sb_init(&out);
    has_sch = cfg.schedule && scene_schedule_parse(&L->scenes[scene],
                                                   cfg.schedule, &sch, &off,
                                                   &out) == 0;
    sb_done(&out);
    s = sim_new(L, scene, &cfg, has_sch ? &sch : NULL, 1);
    sim_run(s);
    {
        struct report r = {L, scene, &cfg, sim_trace(s), NULL};

        sb_init(&out);
        report_text(&out, &r);
        report_json(&out, &r);
        report_timeline(&out, &r, 80);
        sb_done(&out);
    }
    /* Seek back to the middle, as the TUI does. */
    sim_seek(s, sim_now(s) / 2);
    sim_free(s);
    if (has_sch)
        schedule_done(&sch);
}

static void explore_scene(const struct lesson *L, int scene)
{
    struct scene_config cfg = L->scenes[scene].cfg;
    struct explore_limits lim;
    struct explore_result *r;
    struct strbuf out;

    if (cfg.budget > FUZZ_BUDGET)
        cfg.budget = FUZZ_BUDGET;
    explore_limits_init(&lim);
    lim.max_states = FUZZ_STATES;
    lim.max_preemptions = scene % 2 ? 2 : -1;
    r = explore_run(L, scene, &cfg, &lim);
    sb_init(&out);
    explore_format_text(&out, r, scene % 2);
    explore_format_json(&out, r);
    sb_done(&out);
    if (r->noutcomes > 0) {
        struct sim *s = explore_witness_sim(r, 0);

        if (s) {
            sim_run(s);
            sim_free(s);
        }
    }
    explore_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int started;
    struct source *src;
    struct lesson *L;
    struct diag d;
    char *text;

    if (!started) {
        mem_set_limit((size_t)64 << 20);
        started = 1;
    }
    if (size > SOURCE_MAX_BYTES)
        return 0;
    diag_init(&d);
    src = source_from_text("fuzz.lesson", (const char *)data, size, &d);
    source_free(src);
    text = xstrndup((const char *)data, size);
    L = lesson_from_text("fuzz.lesson", text, &d);
    free(text);
    if (L) {
        for (int i = 0; i < L->nscenes && i < FUZZ_SCENES; i++) {
            run_scene(L, i);
            explore_scene(L, i);
        }
        lesson_free(L);
    }
    diag_done(&d);
    return 0;
}
