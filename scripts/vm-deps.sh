#!/bin/bash
# Install what the QEMU end-to-end harness (scripts/vm-run.sh) needs on a
# Debian 12 host: a distribution kernel with matching headers, QEMU, and the
# userspace copied into the guest initramfs. Idempotent: only missing
# packages are installed, non-interactively.
set -euo pipefail

PKGS=(
	linux-image-amd64	# /boot/vmlinuz-$KVER and /lib/modules/$KVER
	linux-headers-amd64	# /lib/modules/$KVER/build, for kmod/
	qemu-system-x86		# qemu-system-x86_64
	busybox-static		# guest /bin/sh and the small tools
	iproute2		# guest ip (netns, veth)
	kmod			# host modprobe --show-depends, depmod -b
	cpio			# initramfs archive
	nftables		# guest nft (comparison benchmark)
	netcat-openbsd		# guest nc with UDP and IPv6
	iputils-ping		# guest ping (IPv4 and IPv6, unprivileged ICMP)
	util-linux		# guest setpriv (run tests as nobody)
	coreutils		# guest timeout
	bash			# guest test interpreter
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "vm-deps: all packages present"
	exit 0
fi

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "vm-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
