/* cmd_explore.c - `taketurns explore`: every outcome a scene can have. */
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "explore.h"

/* Unicode bars when the terminal's character set is UTF-8. */
static int locale_is_ascii(void)
{
    const char *cs;

    if (!setlocale(LC_CTYPE, ""))
        return 1;
    cs = nl_langinfo(CODESET);
    return !cs || (strcmp(cs, "UTF-8") != 0 && strcmp(cs, "utf8") != 0);
}

int cmd_explore(int argc, char **argv)
{
    enum { OPT_JSON = 1, OPT_MAX_PREEMPTIONS, OPT_MAX_STATES, OPT_NAIVE,
           OPT_ASCII, OPT_FULL, OPT_REDUCED, OPT_THREADS };
    static const struct cli_opt opts[] = {
        {"json", 0, OPT_JSON}, {"max-preemptions", 1, OPT_MAX_PREEMPTIONS},
        {"max-states", 1, OPT_MAX_STATES}, {"naive", 0, OPT_NAIVE},
        {"ascii", 0, OPT_ASCII}, {"full", 0, OPT_FULL},
        {"reduced", 0, OPT_REDUCED}, {"threads", 1, OPT_THREADS},
        OVERRIDE_OPTS, {NULL, 0, 0},
    };
    struct cli c;
    struct overrides ov;
    struct explore_limits lim;
    const char *lesson = NULL, *val;
    int id, json = 0, ascii = 0, scene, rc = 0;
    struct lesson *L;
    struct scene_config cfg;
    struct schedule sch;
    struct explore_result *r;
    struct strbuf out;

    cli_init(&c, "explore", argc, argv);
    overrides_init(&ov, "explore");
    explore_limits_init(&lim);
    while ((id = cli_next(&c, opts, &val)) >= 0) {
        if (id == 0) {
            if (lesson)
                cli_usage_error("explore", "one lesson at a time (got '%s' "
                                "and '%s')", lesson, val);
            lesson = val;
        } else if (id == OPT_JSON) {
            json = 1;
        } else if (id == OPT_MAX_PREEMPTIONS) {
            lim.max_preemptions = (int)cli_int("explore", "max-preemptions",
                                               val, 0,
                                               EXPLORE_MAX_PREEMPTION_BOUND);
        } else if (id == OPT_MAX_STATES) {
            lim.max_states = cli_int("explore", "max-states", val, 1,
                                     1000000000);
        } else if (id == OPT_THREADS) {
            lim.threads = (int)cli_int("explore", "threads", val, 1, 8);
        } else if (id == OPT_NAIVE) {
            lim.naive = 1;
        } else if (id == OPT_ASCII) {
            ascii = 1;
        } else if (id == OPT_FULL || id == OPT_REDUCED) {
            enum explore_reduce want = id == OPT_FULL ? EXPLORE_REDUCE_OFF :
                                       EXPLORE_REDUCE_ON;

            if (lim.reduce != EXPLORE_REDUCE_AUTO && lim.reduce != want)
                cli_usage_error("explore", "--full and --reduced: one or the "
                                "other");
            lim.reduce = want;
        } else if (id == OPT_SCHEDULE) {
            cli_usage_error("explore", "--schedule does not apply: the "
                            "explorer tries every schedule (replay one "
                            "with 'taketurns run --schedule')");
        } else {
            overrides_option(&ov, id, val);
        }
    }
    if (!lesson)
        cli_usage_error("explore", "which lesson? taketurns explore LESSON");
    if (json && ascii)
        cli_usage_error("explore", "--ascii is for the text report, not "
                        "--json");
    L = cli_load_scene(lesson, &ov, &scene);
    if (!L)
        return 1;
    overrides_apply(&ov, L, scene, &cfg, &sch);
    schedule_done(&sch);
    r = explore_run(L, scene, &cfg, &lim);
    sb_init(&out);
    if (json)
        explore_format_json(&out, r);
    else
        explore_format_text(&out, r, ascii || locale_is_ascii());
    fwrite(out.s, 1, out.len, stdout);
    fflush(stdout);
    if (r->stop == EXPLORE_MEMORY) {
        fprintf(stderr, "taketurns explore: error: stopped after %lld %s: "
                "%s; the result is partial\n", (long long)r->states,
                r->naive ? "tree nodes" : "states", r->stop_text);
        rc = 1;
    } else if (!r->complete) {
        fprintf(stderr, "taketurns explore: warning: %s after %lld %s; the "
                "result is partial (raise --max-states to see more)\n",
                explore_stop_reason(r), (long long)r->states,
                r->naive ? "tree nodes" : "states");
    }
    sb_done(&out);
    explore_free(r);
    lesson_free(L);
    return rc;
}
