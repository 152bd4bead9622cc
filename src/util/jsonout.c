/* The JSON envelope and a few jansson helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonout.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

static int print_envelope(json_t *env)
{
	/* One buffer, one write: json_dumpf writes token by token. */
	char *s = json_dumps(env, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int ret = s ? 0 : -1;

	if (s) {
		fputs(s, stdout);
		free(s);
	}
	fputc('\n', stdout);
	json_decref(env);
	return ret;
}

int json_print_success(const char *command, json_t *data)
{
	json_t *env = json_object();

	json_object_set_new(env, "status", json_string("success"));
	json_object_set_new(env, "command",
			    command ? json_string(command) : json_null());
	json_object_set_new(env, "data", data ? data : json_null());
	json_object_set_new(env, "error", json_null());
	return print_envelope(env);
}

int json_print_error(const char *command, json_t *data, const char *type,
		     const char *message, json_t *extra)
{
	json_t *env = json_object(), *err = json_object();
	struct strbuf msg = STRBUF_INIT;

	/* Credentials of a URL in the message never show. */
	strbuf_addstr(&msg, message ? message : "");
	strbuf_redact_userinfo(&msg);
	json_object_set_new(err, "type", json_string(type));
	json_object_set_new(err, "message",
			    message ? json_string_lossy(msg.buf) : json_null());
	strbuf_release(&msg);
	if (extra) {
		json_object_update(err, extra);
		json_decref(extra);
	}
	json_object_set_new(env, "status", json_string("error"));
	json_object_set_new(env, "command",
			    command ? json_string(command) : json_null());
	json_object_set_new(env, "data", data ? data : json_null());
	json_object_set_new(env, "error", err);
	return print_envelope(env);
}

json_t *json_string_lossy(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	json_t *j;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	while (*p) {
		size_t n = utf8_seq_len(p);
		if (n) {
			strbuf_add(&sb, p, n);
			p += n;
		} else {
			strbuf_addstr(&sb, "\xef\xbf\xbd");
			p++;
		}
	}
	j = json_stringn(sb.buf, sb.len);
	strbuf_release(&sb);
	return j ? j : json_string("");
}

json_t *json_string_array(char *const *items, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string_lossy(items[i]));
	return a;
}
