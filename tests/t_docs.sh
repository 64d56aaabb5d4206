#!/bin/sh
# tests/t_docs.sh BINARY - the documentation says what the program does:
# the op table of lessons/FORMAT.md is the program's own, and the README
# keeps its two commands.
. "$(dirname "$0")/lib.sh"

"$bin" help ops | sed 's/^\([A-Z_]*\) *\([a-z-]*\) *\(.*\)$/| `\1` | \2 | \3 |/' >"$tmp/want"
grep -E '^\| `[A-Z_]+` \|' lessons/FORMAT.md >"$tmp/got"
if cmp -s "$tmp/want" "$tmp/got"; then
    echo "ok format-op-table"
else
    echo "FAIL format-op-table: lessons/FORMAT.md and 'taketurns help ops' differ"
    diff "$tmp/want" "$tmp/got" | head -10
fi
for cmd in "make run" "make test"; do
    grep -q "$cmd" README.md && echo "ok readme-$(echo "$cmd" | tr ' ' -)" ||
        echo "FAIL README.md does not show '$cmd'"
done
# Every directive and setting the parser knows is documented.
for word in @scene @until @ask @explain @explore @real @compare @measure @scale \
    cpus quantum preempt seed schedule switch-interval checkpoints spawn-cost budget; do
    grep -q -- "$word" lessons/FORMAT.md && echo "ok format-mentions-$word" ||
        echo "FAIL lessons/FORMAT.md does not mention $word"
done
