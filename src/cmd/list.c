/*
 * mlxk list: the models of the cache as MLX-Knife 2.0 shows them, as a
 * table for people or as the JSON API's model objects.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cache/names.h"
#include "cache/repo.h"
#include "cmd/cmd.h"
#include "model/inspect.h"
#include "model/scan.h"
#include "util/humanize.h"
#include "util/jsonout.h"
#include "util/msg.h"
#include "util/term.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Test caches of MLX-Knife carry this canary; it is never listed. */
#define SENTINEL "TEST-CACHE-SENTINEL"
#define REASON_MAX 60
#define REASON_WRAP 26

enum sort_key { SORT_NONE, SORT_NAME, SORT_SIZE, SORT_MODIFIED, SORT_ACCESSED };

struct list_opts {
	const char *pattern;
	bool all, health, verbose, json, revisions;
	unsigned frameworks; /* bit 1 << enum framework each; 0: any */
	enum sort_key sort;
	bool descending;
	long limit; /* -1: no limit */
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
	so.frameworks = o->frameworks;
	so.usage = true;
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
	/* The Health column, coloured on a terminal; SIZE_MAX: none. */
	size_t state_col;
	bool colour;
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
			/* Only the word: the padding stays out of the SGR. */
			if (t->colour && r && c == t->state_col && *cell)
				strbuf_addf(&line, "%s%s%s",
					    cmd_state_colour(cell), cell,
					    TERM_RESET);
			else
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

/* The name a row shows: without mlx-community/ unless verbose or JSON. */
static const char *shown_name(const struct list_opts *o, const char *name)
{
	if (!o->json && !o->verbose && !strncmp(name, "mlx-community/", 14))
		return name + 14;
	return name;
}

static const struct list_opts *sort_opts; /* qsort has no context */

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_models(const void *pa, const void *pb)
{
	const struct model_info *a = pa, *b = pb;
	const struct list_opts *o = sort_opts;
	int c = 0;

	switch (o->sort) {
	case SORT_SIZE:
		c = cmp_u64(a->disk_bytes, b->disk_bytes);
		break;
	case SORT_MODIFIED:
		c = cmp_u64((uint64_t)a->mtime, (uint64_t)b->mtime);
		break;
	case SORT_ACCESSED:
		c = cmp_u64((uint64_t)a->accessed, (uint64_t)b->accessed);
		break;
	default:
		break;
	}
	if (o->descending)
		c = -c;
	if (!c) {
		c = strcasecmp(shown_name(o, a->name), shown_name(o, b->name));
		if (o->sort == SORT_NAME && o->descending)
			c = -c;
	}
	if (!c)
		c = strcmp(a->name, b->name);
	return c;
}

/*
 * Keep the rows to show (human mode: healthy and runnable unless --all),
 * sort them as hf cache ls does and cut at --limit. Models dropped here
 * are released.
 */
static void select_rows(const struct list_opts *o, struct model_info *models,
			size_t *nr)
{
	size_t keep = 0;

	for (size_t i = 0; i < *nr; i++) {
		if (!o->json && !o->all &&
		    !(models[i].healthy && (models[i].runtime_compatible ||
					    models[i].runtime_unknown))) {
			model_info_release(&models[i]);
			continue;
		}
		models[keep++] = models[i];
	}
	if (o->sort != SORT_NONE && keep > 1) {
		sort_opts = o;
		qsort(models, keep, sizeof(*models), cmp_models);
	}
	if (o->limit >= 0 && (size_t)o->limit < keep) {
		for (size_t i = (size_t)o->limit; i < keep; i++)
			model_info_release(&models[i]);
		keep = (size_t)o->limit;
	}
	*nr = keep;
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
			size_t nr, size_t found)
{
	bool wide = o->all || o->verbose;
	bool disk = false; /* a Disk column when some model has more */
	uint64_t total = 0;
	size_t revs = 0;
	bool long_health = o->health && o->verbose;
	struct table t = { 0, STRLIST_INIT, SIZE_MAX,
			   term_colour(STDOUT_FILENO) };
	time_t now = time(NULL);
	size_t shown = 0;

	const char *head[] = { "Name",	   "Hash",   "Size",	  "Disk",
			       "Modified", "Src",    "Clean",	  "Framework",
			       "Type",	   "Health", "Integrity", "Runtime",
			       "Reason" };
	for (size_t m = 0; m < nr; m++) {
		if (models[m].disk_bytes != models[m].size_bytes)
			disk = true;
		total += models[m].disk_bytes;
		revs += models[m].nr_revs;
	}
	for (size_t i = 0; i < ARRAY_SIZE(head); i++) {
		if (i == 3 && !disk)
			continue;
		if (!wide && (i == 6 || i == 7))
			continue;
		if (i == 9 && (!o->health || long_health))
			continue;
		if (i >= 10 && !long_health)
			continue;
		if (i == 9 || i == 10)
			t.state_col = t.ncols;
		table_add(&t, head[i]);
		t.ncols++;
	}
	for (size_t m = 0; m < nr; m++) {
		struct model_info *mi = &models[m];
		struct strbuf sb = STRBUF_INIT;
		struct strlist reason = STRLIST_INIT;
		const char *name = mi->name;

		shown++;
		name = shown_name(o, name);
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
		if (disk) {
			strbuf_reset(&sb);
			human_size(&sb, mi->disk_bytes);
			table_add(&t, sb.buf);
		}
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
				      : mi->runtime_unknown    ? "healthy?"
							       : "healthy*");
		if (long_health) {
			table_add(&t, mi->healthy ? "healthy" : "unhealthy");
			table_add(&t, mi->runtime_compatible ? "yes"
				      : mi->runtime_unknown  ? "?"
							     : "no");
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
	if (shown) {
		struct strbuf sb = STRBUF_INIT;

		table_print(&t);
		human_size(&sb, total);
		printf("%zu model%s, %zu revision%s, %s on disk\n", shown,
		       shown == 1 ? "" : "s", revs, revs == 1 ? "" : "s",
		       sb.buf);
		strbuf_release(&sb);
	} else {
		note("no models found%s",
		     o->all || !found ? ""
				      : " (use --all to show every model)");
	}
	strlist_clear(&t.cells);
}

/* One row of --revisions. */
struct rev_row {
	const struct model_info *mi;
	char *commit, *refs, *path; /* refs: joined with ", " */
	struct strlist ref_list;
	uint64_t size;
	time_t mtime;
};

/* Every revision of the listed models, read from their repos. */
static void collect_revisions(struct cache *c, struct model_info *models,
			      size_t nr, struct rev_row **out, size_t *nr_out)
{
	size_t n = 0, alloc = 0;
	struct rev_row *rows = NULL;

	for (size_t m = 0; m < nr; m++) {
		struct strbuf err = STRBUF_INIT;
		char *folder = cache_name_to_folder(models[m].name);
		struct repo r;

		if (folder && repo_open(c, folder, &r, &err) == 0) {
			for (size_t k = 0; k < r.nr_revs; k++) {
				struct repo_rev *rev = &r.revs[k];
				struct strbuf refs = STRBUF_INIT;

				repo_load_files(&r, rev);
				ALLOC_GROW(rows, n + 1, alloc);
				memset(&rows[n].ref_list, 0,
				       sizeof(rows[n].ref_list));
				for (size_t j = 0; j < rev->refs.nr; j++) {
					if (j)
						strbuf_addstr(&refs, ", ");
					strbuf_addstr(&refs,
						      rev->refs.items[j]);
					strlist_push(&rows[n].ref_list,
						     rev->refs.items[j]);
				}
				rows[n].mi = &models[m];
				rows[n].commit = xstrdup(rev->commit);
				rows[n].refs = strbuf_detach(&refs, NULL);
				rows[n].path =
					xasprintf("%s/%s/snapshots/%s", c->root,
						  folder, rev->commit);
				rows[n].size = repo_rev_size(rev);
				rows[n].mtime = rev->mtime;
				n++;
			}
		}
		repo_close(&r);
		free(folder);
		strbuf_release(&err);
	}
	*out = rows;
	*nr_out = n;
}

static void free_revisions(struct rev_row *rows, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		free(rows[i].commit);
		free(rows[i].refs);
		free(rows[i].path);
		strlist_clear(&rows[i].ref_list);
	}
	free(rows);
}

static void print_revisions_human(const struct list_opts *o,
				  const struct rev_row *rows, size_t nr,
				  uint64_t total)
{
	struct table t = { 5, STRLIST_INIT, SIZE_MAX, false };
	struct strbuf sb = STRBUF_INIT;
	time_t now = time(NULL);
	const char *head[] = { "Name", "Revision", "Size", "Modified", "Refs" };

	for (size_t i = 0; i < ARRAY_SIZE(head); i++)
		table_add(&t, head[i]);
	for (size_t i = 0; i < nr; i++) {
		table_add(&t, shown_name(o, rows[i].mi->name));
		strbuf_reset(&sb);
		strbuf_add(&sb, rows[i].commit,
			   strlen(rows[i].commit) > 7 ? 7
						      : strlen(rows[i].commit));
		table_add(&t, sb.buf);
		strbuf_reset(&sb);
		human_size(&sb, rows[i].size);
		table_add(&t, sb.buf);
		strbuf_reset(&sb);
		human_age(&sb, rows[i].mtime, now);
		table_add(&t, sb.buf);
		table_add(&t, *rows[i].refs ? rows[i].refs : "(detached)");
	}
	table_print(&t);
	strbuf_reset(&sb);
	human_size(&sb, total);
	printf("%zu revision%s, %s on disk\n", nr, nr == 1 ? "" : "s", sb.buf);
	strbuf_release(&sb);
	strlist_clear(&t.cells);
}

static void print_json(struct model_info *models, size_t nr,
		       const struct rev_row *rows, size_t nr_rows,
		       bool revisions)
{
	json_t *data = json_object(), *arr = json_array(), *disk = json_array();
	json_t *revs = json_array();
	uint64_t total = 0;

	for (size_t i = 0; i < nr_rows; i++) {
		struct strbuf when = STRBUF_INIT;
		json_t *r = json_object(), *refs = json_array();

		for (size_t j = 0; j < rows[i].ref_list.nr; j++)
			json_array_append_new(
				refs,
				json_string_lossy(rows[i].ref_list.items[j]));
		iso8601_utc(&when, rows[i].mtime);
		json_object_set_new(r, "name",
				    json_string_lossy(rows[i].mi->name));
		json_object_set_new(r, "hash",
				    json_string_lossy(rows[i].commit));
		json_object_set_new(r, "refs", refs);
		json_object_set_new(r, "size_bytes",
				    json_integer((json_int_t)rows[i].size));
		json_object_set_new(r, "last_modified", json_string(when.buf));
		json_object_set_new(r, "snapshot_path",
				    json_string_lossy(rows[i].path));
		json_array_append_new(revs, r);
		strbuf_release(&when);
	}
	for (size_t i = 0; i < nr; i++) {
		struct strbuf when = STRBUF_INIT;
		json_t *u = json_object();

		json_array_append_new(arr, model_info_json(&models[i]));
		/* Beside the model objects (whose keys MLX-Knife's schema
		 * closes): the whole repo over all its revisions. */
		json_object_set_new(u, "name",
				    json_string_lossy(models[i].name));
		json_object_set_new(
			u, "size_on_disk_bytes",
			json_integer((json_int_t)models[i].disk_bytes));
		json_object_set_new(
			u, "revisions",
			json_integer((json_int_t)models[i].nr_revs));
		if (models[i].accessed) {
			iso8601_utc(&when, models[i].accessed);
			json_object_set_new(u, "last_accessed",
					    json_string(when.buf));
		} else {
			json_object_set_new(u, "last_accessed", json_null());
		}
		strbuf_release(&when);
		json_array_append_new(disk, u);
		total += models[i].disk_bytes;
	}
	json_object_set_new(data, "models", arr);
	json_object_set_new(data, "count", json_integer((json_int_t)nr));
	/* MLX-Knife's data is exactly {models, count}: the rest only when
	 * asked for. */
	if (revisions) {
		json_object_set_new(data, "revisions", revs);
		json_object_set_new(data, "disk_usage", disk);
		json_object_set_new(data, "total_size_on_disk_bytes",
				    json_integer((json_int_t)total));
	} else {
		json_decref(revs);
		json_decref(disk);
	}
	json_print_success("list", data);
}

static const struct option list_options[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "health", no_argument, NULL, 'H' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "framework", required_argument, NULL, 'f' },
	{ "sort", required_argument, NULL, 's' },
	{ "limit", required_argument, NULL, 'l' },
	{ "revisions", no_argument, NULL, 'r' },
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 },
};

/* KEY[:asc|:desc]; hf cache ls's defaults: name A-Z, the rest biggest
 * or newest first. */
static int parse_sort(const char *arg, struct list_opts *o)
{
	static const char *const keys[] = { "name", "size", "modified",
					    "accessed" };
	const char *colon = strchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (strlen(keys[i]) != n || strncmp(arg, keys[i], n))
			continue;
		o->sort = (enum sort_key)(SORT_NAME + i);
		o->descending = o->sort != SORT_NAME;
		if (!colon)
			return 0;
		if (!strcmp(colon + 1, "asc"))
			o->descending = false;
		else if (!strcmp(colon + 1, "desc"))
			o->descending = true;
		else
			return -1;
		return 0;
	}
	return -1;
}

static int cmd_list_exec(int argc, char **argv, struct mlxk_ctx *ctx)
{
	struct list_opts o = { 0 };
	struct model_info *models;
	struct cache c;
	size_t nr, found, nr_rows = 0;
	struct rev_row *rows = NULL;
	int opt, fw;
	char *end;

	o.json = ctx->json;
	o.limit = -1;
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
		case 'r':
			o.revisions = true;
			break;
		case 'f':
			fw = framework_parse(optarg);
			if (fw < 0)
				return cmd_usage_error(
					&cmd_list_entry, o.json,
					"unknown framework '%s' (use mlx, "
					"gguf, pytorch or unknown)",
					optarg);
			o.frameworks |= 1u << fw;
			break;
		case 's':
			if (parse_sort(optarg, &o) < 0)
				return cmd_usage_error(
					&cmd_list_entry, o.json,
					"unknown sort key '%s' (use name, "
					"size, "
					"modified or accessed, with :asc or "
					":desc)",
					optarg);
			break;
		case 'l':
			o.limit = strtol(optarg, &end, 10);
			if (!*optarg || *end || o.limit < 0)
				return cmd_usage_error(
					&cmd_list_entry, o.json,
					"--limit wants a number of models, not "
					"'%s'",
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
	found = nr;
	select_rows(&o, models, &nr);
	if (o.revisions) {
		uint64_t total = 0;

		collect_revisions(&c, models, nr, &rows, &nr_rows);
		for (size_t i = 0; i < nr; i++)
			total += models[i].disk_bytes;
		if (o.json)
			print_json(models, nr, rows, nr_rows, true);
		else if (nr_rows)
			print_revisions_human(&o, rows, nr_rows, total);
		else
			note("no models found");
		free_revisions(rows, nr_rows);
	} else if (o.json) {
		print_json(models, nr, NULL, 0, false);
	} else {
		print_human(&o, models, nr, found);
		if (!found && !o.pattern && !o.frameworks)
			cmd_hint_empty_cache(ctx, &c);
	}
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
		 "[--framework NAME]... [--sort KEY[:asc|:desc]] [--limit N] "
		 "[--revisions] [--json]",
	.help = "List cached models with their short hash, size, age and "
		"type.\n"
		"By default only models that are healthy and runnable with\n"
		"mlx-lm are shown; --all shows every model. PATTERN keeps the\n"
		"models whose org/name contains it (case-insensitive); with\n"
		"'*', '?' or '[' it is a glob over org/name or the name "
		"alone.\n"
		"Size is the current revision's; a Disk column appears when a\n"
		"model holds more (other revisions, each blob counted once).\n"
		"The last line adds up the models shown.\n"
		"\n"
		"options:\n"
		"  --all             show every model, with Clean and "
		"Framework\n"
		"                    columns\n"
		"  --health          add a Health column: healthy, healthy*\n"
		"                    (files OK, not runnable), healthy?\n"
		"                    (needs mlx-vlm or mlx-audio, not\n"
		"                    checked) or unhealthy\n"
		"  --verbose         full names (keep mlx-community/), extra\n"
		"                    columns; with --health: Integrity,\n"
		"                    Runtime and Reason\n"
		"  --framework NAME  only models of framework NAME: mlx, "
		"gguf,\n"
		"                    pytorch or unknown (repeatable)\n"
		"  --sort KEY        name, size, modified or accessed; size,\n"
		"                    modified and accessed biggest/newest\n"
		"                    first, name A-Z; KEY:asc or KEY:desc\n"
		"  --limit N         show the first N models only\n"
		"  --revisions       one row per revision: commit, size,\n"
		"                    date and refs; in JSON also "
		"data.revisions\n"
		"                    (with snapshot_path), data.disk_usage\n"
		"                    (all revisions, last_accessed) and a "
		"total\n"
		"  --json            print the JSON API's model objects "
		"(never\n"
		"                    filtered by health)\n"
		"\n"
		"examples:\n"
		"  mlxk list --all --sort size --limit 5    the five biggest\n"
		"  mlxk list --sort accessed:asc            unused ones first\n"
		"  mlxk list 'Qwen*' --framework mlx --framework gguf\n",
	.exec = cmd_list_exec,
};
