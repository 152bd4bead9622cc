/* mlxk list: not written yet. */
#include "cmd.h"
#include "../util/msg.h"

static int cmd_list_exec(int argc, char **argv, struct mlxk_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return error("'list' is not available yet"), EXIT_FAIL;
}

const struct cmd_entry cmd_list_entry = {
	.name = "list",
	.summary = "(not available yet)",
	.usage = "list",
	.help = "",
	.exec = cmd_list_exec,
};
