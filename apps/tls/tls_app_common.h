/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_APPS_TLS_COMMON_H
#define TERN_APPS_TLS_COMMON_H

/* Option parsing shared by tern-tls-server and tern-tls-client. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <tern/tls.h>

#define APP_LIST_MAX TERN_TLS_CONFIG_LIST_MAX

static const struct {
	const char *name;
	uint16_t id;
} app_suites[] =
	{
		{"TLS_AES_128_GCM_SHA256", 0x1301},
		{"TLS_AES_256_GCM_SHA384", 0x1302},
		{"TLS_CHACHA20_POLY1305_SHA256", 0x1303},
		{"AES128-GCM", 0x1301},
		{"AES256-GCM", 0x1302},
		{"CHACHA20", 0x1303},
},
  app_groups[] = {
	  {"x25519", TERN_TLS_GROUP_X25519},   {"secp256r1", TERN_TLS_GROUP_SECP256R1},
	  {"P-256", TERN_TLS_GROUP_SECP256R1}, {"secp384r1", TERN_TLS_GROUP_SECP384R1},
	  {"P-384", TERN_TLS_GROUP_SECP384R1},
};

static const char *app_name = "tern-tls";

__attribute__((format(printf, 1, 2), noreturn)) static void
app_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", app_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* "a,b,c" -> ids through a name table; exits with a clear message on an unknown name. */
#define app_parse_list(arg, table, what, out)                                                      \
	app_parse_list_((arg), (table), sizeof(table) / sizeof((table)[0]), (what), (out))

static size_t
app_parse_list_(const char *arg, const void *tablev, size_t n_table, const char *what,
		uint16_t *out)
{
	const struct {
		const char *name;
		uint16_t id;
	} *table = tablev;
	char *copy = strdup(arg), *save = NULL, *tok;
	size_t n = 0, i;

	if (copy == NULL)
		app_die("out of memory");
	for (tok = strtok_r(copy, ",:", &save); tok != NULL; tok = strtok_r(NULL, ",:", &save)) {
		if (n == APP_LIST_MAX)
			app_die("too many %s (at most %d)", what, APP_LIST_MAX);
		for (i = 0; i < n_table; i++)
			if (strcasecmp(tok, table[i].name) == 0)
				break;
		if (i < n_table) {
			out[n++] = table[i].id;
			continue;
		}
		{
			char *end;
			unsigned long v = strtoul(tok, &end, 0);

			if (*end != '\0' || v == 0 || v > 0xffff)
				app_die("unknown %s '%s'", what, tok);
			out[n++] = (uint16_t)v;
		}
	}
	free(copy);
	if (n == 0)
		app_die("empty %s list", what);
	return n;
}

static void
app_config_common(struct tern_tls_config *cfg, const char *suites, const char *groups,
		  const char *const *alpn, size_t n_alpn)
{
	uint16_t ids[APP_LIST_MAX];
	size_t n;
	int rc;

	if (suites != NULL) {
		n = app_parse_list(suites, app_suites, "cipher suite", ids);
		if ((rc = tern_tls_config_set_cipher_suites(cfg, ids, n)) != 0)
			app_die("--suites %s: %s", suites, tern_strerror(rc));
	}
	if (groups != NULL) {
		n = app_parse_list(groups, app_groups, "group", ids);
		if ((rc = tern_tls_config_set_groups(cfg, ids, n)) != 0)
			app_die("--groups %s: %s", groups, tern_strerror(rc));
	}
	if (n_alpn > 0 && (rc = tern_tls_config_set_alpn(cfg, alpn, n_alpn)) != 0)
		app_die("--alpn: %s", tern_strerror(rc));
}

static FILE *
app_open_keylog(const char *path)
{
	FILE *f;

	if (path == NULL)
		path = getenv("SSLKEYLOGFILE");
	if (path == NULL || *path == '\0')
		return NULL;
	f = fopen(path, "a");
	if (f == NULL)
		app_die("--keylog %s: %s", path, strerror(errno));
	return f;
}

static const char *
app_suite_name(uint16_t id)
{
	size_t i;

	for (i = 0; i < sizeof(app_suites) / sizeof(app_suites[0]); i++)
		if (app_suites[i].id == id)
			return app_suites[i].name;
	return "?";
}

static const char *
app_early_name(enum tern_tls_early_data st)
{
	switch (st) {
	case TERN_TLS_EARLY_OFFERED:
		return "offered";
	case TERN_TLS_EARLY_ACCEPTED:
		return "accepted";
	case TERN_TLS_EARLY_REJECTED:
		return "rejected";
	default:
		return "none";
	}
}

/* A failed connection in words: error, alerts, reason. */
static void
app_report_error(const char *who, const struct tern_tls_conn *conn)
{
	enum tern_tls_alert sent, recv;
	int err = tern_tls_conn_error(conn, &sent, &recv);

	fprintf(stderr, "%s: %s: TLS error: %s", app_name, who, tern_strerror(err));
	if (sent != TERN_TLS_ALERT_NONE)
		fprintf(stderr, ", sent alert %s", tern_tls_alert_name(sent));
	if (recv != TERN_TLS_ALERT_NONE)
		fprintf(stderr, ", received alert %s", tern_tls_alert_name(recv));
	fprintf(stderr, " (%s)\n", tern_tls_conn_error_string(conn));
}

static ssize_t
app_fd_read(void *user, uint8_t *buf, size_t len)
{
	return read(*(int *)user, buf, len);
}

static ssize_t
app_fd_write(void *user, const uint8_t *buf, size_t len)
{
	return write(*(int *)user, buf, len);
}

#endif /* TERN_APPS_TLS_COMMON_H */
