#!/bin/bash
# qvm-firewall and connection state, with real connections.  What the docs
# promise (qvm-firewall(1), polyfw-qvm(5)): a VM's ruleset governs the packets
# FORWARD receives on the VM's interfaces, accepts ESTABLISHED and RELATED
# ahead of the rules, and drops what no rule accepts.  So:
#   - a TCP connection the VM opened under a rule carries data both ways;
#     only its first packet is matched by the rule, the rest as established;
#   - it goes on after the rule is deleted (established), while a new one is
#     dropped;
#   - traffic from inet to the VM is not the VM's outbound traffic: it is
#     not governed, and the VM's replies (SYN-ACK, UDP answers, ICMP errors
#     as RELATED) pass even with no rule at all;
#   - what the VM starts on its own is dropped.
#
#   netns vm                 netns router                       netns inet
#  +--------------+  veth   +------------------------------+  veth  +----------------+
#  | eth0         |---------| vif0 (VM "work")        eth0 |--------| eth0           |
#  | 10.137.0.2   |         | qvm-firewall work ...        |        | 192.0.2.2, .3  |
#  | tcp 2222     |         |                              |        | tcp 8080       |
#  +--------------+         +------------------------------+        +----------------+
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-qvm-lib.inc
. "$(dirname "$0")/t-qvm-lib.inc"
qvm_require
trap qvm_cleanup EXIT
topo_up
echo "work vif0" >"$POLYFW_VMS_CONF"

qvm work del --rule-no=0
qvm work add accept 192.0.2.2 tcp 8080

# 1. The VM's connection: 64 KiB each way.
head -c 65536 /dev/zero | tr '\0' i >"$VM_TMP/from-inet"
head -c 65536 /dev/zero | tr '\0' v >"$VM_TMP/from-vm"
in_inet nc -6ln 8080 <"$VM_TMP/from-inet" >"$VM_TMP/inet-got" &
srv=$!
wait_port inet tcp 8080
snap_take
est0=$(loc_packets qvm:work:established)
pretty vm "nc $INET4 8080: 64 KiB each way"
in_vm timeout 20 nc -n -N -w 5 "$INET4" 8080 <"$VM_TMP/from-vm" >"$VM_TMP/vm-got" || fail "the VM's connection failed"
wait "$srv" || true
cmp "$VM_TMP/from-inet" "$VM_TMP/vm-got" || fail "the VM did not get inet's data"
cmp "$VM_TMP/from-vm" "$VM_TMP/inet-got" || fail "inet did not get the VM's data"
snap_take
cat "$VM_TMP/snap"
[ "$(loc_packets qvm:work:0)" = 1 ] || fail "the rule matched $(loc_packets qvm:work:0) packets, not just the SYN"
[ "$(loc_packets qvm:work:established)" -ge $((est0 + 10)) ] || fail "the VM's later packets were not established"
[ "$(loc_packets qvm:work:default)" = 0 ] || fail "something of the connection was dropped"

# 2. Deleting the rule does not cut the open connection; new ones are dropped.
serve inet tcp 8080
rm -f "$VM_TMP/fifo"
mkfifo "$VM_TMP/fifo"
in_vm nc -n -N "$INET4" 8080 <"$VM_TMP/fifo" >/dev/null &
client=$!
exec 3>"$VM_TMP/fifo"
echo "line-before-del" >&3
wait_data "$(served inet tcp 8080)" line-before-del 3 || fail "the open connection carried nothing"
qvm work del --rule-no=0
echo "line-after-del" >&3
wait_data "$(served inet tcp 8080)" line-after-del 3 || fail "the open connection was cut by the del"
exec 3>&-
wait "$client" || fail "the open connection did not end cleanly"
probe drop qvm:work:default vm tcp "$INET4" 8080

# 3. No rules at all.  Inbound is not governed; the VM's replies pass.
expect_in_force work 0
serve vm tcp 2222
probe drop qvm:work:default vm ping "$INET4" # what the VM starts itself
probes_check
snap_take
est0=$(loc_packets qvm:work:established)
drop0=$(loc_packets qvm:work:default)
pretty inet "tcp to the VM"
tcp_deliver inet vm "$VM4" 2222 || fail "inet -> vm TCP (the VM's SYN-ACK is a reply)"
tcp_deliver inet vm "$VM6" 2222 || fail "inet -> vm TCP over IPv6"
ping_ok inet "$VM4" || fail "inet -> vm ping (the echo reply is a reply)"
# A UDP answer from the VM.
in_vm bash -c 'sleep 0.3; echo answer-from-vm' | in_vm timeout 5 nc -un -l 7000 >"$VM_TMP/vm-udp" &
wait_port vm udp 7000
pretty inet "udp to the VM, and its answer"
echo question | in_inet timeout 5 nc -un -w 2 "$VM4" 7000 >"$VM_TMP/inet-udp" || true
grep -q answer-from-vm "$VM_TMP/inet-udp" || fail "the VM's UDP answer did not come back"
grep -q question "$VM_TMP/vm-udp" || fail "inet's UDP did not reach the VM"
# RELATED: the VM's port unreachable for a closed UDP port reaches inet: the
# second send on the connected socket fails (it would not, were the ICMP
# error dropped).
pretty inet "udp to a closed port of the VM, twice"
if in_inet bash -c "exec 4>/dev/udp/$VM4/7999; echo x >&4; sleep 0.5; echo x >&4" 2>/dev/null; then
	fail "the VM's ICMP port unreachable (RELATED) was dropped"
fi
snap_take
cat "$VM_TMP/snap"
[ "$(loc_packets qvm:work:default)" = "$drop0" ] || fail "a reply of the VM was dropped"
[ "$(loc_packets qvm:work:established)" -ge $((est0 + 8)) ] || fail "the VM's replies were not counted as established"

# The same seen by polyfw trace: inbound is no VM's, replies are established.
in_router polyfw trace "$QVM_PROG" iif eth0 src "$INET4" dst "$VM4" proto tcp dport 2222 , \
	iif vif0 src "$VM4" dst "$INET4" proto tcp sport 2222 dport 40000 flags syn,ack state established , \
	iif vif0 src "$VM4" dst "$INET4" proto icmp type 3 code 3 state related , \
	iif vif0 src "$VM4" dst "$INET4" proto udp sport 7000 dport 40000 state new | tee "$VM_TMP/trace2"
sed 's/ (.*//' "$VM_TMP/trace2" >"$VM_TMP/trace3"
diff -u - "$VM_TMP/trace3" <<-EOF || fail "trace"
	packet 1: accept
	packet 2: accept by qvm:work:established
	packet 3: accept by qvm:work:established
	packet 4: drop by qvm:work:default
EOF
echo "qvm state: ok"
