#!/bin/bash
# Build the initramfs for the QEMU end-to-end tests (see tests/vm/README.md).
#
# The guest is a distribution kernel (/boot/vmlinuz-$KVER) booted straight
# into this initramfs: static busybox for the shell and small tools, the real
# iproute2/nftables/netcat/ping/bash binaries with their shared libraries, the
# netfilter modules the tests need (loaded at boot by tests/vm/init, in
# dependency order), the test scripts in /tests, and optionally the module and
# tools under test.
#
# Usage: scripts/vm-build-initramfs.sh [options]
#   --build-dir DIR   output directory (default build/vm, or $VM_BUILD_DIR)
#   --kver KVER       kernel release (default: newest /lib/modules/*/build
#                     that has a matching /boot/vmlinuz-*)
#   --module PATH.ko  extra module, installed as /lib/modules/$KVER/extra/
#                     (not loaded at boot; tests insmod/modprobe it); repeatable
#   --kmod NAME       extra in-tree module to load at boot, with its
#                     dependencies; repeatable
#   --bin PATH        extra binary (with its shared libraries), installed in
#                     /usr/bin; repeatable
#   --test DIR        test directory, its files copied to /tests; repeatable
#                     (default: tests/vm)
#   --cmd STRING      shell command the guest runs instead of /tests/*.sh
# Output: $BUILD_DIR/initramfs.cpio.gz (staging tree in $BUILD_DIR/root).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${VM_BUILD_DIR:-$REPO/build/vm}
KVER=
EXTRA_MODULES=()
EXTRA_KMODS=()
EXTRA_BINS=()
TEST_DIRS=()
CMD=

# Loaded at boot, in this order (each after its own dependencies). Names
# that this kernel lacks or has built in are skipped.
BOOT_KMODS=(
	veth dummy
	nf_conntrack nf_conntrack_ipv6 nf_defrag_ipv4 nf_defrag_ipv6
	nf_nat nf_reject_ipv4 nf_reject_ipv6 nf_log_syslog
	nfnetlink nfnetlink_queue nfnetlink_log nf_conntrack_netlink
	nf_tables nft_ct nft_chain_nat nft_nat nft_masq nft_redir
	nft_reject nft_reject_inet nft_limit nft_log nft_queue nft_fib_inet
	ipv6
)

# Real binaries installed instead of busybox applets, all required:
# destination -> source (the first of these that exists). Busybox's ash runs its own applets before
# searching PATH, so tests run under bash (see tests/vm/README.md).
REAL_BINS=(
	"/usr/sbin/ip:/usr/sbin/ip /sbin/ip /bin/ip"
	"/usr/sbin/nft:/usr/sbin/nft"
	"/usr/bin/nc:/usr/bin/nc.openbsd /bin/nc.openbsd"
	"/usr/bin/ping:/usr/bin/ping /bin/ping"
	"/usr/bin/bash:/usr/bin/bash /bin/bash"
	"/usr/bin/timeout:/usr/bin/timeout /bin/timeout"
	"/usr/bin/setpriv:/usr/bin/setpriv /bin/setpriv"
)

die() { echo "vm-build-initramfs: $*" >&2; exit 1; }
log() { echo "vm-build-initramfs: $*" >&2; }

default_kver() {
	local d k best=
	for d in /lib/modules/*/build; do
		[ -e "$d" ] || continue
		k=${d#/lib/modules/}
		k=${k%/build}
		[ -r "/boot/vmlinuz-$k" ] || [ -e "/boot/vmlinuz-$k" ] || continue
		best=$(printf '%s\n%s\n' "$best" "$k" | sed '/^$/d' | sort -V | tail -n1)
	done
	[ -n "$best" ] || die "no kernel with both /lib/modules/*/build and /boot/vmlinuz-* (run scripts/vm-deps.sh)"
	echo "$best"
}

while [ $# -gt 0 ]; do
	case "$1" in
	--build-dir) BUILD_DIR=$2; shift 2 ;;
	--kver) KVER=$2; shift 2 ;;
	--module) EXTRA_MODULES+=("$2"); shift 2 ;;
	--kmod) EXTRA_KMODS+=("$2"); shift 2 ;;
	--bin) EXTRA_BINS+=("$2"); shift 2 ;;
	--test) TEST_DIRS+=("$2"); shift 2 ;;
	--cmd) CMD=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option: $1" ;;
	esac
done

[ -n "$KVER" ] || KVER=$(default_kver)
MODDIR=/lib/modules/$KVER
[ -d "$MODDIR/kernel" ] || die "no modules for $KVER in $MODDIR"
[ ${#TEST_DIRS[@]} -gt 0 ] || TEST_DIRS=("$REPO/tests/vm")
for t in cpio gzip modprobe ldd busybox; do
	command -v "$t" >/dev/null || die "missing '$t' (run scripts/vm-deps.sh)"
done
BUSYBOX=$(command -v busybox)
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "$BUSYBOX is not static (install busybox-static)"
fi

mkdir -p "$BUILD_DIR"
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
ROOT=$BUILD_DIR/root
rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,sbin,etc,dev,proc,sys,run,tmp,root,tests,var,usr/bin,usr/sbin,lib64} \
	"$ROOT$MODDIR/extra"
chmod 1777 "$ROOT/tmp"
ln -s ../run "$ROOT/var/run"

# Copy the shared libraries (and the loader) a dynamic binary needs, at the
# paths ldd reports.
copy_libs() {
	local bin=$1 line lib
	ldd "$bin" >/dev/null 2>&1 || return 0 # static
	while read -r line; do
		case "$line" in
		*"not found"*) die "$bin: missing library: $line" ;;
		*"=> /"*) lib=${line#*=> }; lib=${lib%% (*} ;;
		/*) lib=${line%% (*} ;;
		*) continue ;;
		esac
		[ -e "$ROOT$lib" ] && continue
		mkdir -p "$ROOT$(dirname "$lib")"
		cp -L "$lib" "$ROOT$lib"
	done < <(ldd "$bin")
}

install_bin() { # SRC DEST
	mkdir -p "$ROOT$(dirname "$2")"
	cp -L "$1" "$ROOT$2"
	chmod 755 "$ROOT$2"
	copy_libs "$1"
}

# Real binaries.
for spec in "${REAL_BINS[@]}"; do
	dest=${spec%%:*}
	found=
	for src in ${spec#*:}; do
		if [ -x "$src" ]; then found=$src; break; fi
	done
	[ -n "$found" ] || die "no ${spec#*:} on this host (run scripts/vm-deps.sh)"
	install_bin "$found" "$dest"
done
ln -s ../usr/bin/bash "$ROOT/bin/bash"

# Busybox, with a link for every applet that no real binary replaces.
cp "$BUSYBOX" "$ROOT/bin/busybox"
for applet in $("$BUSYBOX" --list); do
	if [ -e "$ROOT/usr/bin/$applet" ] || [ -e "$ROOT/usr/sbin/$applet" ] ||
		[ -e "$ROOT/bin/$applet" ]; then
		continue
	fi
	ln -s busybox "$ROOT/bin/$applet"
done
ln -s ../bin/busybox "$ROOT/sbin/modprobe" # the kernel's request_module() helper
ln -s ../bin/busybox "$ROOT/usr/bin/env"   # for #!/usr/bin/env scripts

for b in "${EXTRA_BINS[@]}"; do
	[ -f "$b" ] || die "--bin $b: no such file"
	install_bin "$b" "/usr/bin/$(basename "$b")"
done

# Kernel modules: resolve each name with its dependencies, in load order.
: > "$ROOT/etc/vm-modules"
declare -A seen=()
builtin_mods=() missing_mods=()
for m in "${BOOT_KMODS[@]}" "${EXTRA_KMODS[@]}"; do
	if ! out=$(modprobe -S "$KVER" --show-depends "$m" 2>/dev/null); then
		missing_mods+=("$m")
		continue
	fi
	while read -r kind path opts; do
		case "$kind" in
		builtin) builtin_mods+=("$path"); continue ;;
		insmod) ;;
		*) continue ;;
		esac
		[ -n "${seen[$path]:-}" ] && continue
		seen[$path]=1
		rel=${path#/lib/modules/"$KVER"/}
		dst=$ROOT$MODDIR/$rel
		mkdir -p "$(dirname "$dst")"
		case "$path" in
		*.ko.xz) dst=${dst%.xz}; xz -dc "$path" > "$dst" ;;
		*.ko.zst) dst=${dst%.zst}; zstd -qdc "$path" > "$dst" ;;
		*.ko.gz) dst=${dst%.gz}; gzip -dc "$path" > "$dst" ;;
		*) cp "$path" "$dst" ;;
		esac
		echo "${dst#"$ROOT"} $opts" >> "$ROOT/etc/vm-modules"
	done <<< "$out"
done
[ ${#builtin_mods[@]} -eq 0 ] || log "built into $KVER: ${builtin_mods[*]}"
[ ${#missing_mods[@]} -eq 0 ] || log "not in $KVER (skipped): ${missing_mods[*]}"

for ko in "${EXTRA_MODULES[@]}"; do
	[ -f "$ko" ] || die "--module $ko: no such file"
	cp "$ko" "$ROOT$MODDIR/extra/"
done

# modules.dep & co. for the subset, so guest modprobe (and the kernel's
# module autoloading through it) works.
for f in modules.builtin modules.builtin.modinfo modules.order; do
	[ -e "$MODDIR/$f" ] && cp "$MODDIR/$f" "$ROOT$MODDIR/"
done
if command -v depmod >/dev/null; then
	depmod -b "$ROOT" "$KVER" 2>&1 | sed 's/^/vm-build-initramfs: depmod: /' >&2 || true
fi

# Tests: lib.sh from tests/vm first, so other directories can source it.
cp "$REPO/tests/vm/lib.sh" "$ROOT/tests/lib.sh"
for d in "${TEST_DIRS[@]}"; do
	[ -d "$d" ] || die "--test $d: no such directory"
	cp -R "$d"/. "$ROOT/tests/"
done
rm -f "$ROOT/tests/init" "$ROOT/tests/README.md"
cp "$REPO/tests/vm/init" "$ROOT/init"
chmod 755 "$ROOT/init" "$ROOT"/tests/*.sh 2>/dev/null || true
if [ -n "$CMD" ]; then
	printf '%s\n' "$CMD" > "$ROOT/etc/vm-cmd"
fi

# /etc
cat > "$ROOT/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat > "$ROOT/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
echo "hosts: files" > "$ROOT/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$ROOT/etc/hosts"
for f in /etc/protocols /etc/services; do
	[ -e "$f" ] && cp "$f" "$ROOT$f"
done
echo "$KVER" > "$ROOT/etc/vm-kver"

# Archive. A hand-made newc header adds /dev/console (no mknod, so no root
# needed); GNU cpio writes the rest with every file owned by root.
newc() { # NAME MODE RDEVMAJOR RDEVMINOR (an empty file or node)
	local name=$1 hdr
	hdr=$(printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		0 "$2" 0 0 1 0 0 0 0 "$3" "$4" $((${#name} + 1)) 0)
	printf '%s%s\0' "$hdr" "$name"
	# header (110) + name + NUL, padded to a multiple of 4
	printf '%*s' $(((4 - (110 + ${#name} + 1) % 4) % 4)) '' | tr ' ' '\0'
}
OUT=$BUILD_DIR/initramfs.cpio.gz
{
	newc dev $((0040755)) 0 0
	newc dev/console $((0020600)) 5 1
	newc TRAILER!!! 0 0 0
	(cd "$ROOT" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet)
} | gzip -1 > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
log "$OUT ($(du -k "$OUT" | cut -f1) KiB, kernel $KVER, $(wc -l < "$ROOT/etc/vm-modules") modules)"
