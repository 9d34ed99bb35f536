#!/bin/bash
# Smoke test of the harness itself (no polyfw): the three-namespace topology
# of lib.sh forwards IPv4 and IPv6, TCP and UDP, from vm to inet and back,
# for root and for nobody. (nft.sh checks nftables.)
#
#   netns vm                 netns router                 netns inet
#  +--------------+  veth   +--------------------+  veth  +---------------+
#  | eth0         |---------| vif0          eth0 |--------| eth0          |
#  | 10.137.0.2   |         | 10.137.0.1         |        | 192.0.2.2, .3 |
#  | fd00:137::2  |         | fd00:137::1        |        | 2001:db8::2,:3|
#  +--------------+         |   192.0.2.1        |        +---------------+
#                           |   2001:db8::1      |
#                           |   ip_forward=1     |
#                           +--------------------+
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

trap topo_down EXIT
topo_up

for addr in "$ROUTER_VM4" "$ROUTER_VM6" "$INET4" "$INET4_B" "$INET6" "$INET6_B"; do
	pretty vm ping "$addr"
	ping_ok vm "$addr" || fail "vm cannot ping $addr"
done
pretty inet ping "$VM4" "$VM6"
ping_ok inet "$VM4" || fail "inet cannot ping $VM4"
ping_ok inet "$VM6" || fail "inet cannot ping $VM6"

# The forwarded path really goes through the router.
pretty router ip -s link show vif0
rx=$(in_router cat /sys/class/net/vif0/statistics/rx_packets)
[ "$rx" -gt 0 ] || fail "router vif0 saw no packets"

serve inet tcp 8080
serve inet udp 5353
for addr in "$INET4" "$INET6"; do
	pretty vm tcp "$addr" 8080
	tcp_deliver vm inet "$addr" 8080 || fail "TCP to $addr:8080 not delivered"
	pretty vm udp "$addr" 5353
	udp_deliver vm inet "$addr" 5353 || fail "UDP to $addr:5353 not delivered"
done
st=$(tcp_connect vm "$INET4" 9 || true)
[ "$st" = refused ] || fail "closed port: expected refused, got $st"

# Unprivileged user: TCP connect and unprivileged ICMP echo (ping sockets).
pretty vm nobody tcp "$INET6" 8080
in_vm "${NOBODY[@]}" id -u | grep -qx 65534 || fail "setpriv did not switch to nobody"
in_vm "${NOBODY[@]}" nc -nz -w 2 "$INET6" 8080 || fail "nobody cannot connect to $INET6:8080"
sysctl_set vm "net.ipv4.ping_group_range=0 2147483647"
in_vm "${NOBODY[@]}" ping -q -n -c 1 -W 2 "$INET4" >/dev/null || fail "nobody cannot ping $INET4"

echo "smoke: ok"
