#!/bin/bash
# qvm-firewall specialtarget=dns and host names, with real packets: the
# nameservers of resolv.conf (POLYFW_RESOLV_CONF, IPv4 and IPv6) on UDP and
# TCP port 53 and nothing else; narrowed by proto and dsthost; never matching
# when nothing is left or resolv.conf has no server; a changed resolv.conf
# takes effect with --reload.  dsthost=NAME matches a live set that
# qvm-firewall fills with all the name's addresses (here resolved through the
# router namespace's /etc/hosts) after each change; a name that does not
# resolve is a warning and blocks nothing; `polyfw resolve` follows a name
# whose addresses change.
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
# "udp" in the place of DSTHOST is a host name (that does not resolve): a
# warning, and a rule that matches nothing
probes_check
in_router qvm-firewall work add accept specialtarget=dns udp 2>"$VM_TMP/err" || fail "add udp failed"
cat "$VM_TMP/err" >&2
grep -q "^qvm-firewall: warning: cannot resolve host name udp: .*: its rules match nothing until it resolves$" \
	"$VM_TMP/err" || fail "'udp' was not taken as a host name"
[ "$(raw_rules work | sed -n 5p)" = "action=accept dsthost=udp specialtarget=dns" ] || fail "list: $(raw_rules work)"
probe drop qvm:work:default vm tcp "$INET6_B" 53
qvm work del --rule-no=4

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

# Host names: every address of the name, both families, in the name's live
# set.  (The guest has no /etc/host.conf: without "multi on" glibc returns
# the first line only.)  polyfw trace sees live sets empty: no trace checks.
QVM_NO_TRACE=1
export RESOLV_MULTI=on
mkdir -p /etc/netns/router
printf '127.0.0.1 localhost\n192.0.2.3 inet-b\n2001:db8::3 inet-b\n' >/etc/netns/router/hosts
qvm work reset
qvm work add --before 0 accept dsthost=inet-b proto=tcp dstports=8080
qvm work del --rule-no=1
[ "$(raw_rules work)" = "action=accept proto=tcp dsthost=inet-b dstports=8080-8080" ] ||
	fail "list --raw: $(raw_rules work)"
set_b=$(awk '$2 == "inet-b" { print $1 }' "$POLYFW_STATE_DIR/dns-sets")
[ -n "$set_b" ] || fail "inet-b is not in dns-sets: $(cat "$POLYFW_STATE_DIR/dns-sets")"
[ "$(pfw set qvm "$set_b" list | sort | tr '\n' ' ')" = "192.0.2.3 2001:db8::3 " ] ||
	fail "set $set_b holds: $(pfw set qvm "$set_b" list)"
probe accept qvm:work:0 vm tcp "$INET4_B" 8080
probe accept qvm:work:0 vm tcp "$INET6_B" 8080
probe drop qvm:work:default vm tcp "$INET4" 8080
probe drop qvm:work:default vm tcp "$INET6" 8080

# A name that does not resolve: a warning, the command succeeds, and another
# rule can still be added after it.
probes_check
in_router qvm-firewall work add accept dsthost=nowhere-c proto=udp dstports=54 2>"$VM_TMP/err" ||
	fail "add dsthost=nowhere-c failed"
cat "$VM_TMP/err" >&2
grep -q "^qvm-firewall: warning: cannot resolve host name nowhere-c: .*: its rules match nothing until it resolves$" \
	"$VM_TMP/err" || fail "no warning for nowhere-c"
qvm work add accept proto=udp dstports=54 dsthost=192.0.2.2
expect_in_force work 3
probe accept qvm:work:0 vm tcp "$INET4_B" 8080
probe drop qvm:work:default vm udp "$INET4_B" 54 # nowhere-c matches nothing
probe accept qvm:work:2 vm udp "$INET4" 54

# The name moves: polyfw resolve puts the new addresses in force, the old
# ones out.
printf '127.0.0.1 localhost\n192.0.2.2 inet-b\n2001:db8::2 inet-b\n' >/etc/netns/router/hosts
probes_check
gen0=$(generation)
in_router polyfw resolve >"$VM_TMP/out" || fail "polyfw resolve failed"
cat "$VM_TMP/out" >&2
grep -qx "$set_b inet-b: 2 addresses" "$VM_TMP/out" || fail "polyfw resolve: $(cat "$VM_TMP/out")"
grep -q "^dns\.[0-9a-f]\{8\} nowhere-c: cannot resolve: " "$VM_TMP/out" || fail "polyfw resolve: no nowhere-c"
[ "$(generation)" = "$gen0" ] || fail "polyfw resolve reloaded the program"
probe accept qvm:work:0 vm tcp "$INET4" 8080
probe accept qvm:work:0 vm tcp "$INET6" 8080
probe drop qvm:work:default vm tcp "$INET4_B" 8080
probe drop qvm:work:default vm tcp "$INET6_B" 8080

# The name stops resolving: its rule matches nothing, polyfw resolve still
# succeeds, and the rule can be deleted.
printf '127.0.0.1 localhost\n' >/etc/netns/router/hosts
probes_check
in_router polyfw resolve >"$VM_TMP/out" || fail "polyfw resolve failed with no names resolving"
grep -q "^$set_b inet-b: cannot resolve: " "$VM_TMP/out" || fail "polyfw resolve: $(cat "$VM_TMP/out")"
[ -z "$(pfw set qvm "$set_b" list)" ] || fail "set $set_b not emptied"
probe drop qvm:work:default vm tcp "$INET4" 8080
qvm work del accept inet-b tcp 8080
qvm work del --rule-no=0
[ "$(raw_rules work)" = "action=accept proto=udp dst4=192.0.2.2/32 dstports=54-54" ] ||
	fail "list --raw after the deletions: $(raw_rules work)"
[ ! -s "$POLYFW_STATE_DIR/dns-sets" ] || fail "dns-sets still names: $(cat "$POLYFW_STATE_DIR/dns-sets")"
probe drop qvm:work:default vm tcp "$INET4_B" 8080
# No names: nothing to do.
in_router polyfw resolve >"$VM_TMP/out" || fail "polyfw resolve failed with no names"
[ ! -s "$VM_TMP/out" ] || fail "polyfw resolve printed: $(cat "$VM_TMP/out")"
probes_check
echo "qvm dns: ok"
