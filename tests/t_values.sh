#!/bin/sh
# tests/t_values.sh BINARY - values that are not numbers print as CPython
# prints them: a comparison, `not`, and the sync methods that answer yes
# or no (acquire, locked, is_set, wait, empty, full, Barrier.broken) give
# True or False, which stay ints to arithmetic (True + True is 2); a
# module variable set to one shows it on screen while JSON keeps the
# number.  The expected lines are what CPython 3.13 prints for
# tests/explore/values.lesson exported (`export --python`); with a
# python3 at hand the export is run and must print the same.
. "$(dirname "$0")/lib.sh"
lesson=tests/explore/values.lesson
py=${TT_PYTHON:-python3}

"$bin" run "$lesson" >"$tmp/run.txt" 2>&1
sed -n 's/^ *[0-9]*  -- main prints: //p' "$tmp/run.txt" >"$tmp/sim.txt"
cat >"$tmp/want.txt" <<'END'
True False True True
True False True
False False
True True
True False
True False
True False
False
0 False
2 5 [True, 0]
END
if cmp -s "$tmp/sim.txt" "$tmp/want.txt"; then
    echo "ok values/prints-as-cpython"
else
    echo "FAIL values/prints-as-cpython:"
    diff "$tmp/want.txt" "$tmp/sim.txt" | sed 's/^/    /'
fi
expect "values/final-text" "$tmp/run.txt" "final: done = True"
"$bin" run "$lesson" --json >"$tmp/run.json" 2>&1
expect "values/final-json-number" "$tmp/run.json" '"done": 1'
"$bin" explore "$lesson" >"$tmp/explore.txt" 2>&1
expect "values/outcome-text" "$tmp/explore.txt" "done = True"

if ! command -v "$py" >/dev/null 2>&1 || ! "$py" -c 'import sys' >/dev/null 2>&1; then
    echo "ok values/cpython (skipped: no python3)"
    exit 0
fi
"$bin" export "$lesson" --python >"$tmp/values.py"
"$py" "$tmp/values.py" 2>&1 | grep -v '^{"final"' >"$tmp/py.txt"
if cmp -s "$tmp/py.txt" "$tmp/want.txt"; then
    echo "ok values/cpython-prints-the-same"
else
    echo "FAIL values/cpython-prints-the-same:"
    diff "$tmp/want.txt" "$tmp/py.txt" | sed 's/^/    /'
fi
