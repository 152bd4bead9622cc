/*
 * mlxk prune --datasets / --local-dir DIR / --xet: plan with
 * maint/home-prune, show, ask, execute, report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cache/home.h"
#include "cmd/cmd.h"
#include "maint/home-prune.h"
#include "util/humanize.h"
#include "util/jsonout.h"
#include "util/msg.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define SHOW_LIMIT 20

struct area {
	const char *what; /* "datasets", "local_dir", "xet" */
	char *root;
	struct home_plan plan;
	bool planned;
};

static int plan_area(struct area *a, const struct home_prune_opts *po,
		     struct strbuf *err)
{
	int r;

	if (!strcmp(a->what, "datasets"))
		r = home_prune_datasets_plan(a->root, po, &a->plan, err);
	else if (!strcmp(a->what, "local_dir"))
		r = home_prune_local_dir_plan(a->root, po, &a->plan, err);
	else
		r = home_prune_xet_plan(a->root, po, &a->plan, err);
	a->planned = true;
	return r;
}

static const char *title(const struct area *a)
{
	if (!strcmp(a->what, "datasets"))
		return "Datasets cache";
	if (!strcmp(a->what, "local_dir"))
		return "Local folder";
	return "Xet cache";
}

static void show_area(const struct area *a, bool dry, bool done, bool all)
{
	struct strbuf sz = STRBUF_INIT, pr = STRBUF_INIT;
	size_t shown = 0, kept_shown = 0;

	printf("%s %s:\n", title(a), strbuf_printable(&pr, a->root));
	for (size_t i = 0; i < a->plan.nr; i++) {
		const struct home_item *it = &a->plan.items[i];

		if (it->kept)
			continue;
		if (!all && ++shown > SHOW_LIMIT)
			continue;
		strbuf_reset(&sz);
		human_size(&sz, it->bytes);
		printf("  %-12s %-19s %s (%s)\n",
		       done  ? "removed"
		       : dry ? "would remove"
			     : "remove",
		       home_kind_name(it->kind),
		       strbuf_printable(&pr, it->path), sz.buf);
	}
	if (!all && shown > SHOW_LIMIT)
		printf("  ... and %zu more (-v lists all)\n",
		       shown - SHOW_LIMIT);
	for (size_t i = 0; i < a->plan.nr; i++) {
		const struct home_item *it = &a->plan.items[i];
		struct strbuf why = STRBUF_INIT;

		if (!it->kept)
			continue;
		if (!all && ++kept_shown > SHOW_LIMIT)
			continue;
		strbuf_printable(&why, it->kept);
		printf("  %-12s %-19s %s (%s)\n", "kept",
		       home_kind_name(it->kind),
		       strbuf_printable(&pr, it->path), why.buf);
		strbuf_release(&why);
	}
	if (!all && kept_shown > SHOW_LIMIT)
		printf("  ... and %zu more kept\n", kept_shown - SHOW_LIMIT);
	strbuf_release(&sz);
	strbuf_release(&pr);
}

static void totals(const struct area *areas, size_t nr, uint64_t *bytes,
		   uint64_t *inodes, size_t *going, size_t *kept)
{
	*bytes = *inodes = 0;
	*going = *kept = 0;
	for (size_t i = 0; i < nr; i++) {
		*bytes += areas[i].plan.bytes;
		*inodes += areas[i].plan.inodes;
		*going += areas[i].plan.going;
		*kept += areas[i].plan.kept;
	}
}

static json_t *area_json(const struct area *a, bool dry, bool done)
{
	json_t *o = json_object(), *items = json_array();

	json_object_set_new(o, "area", json_string(a->what));
	json_object_set_new(o, "root", json_string_lossy(a->root));
	json_object_set_new(o, "bytes",
			    json_integer((json_int_t)a->plan.bytes));
	json_object_set_new(o, "inodes",
			    json_integer((json_int_t)a->plan.inodes));
	json_object_set_new(o, "blocked",
			    a->plan.blocked ? json_string_lossy(a->plan.blocked)
					    : json_null());
	for (size_t i = 0; i < a->plan.nr; i++) {
		const struct home_item *it = &a->plan.items[i];
		json_t *j = json_object();

		json_object_set_new(j, "kind",
				    json_string(home_kind_name(it->kind)));
		json_object_set_new(j, "path", json_string_lossy(it->path));
		json_object_set_new(j, "bytes",
				    json_integer((json_int_t)it->bytes));
		json_object_set_new(j, "inodes",
				    json_integer((json_int_t)it->inodes));
		json_object_set_new(j, "state",
				    json_string(it->kept ? "kept"
						: done	 ? "removed"
						: dry	 ? "would_remove"
							 : "planned"));
		json_object_set_new(j, "reason",
				    it->kept ? json_string_lossy(it->kept)
					     : json_null());
		json_array_append_new(items, j);
	}
	json_object_set_new(o, "items", items);
	return o;
}

int prune_home(struct mlxk_ctx *ctx, const struct prune_home_opts *o)
{
	struct home_prune_opts po = { .older_than = o->older_than,
				      .tmp_min_age = 3600,
				      .xet_staging = o->xet_staging,
				      .now = time(NULL) };
	struct strbuf err = STRBUF_INIT, root = STRBUF_INIT, sz = STRBUF_INIT;
	struct area *areas = xcalloc(o->local_dirs.nr + 2, sizeof(*areas));
	size_t nr = 0, going, kept;
	uint64_t bytes, inodes;
	bool done = false;
	int ret = EXIT_OK;
	enum cmd_ask ask;

	if (o->datasets) {
		home_datasets_root(ctx->datasets_dir, &root);
		areas[nr].what = "datasets";
		areas[nr++].root = strbuf_detach(&root, NULL);
	}
	for (size_t i = 0; i < o->local_dirs.nr; i++) {
		areas[nr].what = "local_dir";
		areas[nr++].root = xstrdup(o->local_dirs.items[i]);
	}
	if (o->xet) {
		home_xet_root(ctx->xet_dir, &root);
		areas[nr].what = "xet";
		areas[nr++].root = strbuf_detach(&root, NULL);
	}
	if (!o->json && o->datasets)
		cmd_hint_missing_area("datasets cache", areas[0].root,
				      home_datasets_source(ctx->datasets_dir),
				      "--datasets-dir");
	if (!o->json && o->xet)
		cmd_hint_missing_area("Xet cache", areas[nr - 1].root,
				      home_xet_source(ctx->xet_dir),
				      "--xet-dir");
	for (size_t i = 0; i < nr; i++) {
		if (plan_area(&areas[i], &po, &err) < 0) {
			ret = cmd_fail("prune", o->json, NULL, "prune_failed",
				       err.buf);
			goto out;
		}
	}
	totals(areas, nr, &bytes, &inodes, &going, &kept);
	cmd_catch_interrupts();
	human_size(&sz, bytes);
	/* Everything here is data (downloads, builds, chunks): guarded. */
	ask = cmd_delete_policy(o->force, o->dry_run, o->json, going > 0, true);
	if (ask == CMD_REFUSE) {
		json_t *d = NULL;
		char *what = xasprintf("%zu item%s (%s)", going,
				       going == 1 ? "" : "s", sz.buf);

		if (o->json) {
			json_t *arr = json_array();

			d = json_object();
			for (size_t i = 0; i < nr; i++)
				json_array_append_new(
					arr, area_json(&areas[i], true, false));
			json_object_set_new(d, "areas", arr);
		}
		ret = cmd_refuse_unasked("prune", o->json, d, what,
					 "review with --dry-run, then run with "
					 "--force");
		free(what);
		goto out;
	}
	if (ask == CMD_ASK) {
		for (size_t i = 0; i < nr; i++)
			show_area(&areas[i], true, false, o->verbose);
		fflush(stdout);
		fprintf(stderr, "%zu item%s can go (%s, %llu inodes).\n", going,
			going == 1 ? "" : "s", sz.buf,
			(unsigned long long)inodes);
		if (!cmd_confirm("Remove them?", false)) {
			fprintf(stderr, "Cancelled: nothing was removed.\n");
			ret = EXIT_FAIL; /* "no" is not success, as in hf */
			goto out;
		}
	}
	if (!o->dry_run && going) {
		for (size_t i = 0; i < nr && !stop_requested(&mlxk_interrupted);
		     i++) {
			if (home_prune_execute(&areas[i].plan, &po, &err) < 0) {
				ret = cmd_fail("prune", o->json, NULL,
					       "prune_failed", err.buf);
				goto out;
			}
		}
		done = true;
		totals(areas, nr, &bytes, &inodes, &going, &kept);
	}
	if (o->json) {
		json_t *d = json_object(), *arr = json_array();

		json_object_set_new(d, "dry_run", json_boolean(o->dry_run));
		json_object_set_new(d, "older_than_seconds",
				    o->older_than < 0
					    ? json_null()
					    : json_integer(o->older_than));
		for (size_t i = 0; i < nr; i++)
			json_array_append_new(
				arr, area_json(&areas[i], o->dry_run, done));
		json_object_set_new(d, "areas", arr);
		json_object_set_new(
			d, "removed",
			json_integer((json_int_t)(done ? going : 0)));
		json_object_set_new(d, "kept", json_integer((json_int_t)kept));
		json_object_set_new(
			d, "bytes_freed",
			json_integer((json_int_t)(done ? bytes : 0)));
		json_object_set_new(
			d, "inodes_freed",
			json_integer((json_int_t)(done ? inodes : 0)));
		json_object_set_new(d, "bytes",
				    json_integer((json_int_t)bytes));
		json_object_set_new(d, "inodes",
				    json_integer((json_int_t)inodes));
		json_print_success("prune", d);
	} else {
		for (size_t i = 0; i < nr; i++)
			show_area(&areas[i], o->dry_run, done, o->verbose);
		strbuf_reset(&sz);
		human_size(&sz, bytes);
		printf("%s %zu item%s: %s, %llu inode%s%s; %zu kept\n",
		       o->dry_run ? "Would remove" : "Removed", going,
		       going == 1 ? "" : "s", sz.buf,
		       (unsigned long long)inodes, inodes == 1 ? "" : "s",
		       done ? " freed" : "", kept);
	}
	if (stop_requested(&mlxk_interrupted))
		ret = EXIT_INTERRUPTED;
out:
	for (size_t i = 0; i < nr; i++) {
		if (areas[i].planned)
			home_plan_release(&areas[i].plan);
		free(areas[i].root);
	}
	free(areas);
	strbuf_release(&err);
	strbuf_release(&root);
	strbuf_release(&sz);
	return ret;
}
