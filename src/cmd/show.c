/*
 * mlxk show: one model in detail (MLX-Knife 2.0's show): the model
 * object, then its metadata, its files (--files) or its config (--config).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "model/inspect.h"
#include "cache/repo.h"
#include "util/humanize.h"
#include "util/jsonout.h"
#include "util/msg.h"
#include "util/xalloc.h"
#include "util/banned.h"

enum show_mode { SHOW_METADATA, SHOW_FILES, SHOW_CONFIG };

/* The "type" of a file in show --files, as MLX-Knife names it. */
static const char *file_kind(const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (strstr(b, "tokenizer"))
		return "tokenizer";
	if (n >= 5 && !strcmp(b + n - 5, ".json"))
		return "config";
	if ((n >= 12 && !strcmp(b + n - 12, ".safetensors")) ||
	    (n >= 4 && !strcmp(b + n - 4, ".bin")) ||
	    (n >= 5 && !strcmp(b + n - 5, ".gguf")))
		return "weights";
	if (!strcmp(b, "README.md"))
		return "readme";
	return "other";
}

static void quant_text(const struct model_info *mi, struct strbuf *out)
{
	if (!mi->quant_bits) {
		strbuf_addstr(out, "-");
		return;
	}
	strbuf_addf(out, "%d-bit", mi->quant_bits);
	if (mi->quant_group)
		strbuf_addf(out, " (group_size=%d)", mi->quant_group);
}

/* Where the revision is on disk, and every revision with its refs. */
static void snapshot_path(struct repo *r, struct repo_rev *rev,
			  struct strbuf *out)
{
	strbuf_addf(out, "%s/%s/snapshots/%s", r->cache->root, r->folder,
		    rev->commit);
}

static void print_revisions_human(struct repo *r, struct repo_rev *cur)
{
	struct strbuf sb = STRBUF_INIT, safe = STRBUF_INIT;

	if (cur) {
		snapshot_path(r, cur, &sb);
		printf("Snapshot: %s\n", strbuf_printable(&safe, sb.buf));
	}
	printf("Revisions: %zu\n", r->nr_revs);
	for (size_t i = 0; i < r->nr_revs; i++) {
		struct repo_rev *rev = &r->revs[i];

		repo_load_files(r, rev);
		strbuf_reset(&sb);
		human_size(&sb, repo_rev_size(rev));
		printf("  %c %.7s  %s  ", rev == cur ? '*' : ' ',
		       strbuf_printable(&safe, rev->commit), sb.buf);
		strbuf_reset(&sb);
		human_age(&sb, rev->mtime, time(NULL));
		printf("%s  ", sb.buf);
		if (!rev->refs.nr)
			fputs("(detached)", stdout);
		for (size_t j = 0; j < rev->refs.nr; j++)
			printf("%s%s", j ? ", " : "",
			       strbuf_printable(&safe, rev->refs.items[j]));
		putchar('\n');
	}
	strbuf_release(&sb);
	strbuf_release(&safe);
}

static json_t *revisions_json(struct repo *r, struct repo_rev *cur)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->nr_revs; i++) {
		struct repo_rev *rev = &r->revs[i];
		struct strbuf when = STRBUF_INIT, path = STRBUF_INIT;
		json_t *o = json_object();

		repo_load_files(r, rev);
		iso8601_utc(&when, rev->mtime);
		snapshot_path(r, rev, &path);
		json_object_set_new(o, "hash", json_string_lossy(rev->commit));
		json_object_set_new(
			o, "refs",
			json_string_array(rev->refs.items, rev->refs.nr));
		json_object_set_new(
			o, "size_bytes",
			json_integer((json_int_t)repo_rev_size(rev)));
		json_object_set_new(o, "last_modified", json_string(when.buf));
		json_object_set_new(o, "snapshot_path",
				    json_string_lossy(path.buf));
		json_object_set_new(o, "current", json_boolean(rev == cur));
		json_array_append_new(a, o);
		strbuf_release(&when);
		strbuf_release(&path);
	}
	return a;
}

static void print_human(const struct model_info *mi,
			const struct model_meta *meta, struct repo_rev *rev,
			enum show_mode mode)
{
	struct strbuf sb = STRBUF_INIT, safe = STRBUF_INIT;
	bool first = true;

	/* Names, paths and config values come from the cache: sanitized. */
	printf("Model: %s", strbuf_printable(&safe, mi->name));
	if (mi->commit)
		printf("@%.7s", mi->commit);
	printf("\nFramework: %s\nType: %s\nCapabilities: ",
	       framework_name(mi->framework), mi->model_type);
	for (int i = 0; i < CAP_COUNT; i++) {
		if (!(mi->caps & (1u << i)))
			continue;
		printf("%s%s", first ? "" : ", ", capability_name(i));
		first = false;
	}
	if (first)
		fputs("-", stdout);
	quant_text(mi, &sb);
	printf("\nQuantization: %s\n", sb.buf);
	strbuf_reset(&sb);
	human_size(&sb, mi->size_bytes);
	printf("Size: %s\n", sb.buf);
	strbuf_reset(&sb);
	human_age(&sb, mi->mtime, time(NULL));
	printf("Modified: %s\n", sb.buf);
	printf("Health: %s\n", !mi->healthy		? "unhealthy"
			       : mi->runtime_compatible ? "healthy"
			       : mi->runtime_unknown
				       ? "healthy (files OK, runtime not "
					 "checked)"
				       : "healthy (files OK, runtime "
					 "incompatible)");
	if (mi->reason)
		printf("Reason: %s\n", strbuf_printable(&safe, mi->reason));
	if (mode == SHOW_FILES) {
		printf("\nFiles:\n");
		for (size_t i = 0; rev && i < rev->nr_files; i++) {
			const struct repo_file *f = &rev->files[i];

			strbuf_reset(&sb);
			human_size(&sb, f->size);
			printf("  - %s (%s, %s)\n",
			       strbuf_printable(&safe, f->path),
			       file_kind(f->path), sb.buf);
		}
	} else if (mode == SHOW_CONFIG) {
		if (meta->config.json) {
			char *s = json_dumps(meta->config.json,
					     JSON_INDENT(2) |
						     JSON_PRESERVE_ORDER);
			printf("\nConfig:\n%s\n", s ? s : "");
			free(s);
		} else {
			printf("\nConfig: -\n");
		}
	} else {
		json_t *md = model_metadata_json(meta);
		const char *key;
		json_t *v;
		bool any = false;

		json_object_foreach(md, key, v)
		{
			char *s;

			if (json_is_null(v))
				continue;
			if (!any)
				printf("\nMetadata:\n");
			any = true;
			s = json_is_string(v) ? NULL
					      : json_dumps(v, JSON_ENCODE_ANY);
			printf("  %s: %s\n", key,
			       strbuf_printable(&safe,
						s ? s : json_string_value(v)));
			free(s);
		}
		json_decref(md);
	}
	strbuf_release(&sb);
	strbuf_release(&safe);
}

static void print_json(const struct model_info *mi,
		       const struct model_meta *meta, struct repo_rev *rev,
		       enum show_mode mode, struct repo *r)
{
	json_t *data = json_object(), *model = model_info_json(mi), *q = NULL;
	struct strbuf sb = STRBUF_INIT;

	/* MLX-Knife's show adds config.json's quantization object. */
	if (meta->config.json)
		q = json_object_get(meta->config.json, "quantization");
	json_object_set_new(model, "quantization",
			    json_is_object(q) ? json_deep_copy(q)
					      : json_null());
	json_object_set_new(data, "model", model);
	json_object_set_new(data, "workspace_metadata", json_null());
	/* Beside MLX-Knife's keys: where it is and its other revisions. */
	if (rev) {
		struct strbuf path = STRBUF_INIT;

		snapshot_path(r, rev, &path);
		json_object_set_new(data, "snapshot_path",
				    json_string_lossy(path.buf));
		strbuf_release(&path);
	} else {
		json_object_set_new(data, "snapshot_path", json_null());
	}
	json_object_set_new(data, "revisions", revisions_json(r, rev));
	if (mode == SHOW_FILES) {
		json_t *files = json_array();

		for (size_t i = 0; rev && i < rev->nr_files; i++) {
			const struct repo_file *f = &rev->files[i];
			const char *b = strrchr(f->path, '/');
			json_t *e = json_object();

			strbuf_reset(&sb);
			human_size(&sb, f->size);
			json_object_set_new(
				e, "name",
				json_string_lossy(b ? b + 1 : f->path));
			json_object_set_new(e, "size", json_string(sb.buf));
			json_object_set_new(e, "type",
					    json_string(file_kind(f->path)));
			json_array_append_new(files, e);
		}
		json_object_set_new(data, "files", files);
		json_object_set_new(data, "metadata", json_null());
	} else if (mode == SHOW_CONFIG) {
		json_object_set_new(data, "config",
				    meta->config.json
					    ? json_deep_copy(meta->config.json)
					    : json_null());
		json_object_set_new(data, "metadata", json_null());
	} else {
		json_t *md = model_metadata_json(meta);

		json_object_set_new(data, "metadata", md ? md : json_null());
	}
	strbuf_release(&sb);
	json_print_success("show", data);
}

static const struct option show_options[] = {
	{ "files", no_argument, NULL, 'f' },
	{ "config", no_argument, NULL, 'c' },
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 },
};

static int cmd_show_exec(int argc, char **argv, struct mlxk_ctx *ctx)
{
	bool json = ctx->json, files = false, config = false;
	enum show_mode mode = SHOW_METADATA;
	struct resolved res;
	struct model_info mi;
	struct model_meta meta;
	struct repo_rev *rev = NULL;
	struct strbuf err = STRBUF_INIT;
	struct cache c;
	struct repo r;
	const char *spec;
	int opt, status = EXIT_OK;

	json = cmd_json_requested(argc, argv, json);
	while ((opt = getopt_long(argc, argv, "", show_options, NULL)) != -1) {
		switch (opt) {
		case 'f':
			files = true;
			break;
		case 'c':
			config = true;
			break;
		case 'j':
			json = true;
			break;
		default:
			return cmd_option_error(&cmd_show_entry, json, argv,
						show_options);
		}
	}
	if (optind >= argc)
		return cmd_usage_error(&cmd_show_entry, json,
				       "show needs a model name");
	spec = argv[optind++];
	if (optind < argc)
		return cmd_usage_error(&cmd_show_entry, json,
				       "too many arguments: '%s'",
				       argv[optind]);
	/* --files wins over --config, as in MLX-Knife. */
	if (files)
		mode = SHOW_FILES;
	else if (config)
		mode = SHOW_CONFIG;
	if (cmd_open_cache(ctx, "show", json, &c) < 0)
		return EXIT_FAIL;
	if (resolve_model(&c, spec, &res) < 0) {
		status = cmd_resolve_failed(&cmd_show_entry, json, &c, spec,
					    &res, NULL);
		goto out_res;
	}
	if (repo_open(&c, res.folder, &r, &err) < 0) {
		status = cmd_fail("show", json, NULL, "show_operation_failed",
				  err.buf);
		goto out_repo;
	}
	if (res.rev) {
		if (repo_find_rev(&r, res.rev, &rev, &err) < 0) {
			status = cmd_fail("show", json, NULL, "hash_not_found",
					  err.buf);
			goto out_repo;
		}
	} else {
		rev = repo_current(&r);
	}
	model_inspect(&r, rev, &mi, &meta);
	if (json) {
		print_json(&mi, &meta, rev, mode, &r);
	} else {
		print_human(&mi, &meta, rev, mode);
		if (mode == SHOW_METADATA) {
			putchar('\n');
			print_revisions_human(&r, rev);
		}
	}
	model_info_release(&mi);
	model_meta_release(&meta);
out_repo:
	repo_close(&r);
out_res:
	resolved_release(&res);
	strbuf_release(&err);
	cache_close(&c);
	return status;
}

const struct cmd_entry cmd_show_entry = {
	.name = "show",
	.summary = "show one model in detail",
	.usage = "show MODEL[@REV] [--files | --config] [--json]",
	.help = "Show a cached model: framework, type, capabilities,\n"
		"quantization, size, age, health and the reason when it is\n"
		"unhealthy or not runnable, followed by metadata from its\n"
		"config.json. MODEL is an exact org/name, a name under\n"
		"mlx-community/, or a unique part of a name; @REV picks a\n"
		"revision by commit-hash prefix or ref name (default: the\n"
		"revision refs/main names, else the newest snapshot).\n"
		"\n"
		"options:\n"
		"  --files   list the revision's files with kind and size\n"
		"  --config  print config.json (--files wins over --config)\n"
		"  --json    print the JSON API's show envelope\n"
		"\n"
		"examples:\n"
		"  mlxk show Qwen3-4B-4bit              metadata, revisions, "
		"path\n"
		"  mlxk show org/model@v1.0 --files     the files of a tag\n"
		"  mlxk show org/model --json --config\n",
	.exec = cmd_show_exec,
};
