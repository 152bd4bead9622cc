/* Unit tests: name resolution against a small cache built in a temp dir. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "cache/cache.h"
#include "cache/repo.h"
#include "cache/resolve.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

static char root[] = "/tmp/mlxk-test-resolve-XXXXXX";

static void mkdirs(const char *rel)
{
	struct strbuf err = STRBUF_INIT;
	int fd = open(root, O_RDONLY | O_DIRECTORY);

	if (fs_mkdirs_at(fd, rel, 0755, &err) < 0)
		fprintf(stderr, "mkdirs %s: %s\n", rel, err.buf);
	close(fd);
	strbuf_release(&err);
}

static void write_file(const char *rel, const char *content)
{
	char *p = xasprintf("%s/%s", root, rel);
	FILE *f = fopen(p, "w");

	if (f) {
		fputs(content, f);
		fclose(f);
	}
	free(p);
}

/* A repo with one snapshot per commit given and refs/main -> the first. */
static void model(const char *folder, const char *c1, const char *c2)
{
	char *p;

	p = xasprintf("%s/snapshots/%s", folder, c1);
	mkdirs(p);
	free(p);
	if (c2) {
		p = xasprintf("%s/snapshots/%s", folder, c2);
		mkdirs(p);
		free(p);
	}
	p = xasprintf("%s/refs", folder);
	mkdirs(p);
	free(p);
	p = xasprintf("%s/refs/main", folder);
	write_file(p, c1);
	free(p);
}

#define C1 "1111111111111111111111111111111111111111"
#define C2 "2222222222222222222222222222222222222222"
#define C3 "abcdef0000000000000000000000000000000000"

static void expect(struct cache *c, const char *spec, enum resolve_status st,
		   const char *name)
{
	struct resolved res;
	int rc = resolve_model(c, spec, &res);

	is_int(res.status, st, spec);
	is_int(rc, st == RESOLVE_OK ? 0 : -1, spec);
	if (name)
		is_str(res.name, name, spec);
	resolved_release(&res);
}

static void cleanup(void)
{
	int fd = open("/tmp", O_RDONLY | O_DIRECTORY);
	struct strbuf err = STRBUF_INIT;

	fs_remove_tree_at(fd, root + 5, root, &err);
	close(fd);
	strbuf_release(&err);
}

int main(void)
{
	struct strbuf err = STRBUF_INIT;
	struct resolved res;
	struct cache c;

	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	model("models--mlx-community--Llama-3-8B-4bit", C1, NULL);
	model("models--org--Llama-3-8B-4bit", C1, NULL);
	model("models--org--qwen-small", C1, NULL);
	model("models--org--qwen-large", C2, C3);
	model("models--other--model", C1, NULL);
	model("models--other--model-v2", C3, NULL);
	mkdirs("datasets--org--qwen-data/snapshots");

	is_int(cache_open(&c, root, &err), 0, "cache_open");

	expect(&c, "org/Llama-3-8B-4bit", RESOLVE_OK, "org/Llama-3-8B-4bit");
	expect(&c, "Llama-3-8B-4bit", RESOLVE_OK,
	       "mlx-community/Llama-3-8B-4bit");
	expect(&c, "QWEN-SM", RESOLVE_OK, "org/qwen-small");
	expect(&c, "qwen", RESOLVE_AMBIGUOUS, NULL);
	expect(&c, "other/model", RESOLVE_OK, "other/model");
	expect(&c, "nothing", RESOLVE_NOT_FOUND, NULL);
	expect(&c, "", RESOLVE_INVALID, NULL);
	expect(&c, " \t", RESOLVE_INVALID, NULL);
	expect(&c, "qwen@", RESOLVE_INVALID, NULL);
	/* @rev narrows substring matches to the models that have it. */
	expect(&c, "qwen@abcdef", RESOLVE_OK, "org/qwen-large");
	expect(&c, "qwen@main", RESOLVE_AMBIGUOUS, NULL);
	expect(&c, "org/qwen-large@2222", RESOLVE_OK, "org/qwen-large");
	expect(&c, "org/qwen-large@ABCDEF", RESOLVE_OK, "org/qwen-large");
	expect(&c, "org/qwen-large@ffff", RESOLVE_NO_REV, NULL);
	expect(&c, "org/qwen-small@main", RESOLVE_OK, "org/qwen-small");
	expect(&c, "model@abcdef", RESOLVE_OK, "other/model-v2");

	resolve_model(&c, "qwen", &res);
	is_int((long long)res.matches.nr, 2, "ambiguous: every match");
	is_str(res.matches.items[0], "org/qwen-large", "matches sorted 1");
	is_str(res.matches.items[1], "org/qwen-small", "matches sorted 2");
	ok(strstr(res.message.buf, "org/qwen-large, org/qwen-small") != NULL,
	   "message lists the matches");
	resolved_release(&res);

	/* The current revision: refs/main, else the newest snapshot. */
	{
		struct repo r;
		struct repo_rev *rev;

		is_int(repo_open(&c, "models--org--qwen-large", &r, &err), 0,
		       "repo_open");
		rev = repo_current(&r);
		is_str(rev ? rev->commit : NULL, C2, "refs/main wins");
		is_int(repo_find_rev(&r, "abc", &rev, &err), 0, "prefix");
		is_str(rev ? rev->commit : NULL, C3, "prefix rev");
		is_int(repo_find_rev(&r, "9", &rev, &err), -1, "no such rev");
		repo_close(&r);
	}

	cache_close(&c);
	strbuf_release(&err);
	cleanup();
	return done_testing();
}
