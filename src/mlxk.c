/*
 * mlxk: global options, the command table, dispatch and exit codes.
 *
 * Exit codes: 0 success, 1 the operation failed, 2 usage error,
 * 130 interrupted.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#ifdef __APPLE__
#include <sys/sysctl.h>
#endif
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "util/jsonout.h"
#include "util/msg.h"
#include "util/stop.h"
#include "util/term.h"
#include "util/xalloc.h"
#include "version.h"
#include "util/banned.h"

/* Sorted by name; "mlxk --help" lists them in this order. */
static const struct cmd_entry *const commands[] = {
	&cmd_clean_locks_entry, &cmd_health_entry, &cmd_list_entry,
	&cmd_prune_entry,	&cmd_pull_entry,   &cmd_rm_entry,
	&cmd_show_entry,
};

static const struct cmd_entry *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

/* Edit distance (insert, delete, substitute), capped: names are short. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[32], cur[32];

	if (la >= 32 || lb >= 32)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t d = prev[j - 1] + (a[i - 1] != b[j - 1]);

			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			cur[j] = d;
		}
		memcpy(prev, cur, (lb + 1) * sizeof(*prev));
	}
	return prev[lb];
}

/*
 * The command someone probably meant: other tools' words for ours (ls,
 * remove, info, download...), else the nearest name within two edits.
 */
static const char *suggest_command(const char *name)
{
	static const char *const alias[][2] = {
		{ "ls", "list" },
		{ "scan", "list" },
		{ "remove", "rm" },
		{ "delete", "rm" },
		{ "del", "rm" },
		{ "info", "show" },
		{ "inspect", "show" },
		{ "download", "pull" },
		{ "get", "pull" },
		{ "fetch", "pull" },
		{ "check", "health" },
		{ "verify", "health" },
		{ "doctor", "health" },
		{ "clean", "clean-locks" },
		{ "unlock", "clean-locks" },
		{ "gc", "prune" },
	};
	const char *best = NULL;
	size_t best_d = 3;

	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (!strcmp(name, alias[i][0]))
			return alias[i][1];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		size_t d = distance(name, commands[i]->name);

		if (d < best_d) {
			best_d = d;
			best = commands[i]->name;
		}
	}
	return best;
}

static int unknown_command(const char *name, bool json)
{
	const char *s = suggest_command(name);

	if (s)
		return cmd_usage_error(NULL, json,
				       "'%s' is not a mlxk command; did you "
				       "mean '%s'?",
				       name, s);
	return cmd_usage_error(NULL, json, "'%s' is not a mlxk command", name);
}

static void print_main_help(FILE *f)
{
	fprintf(f, "usage: mlxk [--cache-dir DIR] [--datasets-dir DIR] "
		   "[--xet-dir DIR]\n"
		   "            [--json] COMMAND [ARGS]\n"
		   "       mlxk --version [--json]\n"
		   "       mlxk help COMMAND\n\n"
		   "Manage the HuggingFace Hub model cache.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s %s\n", commands[i]->name,
			commands[i]->summary);
	fprintf(f,
		"\nglobal options:\n"
		"  --cache-dir DIR  use DIR as the hub cache (default: "
		"$HF_HUB_CACHE,\n"
		"                   $HF_HOME/hub or ~/.cache/huggingface/hub)\n"
		"  --datasets-dir DIR  use DIR as the datasets cache "
		"(default:\n"
		"                   $HF_DATASETS_CACHE or $HF_HOME/datasets)\n"
		"  --xet-dir DIR    use DIR as the Xet cache (default: "
		"$HF_XET_CACHE\n"
		"                   or $HF_HOME/xet)\n"
		"  --json           print MLX-Knife's JSON envelope on stdout\n"
		"                   (both may also follow the command name)\n"
		"  --version        print the version\n"
		"  -h, --help       print this help\n\n"
		"Run 'mlxk help COMMAND' for a command's options.\n");
}

/* Physical memory for --version --json; 0 when it cannot be told. */
static unsigned long long memory_total_bytes(void)
{
#if defined(__APPLE__)
	/* hw.memsize is 64-bit; _SC_PHYS_PAGES is not there on older macOS. */
	uint64_t mem = 0;
	size_t len = sizeof(mem);

	if (sysctlbyname("hw.memsize", &mem, &len, NULL, 0) < 0 ||
	    len != sizeof(mem))
		return 0;
	return mem;
#elif defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
	long pages = sysconf(_SC_PHYS_PAGES);
	long size = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || size <= 0)
		return 0;
	return (unsigned long long)pages * (unsigned long long)size;
#else
	return 0;
#endif
}

static int print_version(bool json)
{
	if (json) {
		json_t *data = json_object(), *sys = json_object();
		unsigned long long mem = memory_total_bytes();

		json_object_set_new(data, "cli_version",
				    json_string(MLXK_VERSION));
		json_object_set_new(data, "json_api_spec_version",
				    json_string(MLXK_JSON_API_SPEC));
		json_object_set_new(sys, "memory_total_bytes",
				    json_integer((json_int_t)mem));
		json_object_set_new(data, "system", mem ? sys : json_null());
		if (!mem)
			json_decref(sys);
		json_print_success("version", data);
	} else {
		printf("mlxk %s\n", MLXK_VERSION);
	}
	return EXIT_OK;
}

static int run_help(int argc, char **argv, bool json)
{
	const struct cmd_entry *e;

	if (argc < 2) {
		print_main_help(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "help")) {
		print_main_help(stdout);
		return EXIT_OK;
	}
	e = find_command(argv[1]);
	if (!e)
		return unknown_command(
			argv[1], json || cmd_json_requested(argc, argv, false));
	cmd_print_help(e, stdout);
	return EXIT_OK;
}

/* Check for ENOSPC and EIO on stdout, as git does after each command. */
static int check_stdout(int status)
{
	struct stat st;

	if (fstat(fileno(stdout), &st) == 0 &&
	    (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return status;
	if (fflush(stdout) || ferror(stdout)) {
		error("write failure on standard output: %s", strerror(errno));
		return EXIT_FAIL;
	}
	return status;
}

/* The options that name a folder, wherever they are given. */
static const char **dir_option(struct mlxk_ctx *ctx, const char *a, size_t *len)
{
	static const char *const names[] = { "--cache-dir", "--datasets-dir",
					     "--xet-dir" };
	const char **slots[] = { &ctx->cache_dir, &ctx->datasets_dir,
				 &ctx->xet_dir };

	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(names[i]);

		if (!strncmp(a, names[i], n) && (a[n] == '\0' || a[n] == '=')) {
			*len = n;
			return slots[i];
		}
	}
	return NULL;
}

/*
 * "mlxk list --cache-dir X" means what "mlxk --cache-dir X list" means:
 * take --cache-dir, --datasets-dir and --xet-dir (the last one wins) out
 * of the command's arguments, up to a "--". Returns the remaining argv
 * (NULL-terminated, to free), or NULL with *bad naming the option that
 * has no value.
 */
static char **take_cache_dir(int argc, char **argv, struct mlxk_ctx *ctx,
			     int *out_argc, const char **bad)
{
	char **out = xcalloc((size_t)argc + 1, sizeof(*out));
	int n = 0, j;

	for (j = 0; j < argc; j++) {
		const char *a = argv[j];
		const char **slot;
		size_t len;

		if (j && !strcmp(a, "--"))
			break;
		slot = j ? dir_option(ctx, a, &len) : NULL;
		if (slot && a[len] == '=') {
			*slot = a + len + 1;
		} else if (slot) {
			if (j + 1 >= argc) {
				*bad = a;
				free(out);
				return NULL;
			}
			*slot = argv[++j];
		} else {
			out[n++] = argv[j];
		}
	}
	while (j < argc)
		out[n++] = argv[j++];
	*out_argc = n;
	return out;
}

int main(int argc, char **argv)
{
	struct mlxk_ctx ctx = { 0 };
	const char **slot, *bad = NULL;
	size_t len;
	bool version = false;
	const struct cmd_entry *e;
	char **cmd_argv;
	int i, status, cmd_argc;

	term_init();
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-')
			break;
		if (!strcmp(a, "--json")) {
			ctx.json = true;
		} else if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			version = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_main_help(stdout);
			return check_stdout(EXIT_OK);
		} else if ((slot = dir_option(&ctx, a, &len))) {
			if (a[len] == '=') {
				*slot = a + len + 1;
			} else if (i + 1 >= argc) {
				return cmd_usage_error(
					NULL,
					cmd_json_requested(argc, argv, false),
					"%s needs a directory", a);
			} else {
				*slot = argv[++i];
			}
		} else {
			return cmd_usage_error(
				NULL, cmd_json_requested(argc, argv, false),
				"unknown option '%s'", a);
		}
	}
	if (version) {
		/* "mlxk --version --json" puts --json after --version. */
		for (int j = i; j < argc; j++)
			if (!strcmp(argv[j], "--json"))
				ctx.json = true;
		return check_stdout(print_version(ctx.json));
	}
	if (i >= argc) {
		if (ctx.json) {
			json_print_error(NULL, NULL, "CommandError",
					 "no command specified", NULL);
			return check_stdout(EXIT_USAGE);
		}
		print_main_help(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help"))
		return check_stdout(run_help(argc - i, argv + i, ctx.json));
	if (!strcmp(argv[i], "version"))
		return check_stdout(print_version(ctx.json));
	e = find_command(argv[i]);
	if (!e)
		return unknown_command(argv[i],
				       cmd_json_requested(argc, argv, false));
	/* "mlxk CMD --help" works the same for every command. */
	for (int j = i + 1; j < argc && strcmp(argv[j], "--"); j++) {
		if (!strcmp(argv[j], "--help") || !strcmp(argv[j], "-h")) {
			cmd_print_help(e, stdout);
			return check_stdout(EXIT_OK);
		}
	}
	cmd_argv = take_cache_dir(argc - i, argv + i, &ctx, &cmd_argc, &bad);
	if (!cmd_argv)
		return cmd_usage_error(
			e, cmd_json_requested(argc - i, argv + i, ctx.json),
			"%s needs a directory", bad);
	cmd_getopt_reset();
	status = e->exec(cmd_argc, cmd_argv, &ctx);
	free(cmd_argv);
	if (stop_requested(&mlxk_interrupted) && status != EXIT_USAGE)
		status = EXIT_INTERRUPTED;
	return check_stdout(status);
}
