#!/bin/bash
# polyfw.ko reverse-path tests on the router's forward path: vm sends with
# inet's own prefix as source (spoofed: the route back leaves through
# eth0, not vif0) and with an unrouted source; each mode drops exactly what
# it should (rule 0 counts drops, rule 1 accepts).
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-kmod-lib.inc
. "$(dirname "$0")/t-kmod-lib.inc"
kmod_require
trap topo_down EXIT
topo_up

SPOOF4=192.0.2.50 SPOOF6=2001:db8::50 UNROUTED4=198.51.100.7
in_vm ip addr add "$SPOOF4/32" dev eth0
in_vm ip addr add "$UNROUTED4/32" dev eth0
in_vm ip -6 addr add "$SPOOF6/128" dev eth0 nodad

# send SRC DST: one ping from vm with source SRC (its answer may not come).
send() { in_vm ping -q -n -c 1 -W 1 -I "$1" "$2" >/dev/null 2>&1 || true; }
drops() { packets 0; }

for mode in 1 2 3; do
	load rpf $mode
	pfw counters --zero >/dev/null # the rule keys are the same in every mode
	# Explicit sources: 2001:db8::50 would win source selection for inet.
	in_vm ping -q -n -c 1 -W 2 -I "$VM4" "$INET4" >/dev/null || fail "mode $mode: a normal ping was dropped"
	in_vm ping -q -n -c 1 -W 2 -I "$VM6" "$INET6" >/dev/null || fail "mode $mode: a normal ping6 was dropped"
	[ "$(drops)" = 0 ] || fail "mode $mode: normal traffic counted as drops"
	send "$SPOOF4" "$INET4"
	spoof4=$(drops)
	send "$SPOOF6" "$INET6"
	spoof6=$(($(drops) - spoof4))
	send "$UNROUTED4" "$INET4"
	unrouted=$(($(drops) - spoof4 - spoof6))
	echo "mode $mode: spoofed v4 $spoof4, spoofed v6 $spoof6, unrouted $unrouted dropped"
	case $mode in
	1) want="1 1 1" ;; # verrevpath: the way back is never vif0
	2) want="0 0 1" ;; # versrcreach: only the unrouted source is unreachable
	3) want="1 1 0" ;; # antispoof: inet's connected prefix must come from eth0
	esac
	[ "$spoof4 $spoof6 $unrouted" = "$want" ] || fail "mode $mode: dropped $spoof4 $spoof6 $unrouted, expected $want"
done
echo "kmod rpf: ok"
