#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# tern QUIC interop: tern-quic-client <-> tern-ngtcp2-peer server and
# tern-ngtcp2-peer client <-> tern-quic-server (Debian's libngtcp2 +
# GnuTLS) on 127.0.0.1, directly and through the seeded tern-udp-relay,
# plus tern <-> tern over UDP. Checks: handshake + ALPN, echo, 1,000
# concurrent streams over a 100-stream limit, 50 MB transfers verified by
# SHA-256 on both sides, application close codes both ways, a key update
# started by either side, key log, and lossy runs (1%, 5%, 10% with
# reordering, duplication and corruption).
#
# usage: test_quic_conn_interop.sh TERN_SERVER TERN_CLIENT NGTCP2_PEER RELAY
#        test_quic_conn_interop.sh --missing "reason"   (prints SKIP, exit 77)

set -u
NAME=quic_conn_interop
if [ "${1:-}" = "--missing" ]; then
	echo "SKIP $NAME: ${2:-tern-ngtcp2-peer not built}"
	exit 77
fi
TSRV=$1
TCLI=$2
PEER=$3
RELAY=$4
T=120 # per-process bound, seconds
pass=0
fail=0

if ! command -v openssl >/dev/null 2>&1; then
	echo "SKIP $NAME: openssl (needed to make the test certificate) is not installed"
	exit 77
fi

W=$(mktemp -d /tmp/tern-quic-interop-XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$W/key.pem" -out "$W/cert.pem" -days 2 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost,IP:127.0.0.1 >"$W/pki.log" 2>&1 || {
	cat "$W/pki.log"
	echo "FAIL $NAME: openssl could not make a certificate"
	exit 1
}

listen_port() {
	local i
	for i in $(seq 200); do
		if grep -q '^LISTENING' "$1" 2>/dev/null; then
			awk '/^LISTENING/ {print $3; exit}' "$1"
			return 0
		fi
		sleep 0.05
	done
	return 1
}
field() {
	sed -n 's/^RESULT .*/&/p' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1
}
status() { awk '/^RESULT/ {print $2; exit}' "$1"; }

# run NAME SERVER_PROG "SERVER ARGS" CLIENT_PROG "CLIENT ARGS" ["RELAY ARGS"]
run() {
	local n=$1 sprog=$2 sargs=$3 cprog=$4 cargs=$5 rargs=${6:-} port sp rp t0 t1
	t0=$(date +%s.%N)
	if [ "$sprog" = "$PEER" ]; then
		# shellcheck disable=SC2086
		"$PEER" --server --port 0 --cert "$W/cert.pem" --key "$W/key.pem" --timeout $T \
			--keylog "$W/$n.srv.keys" $sargs >"$W/$n.srv" 2>"$W/$n.srv.err" &
	else
		# shellcheck disable=SC2086
		"$sprog" --port 0 --cert "$W/cert.pem" --key "$W/key.pem" --timeout $T \
			--keylog "$W/$n.srv.keys" $sargs >"$W/$n.srv" 2>"$W/$n.srv.err" &
	fi
	sp=$!
	PIDS+=("$sp")
	if ! port=$(listen_port "$W/$n.srv"); then
		SRV_RC=99
		CLI_RC=99
		return
	fi
	if [ -n "$rargs" ]; then
		# shellcheck disable=SC2086
		"$RELAY" --listen-port 0 --target "127.0.0.1:$port" --timeout $T $rargs \
			>"$W/$n.rel" 2>&1 &
		rp=$!
		PIDS+=("$rp")
		port=$(listen_port "$W/$n.rel") || port=1
	fi
	if [ "$cprog" = "$PEER" ]; then
		# shellcheck disable=SC2086
		"$PEER" --client 127.0.0.1 "$port" --ca "$W/cert.pem" --timeout $T \
			--keylog "$W/$n.cli.keys" $cargs >"$W/$n.cli" 2>"$W/$n.cli.err"
	else
		# shellcheck disable=SC2086
		"$cprog" 127.0.0.1 "$port" --ca "$W/cert.pem" --timeout $T \
			--keylog "$W/$n.cli.keys" $cargs >"$W/$n.cli" 2>"$W/$n.cli.err"
	fi
	CLI_RC=$?
	wait "$sp"
	SRV_RC=$?
	if [ -n "$rargs" ]; then
		kill "$rp" 2>/dev/null
		wait "$rp"
	fi
	t1=$(date +%s.%N)
	awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "     %-12s %6.2f s\n", n, b - a }'
	grep -h '^RESULT' "$W/$n.cli" "$W/$n.srv" | sed 's/^/       /'
	[ -n "$rargs" ] && sed 's/^/       /' "$W/$n.rel"
}

ok() {
	pass=$((pass + 1))
	echo "ok   $*"
}
bad() {
	fail=$((fail + 1))
	echo "FAIL $*"
}
expect() {
	local n=$1 d=$2
	shift 2
	if "$@"; then ok "$n: $d"; else
		bad "$n: $d"
		echo "--- $n client stderr"
		tail -5 "$W/$n.cli.err"
		echo "--- $n server stderr"
		tail -5 "$W/$n.srv.err"
	fi
}
both_ok() {
	[ "$CLI_RC" = 0 ] && [ "$SRV_RC" = 0 ] && [ "$(status "$W/$1.cli")" = ok ] &&
		[ "$(status "$W/$1.srv")" = ok ]
}
same() {
	local a b
	a=$(field "$W/$1.cli" "$2")
	b=$(field "$W/$1.srv" "$2")
	[ -n "$a" ] && [ "$a" != - ] && [ "$a" = "$b" ]
}
eq() { [ "$(field "$W/$1.$2" "$3")" = "$4" ]; }
ge() { [ "$(field "$W/$1.$2" "$3")" -ge "$4" ] 2>/dev/null; }
same_keys() {
	grep -q '^CLIENT_TRAFFIC_SECRET_0 ' "$W/$1.cli.keys" &&
		[ "$(grep '^CLIENT_TRAFFIC_SECRET_0 ' "$W/$1.cli.keys")" = \
			"$(grep '^CLIENT_TRAFFIC_SECRET_0 ' "$W/$1.srv.keys")" ]
}

# --- tern client -> ngtcp2 server ---------------------------------------------------
run c_echo "$PEER" "" "$TCLI" "--echo 100000"
expect c_echo "tern client / ngtcp2 server: both ok" both_ok c_echo
expect c_echo "100000 bytes echoed" eq c_echo cli bytes_recv 100000
expect c_echo "key logs agree" same_keys c_echo

run c_streams "$PEER" "--max-streams 100" "$TCLI" "--streams 1000 --stream-bytes 1000"
expect c_streams "1000 streams through a 100-stream limit" both_ok c_streams
expect c_streams "server served 1000 streams" eq c_streams srv streams 1000

run c_down "$PEER" "" "$TCLI" "--download 50M"
expect c_down "50 MB download: both ok" both_ok c_down
expect c_down "50 MB hashes equal" same c_down sha256_down

run c_up "$PEER" "" "$TCLI" "--upload 50M"
expect c_up "50 MB upload: both ok" both_ok c_up
expect c_up "50 MB hashes equal" same c_up sha256_up

run c_close "$PEER" "--expect-close 0x1234" "$TCLI" "--echo 1000 --close-error 0x1234"
expect c_close "ngtcp2 server got application close 0x1234" both_ok c_close

run c_sclose "$PEER" "--close-error 77 --close-after 1" "$TCLI" "--echo 1000 --wait-close --expect-close 77"
expect c_sclose "tern client got application close 77" both_ok c_sclose

run c_ku "$PEER" "--key-update --key-update-after 2M" "$TCLI" "--upload 10M"
expect c_ku "ngtcp2 server's key update: both ok" both_ok c_ku
expect c_ku "ngtcp2 initiated it" eq c_ku srv ku_initiated 1
expect c_ku "data intact across the update" same c_ku sha256_up
expect c_ku "tern client followed it" ge c_ku cli key_updates 1

run c_kut "$PEER" "" "$TCLI" "--download 10M --key-update --key-update-after 1M"
expect c_kut "tern client's key update: both ok" both_ok c_kut
expect c_kut "tern initiated it" eq c_kut cli ku_initiated 1
expect c_kut "ngtcp2 server answered in the new phase" ge c_kut cli key_updates 1
expect c_kut "data intact across the update" same c_kut sha256_down

# --- ngtcp2 client -> tern server ---------------------------------------------------
run s_echo "$TSRV" "" "$PEER" "--echo 100000"
expect s_echo "ngtcp2 client / tern server: both ok" both_ok s_echo
expect s_echo "100000 bytes echoed" eq s_echo cli bytes_recv 100000
expect s_echo "key logs agree" same_keys s_echo

run s_streams "$TSRV" "--max-streams 100" "$PEER" "--streams 1000 --stream-bytes 1000"
expect s_streams "1000 streams through a 100-stream limit" both_ok s_streams
expect s_streams "client finished 1000 streams" eq s_streams cli streams 1000

run s_down "$TSRV" "" "$PEER" "--download 50M"
expect s_down "50 MB download: both ok" both_ok s_down
expect s_down "50 MB hashes equal" same s_down sha256_down

run s_up "$TSRV" "" "$PEER" "--upload 50M"
expect s_up "50 MB upload: both ok" both_ok s_up
expect s_up "50 MB hashes equal" same s_up sha256_up

run s_close "$TSRV" "--expect-close 0x1234" "$PEER" "--echo 1000 --close-error 0x1234"
expect s_close "tern server got application close 0x1234" both_ok s_close

run s_sclose "$TSRV" "--close-error 77 --close-after 1" "$PEER" "--echo 1000 --wait-close --expect-close 77"
expect s_sclose "ngtcp2 client got application close 77" both_ok s_sclose

run s_ku "$TSRV" "" "$PEER" "--download 10M --key-update"
expect s_ku "ngtcp2 client's key update: both ok" both_ok s_ku
expect s_ku "ngtcp2 initiated it" eq s_ku cli ku_initiated 1
expect s_ku "data intact across the update" same s_ku sha256_down
expect s_ku "tern server followed it" ge s_ku srv key_updates 1

run s_kut "$TSRV" "--key-update --key-update-after 2M" "$PEER" "--upload 10M"
expect s_kut "tern server's key update: both ok" both_ok s_kut
expect s_kut "tern initiated it" eq s_kut srv ku_initiated 1
expect s_kut "ngtcp2 client answered in the new phase" ge s_kut srv key_updates 1
expect s_kut "data intact across the update" same s_kut sha256_up

# --- tern <-> tern over UDP ----------------------------------------------------------
run t_mix "$TSRV" "" "$TCLI" "--download 20M --upload 20M --streams 200"
expect t_mix "tern <-> tern: both ok" both_ok t_mix
expect t_mix "hashes equal" same t_mix sha256_down

# --- through the seeded relay ----------------------------------------------------------
run l_c1 "$PEER" "" "$TCLI" "--download 50M" "--seed 1 --loss 0.01"
expect l_c1 "1% loss, tern client downloads 50 MB" both_ok l_c1
expect l_c1 "hashes equal" same l_c1 sha256_down

run l_s5 "$TSRV" "" "$PEER" "--upload 50M" "--seed 2 --loss 0.05"
expect l_s5 "5% loss, ngtcp2 client uploads 50 MB to tern" both_ok l_s5
expect l_s5 "hashes equal" same l_s5 sha256_up

# tern as the sender under loss, both roles
run l_c5u "$PEER" "" "$TCLI" "--upload 50M" "--seed 5 --loss 0.05 --reorder 0.02"
expect l_c5u "5% loss, tern client uploads 50 MB" both_ok l_c5u
expect l_c5u "hashes equal" same l_c5u sha256_up

run l_s1d "$TSRV" "" "$PEER" "--download 50M" "--seed 6 --loss 0.01 --dup 0.01"
expect l_s1d "1% loss, tern server sends 50 MB" both_ok l_s1d
expect l_s1d "hashes equal" same l_s1d sha256_down

run l_c10 "$PEER" "" "$TCLI" "--download 5M --upload 5M --streams 200 --stream-bytes 3000" \
	"--seed 3 --loss 0.10 --reorder 0.05 --dup 0.05 --corrupt 0.05"
expect l_c10 "10% loss + reorder/dup/corrupt, tern client: both ok" both_ok l_c10
expect l_c10 "202 streams done" eq l_c10 cli streams 202

run l_s10 "$TSRV" "" "$PEER" "--download 5M --upload 5M --streams 200 --stream-bytes 3000" \
	"--seed 4 --loss 0.10 --reorder 0.05 --dup 0.05 --corrupt 0.05"
expect l_s10 "10% loss + reorder/dup/corrupt, tern server: both ok" both_ok l_s10
expect l_s10 "202 streams done" eq l_s10 cli streams 202

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
