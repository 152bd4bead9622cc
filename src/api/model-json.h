/*
 * MLX-Knife 2.0's JSON API (spec 0.2.3) for models: the renderings that
 * scripts depend on, kept apart from the model subsystem that only knows
 * what a model is. Uses model/ and util/; used by the commands.
 * Layer: api/ (may use model/, cache/, util/).
 */
#ifndef API_MODEL_JSON_H
#define API_MODEL_JSON_H

#include <jansson.h>

#include "model/inspect.h"

/* The model object of JSON API 0.2.3, with exactly its eleven keys. */
json_t *model_info_json(const struct model_info *mi);

/*
 * show's "metadata" object: model_type, architecture, quantization,
 * context_length, vocab_size, hidden_size, num_attention_heads,
 * num_hidden_layers (null when config.json lacks them). NULL when there
 * is no usable config.json.
 */
json_t *model_metadata_json(const struct model_meta *m);

#endif
