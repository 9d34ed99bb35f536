#!/usr/bin/env bash
# Runs every polyfw test on a fresh Debian machine: installs what is missing,
# builds, runs the unit tests twice (plain, then under ASan and UBSan), runs
# each libFuzzer target briefly (under ASan and UBSan, replaying its
# regressions), builds the kernel module and runs the end-to-end tests in a
# QEMU guest.
# The last line is "all: N passed, M failed"; the exit status is 0 only when
# nothing failed.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${POLYFW_BUILD_DIR:-$REPO/build}
JOBS=$(nproc 2>/dev/null || echo 2)
passed=0
failed=0
failures=()

stage() { printf '\n=== %s ===\n' "$*"; }
fail_stage() { failed=$((failed + 1)); failures+=("$1"); echo "FAIL: $1"; }

# Adds the counts of a ctest log ("100% tests passed, 0 tests failed out of 42").
count_ctest() {
	local log=$1 name=$2 line total bad
	line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		fail_stage "$name (no ctest summary)"
		return
	fi
	bad=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
	total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
	passed=$((passed + total - bad))
	failed=$((failed + bad))
	[ "$bad" -eq 0 ] || failures+=("$name: $bad unit tests")
}

stage "dependencies"
"$REPO/scripts/deps.sh" || { echo "deps failed"; exit 1; }
"$REPO/scripts/vm-deps.sh" || { echo "vm deps failed"; exit 1; }

stage "build"
cmake -S "$REPO" -B "$BUILD/release" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
	cmake --build "$BUILD/release" -j"$JOBS" || { echo "build failed"; exit 1; }

stage "unit tests"
(cd "$BUILD/release" && ctest -j"$JOBS" --output-on-failure) 2>&1 | tee "$BUILD/ctest-release.log" | tail -n 5
count_ctest "$BUILD/ctest-release.log" "unit tests"

stage "unit tests under ASan and UBSan"
cmake -S "$REPO" -B "$BUILD/asan" -DCMAKE_BUILD_TYPE=Debug -DPOLYFW_SANITIZE=ON -DPOLYFW_BENCH=OFF >/dev/null &&
	cmake --build "$BUILD/asan" -j"$JOBS" >/dev/null || fail_stage "sanitizer build"
if [ -x "$BUILD/asan/tests/polyfw_tests" ]; then
	(cd "$BUILD/asan" && ASAN_OPTIONS=detect_leaks=1 ctest -j"$JOBS" --output-on-failure) 2>&1 |
		tee "$BUILD/ctest-asan.log" | tail -n 5
	count_ctest "$BUILD/ctest-asan.log" "sanitizer unit tests"
fi

stage "fuzzing (short runs under ASan and UBSan)"
# One pass or fail per target: its regressions replay clean and a short run
# finds no crash (scripts/fuzz.sh, tests/fuzz/README.md).
POLYFW_BUILD_DIR="$BUILD" "$REPO/scripts/fuzz.sh" all "${POLYFW_FUZZ_SECONDS:-15}" 2>&1 | tee "$BUILD/fuzz.log"
fuzz_pass=$(grep -cE '^fuzz: [a-z_]+ passed: ' "$BUILD/fuzz.log")
fuzz_fail=$(grep -cE '^fuzz: [a-z_]+ FAILED: ' "$BUILD/fuzz.log")
if [ $((fuzz_pass + fuzz_fail)) -lt 4 ]; then
	# the four targets of tests/fuzz: fewer results means the script broke
	fail_stage "fuzzing (only $((fuzz_pass + fuzz_fail)) of 4 targets reported)"
fi
if [ $((fuzz_pass + fuzz_fail)) -gt 0 ]; then
	passed=$((passed + fuzz_pass))
	failed=$((failed + fuzz_fail))
	while IFS= read -r t; do failures+=("$t"); done < <(sed -nE 's/^fuzz: ([a-z_]+) FAILED: .*/fuzz: \1/p' "$BUILD/fuzz.log")
fi

stage "kernel module and QEMU end-to-end tests"
"$REPO/scripts/vm-test.sh" --bin-dir "$BUILD/release" 2>&1 | tee "$BUILD/vm.log"
line=$(grep -E '^vm: [0-9]+ passed, [0-9]+ failed' "$BUILD/vm.log" | tail -n 1)
if [ -z "$line" ]; then
	fail_stage "vm tests (no summary)"
else
	p=$(sed -E 's/^vm: ([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/^vm: [0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -eq 0 ] || failures+=("vm: $f tests")
fi

echo
for f in "${failures[@]}"; do echo "failed: $f"; done
echo "all: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
