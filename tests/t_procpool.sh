#!/bin/sh
# tests/t_procpool.sh BINARY - concurrent.futures.ProcessPoolExecutor in
# tests/explore/procpool.lesson: the workers forked at the first submit and
# named as multiprocessing names a process's children (ForkProcess-I:K, a
# second pool going on with K), each a copy of its maker's memory at that
# submit; a job's change of a module variable lost to the maker, kept by
# its worker for its next job; map's results in the order given, a
# failing job's error raised by result(), the with block's exit waiting
# for every worker, submit after it and max_workers=0 as Python's errors;
# the pool refused outside mode processes and by the C backends; lesson
# 09's questions; every ending CPython reaches (the scene exported) is one
# the explorer found.
. "$(dirname "$0")/lib.sh"
lesson=tests/explore/procpool.lesson

# says NAME SCENE TEXT: running SCENE prints TEXT.
says() {
    "$bin" run "$lesson" --scene "$2" >"$tmp/r.txt" 2>&1
    expect "procpool/$2: $1" "$tmp/r.txt" "$3"
}

says "workers are named as multiprocessing names a process's children" \
    copies "tasks: main = copies(), ForkProcess-1:1 = look(...) from line 30, ForkProcess-1:2 = look(...)"
says "the first submit forks them" copies \
    "process ForkProcess-1:2 has started: forked by main's first submit(), with a copy of its memory (spawn cost 10 each)"
# The first worker starts spawn-cost ticks after the first submit, not
# before it (the pool's making forks nothing).
"$bin" run "$lesson" --scene copies >"$tmp/r.txt" 2>&1
submit=$(grep -m 1 'main .* CALL 2' "$tmp/r.txt" | awk '{print $1}')
started=$(grep -m 1 'ForkProcess-1:1 has started' "$tmp/r.txt" | awk '{print $1}')
if [ -n "$submit" ] && [ -n "$started" ] && [ "$started" -eq $((submit + 11)) ]; then
    echo "ok procpool/copies: the first worker is ready spawn-cost ticks after the first submit"
else
    echo "FAIL procpool/copies: first submit at '$submit', first worker at '$started'"
fi
says "a variable set before the first submit is copied, one set after is not" \
    copies "main prints: 2 2 3"
says "the workers keep their own copies" copies \
    "in process ForkProcess-1:2: x = 0, seen = 2"
says "a worker keeps its copy from one job to the next" keeps \
    "main prints: 5 12"
says "the jobs' changes are lost to the pool's maker" keeps "main prints: 0"
"$bin" run "$lesson" --scene keeps --json >"$tmp/k.json" 2>&1
expect "procpool/keeps: run --json lists the worker's copy" "$tmp/k.json" \
    '"ForkProcess-1:1": {"x": 12, "seen": 1}'
"$bin" run "$lesson" --scene order >"$tmp/o.txt" 2>&1
if [ "$(grep -o 'main prints: [0-9]*' "$tmp/o.txt" | tr '\n' ,)" = \
     "main prints: 9,main prints: 1,main prints: 4," ]; then
    echo "ok procpool/order: map gives the results in the order given"
else
    echo "FAIL procpool/order: $(grep 'prints' "$tmp/o.txt" | tr '\n' ' ')"
fi
nine=$(grep -m 1 'RETURN_VALUE  returns 9$' "$tmp/o.txt" | awk '{print $1}')
one=$(grep -m 1 'RETURN_VALUE  returns 1$' "$tmp/o.txt" | awk '{print $1}')
if [ -n "$nine" ] && [ -n "$one" ] && [ "$nine" -gt "$one" ]; then
    echo "ok procpool/order: the first job, the slowest, ends after the second"
else
    echo "FAIL procpool/order: job 1 returned at '$nine', job 2 at '$one'"
fi
says "result() raises the job's error" failing \
    "error: in task main: ZeroDivisionError: integer division or modulo by zero"
says "the job's error is kept in its future" failing \
    "ForkProcess-1:1's job fails: ZeroDivisionError"
says "a later job's value comes first if asked first" failing "main prints: 2"
says "the with block waits for every worker" after \
    "main leaves the pool's with block: shutdown(wait=True) waits until every worker has finished"
says "and goes on when the last has" after \
    "main's shutdown returns: every worker has finished, the last ForkProcess-1:2"
says "submit after the with block is Python's RuntimeError" after \
    "procpool.lesson:75:5: error: in task main: RuntimeError: cannot schedule new futures after shutdown"
says "max_workers=0 is Python's ValueError" zero \
    "error: in task main: ValueError: max_workers must be greater than 0"
says "a second pool's workers go on counting" two \
    "ForkProcess-1:3 = bump(...) from line 84, ForkProcess-1:4 = bump(...)"
says "the second pool's job runs in a fresh fork" two "main prints: 10"
says "a lock held at the fork stays held in the copy" held \
    "deadlock: ForkProcess-1:1 waits for lock m, held by main, forever"

# Refused where it cannot run, with the place.
fails_saying "procpool: outside mode processes the pool is an error" \
    "pool-process.lesson:6:10: error: concurrent.futures.ProcessPoolExecutor forks processes, but scene 's' runs in mode threads: use mode processes" \
    "$bin" check tests/bad/pool-process.lesson
fails_saying "procpool: the C backends refuse with a message" \
    "process pools run in the simulator and in CPython" \
    "$bin" real "$lesson" --scene keeps --runs 1

# Lesson 09's pool: its questions check against the simulation.
"$bin" check lessons/09-processes.lesson >"$tmp/c.txt" 2>&1
expect "procpool: lesson 09's questions are right" "$tmp/c.txt" "ok: 10 scenes"

# The explorer, and CPython: every ending of the exported scene is one the
# explorer found.
py=$(python313)
for scene in copies keeps mapped order failing after zero two held; do
    like_cpython procpool "$lesson" "$scene"
done
like_cpython procpool lessons/09-processes.lesson process_pool
