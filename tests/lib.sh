# tests/lib.sh - the start every end-to-end script shares, sourced as
# `. "$(dirname "$0")/lib.sh"`: strict variables, the binary under test
# ($1) in bin, the tests directory in here, the project root as the working
# directory, and a scratch directory tmp that is removed on exit.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect NAME FILE TEXT: "ok NAME" if FILE has a line containing TEXT.
expect() {
    if grep -qF -- "$3" "$2"; then
        echo "ok $1"
    else
        echo "FAIL $1: no line with '$3' in:"
        sed 's/^/    /' "$2" | head -8
    fi
}

# endings FILE: each outcome in FILE (explore --json, real --json) as
# "STATUS {final}", sorted, each once.
endings() {
    sed 's/{"final"/\
{"final"/g' "$1" | grep '^{"final": {' |
        sed -n 's/^{"final": \({[^}]*}\).*"status": "\([a-z]*\)".*/\2 \1/p' |
        sort -u
}

# within NAME FILE: every ending in FILE is in $tmp/want (the explorer's).
within() {
    endings "$2" >"$tmp/got"
    if [ ! -s "$tmp/got" ]; then
        echo "FAIL $1: no endings"
        head -5 "$2" | sed 's/^/    /'
    elif comm -23 "$tmp/got" "$tmp/want" | grep -q .; then
        echo "FAIL $1: an ending the explorer does not have:"
        comm -23 "$tmp/got" "$tmp/want" | sed 's/^/    /'
    else
        echo "ok $1"
    fi
}

# python313: a CPython 3.13 to run exported scenes in, or "" (a pyenv
# shim that cannot run is passed over).
python313() {
    for p in python3.13 "$HOME/.pyenv/versions/3.13.0/bin/python3.13"; do
        "$p" -c 'import sys; print(sys.executable)' 2>/dev/null && return
    done
}

# fails_saying NAME TEXT COMMAND...: COMMAND exits with status 1 and says
# TEXT.
fails_saying() {
    name=$1 text=$2
    shift 2
    "$@" >"$tmp/fs.txt" 2>&1
    rc=$?
    if [ "$rc" -eq 1 ] && grep -qF -- "$text" "$tmp/fs.txt"; then
        echo "ok $name"
    else
        echo "FAIL $name: exit $rc: $(head -n 1 "$tmp/fs.txt")"
    fi
}

# like_cpython PREFIX LESSON SCENE: the explorer finds the scene's
# outcomes, and (with a python3.13) every ending of the scene exported to
# CPython is one of them.
like_cpython() {
    "$bin" explore "$2" --scene "$3" --json >"$tmp/lc.json" 2>/dev/null
    endings "$tmp/lc.json" >"$tmp/want"
    if [ ! -s "$tmp/want" ]; then
        echo "FAIL $1/$3: the explorer found no outcome"
        return
    fi
    [ -n "${py:-}" ] || return
    "$bin" real "$2" --scene "$3" --runs 3 --timeout 4 --python "$py" \
        --json >"$tmp/lc-py.json" 2>/dev/null
    within "$1/$3: CPython's endings are the explorer's" "$tmp/lc-py.json"
}
