#!/bin/sh
# tests/t_cpython.sh BINARY - the explorer's `gil` mode against real CPython 3.13.
#
# tests/cpython/races/races.txt holds every final state real CPython 3.13
# reached running the scenes of tests/cpython/races/races.lesson in real
# threads (tests/cpython/races/races.py, make cpython-golden; no Python is
# needed here).  For every scene recorded:
#   - `taketurns explore` completes;
#   - every final state CPython reached is one of the explorer's outcomes
#     (a recorded deadlock, one of its deadlocks), matching the recorded
#     variables (the explorer lists every module variable; the others keep
#     their initial values);
# and, where CPython cannot lose an update:
#   - the plain loops (no call between the read and the write of x) have
#     exactly one outcome, every update made;
#   - the two locks taken in opposite order can deadlock.
# One line per check: "ok NAME" or "FAIL NAME ...".
# TT_RACES=FILE checks another record (to see the test fail on bad data).
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
lesson=tests/cpython/races/races.lesson
races=${TT_RACES:-tests/cpython/races/races.txt}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { echo "ok $1"; }
fail() { echo "FAIL $*"; }

# The outcomes of explore --json as "STATUS<tab>a=1,b=2" (names sorted).
outcomes() {
    sed -n 's/^    {"final": {\([^}]*\)}, "status": "\([a-z]*\)".*/\2\t\1/p' "$1" |
    while IFS='	' read -r status final; do
        printf '%s\t%s\n' "$status" "$(echo "$final" | tr -d ' "' | tr ',' '\n' |
            sed 's/:/=/' | sort | paste -sd, -)"
    done
}

# has STATUS PAIRS FILE: some outcome in FILE with STATUS has every a=1 of PAIRS.
has() {
    # (sh has no locals: these names are has's own)
    has_status=$1
    has_pairs=$2
    while IFS='	' read -r has_s has_final; do
        [ "$has_s" = "$has_status" ] || continue
        has_all=1
        for has_p in $(echo "$has_pairs" | tr ',' ' '); do
            case ",$has_final," in *",$has_p,"*) ;; *) has_all=0; break ;; esac
        done
        [ "$has_all" = 1 ] && return 0
    done <"$3"
    return 1
}

if [ ! -f "$races" ]; then
    fail "cpython/$races is missing (make cpython-golden)"
    exit 0
fi
version=$(sed -n 's/^python	//p' "$races")
case "$version" in
    3.13.*) pass "races.txt was recorded from CPython $version" ;;
    *) fail "races.txt was recorded from CPython '$version', not 3.13" ;;
esac

# The shapes with a claim of their own; every scene in the lesson is recorded.
plain="plain_for plain_iadd plain_while plain_busy"
locks="two_locks two_locks_busy"
for scene in $(sed -n 's/^scene \([A-Za-z0-9_]*\):.*/\1/p' "$lesson"); do
    grep -q "^scene	$scene	" "$races" || fail "cpython/$scene: no record in $races"
done

scenes=$(sed -n 's/^scene	\([^	]*\)	.*/\1/p' "$races")
nscenes=0
for scene in $scenes; do
    nscenes=$((nscenes + 1))
    "$bin" explore "$lesson" --scene "$scene" --json >"$tmp/$scene.json" 2>"$tmp/err" || true
    if grep -q '^  "complete": true,' "$tmp/$scene.json"; then
        pass "cpython/$scene: the explorer completes"
    else
        fail "cpython/$scene: the explorer does not complete: $(head -c 200 "$tmp/err")"
        continue
    fi
    outcomes "$tmp/$scene.json" >"$tmp/$scene.out"
    # this scene's records: from its scene line to the next
    sed -n "/^scene	$scene	/,/^scene	/p" "$races" | sed '1d;/^scene	/d' >"$tmp/$scene.rec"
    runs=$(sed -n "s/^scene	$scene	//p" "$races")
    seen=$(awk -F'\t' '{ n += $3 } END { print n + 0 }' "$tmp/$scene.rec")
    if [ "$seen" = "$runs" ]; then
        pass "cpython/$scene: $runs runs recorded"
    else
        fail "cpython/$scene: $runs runs, but the counts add up to $seen"
    fi
    bad=0
    while IFS='	' read -r kind pairs count; do
        case "$kind" in
            final) status=ok ;;
            deadlock) status=deadlock ;;
            *) fail "cpython/$scene: bad record '$kind'"; bad=1; continue ;;
        esac
        if ! has "$status" "$pairs" "$tmp/$scene.out"; then
            fail "cpython/$scene: CPython reached $kind $pairs ($count of $runs runs)," \
                 "the explorer does not allow it; it allows:" \
                 "$(tr '\t\n' ' ;' <"$tmp/$scene.out")"
            bad=1
        fi
    done <"$tmp/$scene.rec"
    [ "$bad" = 0 ] &&
        pass "cpython/$scene: the explorer allows all $(wc -l <"$tmp/$scene.rec" | tr -d ' ') CPython outcomes"

    case " $plain " in
    *" $scene "*)
        # every update made: x is the sum of the run lines' arguments
        want=$(sed -n "/^scene $scene:/,/^\$/s/^ *run [a-z_]*(\([0-9]*\)).*/\1/p" "$lesson" |
               awk '{ n += $1 } END { print n }')
        if [ "$(wc -l <"$tmp/$scene.out" | tr -d ' ')" = 1 ] &&
           has ok "x=$want" "$tmp/$scene.out"; then
            pass "cpython/$scene: no lost update (x=$want is the only outcome)"
        else
            fail "cpython/$scene: the explorer allows a lost update:" \
                 "$(tr '\t\n' ' ;' <"$tmp/$scene.out")"
        fi ;;
    esac
    case " $locks " in
    *" $scene "*)
        if grep -q '^deadlock	' "$tmp/$scene.out"; then
            pass "cpython/$scene: the explorer finds a deadlock"
        else
            fail "cpython/$scene: the explorer finds no deadlock"
        fi ;;
    esac
done
if [ "$nscenes" -ge 6 ]; then
    pass "cpython: $nscenes race shapes recorded"
else
    fail "cpython: only $nscenes race shapes recorded (at least 6)"
fi
