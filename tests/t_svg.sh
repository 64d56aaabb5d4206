#!/bin/sh
# tests/t_svg.sh BINARY - `taketurns run --svg`: the picture of each scene in
# tests/svg-scenes matches its golden file (tests/golden/svg, written by
# tests/g_svg.sh), two runs give the same bytes, the file is well-formed
# XML (checked with python3 where there is one; test_svg checks its
# structure in C), and a file that cannot be written is an error.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
gold=tests/golden/svg
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
py=$(command -v python3 || true)

while read -r lesson scene; do
    name="$lesson.$scene"
    "$bin" run "lessons/$lesson.lesson" --scene "$scene" --svg "$tmp/a.svg" \
        >/dev/null 2>&1
    "$bin" run "lessons/$lesson.lesson" --scene "$scene" --svg "$tmp/b.svg" \
        >/dev/null 2>&1
    if [ ! -f "$gold/$name.svg" ]; then
        echo "FAIL svg/$name.svg is missing (make golden)"
    elif cmp -s "$tmp/a.svg" "$gold/$name.svg"; then
        echo "ok svg/$name.svg"
    else
        echo "FAIL svg/$name.svg differs"
        diff "$gold/$name.svg" "$tmp/a.svg" | head -8
    fi
    cmp -s "$tmp/a.svg" "$tmp/b.svg" && echo "ok svg-determinism/$name" ||
        echo "FAIL svg-determinism/$name: two runs differ"
    if [ -n "$py" ]; then
        if "$py" -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' \
            "$tmp/a.svg" 2>"$tmp/err"; then
            echo "ok svg-xml/$name"
        else
            echo "FAIL svg-xml/$name: not well-formed: $(tail -1 "$tmp/err")"
        fi
    fi
done <tests/svg-scenes

# One lane label per task and per CPU, plus the axis's "tick".
"$bin" run lessons/07-io-bound.lesson --scene threading --svg "$tmp/a.svg" >/dev/null
n=$(grep -c 'class="l"' "$tmp/a.svg")
[ "$n" -eq 8 ] && echo "ok svg-lanes" || echo "FAIL svg-lanes: $n labels, expected 8"

# A file that cannot be written: a clear error and exit status 1.
"$bin" run lessons/03-race.lesson --svg "$tmp/no/such/dir.svg" >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q "^taketurns run: error: cannot write .*dir.svg" "$tmp/err" &&
    echo "ok svg-cannot-write" || echo "FAIL svg-cannot-write: status $rc, $(cat "$tmp/err")"
