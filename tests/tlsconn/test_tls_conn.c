/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Buffered connection API (include/tern/tls.h), tern client <-> tern server
 * in memory: handshake, data both ways (1 MB), close_notify both ways, key
 * update both ways, buffer limits, exporters, sticky errors, wipe.
 */

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include <tern/tls.h>
#include <tern/tls_record.h>

#include "control/hs_test_util.h"
#include "tern_test.h"

/* A one-way byte pipe between the two connections. */
struct pipe {
	uint8_t *p;
	size_t len, cap;
	size_t max_chunk; /* 0: no limit per callback call */
};

static ssize_t
pipe_write(void *user, const uint8_t *buf, size_t len)
{
	struct pipe *p = user;

	if (p->max_chunk != 0 && len > p->max_chunk)
		len = p->max_chunk;
	if (p->len + len > p->cap) {
		p->cap = (p->len + len) * 2;
		p->p = realloc(p->p, p->cap);
		REQUIRE(p->p != NULL);
	}
	memcpy(p->p + p->len, buf, len);
	p->len += len;
	return (ssize_t)len;
}

static ssize_t
pipe_read(void *user, uint8_t *buf, size_t len)
{
	struct pipe *p = user;

	if (p->len == 0) {
		errno = EAGAIN;
		return -1;
	}
	if (p->max_chunk != 0 && len > p->max_chunk)
		len = p->max_chunk;
	len = len < p->len ? len : p->len;
	memcpy(buf, p->p, len);
	memmove(p->p, p->p + len, p->len - len);
	p->len -= len;
	return (ssize_t)len;
}

struct pair {
	struct tern_tls_conn *c, *s;
	struct pipe c2s, s2c;
};

/* Move bytes until neither side has anything to send nor anything to process. */
static int
pump(struct pair *pr, int rounds)
{
	int i, rc = 0, r1, r2;

	for (i = 0; i < rounds; i++) {
		bool moved = false;

		while (tern_tls_conn_wants_write(pr->c) &&
		       tern_tls_conn_write_tls(pr->c, pipe_write, &pr->c2s) > 0)
			moved = true;
		while (tern_tls_conn_wants_write(pr->s) &&
		       tern_tls_conn_write_tls(pr->s, pipe_write, &pr->s2c) > 0)
			moved = true;
		while (pr->c2s.len > 0 && tern_tls_conn_read_tls(pr->s, pipe_read, &pr->c2s) > 0)
			moved = true;
		while (pr->s2c.len > 0 && tern_tls_conn_read_tls(pr->c, pipe_read, &pr->s2c) > 0)
			moved = true;
		r1 = tern_tls_conn_process_new_packets(pr->s, NULL);
		r2 = tern_tls_conn_process_new_packets(pr->c, NULL);
		rc = r1 != 0 ? r1 : r2;
		if (!moved && !tern_tls_conn_wants_write(pr->c) &&
		    !tern_tls_conn_wants_write(pr->s))
			break;
	}
	return rc;
}

static struct tern_tls_config *
server_cfg(const struct hs_test_pki *pki, const char *alpn)
{
	struct tern_tls_config *cfg;

	REQUIRE(tern_tls_config_new(TERN_TLS_SERVER, &cfg) == 0);
	REQUIRE(tern_tls_config_load_cert_chain(cfg, pki->chain, pki->key) == 0);
	if (alpn != NULL)
		REQUIRE(tern_tls_config_set_alpn(cfg, &alpn, 1) == 0);
	return cfg;
}

static struct tern_tls_config *
client_cfg(const struct hs_test_pki *pki, const char *alpn)
{
	struct tern_tls_config *cfg;

	REQUIRE(tern_tls_config_new(TERN_TLS_CLIENT, &cfg) == 0);
	REQUIRE(tern_tls_config_load_ca_file(cfg, pki->ca) == 0);
	if (alpn != NULL)
		REQUIRE(tern_tls_config_set_alpn(cfg, &alpn, 1) == 0);
	return cfg;
}

static void
pair_new(struct pair *pr, const struct tern_tls_config *ccfg, const struct tern_tls_config *scfg)
{
	memset(pr, 0, sizeof(*pr));
	REQUIRE(tern_tls_conn_new(ccfg, "localhost", NULL, &pr->c) == 0);
	REQUIRE(tern_tls_conn_new(scfg, NULL, NULL, &pr->s) == 0);
}

static void
pair_free(struct pair *pr)
{
	tern_tls_conn_free(pr->c);
	tern_tls_conn_free(pr->s);
	free(pr->c2s.p);
	free(pr->s2c.p);
}

/* Read everything available from a connection into out (cap bytes). */
static size_t
drain(struct tern_tls_conn *c, uint8_t *out, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	while (got < cap && (n = tern_tls_conn_reader_read(c, out + got, cap - got)) > 0)
		got += (size_t)n;
	return got;
}

struct keylog_buf {
	char text[4096];
	size_t len;
};

static void
keylog_cb(void *user, const char *line)
{
	struct keylog_buf *k = user;
	size_t n = strlen(line);

	if (k->len + n + 2 < sizeof(k->text)) {
		memcpy(k->text + k->len, line, n);
		k->len += n;
		k->text[k->len++] = '\n';
		k->text[k->len] = '\0';
	}
}

static void
test_handshake_and_getters(const struct hs_test_pki *pki)
{
	struct tern_tls_config *scfg = server_cfg(pki, "h2"), *ccfg = client_cfg(pki, "h2");
	uint8_t ekm_c[32], ekm_s[32], ekm_other[32];
	struct keylog_buf kl = {.len = 0};
	const uint8_t *alpn, *der;
	struct pair pr;
	size_t n;

	pair_new(&pr, ccfg, scfg);
	CHECK(tern_tls_conn_is_handshaking(pr.c));
	CHECK_EQ(tern_tls_conn_export_keying_material(pr.c, "x", NULL, 0, ekm_c, 32), -TERN_EAGAIN);
	CHECK_EQ(tern_tls_conn_set_keylog(pr.c, keylog_cb, &kl), 0);
	CHECK_EQ(tern_tls_conn_request_key_update(pr.c), -TERN_EAGAIN);
	CHECK_EQ(pump(&pr, 20), 0);
	CHECK(!tern_tls_conn_is_handshaking(pr.c));
	CHECK(!tern_tls_conn_is_handshaking(pr.s));
	CHECK_EQ(tern_tls_conn_set_keylog(pr.c, keylog_cb, &kl), -TERN_EINVAL);
	CHECK_EQ(tern_tls_conn_protocol_version(pr.c), 0x0304);
	CHECK_EQ(tern_tls_conn_negotiated_cipher_suite(pr.c), 0x1301);
	CHECK_EQ(tern_tls_conn_negotiated_cipher_suite(pr.s), 0x1301);
	n = tern_tls_conn_alpn_protocol(pr.s, &alpn);
	CHECK(n == 2 && memcmp(alpn, "h2", 2) == 0);
	n = tern_tls_conn_alpn_protocol(pr.c, &alpn);
	CHECK(n == 2 && memcmp(alpn, "h2", 2) == 0);
	CHECK(tern_tls_conn_server_name(pr.s) != NULL &&
	      strcmp(tern_tls_conn_server_name(pr.s), "localhost") == 0);
	/* The client saw the leaf and the CA. */
	CHECK(tern_tls_conn_peer_certificate(pr.c, 0, &der) > 100 && der != NULL && der[0] == 0x30);
	CHECK(tern_tls_conn_peer_certificate(pr.c, 1, &der) > 100);
	CHECK_EQ(tern_tls_conn_peer_certificate(pr.c, 2, &der), 0);
	CHECK(der == NULL);
	CHECK_EQ(tern_tls_conn_peer_certificate(pr.s, 0, &der), 0);
	/* Exporters agree across the connection and depend on label and context. */
	CHECK_EQ(tern_tls_conn_export_keying_material(pr.c, "EXPERIMENTAL a", (const uint8_t *)"c",
						      1, ekm_c, 32),
		 0);
	CHECK_EQ(tern_tls_conn_export_keying_material(pr.s, "EXPERIMENTAL a", (const uint8_t *)"c",
						      1, ekm_s, 32),
		 0);
	CHECK_MEM(ekm_c, ekm_s, 32);
	CHECK_EQ(tern_tls_conn_export_keying_material(pr.s, "EXPERIMENTAL b", (const uint8_t *)"c",
						      1, ekm_other, 32),
		 0);
	CHECK(memcmp(ekm_other, ekm_s, 32) != 0);
	CHECK_EQ(tern_tls_conn_export_keying_material(pr.s, "EXPERIMENTAL a", NULL, 0, ekm_other,
						      32),
		 0);
	CHECK(memcmp(ekm_other, ekm_s, 32) != 0);
	/* Key log: four NSS lines with the labels Wireshark knows. */
	CHECK(strstr(kl.text, "CLIENT_HANDSHAKE_TRAFFIC_SECRET ") != NULL);
	CHECK(strstr(kl.text, "SERVER_HANDSHAKE_TRAFFIC_SECRET ") != NULL);
	CHECK(strstr(kl.text, "CLIENT_TRAFFIC_SECRET_0 ") != NULL);
	CHECK(strstr(kl.text, "SERVER_TRAFFIC_SECRET_0 ") != NULL);
	pair_free(&pr);
	tern_tls_config_free(scfg);
	tern_tls_config_free(ccfg);
}

/* 1 MB each way with small and large writes, through 1000-byte transport chunks. */
static void
test_bulk(const struct hs_test_pki *pki)
{
	struct tern_tls_config *scfg = server_cfg(pki, NULL), *ccfg = client_cfg(pki, NULL);
	const size_t total = 1u << 20;
	uint8_t *src = malloc(total), *dst = malloc(total);
	size_t sent_c = 0, sent_s = 0, got_c = 0, got_s = 0;
	struct pair pr;
	ssize_t n;
	int i;

	REQUIRE(src != NULL && dst != NULL);
	for (i = 0; i < (int)total; i++)
		src[i] = (uint8_t)(i * 7 + (i >> 9));
	pair_new(&pr, ccfg, scfg);
	pr.c2s.max_chunk = 1000;
	/* Written before the handshake: held and sent once it completes. */
	n = tern_tls_conn_writer_write(pr.c, src, 5000);
	CHECK_EQ(n, 5000);
	sent_c = (size_t)n;
	for (i = 0; i < 100000 && (got_s < total || got_c < total); i++) {
		if (sent_c < total) {
			n = tern_tls_conn_writer_write(pr.c, src + sent_c,
						       (total - sent_c) < 3333 ? total - sent_c
									       : 3333);
			if (n > 0)
				sent_c += (size_t)n;
		}
		if (sent_s < total && !tern_tls_conn_is_handshaking(pr.s)) {
			n = tern_tls_conn_writer_write(pr.s, src + sent_s, total - sent_s);
			if (n > 0)
				sent_s += (size_t)n;
		}
		if (pump(&pr, 4) != 0)
			break;
		got_s += drain(pr.s, dst + got_s, total - got_s);
		if (got_s == total)
			CHECK_MEM(dst, src, total);
		if (got_s == total)
			got_s = total + 1; /* checked once */
		{
			static uint8_t tmp[1 << 20];
			size_t k = drain(pr.c, tmp,
					 total - got_c < sizeof(tmp) ? total - got_c : sizeof(tmp));

			CHECK(k == 0 || memcmp(tmp, src + got_c, k) == 0);
			got_c += k;
		}
		if (got_s == total + 1 && got_c == total)
			break;
	}
	CHECK_EQ(got_s, total + 1);
	CHECK_EQ(got_c, total);
	pair_free(&pr);
	free(src);
	free(dst);
	tern_tls_config_free(scfg);
	tern_tls_config_free(ccfg);
}

static void
test_close_notify(const struct hs_test_pki *pki, bool client_closes)
{
	struct tern_tls_config *scfg = server_cfg(pki, NULL), *ccfg = client_cfg(pki, NULL);
	struct tern_tls_conn *closer, *other;
	struct tern_tls_io_state st;
	uint8_t buf[16];
	struct pair pr;

	pair_new(&pr, ccfg, scfg);
	CHECK_EQ(pump(&pr, 20), 0);
	closer = client_closes ? pr.c : pr.s;
	other = client_closes ? pr.s : pr.c;
	CHECK_EQ(tern_tls_conn_writer_write(closer, "bye", 3), 3);
	CHECK_EQ(tern_tls_conn_send_close_notify(closer), 0);
	CHECK_EQ(tern_tls_conn_writer_write(closer, "x", 1), -TERN_EINVAL);
	CHECK_EQ(tern_tls_conn_reader_read(other, buf, sizeof(buf)), -TERN_EAGAIN);
	CHECK_EQ(pump(&pr, 10), 0);
	CHECK_EQ(tern_tls_conn_process_new_packets(other, &st), 0);
	CHECK(st.peer_has_closed);
	CHECK_EQ(st.plaintext_bytes_to_read, 3);
	CHECK_EQ(tern_tls_conn_reader_read(other, buf, sizeof(buf)), 3);
	CHECK_MEM(buf, "bye", 3);
	/* EOF after the data: 0, not an error. */
	CHECK_EQ(tern_tls_conn_reader_read(other, buf, sizeof(buf)), 0);
	CHECK(!tern_tls_conn_wants_read(other));
	/* The other side answers with its own close_notify. */
	CHECK_EQ(tern_tls_conn_send_close_notify(other), 0);
	CHECK_EQ(pump(&pr, 10), 0);
	CHECK_EQ(tern_tls_conn_reader_read(closer, buf, sizeof(buf)), 0);
	CHECK_EQ(tern_tls_conn_error(closer, NULL, NULL), 0);
	pair_free(&pr);
	tern_tls_config_free(scfg);
	tern_tls_config_free(ccfg);
}

/* Truncation: the transport ends without close_notify. */
static ssize_t
eof_read(void *user, uint8_t *buf, size_t len)
{
	(void)user;
	(void)buf;
	(void)len;
	return 0;
}

static void
test_truncation(const struct hs_test_pki *pki)
{
	struct tern_tls_config *scfg = server_cfg(pki, NULL), *ccfg = client_cfg(pki, NULL);
	uint8_t buf[8];
	struct pair pr;

	pair_new(&pr, ccfg, scfg);
	CHECK_EQ(pump(&pr, 20), 0);
	CHECK_EQ(tern_tls_conn_read_tls(pr.s, eof_read, NULL), 0);
	CHECK_EQ(tern_tls_conn_process_new_packets(pr.s, NULL), 0);
	CHECK_EQ(tern_tls_conn_reader_read(pr.s, buf, sizeof(buf)), -TERN_EPROTO);
	pair_free(&pr);
	tern_tls_config_free(scfg);
	tern_tls_config_free(ccfg);
}

static void
test_key_update(const struct hs_test_pki *pki, bool client_requests)
{
	struct tern_tls_config *scfg = server_cfg(pki, NULL), *ccfg = client_cfg(pki, NULL);
	struct tern_tls_conn *req, *peer;
	uint64_t s1, r1, s2, r2;
	uint8_t buf[64];
	struct pair pr;
	int round;

	pair_new(&pr, ccfg, scfg);
	CHECK_EQ(pump(&pr, 20), 0);
	req = client_requests ? pr.c : pr.s;
	peer = client_requests ? pr.s : pr.c;
	for (round = 0; round < 3; round++) {
		CHECK_EQ(tern_tls_conn_request_key_update(req), 0);
		/* Data after the update travels under the new keys both ways. */
		CHECK_EQ(tern_tls_conn_writer_write(req, "after", 5), 5);
		CHECK_EQ(pump(&pr, 10), 0);
		CHECK_EQ(tern_tls_conn_writer_write(peer, "reply", 5), 5);
		CHECK_EQ(pump(&pr, 10), 0);
		CHECK_EQ(tern_tls_conn_reader_read(peer, buf, sizeof(buf)), 5);
		CHECK_MEM(buf, "after", 5);
		CHECK_EQ(tern_tls_conn_reader_read(req, buf, sizeof(buf)), 5);
		CHECK_MEM(buf, "reply", 5);
	}
	tern_tls_conn_key_updates(req, &s1, &r1);
	tern_tls_conn_key_updates(peer, &s2, &r2);
	/* Each request made the peer answer: three updates each way. */
	CHECK_EQ(s1, 3);
	CHECK_EQ(r1, 3);
	CHECK_EQ(s2, 3);
	CHECK_EQ(r2, 3);
	pair_free(&pr);
	tern_tls_config_free(scfg);
	tern_tls_config_free(ccfg);
}

static void
test_buffer_limit(const struct hs_test_pki *pki)
{
	struct tern_tls_config *scfg = server_cfg(pki, NULL), *ccfg = client_cfg(pki, NULL);
	static uint8_t big[200000], got[200000];
	struct tern_tls_io_state st;
	size_t total = 0;
	struct pair pr;
	ssize_t n;
	int i;

	pair_new(&pr, ccfg, scfg);
	CHECK_EQ(pump(&pr, 20), 0);
	/* The writer accepts only up to the limit of unsent TLS bytes. */
	tern_tls_conn_set_buffer_limit(pr.c, 10000);
	n = tern_tls_conn_writer_write(pr.c, big, sizeof(big));
	CHECK_EQ(n, 10000);
	CHECK_EQ(tern_tls_conn_writer_write(pr.c, big, sizeof(big)), 0);
	tern_tls_conn_set_buffer_limit(pr.c, 0);
	CHECK_EQ(tern_tls_conn_writer_write(pr.c, big, sizeof(big) - 10000), sizeof(big) - 10000);
	/* The receiver stops decrypting and reading at its limit. */
	tern_tls_conn_set_buffer_limit(pr.s, 20000);
	while (tern_tls_conn_write_tls(pr.c, pipe_write, &pr.c2s) > 0)
		;
	for (i = 0; i < 100; i++) {
		n = tern_tls_conn_read_tls(pr.s, pipe_read, &pr.c2s);
		if (n == -TERN_ENOBUFS)
			break;
		CHECK_EQ(tern_tls_conn_process_new_packets(pr.s, &st), 0);
	}
	CHECK_EQ(n, -TERN_ENOBUFS);
	CHECK(!tern_tls_conn_wants_read(pr.s));
	CHECK_EQ(tern_tls_conn_process_new_packets(pr.s, &st), 0);
	CHECK(st.plaintext_bytes_to_read >= 20000 && st.plaintext_bytes_to_read < 20000 + 16385);
	CHECK(pr.c2s.len > 0);
	for (i = 0; i < 1000 && total < sizeof(big); i++) {
		total += drain(pr.s, got + total, sizeof(got) - total);
		(void)tern_tls_conn_read_tls(pr.s, pipe_read, &pr.c2s);
		CHECK_EQ(tern_tls_conn_process_new_packets(pr.s, NULL), 0);
	}
	CHECK_EQ(total, sizeof(big));
	CHECK_MEM(got, big, sizeof(big));
	pair_free(&pr);
	tern_tls_config_free(scfg);
	tern_tls_config_free(ccfg);
}

/* Count the application records in a TLS byte stream (after the handshake). */
static unsigned
count_records(const struct pipe *p, size_t *largest)
{
	size_t off = 0, len;
	unsigned n = 0;

	*largest = 0;
	while (off + 5 <= p->len) {
		len = (size_t)p->p[off + 3] << 8 | p->p[off + 4];
		if (len > *largest)
			*largest = len;
		off += 5 + len;
		n++;
	}
	return n;
}

static void
test_record_sizing(const struct hs_test_pki *pki)
{
	struct tern_tls_config *scfg = server_cfg(pki, NULL), *ccfg = client_cfg(pki, NULL);
	static uint8_t data[64 * 1024];
	size_t largest;
	struct pair pr;

	pair_new(&pr, ccfg, scfg);
	tern_tls_conn_set_buffer_limit(pr.s, 0);
	CHECK_EQ(pump(&pr, 20), 0);
	/* Throughput (default): 64 KiB in four full records. */
	CHECK_EQ(tern_tls_conn_writer_write(pr.s, data, 65536), 65536);
	while (tern_tls_conn_write_tls(pr.s, pipe_write, &pr.s2c) > 0)
		;
	CHECK_EQ(count_records(&pr.s2c, &largest), 4);
	CHECK_EQ(largest, 16384 + 17);
	pr.s2c.len = 0;
	/* Low latency: records of at most TERN_TLS_CONN_SMALL_RECORD bytes. */
	tern_tls_conn_set_record_sizing(pr.s, TERN_TLS_PREFER_LOW_LATENCY);
	CHECK_EQ(tern_tls_conn_writer_write(pr.s, data, 13760), 13760);
	while (tern_tls_conn_write_tls(pr.s, pipe_write, &pr.s2c) > 0)
		;
	CHECK_EQ(count_records(&pr.s2c, &largest), 13760 / TERN_TLS_CONN_SMALL_RECORD);
	CHECK_EQ(largest + 5, 1398);
	pr.s2c.len = 0;
	/* Dynamic: small records for the first 4000 bytes, full ones after. */
	tern_tls_conn_set_record_sizing(pr.s, TERN_TLS_PREFER_THROUGHPUT);
	tern_tls_conn_set_dynamic_record_threshold(pr.s, 4000);
	CHECK_EQ(tern_tls_conn_writer_write(pr.s, data, 4000 + 16384), 4000 + 16384);
	while (tern_tls_conn_write_tls(pr.s, pipe_write, &pr.s2c) > 0)
		;
	/* 1376 + 1376 + 1248, then one full record. */
	CHECK_EQ(count_records(&pr.s2c, &largest), 4);
	CHECK_EQ(largest, 16384 + 17);
	pair_free(&pr);
	tern_tls_config_free(scfg);
	tern_tls_config_free(ccfg);
}

static void
test_sticky_errors(const struct hs_test_pki *pki)
{
	struct tern_tls_config *scfg = server_cfg(pki, NULL), *ccfg = client_cfg(pki, NULL);
	enum tern_tls_alert sent, recv;
	uint8_t buf[16];
	struct pair pr;
	int rc;

	pair_new(&pr, ccfg, scfg);
	CHECK_EQ(pump(&pr, 20), 0);
	CHECK_EQ(tern_tls_conn_writer_write(pr.c, "hello", 5), 5);
	while (tern_tls_conn_write_tls(pr.c, pipe_write, &pr.c2s) > 0)
		;
	/* Flip a ciphertext bit: bad_record_mac, sent to the peer, sticky. */
	pr.c2s.p[pr.c2s.len - 3] ^= 1;
	CHECK(tern_tls_conn_read_tls(pr.s, pipe_read, &pr.c2s) > 0);
	rc = tern_tls_conn_process_new_packets(pr.s, NULL);
	CHECK_EQ(rc, -TERN_EBADMSG);
	CHECK_EQ(tern_tls_conn_error(pr.s, &sent, &recv), -TERN_EBADMSG);
	CHECK_EQ(sent, TERN_TLS_ALERT_BAD_RECORD_MAC);
	CHECK_EQ(recv, TERN_TLS_ALERT_NONE);
	CHECK(tern_tls_conn_error_string(pr.s)[0] != '\0');
	CHECK_EQ(tern_tls_conn_process_new_packets(pr.s, NULL), -TERN_EBADMSG);
	CHECK_EQ(tern_tls_conn_reader_read(pr.s, buf, sizeof(buf)), -TERN_EBADMSG);
	CHECK_EQ(tern_tls_conn_writer_write(pr.s, "x", 1), -TERN_EBADMSG);
	CHECK_EQ(tern_tls_conn_request_key_update(pr.s), -TERN_EBADMSG);
	CHECK(!tern_tls_conn_wants_read(pr.s));
	/* The alert reaches the client, which fails with it. */
	CHECK(tern_tls_conn_wants_write(pr.s));
	CHECK_EQ(pump(&pr, 5), -TERN_EBADMSG);
	CHECK_EQ(tern_tls_conn_error(pr.c, &sent, &recv), -TERN_EPROTO);
	CHECK_EQ(recv, TERN_TLS_ALERT_BAD_RECORD_MAC);
	CHECK_EQ(sent, TERN_TLS_ALERT_NONE);
	CHECK_EQ(tern_tls_conn_reader_read(pr.c, buf, sizeof(buf)), -TERN_EPROTO);

	/* Wipe both and handshake again on the same objects. */
	tern_tls_conn_wipe(pr.c);
	tern_tls_conn_wipe(pr.s);
	pr.c2s.len = pr.s2c.len = 0;
	CHECK_EQ(tern_tls_conn_error(pr.s, NULL, NULL), 0);
	CHECK_EQ(pump(&pr, 20), 0);
	CHECK(!tern_tls_conn_is_handshaking(pr.s));
	CHECK_EQ(tern_tls_conn_writer_write(pr.c, "again", 5), 5);
	CHECK_EQ(pump(&pr, 5), 0);
	CHECK_EQ(tern_tls_conn_reader_read(pr.s, buf, sizeof(buf)), 5);
	CHECK_MEM(buf, "again", 5);
	pair_free(&pr);

	/* Garbage instead of a ClientHello: a named alert and a sticky error. */
	pair_new(&pr, ccfg, scfg);
	pipe_write(&pr.c2s, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18);
	CHECK(tern_tls_conn_read_tls(pr.s, pipe_read, &pr.c2s) > 0);
	CHECK_EQ(tern_tls_conn_process_new_packets(pr.s, NULL), -TERN_EPROTO);
	CHECK_EQ(tern_tls_conn_error(pr.s, &sent, NULL), -TERN_EPROTO);
	CHECK(sent != TERN_TLS_ALERT_NONE);
	CHECK(tern_tls_conn_wants_write(pr.s));
	CHECK_EQ(tern_tls_conn_writer_write(pr.s, "x", 1), -TERN_EPROTO);
	pair_free(&pr);

	/* Client verification failure: wrong host name -> bad_certificate sent. */
	memset(&pr, 0, sizeof(pr));
	REQUIRE(tern_tls_conn_new(ccfg, "wrong.example", NULL, &pr.c) == 0);
	REQUIRE(tern_tls_conn_new(scfg, NULL, NULL, &pr.s) == 0);
	CHECK(pump(&pr, 20) != 0);
	CHECK(tern_tls_conn_error(pr.c, &sent, NULL) != 0);
	CHECK(sent != TERN_TLS_ALERT_NONE);
	CHECK_EQ(tern_tls_conn_error(pr.s, NULL, &recv), -TERN_EPROTO);
	CHECK_EQ(recv, sent);
	pair_free(&pr);
	tern_tls_config_free(scfg);
	tern_tls_config_free(ccfg);
}

/* complete_io over a non-blocking socketpair, both ends in this thread. */
static void
test_complete_io(const struct hs_test_pki *pki)
{
	struct tern_tls_config *scfg = server_cfg(pki, NULL), *ccfg = client_cfg(pki, NULL);
	struct tern_tls_conn *c, *s;
	int sv[2], rc_c = -1, rc_s = -1, i;
	uint8_t buf[16];

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	REQUIRE(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0 && fcntl(sv[1], F_SETFL, O_NONBLOCK) == 0);
	REQUIRE(tern_tls_conn_new(ccfg, "localhost", NULL, &c) == 0);
	REQUIRE(tern_tls_conn_new(scfg, NULL, NULL, &s) == 0);
	for (i = 0; i < 50 && (tern_tls_conn_is_handshaking(c) || tern_tls_conn_is_handshaking(s));
	     i++) {
		rc_c = tern_tls_conn_complete_io(c, sv[0]);
		rc_s = tern_tls_conn_complete_io(s, sv[1]);
		CHECK(rc_c == 0 || rc_c == -TERN_EAGAIN);
		CHECK(rc_s == 0 || rc_s == -TERN_EAGAIN);
	}
	CHECK(!tern_tls_conn_is_handshaking(c) && !tern_tls_conn_is_handshaking(s));
	CHECK_EQ(tern_tls_conn_writer_write(c, "over-fd", 7), 7);
	/* Flushed; then 0 (read something, e.g. a NewSessionTicket) or nothing to read. */
	rc_c = tern_tls_conn_complete_io(c, sv[0]);
	CHECK(rc_c == 0 || rc_c == -TERN_EAGAIN);
	CHECK(!tern_tls_conn_wants_write(c));
	(void)tern_tls_conn_complete_io(s, sv[1]);
	CHECK_EQ(tern_tls_conn_reader_read(s, buf, sizeof(buf)), 7);
	CHECK_MEM(buf, "over-fd", 7);
	/* The peer's socket closes mid-handshake: a named error, not a hang. */
	tern_tls_conn_wipe(c);
	close(sv[1]);
	rc_c = tern_tls_conn_complete_io(c, sv[0]);
	CHECK(rc_c == -TERN_EPROTO || rc_c == -TERN_EINTERNAL);
	CHECK(tern_tls_conn_is_handshaking(c));
	close(sv[0]);
	tern_tls_conn_free(c);
	tern_tls_conn_free(s);
	tern_tls_config_free(scfg);
	tern_tls_config_free(ccfg);
}

/*
 * dangerous_extract_secrets: both ends agree, the values reflect a key
 * update, and the client's extracted key, IV and sequence open the record
 * it sealed last; the spent connection refuses further use.
 */
static void
test_extract_secrets(const struct hs_test_pki *pki)
{
	struct tern_tls_config *scfg = server_cfg(pki, NULL), *ccfg = client_cfg(pki, NULL);
	struct tern_tls_extracted_secrets ec, es;
	struct tern_tls_record_state *st;
	struct tern_tls_open_op op;
	struct tern_crypto_ctx *ctx;
	uint8_t buf[256], pt[256];
	struct pair pr;

	pair_new(&pr, ccfg, scfg);
	CHECK_EQ(tern_tls_conn_dangerous_extract_secrets(pr.c, &ec), -TERN_EAGAIN);
	CHECK_EQ(pump(&pr, 20), 0);
	CHECK_EQ(tern_tls_conn_writer_write(pr.c, "hello", 5), 5);
	CHECK_EQ(tern_tls_conn_request_key_update(pr.c), 0);
	CHECK_EQ(pump(&pr, 20), 0);
	CHECK_EQ(drain(pr.s, buf, sizeof(buf)), 5);
	/* Unread plaintext would be lost: refused until drained. */
	CHECK_EQ(tern_tls_conn_writer_write(pr.s, "world", 5), 5);
	CHECK_EQ(pump(&pr, 20), 0);
	CHECK_EQ(tern_tls_conn_dangerous_extract_secrets(pr.c, &ec), -TERN_EAGAIN);
	CHECK_EQ(drain(pr.c, buf, sizeof(buf)), 5);

	/* The client's last record stays in the pipe: the server never reads it. */
	CHECK_EQ(tern_tls_conn_writer_write(pr.c, "offload", 7), 7);
	while (tern_tls_conn_wants_write(pr.c) &&
	       tern_tls_conn_write_tls(pr.c, pipe_write, &pr.c2s) > 0)
		;
	REQUIRE(pr.c2s.len > 0 && pr.c2s.len <= sizeof(buf));
	memcpy(buf, pr.c2s.p, pr.c2s.len);

	CHECK_EQ(tern_tls_conn_dangerous_extract_secrets(pr.c, &ec), 0);
	CHECK_EQ(tern_tls_conn_dangerous_extract_secrets(pr.s, &es), 0);
	CHECK_EQ(ec.cipher_suite, 0x1301);
	CHECK_EQ(es.cipher_suite, 0x1301);
	/* server rx lags by the unread record */
	CHECK_EQ(ec.tx.seq, es.rx.seq + 1);
	CHECK_EQ(ec.rx.seq, es.tx.seq);
	/* after the key update the sequence restarted: "offload" was record 0 of generation 1 */
	CHECK_EQ(ec.tx.seq, 1);
	CHECK_EQ(ec.tx.secret_len, 32);
	CHECK_MEM(ec.tx.secret, es.rx.secret, 32);
	CHECK_MEM(ec.tx.key, es.rx.key, 16);
	CHECK_MEM(ec.tx.iv, es.rx.iv, sizeof(ec.tx.iv));
	CHECK_MEM(ec.rx.secret, es.tx.secret, 32);
	CHECK_MEM(ec.rx.key, es.tx.key, 16);
	CHECK(memcmp(ec.tx.secret, ec.rx.secret, 32) != 0);

	/* Spent: no more records, same error on every call. */
	CHECK_EQ(tern_tls_conn_writer_write(pr.c, "x", 1), -TERN_EINVAL);
	CHECK_EQ(tern_tls_conn_dangerous_extract_secrets(pr.c, &ec), -TERN_EINVAL);

	/* The extracted state opens the record the connection sealed last. */
	REQUIRE(tern_crypto_ctx_create(TERN_CRYPTO_BACKEND_AUTO, &ctx) == 0);
	REQUIRE(tern_tls_record_state_create(ctx, TERN_AEAD_AES_128_GCM, es.rx.key, es.rx.key_len,
					     es.rx.iv, sizeof(es.rx.iv), &st) == 0);
	tern_tls_record_state_set_seq(st, es.rx.seq);
	memset(&op, 0, sizeof(op));
	op.state = st;
	op.record = buf;
	op.record_len = (uint32_t)pr.c2s.len;
	op.out = pt;
	op.out_cap = sizeof(pt);
	CHECK_EQ(tern_tls_record_open_burst(ctx, &op, 1), 1);
	CHECK_EQ(op.plaintext_len, 7);
	CHECK_MEM(pt, "offload", 7);
	CHECK_EQ(tern_tls_record_state_seq(st), ec.tx.seq);
	tern_tls_record_state_free(st);
	tern_crypto_ctx_free(ctx);
	OPENSSL_cleanse(&ec, sizeof(ec));
	OPENSSL_cleanse(&es, sizeof(es));
	pair_free(&pr);
	tern_tls_config_free(scfg);
	tern_tls_config_free(ccfg);
}

int
main(void)
{
	struct hs_test_pki pki;

	hs_test_make_pki(&pki, "conn", "EC-P256", -3600, 86400);
	test_handshake_and_getters(&pki);
	test_bulk(&pki);
	test_close_notify(&pki, true);
	test_close_notify(&pki, false);
	test_truncation(&pki);
	test_key_update(&pki, true);
	test_key_update(&pki, false);
	test_buffer_limit(&pki);
	test_record_sizing(&pki);
	test_sticky_errors(&pki);
	test_complete_io(&pki);
	test_extract_secrets(&pki);
	return tern_test_done("tls_conn");
}
