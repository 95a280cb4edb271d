/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_DATAPLANE_QUIC_KEYS_H
#define TERN_DATAPLANE_QUIC_KEYS_H

/*
 * Layout of struct tern_quic_keys, shared by the files of dataplane/quic/
 * only. The burst code reads iv, aead and hp per packet; they come first so
 * that one cache line holds what the hot path touches.
 */

#include <stdint.h>

#include <tern/crypto.h>
#include <tern/keyschedule.h>
#include <tern/quic_packet.h>

struct tern_quic_keys {
	/* 12-byte static IV, then 4 zero bytes: the nonce is built with one
	 * 16-byte xor and store (notes/crypto-limits.md, pitfall 1). */
	uint8_t iv[16] __attribute__((aligned(16)));
	struct tern_aead_key *aead;
	struct tern_hp_key *hp;
	const struct tern_tls13_suite *suite;
	uint64_t generation;
	uint32_t version;
	/* Kept for the next key-update generation (RFC 9001 6.1): the secret
	 * to derive from. The header-protection key is not updated; all
	 * generations share one reference-counted hp key. */
	uint8_t secret[TERN_HASH_MAX_LEN];
} __attribute__((aligned(64)));

#endif /* TERN_DATAPLANE_QUIC_KEYS_H */
