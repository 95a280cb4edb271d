/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The interactive prompt (DPDK cmdline library), only when stdin is a
 * terminal. Polled from the main lcore's housekeeping, so it never blocks
 * forwarding, also when the main lcore is the worker.
 */
#include <stdio.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <cmdline_rdline.h>
#include <cmdline_socket.h>

#include "tern.h"

/* show port stats | show core stats | show keys */
struct cmd_show_result {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t what;
	cmdline_fixed_string_t stats;
};

static void
cmd_show_stats_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_show_result *r = parsed;

	(void)cl;
	(void)data;
	if (strcmp(r->what, "port") == 0)
		tern_stats_print_ports(stdout);
	else
		tern_stats_print_cores(stdout);
}

static cmdline_parse_token_string_t cmd_show_show =
	TOKEN_STRING_INITIALIZER(struct cmd_show_result, show, "show");
static cmdline_parse_token_string_t cmd_show_what =
	TOKEN_STRING_INITIALIZER(struct cmd_show_result, what, "port#core");
static cmdline_parse_token_string_t cmd_show_stats =
	TOKEN_STRING_INITIALIZER(struct cmd_show_result, stats, "stats");

static cmdline_parse_inst_t cmd_show_stats_inst = {
	.f = cmd_show_stats_parsed,
	.help_str = "show port stats | show core stats",
	.tokens = {(void *)&cmd_show_show, (void *)&cmd_show_what, (void *)&cmd_show_stats, NULL},
};

static void
cmd_show_keys_parsed(void *parsed, struct cmdline *cl, void *data)
{
	(void)parsed;
	(void)cl;
	(void)data;
	if (tern_app.engine->show_keys != NULL)
		tern_app.engine->show_keys(stdout);
	else
		printf("no key table (mode %s has no keys)\n", tern_app.engine->name);
}

static cmdline_parse_token_string_t cmd_keys_keys =
	TOKEN_STRING_INITIALIZER(struct cmd_show_result, what, "keys");

static cmdline_parse_inst_t cmd_show_keys_inst = {
	.f = cmd_show_keys_parsed,
	.help_str = "show keys: key table summary",
	.tokens = {(void *)&cmd_show_show, (void *)&cmd_keys_keys, NULL},
};

/* set mode <name> */
struct cmd_set_mode_result {
	cmdline_fixed_string_t set;
	cmdline_fixed_string_t mode;
	cmdline_fixed_string_t name;
};

static void
cmd_set_mode_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_set_mode_result *r = parsed;

	(void)cl;
	(void)data;
	int rc = tern_fwd_set_mode(r->name);
	if (rc == -EBUSY)
		printf("forwarding is running: 'stop' first\n");
	else if (rc != 0) {
		printf("unknown mode '%s'; modes:", r->name);
		for (unsigned i = 0; tern_fwd_engines[i] != NULL; i++)
			printf(" %s", tern_fwd_engines[i]->name);
		printf("\n");
	} else
		printf("mode %s\n", tern_app.engine->name);
}

static cmdline_parse_token_string_t cmd_set_set =
	TOKEN_STRING_INITIALIZER(struct cmd_set_mode_result, set, "set");
static cmdline_parse_token_string_t cmd_set_mode =
	TOKEN_STRING_INITIALIZER(struct cmd_set_mode_result, mode, "mode");
static cmdline_parse_token_string_t cmd_set_name =
	TOKEN_STRING_INITIALIZER(struct cmd_set_mode_result, name, NULL);

static cmdline_parse_inst_t cmd_set_mode_inst = {
	.f = cmd_set_mode_parsed,
	.help_str = "set mode <name>: select the forwarding mode (while stopped)",
	.tokens = {(void *)&cmd_set_set, (void *)&cmd_set_mode, (void *)&cmd_set_name, NULL},
};

/* start | stop | quit */
struct cmd_word_result {
	cmdline_fixed_string_t word;
};

static void
cmd_word_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_word_result *r = parsed;

	(void)data;
	if (strcmp(r->word, "start") == 0)
		(void)tern_fwd_start();
	else if (strcmp(r->word, "stop") == 0)
		tern_fwd_stop();
	else {
		tern_request_quit();
		cmdline_quit(cl);
	}
}

static cmdline_parse_token_string_t cmd_word =
	TOKEN_STRING_INITIALIZER(struct cmd_word_result, word, "start#stop#quit");

static cmdline_parse_inst_t cmd_word_inst = {
	.f = cmd_word_parsed,
	.help_str = "start | stop | quit",
	.tokens = {(void *)&cmd_word, NULL},
};

static cmdline_parse_ctx_t prompt_ctx[] = {
	&cmd_show_stats_inst, &cmd_show_keys_inst, &cmd_set_mode_inst, &cmd_word_inst, NULL,
};

struct cmdline *
tern_prompt_start(void)
{
	struct cmdline *cl = cmdline_stdin_new(prompt_ctx, "tern> ");

	if (cl == NULL)
		TERN_LOG(WARNING, "cannot start the prompt\n");
	return cl;
}

bool
tern_prompt_poll(struct cmdline *cl)
{
	int st = cmdline_poll(cl);
	return st != RDLINE_EXITED && st >= 0;
}

void
tern_prompt_stop(struct cmdline *cl)
{
	cmdline_stdin_exit(cl);
}
