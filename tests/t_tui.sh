#!/bin/sh
# tests/t_tui.sh BINARY - the TUI end to end, in a real terminal (tmux):
# open, answer, play, step, step back, switch, page, speed, help, manual,
# resize and too small, quit, and SIGTERM/SIGINT/SIGHUP - after which the
# shell and the terminal settings are sane.  Every wait polls the screen for
# the text it expects (with a generous timeout), never a fixed sleep.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac

if ! command -v tmux >/dev/null 2>&1; then
    echo "ok tui-skipped (tmux is not installed)"
    exit 0
fi
tmp=$(mktemp -d)
n_shell=0
sock="tt-tui-$$-0"
T() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'T kill-server >/dev/null 2>&1; rm -rf "$tmp"' EXIT INT TERM
export XDG_STATE_HOME="$tmp/state" TZ=UTC

screen() { T capture-pane -p -t tt; }

# wait_for NAME TEXT [SECONDS]: the screen shows TEXT before the timeout.
wait_for() {
    name=$1 text=$2 limit=${3:-30}
    i=0
    while [ "$i" -lt $((limit * 10)) ]; do
        if screen | grep -qF -- "$text"; then
            echo "ok $name"
            return 0
        fi
        sleep 0.1
        i=$((i + 1))
    done
    echo "FAIL $name: no '$text' on the screen:"
    screen | sed 's/^/    | /'
    return 1
}

# wait_gone NAME TEXT: TEXT disappears from the screen.
wait_gone() {
    name=$1 text=$2
    i=0
    while [ "$i" -lt 300 ]; do
        if ! screen | grep -qF -- "$text"; then
            echo "ok $name"
            return 0
        fi
        sleep 0.1
        i=$((i + 1))
    done
    echo "FAIL $name: '$text' is still on the screen"
    return 1
}

keys() { T send-keys -t tt "$@"; }

# tui_pid PATTERN: the program this test started in its own terminal: a
# child of the pane's shell whose command line matches PATTERN.  Never a
# process found by name alone: another copy of the suite, or anyone's
# taketurns on the same machine, may match the same pattern.
tui_pid() {
    shell_pid=$(T display-message -p -t tt '#{pane_pid}' 2>/dev/null)
    [ -n "$shell_pid" ] && pgrep -n -P "$shell_pid" -f "$1"
}

# A shell in a 120x40 terminal, with the test's environment.
start_shell() {
    # A server of its own each time: a server that is shutting down does
    # not take new sessions.
    T kill-server >/dev/null 2>&1
    n_shell=$((n_shell + 1))
    sock="tt-tui-$$-$n_shell"
    T new-session -d -s tt -x "${1:-120}" -y "${2:-40}" \
        "env PS1='ready\$ ' ENV= sh -i"
    wait_for shell-up 'ready$' >/dev/null
}

# The terminal is sane after the program ends: a prompt, and stty says
# canonical mode with echo (what a shell left in raw mode would not).
check_sane() {
    name=$1
    keys "stty -a > $tmp/stty; echo sane-\$?" Enter
    wait_for "$name-prompt" "sane-0"
    if grep -q -- '-icanon' "$tmp/stty" || grep -q -- '-echo ' "$tmp/stty" ||
        ! grep -q 'icanon' "$tmp/stty"; then
        echo "FAIL $name-stty: $(tr '\n' ' ' <"$tmp/stty" | head -c 300)"
    else
        echo "ok $name-stty"
    fi
}

race="$bin lessons/03-race.lesson"

# ---- open, predict, play ----------------------------------------------------
start_shell
keys "$race" Enter
wait_for open "1/9 Two workers, one counter"
wait_for question "? What is x at the end?"
wait_for cursor-at-0 "tick 0 "
if screen | grep -q "tick 0/56"; then echo "FAIL header-hides-total: tick 0/56 before the answer"; else echo "ok header-hides-total"; fi
# While the question waits, letters are the answer, not keys: n is no
# jump to the next switch.
keys n o
wait_for typed-answer "predict ▶ no_"
keys BSpace BSpace
wait_gone typed-erased "▶ no_"
keys 6 Enter
wait_for answer-right "6 — right"
wait_for explain "3 + 3 = 6"
wait_for played-to-end "the run is over at tick 56"

# ---- stepping ------------------------------------------------------------------
keys Home
wait_for home "tick 0/56"
keys Right Right Right
wait_for step-right "tick 3/56"
keys Left
wait_for step-left "tick 2/56"
keys l l h
wait_for step-hl "tick 3/56"
keys End
wait_for end "tick 56/56"

# ---- pages, switches, play and pause, speed --------------------------------------
keys NPage
wait_for page-down "2/9 One line, four steps"
keys NPage
wait_for page-3 "3/9 Stopped in the middle"
wait_for page-3-stop "paused where this page stops (tick 15)"
keys n
wait_for next-switch "tick 18/56"
keys N N
wait_for prev-switch "tick 12/56"
keys PPage
wait_for page-up "2/9 One line, four steps"
keys NPage
wait_for page-3-again "3/9 Stopped"
keys +
wait_for faster "speed 15 ticks a second"
keys - - - -
wait_for slower "speed 1 tick a second"
# At one tick a second the page's stop (tick 15) is far enough away that
# the pause lands while playing, however loaded the machine.
keys Home Space
wait_for playing "playing 1/s"
keys Space
wait_for paused "paused at tick"
keys + + +

# ---- the student is the scheduler --------------------------------------------------
keys Home
wait_for manual-home "tick 0/56"
keys m
wait_for manual-on "you schedule"
keys 2
wait_for manual-pick "tick 1 · you schedule"
keys 2 2
wait_for manual-picks "tick 3 · you schedule"
keys Left
wait_for manual-undo "tick 2 · you schedule"
keys m
wait_for manual-hand-back "the scheduler takes over again from tick 2"

# ---- focus, help --------------------------------------------------------------------
keys Tab
wait_for focus "focus:"
keys '?'
wait_for help "any key closes this"
keys x
wait_gone help-closed "any key closes this"

# ---- resize: too small, then back ----------------------------------------------------
T resize-window -t tt -x 70 -y 20
wait_for too-small "taketurns needs at least 80x24"
wait_for too-small-size "70x20"
T resize-window -t tt -x 80 -y 24
wait_for resized-80x24 "3/9 Stopped in the middle"
T resize-window -t tt -x 200 -y 60
wait_for resized-200x60 "3/9 Stopped in the middle"
# The title was on the screen before the resize: wait for the frame drawn
# at the new size (the header reaches the right edge) so that drawing it
# is not counted as idle CPU below.
i=0
while [ "$i" -lt 300 ] && [ "$(screen | awk 'NR == 1 { print length($0) }')" -lt 190 ]; do
    sleep 0.1
    i=$((i + 1))
done
[ "$i" -lt 300 ] && echo "ok resized-200x60-drawn" ||
    echo "FAIL resized-200x60-drawn: the header is not 200 columns wide"

# ---- paused, the process sleeps: no CPU used while nothing happens -------------------
pid=$(tui_pid "lessons/03-race.lesson" || true)
if [ -n "$pid" ] && [ -r "/proc/$pid/stat" ]; then
    cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
    before=$(cpu)
    sleep 2     # a measurement, not a wait for the program
    used=$(($(cpu) - before))
    # clock ticks are 1/100 s: 2 s at 1% of a core would be 2
    [ "$used" -le 2 ] && echo "ok idle-cpu" ||
        echo "FAIL idle-cpu: $used clock ticks in 2 s while paused"
elif [ -r /proc/self/stat ]; then
    echo "FAIL idle-cpu: no taketurns process under the test's shell"
else
    echo "ok idle-cpu (no /proc here)"
fi

# ---- quit -------------------------------------------------------------------------------
keys q
wait_gone quit "3/9 Stopped in the middle"
check_sane quit
if grep -q "03-race.lesson seen=0,1,2" "$tmp/state/taketurns/progress" 2>/dev/null; then
    echo "ok progress-kept"
else
    echo "FAIL progress-kept: $(cat "$tmp/state/taketurns/progress" 2>&1)"
fi

# The speed chosen is kept for the next run.
grep -q '^speed=3$' "$tmp/state/taketurns/prefs" 2>/dev/null && echo "ok speed-kept" ||
    echo "FAIL speed-kept: $(cat "$tmp/state/taketurns/prefs" 2>&1)"

# ---- pacing: the next run plays at that speed; pages may open paused -------------
start_shell
keys "$race --page 3" Enter
wait_for speed-next-run-stop "paused where this page stops (tick 15)"
# It played at the kept speed.  "playing 8/s" shows only while it plays,
# two seconds that a loaded machine may not poll in time; one step up and
# one back down name the speed it had, whenever the screen is read.
keys +
wait_for speed-next-run "speed 15 ticks a second"
keys -
wait_for speed-next-run-back "speed 8 ticks a second"
keys q
wait_gone speed-quit "3/9 Stopped in the middle"
keys "$race --page 3 --paused" Enter
wait_for open-paused "paused at the page's start"
wait_for open-paused-tick "tick 0/56"
keys g 2 Enter
wait_for goto-page "2/9 One line, four steps"
keys p
wait_for key-p "pages now play to where they stop"
keys g 9 Enter NPage
# From the last page, PgDn goes on to the next lesson.
wait_for next-lesson "on to the next lesson"
wait_for next-lesson-page "1/"
keys Escape q
wait_gone paused-quit "on to the next lesson"

# ---- signals: the terminal is restored ----------------------------------------------
for sig in TERM INT HUP; do
    start_shell 120 40
    keys "$race --page 3" Enter
    wait_for "sig$sig-open" "3/9 Stopped in the middle"
    pid=$(tui_pid "lessons/03-race.lesson --page 3" || true)
    if [ -z "$pid" ]; then
        echo "FAIL sig$sig: no process"
        continue
    fi
    kill -"$sig" "$pid"
    case $sig in
    TERM) want=143 ;;
    INT) want=130 ;;
    HUP) want=129 ;;
    esac
    # The shell's prompt, then the status the program died with.
    wait_gone "sig$sig-exit" "3/9 Stopped in the middle"
    keys "echo status-\$?" Enter
    wait_for "sig$sig-status" "status-$want"
    check_sane "sig$sig"
done

# ---- ^C from the keyboard --------------------------------------------------------------
start_shell
keys "$race" Enter
wait_for ctrlc-open "1/9 Two workers"
keys C-c
wait_gone ctrlc-exit "1/9 Two workers"
keys "echo status-\$?" Enter
wait_for ctrlc-status "status-130"
check_sane ctrlc

# ---- NO_COLOR and LANG=C ---------------------------------------------------------------
start_shell
keys "NO_COLOR=1 $race --page 3" Enter
wait_for nocolor-open "3/9 Stopped in the middle"
if T capture-pane -e -p -t tt | grep -q "$(printf '\033')\[[0-9;]*3[0-7]m"; then
    echo "FAIL nocolor: colour on the screen"
else
    echo "ok nocolor"
fi
keys q
wait_gone nocolor-quit "3/9 Stopped in the middle"
keys "LANG=C LC_ALL=C $race --page 3" Enter
wait_for langc-open "3/9 Stopped in the middle"
wait_for langc-ascii-lanes "###!"
if screen | LC_ALL=C grep -q '[^ -~]'; then
    echo "FAIL langc: non-ASCII on the screen"
else
    echo "ok langc"
fi
keys q
wait_gone langc-quit "3/9 Stopped in the middle"
check_sane langc

# ---- escape sequences: decoded whole, never split into keys ----------------------
# tmux sends ESC [ 1 ~ for Home, which xterm-256color's terminfo does not
# list: split up, its '1' would pick task 1 and start manual mode.
start_shell
keys "TERM=xterm-256color $race --page 3" Enter
wait_for esc-open "3/9 Stopped in the middle"
wait_for esc-stop "paused where this page stops (tick 15)"
keys End
wait_for esc-end "tick 56/56"
keys Home
wait_for esc-home "tick 0/56"
keys F1 F5 F12 IC DC
keys End
wait_for esc-fkeys "tick 56/56"
# An SGR mouse click on lane A at tick 20 (column 27, row 10, from 1)...
T send-keys -t tt -H 1b 5b 3c 30 3b 32 37 3b 31 30 4d 1b 5b 3c 30 3b 32 37 3b 31 30 6d
wait_for esc-sgr-click "tick 20/56"
# ... and an X10 one at tick 30: ESC [ M, button+32, column+33, row+33.
T send-keys -t tt -H 1b 5b 4d 20 45 2a
wait_for esc-x10-click "tick 30/56"
# An unknown sequence is dropped whole.
T send-keys -t tt -H 1b 5b 39 39 3b 31 7a
keys End
wait_for esc-unknown "tick 56/56"
if screen | grep -qE "you schedule|does nothing here"; then
    echo "FAIL esc-no-leak: a sequence leaked as keys:"
    screen | sed 's/^/    | /'
else
    echo "ok esc-no-leak"
fi
keys q
wait_gone esc-quit "3/9 Stopped in the middle"

# ---- the lesson picker -------------------------------------------------------------------
start_shell
keys "$bin" Enter
wait_for picker "lessons: how tasks take turns"
wait_for picker-progress "pages"
# It starts on the last lesson opened (3), whose question not yet
# answered is not counted as wrong.
wait_for picker-not-answered "not answered yet"
keys Enter
# Lesson 3 opens where the student left off: the first page not seen yet.
wait_for picker-opens "4/9 The lost update"
# Its question waits: Esc puts it aside, a second Esc goes back.
keys Escape
wait_for picker-aside "answer put aside"
keys Escape
wait_for picker-back "lessons: how tasks take turns"
keys q
wait_gone picker-quit "lessons: how tasks take turns"
check_sane picker
