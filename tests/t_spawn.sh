#!/bin/sh
# tests/t_spawn.sh BINARY - threads started by code (threading.Thread,
# start(), join()) in tests/explore/spawn.lesson.  Each scene's lanes are
# named as Python names the threads; the simulation, the explorer and the
# scene exported to CPython agree (every CPython ending is one the explorer
# found, where a python3.13 is installed); join() waits are told in the log
# and in a deadlock; real runs on the C backends (pthreads) end as the
# explorer says they can.  Module-level lists (tests/explore/lists.lesson)
# read by threads and passed to them, checked the same ways.
. "$(dirname "$0")/lib.sh"
lesson=tests/explore/spawn.lesson

py=$(python313)

# lacks NAME FILE TEXT: no line of FILE contains TEXT.
lacks() {
    if grep -qF -- "$3" "$2"; then
        echo "FAIL $1: a line has '$3':"
        grep -F -- "$3" "$2" | head -3 | sed 's/^/    /'
    else
        echo "ok $1"
    fi
}

# run_says LESSON SCENE NAME TEXT: "taketurns run" of SCENE prints TEXT.
run_says() {
    "$bin" run "$1" --scene "$2" >"$tmp/rs.txt" 2>&1
    expect "$3" "$tmp/rs.txt" "$4"
}

# cpython_prints NAME SCENE LINE...: the scene of tasks.lesson exported
# and run in CPython prints each LINE (whole lines), where a python3.13 is
# installed.
cpython_prints() {
    [ -n "$py" ] || return 0
    name=$1 scene=$2
    shift 2
    "$bin" export tests/explore/tasks.lesson --scene "$scene" --python >"$tmp/c.py" &&
        "$py" "$tmp/c.py" >"$tmp/c.txt" 2>&1
    for line in "$@"; do
        if ! grep -qxF -- "$line" "$tmp/c.txt"; then
            echo "FAIL $name: CPython did not print '$line': $(head -n 3 "$tmp/c.txt")"
            return
        fi
    done
    echo "ok $name"
}

# Lanes: the run lines' tasks first, then the threads in the order made.
"$bin" run "$lesson" --scene two >"$tmp/two.txt" 2>&1
expect "spawn/two: lanes named as Python names the threads" "$tmp/two.txt" \
    "tasks: main = two(), Thread-1 = worker(...) from line 21, W2 = worker(...) from line 22"
expect "spawn/two: a thread starts when start() is called" "$tmp/two.txt" \
    "-- Thread-1 starts"
expect "spawn/two: join() waits are told" "$tmp/two.txt" \
    "main waits in join() for Thread-1 to finish"
expect "spawn/two: and their end" "$tmp/two.txt" \
    "main's join() returns: Thread-1 has finished"
expect "spawn/two: handles show as threads" "$tmp/two.txt" \
    "t = <Thread of task 1>"
"$bin" run "$lesson" --scene locked >"$tmp/locked.txt" 2>&1
expect "spawn/locked: Thread-N counts the threads made without a name" \
    "$tmp/locked.txt" "Thread-2 = careful(...) from line 31, last = careful(...)"
expect "spawn/locked: every update made" "$tmp/locked.txt" "final: x = 6, done = 1"

# A list of handles: start them all, join them all.
"$bin" run "$lesson" --scene team >"$tmp/team.txt" 2>&1
expect "spawn/team: a list's handles each get a lane" "$tmp/team.txt" \
    "Thread-1 = worker(...) from line 40, Thread-2 = worker(...) from line 40"
expect "spawn/team: for t in ts: each thread started runs" "$tmp/team.txt" \
    "-- Thread-2 is done"
expect "spawn/team: the loop over the list ends" "$tmp/team.txt" \
    "FOR_ITER to L6       list done: leaves the loop"
expect "spawn/team: len() of the list, printed as Python does" "$tmp/team.txt" \
    "main prints: 2 threads joined; x = 2"

# A join that can never return is a deadlock, and says so.
"$bin" run "$lesson" --scene stuck >"$tmp/stuck.txt" 2>&1
expect "spawn/stuck: the deadlock names the join" "$tmp/stuck.txt" \
    "deadlock: main waits forever for Thread-1 to finish (join)"
"$bin" explore "$lesson" --scene stuck --json >"$tmp/stuck.json" 2>&1
expect "spawn/stuck: explore --json names the thread joined" "$tmp/stuck.json" \
    '"waiting": [{"task": "main", "joins": "Thread-1"}'

# The explorer: the race of two threads made by code has every ending from
# 2 to 4; the witness replays.
"$bin" explore "$lesson" --scene two >"$tmp/x.txt" 2>&1
for v in 2 3 4; do
    expect "spawn/two: the explorer finds x = $v" "$tmp/x.txt" "  x = $v "
done
w=$(sed -n 's/.*--schedule "\(.*\)".*/\1/p' "$tmp/x.txt" | head -n 1)
"$bin" run "$lesson" --scene two --schedule "$w" >"$tmp/w.txt" 2>&1
expect "spawn/two: the witness schedule names threads by label" "$tmp/w.txt" "final: x = 3"
"$bin" explore "$lesson" --scene two --mode gil >"$tmp/g.txt" 2>&1
expect "spawn/two: under the GIL the plain loop loses nothing" "$tmp/g.txt" "1 outcome"

# The memoised search counts the schedules the naive walk counts one by
# one, on a scene small enough to walk (two threads started and joined
# from a list, under the GIL).
cat >"$tmp/small.lesson" <<'EOF2'
lesson "small"
import threading
x = 0
def w():
    global x
    x = x + 1
def main():
    ts = []
    for i in range(2):
        t = threading.Thread(target=w)
        t.start()
        ts.append(t)
    for t in ts:
        t.join()
scene g:
    mode gil
    run main() as main
EOF2
"$bin" explore "$tmp/small.lesson" --json >"$tmp/m.json" 2>&1
"$bin" explore "$tmp/small.lesson" --naive --json >"$tmp/n.json" 2>&1
m=$(grep -o '"schedules": [0-9]*' "$tmp/m.json" | head -n 1)
n=$(grep -o '"schedules": [0-9]*' "$tmp/n.json" | head -n 1)
if [ -n "$m" ] && [ "$m" = "$n" ] && grep -q '"complete": true' "$tmp/n.json"; then
    echo "ok spawn/small: the explorer and the naive walk count $m"
else
    echo "FAIL spawn/small: explorer $m, naive $n"
fi

# asyncio.create_task and await: a task per coroutine the code starts,
# named as Python names it (Task-1 is asyncio.run's own), started at once.
tasks=tests/explore/tasks.lesson
"$bin" run "$tasks" --scene race >"$tmp/t.txt" 2>&1
expect "tasks/race: lanes named as Python names the tasks" "$tmp/t.txt" \
    "tasks: main = main(), Task-2 = bump(...) from line 20, Task-3 = bump(...) from line 21"
expect "tasks/race: await of a task not done waits" "$tmp/t.txt" \
    "main awaits Task-2: it waits until that task is done"
expect "tasks/race: and is told when it returns" "$tmp/t.txt" \
    "main's await returns: Task-2 is done"
expect "tasks/race: the update each task lost is lost" "$tmp/t.txt" "main prints: y is 2"
"$bin" run "$tasks" --scene done_first >"$tmp/t.txt" 2>&1
lacks "tasks/done_first: await of a finished task returns at once" "$tmp/t.txt" \
    "awaits Task-2"
run_says "$tasks" values "tasks/values: await gives the task's return value" "main prints: 9 1"
"$bin" run "$tasks" --scene gather >"$tmp/t.txt" 2>&1
expect "tasks/gather: each coroutine a task, named in the order given" "$tmp/t.txt" \
    "main = gathered(), Task-2 = square(...) from line 48, Task-3 = one(...) from line 48, Task-4 = bump(...) from line 48, Task-5 = square(...) from line 49"
expect "tasks/gather: the gatherer waits for its tasks" "$tmp/t.txt" \
    "main awaits asyncio.gather(): it waits until all its tasks are done (3 not yet, Task-2 first)"
expect "tasks/gather: and goes on when the last is done" "$tmp/t.txt" \
    "main's await of asyncio.gather() returns: all its tasks are done, the last Task-4"
expect "tasks/gather: the list of values, in the order given" "$tmp/t.txt" \
    "main prints: [4, 1, None]"
expect "tasks/gather: kept in a list variable" "$tmp/t.txt" \
    "main prints: [1, 1] 2 1"
cpython_prints "tasks/gather: CPython prints the same lists" gather \
    "[4, 1, None]" "[1, 1] 2 1"
run_says "$tasks" nested "tasks/nested: a plain call among the gathered coroutines' arguments" \
    "main prints: [0, 1, 4]"
run_says "$tasks" failing "tasks/failing: a gathered task's error is raised in the await" \
    "main fails: AssertionError (raised in Task-3; the await raises it again)"
run_says "$tasks" team "tasks/team: gather(*ts) of a list of tasks made in a loop" \
    "main prints: [0, 1, 4] 3"
"$bin" run "$tasks" --scene keep_errors >"$tmp/t.txt" 2>&1
rc=$?
expect "tasks/keep_errors: return_exceptions=True: the exception is a value, shown as repr() shows it" \
    "$tmp/t.txt" "main prints: [1, AssertionError('y is not 1')]"
expect "tasks/keep_errors: print(e) prints its message, as str() does" "$tmp/t.txt" \
    "main prints: y is not 1"
expect "tasks/keep_errors: with the coroutines written out (CALL_KW)" "$tmp/t.txt" \
    "main prints: [AssertionError(), 1]"
if [ "$rc" -eq 0 ] && ! grep -q "error:" "$tmp/t.txt"; then
    echo "ok tasks/keep_errors: the exceptions kept as values fail nothing"
else
    echo "FAIL tasks/keep_errors: exit $rc: $(grep error: "$tmp/t.txt" | head -n 1)"
fi
cpython_prints "tasks/keep_errors: CPython prints the same" keep_errors \
    "[1, AssertionError('y is not 1')]" "y is not 1" "[AssertionError(), 1]"
"$bin" run "$tasks" --scene await_failing >"$tmp/t.txt" 2>&1
expect "tasks/await_failing: await of a failed task raises its error" "$tmp/t.txt" \
    "main fails: AssertionError (raised in Task-2; the await raises it again)"
lacks "tasks/await_failing: the coroutine stops at the await" "$tmp/t.txt" \
    "main prints"
"$bin" run "$tasks" --scene lost >"$tmp/t.txt" 2>&1
expect "tasks/lost: a task nothing awaits fails alone" "$tmp/t.txt" "Task-2 fails: AssertionError"
expect "tasks/lost: the coroutine goes on" "$tmp/t.txt" "main is done"
expect "tasks/lost: its error was never retrieved, as CPython says" "$tmp/t.txt" \
    "in task Task-2: AssertionError (Task exception was never retrieved: nothing awaits the task)"
if [ -n "$py" ]; then
    "$bin" export "$tasks" --scene lost --python >"$tmp/l.py" &&
        "$py" "$tmp/l.py" >"$tmp/l.txt" 2>&1
    expect "tasks/lost: CPython says so too" "$tmp/l.txt" "Task exception was never retrieved"
    expect "tasks/lost: and its ending names the task as the simulation does" "$tmp/l.txt" \
        '{"final": {"y": 2}, "failed": ["Task-2"]'
fi
"$bin" run "$tasks" --scene stuck >"$tmp/t.txt" 2>&1
expect "tasks/stuck: the deadlock names the task the gather waits for" "$tmp/t.txt" \
    "deadlock: main awaits asyncio.gather(), and Task-3 in it is never done"
expect "tasks/stuck: in asyncio's words, also in the summary" "$tmp/t.txt" \
    "in scene 'stuck': main awaits asyncio.gather(), and Task-3 in it is never done;"
lacks "tasks/stuck: no join in an asyncio deadlock" "$tmp/t.txt" "(join)"
"$bin" run "$tasks" --scene stuck --json >"$tmp/t.json" 2>&1
expect "tasks/stuck: run --json says which task it awaits" "$tmp/t.json" \
    '{"task": "main", "awaits": "Task-3"}'
"$bin" explore "$tasks" --scene await_stuck --json >"$tmp/t.json" 2>&1
expect "tasks/await_stuck: explore --json says which task it awaits" "$tmp/t.json" \
    '"waiting": [{"task": "main", "awaits": "Task-2"}'
run_says "$tasks" await_stuck "tasks/await_stuck: an await of a task never done is a deadlock" \
    "deadlock: main awaits Task-2, which is never done"
run_says "$tasks" mixed "tasks/mixed: gather of a task made before and a coroutine" \
    "main prints: y is 2"
for scene in race done_first values gather mixed stuck nested failing await_failing lost await_stuck team keep_errors; do
    "$bin" explore "$tasks" --scene "$scene" --json >"$tmp/e.json" 2>/dev/null
    endings "$tmp/e.json" >"$tmp/want"
    if [ -s "$tmp/want" ]; then
        echo "ok tasks/$scene: explored"
    else
        echo "FAIL tasks/$scene: the explorer found no outcome"
    fi
    if [ -n "$py" ]; then
        "$bin" real "$tasks" --scene "$scene" --runs 2 --timeout 4 \
            --python "$py" --json >"$tmp/p.json" 2>/dev/null
        within "tasks/$scene: CPython's endings are the explorer's" "$tmp/p.json"
    fi
done
# The C coroutine backend runs the tasks made by code for real: every
# run ends as the explorer says it can, executing its ops in exactly the
# simulated order (the ucontext switch too).
for scene in race done_first values gather mixed stuck nested failing await_failing lost await_stuck team keep_errors; do
    "$bin" explore "$tasks" --scene "$scene" --json >"$tmp/e.json" 2>/dev/null
    endings "$tmp/e.json" >"$tmp/want"
    "$bin" real "$tasks" --scene "$scene" --runs 3 --timeout 4 --json >"$tmp/c.json" 2>/dev/null
    within "tasks/$scene: real coroutine runs" "$tmp/c.json"
    expect "tasks/$scene: real runs follow the simulated order" "$tmp/c.json" \
        '"order_matches_simulation": true'
done
"$bin" real "$tasks" --scene keep_errors --runs 2 --coro ucontext --json >"$tmp/c.json" 2>/dev/null
expect "tasks/keep_errors: the ucontext switch follows the simulated order too" "$tmp/c.json" \
    '"order_matches_simulation": true'
"$bin" real "$tasks" --scene await_failing --runs 1 >"$tmp/r.txt" 2>&1
expect "tasks/await_failing: a real await raises the task's error" "$tmp/r.txt" \
    "in a real run, task main: AssertionError (raised in Task-2; the await raises it again)"
"$bin" real "$tasks" --scene await_stuck --runs 1 --timeout 4 >"$tmp/r.txt" 2>&1
expect "tasks/await_stuck: a real deadlock is told in asyncio's words" "$tmp/r.txt" \
    "main awaits Task-2, which is never done"
"$bin" real "$lesson" --scene stuck --runs 1 --timeout 4 >"$tmp/r.txt" 2>&1
expect "spawn/stuck: a real join deadlock names the thread joined" "$tmp/r.txt" \
    "main waits for Thread-1 to finish (join)"

# Not in modes without OS threads.
"$bin" run "$lesson" --scene two --mode asyncio >"$tmp/a.txt" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q "spawn.lesson:21:9: error: in task main: threading.Thread starts OS threads" "$tmp/a.txt"; then
    echo "ok spawn/two: --mode asyncio stops at the threading.Thread call"
else
    echo "FAIL spawn/two: --mode asyncio: exit $rc: $(head -n 1 "$tmp/a.txt")"
fi

# The C backends start the threads made by code on real pthreads: every
# ending of real runs is one the explorer found (a join that cannot
# return is found as a deadlock); without OS threads they refuse.
for scene in two locked team stuck; do
    "$bin" explore "$lesson" --scene "$scene" --json >"$tmp/e.json" 2>/dev/null
    endings "$tmp/e.json" >"$tmp/want"
    runs=10
    [ "$scene" = stuck ] && runs=2
    "$bin" real "$lesson" --scene "$scene" --runs $runs --json >"$tmp/c.json" 2>/dev/null
    within "spawn/$scene: real C runs" "$tmp/c.json"
done
"$bin" real "$lesson" --scene stuck --runs 1 >"$tmp/r.txt" 2>&1
expect "spawn/stuck: real runs find the join deadlock" "$tmp/r.txt" "(deadlock)"
"$bin" real "$lesson" --scene two --runs 1 --mode asyncio >"$tmp/r.txt" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q "spawn.lesson:21:9: error: in a real run, task main: threading.Thread starts OS threads: it runs in mode threads or gil" "$tmp/r.txt"; then
    echo "ok spawn/two: real --mode asyncio stops at the threading.Thread call, as the simulation does"
else
    echo "FAIL spawn/two: real --mode asyncio: exit $rc: $(head -n 1 "$tmp/r.txt")"
fi

# The export starts only the run lines' tasks: the code starts the rest.
"$bin" export "$lesson" --scene two --python >"$tmp/two.py" 2>&1
expect "spawn/two: the export starts main only" "$tmp/two.py" '    ("main", two, ()),'
if grep -q '("Thread-1"' "$tmp/two.py"; then
    echo "FAIL spawn/two: the export starts Thread-1 itself"
else
    echo "ok spawn/two: the export leaves Thread-1 to the code"
fi

# CPython: every ending of the exported scene is one the explorer found.
if [ -n "$py" ]; then
    for scene in two locked team; do
        "$bin" explore "$lesson" --scene "$scene" --json >"$tmp/e.json" 2>/dev/null
        endings "$tmp/e.json" >"$tmp/want"
        "$bin" real "$lesson" --scene "$scene" --runs 3 --timeout 4 \
            --python "$py" --json >"$tmp/p.json" 2>/dev/null
        within "spawn/$scene: CPython's endings are the explorer's" "$tmp/p.json"
    done
fi

# A module-level list: every thread reads it, passed to a function and to
# a thread; for, len() and [i] as Python's, their TypeErrors included.
lists=tests/explore/lists.lesson
# says NAME SCENE TEXT: running SCENE of the lists lesson prints TEXT.
says() {
    run_says "$lists" "$2" "lists/$2: $1" "$3"
}
says "printed as Python prints it" shared "main prints: [3, 1, -2] 3 -2"
says "read by LOAD_GLOBAL" shared "LOAD_GLOBAL sites"
says "for over a number is Python's TypeError" number \
    "lists.lesson:22:5: error: in task A: TypeError: 'int' object is not iterable"
says "an index past the end is Python's IndexError" index \
    "lists.lesson:27:9: error: in task A: IndexError: list index out of range"
says "len() of a number is Python's TypeError" nolen \
    "lists.lesson:31:9: error: in task A: TypeError: object of type 'int' has no len()"
says "a module variable keeps numbers only, and says so" store \
    "lists.lesson:35:5: error: in task A: a module variable holds a number in taketurns"
for scene in shared gil; do
    "$bin" explore "$lists" --scene "$scene" --json >"$tmp/e.json" 2>/dev/null
    endings "$tmp/e.json" >"$tmp/want"
    "$bin" real "$lists" --scene "$scene" --runs 10 --json >"$tmp/c.json" 2>/dev/null
    within "lists/$scene: real C runs" "$tmp/c.json"
    if [ -n "$py" ]; then
        "$bin" real "$lists" --scene "$scene" --runs 3 --timeout 4 \
            --python "$py" --json >"$tmp/p.json" 2>/dev/null
        within "lists/$scene: CPython's endings are the explorer's" "$tmp/p.json"
    fi
done
