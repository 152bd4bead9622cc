/*
 * mlxk health: integrity of every cached model, or of one (MODEL[@REV]).
 * --verify and --cache hand over to health-doctor.c.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "model/inspect.h"
#include "cache/repo.h"
#include "cache/resolve.h"
#include "util/strlist.h"
#include "util/jsonout.h"
#include "util/msg.h"
#include "util/stop.h"
#include "util/term.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define SENTINEL "TEST-CACHE-SENTINEL"

struct entry {
	char *name;
	bool healthy;
	char *reason;
	char *target; /* what the next steps name: NAME or NAME@REV */
	/* Refs only pull can repair (not a commit, trailing whitespace, a
	 * missing snapshot), when they are all that is wrong. */
	struct strlist bad_refs;
};

struct report {
	struct entry *items;
	size_t nr, alloc;
};

static void report_add(struct report *rep, const struct model_info *mi)
{
	struct entry *e;

	ALLOC_GROW(rep->items, rep->nr + 1, rep->alloc);
	e = &rep->items[rep->nr++];
	e->name = xstrdup(mi->name);
	e->healthy = mi->healthy;
	e->reason = xstrdup(mi->health_reason ? mi->health_reason : "");
	e->target = xstrdup(mi->name);
	memset(&e->bad_refs, 0, sizeof(e->bad_refs));
}

/*
 * The refs pull rewrites: one that is not exactly a commit hash, or names
 * a snapshot that is gone. Only when they are the whole reason: a damaged
 * snapshot is reported (and repaired) first.
 */
static void note_bad_refs(struct entry *e, struct repo *r)
{
	if (e->healthy || strncmp(e->reason, "ref '", 5))
		return;
	for (size_t i = 0; i < r->nr_refs; i++) {
		const struct repo_ref *ref = &r->refs[i];

		if (!ref->commit || !ref->exact ||
		    !repo_rev_by_commit(r, ref->commit))
			strlist_push(&e->bad_refs, ref->name);
	}
}

/*
 * The next steps for an unhealthy model: fetch what is missing or
 * damaged again (pull resumes and re-verifies), or drop it.
 */
static void next_steps(const struct entry *e, struct strlist *out)
{
	struct strbuf sb = STRBUF_INIT;

	/* A bad ref: pull at that ref writes it afresh (and fetches the
	 * snapshot it names); rm MODEL@REF cannot resolve it. */
	for (size_t i = 0; i < e->bad_refs.nr; i++) {
		const char *ref = e->bad_refs.items[i];

		strbuf_reset(&sb);
		strbuf_addf(&sb, "mlxk pull --force-resume %s", e->name);
		if (strcmp(ref, "main"))
			strbuf_addf(&sb, "@%s", ref);
		strlist_push(out, sb.buf);
	}
	if (e->bad_refs.nr) {
		strbuf_release(&sb);
		return;
	}

	strbuf_addf(&sb, "mlxk pull --force-resume %s", e->target);
	strlist_push(out, sb.buf);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "mlxk rm %s", e->target);
	strlist_push(out, sb.buf);
	strbuf_release(&sb);
}

static void report_clear(struct report *rep)
{
	for (size_t i = 0; i < rep->nr; i++) {
		free(rep->items[i].name);
		free(rep->items[i].reason);
		free(rep->items[i].target);
		strlist_clear(&rep->items[i].bad_refs);
	}
	free(rep->items);
	memset(rep, 0, sizeof(*rep));
}

/* Check one repo folder at rev (NULL: the current revision). */
static int check_folder(struct cache *c, const char *folder, const char *rev,
			struct report *rep, struct strbuf *err)
{
	struct model_info mi;
	struct repo r;
	struct repo_rev *sel = NULL;
	int ret = 0;

	if (repo_open(c, folder, &r, err) < 0) {
		char *name = cache_folder_to_name(folder);

		model_inspect_failed(name ? name : folder, err->buf, &mi);
		free(name);
		report_add(rep, &mi);
		model_info_release(&mi);
		repo_close(&r);
		return 0;
	}
	if (rev && repo_find_rev(&r, rev, &sel, err) < 0) {
		ret = -1;
		goto out;
	}
	model_inspect(&r, rev ? sel : repo_current(&r), &mi, NULL);
	report_add(rep, &mi);
	note_bad_refs(&rep->items[rep->nr - 1], &r);
	if (rev) {
		struct entry *e = &rep->items[rep->nr - 1];

		free(e->target);
		e->target = xasprintf("%s@%s", mi.name, rev);
	}
	model_info_release(&mi);
out:
	repo_close(&r);
	return ret;
}

static json_t *report_json(const struct report *rep)
{
	json_t *data = json_object(), *good = json_array(), *bad = json_array(),
	       *sum = json_object();
	size_t ok = 0;

	for (size_t i = 0; i < rep->nr; i++) {
		const struct entry *e = &rep->items[i];
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string_lossy(e->name));
		json_object_set_new(
			o, "status",
			json_string(e->healthy ? "healthy" : "unhealthy"));
		json_object_set_new(o, "reason", json_string_lossy(e->reason));
		json_array_append_new(e->healthy ? good : bad, o);
		ok += e->healthy;
	}
	json_object_set_new(sum, "total", json_integer((json_int_t)rep->nr));
	json_object_set_new(sum, "healthy_count", json_integer((json_int_t)ok));
	json_object_set_new(sum, "unhealthy_count",
			    json_integer((json_int_t)(rep->nr - ok)));
	json_object_set_new(data, "healthy", good);
	json_object_set_new(data, "unhealthy", bad);
	json_object_set_new(data, "summary", sum);
	if (rep->nr > ok) {
		/* Beside MLX-Knife's keys, whose entries are closed. */
		json_t *steps = json_array();

		for (size_t i = 0; i < rep->nr; i++) {
			struct strlist cmds = STRLIST_INIT;
			json_t *s;

			if (rep->items[i].healthy)
				continue;
			next_steps(&rep->items[i], &cmds);
			s = json_object();
			json_object_set_new(
				s, "name",
				json_string_lossy(rep->items[i].name));
			json_object_set_new(
				s, "commands",
				json_string_array(cmds.items, cmds.nr));
			json_array_append_new(steps, s);
			strlist_clear(&cmds);
		}
		json_object_set_new(data, "next_steps", steps);
	}
	return data;
}

static void report_human(const struct report *rep)
{
	struct strbuf name = STRBUF_INIT, reason = STRBUF_INIT;
	size_t ok = 0;
	bool colour = term_colour(STDOUT_FILENO);

	for (size_t i = 0; i < rep->nr; i++)
		ok += rep->items[i].healthy;
	if (rep->nr != 1)
		printf("Summary: total %zu, healthy %zu, unhealthy %zu\n",
		       rep->nr, ok, rep->nr - ok);
	/* Healthy first, then unhealthy, each in name order. */
	for (int pass = 1; pass >= 0; pass--)
		for (size_t i = 0; i < rep->nr; i++) {
			const struct entry *e = &rep->items[i];
			const char *word = e->healthy ? "healthy" : "unhealthy";

			if (e->healthy != (bool)pass)
				continue;
			printf("%s%s%s%*s %s %s %s\n",
			       colour ? cmd_state_colour(word) : "", word,
			       colour ? TERM_RESET : "",
			       (int)(9 - strlen(word)), "",
			       strbuf_printable(&name, e->name),
			       term_text("\xe2\x80\x94", "-"),
			       strbuf_printable(&reason, e->reason));
			if (!e->healthy) {
				struct strlist cmds = STRLIST_INIT;

				next_steps(e, &cmds);
				printf("          next: %s",
				       strbuf_printable(&name, cmds.items[0]));
				for (size_t k = 1;
				     e->bad_refs.nr && k < cmds.nr; k++)
					printf("; %s",
					       strbuf_printable(&name,
								cmds.items[k]));
				if (!e->bad_refs.nr)
					printf(", or remove it: %s",
					       strbuf_printable(&name,
								cmds.items[1]));
				printf("\n");
				strlist_clear(&cmds);
			}
		}
	strbuf_release(&name);
	strbuf_release(&reason);
}

json_t *health_models_json(struct cache *c)
{
	struct report rep = { NULL, 0, 0 };
	struct strlist folders = STRLIST_INIT;
	struct strbuf err = STRBUF_INIT;
	json_t *data;

	if (cache_model_folders(c, &folders, &err) == 0)
		for (size_t i = 0;
		     i < folders.nr && !stop_requested(&mlxk_interrupted);
		     i++) {
			if (strstr(folders.items[i], SENTINEL))
				continue;
			strbuf_reset(&err);
			check_folder(c, folders.items[i], NULL, &rep, &err);
		}
	data = report_json(&rep);
	report_clear(&rep);
	strlist_clear(&folders);
	strbuf_release(&err);
	return data;
}

/* A name part that fits several models is a filter, not a mistake. */
static bool pattern_matches_many(struct cache *c, const char *spec)
{
	struct resolved res;
	bool many;

	if (resolve_model(c, spec, &res) == 0) {
		resolved_release(&res);
		return false;
	}
	many = res.status == RESOLVE_AMBIGUOUS;
	resolved_release(&res);
	return many;
}

/*
 * Check every model of the cache, or those pattern (list's filter)
 * matches; -1 with err set when the cache cannot be listed.
 */
static int check_all(struct cache *c, const char *pattern, struct report *rep,
		     struct strbuf *err)
{
	struct strlist folders = STRLIST_INIT;
	struct strbuf why = STRBUF_INIT;

	if (cache_model_folders(c, &folders, err) < 0) {
		strlist_clear(&folders);
		return -1;
	}
	for (size_t i = 0; i < folders.nr && !stop_requested(&mlxk_interrupted);
	     i++) {
		char *name =
			pattern ? cache_folder_to_name(folders.items[i]) : NULL;

		if (strstr(folders.items[i], SENTINEL) ||
		    (pattern &&
		     !(name && resolve_name_matches(name, pattern)))) {
			free(name);
			continue;
		}
		free(name);
		strbuf_reset(&why);
		check_folder(c, folders.items[i], NULL, rep, &why);
	}
	strlist_clear(&folders);
	strbuf_release(&why);
	return 0;
}

static const struct option health_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "verify", no_argument, NULL, 'V' },
	{ "cache", no_argument, NULL, 'C' },
	{ "fix-permissions", no_argument, NULL, 'F' },
	{ "group", required_argument, NULL, 'G' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "home", no_argument, NULL, 'H' },
	{ "local-dir", required_argument, NULL, 'L' },
	{ NULL, 0, NULL, 0 },
};

static int cmd_health_exec(int argc, char **argv, struct mlxk_ctx *ctx)
{
	struct health_opts o = { NULL,	ctx->json, false, false,
				 false, false,	   NULL };
	struct report rep = { NULL, 0, 0 };
	struct strbuf err = STRBUF_INIT;
	struct strlist local_dirs = STRLIST_INIT;
	struct cache c;
	bool home = false;
	int opt, status = EXIT_OK;

	o.json = cmd_json_requested(argc, argv, o.json);
	while ((opt = getopt_long(argc, argv, "", health_options, NULL)) !=
	       -1) {
		switch (opt) {
		case 'j':
			o.json = true;
			break;
		case 'V':
			o.verify = true;
			break;
		case 'C':
			o.cache = true;
			break;
		case 'F':
			o.fix_permissions = true;
			break;
		case 'G':
			o.group = optarg;
			break;
		case 'n':
			o.dry_run = true;
			break;
		case 'H':
			home = true;
			break;
		case 'L':
			strlist_push(&local_dirs, optarg);
			break;
		default:
			strlist_clear(&local_dirs);
			return cmd_option_error(&cmd_health_entry, o.json, argv,
						health_options);
		}
	}
	if (optind < argc)
		o.spec = argv[optind++];
	if (optind < argc)
		return cmd_usage_error(&cmd_health_entry, o.json,
				       "too many arguments: '%s'",
				       argv[optind]);
	if (home || local_dirs.nr) {
		if (!o.cache || !home || o.spec || o.verify ||
		    o.fix_permissions || o.group || o.dry_run) {
			strlist_clear(&local_dirs);
			return cmd_usage_error(&cmd_health_entry, o.json,
					       "--home goes with --cache "
					       "alone; --local-dir needs "
					       "--cache --home");
		}
		status = health_home_run(ctx, o.json, &local_dirs);
		strlist_clear(&local_dirs);
		return status;
	}
	if (o.fix_permissions && !o.cache)
		return cmd_usage_error(&cmd_health_entry, o.json,
				       "--fix-permissions needs --cache");
	if ((o.group || o.dry_run) && !o.fix_permissions)
		return cmd_usage_error(&cmd_health_entry, o.json,
				       "%s needs --fix-permissions",
				       o.group ? "--group" : "--dry-run");
	if (o.verify || o.cache)
		return health_doctor_run(ctx, &o);

	if (cmd_open_cache(ctx, "health", o.json, &c) < 0)
		return EXIT_FAIL;
	if (o.spec && !strchr(o.spec, '@') &&
	    (strpbrk(o.spec, "*?[") ||
	     (!o.json && pattern_matches_many(&c, o.spec)))) {
		/* A pattern, as list takes it: every model it matches. */
		if (check_all(&c, o.spec, &rep, &err) < 0) {
			status = cmd_fail("health", o.json, report_json(&rep),
					  "health_check_failed", err.buf);
			goto out;
		}
		if (!rep.nr) {
			status = cmd_model_not_found("health", o.json, &c,
						     o.spec, "model_not_found",
						     report_json(&rep));
			goto out;
		}
	} else if (o.spec) {
		struct resolved res;

		if (resolve_model(&c, o.spec, &res) < 0) {
			status = cmd_resolve_failed(&cmd_health_entry, o.json,
						    &c, o.spec, &res,
						    report_json(&rep));
			resolved_release(&res);
			goto out;
		}
		if (check_folder(&c, res.folder, res.rev, &rep, &err) < 0) {
			status = cmd_fail("health", o.json, report_json(&rep),
					  "hash_not_found", err.buf);
			resolved_release(&res);
			goto out;
		}
		resolved_release(&res);
	} else if (check_all(&c, NULL, &rep, &err) < 0) {
		status = cmd_fail("health", o.json, report_json(&rep),
				  "health_check_failed", err.buf);
		goto out;
	}
	if (o.json) {
		json_print_success("health", report_json(&rep));
	} else {
		report_human(&rep);
		if (!rep.nr && !o.spec)
			cmd_hint_empty_cache(ctx, &c);
	}
	/* As health --verify: a script can test the exit code. */
	for (size_t i = 0; i < rep.nr; i++)
		if (!rep.items[i].healthy)
			status = EXIT_FAIL;
out:
	report_clear(&rep);
	strbuf_release(&err);
	cache_close(&c);
	return status;
}

const struct cmd_entry cmd_health_entry = {
	.name = "health",
	.summary = "check the integrity of cached models",
	.usage = "health [MODEL[@REV]] [--json] [--verify]\n"
		 "                   [--cache [--fix-permissions [--group "
		 "GROUP] "
		 "[--dry-run]]]\n"
		 "       mlxk health --cache --home [--local-dir DIR]... "
		 "[--json]",
	.help = "Check every cached model (or MODEL, at revision REV) with\n"
		"MLX-Knife's integrity rules: config.json, weight index and\n"
		"shards, LFS pointers, partial downloads, tokenizer and\n"
		"processor files, plus broken snapshot links, unreadable or\n"
		"special files, interrupted downloads and damaged refs. "
		"Prints\n"
		"a summary (when more than one model is checked), then one\n"
		"line per model: healthy or unhealthy, name and reason, and\n"
		"for an unhealthy one what to do next. MODEL may also be a\n"
		"pattern as list takes it (a part of several names, or a\n"
		"glob such as 'Qwen*'): every model it matches is checked.\n"
		"Exits 1 when a checked model is unhealthy or MODEL does not\n"
		"resolve, 0 when all are healthy.\n"
		"\n"
		"options:\n"
		"  --json             print the JSON API's health envelope\n"
		"  --verify           also re-hash every file against its "
		"blob\n"
		"                     name\n"
		"  --cache            whole-cache diagnostics\n"
		"  --fix-permissions  with --cache: make the cache shared:\n"
		"                     group read/write, setgid folders and a\n"
		"                     default ACL for the group on what you\n"
		"                     may change (everything, as root)\n"
		"  --group GROUP      the shared group (default: the cache\n"
		"                     root's); also fixes the root itself\n"
		"  --dry-run          show what --fix-permissions would "
		"change\n"
		"  --home             with --cache: the whole HuggingFace "
		"home instead:\n"
		"                     hub, datasets cache, Xet, assets, "
		"modules; size,\n"
		"                     files, lock files and what prune and "
		"clean-locks\n"
		"                     could reclaim (docs/datasets.md)\n"
		"  --local-dir DIR    with --cache --home: also this hf "
		"download\n"
		"                     --local-dir folder (may be repeated)\n"
		"\n"
		"examples:\n"
		"  mlxk health                        every model\n"
		"  mlxk health 'Qwen*' --json         the models a glob "
		"matches\n"
		"  mlxk health org/model@1a2b3c4      one revision\n"
		"  mlxk health --verify && echo intact\n",
	.exec = cmd_health_exec,
};
