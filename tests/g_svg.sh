#!/bin/sh
# tests/g_svg.sh BINARY - golden pictures: a scene of each mode as
# `taketurns run --svg` draws it, in tests/golden/svg/LESSON.SCENE.svg.
# The scenes are listed in tests/svg-scenes (read by t_svg.sh too).
set -eu
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
out=tests/golden/svg
rm -rf "$out"
mkdir -p "$out"
while read -r lesson scene; do
    "$bin" run "lessons/$lesson.lesson" --scene "$scene" \
        --svg "$out/$lesson.$scene.svg" >/dev/null 2>&1 || true
done <tests/svg-scenes
