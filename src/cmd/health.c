/* mlxk health: not written yet. */
#include "cmd.h"
#include "../util/msg.h"

static int cmd_health_exec(int argc, char **argv, struct mlxk_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return error("'health' is not available yet"), EXIT_FAIL;
}

const struct cmd_entry cmd_health_entry = {
	.name = "health",
	.summary = "(not available yet)",
	.usage = "health",
	.help = "",
	.exec = cmd_health_exec,
};
