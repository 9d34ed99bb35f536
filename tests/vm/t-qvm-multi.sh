#!/bin/bash
# Several VMs, with real packets: each VM's list governs only what comes in
# on its own interfaces; a wildcard mapping (vnet+) covers every interface
# with that prefix; an interface no VM has is not filtered; editing one VM
# leaves the others' verdicts alone; a VM with rules but no mapping filters
# nothing until vms.conf maps it and --reload rebuilds; a mapping that
# overlaps another is refused and changes nothing.
#
#   netns vm  (VM work)    eth0 -- vif0  \
#   netns vm2 (VM second)  eth0 -- vnet0  \   netns router          netns inet
#   netns vm3 (VM second)  eth0 -- vnet7   +- qvm-firewall  eth0 -- eth0
#   netns vm4 (unmapped,   eth0 -- tap9   /                         192.0.2.2, .3
#              later third)              /                          2001:db8::2, ::3
#   10.137.N.2/24, fd00:137:N::2/64 (vm: N=0, vm2: 1, vm3: 2, vm4: 3)
#
# vms.conf: "work vif0" and "second vnet+" (later also "third tap9").
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-qvm-lib.inc
. "$(dirname "$0")/t-qvm-lib.inc"
qvm_require
trap qvm_cleanup EXIT
topo_up
vm_ns vm2 vnet0 1
vm_ns vm3 vnet7 2
vm_ns vm4 tap9 3
printf '# VMNAME interfaces\nwork vif0\nsecond vnet+   # libvirt guests\n' >"$POLYFW_VMS_CONF"
serve inet tcp 8080
serve inet udp 5353

qvm work del --rule-no=0
qvm work add accept proto=tcp dstports=8080
qvm second del --rule-no=0
qvm second add accept proto=icmp
in_router qvm-firewall second list --json | tee "$VM_TMP/second.json"
grep -q '"mapped": true' "$VM_TMP/second.json" || fail "second is not mapped"
grep -A2 '"interfaces"' "$VM_TMP/second.json" | grep -q '"vnet+"' || fail "second's interfaces"

probe accept qvm:work:0 vm tcp "$INET4" 8080
probe drop qvm:work:default vm ping "$INET4"
probe accept qvm:second:0 vm2 ping "$INET4"
probe drop qvm:second:default vm2 tcp "$INET4" 8080
probe accept qvm:second:0 vm3 ping "$INET6"
probe drop qvm:second:default vm3 udp "$INET4" 5353
probe accept - vm4 ping "$INET4"

# Editing work changes nothing for second.
qvm work add accept proto=udp
probe accept qvm:work:1 vm udp "$INET4" 5353
probe drop qvm:second:default vm2 udp "$INET4" 5353
probe drop qvm:second:default vm3 tcp "$INET6" 8080

# third has rules but no mapping: they filter nothing, with a warning.
probes_check
in_router qvm-firewall third del --rule-no=0 2>"$VM_TMP/third.err" || fail "third del"
grep -q "warning: VM 'third' is not in" "$VM_TMP/third.err" || fail "no warning for third"
probe accept - vm4 ping "$INET4"
echo "third tap9" >>"$POLYFW_VMS_CONF"
probe accept - vm4 ping "$INET4" # not before --reload
qvm -r third list
probe drop qvm:third:default vm4 ping "$INET4"
probe accept qvm:work:0 vm tcp "$INET4" 8080
probe accept qvm:second:0 vm2 ping "$INET4"

# An overlapping mapping is refused and nothing changes.
gen0=$(generation)
cp "$QVM_PROG" "$VM_TMP/prog0"
cp "$POLYFW_VMS_CONF" "$VM_TMP/vms.good"
echo "fourth vnet3" >>"$POLYFW_VMS_CONF"
qvm_err work add accept proto=icmp
qvm_err -r fourth list
cp "$VM_TMP/vms.good" "$POLYFW_VMS_CONF"
[ "$(generation)" = "$gen0" ] || fail "a refused vms.conf moved the generation"
cmp "$QVM_PROG" "$VM_TMP/prog0" || fail "a refused vms.conf changed program.pfw"
probe drop qvm:work:default vm ping "$INET4"
probe accept qvm:second:0 vm3 ping "$INET4"
probes_check
echo "qvm multi: ok"
