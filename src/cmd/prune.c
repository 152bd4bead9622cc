/* mlxk prune: not written yet. */
#include "cmd.h"
#include "../util/msg.h"

static int cmd_prune_exec(int argc, char **argv, struct mlxk_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return error("'prune' is not available yet"), EXIT_FAIL;
}

const struct cmd_entry cmd_prune_entry = {
	.name = "prune",
	.summary = "(not available yet)",
	.usage = "prune",
	.help = "",
	.exec = cmd_prune_exec,
};
