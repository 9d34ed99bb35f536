#!/bin/bash
# polyfw.ko in-module self-tests (kmod/selftest/, built with -DDEBUG: make -C
# kmod debug) ran at load time and passed: counters, limiters, dynamic
# states, and the kernel build of the verifier and interpreter.
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-kmod-lib.inc
. "$(dirname "$0")/t-kmod-lib.inc"
kmod_require
dmesg | grep -q "polyfw: .*self-tests: pass" ||
	skip "polyfw.ko was built without DEBUG (make -C kmod debug)"
for unit in counter limiter state prog; do
	dmesg | grep -q "polyfw: $unit self-tests: pass" || fail "no '$unit self-tests: pass' in dmesg"
done
if dmesg | grep -q "polyfw: .*self-test.*failed"; then fail "a self-test failed"; fi
echo "kmod selftest: ok"
