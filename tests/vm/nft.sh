#!/bin/bash
# nftables works in a guest namespace (the comparison benchmark uses it):
# a forward-hook table in the router of lib.sh's topology rejects and counts
# what it should, lets the rest through, and stays in its namespace.
#
#   vm ---- router [table inet t: forward hook] ---- inet
#
#   to 192.0.2.3 / 2001:db8::3 tcp 8080  -> reject with tcp reset, counted
#   ct state established,related         -> accept
#   everything else                      -> accept (policy)
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

trap topo_down EXIT
topo_up
serve inet tcp 8080

pretty router nft -f - "(table inet t)"
in_router nft -f - <<NFT
table inet t {
	set blocked4 { type ipv4_addr; elements = { $INET4_B } }
	chain forward {
		type filter hook forward priority 0; policy accept;
		ct state established,related accept
		ip daddr @blocked4 tcp dport 8080 counter reject with tcp reset
		ip6 daddr $INET6_B tcp dport 8080 counter reject with tcp reset
	}
}
NFT
in_router nft list ruleset | tee "$VM_TMP/ruleset"
grep -q 'table inet t' "$VM_TMP/ruleset" || fail "nft list ruleset lacks the table"

for addr in "$INET4_B" "$INET6_B"; do
	st=$(tcp_connect vm "$addr" 8080 || true)
	[ "$st" = refused ] || fail "reject to $addr: expected refused, got $st"
done
for addr in "$INET4" "$INET6"; do
	tcp_deliver vm inet "$addr" 8080 || fail "rule hit $addr, which it should not"
done
[ "$(in_router nft list chain inet t forward | grep -c 'packets [1-9]')" = 2 ] ||
	fail "the two reject rules did not both count"

nft list tables | grep -q 'table inet t' && fail "the table leaked into the root namespace"
pretty router nft add table inet t2
in_router nft add table inet t2
in_router nft delete table inet t
in_router nft list tables | grep -qx 'table inet t2' || fail "table t2 missing after delete of t"
echo "nft: ok"
