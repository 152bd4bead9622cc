/* The JSON renderings of a model: MLX-Knife 2.0's model object, show's
 * metadata. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/model-json.h"
#include "model/inspect.h"
#include "util/humanize.h"
#include "util/jsonout.h"
#include "util/xalloc.h"
#include "util/banned.h"

json_t *model_info_json(const struct model_info *mi)
{
	json_t *o = json_object(), *caps = json_array();
	struct strbuf t = STRBUF_INIT;

	for (int i = 0; i < CAP_COUNT; i++)
		if (mi->caps & (1u << i))
			json_array_append_new(caps,
					      json_string(capability_name(i)));
	iso8601_utc(&t, mi->mtime);
	json_object_set_new(o, "name", json_string_lossy(mi->name));
	json_object_set_new(o, "hash",
			    mi->hash ? json_string_lossy(mi->hash)
				     : json_null());
	json_object_set_new(o, "size_bytes",
			    json_integer((json_int_t)mi->size_bytes));
	json_object_set_new(o, "last_modified", json_string(t.buf));
	json_object_set_new(o, "framework",
			    json_string(framework_name(mi->framework)));
	json_object_set_new(o, "model_type", json_string_lossy(mi->model_type));
	json_object_set_new(o, "capabilities", caps);
	json_object_set_new(o, "health",
			    json_string(mi->healthy ? "healthy" : "unhealthy"));
	json_object_set_new(o, "runtime_compatible",
			    mi->runtime_unknown
				    ? json_null()
				    : json_boolean(mi->runtime_compatible));
	json_object_set_new(o, "reason",
			    mi->reason ? json_string_lossy(mi->reason)
				       : json_null());
	json_object_set_new(o, "cached", json_true());
	/* MLX-Knife's optional keys: unknown for a cache model, not absent. */
	json_object_set_new(o, "origin", json_null());
	json_object_set_new(o, "content_hash", json_null());
	json_object_set_new(o, "hash_modified", json_null());
	json_object_set_new(o, "clean", json_null());
	strbuf_release(&t);
	return o;
}

static json_t *copy_scalar(const json_t *cfg, const char *key)
{
	const json_t *v = json_object_get(cfg, key);

	if (json_is_integer(v) || json_is_string(v) || json_is_real(v))
		return json_deep_copy(v);
	return json_null();
}

json_t *model_metadata_json(const struct model_meta *m)
{
	const json_t *cfg = m->config.json, *a;
	json_t *o;
	int bits, group;

	if (!cfg)
		return NULL;
	o = json_object();
	json_object_set_new(o, "model_type", copy_scalar(cfg, "model_type"));
	a = json_object_get(cfg, "architectures");
	json_object_set_new(o, "architecture",
			    json_is_array(a) && json_array_size(a) &&
					    json_is_string(json_array_get(a, 0))
				    ? json_deep_copy(json_array_get(a, 0))
				    : json_null());
	model_meta_quantization(cfg, &bits, &group);
	if (bits) {
		char *q = xasprintf("%dbit", bits);
		json_object_set_new(o, "quantization", json_string(q));
		free(q);
	} else {
		json_object_set_new(o, "quantization", json_null());
	}
	json_object_set_new(o, "context_length",
			    copy_scalar(cfg, "max_position_embeddings"));
	json_object_set_new(o, "vocab_size", copy_scalar(cfg, "vocab_size"));
	json_object_set_new(o, "hidden_size", copy_scalar(cfg, "hidden_size"));
	json_object_set_new(o, "num_attention_heads",
			    copy_scalar(cfg, "num_attention_heads"));
	json_object_set_new(o, "num_hidden_layers",
			    copy_scalar(cfg, "num_hidden_layers"));
	return o;
}
