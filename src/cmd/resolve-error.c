/* Reporting a model spec that did not resolve, the same for every command. */
#include <stdlib.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "util/jsonout.h"
#include "util/msg.h"
#include "util/xalloc.h"
#include "util/banned.h"

int cmd_resolve_failed(const struct cmd_entry *e, bool json, const char *spec,
		       struct resolved *res, struct json_t *data)
{
	json_t *extra = NULL;
	const char *type = "model_not_found";
	char *msg = NULL;

	if (res->status == RESOLVE_INVALID) {
		json_decref(data);
		return cmd_usage_error(e, json, "%s", res->message.buf);
	}
	if (!json)
		return cmd_fail(e->name, false, data, NULL, res->message.buf);
	switch (res->status) {
	case RESOLVE_AMBIGUOUS:
		type = "ambiguous_match";
		extra = json_object();
		json_object_set_new(
			extra, "matches",
			json_string_array(res->matches.items, res->matches.nr));
		break;
	case RESOLVE_NO_REV:
		type = "hash_not_found";
		break;
	default:
		msg = xasprintf("No model found matching '%s'",
				res->base ? res->base : spec);
		break;
	}
	json_print_error(e->name, data, type, msg ? msg : res->message.buf,
			 extra);
	free(msg);
	return EXIT_FAIL;
}
