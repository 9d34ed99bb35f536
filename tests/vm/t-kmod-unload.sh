#!/bin/bash
# polyfw.ko unloads cleanly while traffic flows through an active program,
# in two namespaces, with a load transaction left open: no oops, no hang,
# and traffic goes on.  Three rounds of load/unload.
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-kmod-lib.inc
. "$(dirname "$0")/t-kmod-lib.inc"
kmod_require
require_cmd hostile-nl
trap topo_down EXIT
topo_up

a=$(prog accept)
c=$(prog count)
for round in 1 2 3; do
	kmod_load || fail "round $round: module did not load"
	pfw load "$c" >/dev/null
	in_vm polyfw load "$a" >/dev/null
	in_vm ping -q -n -c 600 -i 0.005 "$INET4" >"$VM_TMP/ping" 2>&1 &
	pid=$!
	in_router hostile-nl -b 30 >"$VM_TMP/held" 2>&1 &
	held=$!
	sleep 1
	grep -q "transaction open (0)" "$VM_TMP/held" || fail "round $round: no transaction held open"
	pretty init rmmod polyfw
	timeout 30 rmmod polyfw || fail "round $round: rmmod failed"
	kmod_loaded && fail "round $round: module still loaded"
	wait "$pid" || true
	kill "$held" 2>/dev/null || true
	wait "$held" 2>/dev/null || true
	cat "$VM_TMP/ping"
	grep -q " 600 received" "$VM_TMP/ping" || fail "round $round: pings lost around the unload"
done
dmesg | grep -c "polyfw: unloaded"
kmod_load
echo "kmod unload: ok"
