#!/bin/sh
# tests/t_explore.sh BINARY - `taketurns explore` from the outside.
#
# Golden reports (tests/golden/explore, written by tests/g_explore.sh) and
# determinism; every witness, fed to `run --schedule`, ends in the outcome
# it claims with the preemptions it claims; the memoised search agrees with
# a brute-force walk of every schedule (--naive) on counts and on the fewest
# preemptions; bounds, limits, usage errors; and every scene of every
# lesson explores without failing.  One line per check: "ok NAME" or
# "FAIL NAME".
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
gold=tests/golden/explore
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { echo "ok $1"; }
fail() { echo "FAIL $1"; }
check() { name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }

# The outcome lines of explore --json: one object per line.
outcomes() { sed -n 's/^    {"final": /{"final": /p' "$1" | sed 's/},$/}/'; }
field_str() { sed -n "s/.*\"$1\": \"\\([^\"]*\\)\".*/\\1/p"; }
field_num() { sed -n "s/.*\"$1\": \\([0-9a-z]*\\).*/\\1/p"; }
# An object (one level of nesting) after "key": with all blanks removed.
field_obj() {
    tr -d ' \n' | sed -n -E "s/.*\"$1\":(\\{([^{}]|\\{[^{}]*\\})*\\}).*/\\1/p"
}

# ---- golden reports -------------------------------------------------------------

golden() {
    name=$1
    shift
    rc=0
    "$bin" explore "$@" >"$tmp/t" 2>&1 || rc=$?
    echo "[exit status $rc]" >>"$tmp/t"
    if [ ! -f "$gold/$name.txt" ]; then
        fail "golden/$name.txt is missing (make golden)"
    elif cmp -s "$tmp/t" "$gold/$name.txt"; then
        pass "golden/$name.txt"
    else
        fail "golden/$name.txt differs"
        diff "$gold/$name.txt" "$tmp/t" | head -8
    fi
    case "$*" in *--ascii*) return ;; esac
    "$bin" explore "$@" --json >"$tmp/a.json" 2>/dev/null
    "$bin" explore "$@" --json >"$tmp/b.json" 2>/dev/null
    if [ ! -f "$gold/$name.json" ]; then
        fail "golden/$name.json is missing (make golden)"
    elif cmp -s "$tmp/a.json" "$gold/$name.json"; then
        pass "golden/$name.json"
    else
        fail "golden/$name.json differs"
        diff "$gold/$name.json" "$tmp/a.json" | head -8
    fi
    check "determinism/$name" cmp -s "$tmp/a.json" "$tmp/b.json"
}

for lesson in tests/explore/*.lesson; do
    base=$(basename "$lesson" .lesson)
    for scene in $(sed -n 's/^scene \([A-Za-z0-9_]*\):.*/\1/p' "$lesson"); do
        golden "$base.$scene" "$lesson" --scene "$scene"
    done
done
grep -v '^#' tests/explore/cases >"$tmp/cases"
while read -r name args; do
    [ -n "$name" ] && golden "$name" $args
done <"$tmp/cases"

# ---- witnesses replay to their outcomes -----------------------------------------------

# Every outcome of explore ARGS: its witness, run as a schedule, ends with
# the same memory, the same status, and exactly its preemptions.
replay_all() {
    lesson=$1
    scene=$2
    shift 2
    "$bin" explore "$lesson" --scene "$scene" --json "$@" >"$tmp/x.json" 2>/dev/null
    outcomes "$tmp/x.json" >"$tmp/lines"
    n=0
    bad=0
    while read -r line; do
        n=$((n + 1))
        w=$(echo "$line" | field_str witness)
        want_final=$(echo "$line" | field_obj final)
        want_proc=$(echo "$line" | field_obj processes)
        want_status=$(echo "$line" | field_str status)
        want_p=$(echo "$line" | field_num preemptions)
        # Sequential mode takes no schedule: its one run is the witness.
        if grep -q '"mode": "sequential"' "$tmp/x.json"; then
            "$bin" run "$lesson" --scene "$scene" --json >"$tmp/r.json" 2>/dev/null
        else
            "$bin" run "$lesson" --scene "$scene" --schedule "$w" --json \
                >"$tmp/r.json" 2>/dev/null
        fi
        got_final=$(field_obj final <"$tmp/r.json")
        got_proc=$(field_obj processes <"$tmp/r.json")
        got_status=$(field_str status <"$tmp/r.json" | head -n 1)
        got_p=$(tr -d ' \n' <"$tmp/r.json" |
                sed -n 's/.*"switches":{"preempt":\([0-9]*\).*/\1/p')
        if [ "$got_final" != "$want_final" ] || [ "$got_proc" != "$want_proc" ] ||
           [ "$got_status" != "$want_status" ] || [ "$got_p" != "$want_p" ]; then
            bad=1
            echo "    $lesson $scene: witness \"$w\" gives $got_final $got_status" \
                 "$got_p preemptions; explore said $want_final $want_status $want_p"
        fi
    done <"$tmp/lines"
    [ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
}

for lesson in tests/explore/*.lesson; do
    base=$(basename "$lesson" .lesson)
    for scene in $(sed -n 's/^scene \([A-Za-z0-9_]*\):.*/\1/p' "$lesson"); do
        check "witnesses replay: $base.$scene" replay_all "$lesson" "$scene"
    done
done
check "witnesses replay: counters.three, K = 1" \
    replay_all tests/explore/counters.lesson three --max-preemptions 1
# The reduced search's witnesses too: real schedules, with its fewest
# preemptions (the same as the full search's: test_explore_reduce).
for lesson in tests/explore/*.lesson; do
    base=$(basename "$lesson" .lesson)
    for scene in $(sed -n 's/^scene \([A-Za-z0-9_]*\):.*/\1/p' "$lesson"); do
        check "reduced witnesses replay: $base.$scene" replay_all "$lesson" "$scene" --reduced
    done
done
check "reduced witnesses replay: counters.three, K = 1" \
    replay_all tests/explore/counters.lesson three --reduced --max-preemptions 1

# ---- brute force: no schedule needs fewer preemptions -----------------------------

# Outcomes as "final status schedules preemptions", one per line.
summary() { outcomes "$1" | sed 's/"witness": "[^"]*", //; s/"ticks": [0-9]*, //; s/"share": [^,]*, //'; }

agrees() {
    "$bin" explore "$@" --json >"$tmp/m.json" 2>/dev/null
    "$bin" explore "$@" --naive --max-states 5000000 --json >"$tmp/n.json" 2>/dev/null
    grep -q '"complete": true' "$tmp/n.json" &&
        [ -s "$tmp/m.json" ] && summary "$tmp/m.json" >"$tmp/ms" &&
        summary "$tmp/n.json" >"$tmp/ns" && cmp -s "$tmp/ms" "$tmp/ns"
}

# (scenes small enough to walk schedule by schedule: CPython's bytecode makes
# worker(1) 14 ticks, C(28, 14) schedules)
check "brute force agrees: counters.bump" agrees tests/explore/counters.lesson --scene bump
check "brute force agrees: counters.locked, K = 2" \
    agrees tests/explore/counters.lesson --scene locked --max-preemptions 2
check "brute force agrees: locks.grab_opposite" agrees tests/explore/locks.lesson --scene grab_opposite
check "brute force agrees: locks.grab_same" agrees tests/explore/locks.lesson --scene grab_same
check "brute force agrees: locks.asserts, K = 1" \
    agrees tests/explore/locks.lesson --scene asserts --max-preemptions 1
check "brute force agrees: modes.asyncio_race" agrees tests/explore/modes.lesson --scene asyncio_race
check "brute force agrees: modes.gil_call" agrees tests/explore/modes.lesson --scene gil_call

# ---- the facts of the race -------------------------------------------------------

finals() { outcomes "$1" | sed -n 's/^{"final": {"x": \([-0-9]*\).*/\1/p' | tr '\n' ' '; }

race() {
    "$bin" explore tests/explore/counters.lesson --scene "$1" --json >"$tmp/f.json" 2>/dev/null
    [ "$(finals "$tmp/f.json")" = "$2" ]
}
check "race N=1: {1, 2}" race one "1 2 "
check "race N=2: {2..4}" race two "2 3 4 "
check "race N=3: {2..6}" race three "2 3 4 5 6 "
check "race N=4: {2..8}" race four "2 3 4 5 6 7 8 "
check "with a lock: {6}" race locked "6 "
check "three threads twice: {2..6}" race trio "2 3 4 5 6 "

deadlocks() {
    "$bin" explore tests/explore/locks.lesson --scene opposite --json >"$tmp/d.json" 2>/dev/null
    grep -q '"deadlock": true' "$tmp/d.json" &&
        sed -n '/"deadlocks": \[/,$p' "$tmp/d.json" | grep -q '"witness": "'
}
check "opposite locks: a deadlock, with a witness" deadlocks

one_outcome() {
    "$bin" explore tests/explore/modes.lesson --scene asyncio_no_ties --json >"$tmp/a.json" 2>/dev/null
    [ "$(outcomes "$tmp/a.json" | wc -l)" -eq 1 ] && grep -q '"schedules": 1,' "$tmp/a.json"
}
check "asyncio without ties: one outcome, one schedule" one_outcome

serial_only() {
    "$bin" explore tests/explore/counters.lesson --scene three --max-preemptions 0 --json \
        >"$tmp/k.json" 2>/dev/null
    [ "$(finals "$tmp/k.json")" = "6 " ] && grep -q '"schedules": 2,' "$tmp/k.json" &&
        ! outcomes "$tmp/k.json" | grep -qv '"preemptions": 0,'
}
check "K = 0: only the serial outcome" serial_only

grows() {
    prev=""
    for k in 0 1 2 3 4; do
        "$bin" explore tests/explore/counters.lesson --scene three --max-preemptions $k \
            --json >"$tmp/g.json" 2>/dev/null
        cur=$(finals "$tmp/g.json")
        for v in $prev; do
            case " $cur" in *" $v "*) ;; *) return 1 ;; esac
        done
        prev=$cur
    done
    [ "$cur" = "2 3 4 5 6 " ]
}
check "the outcome set grows with K to the whole set" grows

# ---- limits ---------------------------------------------------------------------------

partial() {
    rc=0
    "$bin" explore tests/explore/counters.lesson --scene four --max-states 300 --full --json \
        >"$tmp/p.json" 2>"$tmp/p.err" || rc=$?
    [ "$rc" -eq 0 ] && grep -q '"complete": false' "$tmp/p.json" &&
        grep -q '"states": 300,' "$tmp/p.json" &&
        grep -q 'warning: .*partial' "$tmp/p.err"
}
check "--max-states: partial, complete=false, a warning" partial

# Where the full search stops, the reduced one finishes; it says what it
# counted.  --reduced alone stops at --max-states as well.
reduced_finishes() {
    "$bin" explore tests/explore/counters.lesson --scene four --max-states 1000 --json \
        >"$tmp/p.json" 2>"$tmp/p.err" &&
        grep -q '"complete": true' "$tmp/p.json" &&
        grep -q '"count": "shared-interleavings"' "$tmp/p.json" &&
        [ "$(finals "$tmp/p.json")" = "2 3 4 5 6 7 8 " ] && [ ! -s "$tmp/p.err" ]
}
check "--max-states: the reduced search takes over" reduced_finishes
reduced_partial() {
    rc=0
    "$bin" explore tests/explore/counters.lesson --scene four --reduced --max-states 5 \
        --json >"$tmp/p.json" 2>"$tmp/p.err" || rc=$?
    [ "$rc" -eq 0 ] && grep -q '"complete": false' "$tmp/p.json" &&
        grep -q '"count": "shared-interleavings"' "$tmp/p.json" &&
        grep -q 'warning: .*partial' "$tmp/p.err"
}
check "--reduced --max-states: partial" reduced_partial

# Three threads x 3: past the full search's 250,000 states, so by default
# the reduced search answers while the full one runs beside it; the same
# answer every time, whatever the two threads' timing.
printf 'lesson "three"\nx = 0\ndef worker(n):\n    global x\n    for i in range(n):\n        x = x + 1\nscene s:\n    mode threads\n    run worker(3) as A\n    run worker(3) as B\n    run worker(3) as C\n' \
    >"$tmp/three.lesson"
two_threads() {
    "$bin" explore "$tmp/three.lesson" --json >"$tmp/t1.json" 2>/dev/null &&
        "$bin" explore "$tmp/three.lesson" --json >"$tmp/t2.json" 2>/dev/null &&
        cmp -s "$tmp/t1.json" "$tmp/t2.json" &&
        grep -q '"count": "shared-interleavings"' "$tmp/t1.json" &&
        grep -q '"complete": true' "$tmp/t1.json" &&
        [ "$(finals "$tmp/t1.json")" = "2 3 4 5 6 7 8 9 " ]
}
check "default search of 3 x 3: reduced, exact, deterministic" two_threads
# The TUI's explorer view says what it counted.
printf 'page "p":\n    The race.\n    @scene s\n' >>"$tmp/three.lesson"
printf '<Esc>\ne\n<Wait>\n<Dump>\n' >"$tmp/keys"
tui_says_orders() {
    env COLUMNS=120 LINES=40 TAKETURNS_KEYS="$tmp/keys" "$bin" "$tmp/three.lesson" \
        >"$tmp/screen" 2>&1 &&
        grep -q "8 outcomes of 17,153,136 orders of shared accesses" "$tmp/screen" &&
        grep -q "share of orders (not odds)" "$tmp/screen"
}
check "the TUI's explorer view says it counted orders of shared accesses" tui_says_orders

spin_stops() {
    "$bin" explore tests/explore/locks.lesson --scene spin --naive --max-states 2000 --json \
        >"$tmp/s.json" 2>/dev/null && grep -q '"complete": false' "$tmp/s.json"
}
check "an endless tree stops at --max-states" spin_stops

# ---- usage and bad input ----------------------------------------------------------------

status_is() {
    want=$1
    shift
    rc=0
    "$bin" "$@" >/dev/null 2>"$tmp/err" || rc=$?
    [ "$rc" -eq "$want" ]
}
L=tests/explore/counters.lesson
check "usage: no lesson" status_is 2 explore
check "usage: two lessons" status_is 2 explore $L $L
check "usage: --max-preemptions -1" status_is 2 explore $L --max-preemptions -1
check "usage: --max-preemptions x" status_is 2 explore $L --max-preemptions x
check "usage: --max-states 0" status_is 2 explore $L --max-states 0
check "usage: --schedule" status_is 2 explore $L --schedule "A1 B1"
check "usage: unknown scene" status_is 2 explore $L --scene nosuch
check "usage: unknown option" status_is 2 explore $L --frobnicate
check "usage: --json with --ascii" status_is 2 explore $L --json --ascii
check "usage: --full with --reduced" status_is 2 explore $L --full --reduced
check "missing lesson file: exit 1" status_is 1 explore tests/explore/nosuch.lesson

bad_lesson() {
    printf 'lesson "bad"\nshared x = 0\ndef f():\n    x = = 1\nscene s:\n    run f() as A\n' \
        >"$tmp/bad.lesson"
    status_is 1 explore "$tmp/bad.lesson" &&
        grep -q "bad.lesson:4:[0-9]*: error: " "$tmp/err"
}
check "bad lesson: FILE:LINE:COL: error, exit 1" bad_lesson

# ---- every lesson ----------------------------------------------------------------------

for lesson in lessons/*.lesson; do
    [ -f "$lesson" ] || continue
    base=$(basename "$lesson" .lesson)
    for scene in $(sed -n 's/^scene \([A-Za-z0-9_]*\):.*/\1/p' "$lesson"); do
        check "lesson explores: $base.$scene" status_is 0 explore "$lesson" \
            --scene "$scene" --max-states 20000
    done
done
