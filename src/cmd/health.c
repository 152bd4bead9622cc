/*
 * mlxk health: a minimal option parser until the full command lands; it
 * only reaches the cache doctor (--verify, --cache, --fix-permissions).
 */
#include <getopt.h>
#include <string.h>

#include "cmd.h"
#include "../util/msg.h"

static int cmd_health_exec(int argc, char **argv, struct mlxk_ctx *ctx);

const struct cmd_entry cmd_health_entry = {
	.name = "health",
	.summary = "check models; verify content; diagnose the cache",
	.usage = "health [--json] [--verify] [--cache [--fix-permissions]] "
		 "[MODEL[@REV]]",
	.help = "Check the cache (see docs/doctor.md).\n\n"
		"options:\n"
		"  --verify           re-hash every file and compare it with "
		"its blob name\n"
		"  --cache            whole-cache diagnostics\n"
		"  --fix-permissions  with --cache: make a shared cache "
		"group-writable\n"
		"  --json             print the JSON envelope\n",
	.exec = cmd_health_exec,
};

static int cmd_health_exec(int argc, char **argv, struct mlxk_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "verify", no_argument, NULL, 'V' },
		{ "cache", no_argument, NULL, 'C' },
		{ "fix-permissions", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	struct health_opts o;
	int c;

	memset(&o, 0, sizeof(o));
	o.json = ctx->json;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'V':
			o.verify = true;
			break;
		case 'C':
			o.cache = true;
			break;
		case 'F':
			o.fix_permissions = true;
			break;
		default:
			return cmd_usage_error(&cmd_health_entry, o.json,
					       "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		o.spec = argv[optind++];
	if (optind < argc)
		return cmd_usage_error(&cmd_health_entry, o.json,
				       "too many arguments");
	if (o.fix_permissions && !o.cache)
		return cmd_usage_error(&cmd_health_entry, o.json,
				       "--fix-permissions needs --cache");
	if (!o.verify && !o.cache)
		return error("'health' without --verify or --cache is not "
			     "available yet"),
		       EXIT_FAIL;
	return health_doctor_run(ctx, &o);
}
