/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-lcore neighbour cache shared by ARP (RFC 826) and NDP (RFC 4861).
 *
 * A fixed open-addressing table (power-of-two size, probe window of
 * NET_PROBE slots) allocated with the stack: no allocation after start-up.
 * A simplified RFC 4861 section 7.3 state machine:
 *   INCOMPLETE: a request was sent; up to TERN_NET_NEIGH_QLEN packets wait,
 *     more are dropped (neigh_queue_full). After neigh_max_requests requests
 *     without an answer the entry is freed and its packets dropped
 *     (neigh_unresolved).
 *   REACHABLE: the MAC is used. Past its expiry (neigh_reachable_ms after the
 *     last confirmation) it is still used, like RFC 4861's STALE, while new
 *     requests are sent at most once per neigh_retrans_ms; if none is answered
 *     the entry is freed and the next packet starts a new resolution.
 * When the probe window is full, the entry closest to expiry is evicted and
 * its waiting packets are dropped (neigh_unresolved).
 */

#include <rte_jhash.h>

#include "net_priv.h"

static size_t
addr_len(uint8_t family)
{
	return family == TERN_NET_AF_INET ? 4 : 16;
}

static uint32_t
neigh_hash(uint8_t family, const uint8_t *addr)
{
	return rte_jhash(addr, (uint32_t)addr_len(family), family);
}

struct net_neigh *
net_neigh_find(struct tern_net *net, uint8_t family, const uint8_t *addr)
{
	uint32_t h = neigh_hash(family, addr), i;

	for (i = 0; i < NET_PROBE; i++) {
		struct net_neigh *e = &net->neigh[(h + i) & net->neigh_mask];

		if (e->state != NET_NEIGH_FREE && e->family == family &&
		    memcmp(e->addr, addr, addr_len(family)) == 0)
			return e;
	}
	return NULL;
}

static void
neigh_release(struct tern_net *net, struct net_neigh *e)
{
	uint8_t i;

	for (i = 0; i < e->nq; i++)
		net_drop(net, e->q[i], TERN_NET_DROP_NEIGH_UNRESOLVED);
	memset(e, 0, sizeof(*e));
}

static struct net_neigh *
neigh_alloc(struct tern_net *net, uint8_t family, const uint8_t *addr)
{
	uint32_t h = neigh_hash(family, addr), i;
	struct net_neigh *victim = NULL;

	for (i = 0; i < NET_PROBE; i++) {
		struct net_neigh *e = &net->neigh[(h + i) & net->neigh_mask];

		if (e->state == NET_NEIGH_FREE) {
			victim = e;
			break;
		}
		/* INCOMPLETE entries have expire 0, so they go first. */
		if (victim == NULL || e->expire < victim->expire)
			victim = e;
	}
	neigh_release(net, victim);
	victim->family = family;
	memcpy(victim->addr, addr, addr_len(family));
	return victim;
}

static void
neigh_request(struct tern_net *net, struct net_neigh *e)
{
	e->requests++;
	e->last_req = net->now;
	if (e->family == TERN_NET_AF_INET) {
		rte_be32_t a;

		memcpy(&a, e->addr, 4);
		net_arp_request(net, a);
	} else {
		net_ndp_solicit(net, e->addr);
	}
}

static void
neigh_send(struct tern_net *net, struct net_neigh *e, struct rte_mbuf *m)
{
	/* The destination MAC is the first field of the frame. */
	rte_memcpy(rte_pktmbuf_mtod(m, uint8_t *), e->mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	net_tx_enqueue(net, m, TERN_NET_PROTO_UDP);
}

void
net_neigh_confirm(struct tern_net *net, uint8_t family, const uint8_t *addr,
		  const struct rte_ether_addr *mac, bool create)
{
	struct net_neigh *e = net_neigh_find(net, family, addr);
	uint8_t i;

	if (!rte_is_unicast_ether_addr(mac) || rte_is_zero_ether_addr(mac))
		return;
	if (e == NULL) {
		if (!create)
			return;
		e = neigh_alloc(net, family, addr);
	}
	e->state = NET_NEIGH_REACHABLE;
	e->mac = *mac;
	e->expire = net->now + net->reachable_tsc;
	e->requests = 0;
	for (i = 0; i < e->nq; i++)
		neigh_send(net, e, e->q[i]);
	e->nq = 0;
}

int
net_neigh_output(struct tern_net *net, struct rte_mbuf *m, uint8_t family, const uint8_t *nexthop)
{
	struct net_neigh *e = net_neigh_find(net, family, nexthop);

	if (e != NULL && e->state == NET_NEIGH_REACHABLE) {
		if (net->now >= e->expire && net->now - e->last_req >= net->retrans_tsc) {
			if (e->requests < net->conf.neigh_max_requests) {
				neigh_request(net, e);
			} else {
				neigh_release(net, e);
				e = NULL;
			}
		}
		if (e != NULL) {
			neigh_send(net, e, m);
			return 0;
		}
	}
	if (e == NULL) {
		e = neigh_alloc(net, family, nexthop);
		e->state = NET_NEIGH_INCOMPLETE;
		e->q[e->nq++] = m;
		neigh_request(net, e);
		return 0;
	}
	if (e->nq == TERN_NET_NEIGH_QLEN) {
		net_drop(net, m, TERN_NET_DROP_NEIGH_QUEUE_FULL);
		return -TERN_ENOBUFS;
	}
	e->q[e->nq++] = m;
	return 0;
}

void
net_neigh_age(struct tern_net *net)
{
	uint32_t i;

	for (i = 0; i < NET_POLL_SCAN && i <= net->neigh_mask; i++) {
		struct net_neigh *e = &net->neigh[net->neigh_scan++ & net->neigh_mask];

		if (e->state == NET_NEIGH_FREE || net->now - e->last_req < net->retrans_tsc)
			continue;
		if (e->state == NET_NEIGH_INCOMPLETE) {
			if (e->requests < net->conf.neigh_max_requests)
				neigh_request(net, e);
			else
				neigh_release(net, e);
		} else if (net->now >= e->expire && e->requests >= net->conf.neigh_max_requests) {
			neigh_release(net, e);
		}
	}
}

void
net_neigh_flush_all(struct tern_net *net)
{
	uint32_t i;

	for (i = 0; i <= net->neigh_mask; i++)
		neigh_release(net, &net->neigh[i]);
}

int
tern_net_neigh_lookup(const struct tern_net *net, const struct tern_net_addr *addr,
		      struct rte_ether_addr *mac)
{
	const struct net_neigh *e;

	if (addr->family != TERN_NET_AF_INET && addr->family != TERN_NET_AF_INET6)
		return 0;
	e = net_neigh_find((struct tern_net *)(uintptr_t)net, addr->family,
			   addr->family == TERN_NET_AF_INET ? (const uint8_t *)&addr->v4
							    : addr->v6);
	if (e == NULL || e->state != NET_NEIGH_REACHABLE)
		return 0;
	if (mac != NULL)
		*mac = e->mac;
	return 1;
}
