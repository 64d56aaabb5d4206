#!/bin/sh
# tests/t_golden.sh BINARY - every scene of every lesson runs exactly as its
# golden files say (tests/golden/run, written by tests/g_run.sh), and two
# runs of the same scene give the same bytes.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
gold=tests/golden/run
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for lesson in lessons/*.lesson; do
    base=$(basename "$lesson" .lesson)
    for scene in $(sed -n 's/^scene \([A-Za-z0-9_]*\):.*/\1/p' "$lesson"); do
        name="$base.$scene"
        "$bin" run "$lesson" --scene "$scene" --json >"$tmp/a.json" 2>/dev/null
        "$bin" run "$lesson" --scene "$scene" --json >"$tmp/b.json" 2>/dev/null
        if [ ! -f "$gold/$name.json" ]; then
            echo "FAIL golden/$name.json is missing (make golden)"
        elif cmp -s "$tmp/a.json" "$gold/$name.json"; then
            echo "ok golden/$name.json"
        else
            echo "FAIL golden/$name.json differs"
            diff "$gold/$name.json" "$tmp/a.json" | head -8
        fi
        cmp -s "$tmp/a.json" "$tmp/b.json" && echo "ok determinism/$name" ||
            echo "FAIL determinism/$name: two runs differ"
        rc=0
        "$bin" run "$lesson" --scene "$scene" --timeline >"$tmp/t" 2>/dev/null || rc=$?
        echo "[exit status $rc]" >>"$tmp/t"
        if [ ! -f "$gold/$name.timeline" ]; then
            echo "FAIL golden/$name.timeline is missing (make golden)"
        elif cmp -s "$tmp/t" "$gold/$name.timeline"; then
            echo "ok golden/$name.timeline"
        else
            echo "FAIL golden/$name.timeline differs"
            diff "$gold/$name.timeline" "$tmp/t" | head -8
        fi
    done
done
# Every golden file belongs to a scene that still exists.
for f in "$gold"/*.json; do
    [ -f "$f" ] || continue
    name=$(basename "$f" .json)
    lesson=lessons/${name%.*}.lesson
    scene=${name##*.}
    grep -q "^scene $scene:" "$lesson" 2>/dev/null && echo "ok golden/$name belongs" ||
        echo "FAIL golden/$name.json has no scene (stale: make golden)"
done
