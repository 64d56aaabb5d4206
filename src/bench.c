/* bench.c - `taketurns bench`: speed and memory of the parts that matter.
 *
 * Timing lives here and only here: tests never depend on how fast or how
 * loaded the machine is.  Each figure is the best of a few runs.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "explore.h"
#include "json.h"
#include "real/real.h"
#include "sim.h"
#include "vm.h"
#include "ui/bench_ui.h"

/* Two threads racing on a shared counter, on two CPUs: 2 x 1,250,000 loop
 * iterations of 7 ops each, 17.5 million ops in all, trace recorded. */
static const char bench_race[] =
    "lesson \"bench: two threads racing on a loop\"\n"
    "shared x = 0\n"
    "def worker(n):\n"
    "    global x\n"
    "    for i in range(n):\n"
    "        x = x + 1\n"
    "scene race:\n"
    "    mode threads\n"
    "    cpus 2\n"
    "    budget 100000000\n"
    "    run worker(1250000) as A\n"
    "    run worker(1250000) as B\n";

static double now_sec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct sim_figures {
    double ops_per_sec;
    double bytes_per_op;
    int64_t ops;
    double bare_ops_per_sec;    /* vm_step alone, no trace, no scheduler */
};

/* The same bytecode through vm_step and nothing else: each task's ops in
 * turn, to its end.  What the simulator adds (scheduling, the trace) is
 * the ratio of the two rates, which depends little on the machine. */
static double bare_rate(const struct lesson *L)
{
    const struct scene *sc = &L->scenes[0];
    const struct program *P = L->prog;
    _Atomic int64_t *mem = xcalloc((size_t)P->nglobals + 1, sizeof(*mem));
    double t0, dt;
    int64_t ops = 0;

    for (int g = 0; g < P->nglobals; g++)
        atomic_init(&mem[g], P->global_init[g]);
    t0 = now_sec();
    for (int t = 0; t < sc->ntasks; t++) {
        struct vm vm;
        struct vm_effect eff;

        memset(&vm, 0, sizeof(vm));
        vm_init(&vm, P, sc->tasks[t].func, sc->tasks[t].args,
                sc->tasks[t].nargs);
        do {
            vm_step(&vm, P, mem, &eff);
            ops++;
        } while (eff.status != VM_EXIT && eff.status != VM_ERROR);
        vm_done(&vm);
    }
    dt = now_sec() - t0;
    free(mem);
    return dt > 0 ? (double)ops / dt : 0;
}

static void bench_sim(struct sim_figures *f)
{
    struct diag d;
    struct lesson *L;

    diag_init(&d);
    L = lesson_from_text("bench", bench_race, &d);
    if (!L)
        die("bench lesson: %s", d.text.s);
    f->ops_per_sec = 0;
    for (int run = 0; run < 3; run++) {
        struct sim *s = sim_new(L, 0, &L->scenes[0].cfg, NULL, 1);
        double t0 = now_sec(), dt, rate;
        struct trace *tr;

        sim_run(s);
        dt = now_sec() - t0;
        tr = sim_trace(s);
        rate = dt > 0 ? (double)tr->nops / dt : 0;
        if (rate > f->ops_per_sec) {
            f->ops_per_sec = rate;
            f->ops = (int64_t)tr->nops;
            f->bytes_per_op = (double)(trace_bytes(tr) + sim_checkpoint_bytes(s)) /
                              (double)(tr->nops ? tr->nops : 1);
        }
        sim_free(s);
        rate = bare_rate(L);
        if (rate > f->bare_ops_per_sec)
            f->bare_ops_per_sec = rate;
    }
    lesson_free(L);
    diag_done(&d);
}

/* The explorer: three threads each running a loop of three (or two)
 * increments, every interleaving, memoised; and the 3 x 2 search without
 * memoisation, which is far too big to finish: it runs for a fixed number
 * of tree nodes, and its time for the whole tree (whose size the memoised
 * search counts exactly) is extrapolated from that rate. */
static const char bench_threes[] =
    "lesson \"bench: three threads, every interleaving\"\n"
    "shared x = 0\n"
    "def worker(n):\n"
    "    global x\n"
    "    for i in range(n):\n"
    "        x = x + 1\n"
    "scene three_by_three:\n"
    "    mode threads\n"
    "    run worker(3) as A\n"
    "    run worker(3) as B\n"
    "    run worker(3) as C\n"
    "scene three_by_two:\n"
    "    mode threads\n"
    "    run worker(2) as A\n"
    "    run worker(2) as B\n"
    "    run worker(2) as C\n";

enum { BENCH_NAIVE_NODES = 2000000 };

struct explore_figures {
    double ms_3x3, ms_3x2, naive_ms_3x2, covered_states_per_sec, turns_per_sec;
    int64_t states_3x3, states_3x2;
    double naive_nodes_3x2, naive_nodes_per_sec;
    int naive_complete;
    /* The default search of 3 x 3 (reduced, then full, on every CPU)
     * against the full one, which alone gives exact schedule counts. */
    double full_ms_3x3, full_states_per_sec;
    /* The full search of 3 x 3 on one thread, against the default (every
     * CPU): what the search on several threads gains. */
    double full_ms_3x3_one, parallel_speedup;
    int threads;
    int64_t full_states_3x3, full_states_3x2, reduced_states_3x2;
    int reduced_3x3;
};

/* Best of runs: milliseconds for one complete exploration of scene. */
static double time_explore(const struct lesson *L, int scene, int runs,
                           const struct explore_limits *lim,
                           struct explore_result **keep)
{
    double best = 0;

    for (int run = 0; run < runs; run++) {
        double t0 = now_sec(), ms;
        struct explore_result *r = explore_run(L, scene, &L->scenes[scene].cfg,
                                               lim);

        ms = (now_sec() - t0) * 1e3;
        if (run == 0 || ms < best)
            best = ms;
        if (keep && run == 0)
            *keep = r;
        else
            explore_free(r);
    }
    return best;
}

static void bench_explore(struct explore_figures *f)
{
    struct diag d;
    struct lesson *L;
    struct explore_limits lim;
    struct explore_result *r3 = NULL, *r2 = NULL, *naive = NULL;

    diag_init(&d);
    L = lesson_from_text("bench", bench_threes, &d);
    if (!L)
        die("bench lesson: %s", d.text.s);
    explore_limits_init(&lim);
    lim.reduce = EXPLORE_REDUCE_OFF;
    f->full_ms_3x3 = time_explore(L, 0, 3, &lim, &r3);
    f->full_states_3x3 = r3->states;
    f->full_states_per_sec = f->full_ms_3x3 > 0 ?
                             (double)r3->states / f->full_ms_3x3 * 1e3 : 0;
    explore_free(r3);
    f->threads = explore_default_threads();
    lim.threads = 1;
    f->full_ms_3x3_one = time_explore(L, 0, 2, &lim, NULL);
    f->parallel_speedup = f->full_ms_3x3 > 0 ?
                          f->full_ms_3x3_one / f->full_ms_3x3 : 0;
    lim.threads = 0;
    lim.reduce = EXPLORE_REDUCE_ON;
    r2 = NULL;
    time_explore(L, 1, 1, &lim, &r2);
    f->reduced_states_3x2 = r2->states;
    explore_free(r2);
    /* What `taketurns explore` does by default. */
    lim.reduce = EXPLORE_REDUCE_AUTO;
    f->ms_3x3 = time_explore(L, 0, 3, &lim, &r3);
    f->states_3x3 = r3->states;
    f->reduced_3x3 = r3->reduced;
    /* States of the full search the default one accounts for per second:
     * it visits only a fraction of them, so this is not a rate of visits
     * (that is full_states_per_sec). */
    f->covered_states_per_sec = f->ms_3x3 > 0 ?
                        (double)f->full_states_3x3 / f->ms_3x3 * 1e3 : 0;
    f->turns_per_sec = f->ms_3x3 > 0 ? (double)r3->transitions / f->ms_3x3 * 1e3 : 0;
    lim.reduce = EXPLORE_REDUCE_OFF;
    f->ms_3x2 = time_explore(L, 1, 3, &lim, &r2);
    f->states_3x2 = f->full_states_3x2 = r2->states;
    lim.naive = 1;
    lim.max_states = BENCH_NAIVE_NODES;
    f->naive_ms_3x2 = time_explore(L, 1, 1, &lim, &naive);
    f->naive_complete = naive->complete;
    f->naive_nodes_per_sec = f->naive_ms_3x2 > 0 ?
                             (double)naive->states / f->naive_ms_3x2 * 1e3 : 0;
    f->naive_nodes_3x2 = r2->tree_nodes;
    if (!naive->complete && f->naive_nodes_per_sec > 0)
        f->naive_ms_3x2 = r2->tree_nodes / f->naive_nodes_per_sec * 1e3;
    explore_free(naive);
    explore_free(r2);
    explore_free(r3);
    lesson_free(L);
    diag_done(&d);
}

/* Loading a large lesson: 100,000 module variables and as many functions
 * (lesson_scale_text), parsed and compiled; the tests count its work per
 * name (test_scale), this times it. */
struct load_figures {
    double ms;
    int names;
    double probes_per_name;
};

static void bench_load(struct load_figures *f)
{
    struct strbuf text;

    f->names = 100000;
    f->ms = 0;
    sb_init(&text);
    lesson_scale_text(&text, f->names);
    for (int run = 0; run < 3; run++) {
        struct diag d;
        struct lesson *L;
        uint64_t before = lesson_probes();
        double t0 = now_sec(), ms;

        diag_init(&d);
        L = lesson_from_text("bench", text.s, &d);
        if (!L)
            die("bench lesson: %s", d.text.s);
        ms = (now_sec() - t0) * 1e3;
        if (run == 0 || ms < f->ms)
            f->ms = ms;
        f->probes_per_name = (double)(lesson_probes() - before) /
                             (2.0 * f->names);
        lesson_free(L);
        diag_done(&d);
    }
    sb_done(&text);
}

int cmd_bench(int argc, char **argv)
{
    enum { OPT_JSON = 1 };
    static const struct cli_opt opts[] = {{"json", 0, OPT_JSON}, {NULL, 0, 0}};
    struct cli c;
    const char *val;
    int id, json = 0;
    struct sim_figures sim = {0, 0, 0, 0};
    struct explore_figures ex;
    struct real_bench real;
    struct ui_bench ui;
    struct load_figures load;
    struct strbuf out;

    cli_init(&c, "bench", argc, argv);
    while ((id = cli_next(&c, opts, &val)) >= 0) {
        if (id == OPT_JSON)
            json = 1;
        else
            cli_usage_error("bench", "unexpected argument '%s'", val);
    }
    bench_sim(&sim);
    bench_load(&load);
    memset(&ex, 0, sizeof(ex));
    bench_explore(&ex);
    real_bench_measure(&real);  /* real runs: real/real_bench.c */
    ui_bench_measure(&ui);      /* the lesson screen: ui/bench_ui.c */
    sb_init(&out);
    if (json) {
        struct json j;

        json_init(&j, &out, 1);
        json_object(&j, NULL);
        json_int(&j, "sim_ops", sim.ops);
        json_double(&j, "sim_ops_per_sec", sim.ops_per_sec);
        json_double(&j, "trace_bytes_per_op", sim.bytes_per_op);
        json_double(&j, "load_100k_names_ms", load.ms);
        json_double(&j, "load_probes_per_name", load.probes_per_name);
        json_double(&j, "bare_ops_per_sec", sim.bare_ops_per_sec);
        json_double(&j, "sim_vs_bare", sim.bare_ops_per_sec > 0 ?
                    sim.ops_per_sec / sim.bare_ops_per_sec : 0);
        /* states visited per second, by the full search, as always */
        json_double(&j, "explore_states_per_sec", ex.full_states_per_sec);
        json_double(&j, "explore_covered_states_per_sec",
                    ex.covered_states_per_sec);
        json_double(&j, "explore_turns_per_sec", ex.turns_per_sec);
        json_double(&j, "explore_3x3_ms", ex.ms_3x3);
        json_int(&j, "explore_3x3_states", ex.states_3x3);
        json_str(&j, "explore_3x3_count", ex.reduced_3x3 ?
                 "shared-interleavings" : "schedules");
        /* threads a search uses (the full and the reduced searches no
         * longer run side by side: each runs on every CPU in turn) */
        json_int(&j, "explore_threads", ex.threads);
        json_double(&j, "explore_full_3x3_ms_one_thread", ex.full_ms_3x3_one);
        json_double(&j, "explore_parallel_speedup", ex.parallel_speedup);
        json_double(&j, "explore_full_3x3_ms", ex.full_ms_3x3);
        json_int(&j, "explore_full_3x3_states", ex.full_states_3x3);
        json_double(&j, "explore_reduced_full_ratio_3x3",
                    ex.full_states_3x3 ? (double)ex.states_3x3 /
                    (double)ex.full_states_3x3 : 0);
        json_double(&j, "explore_reduced_full_ratio_3x2",
                    ex.full_states_3x2 ? (double)ex.reduced_states_3x2 /
                    (double)ex.full_states_3x2 : 0);
        json_double(&j, "explore_3x2_ms", ex.ms_3x2);
        json_int(&j, "explore_3x2_states", ex.states_3x2);
        json_double(&j, "explore_naive_3x2_ms", ex.naive_ms_3x2);
        json_bool(&j, "explore_naive_3x2_estimated", !ex.naive_complete);
        json_double(&j, "explore_naive_3x2_tree_nodes", ex.naive_nodes_3x2);
        json_double(&j, "explore_naive_nodes_per_sec", ex.naive_nodes_per_sec);
        real_bench_json(&j, &real);
        json_double(&j, "render_us_small", ui.render_us_small);
        json_double(&j, "render_us_large", ui.render_us_large);
        json_double(&j, "seek_ms", ui.seek_ms);
        json_end(&j);
    } else {
        sb_printf(&out, "simulator: %.1f million ops/s (%lld ops, two threads "
                  "racing on a loop, trace recorded)\n",
                  sim.ops_per_sec / 1e6, (long long)sim.ops);
        sb_printf(&out, "trace:     %.1f bytes per op (records and "
                  "checkpoints)\n", sim.bytes_per_op);
        sb_printf(&out, "loading:   %d variables and %d functions in %.0f ms "
                  "(%.1f table slots looked at per name)\n", load.names,
                  load.names, load.ms, load.probes_per_name);
        sb_printf(&out, "bare VM:   %.1f million ops/s (vm_step alone); the "
                  "simulator runs at %.2f of it\n", sim.bare_ops_per_sec / 1e6,
                  sim.bare_ops_per_sec > 0 ?
                  sim.ops_per_sec / sim.bare_ops_per_sec : 0);
        sb_printf(&out, "explorer:  3 threads x 3 increments in %.0f ms (%s, "
                  "%d threads): %lld states,\n           %.1f%% of the full "
                  "search's %lld, which takes %.0f ms (%.2f million "
                  "states/s)\n", ex.ms_3x3, ex.reduced_3x3 ? "reduced" :
                  "full", ex.threads, (long long)ex.states_3x3,
                  ex.full_states_3x3 ? 100.0 * (double)ex.states_3x3 /
                  (double)ex.full_states_3x3 : 0,
                  (long long)ex.full_states_3x3, ex.full_ms_3x3,
                  ex.full_states_per_sec / 1e6);
        sb_printf(&out, "           on one thread the full search takes %.0f ms: "
                  "%.2f times as long\n", ex.full_ms_3x3_one,
                  ex.parallel_speedup);
        sb_printf(&out, "           x 2: %lld states in %.0f ms, %lld "
                  "reduced\n", (long long)ex.states_3x2, ex.ms_3x2,
                  (long long)ex.reduced_states_3x2);
        sb_printf(&out, "           without memoisation, 3 x 2 would take "
                  "%.3g ms%s (%.3g schedule prefixes at %.2f million/s)\n",
                  ex.naive_ms_3x2, ex.naive_complete ? "" : " (estimated)",
                  ex.naive_nodes_3x2, ex.naive_nodes_per_sec / 1e6);
        real_bench_text(&out, &real);
        sb_printf(&out, "screen:    one 120x40 frame in %.0f us (a %lld-tick "
                  "run) and %.0f us (a %lld-tick run, same cursor)\n",
                  ui.render_us_small, (long long)ui.small_ticks,
                  ui.render_us_large, (long long)ui.large_ticks);
        sb_printf(&out, "seeking:   %.3f ms from the last tick of the long run "
                  "to tick 0 and back\n", ui.seek_ms);
    }
    fwrite(out.s, 1, out.len, stdout);
    sb_done(&out);
    return 0;
}
