#!/bin/sh
# tests/t_pool.sh BINARY - concurrent.futures.ThreadPoolExecutor in
# tests/explore/pool.lesson: workers named as CPython names them and
# started lazily (a new one only while none is idle), map's results in the
# order given, a failing job's error raised by result() and by map's
# iteration, the with block's exit waiting for every worker, max_workers=0
# as Python's ValueError; every ending CPython reaches (the scene exported)
# is one the explorer found; the C backends refuse with a message.
. "$(dirname "$0")/lib.sh"
lesson=tests/explore/pool.lesson

# says NAME SCENE TEXT: running SCENE prints TEXT.
says() {
    "$bin" run "$lesson" --scene "$2" >"$tmp/r.txt" 2>&1
    expect "pool/$2: $1" "$tmp/r.txt" "$3"
}

says "workers are named as CPython names them" lazy \
    "tasks: main = lazy(), ThreadPoolExecutor-0_0 = slow(...) from line 23, ThreadPoolExecutor-0_1 = slow(...)"
says "a job waited for leaves its worker idle: the next job takes it" lazy \
    "main's result() returns: job 2 is done (ThreadPoolExecutor-0_0 ran it)"
if grep -q "ThreadPoolExecutor-0_1 starts" "$tmp/r.txt"; then
    echo "FAIL pool/lazy: a second worker started while one was idle"
else
    echo "ok pool/lazy: no second worker while one is idle"
fi
says "result() gives the job's value" lazy "main prints: 4"
says "result() raises the job's error" failing \
    "error: in task main: ZeroDivisionError: integer division or modulo by zero"
says "the job's error is kept, not printed" failing \
    "ThreadPoolExecutor-0_0's job fails: ZeroDivisionError"
says "a later job's value comes first if asked first" failing "main prints: 2"
says "a failed job's with block lets go of its lock" lockfail "main prints: 2"
says "map gives the results in the order given" mapfail "main prints: 10"
says "map's iteration raises a job's error" mapfail \
    "pool.lesson:38:9: error: in task main: ZeroDivisionError"
says "max_workers=0 is Python's ValueError" zero \
    "error: in task main: ValueError: max_workers must be greater than 0"
says "the with block waits for every worker" article \
    "main leaves the pool's with block: shutdown(wait=True) waits until every worker has finished"
says "and goes on when the last has" article \
    "main's shutdown returns: every worker has finished"
says "five workers for two jobs start two" article \
    "ThreadPoolExecutor-0_1 is done"

# The explorer: two jobs that add to x race when threads have no GIL; its
# witness replays with the workers' names.
"$bin" explore "$lesson" --scene race --json >"$tmp/x.json" 2>&1
endings "$tmp/x.json" >"$tmp/race"
for v in 1 2 3; do
    expect "pool/race: the explorer finds x = $v" "$tmp/race" "ok {\"x\": $v}"
done
w=$(grep -o '"witness": "[^"]*"' "$tmp/x.json" | head -n 1 | cut -d'"' -f4)
"$bin" run "$lesson" --scene race --schedule "$w" >"$tmp/w.txt" 2>&1
expect "pool/race: the witness replays with the workers' names" "$tmp/w.txt" "final: x = 1"

# CPython: every ending of the exported scene is one the explorer found.
py=$(python313)
for scene in lazy failing mapfail zero race article lockfail; do
    like_cpython pool "$lesson" "$scene"
done

# The C backends do not run pools yet, and say so.
fails_saying "pool/race: the C backends refuse with a message" \
    "pools run in the simulator and in CPython" \
    "$bin" real "$lesson" --scene race --runs 1
