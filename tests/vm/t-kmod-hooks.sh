#!/bin/bash
# polyfw.ko registers its hook function only at the netfilter hooks the
# namespace's program has an entry for (IPv4 and IPv6 alike), adds and
# removes hooks as programs are replaced, and none once flushed: packets at
# the other hooks never enter polyfw.  Seen in GET_INFO (polyfw show --json),
# and in the packets: the hooks that stay must still filter.
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-kmod-lib.inc
. "$(dirname "$0")/t-kmod-lib.inc"
kmod_require
trap topo_down EXIT
topo_up

# pfw_hooks: the hooks polyfw is registered at in the router, as GET_INFO
# reports them (polyfw show --json), space-separated.
pfw_hooks() {
	pfw show --json | tr -d '\n' | sed -n 's/.*"hooks": *\[\([^]]*\)\].*/\1/p' |
		tr -d ' "' | tr ',' ' '
}

[ -z "$(pfw_hooks)" ] || fail "hooks before any program: $(pfw_hooks)"
serve inet udp 9

load drop-udp 9
got=$(pfw_hooks)
echo "forward program: $got"
[ "$got" = "forward" ] || fail "a forward-only program hooks at: $got"

load accept
got=$(pfw_hooks)
echo "forward, input and output program: $got"
[ "$got" = "input forward output" ] ||
	fail "a forward/input/output program hooks at: $got"
udp_deliver vm inet "$INET4" 9 || fail "UDP not delivered by the accept program"

load drop-udp 9
got=$(pfw_hooks)
[ "$got" = "forward" ] || fail "back to forward only, hooks at: $got"
if udp_deliver vm inet "$INET4" 9; then fail "UDP 9 went through after the hooks were trimmed"; fi

pfw flush >/dev/null
[ -z "$(pfw_hooks)" ] || fail "hooks after a flush: $(pfw_hooks)"
udp_deliver vm inet "$INET4" 9 || fail "UDP not delivered after the flush"
echo "kmod hooks: ok"
