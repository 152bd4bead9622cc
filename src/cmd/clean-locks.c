/*
 * mlxk clean-locks: remove the lock files huggingface_hub leaves behind,
 * by the safe recipe of lock/lock.h, never one that is in use. Which
 * folders and the sweep are maint/clean-locks'; this file asks and prints.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "lock/lock.h"
#include "maint/clean-locks.h"
#include "util/humanize.h"
#include "util/jsonout.h"
#include "util/msg.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define DEFAULT_OLDER_THAN (10 * 60)

struct cl_opts {
	bool all, dry_run, force, json, verbose;
	long long older_than;
};

/*
 * Files of fate f per owner, "alice 3, bob 1" (sorted by name), and the
 * number of owners. The cure for another user's 0644 lock is to remove
 * it when idle: the next client recreates it 0664.
 */
static size_t per_owner(struct strbuf *sb, json_t *obj,
			const struct lock_sweep *s, enum lock_fate f)
{
	struct strlist names = STRLIST_INIT;
	size_t *counts = NULL, n = 0;

	for (size_t i = 0; i < s->nr; i++)
		if (s->items[i].fate == f) {
			char *who = cmd_owner_name(s->items[i].uid);
			if (!strlist_has(&names, who))
				strlist_push(&names, who);
			free(who);
		}
	strlist_sort(&names);
	counts = xcalloc(names.nr ? names.nr : 1, sizeof(*counts));
	for (size_t i = 0; i < s->nr; i++)
		if (s->items[i].fate == f) {
			char *who = cmd_owner_name(s->items[i].uid);
			for (size_t j = 0; j < names.nr; j++)
				if (!strcmp(names.items[j], who))
					counts[j]++;
			free(who);
		}
	for (size_t j = 0; j < names.nr; j++) {
		if (sb)
			strbuf_addf(sb, "%s%s %zu", j ? ", " : "",
				    names.items[j], counts[j]);
		if (obj)
			json_object_set_new(
				obj, names.items[j],
				json_integer((json_int_t)counts[j]));
	}
	n = names.nr;
	free(counts);
	strlist_clear(&names);
	return n;
}

static void print_human(const struct cl_opts *o, const struct lock_sweep *s,
			const struct clean_locks_plan *ts,
			size_t folders_removed)
{
	struct strbuf sb = STRBUF_INIT;

	if (o->verbose) {
		for (size_t i = 0; i < s->nr; i++) {
			const struct lock_sweep_item *it = &s->items[i];

			if (it->fate == LOCK_REMOVED) {
				printf("%s %s\n",
				       o->dry_run ? "would remove" : "removed",
				       cmd_shown(it->path));
			} else if (it->fate == LOCK_KEPT_NO_PERM) {
				char *n = cmd_owner_name(it->uid);
				printf("kept    %s (no permission; owned by "
				       "%s)\n",
				       cmd_shown(it->path), cmd_shown(n));
				free(n);
			} else {
				printf("kept    %s (%s)\n", cmd_shown(it->path),
				       cmd_lock_reason(it->fate));
			}
		}
		for (size_t i = 0; i < ts->skipped.nr; i++)
			printf("kept    %s (not a directory; not entered)\n",
			       cmd_shown(ts->skipped.items[i]));
	}
	printf("%s %zu lock file%s in %zu folder%s",
	       o->dry_run ? "Would remove" : "Removed", s->count[LOCK_REMOVED],
	       s->count[LOCK_REMOVED] == 1 ? "" : "s", ts->nr,
	       ts->nr == 1 ? "" : "s");
	if (folders_removed)
		printf(" (%zu empty folder%s %s)", folders_removed,
		       folders_removed == 1 ? "" : "s",
		       o->dry_run ? "would go" : "removed");
	printf("\n");
	if (s->count[LOCK_REMOVED] && per_owner(&sb, NULL, s, LOCK_REMOVED) > 1)
		printf("%s by owner: %s\n",
		       o->dry_run ? "Would remove" : "Removed", sb.buf);
	strbuf_reset(&sb);
	cmd_print_locks_kept(s);
	strbuf_release(&sb);
}

static json_t *report_json(const struct cl_opts *o, const struct lock_sweep *s,
			   const struct clean_locks_plan *ts,
			   size_t folders_removed)
{
	json_t *d = json_object(), *by = json_object();

	json_object_set_new(d, "scope", json_string(o->all ? "all" : "mlx"));
	json_object_set_new(d, "dry_run", json_boolean(o->dry_run));
	json_object_set_new(d, "older_than_seconds",
			    json_integer(o->older_than));
	json_object_set_new(d, "grace_ms",
			    json_integer((json_int_t)s->opts.grace_ms));
	json_object_set_new(d, "folders_scanned",
			    json_integer((json_int_t)ts->nr));
	json_object_set_new(d, "folders_removed",
			    json_integer((json_int_t)folders_removed));
	json_object_set_new(d, "removed",
			    json_integer((json_int_t)s->count[LOCK_REMOVED]));
	json_object_set_new(d, "kept",
			    json_integer((json_int_t)cmd_locks_kept(s)));
	for (int f = 0; f < LOCK_FATE_COUNT; f++)
		if (f != LOCK_REMOVED && f != LOCK_GONE)
			json_object_set_new(
				by, lock_fate_name((enum lock_fate)f),
				json_integer((json_int_t)s->count[f]));
	json_object_set_new(d, "kept_by_reason", by);
	{
		json_t *rm = json_object(), *np = json_object();

		per_owner(NULL, rm, s, LOCK_REMOVED);
		per_owner(NULL, np, s, LOCK_KEPT_NO_PERM);
		json_object_set_new(d, "removed_by_owner", rm);
		json_object_set_new(d, "no_permission_by_owner", np);
	}
	json_object_set_new(d, "gone",
			    json_integer((json_int_t)s->count[LOCK_GONE]));
	if (o->verbose) {
		json_t *files = json_array();

		for (size_t i = 0; i < s->nr; i++) {
			const struct lock_sweep_item *it = &s->items[i];
			json_t *f = json_object();
			char *n = cmd_owner_name(it->uid);

			json_object_set_new(f, "path",
					    json_string_lossy(it->path));
			json_object_set_new(
				f, "fate",
				json_string(lock_fate_name(it->fate)));
			json_object_set_new(f, "owner", json_string_lossy(n));
			free(n);
			json_array_append_new(files, f);
		}
		json_object_set_new(d, "files", files);
	}
	return d;
}

static int cmd_clean_locks_exec(int argc, char **argv, struct mlxk_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "older-than", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "datasets", no_argument, NULL, 'D' },
		{ "local-dir", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	struct cl_opts o = { .json = ctx->json,
			     .older_than = DEFAULT_OLDER_THAN };
	struct cl_home_opts home = { 0 };
	struct lock_sweep_opts so = { 0 };
	struct clean_locks_plan ts = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct lock_sweep s;
	struct cache c;
	size_t folders_removed;
	int ch, ret = EXIT_OK;

	o.json = cmd_json_requested(argc, argv, o.json);
	while ((ch = getopt_long(argc, argv, "fv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			o.all = true;
			break;
		case 'n':
			o.dry_run = true;
			break;
		case 'f':
			o.force = true;
			break;
		case 'o':
			if (parse_duration(optarg, &o.older_than) < 0)
				return cmd_usage_error(
					&cmd_clean_locks_entry, o.json,
					"invalid duration '%s' (try 10m, 2h, "
					"7d or 0)",
					optarg);
			break;
		case 'j':
			o.json = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'D':
			home.datasets = true;
			break;
		case 'L':
			if (!*optarg) {
				strlist_clear(&home.local_dirs);
				return cmd_usage_error(&cmd_clean_locks_entry,
						       o.json,
						       "--local-dir needs a "
						       "directory");
			}
			strlist_push(&home.local_dirs, optarg);
			break;
		default:
			strlist_clear(&home.local_dirs);
			return cmd_option_error(&cmd_clean_locks_entry, o.json,
						argv, longopts);
		}
	}
	if (optind < argc) {
		strlist_clear(&home.local_dirs);
		return cmd_usage_error(&cmd_clean_locks_entry, o.json,
				       "unexpected argument '%s'",
				       argv[optind]);
	}
	if (home.datasets || home.local_dirs.nr) {
		if (o.all) {
			strlist_clear(&home.local_dirs);
			return cmd_usage_error(&cmd_clean_locks_entry, o.json,
					       "--all is for the hub cache; "
					       "not with --datasets or "
					       "--local-dir");
		}
		home.dry_run = o.dry_run;
		home.force = o.force;
		home.json = o.json;
		home.verbose = o.verbose;
		home.older_than = o.older_than;
		ret = clean_locks_home(ctx, &home);
		strlist_clear(&home.local_dirs);
		return ret;
	}
	if (cmd_open_cache(ctx, "clean-locks", o.json, &c) < 0)
		return EXIT_FAIL;
	so.older_than = (time_t)o.older_than;
	so.grace_ms = lock_grace_default_ms();
	so.stop = &mlxk_interrupted;
	if (c.fd >= 0 && clean_locks_collect(&c, o.all, &ts, &err) < 0) {
		if (o.json)
			json_print_error("clean-locks", NULL,
					 "clean_locks_failed", err.buf, NULL);
		else
			error("%s", err.buf);
		ret = EXIT_FAIL;
		goto out;
	}
	cmd_catch_interrupts();
	/*
	 * On a terminal, show what would happen and ask first. Lock files
	 * hold no data (what is in use stays): without one it goes ahead.
	 */
	if (cmd_delete_policy(o.force, o.dry_run, o.json, ts.nr > 0, false) ==
	    CMD_ASK) {
		struct lock_sweep_opts dry = so;
		bool yes;

		dry.dry_run = true;
		lock_sweep_init(&s, &dry);
		clean_locks_execute(&c, &ts, &s);
		if (!s.count[LOCK_REMOVED]) {
			lock_sweep_release(&s);
			goto run;
		}
		yes = cmd_locks_confirm(&s, ts.nr);
		lock_sweep_release(&s);
		if (!yes) {
			ret = EXIT_FAIL; /* "no" is not success, as in hf */
			goto out;
		}
	}
run:
	so.dry_run = o.dry_run;
	lock_sweep_init(&s, &so);
	folders_removed = clean_locks_execute(&c, &ts, &s);
	cmd_warn_escorts(&s.grace.given_up);
	if (o.json) {
		json_print_success("clean-locks",
				   report_json(&o, &s, &ts, folders_removed));
	} else {
		print_human(&o, &s, &ts, folders_removed);
		cmd_hint_empty_cache(ctx, &c);
	}
	if (s.count[LOCK_KEPT_ERROR])
		ret = EXIT_FAIL;
	lock_sweep_release(&s);
	if (stop_requested(&mlxk_interrupted))
		ret = EXIT_INTERRUPTED;
out:
	clean_locks_plan_release(&ts);
	strbuf_release(&err);
	cache_close(&c);
	return ret;
}

const struct cmd_entry cmd_clean_locks_entry = {
	.name = "clean-locks",
	.summary = "remove lock files no process is using",
	.usage = "clean-locks [--all] [--dry-run] [-f|--force] "
		 "[--older-than DURATION]\n"
		 "                   [--json] [-v]\n"
		 "       mlxk clean-locks --datasets | --local-dir DIR ... "
		 "[same options]",
	.help = "Remove the lock files that huggingface_hub leaves in "
		".locks/ after every\n"
		"download. Each file goes through a safe recipe: it is "
		"removed only\n"
		"while mlxk holds its flock, and kept held for a grace period "
		"after the\n"
		"unlink, so a process about to take it moves to a fresh file. "
		"Files in\n"
		"use, used recently, guarding a download in progress, or "
		"SoftFileLock\n"
		"markers of a live process stay.\n"
		"\n"
		"By default only the lock folders of MLX models are cleaned. "
		"On "
		"a\n"
		"terminal it shows the counts and asks first; without one it "
		"proceeds.\n"
		"\n"
		"options:\n"
		"  --all                  every folder under .locks/ (models, "
		"datasets,\n"
		"                         spaces, kernels) and legacy "
		"blobs/*.lock files\n"
		"  --datasets             the datasets cache instead "
		"(downloads/,\n"
		"                         extracted/, builder, info and "
		"top-level locks,\n"
		"                         datasets_modules); see "
		"docs/datasets.md\n"
		"  --local-dir DIR        an hf download --local-dir folder "
		"instead\n"
		"                         (DIR/.cache/huggingface/"
		"{download,upload});\n"
		"                         may be repeated\n"
		"  --dry-run              report what would go; change "
		"nothing\n"
		"  -f, --force            do not ask\n"
		"  --older-than DURATION  keep files used more recently "
		"(default 10m;\n"
		"                         30s, 2h, 7d, 0 for no limit)\n"
		"  --json                 print the JSON envelope\n"
		"  -v, --verbose          list every lock file and its fate\n"
		"\n"
		"environment:\n"
		"  MLXK_LOCK_GRACE_MS     the grace period in milliseconds "
		"(default 2000)\n"
		"\n"
		"examples:\n"
		"  mlxk clean-locks --dry-run\n"
		"  mlxk clean-locks --all --older-than 1h --force -v\n",
	.exec = cmd_clean_locks_exec,
};
