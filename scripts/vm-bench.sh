#!/bin/bash
# Forward-path benchmark in the QEMU guest: packets per second through a
# router namespace with no filter, with nftables (empty chain, conntrack on,
# N plain rules, a set of N elements) and with polyfw (N qvm rules), none
# of which the traffic matches. One guest boot runs every variant; see
# tests/vm/bench/bench-forward.sh for the topology and docs/performance.md
# for figures. Under TCG absolute rates mean little: compare the ratios.
#
# Usage: scripts/vm-bench.sh [options]
#   --rules "10 1000 10000"  rule counts for nft-N, pfw-N (and the set size:
#                            the largest count)
#   --variants "LIST"        run exactly these variants (default: none
#                            nft-empty nft-ct, nft-N for each N, nft-set-MAX,
#                            nft-ct-set-MAX, pfw-0, pfw-N for each N); also
#                            lset-N: polyfw with a live set of N addresses
#                            (mkprog lset, filled by hostile-nl -u)
#   --rounds N               rounds, order reversed every other one (default 3)
#   --warmup S               seconds of traffic before counting (default 1)
#   --duration S             seconds counted per measurement (default 3)
#   --module PATH.ko         use this polyfw.ko instead of building one
#   --polyfw PATH            use this polyfw CLI instead of building one
#   --icount SHIFT           run the guest with QEMU's -icount shift=SHIFT: its
#                            clock then counts executed instructions (2^SHIFT
#                            ns each), so rates measure instructions per
#                            packet and the load of the host drops out
#   --profile "VARIANTS"     after measuring, profile these variants with perf
#                            (cpu-clock samples, kernel symbols); ships
#                            /usr/bin/perf (Debian's linux-perf) into the guest
#   --profile-syms REGEX     with --profile: also print samples per offset in
#                            the symbols REGEX matches (e.g. '^pfw_')
#   --nice N                 run QEMU at this nice level (e.g. -10: root only),
#                            so that other work on a shared host disturbs
#                            the wall-clock rates less
#   --timeout SECS           limit for the guest run (default 840)
#   --build-dir DIR          default build/vm-bench
#   -v                       show the guest console while it runs
# Builds (in the build directory, never in the source tree): polyfw.ko from
# a copy of Kbuild, kmod/ and include/; the polyfw CLI (cmake, Release);
# udpflood (gcc -O2 -static); the rulesets (tests/vm/bench/genrules.sh, qvm
# ones compiled with polyfw compile --lang qvm). Then boots the guest with
# scripts/vm-run.sh --cmd and prints one table row per variant.
# Exit status: 0 when the guest ran every variant (rates are never judged).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=$REPO/build/vm-bench
RULES="10 1000 10000"
VARIANTS=
ROUNDS=3
WARMUP=1
DURATION=3
MODULE=
POLYFW=
TIMEOUT=840
ICOUNT=
PROFILE=
PROFILE_SYMS=
NICE=()
VERBOSE=()

die() { echo "vm-bench: $*" >&2; exit 2; }
log() { echo "vm-bench: $*" >&2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--rules) RULES=$2; shift 2 ;;
	--variants) VARIANTS=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--warmup) WARMUP=$2; shift 2 ;;
	--duration) DURATION=$2; shift 2 ;;
	--module) MODULE=$2; shift 2 ;;
	--polyfw) POLYFW=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--icount) ICOUNT=$2; shift 2 ;;
	--profile) PROFILE=$2; shift 2 ;;
	--profile-syms) PROFILE_SYMS=$2; shift 2 ;;
	--nice) NICE=(nice -n "$2"); shift 2 ;;
	--build-dir) BUILD_DIR=$2; shift 2 ;;
	-v|--verbose) VERBOSE=(-v); shift ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option: $1 (see --help)" ;;
	esac
done

max=0
for n in $RULES; do
	[[ "$n" =~ ^[0-9]+$ ]] || die "--rules: not a number: $n"
	[ "$n" -le "$max" ] || max=$n
done
if [ -z "$VARIANTS" ]; then
	VARIANTS="none nft-empty nft-ct"
	for n in $RULES; do VARIANTS+=" nft-$n"; done
	VARIANTS+=" nft-set-$max nft-ct-set-$max pfw-0"
	for n in $RULES; do VARIANTS+=" pfw-$n"; done
fi

mkdir -p "$BUILD_DIR"
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
# The kernel vm-run.sh boots: the newest with headers and a /boot/vmlinuz-*.
KVER=$(for d in /lib/modules/*/build; do
	k=${d#/lib/modules/}
	k=${k%/build}
	[ -e "$d" ] && [ -e "/boot/vmlinuz-$k" ] && echo "$k"
done | sort -V | tail -n1)
[ -n "$KVER" ] || die "no kernel with headers and /boot/vmlinuz-* (run scripts/vm-deps.sh)"

# Which rulesets and tools the variants need.
need_pfw=0 need_tools=0 sizes=()
for v in $VARIANTS $PROFILE; do
	case "$v" in
	pfw-*) need_pfw=1; sizes+=("${v#pfw-}") ;;
	lset-*) need_pfw=1; need_tools=1 ;;
	nft-set-*) sizes+=("${v#nft-set-}") ;;
	nft-ct-set-*) sizes+=("${v#nft-ct-set-}") ;;
	nft-empty | nft-ct | none) ;;
	nft-*) sizes+=("${v#nft-}") ;;
	*) die "unknown variant: $v" ;;
	esac
done
mapfile -t sizes < <(printf '%s\n' "${sizes[@]}" | sed '/^$/d' | sort -nu)

# 1. The polyfw CLI (also needed on the host, to compile the qvm rulesets).
if [ -z "$POLYFW" ] && [ "$need_pfw" = 1 ]; then
	log "building the polyfw CLI (cmake, Release)"
	cmake -S "$REPO" -B "$BUILD_DIR/cmake" -DCMAKE_BUILD_TYPE=Release >"$BUILD_DIR/cmake.log" 2>&1 ||
		{ tail -n 30 "$BUILD_DIR/cmake.log"; die "cmake configure failed"; }
	cmake --build "$BUILD_DIR/cmake" --target polyfw -j"$(nproc)" >>"$BUILD_DIR/cmake.log" 2>&1 ||
		{ tail -n 30 "$BUILD_DIR/cmake.log"; die "building polyfw failed"; }
	POLYFW=$BUILD_DIR/cmake/polyfw
fi

# 2. The module, built from a copy so that a build in the work tree (or
# another run) is left alone.
if [ -z "$MODULE" ] && [ "$need_pfw" = 1 ]; then
	log "building polyfw.ko for $KVER"
	src=$BUILD_DIR/kmod-src
	mkdir -p "$src"
	rm -rf "$src/kmod" "$src/include"
	cp -R "$REPO/Kbuild" "$REPO/kmod" "$REPO/include" "$src/"
	find "$src" \( -name '*.o' -o -name '.*.cmd' -o -name '*.ko' \) -delete
	make -C "/lib/modules/$KVER/build" M="$src" modules >"$BUILD_DIR/kmod.log" 2>&1 ||
		{ tail -n 30 "$BUILD_DIR/kmod.log"; die "building polyfw.ko failed"; }
	MODULE=$src/polyfw.ko
fi

# 3. The traffic tool, and for live-set variants the program and set tools.
gcc -O2 -Wall -Wextra -static -o "$BUILD_DIR/udpflood" "$REPO/tests/vm/udpflood.c"
if [ "$need_tools" = 1 ]; then
	make -s -C "$REPO/kmod" tools >/dev/null || die "building mkprog and hostile-nl failed"
fi

# 4. The guest's /tests: the script, its rulesets and its settings.
T=$BUILD_DIR/tests
rm -rf "$T"
mkdir -p "$T/benchdata"
cp "$REPO/tests/vm/bench/bench-forward.sh" "$T/"
if [ ${#sizes[@]} -gt 0 ]; then
	"$REPO/tests/vm/bench/genrules.sh" "$BUILD_DIR/rules" "${sizes[@]}"
fi
for n in "${sizes[@]}"; do
	cp "$BUILD_DIR/rules/plain-$n.nft" "$BUILD_DIR/rules/set-$n.nft" \
		"$BUILD_DIR/rules/ctset-$n.nft" "$T/benchdata/"
	if [ "$need_pfw" = 1 ]; then
		"$POLYFW" compile --lang qvm "$BUILD_DIR/rules/r$n.qvm" -o "$T/benchdata/r$n.pfw" ||
			die "polyfw compile r$n.qvm failed"
	fi
done
cat >"$T/benchdata/bench.conf" <<EOF
VARIANTS="$VARIANTS"
ROUNDS=$ROUNDS
WARMUP=$WARMUP
DURATION=$DURATION
PROFILE="$PROFILE"
PROFILE_SYMS='$PROFILE_SYMS'
EOF

# 5. The guest run. The benchmark runs as the harness's "cmd", whose whole
# output comes back on the result channel.
RUN_ARGS=(--build-dir "$BUILD_DIR/vm" --kver "$KVER" --test "$T"
	--bin "$BUILD_DIR/udpflood" --cmd "bash /tests/bench-forward.sh"
	--timeout "$TIMEOUT" --test-timeout $((TIMEOUT - 40)))
if [ -n "$PROFILE" ]; then
	PERF=$(command -v perf) || die "--profile needs perf (apt-get install linux-perf)"
	RUN_ARGS+=(--bin "$(readlink -f "$PERF")" --mem 1024)
fi
[ -z "$ICOUNT" ] || RUN_ARGS+=(--qemu-arg -icount --qemu-arg "shift=$ICOUNT")
if [ "$need_pfw" = 1 ]; then
	RUN_ARGS+=(--module "$MODULE" --bin "$POLYFW")
fi
if [ "$need_tools" = 1 ]; then
	RUN_ARGS+=(--bin "$REPO/build/kmod-bin/mkprog" --bin "$REPO/build/kmod-bin/hostile-nl")
fi
log "booting the guest: $VARIANTS; $ROUNDS rounds of ${WARMUP}+${DURATION}s"
set +e
"${NICE[@]}" "$REPO/scripts/vm-run.sh" "${VERBOSE[@]}" "${RUN_ARGS[@]}" 2>&1 | tee "$BUILD_DIR/run.log"
rc=${PIPESTATUS[0]}
set -e

# 6. The table, with the reference ratios quoted in docs/performance.md.
ref() {
	case "$1" in
	nft-empty) echo 0.95 ;; nft-10) echo 0.90 ;; nft-1000) echo 0.17 ;;
	nft-10000) echo 0.02 ;; nft-set-10000) echo 0.96 ;; pfw-10000) echo "target >= 0.90" ;;
	*) echo "" ;;
	esac
}
if grep -q 'bench: RESULT ' "$BUILD_DIR/run.log"; then
	echo
	echo "Host load average after the run: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cpus)"
	echo
	echo "| variant | rx pps (mean) | ratio to none (median of $ROUNDS) | lowest | highest | reference ratio |"
	echo "|---|---:|---:|---:|---:|---:|"
	grep 'bench: RESULT ' "$BUILD_DIR/run.log" | sed 's/.*bench: RESULT //' | tr -d '\r' |
		while read -r v mean med lo hi; do
			[ "$v" = variant ] && continue
			echo "| $v | $mean | $med | $lo | $hi | $(ref "$v") |"
		done
fi
exit "$rc"
