#!/bin/sh
# tests/run.sh BINARY BUILD_DIR [NAME] - run every test (or only those
# whose name starts with NAME: test_NAME*, t_NAME*.sh) and count the results.
#
# Every test program prints one line per check: "ok NAME" or "FAIL NAME"
# (anything else it prints is shown as is).  The unit test binaries are
# BUILD_DIR/test_*; the scripts are tests/t_*.sh, run with the binary as
# their first argument.  The last line is "N passed, N failed".
#
# The environment is pinned so results never depend on the machine:
# locale, terminal size, time zone, and the lesson search path.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
build=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
only=${3:-}
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC TERM=xterm-256color COLUMNS=80 LINES=24
unset TAKETURNS_LESSONS NO_COLOR 2>/dev/null || true
export TT_BIN="$bin" TT_BUILD="$build" TT_TESTS="$here"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM

run_one() {
    name=$1
    shift
    # A test that hangs is a failure, not a stuck suite.
    if timeout 600 "$@" >"$out/log" 2>&1; then rc=0; else rc=$?; fi
    grep -E '^(ok|FAIL) ' "$out/log" >>"$out/results" || true
    grep -vE '^ok ' "$out/log" | sed 's/^/    /' || true
    if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$out/log"; then
        echo "FAIL $name (exit status $rc)" >>"$out/results"
        echo "FAIL $name (exit status $rc)"
    fi
}

: >"$out/results"
for t in "$build"/test_"$only"*; do
    [ -x "$t" ] || continue
    echo "== $(basename "$t")"
    run_one "$(basename "$t")" "$t"
done
for t in "$here"/t_"$only"*.sh; do
    [ -f "$t" ] || continue
    echo "== $(basename "$t")"
    run_one "$(basename "$t")" sh "$t" "$bin"
done
passed=$(grep -c '^ok ' "$out/results" || true)
failed=$(grep -c '^FAIL ' "$out/results" || true)
if [ "$failed" -gt 0 ]; then
    echo
    echo "failures:"
    grep '^FAIL ' "$out/results" | sed 's/^/  /'
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
