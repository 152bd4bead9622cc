/* The locale's codeset, the terminal's width and colour. */
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/term.h"
#include "util/banned.h"

static bool utf8 = true;

static bool names_utf8(const char *s)
{
	for (; s && *s; s++)
		if (!strncasecmp(s, "utf-8", 5) || !strncasecmp(s, "utf8", 4))
			return true;
	return false;
}

void term_init(void)
{
	const char *env = NULL;
	static const char *const vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };

	if (setlocale(LC_CTYPE, "")) {
		utf8 = names_utf8(nl_langinfo(CODESET));
		/*
		 * Only the answer is wanted: the rest of mlxk (fnmatch, ctype
		 * on names) keeps the byte semantics of the C locale.
		 */
		setlocale(LC_CTYPE, "C");
		return;
	}
	/* A locale that is not installed: go by its name, as tmux does. */
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]) && !env; i++) {
		env = getenv(vars[i]);
		if (env && !*env)
			env = NULL;
	}
	utf8 = names_utf8(env);
}

bool term_utf8(void)
{
	return utf8;
}

const char *term_text(const char *u, const char *ascii)
{
	return utf8 ? u : ascii;
}

size_t term_width(int fd)
{
	const char *env = getenv("COLUMNS");
#ifdef TIOCGWINSZ
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
#else
	(void)fd;
#endif
	if (env && *env) {
		char *end;
		long v = strtol(env, &end, 10);

		if (!*end && v > 0 && v < 10000)
			return (size_t)v;
	}
	return 80;
}

bool term_colour(int fd)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	return isatty(fd) && !(no && *no) && term && *term &&
	       strcmp(term, "dumb");
}
