/* Helpers shared by the commands: usage, cache opening, prompts. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <getopt.h>

#include "cmd/cmd.h"
#include "util/jsonout.h"
#include "util/msg.h"
#include "util/stop.h"
#include "util/strbuf.h"
#include "util/strlist.h"
#include "util/term.h"
#include "util/banned.h"

/* Help fits 80 columns: a long usage line wraps between words, under
 * the first argument. */
#define HELP_COLS 80

void cmd_print_help(const struct cmd_entry *e, FILE *f)
{
	const char *p = e->usage, *sp = strchr(p, ' ');
	size_t indent = strlen("usage: mlxk ") +
			(sp ? (size_t)(sp - p) + 1 : strlen(p) + 1);
	size_t col = strlen("usage: mlxk ");

	fputs("usage: mlxk ", f);
	if (strchr(p, '\n')) {
		fputs(p, f); /* laid out by hand */
		p = "";
	}
	while (*p) {
		/* One unit: up to a blank outside brackets, so that an
		 * option and its value never part. */
		const char *w = p;
		int depth = 0;
		size_t n;

		for (; *w && (depth || *w != ' '); w++)
			depth += (*w == '[') - (*w == ']');
		n = (size_t)(w - p);
		if (col > indent && col + 1 + n > HELP_COLS) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent || p != e->usage) {
			if (p != e->usage) {
				fputc(' ', f);
				col++;
			}
		}
		fwrite(p, 1, n, f);
		col += n;
		p = w;
		while (*p == ' ')
			p++;
	}
	fprintf(f, "\n\n%s", e->help);
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
		json_print_error(e ? e->name : NULL, NULL, "CommandError",
				 msg.buf, NULL);
	else
		usage_error(e ? e->name : NULL, "%s", msg.buf);
	strbuf_release(&msg);
	return EXIT_USAGE;
}

int cmd_fail(const char *command, bool json, struct json_t *data,
	     const char *type, const char *msg)
{
	if (json) {
		json_print_error(command, data, type, msg, NULL);
	} else {
		json_decref(data);
		error("%s", msg);
	}
	return EXIT_FAIL;
}

bool cmd_json_requested(int argc, char **argv, bool json)
{
	/* MLX-Knife accepts --json anywhere, also before an option error. */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			return true;
	return json;
}

/* Is arg ("--name" or "--name=value") a spelling of long option o? */
static bool spells_option(const char *arg, const struct option *o)
{
	size_t n;

	if (strncmp(arg, "--", 2))
		return false;
	arg += 2;
	n = strcspn(arg, "=");
	return n && !strncmp(o->name, arg, n);
}

int cmd_option_error(const struct cmd_entry *e, bool json, char **argv,
		     const struct option *opts)
{
	const char *arg = argv[optind - 1];

	if (!optopt)
		return cmd_usage_error(e, json, "unknown option '%s'", arg);
	/*
	 * optopt is the option's val both for an unknown short option and
	 * for a long option with a missing or unwanted value; only the
	 * latter leaves its own spelling at argv[optind - 1].
	 */
	for (const struct option *o = opts; o->name; o++) {
		if (o->val != optopt || !spells_option(arg, o))
			continue;
		if (o->has_arg == required_argument && !strchr(arg, '='))
			return cmd_usage_error(e, json, "--%s needs a value",
					       o->name);
		if (o->has_arg == no_argument && strchr(arg, '='))
			return cmd_usage_error(e, json, "--%s takes no value",
					       o->name);
	}
	/* A known short option whose value is missing ("-j" at the end). */
	for (const struct option *o = opts; o->name; o++)
		if (o->val == optopt && o->has_arg == required_argument &&
		    arg[0] == '-' && arg[1] != '-' &&
		    arg[strlen(arg) - 1] == optopt)
			return cmd_usage_error(e, json, "-%c needs a value",
					       optopt);
	return cmd_usage_error(e, json, "unknown option '-%c'", optopt);
}

int cmd_open_cache(struct mlxk_ctx *ctx, const char *command, bool json,
		   struct cache *c)
{
	struct strbuf err = STRBUF_INIT;

	if (cache_open_default(c, ctx->cache_dir, &err) < 0) {
		cmd_fail(command, json, NULL, "cache_error", err.buf);
		strbuf_release(&err);
		cache_close(c);
		return -1;
	}
	strbuf_release(&err);
	return 0;
}

/* "(chosen by HF_HOME)", "(the default)": what chose a cache's folder. */
static void add_source(struct strbuf *sb, const char *source)
{
	if (!source)
		strbuf_addstr(sb, " (given)");
	else if (!strcmp(source, "default"))
		strbuf_addstr(sb, " (the default)");
	else
		strbuf_addf(sb, " (chosen by %s)", source);
}

void cmd_describe_cache(struct strbuf *sb, const struct cache *c)
{
	struct strbuf root = STRBUF_INIT;

	strbuf_addf(sb, "the cache %s", strbuf_printable(&root, c->root));
	add_source(sb, c->source);
	strbuf_release(&root);
}

void cmd_hint_empty_cache(const struct mlxk_ctx *ctx, struct cache *c)
{
	struct strlist folders = STRLIST_INIT;
	struct strbuf err = STRBUF_INIT, where = STRBUF_INIT;

	(void)ctx;
	if (c->fd < 0 ||
	    (cache_model_folders(c, &folders, &err) == 0 && !folders.nr)) {
		cmd_describe_cache(&where, c);
		fprintf(stderr,
			"hint: %s %s; get a model with 'mlxk pull ORG/NAME'\n",
			where.buf,
			c->fd < 0 ? "does not exist yet" : "holds no models");
	}
	strlist_clear(&folders);
	strbuf_release(&err);
	strbuf_release(&where);
}

void cmd_hint_missing_area(const char *what, const char *root,
			   const char *source, const char *option)
{
	struct strbuf line = STRBUF_INIT, shown = STRBUF_INIT;
	struct stat st;

	if (lstat(root, &st) == 0 || errno != ENOENT)
		return;
	strbuf_addf(&line, "hint: the %s %s", what,
		    strbuf_printable(&shown, root));
	add_source(&line, source);
	fprintf(stderr,
		"%s does not exist; if it lives elsewhere, name it with %s "
		"DIR\n",
		line.buf, option);
	strbuf_release(&line);
	strbuf_release(&shown);
}

bool cmd_interactive(void)
{
	return isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
}

enum cmd_ask cmd_delete_policy(bool force, bool dry_run, bool json,
			       bool anything, bool guarded)
{
	if (force || dry_run || !anything)
		return CMD_GO;
	if (!json && cmd_interactive())
		return CMD_ASK;
	/* Nobody to ask: what the prompt would have guarded stays. */
	return guarded ? CMD_REFUSE : CMD_GO;
}

int cmd_refuse_unasked(const char *command, bool json, struct json_t *data,
		       const char *what, const char *retry)
{
	struct strbuf msg = STRBUF_INIT;

	strbuf_addf(&msg, "not deleting %s without a terminal to ask; %s", what,
		    retry);
	if (json) {
		json_print_error(command, data, "requires_confirmation",
				 msg.buf, NULL);
	} else {
		json_decref(data);
		error("%s", msg.buf);
	}
	strbuf_release(&msg);
	return EXIT_USAGE;
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

/*
 * The first signal asks the command to stop at a safe point; a second one
 * means "now": the default action again, re-raised (git's sigchain).
 */
static void on_interrupt(int sig)
{
	int saved = errno;

	if (stop_requested(&mlxk_interrupted)) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
	stop_request(&mlxk_interrupted);
	errno = saved;
}

void cmd_catch_interrupts(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/*
	 * A closed pipe on stdout or stderr must not kill a command halfway
	 * through a change (a pull piped into head): writes fail with EPIPE
	 * instead, and stdout is checked at exit.
	 */
	signal(SIGPIPE, SIG_IGN);
}

const char *cmd_state_colour(const char *state)
{
	if (!strcmp(state, "healthy"))
		return TERM_GREEN;
	if (!strcmp(state, "unhealthy"))
		return TERM_RED;
	return TERM_YELLOW;
}

const char *cmd_shown(const char *s)
{
	static struct strbuf ring[8];
	static unsigned next;
	struct strbuf *sb = &ring[next++ % 8];

	return strbuf_printable(sb, s ? s : "");
}

void cmd_warn_escorts(const struct strlist *given_up)
{
	for (size_t i = 0; i < given_up->nr; i++)
		warning("stopped waiting for the processes blocked on the "
			"removed lock file '%s': they still hold it",
			given_up->items[i]);
}
