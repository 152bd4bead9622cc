/* Helpers shared by the commands: usage, cache opening, prompts. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <getopt.h>

#include "cmd.h"
#include "../util/jsonout.h"
#include "../util/msg.h"
#include "../util/strbuf.h"

void cmd_print_help(const struct cmd_entry *e, FILE *f)
{
	fprintf(f, "usage: mlxk %s\n\n%s", e->usage, e->help);
}

void cmd_getopt_reset(void)
{
#ifdef __GLIBC__
	optind = 0;
#else
	optreset = 1;
	optind = 1;
#endif
	opterr = 0;
}

int cmd_usage_error(const struct cmd_entry *e, bool json, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (json)
		json_print_error(e->name, NULL, "CommandError", msg.buf, NULL);
	else
		usage_error(e->name, "%s", msg.buf);
	strbuf_release(&msg);
	return EXIT_USAGE;
}

int cmd_open_cache(struct mlxk_ctx *ctx, const char *command, bool json,
		   struct cache *c)
{
	struct strbuf err = STRBUF_INIT;

	if (cache_open_default(c, ctx->cache_dir, &err) < 0) {
		if (json)
			json_print_error(command, NULL, "cache_error", err.buf,
					 NULL);
		else
			error("%s", err.buf);
		strbuf_release(&err);
		cache_close(c);
		return -1;
	}
	strbuf_release(&err);
	return 0;
}

bool cmd_interactive(void)
{
	return isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
}

bool cmd_confirm(const char *question, bool default_yes)
{
	char line[64];

	fprintf(stderr, "%s %s ", question, default_yes ? "[Y/n]" : "[y/N]");
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	if (line[0] == '\n')
		return default_yes;
	return line[0] == 'y' || line[0] == 'Y';
}

volatile int mlxk_interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	mlxk_interrupted = 1;
}

void cmd_catch_interrupts(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
