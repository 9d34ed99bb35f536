#!/bin/bash
# qvm-firewall filters what a VM sends, with real packets: matches on host,
# CIDR, IPv6, protocol, port and port range, ICMP type; first match wins; the
# default drop.  Every packet is checked three ways: the traffic itself, the
# counter of the rule that decided it (polyfw show), and polyfw trace of the
# program file, which must agree with the kernel.
#
#   netns vm                 netns router                       netns inet
#  +--------------+  veth   +------------------------------+  veth  +----------------+
#  | eth0         |---------| vif0 (VM "work")        eth0 |--------| eth0           |
#  | 10.137.0.2   |         | qvm-firewall work ...        |        | 192.0.2.2, .3  |
#  | fd00:137::2  |         | polyfw program on FORWARD    |        | 2001:db8::2,::3|
#  +--------------+         +------------------------------+        +----------------+
#
# vms.conf: "work vif0".
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-qvm-lib.inc
. "$(dirname "$0")/t-qvm-lib.inc"
qvm_require
trap qvm_cleanup EXIT
topo_up
echo "work vif0" >"$POLYFW_VMS_CONF"

serve inet tcp 8080
for p in 5000 5005 5010 5011 4999 5353; do serve inet udp $p; done

# No state yet: Qubes' default, one rule accepting everything.  Nothing is
# loaded until a command builds the program.
pfwt show | grep -q "no program loaded" || fail "a program before any qvm-firewall"
qvm -r work list
probe accept qvm:work:0 vm ping "$INET4"
probe accept qvm:work:0 vm udp "$INET6" 5353

# Without rules: only the default drop (and replies).
qvm work del --rule-no=0
expect_in_force work 0
probe drop qvm:work:default vm ping "$INET4"
probe drop qvm:work:default vm tcp "$INET4" 8080
probe drop qvm:work:default vm udp "$INET6" 5353

qvm work add accept 192.0.2.2 tcp 8080                                         # 0 host, port
qvm work add action=accept dsthost=192.0.2.0/24 proto=udp dstports=5000-5010  # 1 CIDR, range
qvm work add accept dsthost=2001:db8::3 proto=tcp                              # 2 IPv6 host
qvm work add drop proto=icmp dsthost=192.0.2.3 icmptype=8                      # 3 ICMP type
qvm work add accept proto=icmp                                                 # 4 ICMP + ICMPv6
qvm work add accept dsthost=2001:db8::/64 proto=udp dstports=5353              # 5 IPv6 CIDR
qvm work add drop proto=udp                                                    # 6
qvm work add accept 192.0.2.3                                                  # 7 any protocol
raw_rules work >"$VM_TMP/raw"
cat "$VM_TMP/raw"
diff -u - "$VM_TMP/raw" <<-EOF || fail "list --raw"
	action=accept proto=tcp dst4=192.0.2.2/32 dstports=8080-8080
	action=accept proto=udp dst4=192.0.2.0/24 dstports=5000-5010
	action=accept proto=tcp dst6=2001:db8::3/128
	action=drop proto=icmp dst4=192.0.2.3/32 icmptype=8
	action=accept proto=icmp
	action=accept proto=udp dst6=2001:db8::/64 dstports=5353-5353
	action=drop proto=udp
	action=accept dst4=192.0.2.3/32
EOF
expect_in_force work 8
cat "$VM_TMP/snap"

# host and port
probe accept qvm:work:0 vm tcp "$INET4" 8080
probe drop qvm:work:default vm tcp "$INET4" 8081
probe drop qvm:work:default vm tcp "$INET6" 8080
# CIDR and range, both ends; outside the range the udp drop decides
probe accept qvm:work:1 vm udp "$INET4_B" 5005
probe accept qvm:work:1 vm udp "$INET4" 5000
probe accept qvm:work:1 vm udp "$INET4" 5010
probe drop qvm:work:6 vm udp "$INET4" 5011
probe drop qvm:work:6 vm udp "$INET4_B" 4999 # rule 7 would accept: first match wins
# IPv6: a host, any port (9 is closed: refused, so the SYN passed)
probe accept qvm:work:2 vm tcp "$INET6_B" 9
probe accept qvm:work:5 vm udp "$INET6" 5353
probe drop qvm:work:6 vm udp "$INET6_B" 5005 # rule 1 is IPv4 only
# ICMP: echo to .3 dropped by type, everything else accepted, ICMPv6 too
probe drop qvm:work:3 vm ping "$INET4_B"
probe accept qvm:work:4 vm ping "$INET4"
probe accept qvm:work:4 vm ping "$INET6_B"
# a host with no protocol
probe accept qvm:work:7 vm tcp "$INET4_B" 8080
probes_check
# polyfw counters says the same as polyfw show, rule by rule.
pfwt show | awk '$1 ~ /^[0-9]+$/ { print $1, $3, $4 }' >"$VM_TMP/c1"
pfwt counters | awk 'NR > 1 { print $1, $3, $4 }' >"$VM_TMP/c2"
cmp "$VM_TMP/c1" "$VM_TMP/c2" || fail "polyfw counters and polyfw show disagree"
[ "$(awk '$1 == 1 { print $2 }' "$VM_TMP/c2")" -ge 1 ] || fail "polyfw counters: nothing on rule 1"

# The traffic that got through really arrived.
[ "$(grep -c . "$(served inet udp 5005)")" = 1 ] || fail "udp 5005 got $(cat "$(served inet udp 5005)")"
[ ! -s "$(served inet udp 5011)" ] || fail "udp 5011 received something"
echo "qvm filter: ok"
