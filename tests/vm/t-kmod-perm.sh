#!/bin/bash
# polyfw.ko permissions and generations: an unprivileged user can neither
# change nor read the program.  A user namespace's owner (unshare -Urn) may
# read its own network namespace's program but not write it, unless the
# module parameter userns_write is 1; even then the namespace caps hold
# (netns_prog_bytes).  A writer holding an old generation gets a conflict.
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-kmod-lib.inc
. "$(dirname "$0")/t-kmod-lib.inc"
kmod_require
P=/sys/module/polyfw/parameters
for p in userns_write netns_prog_bytes; do
	[ -w "$P/$p" ] || fail "polyfw.ko has no module parameter $p"
done
saved_uw=$(cat "$P/userns_write")
saved_pb=$(cat "$P/netns_prog_bytes")
cleanup() {
	echo "$saved_uw" >"$P/userns_write" || true
	echo "$saved_pb" >"$P/netns_prog_bytes" || true
	topo_down
}
trap cleanup EXIT
set_param() { # NAME VALUE
	pretty init "echo $2 >$P/$1"
	echo "$2" >"$P/$1"
}
topo_up
chmod 755 "$VM_TMP" "$PROGS"

a=$(prog accept)
c=$(prog count)
pfw load "$a" >/dev/null
g=$(generation)
for cmd in "load $c" "flush" "counters --zero" "show" "counters"; do
	pretty router nobody polyfw "$cmd"
	# shellcheck disable=SC2086 # cmd is words
	if in_router "${NOBODY[@]}" polyfw $cmd >"$VM_TMP/out" 2>&1; then
		fail "nobody could run polyfw $cmd"
	fi
	cat "$VM_TMP/out"
	grep -q "permission denied" "$VM_TMP/out" || fail "polyfw $cmd as nobody: unclear error"
done
[ "$(generation)" = "$g" ] || fail "generation moved from $g to $(generation)"

# The owner of a new user namespace reads its new network namespace; it
# writes only with userns_write=1, and then within the namespace caps.
# userns CMD...: run CMD as nobody in a new user and network namespace.
userns() { in_vm "${NOBODY[@]}" unshare -Urn "$@"; }
DENIED="permission denied: writing needs CAP_NET_ADMIN in the initial user namespace (module parameter userns_write=1 lets namespace admins write)"
if userns true 2>/dev/null; then
	set_param userns_write 0
	for cmd in "load $c" "flush" "counters --zero"; do
		pretty vm nobody unshare -Urn polyfw "$cmd"
		# shellcheck disable=SC2086 # cmd is words
		if userns polyfw $cmd >"$VM_TMP/out" 2>&1; then
			fail "a user namespace owner could run polyfw $cmd with userns_write=0"
		fi
		cat "$VM_TMP/out"
		grep -qF "$DENIED" "$VM_TMP/out" || fail "polyfw $cmd in a user namespace: unclear refusal"
	done
	pretty vm nobody unshare -Urn polyfw show
	userns polyfw show >"$VM_TMP/out" 2>&1 || { cat "$VM_TMP/out"; fail "a user namespace owner cannot read its own netns"; }
	grep -q "no program loaded" "$VM_TMP/out" || fail "a user namespace's fresh netns has a program"

	set_param userns_write 1
	pretty vm nobody unshare -Urn polyfw load, show, counters --zero, flush
	userns bash -c "polyfw load $c && polyfw show && polyfw counters --zero && polyfw flush" ||
		fail "a user namespace owner could not write its own netns with userns_write=1"
	big=$(prog big 200)
	set_param netns_prog_bytes 4096
	pretty vm nobody unshare -Urn polyfw load "big-200.pfw ($(stat -c %s "$big") bytes)"
	if userns polyfw load "$big" >"$VM_TMP/out" 2>&1; then
		fail "a user namespace owner loaded $(stat -c %s "$big") bytes under netns_prog_bytes 4096"
	fi
	cat "$VM_TMP/out"
	grep -qF "program of $(stat -c %s "$big") bytes is over this namespace's limit of 4096 bytes (module parameter netns_prog_bytes)" "$VM_TMP/out" ||
		fail "netns_prog_bytes in a user namespace: unclear refusal"
	userns polyfw load "$c" >/dev/null ||
		fail "a user namespace owner could not load $(stat -c %s "$c") bytes under netns_prog_bytes 4096"
	set_param netns_prog_bytes "$saved_pb"
	set_param userns_write "$saved_uw"
else
	echo "no unprivileged user namespaces here: that part skipped"
fi

pretty router polyfw load --generation "$g"
pfw load --generation "$g" "$c" || fail "load at the current generation"
if pfw load --generation "$g" "$a" 2>"$VM_TMP/err"; then
	fail "a load at a stale generation went through"
fi
cat "$VM_TMP/err"
grep -q "program changed since generation $g (now $((g + 1)))" "$VM_TMP/err" ||
	fail "unclear conflict message"
if pfw flush --generation "$g" 2>/dev/null; then fail "flush at a stale generation"; fi
pfw flush --generation $((g + 1)) || fail "flush at the current generation"
echo "kmod perm: ok"
