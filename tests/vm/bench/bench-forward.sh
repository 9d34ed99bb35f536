#!/bin/bash
# Forward-path benchmark, guest side. Run by scripts/vm-bench.sh (which
# builds polyfw.ko, the polyfw CLI, udpflood and the rulesets, and boots the
# guest); not part of the normal test run (tests/vm/init runs /tests/*.sh,
# and this lives in tests/vm/bench/).
#
#   netns vm                     netns router                   netns inet
#  +------------------+  veth   +------------------------+ veth +---------------+
#  | udpflood send    |-------->| vif0  [rules under     | ---->| eth0          |
#  | 10.137.0.2       |         |        test, forward]  |      | 192.0.2.2     |
#  | -> 192.0.2.2:9   |         |                   eth0 |      | udpflood sink |
#  | 64-byte payloads |         | ip_forward=1           |      | rx_packets    |
#  +------------------+         +------------------------+      +---------------+
#
# For each variant the router gets a ruleset, the sender floods for
# WARMUP + DURATION seconds and the receiver's eth0 rx_packets counter is
# read over the last DURATION seconds. Each round runs every variant between
# two "none" (no filter) runs, in reversed order every other round; a
# variant's ratio in a round is its rate over the mean of its two neighbouring
# "none" rates, so that the drift of a shared host cancels out. Output: one
# "round" line per measurement, then one "RESULT" line per variant with its
# mean rate and the median, lowest and highest of its per-round ratios.
#
# Exit status: 0 when every variant ran and passed traffic (a variant that
# delivers nothing means its ruleset is wrong: fail). Rates are reported,
# never judged.
#
# Settings (environment, or benchdata/bench.conf written by vm-bench.sh):
#   VARIANTS  none nft-empty nft-ct nft-N nft-set-N nft-ct-set-N pfw-N lset-N (N
#             from the rulesets in benchdata/: plain-N.nft, set-N.nft,
#             ctset-N.nft, rN.pfw)
#   ROUNDS (3) WARMUP (1) DURATION (3)
#   PROFILE   variants to profile after the measurements (needs perf in the
#             guest): one more flood each, with "perf record -e cpu-clock -a"
#             over DURATION seconds, then the top kernel symbols. Not counted
#             in the rates.
#   PROFILE_SYMS  a regular expression: for the symbols it matches, also
#             print the sample count at each offset (SYMBOL+0xOFF, to map to
#             instructions on the host with objdump)
set -e
here=$(cd "$(dirname "$0")" && pwd)
if [ -f "$here/lib.sh" ]; then
	# shellcheck source=tests/vm/lib.sh
	. "$here/lib.sh"
else
	# shellcheck source=tests/vm/lib.sh
	. "$here/../lib.sh"
fi
DATA=$here/benchdata
# shellcheck disable=SC1091
[ -f "$DATA/bench.conf" ] && . "$DATA/bench.conf"
VARIANTS=${VARIANTS:-none nft-empty nft-ct nft-10 nft-1000 nft-10000 nft-set-10000 nft-ct-set-10000 pfw-0 pfw-10 pfw-1000 pfw-10000}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-1}
DURATION=${DURATION:-3}
PROFILE=${PROFILE:-}
PROFILE_SYMS=${PROFILE_SYMS:-}
PORT=9

require_cmd udpflood nft
[ -z "$PROFILE" ] || require_cmd perf
case " $VARIANTS $PROFILE " in
*" pfw-"* | *" lset-"*)
	require_cmd polyfw
	modprobe polyfw 2>/dev/null || insmod "/lib/modules/$(uname -r)/extra/polyfw.ko" ||
		fail "cannot load polyfw.ko"
	;;
esac
# Every ruleset a variant needs is there.
for v in $VARIANTS $PROFILE; do
	case "$v" in
	none | nft-empty | nft-ct) ;;
	nft-set-*) [ -f "$DATA/set-${v#nft-set-}.nft" ] || fail "$v: no $DATA/set-${v#nft-set-}.nft" ;;
	nft-ct-set-*) [ -f "$DATA/ctset-${v#nft-ct-set-}.nft" ] || fail "$v: no $DATA/ctset-${v#nft-ct-set-}.nft" ;;
	nft-*) [ -f "$DATA/plain-${v#nft-}.nft" ] || fail "$v: no $DATA/plain-${v#nft-}.nft" ;;
	pfw-*) [ -f "$DATA/r${v#pfw-}.pfw" ] || fail "$v: no $DATA/r${v#pfw-}.pfw" ;;
	lset-*) require_cmd mkprog hostile-nl ;;
	*) fail "unknown variant $v" ;;
	esac
done

now() { cut -d' ' -f1 /proc/uptime; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

setup() { # VARIANT: put its ruleset in force in the router
	case "$1" in
	none) ;;
	nft-empty)
		in_router nft -f - <<-'EOF'
			table inet bench {
				chain forward { type filter hook forward priority 0; policy accept; }
			}
		EOF
		;;
	nft-ct) # what every qvm ruleset starts with; turns conntrack on
		in_router nft -f - <<-'EOF'
			table inet bench {
				chain forward {
					type filter hook forward priority 0; policy accept;
					ct state established,related accept
				}
			}
		EOF
		;;
	nft-set-*) in_router nft -f "$DATA/set-${1#nft-set-}.nft" ;;
	nft-ct-set-*) in_router nft -f "$DATA/ctset-${1#nft-ct-set-}.nft" ;;
	nft-*) in_router nft -f "$DATA/plain-${1#nft-}.nft" ;;
	pfw-*) in_router polyfw load "$DATA/r${1#pfw-}.pfw" >/dev/null ;;
	lset-*) # a live set of N addresses the traffic's source is not in
		[ -f /tmp/lset.pfw ] || mkprog lset /tmp/lset.pfw >/dev/null
		in_router polyfw load /tmp/lset.pfw >/dev/null
		in_router hostile-nl -u block -n "${1#lset-}" -f >/dev/null
		;;
	esac
}

teardown() { # VARIANT
	case "$1" in
	nft-*) in_router nft delete table inet bench ;;
	pfw-* | lset-*) in_router polyfw flush ;;
	esac
}

# measure: flood for WARMUP + DURATION s; sets pps (received per second over
# the last DURATION s) and sent (datagrams the sender got out, all of it).
measure() {
	local total out
	total=$(awk -v w="$WARMUP" -v d="$DURATION" 'BEGIN { print w + d + 0.5 }')
	in_vm udpflood send "$INET4" "$PORT" "$total" >"$VM_TMP/send.out" &
	local spid=$!
	out=$(in_inet udpflood count /sys/class/net/eth0/statistics/rx_packets "$WARMUP" "$DURATION")
	wait "$spid" || fail "udpflood send failed"
	pps=$(echo "$out" | awk '{ print $6 }')
	sent=$(awk '{ print $2 }' "$VM_TMP/send.out")
	send_errors=$(awk '{ print $4 }' "$VM_TMP/send.out")
	send_total=$total
}

trap topo_down EXIT
topo_up
in_inet udpflood sink "$PORT" &
echo $! >>"$VM_TMP/servers"
wait_port inet udp "$PORT"

echo "bench: kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) cpu(s);" \
	"rounds $ROUNDS, warm-up ${WARMUP}s, measured ${DURATION}s; 64-byte UDP payloads"
echo "bench: variants: $VARIANTS"

# One measurement: "ROUND VARIANT PPS" appended to the results.
run_one() { # ROUND VARIANT
	local r=$1 v=$2 t0 load_s sent_pps
	t0=$(now)
	setup "$v" || fail "$v: setting up the ruleset failed"
	load_s=$(elapsed "$t0")
	measure
	if [ "$r" = 1 ] && [ "${v#pfw-}" != "$v" ]; then
		# Which rules the traffic went through (the last one, only).
		in_router polyfw counters | awk '$3 ~ /^[0-9]+$/ && $3 > 0 { print "bench:   polyfw counters: " $0 }'
	fi
	teardown "$v" >/dev/null || fail "$v: removing the ruleset failed"
	sent_pps=$(awk -v s="$sent" -v t="$send_total" 'BEGIN { printf "%.0f", s / t }')
	echo "bench: round $r $v: rx $pps pps (sent $sent_pps pps, $send_errors send errors; ruleset loaded in ${load_s}s)"
	echo "$r $v $pps" >>"$VM_TMP/results"
	[ "${pps:-0}" -gt 0 ] || fail "$v: no packet reached the receiver (the ruleset drops the traffic?)"
}

# Every variant runs between two "none" measurements, and its ratio is taken
# to their mean: the host running QEMU is shared, and its load drifts.
: >"$VM_TMP/results"
order=$(echo "$VARIANTS" | tr ' ' '\n' | sed '/^$/d; /^none$/d' | tr '\n' ' ')
for ((r = 1; r <= ROUNDS; r++)); do
	run_one "$r" none
	for v in $order; do
		run_one "$r" "$v"
		run_one "$r" none
	done
	# Reverse the order for the next round.
	order=$(echo "$order" | tr ' ' '\n' | sed '/^$/d' | tac | tr '\n' ' ')
done

# One line per variant, in the order given: mean rate, then the median,
# lowest and highest of its per-round ratios to the neighbouring "none" runs.
echo "bench: RESULT variant mean_pps ratio_median ratio_min ratio_max"
awk -v variants="$VARIANTS" '
	function sortn(a, n,   i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	}
	{
		n[$2]++; s[$2] += $3
		if ($2 == "none") {
			if (pend != "") { k = ++nr[pend]; ratio[pend, k] = pendpps / ((prev + $3) / 2) }
			prev = $3; pend = ""
		} else { pend = $2; pendpps = $3 }
	}
	END {
		k = split(variants, vs, " ")
		for (i = 1; i <= k; i++) {
			v = vs[i]
			if (v == "none") { printf "bench: RESULT none %.0f 1.00 1.00 1.00\n", s[v] / n[v]; continue }
			m = nr[v]
			for (j = 1; j <= m; j++) a[j] = ratio[v, j]
			sortn(a, m)
			med = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
			printf "bench: RESULT %s %.0f %.2f %.2f %.2f\n", v, s[v] / n[v], med, a[1], a[m]
		}
	}' "$VM_TMP/results"

# Profiles: where the CPU goes with a variant in force (cpu-clock samples;
# under -icount, proportional to instructions).
for v in $PROFILE; do
	setup "$v" || fail "$v: setting up the ruleset failed"
	# perf takes seconds to start under TCG: flood until it is done (ip
	# netns exec execs udpflood, so $! is the sender itself).
	ip netns exec vm udpflood send "$INET4" "$PORT" 600 >/dev/null &
	spid=$!
	sleep "$WARMUP"
	perf record -q -e cpu-clock -F 2000 -a -o "$VM_TMP/perf.data" -- sleep "$DURATION" >/dev/null 2>&1 ||
		fail "perf record failed"
	kill "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	teardown "$v" >/dev/null
	echo "bench: PROFILE $v: top symbols (share of cpu-clock samples, all CPUs)"
	perf report -i "$VM_TMP/perf.data" --stdio --no-children --sort sym 2>/dev/null |
		grep -v '^#' | sed '/^$/d' | head -n 45 | sed 's/^/bench:   /'
	if [ -n "$PROFILE_SYMS" ]; then
		echo "bench: PROFILE $v: samples per offset in /$PROFILE_SYMS/"
		perf script -i "$VM_TMP/perf.data" -F ip,sym,symoff 2>/dev/null |
			awk -v re="$PROFILE_SYMS" '{ s = $2; f = s; sub(/\+0x.*/, "", f); if (f ~ re) n[s]++ }
				END { for (s in n) print n[s], s }' | sort -k2 | sed 's/^/bench:   /'
	fi
done
echo "bench-forward: ok"
