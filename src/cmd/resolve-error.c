/* Reporting a model spec that did not resolve, the same for every command. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "util/jsonout.h"
#include "util/msg.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* What pull would be given: the spec itself when it is an ORG/NAME. */
static char *pull_target(const char *spec)
{
	const char *slash = strchr(spec, '/');
	size_t n = strcspn(spec, "@");

	if (slash && slash > spec && (size_t)(slash - spec) + 1 < n &&
	    !strchr(slash + 1, '/') && !strpbrk(spec, "*?[ \t"))
		return xstrndup(spec, n);
	return xstrdup("ORG/NAME");
}

int cmd_model_not_found(const char *command, bool json, struct cache *c,
			const char *spec, const char *type, struct json_t *data)
{
	struct strlist folders = STRLIST_INIT;
	struct strbuf msg = STRBUF_INIT, where = STRBUF_INIT, err = STRBUF_INIT,
		      next = STRBUF_INIT;
	char *target = pull_target(spec);
	bool empty =
		c->fd < 0 ||
		(cache_model_folders(c, &folders, &err) == 0 && !folders.nr);

	cmd_describe_cache(&where, c);
	if (empty || strcmp(target, "ORG/NAME"))
		strbuf_addf(&next, "mlxk pull %s", target);
	else
		strbuf_addstr(&next, "mlxk list");
	strbuf_addf(&msg, "no model found matching '%s'", spec);
	if (empty)
		strbuf_addf(&msg, ": %s %s; get a model with '%s'", where.buf,
			    c->fd < 0 ? "does not exist yet"
				      : "holds no models",
			    next.buf);
	else if (strcmp(target, "ORG/NAME"))
		strbuf_addf(&msg, " in %s; get it with '%s'", where.buf,
			    next.buf);
	else
		strbuf_addf(&msg,
			    " in %s; '%s' shows what it holds, 'mlxk pull "
			    "ORG/NAME' fetches more",
			    where.buf, next.buf);
	if (json) {
		/* MLX-Knife's message; the rest in keys of our own. */
		char *m = xasprintf("No model found matching '%s'", spec);
		json_t *extra = json_object();

		json_object_set_new(extra, "cache", json_string_lossy(c->root));
		json_object_set_new(extra, "cache_source",
				    c->source ? json_string(c->source)
					      : json_null());
		json_object_set_new(extra, "next", json_string_lossy(next.buf));
		json_print_error(command, data, type, m, extra);
		free(m);
	} else {
		json_decref(data);
		error("%s", msg.buf);
	}
	free(target);
	strlist_clear(&folders);
	strbuf_release(&msg);
	strbuf_release(&where);
	strbuf_release(&err);
	strbuf_release(&next);
	return EXIT_FAIL;
}

int cmd_resolve_failed(const struct cmd_entry *e, bool json, struct cache *c,
		       const char *spec, struct resolved *res,
		       struct json_t *data)
{
	json_t *extra = NULL;
	const char *type;

	if (res->status == RESOLVE_INVALID) {
		json_decref(data);
		return cmd_usage_error(e, json, "%s", res->message.buf);
	}
	if (res->status == RESOLVE_NOT_FOUND)
		return cmd_model_not_found(e->name, json, c,
					   res->base ? res->base : spec,
					   "model_not_found", data);
	if (!json)
		return cmd_fail(e->name, false, data, NULL, res->message.buf);
	if (res->status == RESOLVE_AMBIGUOUS) {
		type = "ambiguous_match";
		extra = json_object();
		json_object_set_new(
			extra, "matches",
			json_string_array(res->matches.items, res->matches.nr));
	} else {
		type = "hash_not_found";
	}
	json_print_error(e->name, data, type, res->message.buf, extra);
	return EXIT_FAIL;
}
