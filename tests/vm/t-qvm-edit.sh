#!/bin/bash
# qvm-firewall edits take effect at once, with real packets: add --before,
# del by number and by rule text (in another form than it was added), list
# numbering what is in force, reset; errors change nothing (exit 1, program,
# generation, file and verdicts as they were); concurrent adds all end up in
# force; an unmapped VM warns and changes no verdict.
#
#   netns vm                 netns router                       netns inet
#  +--------------+  veth   +------------------------------+  veth  +----------------+
#  | eth0         |---------| vif0 (VM "work")        eth0 |--------| eth0           |
#  | 10.137.0.2   |         | qvm-firewall work ...        |        | 192.0.2.2, .3  |
#  | fd00:137::2  |         | polyfw program on FORWARD    |        | 2001:db8::2,::3|
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
serve inet tcp 8080
for p in 7001 7002 7003 7004 7005; do serve inet udp $p; done

qvm work del --rule-no=0
qvm work add accept 192.0.2.2 tcp 8080
qvm work add accept proto=icmp
probe accept qvm:work:1 vm ping "$INET4"

# --before: first, in the middle, at the end (N = number of rules)
qvm work add --before 0 drop proto=icmp dsthost=192.0.2.2 comment=no ping to .2 -- please
snap_take # the count of the moved rule went with it
[ "$(loc_packets qvm:work:2)" = 1 ] || fail "the icmp rule, now 2, counts $(loc_packets qvm:work:2), not 1"
probe drop qvm:work:0 vm ping "$INET4"
probe accept qvm:work:2 vm ping "$INET4_B"
qvm work add --before=2 accept proto=tcp dstports=9000-9100
probe accept qvm:work:2 vm tcp "$INET4_B" 9050
probe accept qvm:work:3 vm ping "$INET4_B"
qvm work add --before 4 drop proto=udp
probe drop qvm:work:4 vm udp "$INET4" 7001
in_router qvm-firewall work list | tee "$VM_TMP/table"
diff -u - "$VM_TMP/table" <<-EOF || fail "list: the table"
	NO  ACTION  HOST          PROTOCOL  PORT(S)    SPECIAL TARGET  ICMP TYPE  EXPIRE  COMMENT
	0   drop    192.0.2.2/32  icmp      -          -               -          -       no ping to .2 -- please
	1   accept  192.0.2.2/32  tcp       8080       -               -          -       -
	2   accept  -             tcp       9000-9100  -               -          -       -
	3   accept  -             icmp      -          -               -          -       -
	4   drop    -             udp       -          -               -          -       -
EOF
expect_in_force work 5

# del by text, written in another form than the add; then by number
qvm work del action=drop dst4=192.0.2.2/32 proto=icmp comment=no ping to .2 -- please
probe accept qvm:work:2 vm ping "$INET4"
probe accept qvm:work:0 vm tcp "$INET4" 8080
qvm work del --rule-no=0
probe drop qvm:work:default vm tcp "$INET4" 8080
qvm work del --rule-no 0
probe drop qvm:work:default vm tcp "$INET4_B" 9050
expect_in_force work 2
raw_rules work >"$VM_TMP/raw0"
diff -u - "$VM_TMP/raw0" <<-EOF || fail "list --raw after the deletions"
	action=accept proto=icmp
	action=drop proto=udp
EOF

# Errors: exit 1, one line, and nothing changes.
gen0=$(generation)
cp "$QVM_PROG" "$VM_TMP/prog0"
qvm_err work add accept dstports=80
grep -q "'dstports=80': dstports needs proto=tcp or proto=udp" "$VM_TMP/err" || fail "message"
qvm_err work add accept dsthost=10.0.0.1/8
qvm_err work add accept proto=icmp icmptype=256
qvm_err work add accept expire=1000
qvm_err work add --before 3 accept
qvm_err work del --rule-no=2
qvm_err work del accept proto=udp
qvm_err work frobnicate
cp "$POLYFW_VMS_CONF" "$VM_TMP/vms.good"
printf 'work vif0\nother vif+\n' >"$POLYFW_VMS_CONF" # overlaps vif0
qvm_err work add accept proto=tcp
grep -q "vms.conf:2:" "$VM_TMP/err" || fail "the vms.conf error names no line"
cp "$VM_TMP/vms.good" "$POLYFW_VMS_CONF"
[ "$(generation)" = "$gen0" ] || fail "the generation moved from $gen0 to $(generation) on errors"
cmp "$QVM_PROG" "$VM_TMP/prog0" || fail "program.pfw changed on errors"
raw_rules work | cmp - "$VM_TMP/raw0" || fail "the rules changed on errors"
expect_in_force work 2
probe accept qvm:work:0 vm ping "$INET4"
probe drop qvm:work:1 vm udp "$INET4" 7001
probe drop qvm:work:default vm tcp "$INET4" 8080

# Concurrent adds serialize on the lock: none is lost, each is loaded.
probes_check
gen1=$(generation)
pids=()
for p in 7001 7002 7003 7004; do
	in_router qvm-firewall work add --before 0 accept proto=udp dstports=$p 2>"$VM_TMP/add$p.err" &
	pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || fail "a concurrent add failed: $(cat "$VM_TMP"/add*.err)"; done
cat "$VM_TMP"/add*.err
raw_rules work | tee "$VM_TMP/raw1"
[ "$(generation)" = $((gen1 + 4)) ] || fail "4 adds moved the generation from $gen1 to $(generation)"
expect_in_force work 6
for p in 7001 7002 7003 7004; do
	n=$(grep -n "dstports=$p-$p\$" "$VM_TMP/raw1" | cut -d: -f1)
	[ -n "$n" ] || fail "the rule for udp $p was lost"
	probe accept "qvm:work:$((n - 1))" vm udp "$INET4" $p
done
probe drop qvm:work:5 vm udp "$INET6" 7005

# reset: Qubes' default, everything accepted
qvm work reset
[ "$(raw_rules work)" = "action=accept" ] || fail "reset: $(raw_rules work)"
probe accept qvm:work:0 vm tcp "$INET4" 8080
probe accept qvm:work:0 vm udp "$INET6" 7002

# An unmapped VM: the command succeeds with a warning, filters nothing, and
# the program comes out the same.  (qvm-firewall(1) says the file is then
# not rewritten; it is, as its header holds the kernel generation it was
# built against, which every load moves on: compare what follows the header.)
probes_check
polyfw disasm "$QVM_PROG" | sed 1d >"$VM_TMP/dis0"
in_router qvm-firewall -v ghost del --rule-no=0 2>"$VM_TMP/ghost.err" || fail "ghost del"
cat "$VM_TMP/ghost.err"
grep -q "warning: VM 'ghost' is not in $POLYFW_VMS_CONF: its rules filter nothing" "$VM_TMP/ghost.err" ||
	fail "no warning for the unmapped VM"
polyfw disasm "$QVM_PROG" | sed 1d | cmp -s - "$VM_TMP/dis0" || fail "an unmapped VM changed the program"
[ -z "$(in_router qvm-firewall -q ghost list 2>&1 | sed 1d)" ] || fail "ghost: -q, rules or no header"
probe accept qvm:work:0 vm ping "$INET4"
probes_check

# Another writer loads a program while qvm-firewall builds one: the load is
# refused (the generation moved on), the command fails and changes nothing;
# run again, it succeeds.  3000 rules of a VM "big" make the build take a
# while; the other writer loads in a loop all along.
echo "big big0" >>"$POLYFW_VMS_CONF"
for ((i = 0; i < 3000; i++)); do
	echo "action=accept proto=tcp dst4=10.$((i / 250)).$((i % 250)).0/24 dstports=$((1000 + i))-$((1000 + i))"
done >"$POLYFW_STATE_DIR/big.rules"
qvm -r big list >/dev/null
cp "$QVM_PROG" "$VM_TMP/other.pfw"
cp "$POLYFW_STATE_DIR/big.rules" "$VM_TMP/big0"
in_router bash -c "until [ -e $VM_TMP/stop ]; do polyfw load --table qvm $VM_TMP/other.pfw >/dev/null || exit 1; done" &
loader=$!
sleep 0.5
qvm_err big add drop proto=udp
touch "$VM_TMP/stop"
wait "$loader" || fail "the other writer's loads failed"
grep -q "program changed since generation" "$VM_TMP/err" || fail "not refused for the generation"
cmp "$POLYFW_STATE_DIR/big.rules" "$VM_TMP/big0" || fail "the refused add changed the rules"
cmp "$QVM_PROG" "$VM_TMP/other.pfw" || fail "the refused add changed program.pfw"
qvm big add drop proto=udp
expect_in_force big 3001
probe accept qvm:work:0 vm ping "$INET4"
probes_check
echo "qvm edit: ok"
