/*
 * The words of a lock sweep's report, shared by clean-locks over the hub
 * and over the rest of HF_HOME, so both say the same things.
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lock/lock.h"
#include "util/strlist.h"
#include "util/xalloc.h"
#include "util/banned.h"

const char *cmd_lock_reason(enum lock_fate f)
{
	switch (f) {
	case LOCK_REMOVED:
		return "removed";
	case LOCK_KEPT_HELD:
		return "held by a running process";
	case LOCK_KEPT_RECENT:
		return "used recently";
	case LOCK_KEPT_DOWNLOAD:
		return "download in progress";
	case LOCK_KEPT_SOFT:
		return "soft lock of a live or remote process";
	case LOCK_KEPT_NO_PERM:
		return "no permission";
	case LOCK_KEPT_NOT_FILE:
		return "not a regular file";
	case LOCK_KEPT_NO_FLOCK:
		return "file system without flock";
	case LOCK_KEPT_CHANGED:
		return "replaced while looking";
	case LOCK_KEPT_ERROR:
		return "error";
	case LOCK_GONE:
		return "already gone";
	default:
		return "unknown";
	}
}

char *cmd_owner_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	if (pw && pw->pw_name)
		return xstrdup(pw->pw_name);
	return xasprintf("uid %lu", (unsigned long)uid);
}

size_t cmd_locks_kept(const struct lock_sweep *s)
{
	size_t n = 0;

	for (int f = 0; f < LOCK_FATE_COUNT; f++)
		if (f != LOCK_REMOVED && f != LOCK_GONE)
			n += s->count[f];
	return n;
}

/* "3 held, 1 used recently" */
void cmd_locks_kept_summary(struct strbuf *sb, const struct lock_sweep *s)
{
	bool first = true;

	for (int f = 0; f < LOCK_FATE_COUNT; f++) {
		if (f == LOCK_REMOVED || f == LOCK_GONE || !s->count[f])
			continue;
		strbuf_addf(sb, "%s%zu %s", first ? "" : ", ", s->count[f],
			    cmd_lock_reason((enum lock_fate)f));
		first = false;
	}
}

void cmd_print_locks_kept(const struct lock_sweep *s)
{
	struct strbuf sb = STRBUF_INIT;
	size_t kept = cmd_locks_kept(s);

	if (!kept)
		return;
	cmd_locks_kept_summary(&sb, s);
	printf("Kept %zu: %s\n", kept, sb.buf);
	if (s->count[LOCK_KEPT_NO_PERM]) {
		strbuf_reset(&sb);
		cmd_locks_no_perm_owners(&sb, s);
		printf("No permission for %zu lock file%s owned by %s\n",
		       s->count[LOCK_KEPT_NO_PERM],
		       s->count[LOCK_KEPT_NO_PERM] == 1 ? "" : "s", sb.buf);
	}
	strbuf_release(&sb);
}

bool cmd_locks_confirm(const struct lock_sweep *s, size_t folders)
{
	struct strbuf q = STRBUF_INIT;
	size_t n = s->count[LOCK_REMOVED];

	cmd_locks_kept_summary(&q, s);
	fprintf(stderr, "%zu lock file%s in %zu folder%s can go", n,
		n == 1 ? "" : "s", folders, folders == 1 ? "" : "s");
	if (cmd_locks_kept(s))
		fprintf(stderr, "; %zu stay (%s)", cmd_locks_kept(s), q.buf);
	fprintf(stderr, ".\n");
	strbuf_release(&q);
	if (cmd_confirm("Remove them?", false))
		return true;
	fprintf(stderr, "Cancelled: nothing was removed.\n");
	return false;
}

/* "owned by alice, bob" for the files we had no permission for. */
void cmd_locks_no_perm_owners(struct strbuf *sb, const struct lock_sweep *s)
{
	struct strlist names = STRLIST_INIT;

	for (size_t i = 0; i < s->nr; i++) {
		char *n;

		if (s->items[i].fate != LOCK_KEPT_NO_PERM)
			continue;
		n = cmd_owner_name(s->items[i].uid);
		if (!strlist_has(&names, n))
			strlist_push(&names, n);
		free(n);
	}
	for (size_t i = 0; i < names.nr; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", names.items[i]);
	strlist_clear(&names);
}
