#!/bin/sh
# tests/t_real.sh BINARY - real runs, checked against the simulator and the
# explorer.  None of these checks depends on timing: what a real run may do
# is bounded by what the explorer says is possible, an asyncio run's order
# is fixed by design, a reconstructed interleaving either replays or not,
# and a deadlock that happens in every interleaving must be found.  (The
# --widen pauses only make more outcomes likely; no check needs them.)
. "$(dirname "$0")/lib.sh"
checks=tests/real/checks.lesson
deadlocks=tests/real/deadlock.lesson

ok() { echo "ok $1"; }
fail() { echo "FAIL $1${2:+: $2}"; }

# status NAME EXPECTED CMD...: the exit status of CMD.
status() {
    name=$1 want=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    [ "$got" -eq "$want" ] && ok "$name" ||
        fail "$name" "exit status $got, expected $want: $(head -c 300 "$tmp/err")"
}

# has NAME FILE TEXT: FILE contains TEXT.
has() {
    grep -qF -- "$3" "$2" && ok "$1" || fail "$1" "no '$3' in: $(head -c 300 "$2")"
}

# The final states in a JSON report (real outcomes, explorer outcomes).
finals() {
    grep -o '"final": {[^}]*}' "$1" | sort -u
}

# subset NAME LESSON SCENE ARGS...: every final state of real runs of the
# scene is one the explorer finds.
subset() {
    name=$1 lesson=$2 scene=$3
    shift 3
    if ! "$bin" explore "$lesson" --scene "$scene" --json >"$tmp/ex.json" \
        2>"$tmp/err"; then
        fail "$name" "explore failed: $(head -c 300 "$tmp/err")"
        return
    fi
    "$bin" real "$lesson" --scene "$scene" --json "$@" >"$tmp/real.json" \
        2>"$tmp/err"
    if ! grep -q '"outcomes"' "$tmp/real.json"; then
        fail "$name" "no outcomes: $(head -c 300 "$tmp/err")"
        return
    fi
    finals "$tmp/ex.json" >"$tmp/ex.finals"
    finals "$tmp/real.json" >"$tmp/real.finals"
    extra=$(comm -13 "$tmp/ex.finals" "$tmp/real.finals")
    [ -s "$tmp/real.finals" ] && [ -z "$extra" ] && ok "$name" ||
        fail "$name" "real final states the explorer does not know: $extra"
}

# ---- every real outcome is a possible one ------------------------------------

for s in alone race parallel locked; do
    subset "subset-race-$s" lessons/03-race.lesson "$s" --runs 40
    subset "subset-race-$s-widened" lessons/03-race.lesson "$s" --runs 20 --widen 20
done
for s in threads2 threads3 locked sleepy; do
    subset "subset-$s" "$checks" "$s" --runs 20 --widen 20 --tick-us 50
done
for s in gil_every gil_loops gil_call; do
    subset "subset-$s" "$checks" "$s" --runs 20 --widen 10 --tick-us 5
done
subset subset-gil-untraced "$checks" gil_every --runs 20 --trace off --tick-us 5
subset subset-threads-untraced lessons/03-race.lesson parallel --runs 40 --trace off
for s in aio aio_ties procs seq; do
    subset "subset-$s" "$checks" "$s" --runs 3 --tick-us 100
done
subset subset-deadlock-threads "$deadlocks" threads --runs 3

# A plain increment loop under loops-and-calls has no checkpoint between the
# read and the write: however the GIL moves, no update is lost.
status gil-loops-run 0 "$bin" real "$checks" --scene gil_loops --runs 10 \
    --tick-us 2 --widen 5 --json
has gil-loops-no-loss "$tmp/out" '"outcomes": [{"final": {"x": 80, "y": 0}, "count": 10'

# ---- asyncio follows the simulated order, op for op ---------------------------

for s in aio aio_ties; do
    status "aio-order-$s-run" 0 "$bin" real "$checks" --scene "$s" --runs 3 \
        --tick-us 200 --json
    has "aio-order-$s" "$tmp/out" '"order_matches_simulation": true'
done
# The first run's ops, as `run --json` lists them (times aside), are the
# simulated run's ops.
opseq() {
    grep '"type": "op"' "$1" | sed 's/^ *//; s/"t": [0-9]*, //'
}
# same_ops NAME LESSON SCENE: a real run executes the simulated run's ops.
same_ops() {
    "$bin" run "$2" --scene "$3" --json >"$tmp/sim.json" 2>/dev/null
    "$bin" real "$2" --scene "$3" --json --tick-us 100 >"$tmp/real.json" 2>/dev/null
    opseq "$tmp/sim.json" >"$tmp/sim.ops"
    opseq "$tmp/real.json" >"$tmp/real.ops"
    [ -s "$tmp/sim.ops" ] && cmp -s "$tmp/sim.ops" "$tmp/real.ops" &&
        ok "$1" ||
        fail "$1" "$(diff "$tmp/sim.ops" "$tmp/real.ops" | head -4)"
}
for s in aio aio_ties; do
    same_ops "aio-same-ops-$s" "$checks" "$s"
done
has first-run-unit "$tmp/real.json" '"first_run_unit": "ns"'
# Tasks made by code (create_task, gather, a failed task's exception
# raised in its await) run on the coroutines op for op as simulated.
for ls in tests/explore/tasks.lesson:gather tests/explore/tasks.lesson:await_failing \
          tests/explore/tasks.lesson:keep_errors lessons/07b-limiting-downloads.lesson:three; do
    same_ops "aio-same-ops-tasks-${ls##*:}" "${ls%%:*}" "${ls##*:}"
done
status aio-order-lesson-run 0 "$bin" real lessons/07-io-bound.lesson --scene asyncio \
    --tick-us 100 --json
has aio-order-lesson "$tmp/out" '"order_matches_simulation": true'
status aio-order-ucontext-run 0 "$bin" real "$checks" --scene aio --coro ucontext \
    --tick-us 100 --json
has aio-order-ucontext "$tmp/out" '"order_matches_simulation": true'
has aio-ucontext-detail "$tmp/out" '"detail": "coroutines, ucontext switch"'

# ---- a real interleaving replays in the simulator ------------------------------

# replay NAME LESSON SCENE ARGS...: the schedule reconstructed from a real
# run, given to `taketurns run`, ends in the real run's final state.
replay() {
    name=$1 lesson=$2 scene=$3
    shift 3
    "$bin" real "$lesson" --scene "$scene" --replay --json "$@" >"$tmp/real.json" \
        2>"$tmp/err"
    if ! grep -q '"ok": true' "$tmp/real.json"; then
        fail "$name" "no replay: $(grep -o '"why": "[^"]*"' "$tmp/real.json")"
        return
    fi
    sch=$(sed -n 's/.*"schedule": "\([^"]*\)".*/\1/p' "$tmp/real.json")
    want=$(grep -o '"outcomes": \[{"final": {[^}]*}' "$tmp/real.json" |
           sed 's/.*"final": {//; s/}$//; s/"//g; s/: /=/g; s/, /,/g')
    "$bin" run "$lesson" --scene "$scene" --schedule "$sch" --json \
        >"$tmp/run.json" 2>"$tmp/err"
    # run --json puts each value of "final" on a line of its own.
    got=$(sed -n '/^  "final": {/,/^  }/p' "$tmp/run.json" | sed '1d;$d' |
          tr -d ' "' | sed 's/:/=/' | paste -sd '' -)
    [ -n "$want" ] && [ "$got" = "$want" ] && ok "$name" ||
        fail "$name" "real $want, replayed $got (schedule $sch)"
}

for i in 1 2 3; do
    replay "replay-race-$i" lessons/03-race.lesson race --widen 20
    replay "replay-parallel-$i" lessons/03-race.lesson parallel --widen 5
    replay "replay-locked-$i" lessons/03-race.lesson locked --widen 20
    replay "replay-threads3-$i" "$checks" threads3 --widen 20
done
replay replay-unwidened lessons/03-race.lesson parallel
# Events, conditions, barriers and queues: the order of their requests.
for scene in event condition barrier queue; do
    for i in 1 2; do
        replay "replay-$scene-$i" tests/real/replay_sync.lesson "$scene" --widen 5
    done
done
# A task that fails inside with blocks: their release is replayed too.
for scene in lock rlock condition; do
    replay "replay-with-error-$scene" tests/explore/with_error.lesson \
        "$scene" --widen 5
done
status replay-limited-says-why 0 "$bin" real tests/real/replay_sync.lesson \
    --scene limited --replay --tick-us 100
has replay-limited-why "$tmp/out" "waits for ready (line 111) with a limit"
replay replay-gil "$checks" gil_call --tick-us 5 --widen 10
status replay-asyncio-says-why 0 "$bin" real "$checks" --scene aio --replay \
    --tick-us 100
has replay-asyncio-why "$tmp/out" "follows the simulated order exactly"
status replay-seq-says-why 0 "$bin" real "$checks" --scene seq --replay --tick-us 100
has replay-seq-why "$tmp/out" "one after another"

# ---- deadlocks are found and reported, fast ------------------------------------

for s in threads gil asyncio sequential processes; do
    t0=$(date +%s%N)
    status "deadlock-$s" 1 "$bin" real "$deadlocks" --scene "$s" --json
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    has "deadlock-$s-json" "$tmp/out" '"deadlock": true'
    has "deadlock-$s-message" "$tmp/err" "error: deadlock in a real run of scene '$s'"
    [ "$ms" -lt 2000 ] && ok "deadlock-$s-within-2s" ||
        fail "deadlock-$s-within-2s" "took $ms ms"
done
has deadlock-names-locks "$tmp/err" "B waits for lock m (held by itself)"
status deadlock-many-runs 1 "$bin" real "$deadlocks" --scene threads --runs 5 --json
has deadlock-many-count "$tmp/out" '"count": 5, "status": "deadlock"'

# ---- limits ------------------------------------------------------------------------

cat >"$tmp/forever.lesson" <<'EOF'
lesson "forever"
shared x = 0
def spin():
    global x
    while True:
        x = x + 1
def nap():
    sleep(100000)
def count(n):
    global x
    for i in range(n):
        x = x + 1
scene spin:
    mode threads
    budget 1000000000000
    run spin() as A
scene nap:
    mode threads
    run nap() as A
scene budget:
    mode threads
    budget 1000
    run spin() as A
scene long:
    mode threads
    run count(300) as A
    run count(300) as B
scene aio:
    mode asyncio
    budget 1000000000000
    run spin() as A
scene procs:
    mode processes
    budget 1000000000000
    run spin() as A
EOF
for s in spin nap aio procs; do
    t0=$(date +%s%N)
    status "timeout-$s" 1 "$bin" real "$tmp/forever.lesson" --scene "$s" \
        --timeout 0.3 --trace off
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    has "timeout-$s-message" "$tmp/err" "within the time limit of 0.3 s"
    [ "$ms" -lt 5000 ] && ok "timeout-$s-bounded" ||
        fail "timeout-$s-bounded" "took $ms ms"
done
status budget 1 "$bin" real "$tmp/forever.lesson" --scene budget
has budget-message "$tmp/err" "the step budget of 1000 ops is used up"
status record-cap 0 "$bin" real lessons/03-race.lesson --scene parallel \
    --max-records 1024 --json --mode threads
status record-cap-big 0 "$bin" real "$tmp/forever.lesson" --scene long \
    --max-records 1024 --json
has record-cap-said "$tmp/out" '"truncated": true'

# ---- processes have their own memory ------------------------------------------------

status procs-run 0 "$bin" real "$checks" --scene procs --json --tick-us 100
has procs-main-unchanged "$tmp/out" '"final": {"x": 0, "y": 0}'
has procs-own-copies "$tmp/out" '"processes": {"A": {"x": 3, "y": 0}, "B": {"x": 2, "y": 0}}'

# ---- output ---------------------------------------------------------------------------

status json-keys 0 "$bin" real lessons/03-race.lesson --scene race --runs 3 --json
for key in '"scene": "race"' '"backend": "threads"' '"runs": 3' '"outcomes": [' \
    '"count": ' '"wall_ns": {"min": ' '"median": ' '"max": '; do
    has "json-key-$key" "$tmp/out" "$key"
done
# The run whose wall time is the median, kept with its trace (which run it
# is depends on the machine).
grep -qE '"median_run": \{"run": [123], "wall_ns": [0-9]+, "traced": true\}' \
    "$tmp/out" && ok json-median-run || fail json-median-run "no median_run"
status text-histogram 0 "$bin" real lessons/03-race.lesson --scene race --runs 5
has text-histogram-bar "$tmp/out" "x = 6  #"
has text-wall "$tmp/out" "wall time per run: min"
status trace-both 0 "$bin" real lessons/03-race.lesson --scene race --runs 3 --trace both
has trace-both-cost "$tmp/out" "untraced"
status widen-says-so 0 "$bin" real lessons/03-race.lesson --scene race --widen 5
has widen-note "$tmp/out" "race window widened"
status timeline 0 "$bin" real lessons/03-race.lesson --scene parallel --timeline
has timeline-unit "$tmp/out" "1 column ="
has timeline-lanes "$tmp/out" "cpu1"

for cmd in run real; do
    status "chrome-$cmd" 0 "$bin" "$cmd" "$checks" --scene aio --chrome "$tmp/$cmd.json"
    for ph in M X i C; do
        has "chrome-$cmd-$ph" "$tmp/$cmd.json" "\"ph\":\"$ph\""
    done
    has "chrome-$cmd-names" "$tmp/$cmd.json" '"name":"thread_name"'
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/$cmd.json" &&
            ok "chrome-$cmd-json" || fail "chrome-$cmd-json" "not valid JSON"
    fi
done

# ---- usage ------------------------------------------------------------------------------

status usage-no-lesson 2 "$bin" real
status usage-runs-zero 2 "$bin" real lessons/03-race.lesson --runs 0
status usage-trace 2 "$bin" real lessons/03-race.lesson --trace sometimes
status usage-timeout 2 "$bin" real lessons/03-race.lesson --timeout soon
status usage-coro 2 "$bin" real lessons/03-race.lesson --coro fibers
status usage-tick 2 "$bin" real lessons/03-race.lesson --tick-us 0
status usage-untraced-timeline 2 "$bin" real lessons/03-race.lesson --trace off --timeline
status usage-scene 2 "$bin" real lessons/03-race.lesson --scene nope
status missing-lesson 1 "$bin" real no-such.lesson
status bad-lesson 1 "$bin" real tests/real/checks.lesson.nope
