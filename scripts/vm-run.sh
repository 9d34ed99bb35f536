#!/bin/bash
# Run the QEMU end-to-end tests: build the initramfs, boot the distribution
# kernel in QEMU (TCG, no KVM) with tests/vm/init as PID 1, and report the
# verdicts the guest wrote on its second serial port. See tests/vm/README.md.
#
# Usage: scripts/vm-run.sh [options] [builder options]
#   -v, --verbose        show the guest console while it runs
#   --timeout SECS       limit for the whole run (default 900, or $VM_TIMEOUT)
#   --test-timeout SECS  limit for each test in the guest (default 300)
#   --only A,B           run only the tests A.sh and B.sh
#   --cmd STRING         run STRING in the guest (bash) instead of the tests
#                        and print its output
#   --smp N              vCPUs (default 1)
#   --mem MB             guest memory (default 512)
#   --append ARGS        more kernel command line
#   --qemu-arg ARG       one more QEMU argument (repeatable; e.g. -cpu qemu64)
#   --kver KVER          kernel release (default: newest with headers and
#                        a /boot/vmlinuz-*)
#   --build-dir DIR      default build/vm (or $VM_BUILD_DIR)
# Builder options, passed on to scripts/vm-build-initramfs.sh:
#   --module PATH.ko  --bin PATH  --test DIR  --kmod NAME
# Exit status 0 only if no test failed, the guest finished (wrote "done")
# and its dmesg was clean.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${VM_BUILD_DIR:-$REPO/build/vm}
TIMEOUT=${VM_TIMEOUT:-900}
TEST_TIMEOUT=300
VERBOSE=0
ONLY=
CMD=
SMP=1
MEM=512
APPEND=
KVER=
BUILDER_ARGS=()
EXTRA_QEMU_ARGS=()

die() { echo "vm-run: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case "$1" in
	-v|--verbose) VERBOSE=1; shift ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--test-timeout) TEST_TIMEOUT=$2; shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	--cmd) CMD=$2; shift 2 ;;
	--smp) SMP=$2; shift 2 ;;
	--mem) MEM=$2; shift 2 ;;
	--append) APPEND=$2; shift 2 ;;
	--qemu-arg) EXTRA_QEMU_ARGS+=("$2"); shift 2 ;;
	--kver) KVER=$2; shift 2 ;;
	--build-dir) BUILD_DIR=$2; shift 2 ;;
	--module|--bin|--test|--kmod) BUILDER_ARGS+=("$1" "$2"); shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option: $1 (see --help)" ;;
	esac
done

default_kver() {
	local d k best=
	for d in /lib/modules/*/build; do
		[ -e "$d" ] || continue
		k=${d#/lib/modules/}
		k=${k%/build}
		[ -e "/boot/vmlinuz-$k" ] || continue
		best=$(printf '%s\n%s\n' "$best" "$k" | sed '/^$/d' | sort -V | tail -n1)
	done
	echo "$best"
}
[ -n "$KVER" ] || KVER=$(default_kver)
[ -n "$KVER" ] || die "no kernel with both /lib/modules/*/build and /boot/vmlinuz-* (run scripts/vm-deps.sh)"
KERNEL=/boot/vmlinuz-$KVER
[ -r "$KERNEL" ] || die "$KERNEL is not readable (Debian makes it root-only)"
QEMU=$(command -v qemu-system-x86_64) || die "no qemu-system-x86_64 (run scripts/vm-deps.sh)"

mkdir -p "$BUILD_DIR"
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
# One run per build directory at a time (use --build-dir for parallel runs).
exec 9>"$BUILD_DIR/.lock"
flock -n 9 || die "another vm-run is using $BUILD_DIR (try --build-dir)"
[ -z "$CMD" ] || BUILDER_ARGS+=(--cmd "$CMD")
"$REPO/scripts/vm-build-initramfs.sh" --build-dir "$BUILD_DIR" --kver "$KVER" "${BUILDER_ARGS[@]}"

RESULT=$BUILD_DIR/result
CONSOLE=$BUILD_DIR/console.log
rm -f "$RESULT" "$CONSOLE"
: >"$RESULT"

CMDLINE="console=ttyS0 panic=-1 panic_on_warn=1 oops=panic loglevel=5 vm.timeout=$TEST_TIMEOUT"
# Hang detectors, reported in dmesg (which tests/vm/init checks) rather than
# panicking: a soft lockup after 2 * 5 s without a schedule, an RCU stall
# after 15 s (the hung-task limit is set by init). The NMI (hard lockup)
# watchdog is off: under TCG it would only measure stalls of the host.
CMDLINE+=" watchdog_thresh=5 softlockup_panic=0 nmi_watchdog=0 rcupdate.rcu_cpu_stall_timeout=15"
[ -z "$ONLY" ] || CMDLINE+=" vm.only=$ONLY"
[ -z "$APPEND" ] || CMDLINE+=" $APPEND"

QEMU_ARGS=(
	-accel tcg -nodefaults -nographic -no-reboot
	-machine pc -cpu max -smp "$SMP" -m "$MEM"
	-kernel "$KERNEL" -initrd "$BUILD_DIR/initramfs.cpio.gz" -append "$CMDLINE"
	-serial stdio              # ttyS0: console
	-serial "file:$RESULT"     # ttyS1: verdicts
	-monitor none
	"${EXTRA_QEMU_ARGS[@]}"
)

echo "vm-run: booting $KVER (tcg, $SMP cpu, ${MEM}M), console in $CONSOLE"
start=$(date +%s)
set +e
if [ "$VERBOSE" = 1 ]; then
	timeout --foreground -k 10 "$TIMEOUT" "$QEMU" "${QEMU_ARGS[@]}" </dev/null 2>&1 | tee "$CONSOLE"
	qrc=${PIPESTATUS[0]}
else
	timeout --foreground -k 10 "$TIMEOUT" "$QEMU" "${QEMU_ARGS[@]}" </dev/null >"$CONSOLE" 2>&1
	qrc=$?
fi
set -e
elapsed=$(($(date +%s) - start))
[ "$qrc" -ne 124 ] || echo "vm-run: killed after the ${TIMEOUT}s limit"

# Verdicts.
npass=0 nfail=0 nskip=0 done=0 dmesg_ok=0 last=
show_attached=0
while IFS= read -r line; do
	line=${line%$'\r'}
	case "$line" in
	"ok "*) last=${line#ok }; echo "PASS: $last"; npass=$((npass + 1))
		[ "$last" != dmesg ] || dmesg_ok=1
		show_attached=0; [ "$last" != cmd ] || show_attached=1 ;;
	"fail "*) last=${line#fail }; echo "FAIL: $last"; nfail=$((nfail + 1))
		show_attached=1; [ "$last" != dmesg ] || show_attached=0 ;;
	"skip "*) last=${line#skip }; echo "SKIP: $last"; nskip=$((nskip + 1)); show_attached=0 ;;
	done) done=1 ;;
	"|"*) [ "$show_attached" = 0 ] || printf '    %s\n' "${line#| }" ;;
	esac
done <"$RESULT"

if [ "$done" = 0 ]; then
	echo "FAIL: vm-incomplete (qemu exit $qrc after ${elapsed}s; no 'done' from the guest)"
	nfail=$((nfail + 1))
	echo "--- last 80 lines of $CONSOLE ---"
	tail -n 80 "$CONSOLE" | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g'
	echo "--- end of console ---"
elif [ "$nfail" -gt 0 ]; then
	# The guest dumped its dmesg on the console. Show it from the start of
	# init on, or all of it if the kernel itself complained.
	sed -n '/^=== dmesg/,/^=== end dmesg/p' "$CONSOLE" | tr -d '\r' | sed '1d;$d' >"$BUILD_DIR/dmesg.txt"
	if [ "$dmesg_ok" = 1 ] && grep -q 'Run /init as init process' "$BUILD_DIR/dmesg.txt"; then
		echo "--- guest dmesg since init (all of it in $BUILD_DIR/dmesg.txt) ---"
		sed -n '/Run \/init as init process/,$p' "$BUILD_DIR/dmesg.txt"
	else
		echo "--- guest dmesg ---"
		cat "$BUILD_DIR/dmesg.txt"
	fi
	echo "--- end of dmesg ---"
fi

summary="vm: $npass passed, $nfail failed"
[ "$nskip" = 0 ] || summary+=", $nskip skipped"
echo "vm-run: ${elapsed}s"
echo "$summary"
[ "$nfail" = 0 ] && [ "$done" = 1 ] && [ "$dmesg_ok" = 1 ]
