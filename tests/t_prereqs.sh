#!/bin/sh
# tests/t_prereqs.sh BINARY - .ci/prereqs, which make run, make test and
# .ci/run call first: nothing to do here, the packages a missing compiler
# needs on each system, and the apt-get commands (dry run) on Debian.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect NAME STATUS TEXT CMD...: CMD exits with STATUS and says TEXT.
expect() {
    name=$1 want=$2 text=$3
    shift 3
    "$@" >"$tmp/out" 2>&1
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL $name: exit status $got, expected $want: $(head -c 300 "$tmp/out")"
    elif [ -n "$text" ] && ! grep -qF -- "$text" "$tmp/out"; then
        echo "FAIL $name: no '$text' in: $(head -c 300 "$tmp/out")"
    else
        echo "ok $name"
    fi
}

if command -v cc >/dev/null 2>&1 && command -v make >/dev/null 2>&1; then
    # This machine built taketurns: make run needs nothing more.
    expect prereqs-run-ok 0 "" .ci/prereqs run
    check_quiet=$(wc -c <"$tmp/out")
    [ "$check_quiet" -eq 0 ] && echo "ok prereqs-run-quiet" ||
        echo "FAIL prereqs-run-quiet: $(head -c 200 "$tmp/out")"
fi
expect prereqs-usage 2 "usage: .ci/prereqs run|test|ci" .ci/prereqs nonsense
export CC=no-such-cc-here
expect prereqs-fedora 1 "taketurns needs: cc curses. Install: sudo dnf install gcc ncurses-devel pkgconf-pkg-config" \
    env PREREQS_OS=fedora .ci/prereqs run
expect prereqs-arch 1 "Install: sudo pacman -S gcc ncurses pkgconf" \
    env PREREQS_OS=arch .ci/prereqs run
expect prereqs-macos 1 "Install: brew install (xcode-select --install) ncurses pkg-config" \
    env PREREQS_OS=macos .ci/prereqs run
expect prereqs-macos-keg 1 "Homebrew's ncurses is keg-only" \
    env PREREQS_OS=macos .ci/prereqs run
if [ "$(id -u)" -eq 0 ]; then
    expect prereqs-debian 0 "apt-get install -y --no-install-recommends gcc libc6-dev libncurses-dev pkg-config" \
        env PREREQS_OS=debian PREREQS_DRY=1 .ci/prereqs run
    expect prereqs-debian-says 0 "taketurns needs: cc curses; installing gcc libc6-dev libncurses-dev pkg-config" \
        env PREREQS_OS=debian PREREQS_DRY=1 .ci/prereqs run
elif command -v sudo >/dev/null 2>&1; then
    expect prereqs-debian-sudo 0 "installing gcc libc6-dev libncurses-dev pkg-config with sudo" \
        env PREREQS_OS=debian PREREQS_DRY=1 .ci/prereqs run
fi
