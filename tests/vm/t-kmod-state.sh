#!/bin/bash
# polyfw.ko dynamic states (keep-state): connections to tcp 8080 that vm
# opens are let back in, everything else is dropped; with a limit of one
# state per source, a second connection waits for the first state to go.
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-kmod-lib.inc
. "$(dirname "$0")/t-kmod-lib.inc"
kmod_require
trap topo_down EXIT
topo_up

serve inet tcp 8080
serve inet tcp 8081
serve vm tcp 9000
load state 8080
tcp_deliver vm inet "$INET4" 8080 || fail "TCP 8080 not delivered with keep-state"
# polyfw states: the flow, its parent rule and the time it has left
pfw states | tee "$VM_TMP/states"
grep -Eq "^tcp +[0-9.]+:[0-9]+ +<-> +[0-9.]+:[0-9]+ +rule 0 mkprog:state-add +[0-9]+s left$" "$VM_TMP/states" ||
	fail "polyfw states does not show the tcp flow of rule 0"
grep -q "$INET4:8080" "$VM_TMP/states" || fail "polyfw states does not show $INET4:8080"
pfw states --json | grep -q '"location": "mkprog:state-add"' || fail "polyfw states --json lacks the location"
tcp_deliver vm inet "$INET6" 8080 || fail "TCP6 8080 not delivered with keep-state"
expect_tcp timeout vm "$INET4" 8081
expect_tcp timeout inet "$VM4" 9000
pfw show
[ "$(packets 2)" -ge 4 ] || fail "state-hit rule counted $(packets 2) packets"

load state 8080 1
tcp_deliver vm inet "$INET4" 8080 || fail "first limited connection failed"
expect_tcp timeout vm "$INET4" 8080
# The first flow's state ends 5 s after its FIN; the reaper runs every 5 s.
ok=0
for i in $(seq 1 20); do
	if tcp_deliver vm inet "$INET4" 8080; then ok=1; break; fi
	sleep 1
done
[ "$ok" = 1 ] || fail "the limit never freed up"

# A full table refuses new flows and counts them (show --json states).
refused() { pfw show --json | tr -d '\n ' | sed -n 's/.*"refused":\([0-9]*\).*/\1/p'; }
load state 8080
saved=$(cat /sys/module/polyfw/parameters/max_states)
trap 'echo "$saved" >/sys/module/polyfw/parameters/max_states; topo_down' EXIT
r0=$(refused)
alive=$(pfw show --json | tr -d '\n ' | sed -n 's/.*"alive":\([0-9]*\).*/\1/p')
echo "$alive" >/sys/module/polyfw/parameters/max_states
expect_tcp timeout vm "$INET4" 8080
r1=$(refused)
echo "states refused: $r0 before, $r1 after a flow over max_states=$alive"
[ "$r1" -gt "$r0" ] || fail "a flow over max_states was not counted as refused ($r0 -> $r1)"
echo "$saved" >/sys/module/polyfw/parameters/max_states
tcp_deliver vm inet "$INET4" 8080 || fail "TCP 8080 not delivered once max_states was restored"
# The table's state lifetimes (load --state-timeouts): ipfw's FIN lifetime
# of 1 s ends a closed flow's state at the next reap (every 5 s).
p=$(prog state 8080)
pfw load --state-timeouts ipfw "$p" >/dev/null || fail "load --state-timeouts ipfw"
pfw show --json | tr -d ' \n' | grep -q '"state_timeouts":{"established":300,"fin":1,"other":5,"rst":1,"syn":20,"udp":10}' ||
	fail "show --json: not ipfw's lifetimes: $(pfw show --json | tr -d ' \n' | grep -o '"state_timeouts":{[^}]*}')"
tcp_deliver vm inet "$INET4" 8080 || fail "TCP 8080 not delivered with ipfw's lifetimes"
n=$(pfw states | head -1 | cut -d' ' -f1)
[ "$n" -ge 1 ] || fail "no state for the flow"
sleep 7
[ "$(pfw states | head -1)" = "0 states" ] || fail "a closed flow's state outlived fin=1: $(pfw states)"
pfw load --state-timeouts udp=2,established=3600 "$p" >/dev/null || fail "load --state-timeouts udp=2,established=3600"
pfw show --json | tr -d ' \n' | grep -q '"state_timeouts":{"established":3600,"fin":1,"other":5,"rst":1,"syn":20,"udp":2}' ||
	fail "a partial --state-timeouts did not keep the other lifetimes"
if pfw load --state-timeouts fin=0 "$p" 2>"$VM_TMP/err"; then fail "fin=0 was taken"; fi
grep -qx "polyfw: bad state timeout 'fin=0': seconds must be 1 to 604800" "$VM_TMP/err" || fail "fin=0: $(cat "$VM_TMP/err")"
echo "kmod state: ok"
