/*
 * mlxk health --cache --home: one view of the whole HuggingFace home
 * (maint/home-usage.h), human or JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cache/cache.h"
#include "cache/home.h"
#include "cmd/cmd.h"
#include "maint/home-usage.h"
#include "util/humanize.h"
#include "util/jsonout.h"
#include "util/msg.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define DEFAULT_OLDER_THAN (10 * 60)

static json_t *part_json(const struct home_part *p)
{
	json_t *o = json_object();

	if (p->name)
		json_object_set_new(o, "name", json_string_lossy(p->name));
	json_object_set_new(o, "size_bytes",
			    json_integer((json_int_t)p->bytes));
	json_object_set_new(o, "files", json_integer((json_int_t)p->files));
	json_object_set_new(o, "lock_files",
			    json_integer((json_int_t)p->locks));
	return o;
}

static json_t *usage_json(const struct home_usage *u)
{
	json_t *d = json_object(), *areas = json_array();

	for (size_t i = 0; i < u->nr; i++) {
		const struct home_area *a = &u->areas[i];
		json_t *o = part_json(&a->total), *parts = json_array();
		json_t *rec = json_object();

		json_object_set_new(o, "area", json_string(a->kind));
		json_object_set_new(o, "root", json_string_lossy(a->root));
		json_object_set_new(o, "exists", json_boolean(a->exists));
		for (size_t j = 0; j < a->nr; j++)
			json_array_append_new(parts, part_json(&a->parts[j]));
		json_object_set_new(o, "parts", parts);
		json_object_set_new(
			rec, "clean_locks_lock_files",
			json_integer((json_int_t)a->locks_removable));
		json_object_set_new(
			rec, "prune_bytes",
			a->has_prune ? json_integer((json_int_t)a->prune_bytes)
				     : json_null());
		json_object_set_new(
			rec, "prune_inodes",
			a->has_prune ? json_integer((json_int_t)a->prune_inodes)
				     : json_null());
		json_object_set_new(
			rec, "prune_blocked",
			a->prune_blocked ? json_string_lossy(a->prune_blocked)
					 : json_null());
		json_object_set_new(o, "reclaimable", rec);
		json_array_append_new(areas, o);
	}
	json_object_set_new(d, "areas", areas);
	return d;
}

static void row(const char *area, const char *part, const struct home_part *p)
{
	struct strbuf sz = STRBUF_INIT, pr = STRBUF_INIT;

	human_size(&sz, p->bytes);
	printf("%-10s %-32s %9s %9llu %7llu\n", area,
	       strbuf_printable(&pr, part), sz.buf,
	       (unsigned long long)p->files, (unsigned long long)p->locks);
	strbuf_release(&sz);
	strbuf_release(&pr);
}

static void usage_human(const struct home_usage *u)
{
	struct strbuf sb = STRBUF_INIT, pr = STRBUF_INIT;

	printf("%-10s %-32s %9s %9s %7s\n", "Area", "Part", "Size", "Files",
	       "Locks");
	for (size_t i = 0; i < u->nr; i++) {
		const struct home_area *a = &u->areas[i];

		printf("%-10s %s%s\n", a->kind, strbuf_printable(&pr, a->root),
		       a->exists ? "" : " (not there)");
		for (size_t j = 0; j < a->nr; j++)
			row("", a->parts[j].name, &a->parts[j]);
		if (a->exists)
			row("", "total", &a->total);
	}
	printf("\nReclaimable:\n");
	for (size_t i = 0; i < u->nr; i++) {
		const struct home_area *a = &u->areas[i];

		if (!a->exists)
			continue;
		strbuf_reset(&sb);
		printf("  %-10s clean-locks: %llu lock file%s", a->kind,
		       (unsigned long long)a->locks_removable,
		       a->locks_removable == 1 ? "" : "s");
		if (a->has_prune) {
			human_size(&sb, a->prune_bytes);
			printf("; prune: %s in %llu inode%s", sb.buf,
			       (unsigned long long)a->prune_inodes,
			       a->prune_inodes == 1 ? "" : "s");
		}
		if (a->prune_blocked)
			printf(" (blocked: %s)",
			       strbuf_printable(&pr, a->prune_blocked));
		printf("\n");
	}
	strbuf_release(&sb);
	strbuf_release(&pr);
}

int health_home_run(struct mlxk_ctx *ctx, bool json,
		    const struct strlist *local_dirs)
{
	struct strbuf hub = STRBUF_INIT, ds = STRBUF_INIT, mods = STRBUF_INIT,
		      assets = STRBUF_INIT, xet = STRBUF_INIT,
		      err = STRBUF_INIT;
	struct home_usage_opts uo = { 0 };
	struct home_usage u;
	int ret = EXIT_OK;

	if (cache_root_find(ctx->cache_dir, &hub, &err) < 0) {
		ret = cmd_fail("health", json, NULL, "health_check_failed",
			       err.buf);
		goto out;
	}
	home_datasets_root(ctx->datasets_dir, &ds);
	home_modules_root(&mods);
	home_assets_root(&assets);
	home_xet_root(ctx->xet_dir, &xet);
	uo.hub = hub.buf;
	uo.datasets = ds.buf;
	uo.modules = mods.buf;
	uo.assets = assets.buf;
	uo.xet = xet.buf;
	uo.local_dirs = local_dirs->items;
	uo.nr_local_dirs = local_dirs->nr;
	uo.older_than = DEFAULT_OLDER_THAN;
	if (home_usage_collect(&uo, &u, &err) < 0) {
		ret = cmd_fail("health", json, NULL, "health_check_failed",
			       err.buf);
		goto out;
	}
	if (json)
		json_print_success("health", usage_json(&u));
	else
		usage_human(&u);
	home_usage_release(&u);
out:
	strbuf_release(&hub);
	strbuf_release(&ds);
	strbuf_release(&mods);
	strbuf_release(&assets);
	strbuf_release(&xet);
	strbuf_release(&err);
	return ret;
}
