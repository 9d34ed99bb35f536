#!/bin/bash
# Live sets, changed while packets run (polyfw(8) "polyfw set"): a program
# (mkprog lset) declares an address set with values ("block": a source in
# it with value 7 is dropped), a number set ("ports": UDP to a port in it is
# dropped) and an interface set ("ifs": TCP 7777 arriving on an interface in
# it is dropped).  Elements are added, deleted, replaced and flushed without
# a reload; the longest prefix decides the value; a reload that keeps a
# set's name and type keeps its elements; a 20,000-element replace goes in
# at once; what the kernel lists is what was put in.
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-kmod-lib.inc
. "$(dirname "$0")/t-kmod-lib.inc"
kmod_require
trap topo_down EXIT
topo_up

set_cmd() {
	pretty router polyfw set default "$@"
	pfw set default "$@" >/dev/null || fail "polyfw set default $*"
}
elems() { pfw set default "$1" list | tr '\n' ' '; }

serve inet udp 9
load lset
gen0=$(generation)
pfw sets | tee "$VM_TMP/sets"
grep -q "^block " "$VM_TMP/sets" && grep -q "^ports " "$VM_TMP/sets" && grep -q "^ifs " "$VM_TMP/sets" ||
	fail "polyfw sets does not list block, ports and ifs"
udp_deliver vm inet "$INET4" 9 || fail "UDP 9 dropped by an empty set"

# Numbers.
set_cmd ports add 9 1000-2000
if udp_deliver vm inet "$INET4" 9; then fail "UDP 9 delivered with 9 in ports"; fi
[ "$(key_packets 301)" -ge 1 ] || fail "the ports rule did not count"
[ "$(elems ports)" = "9 1000-2000 " ] || fail "ports lists: $(elems ports)"
set_cmd ports del 9
udp_deliver vm inet "$INET4" 9 || fail "UDP 9 dropped after its deletion"
[ "$(generation)" = "$gen0" ] || fail "set changes moved the table's generation"

# Addresses, longest prefix and its value.
expect_tcp refused vm "$INET4" 8080
set_cmd block add 10.137.0.0/16=7
expect_tcp timeout vm "$INET4" 8080
set_cmd block add 10.137.0.2=5
expect_tcp refused vm "$INET4" 8080
set_cmd block del 10.137.0.2
expect_tcp timeout vm "$INET4" 8080
[ "$(elems block)" = "10.137.0.0/16=7 " ] || fail "block lists: $(elems block)"

# A reload keeps the elements of sets whose name and type it keeps.
load lset
expect_tcp timeout vm "$INET4" 8080
[ "$(elems block)" = "10.137.0.0/16=7 " ] || fail "the reload lost block's elements: $(elems block)"

# A big replace, at once.
for ((i = 0; i < 20000; i++)); do
	echo "198.$((i / 250 % 250)).$((i % 250)).0/24=7"
done >"$VM_TMP/big.set"
set_cmd block replace --file "$VM_TMP/big.set"
expect_tcp refused vm "$INET4" 8080
pfw sets --json | tr -d ' \n' | grep -q '"elements":20000' || fail "block does not have 20000 elements: $(pfw sets --json)"
[ "$(pfw set default block list | wc -l)" = 20000 ] || fail "list does not give 20000 elements"
set_cmd block add 10.0.0.0/8=7
expect_tcp timeout vm "$INET4" 8080
set_cmd block flush
expect_tcp refused vm "$INET4" 8080
[ -z "$(elems block)" ] || fail "block not empty after a flush"

# Interfaces, with a prefix.
expect_tcp refused vm "$INET4" 7777
set_cmd ifs add vif+
expect_tcp timeout vm "$INET4" 7777
expect_tcp refused vm "$INET4" 7778
set_cmd ifs del vif+
expect_tcp refused vm "$INET4" 7777
# An exact name, after a rename from a longer one left bytes past its NUL
# in the kernel's copy of the name.
ip -n router link set vif0 down
ip -n router link set vif0 name vif0-longer-nam
ip -n router link set vif0-longer-nam name vif0
ip -n router link set vif0 up
set_cmd ifs add vif0
expect_tcp timeout vm "$INET4" 7777
set_cmd ifs del vif0
expect_tcp refused vm "$INET4" 7777

# Refusals name the problem and change nothing.
if pfw set default nosuch add 1 2>"$VM_TMP/err"; then fail "a set that does not exist took an element"; fi
grep -q "no set nosuch in table default" "$VM_TMP/err" || fail "no such set: $(cat "$VM_TMP/err")"
if pfw set default ports del 4242 2>"$VM_TMP/err"; then fail "deleted an element that is not there"; fi
grep -q "set ports has no such element" "$VM_TMP/err" || fail "missing element: $(cat "$VM_TMP/err")"
pfw flush >/dev/null
if pfw set default ports add 9 2>/dev/null; then fail "a flushed table's set took an element"; fi
echo "kmod live sets: ok"
