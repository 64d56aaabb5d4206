#!/bin/sh
# tests/t_puzzle.sh BINARY - puzzles (@goal): check finds a way to every
# goal of the puzzle lesson, that way played as keys solves its page in the
# TUI with the fewest preemptions, hints lead there too, stepping back is
# free, and --stats reports it all.
. "$(dirname "$0")/lib.sh"
lesson=lessons/15-be-the-scheduler.lesson

# has NAME FILE TEXT: FILE contains TEXT.
has() {
    grep -qF -- "$3" "$2" && echo "ok $1" || echo "FAIL $1: no '$3' in: $(head -c 400 "$2")"
}

# keys WITNESS: "B2 A3" as a key script "B B A A A" (one-letter labels).
keys() {
    for step in $1; do
        label=${step%%[0-9]*}
        n=${step#"$label"}
        while [ "$n" -gt 0 ]; do printf '%s ' "$label"; n=$((n - 1)); done
    done
}

# The page of the lesson that holds source line LINE (pages from 1).
page_of() {
    awk -v want="$1" '/^page "/ { p++ } NR == want { print p; exit }' "$lesson"
}

timeout 60 "$bin" check --stats "$lesson" >"$tmp/stats" 2>"$tmp/err"
[ $? -eq 0 ] && echo "ok puzzle-check" || echo "FAIL puzzle-check: $(head -c 300 "$tmp/err")"
goals=$(grep -c ': goal reached in ' "$tmp/stats")
[ "$goals" -eq 7 ] && echo "ok puzzle-goals-found" ||
    echo "FAIL puzzle-goals-found: $goals of 7 goals have a way there"
for kind in 'together 27' 'stock == -1' 'count == 1' 'deadlock' 'fails' \
        'together 92' 'letters == -1'; do
    grep -q "^ *@goal $kind\$" "$lesson" && echo "ok puzzle-kind-$kind" ||
        echo "FAIL puzzle-kind-$kind: the lesson has no such goal"
done

# Each way check found, played as keys, solves its page: as many steps
# and preemptions as check says, which is the fewest possible.
grep ': goal reached in ' "$tmp/stats" | while IFS= read -r line; do
    src=${line#*.lesson:}
    src=${src%%:*}
    steps=$(echo "$line" | sed 's/.* in \([0-9]*\) steps.*/\1/')
    pre=$(echo "$line" | sed 's/.* with \([0-9]*\) preemption.*/\1/')
    witness=${line##*: }
    page=$(page_of "$src")
    s=steps; [ "$steps" -eq 1 ] && s=step
    p=preemptions; [ "$pre" -eq 1 ] && p=preemption
    timeout 60 "$bin" screen "$lesson" --page "$page" --size 100x40 \
        --keys "$(keys "$witness")" >"$tmp/screen" 2>&1
    has "puzzle-solves-page-$page" "$tmp/screen" \
        "Solved in $steps $s with $pre $p: the fewest possible."
    has "puzzle-says-solved-$page" "$tmp/screen" "solved: the goal is reached"
    # The explanation waits for the solution.
    timeout 60 "$bin" screen "$lesson" --page "$page" --size 100x40 >"$tmp/before" 2>&1
    has "puzzle-goal-shown-$page" "$tmp/before" "Goal: "
    if grep -q "Solved" "$tmp/before"; then
        echo "FAIL puzzle-unsolved-$page: solved before a step"
    else
        echo "ok puzzle-unsolved-$page"
    fi
    # Stepping back and forth again is free: the same count.
    last=$(keys "$witness" | awk '{ print $NF }')
    timeout 60 "$bin" screen "$lesson" --page "$page" --size 100x40 \
        --keys "$(keys "$witness")<Left> $last" >"$tmp/again" 2>&1
    has "puzzle-step-back-free-$page" "$tmp/again" \
        "Solved in $steps $s with $pre $p"
done

# Following the hints (H) from the start solves a page too, with the
# fewest preemptions.
played=""
i=0
while [ $i -lt 40 ]; do
    timeout 60 "$bin" screen "$lesson" --page 2 --size 100x40 \
        --keys "$played H" >"$tmp/hint" 2>&1
    grep -q "Solved in" "$tmp/hint" && break
    k=$(sed -n 's/.*hint: .* runs next (key \(.\)).*/\1/p' "$tmp/hint")
    [ -n "$k" ] || break
    played="$played $k"
    i=$((i + 1))
done
timeout 60 "$bin" screen "$lesson" --page 2 --size 100x40 --keys "$played" >"$tmp/hinted" 2>&1
has puzzle-hints-solve "$tmp/hinted" "preemptions: the fewest possible."

# A goal that cannot be reached from here any more says so.
printf 'lesson "t"\nimport threading\n\nx = 0\nm = threading.Lock()\n\ndef f():\n    global x\n    with m:\n        x = x + 1\n\ndef g():\n    global x\n    x = x + 1\n\nscene s:\n    mode threads\n    run f() as A\n    run g() as B\n\npage "p":\n    Lose an update.\n    @scene s\n    @goal x == 1\n' >"$tmp/late.lesson"
timeout 60 "$bin" screen "$tmp/late.lesson" --size 100x40 \
    --keys "B B B B B B H" >"$tmp/late" 2>&1
has puzzle-hint-too-late "$tmp/late" "from here the goal cannot be reached"

# --stats says what check did, lesson by lesson.
timeout 60 "$bin" check --stats "$lesson" lessons/03-race.lesson >"$tmp/out" 2>&1
has check-stats-per-lesson "$tmp/out" "03-race.lesson: 2 explorer searches for 2 answers"

# The fewest preemptions to a goal at the end are the explorer's for that
# outcome: the two searches count preemptions alike.
for want in 2 3 4 5; do
    { sed -n '1,/^scene race:/p' lessons/03-race.lesson | sed '$d'
      printf 'scene r:\n    mode threads\n    run worker(3) as A\n    run worker(3) as B\n\n'
      printf 'page "p":\n    Make it so.\n    @scene r\n    @goal x == %s\n' "$want"; } >"$tmp/race$want.lesson"
    timeout 60 "$bin" check --stats "$tmp/race$want.lesson" >"$tmp/out" 2>&1
    goal=$(sed -n 's/.* with \([0-9]*\) preemption.*/\1/p' "$tmp/out")
    timeout 60 "$bin" explore "$tmp/race$want.lesson" --json >"$tmp/ex" 2>&1
    ex=$(tr -d ' \n' <"$tmp/ex" | sed -n "s/.*{\"final\":{\"x\":$want}[^}]*\"preemptions\":\([0-9]*\).*/\1/p")
    [ -n "$goal" ] && [ "$goal" = "$ex" ] && echo "ok puzzle-fewest-like-explorer-x$want" ||
        echo "FAIL puzzle-fewest-like-explorer-x$want: goal search $goal, explorer $ex"
done

# A solved puzzle is kept in the progress file: its page says so when the
# lesson is opened again, and the list of lessons counts it.
line=$(grep ': goal reached in ' "$tmp/stats" | head -n 1)
src=${line#*.lesson:}
src=${src%%:*}
steps=$(echo "$line" | sed 's/.* in \([0-9]*\) steps.*/\1/')
pre=$(echo "$line" | sed 's/.* with \([0-9]*\) preemption.*/\1/')
page=$(page_of "$src")
s=steps; [ "$steps" -eq 1 ] && s=step
p=preemptions; [ "$pre" -eq 1 ] && p=preemption
mkdir -p "$tmp/state" "$tmp/lessons"
cp "$lesson" "$tmp/lessons/"
kept() {
    env TAKETURNS_KEYS="$tmp/keys" XDG_STATE_HOME="$tmp/state" \
        TAKETURNS_LESSONS="$tmp/lessons" COLUMNS=160 LINES=50 \
        timeout 60 "$bin" "$@" >"$tmp/tui" 2>&1
}
printf '%s<Dump>\n' "$(keys "${line##*: }")" >"$tmp/keys"
kept "$tmp/lessons/$(basename "$lesson")" --page "$page"
has puzzle-solved-in-tui "$tmp/tui" "Solved in $steps $s with $pre $p"
has puzzle-solved-kept "$tmp/state/taketurns/progress" \
    "goals=$((page - 1)):$steps:$pre"
printf '<Dump>\n' >"$tmp/keys"
kept "$tmp/lessons/$(basename "$lesson")" --page "$page"
has puzzle-solved-before "$tmp/tui" \
    "Solved before, in $steps $s with $pre $p."
kept
has puzzle-solved-counted "$tmp/tui" "· 1/7 solved"
