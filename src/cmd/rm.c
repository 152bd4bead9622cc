/*
 * mlxk rm: delete a cached model or one of its revisions, with its lock
 * files, without disturbing a download in progress (core/delete.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "maint/delete.h"
#include "cache/repo.h"
#include "util/humanize.h"
#include "util/jsonout.h"
#include "util/msg.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

struct rm_opts {
	const char *spec;
	bool force, dry_run, json;
};

static json_t *base_data(const char *model, const char *action,
			 const char *message)
{
	json_t *d = json_object();

	json_object_set_new(d, "model",
			    model ? json_string_lossy(model) : json_null());
	json_object_set_new(d, "action", json_string(action));
	json_object_set_new(d, "message", json_string_lossy(message));
	json_object_set_new(d, "requires_confirmation", json_false());
	json_object_set_new(d, "matches", json_array());
	json_object_set_new(d, "lock_files_cleaned", json_integer(0));
	return d;
}

static json_t *strlist_json(const struct strlist *l)
{
	return json_string_array(l->items, l->nr);
}

static int fail(const struct rm_opts *o, json_t *data, const char *type,
		const char *msg, json_t *extra)
{
	if (o->json) {
		json_print_error("rm", data, type, msg, extra);
	} else {
		error("%s", msg);
		json_decref(data);
		json_decref(extra);
	}
	return EXIT_FAIL;
}

/* One line per entry that goes (or is kept), for --dry-run and prompts. */
static void print_entries(FILE *f, const struct delete_plan *p)
{
	struct strbuf sz = STRBUF_INIT;

	for (size_t i = 0; i < p->nr; i++) {
		const struct delete_entry *e = &p->entries[i];
		const char *tail = e->path + strlen(e->path);

		/* the bare "snapshots" and "blobs" folders are bookkeeping */
		if ((e->kind == DEL_SNAPSHOT || e->kind == DEL_OTHER) &&
		    ((tail - e->path > 10 &&
		      !strcmp(tail - 10, "/snapshots")) ||
		     (tail - e->path > 6 && !strcmp(tail - 6, "/blobs"))))
			continue;
		strbuf_reset(&sz);
		human_size(&sz, e->bytes);
		fprintf(f, "  %-10s %8s  %s%s\n", delete_kind_name(e->kind),
			sz.buf, cmd_shown(e->path),
			e->state == DEL_BUSY ? "  (kept: lock held)" : "");
	}
	strbuf_release(&sz);
}

static void describe(FILE *f, const struct delete_plan *p,
		     const struct resolved *res, const char *spec)
{
	struct strbuf sz = STRBUF_INIT;

	human_size(&sz, p->bytes);
	if (res->fuzzy)
		fprintf(f, "'%s' matched %s\n", cmd_shown(spec),
			cmd_shown(res->name));
	if (p->repo_is_symlink)
		fprintf(f,
			"%s is a symbolic link to '%s': only the link is "
			"removed, its target stays\n",
			cmd_shown(p->folder), cmd_shown(p->link_target));
	if (p->whole_repo)
		fprintf(f, "Model:      %s (entire model)\n",
			cmd_shown(p->name));
	else
		fprintf(f, "Model:      %s, revision %s\n", cmd_shown(p->name),
			cmd_shown(p->commit));
	fprintf(f, "Revisions:  ");
	for (size_t i = 0; i < p->revisions.nr; i++)
		fprintf(f, "%s%s", i ? ", " : "",
			cmd_shown(p->revisions.items[i]));
	fprintf(f, "%s\n", p->revisions.nr ? "" : "(none)");
	if (p->refs.nr) {
		fprintf(f, "Refs:       ");
		for (size_t i = 0; i < p->refs.nr; i++)
			fprintf(f, "%s%s", i ? ", " : "",
				cmd_shown(p->refs.items[i]));
		fprintf(f, "\n");
	}
	fprintf(f, "Frees:      %s (%llu bytes)\n", sz.buf,
		(unsigned long long)p->bytes);
	fprintf(f, "Lock files: %zu to clean\n", p->nr_locks);
	for (size_t i = 0; i < p->held_locks.nr; i++) {
		const char *note =
			i < p->held_notes.nr ? p->held_notes.items[i] : "";
		if (*note)
			fprintf(f,
				"Busy:       %s (%s): kept with what it "
				"protects\n",
				cmd_shown(p->held_locks.items[i]),
				cmd_shown(note));
		else
			fprintf(f,
				"Busy:       %s is held by another process: "
				"kept with what it protects\n",
				cmd_shown(p->held_locks.items[i]));
	}
	strbuf_release(&sz);
}

static json_t *entries_json(const struct delete_plan *p)
{
	json_t *a = json_array();

	for (size_t i = 0; i < p->nr; i++) {
		const struct delete_entry *e = &p->entries[i];
		json_t *o = json_object();
		static const char *const st[] = { "planned", "deleted", "kept",
						  "failed", "skipped" };

		json_object_set_new(o, "path", json_string_lossy(e->path));
		json_object_set_new(o, "kind",
				    json_string(delete_kind_name(e->kind)));
		json_object_set_new(o, "bytes",
				    json_integer((json_int_t)e->bytes));
		json_object_set_new(o, "state", json_string(st[e->state]));
		if (e->error)
			json_object_set_new(o, "error",
					    json_string_lossy(e->error));
		json_array_append_new(a, o);
	}
	return a;
}

static void add_plan_fields(json_t *d, const struct delete_plan *p,
			    const char *commit)
{
	json_object_set_new(d, "locks_detected",
			    json_boolean(p->held_locks.nr > 0));
	json_object_set_new(d, "lock_files", strlist_json(&p->held_locks));
	{
		/* Why a lock this user cannot open counts as held. */
		json_t *notes = json_object();

		for (size_t i = 0; i < p->held_locks.nr && i < p->held_notes.nr;
		     i++)
			if (*p->held_notes.items[i])
				json_object_set_new(
					notes, p->held_locks.items[i],
					json_string(p->held_notes.items[i]));
		json_object_set_new(d, "lock_notes", notes);
	}
	json_object_set_new(d, "commit_hash",
			    commit ? json_string(commit) : json_null());
	json_object_set_new(d, "revisions", strlist_json(&p->revisions));
	json_object_set_new(d, "refs", strlist_json(&p->refs));
	if (p->repo_is_symlink)
		json_object_set_new(d, "link_target",
				    json_string_lossy(p->link_target));
}

/* The resolved revision's full commit, or NULL for the whole model. */
static int find_commit(struct cache *c, const struct resolved *res,
		       char **commit, struct strbuf *err)
{
	struct repo r;
	struct repo_rev *rev;
	int ret = 0;

	*commit = NULL;
	if (!res->rev)
		return 0;
	if (repo_open(c, res->folder, &r, err) < 0 ||
	    repo_find_rev(&r, res->rev, &rev, err) < 0)
		ret = -1;
	else
		*commit = xstrdup(rev->commit);
	repo_close(&r);
	return ret;
}

static json_t *available_hashes(struct cache *c, const char *folder)
{
	json_t *a = json_array();
	struct strbuf err = STRBUF_INIT;
	struct repo r;

	if (repo_open(c, folder, &r, &err) == 0)
		for (size_t i = 0; i < r.nr_revs; i++)
			json_array_append_new(
				a, json_stringn(r.revs[i].commit,
						strnlen(r.revs[i].commit, 8)));
	repo_close(&r);
	strbuf_release(&err);
	return a;
}

/* A guessed name with nobody to confirm it (cmd_delete_policy). */
static int refuse_guess(const struct rm_opts *o, const char *spec,
			const struct resolved *res)
{
	char *what = xasprintf("%s, guessed from '%s',", res->name, spec);
	char *retry = xasprintf("name it in full ('mlxk rm %s%s%s') or add "
				"--force",
				res->name, res->rev ? "@" : "",
				res->rev ? res->rev : "");
	int ret = cmd_refuse_unasked("rm", o->json, NULL, what, retry);

	free(what);
	free(retry);
	return ret;
}

static int report_locks_present(const struct rm_opts *o,
				const struct delete_plan *p,
				const struct resolved *res, const char *commit)
{
	struct strbuf msg = STRBUF_INIT;
	json_t *d;
	int ret;

	size_t unsure = 0;

	/* A lock this user cannot open only may be held (fail closed). */
	for (size_t i = 0; i < p->held_locks.nr; i++)
		if (i < p->held_notes.nr && *p->held_notes.items[i])
			unsure++;
	strbuf_addf(&msg,
		    "%s %s a download in progress: %zu lock file%s held (",
		    res->name,
		    unsure && unsure == p->held_locks.nr ? "may have" : "has",
		    p->held_locks.nr, p->held_locks.nr == 1 ? " is" : "s are");
	for (size_t i = 0; i < p->held_locks.nr; i++) {
		strbuf_addf(&msg, "%s%s", i ? ", " : "",
			    p->held_locks.items[i]);
		if (i < p->held_notes.nr && *p->held_notes.items[i])
			strbuf_addf(&msg, ": %s", p->held_notes.items[i]);
	}
	strbuf_addstr(&msg, "); --force removes the rest");
	d = base_data(res->name, commit ? "delete_hash" : "delete_model",
		      msg.buf);
	add_plan_fields(d, p, commit);
	ret = fail(o, d, "locks_present", msg.buf, NULL);
	strbuf_release(&msg);
	return ret;
}

static void success_message(struct strbuf *msg, const struct delete_plan *p,
			    bool dry)
{
	struct strbuf sz = STRBUF_INIT;

	human_size(&sz, dry ? p->bytes : p->bytes_freed);
	if (p->repo_is_symlink)
		strbuf_addf(msg,
			    "%s %s: removed the symbolic link %s; its target "
			    "'%s' was left in place",
			    dry ? "Would delete" : "Deleted", p->name,
			    p->folder, p->link_target);
	else if (p->whole_repo && (dry || p->repo_removed))
		strbuf_addf(msg, "%s entire model %s",
			    dry ? "Would delete" : "Deleted", p->name);
	else if (p->whole_repo)
		strbuf_addf(msg, "Deleted %s except what is in use", p->name);
	else
		strbuf_addf(msg, "%s %s@%s", dry ? "Would delete" : "Deleted",
			    p->name, p->commit);
	strbuf_addf(msg, " (%s %s, %zu lock file%s %s)", sz.buf,
		    dry ? "would be freed" : "freed",
		    dry ? p->nr_locks : p->locks_removed,
		    (dry ? p->nr_locks : p->locks_removed) == 1 ? "" : "s",
		    dry ? "to clean" : "cleaned");
	strbuf_release(&sz);
}

static int run(const struct rm_opts *o, struct cache *c,
	       const struct resolved *res)
{
	struct strbuf err = STRBUF_INIT, msg = STRBUF_INIT;
	struct delete_plan p;
	struct delete_opts dopts = { 0 };
	char *commit = NULL;
	json_t *d;
	int ret = EXIT_OK;
	enum delete_outcome r;

	memset(&p, 0, sizeof(p));
	if (find_commit(c, res, &commit, &err) < 0) {
		ret = fail(o, NULL, "hash_not_found", err.buf,
			   json_pack("{s:o}", "available_hashes",
				     available_hashes(c, res->folder)));
		goto out;
	}
	r = commit ? delete_plan_revision(c, res->folder, commit, &p, &err)
		   : delete_plan_repo(c, res->folder, &p, &err);
	if (r < 0) {
		ret = fail(o, NULL, "deletion_failed", err.buf, NULL);
		goto out;
	}
	if (p.held_locks.nr && !o->force) {
		ret = report_locks_present(o, &p, res, commit);
		goto out;
	}
	if (o->dry_run) {
		success_message(&msg, &p, true);
		if (o->json) {
			d = base_data(res->name, "dry_run", msg.buf);
			json_object_set_new(d, "dry_run", json_true());
			add_plan_fields(d, &p, commit);
			json_object_set_new(d, "bytes_freed",
					    json_integer((json_int_t)p.bytes));
			json_object_set_new(d, "entries", entries_json(&p));
			json_print_success("rm", d);
		} else {
			describe(stdout, &p, res, o->spec);
			printf("Would remove:\n");
			print_entries(stdout, &p);
			printf("%s\n", cmd_shown(msg.buf));
		}
		goto out;
	}
	if (cmd_delete_policy(o->force, o->dry_run, o->json, true,
			      res->fuzzy) == CMD_ASK) {
		bool yes;

		describe(stderr, &p, res, o->spec);
		strbuf_addf(&msg, "Delete %s%s%s?", res->name,
			    commit ? "@" : "", commit ? commit : "");
		yes = cmd_confirm(msg.buf, false);
		strbuf_reset(&msg);
		if (!yes) {
			/* "no" is not success, as in hf: exit 1 */
			fprintf(stderr, "Cancelled: nothing was deleted.\n");
			ret = EXIT_FAIL;
			goto out;
		}
	}
	cmd_catch_interrupts();
	dopts.force = o->force;
	dopts.stop = &mlxk_interrupted;
	r = delete_execute(c, &p, &dopts, &err);
	cmd_warn_escorts(&p.escort_given_up);
	if (r == DELETE_BUSY) {
		ret = report_locks_present(o, &p, res, commit);
		goto out;
	}
	if (r == DELETE_FAILED) {
		bool perm = false;

		for (size_t i = 0; i < p.nr; i++)
			if (p.entries[i].state == DEL_FAILED &&
			    (p.entries[i].err == EACCES ||
			     p.entries[i].err == EPERM))
				perm = true;
		d = base_data(res->name, "failed", err.buf);
		add_plan_fields(d, &p, commit);
		json_object_set_new(d, "entries", entries_json(&p));
		ret = fail(o, d, perm ? "permission_denied" : "deletion_failed",
			   err.buf, NULL);
		if (stop_requested(&mlxk_interrupted))
			ret = EXIT_INTERRUPTED;
		goto out;
	}
	success_message(&msg, &p, false);
	if (o->json) {
		json_t *kept = json_array();

		for (size_t i = 0; i < p.nr; i++)
			if (p.entries[i].state == DEL_BUSY)
				json_array_append_new(
					kept,
					json_string_lossy(p.entries[i].path));
		d = base_data(res->name, "deleted", msg.buf);
		json_object_set_new(d, "lock_files_cleaned",
				    json_integer((json_int_t)p.locks_removed));
		add_plan_fields(d, &p, commit);
		json_object_set_new(d, "bytes_freed",
				    json_integer((json_int_t)p.bytes_freed));
		json_object_set_new(d, "kept", kept);
		json_print_success("rm", d);
	} else {
		bool notes = false;

		printf("%s\n", cmd_shown(msg.buf));
		for (size_t i = 0; i < p.held_notes.nr; i++)
			notes = notes || *p.held_notes.items[i];
		for (size_t i = 0; i < p.nr; i++)
			if (p.entries[i].state == DEL_BUSY)
				printf("Kept (%s): %s\n",
				       notes ? "its lock is held, or cannot be "
					       "opened by you"
					     : "lock held by another process",
				       cmd_shown(p.entries[i].path));
		for (size_t i = 0; i < p.held_locks.nr; i++)
			if (i < p.held_notes.nr && *p.held_notes.items[i])
				printf("  %s: %s\n",
				       cmd_shown(p.held_locks.items[i]),
				       cmd_shown(p.held_notes.items[i]));
	}
out:
	delete_plan_release(&p);
	free(commit);
	strbuf_release(&err);
	strbuf_release(&msg);
	return ret;
}

/* One of several targets: resolved, then planned, before anything goes. */
struct target {
	const char *spec;
	struct resolved res;
	char *commit;
	struct delete_plan plan;
	bool skip; /* covered by a whole-repo target of the same model */
};

static json_t *target_json(const struct target *t, const char *action,
			   const char *msg, bool dry)
{
	json_t *d = base_data(t->res.name, action, msg);

	add_plan_fields(d, &t->plan, t->commit);
	json_object_set_new(
		d, "lock_files_cleaned",
		json_integer((json_int_t)(dry ? 0 : t->plan.locks_removed)));
	json_object_set_new(
		d, "bytes_freed",
		json_integer((json_int_t)(dry ? t->plan.bytes
					      : t->plan.bytes_freed)));
	return d;
}

/*
 * rm A B@rev C: every target is resolved and planned first; one failure
 * stops it all before anything is deleted. One question for all of them.
 */
static int run_many(const struct rm_opts *o, struct cache *c, char **specs,
		    size_t n)
{
	struct target *t = xcalloc(n, sizeof(*t));
	struct strbuf err = STRBUF_INIT, msg = STRBUF_INIT;
	json_t *list = json_array();
	uint64_t bytes = 0;
	size_t locks = 0, count = 0;
	int ret = EXIT_OK;
	size_t done = 0;
	bool guessed = false;

	for (done = 0; done < n; done++) {
		struct target *x = &t[done];

		x->spec = specs[done];
		if (resolve_model(c, x->spec, &x->res) < 0) {
			done++;
			ret = x->res.status == RESOLVE_INVALID
				      ? cmd_usage_error(&cmd_rm_entry, o->json,
							"%s",
							x->res.message.buf)
			      : x->res.status == RESOLVE_NOT_FOUND
				      ? cmd_model_not_found(
						"rm", o->json, c, x->res.base,
						"model_not_found", NULL)
				      : fail(o, NULL,
					     x->res.status == RESOLVE_AMBIGUOUS
						     ? "ambiguous_match"
						     : "hash_not_found",
					     x->res.message.buf, NULL);
			goto out;
		}
		guessed = guessed || x->res.fuzzy;
		if (x->res.fuzzy &&
		    cmd_delete_policy(o->force, o->dry_run, o->json, true,
				      true) == CMD_REFUSE) {
			done++;
			ret = refuse_guess(o, x->spec, &x->res);
			goto out;
		}
		if (find_commit(c, &x->res, &x->commit, &err) < 0) {
			done++;
			ret = fail(o, NULL, "hash_not_found", err.buf, NULL);
			goto out;
		}
	}
	/* A whole model covers its revisions and itself named twice. */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n && !t[i].skip; j++) {
			bool same_folder = i != j && !strcmp(t[i].res.folder,
							     t[j].res.folder);

			if (!same_folder)
				continue;
			if (!t[j].commit && (t[i].commit || j < i))
				t[i].skip = true; /* the model goes whole */
			else if (j < i && t[i].commit && t[j].commit &&
				 !strcmp(t[i].commit, t[j].commit))
				t[i].skip = true; /* named twice */
		}
	for (size_t i = 0; i < n; i++) {
		enum delete_outcome r;

		if (t[i].skip)
			continue;
		r = t[i].commit ? delete_plan_revision(c, t[i].res.folder,
						       t[i].commit, &t[i].plan,
						       &err)
				: delete_plan_repo(c, t[i].res.folder,
						   &t[i].plan, &err);
		if (r < 0) {
			ret = fail(o, NULL, "deletion_failed", err.buf, NULL);
			goto out;
		}
		if (t[i].plan.held_locks.nr && !o->force) {
			ret = report_locks_present(o, &t[i].plan, &t[i].res,
						   t[i].commit);
			goto out;
		}
		bytes += t[i].plan.bytes;
		locks += t[i].plan.nr_locks;
		count++;
	}
	if (o->dry_run || cmd_delete_policy(o->force, o->dry_run, o->json,
					    count > 0, guessed) == CMD_ASK) {
		FILE *f = o->dry_run ? stdout : stderr;
		struct strbuf sz = STRBUF_INIT;

		human_size(&sz, bytes);
		for (size_t i = 0; i < n && !o->json; i++) {
			if (t[i].skip)
				continue;
			describe(f, &t[i].plan, &t[i].res, t[i].spec);
			if (o->dry_run) {
				printf("Would remove:\n");
				print_entries(stdout, &t[i].plan);
			}
			fprintf(f, "\n");
		}
		strbuf_addf(&msg,
			    "%zu target%s, %s (%llu bytes), %zu lock file%s",
			    count, count == 1 ? "" : "s", sz.buf,
			    (unsigned long long)bytes, locks,
			    locks == 1 ? "" : "s");
		strbuf_release(&sz);
		if (o->dry_run) {
			if (o->json) {
				json_t *d = base_data(NULL, "dry_run", msg.buf);

				for (size_t i = 0; i < n; i++) {
					struct strbuf m = STRBUF_INIT;

					if (t[i].skip)
						continue;
					success_message(&m, &t[i].plan, true);
					json_array_append_new(
						list,
						target_json(&t[i], "dry_run",
							    m.buf, true));
					strbuf_release(&m);
				}
				json_object_set_new(d, "dry_run", json_true());
				json_object_set_new(
					d, "bytes_freed",
					json_integer((json_int_t)bytes));
				json_object_set_new(d, "targets", list);
				list = NULL;
				json_print_success("rm", d);
			} else {
				printf("Would delete %s\n", msg.buf);
			}
			goto out;
		}
		strbuf_reset(&err);
		strbuf_addf(&err, "Delete %s?", msg.buf);
		if (!cmd_confirm(err.buf, false)) {
			fprintf(stderr, "Cancelled: nothing was deleted.\n");
			ret = EXIT_FAIL;
			goto out;
		}
	}
	cmd_catch_interrupts();
	bytes = 0;
	locks = 0;
	for (size_t i = 0; i < n; i++) {
		struct delete_opts dopts = { 0 };
		struct strbuf m = STRBUF_INIT;
		enum delete_outcome r;

		if (t[i].skip)
			continue;
		dopts.force = o->force;
		dopts.stop = &mlxk_interrupted;
		r = delete_execute(c, &t[i].plan, &dopts, &err);
		if (r == DELETE_BUSY) {
			ret = report_locks_present(o, &t[i].plan, &t[i].res,
						   t[i].commit);
			break;
		}
		if (r == DELETE_FAILED) {
			ret = fail(o, NULL, "deletion_failed", err.buf, NULL);
			if (stop_requested(&mlxk_interrupted))
				ret = EXIT_INTERRUPTED;
			break;
		}
		success_message(&m, &t[i].plan, false);
		bytes += t[i].plan.bytes_freed;
		locks += t[i].plan.locks_removed;
		if (o->json)
			json_array_append_new(
				list,
				target_json(&t[i], "deleted", m.buf, false));
		else
			printf("%s\n", m.buf);
		strbuf_release(&m);
	}
	if (o->json && ret == EXIT_OK) {
		json_t *d;

		strbuf_reset(&err);
		human_size(&err, bytes);
		strbuf_reset(&msg);
		strbuf_addf(&msg, "Deleted %zu targets (%s freed)", count,
			    err.buf);
		d = base_data(NULL, "deleted", msg.buf);
		json_object_set_new(d, "lock_files_cleaned",
				    json_integer((json_int_t)locks));
		json_object_set_new(d, "bytes_freed",
				    json_integer((json_int_t)bytes));
		json_object_set_new(d, "targets", list);
		list = NULL;
		json_print_success("rm", d);
	}
out:
	for (size_t i = 0; i < done; i++) {
		resolved_release(&t[i].res);
		free(t[i].commit);
		delete_plan_release(&t[i].plan);
	}
	free(t);
	json_decref(list);
	strbuf_release(&err);
	strbuf_release(&msg);
	return ret;
}

static int cmd_rm_exec(int argc, char **argv, struct mlxk_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct rm_opts o = { .json = ctx->json };
	struct resolved res;
	struct cache c;
	int ch, ret;

	o.json = cmd_json_requested(argc, argv, o.json);
	while ((ch = getopt_long(argc, argv, "f", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			o.force = true;
			break;
		case 'n':
			o.dry_run = true;
			break;
		case 'j':
			o.json = true;
			break;
		default:
			return cmd_option_error(&cmd_rm_entry, o.json, argv,
						longopts);
		}
	}
	if (argc - optind < 1)
		return cmd_usage_error(&cmd_rm_entry, o.json, "missing MODEL");
	o.spec = argv[optind];
	if (cmd_open_cache(ctx, "rm", o.json, &c) < 0)
		return EXIT_FAIL;
	if (c.fd < 0) {
		/* MLX-Knife's type for a missing cache; our one message. */
		ret = cmd_model_not_found("rm", o.json, &c, o.spec,
					  "cache_not_found", NULL);
		cache_close(&c);
		return ret;
	}
	if (argc - optind > 1) {
		ret = run_many(&o, &c, argv + optind, (size_t)(argc - optind));
		cache_close(&c);
		return ret;
	}
	if (resolve_model(&c, o.spec, &res) < 0) {
		json_t *d;

		switch (res.status) {
		case RESOLVE_INVALID:
			ret = cmd_usage_error(&cmd_rm_entry, o.json, "%s",
					      res.message.buf);
			break;
		case RESOLVE_AMBIGUOUS:
			d = base_data(NULL, "ambiguous", res.message.buf);
			json_object_set_new(d, "matches",
					    strlist_json(&res.matches));
			ret = fail(&o, d, "ambiguous_match", res.message.buf,
				   json_pack("{s:o}", "matches",
					     strlist_json(&res.matches)));
			break;
		case RESOLVE_NO_REV:
			ret = fail(&o, NULL, "hash_not_found", res.message.buf,
				   json_pack("{s:o}", "available_hashes",
					     available_hashes(&c, res.folder)));
			break;
		default:
			ret = cmd_model_not_found("rm", o.json, &c, res.base,
						  "model_not_found", NULL);
		}
		goto out;
	}
	if (res.fuzzy && cmd_delete_policy(o.force, o.dry_run, o.json, true,
					   true) == CMD_REFUSE) {
		if (o.json) {
			/* MLX-Knife's answer: success, nothing deleted. */
			struct strbuf m = STRBUF_INIT;
			json_t *d;

			strbuf_addf(&m, "Would delete '%s' (matched from '%s')",
				    res.name, o.spec);
			d = base_data(res.name, "requires_confirmation", m.buf);
			json_object_set_new(d, "requires_confirmation",
					    json_true());
			json_object_set_new(d, "matches",
					    json_string_array(&res.name, 1));
			json_print_success("rm", d);
			strbuf_release(&m);
			ret = EXIT_OK;
		} else {
			ret = refuse_guess(&o, o.spec, &res);
		}
		goto out;
	}
	ret = run(&o, &c, &res);
out:
	resolved_release(&res);
	cache_close(&c);
	return ret;
}

const struct cmd_entry cmd_rm_entry = {
	.name = "rm",
	.summary = "delete a model or one revision, with its lock files",
	.usage = "rm MODEL[@REV]... [-f|--force] [--dry-run] [--json]",
	.help = "Delete a cached model (the whole repo folder and its lock "
		"folder\n"
		".locks/models--ORG--NAME/) or, with @REV, one revision: its "
		"snapshot,\n"
		"the refs that name it, its .no_exist and trees entries and "
		"the "
		"blobs\n"
		"no other revision uses. Refs go first, then snapshots, then "
		"blobs.\n"
		"\n"
		"MODEL is 'org/name', a short name of mlx-community, or a "
		"unique part\n"
		"of a name. REV is a ref name or a commit-hash prefix. With\n"
		"several targets every one is resolved and planned before "
		"anything\n"
		"goes (one that fails stops them all) and one question covers "
		"them.\n"
		"\n"
		"A download in progress is respected: if another process holds "
		"a blob\n"
		"lock of the model, rm refuses. Lock files that merely exist "
		"do not\n"
		"count. On a terminal rm shows what will go and asks first; "
		"without a\n"
		"terminal exact names proceed and guessed names are refused "
		"(exit 2).\n"
		"\n"
		"options:\n"
		"  -f, --force  do not ask; delete what is not in use and keep "
		"blobs,\n"
		"               downloads and lock files another process "
		"holds\n"
		"  --dry-run    show what would be removed and the bytes "
		"freed;\n"
		"               change nothing\n"
		"  --json       print MLX-Knife's JSON envelope (never "
		"prompts: a\n"
		"               guessed name answers requires_confirmation)\n"
		"\n"
		"examples:\n"
		"  mlxk rm org/old-model --dry-run\n"
		"  mlxk rm org/a org/b@1a2b3c4 mlx-community/c-4bit\n",
	.exec = cmd_rm_exec,
};
