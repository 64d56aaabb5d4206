#!/bin/sh
# tests/g_run.sh BINARY - golden runs: every scene of every lesson, as JSON
# and as a timeline (with the exit status), in tests/golden/run/.
set -eu
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
out=tests/golden/run
rm -rf "$out"
mkdir -p "$out"
for lesson in lessons/*.lesson; do
    base=$(basename "$lesson" .lesson)
    for scene in $(sed -n 's/^scene \([A-Za-z0-9_]*\):.*/\1/p' "$lesson"); do
        "$bin" run "$lesson" --scene "$scene" --json >"$out/$base.$scene.json" 2>/dev/null || true
        rc=0
        "$bin" run "$lesson" --scene "$scene" --timeline >"$out/$base.$scene.timeline" 2>/dev/null || rc=$?
        echo "[exit status $rc]" >>"$out/$base.$scene.timeline"
    done
done
