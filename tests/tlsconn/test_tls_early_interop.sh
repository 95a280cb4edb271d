#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Resumption, 0-RTT and middlebox compatibility mode against real peers,
# through apps/tls, on 127.0.0.1 only:
#   openssl s_client -sess_out / -sess_in -early_data -> tern-tls-server
#     (accepted, the early bytes printed by the server; the same ticket
#     again: rejected by the anti-replay register, the connection goes on)
#   gnutls-cli -r --waitresumption --earlydata -> tern-tls-server (accepted)
#   gnutls-cli (32-byte session id) sees the server's dummy CCS; with
#     %DISABLE_TLS13_COMPAT_MODE it sees none (RFC 8446 D.4)
#   tern-tls-client --resume --early-data -> openssl s_server -early_data
#     (accepted), -> openssl s_server that does not read early data
#     (rejected: the client sends the bytes again as 1-RTT data),
#     -> gnutls-serv --earlydata (accepted), -> tern-tls-server (accepted,
#     CLIENT_EARLY_TRAFFIC_SECRET in the key log)
# A check whose peer is missing is skipped; with no peer at all, exit 77.
#
# usage: test_tls_early_interop.sh TERN_TLS_SERVER TERN_TLS_CLIENT

set -u
SERVER=$1
CLIENT=$2
NAME=tls_early_interop
pass=0
fail=0
skipped=0
ran_peer=0

ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { # check DESCRIPTION COMMAND...
	local d=$1
	shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}
skip() { skipped=$((skipped + 1)); echo "SKIP $*"; }
have() { command -v "$1" >/dev/null 2>&1; }

W=$(mktemp -d /tmp/tern-tls-early-XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

if ! have openssl; then
	echo "SKIP $NAME: openssl (needed to make the test certificates) is not installed"
	exit 77
fi

(
	cd "$W" &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout ca.key -out ca.pem -days 2 -subj /CN=tern-early-ca &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout srv.key -out srv.csr -subj /CN=localhost &&
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >ext.cnf &&
		openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out srv.pem -days 2 -extfile ext.cnf &&
		cat srv.pem ca.pem >chain.pem
) >"$W/pki.log" 2>&1 || {
	cat "$W/pki.log"
	echo "$NAME: 0 passed, 1 failed"
	exit 1
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_server() { # args...
	local i
	"$SERVER" --cert "$W/chain.pem" --key "$W/srv.key" --port 0 --verbose "$@" \
		>"$W/srv.out" 2>"$W/srv.err" &
	SPID=$!
	PIDS+=("$SPID")
	for i in $(seq 50); do
		SPORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$W/srv.out")
		[ -n "$SPORT" ] && return 0
		sleep 0.1
	done
	echo "tern-tls-server did not start:"
	cat "$W/srv.err"
	return 1
}

stop_server() {
	kill "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
}

# Whether line `first` comes before line `second` in the text.
ordered() { # text first second
	awk -v a="$2" -v b="$3" '$0 == a && !fa { fa = NR } $0 == b && !fb { fb = NR }
		END { exit !(fa && fb && fa < fb) }' <<<"$1"
}

wait_for() { # file pattern
	local i
	for i in $(seq 50); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

printf 'early-from-openssl\n' >"$W/e_ossl.txt"
printf 'early-from-gnutls\n' >"$W/e_gnutls.txt"
printf 'early-from-tern\n' >"$W/e_tern.txt"

# --- peers -> tern-tls-server --max-early-data ----------------------------------
start_server --max-early-data 16384 || exit 1

if have openssl; then
	ran_peer=1
	(echo first-conn; sleep 0.5) | timeout 10 openssl s_client -tls1_3 \
		-connect 127.0.0.1:"$SPORT" -servername localhost -CAfile "$W/ca.pem" \
		-verify_return_error -sess_out "$W/ossl.sess" >"$W/sc1.out" 2>&1
	check "openssl s_client: full handshake, ticket saved" \
		grep -q "Max Early Data: 16384" "$W/sc1.out"
	out=$( (echo after-early; sleep 0.5) | timeout 10 openssl s_client -tls1_3 \
		-connect 127.0.0.1:"$SPORT" -servername localhost -CAfile "$W/ca.pem" \
		-sess_in "$W/ossl.sess" -early_data "$W/e_ossl.txt" 2>&1)
	check "openssl s_client -sess_in: resumed" grep -q "^Reused, TLSv1.3" <<<"$out"
	check "openssl s_client -early_data: accepted" grep -q "Early data was accepted" <<<"$out"
	check "... early bytes and 1-RTT bytes echoed in order" \
		ordered "$out" early-from-openssl after-early
	check "... tern-tls-server printed the early bytes" \
		wait_for "$W/srv.out" 'early data 19 bytes: "early-from-openssl\\x0a"'
	# The same ticket again: 0-RTT refused by the anti-replay register; the
	# server skips the early records and the resumed connection goes on.
	out=$( (echo after-replay; sleep 0.5) | timeout 10 openssl s_client -tls1_3 \
		-connect 127.0.0.1:"$SPORT" -servername localhost -CAfile "$W/ca.pem" \
		-sess_in "$W/ossl.sess" -early_data "$W/e_ossl.txt" 2>&1)
	check "openssl s_client replayed ticket: early data rejected" \
		grep -q "Early data was rejected" <<<"$out"
	check "... connection goes on (1-RTT echo)" grep -q "^after-replay" <<<"$out"
	check "... the replayed early bytes never reached the application" \
		[ "$(grep -c 'early data 19 bytes' "$W/srv.out")" -eq 1 ]
else
	skip "openssl s_client 0-RTT checks: openssl not installed"
fi

if have gnutls-cli; then
	ran_peer=1
	out=$( (echo gnutls-1rtt; sleep 1) | timeout 15 gnutls-cli --x509cafile "$W/ca.pem" \
		-p "$SPORT" -r --waitresumption --earlydata "$W/e_gnutls.txt" localhost 2>&1)
	check "gnutls-cli -r: resumed" grep -q "This is a resumed session" <<<"$out"
	check "gnutls-cli --earlydata: echo" grep -q "^gnutls-1rtt" <<<"$out"
	check "... tern-tls-server received the early bytes as 0-RTT" \
		wait_for "$W/srv.out" 'early data 18 bytes: "early-from-gnutls\\x0a"'
	sleep 0.2
	check "... server log: resumed, early data accepted" \
		grep -q "resumed, early data accepted" "$W/srv.err"
	# Middlebox compatibility mode: GnuTLS sends a 32-byte session id, so
	# the server owes it a dummy change_cipher_spec after the ServerHello.
	out=$( (echo compat; sleep 0.5) | timeout 10 gnutls-cli -d 5 --x509cafile "$W/ca.pem" \
		-p "$SPORT" localhost 2>&1)
	check "gnutls-cli (compat mode): echo" grep -q "^compat" <<<"$out"
	check "gnutls-cli (compat mode) received the server's CCS" \
		grep -q "Received Packet ChangeCipherSpec" <<<"$out"
	out=$( (echo nocompat; sleep 0.5) | timeout 10 gnutls-cli -d 5 --x509cafile "$W/ca.pem" \
		--priority 'NORMAL:%DISABLE_TLS13_COMPAT_MODE' -p "$SPORT" localhost 2>&1)
	check "gnutls-cli (no compat mode): echo" grep -q "^nocompat" <<<"$out"
	check "gnutls-cli (no compat mode) received no CCS" \
		test -z "$(grep "Received Packet ChangeCipherSpec" <<<"$out")"
else
	skip "gnutls-cli checks: gnutls-cli not installed"
fi
stop_server

# --- tern-tls-client -> openssl s_server ------------------------------------------
if have openssl; then
	ran_peer=1
	# Accepted: s_server -early_data reads and prints it.
	(sleep 8) | openssl s_server -tls1_3 -accept 127.0.0.1:0 -naccept 2 -early_data \
		-cert "$W/srv.pem" -key "$W/srv.key" >"$W/ss.out" 2>&1 &
	PIDS+=($!)
	if wait_for "$W/ss.out" "^ACCEPT"; then
		port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$W/ss.out")
		out=$( (echo tern-1rtt; sleep 1) | timeout 15 "$CLIENT" --ca "$W/ca.pem" --resume \
			--early-data "$W/e_tern.txt" --verbose --linger 500 --server-name localhost \
			127.0.0.1 "$port" 2>&1)
		check "tern-tls-client -> openssl s_server: resumed, early data accepted" \
			grep -q "conn 1: connected: .*resumed, early data accepted" <<<"$out"
		check "... 16 bytes sent as 0-RTT" \
			grep -q "conn 1: 16 bytes of early data sent" <<<"$out"
		sleep 0.3
		check "... OpenSSL read them as early data" \
			grep -q "Early data received" "$W/ss.out"
		check "... the early bytes and the 1-RTT bytes arrived" \
			bash -c "grep -q early-from-tern '$W/ss.out' && grep -q tern-1rtt '$W/ss.out'"
	else
		bad "openssl s_server -early_data did not start"
	fi
	# Rejected: the ticket allows 0-RTT but this s_server never reads early
	# data, so OpenSSL declines it; the client sends the bytes again.
	(sleep 8) | openssl s_server -tls1_3 -accept 127.0.0.1:0 -naccept 2 \
		-max_early_data 16384 -cert "$W/srv.pem" -key "$W/srv.key" >"$W/ss2.out" 2>&1 &
	PIDS+=($!)
	if wait_for "$W/ss2.out" "^ACCEPT"; then
		port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$W/ss2.out")
		out=$( (echo tern-after; sleep 1) | timeout 15 "$CLIENT" --ca "$W/ca.pem" --resume \
			--early-data "$W/e_tern.txt" --verbose --linger 500 --server-name localhost \
			127.0.0.1 "$port" 2>&1)
		check "tern-tls-client -> openssl s_server (no 0-RTT): early data rejected" \
			grep -q "conn 1: connected: .*resumed, early data rejected" <<<"$out"
		check "... resent as 1-RTT data" grep -q "16 bytes sent again as 1-RTT" <<<"$out"
		sleep 0.3
		check "... OpenSSL got the resent bytes, then the rest, in order" \
			ordered "$(cat "$W/ss2.out")" early-from-tern tern-after
	else
		bad "openssl s_server -max_early_data did not start"
	fi
fi

# --- tern-tls-client -> gnutls-serv --earlydata ------------------------------------
if have gnutls-serv; then
	ran_peer=1
	port=$(free_port)
	timeout 20 gnutls-serv --echo --earlydata --maxearlydata 16384 --disable-client-cert \
		--x509certfile "$W/chain.pem" --x509keyfile "$W/srv.key" -p "$port" \
		>"$W/gs.out" 2>&1 &
	PIDS+=($!)
	if wait_for "$W/gs.out" "listening"; then
		out=$( (echo gs-1rtt; sleep 1) | timeout 15 "$CLIENT" --ca "$W/ca.pem" --resume \
			--early-data "$W/e_tern.txt" --verbose --linger 500 --server-name localhost \
			127.0.0.1 "$port" 2>&1)
		check "tern-tls-client -> gnutls-serv --earlydata: accepted" \
			grep -q "conn 1: connected: .*resumed, early data accepted" <<<"$out"
		check "... 1-RTT echo after it" grep -q "^gs-1rtt" <<<"$out"
	else
		bad "gnutls-serv did not start"
	fi
else
	skip "gnutls-serv checks: gnutls-serv not installed"
fi

# --- tern-tls-client -> tern-tls-server: three connections, key log -----------------
start_server --max-early-data 4096 --alpn echo || exit 1
out=$( (echo tern-tern; sleep 1) | timeout 15 "$CLIENT" --ca "$W/ca.pem" --connections 3 \
	--alpn echo --early-data "$W/e_tern.txt" --keylog "$W/keys.txt" --verbose --linger 500 \
	localhost "$SPORT" 2>&1)
check "tern <-> tern: conn 0 full, conns 1 and 2 resumed" \
	bash -c "grep -q 'conn 0: connected: .*full handshake' <<<'$out' &&
		grep -q 'conn 1: connected: .*resumed' <<<'$out' &&
		grep -q 'conn 2: connected: .*resumed, early data accepted' <<<'$out'"
check "... early bytes echoed before the 1-RTT bytes" ordered "$out" early-from-tern tern-tern
check "... the server printed the early bytes" \
	wait_for "$W/srv.out" 'early data 16 bytes: "early-from-tern\\x0a"'
check "... key log has CLIENT_EARLY_TRAFFIC_SECRET" \
	grep -qE '^CLIENT_EARLY_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]{64}$' "$W/keys.txt"
check "... and the four handshake/traffic labels" [ "$(grep -cE \
	'^(CLIENT|SERVER)_(HANDSHAKE_TRAFFIC_SECRET|TRAFFIC_SECRET_0) ' "$W/keys.txt")" -ge 12 ]
stop_server

if [ "$ran_peer" = 0 ]; then
	echo "SKIP $NAME: no peer program (openssl, gnutls) is installed"
	exit 77
fi
echo "$NAME: $pass passed, $fail failed, $skipped skipped"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
