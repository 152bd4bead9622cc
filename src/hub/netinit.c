/* libcurl's global set-up and tear-down (see netinit.h). */
#include "hub/curlload.h"
#include "hub/netinit.h"
#include "util/banned.h"

int hub_net_init(struct strbuf *err)
{
	if (curl_api_load(err) < 0)
		return -1;
	/* A failure here shows again, named, at the first transfer. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return 0;
}

void hub_net_cleanup(void)
{
	curl_global_cleanup();
}
