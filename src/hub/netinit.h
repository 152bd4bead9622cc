/*
 * Starting and ending a process's use of the network: libcurl loaded
 * (hub/curlload.h) and its global state set up, once, on the main thread
 * before any other thread runs. Owns nothing else; uses hub/curlload and
 * util/. Commands call this instead of libcurl.
 * Layer: hub/ (may use util/).
 */
#ifndef HUB_NETINIT_H
#define HUB_NETINIT_H

#include "util/strbuf.h"

/*
 * Load libcurl and initialise it (curl_global_init). Returns 0, or -1
 * with err set when libcurl cannot be loaded; then hub_net_cleanup() is
 * not needed.
 */
int hub_net_init(struct strbuf *err);
/* Undo hub_net_init() after the last transfer (curl_global_cleanup). */
void hub_net_cleanup(void);

#endif
