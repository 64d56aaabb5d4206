#!/bin/sh
# tests/fuzz/run.sh BUILD_DIR SECONDS NAME... - run each libFuzzer harness
# BUILD_DIR/fuzz_NAME for SECONDS, seeded from lessons/ and tests/bad/ (and
# tests/fuzz/NAME/ for inputs worth keeping, such as past crashes), with
# the corpus it grows kept in BUILD_DIR/corpus_NAME.  Prints the number of
# executions of each; exits 1 if any harness found a crash (its input is
# then BUILD_DIR/NAME_crash-*; NAME_slow-unit-* are only slow inputs).
set -u
build=$1
secs=$2
shift 2
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
rc=0
for name in "$@"; do
    corpus=$build/corpus_$name
    seeds=$build/seeds_$name
    mkdir -p "$corpus" "$seeds"
    for f in lessons/*.lesson tests/bad/*.lesson tests/ui/*.lesson \
             tests/explore/*.lesson tests/real/*.lesson; do
        [ -f "$f" ] || continue
        if [ "$name" = tui ]; then
            # A key script, then the lesson.
            { echo "<Right> n e <Wait> <PgDn> m 1 <Left> <End> <Dump>"
              echo "%%"; cat "$f"; } >"$seeds/$(basename "$f")"
        else
            cp "$f" "$seeds/"
        fi
    done
    [ -d "tests/fuzz/$name" ] && cp tests/fuzz/"$name"/* "$seeds/" 2>/dev/null
    echo "== fuzz_$name: $secs s"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$build/fuzz_$name" -max_total_time="$secs" -timeout=60 \
        -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
        -close_fd_mask=1 -artifact_prefix="$build/${name}_" \
        "$corpus" "$seeds" >"$build/fuzz_$name.log" 2>&1
    status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/fuzz_$name.log")
    echo "fuzz_$name: ${runs:-?} executions, exit status $status"
    if [ "$status" -ne 0 ]; then
        tail -n 40 "$build/fuzz_$name.log"
        rc=1
    fi
done
exit $rc
