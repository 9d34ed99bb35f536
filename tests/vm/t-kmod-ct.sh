#!/bin/bash
# Conntrack fields on real connections: a program on the router's forward
# hook sees a datagram's original destination port (before the DNAT that
# nft does in prerouting), marks its connection (SET_CTMARK), and matches
# that mark on the connection's next datagram; replies are seen as replies.
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-kmod-lib.inc
. "$(dirname "$0")/t-kmod-lib.inc"
kmod_require
require_cmd nft
trap topo_down EXIT
topo_up

serve inet udp 5353
pretty router nft dnat udp 9999 to "$INET4:5353"
in_router nft -f - <<NFT || fail "nft: cannot set up the DNAT"
table ip pfwtest {
	chain pre {
		type nat hook prerouting priority -100;
		udp dport 9999 dnat to $INET4:5353
	}
}
NFT
load ct 9999

# straight to 5353: its original destination port is 5353, dropped
if udp_deliver vm inet "$INET4" 5353; then fail "UDP straight to 5353 went through"; fi
[ "$(packets 3)" -ge 1 ] || fail "the udp drop rule counted $(packets 3)"

# to 9999, DNATed to 5353: the first datagram is matched by its original
# port and marks the connection, the next one of the flow by the mark
for i in 1 2; do
	tok="ct-$i-$RANDOM"
	printf '%s\n' "$tok" | in_ns vm timeout 5 nc -un -q0 -p 40001 "$INET4" 9999 >/dev/null 2>&1 || true
	wait_data "$(served inet udp 5353)" "$tok" 2 || fail "datagram $i to 9999 (DNATed to 5353) not delivered"
done
pfw counters
[ "$(packets 2)" = 1 ] || fail "the original-port rule counted $(packets 2), not 1"
[ "$(packets 1)" = 1 ] || fail "the connection-mark rule counted $(packets 1), not 1"

# an echo reply is seen as the reply direction of its connection
ping_ok vm "$INET4" || fail "ping through the router failed"
[ "$(packets 0)" -ge 1 ] || fail "the reply rule counted $(packets 0)"
[ "$(packets 4)" -ge 1 ] || fail "the echo request was not counted by the last rule"
echo "kmod ct: ok"
