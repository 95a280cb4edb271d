/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: every TLS 1.3 handshake message parser of control/tls
 * (ClientHello, ServerHello/HelloRetryRequest, EncryptedExtensions,
 * Certificate, CertificateVerify, Finished, NewSessionTicket, KeyUpdate) and
 * the extension-block parser in each message context.
 *
 * Standalone build, from the repository root (clang):
 *   clang -g -O1 -std=c11 -fsanitize=fuzzer,address,undefined -DLINUX -D_GNU_SOURCE
 *     -Iinclude -I. tests/fuzz/fuzz_tls_handshake_msgs.c control/tls/[a-z]*.c
 *     dataplane/keyschedule.c dataplane/tls/[a-z]*.c crypto-accel/[a-z]*.c
 *     -lIPSec_MB -lcrypto -o fuzz_tls_handshake_msgs
 * (or meson with CC=clang -Dfuzz=true). Without libFuzzer, link
 * tests/fuzz/replay_main.c instead.
 *
 * Input: byte 0 selects the parser (mod 10), the rest is the message body,
 * copied to an exactly-sized heap buffer so ASan sees any over-read. When a
 * parse succeeds, the parsed struct is encoded again; if that succeeds, the
 * encoding must parse and re-encode to the same bytes (the codecs agree).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/tls/hs_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static union msg {
	struct tern_hs_client_hello ch;
	struct tern_hs_server_hello sh;
	struct tern_hs_encrypted_extensions ee;
	struct tern_hs_certificate ct;
	struct tern_hs_certificate_verify cv;
	struct tern_hs_finished fin;
	struct tern_hs_new_session_ticket nst;
	struct tern_hs_key_update ku;
	struct tern_hs_exts exts;
} m1, m2;

static uint8_t enc1[1 << 17], enc2[1 << 17];

static const unsigned ext_ctx[] = {TERN_HS_CTX_CH, TERN_HS_CTX_CR};

static enum tern_tls_alert
parse(unsigned sel, const uint8_t *p, size_t n, union msg *m)
{
	struct tern_rcursor r;

	tern_rcursor_init(&r, p, n);
	switch (sel) {
	case 0:
		return tern_hs_client_hello_parse(&r, &m->ch);
	case 1:
		return tern_hs_server_hello_parse(&r, &m->sh);
	case 2:
		return tern_hs_encrypted_extensions_parse(&r, &m->ee);
	case 3:
		return tern_hs_certificate_parse(&r, &m->ct);
	case 4:
		return tern_hs_certificate_verify_parse(&r, &m->cv);
	case 5:
		return tern_hs_finished_parse(&r, 32, &m->fin);
	case 6:
		return tern_hs_finished_parse(&r, 48, &m->fin);
	case 7:
		return tern_hs_new_session_ticket_parse(&r, &m->nst);
	case 8:
		return tern_hs_key_update_parse(&r, &m->ku);
	default:
		return tern_hs_exts_parse(&r, ext_ctx[n % 2], &m->exts);
	}
}

/* Encode; returns the body length (after the 4-byte header) or 0 if not encodable. */
static size_t
encode(unsigned sel, const union msg *m, uint8_t *out)
{
	struct tern_wcursor w;
	bool ok;

	tern_wcursor_init(&w, out, sizeof(enc1));
	switch (sel) {
	case 0:
		ok = tern_hs_client_hello_write(&w, &m->ch);
		break;
	case 1:
		ok = tern_hs_server_hello_write(&w, &m->sh);
		break;
	case 2:
		ok = tern_hs_encrypted_extensions_write(&w, &m->ee);
		break;
	case 3:
		ok = tern_hs_certificate_write(&w, &m->ct);
		break;
	case 4:
		ok = tern_hs_certificate_verify_write(&w, &m->cv);
		break;
	case 5:
	case 6:
		ok = tern_hs_finished_write(&w, &m->fin);
		break;
	case 7:
		ok = tern_hs_new_session_ticket_write(&w, &m->nst);
		break;
	case 8:
		ok = tern_hs_key_update_write(&w, &m->ku);
		break;
	default:
		return 0; /* bare extension blocks are not re-encoded */
	}
	return ok && w.off >= 4 ? w.off - 4 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned sel;
	uint8_t *body;
	size_t n, n1, n2;

	if (size < 1)
		return 0;
	sel = data[0] % 10;
	n = size - 1;
	body = malloc(n != 0 ? n : 1);
	if (body == NULL)
		return 0;
	memcpy(body, data + 1, n);
	if (parse(sel, body, n, &m1) == TERN_TLS_ALERT_NONE) {
		n1 = encode(sel, &m1, enc1);
		if (n1 != 0) {
			if (parse(sel, enc1 + 4, n1, &m2) != TERN_TLS_ALERT_NONE)
				abort();
			n2 = encode(sel, &m2, enc2);
			if (n2 != n1 || memcmp(enc1, enc2, n1 + 4) != 0)
				abort();
		}
	}
	free(body);
	return 0;
}
