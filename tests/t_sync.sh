#!/bin/sh
# tests/t_sync.sh BINARY - synchronization objects run for real end as the
# explorer says they can.  For every scene of tests/explore/sync.lesson
# (semaphores, events, conditions, barriers, queues, in threads and in
# asyncio), of tests/explore/with_error.lesson (a task fails inside with
# blocks, whose __exit__ releases what they entered) and of
# tests/explore/barrier.lesson (a barrier's timed wait breaks it) and of
# tests/explore/shared.lesson (a multiprocessing.Value and Lock shared by
# processes; attributes of a Barrier and a Queue): every
# ending of real runs on the C backends is one of the
# explorer's outcomes, and so is every ending of the scene exported to
# CPython where a python3.13 (or python3) is installed.  An ending is the
# final variables and how the run ended (ok, failed, deadlock).
. "$(dirname "$0")/lib.sh"
lesson=tests/explore/sync.lesson

# (a pyenv shim that cannot run is passed over: ask for the interpreter)
py=
for p in python3.13 "$HOME/.pyenv/versions/3.13.0/bin/python3.13" python3; do
    py=$("$p" -c 'import sys; print(sys.executable)' 2>/dev/null) && break
    py=
done

# check SCENE [--mode M]: explore, then real runs (and CPython's) within.
check() {
    scene=$1
    shift
    name="$(basename "$lesson" .lesson)/$scene${1:+ $2}"
    "$bin" explore "$lesson" --scene "$scene" "$@" --json >"$tmp/x.json" 2>/dev/null
    endings "$tmp/x.json" >"$tmp/want"
    if [ -s "$tmp/want" ]; then
        echo "ok $name: explored"
    else
        echo "FAIL $name: the explorer found no outcome"
        return
    fi
    "$bin" real "$lesson" --scene "$scene" "$@" --runs 20 --json >"$tmp/r.json" 2>/dev/null
    within "$name: real C runs" "$tmp/r.json"
    if [ -n "$py" ]; then
        # a deadlock is found only at the time limit: once is enough
        runs=3
        grep -qv '^deadlock ' "$tmp/want" || runs=1
        "$bin" real "$lesson" --scene "$scene" "$@" --runs $runs --timeout 4 \
            --python "$py" --json >"$tmp/p.json" 2>/dev/null
        within "$name: CPython ($py)" "$tmp/p.json"
    fi
}

for scene in $(sed -n 's/^scene \([A-Za-z0-9_]*\):.*/\1/p' "$lesson"); do
    check "$scene"
done
# Under the GIL, and in processes (each with its own copy of every object).
for scene in semaphore2 condition queue barrier; do
    check "$scene" --mode gil
done
for scene in queue event timeouts; do
    check "$scene" --mode processes
done
# A task fails inside with blocks: they release what they entered.
lesson=tests/explore/with_error.lesson
for scene in $(sed -n 's/^scene \([A-Za-z0-9_]*\):.*/\1/p' "$lesson"); do
    check "$scene"
done
check lock --mode gil
check nested --mode gil
# What the release changes: the adder always gets m (no deadlock, x = 1);
# a peeker sees m held between the failer's acquire and its error, also
# where the scene is explored with partial-order reduction (peekmany).
"$bin" explore "$lesson" --scene lock --json >"$tmp/x.json" 2>/dev/null
if [ "$(endings "$tmp/x.json")" = 'failed {"x": 1, "seen": 0, "y": 0, "z": 0}' ]; then
    echo "ok with_error/lock: the adder always gets the lock"
else
    echo "FAIL with_error/lock: $(endings "$tmp/x.json" | tr '\n' ';')"
fi
for scene in peek peekmany; do
    "$bin" explore "$lesson" --scene "$scene" --json >"$tmp/x.json" 2>/dev/null
    if endings "$tmp/x.json" | grep -q '"seen": 1' &&
       endings "$tmp/x.json" | grep -q '"seen": 0'; then
        echo "ok with_error/$scene: m is seen held before the error"
    else
        echo "FAIL with_error/$scene: $(endings "$tmp/x.json" | tr '\n' ';')"
    fi
done
"$bin" run "$lesson" --scene nested --schedule A30 --json >"$tmp/r.json" 2>/dev/null
if grep -q "A's error leaves \`with m2:\`, whose __exit__ releases lock m2\"" "$tmp/r.json" &&
   grep -q "A's error leaves \`with m:\`, whose __exit__ releases lock m\"" "$tmp/r.json"; then
    echo "ok with_error/nested: the log says what each block released"
else
    echo "FAIL with_error/nested: no release in the log"
fi
# A barrier's timed wait, abort() and reset(): a broken barrier raises.
lesson=tests/explore/barrier.lesson
for scene in $(sed -n 's/^scene \([A-Za-z0-9_]*\):.*/\1/p' "$lesson"); do
    check "$scene"
done
"$bin" explore "$lesson" --scene timeout --json >"$tmp/x.json" 2>/dev/null
if [ "$(endings "$tmp/x.json")" = 'failed {"passed": 0}' ] &&
   grep -q '"message": "threading.BrokenBarrierError (meet)"' "$tmp/x.json"; then
    echo "ok barrier/timeout: the timed wait breaks the barrier for all"
else
    echo "FAIL barrier/timeout: $(endings "$tmp/x.json" | tr '\n' ';')"
fi
"$bin" explore "$lesson" --scene intime --json >"$tmp/x.json" 2>/dev/null
if [ "$(endings "$tmp/x.json")" = 'ok {"passed": 3}' ]; then
    echo "ok barrier/intime: a wait that does not run out breaks nothing"
else
    echo "FAIL barrier/intime: $(endings "$tmp/x.json" | tr '\n' ';')"
fi
# Shared between processes: one Value for all, x each process's own.
lesson=tests/explore/shared.lesson
for scene in $(sed -n 's/^scene \([A-Za-z0-9_]*\):.*/\1/p' "$lesson"); do
    check "$scene"
done
# Threads sharing a Value under the GIL: its property switches.
check racy --mode gil
# values SCENE [ARGS]: the values of v.value the explorer finds, in order.
values() {
    scene=$1
    shift
    "$bin" explore "$lesson" --scene "$scene" "$@" --json 2>/dev/null |
        sed -n 's/^    {"final": {"x": \([0-9]*\), "v.value": \([0-9]*\),.*/x=\1 v=\2/p' |
        sort -u | tr '\n' ' '
}
got=$(values racy)
[ "$got" = "x=0 v=2 x=0 v=3 x=0 v=4 " ] &&
    echo "ok shared/racy: v.value += 1 loses updates across processes, x stays 0" ||
    echo "FAIL shared/racy: $got"
got=$(values racy --mode gil)
[ "$got" = "x=4 v=2 x=4 v=3 x=4 v=4 " ] &&
    echo "ok shared/racy --mode gil: v.value += 1 loses updates, x = x + 1 none" ||
    echo "FAIL shared/racy --mode gil: $got"
for scene in locked mlock rlock semaphore; do
    got=$(values "$scene")
    [ "$got" = "x=0 v=4 " ] && echo "ok shared/$scene: no update is lost" ||
        echo "FAIL shared/$scene: $got"
done
"$bin" explore "$lesson" --scene peeker --json >"$tmp/x.json" 2>/dev/null
if grep -q '"B": {"x": 0,' "$tmp/x.json" && grep -q '"B": {"x": 2,' "$tmp/x.json" &&
   ! grep -q '"B": {"x": 1,' "$tmp/x.json"; then
    echo "ok shared/peeker: a read waits while another process holds the lock"
else
    echo "FAIL shared/peeker: $(grep -o '"B": {"x": [0-9]*' "$tmp/x.json" | tr '\n' ';')"
fi
"$bin" explore "$lesson" --scene event --json >"$tmp/x.json" 2>/dev/null
if grep -q '"A": {"x": 1,' "$tmp/x.json" && ! grep -q '"A": {"x": 0,' "$tmp/x.json"; then
    echo "ok shared/event: an Event set in one process is set in the other"
else
    echo "FAIL shared/event: $(grep -o '"A": {"x": [0-9]*' "$tmp/x.json" | tr '\n' ';')"
fi
got=$("$bin" explore "$lesson" --scene attrs --json 2>/dev/null |
      sed -n 's/.*"parties": \([0-9-]*\), "waiting": \([0-9-]*\), "broken": \([0-9-]*\), "maxsize": \([0-9-]*\)}, "status".*/\1 \2 \3 \4/p' |
      sort -u | tr '\n' ';')
[ "$got" = "2 0 0 3;2 1 0 3;" ] &&
    echo "ok shared/attrs: parties, n_waiting, broken and maxsize as CPython's" ||
    echo "FAIL shared/attrs: $got"
