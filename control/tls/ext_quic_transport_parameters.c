/* SPDX-License-Identifier: Apache-2.0 */
/*
 * quic_transport_parameters (RFC 9001 8.2): in ClientHello and
 * EncryptedExtensions. TLS carries the bytes without looking inside; the QUIC
 * layer encodes and validates them (RFC 9000 18).
 */

#include "hs_msg.h"

static bool
send(const struct tern_hs_exts *e, unsigned ctx, struct tern_wcursor *w)
{
	(void)ctx;
	return tern_wcursor_bytes(w, e->quic_tp.p, e->quic_tp.len);
}

static enum tern_tls_alert
recv(struct tern_hs_exts *e, unsigned ctx, struct tern_rcursor *r)
{
	size_t n = tern_rcursor_left(r);

	(void)ctx;
	e->quic_tp.p = tern_rcursor_ptr(r);
	e->quic_tp.len = (uint32_t)n;
	return tern_rcursor_skip(r, n) ? TERN_TLS_ALERT_NONE : TERN_TLS_ALERT_DECODE_ERROR;
}

const struct tern_hs_ext_type tern_hs_ext_quic_transport_parameters = {
	.iana = 57,
	.allowed = TERN_HS_CTX_CH | TERN_HS_CTX_EE,
	.name = "quic_transport_parameters",
	.send = send,
	.recv = recv,
	.should_send = tern_hs_ext_present,
};
