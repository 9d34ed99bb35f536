#!/bin/bash
# Live set figures for docs/performance.md (not a test: nothing is judged).
# In the router namespace, a program with an address set (mkprog lset) and
# hostile-nl -u fill the set with N /32 addresses by REPLACE, then add and
# delete 10,000 more one netlink message each; the memory the set's
# elements take comes from GET_SETS (polyfw sets) and from the slab
# counters.  Run with scripts/vm-test.sh --bin-dir DIR --test tests/vm/bench
# --only lset-updates (N: $LSET_N, default 100000).
set -e
# shellcheck source=tests/vm/lib.sh
. /tests/lib.sh
# shellcheck source=tests/vm/t-kmod-lib.inc
. /tests/t-kmod-lib.inc
kmod_require
trap topo_down EXIT
topo_up
n=${LSET_N:-100000}
load lset
slab() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }
s0=$(slab)
in_router hostile-nl -u block -n "$n"
s1=$(slab)
pfw sets
# keys come sorted: "bytes" before "set"
bytes=$(pfw sets --json | tr -d ' \n' | sed -n 's/.*"bytes":\([0-9]*\),[^}]*"set":"block".*/\1/p')
echo "lset: $n elements: GET_SETS says ${bytes:-?} bytes of elements ($(( ${bytes:-0} / n )) a element); slab grew by $(( (s1 - s0) * 1024 / n )) bytes an element (hash table included)"
