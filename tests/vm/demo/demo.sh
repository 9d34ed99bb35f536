#!/bin/bash
# The main-job demonstration, run inside the QEMU guest by scripts/demo.sh:
# a VM behind a router filtered by qvm-firewall rules, with real traffic.
#
#   netns vm (10.137.0.2) --- vif0 [router: polyfw] eth0 --- netns inet
#                                                       (192.0.2.2, .3)
set -u
. /tests/lib.sh
VM_TMP=/tmp/demo
mkdir -p "$VM_TMP"
export POLYFW_STATE_DIR=/tmp/demo/state POLYFW_VMS_CONF=/tmp/demo/vms.conf
export POLYFW_RESOLV_CONF=/tmp/demo/resolv.conf
ln -sf "$(command -v polyfw)" /usr/bin/qvm-firewall

say() { printf '\n### %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
verdict() { # DESCRIPTION COMMAND...: run a probe and print ALLOWED or BLOCKED
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then printf '  %-52s ALLOWED\n' "$what"; else printf '  %-52s BLOCKED\n' "$what"; fi
}

topo_up
modprobe polyfw || insmod /lib/modules/*/extra/polyfw.ko
serve inet tcp 443
serve inet tcp 80
serve inet udp 53
echo "work vif0" >"$POLYFW_VMS_CONF"
echo "nameserver $INET4_B" >"$POLYFW_RESOLV_CONF"

say "the VM 'work' is the router's interface vif0 (vms.conf); its default list accepts everything"
show in_router qvm-firewall work list
verdict "vm -> $INET4 tcp/80" tcp_deliver vm inet "$INET4" 80
verdict "vm -> $INET4 tcp/443" tcp_deliver vm inet "$INET4" 443

say "restrict it: HTTPS to $INET4, DNS, ping to $INET4_B; everything else dropped"
show in_router qvm-firewall work del --rule-no 0
show in_router qvm-firewall work add accept dsthost=$INET4 proto=tcp dstports=443
show in_router qvm-firewall work add accept specialtarget=dns
show in_router qvm-firewall work add accept $INET4_B icmp icmptype=8
show in_router qvm-firewall work add drop proto=udp comment=no other UDP
show in_router qvm-firewall work list
verdict "vm -> $INET4 tcp/443 (rule 0)" tcp_deliver vm inet "$INET4" 443
verdict "vm -> $INET4 tcp/80 (default drop)" tcp_deliver vm inet "$INET4" 80
verdict "vm -> $INET4_B udp/53, the DNS server (rule 1)" udp_deliver vm inet "$INET4_B" 53
verdict "vm -> $INET4 udp/53, not a DNS server (rule 3)" udp_deliver vm inet "$INET4" 53
verdict "vm ping $INET4_B (rule 2)" ping_ok vm "$INET4_B"
verdict "vm ping $INET4 (default drop)" ping_ok vm "$INET4"

say "what the kernel counted for each rule (qvm-firewall's table, qvm)"
show in_router polyfw tables
show in_router polyfw show --table qvm

say "the same verdicts, offline, from the program file"
show polyfw trace "$POLYFW_STATE_DIR/program.pfw" iif vif0 proto tcp src $VM4 dst $INET4 dport 443 , \
	iif vif0 proto tcp src $VM4 dst $INET4 dport 80 , iif vif0 proto icmp src $VM4 dst $INET4_B type 8

say "a rule that expires: ping $INET4 allowed for 4 seconds"
show in_router qvm-firewall work add --before 0 accept $INET4 icmp expire=+4
verdict "vm ping $INET4 (rule 0, expires in 4 s)" ping_ok vm "$INET4"
sleep 5
verdict "vm ping $INET4 (expired)" ping_ok vm "$INET4"

say "a bad rule is refused and changes nothing"
show in_router qvm-firewall work add accept proto=icmp dstports=80
verdict "vm -> $INET4 tcp/443 (still rule 1)" tcp_deliver vm inet "$INET4" 443
topo_down
exit 0
