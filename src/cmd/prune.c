/*
 * mlxk prune: remove the garbage "health --cache" finds, through the
 * lock-checked deletions of core/delete and core/lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "maint/delete.h"
#include "maint/doctor.h"
#include "lock/lock.h"
#include "util/fsutil.h"
#include "util/humanize.h"
#include "util/jsonout.h"
#include "util/msg.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define SHOW_LIMIT 20

struct prune_opts {
	bool detached, dry_run, force, json;
};

enum action_state {
	ACT_PLANNED, /* will go (dry run: would go) */
	ACT_DONE,    /* removed */
	ACT_BUSY,    /* kept: a lock of it is held */
	ACT_FAILED,  /* could not be removed */
};

struct action {
	const struct doctor_item *item;
	enum action_state state;
	uint64_t bytes; /* expected, then freed */
	char *error;
};

static const char *state_name(enum action_state s, bool dry_run)
{
	switch (s) {
	case ACT_PLANNED:
		return dry_run ? "would_remove" : "planned";
	case ACT_DONE:
		return "removed";
	case ACT_BUSY:
		return "busy";
	default:
		return "failed";
	}
}

static bool prunable(enum doctor_cat cat, bool detached)
{
	switch (cat) {
	case DOCTOR_ORPHAN_BLOB:
	case DOCTOR_INCOMPLETE:
	case DOCTOR_LOCK_FOLDER:
	case DOCTOR_NO_EXIST:
	case DOCTOR_TREE:
	case DOCTOR_TEMP:
		return true;
	case DOCTOR_DETACHED:
		return detached;
	default:
		return false;
	}
}

/* blobs/<name> of a repo: the blob's lock is taken before it goes. */
static void prune_blob(struct cache *c, struct action *a, bool dry_run,
		       struct lock_grace *grace)
{
	struct strbuf err = STRBUF_INIT;
	uint64_t bytes = 0;
	int r = delete_blob(c, a->item->folder, a->item->name, dry_run,
			    dry_run ? NULL : grace, &bytes, &err);

	if (r == 1) {
		a->state = ACT_BUSY;
		a->error = xstrdup("its blob lock is held (download in "
				   "progress)");
	} else if (r < 0) {
		a->state = ACT_FAILED;
		a->error = strbuf_detach(&err, NULL);
	} else if (!dry_run) {
		a->state = ACT_DONE;
		a->bytes = bytes;
	}
	strbuf_release(&err);
}

/* A revision no ref names: the same plan as "mlxk rm MODEL@COMMIT". */
static void prune_revision(struct cache *c, struct action *a, bool dry_run)
{
	struct strbuf err = STRBUF_INIT;
	struct delete_plan p;
	struct delete_opts o;
	int r;

	memset(&o, 0, sizeof(o));
	o.stop = &mlxk_interrupted;
	if (delete_plan_revision(c, a->item->folder, a->item->name, &p, &err) <
	    0) {
		a->state = ACT_FAILED;
		a->error = strbuf_detach(&err, NULL);
		delete_plan_release(&p);
		return;
	}
	if (dry_run) {
		a->bytes = p.bytes;
		if (p.held_locks.nr) {
			a->state = ACT_BUSY;
			a->error = xstrdup("a blob lock of the repo is held");
		}
		delete_plan_release(&p);
		strbuf_release(&err);
		return;
	}
	r = delete_execute(c, &p, &o, &err);
	if (r == 1) {
		a->state = ACT_BUSY;
		a->error = xstrdup("a blob lock of the repo is held");
	} else if (r < 0) {
		a->state = ACT_FAILED;
		a->error = strbuf_detach(&err, NULL);
		a->bytes = p.bytes_freed;
	} else {
		a->state = ACT_DONE;
		a->bytes = p.bytes_freed;
	}
	delete_plan_release(&p);
	strbuf_release(&err);
}

/*
 * .locks/<folder> of a repo that is gone: every lock file by the safe
 * recipe, then the folder if that left it empty. No recency guard: the
 * repo folder exists before huggingface_hub takes any of its locks, so
 * only a lock somebody holds right now can matter, and that one is kept.
 */
static void prune_lock_folder(struct cache *c, struct action *a, bool dry_run)
{
	struct lock_sweep_opts so;
	struct lock_sweep s;
	struct strbuf err = STRBUF_INIT;
	struct stat st;
	int lfd = -1, dfd = -1;
	size_t kept;

	if (fstatat(c->fd, a->item->folder, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		a->state = ACT_FAILED;
		a->error = xstrdup("the repo exists again");
		return;
	}
	lfd = fs_opendir_at(c->fd, ".locks");
	if (lfd >= 0)
		dfd = fs_opendir_at(lfd, a->item->folder);
	if (dfd < 0) {
		a->state = ACT_FAILED;
		a->error = xasprintf("cannot open '%s': %s", a->item->path,
				     strerror(errno));
		if (lfd >= 0)
			close(lfd);
		return;
	}
	memset(&so, 0, sizeof(so));
	so.older_than = 0;
	so.dry_run = dry_run;
	so.stop = &mlxk_interrupted;
	lock_sweep_init(&s, &so);
	lock_sweep_dir(&s, dfd, a->item->path, -1, &err);
	lock_sweep_finish(&s);
	kept = s.nr - s.count[LOCK_REMOVED] - s.count[LOCK_GONE];
	if (kept) {
		a->state = ACT_BUSY;
		a->error = xasprintf("%zu lock file%s kept (%s)", kept,
				     kept == 1 ? "" : "s",
				     s.count[LOCK_KEPT_HELD] ? "held"
							     : "in use or "
							       "not removable");
	} else if (!dry_run) {
		if (unlinkat(lfd, a->item->folder, AT_REMOVEDIR) < 0 &&
		    errno != ENOENT) {
			a->state = ACT_FAILED;
			a->error = xasprintf("cannot remove '%s': %s",
					     a->item->path, strerror(errno));
		} else {
			a->state = ACT_DONE;
		}
	}
	lock_sweep_release(&s);
	strbuf_release(&err);
	close(dfd);
	close(lfd);
}

/* .no_exist/<commit>/ or trees/<commit>.json of a missing revision. */
static void prune_leftover(struct cache *c, struct action *a, bool dry_run)
{
	const struct doctor_item *it = a->item;
	bool tree = it->cat == DOCTOR_TREE;
	const char *slash = strrchr(it->path, '/');
	char *snap;
	struct stat st;
	int rfd, dfd, r;
	struct strbuf err = STRBUF_INIT;

	/* A repo folder that is a link leads outside the cache: leave it. */
	rfd = fs_opendir_at(c->fd, it->folder);
	if (rfd < 0) {
		a->state = ACT_FAILED;
		a->error = xasprintf("cannot open '%s': %s", it->folder,
				     strerror(errno));
		return;
	}
	snap = xasprintf("snapshots/%s", it->name);
	r = fstatat(rfd, snap, &st, AT_SYMLINK_NOFOLLOW);
	free(snap);
	if (r == 0) {
		a->state = ACT_FAILED;
		a->error = xstrdup("the revision exists again");
		close(rfd);
		return;
	}
	dfd = fs_opendir_at(rfd, tree ? "trees" : ".no_exist");
	close(rfd);
	if (dfd < 0) {
		a->state = ACT_FAILED;
		a->error = xasprintf("cannot open '%s': %s", it->path,
				     strerror(errno));
		return;
	}
	if (!dry_run) {
		if (tree)
			r = unlinkat(dfd, slash + 1, 0) < 0 && errno != ENOENT
				    ? error_set(&err, "cannot remove '%s': %s",
						it->path, strerror(errno))
				    : 0;
		else
			r = fs_remove_tree_at(dfd, slash + 1, it->path, &err);
		if (r < 0) {
			a->state = ACT_FAILED;
			a->error = strbuf_detach(&err, NULL);
		} else {
			a->state = ACT_DONE;
		}
	}
	strbuf_release(&err);
	close(dfd);
}

/*
 * A temporary file of an interrupted write (item name: its path in the
 * repo folder). Checked again before it goes: still such a name, still
 * a regular file, still old; no link on the way is followed.
 */
static void prune_temp(struct cache *c, struct action *a, bool dry_run)
{
	const struct doctor_item *it = a->item;
	const char *slash = strrchr(it->name, '/');
	char *dir = xstrndup(it->name, (size_t)(slash - it->name));
	bool trees = !strcmp(dir, "trees");
	struct stat st;
	int rfd, dfd = -1;

	rfd = fs_opendir_at(c->fd, it->folder);
	if (rfd >= 0) {
		dfd = fs_open_path_at(rfd, dir, O_RDONLY | O_DIRECTORY);
		close(rfd);
	}
	free(dir);
	if (dfd < 0) {
		a->state = ACT_FAILED;
		a->error = xasprintf("cannot open the folder of '%s': %s",
				     it->path, strerror(errno));
		return;
	}
	if (fstatat(dfd, slash + 1, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode) || !names_is_temp(slash + 1, trees) ||
	    time(NULL) - st.st_mtime < DOCTOR_TEMP_AGE) {
		a->state = ACT_FAILED;
		a->error = xstrdup("it changed since the scan");
	} else if (!dry_run) {
		if (unlinkat(dfd, slash + 1, 0) < 0 && errno != ENOENT) {
			a->state = ACT_FAILED;
			a->error = xasprintf("cannot remove '%s': %s", it->path,
					     strerror(errno));
		} else {
			a->state = ACT_DONE;
		}
	}
	close(dfd);
}

static void run_action(struct cache *c, struct action *a, bool dry_run,
		       struct lock_grace *grace)
{
	switch (a->item->cat) {
	case DOCTOR_ORPHAN_BLOB:
	case DOCTOR_INCOMPLETE:
		prune_blob(c, a, dry_run, grace);
		break;
	case DOCTOR_DETACHED:
		prune_revision(c, a, dry_run);
		break;
	case DOCTOR_LOCK_FOLDER:
		prune_lock_folder(c, a, dry_run);
		break;
	case DOCTOR_TEMP:
		prune_temp(c, a, dry_run);
		break;
	default:
		prune_leftover(c, a, dry_run);
		break;
	}
}

static void add_size(struct strbuf *sb, uint64_t n)
{
	strbuf_reset(sb);
	human_size(sb, n);
}

/* The plan, grouped by category, on f. */
static void print_plan(FILE *f, const struct action *acts, size_t nr)
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
			fprintf(f, "  %s (%s)\n", acts[i].item->path, sz.buf);
		}
		if (shown > SHOW_LIMIT)
			fprintf(f, "  ... and %zu more\n", shown - SHOW_LIMIT);
	}
	strbuf_release(&sz);
}

static json_t *result_json(const struct action *acts, size_t nr,
			   const struct prune_opts *o, size_t done, size_t busy,
			   size_t failed, uint64_t freed)
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
	json_object_set_new(sum,
			    o->dry_run ? "would_free_bytes" : "bytes_freed",
			    json_integer((json_int_t)freed));
	json_object_set_new(d, "dry_run", json_boolean(o->dry_run));
	json_object_set_new(d, "detached", json_boolean(o->detached));
	json_object_set_new(d, "items", items);
	json_object_set_new(d, "summary", sum);
	return d;
}

static int run(struct cache *c, const struct prune_opts *o)
{
	struct doctor_report rep;
	struct strbuf err = STRBUF_INIT, sz = STRBUF_INIT;
	struct action *acts;
	struct lock_grace grace;
	size_t nr = 0, done = 0, busy = 0, failed = 0;
	uint64_t total = 0, freed = 0;
	int ret = EXIT_OK;

	if (doctor_scan(c, &rep, &err) < 0) {
		if (o->json)
			json_print_error("prune", NULL, "prune_failed", err.buf,
					 NULL);
		else
			error("%s", err.buf);
		doctor_report_release(&rep);
		strbuf_release(&err);
		return EXIT_FAIL;
	}
	acts = xcalloc(rep.nr ? rep.nr : 1, sizeof(*acts));
	/* Detached revisions last: their plans see the pruned repo. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < rep.nr; i++) {
			const struct doctor_item *it = &rep.items[i];

			if (!prunable(it->cat, o->detached) ||
			    (it->cat == DOCTOR_DETACHED) != (pass == 1))
				continue;
			acts[nr].item = it;
			acts[nr].bytes = it->bytes;
			total += it->bytes;
			nr++;
		}
	if (!nr) {
		if (o->json)
			json_print_success("prune",
					   result_json(acts, 0, o, 0, 0, 0, 0));
		else
			printf("Nothing to prune\n");
		goto out;
	}
	add_size(&sz, total);
	if (!o->dry_run && !o->force) {
		if (o->json || !cmd_interactive()) {
			if (o->json)
				json_print_error(
					"prune",
					result_json(acts, nr, o, 0, 0, 0, 0),
					"requires_confirmation",
					"prune deletes without a terminal only "
					"with --force",
					NULL);
			else
				error("not deleting %zu items (%s) without a "
				      "terminal to ask",
				      nr, sz.buf);
			if (!o->json)
				fprintf(stderr,
					"hint: review with 'mlxk prune "
					"--dry-run', then run 'mlxk prune "
					"--force'\n");
			ret = EXIT_FAIL;
			goto out;
		}
		print_plan(stderr, acts, nr);
		strbuf_reset(&err);
		strbuf_addf(&err, "Delete %zu item%s (%s)?", nr,
			    nr == 1 ? "" : "s", sz.buf);
		if (!cmd_confirm(err.buf, false)) {
			fprintf(stderr, "Cancelled: nothing was deleted.\n");
			goto out;
		}
	}
	cmd_catch_interrupts();
	lock_grace_init(&grace, lock_grace_default_ms());
	for (size_t i = 0; i < nr && !stop_requested(&mlxk_interrupted); i++)
		run_action(c, &acts[i], o->dry_run, &grace);
	lock_grace_release(&grace);
	for (size_t i = 0; i < nr; i++) {
		struct action *a = &acts[i];

		if (a->state == ACT_BUSY)
			busy++;
		else if (a->state == ACT_FAILED)
			failed++;
		if (a->state == ACT_DONE ||
		    (o->dry_run && a->state == ACT_PLANNED)) {
			done++;
			freed += a->bytes;
		}
		if (a->state == ACT_FAILED && a->bytes)
			freed += a->bytes;
	}
	if (failed)
		ret = EXIT_FAIL;
	if (stop_requested(&mlxk_interrupted))
		ret = EXIT_INTERRUPTED;
	if (o->json) {
		json_print_success("prune", result_json(acts, nr, o, done, busy,
							failed, freed));
		goto out;
	}
	if (o->dry_run) {
		printf("Would remove:\n");
		print_plan(stdout, acts, nr);
	}
	for (size_t i = 0; i < nr; i++) {
		struct action *a = &acts[i];

		if (a->state == ACT_BUSY)
			printf("kept %s: %s\n", a->item->path, a->error);
		else if (a->state == ACT_FAILED)
			printf("failed %s: %s\n", a->item->path, a->error);
		else if (!o->dry_run && a->state == ACT_DONE && nr <= 50)
			printf("removed %s\n", a->item->path);
	}
	add_size(&sz, freed);
	if (o->dry_run)
		printf("Would free %s: %zu to remove, %zu kept (in use), %zu "
		       "failed\n",
		       sz.buf, done, busy, failed);
	else
		printf("Freed %s: %zu removed, %zu kept (in use), %zu "
		       "failed\n",
		       sz.buf, done, busy, failed);
out:
	for (size_t i = 0; i < nr; i++)
		free(acts[i].error);
	free(acts);
	doctor_report_release(&rep);
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
		{ NULL, 0, NULL, 0 },
	};
	struct prune_opts o = { false, false, false, ctx->json };
	struct cache c;
	int opt, ret;

	o.json = cmd_json_requested(argc, argv, o.json);
	while ((opt = getopt_long(argc, argv, "f", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			o.detached = true;
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
		default:
			return cmd_option_error(&cmd_prune_entry, o.json, argv,
						longopts);
		}
	}
	if (optind < argc)
		return cmd_usage_error(&cmd_prune_entry, o.json,
				       "unexpected argument '%s'",
				       argv[optind]);
	if (cmd_open_cache(ctx, "prune", o.json, &c) < 0)
		return EXIT_FAIL;
	ret = run(&c, &o);
	cache_close(&c);
	return ret;
}

const struct cmd_entry cmd_prune_entry = {
	.name = "prune",
	.summary = "remove orphan blobs, stale downloads and other garbage",
	.usage = "prune [--detached] [--dry-run] [-f|--force] [--json]",
	.help = "Remove what 'mlxk health --cache' reports as garbage: orphan "
		"blobs\n"
		"(in blobs/ but linked by no snapshot), stale .incomplete "
		"files (their\n"
		"lock is not held), lock folders of repos that no longer "
		"exist,\n"
		".no_exist/ and trees/ entries of revisions that no longer "
		"exist, and\n"
		"temporary files of interrupted writes (refs/, trees/; over "
		"an hour old).\nWith "
		"--detached also every revision no ref points to (as 'mlxk rm "
		"MODEL@REV';\n"
		"a repo whose revisions are all detached goes whole).\n"
		"\n"
		"Every blob and .incomplete file is deleted only after taking "
		"its blob\n"
		"lock without waiting; a download in progress keeps its "
		"files. Lock\n"
		"files go by the safe recipe (unlink while holding the flock). "
		"Links\n"
		"are never followed. On a terminal prune lists what goes and "
		"asks;\n"
		"without one (or with --json) it deletes only with --force.\n"
		"\n"
		"options:\n"
		"  --detached   also remove detached revisions\n"
		"  --dry-run    show what would go and the bytes it frees; "
		"change nothing\n"
		"  -f, --force  do not ask\n"
		"  --json       print the JSON envelope (command \"prune\")\n"
		"\n"
		"Exit codes: 0 done (kept busy items included), 1 something "
		"could not be\n"
		"removed or confirmation was needed, 2 usage, 130 "
		"interrupted.\n",
	.exec = cmd_prune_exec,
};
