/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_CONTROL_TLS_HS_INTERNAL_H
#define TERN_CONTROL_TLS_HS_INTERNAL_H

/* Internals of the handshake engine: configuration, per-handshake state. */

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <tern/handshake.h>
#include <tern/tls_config.h>

#include "hs_msg.h"

struct tern_tls_config {
	enum tern_tls_role role;
	uint16_t suites[TERN_TLS_CONFIG_LIST_MAX];
	uint8_t n_suites;
	uint16_t groups[TERN_TLS_CONFIG_LIST_MAX];
	uint8_t n_groups;
	uint8_t alpn[TERN_TLS_CONFIG_LIST_MAX][TERN_TLS_ALPN_MAX_LEN];
	uint8_t alpn_len[TERN_TLS_CONFIG_LIST_MAX];
	uint8_t n_alpn;
	uint16_t record_size_limit;
	bool compat;
	bool verify;
	/* server */
	EVP_PKEY *key;
	uint8_t *cert_der[TERN_HS_MAX_CERTS];
	uint32_t cert_der_len[TERN_HS_MAX_CERTS];
	uint8_t n_certs;
	/* client */
	X509_STORE *store;
};

/* States of the handshake table (hs_state.c). */
enum tern_hs_state {
	TERN_HS_ST_CLIENT_START = 0,
	TERN_HS_ST_CLIENT_WAIT_SH,
	TERN_HS_ST_CLIENT_WAIT_EE,
	TERN_HS_ST_CLIENT_WAIT_CERT,
	TERN_HS_ST_CLIENT_WAIT_CV,
	TERN_HS_ST_CLIENT_WAIT_FINISHED,
	TERN_HS_ST_CLIENT_CONNECTED,
	TERN_HS_ST_SERVER_WAIT_CH,
	TERN_HS_ST_SERVER_WAIT_CH2,
	TERN_HS_ST_SERVER_WAIT_FINISHED,
	TERN_HS_ST_SERVER_CONNECTED,
	TERN_HS_ST_FAILED,
	TERN_HS_ST_COUNT
};

#define TERN_HS_MAX_MSG	   (128u * 1024u) /* longest handshake message accepted */
#define TERN_HS_PUB_MAX	   133		  /* largest key_exchange tern produces */
#define TERN_HS_SHARED_MAX 48		  /* largest (EC)DHE output (secp384r1) */

struct tern_hs {
	const struct tern_tls_config *cfg;
	struct tern_hs_callbacks cb;
	void *user;
	enum tern_tls_role role;
	enum tern_hs_state state;
	int error;
	enum tern_tls_alert alert;
	char errstr[192];

	/* received bytes of the message being reassembled */
	uint8_t *in;
	size_t in_len, in_cap;
	enum tern_hs_level in_level;

	/* transcript (RFC 8446 4.4.1) */
	const struct tern_tls13_suite *suite;
	const EVP_MD *md;
	EVP_MD_CTX *transcript;
	uint8_t *ch1; /* client: first ClientHello until the hash is known */
	size_t ch1_len;

	/* key exchange */
	uint16_t group;
	EVP_PKEY *kex;
	bool hrr;

	/* hello fields; random is the ClientHello.random on both sides (key log) */
	uint8_t random[TERN_HS_RANDOM_LEN];
	uint8_t session_id[TERN_HS_SESSION_ID_MAX];
	uint8_t session_id_len;
	uint8_t cookie[512];
	uint16_t cookie_len;

	/* key schedule */
	uint8_t hs_secret[TERN_HASH_MAX_LEN];
	uint8_t c_hs[TERN_HASH_MAX_LEN], s_hs[TERN_HASH_MAX_LEN];
	uint8_t c_ap[TERN_HASH_MAX_LEN], s_ap[TERN_HASH_MAX_LEN];

	/* negotiated */
	uint16_t sigalg;
	uint8_t alpn[TERN_TLS_ALPN_MAX_LEN];
	uint8_t alpn_len;
	char server_name[256];
	bool has_server_name;
	bool server_name_is_ip;
	uint16_t peer_rsl;
	uint32_t sent_exts; /* client: extensions offered, for unsolicited answers */
	bool app_logged[2]; /* key log: application secret 0 logged [client, server] */
	EVP_PKEY *peer_key;
};

/* Fail the handshake (sticky): returns the negative code. */
int tern_hs_fail(struct tern_hs *hs, int err, enum tern_tls_alert alert, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#define HS_FAIL(hs, alert, ...) tern_hs_fail((hs), -TERN_EPROTO, (alert), __VA_ARGS__)
#define HS_INTERNAL(hs, what)                                                                      \
	tern_hs_fail((hs), -TERN_EINTERNAL, TERN_TLS_ALERT_INTERNAL_ERROR, "internal: %s", (what))

/* Callback wrappers: a callback refusing is an internal error. */
int tern_hs_send(struct tern_hs *hs, enum tern_hs_level level, const uint8_t *p, size_t n);
int tern_hs_emit_secret(struct tern_hs *hs, enum tern_hs_level level, enum tern_hs_direction dir,
			const uint8_t *secret);

/* hs_keyschedule.c */
int tern_hs_transcript_init(struct tern_hs *hs, const struct tern_tls13_suite *suite);
int tern_hs_transcript_add(struct tern_hs *hs, const uint8_t *msg, size_t len);
/* Replace the transcript by message_hash(Hash(CH1)) (RFC 8446 4.4.1). */
int tern_hs_transcript_hrr_restart(struct tern_hs *hs);
int tern_hs_transcript_hash(struct tern_hs *hs, uint8_t *out);
/* Handshake secret and both handshake traffic secrets, from the (EC)DHE output. */
int tern_hs_derive_handshake_secrets(struct tern_hs *hs, const uint8_t *ecdhe, size_t ecdhe_len);
/* Master secret and both application traffic secrets, at server Finished. */
int tern_hs_derive_app_secrets(struct tern_hs *hs);
/* verify_data = HMAC(finished_key(base), transcript hash) (4.4.4). */
int tern_hs_finished_mac(struct tern_hs *hs, const uint8_t *base_key, uint8_t *out);
/* application_traffic_secret_N+1 (7.2), in place. */
int tern_hs_next_app_secret(struct tern_hs *hs, uint8_t *secret);

/* hs_kex.c: returns TERN_TLS_ALERT_NONE or the alert. */
bool tern_hs_group_supported(uint16_t group);
int tern_hs_kex_keygen(uint16_t group, EVP_PKEY **key, uint8_t *pub, size_t *pub_len);
enum tern_tls_alert tern_hs_kex_derive(uint16_t group, EVP_PKEY *key, const uint8_t *peer,
				       size_t peer_len, uint8_t *shared, size_t *shared_len);

/* hs_sig.c */
/* The signature schemes a client offers, in preference order. */
extern const uint16_t tern_hs_client_sigalgs[];
extern const unsigned tern_hs_client_sigalgs_n;
/* Whether a scheme can be used with a key in TLS 1.3. */
bool tern_hs_sigalg_fits_key(uint16_t sigalg, EVP_PKEY *key);
int tern_hs_sign(struct tern_hs *hs, EVP_PKEY *key, uint16_t sigalg, const uint8_t *th,
		 uint8_t *sig, size_t *sig_len);
bool tern_hs_verify(struct tern_hs *hs, EVP_PKEY *key, uint16_t sigalg, const uint8_t *th,
		    const uint8_t *sig, size_t sig_len);

/* hs_cert.c: verify the peer's chain; sets hs->peer_key. */
int tern_hs_cert_check(struct tern_hs *hs, const struct tern_hs_certificate *m);

/* hs_client.c / hs_server.c: handlers of the state table. */
typedef int (*tern_hs_handler)(struct tern_hs *hs, struct tern_rcursor *body, const uint8_t *msg,
			       size_t msg_len);
int tern_hs_client_start(struct tern_hs *hs);
int tern_hs_client_recv_server_hello(struct tern_hs *, struct tern_rcursor *, const uint8_t *,
				     size_t);
int tern_hs_client_recv_encrypted_extensions(struct tern_hs *, struct tern_rcursor *,
					     const uint8_t *, size_t);
int tern_hs_client_recv_certificate(struct tern_hs *, struct tern_rcursor *, const uint8_t *,
				    size_t);
int tern_hs_client_recv_certificate_verify(struct tern_hs *, struct tern_rcursor *, const uint8_t *,
					   size_t);
int tern_hs_client_recv_finished(struct tern_hs *, struct tern_rcursor *, const uint8_t *, size_t);
int tern_hs_client_recv_new_session_ticket(struct tern_hs *, struct tern_rcursor *, const uint8_t *,
					   size_t);
int tern_hs_server_recv_client_hello(struct tern_hs *, struct tern_rcursor *, const uint8_t *,
				     size_t);
int tern_hs_server_recv_finished(struct tern_hs *, struct tern_rcursor *, const uint8_t *, size_t);
int tern_hs_recv_key_update(struct tern_hs *, struct tern_rcursor *, const uint8_t *, size_t);

#endif /* TERN_CONTROL_TLS_HS_INTERNAL_H */
