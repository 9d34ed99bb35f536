#!/bin/bash
# Host side of the forward-path benchmark (scripts/vm-bench.sh): write the
# rulesets that tests/vm/bench/bench-forward.sh loads in the guest.
#
# Usage: tests/vm/bench/genrules.sh OUTDIR N...
#
# For each N, the same N rules in three forms, none of which matches the
# benchmark traffic (UDP from 10.137.0.2 to 192.0.2.2 port 9, entering the
# router on vif0, see tests/vm/lib.sh):
#   OUTDIR/rN.qvm        qvm program file: "vm bench vif0", N accept rules,
#                        then the rule that accepts the traffic; compile it
#                        with polyfw compile --lang qvm (the VM's default
#                        drop and its established-replies rule come from
#                        the language)
#   OUTDIR/plain-N.nft   nftables: a forward chain (table inet, policy drop)
#                        with the N rules as plain rules, then the accept
#   OUTDIR/set-N.nft     nftables: the N rules as one set lookup (a set of
#                        N address . protocol . port elements), then the accept
#   OUTDIR/ctset-N.nft   the same with "ct state established,related accept"
#                        first, as every qvm ruleset starts (conntrack on)
# Rule i (from 0) allows 198.18.0.0+i (RFC 2544 benchmark space), UDP for
# even i and TCP for odd i, port 1000 + i % 5000: distinct /32 hosts, so no
# rule subsumes another and a linear chain must test every one.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OUTDIR N..." >&2; exit 2; }
out=$1
shift
mkdir -p "$out"
for n in "$@"; do
	awk -v n="$n" -v out="$out" '
	function addr(i) {
		return sprintf("198.%d.%d.%d", 18 + int(i / 65536), int(i / 256) % 256, i % 256)
	}
	BEGIN {
		q = out "/r" n ".qvm"; p = out "/plain-" n ".nft"; s = out "/set-" n ".nft"
		c = out "/ctset-" n ".nft"
		print "# " n " rules that the benchmark traffic does not match" > q
		print "vm bench vif0" > q
		print "table inet bench {" > p
		print "\tchain forward {" > p
		print "\t\ttype filter hook forward priority 0; policy drop;" > p
		print "table inet bench {" > s
		print "\tset allow {" > s
		print "\t\ttype ipv4_addr . inet_proto . inet_service" > s
		if (n > 0) print "\t\telements = {" > s
		for (i = 0; i < n; i++) {
			proto = (i % 2) ? "tcp" : "udp"
			port = 1000 + i % 5000
			printf "bench accept dst4=%s/32 proto=%s dstports=%d\n", addr(i), proto, port > q
			printf "\t\tip daddr %s %s dport %d accept\n", addr(i), proto, port > p
			printf "\t\t\t%s . %s . %d%s\n", addr(i), proto, port, (i < n - 1) ? "," : "" > s
		}
		if (n > 0) print "\t\t}" > s
		print "\t}" > s
		print "\tchain forward {" > s
		print "\t\ttype filter hook forward priority 0; policy drop;" > s
		print "\t\tip daddr . meta l4proto . th dport @allow accept" > s
		print "bench accept dst4=192.0.2.2/32 proto=udp dstports=9" > q
		print "\t\tip daddr 192.0.2.2 udp dport 9 accept" > p
		print "\t\tip daddr 192.0.2.2 udp dport 9 accept" > s
		print "\t}\n}" > p
		print "\t}\n}" > s
	}'
	# ctset-N: set-N with the conntrack rule first in the chain.
	awk '{ print } /type filter hook forward/ { print "\t\tct state established,related accept" }' \
		"$out/set-$n.nft" >"$out/ctset-$n.nft"
done
