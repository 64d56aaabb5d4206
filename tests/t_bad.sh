#!/bin/sh
# tests/t_bad.sh BINARY - malformed lessons: exit status 1 and the exact error.
#
# Each tests/bad/NAME.lesson holds one kind of mistake and NAME.err the
# error it must produce (written by tests/g_bad.sh, read by a person).  The
# huge and deep inputs are generated here rather than stored.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cd "$here/bad"
for f in *.lesson; do
    name=${f%.lesson}
    "$bin" check "$f" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -ne 1 ]; then
        echo "FAIL bad/$name: exit status $rc, expected 1"
    elif ! cmp -s "$tmp/err" "$name.err"; then
        echo "FAIL bad/$name: the error differs"
        diff "$name.err" "$tmp/err" | head -10
    elif ! head -n 1 "$tmp/err" | grep -Eq "^$name\.lesson(:[0-9]+:[0-9]+)?: error: "; then
        echo "FAIL bad/$name: first line is not FILE:LINE:COL: error:"
    else
        echo "ok bad/$name"
    fi
done

# expect NAME FILE FIRST-LINE-PREFIX: check FILE fails with that first line.
expect() {
    "$bin" check "$2" >/dev/null 2>"$tmp/err"
    rc=$?
    first=$(head -n 1 "$tmp/err")
    case "$first" in
    "$3"*) [ "$rc" -eq 1 ] && echo "ok $1" || echo "FAIL $1: exit status $rc" ;;
    *) echo "FAIL $1: got: $(printf '%.200s' "$first")" ;;
    esac
}

# A 1 MB line.
{ echo 'lesson "long"'; printf '# '; head -c 1048576 /dev/zero | tr '\0' x; echo; } >"$tmp/long.lesson"
expect long-line "$tmp/long.lesson" "$tmp/long.lesson:2:4097: error: line 2 is 1048578 bytes long; the limit is 4096"

# A 1 MB line of code, no newline at the end.
{ echo 'lesson "long"'; printf 'shared x = '; head -c 1048576 /dev/zero | tr '\0' 9; } >"$tmp/long2.lesson"
expect long-code-line "$tmp/long2.lesson" "$tmp/long2.lesson:2:4097: error:"

# Blocks nested 200 deep.
{
    echo 'lesson "deep"'
    echo 'def f():'
    i=1
    ind='    '
    while [ $i -le 200 ]; do
        echo "${ind}if 1:"
        ind="$ind    "
        i=$((i + 1))
    done
    echo "${ind}pass"
} >"$tmp/deep.lesson"
expect deep-blocks "$tmp/deep.lesson" "$tmp/deep.lesson:35:133: error: blocks are nested too deeply (the limit is 32 levels)"

# An expression nested 10,000 parentheses deep.
{
    echo 'lesson "deep"'
    echo 'shared x = 0'
    echo 'def f():'
    printf '    x = '
    head -c 1000 /dev/zero | tr '\0' '('
    printf 1
    head -c 1000 /dev/zero | tr '\0' ')'
    echo
} >"$tmp/deepexpr.lesson"
expect deep-expression "$tmp/deepexpr.lesson" "$tmp/deepexpr.lesson:4:72: error: expression is nested too deeply (the limit is 64 levels)"

# A directory, a missing file, and /dev/null (a device: refused unread).
mkdir "$tmp/dir.lesson"
expect directory "$tmp/dir.lesson" "$tmp/dir.lesson: error: is a directory, not a lesson file"
expect missing "$tmp/nope.lesson" "$tmp/nope.lesson: error: cannot open: No such file"
expect dev-null /dev/null "/dev/null: error: is a character device, not a lesson file"

# Random bytes of many seeds never crash the reader (exit status 1, not a signal).
i=0
crashed=0
while [ $i -lt 200 ]; do
    head -c $((i * 13 % 700 + 1)) /dev/urandom >"$tmp/r.lesson"
    "$bin" check "$tmp/r.lesson" >/dev/null 2>&1
    rc=$?
    [ "$rc" -eq 1 ] || crashed=$((crashed + 1))
    i=$((i + 1))
done
[ "$crashed" -eq 0 ] && echo "ok random-bytes" || echo "FAIL random-bytes: $crashed runs did not exit with 1"

# Mutations of a real lesson: every prefix of it is handled (no crash).
src="$here/../lessons/03-race.lesson"
if [ -f "$src" ]; then
    n=$(wc -c <"$src")
    k=1
    bad=0
    while [ $k -lt "$n" ]; do
        head -c "$k" "$src" >"$tmp/p.lesson"
        "$bin" check "$tmp/p.lesson" >/dev/null 2>&1
        rc=$?
        [ "$rc" -le 1 ] || bad=$((bad + 1))
        k=$((k + 37))
    done
    [ "$bad" -eq 0 ] && echo "ok lesson-prefixes" || echo "FAIL lesson-prefixes: $bad crashed"
fi
