#!/bin/sh
# tests/g_bad.sh BINARY - write the expected error of every tests/bad/*.lesson.
set -eu
bin=$1
cd "$(dirname "$0")/bad"
for f in *.lesson; do
    "$bin" check "$f" >/dev/null 2>"${f%.lesson}.err" && {
        echo "tests/bad/$f is accepted: a bad lesson must be rejected" >&2
        exit 1
    }
    true
done
