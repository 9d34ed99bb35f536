#!/bin/bash
# polyfw.ko bounds what a writer can make it do.  Hostile programs (mkprog
# hostile: a million-node tree, a million CLASSIFYs, aliased tables, ...)
# sent as they are (hostile-nl -l, which skips the CLI's own verification)
# are refused by the kernel's verifier with the same line the userspace
# verifier gives; meanwhile pings keep flowing and afterwards the module
# works.  The per-packet step budget (max_steps) drops, and counts, runs
# that spend more; the namespace caps (netns_prog_bytes, netns_txn_bytes,
# netns_counter_bytes) refuse loads over them, naming the parameter; and a
# writer sending a chunk every 5 s loses its transaction 30 s after BEGIN.
#
#   vm ---- router (hostile loads; budget program) ---- inet
#   netns slow: hostile-nl -w 5 (the slow writer), alongside everything
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-kmod-lib.inc
. "$(dirname "$0")/t-kmod-lib.inc"
kmod_require
require_cmd hostile-nl

P=/sys/module/polyfw/parameters
PARAMS="max_steps netns_prog_bytes netns_txn_bytes netns_counter_bytes"
declare -A saved=()
for p in $PARAMS; do
	[ -w "$P/$p" ] || fail "polyfw.ko has no module parameter $p"
	saved[$p]=$(cat "$P/$p")
done
holder='' slow=''
cleanup() {
	local p
	for p in "${!saved[@]}"; do echo "${saved[$p]}" >"$P/$p" || true; done
	[ -z "$holder" ] || kill "$holder" 2>/dev/null || true
	[ -z "$slow" ] || kill "$slow" 2>/dev/null || true
	ip netns del slow 2>/dev/null || true
	topo_down
}
trap cleanup EXIT

set_param() { # NAME VALUE
	pretty init "echo $2 >$P/$1"
	echo "$2" >"$P/$1"
}
# drops NS malformed|budget: a counter from the "drops: M malformed, K over
# budget" line of polyfw show.
drops() {
	local out
	out=$(in_ns "$1" polyfw show | sed -n 's/^ *drops: \([0-9][0-9]*\) malformed, \([0-9][0-9]*\) over budget$/\1 \2/p')
	[ -n "$out" ] || fail "polyfw show in $1 has no 'drops: M malformed, K over budget' line"
	case $2 in
	malformed) echo "${out% *}" ;;
	budget) echo "${out#* }" ;;
	esac
}

topo_up
serve inet udp 9
serve inet udp 5353

# The slow writer runs for 30-40 s while the rest goes on.  (ip netns exec
# execs its command: $! is hostile-nl itself.)
ip netns add slow
ip netns exec slow hostile-nl -w 5 >"$VM_TMP/slow" 2>&1 &
slow=$!

# --- hostile programs --------------------------------------------------------

load accept
g=$(generation)
# About 40 s of pings.
ip netns exec vm ping -q -n -c 200 -i 0.2 -W 2 "$INET4" >"$VM_TMP/ping" 2>&1 &
pinger=$!

# KIND, then the verifier's line for it (an extended regular expression).
while read -r kind want; do
	f=$PROGS/hostile-$kind.pfw
	mkprog hostile "$f" "$kind" 2>"$VM_TMP/mk" || {
		cat "$VM_TMP/mk"
		fail "the userspace verifier accepted hostile program $kind"
	}
	mine=$(sed -n "s/^mkprog: hostile $kind: refused: //p" "$VM_TMP/mk")
	printf '%s\n' "$mine" | grep -Eqx -- "$want" ||
		fail "$kind: the userspace verifier says '$mine', expected /$want/"
	pretty router hostile-nl -l "hostile-$kind.pfw ($(stat -c %s "$f") bytes)"
	rc=0
	out=$(in_router timeout 280 hostile-nl -l "$f" 2>"$VM_TMP/nl") || rc=$?
	rm -f "$f"
	echo "    $out"
	[ "$rc" = 1 ] || { cat "$VM_TMP/nl"; fail "$kind: hostile-nl -l exited $rc (1: refused)"; }
	[ "$out" = "program rejected by the kernel: $mine" ] ||
		fail "$kind: the kernel says '$out', expected 'program rejected by the kernel: $mine'"
done <<'EOF'
same-roots classifier 0: roots 0 and 1 are the same tree
cut-chain classifier 0: tree 0 is over 255 deep, limit 24
deep-tree classifier 0: tree 0 is 25 deep, limit 24
classify-chain program too costly: a run at forward can cost more than the budget of 1048576 \(PFW_MAX_COST\)
long-chain program too costly: a run at forward can cost more than the budget of 1048576 \(PFW_MAX_COST\)
alias classifier 1: pool word [0-9]+ is already used by another table
alias-sets set 1: pool word [0-9]+ is already used by another table
alias-state insn 1: pool word [0-9]+ is already used by another table
big-leaf classifier 0: leaf at word 0 has 4097 entries, limit 4096
state-pairs insn 0: STATE_CHECK has 65537 pairs, limit 65536
rpf-mode insn 0: RPF: bad operand 4
state-limit insn 0: STATE_ADD: bad limit 0x11000001
state-limit-nofields insn 0: STATE_ADD: bad limit 0x00000003
state-limit-nocount insn 0: STATE_ADD: bad limit 0x01000000
rule-flags rule 0: unknown flags 0x2
slice-words classifier 0: slice at word 0: lo and hi differ above word 2
reject-postrouting REJECT is reachable from the postrouting entry, where no reply can be sent
EOF

[ "$(generation)" = "$g" ] || fail "refused loads moved the generation from $g to $(generation)"
pfw show | head -n 1 | grep -q "1 rules" || fail "the accept program is not active any more"
wait "$pinger" || true
cat "$VM_TMP/ping"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$VM_TMP/ping")
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$VM_TMP/ping")
if [ -z "$got" ] || [ -z "$sent" ] || [ "$((2 * got))" -lt "$sent" ]; then
	fail "only ${got:-no} of ${sent:-no} pings came back while the kernel refused hostile programs"
fi
timeout 20 polyfw show >/dev/null || fail "polyfw show took over 20 s after the hostile loads"
load drop-udp 9
if udp_deliver vm inet "$INET4" 9; then fail "UDP 9 went through after the hostile loads"; fi
udp_deliver vm inet "$INET4" 5353 || fail "UDP 5353 not delivered after the hostile loads"
udp_deliver vm inet "$INET6" 5353 || fail "UDP6 5353 not delivered after the hostile loads"

# A valid program with NAT verdicts is refused until NAT is carried out,
# instead of being run with its NAT rules accepting.
g=$(generation)
if pfw load "$(prog nat)" >"$VM_TMP/err" 2>&1; then fail "a program with NAT verdicts was loaded"; fi
cat "$VM_TMP/err"
grep -qF "NAT is not carried out by this kernel module yet: a program with NAT verdicts is refused" "$VM_TMP/err" ||
	fail "NAT program: unclear refusal"
[ "$(generation)" = "$g" ] || fail "the refused NAT program moved the generation"

# --- max_steps ---------------------------------------------------------------

# A UDP packet costs 203 units in this program, anything else 3.
load budget 200
udp_deliver vm inet "$INET4" 5353 || fail "budget 200: UDP not delivered under the default max_steps"
b0=$(drops router budget)
set_param max_steps 50
for i in 1 2 3; do
	if udp_deliver vm inet "$INET4" 5353; then fail "UDP $i went through a run over max_steps"; fi
done
ping_ok vm "$INET4" || fail "a ping (3 units) was dropped under max_steps 50"
b1=$(drops router budget)
pfw show
echo "over budget: $b0 before, $b1 after 3 UDP datagrams"
[ "$b1" -ge $((b0 + 3)) ] || fail "over-budget drops went from $b0 to $b1 after 3 datagrams"
pfw show --json >"$VM_TMP/budget.json"
grep -q '"cost": 203,' "$VM_TMP/budget.json" || fail "show --json does not give the program's cost of 203"
grep -q "\"over_budget\": $b1\$" "$VM_TMP/budget.json" || fail "show --json does not give $b1 over-budget drops"
set_param max_steps "${saved[max_steps]}"
udp_deliver vm inet "$INET4" 5353 || fail "UDP not delivered after max_steps was restored"
[ "$(drops router budget)" = "$b1" ] || fail "over-budget drops grew after max_steps was restored"

# --- namespace caps ----------------------------------------------------------

big=$(prog big 200)
size=$(stat -c %s "$big")
small=$(prog count)
set_param netns_prog_bytes 4096
if pfw load "$big" >"$VM_TMP/err" 2>&1; then fail "a program of $size bytes loaded under netns_prog_bytes 4096"; fi
cat "$VM_TMP/err"
grep -qF "program of $size bytes is over this namespace's limit of 4096 bytes (module parameter netns_prog_bytes)" "$VM_TMP/err" ||
	fail "netns_prog_bytes: unclear refusal"
pfw load "$small" >/dev/null || fail "a program of $(stat -c %s "$small") bytes did not load under netns_prog_bytes 4096"
set_param netns_prog_bytes "${saved[netns_prog_bytes]}"
pfw load "$big" >/dev/null || fail "the $size-byte program did not load after netns_prog_bytes was restored"

# Transactions in flight add up: a held 1 MiB one and a 590 KB load are
# over 1.5 MiB; the load alone is not.
mid=$(prog big 10000)
msize=$(stat -c %s "$mid")
set_param netns_txn_bytes 1572864
ip netns exec router hostile-nl -b 60 >"$VM_TMP/held" 2>&1 &
holder=$!
wait_data "$VM_TMP/held" "transaction open (0)" 30 || { cat "$VM_TMP/held"; fail "hostile-nl -b held no transaction"; }
rc=0
out=$(in_router hostile-nl -l "$mid" 2>/dev/null) || rc=$?
echo "    $out"
[ "$rc" = 1 ] || fail "a $msize-byte load beside a held 1 MiB transaction was not refused under netns_txn_bytes 1572864"
printf '%s\n' "$out" | grep -Eqx "load transactions in flight would take [0-9]+ bytes, over this namespace's limit of 1572864 bytes \(module parameter netns_txn_bytes\)" ||
	fail "netns_txn_bytes: unclear refusal"
n=$(printf '%s\n' "$out" | sed 's/.* take \([0-9]*\) bytes.*/\1/')
[ "$n" -gt "$msize" ] || fail "netns_txn_bytes: $n bytes in flight do not count the held transaction"
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
holder=
out=
for i in 1 2 3 4 5; do
	out=$(in_router hostile-nl -l "$mid" 2>/dev/null) && break
	sleep 0.5
done
[ "$out" = loaded ] || fail "the $msize-byte load alone was refused under netns_txn_bytes 1572864: $out"
set_param netns_txn_bytes "${saved[netns_txn_bytes]}"

many=$(prog big 2000)
set_param netns_counter_bytes 1024
if pfw load "$many" >"$VM_TMP/err" 2>&1; then fail "2001 rules loaded under netns_counter_bytes 1024"; fi
cat "$VM_TMP/err"
grep -Eq "rule counters would take [0-9]+ bytes, over this namespace's limit of 1024 bytes \(module parameter netns_counter_bytes\)" "$VM_TMP/err" ||
	fail "netns_counter_bytes: unclear refusal"
set_param netns_counter_bytes "${saved[netns_counter_bytes]}"
pfw load "$many" >/dev/null || fail "2001 rules did not load after netns_counter_bytes was restored"

# --- the slow writer ---------------------------------------------------------

rc=0
wait "$slow" || rc=$?
slow=''
cat "$VM_TMP/slow"
[ "$rc" = 0 ] || fail "a writer sending a chunk every 5 s kept its transaction past the 30 s deadline"
echo "kmod bounds: ok"
