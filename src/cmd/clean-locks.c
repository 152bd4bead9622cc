/* mlxk clean-locks: not written yet. */
#include "cmd.h"
#include "../util/msg.h"

static int cmd_clean_locks_exec(int argc, char **argv, struct mlxk_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return error("'clean-locks' is not available yet"), EXIT_FAIL;
}

const struct cmd_entry cmd_clean_locks_entry = {
	.name = "clean-locks",
	.summary = "(not available yet)",
	.usage = "clean-locks",
	.help = "",
	.exec = cmd_clean_locks_exec,
};
