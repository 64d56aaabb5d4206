#!/bin/sh
# tests/t_pool.sh BINARY - concurrent.futures.ThreadPoolExecutor in
# tests/explore/pool.lesson: workers named as CPython names them and
# started lazily (a new one only while none is idle), map's results in the
# order given, a failing job's error raised by result() and by map's
# iteration, the with block's exit waiting for every worker, max_workers=0
# as Python's ValueError, a job after shutdown as Python's RuntimeError;
# every ending CPython reaches (the scene exported) and every ending of real
# runs on the C backends (threads, gil) is one the explorer found.
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
# The kept error is not printed: JSON's output has only what main prints.
"$bin" run "$lesson" --scene failing --json >"$tmp/f.json" 2>/dev/null
sed -n '/"output": \[/,/\]/p' "$tmp/f.json" >"$tmp/out.txt"
if grep -q '"2"' "$tmp/out.txt" && ! grep -q "ZeroDivisionError" "$tmp/out.txt"; then
    echo "ok pool/failing: JSON output has main's print, not the kept error"
else
    echo "FAIL pool/failing: JSON output:"
    sed 's/^/    /' "$tmp/out.txt"
fi
says "a job whose call raises keeps the error; the worker goes on" syncfail \
    "main prints: 2"
says "result() raises the call's error" syncfail \
    "error: in task main: RuntimeError: release unlocked lock (guard)"
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
for scene in lazy failing mapfail zero race article lockfail late stuck syncfail; do
    like_cpython pool "$lesson" "$scene"
done

# Real runs on the C backends, in modes threads (pthreads) and gil (and a
# real GIL): every ending is one the explorer finds in that mode (a job
# waiting for the lock of a task in result() is a deadlock there too).
for m in threads gil; do
    for scene in lazy failing mapfail zero race article lockfail late stuck syncfail; do
        "$bin" explore "$lesson" --scene "$scene" --mode $m --json >"$tmp/e.json" 2>/dev/null
        endings "$tmp/e.json" >"$tmp/want"
        runs=10
        [ "$scene" = stuck ] && runs=2
        "$bin" real "$lesson" --scene "$scene" --mode $m --runs $runs \
            --timeout 4 --json >"$tmp/c.json" 2>/dev/null
        within "pool/$scene: real $m runs end as the explorer says" "$tmp/c.json"
    done
    # real_says NAME SCENE TEXT: a real run of SCENE in mode $m says TEXT.
    real_says() {
        "$bin" real "$lesson" --scene "$2" --mode $m --runs 1 --timeout 4 \
            --json >"$tmp/r.json" 2>&1
        expect "pool/$2: real $m: $1" "$tmp/r.json" "$3"
    }
    real_says "the first job runs on ThreadPoolExecutor-0_0" lazy \
        '"task": "ThreadPoolExecutor-0_0", "text": "ThreadPoolExecutor-0_0 starts"'
    real_says "the next job goes to the idle worker" lazy \
        "main's result() returns: job 2 is done (ThreadPoolExecutor-0_0 ran it)"
    real_says "result() gives the job's value" lazy '"text": "main prints: 4"'
    if grep -q '"ThreadPoolExecutor-0_1 starts"' "$tmp/r.json"; then
        echo "FAIL pool/lazy: real $m: a second worker started while one was idle"
    else
        echo "ok pool/lazy: real $m: no second worker while one is idle"
    fi
    real_says "a failing job's error is kept in its future" failing \
        "ThreadPoolExecutor-0_0's job fails: ZeroDivisionError"
    real_says "result() raises the job's error" failing \
        '"why": "main fails: ZeroDivisionError: integer division or modulo by zero"'
    real_says "map's iteration raises a job's error" mapfail \
        '{"task": "main", "line": 38, "col": 9, "message": "ZeroDivisionError'
    real_says "a job after the with block is refused" late \
        "RuntimeError: cannot schedule new futures after shutdown"
    real_says "the deadlock names the wait in result()" stuck \
        "main waits in result() for job 1"
    # (whether main has to wait depends on the timing; that it prints only
    # once both workers have ended does not)
    "$bin" real "$lesson" --scene article --mode $m --runs 1 --json >"$tmp/r.json" 2>&1
    ends=$(grep -o '"t": [0-9]*, "type": "exit", "task": "ThreadPoolExecutor-0_[01]"' "$tmp/r.json" |
        sed 's/"t": \([0-9]*\).*/\1/' | sort -n)
    said=$(grep -o '"t": [0-9]*, "type": "print", "task": "main"' "$tmp/r.json" |
        sed 's/"t": \([0-9]*\).*/\1/')
    last=$(echo "$ends" | tail -n 1)
    if [ "$(echo "$ends" | wc -l)" -eq 2 ] && [ -n "$said" ] && [ "$said" -ge "$last" ]; then
        echo "ok pool/article: real $m: the with block ends after both workers have"
    else
        echo "FAIL pool/article: real $m: main printed at '$said', the workers ended at" $ends
    fi
done
"$bin" real "$lesson" --scene race --runs 1 --replay >"$tmp/r.txt" 2>&1
expect "pool/race: a real run's interleaving replays in the simulator" \
    "$tmp/r.txt" "ends in the same state"
"$bin" real "$lesson" --scene race --runs 1 --mode asyncio >"$tmp/r.txt" 2>&1
expect "pool/race: real --mode asyncio stops at the pool, as the simulation does" \
    "$tmp/r.txt" "in a real run, task main: concurrent.futures.ThreadPoolExecutor starts OS threads: it runs in mode threads or gil"
# (the line of race()'s pool)
n=$(awk '/^def race/ { f = 1 } f && /ThreadPoolExecutor/ { print NR; exit }' "$lesson")
for m in sequential processes; do
    fails_saying "pool/race: real --mode $m refuses the pool's workers" \
        "its code makes a concurrent.futures.ThreadPoolExecutor (line $n): its worker threads run for real in mode threads or gil" \
        "$bin" real "$lesson" --scene race --runs 1 --mode $m
done
