#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Interop of the connection API through apps/tls, on 127.0.0.1 only:
#   openssl s_client, gnutls-cli, curl (HTTP mode) -> tern-tls-server
#   tern-tls-client -> openssl s_server, gnutls-serv --echo
#   KeyUpdate both ways with OpenSSL, and a key log that tshark uses to
#   decrypt a loopback capture of a session.
# A check whose peer program is missing is skipped with its reason; if every
# peer is missing the test exits 77.
#
# usage: test_tls_interop.sh TERN_TLS_SERVER TERN_TLS_CLIENT

set -u
SERVER=$1
CLIENT=$2
NAME=tls_interop
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

W=$(mktemp -d /tmp/tern-tls-interop-XXXXXX)
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

# --- a CA and a P-256 server certificate for localhost / 127.0.0.1 ----------
(
	cd "$W" &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout ca.key -out ca.pem -days 2 -subj /CN=tern-interop-ca &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout srv.key -out srv.csr -subj /CN=localhost &&
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >ext.cnf &&
		openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out srv.pem -days 2 -extfile ext.cnf &&
		cat srv.pem ca.pem >chain.pem &&
		openssl req -newkey ed25519 -nodes -keyout b.key -out b.csr -subj /CN=b.test &&
		printf 'subjectAltName=DNS:b.test\n' >b.cnf &&
		openssl x509 -req -in b.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out b.pem -days 2 -extfile b.cnf &&
		cat b.pem ca.pem >b-chain.pem
) >"$W/pki.log" 2>&1 || {
	cat "$W/pki.log"
	echo "$NAME: 0 passed, 1 failed"
	exit 1
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Start tern-tls-server on a free port; sets SPORT and SPID.
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

# Wait until a log file contains a pattern (bounded).
wait_for() { # file pattern
	local i
	for i in $(seq 50); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# --- peers -> tern-tls-server (echo) ----------------------------------------
start_server --alpn http/1.1 --alpn echo || exit 1

if have openssl; then
	ran_peer=1
	for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
		out=$( (echo "ping-$suite"; sleep 0.5) | timeout 10 openssl s_client -tls1_3 \
			-connect 127.0.0.1:"$SPORT" -servername localhost -CAfile "$W/ca.pem" \
			-verify_return_error -ciphersuites "$suite" 2>&1)
		check "openssl s_client $suite echo" grep -q "^ping-$suite" <<<"$out"
		check "openssl s_client $suite negotiated" grep -q "Cipher is $suite" <<<"$out"
	done
	for group in X25519 P-256 P-384; do
		out=$( (echo "ping-$group"; sleep 0.5) | timeout 10 openssl s_client -tls1_3 \
			-connect 127.0.0.1:"$SPORT" -servername localhost -CAfile "$W/ca.pem" \
			-verify_return_error -groups "$group" 2>&1)
		check "openssl s_client group $group" grep -q "^ping-$group" <<<"$out"
	done
	# ALPN: the server picks from its list.
	out=$( (echo x; sleep 0.3) | timeout 10 openssl s_client -tls1_3 -connect 127.0.0.1:"$SPORT" \
		-servername localhost -CAfile "$W/ca.pem" -alpn echo 2>&1)
	check "openssl s_client ALPN echo" grep -q "ALPN protocol: echo" <<<"$out"
	# KeyUpdate from OpenSSL ('K': update_requested); tern answers with its own.
	out=$( (echo before-ku; sleep 0.4; echo K; sleep 0.4; echo after-ku; sleep 0.5) |
		timeout 10 openssl s_client -tls1_3 -connect 127.0.0.1:"$SPORT" \
			-servername localhost -CAfile "$W/ca.pem" -msg 2>&1)
	check "openssl KeyUpdate -> tern: data after it echoed" grep -q "^after-ku" <<<"$out"
	check "openssl KeyUpdate -> tern: tern answered (update_requested)" \
		grep -q "<<< TLS 1.3, Handshake \[length 0005\], KeyUpdate" <<<"$out"
	sleep 0.2
	check "tern-tls-server counted the key updates" \
		grep -q "key updates sent 1 received 1" "$W/srv.err"
else
	skip "openssl s_client checks: openssl not installed"
fi

if have gnutls-cli; then
	ran_peer=1
	out=$( (echo ping-gnutls; sleep 0.5) | timeout 10 gnutls-cli --x509cafile "$W/ca.pem" \
		-p "$SPORT" localhost 2>&1)
	check "gnutls-cli echo" grep -q "^ping-gnutls" <<<"$out"
	check "gnutls-cli TLS 1.3" grep -q "TLS1.3" <<<"$out"
else
	skip "gnutls-cli checks: gnutls-cli not installed"
fi
stop_server

# --- curl -> tern-tls-server (HTTP mode), captured and decrypted by tshark ----
start_server --mode http --alpn http/1.1 --keylog "$W/keys.txt" \
	--body "tern-interop-secret-body" || exit 1
if have curl; then
	ran_peer=1
	capture=0
	if have tshark; then
		timeout 20 tshark -i lo -f "tcp port $SPORT" -w "$W/cap.pcap" -a duration:5 \
			>"$W/tshark.log" 2>&1 &
		TPID=$!
		PIDS+=("$TPID")
		if wait_for "$W/tshark.log" "Capturing on"; then
			capture=1
			sleep 0.5
		else
			skip "tshark capture: tshark could not capture on lo ($(tail -1 "$W/tshark.log"))"
		fi
	else
		skip "tshark decryption: tshark not installed"
	fi
	out=$(timeout 10 curl -sS --tlsv1.3 --cacert "$W/ca.pem" "https://localhost:$SPORT/" 2>&1)
	check "curl --tlsv1.3 HTTP/1.1 response" [ "$out" = "tern-interop-secret-body" ]
	out=$(timeout 10 curl -sS --tlsv1.3 --cacert "$W/ca.pem" -o /dev/null \
		-w '%{http_code}' "https://127.0.0.1:$SPORT/" 2>&1)
	check "curl to 127.0.0.1 (IP SAN) status 200" [ "$out" = "200" ]
	out=$(timeout 10 curl -sS --tlsv1.3 "https://localhost:$SPORT/" 2>&1)
	check "curl without the CA refuses the server" grep -qi "certificate" <<<"$out"
	if [ "$capture" = 1 ]; then
		wait "$TPID" 2>/dev/null
		check "key log has the four NSS labels" [ "$(grep -cE \
			'^(CLIENT|SERVER)_(HANDSHAKE_TRAFFIC_SECRET|TRAFFIC_SECRET_0) [0-9a-f]{64} [0-9a-f]{64}$' \
			"$W/keys.txt")" -ge 4 ]
		dec=$(tshark -r "$W/cap.pcap" -o "tls.keylog_file:$W/keys.txt" \
			-d "tcp.port==$SPORT,tls" -Y http -T fields -e http.file_data 2>/dev/null)
		check "tshark decrypts the capture with the key log" \
			grep -q "tern-interop-secret-body" <<<"$dec"
		nodec=$(tshark -r "$W/cap.pcap" -d "tcp.port==$SPORT,tls" -Y http \
			-T fields -e http.file_data 2>/dev/null)
		check "without the key log the body stays encrypted" \
			test -z "$(grep "tern-interop-secret-body" <<<"$nodec")"
	fi
	# Many connections at once through one epoll loop.
	for i in $(seq 20); do
		timeout 20 curl -sS --tlsv1.3 --cacert "$W/ca.pem" -o "$W/par.$i" \
			"https://localhost:$SPORT/" 2>>"$W/par.err" &
	done
	for i in $(seq 200); do
		[ "$(grep -l tern-interop-secret-body "$W"/par.* 2>/dev/null | wc -l)" -ge 20 ] && break
		sleep 0.1
	done
	check "20 parallel curl connections all answered" \
		[ "$(grep -l tern-interop-secret-body "$W"/par.* 2>/dev/null | wc -l)" -eq 20 ]
else
	skip "curl checks: curl not installed"
fi
stop_server

# --- tern-tls-client -> tern-tls-server over TCP ------------------------------
start_server --alpn echo || exit 1
big=$(head -c 300000 /dev/urandom | base64 -w 76)
out=$( (printf '%s\n' "$big"; sleep 1) | timeout 15 "$CLIENT" --ca "$W/ca.pem" --alpn echo \
	--key-update --verbose --linger 1500 localhost "$SPORT" 2>"$W/tt.err")
check "tern-tls-client <-> tern-tls-server: 400 KB echoed intact" [ "$out" = "$big" ]
if [ "$out" != "$big" ]; then
	echo "   sent ${#big} bytes, got ${#out} back; client stderr:"
	tail -n 5 "$W/tt.err" | sed 's/^/   /'
fi
check "... ALPN echo" grep -q "alpn 'echo'" "$W/tt.err"
check "... key update both ways" grep -q "key updates sent 1 received 1" "$W/tt.err"
stop_server

# --- SNI: two certificates, the client's server_name picks one ---------------
start_server --cert "$W/b-chain.pem" --key "$W/b.key" --alpn echo || exit 1
for name in localhost b.test; do
	out=$( (echo "hello-$name"; sleep 0.5) | timeout 10 "$CLIENT" --ca "$W/ca.pem" \
		--alpn echo --linger 300 --server-name "$name" 127.0.0.1 "$SPORT" 2>"$W/sni.err")
	check "tern-tls-server with 2 chains: server_name $name gets a certificate that verifies" \
		[ "$out" = "hello-$name" ]
	[ "$out" = "hello-$name" ] || tail -n 3 "$W/sni.err" | sed 's/^/   /'
done
stop_server

# --- tern-tls-client -> openssl s_server -------------------------------------
if have openssl; then
	(sleep 8) | openssl s_server -tls1_3 -accept 127.0.0.1:0 -naccept 1 -rev -msg \
		-cert "$W/srv.pem" -key "$W/srv.key" >"$W/ss.out" 2>&1 &
	PIDS+=($!)
	if wait_for "$W/ss.out" "^ACCEPT"; then
		port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$W/ss.out")
		out=$( (echo hello-s-server; sleep 1) | timeout 10 "$CLIENT" --ca "$W/ca.pem" \
			--key-update --verbose --linger 700 --server-name localhost 127.0.0.1 "$port" 2>&1)
		# s_server -rev answers each line reversed.
		check "tern-tls-client -> openssl s_server" grep -q "revres-s-olleh" <<<"$out"
		sleep 0.2
		check "tern KeyUpdate reached OpenSSL" \
			grep -q "<<< TLS 1.3, Handshake \[length 0005\], KeyUpdate" "$W/ss.out"
		check "OpenSSL answered the requested update" \
			grep -q "key updates sent 1 received 1" <<<"$out"
	else
		bad "openssl s_server did not start"
	fi
	# Wrong CA: the client must refuse with a named alert.
	(sleep 5) | openssl s_server -tls1_3 -accept 127.0.0.1:0 -naccept 1 \
		-cert "$W/srv.pem" -key "$W/srv.key" >"$W/ss2.out" 2>&1 &
	PIDS+=($!)
	if wait_for "$W/ss2.out" "^ACCEPT"; then
		port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$W/ss2.out")
		out=$(timeout 10 "$CLIENT" --ca "$W/srv.pem" --server-name localhost \
			127.0.0.1 "$port" </dev/null 2>&1)
		rc=$?
		check "tern-tls-client rejects an untrusted chain (rc=$rc)" [ "$rc" -ne 0 ]
		check "... with a named alert" grep -q "sent alert unknown_ca" <<<"$out"
	else
		bad "openssl s_server did not start"
	fi
fi

# --- tern-tls-client -> gnutls-serv --echo -----------------------------------
if have gnutls-serv; then
	ran_peer=1
	port=$(free_port)
	timeout 20 gnutls-serv --echo --disable-client-cert --x509certfile "$W/chain.pem" \
		--x509keyfile "$W/srv.key" -p "$port" >"$W/gs.out" 2>&1 &
	PIDS+=($!)
	if wait_for "$W/gs.out" "listening"; then
		out=$( (echo hello-gnutls-serv; sleep 0.7) | timeout 10 "$CLIENT" --ca "$W/ca.pem" \
			--suites TLS_CHACHA20_POLY1305_SHA256 --groups secp384r1 --verbose \
			--linger 700 --server-name localhost 127.0.0.1 "$port" 2>&1)
		check "tern-tls-client -> gnutls-serv --echo" grep -q "^hello-gnutls-serv" <<<"$out"
		check "... ChaCha20 and secp384r1" \
			grep -q "TLS_CHACHA20_POLY1305_SHA256, group 0x0018" <<<"$out"
	else
		bad "gnutls-serv did not start"
	fi
else
	skip "gnutls-serv checks: gnutls-serv not installed"
fi

if [ "$ran_peer" = 0 ]; then
	echo "SKIP $NAME: no peer program (openssl, gnutls, curl) is installed"
	exit 77
fi
echo "$NAME: $pass passed, $fail failed, $skipped skipped"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
