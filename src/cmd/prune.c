/*
 * mlxk prune: remove the garbage "health --cache" finds. The plan and the
 * lock-checked removals are maint/prune's; this file asks and prints.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "maint/doctor.h"
#include "maint/prune.h"
#include "util/humanize.h"
#include "util/jsonout.h"
#include "util/msg.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define SHOW_LIMIT 20

struct prune_opts {
	bool detached, dry_run, force, json;
	long long expire; /* --expire, seconds */
};

static const char *state_name(enum prune_outcome s, bool dry_run)
{
	switch (s) {
	case PRUNE_PLANNED:
		return dry_run ? "would_remove" : "planned";
	case PRUNE_DONE:
		return "removed";
	case PRUNE_BUSY:
		return "busy";
	default:
		return "failed";
	}
}

static void add_size(struct strbuf *sb, uint64_t n)
{
	strbuf_reset(sb);
	human_size(sb, n);
}

/* The plan, grouped by category, on f. */
static void print_plan(FILE *f, const struct prune_item *acts, size_t nr)
{
	struct strbuf sz = STRBUF_INIT;

	for (int k = 0; k < DOCTOR_NR; k++) {
		size_t n = 0, shown = 0;
		uint64_t bytes = 0;

		for (size_t i = 0; i < nr; i++)
			if ((int)acts[i].item->cat == k) {
				n++;
				bytes += acts[i].bytes;
			}
		if (!n)
			continue;
		add_size(&sz, bytes);
		fprintf(f, "%s: %zu (%s)\n",
			doctor_cat_title((enum doctor_cat)k), n, sz.buf);
		for (size_t i = 0; i < nr; i++) {
			if ((int)acts[i].item->cat != k || ++shown > SHOW_LIMIT)
				continue;
			add_size(&sz, acts[i].bytes);
			fprintf(f, "  %s (%s)\n", cmd_shown(acts[i].item->path),
				sz.buf);
		}
		if (shown > SHOW_LIMIT)
			fprintf(f, "  ... and %zu more\n", shown - SHOW_LIMIT);
	}
	strbuf_release(&sz);
}

static json_t *result_json(const struct prune_item *acts, size_t nr,
			   const struct prune_opts *o, size_t young,
			   size_t done, size_t busy, size_t failed,
			   uint64_t freed)
{
	json_t *d = json_object(), *items = json_array(), *sum = json_object();

	for (size_t i = 0; i < nr; i++) {
		json_t *e = json_object();

		json_object_set_new(
			e, "category",
			json_string(doctor_cat_key(acts[i].item->cat)));
		json_object_set_new(e, "path",
				    json_string_lossy(acts[i].item->path));
		json_object_set_new(e, "bytes",
				    json_integer((json_int_t)acts[i].bytes));
		json_object_set_new(
			e, "status",
			json_string(state_name(acts[i].state, o->dry_run)));
		json_object_set_new(e, "error",
				    acts[i].error
					    ? json_string_lossy(acts[i].error)
					    : json_null());
		json_array_append_new(items, e);
	}
	json_object_set_new(sum, "removed", json_integer((json_int_t)done));
	json_object_set_new(sum, "busy", json_integer((json_int_t)busy));
	json_object_set_new(sum, "failed", json_integer((json_int_t)failed));
	json_object_set_new(sum, "too_young", json_integer((json_int_t)young));
	/* One name in both modes (as rm): dry_run says which it is. */
	json_object_set_new(sum, "bytes_freed",
			    json_integer((json_int_t)freed));
	json_object_set_new(d, "dry_run", json_boolean(o->dry_run));
	json_object_set_new(d, "detached", json_boolean(o->detached));
	json_object_set_new(d, "expire_seconds",
			    json_integer((json_int_t)o->expire));
	json_object_set_new(d, "items", items);
	json_object_set_new(d, "summary", sum);
	return d;
}

/* Orphans and revisions younger than --expire: say they stay. */
static void print_young(const struct prune_opts *o, size_t young)
{
	struct strbuf d = STRBUF_INIT;
	long long e = o->expire;

	if (!young)
		return;
	if (e && e % 86400 == 0)
		strbuf_addf(&d, "%lldd", e / 86400);
	else if (e && e % 3600 == 0)
		strbuf_addf(&d, "%lldh", e / 3600);
	else if (e && e % 60 == 0)
		strbuf_addf(&d, "%lldm", e / 60);
	else
		strbuf_addf(&d, "%llds", e);
	printf("Kept %zu orphan blob%s or detached revision%s younger than "
	       "%s (see --expire)\n",
	       young, young == 1 ? "" : "s", young == 1 ? "" : "s", d.buf);
	strbuf_release(&d);
}

/* Lock folders of gone repos hold no data: the rest needs a yes. */
static bool guarded(const struct prune_item *acts, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		if (acts[i].item->cat != DOCTOR_LOCK_FOLDER)
			return true;
	return false;
}

static int run(struct cache *c, const struct prune_opts *o)
{
	enum cmd_ask ask;
	struct strlist given_up = STRLIST_INIT;
	struct prune_plan p;
	struct strbuf err = STRBUF_INIT, sz = STRBUF_INIT;
	struct prune_item *acts;
	size_t nr;
	int ret = EXIT_OK;

	if (prune_plan_build(c, o->detached, o->expire, &p, &err) < 0) {
		if (o->json)
			json_print_error("prune", NULL, "prune_failed", err.buf,
					 NULL);
		else
			error("%s", err.buf);
		prune_plan_release(&p);
		strbuf_release(&err);
		return EXIT_FAIL;
	}
	acts = p.items;
	nr = p.nr;
	if (!nr) {
		if (o->json) {
			json_print_success(
				"prune",
				result_json(acts, 0, o, p.young, 0, 0, 0, 0));
		} else {
			printf("Nothing to prune\n");
			print_young(o, p.young);
		}
		goto out;
	}
	add_size(&sz, p.bytes);
	ask = cmd_delete_policy(o->force, o->dry_run, o->json, nr > 0,
				guarded(acts, nr));
	if (ask == CMD_REFUSE) {
		char *what = xasprintf("%zu item%s (%s)", nr,
				       nr == 1 ? "" : "s", sz.buf);

		ret = cmd_refuse_unasked(
			"prune", o->json,
			o->json ? result_json(acts, nr, o, p.young, 0, 0, 0, 0)
				: NULL,
			what,
			"review with 'mlxk prune --dry-run', then run "
			"'mlxk prune --force'");
		free(what);
		goto out;
	}
	if (ask == CMD_ASK) {
		print_plan(stderr, acts, nr);
		strbuf_reset(&err);
		strbuf_addf(&err, "Delete %zu item%s (%s)?", nr,
			    nr == 1 ? "" : "s", sz.buf);
		if (!cmd_confirm(err.buf, false)) {
			fprintf(stderr, "Cancelled: nothing was deleted.\n");
			ret = EXIT_FAIL; /* "no" is not success, as in hf */
			goto out;
		}
	}
	cmd_catch_interrupts();
	prune_execute(c, &p, o->dry_run, &mlxk_interrupted, &given_up);
	cmd_warn_escorts(&given_up);
	if (p.failed)
		ret = EXIT_FAIL;
	if (stop_requested(&mlxk_interrupted))
		ret = EXIT_INTERRUPTED;
	if (o->json) {
		json_print_success("prune",
				   result_json(acts, nr, o, p.young, p.done,
					       p.busy, p.failed, p.freed));
		goto out;
	}
	if (o->dry_run) {
		printf("Would remove:\n");
		print_plan(stdout, acts, nr);
	}
	for (size_t i = 0; i < nr; i++) {
		struct prune_item *a = &acts[i];

		if (a->state == PRUNE_BUSY)
			printf("kept %s: %s\n", cmd_shown(a->item->path),
			       cmd_shown(a->error));
		else if (a->state == PRUNE_FAILED)
			printf("failed %s: %s\n", cmd_shown(a->item->path),
			       cmd_shown(a->error));
		else if (!o->dry_run && a->state == PRUNE_DONE && nr <= 50)
			printf("removed %s\n", cmd_shown(a->item->path));
	}
	add_size(&sz, p.freed);
	if (o->dry_run)
		printf("Would free %s: %zu to remove, %zu kept (in use), %zu "
		       "failed\n",
		       sz.buf, p.done, p.busy, p.failed);
	else
		printf("Freed %s: %zu removed, %zu kept (in use), %zu "
		       "failed\n",
		       sz.buf, p.done, p.busy, p.failed);
	print_young(o, p.young);
out:
	strlist_clear(&given_up);
	prune_plan_release(&p);
	strbuf_release(&err);
	strbuf_release(&sz);
	return ret;
}

static int cmd_prune_exec(int argc, char **argv, struct mlxk_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "detached", no_argument, NULL, 'd' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "datasets", no_argument, NULL, 'D' },
		{ "local-dir", required_argument, NULL, 'L' },
		{ "xet", no_argument, NULL, 'X' },
		{ "staging", no_argument, NULL, 'S' },
		{ "older-than", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "expire", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	struct prune_opts o = { false, false, false, ctx->json,
				DOCTOR_EXPIRE_DEFAULT };
	struct prune_home_opts home = { .older_than = -1 };
	bool verbose = false;
	struct cache c;
	int opt, ret;

	o.json = cmd_json_requested(argc, argv, o.json);
	while ((opt = getopt_long(argc, argv, "fv", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			o.detached = true;
			break;
		case 'D':
			home.datasets = true;
			break;
		case 'L':
			if (!*optarg) {
				strlist_clear(&home.local_dirs);
				return cmd_usage_error(&cmd_prune_entry, o.json,
						       "--local-dir needs a "
						       "directory");
			}
			strlist_push(&home.local_dirs, optarg);
			break;
		case 'X':
			home.xet = true;
			break;
		case 'S':
			home.xet_staging = true;
			break;
		case 'o':
			if (parse_duration(optarg, &home.older_than) < 0) {
				strlist_clear(&home.local_dirs);
				return cmd_usage_error(
					&cmd_prune_entry, o.json,
					"invalid duration '%s' (try 10m, 2h, "
					"7d or 0)",
					optarg);
			}
			break;
		case 'v':
			verbose = true;
			break;
		case 'n':
			o.dry_run = true;
			break;
		case 'f':
			o.force = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'e':
			if (!strcmp(optarg, "now"))
				o.expire = 0;
			else if (parse_duration(optarg, &o.expire) < 0)
				return cmd_usage_error(
					&cmd_prune_entry, o.json,
					"invalid --expire duration '%s' (try "
					"now, 30m, 2h, 7d)",
					optarg);
			break;
		default:
			strlist_clear(&home.local_dirs);
			return cmd_option_error(&cmd_prune_entry, o.json, argv,
						longopts);
		}
	}
	if (optind < argc) {
		strlist_clear(&home.local_dirs);
		return cmd_usage_error(&cmd_prune_entry, o.json,
				       "unexpected argument '%s'",
				       argv[optind]);
	}
	if (home.datasets || home.xet || home.local_dirs.nr) {
		if (o.detached) {
			strlist_clear(&home.local_dirs);
			return cmd_usage_error(&cmd_prune_entry, o.json,
					       "--detached is for the hub "
					       "cache; not with --datasets, "
					       "--local-dir or --xet");
		}
		home.dry_run = o.dry_run;
		home.force = o.force;
		home.json = o.json;
		home.verbose = verbose;
		ret = prune_home(ctx, &home);
		strlist_clear(&home.local_dirs);
		return ret;
	}
	if (home.older_than >= 0 || home.xet_staging) {
		strlist_clear(&home.local_dirs);
		return cmd_usage_error(
			&cmd_prune_entry, o.json, "%s needs --datasets%s",
			home.xet_staging ? "--staging" : "--older-than",
			home.xet_staging ? " or --xet" : "");
	}
	if (cmd_open_cache(ctx, "prune", o.json, &c) < 0)
		return EXIT_FAIL;
	ret = run(&c, &o);
	if (!o.json)
		cmd_hint_empty_cache(ctx, &c);
	cache_close(&c);
	return ret;
}

const struct cmd_entry cmd_prune_entry = {
	.name = "prune",
	.summary = "remove orphan blobs, stale downloads and other garbage",
	.usage = "prune [--detached] [--dry-run] [-f|--force] [--json]\n"
		 "       mlxk prune [--datasets [--older-than DURATION]] "
		 "[--local-dir DIR]...\n"
		 "                  [--xet [--staging]] [--dry-run] "
		 "[-f|--force] [--json] [-v]",
	.help = "Remove what 'mlxk health --cache' reports as garbage: orphan "
		"blobs\n"
		"(in blobs/ but linked by no snapshot), stale .incomplete "
		"files (their\n"
		"lock is not held and nothing wrote to them for a day; a "
		"younger one\n"
		"is a pull to resume and always stays), lock folders of repos "
		"that no\n"
		"longer exist, .no_exist/ and trees/ entries of revisions "
		"that no\n"
		"longer exist, and temporary files of interrupted writes "
		"(refs/,\n"
		"trees/; over an hour old). With --detached also every "
		"revision no\n"
		"ref points to (as 'mlxk rm MODEL@REV'; a repo whose revisions "
		"are all\n"
		"detached goes whole).\n"
		"\n"
		"Every blob and .incomplete file is deleted only after taking "
		"its blob\n"
		"lock without waiting; a download in progress keeps its "
		"files. Lock\n"
		"files go by the safe recipe (unlink while holding the flock). "
		"Links\n"
		"are never followed. On a terminal prune lists what goes and "
		"asks;\n"
		"without one (or with --json) it deletes only with --force, "
		"else exits 2.\n"
		"\n"
		"options:\n"
		"  --detached   also remove detached revisions\n"
		"  --dry-run    show what would go and the bytes it frees; "
		"change nothing\n"
		"  -f, --force  do not ask\n"
		"  --json       print the JSON envelope (command \"prune\")\n"
		"\n"
		"The rest of HF_HOME (docs/datasets.md), instead of the hub "
		"cache:\n"
		"  --datasets   the datasets cache: interrupted downloads and "
		"builds, tmp\n"
		"               files of crashed map() runs, .json files "
		"without their file\n"
		"  --older-than DURATION  with --datasets: also downloads and "
		"extractions\n"
		"               unused that long, unless a build runs or a "
		"built dataset\n"
		"               refers to them by path\n"
		"  --local-dir DIR  stale .incomplete and tmp_ files, "
		".metadata of files\n"
		"               that are gone (never the files, never "
		"upload/)\n"
		"  --xet        empty the Xet chunk and shard caches when no "
		"hf_xet runs\n"
		"  --staging    with --xet: staging/ too (upload resume "
		"state)\n"
		"  -v           list every item\n"
		"\n"
		"Exit codes: 0 done (kept busy items included), 1 something "
		"could not be\n"
		"removed or confirmation was needed, 2 usage, 130 "
		"interrupted.\n"
		"\n"
		"examples:\n"
		"  mlxk prune --dry-run\n"
		"  mlxk prune --detached --force\n",
	.exec = cmd_prune_exec,
};
