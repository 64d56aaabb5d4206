#!/bin/sh
# tests/t_lessons.sh BINARY - the curriculum: every lesson checks clean
# (every answer it asks agrees with the simulation or the explorer, and no
# numeric answer goes unchecked), has 4 to 10 pages and asks something.
. "$(dirname "$0")/lib.sh"

n=0
for lesson in lessons/*.lesson; do
    name=$(basename "$lesson" .lesson)
    n=$((n + 1))
    if "$bin" check "$lesson" >"$tmp/out" 2>"$tmp/err"; then
        if [ -s "$tmp/err" ]; then
            echo "FAIL lessons/$name: check warns: $(head -n 1 "$tmp/err")"
        else
            echo "ok lessons/$name checks clean"
        fi
    else
        echo "FAIL lessons/$name: $(head -n 1 "$tmp/err")"
    fi
    pages=$(grep -c '^page "' "$lesson")
    [ "$pages" -ge 4 ] && [ "$pages" -le 10 ] && echo "ok lessons/$name has $pages pages" ||
        echo "FAIL lessons/$name has $pages pages (4 to 10)"
    grep -Eq '^ *@(ask|goal) ' "$lesson" && echo "ok lessons/$name asks" ||
        echo "FAIL lessons/$name asks nothing"
    grep -q '^about "' "$lesson" && echo "ok lessons/$name has a summary" ||
        echo "FAIL lessons/$name has no about line for the picker"
done
[ "$n" -ge 14 ] && echo "ok curriculum has $n lessons" ||
    echo "FAIL curriculum has $n lessons, fewer than 14"
