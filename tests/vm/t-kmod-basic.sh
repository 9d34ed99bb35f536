#!/bin/bash
# polyfw.ko basics: the module loads, a program loaded into the router
# namespace filters forwarded packets (IPv4 and IPv6), show lists its rules,
# flush restores accept-all, and other namespaces are not affected.
#
#   vm ---- router (polyfw program on forward) ---- inet
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-kmod-lib.inc
. "$(dirname "$0")/t-kmod-lib.inc"
kmod_require
trap topo_down EXIT
topo_up

pfw show | grep -q "no program loaded" || fail "a fresh namespace has a program"
serve inet udp 9
serve inet udp 5353
serve inet tcp 8080

load accept
pfw show | tee "$VM_TMP/show"
grep -q "mkprog:default" "$VM_TMP/show" || fail "show lacks the rule location"
udp_deliver vm inet "$INET4" 9 || fail "accept: UDP 9 not delivered"
tcp_deliver vm inet "$INET6" 8080 || fail "accept: TCP over IPv6 not delivered"

load drop-udp 9
for addr in "$INET4" "$INET6"; do
	pretty vm udp "$addr" 9
	if udp_deliver vm inet "$addr" 9; then fail "UDP to $addr:9 went through"; fi
	udp_deliver vm inet "$addr" 5353 || fail "UDP to $addr:5353 not delivered"
	tcp_deliver vm inet "$addr" 8080 || fail "TCP to $addr:8080 not delivered"
done
[ "$(packets 0)" -ge 2 ] || fail "the drop rule counted $(packets 0) packets"
ping_ok vm "$INET4" || fail "ping through the router failed"

# The program is the router's alone.
in_vm polyfw show | grep -q "no program loaded" || fail "the vm namespace sees the router's program"
polyfw show | grep -q "no program loaded" || fail "the initial namespace sees the router's program"

pfw flush
pfw show | grep -q "no program loaded" || fail "flush left a program"
udp_deliver vm inet "$INET4" 9 || fail "after flush: UDP 9 not delivered"
echo "kmod basic: ok"
