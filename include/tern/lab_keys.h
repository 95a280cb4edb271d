/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_LAB_KEYS_H
#define TERN_LAB_KEYS_H

/**
 * @file
 * Lab (benchmark) keying: LAB / BENCHMARK MODE ONLY, NOT A HANDSHAKE.
 *
 * Both ends of a benchmark (tern in quic-echo mode and tern-gen) derive the
 * 1-RTT traffic secrets of every connection from a shared 32-byte seed and the
 * connection ID, so that millions of connections can be keyed without running
 * handshakes:
 *
 *     PRK           = HKDF-Extract(salt = seed, IKM = "tern lab" || cid)
 *     client_secret = HKDF-Expand-Label(PRK, "client 1rtt", "", Hash.length)
 *     server_secret = HKDF-Expand-Label(PRK, "server 1rtt", "", Hash.length)
 *
 * with the cipher suite's hash. Anyone who knows the seed knows every key:
 * there is no authentication, no forward secrecy, no secrecy at all against
 * whoever chose the seed. Never use it for real traffic; the real path is
 * the TLS handshake on the control thread, which installs its secrets
 * through the same key-table interface.
 *
 * Pure functions (HKDF through libcrypto); any thread; a few HMACs per call.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/crypto.h>
#include <tern/keyschedule.h>
#include <tern/quic_packet.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_LAB_SEED_LEN 32

/**
 * Derive a connection's lab 1-RTT secrets.
 *
 * @param cipher_suite
 *   enum tern_tls13_cipher_suite.
 * @param cid_len
 *   0..TERN_QUIC_MAX_CID_LEN.
 * @param client_secret, server_secret
 *   Each receives the suite's hash length (at most TERN_HASH_MAX_LEN) bytes.
 * @param secret_len
 *   Out: the suite's hash length (may be NULL).
 * @return 0, -TERN_EINVAL or -TERN_EINTERNAL (outputs zeroized on error).
 */
int tern_lab_secrets(const uint8_t seed[TERN_LAB_SEED_LEN], uint16_t cipher_suite,
		     const uint8_t *cid, size_t cid_len, uint8_t *client_secret,
		     uint8_t *server_secret, size_t *secret_len);

/**
 * Build a connection's 1-RTT key objects from the lab secrets, for one side:
 * a server receives with the client secret and sends with the server secret,
 * a client the other way round.
 *
 * Control-plane call (allocates key objects, see tern_quic_keys_create()).
 *
 * @param rxp, txp
 *   Receive the generation-0 keys; the caller owns them.
 * @return 0 or a negative error (nothing allocated).
 */
int tern_lab_keys_create(struct tern_crypto_ctx *ctx, uint32_t version, uint16_t cipher_suite,
			 const uint8_t seed[TERN_LAB_SEED_LEN], const uint8_t *cid, size_t cid_len,
			 bool is_server, struct tern_quic_keys **rxp, struct tern_quic_keys **txp);

#ifdef __cplusplus
}
#endif

#endif /* TERN_LAB_KEYS_H */
