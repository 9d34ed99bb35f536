#!/usr/bin/env bash
# Builds the kernel module (with its in-module self-tests) and the test
# helpers, then runs every end-to-end test of tests/vm in a QEMU guest.
#
# Usage: scripts/vm-test.sh --bin-dir DIR [vm-run.sh options]
#   --bin-dir DIR   a CMake build directory holding the polyfw binary
# The last line is "vm: N passed, M failed" (from scripts/vm-run.sh).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN_DIR=
ARGS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--bin-dir) BIN_DIR=$2; shift 2 ;;
	*) ARGS+=("$1"); shift ;;
	esac
done
[ -n "$BIN_DIR" ] && [ -x "$BIN_DIR/polyfw" ] || { echo "vm-test: --bin-dir must hold the polyfw binary" >&2; exit 2; }

echo "vm-test: building polyfw.ko (debug: self-tests run at load) and test helpers"
make -s -C "$REPO/kmod" debug W=1 >/dev/null
make -s -C "$REPO/kmod" tools >/dev/null
# files the tests use besides the tests themselves
extra="$REPO/build/vm-extra"
mkdir -p "$extra"
cp "$REPO/dist/polyfw-boot" "$extra/polyfw-boot"
exec "$REPO/scripts/vm-run.sh" --build-dir "$REPO/build/vm-all" --module "$REPO/polyfw.ko" \
	--test "$REPO/tests/vm" --test "$extra" \
	--bin "$BIN_DIR/polyfw" --bin "$REPO/build/kmod-bin/mkprog" --bin "$REPO/build/kmod-bin/hostile-nl" \
	--bin "$REPO/build/kmod-bin/rawsend" \
	"${ARGS[@]}"
