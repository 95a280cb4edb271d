#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tern as a host on its wire: tern in quic-echo mode drives one end of a veth
# pair (af_packet PMD) with --ip/--ip6; the other end is a kernel host in a
# network namespace (198.18.0.2/24, fd98:18::2/64). The host must resolve
# tern by ARP and NDP and get answers to ping and ping -6, and tern's final
# JSON must count them in its host stack.
# Usage: test_tern_host.sh path/to/tern
set -u

TERN=${1:?usage: test_tern_host.sh path/to/tern}
NAME=apps_tern_host

skip() {
	echo "SKIP $NAME: $*"
	exit 77
}
fail() {
	echo "FAIL $NAME: $*"
	exit 1
}

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, veth, af_packet)"
command -v ip >/dev/null || skip "ip (iproute2) not installed"
command -v ping >/dev/null || fail "ping (iputils-ping) not installed"
command -v python3 >/dev/null || fail "python3 not installed"

NS=tern-host-$$
VA=thst$$a # tern side (root namespace)
VB=thst$$b # kernel host side (in $NS)
WORK=$(mktemp -d)
TPID=

cleanup() {
	if [ -n "$TPID" ] && kill -0 "$TPID" 2>/dev/null; then
		kill -TERM "$TPID" 2>/dev/null
		sleep 1
		kill -KILL "$TPID" 2>/dev/null
	fi
	ip link del "$VA" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$NS" 2>/dev/null || skip "cannot create a network namespace"
ip link add "$VA" type veth peer name "$VB" 2>/dev/null || skip "cannot create a veth pair"
ip link set "$VB" netns "$NS" || fail "move $VB into $NS"
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" ip addr add 198.18.0.2/24 dev "$VB" || fail "ipv4 address"
ip netns exec "$NS" ip -6 addr add fd98:18::2/64 dev "$VB" nodad || fail "ipv6 address"
ip netns exec "$NS" ip link set "$VB" up
sysctl -qw "net.ipv6.conf.$VA.disable_ipv6=1" 2>/dev/null
ip link set "$VA" up || fail "link up $VA"

# --duration bounds the run even if the test dies; SIGTERM ends it earlier.
"$TERN" --vdev "net_af_packet0,iface=$VA" --no-huge -m 512 --no-pci --no-shconf \
	--file-prefix "$NS" -l 0 -- --mode quic-echo --quic-conns 16 --nb-mbufs 8192 \
	--no-interactive --duration 60 --stats-json "$WORK/tern.json" \
	--ip 198.18.0.1/24 --ip6 fd98:18::1/64 >"$WORK/tern.log" 2>&1 &
TPID=$!
i=0
while ! grep -q "forwarding started" "$WORK/tern.log"; do
	kill -0 "$TPID" 2>/dev/null || { cat "$WORK/tern.log"; fail "tern exited early"; }
	i=$((i + 1))
	[ $i -le 300 ] || { cat "$WORK/tern.log"; fail "tern not forwarding after 30 s"; }
	sleep 0.1
done
MAC=$(cat "/sys/class/net/$VA/address")

rc=0
check_ping() { # $1: label, rest: ping args
	label=$1
	shift
	out=$(ip netns exec "$NS" ping -n -c 5 -i 0.2 -w 15 "$@" 2>&1)
	echo "$out" | tail -2
	got=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	if [ "${got:-0}" -ge 5 ]; then
		echo "ok   $label: $got replies"
	else
		echo "FAIL $label: not all echo requests answered"
		rc=1
	fi
}
check_ping "ping 198.18.0.1 (ARP + ICMP)" 198.18.0.1
check_ping "ping -6 fd98:18::1 (NDP + ICMPv6)" -6 fd98:18::1
for a in 198.18.0.1 fd98:18::1; do
	if ip netns exec "$NS" ip neigh show "$a" | grep -qi "lladdr $MAC"; then
		echo "ok   neighbour $a -> $MAC"
	else
		echo "FAIL neighbour $a: $(ip netns exec "$NS" ip neigh show "$a")"
		rc=1
	fi
done

kill -TERM "$TPID"
i=0
while kill -0 "$TPID" 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 100 ] || fail "tern did not exit on SIGTERM"
	sleep 0.1
done
TPID=
python3 - "$WORK/tern.json" <<'PY' || rc=1
import json, sys
h = json.load(open(sys.argv[1])).get("host")
if h is None:
    print("FAIL no host stack counters in the stats JSON"); sys.exit(1)
bad = [k for k in ("tx_arp", "tx_icmp", "tx_icmpv6", "tx_ndp") if h.get(k, 0) < 1]
bad += [] if h.get("tx_icmp", 0) >= 5 and h.get("tx_icmpv6", 0) >= 5 else ["echo count"]
print(("FAIL " if bad else "ok   ") + "host counters " + json.dumps(
    {k: h[k] for k in ("rx_arp", "tx_arp", "tx_icmp", "tx_icmpv6", "tx_ndp")}))
sys.exit(1 if bad else 0)
PY
[ $rc -eq 0 ] && echo "PASS $NAME" || cat "$WORK/tern.log"
exit $rc
