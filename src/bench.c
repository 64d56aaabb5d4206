/* bench.c - `taketurns bench`: speed and memory of the parts that matter.
 *
 * Timing lives here and only here: tests never depend on how fast or how
 * loaded the machine is.  Each figure is the best of a few runs.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "json.h"
#include "sim.h"

/* Two threads racing on a shared counter, on two CPUs: 2 x 1,250,000 loop
 * iterations of 7 ops each, 17.5 million ops in all, trace recorded. */
static const char bench_race[] =
    "lesson \"bench: two threads racing on a loop\"\n"
    "shared x = 0\n"
    "def worker(n):\n"
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
};

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
    }
    lesson_free(L);
    diag_done(&d);
}

int cmd_bench(int argc, char **argv)
{
    enum { OPT_JSON = 1 };
    static const struct cli_opt opts[] = {{"json", 0, OPT_JSON}, {NULL, 0, 0}};
    struct cli c;
    const char *val;
    int id, json = 0;
    struct sim_figures sim = {0, 0, 0};
    struct strbuf out;

    cli_init(&c, "bench", argc, argv);
    while ((id = cli_next(&c, opts, &val)) >= 0) {
        if (id == OPT_JSON)
            json = 1;
        else
            cli_usage_error("bench", "unexpected argument '%s'", val);
    }
    bench_sim(&sim);
    sb_init(&out);
    if (json) {
        struct json j;

        json_init(&j, &out, 1);
        json_object(&j, NULL);
        json_int(&j, "sim_ops", sim.ops);
        json_double(&j, "sim_ops_per_sec", sim.ops_per_sec);
        json_double(&j, "trace_bytes_per_op", sim.bytes_per_op);
        json_end(&j);
    } else {
        sb_printf(&out, "simulator: %.1f million ops/s (%lld ops, two threads "
                  "racing on a loop, trace recorded)\n",
                  sim.ops_per_sec / 1e6, (long long)sim.ops);
        sb_printf(&out, "trace:     %.1f bytes per op (records and "
                  "checkpoints)\n", sim.bytes_per_op);
    }
    fwrite(out.s, 1, out.len, stdout);
    sb_done(&out);
    return 0;
}
