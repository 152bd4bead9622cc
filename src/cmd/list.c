/*
 * mlxk list: the models of the cache as MLX-Knife 2.0 shows them, as a
 * table for people or as the JSON API's model objects.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cmd/cmd.h"
#include "model/inspect.h"
#include "model/scan.h"
#include "util/humanize.h"
#include "util/jsonout.h"
#include "util/msg.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Test caches of MLX-Knife carry this canary; it is never listed. */
#define SENTINEL "TEST-CACHE-SENTINEL"
#define REASON_MAX 60
#define REASON_WRAP 26

struct list_opts {
	const char *pattern;
	bool all, health, verbose, json;
	int framework; /* enum framework, or -1 for any */
};

/* Inspect every model of the cache that matches pattern and framework. */
static int collect(struct cache *c, const struct list_opts *o,
		   struct model_info **out, size_t *nr)
{
	struct model_scan_opts so = { 0 };
	struct strbuf err = STRBUF_INIT;
	int ret;

	so.pattern = o->pattern;
	so.skip = SENTINEL;
	so.framework = o->framework;
	so.stop = &mlxk_interrupted;
	ret = model_scan(c, &so, out, nr, &err);
	if (ret < 0)
		cmd_fail("list", o->json, NULL, "list_operation_failed",
			 err.buf);
	strbuf_release(&err);
	return ret;
}

/* Display width: one column per UTF-8 character. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

struct table {
	size_t ncols;
	struct strlist cells; /* row-major, header first */
};

static void table_add(struct table *t, const char *cell)
{
	struct strbuf sb = STRBUF_INIT;

	/* Names and reasons come from the cache: no escapes to the tty. */
	strlist_push(&t->cells, strbuf_printable(&sb, cell));
	strbuf_release(&sb);
}

static void table_print(struct table *t)
{
	size_t *w = xcalloc(t->ncols, sizeof(*w));
	size_t rows = t->cells.nr / t->ncols;

	for (size_t i = 0; i < t->cells.nr; i++) {
		size_t cw = width(t->cells.items[i]);

		if (cw > w[i % t->ncols])
			w[i % t->ncols] = cw;
	}
	for (size_t r = 0; r < rows; r++) {
		struct strbuf line = STRBUF_INIT;

		for (size_t c = 0; c < t->ncols; c++) {
			const char *cell = t->cells.items[r * t->ncols + c];

			if (c)
				strbuf_addstr(&line, " | ");
			strbuf_addstr(&line, cell);
			for (size_t k = width(cell); k < w[c]; k++)
				strbuf_addch(&line, ' ');
		}
		/* Pad cells, but no trailing blanks at the end of a line. */
		strbuf_rtrim(&line);
		puts(line.buf);
		if (!r) {
			strbuf_reset(&line);
			for (size_t c = 0; c < t->ncols; c++) {
				if (c)
					strbuf_addstr(&line, "-+-");
				for (size_t k = 0; k < w[c]; k++)
					strbuf_addch(&line, '-');
			}
			puts(line.buf);
		}
		strbuf_release(&line);
	}
	free(w);
}

/* Greedy word wrap at width columns; words that are too long are cut. */
static void wrap(const char *text, size_t cols, struct strlist *lines)
{
	struct strbuf cur = STRBUF_INIT;
	const char *p = text;

	while (*p) {
		const char *e;
		size_t n;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		e = strchr(p, ' ');
		n = e ? (size_t)(e - p) : strlen(p);
		if (cur.len && cur.len + 1 + n > cols) {
			strlist_push(lines, cur.buf);
			strbuf_reset(&cur);
		}
		while (n > cols) {
			if (cur.len) {
				strlist_push(lines, cur.buf);
				strbuf_reset(&cur);
			}
			strbuf_add(&cur, p, cols);
			strlist_push(lines, cur.buf);
			strbuf_reset(&cur);
			p += cols;
			n -= cols;
		}
		if (cur.len)
			strbuf_addch(&cur, ' ');
		strbuf_add(&cur, p, n);
		p += n;
	}
	if (cur.len || !lines->nr)
		strlist_push(lines, cur.buf);
	strbuf_release(&cur);
}

static void type_label(const struct model_info *mi, struct strbuf *out)
{
	strbuf_addstr(out, mi->model_type);
	if (mi->caps & CAP_VISION)
		strbuf_addstr(out, "+vision");
	if ((mi->caps & CAP_AUDIO) && strcmp(mi->model_type, "audio"))
		strbuf_addstr(out, "+audio");
}

static void print_human(const struct list_opts *o, struct model_info *models,
			size_t nr)
{
	bool wide = o->all || o->verbose;
	bool long_health = o->health && o->verbose;
	struct table t = { 0, STRLIST_INIT };
	time_t now = time(NULL);
	size_t shown = 0;

	const char *head[] = { "Name",	 "Hash",      "Size",	   "Modified",
			       "Src",	 "Clean",     "Framework", "Type",
			       "Health", "Integrity", "Runtime",   "Reason" };
	for (size_t i = 0; i < ARRAY_SIZE(head); i++) {
		if (!wide && (i == 5 || i == 6))
			continue;
		if (i == 8 && (!o->health || long_health))
			continue;
		if (i >= 9 && !long_health)
			continue;
		table_add(&t, head[i]);
		t.ncols++;
	}
	for (size_t m = 0; m < nr; m++) {
		struct model_info *mi = &models[m];
		struct strbuf sb = STRBUF_INIT;
		struct strlist reason = STRLIST_INIT;
		const char *name = mi->name;

		if (!o->all && !(mi->healthy && mi->runtime_compatible))
			continue;
		shown++;
		if (!o->verbose && !strncmp(name, "mlx-community/", 14))
			name += 14;
		table_add(&t, name);
		strbuf_reset(&sb);
		if (mi->hash)
			strbuf_add(&sb, mi->hash, 7);
		else
			strbuf_addstr(&sb, "-");
		table_add(&t, sb.buf);
		strbuf_reset(&sb);
		human_size(&sb, mi->size_bytes);
		table_add(&t, sb.buf);
		strbuf_reset(&sb);
		human_age(&sb, mi->mtime, now);
		table_add(&t, sb.buf);
		table_add(&t, "cache");
		if (wide) {
			table_add(&t, "\xe2\x80\x94");
			table_add(&t, framework_name(mi->framework));
		}
		strbuf_reset(&sb);
		type_label(mi, &sb);
		table_add(&t, sb.buf);
		if (o->health && !long_health)
			table_add(&t, !mi->healthy	       ? "unhealthy"
				      : mi->runtime_compatible ? "healthy"
							       : "healthy*");
		if (long_health) {
			table_add(&t, mi->healthy ? "healthy" : "unhealthy");
			table_add(&t, mi->runtime_compatible ? "yes" : "no");
			strbuf_reset(&sb);
			strbuf_addstr(&sb, mi->reason ? mi->reason : "-");
			if (width(sb.buf) > REASON_MAX) {
				strbuf_setlen(&sb, REASON_MAX - 3);
				/* Do not cut a UTF-8 sequence in half. */
				while (sb.len &&
				       ((unsigned char)sb.buf[sb.len - 1] &
					0xc0) == 0x80)
					strbuf_setlen(&sb, sb.len - 1);
				if (sb.len &&
				    (unsigned char)sb.buf[sb.len - 1] >= 0xc0)
					strbuf_setlen(&sb, sb.len - 1);
				strbuf_addstr(&sb, "...");
			}
			wrap(sb.buf, REASON_WRAP, &reason);
			table_add(&t, reason.items[0]);
			for (size_t k = 1; k < reason.nr; k++) {
				for (size_t c = 0; c + 1 < t.ncols; c++)
					table_add(&t, "");
				table_add(&t, reason.items[k]);
			}
		}
		strlist_clear(&reason);
		strbuf_release(&sb);
	}
	if (shown)
		table_print(&t);
	else
		note("no models found%s",
		     o->all || !nr ? "" : " (use --all to show every model)");
	strlist_clear(&t.cells);
}

static void print_json(struct model_info *models, size_t nr)
{
	json_t *data = json_object(), *arr = json_array();

	for (size_t i = 0; i < nr; i++)
		json_array_append_new(arr, model_info_json(&models[i]));
	json_object_set_new(data, "models", arr);
	json_object_set_new(data, "count", json_integer((json_int_t)nr));
	json_print_success("list", data);
}

static const struct option list_options[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "health", no_argument, NULL, 'H' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "framework", required_argument, NULL, 'f' },
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 },
};

static int cmd_list_exec(int argc, char **argv, struct mlxk_ctx *ctx)
{
	struct list_opts o = { NULL, false, false, false, ctx->json, -1 };
	struct model_info *models;
	struct cache c;
	size_t nr;
	int opt;

	o.json = cmd_json_requested(argc, argv, o.json);
	while ((opt = getopt_long(argc, argv, "", list_options, NULL)) != -1) {
		switch (opt) {
		case 'a':
			o.all = true;
			break;
		case 'H':
			o.health = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'f':
			o.framework = framework_parse(optarg);
			if (o.framework < 0)
				return cmd_usage_error(
					&cmd_list_entry, o.json,
					"unknown framework '%s' (use mlx, "
					"gguf, pytorch or unknown)",
					optarg);
			break;
		default:
			return cmd_option_error(&cmd_list_entry, o.json, argv,
						list_options);
		}
	}
	if (optind < argc)
		o.pattern = argv[optind++];
	if (optind < argc)
		return cmd_usage_error(&cmd_list_entry, o.json,
				       "too many arguments: '%s'",
				       argv[optind]);
	if (cmd_open_cache(ctx, "list", o.json, &c) < 0)
		return EXIT_FAIL;
	if (collect(&c, &o, &models, &nr) < 0) {
		cache_close(&c);
		return EXIT_FAIL;
	}
	if (o.json)
		print_json(models, nr);
	else
		print_human(&o, models, nr);
	for (size_t i = 0; i < nr; i++)
		model_info_release(&models[i]);
	free(models);
	cache_close(&c);
	return EXIT_OK;
}

const struct cmd_entry cmd_list_entry = {
	.name = "list",
	.summary = "list the models in the cache",
	.usage = "list [PATTERN] [--all] [--health] [--verbose] "
		 "[--framework NAME] [--json]",
	.help = "List cached models with their short hash, size, age and "
		"type.\n"
		"By default only models that are healthy and runnable with\n"
		"mlx-lm are shown; --all shows every model. PATTERN keeps the\n"
		"models whose org/name contains it (case-insensitive).\n"
		"\n"
		"options:\n"
		"  --all             show every model, with Clean and "
		"Framework\n"
		"                    columns\n"
		"  --health          add a Health column: healthy, healthy*\n"
		"                    (files OK, not runnable) or unhealthy\n"
		"  --verbose         full names (keep mlx-community/), extra\n"
		"                    columns; with --health: Integrity,\n"
		"                    Runtime and Reason\n"
		"  --framework NAME  only models of framework NAME: mlx, "
		"gguf,\n"
		"                    pytorch or unknown\n"
		"  --json            print the JSON API's model objects "
		"(never\n"
		"                    filtered by health)\n",
	.exec = cmd_list_exec,
};
