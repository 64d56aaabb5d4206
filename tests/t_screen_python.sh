#!/bin/sh
# tests/t_screen_python.sh BINARY - the TUI's runs in the student's own
# CPython: r on an @real python page, R on any page, v side by side, the
# plain sentence when there is no python3, and no process left behind by
# q or SIGINT.  tests/ui/fake-python stands in for CPython, so this passes
# on a machine without one; one check runs the real python3 when present.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_STATE_HOME="$tmp/state" TZ=UTC
fake=$(pwd)/tests/ui/fake-python
hidden=lessons/11-hidden-race.lesson
race=lessons/03-race.lesson

check() {
    name=$1
    shift
    if "$@"; then echo "ok $name"; else echo "FAIL $name"; sed 's/^/    | /' "$tmp/a"; fi
}

# An @real python page: answer, then r runs the tool's threads and Python.
TAKETURNS_PYTHON=$fake "$bin" screen $hidden --page 2 --size 120x40 \
    --keys '12 <Enter> <Wait> r <Wait>' >"$tmp/a"
check python-sim grep -qF "simulated CPython 3.13's GIL, this run: x = 12" "$tmp/a"
check python-c grep -qF "the tool's pthreads sharing a GIL: x = 12 in 20 of 20 runs" "$tmp/a"
check python-fake grep -qF "your fake-python 3.99.0: x = 400000 in 20 of 20 runs" "$tmp/a"
check python-args grep -qF "each task ran count(200000), the scene's python-args" "$tmp/a"
check python-done grep -qF "20 real runs done, and 20 in Python 3.99.0" "$tmp/a"

# Several outcomes are counted as they came.
FAKE_PYTHON_X=291433 TAKETURNS_PYTHON=$fake "$bin" screen $hidden --page 3 \
    --size 120x40 --keys '6 <Enter> <Wait> r <Wait>' >"$tmp/a"
check python-lost grep -qF "your fake-python 3.99.0: x = 291433 in 20 of 20 runs" "$tmp/a"

# Before the answer, r would give it away: it waits.
TAKETURNS_PYTHON=$fake "$bin" screen $hidden --page 2 --keys '<Esc> r <Wait>' >"$tmp/a"
check python-not-before grep -qF "answer the page's question first" "$tmp/a"
check python-not-run sh -c "! grep -qF 'fake-python 3.99.0' '$tmp/a'"

# While the question waits, the page does not offer r either.
TAKETURNS_PYTHON=$fake "$bin" screen $hidden --page 2 --keys '' >"$tmp/a"
check python-quiet-while-asking sh -c "! grep -qF 'r runs this scene' '$tmp/a'"
check python-help sh -c "'$bin' screen $hidden --page 2 --keys '<Esc> ?' | grep -qF 'real run (R: + python3)'"

# No python3: said plainly, and the tool's own run still comes.
TAKETURNS_PYTHON=$tmp/no-such-python3 "$bin" screen $hidden --page 2 \
    --size 120x40 --keys '12 <Enter> <Wait> r <Wait>' >"$tmp/a"
check python-missing grep -qF "no run in Python: no Python interpreter '$tmp/no-such-python3': no such file" "$tmp/a"
check python-missing-c grep -qF "x = 12 in 20 of 20 runs" "$tmp/a"

# R on a page that does not ask for Python; r there runs the tool's only.
TAKETURNS_PYTHON=$fake "$bin" screen $race --page 3 --size 120x40 \
    --keys 'R <Wait>' >"$tmp/a"
check python-R grep -qF "your fake-python 3.99.0" "$tmp/a"
TAKETURNS_PYTHON=$fake "$bin" screen $race --page 3 --size 120x40 \
    --keys 'r <Wait>' >"$tmp/a"
check python-r-only sh -c "! grep -qF 'fake-python' '$tmp/a'"
check python-R-offered grep -qF "R: in your python3 too" "$tmp/a"

# The real view's own keys, in its footer: it opens on the run of median
# wall time (which run that is depends on the machine: not asserted), [
# and ] step through the kept runs in run order, the first run first;
# End (zoomed in) shows the last op in the last column; + and w change
# what r runs next.
"$bin" screen $race --page 3 --keys 'r <Wait> z' >"$tmp/a"
check real-footer grep -qF "[ ] run  z Z zoom  +/- runs  w widen  r run again" "$tmp/a"
check real-median grep -qE "real run [0-9]+ of 20: the median wall time, [0-9.]+[nµm]?s · pthreads" "$tmp/a"
"$bin" screen $race --page 3 --keys 'r <Wait> [ [ [ [ [' >"$tmp/a"
check real-first-run grep -qE "real run 1 of 20: (the first run, .* \(median |the median wall time)" "$tmp/a"
check real-no-earlier grep -qF "no earlier run kept: the first run of each outcome and the median run are kept" "$tmp/a"
"$bin" screen $race --page 3 --keys 'r <Wait> [ [ [ [ [ ] ] ] ] ] ] ] ]' >"$tmp/a"
check real-step-back grep -qE "real run [0-9]+ of 20: (the median wall time|the first to end)" "$tmp/a"
check real-no-later grep -qF "no later run kept" "$tmp/a"
# At 120 columns, so that the zoom's label fits beside a title whose
# length depends on the machine (the median's wall time).
"$bin" screen $race --page 3 --size 120x40 --keys 'r <Wait> z z z <End>' >"$tmp/a"
check real-end-zoomed sh -c "grep '^ cpu0 ' '$tmp/a' | grep -qE '[AB]\$'"
check real-zoomed grep -qE "[0-9.]+[nµm]?s a column" "$tmp/a"
"$bin" screen $race --page 3 --keys 'r <Wait> ]' >"$tmp/a"
check real-next grep -qE "no later run kept|run [0-9]+ of 20" "$tmp/a"
"$bin" screen $race --page 3 --keys 'r <Wait> + + w' >"$tmp/a"
check real-widen grep -qF "widened: a pause of 1 us after each read" "$tmp/a"
"$bin" screen $race --page 3 --keys 'r <Wait> + + r <Wait>' >"$tmp/a"
check real-more-runs grep -qF "100 real runs done" "$tmp/a"
"$bin" screen $race --page 3 --size 120x40 --keys 'r <Wait> w r <Wait>' >"$tmp/a"
check real-widened-run grep -qF "race window widened (--widen)" "$tmp/a"

# On a page whose explorer outcomes were open, the real view's keys still
# act on the real run.
TAKETURNS_PYTHON=$fake "$bin" screen $race --page 6 --keys '2 <Enter> <Wait> r <Wait> z' >"$tmp/a"
check real-keys-over-outcomes sh -c "! grep -qF 'zoom: 2 columns a tick' '$tmp/a'"
check real-keys-footer grep -qF "[ ] run  z Z zoom" "$tmp/a"

# The student's real python3, when there is one (3.10 or newer: the plain
# loop cannot lose an update there).
if command -v python3 >/dev/null 2>&1 &&
   python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    v=$(python3 -c 'import sys; print(sys.version.split()[0])')
    "$bin" screen $hidden --page 2 --size 120x40 \
        --keys '12 <Enter> <Wait> r <Wait>' >"$tmp/a"
    check python-real grep -qF "your python3 $v: x = 400000 in 20 of 20 runs" "$tmp/a"
else
    echo "ok python-real (skipped: no python3 3.10 or newer)"
fi

# ---- q and SIGINT leave no interpreter behind (tmux) ----------------------
if ! command -v tmux >/dev/null 2>&1; then
    echo "ok python-no-strays (skipped: tmux is not installed)"
    exit 0
fi
# A python that takes its time: it is still running when the TUI quits.
# Each one it starts notes its process id (exec keeps it).
slow=$tmp/slow-python
cat >"$slow" <<EOS
#!/bin/sh
case \${1-} in -c) echo "3.99.0 1"; exit ;; esac
echo \$\$ >>"$tmp/pids"
exec sleep 300
EOS
chmod +x "$slow"
sock="tt-py-$$"
T() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'T kill-server >/dev/null 2>&1; rm -rf "$tmp"' EXIT INT TERM
wait_for() {
    i=0
    while [ "$i" -lt 300 ]; do
        T capture-pane -p -t tt | grep -qF -- "$2" && { echo "ok $1"; return 0; }
        sleep 0.1
        i=$((i + 1))
    done
    echo "FAIL $1: no '$2' on the screen"
    T capture-pane -p -t tt | sed 's/^/    | /'
    return 1
}
# alive: some python the TUI started is still running.
alive() {
    [ -f "$tmp/pids" ] || return 1
    while read -r pid; do
        kill -0 "$pid" 2>/dev/null && return 0
    done <"$tmp/pids"
    return 1
}
for how in q C-c; do
    rm -f "$tmp/pids"
    # A server of its own each time: one that is shutting down takes no
    # new session.
    T kill-server >/dev/null 2>&1
    sock="tt-py-$$-$how"
    # An interactive shell, as a student's: C-c goes to the TUI alone.
    T new-session -d -s tt -x 120 -y 40 "env PS1='ready\$ ' ENV= sh -i"
    wait_for "python-$how-shell" 'ready$' >/dev/null
    T send-keys -t tt "TAKETURNS_PYTHON=$slow XDG_STATE_HOME=$tmp/state $bin $hidden" Enter
    wait_for "python-$how-open" "1/7 One GIL"
    T send-keys -t tt PgDn
    wait_for "python-$how-page" "2/7 CPython 3.10"
    T send-keys -t tt 1 2 Enter
    wait_for "python-$how-answered" "12 — right"
    T send-keys -t tt r
    # The tool's runs end at once; then the slow python starts.
    i=0
    while [ "$i" -lt 300 ] && ! alive; do
        sleep 0.1
        i=$((i + 1))
    done
    alive && echo "ok python-$how-started" ||
        echo "FAIL python-$how-started: the slow python never ran"
    T send-keys -t tt "$how"
    # The TUI has ended when the shell prompts again (after C-c the shell
    # drops the rest of the command line).
    i=0
    while [ "$i" -lt 300 ] &&
          [ "$(T capture-pane -p -t tt | grep -c '^ready\$')" -lt 2 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    [ "$i" -lt 300 ] && echo "ok python-$how-ended" ||
        echo "FAIL python-$how-ended: no prompt after the TUI"
    if alive; then
        echo "FAIL python-$how-no-strays: $(cat "$tmp/pids")"
    else
        echo "ok python-$how-no-strays"
    fi
done
T kill-server >/dev/null 2>&1
