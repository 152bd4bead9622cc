/*
 * mlxk health --verify / --cache / --cache --fix-permissions: the cache
 * doctor. health.c parses the options and calls health_doctor_run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "maint/doctor.h"
#include "maint/perms.h"
#include "cache/repo.h"
#include "cache/resolve.h"
#include "maint/verify.h"
#include "util/fsutil.h"
#include "util/humanize.h"
#include "util/jsonout.h"
#include "util/msg.h"
#include "util/progress.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Items shown per category in human output before "... and N more". */
#define SHOW_LIMIT 20

/* The revisions --verify looks at, with the repos they belong to. */
struct verify_set {
	struct repo *repos;
	size_t nr_repos;
	struct verify_target *targets;
	size_t nr_targets;
	struct strlist no_rev; /* models without any snapshot */
};

static void verify_set_release(struct verify_set *s)
{
	for (size_t i = 0; i < s->nr_targets; i++)
		verify_target_release(&s->targets[i]);
	for (size_t i = 0; i < s->nr_repos; i++)
		repo_close(&s->repos[i]);
	free(s->targets);
	free(s->repos);
	strlist_clear(&s->no_rev);
}

/*
 * Pick the revisions: every model's current revision, or the one spec
 * names (MODEL: its current revision; MODEL@REV: that revision).
 */
static int select_targets(struct cache *c, const char *spec,
			  struct verify_set *s, bool json)
{
	/* Returns 0, or the exit code after reporting the error. */
	struct strlist folders = STRLIST_INIT;
	struct strbuf err = STRBUF_INIT;
	struct resolved res;
	const char *rev_spec = NULL;
	int ret = EXIT_FAIL;

	memset(&res, 0, sizeof(res));
	memset(s, 0, sizeof(*s));
	if (spec) {
		if (resolve_model(c, spec, &res) < 0) {
			ret = cmd_resolve_failed(&cmd_health_entry, json, c,
						 spec, &res, NULL);
			goto out;
		}
		strlist_push(&folders, res.folder);
		rev_spec = res.rev;
	} else if (cache_model_folders(c, &folders, &err) < 0) {
		if (json)
			json_print_error("health", NULL, "health_check_failed",
					 err.buf, NULL);
		else
			error("%s", err.buf);
		goto out;
	}
	s->repos = xcalloc(folders.nr ? folders.nr : 1, sizeof(*s->repos));
	s->targets = xcalloc(folders.nr ? folders.nr : 1, sizeof(*s->targets));
	for (size_t i = 0; i < folders.nr; i++) {
		struct repo *r = &s->repos[s->nr_repos];
		struct repo_rev *rev = NULL;

		strbuf_reset(&err);
		if (repo_open(c, folders.items[i], r, &err) < 0) {
			repo_close(r);
			strlist_push(&s->no_rev, folders.items[i]);
			continue;
		}
		s->nr_repos++;
		if (rev_spec) {
			if (repo_find_rev(r, rev_spec, &rev, &err) < 0) {
				if (json)
					json_print_error("health", NULL,
							 "hash_not_found",
							 err.buf, NULL);
				else
					error("%s", err.buf);
				goto out;
			}
		} else {
			rev = repo_current(r);
		}
		if (!rev) {
			strlist_push(&s->no_rev, r->name);
			repo_release_fds(r);
			continue;
		}
		verify_target_init(&s->targets[s->nr_targets++], r, rev);
		/* Hundreds of repos must not need three descriptors each. */
		repo_release_fds(r);
	}
	ret = 0;
out:
	resolved_release(&res);
	strlist_clear(&folders);
	strbuf_release(&err);
	return ret;
}

static void show_progress(const struct verify_progress *vp, void *arg)
{
	struct progress *p = arg;
	struct progress_state st;

	st.done = vp->bytes_done;
	st.total = vp->bytes_total;
	st.net = vp->bytes_done;
	st.files_done = vp->files_done;
	st.files_total = vp->files_total;
	st.file = NULL;
	progress_draw(p, &st, false);
}

static bool target_healthy(const struct verify_target *t)
{
	return !t->nr_corrupt && !t->nr_unreadable && !t->load_error;
}

/* A shell word: s in single quotes. */
static void add_quoted(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '\'');
	for (; *s; s++)
		if (*s == '\'')
			strbuf_addstr(sb, "'\\''");
		else
			strbuf_addch(sb, *s);
	strbuf_addch(sb, '\'');
}

/*
 * What clears a damaged revision, or NULL. pull trusts a blob that is
 * there (its name is its hash), so a corrupted one goes first; pull then
 * fetches it again, for every revision that links it.
 */
static char *verify_next(const struct verify_target *t)
{
	struct strbuf sb = STRBUF_INIT;
	const char *ref = t->rev->refs.nr ? t->rev->refs.items[0] : NULL;

	if (!t->nr_corrupt && !t->load_error)
		return NULL;
	for (size_t j = 0; j < t->nr_files; j++) {
		const struct verify_file *f = &t->files[j];
		char *blob;

		if (f->status != VERIFY_CORRUPT || !*f->expected)
			continue;
		strbuf_addstr(&sb, sb.len ? " " : "rm ");
		blob = xasprintf("%s/%s/blobs/%s", t->repo->cache->root,
				 t->repo->folder, f->expected);
		add_quoted(&sb, blob);
		free(blob);
	}
	if (sb.len)
		strbuf_addstr(&sb, " && ");
	strbuf_addf(&sb, "mlxk pull --force-resume %s", t->repo->name);
	if (!ref || strcmp(ref, "main"))
		strbuf_addf(&sb, "@%s", ref ? ref : t->rev->commit);
	return strbuf_detach(&sb, NULL);
}

/* For a model without a snapshot: listed by name, or by folder when
 * it could not be opened. */
static char *no_rev_next(const char *item)
{
	char *name = strncmp(item, "models--", 8) ? NULL
						  : cache_folder_to_name(item);
	char *next =
		xasprintf("mlxk pull --force-resume %s", name ? name : item);

	free(name);
	return next;
}

static json_t *verify_json(const struct verify_set *s,
			   const struct verify_stats *st)
{
	json_t *out = json_object(), *models = json_array(),
	       *sum = json_object();
	size_t healthy = 0, total = s->nr_targets + s->no_rev.nr;

	for (size_t i = 0; i < s->nr_targets; i++) {
		const struct verify_target *t = &s->targets[i];
		json_t *m = json_object(), *cor = json_array(),
		       *unv = json_array(), *unr = json_array();

		for (size_t j = 0; j < t->nr_files; j++) {
			const struct verify_file *f = &t->files[j];
			json_t *o;

			switch (f->status) {
			case VERIFY_CORRUPT:
				o = json_object();
				json_object_set_new(o, "path",
						    json_string_lossy(f->path));
				json_object_set_new(o, "expected",
						    json_string(f->expected));
				json_object_set_new(o, "actual",
						    json_string(f->actual));
				json_array_append_new(cor, o);
				break;
			case VERIFY_UNVERIFIABLE:
				json_array_append_new(
					unv, json_string_lossy(f->path));
				break;
			case VERIFY_UNREADABLE:
				o = json_object();
				json_object_set_new(o, "path",
						    json_string_lossy(f->path));
				json_object_set_new(
					o, "reason",
					json_string_lossy(f->reason ? f->reason
								    : ""));
				json_array_append_new(unr, o);
				break;
			default:
				break;
			}
		}
		if (target_healthy(t))
			healthy++;
		json_object_set_new(m, "name",
				    json_string_lossy(t->repo->name));
		json_object_set_new(m, "revision",
				    json_string_lossy(t->rev->commit));
		json_object_set_new(m, "healthy",
				    json_boolean(target_healthy(t)));
		json_object_set_new(m, "files",
				    json_integer((json_int_t)t->nr_files));
		json_object_set_new(m, "verified",
				    json_integer((json_int_t)t->nr_ok));
		json_object_set_new(m, "corrupted", cor);
		json_object_set_new(m, "unverifiable", unv);
		json_object_set_new(m, "unreadable", unr);
		json_object_set_new(m, "error",
				    t->load_error
					    ? json_string_lossy(t->load_error)
					    : json_null());
		{
			char *next = verify_next(t);

			json_object_set_new(m, "next",
					    next ? json_string_lossy(next)
						 : json_null());
			free(next);
		}
		json_array_append_new(models, m);
	}
	for (size_t i = 0; i < s->no_rev.nr; i++) {
		json_t *m = json_object();

		json_object_set_new(m, "name",
				    json_string_lossy(s->no_rev.items[i]));
		json_object_set_new(m, "revision", json_null());
		json_object_set_new(m, "healthy", json_false());
		json_object_set_new(m, "files", json_integer(0));
		json_object_set_new(m, "verified", json_integer(0));
		json_object_set_new(m, "corrupted", json_array());
		json_object_set_new(m, "unverifiable", json_array());
		json_object_set_new(m, "unreadable", json_array());
		json_object_set_new(m, "error",
				    json_string("no snapshot to verify"));
		{
			char *next = no_rev_next(s->no_rev.items[i]);

			json_object_set_new(m, "next", json_string_lossy(next));
			free(next);
		}
		json_array_append_new(models, m);
	}
	json_object_set_new(sum, "total", json_integer((json_int_t)total));
	json_object_set_new(sum, "healthy_count",
			    json_integer((json_int_t)healthy));
	json_object_set_new(sum, "unhealthy_count",
			    json_integer((json_int_t)(total - healthy)));
	json_object_set_new(sum, "files", json_integer((json_int_t)st->files));
	json_object_set_new(sum, "verified", json_integer((json_int_t)st->ok));
	json_object_set_new(sum, "corrupted",
			    json_integer((json_int_t)st->corrupt));
	json_object_set_new(sum, "unverifiable",
			    json_integer((json_int_t)st->unverifiable));
	json_object_set_new(sum, "unreadable",
			    json_integer((json_int_t)st->unreadable));
	json_object_set_new(sum, "hashed_files",
			    json_integer((json_int_t)st->hashed_files));
	json_object_set_new(sum, "bytes_hashed",
			    json_integer((json_int_t)st->bytes));
	json_object_set_new(sum, "seconds", json_real(st->seconds));
	json_object_set_new(sum, "workers", json_integer(st->workers));
	json_object_set_new(out, "models", models);
	json_object_set_new(out, "summary", sum);
	return out;
}

static void print_verify(const struct verify_set *s,
			 const struct verify_stats *st)
{
	struct strbuf sz = STRBUF_INIT, rate = STRBUF_INIT;

	for (size_t i = 0; i < s->nr_targets; i++) {
		const struct verify_target *t = &s->targets[i];
		const char *tag = !target_healthy(t)   ? "[ERROR]"
				  : t->nr_unverifiable ? "[WARNING]"
						       : "[OK]";

		printf("%s %s@%s: %zu of %zu files verified", tag,
		       cmd_shown(t->repo->name), cmd_shown(t->rev->commit),
		       t->nr_ok, t->nr_files);
		if (t->nr_corrupt)
			printf(", %zu corrupted", t->nr_corrupt);
		if (t->nr_unreadable)
			printf(", %zu unreadable", t->nr_unreadable);
		if (t->nr_unverifiable)
			printf(", %zu unverifiable", t->nr_unverifiable);
		printf("\n");
		if (t->load_error)
			printf("  error: %s\n", cmd_shown(t->load_error));
		for (size_t j = 0; j < t->nr_files; j++) {
			const struct verify_file *f = &t->files[j];

			if (f->status == VERIFY_CORRUPT)
				printf("  corrupted: %s\n"
				       "    expected %s\n"
				       "    actual   %s\n",
				       cmd_shown(f->path), f->expected,
				       f->actual);
			else if (f->status == VERIFY_UNREADABLE)
				printf("  unreadable: %s (%s)\n",
				       cmd_shown(f->path),
				       cmd_shown(f->reason));
			else if (f->status == VERIFY_UNVERIFIABLE)
				printf("  unverifiable: %s (%s)\n",
				       cmd_shown(f->path),
				       cmd_shown(f->reason));
		}
		{
			char *next = verify_next(t);

			if (next)
				printf("  next: %s\n", cmd_shown(next));
			free(next);
		}
	}
	for (size_t i = 0; i < s->no_rev.nr; i++) {
		char *next = no_rev_next(s->no_rev.items[i]);

		printf("[ERROR] %s: no snapshot to verify\n",
		       cmd_shown(s->no_rev.items[i]));
		printf("  next: %s\n", cmd_shown(next));
		free(next);
	}
	human_size(&sz, st->bytes);
	human_size(&rate, st->seconds > 0
				  ? (uint64_t)((double)st->bytes / st->seconds)
				  : st->bytes);
	printf("Verified %zu files of %zu models: %zu ok, %zu corrupted, "
	       "%zu unverifiable, %zu unreadable (%s hashed in %.1fs, %s/s, "
	       "%d workers)\n",
	       st->files, s->nr_targets + s->no_rev.nr, st->ok, st->corrupt,
	       st->unverifiable, st->unreadable, sz.buf, st->seconds, rate.buf,
	       st->workers);
	strbuf_release(&sz);
	strbuf_release(&rate);
}

/* --verify; *out gets the JSON data in JSON mode. Returns the exit code. */
static int run_verify(struct cache *c, const struct health_opts *o,
		      json_t **out)
{
	struct verify_set s;
	struct verify_stats st;
	struct verify_opts vo;
	struct progress ps;
	struct strbuf err = STRBUF_INIT;
	int ret = EXIT_OK;

	/*
	 * As lock_grace_init: a soft limit of 256 (macOS's shells) below a
	 * far higher hard one is no reason to fail. Repos are still read one
	 * at a time, so a hard limit of 256 works too.
	 */
	fs_raise_nofile(1UL << 16);
	ret = select_targets(c, o->spec, &s, o->json);
	if (ret) {
		verify_set_release(&s);
		return ret;
	}
	memset(&vo, 0, sizeof(vo));
	vo.stop = &mlxk_interrupted;
	progress_init(&ps, stderr);
	if (isatty(STDERR_FILENO)) {
		vo.progress = show_progress;
		vo.progress_arg = &ps;
	}
	if (verify_run(s.targets, s.nr_targets, &vo, &st, &err) < 0) {
		progress_clear(&ps);
		if (o->json)
			json_print_error("health", NULL, "interrupted", err.buf,
					 NULL);
		else
			error("verification %s", err.buf);
		strbuf_release(&err);
		verify_set_release(&s);
		return stop_requested(&mlxk_interrupted) ? EXIT_INTERRUPTED
							 : EXIT_FAIL;
	}
	progress_clear(&ps);
	if (st.corrupt || st.unreadable || s.no_rev.nr)
		ret = EXIT_FAIL;
	for (size_t i = 0; i < s.nr_targets; i++)
		if (s.targets[i].load_error)
			ret = EXIT_FAIL;
	if (o->json)
		*out = verify_json(&s, &st);
	else
		print_verify(&s, &st);
	strbuf_release(&err);
	verify_set_release(&s);
	return ret;
}

static void add_size(struct strbuf *sb, uint64_t bytes)
{
	human_size(sb, bytes);
}

static json_t *mode_json(mode_t m)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%04o", (unsigned)m);
	return json_string(buf);
}

static json_t *fix_json(const struct perms_report *fix)
{
	json_t *o = json_object(), *items = json_array();

	for (size_t i = 0; i < fix->nr; i++) {
		const struct perms_issue *is = &fix->items[i];
		json_t *e = json_object();

		json_object_set_new(e, "path", json_string_lossy(is->path));
		json_object_set_new(e, "owner", json_string_lossy(is->owner));
		json_object_set_new(e, "mode", mode_json(is->mode));
		json_object_set_new(e, "problem",
				    json_string_lossy(is->problem));
		json_object_set_new(e, "fixed", json_boolean(is->fixed));
		json_object_set_new(e, "new_mode",
				    is->fixed ? mode_json(is->new_mode)
					      : json_null());
		json_object_set_new(e, "error",
				    is->fix_error
					    ? json_string_lossy(is->fix_error)
					    : json_null());
		json_object_set_new(e, "default_acl", json_boolean(is->acl));
		json_array_append_new(items, e);
	}
	json_object_set_new(o, "dry_run", json_boolean(fix->dry_run));
	json_object_set_new(o, "group", json_string_lossy(fix->group_name));
	json_object_set_new(o, "acl",
			    json_string(!fix->acl_built	       ? "unavailable"
					: fix->acl_unsupported ? "unsupported"
							       : "default"));
	json_object_set_new(o, "fixed", json_integer((json_int_t)fix->fixed));
	json_object_set_new(o, "unfixed",
			    json_integer((json_int_t)fix->unfixed));
	json_object_set_new(o, "items", items);
	return o;
}

/*
 * The command that clears an item, or NULL (fix by hand). Each one was
 * checked to work: prune removes garbage (orphans and detached revisions
 * only once --expire allows), pull rewrites a ref and fetches what a
 * revision lacks, resuming a partial download.
 */
static char *item_next(const struct doctor_item *it)
{
	bool young =
		it->mtime && time(NULL) - it->mtime < DOCTOR_EXPIRE_DEFAULT;
	char *name, *next = NULL;

	switch (it->cat) {
	case DOCTOR_ORPHAN_BLOB:
		return xstrdup(young ? "mlxk prune --expire now"
				     : "mlxk prune");
	case DOCTOR_DETACHED:
		return xstrdup(young ? "mlxk prune --detached --expire now"
				     : "mlxk prune --detached");
	case DOCTOR_INCOMPLETE:
	case DOCTOR_LOCK_FOLDER:
	case DOCTOR_NO_EXIST:
	case DOCTOR_TREE:
	case DOCTOR_TEMP:
		return xstrdup("mlxk prune");
	case DOCTOR_PERMISSION:
		return it->cure ? xstrdup(it->cure) : NULL;
	case DOCTOR_RESUMABLE:
	case DOCTOR_DANGLING:
	case DOCTOR_BAD_REF:
		break;
	default:
		return NULL;
	}
	/* pull fetches models only. */
	if (!it->folder || strncmp(it->folder, "models--", 8) ||
	    !(name = cache_folder_to_name(it->folder)))
		return NULL;
	if (it->cat == DOCTOR_RESUMABLE ||
	    (it->cat == DOCTOR_BAD_REF && !strcmp(it->name, "main")))
		next = xasprintf("mlxk pull --force-resume %s", name);
	else
		next = xasprintf("mlxk pull --force-resume %s@%s", name,
				 it->name);
	free(name);
	return next;
}

static uint64_t prunable_bytes(const struct doctor_report *rep)
{
	return rep->bytes[DOCTOR_ORPHAN_BLOB] + rep->bytes[DOCTOR_INCOMPLETE] +
	       rep->bytes[DOCTOR_LOCK_FOLDER] + rep->bytes[DOCTOR_NO_EXIST] +
	       rep->bytes[DOCTOR_TREE] + rep->bytes[DOCTOR_TEMP];
}

static json_t *cache_json(const struct cache *c,
			  const struct doctor_report *rep,
			  const struct perms_report *fix)
{
	json_t *o = json_object(), *cats = json_object(),
	       *warn = json_string_array(rep->warnings.items, rep->warnings.nr);

	for (int k = 0; k < DOCTOR_NR; k++) {
		json_t *cat = json_object(), *items = json_array();

		for (size_t i = 0; i < rep->nr; i++) {
			const struct doctor_item *it = &rep->items[i];
			json_t *e;

			if ((int)it->cat != k)
				continue;
			e = json_object();
			json_object_set_new(e, "path",
					    json_string_lossy(it->path));
			json_object_set_new(
				e, "repo",
				it->folder ? json_string_lossy(it->folder)
					   : json_null());
			json_object_set_new(
				e, "bytes",
				json_integer((json_int_t)it->bytes));
			json_object_set_new(
				e, "detail",
				it->detail ? json_string_lossy(it->detail)
					   : json_null());
			{
				char *next = item_next(it);

				json_object_set_new(
					e, "next",
					next ? json_string_lossy(next)
					     : json_null());
				free(next);
			}
			if (k == DOCTOR_PERMISSION) {
				json_object_set_new(
					e, "owner",
					json_string_lossy(it->owner));
				json_object_set_new(e, "mode",
						    mode_json(it->mode));
				json_object_set_new(
					e, "type",
					json_string(it->is_dir ? "directory"
							       : "file"));
				json_object_set_new(
					e, "cure",
					it->cure ? json_string_lossy(it->cure)
						 : json_null());
			}
			json_array_append_new(items, e);
		}
		json_object_set_new(cat, "count",
				    json_integer((json_int_t)rep->count[k]));
		json_object_set_new(cat, "bytes",
				    json_integer((json_int_t)rep->bytes[k]));
		json_object_set_new(cat, "items", items);
		json_object_set_new(cats, doctor_cat_key((enum doctor_cat)k),
				    cat);
	}
	json_object_set_new(o, "root", json_string_lossy(c->root));
	json_object_set_new(o, "root_source",
			    c->source ? json_string(c->source) : json_null());
	json_object_set_new(o, "repos", json_integer((json_int_t)rep->repos));
	json_object_set_new(o, "shared", json_boolean(rep->perms.shared));
	json_object_set_new(o, "group",
			    rep->perms.group_name
				    ? json_string_lossy(rep->perms.group_name)
				    : json_null());
	json_object_set_new(o, "categories", cats);
	json_object_set_new(o, "prunable_bytes",
			    json_integer((json_int_t)prunable_bytes(rep)));
	json_object_set_new(
		o, "detached_bytes",
		json_integer((json_int_t)rep->bytes[DOCTOR_DETACHED]));
	json_object_set_new(o, "active_downloads",
			    json_integer((json_int_t)rep->active_downloads));
	json_object_set_new(o, "warnings", warn);
	json_object_set_new(o, "fix_permissions",
			    fix ? fix_json(fix) : json_null());
	return o;
}

static void print_fix(const struct perms_report *fix)
{
	size_t shown = 0;

	printf("%s permissions of %zu entr%s; %zu could not be fixed\n",
	       fix->dry_run ? "Would fix" : "Fixed", fix->fixed,
	       fix->fixed == 1 ? "y" : "ies", fix->unfixed);
	if (fix->dry_run)
		for (size_t i = 0; i < fix->nr; i++) {
			const struct perms_issue *is = &fix->items[i];

			if (!is->fixed || ++shown > SHOW_LIMIT)
				continue;
			printf("  would fix %s (owner %s, mode %04o -> "
			       "%04o%s)\n",
			       is->path, is->owner, (unsigned)is->mode,
			       (unsigned)is->new_mode,
			       is->acl ? ", default ACL" : "");
		}
	shown = 0;
	if (!fix->acl_built || fix->acl_unsupported)
		printf("  note: %s; folders get setgid only, so everyone "
		       "needs umask 002\n",
		       fix->acl_built ? "this file system has no POSIX ACLs"
				      : "this mlxk was built without libacl");
	for (size_t i = 0; i < fix->nr; i++) {
		const struct perms_issue *is = &fix->items[i];

		if (is->fixed)
			continue;
		if (++shown > SHOW_LIMIT)
			continue;
		printf("  cannot fix %s (owner %s, mode %04o): %s\n",
		       cmd_shown(is->path), cmd_shown(is->owner),
		       (unsigned)is->mode, cmd_shown(is->fix_error));
	}
	if (shown > SHOW_LIMIT)
		printf("  ... and %zu more\n", shown - SHOW_LIMIT);
}

/* The next step every item of category k shares, or NULL. */
static char *category_next(const struct doctor_report *rep, int k)
{
	char *same = NULL;

	for (size_t i = 0; i < rep->nr; i++) {
		char *next;

		if ((int)rep->items[i].cat != k)
			continue;
		next = item_next(&rep->items[i]);
		if (!next || (same && strcmp(same, next))) {
			free(next);
			free(same);
			return NULL;
		}
		free(same);
		same = next;
	}
	return same;
}

static void print_cache(const struct cache *c, const struct doctor_report *rep)
{
	struct strbuf sb = STRBUF_INIT;
	bool any = false;
	char *same;

	printf("Cache %s: %zu repos%s\n", cmd_shown(c->root), rep->repos,
	       rep->perms.shared ? " (shared)" : "");
	for (int k = 0; k < DOCTOR_NR; k++) {
		size_t shown = 0;

		if (!rep->count[k])
			continue;
		any = true;
		strbuf_reset(&sb);
		add_size(&sb, rep->bytes[k]);
		printf("%s: %zu", doctor_cat_title((enum doctor_cat)k),
		       rep->count[k]);
		if (k != DOCTOR_PERMISSION && k != DOCTOR_DANGLING &&
		    k != DOCTOR_SHAPE && k != DOCTOR_BAD_REF)
			printf(" (%s)", sb.buf);
		printf("\n");
		same = category_next(rep, k);
		for (size_t i = 0; i < rep->nr; i++) {
			const struct doctor_item *it = &rep->items[i];
			char *next;

			if ((int)it->cat != k || ++shown > SHOW_LIMIT)
				continue;
			printf("  %s", cmd_shown(it->path));
			if (k == DOCTOR_PERMISSION) {
				printf(" (%s, owner %s, mode %04o)",
				       it->is_dir ? "folder" : "file",
				       cmd_shown(it->owner),
				       (unsigned)it->mode);
			} else if (it->bytes) {
				strbuf_reset(&sb);
				add_size(&sb, it->bytes);
				printf(" (%s)", sb.buf);
			}
			if (it->detail)
				printf(": %s", cmd_shown(it->detail));
			printf("\n");
			if (k == DOCTOR_PERMISSION && it->cure)
				printf("    cure: %s\n", it->cure);
			else if (!same && (next = item_next(it))) {
				printf("    next: %s\n", cmd_shown(next));
				free(next);
			}
		}
		if (shown > SHOW_LIMIT)
			printf("  ... and %zu more\n", shown - SHOW_LIMIT);
		if (same && k != DOCTOR_PERMISSION)
			printf("  next: %s\n", cmd_shown(same));
		free(same);
	}
	for (size_t i = 0; i < rep->warnings.nr; i++)
		printf("warning: %s\n", cmd_shown(rep->warnings.items[i]));
	if (rep->active_downloads)
		printf("%zu download%s in progress (lock held)\n",
		       rep->active_downloads,
		       rep->active_downloads == 1 ? "" : "s");
	if (!any) {
		printf("No problems found\n");
	} else {
		strbuf_reset(&sb);
		add_size(&sb, prunable_bytes(rep));
		printf("Reclaimable with 'mlxk prune': %s", sb.buf);
		if (rep->count[DOCTOR_DETACHED]) {
			strbuf_reset(&sb);
			add_size(&sb, rep->bytes[DOCTOR_DETACHED]);
			printf(" (detached revisions: %s more with "
			       "'mlxk prune --detached')",
			       sb.buf);
		}
		printf("\n");
	}
	strbuf_release(&sb);
}

/* --cache [--fix-permissions]; returns the exit code. */
static int run_cache(struct cache *c, const struct health_opts *o, json_t **out,
		     size_t *unfixed)
{
	struct doctor_report rep;
	struct perms_report fix;
	struct perms_opts po;
	struct strbuf err = STRBUF_INIT;
	int ret = EXIT_OK;

	memset(&fix, 0, sizeof(fix));
	memset(&po, 0, sizeof(po));
	po.fix = true;
	po.dry_run = o->dry_run;
	po.group = o->group;
	if (o->fix_permissions && perms_run(c, &po, &fix, &err) < 0) {
		if (o->json)
			json_print_error("health", NULL, "permission_error",
					 err.buf, NULL);
		else
			error("%s", err.buf);
		perms_report_release(&fix);
		strbuf_release(&err);
		return EXIT_FAIL;
	}
	if (doctor_scan(c, &rep, &err) < 0) {
		if (o->json)
			json_print_error("health", NULL, "health_check_failed",
					 err.buf, NULL);
		else
			error("%s", err.buf);
		doctor_report_release(&rep);
		perms_report_release(&fix);
		strbuf_release(&err);
		return EXIT_FAIL;
	}
	*unfixed = fix.unfixed;
	if (fix.unfixed)
		ret = EXIT_FAIL;
	if (o->json) {
		*out = cache_json(c, &rep, o->fix_permissions ? &fix : NULL);
	} else {
		if (o->fix_permissions)
			print_fix(&fix);
		print_cache(c, &rep);
	}
	doctor_report_release(&rep);
	perms_report_release(&fix);
	strbuf_release(&err);
	return ret;
}

/*
 * MLX-Knife's required health keys beside verify/cache, so that the
 * envelope validates against its schema: with --verify a model is
 * healthy when every file matches its hash; with --cache alone by the
 * integrity rules of plain "mlxk health".
 */
static void add_mlx_knife_keys(struct cache *c, json_t *data, json_t *v)
{
	json_t *models = v ? json_object_get(v, "models") : NULL, *m;
	json_t *good, *bad, *sum;
	size_t i, ok = 0, total;

	if (!models) {
		json_t *h = health_models_json(c);

		json_object_update(data, h);
		json_decref(h);
		return;
	}
	good = json_array();
	bad = json_array();
	json_array_foreach(models, i, m)
	{
		bool healthy = json_is_true(json_object_get(m, "healthy"));
		json_int_t files =
			json_integer_value(json_object_get(m, "files"));
		json_int_t bad_files = (json_int_t)json_array_size(
			json_object_get(m, "corrupted"));
		const char *error =
			json_string_value(json_object_get(m, "error"));
		json_t *e = json_object();
		char *reason;

		if (healthy)
			reason = xasprintf("All %lld files match their hash",
					   (long long)files);
		else if (error)
			reason = xstrdup(error);
		else
			reason = xasprintf(
				"%lld of %lld files do not match "
				"their hash or cannot be read",
				(long long)(bad_files +
					    (json_int_t)json_array_size(
						    json_object_get(
							    m, "unreadable"))),
				(long long)files);
		json_object_set(e, "name", json_object_get(m, "name"));
		json_object_set_new(
			e, "status",
			json_string(healthy ? "healthy" : "unhealthy"));
		json_object_set_new(e, "reason", json_string_lossy(reason));
		free(reason);
		json_array_append_new(healthy ? good : bad, e);
		ok += healthy;
	}
	total = json_array_size(models);
	sum = json_object();
	json_object_set_new(sum, "total", json_integer((json_int_t)total));
	json_object_set_new(sum, "healthy_count", json_integer((json_int_t)ok));
	json_object_set_new(sum, "unhealthy_count",
			    json_integer((json_int_t)(total - ok)));
	json_object_set_new(data, "healthy", good);
	json_object_set_new(data, "unhealthy", bad);
	json_object_set_new(data, "summary", sum);
}

int health_doctor_run(struct mlxk_ctx *ctx, const struct health_opts *o)
{
	struct cache c;
	json_t *data = NULL, *v = NULL;
	size_t unfixed = 0;
	int ret = EXIT_OK;

	if (o->spec && !o->verify)
		return cmd_usage_error(&cmd_health_entry, o->json,
				       "--cache looks at the whole cache; "
				       "MODEL only applies to --verify");
	if (cmd_open_cache(ctx, "health", o->json, &c) < 0)
		return EXIT_FAIL;
	cmd_catch_interrupts();
	if (o->json)
		data = json_object();
	if (o->verify) {
		ret = run_verify(&c, o, &v);
		if (ret == EXIT_INTERRUPTED || (o->json && !v)) {
			json_decref(data);
			cache_close(&c);
			return ret;
		}
		if (v)
			json_object_set_new(data, "verify", v);
	}
	if (o->cache) {
		json_t *cj = NULL;
		int r2 = run_cache(&c, o, &cj, &unfixed);

		if (o->json && !cj) {
			json_decref(data);
			cache_close(&c);
			return r2;
		}
		if (cj)
			json_object_set_new(data, "cache", cj);
		if (r2 > ret)
			ret = r2;
	}
	if (o->json)
		add_mlx_knife_keys(&c, data, v);
	if (o->json && unfixed) {
		/* Something stays broken: an error, with the whole report. */
		char *msg = xasprintf("%zu entr%s could not be fixed", unfixed,
				      unfixed == 1 ? "y" : "ies");

		json_print_error("health", data, "permissions_unfixed", msg,
				 NULL);
		free(msg);
	} else if (o->json) {
		json_print_success("health", data);
	} else if (ret == EXIT_OK) {
		/* (an error already said where it looked) */
		cmd_hint_empty_cache(ctx, &c);
	}
	cache_close(&c);
	return ret;
}
