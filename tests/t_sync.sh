#!/bin/sh
# tests/t_sync.sh BINARY - synchronization objects run for real end as the
# explorer says they can.  For every scene of tests/explore/sync.lesson
# (semaphores, events, conditions, barriers, queues, in threads and in
# asyncio), of tests/explore/with_error.lesson (a task fails inside with
# blocks, whose __exit__ releases what they entered) and of
# tests/explore/barrier.lesson (a barrier's timed wait breaks it): every
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
