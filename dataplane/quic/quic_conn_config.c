/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QUIC configuration (include/tern/quic.h): transport parameters and limits
 * shared read-only by the connections made from it.
 */

#include <stdlib.h>
#include <string.h>

#include "quic_conn_internal.h"

int
tern_quic_config_new(struct tern_tls_config *tls, struct tern_quic_config **cfgp)
{
	struct tern_quic_config *cfg;

	if (tls == NULL || cfgp == NULL)
		return -TERN_EINVAL;
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return -TERN_ENOMEM;
	cfg->tls = tls;
	cfg->version = TERN_QUIC_V1;
	cfg->max_idle_timeout_ms = 30000;
	cfg->max_recv_udp_payload = 65527;
	cfg->max_send_udp_payload = TERN_QUIC_DEFAULT_SEND_UDP_PAYLOAD;
	cfg->initial_max_data = 10 * 1000 * 1000;
	cfg->initial_max_stream_data_bidi_local = 1000 * 1000;
	cfg->initial_max_stream_data_bidi_remote = 1000 * 1000;
	cfg->initial_max_stream_data_uni = 1000 * 1000;
	cfg->initial_max_streams_bidi = 100;
	cfg->initial_max_streams_uni = 100;
	cfg->ack_delay_exponent = 3;
	cfg->max_ack_delay_ms = 25;
	cfg->active_connection_id_limit = 2;
	cfg->cc = TERN_QUIC_CC_CUBIC;
	cfg->pacing = true;
	cfg->max_connection_window = 24 * 1024 * 1024;
	cfg->max_stream_window = 16 * 1024 * 1024;
	*cfgp = cfg;
	return 0;
}

void
tern_quic_config_free(struct tern_quic_config *cfg)
{
	free(cfg);
}

int
tern_quic_config_set_application_protos(struct tern_quic_config *cfg, const char *const *protos,
					size_t n)
{
	if (cfg == NULL)
		return -TERN_EINVAL;
	return tern_tls_config_set_alpn(cfg->tls, protos, n);
}

int
tern_quic_config_set_version(struct tern_quic_config *cfg, uint32_t version)
{
	if (cfg == NULL)
		return -TERN_EINVAL;
	if (version != TERN_QUIC_V1 && version != TERN_QUIC_V2)
		return -TERN_ENOTSUP;
	cfg->version = version;
	return 0;
}

void
tern_quic_config_set_max_idle_timeout(struct tern_quic_config *cfg, uint64_t ms)
{
	cfg->max_idle_timeout_ms = ms;
}

int
tern_quic_config_set_max_recv_udp_payload_size(struct tern_quic_config *cfg, size_t v)
{
	if (v < 1200 || v > 65527)
		return -TERN_ERANGE;
	cfg->max_recv_udp_payload = v;
	return 0;
}

int
tern_quic_config_set_max_send_udp_payload_size(struct tern_quic_config *cfg, size_t v)
{
	if (v < 1200 || v > 65527)
		return -TERN_ERANGE;
	cfg->max_send_udp_payload = v;
	return 0;
}

void
tern_quic_config_set_initial_max_data(struct tern_quic_config *cfg, uint64_t v)
{
	cfg->initial_max_data = v;
}

void
tern_quic_config_set_initial_max_stream_data_bidi_local(struct tern_quic_config *cfg, uint64_t v)
{
	cfg->initial_max_stream_data_bidi_local = v;
}

void
tern_quic_config_set_initial_max_stream_data_bidi_remote(struct tern_quic_config *cfg, uint64_t v)
{
	cfg->initial_max_stream_data_bidi_remote = v;
}

void
tern_quic_config_set_initial_max_stream_data_uni(struct tern_quic_config *cfg, uint64_t v)
{
	cfg->initial_max_stream_data_uni = v;
}

int
tern_quic_config_set_initial_max_streams_bidi(struct tern_quic_config *cfg, uint64_t v)
{
	if (v > (1ULL << 60))
		return -TERN_ERANGE;
	cfg->initial_max_streams_bidi = v;
	return 0;
}

int
tern_quic_config_set_initial_max_streams_uni(struct tern_quic_config *cfg, uint64_t v)
{
	if (v > (1ULL << 60))
		return -TERN_ERANGE;
	cfg->initial_max_streams_uni = v;
	return 0;
}

int
tern_quic_config_set_ack_delay_exponent(struct tern_quic_config *cfg, uint64_t v)
{
	if (v > 20)
		return -TERN_ERANGE;
	cfg->ack_delay_exponent = v;
	return 0;
}

int
tern_quic_config_set_max_ack_delay(struct tern_quic_config *cfg, uint64_t ms)
{
	if (ms >= (1u << 14))
		return -TERN_ERANGE;
	cfg->max_ack_delay_ms = ms;
	return 0;
}

void
tern_quic_config_set_disable_active_migration(struct tern_quic_config *cfg, bool v)
{
	cfg->disable_active_migration = v;
}

int
tern_quic_config_set_active_connection_id_limit(struct tern_quic_config *cfg, uint64_t v)
{
	if (v < 2)
		return -TERN_ERANGE;
	cfg->active_connection_id_limit = v;
	return 0;
}

int
tern_quic_config_set_cc_algorithm(struct tern_quic_config *cfg, enum tern_quic_cc_algorithm algo)
{
	if (algo != TERN_QUIC_CC_NEWRENO && algo != TERN_QUIC_CC_CUBIC)
		return -TERN_EINVAL;
	cfg->cc = algo;
	return 0;
}

void
tern_quic_config_enable_pacing(struct tern_quic_config *cfg, bool v)
{
	cfg->pacing = v;
}

void
tern_quic_config_set_max_connection_window(struct tern_quic_config *cfg, uint64_t v)
{
	cfg->max_connection_window = v;
}

void
tern_quic_config_set_max_stream_window(struct tern_quic_config *cfg, uint64_t v)
{
	cfg->max_stream_window = v;
}

void
tern_quic_config_set_keylog(struct tern_quic_config *cfg, void (*cb)(void *user, const char *line),
			    void *user)
{
	cfg->keylog = cb;
	cfg->keylog_user = user;
}

int
tern_quic_config_enable_early_data(struct tern_quic_config *cfg)
{
	int rc;

	if (cfg == NULL)
		return -TERN_EINVAL;
	/* RFC 9001 4.6.1: QUIC tickets say 0xffffffff; the QUIC limits bound the data. */
	if (tern_tls_config_role(cfg->tls) == TERN_TLS_SERVER)
		rc = tern_tls_config_set_max_early_data(cfg->tls, 0xffffffffu);
	else
		rc = tern_tls_config_set_early_data(cfg->tls, true);
	if (rc == 0)
		cfg->early_data = true;
	return rc;
}
