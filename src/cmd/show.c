/* mlxk show: not written yet. */
#include "cmd.h"
#include "../util/msg.h"

static int cmd_show_exec(int argc, char **argv, struct mlxk_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return error("'show' is not available yet"), EXIT_FAIL;
}

const struct cmd_entry cmd_show_entry = {
	.name = "show",
	.summary = "(not available yet)",
	.usage = "show",
	.help = "",
	.exec = cmd_show_exec,
};
