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

/* One certificate chain (leaf first, DER) and the leaf's private key. */
struct tern_hs_chain {
	EVP_PKEY *key;
	X509 *leaf; /* for host name matching (server certificate selection) */
	uint8_t *der[TERN_HS_MAX_CERTS];
	uint32_t der_len[TERN_HS_MAX_CERTS];
	uint8_t n;
};

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
	/* our identities (server; client for client auth), in load order:
	 * the first is the default (tern_hs_chain_select) */
	struct tern_hs_chain chains[TERN_TLS_MAX_CERT_CHAINS];
	uint8_t n_chains;
	/* client */
	X509_STORE *store;
	/* server: session tickets (hs_ticket.c) */
	uint8_t n_tickets;	  /* NewSessionTickets after the handshake */
	uint32_t ticket_lifetime; /* seconds, <= 604800 (4.6.1) */
	uint32_t ticket_rotation; /* seconds per ticket key epoch */
	uint8_t ticket_secret[TERN_TLS_TICKET_SECRET_LEN];
	/* 0-RTT (hs_early.c) */
	uint32_t max_early_data;	 /* server: advertised in tickets, 0 = off */
	bool reject_early_data;		 /* server: decline every 0-RTT attempt */
	bool client_early_data;		 /* client: offer 0-RTT when the session allows */
	struct tern_hs_strikes *strikes; /* server: anti-replay register */
	/* server: client authentication (enum tern_tls_client_auth) */
	uint8_t client_auth;
	/* both: wall clock in ms since the epoch (tests inject one) */
	uint64_t (*clock)(void *arg);
	void *clock_arg;
};

/*
 * Resumption state: what a ticket carries (server, encrypted inside the
 * ticket) and what a client keeps next to the ticket (the session blob
 * handed out through on_session). `opaque` is the application's resumption
 * data in a ticket, the ticket itself in a session. Views borrow the input.
 */
struct tern_hs_resume {
	uint16_t suite;
	uint8_t psk[TERN_HASH_MAX_LEN];
	uint8_t psk_len;
	uint32_t age_add;
	uint32_t lifetime;
	uint64_t time_ms; /* server: issue time; client: receive time */
	uint32_t max_early_data;
	uint8_t alpn[TERN_TLS_ALPN_MAX_LEN];
	uint8_t alpn_len;
	char sni[256];
	uint8_t sni_len;
	struct tern_hs_view opaque;
};

/* hs_ticket.c */
uint64_t tern_hs_now_ms(const struct tern_tls_config *cfg);
bool tern_hs_resume_write(struct tern_wcursor *w, const struct tern_hs_resume *st);
bool tern_hs_resume_read(struct tern_rcursor *r, struct tern_hs_resume *st);
/* Encrypt a ticket under the current epoch's key; out gets TERN_HS_TICKET_OVERHEAD more bytes. */
int tern_hs_ticket_seal(const struct tern_tls_config *cfg, uint64_t now_ms, const uint8_t *in,
			size_t in_len, uint8_t *out, size_t *out_len);
/* Decrypt with the current or previous epoch's key; -TERN_EBADMSG if neither opens it. */
int tern_hs_ticket_open(const struct tern_tls_config *cfg, uint64_t now_ms, const uint8_t *in,
			size_t in_len, uint8_t *out, size_t *out_len);
/* How far the client's and the server's views of a ticket's age may differ for 0-RTT (8.3). */
#define TERN_HS_EARLY_AGE_WINDOW_MS 10000u
#define TERN_HS_TICKET_NAME_LEN	    16
#define TERN_HS_TICKET_OVERHEAD	    (TERN_HS_TICKET_NAME_LEN + 12 + 16)

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
	TERN_HS_ST_SERVER_WAIT_EOED, /* 0-RTT accepted: until EndOfEarlyData (4.5) */
	TERN_HS_ST_SERVER_WAIT_CERT, /* client authentication (4.4.2) */
	TERN_HS_ST_SERVER_WAIT_CV,
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
	const struct tern_hs_chain *chain; /* the identity we present (server; client auth) */
	uint8_t alpn[TERN_TLS_ALPN_MAX_LEN];
	uint8_t alpn_len;
	char server_name[256];
	bool has_server_name;
	bool server_name_is_ip;
	uint16_t peer_rsl;
	uint32_t sent_exts; /* client: extensions offered, for unsolicited answers */
	bool app_logged[2]; /* key log: application secret 0 logged [client, server] */
	EVP_PKEY *peer_key;
	/* connection API getters (tls-conn): exporter_master_secret (7.5) and
	 * the peer's chain as DER, each entry a 3-byte length then the bytes */
	uint8_t exp_master[TERN_HASH_MAX_LEN];
	bool has_exp_master;
	uint8_t *peer_chain;
	size_t peer_chain_len;
	unsigned peer_chain_n;

	/* resumption (RFC 8446 2.2, 4.2.11, 4.6.1; tls-psk) */
	bool resumed;			/* the server accepted our / the client's PSK */
	uint8_t psk[TERN_HASH_MAX_LEN]; /* the PSK in use (offered or accepted) */
	uint8_t psk_len;
	struct tern_hs_resume *sess;	   /* client: the session offered */
	uint8_t *sess_ticket;		   /* client: its ticket (sess->opaque points here) */
	bool psk_offered;		   /* client: the last ClientHello carried it */
	uint16_t psk_selected;		   /* server: index of the accepted identity */
	uint8_t master[TERN_HASH_MAX_LEN]; /* until resumption_master_secret is derived */
	uint8_t res_master[TERN_HASH_MAX_LEN];
	uint32_t tickets_sent; /* server: ticket_nonce of the next ticket */
	uint8_t res_data[TERN_HS_RESUMPTION_DATA_MAX];
	uint16_t res_data_len;
	uint8_t got_res_data[TERN_HS_RESUMPTION_DATA_MAX];
	uint16_t got_res_data_len;

	/* client authentication (4.3.2, 4.4.2; tls-psk) */
	bool cert_requested;	/* server: sent CertificateRequest; client: got one */
	bool cv_client;		/* the CertificateVerify at hand is the client's */
	bool peer_authed;	/* server: the client proved a certificate */
	uint16_t client_sigalg; /* client: scheme to sign with, 0: send no certificate */
	uint8_t cr_context[255];
	uint8_t cr_context_len;

	/* 0-RTT (4.2.10, 4.5; tls-psk) */
	uint8_t early_state; /* enum tern_hs_early_data */
	uint32_t early_max;  /* max_early_data_size in force */
	uint8_t c_early[TERN_HASH_MAX_LEN];
	uint8_t early_exp[TERN_HASH_MAX_LEN]; /* early_exporter_master_secret */
	const struct tern_tls13_suite *early_suite;

	/* QUIC mode (RFC 9001 8): our transport parameters, the peer's */
	bool quic;
	uint8_t *quic_tp, *peer_quic_tp;
	size_t quic_tp_len, peer_quic_tp_len;
};

/* QUIC mode: keep a copy of the peer's quic_transport_parameters. */
int tern_hs_store_peer_quic_tp(struct tern_hs *hs, const struct tern_hs_exts *e);

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
/* resumption_master_secret, once the client Finished is in the transcript. */
int tern_hs_derive_res_master(struct tern_hs *hs);
/* The binder of a PSK over a hash of the truncated ClientHello (4.2.11.2). */
int tern_hs_psk_binder(struct tern_hs *hs, const struct tern_tls13_suite *suite, const uint8_t *psk,
		       const uint8_t *th, uint8_t *out);
/* Transcript-Hash(earlier messages + a truncated ClientHello) with suite's hash. */
int tern_hs_truncated_hash(struct tern_hs *hs, const struct tern_tls13_suite *suite,
			   const uint8_t *ch, size_t len, uint8_t *out);
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
/*
 * Server: the chain to present for a ClientHello's server_name (NULL: none)
 * and signature_algorithms, and in *sigalg the scheme to sign with. NULL
 * when no chain has a key for any of the schemes.
 */
const struct tern_hs_chain *tern_hs_chain_select(const struct tern_tls_config *cfg,
						 const char *server_name, const uint16_t *sigalgs,
						 unsigned n_sigalgs, uint16_t *sigalg);

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
int tern_hs_client_recv_certificate_request(struct tern_hs *, struct tern_rcursor *,
					    const uint8_t *, size_t);
int tern_hs_server_recv_certificate(struct tern_hs *, struct tern_rcursor *, const uint8_t *,
				    size_t);
int tern_hs_server_recv_certificate_verify(struct tern_hs *, struct tern_rcursor *, const uint8_t *,
					   size_t);
int tern_hs_recv_key_update(struct tern_hs *, struct tern_rcursor *, const uint8_t *, size_t);
/* hs_resume.c: drop the client's offered session (tern_hs_free). */
void tern_hs_resume_free(struct tern_hs *hs);
/* hs_early.c */
/* client_early_traffic_secret from Hash(ClientHello), emitted at the early level. */
int tern_hs_early_secret(struct tern_hs *hs, const struct tern_tls13_suite *suite,
			 enum tern_hs_direction dir, const uint8_t *ch, size_t ch_len);
/* Server: whether to accept 0-RTT with the ticket just accepted (age, replay). */
bool tern_hs_early_acceptable(struct tern_hs *hs, const struct tern_hs_resume *st,
			      uint32_t obfuscated_age, const uint8_t *identity, size_t id_len);
int tern_hs_strikes_new(struct tern_tls_config *cfg, uint32_t capacity);
void tern_hs_strikes_free(struct tern_tls_config *cfg);
int tern_hs_server_recv_end_of_early_data(struct tern_hs *, struct tern_rcursor *, const uint8_t *,
					  size_t);
/* Server: send cfg->n_tickets NewSessionTickets (after the client Finished). */
int tern_hs_server_send_tickets(struct tern_hs *hs);

#endif /* TERN_CONTROL_TLS_HS_INTERNAL_H */
