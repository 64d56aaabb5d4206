#!/usr/bin/env python3.13
"""Record CPython 3.13's bytecode and executed ops for lessons (make cpython-golden).

    python3.13 tests/cpython/record.py LESSON...

The code part of a lesson is a Python 3.13 module, and taketurns must compile it
to exactly the bytecode CPython 3.13 compiles and execute exactly the ops CPython
executes.  The tests check that against the files this script writes, so they
pass on machines without CPython 3.13.  For each LESSON it writes
tests/cpython/NAME.txt (NAME: the lesson file's name without .lesson) and
reports it on stderr.  A lesson fails (and the exit status is 1) if it cannot
be read or compiled, its module raises, or a task raises anything but an
AssertionError: then it is not the Python it claims to be.  A task that fails
an assert, loops or blocks is data (see STATUS below).

The module text is the lesson with every lesson/about line and every scene and
page block blanked, so line numbers are the lesson's; `shared x = 0` becomes
`x = 0` and `lock m` becomes `m = threading.Lock()`.  The built-ins compute(n),
sleep(n) and io(n) are stubs in the module's globals (PRELUDE) that take no
time; time.sleep and asyncio.sleep take no time either: in a sequential run
the ops executed do not depend on how long a wait lasts.

Format: one record a line, fields separated by tabs, `#` lines are comments.
    python  VERSION
    func    NAME  DEFLINE                  every top-level function, in source order
    dis     LINE  OPNAME  ARG  LABEL       its instructions as `python3.13 -m dis`
                                           lists them (ARG as dis shows it, LINE `-`
                                           when there is none, LABEL like L4 when dis
                                           labels the instruction), minus those only
                                           the exception table reaches
    scene   NAME
    task    LABEL  FUNC  ARGS  STATUS      ARGS like 3,-1; STATUS ok, truncated
                                           (stopped after 20000 ops), error NAME
                                           (ops up to the raise), or timeout (the
                                           scene ran out of its 10 s)
    op      LINE  OPNAME                   the ops the task executed, in order
A scene's tasks run one after another in a fresh module; a def is called, an
async def is run with asyncio.run().  Ops are seen through sys.settrace opcode
events, which never report RESUME, nor the RETURN_GENERATOR and POP_TOP that
start a coroutine: those records leave them out.  What the tracer does show is
what 3.13 runs: an exhausted FOR_ITER jumps past the END_FOR and POP_TOP that
dis lists after the loop, and an await that does not suspend goes straight from
SEND to END_SEND.
"""
import asyncio
import dis
import inspect
import os
import re
import select
import signal
import sys
import time
import traceback
import types

OP_LIMIT = 20_000
SCENE_SECONDS = 10
OUT_DIR = os.path.dirname(os.path.abspath(__file__))

# Kept out of the lesson text so that its line numbers stay the lesson's.
PRELUDE = '''
def compute(n):
    """n ticks of CPU work: none here."""

def sleep(n):
    """A blocking wait of n ticks: none here."""

def io(n):
    """A blocking wait, or, when the caller awaits the result, a coroutine wait."""
    import asyncio, dis, sys
    caller = sys._getframe(1)
    code = list(dis.get_instructions(caller.f_code))
    for i, ins in enumerate(code[:-1]):
        if ins.offset == caller.f_lasti and code[i + 1].opname == "GET_AWAITABLE":
            return asyncio.sleep(0)
'''

META = re.compile(r'(lesson|about)\s+"')
SCENE = re.compile(r'scene\s+(\w+)\s*:\s*(#.*)?$')
PAGE = re.compile(r'page\s+".*"\s*:\s*(#.*)?$')
SHARED = re.compile(r'shared\s+(?=\w+\s*=)')
LOCK = re.compile(r'lock\s+(\w+)\s*(#.*)?$')
RUN = re.compile(r'\s+run\s+(\w+)\s*\(([^)]*)\)\s+as\s+(\w+)\s*(#.*)?$')
UNCONDITIONAL = {'JUMP_FORWARD', 'JUMP_BACKWARD', 'JUMP_BACKWARD_NO_INTERRUPT'}
PATH_ENDS = UNCONDITIONAL | {'RETURN_VALUE', 'RETURN_CONST', 'RAISE_VARARGS', 'RERAISE'}


class LessonError(Exception):
    """FILE:LINE: error: MESSAGE, for one lesson."""


class Truncated(BaseException):
    """Raised from the tracer to stop a task at OP_LIMIT; a BaseException, so
    no `except Exception` in the lesson catches it (asyncio.run re-raises it)."""


def split_lesson(path, text):
    """The module text (same line numbers) and [(scene, [(label, func, args)])]."""
    module, scenes, block = [], [], None
    for n, line in enumerate(text.split('\n'), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith('#') and line[0] not in ' \t':
            block = None
            if META.match(line):
                line = ''
            elif m := SCENE.match(line):
                block = (m.group(1), [])
                scenes.append(block)
                line = ''
            elif PAGE.match(line):
                block = 'page'
                line = ''
            elif m := LOCK.match(line):
                line = f'{m.group(1)} = threading.Lock()'
            else:
                line = SHARED.sub('', line, count=1)
        elif block is not None:
            if block != 'page' and re.match(r'run\b', stripped):
                m = RUN.match(line)
                if not m:
                    raise LessonError(f'{path}:{n}: error: expected '
                                      f'`run FUNC(INTEGERS) as LABEL`, got `{stripped}`')
                try:
                    args = [int(a) for a in m.group(2).split(',') if a.strip()]
                except ValueError:
                    raise LessonError(f'{path}:{n}: error: run arguments must be '
                                      f'integers: `{m.group(2)}`') from None
                block[1].append((m.group(3), m.group(1), args))
            line = ''
        module.append(line)
    return '\n'.join(module), scenes


def functions(module_code):
    """The lesson's top-level functions' code objects, in source order."""
    codes = [c for c in module_code.co_consts if inspect.iscode(c)]
    return sorted(codes, key=lambda c: c.co_firstlineno)


def dis_records(code):
    """The dis lines of code, without the blocks only exceptions reach."""
    # dis.Bytecode numbers labels the way `python3.13 -m dis` does, counting
    # exception-table boundaries; dis.get_instructions counts jump targets only.
    instrs = list(dis.Bytecode(code))
    index = {ins.offset: k for k, ins in enumerate(instrs)}
    seen, todo = set(), [0]
    while todo:
        k = todo.pop()
        if k in seen or k >= len(instrs):
            continue
        seen.add(k)
        ins = instrs[k]
        if ins.jump_target is not None:
            todo.append(index[ins.jump_target])
        if ins.opname not in PATH_ENDS:
            todo.append(k + 1)
    lines = []
    for k in sorted(seen):
        ins = instrs[k]
        arg = ins.argrepr or ('' if ins.arg is None else str(ins.arg))
        arg = re.sub(r' at 0x[0-9a-f]+', '', arg)   # a code object's address
        label = '' if ins.label is None else f'L{ins.label}'
        lines.append(f'dis\t{line_field(ins.line_number)}\t{ins.opname}\t{arg}\t{label}')
    return lines


def line_field(n):
    return '-' if n is None else str(n)


class Recorder:
    """A sys.settrace tracer that records the ops of the lesson's functions."""

    def __init__(self, codes):
        self.ops_of = {}
        for code in codes:
            self.ops_of[code] = {ins.offset: f'op\t{line_field(ins.line_number)}\t{ins.opname}'
                                 for ins in dis.get_instructions(code)}
        self.ops, self.raises = [], []

    def start(self):
        self.ops, self.raises = [], []
        sys.settrace(self.on_call)

    def on_call(self, frame, event, arg):
        if frame.f_code in self.ops_of:
            # 3.13 only turns opcode events on for a frame that has its
            # f_trace already; the call event's return value comes too late.
            frame.f_trace = self.on_event
            frame.f_trace_opcodes = True
            return self.on_event
        return None

    def on_event(self, frame, event, arg):
        if event == 'opcode':
            if len(self.ops) == OP_LIMIT:
                raise Truncated   # CPython drops the tracer when it raises
            # f_lasti is the byte offset of the op about to run, in the
            # unspecialized co_code that dis reads.
            self.ops.append(self.ops_of[frame.f_code][frame.f_lasti])
        elif event == 'exception':
            self.raises.append((len(self.ops), arg[1]))
        return self.on_event


def run_scene(path, name, module_code, tasks, out):
    """In a child process: run the tasks, write their records to out, exit.
    Lines starting with `!` are errors for the parent to report."""
    sys.stdout = open(os.devnull, 'w')   # print() in the lesson is not data
    time.sleep = lambda seconds: None
    asyncio_sleep = asyncio.sleep
    asyncio.sleep = lambda delay, result=None: asyncio_sleep(0, result)
    records = []
    recorder = Recorder(functions(module_code))

    def finish(current_status):
        for k, (label, func, args) in enumerate(tasks[len(records):]):
            records.append((label, func, args, current_status, recorder.ops if k == 0 else []))
        for label, func, args, status, ops in records:
            out.write(task_line(label, func, args, status))
            out.writelines(op + '\n' for op in ops)
        out.flush()
        os._exit(0)

    def complain(e, what):
        line = next((f.lineno for f in reversed(traceback.extract_tb(e.__traceback__))
                     if f.filename == path), 0)
        where = f'{path}:{line}' if line else path
        out.write(f'!\t{where}: error: {what} raised {type(e).__name__}: {e}\n')

    # The handler writes and exits instead of raising: an exception raised
    # inside an asyncio callback would be logged and swallowed.
    signal.signal(signal.SIGALRM, lambda signum, frame: (sys.settrace(None), finish('timeout')))
    signal.alarm(SCENE_SECONDS)
    # The module is __main__ itself, so that a process pool can pickle its
    # functions by name (this child is the only user of sys.modules here).
    main = types.ModuleType('__main__')
    sys.modules['__main__'] = main
    globals_ = main.__dict__
    globals_['__builtins__'] = __builtins__
    try:
        exec(compile(PRELUDE, '<prelude>', 'exec'), globals_)
        exec(module_code, globals_)
    except BaseException as e:
        complain(e, 'the module')
        finish(f'error {type(e).__name__}')
    for label, func, args in tasks:
        status = 'ok'
        recorder.start()
        try:
            if func not in globals_:
                raise NameError(f'name {func!r} is not defined')
            f = globals_[func]
            if inspect.iscoroutinefunction(f):
                asyncio.run(f(*args))
            else:
                f(*args)
        except Truncated:
            status = 'truncated'
        except BaseException as e:
            status = f'error {type(e).__name__}'
            # Keep the ops up to the raise, not the unwinding after it.
            cut = next((k for k, value in recorder.raises if value is e), None)
            if cut is not None:
                del recorder.ops[cut:]
            if not isinstance(e, AssertionError):   # a lesson may mean to fail an assert
                complain(e, f'scene {name} task {label}')
        finally:
            sys.settrace(None)
        records.append((label, func, args, status, recorder.ops))
    signal.alarm(0)
    finish('ok')


def task_line(label, func, args, status):
    return f'task\t{label}\t{func}\t{",".join(map(str, args))}\t{status}\n'


def record_scene(path, name, module_code, tasks):
    """Run one scene in a forked child: (its lines, its errors)."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        try:
            run_scene(path, name, module_code, tasks, os.fdopen(wfd, 'w', encoding='utf-8'))
        except BaseException:
            traceback.print_exc()   # a bug of the recorder's
        finally:
            os._exit(70)   # run_scene itself never returns
    os.close(wfd)
    chunks, deadline = [], time.monotonic() + SCENE_SECONDS + 10
    while (left := deadline - time.monotonic()) > 0:
        if select.select([rfd], [], [], left)[0]:
            chunk = os.read(rfd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    else:
        os.kill(pid, signal.SIGKILL)   # the child's own alarm did not help
        chunks = [''.join(task_line(*task, 'timeout') for task in tasks).encode()]
    os.close(rfd)
    os.waitpid(pid, 0)
    lines = b''.join(chunks).decode('utf-8').splitlines()
    errors = [line[2:] for line in lines if line.startswith('!\t')]
    lines = [line for line in lines if not line.startswith('!\t')]
    if sum(line.startswith('task\t') for line in lines) != len(tasks):
        errors.append(f'{path}: error: the recorder died running scene {name}')
    return lines, errors


def record_file(path):
    """Write tests/cpython/NAME.txt for one lesson: (its errors, a summary)."""
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
        module_text, scenes = split_lesson(path, text)
        module_code = compile(module_text, path, 'exec')
    except LessonError as e:
        return [str(e)], 'nothing written'
    except SyntaxError as e:
        return [f'{path}:{e.lineno}: error: {e.msg}'], 'nothing written'
    except (OSError, UnicodeDecodeError) as e:
        return [f'{path}: error: {e}'], 'nothing written'
    out = [f'# recorded by tests/cpython/record.py from CPython {python_version()} '
           f'({sys.version.splitlines()[0]}); do not edit: make cpython-golden',
           '# format and meaning: the header of tests/cpython/record.py '
           '(the tracer never sees RESUME)',
           f'python\t{python_version()}']
    for code in functions(module_code):
        out.append(f'func\t{code.co_name}\t{code.co_firstlineno}')
        out += dis_records(code)
    errors, statuses = [], {}
    for name, tasks in scenes:
        out.append(f'scene\t{name}')
        lines, scene_errors = record_scene(path, name, module_code, tasks)
        errors += [e for e in scene_errors if e not in errors]
        out += lines
        for line in lines:
            if line.startswith('task\t'):
                status = line.split('\t')[4]
                statuses[status] = statuses.get(status, 0) + 1
    target = os.path.join(OUT_DIR, os.path.basename(path).removesuffix('.lesson') + '.txt')
    with open(target, 'w', encoding='utf-8') as f:
        f.write('\n'.join(out) + '\n')
    counts = ', '.join(f'{n} {s}' for s, n in sorted(statuses.items())) or 'none'
    return errors, (f'wrote {os.path.relpath(target)}: {len(functions(module_code))} '
                    f'functions, {len(scenes)} scenes, tasks: {counts}')


def python_version():
    return '.'.join(map(str, sys.version_info[:3]))


def main(paths):
    if sys.version_info[:2] != (3, 13):
        sys.exit(f'record.py: needs CPython 3.13, this is {sys.version.split()[0]} '
                 f'({sys.executable})')
    if not paths:
        sys.exit('usage: python3.13 tests/cpython/record.py LESSON...')
    failed = 0
    for path in paths:
        errors, summary = record_file(path)
        failed += bool(errors)
        print(f'{path}: {"FAILED, " if errors else ""}{summary}', file=sys.stderr)
        for error in errors[:3]:
            print(f'  {error}', file=sys.stderr)
        if len(errors) > 3:
            print(f'  ... and {len(errors) - 3} more errors', file=sys.stderr)
    print(f'record.py: {len(paths)} files, {len(paths) - failed} ok, {failed} failed',
          file=sys.stderr)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
