#!/bin/bash
# polyfw.ko permissions and generations: an unprivileged user can neither
# change nor read the program; a user namespace's owner can, in its own
# network namespace; a writer holding an old generation gets a conflict.
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-kmod-lib.inc
. "$(dirname "$0")/t-kmod-lib.inc"
kmod_require
trap topo_down EXIT
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

# The owner of a new user namespace administers its new network namespace.
if in_vm "${NOBODY[@]}" unshare -Urn true 2>/dev/null; then
	pretty vm nobody unshare -Urn polyfw load
	in_vm "${NOBODY[@]}" unshare -Urn sh -c "polyfw load $c && polyfw show" ||
		fail "a user namespace owner could not load into its own netns"
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
