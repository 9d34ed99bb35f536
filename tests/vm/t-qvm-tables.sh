#!/bin/bash
# Two tables in force at once in the router: qvm-firewall's table "qvm"
# (priority 10) and a host policy loaded with "polyfw load --table host"
# (priority -5).  What polyfw(8) promises:
#   - a packet passes a hook only if every table that governs it lets it
#     through, and netfilter runs the tables in priority order: a packet the
#     host table drops is never seen by the qvm table (its counters);
#   - each table is loaded, replaced, flushed and deleted on its own: its
#     generation moves, the other table's generation, program and counters
#     do not;
#   - polyfw tables lists each with its priority, generation, rules, bytes
#     and hooks;
#   - a table keeps the priority it was made with, and a bad name is refused.
#
#   netns vm              netns router                          netns inet
#   10.137.0.2  --- vif0 [table host -5: tcp 8080 drop ] eth0 --- 192.0.2.2
#                        [table qvm 10: work's rules   ]          (nothing
#                                                                  listens:
#                                                                  refused =
#                                                                  let through)
set -e
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/vm/t-qvm-lib.inc
. "$(dirname "$0")/t-qvm-lib.inc"
qvm_require
trap qvm_cleanup EXIT
topo_up
echo "work vif0" >"$POLYFW_VMS_CONF"

# table_field TABLE FIELD: one field of "polyfw tables --json" for TABLE
# (its JSON value; empty when there is no such table).
table_field() {
	pfw tables --json | tr -d '\n ' | sed 's/},{/}\n{/g' |
		sed -n "/\"table\":\"$1\"/s/.*\"$2\":\\(\\[[^]]*\\]\\|[^,}]*\\).*/\\1/p"
}
host_packets() {
	pfw counters --table host | awk -v k="$1" '$2 == k { print $3; f = 1 } END { if (!f) print "none" }'
}

qvm work del --rule-no=0
qvm work add accept 192.0.2.2 tcp 8080
qvm work add accept 192.0.2.2 tcp 8081
expect_tcp refused vm "$INET4" 8080
expect_tcp timeout vm "$INET4" 9000

# 1. The host table beside it: tcp 8080 dropped whatever the VM's rules say.
host=$(prog drop-tcp 8080)
pretty router polyfw load --table host --priority -5 drop-tcp-8080.pfw
pfw load --table host --priority -5 "$host" >"$VM_TMP/out" || fail "load into table host"
grep -q "into table host, generation" "$VM_TMP/out" || fail "load: $(cat "$VM_TMP/out")"
pfw tables | tee "$VM_TMP/tables"
[ "$(awk 'NR > 1 { print $1, $2 }' "$VM_TMP/tables" | tr '\n' ' ')" = "host -5 qvm 10 " ] ||
	fail "polyfw tables: not host at -5 and qvm at 10"
[ "$(table_field host hooks)" = '["input","forward","output"]' ] || fail "host hooks: $(table_field host hooks)"
[ "$(table_field qvm hooks)" = '["forward"]' ] || fail "qvm hooks: $(table_field qvm hooks)"
qgen=$(table_field qvm generation)
hgen=$(table_field host generation)
snap_take
q0=$(loc_packets qvm:work:0)
expect_tcp timeout vm "$INET4" 8080
expect_tcp refused vm "$INET4" 8081
[ "$(host_packets 1100)" -ge 1 ] || fail "the host table did not count the dropped SYN"
snap_take
[ "$(loc_packets qvm:work:0)" = "$q0" ] || fail "the qvm table saw a packet the host table dropped before it"
[ "$(loc_packets qvm:work:1)" -ge 1 ] || fail "the qvm table did not see what the host table let through"

# 2. A qvm-firewall change leaves the host table alone, and the reverse.
qvm work add accept 192.0.2.2 tcp 9000
expect_tcp refused vm "$INET4" 9000
expect_tcp timeout vm "$INET4" 8080
[ "$(table_field host generation)" = "$hgen" ] || fail "a qvm-firewall change moved the host table's generation"
[ "$(table_field qvm generation)" != "$qgen" ] || fail "the qvm table's generation did not move"
qgen=$(table_field qvm generation)
pfw load --table host "$(prog drop-tcp 8081)" >/dev/null || fail "reload of table host (its priority kept)"
[ "$(table_field host priority)" = -5 ] || fail "a reload without --priority changed it"
[ "$(table_field qvm generation)" = "$qgen" ] || fail "a host reload moved the qvm table's generation"
expect_tcp refused vm "$INET4" 8080
expect_tcp timeout vm "$INET4" 8081

# 3. Flushing one table: the other stays in force.
pfw flush --table host >"$VM_TMP/out" || fail "flush --table host"
grep -q "^table host flushed, generation [0-9]*$" "$VM_TMP/out" || fail "flush: $(cat "$VM_TMP/out")"
[ "$(table_field host hooks)" = "[]" ] || fail "a flushed table keeps hooks: $(table_field host hooks)"
[ "$(table_field host priority)" = -5 ] || fail "a flushed table lost its priority"
expect_tcp refused vm "$INET4" 8081
expect_tcp timeout vm "$INET4" 7000
[ "$(table_field qvm generation)" = "$qgen" ] || fail "flushing host moved the qvm table's generation"
pfw load --table host "$host" >/dev/null
pfw flush --table qvm >/dev/null || fail "flush --table qvm"
expect_tcp refused vm "$INET4" 7000
expect_tcp timeout vm "$INET4" 8080
qvm work add accept 192.0.2.2 tcp 8082
expect_tcp timeout vm "$INET4" 7000

# 4. Priorities stay, names are checked, tables go.
if pfw load --table qvm --priority 50 "$host" 2>"$VM_TMP/err"; then fail "the qvm table moved to priority 50"; fi
grep -qF "table qvm hooks in at priority 10, not 50: delete it to change its priority" "$VM_TMP/err" ||
	fail "priority change: $(cat "$VM_TMP/err")"
if pfw load --table "bad name" "$host" 2>"$VM_TMP/err"; then fail "a table named 'bad name' was made"; fi
grep -qF "bad table name: 1 to 31 of A-Z a-z 0-9 _ . -, starting with a letter or digit" "$VM_TMP/err" ||
	fail "bad name: $(cat "$VM_TMP/err")"
pfw flush --table host --delete >"$VM_TMP/out" || fail "flush --delete"
grep -qx "table host deleted" "$VM_TMP/out" || fail "delete: $(cat "$VM_TMP/out")"
[ "$(pfw tables | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" = "qvm " ] || fail "host still listed"
if pfw flush --table host --delete 2>"$VM_TMP/err"; then fail "deleted a table twice"; fi
grep -qx "polyfw: no table host" "$VM_TMP/err" || fail "second delete: $(cat "$VM_TMP/err")"
expect_tcp refused vm "$INET4" 8080
pfw show --table host | grep -qx "table host, generation 0, no program loaded" || fail "show of a deleted table"
echo "qvm tables: ok"
