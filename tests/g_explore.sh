#!/bin/sh
# tests/g_explore.sh BINARY - golden explorations in tests/golden/explore/:
# every scene of every tests/explore/*.lesson, and the cases listed in
# tests/explore/cases, each as text (with the exit status) and as JSON.
set -eu
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
out=tests/golden/explore
rm -rf "$out"
mkdir -p "$out"

golden() {
    name=$1
    shift
    rc=0
    "$bin" explore "$@" >"$out/$name.txt" 2>&1 || rc=$?
    echo "[exit status $rc]" >>"$out/$name.txt"
    "$bin" explore "$@" --json >"$out/$name.json" 2>/dev/null || true
}

for lesson in tests/explore/*.lesson; do
    base=$(basename "$lesson" .lesson)
    for scene in $(sed -n 's/^scene \([A-Za-z0-9_]*\):.*/\1/p' "$lesson"); do
        golden "$base.$scene" "$lesson" --scene "$scene"
    done
done
grep -v '^#' tests/explore/cases | while read -r name args; do
    [ -n "$name" ] || continue
    case $args in *--ascii*) rc=0
        "$bin" explore $args >"$out/$name.txt" 2>&1 || rc=$?
        echo "[exit status $rc]" >>"$out/$name.txt" ;;
    *) golden "$name" $args ;;
    esac
done
