#!/bin/bash
# polyfw.ko limiters: ICMP through a 2/s limiter with a burst of 3 loses most
# of a fast ping train but not all of it.  Then mark and DSCP actions: the
# mark is seen by nft in the router, the DSCP by nft in inet.
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-kmod-lib.inc
. "$(dirname "$0")/t-kmod-lib.inc"
kmod_require
trap topo_down EXIT
topo_up

load limit 2 3
out=$(in_vm ping -q -n -c 20 -i 0.05 -W 1 "$INET4" 2>&1 || true)
echo "$out"
got=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
[ -n "$got" ] && [ "$got" -ge 1 ] && [ "$got" -le 6 ] ||
	fail "limiter let $got of 20 pings through (expected 1-6)"
[ "$(packets 1)" -ge 10 ] || fail "the drop-after-limit rule counted $(packets 1)"

require_cmd nft
load mark 7 11
in_router nft add table inet m
in_router nft add chain inet m post '{ type filter hook postrouting priority 100; }'
in_router nft add rule inet m post meta mark 7 counter
in_inet nft add table inet d
in_inet nft add chain inet d in '{ type filter hook input priority 0; }'
in_inet nft add rule inet d in ip dscp 11 counter
in_inet nft add rule inet d in ip6 dscp 11 counter
ping_ok vm "$INET4" 3 || fail "ping with mark/DSCP failed"
ping_ok vm "$INET6" 3 || fail "ping6 with mark/DSCP failed"
in_router nft list chain inet m post | tee "$VM_TMP/mark"
in_inet nft list chain inet d in | tee "$VM_TMP/dscp"
grep -q "mark 0x00000007 counter packets [1-9]" "$VM_TMP/mark" || fail "no packet left the router with mark 7"
grep -q "ip dscp 0x0b counter packets [1-9]" "$VM_TMP/dscp" || fail "no IPv4 packet arrived with DSCP 11"
grep -q "ip6 dscp 0x0b counter packets [1-9]" "$VM_TMP/dscp" || fail "no IPv6 packet arrived with DSCP 11"
echo "kmod limit/mark: ok"
