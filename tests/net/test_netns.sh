#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# dataplane/net against a kernel host: net_responder drives one end of a veth
# pair through DPDK's af_packet PMD; the other end lives in a network
# namespace with 198.18.0.2/24 and fd98:18::2/64. From the namespace:
# ping (ARP + ICMP echo), ping -6 (NDP + ICMPv6 echo), and UDP echo from a
# kernel socket over IPv4 and IPv6, checked byte for byte.
# Usage: test_netns.sh path/to/net_responder
set -u

RESP=${1:?usage: test_netns.sh path/to/net_responder}
NAME=test_netns

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
command -v ethtool >/dev/null || fail "ethtool not installed"

NS=tern-net-$$
VA=tnet$$a # DPDK side (root namespace)
VB=tnet$$b # kernel host side (in $NS)
WORK=$(mktemp -d)
RPID=

cleanup() {
	if [ -n "$RPID" ] && kill -0 "$RPID" 2>/dev/null; then
		kill -TERM "$RPID" 2>/dev/null
		sleep 1
		kill -KILL "$RPID" 2>/dev/null
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
# nodad: the address is usable at once instead of after duplicate detection.
ip netns exec "$NS" ip -6 addr add fd98:18::2/64 dev "$VB" nodad || fail "ipv6 address"
# The kernel leaves UDP checksums of locally sent datagrams to the "device"
# (CHECKSUM_PARTIAL) on veth, and af_packet hands them to DPDK unfinished:
# make the namespace compute them so the stack's software check sees real ones.
ip netns exec "$NS" ethtool -K "$VB" tx off >/dev/null 2>&1 || fail "ethtool -K $VB tx off"
ip netns exec "$NS" ip link set "$VB" up
# Keep the root-namespace kernel quiet on the DPDK side (no IPv6 RS/MLD/NS).
sysctl -qw "net.ipv6.conf.$VA.disable_ipv6=1" 2>/dev/null
ip link set "$VA" up || fail "link up $VA"

"$RESP" --vdev "net_af_packet0,iface=$VA" --no-huge -m 256 --no-pci --no-shconf --file-prefix "$NS" -l 0 \
	-- --duration 60 --udp-port 7777 \
	--ipv4 198.18.0.1/24 --ipv6 fd98:18::1/64 >"$WORK/resp.log" 2>&1 &
RPID=$!
i=0
while ! grep -q "net_responder: ready" "$WORK/resp.log"; do
	kill -0 "$RPID" 2>/dev/null || { cat "$WORK/resp.log"; fail "net_responder exited early"; }
	i=$((i + 1))
	[ $i -le 200 ] || { cat "$WORK/resp.log"; fail "net_responder not ready after 20 s"; }
	sleep 0.1
done
grep "net_responder: ready" "$WORK/resp.log"
MAC=$(sed -n 's/.*ready port [0-9]* mac \([0-9A-Fa-f:]*\).*/\1/p' "$WORK/resp.log" | tr A-F a-f)

rc=0
check_ping() { # $1: label, rest: ping args
	label=$1
	shift
	out=$(ip netns exec "$NS" ping -n -c 5 -i 0.2 -w 15 "$@" 2>&1)
	echo "$out" | tail -2
	if ! echo "$out" | grep -q " 5 received"; then
		# One more round: on a loaded 2-core machine the polling
		# process can be descheduled for long; -w makes ping wait for
		# late replies (up to 15 s) instead of giving up. A real bug
		# loses this round too.
		echo "retry $label"
		out=$(ip netns exec "$NS" ping -n -c 5 -i 0.2 -w 15 "$@" 2>&1)
		echo "$out" | tail -2
	fi
	if echo "$out" | grep -q " 5 received"; then
		echo "ok   $label: 5/5 replies"
	else
		echo "FAIL $label: not all echo requests answered"
		rc=1
	fi
}
check_ping "ping 198.18.0.1 (ARP + ICMP)" 198.18.0.1
check_ping "ping -6 fd98:18::1 (NDP + ICMPv6)" -6 fd98:18::1

# The kernel must have learned our MAC through ARP and NDP.
for a in 198.18.0.1 fd98:18::1; do
	if ip netns exec "$NS" ip neigh show "$a" | grep -qi "lladdr $MAC"; then
		echo "ok   neighbour $a -> $MAC"
	else
		echo "FAIL neighbour $a: $(ip netns exec "$NS" ip neigh show "$a")"
		rc=1
	fi
done

cat >"$WORK/udp_echo.py" <<'PY'
import os, socket, sys
fails = 0
for fam, addr in ((socket.AF_INET, "198.18.0.1"), (socket.AF_INET6, "fd98:18::1")):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(2.0)
    for size in (1, 7, 64, 512, 1200, 1400):
        msg = os.urandom(size)
        ok = False
        for attempt in range(3):
            s.sendto(msg, (addr, 7777))
            try:
                data, peer = s.recvfrom(4096)
            except socket.timeout:
                continue
            if peer[0] == addr and peer[1] == 7777 and data == msg:
                ok = True
                break
            print("mismatch from %s: %d bytes" % (peer, len(data)))
            break
        print("%s udp echo %s %d bytes" % ("ok  " if ok else "FAIL", addr, size))
        fails += not ok
    s.close()
sys.exit(1 if fails else 0)
PY
ip netns exec "$NS" python3 "$WORK/udp_echo.py" || rc=1

kill -TERM "$RPID"
i=0
while kill -0 "$RPID" 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 100 ] || break
	sleep 0.1
done
wait "$RPID" 2>/dev/null
RPID=
grep "net_responder:" "$WORK/resp.log"
grep -q "net_responder: udp echoed" "$WORK/resp.log" || { echo "FAIL no final stats"; rc=1; }
[ $rc -eq 0 ] && echo "PASS $NAME" || echo "FAIL $NAME"
exit $rc
