#!/bin/sh
# tests/t_patterns.sh BINARY - the concurrency patterns of the article are
# expressible: every tests/patterns/*.lesson (a pool of workers on a queue,
# asyncio.Semaphore limiting downloads, producer/consumer on a queue and on
# a condition, events and barriers as start signals) checks clean, every
# answer it asks agreeing with the simulation or the explorer, and each of
# its scenes runs for real on the C backends to a normal end.
. "$(dirname "$0")/lib.sh"

for lesson in tests/patterns/*.lesson; do
    name=$(basename "$lesson" .lesson)
    if "$bin" check "$lesson" >"$tmp/out" 2>"$tmp/err"; then
        echo "ok patterns/$name checks clean"
    else
        echo "FAIL patterns/$name: $(head -n 1 "$tmp/err")"
    fi
    for scene in $(sed -n 's/^scene \([A-Za-z0-9_]*\):.*/\1/p' "$lesson"); do
        "$bin" real "$lesson" --scene "$scene" --runs 2 --tick-us 100 --json \
            >"$tmp/r.json" 2>"$tmp/err"
        if grep -q '"status": "ok"' "$tmp/r.json" &&
           ! grep -q '"status": "\(deadlock\|failed\|limit\)"' "$tmp/r.json"; then
            echo "ok patterns/$name/$scene runs for real"
        else
            echo "FAIL patterns/$name/$scene: $(head -n 1 "$tmp/err")"
        fi
    done
done
