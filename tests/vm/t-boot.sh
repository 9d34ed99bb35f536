#!/bin/bash
# The boot-time loader (dist/polyfw-boot, what polyfw.service runs) puts the
# saved qvm-firewall program in force, fills the live sets of its dsthost
# names (polyfw resolve), and "stop" removes it.
#
#   netns vm --- vif0 [router: polyfw-boot start] eth0 --- netns inet
set -eu
. "$(dirname "$0")/lib.sh"
topo_up
trap 'rm -rf /etc/netns/router; topo_down' EXIT
state=/tmp/boot-state
mkdir -p "$state"
export POLYFW_STATE_DIR=$state POLYFW_VMS_CONF=$state/vms.conf POLYFW_KERNEL=off
echo "work vif0" >"$POLYFW_VMS_CONF"
# rules prepared while no module runs: only the files are written
polyfw qvm work del --rule-no 0
polyfw qvm work add accept dsthost=$INET4 icmp
# a host name: resolved (through the router's /etc/hosts) at start
polyfw qvm work add accept dsthost=boot-b icmp
grep -q " boot-b$" "$state/dns-sets" || fail "boot-b is not in dns-sets"
mkdir -p /etc/netns/router
printf '127.0.0.1 localhost\n%s boot-b\n' "$INET4_B" >/etc/netns/router/hosts
[ -s "$state/program.pfw" ] || fail "no program file written"
ping_ok vm "$INET4_B" || fail "before boot: no filter should be in force"
unset POLYFW_KERNEL
export POLYFW
POLYFW=$(command -v polyfw)
in_router sh /tests/polyfw-boot start >/tmp/boot-out || fail "start failed"
cat /tmp/boot-out
grep -q "polyfw: loaded $state/program.pfw" /tmp/boot-out || fail "start did not load"
grep -q "^dns\.[0-9a-f]\{8\} boot-b: 1 address$" /tmp/boot-out || fail "start did not resolve boot-b"
ping_ok vm "$INET4" || fail "allowed ping dropped"
ping_ok vm "$INET4_B" || fail "ping of boot-b dropped: its set was not filled"
if ping_ok vm "$INET6"; then fail "default drop not in force"; fi
in_router sh /tests/polyfw-boot status | grep -q "qvm:work:0" || fail "status does not show the rules"
in_router sh /tests/polyfw-boot stop
ping_ok vm "$INET4_B" || fail "stop left the program in force"
exit 0
