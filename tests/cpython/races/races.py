#!/usr/bin/env python3.13
"""Run race scenes in real CPython threads and record every final state (make cpython-golden).

    python3.13 tests/cpython/races/races.py [--runs N] [--out FILE] [--scene NAME]... [LESSON]

DESIGN.md section 6 promises that every final state real CPython reaches with
threads under the GIL is one `taketurns explore` allows in `gil` mode, and
that where CPython cannot lose an update the explorer finds none.  This script
collects the CPython half of that check; tests/t_cpython.sh compares it with
the explorer, so `make test` needs no Python.

For every scene of LESSON (default: races.lesson beside this script), RUNS
times (default 300), in a freshly forked child, so each run starts from the
module's own initial variables:
  - the module text is the lesson's code part (tests/cpython/record.py's
    split_lesson: lesson/about lines and scene/page blocks blanked, so line
    numbers stay the lesson's), executed in fresh globals after the stubs
    compute(n) (a busy loop of n * 100 us), sleep(n) and io(n) (time.sleep(0));
  - sys.setswitchinterval(1e-6), so a thread waiting for the GIL asks for it
    after 1 microsecond and the GIL changes hands as often as CPython allows;
  - each `run FUNC(ARGS) as LABEL` line becomes a daemon threading.Thread;
    they all start, wait on one threading.Barrier, then spin (a Python busy
    loop, touching no lesson variable) until all of them have passed it,
    and then call FUNC(*ARGS): without that hot start a thread woken from
    the Barrier comes tens of microseconds late and short tasks never
    overlap;
  - a run whose threads have not all finished 2 s after the start is a
    deadlock, and so, sooner, is one whose live threads all stand on the same
    instruction, the variables unchanged, for 10 samples 20 ms apart (a
    running thread moves; one blocked on a lock does not); the child reports
    the variables as they are and os._exit()s (daemon threads stuck on a lock
    die with it).
A run in which a task raises, or a child that reports nothing, is an error:
the exit status is 1 and nothing is written.

The variables recorded are the module variables holding integers that the
scene's task functions (and the functions they call) name; the explorer's
outcomes list every module variable, and the untouched ones keep their
initial values, so t_cpython.sh matches a record's pairs as a subset.

Output (default: races.txt beside this script; a CPython other than 3.13
may only write elsewhere, with --out), one record a line, tab-separated,
`#` lines are comments, sorted so the file only changes when the data does:
    python    VERSION                  the interpreter, e.g. 3.13.0
    scene     NAME  RUNS               in the lesson's order
    final     x=3,y=0  COUNT           runs that ended with these values
                                       (names sorted; states in numeric order)
    deadlock  x=3,y=0  COUNT           runs still stuck after 2 s, with the
                                       values at that moment
"""
import argparse
import collections
import os
import select
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from record import LessonError, split_lesson  # noqa: E402  (tests/cpython/record.py)

DEADLOCK_SECONDS = 2.0
SWITCH_INTERVAL = 1e-6
SAMPLE_SECONDS = 0.02
STILL_SAMPLES = 10

# Kept out of the lesson text so that its line numbers stay the lesson's.
PRELUDE = '''
def compute(n):
    """n ticks of CPU work: a busy loop of n * 100 microseconds (pure Python,
    keeps the GIL but passes checkpoints all the time, as in the model)."""
    import time
    end = time.perf_counter() + n * 0.0001
    while time.perf_counter() < end:
        pass

def sleep(n):
    """A blocking wait: releases the GIL."""
    import time
    time.sleep(0)

def io(n):
    """A blocking wait: releases the GIL."""
    import time
    time.sleep(0)
'''


def scene_variables(globals_, tasks):
    """The names of the integer module variables the tasks' functions name."""
    seen, todo, names = set(), [func for _, func, _ in tasks], set()
    while todo:
        name = todo.pop()
        if name in seen or name not in globals_:
            continue
        seen.add(name)
        value = globals_[name]
        code = getattr(value, '__code__', None)
        if code is not None:
            todo.extend(code.co_names)
        elif type(value) in (int, bool):
            names.add(name)
    return sorted(names)


def state(globals_, names):
    return ','.join(f'{n}={int(globals_[n])}' for n in names)


def wait_for(threads, globals_, names):
    """Wait until the threads end (False) or are stuck (True): not done after
    DEADLOCK_SECONDS, or, sooner, every live thread standing on the same
    instruction and the variables unchanged for STILL_SAMPLES samples in a
    row, SAMPLE_SECONDS apart (a thread that runs moves; one blocked on a lock
    does not)."""
    deadline = time.monotonic() + DEADLOCK_SECONDS
    last, still = None, 0
    while time.monotonic() < deadline:
        alive = [t for t in threads if t.is_alive()]
        if not alive:
            return False
        frames = sys._current_frames()
        where = [(id(frames[t.ident].f_code), frames[t.ident].f_lasti)
                 if t.ident in frames else None for t in alive]
        now = (where, state(globals_, names))
        still = still + 1 if now == last else 0
        if still >= STILL_SAMPLES:
            return True
        last = now
        alive[0].join(SAMPLE_SECONDS)
    return any(t.is_alive() for t in threads)


def one_run(module_code, tasks, out):
    """In a forked child: run the tasks as threads once, write one line, exit."""
    import threading
    globals_ = {'__name__': '__races__', '__builtins__': __builtins__}
    exec(compile(PRELUDE, '<prelude>', 'exec'), globals_)
    exec(module_code, globals_)
    names = scene_variables(globals_, tasks)
    errors = []
    threading.excepthook = lambda args: errors.append(
        f'{args.thread.name}: {args.exc_type.__name__}: {args.exc_value}')
    barrier = threading.Barrier(len(tasks))

    arrived = []

    def body(f, args):
        barrier.wait()
        # A hot start: spin until every thread is here, so that all of them
        # are running or asking for the GIL when the first one calls f.
        # (Woken from the Barrier alone, the others arrive tens of
        # microseconds late, after a short task has long finished.)
        arrived.append(1)
        while len(arrived) < len(tasks):
            pass
        f(*args)

    threads = [threading.Thread(target=body, args=(globals_[func], args), name=label,
                                daemon=True)
               for label, func, args in tasks]
    sys.setswitchinterval(SWITCH_INTERVAL)
    for t in threads:
        t.start()
    stuck = wait_for(threads, globals_, names)
    if errors:
        line = 'error\t' + '; '.join(errors)
    else:
        line = f'{"deadlock" if stuck else "final"}\t{state(globals_, names)}'
    os.write(out, (line + '\n').encode())
    os._exit(0)


def run_once(module_code, tasks):
    """One run in a fresh child: ('final'|'deadlock'|'error', text)."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        try:
            one_run(module_code, tasks, wfd)
        except BaseException as e:
            os.write(wfd, f'error\t{type(e).__name__}: {e}\n'.encode())
        os._exit(70)
    os.close(wfd)
    data, deadline = b'', time.monotonic() + DEADLOCK_SECONDS + 10
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([rfd], [], [], left)[0]:
            continue
        chunk = os.read(rfd, 4096)
        if not chunk:
            break
        data += chunk
    else:
        os.kill(pid, signal.SIGKILL)
    os.close(rfd)
    os.waitpid(pid, 0)
    kind, _, text = data.decode().rstrip('\n').partition('\t')
    if kind not in ('final', 'deadlock'):
        return 'error', text or 'the child reported nothing'
    return kind, text


def state_key(text):
    """Sort states by their values as numbers: x=2 before x=10."""
    return [(n, int(v)) for n, _, v in (p.partition('=') for p in text.split(',') if p)]


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('lesson', nargs='?', default=os.path.join(HERE, 'races.lesson'))
    ap.add_argument('--runs', type=int, default=300)
    ap.add_argument('--out')
    ap.add_argument('--scene', action='append', help='only this scene (repeatable)')
    opts = ap.parse_args(argv)
    version = '.'.join(map(str, sys.version_info[:3]))
    if opts.out is None:
        if sys.version_info[:2] != (3, 13):
            sys.exit(f'races.py: the recorded data is CPython 3.13\'s; this is {version} '
                     f'({sys.executable}): pass --out FILE to write elsewhere')
        opts.out = os.path.join(HERE, 'races.txt')
    try:
        with open(opts.lesson, encoding='utf-8') as f:
            module_text, scenes = split_lesson(opts.lesson, f.read())
        module_code = compile(module_text, opts.lesson, 'exec')
    except (LessonError, SyntaxError, OSError) as e:
        sys.exit(f'races.py: {e}')
    if opts.scene:
        unknown = set(opts.scene) - {name for name, _ in scenes}
        if unknown:
            sys.exit(f'races.py: no scene {", ".join(sorted(unknown))} in {opts.lesson}')
        scenes = [s for s in scenes if s[0] in opts.scene]
    lines = [f'# recorded by tests/cpython/races/races.py from CPython {version} '
             f'({sys.version.splitlines()[0]}); do not edit: make cpython-golden',
             f'# {opts.runs} runs a scene, threads behind a Barrier, '
             f'sys.setswitchinterval({SWITCH_INTERVAL}), deadlock = stuck or not '
             f'done after {DEADLOCK_SECONDS:g} s; format: the header of races.py',
             f'python\t{version}']
    failed = False
    for name, tasks in scenes:
        started = time.monotonic()
        counts = collections.Counter()
        errors = collections.Counter()
        for _ in range(opts.runs):
            kind, text = run_once(module_code, tasks)
            (errors if kind == 'error' else counts)[(kind, text)] += 1
        seconds = time.monotonic() - started
        lines.append(f'scene\t{name}\t{opts.runs}')
        for kind in ('final', 'deadlock'):
            for text in sorted((t for k, t in counts if k == kind), key=state_key):
                lines.append(f'{kind}\t{text}\t{counts[(kind, text)]}')
        summary = ', '.join(f'{t}{" deadlock" if k == "deadlock" else ""}: {c}'
                            for (k, t), c in sorted(counts.items(),
                                                    key=lambda kc: (kc[0][0] == 'deadlock',
                                                                    state_key(kc[0][1]))))
        print(f'{name}: {opts.runs} runs in {seconds:.1f} s: {summary}', file=sys.stderr)
        for (_, text), count in errors.items():
            failed = True
            print(f'  error ({count} runs): {text}', file=sys.stderr)
    if failed:
        print('races.py: some runs failed; nothing written', file=sys.stderr)
        return 1
    with open(opts.out, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')
    print(f'races.py: wrote {os.path.relpath(opts.out)}', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
