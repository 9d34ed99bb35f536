#!/bin/bash
# The boot-time loader (dist/polyfw-boot, what polyfw.service runs) puts the
# saved qvm-firewall program in force, and "stop" removes it.
#
#   netns vm --- vif0 [router: polyfw-boot start] eth0 --- netns inet
set -eu
. "$(dirname "$0")/lib.sh"
topo_up
trap topo_down EXIT
state=/tmp/boot-state
mkdir -p "$state"
export POLYFW_STATE_DIR=$state POLYFW_VMS_CONF=$state/vms.conf POLYFW_KERNEL=off
echo "work vif0" >"$POLYFW_VMS_CONF"
# rules prepared while no module runs: only the files are written
polyfw qvm work del --rule-no 0
polyfw qvm work add accept dsthost=$INET4 icmp
[ -s "$state/program.pfw" ] || fail "no program file written"
ping_ok vm "$INET4_B" || fail "before boot: no filter should be in force"
unset POLYFW_KERNEL
export POLYFW
POLYFW=$(command -v polyfw)
in_router sh /tests/polyfw-boot start | grep -q "polyfw: loaded $state/program.pfw" || fail "start did not load"
ping_ok vm "$INET4" || fail "allowed ping dropped"
if ping_ok vm "$INET4_B"; then fail "default drop not in force"; fi
in_router sh /tests/polyfw-boot status | grep -q "qvm:work:0" || fail "status does not show the rules"
in_router sh /tests/polyfw-boot stop
ping_ok vm "$INET4_B" || fail "stop left the program in force"
exit 0
