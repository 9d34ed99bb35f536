#!/usr/bin/env bash
# The main job: builds polyfw (userspace and kernel module), boots a QEMU
# test VM with Debian's kernel under software emulation, loads polyfw.ko in
# it and shows qvm-firewall rules filtering real traffic between network
# namespaces: what was allowed, what was dropped, what was counted.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${POLYFW_BUILD_DIR:-$REPO/build}
"$REPO/scripts/deps.sh"
"$REPO/scripts/vm-deps.sh"
cmake -S "$REPO" -B "$BUILD/release" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOLYFW_BENCH=OFF >/dev/null
cmake --build "$BUILD/release" -j"$(nproc)" --target polyfw >/dev/null
make -s -C "$REPO/kmod" module >/dev/null
echo "demo: booting the test VM (about a minute under emulation)"
exec "$REPO/scripts/vm-run.sh" --build-dir "$BUILD/vm-demo" --module "$REPO/polyfw.ko" \
	--bin "$BUILD/release/polyfw" --test "$REPO/tests/vm/demo" --cmd "bash /tests/demo.sh"
