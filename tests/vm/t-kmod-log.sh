#!/bin/bash
# polyfw.ko LOG: matching packets are logged through nf_log with the rule's
# prefix, in the familiar IN= OUT= SRC= form.
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-kmod-lib.inc
. "$(dirname "$0")/t-kmod-lib.inc"
kmod_require
[ -e /proc/sys/net/netfilter/nf_log_all_netns ] || skip "no nf_log sysctls (nf_log_syslog missing)"
old=$(cat /proc/sys/net/netfilter/nf_log_all_netns)
cleanup() {
	echo "$old" >/proc/sys/net/netfilter/nf_log_all_netns
	topo_down
}
trap cleanup EXIT
# The router is not the initial namespace: let nf_log print for it.
echo 1 >/proc/sys/net/netfilter/nf_log_all_netns
topo_up

serve inet tcp 8081
serve inet tcp 8080
load log 8081 "pfw-test-log: "
tcp_deliver vm inet "$INET4" 8081 || fail "TCP to 8081 not delivered"
tcp_deliver vm inet "$INET6" 8081 || fail "TCP6 to 8081 not delivered"
tcp_deliver vm inet "$INET4" 8080 || fail "TCP to 8080 not delivered"
sleep 0.5
dmesg | grep "pfw-test-log: " | tee "$VM_TMP/log"
grep -q "pfw-test-log: IN=vif0 OUT=eth0 .*SRC=$VM4 DST=$INET4 .*PROTO=TCP .*DPT=8081" "$VM_TMP/log" ||
	fail "no IPv4 log line with the prefix"
grep -q "pfw-test-log: IN=vif0 OUT=eth0 .*SRC=fd00:0137:.*PROTO=TCP .*DPT=8081" "$VM_TMP/log" ||
	fail "no IPv6 log line with the prefix"
if grep -q "DPT=8080" "$VM_TMP/log"; then fail "a packet to 8080 was logged"; fi
echo "kmod log: ok"
