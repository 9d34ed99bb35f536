#!/bin/bash
# polyfw.ko reject: the router answers for inet with a TCP reset, an ICMP
# admin-prohibited (IPv4) / no-route (IPv6) unreachable, or an ICMP port
# unreachable, although inet listens on those ports.
#
#   vm ---- router (reject program on forward) ---- inet (listening)
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-kmod-lib.inc
. "$(dirname "$0")/t-kmod-lib.inc"
kmod_require
trap topo_down EXIT
topo_up

serve inet tcp 7000
serve inet tcp 7001
serve inet tcp 8080
expect_tcp open vm "$INET4" 7000
load reject 7000

for addr in "$INET4" "$INET6"; do
	pretty vm tcp "$addr" 7000 7001
	expect_tcp refused vm "$addr" 7000
	expect_tcp unreachable vm "$addr" 7001
	tcp_deliver vm inet "$addr" 8080 || fail "TCP to $addr:8080 not delivered"
done
pretty vm ping "$INET4"
out=$(in_vm ping -n -c 1 -W 2 "$INET4" 2>&1 || true)
echo "$out"
echo "$out" | grep -qi "port unreachable" || fail "ping: no ICMP port unreachable from the router"

pfw show
[ "$(packets 0)" -ge 2 ] || fail "reset rule counted $(packets 0)"
[ "$(packets 1)" -ge 1 ] || fail "ICMP rule counted $(packets 1)"
[ "$(packets 2)" -ge 1 ] || fail "ICMPv6 rule counted $(packets 2)"
[ "$(packets 3)" -ge 1 ] || fail "echo rule counted $(packets 3)"
echo "kmod reject: ok"
