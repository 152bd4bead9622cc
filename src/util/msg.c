/* Diagnostics on stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/msg.h"
#include "util/strbuf.h"
#include "util/banned.h"

static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	struct strbuf msg = STRBUF_INIT, out = STRBUF_INIT;

	/* Messages quote names from the cache: keep them one safe line. */
	strbuf_vaddf(&msg, fmt, ap);
	strbuf_redact_userinfo(&msg);
	strbuf_add_printable(&out, msg.buf);
	fflush(stdout);
	fprintf(stderr, "mlxk: %s%s\n", prefix, out.buf);
	strbuf_release(&msg);
	strbuf_release(&out);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("fatal: ", fmt, ap);
	va_end(ap);
	exit(EXIT_FAIL);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, "hint: try 'mlxk %s --help' for usage\n", cmd);
	else
		fprintf(stderr, "hint: try 'mlxk --help' for usage\n");
	return EXIT_USAGE;
}
