/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The peer's connection IDs (RFC 9000 5.1): NEW_CONNECTION_ID frames are
 * remembered up to our active_connection_id_limit, Retire Prior To retires
 * older ones with RETIRE_CONNECTION_ID (switching the Destination Connection
 * ID when the one in use goes), and a peer that exceeds the limit gets
 * CONNECTION_ID_LIMIT_ERROR. tern issues no extra IDs of its own yet.
 */

#include <string.h>

#include "quic_conn_internal.h"

void
conn_retire_queue(struct tern_quic_conn *c, uint64_t seq)
{
	unsigned i;

	for (i = 0; i < c->retire_n; i++)
		if (c->retire_q[i] == seq)
			return;
	if (c->retire_n < RETIRE_Q_MAX)
		c->retire_q[c->retire_n++] = seq;
}

static unsigned
active_count(const struct tern_quic_conn *c)
{
	unsigned i, n = 0;
	bool cur_listed = false;

	for (i = 0; i < PEER_CIDS_MAX; i++) {
		if (!c->pcids[i].used)
			continue;
		n++;
		if (c->pcids[i].seq == c->dcid_seq)
			cur_listed = true;
	}
	return n + (cur_listed ? 0 : 1);
}

int
conn_on_new_cid(struct tern_quic_conn *c, const struct tern_quic_frame *f)
{
	const struct tern_quic_frame_new_cid *nc = &f->new_cid;
	struct peer_cid *slot = NULL;
	unsigned i;

	/* RFC 9000 19.15: not for a peer that uses a zero-length CID. */
	if (c->dcid_len == 0)
		return conn_close_local(c, false, TERN_QUIC_ERR_PROTOCOL_VIOLATION, f->wire_type,
					"NEW_CONNECTION_ID to a zero-length CID");
	/* The same sequence number must carry the same ID; a repeat is harmless. */
	if (nc->seq == c->dcid_seq) {
		if (nc->cid_len != c->dcid_len || memcmp(nc->cid, c->dcid, c->dcid_len) != 0)
			return conn_close_local(c, false, TERN_QUIC_ERR_PROTOCOL_VIOLATION,
						f->wire_type, "connection ID sequence reused");
		return 0;
	}
	for (i = 0; i < PEER_CIDS_MAX; i++) {
		if (c->pcids[i].used && c->pcids[i].seq == nc->seq) {
			if (c->pcids[i].len != nc->cid_len ||
			    memcmp(c->pcids[i].id, nc->cid, nc->cid_len) != 0)
				return conn_close_local(c, false, TERN_QUIC_ERR_PROTOCOL_VIOLATION,
							f->wire_type,
							"connection ID sequence reused");
			return 0;
		}
	}
	/* Already retired by an earlier Retire Prior To: retire it at once (19.15). */
	if (nc->seq < c->retire_prior_to) {
		conn_retire_queue(c, nc->seq);
		return 0;
	}
	for (i = 0; i < PEER_CIDS_MAX && slot == NULL; i++)
		if (!c->pcids[i].used)
			slot = &c->pcids[i];
	if (slot == NULL || active_count(c) + 1 > c->cfg->active_connection_id_limit) {
		/* Counting the new one before retiring: only fatal if retiring cannot help. */
		if (nc->retire_prior_to <= c->retire_prior_to || slot == NULL)
			return conn_close_local(c, false, TERN_QUIC_ERR_CONNECTION_ID_LIMIT_ERROR,
						f->wire_type, "too many connection IDs");
	}
	if (slot == NULL)
		return -TERN_EPROTO;
	slot->used = true;
	slot->seq = nc->seq;
	slot->len = nc->cid_len;
	memcpy(slot->id, nc->cid, nc->cid_len);
	memcpy(slot->token, nc->reset_token, sizeof(slot->token));
	if (nc->retire_prior_to > c->retire_prior_to) {
		struct peer_cid *next = NULL;

		c->retire_prior_to = nc->retire_prior_to;
		for (i = 0; i < PEER_CIDS_MAX; i++) {
			struct peer_cid *p = &c->pcids[i];

			if (!p->used)
				continue;
			if (p->seq < c->retire_prior_to) {
				if (p->seq != c->dcid_seq)
					conn_retire_queue(c, p->seq);
				p->used = false;
			} else if (next == NULL || p->seq < next->seq) {
				next = p;
			}
		}
		/* The ID in use is retired: move to the oldest one left (5.1.2). */
		if (c->dcid_seq < c->retire_prior_to && next != NULL) {
			conn_retire_queue(c, c->dcid_seq);
			memcpy(c->dcid, next->id, next->len);
			c->dcid_len = next->len;
			c->dcid_seq = next->seq;
		}
	}
	if (active_count(c) > c->cfg->active_connection_id_limit)
		return conn_close_local(c, false, TERN_QUIC_ERR_CONNECTION_ID_LIMIT_ERROR,
					f->wire_type, "too many connection IDs");
	return 0;
}
