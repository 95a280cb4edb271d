/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_CONTROL_TLS_HS_MSG_H
#define TERN_CONTROL_TLS_HS_MSG_H

/*
 * TLS 1.3 handshake message and extension codecs (RFC 8446 4).
 *
 * Parsers take the message body (after the 4-byte type/length header) in a
 * bounded reader and return TERN_TLS_ALERT_NONE or the alert the failure
 * maps to: decode_error for anything malformed, illegal_parameter where the
 * RFC says so. Parsed structs borrow variable-length fields from the input
 * (views), so the input must outlive them. Encoders write the whole message,
 * header included, and return false when the writer has no room.
 */

#include <stdbool.h>
#include <stdint.h>

#include <tern/tls_alert.h>

#include "dataplane/cursor.h"

/* HandshakeType (RFC 8446 4). */
enum tern_hs_msg_type {
	TERN_HS_CLIENT_HELLO = 1,
	TERN_HS_SERVER_HELLO = 2,
	TERN_HS_NEW_SESSION_TICKET = 4,
	TERN_HS_END_OF_EARLY_DATA = 5,
	TERN_HS_ENCRYPTED_EXTENSIONS = 8,
	TERN_HS_CERTIFICATE = 11,
	TERN_HS_CERTIFICATE_REQUEST = 13,
	TERN_HS_CERTIFICATE_VERIFY = 15,
	TERN_HS_FINISHED = 20,
	TERN_HS_KEY_UPDATE = 24,
	TERN_HS_MESSAGE_HASH = 254,
};

#define TERN_HS_HEADER_LEN     4
#define TERN_HS_RANDOM_LEN     32
#define TERN_HS_SESSION_ID_MAX 32
#define TERN_TLS13_VERSION     0x0304
#define TERN_TLS12_VERSION     0x0303

/* Capacities of parsed lists; longer lists are parsed in full, the rest ignored. */
#define TERN_HS_MAX_SUITES   64
#define TERN_HS_MAX_VERSIONS 16
#define TERN_HS_MAX_GROUPS   32
#define TERN_HS_MAX_SIGALGS  64
#define TERN_HS_MAX_SHARES   8
#define TERN_HS_MAX_ALPN     16
#define TERN_HS_MAX_CERTS    16
#define TERN_HS_MAX_PSKS     4

/* The message an extension block belongs to (RFC 8446 4.2's table columns). */
enum tern_hs_ext_ctx {
	TERN_HS_CTX_CH = 1 << 0,
	TERN_HS_CTX_SH = 1 << 1,
	TERN_HS_CTX_HRR = 1 << 2,
	TERN_HS_CTX_EE = 1 << 3,
	TERN_HS_CTX_CT = 1 << 4,
	TERN_HS_CTX_CR = 1 << 5,
	TERN_HS_CTX_NST = 1 << 6,
};

/* Extensions tern understands: index into the table, not the IANA number. */
enum tern_hs_ext_id {
	TERN_HS_EXT_SERVER_NAME = 0,
	TERN_HS_EXT_SUPPORTED_GROUPS,
	TERN_HS_EXT_SIGNATURE_ALGORITHMS,
	TERN_HS_EXT_ALPN,
	TERN_HS_EXT_RECORD_SIZE_LIMIT,
	TERN_HS_EXT_SUPPORTED_VERSIONS,
	TERN_HS_EXT_COOKIE,
	TERN_HS_EXT_PSK_KEY_EXCHANGE_MODES,
	TERN_HS_EXT_KEY_SHARE,
	TERN_HS_EXT_EARLY_DATA,
	TERN_HS_EXT_QUIC_TRANSPORT_PARAMETERS,
	/* Must stay the last row: pre_shared_key is written last (RFC 8446 4.2.11). */
	TERN_HS_EXT_PRE_SHARED_KEY,
	TERN_HS_EXT_COUNT
};

#define TERN_HS_EXT_BIT(id) (1u << (id))

struct tern_hs_view {
	const uint8_t *p;
	uint32_t len;
};

/* One PskIdentity of a ClientHello's pre_shared_key (RFC 8446 4.2.11). */
struct tern_hs_psk_identity {
	struct tern_hs_view identity;
	uint32_t obfuscated_age;
};

struct tern_hs_key_share {
	uint16_t group;
	struct tern_hs_view key;
};

/*
 * The values of every understood extension of one extension block. `present`
 * has TERN_HS_EXT_BIT(id) set for each extension present (parse) or to send
 * (encode). Which fields apply depends on the message.
 */
struct tern_hs_exts {
	uint32_t present;
	/* CH: versions offered; SH/HRR: versions[0] is selected_version */
	uint16_t versions[TERN_HS_MAX_VERSIONS];
	uint8_t n_versions;
	/* CH: client_shares; SH: shares[0] is server_share; HRR: hrr_group */
	struct tern_hs_key_share shares[TERN_HS_MAX_SHARES];
	uint8_t n_shares;
	uint16_t hrr_group;
	uint16_t groups[TERN_HS_MAX_GROUPS];
	uint8_t n_groups;
	uint16_t sigalgs[TERN_HS_MAX_SIGALGS];
	uint8_t n_sigalgs;
	/* CH: the host_name; EE: empty (acknowledgement, RFC 6066 3) */
	struct tern_hs_view server_name;
	/* CH: protocols offered; EE: exactly one, the selection */
	struct tern_hs_view alpn[TERN_HS_MAX_ALPN];
	uint8_t n_alpn;
	uint16_t record_size_limit;
	struct tern_hs_view cookie;
	uint8_t psk_modes; /* bit 1 << mode */
	/*
	 * pre_shared_key. CH: the first TERN_HS_MAX_PSKS identities and binders
	 * (the counts say how many were on the wire) and the length of the
	 * whole binders vector with its prefix: the ClientHello minus these
	 * trailing bytes is what the binders cover (4.2.11.2). SH: psk_selected.
	 */
	struct tern_hs_psk_identity psk_ids[TERN_HS_MAX_PSKS];
	struct tern_hs_view psk_binders[TERN_HS_MAX_PSKS];
	uint16_t n_psk_ids, n_psk_binders;
	uint32_t psk_binders_len;
	uint16_t psk_selected;
	/* early_data: empty in CH and EE; NST: max_early_data_size (4.2.10) */
	uint32_t max_early_data;
	/* quic_transport_parameters (RFC 9001 8.2): opaque to TLS */
	struct tern_hs_view quic_tp;
};

/* One row of the extension table (s2n's s2n_extension_type). */
struct tern_hs_ext_type {
	uint16_t iana;
	uint8_t allowed; /* enum tern_hs_ext_ctx bits where it may appear */
	const char *name;
	/* Write the extension_data (without type and length). */
	bool (*send)(const struct tern_hs_exts *e, unsigned ctx, struct tern_wcursor *w);
	/* Parse extension_data (exactly the body) into e. */
	enum tern_tls_alert (*recv)(struct tern_hs_exts *e, unsigned ctx, struct tern_rcursor *r);
	/* Whether to send it in this message. */
	bool (*should_send)(const struct tern_hs_exts *e, unsigned ctx);
	/* The alert when absent from this message, TERN_TLS_ALERT_NONE if optional. */
	enum tern_tls_alert (*if_missing)(unsigned ctx);
};

extern const struct tern_hs_ext_type tern_hs_ext_server_name;
extern const struct tern_hs_ext_type tern_hs_ext_supported_groups;
extern const struct tern_hs_ext_type tern_hs_ext_signature_algorithms;
extern const struct tern_hs_ext_type tern_hs_ext_alpn;
extern const struct tern_hs_ext_type tern_hs_ext_record_size_limit;
extern const struct tern_hs_ext_type tern_hs_ext_supported_versions;
extern const struct tern_hs_ext_type tern_hs_ext_cookie;
extern const struct tern_hs_ext_type tern_hs_ext_psk_key_exchange_modes;
extern const struct tern_hs_ext_type tern_hs_ext_key_share;
extern const struct tern_hs_ext_type tern_hs_ext_early_data;
extern const struct tern_hs_ext_type tern_hs_ext_quic_transport_parameters;
extern const struct tern_hs_ext_type tern_hs_ext_pre_shared_key;

/* The table, indexed by enum tern_hs_ext_id. */
extern const struct tern_hs_ext_type *const tern_hs_ext_table[TERN_HS_EXT_COUNT];

/* Generic should_send: the extension's present bit. */
bool tern_hs_ext_present(const struct tern_hs_exts *e, unsigned ctx);

/*
 * Parse an extension block (the u16-length-prefixed list) for message ctx.
 * Rejects duplicates (illegal_parameter), understood extensions not allowed
 * in ctx (illegal_parameter), unknown ones where only solicited extensions
 * may appear (unsupported_extension; ignored in CH, CR and NST), and missing
 * mandatory ones (each type's if_missing).
 */
enum tern_tls_alert tern_hs_exts_parse(struct tern_rcursor *r, unsigned ctx,
				       struct tern_hs_exts *e);

/* Write an extension block: every type whose should_send says so, table order. */
bool tern_hs_exts_write(struct tern_wcursor *w, unsigned ctx, const struct tern_hs_exts *e);

/* Handshake message framing. */
bool tern_hs_msg_begin(struct tern_wcursor *w, uint8_t type, uint8_t **len_at);
void tern_hs_msg_end(struct tern_wcursor *w, uint8_t *len_at);
/* A u8/u16/u24 length-prefixed vector's sub-reader; false if malformed. */
bool tern_hs_read_vec(struct tern_rcursor *r, size_t len_bytes, struct tern_rcursor *sub);
/* Back-patch a length prefix of n bytes reserved at at. */
void tern_hs_patch_len(struct tern_wcursor *w, uint8_t *at, size_t n);
/* A u16-length-prefixed list of u16 values (supported_groups,
 * signature_algorithms). Reading keeps the first max values and requires a
 * non-empty, even-length list (decode_error otherwise). */
bool tern_hs_write_u16_list(struct tern_wcursor *w, const uint16_t *v, size_t n);
enum tern_tls_alert tern_hs_read_u16_list(struct tern_rcursor *r, uint16_t *v, uint8_t *n,
					  size_t max);

/* --- messages --------------------------------------------------------- */

struct tern_hs_client_hello {
	uint16_t legacy_version;
	uint8_t random[TERN_HS_RANDOM_LEN];
	uint8_t session_id[TERN_HS_SESSION_ID_MAX];
	uint8_t session_id_len;
	uint16_t suites[TERN_HS_MAX_SUITES];
	uint8_t n_suites;
	struct tern_hs_exts exts;
};

/* ServerHello and HelloRetryRequest (a ServerHello with a special random). */
struct tern_hs_server_hello {
	uint16_t legacy_version;
	uint8_t random[TERN_HS_RANDOM_LEN];
	uint8_t session_id[TERN_HS_SESSION_ID_MAX];
	uint8_t session_id_len;
	uint16_t suite;
	bool is_hrr;
	struct tern_hs_exts exts;
};

struct tern_hs_encrypted_extensions {
	struct tern_hs_exts exts;
};

struct tern_hs_certificate {
	struct tern_hs_view context;
	struct tern_hs_view certs[TERN_HS_MAX_CERTS];
	uint8_t n_certs;
};

struct tern_hs_certificate_request {
	struct tern_hs_view context;
	struct tern_hs_exts exts;
};

struct tern_hs_certificate_verify {
	uint16_t sigalg;
	struct tern_hs_view signature;
};

struct tern_hs_finished {
	struct tern_hs_view verify_data;
};

struct tern_hs_new_session_ticket {
	uint32_t lifetime;
	uint32_t age_add;
	struct tern_hs_view nonce;
	struct tern_hs_view ticket;
	struct tern_hs_exts exts;
};

struct tern_hs_key_update {
	uint8_t request_update; /* 0 update_not_requested, 1 update_requested */
};

/* The special ServerHello.random of a HelloRetryRequest (RFC 8446 4.1.3). */
extern const uint8_t tern_hs_hrr_random[TERN_HS_RANDOM_LEN];

enum tern_tls_alert tern_hs_client_hello_parse(struct tern_rcursor *r,
					       struct tern_hs_client_hello *m);
bool tern_hs_client_hello_write(struct tern_wcursor *w, const struct tern_hs_client_hello *m);

enum tern_tls_alert tern_hs_server_hello_parse(struct tern_rcursor *r,
					       struct tern_hs_server_hello *m);
bool tern_hs_server_hello_write(struct tern_wcursor *w, const struct tern_hs_server_hello *m);

enum tern_tls_alert tern_hs_encrypted_extensions_parse(struct tern_rcursor *r,
						       struct tern_hs_encrypted_extensions *m);
bool tern_hs_encrypted_extensions_write(struct tern_wcursor *w,
					const struct tern_hs_encrypted_extensions *m);

enum tern_tls_alert tern_hs_certificate_parse(struct tern_rcursor *r,
					      struct tern_hs_certificate *m);
bool tern_hs_certificate_write(struct tern_wcursor *w, const struct tern_hs_certificate *m);

enum tern_tls_alert tern_hs_certificate_request_parse(struct tern_rcursor *r,
						      struct tern_hs_certificate_request *m);
bool tern_hs_certificate_request_write(struct tern_wcursor *w,
				       const struct tern_hs_certificate_request *m);

enum tern_tls_alert tern_hs_certificate_verify_parse(struct tern_rcursor *r,
						     struct tern_hs_certificate_verify *m);
bool tern_hs_certificate_verify_write(struct tern_wcursor *w,
				      const struct tern_hs_certificate_verify *m);

/* hash_len: the suite's hash length; any other body length is decode_error. */
enum tern_tls_alert tern_hs_finished_parse(struct tern_rcursor *r, size_t hash_len,
					   struct tern_hs_finished *m);
bool tern_hs_finished_write(struct tern_wcursor *w, const struct tern_hs_finished *m);

enum tern_tls_alert tern_hs_new_session_ticket_parse(struct tern_rcursor *r,
						     struct tern_hs_new_session_ticket *m);
bool tern_hs_new_session_ticket_write(struct tern_wcursor *w,
				      const struct tern_hs_new_session_ticket *m);

enum tern_tls_alert tern_hs_key_update_parse(struct tern_rcursor *r, struct tern_hs_key_update *m);
bool tern_hs_key_update_write(struct tern_wcursor *w, const struct tern_hs_key_update *m);

#endif /* TERN_CONTROL_TLS_HS_MSG_H */
