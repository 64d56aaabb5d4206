#!/bin/sh
# tests/golden.sh BINARY - regenerate every golden file (make golden).
#
# Each tests/g_*.sh writes the golden files of its area.  Golden files
# change only this way; read `git diff tests/` before committing them.
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC TERM=xterm-256color COLUMNS=80 LINES=24
unset TAKETURNS_LESSONS NO_COLOR 2>/dev/null || true
for g in "$here"/g_*.sh; do
    [ -f "$g" ] || continue
    echo "== $(basename "$g")"
    sh "$g" "$bin"
done
git -C "$here/.." status --short -- tests/ || true
