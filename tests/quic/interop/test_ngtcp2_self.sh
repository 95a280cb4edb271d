#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# tern-ngtcp2-peer server <-> tern-ngtcp2-peer client on 127.0.0.1, directly and
# through tern-udp-relay: the harness the tern QUIC interop tests rely on must
# itself be right. Checks: handshake + ALPN, echo, 1,000 concurrent streams
# over a 100-stream limit, 50 MB download and upload verified by SHA-256 on
# both sides, application close codes both ways, key update initiated by
# either side, key log, and that mismatches are detected (ALPN, close code).
# Lossy runs (seeded, so reproducible): 1% loss 50 MB down, 5% loss 50 MB up,
# 10% loss + 5% reorder/dup/corrupt with 5 MB down + 5 MB up + 200 streams,
# 2% loss + reorder/dup/corrupt 20 MB down with a key update.
# Takes ~50 s on an idle 2-core machine (gcc -O2), ~2 min under ASan or load.
#
# usage: test_ngtcp2_self.sh PEER RELAY
#        test_ngtcp2_self.sh --missing "packages"   (prints SKIP, exit 77)

set -u
NAME=interop_ngtcp2_self
if [ "${1:-}" = "--missing" ]; then
	echo "SKIP $NAME: tern-ngtcp2-peer not built, missing ${2:-libngtcp2}"
	exit 77
fi
PEER=$1
RELAY=$2
T=200 # per-process bound, seconds (sanitizer builds on a loaded 2-core machine)
pass=0
fail=0

if ! command -v openssl >/dev/null 2>&1; then
	echo "SKIP $NAME: openssl (needed to make the test certificate) is not installed"
	exit 77
fi

W=$(mktemp -d /tmp/tern-ngtcp2-self-XXXXXX)
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

# Wait for "LISTENING 127.0.0.1 PORT" in FILE; print PORT.
listen_port() {
	local i
	for i in $(seq 100); do
		if grep -q '^LISTENING' "$1" 2>/dev/null; then
			awk '/^LISTENING/ {print $3; exit}' "$1"
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# field FILE KEY: value of key=value on the RESULT line of FILE
field() {
	sed -n 's/^RESULT .*/&/p' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1
}
status() { awk '/^RESULT/ {print $2; exit}' "$1"; }

# run NAME "SERVER ARGS" "CLIENT ARGS" ["RELAY ARGS"]
# Leaves $W/NAME.{srv,cli,rel} and sets SRV_RC / CLI_RC.
run() {
	local n=$1 sargs=$2 cargs=$3 rargs=${4:-} port sp rp t0 t1
	t0=$(date +%s.%N)
	# shellcheck disable=SC2086
	"$PEER" --server --port 0 --cert "$W/cert.pem" --key "$W/key.pem" --timeout $T \
		--keylog "$W/$n.srv.keys" $sargs >"$W/$n.srv" 2>"$W/$n.srv.err" &
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
	# shellcheck disable=SC2086
	"$PEER" --client 127.0.0.1 "$port" --ca "$W/cert.pem" --timeout $T \
		--keylog "$W/$n.cli.keys" $cargs >"$W/$n.cli" 2>"$W/$n.cli.err"
	CLI_RC=$?
	wait "$sp"
	SRV_RC=$?
	if [ -n "$rargs" ]; then
		kill "$rp" 2>/dev/null
		wait "$rp"
	fi
	t1=$(date +%s.%N)
	awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "     %-10s %6.2f s\n", n, b - a }'
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
# expect NAME DESCRIPTION CONDITION-COMMAND...
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
same() { # same NAME KEY: client and server agree on a non-empty value
	local a b
	a=$(field "$W/$1.cli" "$2")
	b=$(field "$W/$1.srv" "$2")
	[ -n "$a" ] && [ "$a" != - ] && [ "$a" = "$b" ]
}
eq() { [ "$(field "$W/$1.$2" "$3")" = "$4" ]; }
ge() { [ "$(field "$W/$1.$2" "$3")" -ge "$4" ] 2>/dev/null; }

# --- direct ------------------------------------------------------------------------
run echo "" "--echo 100000"
expect echo "both sides ok" both_ok echo
expect echo "100000 bytes echoed" eq echo cli bytes_recv 100000
expect echo "key logs of both sides name the same traffic secret" \
	bash -c "grep -q '^CLIENT_TRAFFIC_SECRET_0 ' '$W/echo.cli.keys' &&
		 [ \"\$(grep '^CLIENT_TRAFFIC_SECRET_0 ' '$W/echo.cli.keys')\" = \
		   \"\$(grep '^CLIENT_TRAFFIC_SECRET_0 ' '$W/echo.srv.keys')\" ]"

run streams "--max-streams 100" "--streams 1000 --stream-bytes 1000"
expect streams "both sides ok" both_ok streams
expect streams "1000 streams echoed through a 100-stream limit" eq streams cli streams 1000
expect streams "server served 1000 streams" eq streams srv streams 1000

run down "" "--download 50M"
expect down "both sides ok" both_ok down
expect down "50 MB received" eq down cli bytes_recv 52428800
expect down "SHA-256 sent == SHA-256 received" same down sha256_down
# computed independently (python, from the pattern definition in README.md)
expect down "SHA-256 is that of the documented pattern" eq down cli sha256_down \
	c747065bc03cff297c8b0faf572aa97cc4afe4e9500272193d09d06f22c60522

run up "" "--upload 50M"
expect up "both sides ok" both_ok up
expect up "50 MB received by the server" ge up srv bytes_recv 52428800
expect up "SHA-256 sent == SHA-256 received" same up sha256_up

run close_c "--expect-close 0x1234" "--echo 1000 --close-error 0x1234"
expect close_c "both sides ok" both_ok close_c
expect close_c "server got application close 0x1234" eq close_c srv close_recv app:4660

run close_s "--close-error 77 --close-after 1" "--echo 1000 --wait-close --expect-close 77"
expect close_s "both sides ok" both_ok close_s
expect close_s "client got application close 77" eq close_s cli close_recv app:77

# ngtcp2 derives next keys lazily, so the follower's key_updates counter can
# lag (a flaky count, seen in CI); that it followed is shown by the transfer
# finishing intact after the initiator switched: it could not read the
# initiator's packets (data or ACKs) otherwise.
run ku_c "" "--download 10M --key-update"
expect ku_c "both sides ok" both_ok ku_c
expect ku_c "client initiated a key update" eq ku_c cli ku_initiated 1
expect ku_c "data intact across the update" same ku_c sha256_down

run ku_s "--key-update --key-update-after 2M" "--upload 10M"
expect ku_s "both sides ok" both_ok ku_s
expect ku_s "server initiated a key update" eq ku_s srv ku_initiated 1
expect ku_s "data intact across the update" same ku_s sha256_up

# the harness must notice what it is there to notice
run alpn "--alpn other" "--echo 100"
expect alpn "ALPN mismatch fails on both sides" \
	bash -c "[ $CLI_RC != 0 ] && [ $SRV_RC != 0 ]"
run badclose "--expect-close 5" "--echo 100 --close-error 6"
expect badclose "wrong close code is reported as a failure" \
	bash -c "[ $CLI_RC = 0 ] && [ $SRV_RC != 0 ] && grep -q 'reason=expected' '$W/badclose.srv'"

# --- through the seeded relay -------------------------------------------------------
run loss1 "" "--download 50M" "--seed 1 --loss 0.01"
expect loss1 "1% loss: both sides ok" both_ok loss1
expect loss1 "1% loss: 50 MB hashes equal" same loss1 sha256_down
expect loss1 "relay dropped packets" bash -c "grep -q 'lost=[1-9]' '$W/loss1.rel'"

run loss5 "" "--upload 50M" "--seed 2 --loss 0.05"
expect loss5 "5% loss: both sides ok" both_ok loss5
expect loss5 "5% loss: 50 MB hashes equal" same loss5 sha256_up

run loss10 "" "--download 5M --upload 5M --streams 200 --stream-bytes 3000" \
	"--seed 3 --loss 0.10 --reorder 0.05 --dup 0.05 --corrupt 0.05"
expect loss10 "10% loss + reorder/dup/corrupt: both sides ok" both_ok loss10
expect loss10 "5 MB down hashes equal" same loss10 sha256_down
expect loss10 "5 MB up hashes equal" same loss10 sha256_up
expect loss10 "202 streams done" eq loss10 cli streams 202
expect loss10 "relay reordered, duplicated and corrupted" \
	bash -c "grep 'c2s' '$W/loss10.rel' | grep -q 'corrupted=[1-9].*duplicated=[1-9].*reordered=[1-9]'"

run mix "" "--download 20M --key-update" "--seed 4 --loss 0.02 --reorder 0.05 --dup 0.05 --corrupt 0.05"
expect mix "2% loss + impairments + key update: both sides ok" both_ok mix
expect mix "20 MB hashes equal" same mix sha256_down
expect mix "key update done under loss" eq mix cli ku_initiated 1

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
