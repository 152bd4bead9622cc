/* Paths as Python's os.path spells them: ~user, $VAR and ${VAR}. */
#include <ctype.h>
#include <stdbool.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/path.h"
#include "util/xalloc.h"
#include "util/banned.h"

void path_join(struct strbuf *dir, const char *name)
{
	if (dir->len && dir->buf[dir->len - 1] != '/')
		strbuf_addch(dir, '/');
	strbuf_addstr(dir, name);
}

/*
 * os.path.expanduser: "~" and "~/..." use $HOME even when it is set but
 * empty (the password database only when it is unset), "~user" looks the
 * user up; the home loses its trailing slashes and an empty result is "/".
 * Without a home to use, the path stays as written.
 */
void path_expand_user(const char *in, struct strbuf *out)
{
	struct strbuf home = STRBUF_INIT;
	const char *rest;
	struct passwd *pw;

	if (in[0] != '~') {
		strbuf_addstr(out, in);
		return;
	}
	rest = in + 1 + strcspn(in + 1, "/");
	if (rest == in + 1) {
		const char *h = getenv("HOME");

		if (h) {
			strbuf_addstr(&home, h);
		} else {
			pw = getpwuid(getuid());
			if (!pw || !pw->pw_dir) {
				strbuf_addstr(out, in);
				return;
			}
			strbuf_addstr(&home, pw->pw_dir);
		}
	} else {
		char *user = xstrndup(in + 1, (size_t)(rest - in - 1));

		pw = getpwnam(user);
		free(user);
		if (!pw || !pw->pw_dir) {
			strbuf_addstr(out, in);
			return;
		}
		strbuf_addstr(&home, pw->pw_dir);
	}
	while (home.len && home.buf[home.len - 1] == '/')
		strbuf_setlen(&home, home.len - 1);
	strbuf_addf(out, "%s%s", home.buf, rest);
	if (!out->len)
		strbuf_addch(out, '/');
	strbuf_release(&home);
}

/* os.path.expandvars: unknown variables are left as written. */
static void expand_vars(const char *in, struct strbuf *out)
{
	const char *p = in;

	while (*p) {
		const char *start, *end;
		bool brace;

		if (*p != '$') {
			strbuf_addch(out, *p++);
			continue;
		}
		brace = p[1] == '{';
		start = p + 1 + brace;
		end = start;
		while (*end && (isalnum((unsigned char)*end) || *end == '_'))
			end++;
		if (end == start || (brace && *end != '}')) {
			strbuf_addch(out, *p++);
			continue;
		}
		char *name = xstrndup(start, (size_t)(end - start));
		const char *val = getenv(name);
		free(name);
		if (val)
			strbuf_addstr(out, val);
		else
			strbuf_add(out, p, (size_t)(end + brace - p));
		p = end + brace;
	}
}

void path_expand(const char *in, struct strbuf *out)
{
	struct strbuf tmp = STRBUF_INIT;

	/* expandvars(expanduser(x)), in huggingface_hub's order. */
	path_expand_user(in, &tmp);
	expand_vars(tmp.buf, out);
	strbuf_release(&tmp);
}
