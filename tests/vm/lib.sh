# shellcheck shell=bash
# Helpers shared by the guest tests (bash). Source it from a test with
#   . "$(dirname "$0")/lib.sh"
#
# The standard topology: a firewalled "vm" behind a "router" (where the
# firewall under test runs, on its forward path) and an "inet" upstream with
# two addresses per family, so rules can tell destinations apart.
#
#   +---------------+        +--------------------+        +------------------+
#   | netns vm      |  veth  | netns router       |  veth  | netns inet       |
#   | eth0 ---------+--------+- vif0      eth0 ---+--------+- eth0            |
#   | 10.137.0.2    |        |  10.137.0.1        |        |  192.0.2.2       |
#   | fd00:137::2   |        |  fd00:137::1       |        |  192.0.2.3       |
#   +---------------+        |       192.0.2.1    |        |  2001:db8::2     |
#                            |       2001:db8::1  |        |  2001:db8::3     |
#                            | forwarding on      |        +------------------+
#                            +--------------------+
#
# inet's second addresses (.3, ::3) receive but are never picked as a
# source: connections from inet come from .2 / ::2.
#
# Everything here uses the real binaries (ip, nc, ping, nft, timeout) that
# come first in PATH; the tests run under bash, so busybox applets do not
# shadow them.

VM4=10.137.0.2
VM6=fd00:137::2
ROUTER_VM4=10.137.0.1
ROUTER_VM6=fd00:137::1
ROUTER_INET4=192.0.2.1
ROUTER_INET6=2001:db8::1
INET4=192.0.2.2
INET6=2001:db8::2
INET4_B=192.0.2.3
INET6_B=2001:db8::3

# Run a command as the unprivileged user (uid/gid 65534), e.g.
#   in_vm "${NOBODY[@]}" ping -c1 "$INET4"
# shellcheck disable=SC2034 # for the tests
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --)

VM_TMP=${VM_TMP:-/tmp/vmtest.$$}
mkdir -p "$VM_TMP"

# --- output and verdicts ----------------------------------------------------

pretty() { # NS CMD...: echo a command, prefixed with where it runs
	local ns=$1
	shift
	echo "[$ns] $*" >&2
}
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
require_cmd() { # CMD...: skip the test unless every command exists
	local c
	for c; do command -v "$c" >/dev/null || skip "no $c in this guest"; done
}

# --- namespaces -------------------------------------------------------------

in_ns() { # NS CMD...
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}
in_vm() { in_ns vm "$@"; }
in_router() { in_ns router "$@"; }
in_inet() { in_ns inet "$@"; }
# Short names, as in WireGuard's netns.sh.
n_vm() { in_ns vm "$@"; }
n_router() { in_ns router "$@"; }
n_inet() { in_ns inet "$@"; }

sysctl_set() { # NS KEY=VALUE...
	local ns=$1
	shift
	in_ns "$ns" sysctl -q -w "$@" >/dev/null
}

# Few processes: under TCG each exec costs about 0.1 s.
topo_up() {
	topo_down
	local ns
	for ns in vm router inet; do
		ip netns add "$ns"
		# Before any interface exists, so that new ones inherit it: no
		# DAD wait, no router solicitations.
		sysctl_set "$ns" net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_ra=0
	done
	sysctl_set router net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	ip link add eth0 netns vm type veth peer name vif0 netns router
	ip link add eth0 netns inet type veth peer name eth0 netns router

	ip -n vm -batch - <<-EOF
		link set lo up
		addr add $VM4/24 dev eth0
		addr add $VM6/64 dev eth0 nodad
		link set eth0 up
		route add default via $ROUTER_VM4
		route add ::/0 via $ROUTER_VM6
	EOF
	ip -n router -batch - <<-EOF
		link set lo up
		addr add $ROUTER_VM4/24 dev vif0
		addr add $ROUTER_VM6/64 dev vif0 nodad
		addr add $ROUTER_INET4/24 dev eth0
		addr add $ROUTER_INET6/64 dev eth0 nodad
		link set vif0 up
		link set eth0 up
	EOF
	ip -n inet -batch - <<-EOF
		link set lo up
		addr add $INET4/24 dev eth0
		addr add $INET4_B/24 dev eth0
		addr add $INET6/64 dev eth0 nodad
		addr add $INET6_B/64 dev eth0 nodad preferred_lft 0
		link set eth0 up
		route add default via $ROUTER_INET4
		route add ::/0 via $ROUTER_INET6
	EOF
}

topo_down() {
	stop_servers
	local ns
	for ns in vm router inet; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

# --- traffic ----------------------------------------------------------------

ping_ok() { # NS ADDR [COUNT]: exit 0 if ADDR answers
	in_ns "$1" ping -q -n -c "${3:-1}" -W 2 "$2" >/dev/null 2>&1
}

# wait_port NS tcp|udp PORT: wait (up to 5 s) until something listens on PORT.
wait_port() {
	local ns=$1 proto=$2 port=$3 hex i
	hex=$(printf '%04X' "$port")
	for ((i = 0; i < 100; i++)); do
		if in_ns "$ns" cat "/proc/net/$proto" "/proc/net/${proto}6" 2>/dev/null |
			awk -v p=":$hex\$" '$2 ~ p { f = 1 } END { exit !f }'; then
			return 0
		fi
		sleep 0.05
	done
	echo "nothing listens on $proto port $port in $ns" >&2
	return 1
}

# serve NS tcp|udp PORT: start a listener on PORT (IPv4 and IPv6) in NS; what
# it receives is appended to "$(served NS tcp|udp PORT)". Stopped by
# stop_servers (and topo_down).
serve() {
	local ns=$1 proto=$2 port=$3 flags=-6lkn
	[ "$proto" = udp ] && flags=-6ulkn
	in_ns "$ns" nc "$flags" "$port" </dev/null >>"$(served "$ns" "$proto" "$port")" 2>&1 &
	echo $! >>"$VM_TMP/servers"
	wait_port "$ns" "$proto" "$port"
}
served() { echo "$VM_TMP/$1-$2-$3.out"; }
stop_servers() {
	[ -f "$VM_TMP/servers" ] || return 0
	local pid
	while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$VM_TMP/servers"
	while read -r pid; do wait "$pid" 2>/dev/null || true; done <"$VM_TMP/servers"
	rm -f "$VM_TMP/servers"
}

# tcp_connect NS ADDR PORT [TIMEOUT]: try a TCP connection from NS; print
# open, refused (RST), unreachable (ICMP error), denied (EPERM, a local
# OUTPUT drop), timeout (dropped) or error; exit 0 only for open.
tcp_connect() {
	local ns=$1 addr=$2 port=$3 t=${4:-2} out
	if out=$(in_ns "$ns" timeout $((t + 3)) nc -vnz -w "$t" "$addr" "$port" 2>&1); then
		echo open
		return 0
	fi
	case "$out" in
	*"Connection refused"*) echo refused ;;
	*"unreachable"* | *"No route to host"*) echo unreachable ;;
	*"not permitted"*) echo denied ;;
	*"timed out"* | "") echo timeout ;;
	*) echo "error: $out" >&2; echo error ;;
	esac
	return 1
}

# tcp_send NS ADDR PORT DATA [TIMEOUT]: connect and send one line.
tcp_send() {
	local t=${5:-2}
	printf '%s\n' "$4" | in_ns "$1" timeout $((t + 3)) nc -nN -w "$t" "$2" "$3" >/dev/null
}

# udp_send NS ADDR PORT DATA: send one datagram (no verdict: UDP has none).
udp_send() {
	printf '%s\n' "$4" | in_ns "$1" timeout 5 nc -un -q0 "$2" "$3" >/dev/null 2>&1 || true
}

# wait_data FILE TOKEN [TIMEOUT]: exit 0 once TOKEN shows up in FILE.
wait_data() {
	local file=$1 token=$2 i
	for ((i = 0; i < ${3:-2} * 20; i++)); do
		grep -qF -- "$token" "$file" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# tcp_deliver FROM_NS TO_NS ADDR PORT: send a unique line over TCP to a
# serve-d listener in TO_NS; exit 0 if it arrived.
tcp_deliver() {
	local token="tcp-$RANDOM-$RANDOM"
	tcp_send "$1" "$3" "$4" "$token" || return 1
	wait_data "$(served "$2" tcp "$4")" "$token" 2
}

# udp_deliver FROM_NS TO_NS ADDR PORT [TIMEOUT]: the same over UDP.
udp_deliver() {
	local token="udp-$RANDOM-$RANDOM"
	udp_send "$1" "$3" "$4" "$token"
	wait_data "$(served "$2" udp "$4")" "$token" "${5:-1}"
}
