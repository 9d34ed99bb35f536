#!/bin/bash
# polyfw.ko counters: rules count packets, bytes and the last match; the
# counts of a rule survive a reload that keeps its key, even when its index
# moves; --zero resets them.
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-kmod-lib.inc
. "$(dirname "$0")/t-kmod-lib.inc"
kmod_require
trap topo_down EXIT
topo_up

serve inet tcp 8080
serve inet udp 5353
load count
for i in 1 2 3; do tcp_deliver vm inet "$INET4" 8080 || fail "TCP $i not delivered"; done
for i in 1 2; do udp_deliver vm inet "$INET6" 5353 || fail "UDP $i not delivered"; done
in_vm ping -q -n -c 4 -i 0.2 "$INET4" >/dev/null || fail "ping failed"
pfw show | tee "$VM_TMP/show1"
tcp=$(key_packets 400) udp=$(key_packets 401) icmp=$(key_packets 402)
[ "$tcp" -ge 9 ] || fail "tcp rule counted $tcp packets (3 connections)"
[ "$udp" -ge 2 ] || fail "udp rule counted $udp"
[ "$icmp" -eq 8 ] || fail "icmp rule counted $icmp, expected 8"
grep "mkprog:count-tcp" "$VM_TMP/show1" | grep -q "T.*Z" || fail "no last-seen time for the tcp rule"
bytes=$(pfw counters | awk '$2 == 402 { print $4 }')
[ "$bytes" -eq $((8 * 84)) ] || fail "icmp rule counted $bytes bytes, expected $((8 * 84))"

# Two rules in front: every index moves, the keys stay.
load count 2
pfw show | tee "$VM_TMP/show2"
[ "$(pfw counters | awk '$2 == 400 { print $1 }')" = 2 ] || fail "the tcp rule did not move to index 2"
[ "$(key_packets 400)" -eq "$tcp" ] || fail "tcp count $(key_packets 400) after reload, was $tcp"
[ "$(key_packets 401)" -eq "$udp" ] || fail "udp count changed over the reload"
[ "$(key_packets 402)" -eq "$icmp" ] || fail "icmp count changed over the reload"
[ "$(key_packets 900)" -eq 0 ] || fail "a new rule starts at $(key_packets 900)"
in_vm ping -q -n -c 1 "$INET4" >/dev/null || fail "ping failed"
[ "$(key_packets 402)" -eq $((icmp + 2)) ] || fail "icmp count $(key_packets 402) after one more ping"

pfw counters --zero | tail -n 1
for k in 400 401 402 403; do
	[ "$(key_packets $k)" -eq 0 ] || fail "key $k is $(key_packets $k) after --zero"
done
pfw counters | awk '$2 == 402 { exit $5 != "-" }' || fail "last-seen survived --zero"
in_vm ping -q -n -c 1 "$INET4" >/dev/null || fail "ping failed"
[ "$(key_packets 402)" -eq 2 ] || fail "icmp count $(key_packets 402) after zero and one ping"
load count
[ "$(key_packets 402)" -eq 2 ] || fail "zeroed count not carried over"
echo "kmod counters: ok"
