#!/bin/sh
# tests/t_cli.sh BINARY - the command line: exit statuses, lesson lookup,
# overrides, messages for failed runs, install.
. "$(dirname "$0")/lib.sh"

# status NAME EXPECTED CMD...: the exit status of CMD.
status() {
    name=$1 want=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    [ "$got" -eq "$want" ] && echo "ok $name" ||
        echo "FAIL $name: exit status $got, expected $want: $(head -c 300 "$tmp/err")"
}

# has NAME FILE TEXT: FILE contains TEXT.
has() {
    grep -qF -- "$3" "$2" && echo "ok $1" || echo "FAIL $1: no '$3' in: $(head -c 300 "$2")"
}

status help 0 "$bin" --help
has help-usage "$tmp/out" "usage:"
status subcommand-help 0 "$bin" run --help
has subcommand-help-usage "$tmp/out" "usage:"
status version 0 "$bin" --version
has version-text "$tmp/out" "taketurns 0."
status unknown-option 2 "$bin" --frobnicate
status run-no-lesson 2 "$bin" run
status run-unknown-option 2 "$bin" run lessons/03-race.lesson --speed 3
status run-zero-quantum 2 "$bin" run lessons/03-race.lesson --quantum 0
has run-zero-quantum-msg "$tmp/err" "--quantum must be at least 1, not 0"
status run-negative-cpus 2 "$bin" run lessons/03-race.lesson --cpus -1
status run-bad-mode 2 "$bin" run lessons/03-race.lesson --mode fibers
status run-bad-scene 2 "$bin" run lessons/03-race.lesson --scene nope
has run-bad-scene-msg "$tmp/err" "has no scene 'nope' (scenes: alone, race, parallel, with_gil, locked)"
status run-json-and-timeline 2 "$bin" run lessons/03-race.lesson --json --timeline
status run-missing-lesson 1 "$bin" run no-such-lesson.lesson
has run-missing-lesson-msg "$tmp/err" "no-such-lesson.lesson: error: cannot open"
# A name found in no lesson directory: one message from every command, the
# TUI's too (which says so before it takes the terminal).
status run-unknown-name 1 "$bin" run nolesson
has run-unknown-name-msg "$tmp/err" "taketurns: error: no lesson 'nolesson' (looked in \$TAKETURNS_LESSONS, ./lessons and the installed lessons)"
cp "$tmp/err" "$tmp/err-run"
for cmd in check explore dis screen ""; do
    status "unknown-name-$cmd" 1 "$bin" $cmd nolesson
    cmp -s "$tmp/err" "$tmp/err-run" && echo "ok unknown-name-$cmd-msg" ||
        echo "FAIL unknown-name-$cmd-msg: $(head -c 300 "$tmp/err")"
done
status run-bad-schedule 2 "$bin" run lessons/03-race.lesson --schedule "A2 Q"
status run-override-not-applicable 2 "$bin" run lessons/03-race.lesson --mode asyncio --quantum 3
status check-starters 0 "$bin" check lessons/03-race.lesson lessons/07-io-bound.lesson lessons/08-cpu-bound.lesson
status check-nothing 2 "$bin" check

# Lessons by name and by number, from ./lessons and $TAKETURNS_LESSONS.
status lookup-name 0 "$bin" run race --scene alone --json
has lookup-name-final "$tmp/out" '"x": 6'
status lookup-number 0 "$bin" run 3 --scene alone --json
has lookup-number-final "$tmp/out" '"x": 6'
mkdir -p "$tmp/lessons"
cp lessons/03-race.lesson "$tmp/lessons/42-mine.lesson"
(cd "$tmp" && TAKETURNS_LESSONS="$tmp/lessons" "$bin" run mine --scene alone >/dev/null 2>&1) &&
    echo "ok lookup-env" || echo "FAIL lookup-env"
# A lesson placed between two others: 42a-between is "between", "42a",
# "042a"; "42" stays 42-mine's.
cp lessons/03-race.lesson "$tmp/lessons/42a-between.lesson"
for name in between 42a 042a; do
    (cd "$tmp" && TAKETURNS_LESSONS="$tmp/lessons" "$bin" check "$name" 2>&1) |
        grep -q '42a-between.lesson: ok' && echo "ok lookup-tag-$name" ||
        echo "FAIL lookup-tag-$name: does not find 42a-between.lesson"
done
(cd "$tmp" && TAKETURNS_LESSONS="$tmp/lessons" "$bin" check 42 2>&1) |
    grep -q '42-mine.lesson: ok' && echo "ok lookup-tag-number" ||
    echo "FAIL lookup-tag-number: 42 is not 42-mine.lesson"

# Overrides change the run and are reported in the settings.
status override-quantum 0 "$bin" run lessons/03-race.lesson --scene race --quantum 1000 --json
has override-quantum-final "$tmp/out" '"x": 6'
has override-quantum-settings "$tmp/out" '"quantum": 1000'
status override-cpus 0 "$bin" run lessons/03-race.lesson --scene alone --cpus 2 --json
has override-cpus-final "$tmp/out" '"x": 3'
status override-mode 0 "$bin" run lessons/03-race.lesson --scene race --mode gil --switch-interval 1 --checkpoints loops-and-calls --json
has override-mode-final "$tmp/out" '"x": 6'
has override-mode-name "$tmp/out" '"mode": "gil"'
status override-schedule 0 "$bin" run lessons/03-race.lesson --scene race --schedule "A50 B50" --json
has override-schedule-final "$tmp/out" '"x": 6'
status override-random 0 "$bin" run lessons/03-race.lesson --scene race --preempt random --seed 3 --json
has override-random-settings "$tmp/out" '"preempt": "random"'

# Failed runs: exit status 1 and a FILE:LINE:COL message on stderr.
cat >"$tmp/fail.lesson" <<'LESSON'
lesson "failures"
shared x = 0
lock a
lock b
def forever():
    global x
    while True:
        x += 1
def ab():
    with a:
        with b:
            pass
def ba():
    with b:
        with a:
            pass
def div(n):
    global x
    x = 10 // n
def check():
    global x
    x += 1
    assert x == 1, "someone else got here first"
def mod(n):
    global x
    x = 10 % n
scene runaway:
    mode threads
    budget 5000
    run forever() as A
scene deadlock:
    mode threads
    quantum 1
    run ab() as A
    run ba() as B
scene crash:
    mode threads
    run div(0) as A
scene crash_mod:
    mode threads
    run mod(0) as A
scene both:
    mode threads
    quantum 1000
    run check() as A
    run check() as B
LESSON
status runaway 1 "$bin" run "$tmp/fail.lesson" --scene runaway
has runaway-msg "$tmp/err" "fail.lesson:8:9: error: the step budget of 5000 ops is used up: A is still running"
status deadlock 1 "$bin" run "$tmp/fail.lesson" --scene deadlock --json
has deadlock-json "$tmp/out" '"deadlock": true'
has deadlock-msg "$tmp/err" "fail.lesson:11:14: error: deadlock at tick 12 in scene 'deadlock': A waits for lock b (held by B); B waits for lock a (held by A)"
status crash 1 "$bin" run "$tmp/fail.lesson" --scene crash
has crash-msg "$tmp/err" "fail.lesson:19:12: error: in task A: ZeroDivisionError: integer division or modulo by zero"
# CPython 3.13's words: 10 // 0 and 10 % 0 are told apart.
status crash-mod 1 "$bin" run "$tmp/fail.lesson" --scene crash_mod
has crash-mod-msg "$tmp/err" "fail.lesson:26:12: error: in task A: ZeroDivisionError: integer modulo by zero"
status assert 1 "$bin" run "$tmp/fail.lesson" --scene both
has assert-msg "$tmp/err" "fail.lesson:23:5: error: in task B: AssertionError: someone else got here first"
status budget-override 1 "$bin" run "$tmp/fail.lesson" --scene runaway --budget 100
has budget-override-msg "$tmp/err" "the step budget of 100 ops"

# Install and uninstall under DESTDIR.
if make -s install DESTDIR="$tmp/root" PREFIX=/usr >/dev/null 2>&1 &&
    [ -x "$tmp/root/usr/bin/taketurns" ] &&
    [ -f "$tmp/root/usr/share/taketurns/lessons/03-race.lesson" ]; then
    echo "ok install"
else
    echo "FAIL install"
fi
if make -s uninstall DESTDIR="$tmp/root" PREFIX=/usr >/dev/null 2>&1 &&
    [ ! -e "$tmp/root/usr/bin/taketurns" ] && [ ! -e "$tmp/root/usr/share/taketurns" ]; then
    echo "ok uninstall"
else
    echo "FAIL uninstall"
fi
