/* mlxk health --verify / --cache: not written yet. */
#include "cmd.h"
#include "../util/msg.h"

int health_doctor_run(struct mlxk_ctx *ctx, const struct health_opts *o)
{
	(void)ctx;
	(void)o;
	return error("health --verify and --cache are not available yet"),
	       EXIT_FAIL;
}
