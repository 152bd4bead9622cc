/* mlxk pull: not written yet. */
#include "cmd.h"
#include "../util/msg.h"

static int cmd_pull_exec(int argc, char **argv, struct mlxk_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return error("'pull' is not available yet"), EXIT_FAIL;
}

const struct cmd_entry cmd_pull_entry = {
	.name = "pull",
	.summary = "(not available yet)",
	.usage = "pull",
	.help = "",
	.exec = cmd_pull_exec,
};
