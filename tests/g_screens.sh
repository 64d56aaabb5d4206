#!/bin/sh
# tests/g_screens.sh BINARY - golden screens: every page of every lesson as
# the TUI draws it at 80x24 and at 120x40 (taketurns screen), in
# tests/golden/screens/LESSON.pPAGE.WxH.  Run by `make golden` only.
set -eu
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
out=tests/golden/screens
rm -rf "$out"
mkdir -p "$out"
for lesson in lessons/*.lesson; do
    base=$(basename "$lesson" .lesson)
    pages=$(grep -c '^page ' "$lesson" || true)
    p=1
    while [ "$p" -le "$pages" ]; do
        for size in 80x24 120x40; do
            "$bin" screen "$lesson" --page "$p" --size "$size" \
                >"$out/$base.p$p.$size" 2>&1 || true
        done
        p=$((p + 1))
    done
done
