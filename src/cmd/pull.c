/*
 * mlxk pull: download a model (or some of its files) from the Hub into the
 * cache, verified and resumable, in MLX-Knife 2.0's JSON shape.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "fetch/complete.h"
#include "fetch/download.h"
#include "hub/hub.h"
#include "hub/netinit.h"
#include "cache/trees.h"
#include "fetch/trees-write.h"
#include "util/humanize.h"
#include "util/jsonout.h"
#include "util/msg.h"
#include "util/progress.h"
#include "util/stop.h"
#include "util/term.h"
#include "util/xalloc.h"
#include "util/banned.h"

struct pull {
	const char *spec;
	char *base, *rev; /* spec split at '@' */
	const char *name; /* the repo id pulled */
	char *expanded;	  /* set when local resolution changed the name */
	char commit[41];
	struct strlist include, exclude;
	int jobs;
	uint64_t split_above; /* 0: never split a file */
	bool force_resume, quiet, json;
	struct progress prog;
	bool tty;
	bool no_progress;	   /* HF_HUB_DISABLE_PROGRESS_BARS */
	struct timespec last_line; /* of the last progress line on a pipe */
	long pipe_seconds;	   /* between two of them */
	char *warning;		   /* for data.preflight_warning under --json */
	char *snapshot; /* absolute snapshots/<commit> path, on success */
	/* What this run did, for the message and the JSON keys. */
	struct {
		size_t downloaded, present, resumed;
		uint64_t bytes, reused; /* received / taken from partials */
		bool known; /* files_present is (else null in JSON) */
	} got;
};

/* On a pipe, a progress line this often (a log keeps every one);
 * MLXK_PROGRESS_SECONDS changes it. */
#define PIPE_PROGRESS_SECONDS 10

/*
 * MLX-Knife's pull data plus what this run fetched and where the snapshot
 * is: added keys, so its required ones keep their meaning.
 */
static void add_outcome(const struct pull *p, json_t *d)
{
	json_object_set_new(d, "snapshot_path", json_string_lossy(p->snapshot));
	json_object_set_new(d, "files_downloaded",
			    json_integer((json_int_t)p->got.downloaded));
	/* Offline without the commit's listing, the count is unknown. */
	json_object_set_new(d, "files_present",
			    p->got.known
				    ? json_integer((json_int_t)p->got.present)
				    : json_null());
	json_object_set_new(d, "files_resumed",
			    json_integer((json_int_t)p->got.resumed));
	json_object_set_new(d, "bytes_downloaded",
			    json_integer((json_int_t)p->got.bytes));
	json_object_set_new(d, "bytes_resumed",
			    json_integer((json_int_t)p->got.reused));
}

/* Remember the snapshot folder a successful pull leaves in place. */
static void set_snapshot(struct pull *p, const struct cache *c)
{
	char *folder = cache_name_to_folder(p->name);

	free(p->snapshot);
	p->snapshot =
		xasprintf("%s/%s/snapshots/%s", c->root, folder, p->commit);
	free(folder);
}

/*
 * "Downloaded 3 files (1.2MB), 5 already present": what this run
 * fetched, not what the snapshot holds; bytes reused from partial files
 * are named apart from those received.
 */
static void describe_fetch(const struct pull *p, struct strbuf *msg)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	human_size(&a, p->got.bytes);
	strbuf_addf(msg, "Downloaded %zu file%s", p->got.downloaded,
		    p->got.downloaded == 1 ? "" : "s");
	if (p->got.reused) {
		human_size(&b, p->got.reused);
		strbuf_addf(msg,
			    " (%s fetched, %s resumed from %zu partial file%s)",
			    a.buf, b.buf, p->got.resumed,
			    p->got.resumed == 1 ? "" : "s");
	} else if (p->got.downloaded) {
		strbuf_addf(msg, " (%s)", a.buf);
	}
	if (p->got.present || !p->got.downloaded)
		strbuf_addf(msg, ", %zu already present", p->got.present);
	strbuf_release(&a);
	strbuf_release(&b);
}

/* Print the outcome; returns the exit code. */
static int report(struct pull *p, int code, const char *status,
		  const char *etype, const char *msg, json_t *extra)
{
	if (p->json) {
		json_t *d = json_object();

		json_object_set_new(
			d, "model",
			json_string_lossy(p->name ? p->name : p->base));
		json_object_set_new(d, "download_status", json_string(status));
		json_object_set_new(d, "message", json_string_lossy(msg));
		json_object_set_new(d, "expanded_name",
				    p->expanded ? json_string(p->expanded)
						: json_null());
		json_object_set_new(d, "commit_hash",
				    p->commit[0] ? json_string(p->commit)
				    : p->rev	 ? json_string_lossy(p->rev)
						 : json_null());
		if (p->warning)
			json_object_set_new(d, "preflight_warning",
					    json_string_lossy(p->warning));
		if (p->snapshot && !etype)
			add_outcome(p, d);
		if (etype)
			json_print_error("pull", d, etype, msg, extra);
		else
			json_print_success("pull", d);
	} else {
		json_decref(extra);
		if (etype)
			error("%s", msg);
		else if (!p->quiet && p->snapshot)
			printf("pull: %s %s %s %s %s\n", cmd_shown(p->name),
			       term_text("\xe2\x80\x94", "-"), cmd_shown(msg),
			       term_text("\xe2\x86\x92", "->"),
			       cmd_shown(p->snapshot));
		else if (!p->quiet)
			printf("pull: %s %s %s\n", cmd_shown(p->name),
			       term_text("\xe2\x80\x94", "-"), cmd_shown(msg));
	}
	return code;
}

/*
 * https://huggingface.co/org/name (as copied from a browser) names the
 * model org/name; a trailing slash is dropped too.
 */
static const char *strip_hub_url(const char *spec)
{
	static const char *const prefixes[] = { "https://huggingface.co/",
						"http://huggingface.co/",
						"https://hf.co/", "hf.co/",
						"huggingface.co/" };
	static char *stripped; /* one per process: pull takes one model */

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		size_t n = strlen(prefixes[i]);

		if (strncmp(spec, prefixes[i], n))
			continue;
		free(stripped);
		stripped = xstrdup(spec + n);
		n = strlen(stripped);
		while (n && stripped[n - 1] == '/')
			stripped[--n] = '\0';
		return stripped;
	}
	return spec;
}

static const char *error_type(enum hub_error k)
{
	switch (k) {
	case HUB_E_GATED:
	case HUB_E_DENIED:
	case HUB_E_NOT_FOUND:
		return "access_denied";
	default:
		return "download_failed";
	}
}

/* Offline: the cache alone decides (fetch/complete.h). */
static int offline_check(struct pull *p, struct cache *c)
{
	struct strbuf msg = STRBUF_INIT;
	struct fetch_offline st;
	int code;

	fetch_offline_check(c, p->name, p->rev, &p->include, &p->exclude, &st);
	if (st.complete) {
		memcpy(p->commit, st.commit, 41);
		set_snapshot(p, c);
		p->got.present = st.wanted;
		p->got.known = st.wanted > 0;
		strbuf_addf(&msg, "Model %s already exists in cache", p->name);
		code = report(p, EXIT_OK, "already_exists", NULL, msg.buf,
			      NULL);
	} else {
		struct strbuf where = STRBUF_INIT;

		cmd_describe_cache(&where, c);
		strbuf_addf(&msg,
			    "cannot download '%s': offline mode is on "
			    "(HF_HUB_OFFLINE) and %s does not hold it "
			    "complete",
			    p->name, where.buf);
		if (st.missing > 0)
			strbuf_addf(&msg, " (%d of %zu files missing)",
				    st.missing, st.wanted);
		strbuf_addstr(&msg, "; unset HF_HUB_OFFLINE to fetch it");
		strbuf_release(&where);
		code = report(p, EXIT_FAIL, "failed", "download_failed",
			      msg.buf, NULL);
	}
	strbuf_release(&msg);
	return code;
}

static void on_file(struct download *d, struct dl_file *df, void *user)
{
	struct pull *p = user;
	struct strbuf sz = STRBUF_INIT;

	(void)d;
	if (p->quiet || p->json || df->state == DL_FAILED)
		return;
	if (p->tty)
		progress_clear(&p->prog);
	human_size(&sz, df->f->size);
	if (df->state == DL_CACHED)
		fprintf(stderr, "cached %s (%s)\n", cmd_shown(df->f->path),
			sz.buf);
	else if (df->resumed_from)
		fprintf(stderr, "resumed %s (%s, from byte %llu)\n",
			cmd_shown(df->f->path), sz.buf,
			(unsigned long long)df->resumed_from);
	else
		fprintf(stderr, "fetched %s (%s)\n", cmd_shown(df->f->path),
			sz.buf);
	strbuf_release(&sz);
}

static void on_tick(struct download *d, void *user)
{
	struct pull *p = user;
	struct progress_state s;

	if (p->quiet || p->json || p->no_progress)
		return;
	if (!p->tty) {
		struct timespec now;
		struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!p->last_line.tv_sec) {
			p->last_line = now;
			return;
		}
		if (now.tv_sec - p->last_line.tv_sec < p->pipe_seconds)
			return;
		p->last_line = now;
		human_size(&a, d->shown.bytes_done);
		human_size(&b, d->bytes_total);
		fprintf(stderr, "progress: %s of %s, %zu of %zu files\n", a.buf,
			b.buf, (size_t)d->shown.files_done, d->nr_files);
		strbuf_release(&a);
		strbuf_release(&b);
		return;
	}
	s.done = d->shown.bytes_done;
	s.total = d->bytes_total;
	s.net = d->shown.bytes_net;
	s.files_done = d->shown.files_done;
	s.files_total = d->nr_files;
	s.file = d->shown.active;
	progress_draw(&p->prog, &s, false);
}

/* Ask whether to resume a partial download; returns an exit code or -1. */
static int confirm_resume(struct pull *p, const char *why)
{
	struct strbuf msg = STRBUF_INIT;
	int code = -1;

	if (p->force_resume)
		return -1;
	strbuf_addf(&msg,
		    "%s. Use --force-resume to attempt resume or 'mlxk "
		    "rm' to delete.",
		    why);
	if (p->json) {
		/*
		 * MLX-Knife answers with a success envelope: nothing failed,
		 * the caller has to decide. download_status says so.
		 */
		code = report(p, EXIT_OK, "requires_confirmation", NULL,
			      msg.buf, NULL);
	} else if (cmd_interactive()) {
		fprintf(stderr, "%s: %s\n", cmd_shown(p->name), cmd_shown(why));
		if (!cmd_confirm("Resume download?", true)) {
			fprintf(stderr, "pull: cancelled\n");
			code = EXIT_FAIL;
		}
	} else {
		error("%s: %s", p->name, why);
		fprintf(stderr,
			"hint: run 'mlxk pull --force-resume %s' to "
			"resume the download\n",
			p->spec);
		code = EXIT_FAIL;
	}
	strbuf_release(&msg);
	return code;
}

static int do_pull(struct pull *p, struct cache *c)
{
	struct hub hub;
	struct http_client *hc = NULL;
	struct hub_tree tree = { 0 };
	struct dl_file *files = NULL;
	struct download d;
	struct strbuf err = STRBUF_INIT, msg = STRBUF_INIT;
	enum hub_error kind;
	size_t n = 0;
	enum fetch_have st;
	int code;

	hub_init(&hub);
	hub.stop = &mlxk_interrupted;
	memset(&d, 0, sizeof(d));
	d.repo_fd = d.blobs_fd = d.snap_fd = -1;
	if (hub.offline) {
		code = offline_check(p, c);
		goto out;
	}
	hc = http_client_new(&hub);
	if (hub_revision(hc, p->name, p->rev ? p->rev : "main", p->commit,
			 &kind, &err) < 0 ||
	    hub_list_tree(hc, p->name, p->commit, &tree, &kind, &err) < 0) {
		if (kind == HUB_E_INTERRUPTED) {
			code = report(p, EXIT_INTERRUPTED, "failed",
				      "interrupted", "interrupted", NULL);
			goto out;
		}
		if (kind == HUB_E_NETWORK) {
			/* As MLX-Knife: a model the cache holds complete is
			 * there, Hub or not. */
			struct fetch_offline have;

			fetch_offline_check(c, p->name, p->rev, &p->include,
					    &p->exclude, &have);
			if (have.complete) {
				memcpy(p->commit, have.commit, 41);
				set_snapshot(p, c);
				p->got.present = have.wanted;
				p->got.known = have.wanted > 0;
				p->warning = xasprintf(
					"the Hub cannot be reached (%s); "
					"using the copy in the cache",
					err.buf);
				if (!p->json && !p->quiet)
					warning("%s", p->warning);
				strbuf_addf(&msg,
					    "Model %s already exists in cache",
					    p->name);
				code = report(p, EXIT_OK, "already_exists",
					      NULL, msg.buf, NULL);
				goto out;
			}
		}
		if (kind == HUB_E_NOT_FOUND && !strchr(p->name, '/'))
			strbuf_addf(&err,
				    " (no organisation given: the Hub's names "
				    "are ORG/NAME, for example "
				    "mlx-community/%s)",
				    p->name);
		code = report(p, EXIT_FAIL,
			      !strcmp(error_type(kind), "access_denied")
				      ? "access_denied"
				      : "failed",
			      error_type(kind), err.buf, NULL);
		goto out;
	}
	files = xcalloc(tree.nr ? tree.nr : 1, sizeof(*files));
	for (size_t i = 0; i < tree.nr; i++)
		if (hub_path_wanted(tree.files[i].path, &p->include,
				    &p->exclude))
			files[n++].f = &tree.files[i];
	if (!n) {
		strbuf_addf(&msg, "nothing to download: no file of '%s' %s",
			    p->name,
			    tree.nr ? "matches --include/--exclude"
				    : "is listed at this revision");
		code = report(p, EXIT_FAIL, "failed", "download_failed",
			      msg.buf, NULL);
		goto out;
	}

	st = fetch_local_state(c, p->name, p->commit, files, n, &msg);
	if (st == FETCH_HAVE_PARTIAL) {
		code = confirm_resume(p, msg.buf);
		if (code >= 0)
			goto out;
	}
	strbuf_reset(&msg);
	if (cache_create_root(c, &err) < 0) {
		code = report(p, EXIT_FAIL, "failed", "download_failed",
			      err.buf, NULL);
		goto out;
	}
	d.cache = c;
	d.hub = &hub;
	d.repo = p->name;
	d.commit = p->commit;
	d.files = files;
	d.nr_files = n;
	d.jobs = p->jobs;
	d.split_above = p->split_above;
	d.on_file = on_file;
	d.on_tick = on_tick;
	d.user = p;
	/* A ref for branches and tags, never for the commit itself. */
	if (download_open(&d, p->rev ? p->rev : "main", &err) < 0) {
		code = report(p, EXIT_FAIL, "failed", "download_failed",
			      err.buf, NULL);
		goto out;
	}
	/*
	 * The commit's full listing, for offline checks by mlxk and by
	 * huggingface_hub. Not worth failing a pull for, and an unchanged
	 * model in a read-only cache says nothing.
	 */
	if (trees_write(d.repo_fd, p->commit, &tree, &err) ==
		    TREES_WRITE_FAILED &&
	    st != FETCH_HAVE_ALL && !p->json && !p->quiet)
		warning("%s", err.buf);
	strbuf_reset(&err);
	if (st == FETCH_HAVE_ALL) {
		set_snapshot(p, c);
		p->got.present = n;
		p->got.known = true;
		strbuf_addf(&msg, "Model %s already exists in cache", p->name);
		code = report(p, EXIT_OK, "already_exists", NULL, msg.buf,
			      NULL);
		goto out;
	}
	{
		long long avail = download_free_space(&d);
		if (avail >= 0 && (uint64_t)avail < d.bytes_missing) {
			struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
			human_size(&a, d.bytes_missing);
			human_size(&b, (uint64_t)avail);
			/*
			 * Only a warning: the estimate cannot know about
			 * other writers. --json carries it in the envelope
			 * (MLX-Knife's preflight_warning), -q drops it.
			 */
			p->warning = xasprintf("'%s' needs %s more but only "
					       "%s is free in the cache",
					       p->name, a.buf, b.buf);
			if (!p->json && !p->quiet)
				warning("%s", p->warning);
			strbuf_release(&a);
			strbuf_release(&b);
		}
	}
	if (download_run(&d) < 0) {
		if (p->tty && !p->quiet && !p->json)
			progress_clear(&p->prog);
		if (stop_requested(&d.interrupted)) {
			strbuf_addf(&msg,
				    "interrupted; run 'mlxk pull "
				    "--force-resume %s' to resume",
				    p->spec);
			code = report(p, EXIT_INTERRUPTED, "failed",
				      "interrupted", msg.buf, NULL);
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			if (files[i].state != DL_FAILED)
				continue;
			if (!p->json)
				error("%s", files[i].error);
			else if (!msg.len)
				strbuf_addstr(&msg, files[i].error);
		}
		if (!p->json) {
			strbuf_addf(&msg, "%zu of %zu files of '%s' failed",
				    d.files_failed, n, p->name);
		}
		code = report(p, EXIT_FAIL, "failed", "download_failed",
			      msg.buf, NULL);
		goto out;
	}
	if (p->tty && !p->quiet && !p->json)
		progress_clear(&p->prog);
	for (size_t i = 0; i < n; i++) {
		if (files[i].state == DL_CACHED) {
			p->got.present++;
			continue;
		}
		p->got.downloaded++;
		if (files[i].resumed_from) {
			p->got.resumed++;
			p->got.reused += files[i].resumed_from;
		}
	}
	p->got.bytes = d.bytes_net;
	p->got.known = true;
	set_snapshot(p, c);
	describe_fetch(p, &msg);
	code = report(p, EXIT_OK, "success", NULL, msg.buf, NULL);
out:
	if (d.repo_fd >= 0 || d.folder)
		download_close(&d);
	for (size_t i = 0; files && i < n; i++)
		free(files[i].error);
	free(files);
	hub_tree_release(&tree);
	http_client_free(hc);
	hub_release(&hub);
	strbuf_release(&err);
	strbuf_release(&msg);
	return code;
}

/*
 * A size: a number of bytes with an optional K, M, G or T (powers of
 * 1024), optionally followed by "iB" or "B".
 */
static int parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	uint64_t v = 0;
	const char *p = s, *u;
	unsigned shift = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p && (u = strchr(units, *p)) != NULL) {
		shift = 10 * (unsigned)(u - units + 1);
		p++;
		if (!strcmp(p, "iB") || !strcmp(p, "B"))
			p += strlen(p);
	} else if (!strcmp(p, "B")) {
		p++;
	}
	if (*p || (shift && v > (UINT64_MAX >> shift)))
		return -1;
	*out = v << shift;
	return 0;
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n')
			return false;
	return true;
}

static int cmd_pull_exec(int argc, char **argv, struct mlxk_ctx *ctx)
{
	static const struct option opts[] = {
		{ "include", required_argument, NULL, 'I' },
		{ "exclude", required_argument, NULL, 'X' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "force-resume", no_argument, NULL, 'f' },
		{ "split-above", required_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	struct pull p;
	struct cache c = { NULL, -1, false, NULL };
	struct strbuf err = STRBUF_INIT;
	struct resolved res;
	int opt, code;

	memset(&p, 0, sizeof(p));
	p.jobs = 8;
	p.split_above = DOWNLOAD_SPLIT_ABOVE;
	p.json = cmd_json_requested(argc, argv, ctx->json);
	{
		const char *env = getenv("MLXK_SPLIT_ABOVE");

		if (env && *env && parse_size(env, &p.split_above) < 0) {
			code = cmd_usage_error(&cmd_pull_entry, p.json,
					       "MLXK_SPLIT_ABOVE needs a size "
					       "such as 64M, not '%s'",
					       env);
			goto done;
		}
	}
	while ((opt = getopt_long(argc, argv, "j:q", opts, NULL)) != -1) {
		char *end;
		switch (opt) {
		case 'I':
			strlist_push(&p.include, optarg);
			break;
		case 'X':
			strlist_push(&p.exclude, optarg);
			break;
		case 'j':
			p.jobs = (int)strtol(optarg, &end, 10);
			if (*end || end == optarg || p.jobs < 1 ||
			    p.jobs > 64) {
				code = cmd_usage_error(&cmd_pull_entry, p.json,
						       "-j needs a number from "
						       "1 to 64, not '%s'",
						       optarg);
				goto done;
			}
			break;
		case 'f':
			p.force_resume = true;
			break;
		case 'S':
			if (parse_size(optarg, &p.split_above) < 0) {
				code = cmd_usage_error(&cmd_pull_entry, p.json,
						       "--split-above needs a "
						       "size such as 64M, not "
						       "'%s'",
						       optarg);
				goto done;
			}
			break;
		case 'q':
			p.quiet = true;
			break;
		case 'J':
			p.json = true;
			break;
		default:
			code = cmd_option_error(&cmd_pull_entry, p.json, argv,
						opts);
			goto done;
		}
	}
	/* An empty or blank name is MLX-Knife's ValidationError, below. */
	if (optind >= argc) {
		code = cmd_usage_error(&cmd_pull_entry, p.json,
				       "pull needs a model name (ORG/NAME)");
		goto done;
	}
	if (optind + 1 < argc) {
		code = cmd_usage_error(&cmd_pull_entry, p.json,
				       "pull takes one model, got '%s' too",
				       argv[optind + 1]);
		goto done;
	}
	p.spec = strip_hub_url(argv[optind]);
	resolve_split(p.spec, &p.base, &p.rev);
	p.name = p.base;
	p.tty = isatty(STDERR_FILENO);
	p.no_progress = hub_env_true(getenv("HF_HUB_DISABLE_PROGRESS_BARS"));
	p.pipe_seconds = PIPE_PROGRESS_SECONDS;
	if (getenv("MLXK_PROGRESS_SECONDS")) {
		long v = strtol(getenv("MLXK_PROGRESS_SECONDS"), NULL, 10);

		if (v > 0 && v < 3600)
			p.pipe_seconds = v;
	}
	if (p.rev && blank(p.rev)) {
		code = report(&p, EXIT_FAIL, "error", "ValidationError",
			      "Invalid model name: empty revision after '@'",
			      NULL);
		goto done;
	}
	if (blank(p.base) || hub_check_repo_id(p.base, &err) < 0) {
		if (!err.len)
			strbuf_addstr(&err, "Invalid model name: empty");
		code = report(&p, EXIT_FAIL, "error", "ValidationError",
			      err.buf, NULL);
		goto done;
	}
	cmd_catch_interrupts();
	if (cmd_open_cache(ctx, "pull", p.json, &c) < 0) {
		code = EXIT_FAIL;
		goto done;
	}
	/*
	 * Local resolution first, for short names only: "org/name" is a
	 * Hub id as typed, so it never turns into a cached "org/name-v2".
	 */
	if (c.fd >= 0 && !strchr(p.base, '/')) {
		if (resolve_model(&c, p.base, &res) == 0) {
			if (strcmp(res.name, p.base))
				p.expanded = xstrdup(res.name);
		} else if (res.status == RESOLVE_AMBIGUOUS) {
			json_t *m = json_object();
			json_object_set_new(m, "matches",
					    json_string_array(res.matches.items,
							      res.matches.nr));
			code = report(&p, EXIT_FAIL, "error", "ambiguous_match",
				      res.message.buf, m);
			resolved_release(&res);
			goto done;
		}
		resolved_release(&res);
		if (p.expanded)
			p.name = p.expanded;
	}
	if (p.tty)
		progress_init(&p.prog, stderr);
	if (hub_net_init(&err) < 0) {
		code = report(&p, EXIT_FAIL, "failed", "download_failed",
			      err.buf, NULL);
		goto done;
	}
	code = do_pull(&p, &c);
	hub_net_cleanup();
	if (stop_requested(&mlxk_interrupted) && code != EXIT_OK)
		code = EXIT_INTERRUPTED;
done:
	cache_close(&c);
	strbuf_release(&err);
	strlist_clear(&p.include);
	strlist_clear(&p.exclude);
	free(p.base);
	free(p.rev);
	free(p.expanded);
	free(p.warning);
	free(p.snapshot);
	return code;
}

const struct cmd_entry cmd_pull_entry = {
	.name = "pull",
	.summary = "download a model from the Hub, verified and resumable",
	.usage = "pull [--include GLOB]... [--exclude GLOB]... [-j N] "
		 "[--split-above SIZE] [--force-resume] [-q] [--json] "
		 "ORG/NAME[@REV]",
	.help = "Download a model repository from the HuggingFace Hub into the "
		"cache, in\n"
		"huggingface_hub's format. Every byte is hashed on the way in "
		"(SHA-256\n"
		"for LFS files, the git blob id otherwise) and only a file "
		"that matches\n"
		"its name reaches blobs/. An interrupted download resumes "
		"from its\n"
		"blobs/<etag>.incomplete file.\n\n"
		"REV is a branch, tag or commit (default: main). The endpoint "
		"comes from\n"
		"HF_ENDPOINT, the token from HF_TOKEN, HUGGING_FACE_HUB_TOKEN "
		"or the\n"
		"token file; HF_HUB_OFFLINE=1 only checks the cache.\n\n"
		"options:\n"
		"  --include GLOB    only files matching GLOB ('*' crosses "
		"'/'; repeatable)\n"
		"  --exclude GLOB    skip files matching GLOB (after "
		"--include; repeatable)\n"
		"  -j, --jobs N      use up to N connections at once "
		"(default 8)\n"
		"  --split-above SIZE  fetch files of SIZE or more as several "
		"ranges at\n"
		"                    once (default 64M, env MLXK_SPLIT_ABOVE; "
		"0: never)\n"
		"  --force-resume    resume a partial download without "
		"asking\n"
		"  -q, --quiet       print nothing but errors\n"
		"  --json            print MLX-Knife's JSON envelope\n"
		"\n"
		"examples:\n"
		"  mlxk pull mlx-community/Qwen3-4B-4bit\n"
		"  mlxk pull https://huggingface.co/org/model@v1.0 -j 4\n"
		"  mlxk pull org/model --include '*.json' --include "
		"'*.safetensors'\n",
	.exec = cmd_pull_exec,
};
