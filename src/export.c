/* export.c - a scene as a standalone Python program.
 *
 * Why: a lesson's code is a Python module, and a student who asks "what
 * does *my* Python do with this?" should be able to run it there.  The
 * program is meant to be read: a header that says what it is and how to
 * run it, the stubs the lesson's built-ins need (compute, sleep, io: time
 * in ticks), the lesson's module exactly as the lesson has it, line for
 * line (the title, scenes and pages become blank lines, so line N of the
 * lesson is line N + offset here), and a __main__ that starts the scene's
 * tasks as the mode says:
 *
 *   gil, threads   one threading.Thread per task, released together by a
 *                  threading.Barrier
 *   asyncio        asyncio.run() of a gather of the tasks; a plain def runs
 *                  inside a coroutine and blocks the loop, as simulated
 *   processes      multiprocessing, fork start method, one process a task
 *   sequential     plain calls, one after another
 *
 * A watchdog (a daemon threading.Timer) bounds every run: when the tasks
 * are not done after the bound it kills any child processes, reports
 * "deadlock": true and ends the program with os._exit, so no thread or
 * process outlives it.  The last line of output is one JSON object:
 * {"final": {NAME: INT, ...}, "failed": [LABEL...], "deadlock": true,
 * "wall_ns": N} ("failed" and "deadlock" only when so).
 *
 * The module's own `time` and `asyncio` are wrapped after it has run, so
 * that time.sleep(N) and asyncio.sleep(N) count ticks as the lesson's do;
 * the program's own names start with '_' (the lesson's cannot clash with
 * them in practice, and never with the stubs, which the lesson may not
 * define).
 */
#include "export.h"

#include <ctype.h>
#include <string.h>

#include "cli.h"
#include "program.h"
#include "sync.h"

static const char stubs_py[] =
    "import asyncio as _asyncio\n"
    "import dis as _dis\n"
    "import gc as _gc\n"
    "import inspect as _inspect\n"
    "import json as _json\n"
    "import multiprocessing as _multiprocessing\n"
    "import os as _os\n"
    "import sys as _sys\n"
    "import threading as _threading\n"
    "import time as _time\n"
    "import traceback as _traceback\n"
    "\n"
    "\n"
    "def compute(n):\n"
    "    \"\"\"n ticks of CPU work: pure Python, so it keeps the GIL (and the "
    "event loop).\"\"\"\n"
    "    end = _time.perf_counter() + n * TICK\n"
    "    while _time.perf_counter() < end:\n"
    "        pass\n"
    "\n"
    "\n"
    "def sleep(n):\n"
    "    \"\"\"A blocking wait of n ticks: a thread lets the GIL go; a "
    "coroutine stalls the loop.\"\"\"\n"
    "    _time.sleep(n * TICK)\n"
    "\n"
    "\n"
    "_awaited = {}   # (code, offset of the call): is its result awaited?\n"
    "\n"
    "\n"
    "def io(n):\n"
    "    \"\"\"A wait of n ticks: blocking as io(n), for the event loop as "
    "await io(n).\"\"\"\n"
    "    caller = _sys._getframe(1)\n"
    "    key = (caller.f_code, caller.f_lasti)\n"
    "    if key not in _awaited:\n"
    "        after = [i for i in _dis.get_instructions(caller.f_code)\n"
    "                 if i.offset > caller.f_lasti]\n"
    "        _awaited[key] = bool(after) and after[0].opname == "
    "\"GET_AWAITABLE\"\n"
    "    if _awaited[key]:\n"
    "        return _asyncio.sleep(n * TICK)\n"
    "    _time.sleep(n * TICK)\n"
    "\n"
    "\n"
    "class _InTicks:\n"
    "    \"\"\"time or asyncio, with a sleep() that counts ticks as the "
    "lesson's does.\"\"\"\n"
    "    def __init__(self, module, sleep):\n"
    "        self._module = module\n"
    "        self.sleep = sleep\n"
    "\n"
    "    def __getattr__(self, name):\n"
    "        return getattr(self._module, name)\n"
    "\n"
    "\n"
    "class _Ticked:\n"
    "    \"\"\"A lock, semaphore, event, barrier or queue whose timeouts "
    "count\n    ticks, as the lesson's do.\"\"\"\n"
    "    _AT = {\"acquire\": 1, \"wait\": 0, \"get\": 1, \"put\": 2}\n"
    "\n"
    "    def __init__(self, obj):\n"
    "        self._obj = obj\n"
    "\n"
    "    def __enter__(self):\n"
    "        return self._obj.__enter__()\n"
    "\n"
    "    def __exit__(self, *exc):\n"
    "        return self._obj.__exit__(*exc)\n"
    "\n"
    "    def __getattr__(self, name):\n"
    "        method = getattr(self._obj, name)\n"
    "        at = self._AT.get(name)\n"
    "        if at is None:\n"
    "            return method\n"
    "\n"
    "        def call(*args, **kw):\n"
    "            t = kw.get(\"timeout\", args[at] if len(args) > at else None)\n"
    "            if t is not None and t >= 0:\n"
    "                kw[\"timeout\"] = t * TICK\n"
    "                args = args[:at]\n"
    "            return method(*args, **kw)\n"
    "        return call\n";

/* Objects whose waits a lesson limits with a timeout count it in ticks:
 * wrap the ones that take a timeout in _Ticked, after the module made
 * them (a Condition keeps its real lock). */
static void ticked_objects(const struct program *P, struct strbuf *out)
{
    int timed = 0;

    for (uint32_t pc = 0; pc < P->ncode && !timed; pc++) {
        const struct instr *in = &P->code[pc];

        if (in->kind == CK_SYNC)
            for (int i = 0; i < in->a; i++)
                timed |= ((in->c >> (2 * i)) & 3) == SYNC_ARG_TIMEOUT;
    }
    for (int i = 0; i < P->nlocks && timed; i++)
        switch (P->lock_kind[i]) {
        case SYNC_LOCK:
        case SYNC_RLOCK:
        case SYNC_MPLOCK:   /* (not a Value: v.value = n must reach it) */
        case SYNC_MPRLOCK:
        case SYNC_MPSEMAPHORE:
        case SYNC_MPEVENT:
        case SYNC_SEMAPHORE:
        case SYNC_BSEMAPHORE:
        case SYNC_EVENT:
        case SYNC_BARRIER:
        case SYNC_QUEUE:
            sb_printf(out, "%s = _Ticked(%s)\n", P->lock_names[i],
                      P->lock_names[i]);
            break;
        default:
            break;
        }
}

static const char report_py[] =
    "_failed = []                    # labels of the tasks that raised\n"
    "_reported = _threading.Lock()   # the last line is printed once\n"
    "_children = []                  # processes to kill if the run is stuck\n"
    "\n"
    "\n"
    "def _report(started, deadlock=False):\n"
    "    \"\"\"Print the last line: the main program's module variables, as "
    "JSON.\"\"\"\n"
    "    if not _reported.acquire(blocking=False):\n"
    "        return False\n"
    "    out = {\"final\": {name: int(eval(name)) for name in SHARED}}\n"
    "    if _failed:\n"
    "        out[\"failed\"] = sorted(_failed)\n"
    "    if deadlock:\n"
    "        out[\"deadlock\"] = True\n"
    "    out[\"wall_ns\"] = _time.perf_counter_ns() - started\n"
    "    _sys.stdout.flush()\n"
    "    print(_json.dumps(out), flush=True)\n"
    "    return True\n"
    "\n"
    "\n"
    "def _watchdog(started):\n"
    "    \"\"\"After BOUND seconds, report a deadlock and end the program.\"\"\"\n"
    "    def give_up():\n"
    "        for p in _children:\n"
    "            p.kill()\n"
    "        if _report(started, deadlock=True):\n"
    "            _os._exit(3)\n"
    "    timer = _threading.Timer(BOUND, give_up)\n"
    "    timer.daemon = True\n"
    "    timer.start()\n"
    "\n"
    "\n"
    "def _finish(started):\n"
    "    \"\"\"Report, and exit with 1 if a task failed.\"\"\"\n"
    "    if not _report(started):\n"
    "        _time.sleep(BOUND + 60)   # the watchdog reports and exits\n"
    "    _sys.exit(1 if _failed else 0)\n"
    "\n"
    "\n"
    "def _call(label, f, args):\n"
    "    \"\"\"Run one task; an exception ends it, as in the simulation.\"\"\"\n"
    "    try:\n"
    "        result = f(*args)\n"
    "        if _inspect.iscoroutine(result):   # an async def on its own\n"
    "            _asyncio.run(result)\n"
    "    except Exception:\n"
    "        _failed.append(label)\n"
    "        _traceback.print_exc()\n";

static const char main_threads_py[] =
    "def _main():\n"
    "    if SWITCH_INTERVAL is not None:\n"
    "        _sys.setswitchinterval(SWITCH_INTERVAL)\n"
    "    start_line = _threading.Barrier(len(TASKS))\n"
    "\n"
    "    def thread(label, f, args):\n"
    "        start_line.wait()          # every thread starts at once\n"
    "        _call(label, f, args)\n"
    "\n"
    "    threads = [_threading.Thread(target=thread, args=task, "
    "name=task[0], daemon=True)\n"
    "               for task in TASKS]\n"
    "    started = _time.perf_counter_ns()\n"
    "    _watchdog(started)\n"
    "    for t in threads:\n"
    "        t.start()\n"
    "    for t in threads:\n"
    "        t.join()\n"
    "    _finish(started)\n";

static const char main_asyncio_py[] =
    "def _main():\n"
    "    if SWITCH_INTERVAL is not None:\n"
    "        _sys.setswitchinterval(SWITCH_INTERVAL)\n"
    "\n"
    "    async def task(label, f, args):\n"
    "        try:\n"
    "            result = f(*args)       # a plain def blocks the loop, as "
    "simulated\n"
    "            if _inspect.iscoroutine(result):\n"
    "                await result\n"
    "        except Exception:\n"
    "            _failed.append(label)\n"
    "            _traceback.print_exc()\n"
    "\n"
    "    def unretrieved(loop, context):\n"
    "        # \"Task exception was never retrieved\": a task made by the\n"
    "        # code failed and nothing awaited it.  It is named as the\n"
    "        # simulation names it (there asyncio.run's task is Task-1; here\n"
    "        # every_task is, so each Task-N is Task-(N-1) there).\n"
    "        future = context.get(\"future\")\n"
    "        if isinstance(future, _asyncio.Task) and \"exception\" in context:\n"
    "            name = future.get_name()\n"
    "            if name.startswith(\"Task-\") and name[5:].isdigit():\n"
    "                name = \"Task-%d\" % (int(name[5:]) - 1)\n"
    "            _failed.append(name)\n"
    "        loop.default_exception_handler(context)\n"
    "\n"
    "    async def every_task():\n"
    "        _asyncio.get_running_loop().set_exception_handler(unretrieved)\n"
    "        await _asyncio.gather(*(task(*t) for t in TASKS))\n"
    "\n"
    "    started = _time.perf_counter_ns()\n"
    "    _watchdog(started)\n"
    "    _asyncio.run(every_task())\n"
    "    _gc.collect()   # a failed task kept in a cycle is dropped now\n"
    "    _finish(started)\n";

static const char main_processes_py[] =
    "def _main():\n"
    "    if SWITCH_INTERVAL is not None:\n"
    "        _sys.setswitchinterval(SWITCH_INTERVAL)\n"
    "    context = _multiprocessing.get_context(\"fork\")\n"
    "\n"
    "    def process(label, f, args):\n"
    "        _call(label, f, args)      # changes this process's own copy\n"
    "        _sys.exit(1 if _failed else 0)\n"
    "\n"
    "    processes = [context.Process(target=process, args=task, "
    "name=task[0])\n"
    "                 for task in TASKS]\n"
    "    started = _time.perf_counter_ns()\n"
    "    for p in processes:\n"
    "        p.start()\n"
    "        _children.append(p)\n"
    "    _watchdog(started)             # a thread, so only after the forks\n"
    "    for p in processes:\n"
    "        p.join()\n"
    "        if p.exitcode != 0:\n"
    "            _failed.append(p.name)\n"
    "    _finish(started)\n";

static const char main_sequential_py[] =
    "def _main():\n"
    "    if SWITCH_INTERVAL is not None:\n"
    "        _sys.setswitchinterval(SWITCH_INTERVAL)\n"
    "    started = _time.perf_counter_ns()\n"
    "    _watchdog(started)\n"
    "    for task in TASKS:\n"
    "        _call(*task)\n"
    "    _finish(started)\n";

static const char *how_started(enum mode m)
{
    switch (m) {
    case MODE_GIL:
        return "Each task is a threading.Thread; they start together behind "
               "a\n# threading.Barrier.  With the GIL, CPython switches "
               "threads only where it\n# checks its eval breaker, and only "
               "when another thread has waited a switch\n# interval (5 ms "
               "unless sys.setswitchinterval says otherwise).";
    case MODE_THREADS:
        return "Each task is a threading.Thread; they start together behind "
               "a\n# threading.Barrier.  The scene models threads with no "
               "GIL: a free-threaded\n# CPython (python3.13t) runs them so; "
               "a default CPython runs them under its GIL.";
    case MODE_ASYNCIO:
        return "asyncio.run() of an asyncio.gather() of the tasks: one "
               "thread, one event\n# loop.  A plain def among them runs "
               "inside a coroutine and blocks the loop\n# while it runs, as "
               "in the simulation.";
    case MODE_PROCESSES:
        return "One process per task: multiprocessing with the fork start "
               "method.  Each\n# process changes its own copy of the module "
               "variables; the main program's\n# are the ones reported.";
    case MODE_SEQUENTIAL:
    default:
        return "The tasks are called one after another, as a plain program "
               "calls functions.";
    }
}

/* The word at the start of s is w (followed by a space, a quote, ':' or
 * the end). */
static int starts_with_word(const char *s, size_t len, const char *w)
{
    size_t n = strlen(w);

    return len >= n && memcmp(s, w, n) == 0 &&
           (len == n || s[n] == ' ' || s[n] == '"' || s[n] == ':' ||
            s[n] == '#');
}

/* Is the line NAME = ...: Python's assignment, whatever NAME is ('lock =
 * threading.Lock()' is not the shorthand 'lock m')? */
static int is_assignment(const char *s, size_t len)
{
    size_t i = 0;

    while (i < len && (s[i] == '_' || isalnum((unsigned char)s[i])))
        i++;
    while (i < len && s[i] == ' ')
        i++;
    return i > 0 && i + 1 < len && s[i] == '=' && s[i + 1] != '=';
}

/* The lesson's module, line for line: everything that is not code (the
 * title, about, scenes, pages) becomes an empty line; the old shorthands
 * `shared x = 0` and `lock m` become their Python spelling. */
static void module_text(const struct source *src, struct strbuf *out)
{
    int in_block = 0;

    for (int no = 1; no <= src->nlines; no++) {
        size_t len, ind = 0;
        const char *s = source_line(src, no, &len);

        /* A file that ends with a newline has no last, empty line. */
        if (no == src->nlines && len == 0)
            break;
        while (ind < len && s[ind] == ' ')
            ind++;
        if (ind == len) {           /* an empty line */
            sb_putc(out, '\n');
            continue;
        }
        if (ind == 0 && is_assignment(s, len)) {
            in_block = 0;
        } else if (ind == 0) {
            in_block = 0;
            if (starts_with_word(s, len, "lesson") ||
                starts_with_word(s, len, "about")) {
                sb_putc(out, '\n');
                continue;
            }
            if (starts_with_word(s, len, "scene") ||
                starts_with_word(s, len, "page")) {
                in_block = 1;
                sb_putc(out, '\n');
                continue;
            }
            if (starts_with_word(s, len, "shared")) {
                sb_add(out, s + 7, len - 7);
                sb_putc(out, '\n');
                continue;
            }
            if (starts_with_word(s, len, "lock")) {
                size_t a = 5, b;

                while (a < len && s[a] == ' ')
                    a++;
                b = a;
                while (b < len && s[b] != ' ' && s[b] != '#')
                    b++;
                sb_add(out, s + a, b - a);
                sb_puts(out, " = _threading.Lock()");
                sb_add(out, s + b, len - b);
                sb_putc(out, '\n');
                continue;
            }
        }
        if (!in_block)
            sb_add(out, s, len);
        sb_putc(out, '\n');
    }
}

static int count_lines(const struct strbuf *sb, size_t from)
{
    int n = 0;

    for (size_t i = from; i < sb->len; i++)
        n += sb->s[i] == '\n';
    return n;
}

void export_python(const struct lesson *L, int scene,
                   const struct scene_config *cfg,
                   const struct export_options *opt, struct strbuf *out,
                   int *offset)
{
    const struct scene *sc = &L->scenes[scene];
    const struct program *P = L->prog;
    const char *lesson = opt->lesson_arg ? opt->lesson_arg : L->src->name;
    const char *main_py;
    struct strbuf mod;
    size_t start = out->len;
    int first, nmod;
    int big = sc->python_args && !opt->simulated_args;

    sb_init(&mod);
    module_text(L->src, &mod);
    nmod = count_lines(&mod, 0);

    sb_puts(out, "#!/usr/bin/env python3\n");
    sb_printf(out, "# %s\n", L->title);
    sb_printf(out, "# Scene %s of %s, as a standalone Python program, made "
              "by taketurns %s:\n#     taketurns export %s --scene %s "
              "--python\n", sc->name, lesson, TT_VERSION, lesson, sc->name);
    sb_printf(out, "# Mode %s: %s.\n# %s\n#\n", mode_name(cfg->mode),
              scene_runtime(cfg), how_started(cfg->mode));
    sb_puts(out, "# Run it with python3 (3.8 or newer; the standard library "
            "is all it needs):\n#     python3 THIS_FILE.py\n"
            "# The last line it prints is one JSON object, {\"final\": "
            "{\"x\": 6, ...}}: the main\n# program's module variables once "
            "every task is done; \"failed\": [...] names\n# the tasks that "
            "stopped with an exception, and \"deadlock\": true says the tasks"
            "\n");
    sb_printf(out, "# were not all done after %g s (stuck, or too slow); "
              "\"wall_ns\" is how long\n# they took.  Exit status: 0, 1 if a "
              "task failed, %d if they were not done.\n#\n",
              opt->bound_s, EXPORT_EXIT_STUCK);
    sb_printf(out, "# Time is counted in ticks, as in the lesson; a tick is "
              "%g s here (--tick-us):\n# compute(N) is N ticks of busy work; "
              "sleep(N), time.sleep(N) and io(N) wait N\n# ticks, blocking; "
              "await asyncio.sleep(N) and await io(N) wait N ticks for the\n"
              "# event loop.  How many ops run between switches is "
              "CPython's own business:\n# the scene's quantum, cpus and "
              "switch-interval are the simulation's.\n#\n",
              (double)opt->tick_ns / 1e9);
    /* Where the module will start: after the rest of the header, the
     * settings and the stubs (two more header lines, then what follows). */
    {
        struct strbuf tail;

        sb_init(&tail);
        sb_printf(&tail, "\nTICK = %.9g              # seconds in a tick "
                  "(--tick-us %lld)\n", (double)opt->tick_ns / 1e9,
                  (long long)(opt->tick_ns / 1000));
        sb_printf(&tail, "BOUND = %g               # seconds before the tasks "
                  "count as stuck (--timeout)\n", opt->bound_s);
        if (opt->switch_interval_us > 0)
            sb_printf(&tail, "SWITCH_INTERVAL = %.9g  # "
                      "sys.setswitchinterval() (--switch-interval %lld us)\n",
                      (double)opt->switch_interval_us / 1e6,
                      (long long)opt->switch_interval_us);
        else
            sb_puts(&tail, "SWITCH_INTERVAL = None    # or seconds, for "
                    "sys.setswitchinterval() (--switch-interval)\n");
        sb_puts(&tail, "\n");
        sb_puts(&tail, stubs_py);
        sb_puts(&tail, "\n\n# ---- the lesson's module, line for line "
                "----\n");
        first = count_lines(out, start) + 2 + count_lines(&tail, 0) + 1;
        sb_printf(out, "# Lines %d to %d are the lesson's module, line for "
                  "line: line N of the lesson\n# is line N + %d here; its "
                  "title, scenes and pages are blank lines.\n", first,
                  first + nmod - 1, first - 1);
        sb_add(out, tail.s, tail.len);
        sb_done(&tail);
    }
    sb_add(out, mod.s ? mod.s : "", mod.len);
    sb_done(&mod);
    sb_puts(out, "# ---- end of the lesson's module ----\n\n");
    if (L->imports & 4u)
        sb_puts(out, "time = _InTicks(_time, sleep)\n");
    ticked_objects(P, out);
    if (L->imports & 2u)
        sb_puts(out, "asyncio = _InTicks(_asyncio, lambda n, result=None: "
                "_asyncio.sleep(n * TICK, result))\n");
    sb_puts(out, "\nSHARED = [");
    for (int g = 0; g < P->nglobals; g++)
        sb_printf(out, "%s\"%s\"", g ? ", " : "", P->global_names[g]);
    sb_puts(out, "]   # the module variables reported at the end\n");
    sb_printf(out, "TASKS = [   # scene %s: label, function, arguments",
              sc->name);
    if (big) {
        const struct scene_task *t0 = &sc->tasks[0];

        sb_printf(out, " (the scene's python-args;\n"
                  "            # the simulation runs its run lines: %s(",
                  t0->func_name);
        for (int a = 0; a < t0->nargs; a++)
            sb_printf(out, "%s%lld", a ? ", " : "", (long long)t0->args[a]);
        sb_puts(out, ") ...)");
    }
    sb_puts(out, "\n");
    for (int t = 0; t < sc->nrun; t++) {   /* the code starts the others */
        const struct scene_task *tk = &sc->tasks[t];
        const int64_t *args = big ? sc->python_args : tk->args;

        sb_printf(out, "    (\"%s\", %s, (", tk->label, tk->func_name);
        for (int a = 0; a < tk->nargs; a++)
            sb_printf(out, "%s%lld", a ? ", " : "", (long long)args[a]);
        sb_puts(out, tk->nargs == 1 ? ",)),\n" : ")),\n");
    }
    sb_puts(out, "]\n\n");
    sb_puts(out, report_py);
    sb_puts(out, "\n\n");
    switch (cfg->mode) {
    case MODE_GIL:
    case MODE_THREADS: main_py = main_threads_py; break;
    case MODE_ASYNCIO: main_py = main_asyncio_py; break;
    case MODE_PROCESSES: main_py = main_processes_py; break;
    case MODE_SEQUENTIAL:
    default: main_py = main_sequential_py; break;
    }
    sb_puts(out, main_py);
    sb_puts(out, "\n\nif __name__ == \"__main__\":\n    _main()\n");
    if (offset)
        *offset = first - 1;
}
