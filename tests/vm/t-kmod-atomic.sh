#!/bin/bash
# polyfw.ko replacement is atomic: while pings flow through the router, two
# programs that both accept them replace each other many times and not one
# ping is lost.  Then a program of megabytes (many netlink chunks) loads and
# filters.
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-kmod-lib.inc
. "$(dirname "$0")/t-kmod-lib.inc"
kmod_require
trap topo_down EXIT
topo_up

a=$(prog accept)
b=$(prog count 3)
pfw load "$a" >/dev/null
in_vm ping -q -n -c 3000 -i 0.002 "$INET4" >"$VM_TMP/ping4" 2>&1 &
p4=$!
in_vm ping -q -n -c 3000 -i 0.002 "$INET6" >"$VM_TMP/ping6" 2>&1 &
p6=$!
n=0
while kill -0 "$p4" 2>/dev/null || kill -0 "$p6" 2>/dev/null; do
	pfw load "$b" >/dev/null || fail "load $b"
	pfw load "$a" >/dev/null || fail "load $a"
	n=$((n + 2))
done
wait "$p4" || true
wait "$p6" || true
cat "$VM_TMP/ping4" "$VM_TMP/ping6"
echo "$n programs loaded during the pings"
[ "$n" -ge 10 ] || fail "only $n reloads happened during the pings"
grep -q " 0% packet loss" "$VM_TMP/ping4" || fail "IPv4 pings lost during reloads"
grep -q " 0% packet loss" "$VM_TMP/ping6" || fail "IPv6 pings lost during reloads"

serve inet tcp 10005
serve inet tcp 8080
# 20000 linear rules: 1.2 MB, 36 chunks; a TCP packet to 8080 runs through
# all of them (slowly, under TCG), so give it time.
big=$(prog big 20000)
ls -l "$big"
pfw load "$big" || fail "the big program did not load"
pfw show | head -n 1 | grep -q "20001 rules" || fail "show does not report the big program"
in_vm ping -n -c 3 "$INET4" | tail -n 1
expect_tcp timeout vm "$INET4" 10005
token="big-$RANDOM"
tcp_send vm "$INET4" 8080 "$token" 8 || fail "big program: TCP 8080 not sent"
wait_data "$(served inet tcp 8080)" "$token" 8 || fail "big program: TCP 8080 not delivered"
[ "$(packets 5)" -ge 1 ] || fail "big program: rule 5 counted nothing"
pfw show --json >"$VM_TMP/big.json"
grep -q '"generation"' "$VM_TMP/big.json" || fail "show --json"
echo "kmod atomic: ok"
