#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz under ASan and UBSan (in
# build/fuzz, with clang) and runs them:
#
#   scripts/fuzz.sh TARGET|all SECONDS [libFuzzer options...]
#
# TARGET is fuzz_verifier, fuzz_pktparse, fuzz_qvm_rule or fuzz_qvm_file;
# SECONDS 0 means no time limit (then give -runs=N).  For each target:
#   1. every file of tests/fuzz/regressions/TARGET/ is replayed, one at a
#      time: each must run clean;
#   2. the target fuzzes for SECONDS on a scratch copy of its seed corpus
#      (tests/fuzz/corpus/TARGET/) and of its regressions, in
#      build/fuzz/work/TARGET/: new inputs and crash files go there, never
#      into the repository.  Known open findings (tests/fuzz/README.md) are
#      masked during this step ($POLYFW_FUZZ_SKIP_KNOWN) so that it looks for
#      new ones; step 1 still fails on them until they are fixed.
# One line per target says "fuzz: TARGET passed|FAILED: ..." with the number
# of executions, the time, the coverage and the crash file if there is one;
# the last line is "fuzz: N passed, M failed" and the exit status is 0 only
# when nothing failed.  Installs clang-14, libclang-rt-14-dev (libFuzzer and
# the sanitizer runtimes) and llvm-14 (llvm-symbolizer, for readable stacks),
# and what scripts/deps.sh installs, when missing.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${POLYFW_BUILD_DIR:-$REPO/build}
FUZZ_BUILD=$BUILD/fuzz
JOBS=$(nproc 2>/dev/null || echo 2)
ALL_TARGETS=(fuzz_verifier fuzz_pktparse fuzz_qvm_rule fuzz_qvm_file)

usage() {
	echo "usage: $0 TARGET|all SECONDS [libFuzzer options...]" >&2
	echo "targets: ${ALL_TARGETS[*]}" >&2
	exit 2
}

[ $# -ge 2 ] || usage
what=$1
seconds=$2
shift 2
extra=("$@")
[[ $seconds =~ ^[0-9]+$ ]] || usage
if [ "$what" = all ]; then
	targets=("${ALL_TARGETS[@]}")
else
	case " ${ALL_TARGETS[*]} " in
	*" $what "*) targets=("$what") ;;
	*) usage ;;
	esac
fi

passed=0
failed=0
result() { # TARGET passed|FAILED TEXT
	echo "fuzz: $1 $2: $3"
	if [ "$2" = passed ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}
give_up() { # every target fails for one reason
	local t
	for t in "${targets[@]}"; do result "$t" FAILED "$1"; done
	echo "fuzz: $passed passed, $failed failed"
	exit 1
}

# Options per target: input size limits, dictionaries.
target_options() {
	case $1 in
	fuzz_verifier) echo "-max_len=32768" ;;
	fuzz_pktparse) echo "-max_len=4096" ;;
	fuzz_qvm_rule) echo "-max_len=4096 -dict=$REPO/tests/fuzz/qvm.dict" ;;
	fuzz_qvm_file) echo "-max_len=8192 -dict=$REPO/tests/fuzz/qvm.dict" ;;
	esac
}

# The inputs of a directory, without its README and .gitkeep.
inputs_of() {
	[ -d "$1" ] || return 0
	find "$1" -maxdepth 1 -type f ! -name '.gitkeep' ! -name 'README*' | sort
}

deps() {
	"$REPO/scripts/deps.sh" || return 1
	local p missing=() sudo_cmd=()
	for p in clang-14 libclang-rt-14-dev llvm-14; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "fuzz: installing ${missing[*]}"
		[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
		"${sudo_cmd[@]}" apt-get update -qq || return 1
		DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
			"${missing[@]}" >/dev/null || return 1
	fi
}

deps || give_up "dependencies could not be installed"
# sanitizer reports name functions and lines
if [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]; then
	export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
	export UBSAN_SYMBOLIZER_PATH=$ASAN_SYMBOLIZER_PATH
fi

mkdir -p "$FUZZ_BUILD"
if [ ! -f "$FUZZ_BUILD/CMakeCache.txt" ]; then
	echo "fuzz: configuring $FUZZ_BUILD"
	CC=clang-14 CXX=clang++-14 cmake -S "$REPO" -B "$FUZZ_BUILD" -DPOLYFW_FUZZ=ON -DPOLYFW_BENCH=OFF \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo >"$FUZZ_BUILD/configure.log" 2>&1 ||
		{ tail -n 20 "$FUZZ_BUILD/configure.log"; give_up "configure failed (see $FUZZ_BUILD/configure.log)"; }
fi
echo "fuzz: building ${targets[*]}"
cmake --build "$FUZZ_BUILD" -j"$JOBS" --target "${targets[@]}" >"$FUZZ_BUILD/build.log" 2>&1 ||
	{ grep -E 'error' "$FUZZ_BUILD/build.log" | head -n 20; give_up "build failed (see $FUZZ_BUILD/build.log)"; }

run_target() {
	local t=$1 bin=$FUZZ_BUILD/tests/fuzz/$1 work=$FUZZ_BUILD/work/$1
	local seeds=$REPO/tests/fuzz/corpus/$1 regs=$REPO/tests/fuzz/regressions/$1
	local opts f rc bad=() nreg=0 stats runs secs rate cov ft crash
	read -r -a opts <<<"$(target_options "$t")"
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"

	# 1. regressions, one at a time, unmasked
	while IFS= read -r f; do
		nreg=$((nreg + 1))
		if ! (cd "$work" && "$bin" "${opts[@]}" -artifact_prefix="$work/artifacts/replay-" "$f") \
			>"$work/replay-$(basename "$f").log" 2>&1; then
			bad+=("${f#"$REPO"/}")
			echo "fuzz: $t: regression ${f#"$REPO"/} fails:"
			grep -aE 'check failed|ERROR: |SUMMARY: ' "$work/replay-$(basename "$f").log" | head -n 3 | sed 's/^/  /'
		fi
		cp "$f" "$work/corpus/"
	done < <(inputs_of "$regs")

	# 2. fuzzing on the scratch corpus
	while IFS= read -r f; do cp "$f" "$work/corpus/"; done < <(inputs_of "$seeds")
	local limit="for ${seconds}s"
	[ "$seconds" -gt 0 ] || limit="without a time limit"
	echo "fuzz: $t: fuzzing $limit on $(find "$work/corpus" -type f | wc -l) inputs (log: ${work#"$REPO"/}/fuzz.log)"
	(cd "$work" && POLYFW_FUZZ_SKIP_KNOWN=1 "$bin" -max_total_time="$seconds" -timeout=30 -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/" "${opts[@]}" "${extra[@]}" "$work/corpus") >"$work/fuzz.log" 2>&1
	rc=$?
	runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$work/fuzz.log" | tail -n 1)
	rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$work/fuzz.log" | tail -n 1)
	secs=$(sed -nE 's/^Done [0-9]+ runs in ([0-9]+) second.*/\1/p' "$work/fuzz.log" | tail -n 1)
	cov=$(grep -aoE 'cov: [0-9]+ ft: [0-9]+' "$work/fuzz.log" | tail -n 1)
	stats="${runs:-?} executions in ${secs:-?} s (${rate:-?}/s), ${cov:-no coverage line}"
	crash=$(find "$work/artifacts" -maxdepth 1 -type f ! -name 'replay-*' | head -n 1)

	if [ $rc -ne 0 ] || [ -n "$crash" ]; then
		grep -aE 'check failed|ERROR: |SUMMARY: ' "$work/fuzz.log" | head -n 5 | sed 's/^/  /'
		result "$t" FAILED "new crash ${crash:+saved as ${crash#"$REPO"/} }(exit $rc) after $stats; reproduce: $bin ${crash:-$work/fuzz.log}"
	elif [ ${#bad[@]} -gt 0 ]; then
		result "$t" FAILED "${#bad[@]} of $nreg regressions fail (${bad[*]}); fuzzing: $stats, no new crash"
	else
		result "$t" passed "$stats, no crash; $nreg regressions replayed"
	fi
}

for t in "${targets[@]}"; do
	run_target "$t"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
