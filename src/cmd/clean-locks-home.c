/*
 * mlxk clean-locks --datasets / --local-dir DIR: the lock files of the
 * datasets cache and of hf download --local-dir folders, by the recipe
 * and with the report of the hub's clean-locks (maint/home-locks.h).
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cache/home.h"
#include "cmd/cmd.h"
#include "lock/lock.h"
#include "maint/home-locks.h"
#include "util/jsonout.h"
#include "util/msg.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

struct area {
	const char *prefix; /* shown before item paths ("" or "DIR/") */
	char *root;
	bool is_local_dir;
};

struct run {
	const struct cl_home_opts *o;
	struct area *areas;
	size_t nr;
	const struct area *cur;
	json_t *files; /* -v --json */
};

static void print_item(const struct lock_sweep_item *it, void *arg)
{
	struct run *r = arg;
	struct strbuf sb = STRBUF_INIT;
	const char *p;

	strbuf_addf(&sb, "%s%s", r->cur->prefix, it->path);
	if (r->files) {
		json_t *f = json_object();
		char *n = cmd_owner_name(it->uid);

		json_object_set_new(f, "path", json_string_lossy(sb.buf));
		json_object_set_new(f, "fate",
				    json_string(lock_fate_name(it->fate)));
		json_object_set_new(f, "owner", json_string_lossy(n));
		json_array_append_new(r->files, f);
		free(n);
		strbuf_release(&sb);
		return;
	}
	{
		struct strbuf pr = STRBUF_INIT;

		p = strbuf_printable(&pr, sb.buf);
		if (it->fate == LOCK_REMOVED) {
			printf("%s %s\n",
			       r->o->dry_run ? "would remove" : "removed", p);
		} else if (it->fate == LOCK_KEPT_NO_PERM) {
			char *n = cmd_owner_name(it->uid);

			printf("kept    %s (no permission; owned by %s)\n", p,
			       n);
			free(n);
		} else {
			printf("kept    %s (%s)\n", p,
			       cmd_lock_reason(it->fate));
		}
		strbuf_release(&pr);
	}
	strbuf_release(&sb);
}

/* Sweep every area; returns -1 with err when one cannot be opened. */
static int sweep_areas(struct run *r, struct lock_sweep *s,
		       struct home_locks *hl, const char *modules,
		       struct strbuf *err)
{
	for (size_t i = 0; i < r->nr && !stop_requested(s->opts.stop); i++) {
		r->cur = &r->areas[i];
		if (r->areas[i].is_local_dir) {
			if (home_locks_local_dir(s, r->areas[i].root, hl, err) <
			    0)
				return -1;
		} else if (home_locks_datasets(s, r->areas[i].root, modules,
					       modules, hl, err) < 0) {
			return -1;
		}
	}
	lock_sweep_finish(s);
	return 0;
}

static void print_unread(const struct home_locks *hl)
{
	for (size_t i = 0; i < hl->skipped.nr; i++)
		printf("kept    %s (a link; not entered)\n",
		       cmd_shown(hl->skipped.items[i]));
	for (size_t i = 0; i < hl->unreadable.nr; i++)
		printf("kept    %s/ (cannot read the folder; its lock files "
		       "stay)\n",
		       cmd_shown(hl->unreadable.items[i]));
}

static void print_human(const struct cl_home_opts *o,
			const struct lock_sweep *s, const struct home_locks *hl)
{
	if (o->verbose)
		print_unread(hl);
	printf("%s %zu lock file%s in %zu folder%s\n",
	       o->dry_run ? "Would remove" : "Removed", s->count[LOCK_REMOVED],
	       s->count[LOCK_REMOVED] == 1 ? "" : "s", hl->folders,
	       hl->folders == 1 ? "" : "s");
	cmd_print_locks_kept(s);
	if (hl->unreadable.nr)
		printf("Could not read %zu folder%s: their lock files stay\n",
		       hl->unreadable.nr, hl->unreadable.nr == 1 ? "" : "s");
}

static json_t *report_json(const struct run *r, const struct lock_sweep *s,
			   const struct home_locks *hl)
{
	const struct cl_home_opts *o = r->o;
	json_t *d = json_object(), *by = json_object(), *roots = json_array();

	json_object_set_new(d, "scope",
			    json_string(o->datasets && o->local_dirs.nr
						? "datasets+local-dir"
					: o->datasets ? "datasets"
						      : "local-dir"));
	for (size_t i = 0; i < r->nr; i++)
		json_array_append_new(roots,
				      json_string_lossy(r->areas[i].root));
	json_object_set_new(d, "roots", roots);
	json_object_set_new(d, "dry_run", json_boolean(o->dry_run));
	json_object_set_new(d, "older_than_seconds",
			    json_integer(o->older_than));
	json_object_set_new(d, "grace_ms",
			    json_integer((json_int_t)s->opts.grace_ms));
	json_object_set_new(d, "folders_scanned",
			    json_integer((json_int_t)hl->folders));
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
	json_object_set_new(d, "gone",
			    json_integer((json_int_t)s->count[LOCK_GONE]));
	json_object_set_new(
		d, "unreadable_folders",
		json_string_array(hl->unreadable.items, hl->unreadable.nr));
	if (r->files)
		json_object_set_new(d, "files", json_incref(r->files));
	return d;
}

int clean_locks_home(struct mlxk_ctx *ctx, const struct cl_home_opts *o)
{
	struct strbuf err = STRBUF_INIT, ds = STRBUF_INIT, mods = STRBUF_INIT;
	struct lock_sweep_opts so = { 0 };
	struct home_locks hl = { 0 };
	struct run r = { .o = o };
	struct lock_sweep s;
	int ret = EXIT_OK;

	r.areas = xcalloc(o->local_dirs.nr + 1, sizeof(*r.areas));
	if (o->datasets) {
		home_datasets_root(ctx->datasets_dir, &ds);
		home_modules_root(&mods);
		if (!o->json)
			cmd_hint_missing_area(
				"datasets cache", ds.buf,
				home_datasets_source(ctx->datasets_dir),
				"--datasets-dir");
		r.areas[r.nr].prefix = "";
		r.areas[r.nr++].root = xstrdup(ds.buf);
	}
	for (size_t i = 0; i < o->local_dirs.nr; i++) {
		const char *dir = o->local_dirs.items[i];
		size_t n = strlen(dir);

		r.areas[r.nr].is_local_dir = true;
		r.areas[r.nr].root = xstrdup(dir);
		r.areas[r.nr++].prefix = n && dir[n - 1] == '/'
						 ? xstrdup(dir)
						 : xasprintf("%s/", dir);
	}
	so.older_than = (time_t)o->older_than;
	so.grace_ms = lock_grace_default_ms();
	so.stop = &mlxk_interrupted;
	cmd_catch_interrupts();
	/* On a terminal, count first (a dry run) and ask; lock files hold
	 * no data, so without one it goes ahead. */
	if (cmd_delete_policy(o->force, o->dry_run, o->json, true, false) ==
	    CMD_ASK) {
		struct lock_sweep_opts dry = so;
		bool yes;

		dry.dry_run = true;
		dry.forget_removed = true;
		lock_sweep_init(&s, &dry);
		if (sweep_areas(&r, &s, &hl, mods.len ? mods.buf : NULL, &err) <
		    0) {
			lock_sweep_release(&s);
			ret = cmd_fail("clean-locks", false, NULL,
				       "clean_locks_failed", err.buf);
			goto out;
		}
		if (!s.count[LOCK_REMOVED]) {
			lock_sweep_release(&s);
			home_locks_release(&hl);
			memset(&hl, 0, sizeof(hl));
			goto run;
		}
		yes = cmd_locks_confirm(&s, hl.folders);
		lock_sweep_release(&s);
		home_locks_release(&hl);
		memset(&hl, 0, sizeof(hl));
		if (!yes) {
			ret = EXIT_FAIL; /* "no" is not success, as in hf */
			goto out;
		}
	}
run:
	so.dry_run = o->dry_run;
	/* Only what stays is kept in memory; -v streams the rest. */
	so.forget_removed = true;
	if (o->verbose) {
		if (o->json)
			r.files = json_array();
		so.on_item = print_item;
		so.on_item_arg = &r;
	}
	lock_sweep_init(&s, &so);
	if (sweep_areas(&r, &s, &hl, mods.len ? mods.buf : NULL, &err) < 0) {
		lock_sweep_release(&s);
		ret = cmd_fail("clean-locks", o->json, NULL,
			       "clean_locks_failed", err.buf);
		goto out;
	}
	if (o->json)
		json_print_success("clean-locks", report_json(&r, &s, &hl));
	else
		print_human(o, &s, &hl);
	if (s.count[LOCK_KEPT_ERROR])
		ret = EXIT_FAIL;
	lock_sweep_release(&s);
	if (stop_requested(&mlxk_interrupted))
		ret = EXIT_INTERRUPTED;
out:
	for (size_t i = 0; i < r.nr; i++) {
		free(r.areas[i].root);
		if (r.areas[i].is_local_dir)
			free((char *)r.areas[i].prefix);
	}
	free(r.areas);
	json_decref(r.files);
	home_locks_release(&hl);
	strbuf_release(&err);
	strbuf_release(&ds);
	strbuf_release(&mods);
	return ret;
}
