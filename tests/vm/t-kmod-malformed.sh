#!/bin/bash
# polyfw.ko fails closed on packets whose headers it cannot walk to the L4
# header: they are dropped and counted as malformed ("drops: N malformed" in
# polyfw show), not evaluated with unknown ports.  rawsend crafts them in
# vm and sends them, in Ethernet frames through an AF_PACKET socket, to the
# router's vif0; the router's program drops tcp dport 22 and accepts the
# rest; nft in inet counts what arrives from vm.
#
#   vm: rawsend -i eth0 ---- router: drop tcp dport 22 ---- inet: nft counters
#                            (forward)                      (prerouting)
#
# 17 IPv6 extension headers (one over the parser's limit), a header running
# past the payload, a TCP header of 8 bytes: malformed, dropped.  Exactly
# 16 extension headers: the ports are seen (dport 22 dropped by the rule,
# dport 80 forwarded).  With accept_malformed=Y, 17 headers are evaluated
# as before (the port unknown: the drop rule misses, the packet goes on).
# Then on vm's own output path (rawsend -R, a raw IP socket; vm loads the
# same program, which has an output entry): a jumbogram-style IPv6 packet
# (payload length 0, the length in a hop-by-hop jumbo option) is parsed by
# that option, so its rule drops it.  An IPv4 header with IHL 3 never
# reaches a hook of the router (its IP layer drops it); on the output path
# it is malformed, when the kernel lets a raw socket send it at all.
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-kmod-lib.inc
. "$(dirname "$0")/t-kmod-lib.inc"
kmod_require
require_cmd rawsend nft

P=/sys/module/polyfw/parameters
[ -w "$P/accept_malformed" ] || fail "polyfw.ko has no module parameter accept_malformed"
saved=$(cat "$P/accept_malformed")
cleanup() {
	echo "$saved" >"$P/accept_malformed" || true
	topo_down
}
trap cleanup EXIT
echo N >"$P/accept_malformed"

# malformed NS: M of the "drops: M malformed, K over budget" line of show.
malformed() {
	local out
	out=$(in_ns "$1" polyfw show | sed -n 's/^ *drops: \([0-9][0-9]*\) malformed, [0-9][0-9]* over budget$/\1/p')
	[ -n "$out" ] || fail "polyfw show in $1 has no 'drops: M malformed, K over budget' line"
	echo "$out"
}
# rule0 NS: the packets of rule 0 (drop tcp dport 22) in NS.
rule0() { in_ns "$1" polyfw counters | awk '$1 == 0 { print $3 }'; }
# arrived 4|6: packets from vm that reached inet's prerouting.
arrived() {
	local m=ip
	[ "$1" = 6 ] && m=ip6
	in_inet nft list chain inet cnt pre |
		sed -n "s/^.*$m saddr [^ ]* counter packets \([0-9]*\) bytes.*$/\1/p"
}

topo_up
N=5
rmac=$(in_router cat /sys/class/net/vif0/address)
prog_file=$(prog drop-tcp 22)
pfw load "$prog_file" >/dev/null
in_inet nft add table inet cnt
in_inet nft add chain inet cnt pre '{ type filter hook prerouting priority -400; }'
in_inet nft add rule inet cnt pre ip6 saddr "$VM6" counter
in_inet nft add rule inet cnt pre ip saddr "$VM4" counter
# Neighbours resolved, so that no packet waits for one.
ping_ok vm "$INET4" 2 || fail "no ping through the router"
ping_ok vm "$INET6" 2 || fail "no ping6 through the router"

# forward NAME MALFORMED RULE ARRIVED FAMILY RAWSEND_ARGS...: send N
# packets from vm through the router; the router's malformed drops and its
# rule 0 must grow by exactly MALFORMED and RULE, and inet must see exactly
# 0 of them (ARRIVED 0) or at least ARRIVED.
forward() {
	local name=$1 wm=$2 wr=$3 wa=$4 fam=$5 m0 r0 a0 dm dr da
	shift 5
	m0=$(malformed router)
	r0=$(rule0 router)
	a0=$(arrived "$fam")
	pretty vm rawsend -c "$N" "$@"
	in_vm rawsend -i eth0 -m "$rmac" -c "$N" "$@"
	sleep 0.5
	dm=$(($(malformed router) - m0))
	dr=$(($(rule0 router) - r0))
	da=$(($(arrived "$fam") - a0))
	echo "    $name: malformed +$dm, rule +$dr, arrived +$da"
	[ "$dm" -eq "$wm" ] || fail "$name: malformed drops grew by $dm, expected $wm"
	[ "$dr" -eq "$wr" ] || fail "$name: the tcp 22 rule counted $dr, expected $wr"
	if [ "$wa" = 0 ]; then
		[ "$da" -eq 0 ] || fail "$name: $da packet(s) reached inet"
	else
		[ "$da" -ge "$wa" ] || fail "$name: $da of $wa packets reached inet"
	fi
}

# Controls: well-formed SYNs (the sending works, the rule holds).
forward "tcp 80" 0 0 "$N" 4 -p 80 "$INET4" tcp
forward "tcp 22" 0 "$N" 0 6 -p 22 "$INET6" tcp
# (a) one extension header over the limit
forward "17 extension headers, tcp 22" "$N" 0 0 6 -n 17 -p 22 "$INET6" ext6
# (b), (c) exactly at the limit: the ports are seen
forward "16 extension headers, tcp 22" 0 "$N" 0 6 -n 16 -p 22 "$INET6" ext6
forward "16 extension headers, tcp 80" 0 0 "$N" 6 -n 16 -p 80 "$INET6" ext6
# (d) a destination-options header running past the payload
forward "truncated chain" "$N" 0 0 6 -p 22 "$INET6" trunc6
# (e) TCP headers of 8 bytes
forward "short TCP header (IPv6)" "$N" 0 0 6 -p 80 "$INET6" short-tcp
forward "short TCP header (IPv4)" "$N" 0 0 4 -p 80 "$INET4" short-tcp
# (f) accept_malformed=Y: evaluated, the port unknown, so not dropped
pretty init "echo Y >$P/accept_malformed"
echo Y >"$P/accept_malformed"
forward "17 extension headers, accept_malformed=Y" 0 0 "$N" 6 -n 17 -p 22 "$INET6" ext6
echo N >"$P/accept_malformed"
pfw show

# vm's own output path.  vm_out NAME MALFORMED RULE RAWSEND_ARGS...
in_vm polyfw load "$prog_file" >/dev/null
vm_out() {
	local name=$1 wm=$2 wr=$3 m0 r0 dm dr
	shift 3
	m0=$(malformed vm)
	r0=$(rule0 vm)
	pretty vm rawsend -R -c "$N" "$@"
	in_vm rawsend -R -c "$N" "$@"
	dm=$(($(malformed vm) - m0))
	dr=$(($(rule0 vm) - r0))
	echo "    $name: malformed +$dm, rule +$dr"
	[ "$dm" -eq "$wm" ] || fail "$name: vm's malformed drops grew by $dm, expected $wm"
	[ "$dr" -eq "$wr" ] || fail "$name: vm's tcp 22 rule counted $dr, expected $wr"
}
vm_out "output: tcp 22" 0 "$N" -p 22 "$INET4" tcp
vm_out "output: IPv6 jumbogram, tcp 22" 0 "$N" -p 22 "$INET6" jumbo6
# An IPv4 header with IHL 3 reaches no hook of a Linux 6.1 router (its IP
# layer drops it first) and raw sockets may refuse to send it (EINVAL).
forward "IPv4 IHL 3 (dropped by the router's IP layer)" 0 0 0 4 -p 22 "$INET4" bad-ihl
pretty vm rawsend -R -c "$N" -p 22 "$INET4" bad-ihl
m0=$(malformed vm)
in_vm rawsend -R -c "$N" -p 22 "$INET4" bad-ihl >"$VM_TMP/ihl" 2>&1 || true
cat "$VM_TMP/ihl"
if grep -q "Invalid argument" "$VM_TMP/ihl"; then
	echo "    output: this kernel's raw sockets refuse IHL 3 (EINVAL): not sent"
	[ "$(malformed vm)" = "$m0" ] || fail "output: IHL 3 refused by the socket, yet counted as malformed"
else
	dm=$(($(malformed vm) - m0))
	echo "    output: IPv4 IHL 3: malformed +$dm"
	[ "$dm" -eq "$N" ] || fail "output: IPv4 IHL 3: vm's malformed drops grew by $dm, expected $N"
fi
in_vm polyfw show
echo "kmod malformed: ok"
