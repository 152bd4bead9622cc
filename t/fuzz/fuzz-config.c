/*
 * Fuzz the metadata extraction: the input is split at NUL bytes into
 * config.json, tokenizer_config.json, tokenizer.json and README.md, then
 * classified, checked for runtime support and rendered as show metadata.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/model-json.h"
#include "model/health.h"
#include "model/inspect.h"
#include "util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *parts[4] = { "", "", "", "" };
	size_t lens[4] = { 0, 0, 0, 0 };
	char *copy = xmalloc(size + 1);
	struct model_meta m;
	struct model_class cls;
	struct strbuf reason = STRBUF_INIT;
	size_t start = 0;
	int n = 0;
	json_t *md;

	memcpy(copy, data, size);
	copy[size] = '\0';
	for (size_t i = 0; i <= size && n < 4; i++) {
		if (i == size || copy[i] == '\0') {
			parts[n] = copy + start;
			lens[n] = i - start;
			n++;
			start = i + 1;
		}
	}
	model_meta_init(&m);
	model_meta_parse(&m.config, parts[0], lens[0]);
	model_meta_parse(&m.tokcfg, parts[1], lens[1]);
	model_meta_parse(&m.preproc, parts[1], lens[1]);
	model_meta_parse_tokenizer(&m, parts[2], lens[2]);
	m.has_processor_file = size & 1;
	m.readme_mlx = model_readme_says_mlx(parts[3]);
	model_classify(parts[3], &m, &cls);
	health_runtime_check(NULL, FRAMEWORK_MLX, &m, &cls, &reason);
	md = model_metadata_json(&m);
	json_decref(md);
	model_meta_release(&m);
	strbuf_release(&reason);
	free(copy);
	return 0;
}
