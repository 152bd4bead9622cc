/* Unit tests: the folder-name codec and spec splitting. */
#include <stdlib.h>

#include "tap.h"
#include "cache/cache.h"
#include "cache/resolve.h"

static void folder(const char *in, const char *want)
{
	char *got = cache_folder_to_name(in);

	is_str(got, want, in);
	free(got);
}

static void name(const char *in, const char *want)
{
	char *got = cache_name_to_folder(in);

	is_str(got, want, in);
	free(got);
}

static void split(const char *spec, const char *base, const char *rev)
{
	char *b, *r;

	resolve_split(spec, &b, &r);
	is_str(b, base, spec);
	is_str(r, rev, spec);
	free(b);
	free(r);
}

int main(void)
{
	folder("models--org--name", "org/name");
	folder("models--bert-base-cased", "bert-base-cased");
	folder("models--deep--nested--path--model", "deep/nested/path/model");
	/* Corrupt names stay visible, as MLX-Knife 2.0 shows them. */
	folder("models--org--model---x", "org/model/-x");
	folder("models--microsoft--DialogGPT---small",
	       "microsoft/DialogGPT/-small");
	folder("models--org----model", "org//model");
	folder("models--", "");
	folder("datasets--org--data", NULL);
	folder("invalid-format", NULL);

	name("org/name", "models--org--name");
	name("deep/nested/path/model", "models--deep--nested--path--model");
	name("", "models--");
	name("models--org--name", "models--org--name");
	name("Org/Mixed-Case", "models--Org--Mixed-Case");

	/* Round trip of clean names. */
	const char *clean[] = { "microsoft/Phi-3-mini-4k-instruct",
				"simple-model", "org/model-name-with-dashes",
				"mlx-community/Llama-3.2-1B-Instruct-4bit",
				"deep/nested/path/model" };
	for (size_t i = 0; i < sizeof(clean) / sizeof(clean[0]); i++) {
		char *f = cache_name_to_folder(clean[i]);
		char *n = cache_folder_to_name(f);
		is_str(n, clean[i], "round trip");
		free(f);
		free(n);
	}

	is_str(cache_folder_type("datasets--a--b"), "dataset", "dataset type");
	is_str(cache_folder_type("kernels--a--b"), "kernel", "kernel type");
	is_str(cache_folder_type(".locks"), NULL, "no type");

	split("Phi-3@abc", "Phi-3", "abc");
	split("mlx-community/Model@def123", "mlx-community/Model", "def123");
	split("Model", "Model", NULL);
	split("Model@", "Model", "");
	split("@abc", "", "abc");
	split("Model@hash@invalid", "Model@hash", "invalid");
	return done_testing();
}
