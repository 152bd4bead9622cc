/* Is a pull's snapshot complete, and what is missing (see complete.h). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cache/repo.h"
#include "cache/trees.h"
#include "fetch/complete.h"
#include "hub/hub.h"
#include "lock/lock.h"
#include "util/fsutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

enum fetch_have fetch_local_state(struct cache *c, const char *name,
				  const char *commit,
				  const struct dl_file *files, size_t n,
				  struct strbuf *why)
{
	struct repo r;
	struct repo_rev *rev;
	char *folder = cache_name_to_folder(name);
	char *lockdir = xasprintf(".locks/%s", folder);
	size_t missing = 0, partial = 0, absent = 0;
	enum fetch_have ret = FETCH_HAVE_NONE;
	int lfd;

	if (c->fd < 0 || repo_open(c, folder, &r, NULL) < 0) {
		if (c->fd >= 0)
			repo_close(&r);
		free(folder);
		free(lockdir);
		return FETCH_HAVE_NONE;
	}
	lfd = fs_open_path_at(c->fd, lockdir, O_RDONLY | O_DIRECTORY);
	for (size_t i = 0; i < n; i++) {
		char *inc = names_incomplete_of(files[i].f->etag);
		char *lk = names_lock_of(files[i].f->etag);
		/* A partial file somebody is writing now is not ours to ask
		 * about: we will wait for its lock. */
		struct stat st;
		/* Nor is another user's that we cannot append to: the
		 * download starts a partial file of its own. */
		if (strlist_has(&r.incomplete, inc) &&
		    (lfd < 0 || lock_probe_at(lfd, lk) != LOCK_HELD) &&
		    r.blobs_fd >= 0 &&
		    fstatat(r.blobs_fd, inc, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    (st.st_uid == geteuid() ||
		     faccessat(r.blobs_fd, inc, W_OK, AT_EACCESS) == 0))
			partial++;
		free(inc);
		free(lk);
	}
	if (lfd >= 0)
		close(lfd);
	rev = repo_rev_by_commit(&r, commit);
	if (rev && repo_load_files(&r, rev) == 0) {
		for (size_t i = 0; i < n; i++) {
			const struct hub_file *f = files[i].f;
			struct repo_file *rf = repo_file_by_path(rev, f->path);
			if (!rf)
				absent++;
			else if (rf->state != FILE_OK || rf->size != f->size ||
				 (rf->blob && strcmp(rf->blob, f->etag)))
				missing++;
		}
		/*
		 * Files never fetched (an earlier --include) are simply
		 * downloaded; damaged or half-fetched ones need a yes.
		 */
		ret = missing || partial ? FETCH_HAVE_PARTIAL
		      : absent		 ? FETCH_HAVE_NONE
					 : FETCH_HAVE_ALL;
	} else if (partial) {
		ret = FETCH_HAVE_PARTIAL;
	}
	if (ret == FETCH_HAVE_PARTIAL) {
		if (missing)
			strbuf_addf(why,
				    "Incomplete download: %zu of %zu files "
				    "damaged",
				    missing, n);
		else
			strbuf_addf(why,
				    "Incomplete download: %zu partial "
				    "file(s) in the cache",
				    partial);
	}
	repo_close(&r);
	free(folder);
	free(lockdir);
	return ret;
}

/*
 * Count the files of the cached listing (trees/<commit>.json) that the
 * filters want, and how many of them the snapshot holds, sound. Returns
 * -1 when there is no listing.
 */
static int listed_missing(struct repo *r, struct repo_rev *rev,
			  const struct strlist *include,
			  const struct strlist *exclude, size_t *wanted)
{
	json_t *files = trees_load(r->fd, rev->commit), *v;
	const char *path;
	int missing = 0;

	if (!files)
		return -1;
	*wanted = 0;
	json_object_foreach(files, path, v)
	{
		struct repo_file *f;

		(void)v;
		if (!hub_path_wanted(path, include, exclude))
			continue;
		(*wanted)++;
		f = repo_file_by_path(rev, path);
		if (!f || f->state != FILE_OK)
			missing++;
	}
	json_decref(files);
	return missing;
}

void fetch_offline_check(struct cache *c, const char *name,
			 const char *rev_spec, const struct strlist *include,
			 const struct strlist *exclude,
			 struct fetch_offline *out)
{
	struct repo r;
	struct repo_rev *rev = NULL;
	char *folder = cache_name_to_folder(name);
	bool ok = false;

	memset(out, 0, sizeof(*out));
	out->missing = -1;
	if (c->fd >= 0 && repo_open(c, folder, &r, NULL) == 0) {
		if (rev_spec)
			repo_find_rev(&r, rev_spec, &rev, NULL);
		else
			rev = repo_current(&r);
		if (rev && repo_load_files(&r, rev) == 0 && rev->nr_files) {
			ok = true;
			for (size_t i = 0; i < rev->nr_files; i++)
				if (rev->files[i].state != FILE_OK)
					ok = false;
			/*
			 * With the listing, the files it names decide; without
			 * it, a half-fetched blob may be one the snapshot
			 * lacks.
			 */
			out->missing = listed_missing(&r, rev, include, exclude,
						      &out->wanted);
			if (out->missing > 0 ||
			    (out->missing == 0 && out->wanted == 0) ||
			    (out->missing < 0 && r.incomplete.nr))
				ok = false;
		}
		if (ok)
			memcpy(out->commit, rev->commit, 41);
		repo_close(&r);
	} else if (c->fd >= 0) {
		repo_close(&r);
	}
	free(folder);
	out->complete = ok;
}
