#!/bin/bash
# qvm-firewall expire=+N: the rule stops matching in the running program at
# its time, with no reload (the compiled rule tests the packet's time).
# Fresh pings (each a new ICMP id, so a new conntrack entry) are answered
# before the expiry and dropped from that second on, while the generation in
# force stays the same.  A ping that was already running keeps its
# conntrack entry and goes on (ESTABLISHED is let through ahead of the
# rules).  list forgets the rule; the state file keeps it until the next
# change; polyfw trace of the program file agrees on both sides of the time.
#
#   netns vm                 netns router                       netns inet
#  +--------------+  veth   +------------------------------+  veth  +----------------+
#  | eth0         |---------| vif0 (VM "work")        eth0 |--------| eth0           |
#  | 10.137.0.2   |         | qvm-firewall work ...        |        | 192.0.2.2, .3  |
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
qvm work add accept proto=icmp dsthost=192.0.2.3 # the control, never expires
qvm work add --before 0 accept proto=icmp dsthost=192.0.2.2 expire=+6
T=$(raw_rules work | sed -n 's/^action=accept proto=icmp dst4=192.0.2.2\/32 expire=\([0-9]*\)$/\1/p')
[ -n "$T" ] || fail "no absolute expire time in list --raw: $(raw_rules work)"
gen0=$(generation)
# A long ping, started now: one conntrack entry all along.
in_vm ping -n -D -i 0.5 -w $((T - ${EPOCHREALTIME%.*} + 4)) "$INET4" >"$VM_TMP/long" 2>&1 &
long=$!
# Fresh pings until two seconds past the expiry: START END RESULT.
: >"$VM_TMP/fresh"
while [ "${EPOCHREALTIME%.*}" -lt $((T + 2)) ]; do
	t0=$EPOCHREALTIME
	if in_vm ping -q -n -c 1 -W 1 "$INET4" >/dev/null 2>&1; then r=ok; else r=drop; fi
	echo "$t0 $EPOCHREALTIME $r" >>"$VM_TMP/fresh"
done
echo "expire at $T; fresh pings (start end result):"
cat "$VM_TMP/fresh"
awk -v T="$T" '
	$2 < T && $3 != "ok" { print "dropped before the expiry: " $0; bad = 1 }
	$1 >= T && $3 != "drop" { print "answered after the expiry: " $0; bad = 1 }
	$2 < T { before++ } $1 >= T { after++ }
	END { if (before < 1 || after < 1) { print "no ping on one side of the expiry"; bad = 1 }; exit bad }
' "$VM_TMP/fresh" || fail "the expiry did not take effect at its time"
[ "$(generation)" = "$gen0" ] || fail "the program was reloaded ($gen0 -> $(generation))"

wait "$long" || true
cat "$VM_TMP/long"
awk -v T="$T" '/bytes from/ { t = substr($1, 2) + 0; if (t >= T + 1) late++ } END { exit !late }' \
	"$VM_TMP/long" || fail "the running ping stopped at the expiry (its conntrack entry is ESTABLISHED)"

# In force: the rule still sits in the program, but no longer matches.
probe drop qvm:work:default vm ping "$INET4"
probe accept qvm:work:1 vm ping "$INET4_B"
probes_check
in_router polyfw trace "$QVM_PROG" iif vif0 proto icmp type 8 src "$VM4" dst "$INET4" time $((T - 1)) , \
	iif vif0 proto icmp type 8 src "$VM4" dst "$INET4" time "$T" | tee "$VM_TMP/trace2"
grep -q "^packet 1: accept by qvm:work:0 " "$VM_TMP/trace2" || fail "trace: not accepted before the expiry"
grep -q "^packet 2: drop by qvm:work:default " "$VM_TMP/trace2" || fail "trace: not dropped at the expiry"

# list has forgotten it; the state file keeps it until the next change.
[ "$(raw_rules work)" = "action=accept proto=icmp dst4=192.0.2.3/32" ] || fail "list after expiry: $(raw_rules work)"
grep -q "expire=$T" "$POLYFW_STATE_DIR/work.rules" || fail "the state file lost the rule before any change"
qvm -r work list
probe accept qvm:work:0 vm ping "$INET4_B"
qvm work add drop proto=udp
! grep -q "expire=" "$POLYFW_STATE_DIR/work.rules" || fail "the state file kept the expired rule after a change"
expect_in_force work 2
probe drop qvm:work:default vm ping "$INET4"
probes_check
echo "qvm expire: ok"
