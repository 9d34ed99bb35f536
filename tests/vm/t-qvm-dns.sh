#!/bin/bash
# qvm-firewall specialtarget=dns and host names, with real packets: the
# nameservers of resolv.conf (POLYFW_RESOLV_CONF, IPv4 and IPv6) on UDP and
# TCP port 53 and nothing else; narrowed by proto and dsthost; never matching
# when nothing is left or resolv.conf has no server; a changed resolv.conf
# takes effect with --reload.  dsthost=NAME resolves (here through the router
# namespace's /etc/hosts) to all its addresses; a name that stops resolving
# blocks every change but its own deletion, and changes nothing in force.
#
#   netns vm                 netns router                       netns inet
#  +--------------+  veth   +------------------------------+  veth  +-----------------+
#  | eth0         |---------| vif0 (VM "work")        eth0 |--------| eth0            |
#  | 10.137.0.2   |         | qvm-firewall work ...        |        | 192.0.2.2, .3   |
#  | fd00:137::2  |         | /etc/netns/router/hosts:     |        | 2001:db8::2, ::3|
#  +--------------+         |   inet-b = .3, ::3           |        | udp+tcp 53, 54  |
#                           +------------------------------+        +-----------------+
# resolv.conf: nameserver 192.0.2.3, nameserver 2001:db8::3
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-qvm-lib.inc
. "$(dirname "$0")/t-qvm-lib.inc"
qvm_require
trap qvm_cleanup EXIT
topo_up
echo "work vif0" >"$POLYFW_VMS_CONF"
printf 'search example.org\nnameserver 192.0.2.3\nnameserver 2001:db8::3\noptions ndots:1\n' \
	>"$POLYFW_RESOLV_CONF"
serve inet udp 53
serve inet tcp 53
serve inet udp 54
serve inet tcp 8080

qvm work del --rule-no=0
qvm work add accept specialtarget=dns
in_router qvm-firewall work list | grep -q '^0   accept  -     -         -        dns ' || fail "list: no dns"
probe accept qvm:work:0 vm udp "$INET4_B" 53
probe accept qvm:work:0 vm tcp "$INET4_B" 53
probe accept qvm:work:0 vm udp "$INET6_B" 53
probe accept qvm:work:0 vm tcp "$INET6_B" 53
probe drop qvm:work:default vm udp "$INET4" 53 # not a nameserver
probe drop qvm:work:default vm udp "$INET4_B" 54

# Narrowed by the other matches.
qvm work del specialtarget=dns action=accept
qvm work add accept specialtarget=dns proto=udp                         # 0
qvm work add accept specialtarget=dns dsthost=192.0.2.0/24 proto=tcp    # 1: IPv4 server only
qvm work add accept specialtarget=dns proto=icmp                        # 2: never matches
qvm work add accept specialtarget=dns dstports=80-100 proto=tcp         # 3: never matches
expect_in_force work 4
probe accept qvm:work:0 vm udp "$INET6_B" 53
probe accept qvm:work:1 vm tcp "$INET4_B" 53
probe drop qvm:work:default vm tcp "$INET6_B" 53
probe drop qvm:work:default vm ping "$INET4_B"
# "udp" in the place of DSTHOST is a host name (that does not resolve)
qvm_err work add accept specialtarget=dns udp
grep -q "'udp': cannot resolve host name" "$VM_TMP/err" || fail "'udp' was not taken as a host name"

# Another resolv.conf: in force after --reload.
echo "nameserver 192.0.2.2" >"$POLYFW_RESOLV_CONF"
qvm -r work list
probe accept qvm:work:0 vm udp "$INET4" 53
probe drop qvm:work:default vm udp "$INET4_B" 53
# No nameserver at all: the rules stay, and never match.
echo "# nothing here" >"$POLYFW_RESOLV_CONF"
qvm -r work list
probe drop qvm:work:default vm udp "$INET4" 53
expect_in_force work 4

# Host names: every address of the name, both families.  (The guest has no
# /etc/host.conf: without "multi on" glibc returns the first line only.)
export RESOLV_MULTI=on
mkdir -p /etc/netns/router
printf '127.0.0.1 localhost\n192.0.2.3 inet-b\n2001:db8::3 inet-b\n' >/etc/netns/router/hosts
qvm work reset
qvm work add --before 0 accept dsthost=inet-b proto=tcp dstports=8080
qvm work del --rule-no=1
[ "$(raw_rules work)" = "action=accept proto=tcp dsthost=inet-b dstports=8080-8080" ] ||
	fail "list --raw: $(raw_rules work)"
probe accept qvm:work:0 vm tcp "$INET4_B" 8080
probe accept qvm:work:0 vm tcp "$INET6_B" 8080
probe drop qvm:work:default vm tcp "$INET4" 8080

# The name stops resolving: no change can be made, nothing changes in force,
# except deleting that rule.
printf '127.0.0.1 localhost\n' >/etc/netns/router/hosts
gen0=$(generation)
qvm_err work add accept proto=icmp
grep -q "'dsthost=inet-b': cannot resolve host name" "$VM_TMP/err" || fail "which name fails?"
qvm_err -r work list
[ "$(generation)" = "$gen0" ] || fail "a failed change moved the generation"
probe accept qvm:work:0 vm tcp "$INET6_B" 8080
qvm work del accept inet-b tcp 8080
[ -z "$(raw_rules work)" ] || fail "the rule with the name was not deleted"
probe drop qvm:work:default vm tcp "$INET4_B" 8080
probes_check
echo "qvm dns: ok"
