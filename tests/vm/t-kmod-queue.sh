#!/bin/bash
# polyfw.ko QUEUE: with nobody listening on the queue, packets pass when the
# rule sets the bypass flag and are dropped when it does not; a packet that
# passes goes on with the next table.
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

# A packet one table queues and that comes back accepted (here: bypassed,
# nobody listens) goes on with the next table: a table after this one at
# priority 5 that rejects echo requests sees it, counts it, and ends it.
load queue 5 1
after=$(prog reject 1)
pfw load --table after --priority 5 "$after" >/dev/null || fail "load into table after"
if ping_ok vm "$INET4"; then fail "the table after the queue did not see the bypassed ping"; fi
n=$(pfw counters --table after | awk '$2 == 203 { print $3 }')
[ "${n:-0}" -ge 1 ] || fail "the table after the queue counted ${n:-0} echo requests"
pfw flush --table after --delete >/dev/null
ping_ok vm "$INET4" || fail "ping dropped once the table after was deleted"
echo "kmod queue: ok"
