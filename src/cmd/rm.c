/* mlxk rm: not written yet. */
#include "cmd.h"
#include "../util/msg.h"

static int cmd_rm_exec(int argc, char **argv, struct mlxk_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return error("'rm' is not available yet"), EXIT_FAIL;
}

const struct cmd_entry cmd_rm_entry = {
	.name = "rm",
	.summary = "(not available yet)",
	.usage = "rm",
	.help = "",
	.exec = cmd_rm_exec,
};
