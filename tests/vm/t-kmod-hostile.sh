#!/bin/bash
# polyfw.ko under a hostile netlink sender: random, truncated and lying
# attributes, bad transactions, damaged programs, an idle transaction.  Every request must be
# answered, the expected ones with errors, and the module must still work.
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-kmod-lib.inc
. "$(dirname "$0")/t-kmod-lib.inc"
kmod_require
require_cmd hostile-nl
cleanup() {
	ip netns del idle 2>/dev/null || true
	topo_down
}
trap cleanup EXIT
topo_up

serve inet udp 9
serve inet udp 5353
# An idle transaction times out (33 s), meanwhile the rest runs; in a
# namespace of its own, where it takes no transaction slot from the others.
ip netns add idle
in_ns idle hostile-nl -t >"$VM_TMP/idle" 2>&1 &
idle=$!
in_router hostile-nl -n 3000 -s 7 "$(prog count 2)" || fail "hostile-nl found failures"
in_router hostile-nl -n 1000 -s 8 "$(prog state 8080 3)" || fail "hostile-nl (state) found failures"
hostile-nl -n 500 -s 9 || fail "hostile-nl in the initial namespace found failures"
pfw flush >/dev/null
polyfw flush >/dev/null
wait "$idle" || { cat "$VM_TMP/idle"; fail "an idle transaction was not dropped"; }

# Still healthy.
load drop-udp 9
if udp_deliver vm inet "$INET4" 9; then fail "UDP 9 went through after the hostile run"; fi
udp_deliver vm inet "$INET4" 5353 || fail "UDP 5353 not delivered after the hostile run"
pfw load "$(prog bad)" 2>"$VM_TMP/err" && fail "the CLI loaded a bad program"
cat "$VM_TMP/err"
grep -q "jump" "$VM_TMP/err" || fail "no verifier message for the bad program"
echo "kmod hostile: ok"
