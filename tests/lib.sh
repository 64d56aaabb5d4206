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
