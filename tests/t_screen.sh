#!/bin/sh
# tests/t_screen.sh BINARY - the lesson screen as text (taketurns screen and
# key scripts): every page of every lesson matches its golden screen
# (tests/golden/screens, written by tests/g_screens.sh), and the screen
# keeps its manners: too small, ASCII without a UTF-8 locale, scripts.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
gold=tests/golden/screens
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_STATE_HOME="$tmp/state"

for lesson in lessons/*.lesson; do
    base=$(basename "$lesson" .lesson)
    pages=$(grep -c '^page ' "$lesson" || true)
    p=1
    while [ "$p" -le "$pages" ]; do
        for size in 80x24 120x40; do
            name="$base.p$p.$size"
            "$bin" screen "$lesson" --page "$p" --size "$size" >"$tmp/s" 2>&1
            if [ ! -f "$gold/$name" ]; then
                echo "FAIL screens/$name is missing (make golden)"
            elif cmp -s "$tmp/s" "$gold/$name"; then
                echo "ok screens/$name"
            else
                echo "FAIL screens/$name differs"
                diff "$gold/$name" "$tmp/s" | head -10
            fi
        done
        p=$((p + 1))
    done
done

# Nothing on a screen answers the question that waits on it: the header
# shows the tick, not the run's total (which answers "how many ticks?").
leaks=0
for f in "$gold"/*; do
    if grep -q 'predict ▶' "$f" && head -1 "$f" | grep -q 'tick [0-9]*/'; then
        echo "FAIL no-answer-in-header: $(basename "$f"): $(head -1 "$f")"
        leaks=$((leaks + 1))
    fi
done
[ "$leaks" -eq 0 ] && echo "ok no-answer-in-header"

# check NAME COMMAND...: the command succeeds.
check() {
    name=$1
    shift
    if "$@"; then echo "ok $name"; else echo "FAIL $name"; fi
}

race=lessons/03-race.lesson

# The same screen twice: drawing is deterministic.
"$bin" screen $race --page 4 --step 7 >"$tmp/a"
"$bin" screen $race --page 4 --step 7 >"$tmp/b"
check screen-deterministic cmp -s "$tmp/a" "$tmp/b"
check screen-size-lines test "$(wc -l <"$tmp/a")" -eq 24
"$bin" screen $race --size 200x60 >"$tmp/a"
check screen-200x60 test "$(wc -l <"$tmp/a")" -eq 60

# Below 80x24: a plain message instead of a garbled screen.
"$bin" screen $race --size 60x20 >"$tmp/a"
check too-small grep -q "needs at least 80x24" "$tmp/a"
check too-small-size grep -q "60x20" "$tmp/a"

# No UTF-8 locale: ASCII only.
LANG=C LC_ALL=C "$bin" screen $race --page 3 --size 80x24 >"$tmp/a"
check ascii-only sh -c "! LC_ALL=C grep -q '[^ -~]' '$tmp/a'"
check ascii-lanes grep -q '###!' "$tmp/a"
"$bin" screen $race --page 3 --ascii >"$tmp/a"
check ascii-flag sh -c "! LC_ALL=C grep -q '[^ -~]' '$tmp/a'"

# Steps: the tick in the header moves.
"$bin" screen $race --page 3 --step 2 >"$tmp/a"
check step-tick grep -q "tick 17/56" "$tmp/a"

# Answering through --keys: right, with the explanation.
"$bin" screen $race --keys '6 <Enter> <Wait>' >"$tmp/a"
check answer-right grep -q "6 — right" "$tmp/a"
check answer-explained grep -q "3 + 3 = 6" "$tmp/a"
check answer-played grep -q "the run is over" "$tmp/a"
"$bin" screen $race --keys '5 <Enter> <Wait>' >"$tmp/a"
check answer-wrong grep -q "You said 5; the answer is 6" "$tmp/a"

# Manual mode: the student picks B twice at tick 15, then undoes one.
"$bin" screen $race --page 3 --keys 'm 2 2 <Left>' >"$tmp/a"
check manual-tick grep -q "tick 16 · you schedule" "$tmp/a"
check manual-title grep -q "by hand from tick 15" "$tmp/a"

# While the question waits, typing is the answer: n is not "next switch".
"$bin" screen $race --keys 'no' >"$tmp/a"
check typed-answer grep -q "predict ▶ no_" "$tmp/a"
check typed-not-keys sh -c "! grep -q 'switch' '$tmp/a'"
check typed-header grep -q "tick 0 " "$tmp/a"

# The explorer's shares are shares of schedules, with what each bound on
# preemptions finds beside them.
"$bin" screen lessons/12-deadlock.lesson --page 4 --keys '<Esc> e <Wait>' >"$tmp/a"
check explore-share grep -q "share of schedules (not odds)" "$tmp/a"
check explore-bound grep -q "with at most K preemptions: K=0 1 outcome · K=1 2 outcomes" "$tmp/a"
check explore-not-100 grep -q ">99.9%" "$tmp/a"

# The help overlay (after Esc puts the question aside) and the picker.
"$bin" screen $race --keys '<Esc> ?' >"$tmp/a"
check help grep -q "any key closes this" "$tmp/a"
# Its legend lists every glyph, at 80x24 too.
for g in "L lock wait" "! preempted" "» yielded" "X failed" "~ waiting" \
         "* several tasks" "▄ ran part of the column" \
         "?  q         this help / quit"; do
    check "help-legend-$g" grep -qF -- "$g" "$tmp/a"
done
"$bin" screen >"$tmp/a"
check picker grep -q "lessons: how tasks take turns" "$tmp/a"
check picker-lesson grep -q "The race inside x = x + 1" "$tmp/a"

# Usage errors and a missing lesson.
"$bin" screen $race --page 99 >/dev/null 2>&1
check page-out-of-range test $? -eq 2
"$bin" screen $race --size 80by24 >/dev/null 2>&1
check bad-size test $? -eq 2
"$bin" screen no-such-lesson >/dev/null 2>&1
check missing-lesson test $? -eq 1

# The real TUI, driven headless by a key script: a dump per <Dump>.
printf '6 <Enter> <Wait> <Dump> <Home> <Right> <Right> <Dump> q\n' >"$tmp/keys"
TAKETURNS_KEYS="$tmp/keys" COLUMNS=100 LINES=30 "$bin" $race >"$tmp/a"
check script-status test $? -eq 0
check script-dumps test "$(wc -l <"$tmp/a")" -eq 60
check script-end grep -q "tick 56/56" "$tmp/a"
check script-steps grep -q "tick 2/56" "$tmp/a"
check script-progress grep -q "03-race.lesson" "$tmp/state/taketurns/progress"
printf '<Size 70x20> <Dump> <Size 80x24> <Dump>\n' >"$tmp/keys"
TAKETURNS_KEYS="$tmp/keys" "$bin" $race >"$tmp/a"
check script-resize-small grep -q "needs at least 80x24" "$tmp/a"
check script-resize-back grep -q "1/9 Two workers" "$tmp/a"
printf '<Bogus>\n' >"$tmp/keys"
TAKETURNS_KEYS="$tmp/keys" "$bin" $race >/dev/null 2>"$tmp/err"
check script-bad test $? -eq 1

# A mouse click on a lane moves the cursor to that tick (and shows that
# task's code); a click elsewhere does nothing.
"$bin" screen $race --page 3 --keys '<Click 26 10>' >"$tmp/a"
check click-lane grep -q "tick 20/56" "$tmp/a"
check click-selects grep -q "code of B" "$tmp/a"
"$bin" screen $race --page 3 --keys '<Click 26 3>' >"$tmp/a"
check click-elsewhere grep -q "tick 15/56" "$tmp/a"

# A lesson outside the lesson directories, by its path: its @compare page.
"$bin" screen tests/ui/race.lesson --page 4 >"$tmp/a"
check by-path grep -q "compare: the same work, 2 ways" "$tmp/a"
check by-path-bars grep -q "56 ticks" "$tmp/a"

# The presenter layout (--present, or b): thicker lanes than the usual one
# at the same size, and b turns it off again.
lane_rows() { grep -c '^      ███!··███' "$1"; }
"$bin" screen $race --page 3 --size 120x40 >"$tmp/a"
"$bin" screen $race --page 3 --size 120x40 --present >"$tmp/b"
check present-thicker test "$(lane_rows "$tmp/b")" -gt "$(lane_rows "$tmp/a")"
"$bin" screen $race --page 3 --size 120x40 --keys 'b' >"$tmp/c"
sed '$d' "$tmp/b" >"$tmp/b2"    # all but the footer, which says what b did
sed '$d' "$tmp/c" >"$tmp/c2"
check present-key cmp -s "$tmp/b2" "$tmp/c2"
check present-key-says grep -q "presenter layout" "$tmp/c"
"$bin" screen $race --page 3 --size 120x40 --keys 'b b' >"$tmp/c"
check present-key-off test "$(lane_rows "$tmp/c")" -eq "$(lane_rows "$tmp/a")"
# At 80x24 too, where a projector's big font leaves few rows.
"$bin" screen $race --page 3 --size 80x24 >"$tmp/a"
"$bin" screen $race --page 3 --size 80x24 --present >"$tmp/b"
check present-thicker-80x24 test "$(lane_rows "$tmp/b")" -gt "$(lane_rows "$tmp/a")"
"$bin" screen $race --page 3 --size 120x40 >"$tmp/a"
# A 200x60 screen is used: lanes thicker than at 120x40.
"$bin" screen $race --page 3 --size 200x60 >"$tmp/c"
check big-screen-lanes test "$(lane_rows "$tmp/c")" -gt "$(lane_rows "$tmp/a")"

# The next op's meaning wraps where there is room, rather than being cut.
"$bin" screen lessons/08-cpu-bound.lesson --page 2 --size 120x40 >"$tmp/a"
check op-meaning-wraps grep -q "start the GIL can change hands" "$tmp/a"
# ... and speaks of the GIL only in a scene that has one.
"$bin" screen lessons/01-taking-turns.lesson --page 2 --size 120x40 >"$tmp/a"
check op-meaning-no-gil grep -q "start (0) or resume after an await (3) *│" "$tmp/a"
check op-meaning-no-gil-words sh -c '! grep -q "GIL can change hands" "$1"' - "$tmp/a"

# Compared scenes whose names do not fit are cut from the front, so they
# still differ.
"$bin" screen lessons/14-choosing-a-model.lesson --page 3 --size 80x24 >"$tmp/a"
check compare-names-differ grep -q "…g_library_asyncio" "$tmp/a"
check compare-names-differ-2 grep -q "…g_library_threads" "$tmp/a"

# w writes the timeline as shown to an SVG file in the current directory,
# and says its name.
here_dir=$(pwd)
(cd "$tmp" && "$bin" screen "$here_dir/lessons/12-deadlock.lesson" --page 3 \
    --keys 'w') >"$tmp/a"
check svg-key-says grep -q "wrote 12-deadlock-p3-t70.svg" "$tmp/a"
check svg-key-file grep -q "</svg>" "$tmp/12-deadlock-p3-t70.svg"
check svg-key-lanes test "$(grep -c 'class="l"' "$tmp/12-deadlock-p3-t70.svg")" -eq 4

# While a prediction waits, the axis is numbered only up to the current
# tick; once answered, all of it.
"$bin" screen lessons/01-taking-turns.lesson --page 1 >"$tmp/a"
check axis-hides-ahead test -z "$(grep '^ tick' "$tmp/a" | tr -cd '0-9')"
"$bin" screen lessons/01-taking-turns.lesson --page 1 --keys '3 4 <Enter> <Wait>' >"$tmp/a"
check axis-after-answer grep -q '^ tick .* 60 ' "$tmp/a"
