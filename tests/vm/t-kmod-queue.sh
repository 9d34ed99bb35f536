#!/bin/bash
# polyfw.ko QUEUE: with nobody listening on the queue, packets pass when the
# rule sets the bypass flag and are dropped when it does not.
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-kmod-lib.inc
. "$(dirname "$0")/t-kmod-lib.inc"
kmod_require
grep -q '^nfnetlink_queue ' /proc/modules || skip "no nfnetlink_queue"
trap topo_down EXIT
topo_up

load queue 5 1
ping_ok vm "$INET4" || fail "queue with bypass: ping dropped"
ping_ok vm "$INET6" || fail "queue with bypass: ping6 dropped"
[ "$(packets 0)" -ge 2 ] || fail "the queue rule counted $(packets 0)" # ICMPv4 only
load queue 5 0
if ping_ok vm "$INET4"; then fail "queue without bypass and listener: ping went through"; fi
echo "kmod queue: ok"
