#!/bin/sh
# tests/t_export.sh BINARY - export --python and real --python, checked
# against the simulation.
#
# Needs a python3 ($TT_PYTHON, default python3 on the PATH); without one
# every check is skipped with an "ok ... (skipped: no python3)" line.  For
# every scene of every lesson whose mode is gil, asyncio, processes or
# sequential, the exported program (with the simulation's arguments, not a
# scene's python-args) runs once (ticks of 10 us, so waits are
# short) and must end, or report its deadlock, within a bound; its final
# state must be one `explore` allows for the scene (sequential and
# asyncio: exactly the state `run` ends in).  A scene whose explore is
# incomplete is skipped, and says so.  Runs are bounded (timeout) and
# leave no process behind (the program's watchdog, real --python's kill).
. "$(dirname "$0")/lib.sh"
py=${TT_PYTHON:-python3}

if ! command -v "$py" >/dev/null 2>&1 || ! "$py" -c 'import sys' >/dev/null 2>&1; then
    echo "ok export (skipped: no python3)"
    exit 0
fi

# status NAME EXPECTED CMD...: the exit status of CMD.
status() {
    name=$1 want=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    [ "$got" -eq "$want" ] && echo "ok $name" ||
        echo "FAIL $name: exit status $got, expected $want: $(head -c 300 "$tmp/err")"
}

# has NAME FILE TEXT: FILE contains TEXT.
has() {
    grep -qF -- "$3" "$2" && echo "ok $1" || echo "FAIL $1: no '$3' in: $(head -c 300 "$2")"
}

# ---- the command line ------------------------------------------------------

status export-needs-python 2 "$bin" export lessons/03-race.lesson --scene race
has export-needs-python-msg "$tmp/err" "add --python"
status export-no-lesson 2 "$bin" export --python
status export-bad-scene 2 "$bin" export lessons/03-race.lesson --scene nope --python
status export 0 "$bin" export lessons/03-race.lesson --scene with_gil --python
has export-header "$tmp/out" "# Scene with_gil of lessons/03-race.lesson"
has export-stub "$tmp/out" "def compute(n):"
has export-thread "$tmp/out" "_threading.Thread(target=thread"
has export-barrier "$tmp/out" "_threading.Barrier(len(TASKS))"
has export-task "$tmp/out" '("A", worker, (3,)),'
# Line for line: line N of the lesson is line N + K of the program.
k=$(sed -n 's/^# is line N + \([0-9]*\) here.*/\1/p' "$tmp/out" | head -n 1)
n=$(grep -n '^        x = x + 1$' lessons/03-race.lesson | head -n 1 | cut -d: -f1)
if [ -n "$k" ] && [ -n "$n" ] &&
   [ "$(sed -n "$((n + k))p" "$tmp/out")" = "        x = x + 1" ] &&
   [ -z "$(sed -n "$((1 + k))p" "$tmp/out")" ]; then
    echo "ok export-line-for-line"
else
    echo "FAIL export-line-for-line: offset '$k', lesson line '$n'"
fi
"$bin" export lessons/05-asyncio.lesson --scene downloads --python >"$tmp/a.py"
has export-asyncio "$tmp/a.py" "_asyncio.run(every_task())"
has export-asyncio-ticks "$tmp/a.py" "asyncio = _InTicks(_asyncio"
"$bin" export lessons/09-processes.lesson --scene processes_copy --python >"$tmp/p.py"
has export-processes "$tmp/p.py" '_multiprocessing.get_context("fork")'
"$bin" export lessons/11-hidden-race.lesson --scene new_python --python \
    --switch-interval 100 --tick-us 50 >"$tmp/s.py"
has export-switch-interval "$tmp/s.py" "SWITCH_INTERVAL = 0.0001"
has export-tick "$tmp/s.py" "TICK = 5e-05"
# A module variable may be called lock or shared, as in Python: the line
# is Python's assignment, not the old shorthand.
cat >"$tmp/names.lesson" <<'EOF'
lesson "names"

import threading

lock = threading.Lock()
shared = 0

def add():
    global shared
    with lock:
        shared = shared + 1

scene s:
    mode gil
    run add() as A
    run add() as B
EOF
status export-names 0 "$bin" export "$tmp/names.lesson" --python
has export-names-lock "$tmp/out" "lock = threading.Lock()"
has export-names-shared "$tmp/out" "shared = 0"
cp "$tmp/out" "$tmp/names.py"
status export-names-runs 0 "$py" "$tmp/names.py"
has export-names-final "$tmp/out" '"final": {"shared": 2}'

status real-python-missing 1 "$bin" real lessons/03-race.lesson --python=no-such-python-here
has real-python-missing-msg "$tmp/err" "no Python interpreter 'no-such-python-here': not found on the PATH"
status real-python-broken 1 "$bin" real lessons/03-race.lesson --python=/bin/false
has real-python-broken-msg "$tmp/err" "'/bin/false' does not run as a Python interpreter"
status real-python-c-only 2 "$bin" real lessons/03-race.lesson --python --widen 5
status real-python 0 "$bin" real lessons/11-hidden-race.lesson --scene new_python \
    --python="$py" --runs 2 --tick-us 10 --switch-interval 1000 --json
has real-python-backend "$tmp/out" '"backend": "cpython"'
has real-python-version "$tmp/out" "\"python\": \"$("$py" -c 'import sys; print(sys.version.split()[0])')\""
has real-python-runs "$tmp/out" '"runs": 2'
has real-python-switch "$tmp/out" '"switch_interval_us": 1000'
# new_python has python-args 200000: in CPython 3.10 and newer the plain
# loop loses no update, as the simulation of its 6 rounds says.
has real-python-args "$tmp/out" '"python_args": [200000]'
if "$py" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    has real-python-outcome "$tmp/out" '{"final": {"x": 400000}, "count": 2, "status": "ok"}'
else
    echo "ok real-python-outcome (skipped: $py is older than 3.10)"
fi
"$bin" export lessons/11-hidden-race.lesson --scene new_python --python >"$tmp/big.py"
has export-python-args "$tmp/big.py" '("A", count, (200000,)),'
has export-python-args-why "$tmp/big.py" "the scene's python-args"
"$bin" export lessons/11-hidden-race.lesson --scene new_python --python \
    --simulated-args >"$tmp/small.py"
has export-simulated-args "$tmp/small.py" '("A", count, (6,)),'
status real-python-text 0 "$bin" real lessons/12-deadlock.lesson --scene lucky \
    --python="$py" --tick-us 10
has real-python-text-moved "$tmp/out" "moved = 4"
has real-python-text-version "$tmp/out" "(Python "

# ---- every scene, in CPython, against the simulation -----------------------

# judge MODE RUN_JSON EXPLORE_JSON RESULT_LINE: prints "ok" or why not.
cat >"$tmp/judge.py" <<'EOF'
import json, sys
mode, run_f, explore_f, line = sys.argv[1:5]
try:
    got = json.loads(line)
except ValueError:
    print("no JSON result: %r" % line[:200]); sys.exit()
final, dead = got["final"], bool(got.get("deadlock"))
failed = sorted(got.get("failed", []))
if mode in ("sequential", "asyncio"):
    run = json.load(open(run_f))
    if final != run["final"] or dead != bool(run.get("deadlock")):
        print("CPython ended %s, the simulation %s" % (line, json.dumps(run["final"])))
    else:
        print("ok")
    sys.exit()
ex = json.load(open(explore_f))
if not ex.get("complete"):
    print("skip"); sys.exit()
for oc in ex["outcomes"]:
    if oc["final"] == final and bool(oc.get("deadlock")) == dead and \
       (dead or sorted(oc.get("failed", [])) == failed):
        print("ok"); sys.exit()
print("CPython ended %s, which explore does not allow (%s)" % (line,
      "; ".join(json.dumps(o["final"]) for o in ex["outcomes"])))
EOF

for l in lessons/*.lesson; do
    base=$(basename "$l" .lesson)
    for s in $(sed -n 's/^scene \([A-Za-z0-9_]*\):.*/\1/p' "$l"); do
        name="cpython-$base-$s"
        "$bin" run "$l" --scene "$s" --json >"$tmp/run.json" 2>/dev/null
        mode=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["mode"])' "$tmp/run.json" 2>/dev/null)
        case $mode in
        gil|processes)
            "$bin" explore "$l" --scene "$s" --json >"$tmp/explore.json" 2>/dev/null ;;
        asyncio|sequential)
            : >"$tmp/explore.json" ;;
        *)
            continue ;;
        esac
        "$bin" export "$l" --scene "$s" --python --simulated-args \
            --tick-us 10 --timeout 20 >"$tmp/scene.py"
        timeout 60 "$py" "$tmp/scene.py" >"$tmp/scene.out" 2>"$tmp/scene.err"
        line=$(grep . "$tmp/scene.out" | tail -n 1)
        verdict=$("$py" "$tmp/judge.py" "$mode" "$tmp/run.json" "$tmp/explore.json" "$line")
        case $verdict in
        ok) echo "ok $name" ;;
        skip) echo "ok $name (skipped: explore is incomplete)" ;;
        *) echo "FAIL $name ($mode): $verdict $(tail -n 3 "$tmp/scene.err" | head -c 300)" ;;
        esac
    done
done
