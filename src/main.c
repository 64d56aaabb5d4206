/* main.c - taketurns: see how tasks take turns on a computer.
 *
 * Dispatches to a subcommand (commands.h).  Exit status: 0 ok, 1 the lesson
 * or the run failed, 2 a usage error.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "membudget.h"
#include "program.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
    {"check", cmd_check},
    {"run", cmd_run},
    {"explore", cmd_explore},
    {"dis", cmd_dis},
    {"real", cmd_real},
    {"export", cmd_export},
    {"screen", cmd_screen},
    {"bench", cmd_bench},
};

static const char usage[] =
    "taketurns - see how tasks take turns: threads, the GIL, asyncio, "
    "processes\n"
    "\n"
    "usage:\n"
    "  taketurns [LESSON]                 open a lesson (none: pick one;\n"
    "                                     --page P --paused --present)\n"
    "  taketurns check LESSON...          check lessons for mistakes\n"
    "  taketurns run LESSON [OPTIONS]     simulate a scene and show what "
    "happened\n"
    "  taketurns explore LESSON [OPTIONS] every interleaving: every outcome "
    "it can have\n"
    "  taketurns dis LESSON [--json]      the bytecode of every function, "
    "as\n"
    "                                     python3.13 -m dis lists it\n"
    "  taketurns real LESSON [OPTIONS]    run a scene for real on this "
    "machine\n"
    "  taketurns export LESSON --scene S --python\n"
    "                                     the scene as a standalone Python "
    "program\n"
    "  taketurns screen LESSON [OPTIONS]  the lesson screen as text "
    "(--page P\n"
    "                                     --step K --size WxH --keys "
    "SCRIPT)\n"
    "  taketurns bench [--json]           measure the simulator and real "
    "runs\n"
    "  taketurns help ops                 the bytecode ops and their cost\n"
    "  taketurns --help | --version\n"
    "\n"
    "run options:\n"
    "  --scene NAME          the scene to run (default: the lesson's first)\n"
    "  --json                one JSON object on stdout\n"
    "  --timeline            an ASCII chart: one lane per task and per CPU\n"
    "  --width N             columns of the chart (default 100)\n"
    "  --svg FILE            the timeline as an SVG picture, for slides\n"
    "  --mode M              sequential, threads, gil, asyncio or processes\n"
    "  --cpus N --quantum Q --preempt quantum|random --seed S\n"
    "  --switch-interval S --checkpoints every-op|loops-and-calls\n"
    "  --spawn-cost K --budget N\n"
    "  --schedule \"A2 B1 A2\"  exact turns: A runs 2 ticks, B 1, A 2, ...\n"
    "                        (settings override the scene's own)\n"
    "\n"
    "explore options (and --scene, --json and the settings above):\n"
    "  --max-preemptions K   only schedules with at most K preemptions\n"
    "  --max-states N        stop after N states (default 2000000; "
    "10000000\n"
    "                        when reduced)\n"
    "  --full                every schedule, never reduced: exact "
    "schedule counts\n"
    "  --reduced             switch only at shared accesses wherever "
    "that is exact\n"
    "  --threads N           search on N threads (default: every CPU, up "
    "to 8)\n"
    "  --naive               walk every schedule one by one, without "
    "memoisation\n"
    "  --ascii               bars of # instead of Unicode blocks\n"
    "\n"
    "real options (and --scene, --json, --timeline and the settings above):\n"
    "  --runs N              run N times: a histogram of the final states\n"
    "  --tick-us U           the real length of a tick (default 1000, "
    "shorter\n"
    "                        for long scenes)\n"
    "  --widen U             pause U us after each read of a shared "
    "variable\n"
    "  --trace on|off|both   record every op (both: compare with untraced)\n"
    "  --replay              replay the first run's interleaving in the "
    "simulator\n"
    "  --chrome FILE         the trace as Chrome Trace Event JSON (Perfetto;"
    "\n"
    "                        run takes it too)\n"
    "  --timeout S           stop a run after S seconds (default 10)\n"
    "  --max-records N       trace records kept per run (default 1048576)\n"
    "  --coro asm|ucontext   how asyncio coroutines switch\n"
    "  --python [PATH]       run the exported program in CPython (default "
    "python3;\n"
    "                        --python=NAME, or a next argument named "
    "python...)\n"
    "  --switch-interval US  with --python: sys.setswitchinterval, in "
    "microseconds\n"
    "\n"
    "export options: --scene, --mode, --tick-us, --timeout, "
    "--switch-interval US,\n"
    "  --simulated-args      the run lines' arguments, not the scene's "
    "python-args\n"
    "\n"
    "every command:\n"
    "  --max-memory SIZE     the memory a command may use for traces, "
    "states and\n"
    "                        records (default 1G; K, M, G suffixes)\n"
    "\n"
    "A LESSON is a path, or a name or number found in $TAKETURNS_LESSONS,\n"
    "./lessons or the installed lessons: 'taketurns run race', 'taketurns "
    "run 1'.\n"
    "Exit status: 0 ok, 1 the lesson or the run failed, 2 usage error.\n";

/* taketurns help ops: the bytecode, as lessons/FORMAT.md lists it. */
static int help_ops(void)
{
    for (int i = 0; i < OP_COUNT; i++)
        printf("%-27s %-5s %s\n", op_info[i].name,
               op_info[i].flags & OPF_BREAKER ? "yes" : "-",
               op_info[i].desc);
    return 0;
}

/* --max-memory BYTES (or =BYTES) anywhere before a "--": one budget for
 * the whole command, whichever it is (membudget.h).  Taken out of argv. */
static int take_max_memory(int argc, char **argv)
{
    int out = 1;

    for (int i = 1; i < argc; i++) {
        const char *val = NULL;
        size_t bytes;

        if (strcmp(argv[i], "--") == 0) {
            while (i < argc)
                argv[out++] = argv[i++];
            break;
        }
        if (strcmp(argv[i], "--max-memory") == 0) {
            if (i + 1 >= argc)
                cli_usage_error(NULL, "--max-memory needs a size, such as "
                                "512M or 2G");
            val = argv[++i];
        } else if (strncmp(argv[i], "--max-memory=", 13) == 0) {
            val = argv[i] + 13;
        } else {
            argv[out++] = argv[i];
            continue;
        }
        if (mem_parse_size(val, &bytes) < 0 || bytes < ((size_t)1 << 20))
            cli_usage_error(NULL, "--max-memory takes a size of at least 1M, "
                            "such as 64M, 512M or 2G (got '%s')", val);
        mem_set_limit(bytes);
    }
    argv[out] = NULL;
    return out;
}

int main(int argc, char **argv)
{
    argc = take_max_memory(argc, argv);
    if (argc < 2)
        return cmd_tui(0, argv + 1);
    if (strcmp(argv[1], "help") == 0 && argc > 2 && strcmp(argv[2], "ops") == 0)
        return help_ops();
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("taketurns %s\n", TT_VERSION);
        return 0;
    }
    for (size_t i = 0; i < TT_ARRAY_LEN(commands); i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        /* taketurns CMD --help: the same help, not an error. */
        for (int k = 2; k < argc && strcmp(argv[k], "--") != 0; k++)
            if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0) {
                fputs(usage, stdout);
                return 0;
            }
        return commands[i].run(argc - 2, argv + 2);
    }
    if (argv[1][0] == '-')
        cli_usage_error(NULL, "unknown option '%s'", argv[1]);
    /* Anything else names a lesson to open. */
    return cmd_tui(argc - 1, argv + 1);
}
