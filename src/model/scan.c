/* Inspecting the cache's model repos on a few threads (see scan.h). */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/repo.h"
#include "cache/resolve.h"
#include "model/scan.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

/*
 * The listing's work is system calls on thousands of small files and
 * folders; repos are independent, so a few threads inspect them side by
 * side, each taking the next folder, and the results keep their order.
 */
struct scan_job {
	struct cache *c;
	const struct model_scan_opts *o;
	const struct strlist *folders;
	struct model_info *mi; /* one per folder */
	bool *keep;
	size_t next;
	pthread_mutex_t lock;
};

#define SCAN_FOLDERS_PER_THREAD 32

static void inspect_one(struct scan_job *j, size_t i, struct strbuf *err)
{
	const char *folder = j->folders->items[i];
	char *name = cache_folder_to_name(folder);
	struct model_info *mi = &j->mi[i];
	struct repo r;
	bool opened;

	if (!name || (j->o->skip && strstr(name, j->o->skip)) ||
	    (j->o->pattern && !resolve_name_matches(name, j->o->pattern))) {
		free(name);
		return;
	}
	strbuf_reset(err);
	opened = repo_open(j->c, folder, &r, err) == 0;
	if (!opened)
		model_inspect_failed(name, err->buf, mi);
	else
		model_inspect(&r, repo_current(&r), mi, NULL);
	if (j->o->usage && opened) {
		struct repo_usage u;

		repo_usage(&r, &u);
		mi->disk_bytes = u.bytes;
		mi->accessed = u.accessed;
		mi->nr_revs = u.nr_revs;
	}
	repo_close(&r);
	free(name);
	if (j->o->frameworks && !(j->o->frameworks & (1u << mi->framework))) {
		model_info_release(mi);
		return;
	}
	j->keep[i] = true;
}

static void *scan_worker(void *arg)
{
	struct scan_job *j = arg;
	struct strbuf err = STRBUF_INIT;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&j->lock);
		i = j->next++;
		pthread_mutex_unlock(&j->lock);
		if (i >= j->folders->nr ||
		    (j->o->stop && stop_requested(j->o->stop)))
			break;
		inspect_one(j, i, &err);
	}
	strbuf_release(&err);
	return NULL;
}

int model_scan(struct cache *c, const struct model_scan_opts *o,
	       struct model_info **out, size_t *nr, struct strbuf *err)
{
	struct strlist folders = STRLIST_INIT;
	struct scan_job j;
	pthread_t *threads;
	size_t nthreads = 0, want;
	size_t max = o->max_threads ? o->max_threads : MODEL_SCAN_MAX_THREADS;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	*out = NULL;
	*nr = 0;
	if (cache_model_folders(c, &folders, err) < 0) {
		strlist_clear(&folders);
		return -1;
	}
	memset(&j, 0, sizeof(j));
	j.c = c;
	j.o = o;
	j.folders = &folders;
	j.mi = xcalloc(folders.nr ? folders.nr : 1, sizeof(*j.mi));
	j.keep = xcalloc(folders.nr ? folders.nr : 1, sizeof(*j.keep));
	pthread_mutex_init(&j.lock, NULL);
	want = folders.nr / SCAN_FOLDERS_PER_THREAD + 1;
	if (cpus > 0 && want > (size_t)cpus)
		want = (size_t)cpus;
	if (want > max)
		want = max;
	threads = xcalloc(want, sizeof(*threads));
	/* This thread works too; a thread that cannot start is not needed. */
	while (nthreads + 1 < want &&
	       !pthread_create(&threads[nthreads], NULL, scan_worker, &j))
		nthreads++;
	scan_worker(&j);
	for (size_t t = 0; t < nthreads; t++)
		pthread_join(threads[t], NULL);
	free(threads);
	pthread_mutex_destroy(&j.lock);
	for (size_t i = 0; i < folders.nr; i++)
		if (j.keep[i])
			j.mi[(*nr)++] = j.mi[i];
	*out = j.mi;
	free(j.keep);
	strlist_clear(&folders);
	return 0;
}
