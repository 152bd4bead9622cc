/*
 * Unit tests: the Hub parsers (tree pages, Link headers, ETags), repo
 * path checks, fnmatch globs, URL encoding, tokens and link targets.
 */
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"
#include "fetch/download.h"
#include "hub/hub.h"
#include "util/progress.h"
#include "util/term.h"
#include "util/xalloc.h"

static void glob(const char *pat, const char *path, int want)
{
	ok(hub_glob_match(pat, path) == want, "glob '%s' %s '%s'", pat,
	   want ? "matches" : "does not match", path);
}

static void link_next(const char *hdr, const char *want)
{
	char *got = hub_link_next(hdr);

	is_str(got, want, hdr);
	free(got);
}

static void etag(const char *in, const char *want)
{
	char *got = hub_normalize_etag(in);

	is_str(got, want, in);
	free(got);
}

static void path(const char *p, int want)
{
	ok(hub_path_valid(p) == want, "path '%s' is %s", p,
	   want ? "valid" : "refused");
}

static void tree_bad(const char *json, const char *why)
{
	struct hub_tree t = { 0 };
	struct strbuf err = STRBUF_INIT;

	ok(hub_parse_tree(json, strlen(json), &t, &err) < 0 && err.len,
	   "tree refused: %s", why);
	hub_tree_release(&t);
	strbuf_release(&err);
}

#define F(p)                                                            \
	"{\"type\":\"file\",\"oid\":\"0123456789abcdef0123456789abcdef" \
	"01234567\",\"size\":1,\"path\":\"" p "\"}"

/* Parse a page, then check the listing as a whole. */
static void tree_checked(const char *json, int want, const char *what)
{
	struct hub_tree t = { 0 };
	struct strbuf err = STRBUF_INIT;
	int r = hub_parse_tree(json, strlen(json), &t, &err);

	if (r == 0)
		r = hub_tree_check(&t, &err);
	ok(r == want && (r == 0 || err.len), "%s", what);
	hub_tree_release(&t);
	strbuf_release(&err);
}

static void pct(const char *in, int keep, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	hub_pct_encode(&sb, in, keep);
	is_str(sb.buf, want, in);
	strbuf_release(&sb);
}

static void token(const char *in, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, in);
	hub_clean_token(&sb);
	is_str(sb.buf, want, "token cleaned");
	strbuf_release(&sb);
}

static void repo_id(const char *id, int good)
{
	struct strbuf err = STRBUF_INIT;

	ok((hub_check_repo_id(id, &err) == 0) == good, "repo id '%s' %s", id,
	   good ? "accepted" : "refused");
	strbuf_release(&err);
}

static void resolve(const char *base, const char *ref, const char *want,
		    const char *name)
{
	char *got = hub_url_resolve(base, ref);

	is_str(got ? got : "(null)", want, name);
	free(got);
}

int main(void)
{
	struct hub_tree t = { 0 };
	struct strbuf err = STRBUF_INIT;
	const char *page =
		"[{\"type\":\"directory\",\"oid\":\"x\",\"size\":0,"
		"\"path\":\"sub\"},"
		"{\"type\":\"file\",\"oid\":"
		"\"0123456789abcdef0123456789abcdef01234567\","
		"\"size\":12,\"path\":\"config.json\"},"
		"{\"type\":\"file\",\"oid\":"
		"\"1111111111111111111111111111111111111111\","
		"\"size\":9976576152,\"path\":\"sub/model.bin\",\"lfs\":{"
		"\"oid\":"
		"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaa\",\"size\":9976576152,\"pointerSize\":134},"
		"\"xetHash\":"
		"\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
		"bbbbbbbb\"}]";
	char *s;

	/* fnmatch.fnmatchcase semantics */
	glob("*.json", "config.json", 1);
	glob("*.json", "sub/config.json", 1); /* '*' crosses '/' */
	glob("*.JSON", "config.json", 0);     /* case-sensitive */
	glob("sub/", "sub/a/b.bin", 1); /* trailing '/' means '/' + star */
	glob("sub/", "subx/a", 0);
	glob("model-?"
	     "?"
	     "?"
	     "?"
	     "?-of-*.safetensors",
	     "model-00001-of-00002.safetensors", 1);
	glob("[mt]*", "tokenizer.json", 1);
	glob("[!mt]*", "tokenizer.json", 0);
	glob("[a-c]x", "bx", 1);
	glob("[]]x", "]x", 1);
	glob("a[", "a[", 1);
	glob("\\*", "\\x", 1); /* no escapes: backslash is literal */
	glob("", "", 1);
	glob("*", "", 1);

	{
		struct strlist inc = STRLIST_INIT, exc = STRLIST_INIT;
		ok(hub_path_wanted("a.bin", &inc, &exc), "no patterns: all");
		strlist_push(&inc, "*.json");
		strlist_push(&exc, "tok*");
		ok(hub_path_wanted("config.json", &inc, &exc), "included");
		ok(!hub_path_wanted("a.bin", &inc, &exc), "not included");
		ok(!hub_path_wanted("tokenizer.json", &inc, &exc),
		   "excluded after included");
		strlist_clear(&inc);
		strlist_clear(&exc);
	}

	link_next("<https://h/api?cursor=2>; rel=\"next\"",
		  "https://h/api?cursor=2");
	link_next("<https://h/p>; rel=\"prev\", <https://h/n>; rel=\"next\"",
		  "https://h/n");
	link_next("<https://h/n>; rel=next", "https://h/n");
	link_next("<https://h/n>; REL = \"first next\"", "https://h/n");
	link_next("<https://h/n>; rel=\"nextish\"", NULL);
	link_next("<https://h/n>; title=\"rel=next\"; rel=\"last\"", NULL);
	link_next("<https://h/n; rel=\"next\"", NULL);
	link_next("", NULL);

	etag("\"abc\"", "abc");
	etag("W/\"abc\"", "abc");
	etag("abc", "abc");
	etag("\"\"", "");

	path("config.json", 1);
	path("sub/dir/file.bin", 1);
	path("", 0);
	path("/etc/passwd", 0);
	path("../x", 0);
	path("a/../x", 0);
	path("a/..", 0);
	path("./x", 0);
	path("a//b", 0);
	path("a/", 0);
	path("a\\..\\b", 0);
	path("a\tb", 0);
	path("...", 1);

	ok(hub_parse_tree(page, strlen(page), &t, &err) == 0, "tree parses");
	is_int((long long)t.nr, 2, "directories are skipped");
	is_str(t.files[0].etag, "0123456789abcdef0123456789abcdef01234567",
	       "git file: blob name is oid");
	ok(!t.files[0].lfs, "git file is not LFS");
	ok(t.files[1].lfs, "LFS file");
	is_str(t.files[1].etag,
	       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	       "a",
	       "LFS file: blob name is lfs.oid");
	is_int((long long)t.files[1].size, 9976576152LL,
	       "sizes above 4 GB are exact");
	is_str(t.files[0].blob_id, "0123456789abcdef0123456789abcdef01234567",
	       "git file: blob_id kept for trees/");
	ok(!t.files[0].xet_hash, "git file: no xet hash");
	is_str(t.files[1].blob_id, "1111111111111111111111111111111111111111",
	       "LFS file: blob_id is the pointer's oid");
	ok(t.files[1].xet_hash && !strncmp(t.files[1].xet_hash, "bbbb", 4),
	   "LFS file: xetHash kept");
	hub_tree_release(&t);

	tree_bad("{}", "not an array");
	tree_bad("[{\"type\":\"file\",\"oid\":\"0123456789abcdef0123456789abcd"
		 "ef01234567\",\"size\":1,\"path\":\"../x\"}]",
		 "path traversal");
	tree_bad("[{\"type\":\"file\",\"oid\":\"../../etc/passwd\",\"size\":1,"
		 "\"path\":\"x\"}]",
		 "oid that is not a hash");
	tree_bad("[{\"type\":\"file\",\"oid\":\"0123456789abcdef0123456789abcd"
		 "ef01234567\",\"size\":-1,\"path\":\"x\"}]",
		 "negative size");
	tree_bad("[{\"type\":\"file\",\"oid\":\"0123456789abcdef0123456789abcd"
		 "ef01234567\",\"size\":1,\"path\":\"x\",\"lfs\":{\"oid\":"
		 "\"0123456789abcdef0123456789abcdef01234567\"}}]",
		 "LFS oid that is not SHA-256");
	tree_bad("[", "truncated JSON");
	tree_bad("[{\"type\":\"file\",\"oid\":\"0123456789abcdef0123456789abcd"
		 "ef01234567\",\"size\":1125899906842625,\"path\":\"x\"}]",
		 "a size over 1 PiB");
	tree_bad("[{\"type\":\"file\",\"oid\":\"0123456789abcdef0123456789abcd"
		 "ef01234567\",\"size\":-1,\"path\":\"x\"}]",
		 "a negative size");
	tree_bad("[{\"type\":\"file\",\"oid\":\"0123456789abcdef0123456789abcd"
		 "ef01234567\",\"size\":1,\"path\":\"x\",\"lfs\":{\"oid\":"
		 "\"0123456789abcdef0123456789abcdef01234567\",\"size\":1}}]",
		 "an LFS oid of 40 digits");
	tree_checked("[" F("a") "," F("b") "]", 0, "distinct paths pass");
	tree_checked("[" F("a") "," F("a") "]", -1, "a duplicate path fails");
	tree_checked("[" F("a") "," F("a-b") "," F("a/b") "]", -1,
		     "'a' and 'a/b' fail");
	tree_checked("[" F("x/a/b/c") "," F("x/a") "]", -1,
		     "a deep file below a file fails");
	tree_checked("[" F("ab") "," F("a/b") "," F("a.b/c") "]", 0,
		     "a common prefix that is no folder passes");

	pct("main", 0, "main");
	pct("refs/pr/1", 0, "refs%2Fpr%2F1");
	pct("sub dir/a+b.json", 1, "sub%20dir/a%2Bb.json");
	pct("v1.0_x-y~", 0, "v1.0_x-y~");

	{
		struct hub h = { 0 };
		h.endpoint = "https://hub.example";
		s = hub_resolve_url(&h, "org/name", "refs/pr/1", "a b/c.json");
		is_str(s,
		       "https://hub.example/org/name/resolve/refs%2Fpr%2F1/"
		       "a%20b/c.json",
		       "resolve URL");
		free(s);
	}

	resolve("http://h:8/api/m/o/n/tree/c?recursive=true",
		"/api/m/o/n/tree/c?cursor=2",
		"http://h:8/api/m/o/n/tree/c?cursor=2", "absolute-path link");
	resolve("https://h/hf/api/m/tree/c?recursive=true",
		"?recursive=true&cursor=5",
		"https://h/hf/api/m/tree/c?recursive=true&cursor=5",
		"query-only link keeps the page's path (a mirror's prefix)");
	resolve("https://h/a/b", "//cdn.example/x?y=1",
		"https://cdn.example/x?y=1", "network-path link");
	resolve("https://h/a/b", "http://other/x", "http://other/x",
		"absolute link as is");
	ok(hub_same_origin("http://127.0.0.1:8080/a", "http://127.0.0.1:8080"),
	   "same origin");
	ok(!hub_same_origin("http://127.0.0.2:8080/a", "http://127.0.0.1:8080"),
	   "another host is another origin");
	ok(!hub_same_origin("http://h:81/a", "http://h:80"),
	   "another port is another origin");
	ok(!hub_same_origin("https://h/a", "http://h"),
	   "another scheme is another origin");
	ok(hub_same_origin("https://H/a", "https://h:443"),
	   "default port and case do not matter");

	/* Hand-followed redirects: http(s) only, never https -> http. */
	strbuf_reset(&err);
	ok(!hub_redirect_allowed("https://h/a", "https://cdn/x", &err),
	   "https to https is followed");
	ok(!hub_redirect_allowed("http://h/a", "https://cdn/x", &err),
	   "http to https is followed");
	ok(!hub_redirect_allowed("http://h/a", "HTTP://cdn/x", &err),
	   "http to http is followed (scheme case does not matter)");
	ok(hub_redirect_allowed("https://h/a", "http://cdn/x?sig=1", &err) &&
		   strstr(err.buf, "https down") && !strstr(err.buf, "sig="),
	   "https down to http is refused, the query not shown");
	strbuf_reset(&err);
	ok(hub_redirect_allowed("HTTPS://h/a", "Http://cdn/x", &err),
	   "https down to http is refused whatever the case");
	strbuf_reset(&err);
	ok(hub_redirect_allowed("http://h/a", "file:///etc/passwd", &err) &&
		   strstr(err.buf, "file:"),
	   "file: is refused");
	strbuf_reset(&err);
	ok(hub_redirect_allowed("http://h/a", "ftp://u:pw@h/x", &err) &&
		   !strstr(err.buf, "pw"),
	   "ftp: is refused, without its password");
	strbuf_reset(&err);
	ok(hub_redirect_allowed("http://h/a", "gopher:x", &err) &&
		   hub_redirect_allowed("http://h/a", "noscheme", &err),
	   "other schemes and scheme-less locations are refused");
	strbuf_reset(&err);

	token(" \r\nhf_abc\r\n ", "hf_abc");
	token("\t\n", "");

	ok(hub_env_true("1") && hub_env_true("on") && hub_env_true("Yes") &&
		   hub_env_true("TRUE"),
	   "truthy values");
	ok(!hub_env_true("0") && !hub_env_true("") && !hub_env_true(NULL) &&
		   !hub_env_true("y"),
	   "falsy values");

	repo_id("org/name", 1);
	repo_id("gpt2", 1);
	repo_id("org/na--me", 0);
	repo_id("org/a/b", 0);
	repo_id("org/na me", 0);

	is_int(hub_retry_after("5", 30), 5, "Retry-After seconds");
	is_int(hub_retry_after("500", 30), 30, "Retry-After is capped");
	is_int(hub_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 30), 0,
	       "Retry-After date is left to the backoff");

	s = download_link_target("config.json", "abc");
	is_str(s, "../../blobs/abc", "top-level link target");
	free(s);
	s = download_link_target("a/b/c.bin", "abc");
	is_str(s, "../../../../blobs/abc", "nested link target");
	free(s);

	{
		struct strbuf line = STRBUF_INIT;
		struct progress_state ps = {
			500000, 1000000, 250000, 1, 4, NULL
		};
		struct progress pr;
		double r = 0;

		progress_format(&line, &ps, 250000, 160);
		is_str(line.buf,
		       " 50% 500.0KB/1.0MB  250.0KB/s  ETA 0:00:02  1/4 files",
		       "progress line");
		/* Narrower terminals drop fields, never wrap. */
		progress_format(&line, &ps, 250000, 54);
		is_int((int)line.len, 53, "progress: 53 columns fit in 54");
		progress_format(&line, &ps, 250000, 53);
		is_str(line.buf, " 50% 500.0KB/1.0MB  250.0KB/s  ETA 0:00:02",
		       "progress: 53 columns drop the file count");
		progress_format(&line, &ps, 250000, 40);
		is_str(line.buf, " 50% 500.0KB/1.0MB  ETA 0:00:02",
		       "progress: 40 columns drop the rate");
		progress_format(&line, &ps, 250000, 20);
		is_str(line.buf, " 50% 500.0KB/1.0MB", "progress: 20 columns");
		progress_format(&line, &ps, 250000, 6);
		is_str(line.buf, " 50%", "progress: 6 columns");
		progress_format(&line, &ps, 250000, 3);
		is_str(line.buf, " 5", "progress: cut to the width at worst");
		progress_format(&line, &ps, 250000, 0);
		is_str(line.buf, "", "progress: no width, no line");
		/* A file name fills what is left, cut in the middle. */
		ps.file = "model-00001-of-00042.safetensors";
		progress_format(&line, &ps, 250000, 200);
		is_str(line.buf,
		       " 50% 500.0KB/1.0MB  250.0KB/s  ETA 0:00:02  1/4 files  "
		       "model-00001-of-00042.safetensors",
		       "progress: the whole name when it fits");
		progress_format(&line, &ps, 250000, 72);
		is_str(line.buf,
		       " 50% 500.0KB/1.0MB  250.0KB/s  ETA 0:00:02  1/4 files  "
		       "model-0\xe2\x80\xa6"
		       "etensors",
		       "progress: a long name cut in the middle");
		/* The ellipsis is three bytes and one column. */
		is_int((int)line.len - 2, 71, "progress: 71 columns in 72");
		progress_format(&line, &ps, 250000, 60);
		is_str(line.buf,
		       " 50% 500.0KB/1.0MB  250.0KB/s  ETA 0:00:02  1/4 files",
		       "progress: no room for the name, none shown");
		ps.file = "\033[31m\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.bin";
		progress_format(&line, &ps, 250000, 80);
		is_str(line.buf,
		       " 50% 500.0KB/1.0MB  250.0KB/s  ETA 0:00:02  1/4 files  "
		       "?[31m\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.bin",
		       "progress: a name is shown escaped");
		strbuf_release(&line);

		/* 20 s at 10 MB/s, then 10 s at 1 MB/s, drawn 10 times a second
		 */
		progress_init(&pr, stderr);
		pr.start = 100.0;
		for (int i = 1; i <= 300; i++) {
			double now = 100.0 + i / 10.0;
			uint64_t net =
				i <= 200 ? (uint64_t)i * 1000000
					 : 200000000 +
						   (uint64_t)(i - 200) * 100000;
			r = progress_rate(&pr, net, now);
			if (i == 200)
				ok(r > 9.9e6 && r < 10.1e6,
				   "rate: 10 MB/s after 20 s at 10 MB/s");
			if (i == 205)
				ok(r < 9.9e6 && r > 1e6,
				   "rate: falls within half a second");
		}
		ok(r > 0.99e6 && r < 1.01e6,
		   "rate: 1 MB/s once the window holds only the slow part "
		   "(the average since the start would say 7 MB/s)");
		progress_init(&pr, stderr);
		pr.start = 50.0;
		r = progress_rate(&pr, 300000, 50.3);
		ok(r > 0.99e6 && r < 1.01e6,
		   "rate: the first draw uses the time since the start");
		ok(progress_rate(&pr, 0, 50.0) == 0, "rate: no time, no rate");
	}

	{
		int fds[2];

		/* Not a terminal: COLUMNS, else 80. */
		if (pipe(fds) == 0) {
			setenv("COLUMNS", "37", 1);
			is_int((long long)term_width(fds[1]), 37,
			       "width: COLUMNS when the fd is no terminal");
			setenv("COLUMNS", "wide", 1);
			is_int((long long)term_width(fds[1]), 80,
			       "width: 80 for a COLUMNS that is no number");
			unsetenv("COLUMNS");
			is_int((long long)term_width(fds[1]), 80,
			       "width: 80 without COLUMNS");
			close(fds[0]);
			close(fds[1]);
		}
	}
	strbuf_release(&err);
	return done_testing();
}
