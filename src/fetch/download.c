/* Parallel, verified, resumable blob downloads into the hub cache. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "fetch/download.h"
#include "fetch/ranged.h"
#include "fetch/ranges.h"
#include "util/hash.h"
#include "lock/lock.h"
#include "util/fsutil.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define RING_BUF (256u << 10) /* bytes per buffer */
#define RING_MAX 8	      /* buffers for a transfer running alone */
#define RING_BUDGET 16	      /* buffers shared by concurrent transfers */
#define ATTEMPTS 5	      /* in a row without progress */
#define RETRY_AFTER_CAP 30

char *download_link_target(const char *path, const char *etag)
{
	struct strbuf t = STRBUF_INIT;

	strbuf_addstr(&t, "../../");
	for (const char *p = path; *p; p++)
		if (*p == '/')
			strbuf_addstr(&t, "../");
	strbuf_addf(&t, "blobs/%s", etag);
	return strbuf_detach(&t, NULL);
}

static void write_cachedir_tag(struct cache *c)
{
	int fd = openat(c->fd, "CACHEDIR.TAG",
			O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			0666);
	const char *s = CACHEDIR_TAG_CONTENT;
	size_t n = strlen(s);

	if (fd < 0)
		return; /* exists, or not writable: huggingface_hub ignores it
			 */
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w <= 0)
			break;
		s += w;
		n -= (size_t)w;
	}
	close(fd);
}

/* Write refs/<ref> atomically, only when its content changes. */
static int write_ref(struct download *d, const char *ref, struct strbuf *err)
{
	struct strbuf rel = STRBUF_INIT, cur = STRBUF_INIT;
	const char *slash = strrchr(ref, '/');
	const char *base = slash ? slash + 1 : ref;
	int dfd, ret = -1;

	if (!hub_path_valid(ref))
		return error_set(err, "refusing to write a ref named '%s'",
				 ref);
	strbuf_addstr(&rel, "refs");
	if (slash) {
		strbuf_addch(&rel, '/');
		strbuf_add(&rel, ref, (size_t)(slash - ref));
	}
	if (fs_mkdirs_at(d->repo_fd, rel.buf, CACHE_DIR_MODE(d->cache), err) <
	    0)
		goto out;
	dfd = fs_open_path_at(d->repo_fd, rel.buf, O_RDONLY | O_DIRECTORY);
	if (dfd < 0) {
		error_set(err, "cannot open '%s': %s", rel.buf,
			  strerror(errno));
		goto out;
	}
	if (fs_read_file_at(dfd, base, false, 4096, &cur, NULL) == 0 &&
	    cur.len == 40 && !memcmp(cur.buf, d->commit, 40)) {
		ret = 0; /* unchanged: keep read-only caches working */
	} else {
		ret = fs_write_atomic_at(dfd, base, d->commit, 40, 0666, err);
	}
	close(dfd);
out:
	strbuf_release(&cur);
	strbuf_release(&rel);
	return ret;
}

int download_open(struct download *d, const char *ref, struct strbuf *err)
{
	struct strbuf rel = STRBUF_INIT;
	int ret = -1;

	d->folder = cache_name_to_folder(d->repo);
	d->repo_fd = d->blobs_fd = d->snap_fd = -1;
	/*
	 * In a group-shared cache everything we create stays usable by the
	 * group whatever the user's umask: files 0664, folders 02775 (as
	 * huggingface_hub's locks are 0664 always). Before any thread runs.
	 */
	if (d->cache->shared)
		umask(S_IWOTH);
	pthread_mutex_init(&d->mu, NULL);
	pthread_mutex_init(&d->out_mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	if (fs_mkdirs_at(d->cache->fd, d->folder, CACHE_DIR_MODE(d->cache),
			 err) < 0)
		goto out;
	d->repo_fd = fs_opendir_at(d->cache->fd, d->folder);
	if (d->repo_fd < 0) {
		error_set(err, "cannot open '%s': %s", d->folder,
			  strerror(errno));
		goto out;
	}
	if (fs_mkdirs_at(d->repo_fd, "blobs", CACHE_DIR_MODE(d->cache), err) <
	    0)
		goto out;
	d->blobs_fd = fs_opendir_at(d->repo_fd, "blobs");
	strbuf_addf(&rel, "snapshots/%s", d->commit);
	if (d->blobs_fd < 0 || fs_mkdirs_at(d->repo_fd, rel.buf,
					    CACHE_DIR_MODE(d->cache), err) < 0)
		goto out;
	d->snap_fd =
		fs_open_path_at(d->repo_fd, rel.buf, O_RDONLY | O_DIRECTORY);
	if (d->snap_fd < 0) {
		error_set(err, "cannot open '%s': %s", rel.buf,
			  strerror(errno));
		goto out;
	}
	d->bytes_total = d->bytes_missing = 0;
	for (size_t i = 0; i < d->nr_files; i++) {
		const struct hub_file *f = d->files[i].f;
		const char *slash = strrchr(f->path, '/');
		struct stat st;

		d->bytes_total += f->size;
		if (slash) {
			char *dir =
				xstrndup(f->path, (size_t)(slash - f->path));
			int r = fs_mkdirs_at(d->snap_fd, dir,
					     CACHE_DIR_MODE(d->cache), err);
			free(dir);
			if (r < 0)
				goto out;
		}
		if (fstatat(d->blobs_fd, f->etag, &st, AT_SYMLINK_NOFOLLOW) ==
			    0 &&
		    S_ISREG(st.st_mode) && (uint64_t)st.st_size == f->size)
			continue;
		strbuf_setf(&rel, "%s.incomplete", f->etag);
		{
			struct rangeset have = RANGESET_INIT;
			int r = ranges_load(d->blobs_fd, f->etag, f->size,
					    &have);

			d->bytes_missing += f->size;
			if (r == 0)
				d->bytes_missing -= rangeset_bytes(&have);
			rangeset_release(&have);
			if (r == 0)
				continue;
			d->bytes_missing -= f->size;
		}
		if (fstatat(d->blobs_fd, rel.buf, &st, AT_SYMLINK_NOFOLLOW) ==
			    0 &&
		    S_ISREG(st.st_mode) && (uint64_t)st.st_size <= f->size)
			d->bytes_missing += f->size - (uint64_t)st.st_size;
		else
			d->bytes_missing += f->size;
	}
	write_cachedir_tag(d->cache);
	if (ref && strcmp(ref, d->commit) && write_ref(d, ref, err) < 0)
		goto out;
	ret = 0;
out:
	strbuf_release(&rel);
	return ret;
}

void download_close(struct download *d)
{
	if (d->snap_fd >= 0)
		close(d->snap_fd);
	if (d->blobs_fd >= 0)
		close(d->blobs_fd);
	if (d->repo_fd >= 0)
		close(d->repo_fd);
	d->snap_fd = d->blobs_fd = d->repo_fd = -1;
	FREE_AND_NULL(d->folder);
	pthread_mutex_destroy(&d->mu);
	pthread_mutex_destroy(&d->out_mu);
	pthread_cond_destroy(&d->cv);
}

long long download_free_space(struct download *d)
{
	struct statvfs sv;

	if (fstatvfs(d->blobs_fd, &sv) < 0)
		return -1;
	return (long long)sv.f_bavail * (long long)sv.f_frsize;
}

/* Link snapshots/<commit>/<path> to the blob (remove, then symlink). */
static int make_link(struct download *d, const struct hub_file *f,
		     struct strbuf *err)
{
	const char *slash = strrchr(f->path, '/');
	const char *base = slash ? slash + 1 : f->path;
	char *target = download_link_target(f->path, f->etag);
	char cur[512];
	int dfd, ret = -1;
	ssize_t n;

	if (slash) {
		char *dir = xstrndup(f->path, (size_t)(slash - f->path));
		dfd = fs_open_path_at(d->snap_fd, dir, O_RDONLY | O_DIRECTORY);
		free(dir);
	} else {
		dfd = dup(d->snap_fd);
	}
	if (dfd < 0) {
		error_set(err, "cannot open the folder of '%s': %s", f->path,
			  strerror(errno));
		goto out;
	}
	n = readlinkat(dfd, base, cur, sizeof(cur) - 1);
	if (n >= 0) {
		cur[n] = '\0';
		if (!strcmp(cur, target)) {
			ret = 0;
			goto out;
		}
	}
	if (unlinkat(dfd, base, 0) < 0 && errno != ENOENT) {
		int e = errno;

		error_set(err, "cannot replace '%s' in the snapshot: %s",
			  f->path, strerror(e));
		if (e == EACCES || e == EPERM)
			fs_add_eacces_hint(err, dfd, ".", "its folder");
		goto out;
	}
	if (symlinkat(target, dfd, base) < 0) {
		int e = errno;

		error_set(err, "cannot link '%s': %s", f->path, strerror(e));
		if (e == EACCES || e == EPERM)
			fs_add_eacces_hint(err, dfd, ".", "its folder");
		goto out;
	}
	ret = 0;
out:
	if (dfd >= 0)
		close(dfd);
	free(target);
	return ret;
}

/*
 * One file's transfer state, shared with the body sink. Bytes arrive in a
 * ring of buffers: the receiving thread fills one while a writer thread
 * writes the filled ones to the file and a hasher thread hashes them, so
 * the network, the disk and SHA-256 each get a core when there is one. A
 * buffer is filled again once both have finished with it.
 */
struct xfer_file {
	struct download *d;
	struct dl_file *df;
	int fd;
	struct hasher h;  /* owned by the hasher while it is busy */
	uint64_t have;	  /* bytes on disk plus buffered */
	uint64_t flushed; /* bytes written to fd (writer) */
	bool started;	  /* first body byte of the current reply seen */
	uint64_t range_from;
	struct strbuf why; /* a sink failure, for the error message */
	int write_errno;   /* (writer) */
	bool tampered;	   /* somebody else truncated our file (writer) */

	char *ring[RING_MAX];
	size_t len[RING_MAX];
	unsigned depth; /* buffers in the ring: 1 (no threads), 2 to RING_MAX */
	size_t buf_len; /* bytes in ring[filled % depth], being filled */
	/* 64 bits: ring indexes stay right however many buffers pass */
	uint64_t filled;  /* buffers handed over, ever */
	uint64_t written; /* of those, written (writer) */
	uint64_t hashed;  /* of those, hashed (hasher) */
	pthread_t writer, hasher;
	bool threads_up, quit;
	pthread_mutex_t mu;
	pthread_cond_t more; /* filled grew, or quit */
	pthread_cond_t done; /* written or hashed grew */
};

static char *fill_buf(struct xfer_file *x)
{
	return x->ring[x->filled % x->depth];
}

/*
 * Write one buffer to the file (writer thread, or the caller). Returns 0,
 * an errno value, or -1 when somebody else has truncated the file.
 */
static int write_out(struct xfer_file *x, const char *p, size_t n)
{
	struct stat st;

	while (n > 0) {
		ssize_t w = write(x->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno : EIO;
		p += w;
		n -= (size_t)w;
		x->flushed += (uint64_t)w;
	}
	/*
	 * A client that takes no lock (@huggingface/hub) opens the same
	 * .incomplete name with O_TRUNC: then the file is shorter than what
	 * we wrote, and its content is no longer ours to vouch for.
	 */
	if (fstat(x->fd, &st) == 0 && (uint64_t)st.st_size < x->flushed)
		return -1;
	return 0;
}

/* Record what write_out said (with mu held when the threads run). */
static void note_write(struct xfer_file *x, int r)
{
	if (r > 0)
		x->write_errno = r;
	else if (r < 0)
		x->tampered = true;
}

static bool write_failed(const struct xfer_file *x)
{
	return x->write_errno || x->tampered;
}

/*
 * The loop of the writer and of the hasher: take the next filled buffer,
 * work on it outside the lock, count it done. After a write error the
 * writer goes on counting buffers, so the ring never stalls: the error
 * ends the transfer, and the hash of a failed transfer is never used.
 */
static void drain(struct xfer_file *x, uint64_t *count, bool hashing)
{
	pthread_mutex_lock(&x->mu);
	for (;;) {
		unsigned i;
		int r = 0;

		while (*count == x->filled && !x->quit)
			pthread_cond_wait(&x->more, &x->mu);
		if (*count == x->filled)
			break;
		i = (unsigned)(*count % x->depth);
		pthread_mutex_unlock(&x->mu);
		/* Only this thread sets the write errors while it runs. */
		if (hashing)
			hasher_update(&x->h, x->ring[i], x->len[i]);
		else if (!write_failed(x))
			r = write_out(x, x->ring[i], x->len[i]);
		pthread_mutex_lock(&x->mu);
		note_write(x, r);
		(*count)++;
		pthread_cond_broadcast(&x->done);
	}
	pthread_mutex_unlock(&x->mu);
}

static void *writer_main(void *arg)
{
	struct xfer_file *x = arg;

	drain(x, &x->written, false);
	return NULL;
}

static void *hasher_main(void *arg)
{
	struct xfer_file *x = arg;

	drain(x, &x->hashed, true);
	return NULL;
}

/*
 * Deep rings let one fast transfer ride out stalls of the disk or the
 * hash; several transfers share a fixed budget, so memory stays flat
 * however many run. A small file needs no more buffers than it fills.
 */
static void pipeline_init(struct xfer_file *x)
{
	uint64_t size = x->df->f->size;
	/* One buffer, written and hashed inline, for a file that fits. */
	uint64_t need = size <= RING_BUF ? 1 : size / RING_BUF + 2;

	x->depth = x->d->ring_depth;
	if (x->depth > need)
		x->depth = (unsigned)need;
	for (unsigned i = 0; i < x->depth; i++)
		x->ring[i] = xmalloc(RING_BUF);
	pthread_mutex_init(&x->mu, NULL);
	pthread_cond_init(&x->more, NULL);
	pthread_cond_init(&x->done, NULL);
}

static void pipeline_quit(struct xfer_file *x)
{
	pthread_mutex_lock(&x->mu);
	x->quit = true;
	pthread_cond_broadcast(&x->more);
	pthread_mutex_unlock(&x->mu);
}

/* Without threads, flush_buf_wait writes and hashes in the caller. */
static void pipeline_start(struct xfer_file *x)
{
	if (pthread_create(&x->writer, NULL, writer_main, x) != 0)
		return;
	if (pthread_create(&x->hasher, NULL, hasher_main, x) != 0) {
		pipeline_quit(x);
		pthread_join(x->writer, NULL);
		x->quit = false;
		return;
	}
	x->threads_up = true;
}

static void pipeline_stop(struct xfer_file *x)
{
	if (!x->ring[0])
		return;
	if (x->threads_up) {
		pipeline_quit(x);
		pthread_join(x->writer, NULL);
		pthread_join(x->hasher, NULL);
		x->threads_up = false;
	}
	pthread_mutex_destroy(&x->mu);
	pthread_cond_destroy(&x->more);
	pthread_cond_destroy(&x->done);
	for (unsigned i = 0; i < x->depth; i++) {
		free(x->ring[i]);
		x->ring[i] = NULL;
	}
}

/* Fail if the writer has hit an error; sets why for a lockless writer. */
static int writer_status(struct xfer_file *x)
{
	if (x->tampered) {
		strbuf_setf(&x->why, "another program is writing it without "
				     "a lock");
		return -1;
	}
	return x->write_errno ? -1 : 0;
}

/* Pass the buffer being filled to the writer and the hasher (mu held). */
static void hand_over(struct xfer_file *x)
{
	x->len[x->filled % x->depth] = x->buf_len;
	x->filled++;
	x->buf_len = 0;
	pthread_cond_broadcast(&x->more);
}

/* Both have finished with the buffer that is to be filled next. */
static bool next_is_free(const struct xfer_file *x)
{
	return x->filled - x->written < x->depth &&
	       x->filled - x->hashed < x->depth;
}

/*
 * Hand the filled buffer over and wait until the next one is free. With
 * wait, also wait until everything is written and hashed.
 */
static int flush_buf_wait(struct xfer_file *x, bool wait)
{
	int ret;

	if (!x->threads_up) {
		hasher_update(&x->h, fill_buf(x), x->buf_len);
		if (!write_failed(x))
			note_write(x, write_out(x, fill_buf(x), x->buf_len));
		x->buf_len = 0;
		return writer_status(x);
	}
	pthread_mutex_lock(&x->mu);
	if (x->buf_len)
		hand_over(x);
	while (wait ? x->written != x->filled || x->hashed != x->filled
		    : !next_is_free(x))
		pthread_cond_wait(&x->done, &x->mu);
	ret = writer_status(x);
	pthread_mutex_unlock(&x->mu);
	return ret;
}

/*
 * Hand over whatever has arrived if the writer and the hasher are idle,
 * without waiting. Bytes written to the file are in the page cache and
 * survive a kill -9 of this process; bytes still in a buffer do not. On a
 * slow network this writes every piece as it comes; when the network is
 * faster than the disk or the hash, buffers go over full, which keeps the
 * hand-overs few.
 */
static int flush_if_idle(struct xfer_file *x)
{
	int ret;

	if (!x->threads_up)
		return flush_buf_wait(x, false);
	pthread_mutex_lock(&x->mu);
	ret = writer_status(x);
	if (ret == 0 && x->buf_len && x->written == x->filled &&
	    x->hashed == x->filled)
		hand_over(x);
	pthread_mutex_unlock(&x->mu);
	return ret;
}

static int flush_buf(struct xfer_file *x)
{
	return flush_buf_wait(x, true);
}

/* Restart from byte 0: the server ignored our Range. */
static int restart(struct xfer_file *x)
{
	x->buf_len = 0;
	if (flush_buf(x) < 0)
		return -1;
	if (ftruncate(x->fd, 0) < 0 || lseek(x->fd, 0, SEEK_SET) < 0) {
		x->write_errno = errno;
		return -1;
	}
	hasher_release(&x->h);
	hasher_init(&x->h, x->df->f->lfs ? HASH_SHA256 : HASH_GITSHA1,
		    x->df->f->size);
	download_progress(x->d, -(int64_t)x->have, 0);
	x->have = x->flushed = 0;
	x->buf_len = 0;
	return 0;
}

static bool sink(const char *data, size_t len, const struct http_resp *rs,
		 void *user)
{
	struct xfer_file *x = user;
	const struct hub_file *f = x->df->f;

	if (!x->started) {
		x->started = true;
		if (rs->status == 206) {
			unsigned long long a = 0, b = 0, t = 0;
			if (!rs->content_range ||
			    sscanf(rs->content_range, "bytes %llu-%llu/%llu",
				   &a, &b, &t) != 3 ||
			    a != x->range_from) {
				strbuf_setf(&x->why,
					    "the server sent the wrong range "
					    "(%s) for a resume from byte %llu",
					    rs->content_range
						    ? rs->content_range
						    : "none",
					    (unsigned long long)x->range_from);
				return false;
			}
			if (t != f->size) {
				strbuf_setf(
					&x->why,
					"the server says it has %llu bytes, "
					"the listing says %llu",
					t, (unsigned long long)f->size);
				return false;
			}
		} else {
			if (x->have > 0 && restart(x) < 0)
				return false;
			if (rs->content_length >= 0 &&
			    (uint64_t)rs->content_length != f->size) {
				strbuf_setf(
					&x->why,
					"the server says it has %lld bytes, "
					"the listing says %llu",
					rs->content_length,
					(unsigned long long)f->size);
				return false;
			}
		}
	}
	if (x->have + len > f->size) {
		strbuf_setf(&x->why,
			    "the server sent more than the %llu bytes listed",
			    (unsigned long long)f->size);
		return false;
	}
	while (len > 0) {
		size_t n = RING_BUF - x->buf_len;
		if (n > len)
			n = len;
		memcpy(fill_buf(x) + x->buf_len, data, n);
		x->buf_len += n;
		x->have += n;
		data += n;
		len -= n;
		x->df->fetched += n;
		download_received(x->d, x->df, n);
		if (x->buf_len == RING_BUF && flush_buf_wait(x, false) < 0)
			return false;
	}
	return flush_if_idle(x) == 0;
}

/* Hash the bytes a previous run left in the .incomplete file. */
static int seed_hash(struct xfer_file *x, volatile const int *stop)
{
	uint64_t off = 0;

	while (off < x->have) {
		size_t want = x->have - off > RING_BUF
				      ? RING_BUF
				      : (size_t)(x->have - off);
		ssize_t n = pread(x->fd, x->ring[0], want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		hasher_update(&x->h, x->ring[0], (size_t)n);
		off += (uint64_t)n;
		if (stop_requested(stop))
			return -1;
	}
	x->flushed = x->have;
	return lseek(x->fd, (off_t)x->have, SEEK_SET) < 0 ? -1 : 0;
}

/* The error for a failed write: a lockless writer, or errno. */
static void write_error(struct xfer_file *x, struct strbuf *err)
{
	strbuf_reset(err);
	if (x->tampered)
		error_set(err, "%s", x->why.buf);
	else
		error_set(err, "cannot write '%s.incomplete': %s",
			  x->df->f->etag, strerror(x->write_errno));
}

/* The user stopped us: remember it, and say so (returns -1). */
static int set_interrupted(struct download *d, struct strbuf *err)
{
	stop_request(&d->interrupted);
	strbuf_reset(err);
	return error_set(err, "interrupted");
}

/*
 * Fetch the blob into the open .incomplete file, with retries. Returns 0
 * when x->have == size, -1 with err set otherwise.
 */
static int transfer(struct download *d, struct http_client *hc,
		    struct xfer_file *x, struct strbuf *err)
{
	const struct hub_file *f = x->df->f;
	char *url = hub_resolve_url(d->hub, d->repo, d->commit, f->path);
	int fails = 0, ret = -1;

	while (x->have < f->size) {
		struct http_req rq = { 0 };
		struct http_resp rs = HTTP_RESP_INIT;
		enum hub_error kind = HUB_OK;
		uint64_t before = x->have;
		unsigned wait_ms;
		bool retry = false;

		rq.url = url;
		rq.range_from = x->have;
		rq.body_cap = 4096;
		rq.sink = sink;
		rq.sink_user = x;
		x->range_from = x->have;
		x->started = false;
		strbuf_reset(&x->why);
		strbuf_reset(err);
		if (http_client_do(hc, &rq, &rs, &kind, err) < 0) {
			/* Keep what arrived: it is the next resume's start. */
			int flushed = flush_buf(x);

			if (x->tampered || (flushed < 0 && x->write_errno)) {
				write_error(x, err);
			} else if (kind == HUB_E_PROTOCOL && x->why.len) {
				strbuf_reset(err);
				error_set(err, "%s", x->why.buf);
			} else if (kind == HUB_E_INTERRUPTED) {
				stop_request(&d->interrupted);
			} else {
				retry = kind == HUB_E_NETWORK;
			}
		} else if (flush_buf(x) < 0) {
			write_error(x, err);
		} else if (rs.status == 416 && x->have > 0) {
			/* Our partial file is not a prefix of theirs. */
			retry = restart(x) == 0;
			error_set(err, "the server refused to resume");
		} else if (rs.status >= 200 && rs.status < 300) {
			if (x->have < f->size) {
				error_set(err,
					  "the server sent %llu of %llu "
					  "bytes",
					  (unsigned long long)x->have,
					  (unsigned long long)f->size);
				retry = true;
			}
		} else if (rs.redirects) {
			/*
			 * The Hub sent us elsewhere (a CDN): its status says
			 * nothing about the repo or the token.
			 */
			error_set(err,
				  "the download server the Hub redirected to "
				  "answered HTTP %ld",
				  rs.status);
			retry = http_retryable(rs.status);
		} else {
			hub_describe_error(&rs, d->repo, d->commit, err);
			retry = http_retryable(rs.status);
		}
		wait_ms = d->hub->retry_base_ms << (fails < 6 ? fails : 6);
		if (retry && rs.retry_after)
			wait_ms = 1000 * hub_retry_after(rs.retry_after,
							 RETRY_AFTER_CAP);
		http_resp_release(&rs);
		if (stop_requested(&d->interrupted) ||
		    stop_requested(d->hub->stop)) {
			set_interrupted(d, err);
			break;
		}
		if (!retry) {
			if (!err->len)
				ret = 0;
			break;
		}
		/* Progress resets the count, as huggingface_hub does. */
		fails = x->have > before ? 1 : fails + 1;
		if (fails >= ATTEMPTS)
			break;
		if (!hub_sleep(wait_ms, d->hub->stop)) {
			set_interrupted(d, err);
			break;
		}
	}
	/* Everything arrived and, the ring drained, reached the file. */
	if (x->have == f->size && !stop_requested(&d->interrupted) &&
	    !write_failed(x)) {
		strbuf_reset(err);
		ret = 0;
	} else if (ret == 0) {
		ret = -1;
	}
	free(url);
	return ret;
}

static bool same_file(int dfd, const char *name, const struct stat *a)
{
	struct stat b;

	return fstatat(dfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	       a->st_dev == b.st_dev && a->st_ino == b.st_ino;
}

/*
 * Somebody without a lock is writing our .incomplete file. Wait until it
 * becomes blobs/<etag> (or stops changing), then verify that blob.
 */
static int wait_for_other(struct download *d, const struct hub_file *f,
			  const char *inc, struct strbuf *err)
{
	char digest[65];
	off_t last = -1;
	int idle = 0, fd, r;

	strbuf_reset(err);
	for (;;) {
		struct stat st;

		if (fstatat(d->blobs_fd, f->etag, &st, AT_SYMLINK_NOFOLLOW) ==
		    0)
			break;
		if (fstatat(d->blobs_fd, inc, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    idle >= 300)
			return error_set(err, "another program was writing it "
					      "without a lock and did not "
					      "finish");
		idle = st.st_size == last ? idle + 1 : 0;
		last = st.st_size;
		if (!hub_sleep(100, d->hub->stop))
			return set_interrupted(d, err);
	}
	fd = openat(d->blobs_fd, f->etag, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, "cannot open 'blobs/%s': %s", f->etag,
				 strerror(errno));
	r = hash_fd_matches(fd, f->etag, f->size, digest, d->hub->stop);
	close(fd);
	if (r == HASH_MATCH)
		return 0;
	return error_set(err,
			 "'%s' written by another program does not "
			 "match its hash (expected %s, got %s)",
			 f->path, f->etag,
			 r == HASH_ERROR ? "a read error" : digest);
}

/*
 * Our own partial file from an earlier run, blobs/<etag>.<8hex>.incomplete
 * (made when another user's <etag>.incomplete could not be appended to):
 * its name, or NULL.
 */
static char *own_partial(struct download *d, const char *etag)
{
	struct dirent *de;
	char *found = NULL;
	int fd = dup(d->blobs_fd);
	DIR *dir;

	if (fd < 0)
		return NULL;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return NULL;
	}
	rewinddir(dir);
	while (!found && (de = readdir(dir))) {
		struct stat st;

		if (!names_is_incomplete_unique_of(de->d_name, etag))
			continue;
		if (fstatat(d->blobs_fd, de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && st.st_uid == geteuid())
			found = xstrdup(de->d_name);
	}
	closedir(dir);
	return found;
}

/*
 * Open the partial file of f under its lock: our own unique one if an
 * earlier run made it, else the shared blobs/<etag>.incomplete; when that
 * belongs to another user and cannot be appended to, a new unique
 * <etag>.<8hex>.incomplete (as huggingface_hub >= 1.18 names them).
 * *inc gets the name.
 */
static int open_partial(struct download *d, const struct hub_file *f,
			char **inc, struct strbuf *err)
{
	int fd, e;

	*inc = own_partial(d, f->etag);
	if (*inc) {
		fd = openat(d->blobs_fd, *inc, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		free(*inc);
	}
	*inc = names_incomplete_of(f->etag);
	fd = openat(d->blobs_fd, *inc,
		    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd >= 0 || (errno != EACCES && errno != EPERM))
		goto done;
	e = errno;
	for (int tries = 0; tries < 100; tries++) {
		free(*inc);
		*inc = names_incomplete_unique(
			f->etag, (unsigned long)(random() ^ getpid() ^
						 (long)tries * 7919));
		fd = openat(d->blobs_fd, *inc,
			    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0666);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		/* Not even our own: blobs/ is closed to us. */
		free(*inc);
		*inc = names_incomplete_of(f->etag);
		errno = e;
	}
done:
	if (fd < 0) {
		e = errno;
		error_set(err, "cannot open 'blobs/%s': %s", *inc, strerror(e));
		if (e == EACCES || e == EPERM) {
			struct stat st;

			if (fstatat(d->blobs_fd, *inc, &st,
				    AT_SYMLINK_NOFOLLOW) == 0)
				fs_add_eacces_hint(err, d->blobs_fd, *inc,
						   NULL);
			else
				fs_add_eacces_hint(err, d->blobs_fd, ".",
						   "blobs/");
		}
	}
	return fd;
}

/* Is inc the shared partial file of etag, <etag>.incomplete? */
static bool ranged_on_shared(const char *etag, const char *inc)
{
	char *shared = names_incomplete_of(etag);
	bool yes = !strcmp(shared, inc);

	free(shared);
	return yes;
}

static int fetch_blob(struct download *d, struct http_client *hc,
		      struct dl_file *df, struct strbuf *err)
{
	const struct hub_file *f = df->f;
	struct xfer_file x;
	char *inc = NULL;
	char digest[65];
	struct stat st;
	int ret = -1;

	memset(&x, 0, sizeof(x));
	x.d = d;
	x.df = df;
	strbuf_init(&x.why, 0);
	x.fd = open_partial(d, f, &inc, err);
	if (x.fd < 0)
		goto out;
	if (fstat(x.fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		error_set(err, "cannot open 'blobs/%s': %s", inc,
			  "not a regular file");
		goto out;
	}
	/* A planted hard link may lead outside the cache: never write it. */
	if (st.st_nlink > 1) {
		error_set(err,
			  "refusing 'blobs/%s': it has %lu hard links (one "
			  "may lead outside the cache)",
			  inc, (unsigned long)st.st_nlink);
		goto out;
	}
	/*
	 * Ranges go into the shared <etag>.incomplete only: its record is
	 * named after it. Our own <etag>.<8hex>.incomplete (another user's
	 * partial file was in the way) takes one connection.
	 */
	if (ranged_on_shared(f->etag, inc) && ranged_wanted(d, df)) {
		int r = ranged_fetch(d, hc, df, x.fd, err);

		if (r < 0)
			goto out;
		if (r == 0) {
			if (fstat(x.fd, &st) < 0 ||
			    !same_file(d->blobs_fd, inc, &st)) {
				ret = wait_for_other(d, f, inc, err);
				goto out;
			}
			goto verified;
		}
		/* The server cannot do ranges: one connection, from byte 0. */
		strbuf_reset(err);
		st.st_size = 0;
	}
	pipeline_init(&x);
	hasher_init(&x.h, f->lfs ? HASH_SHA256 : HASH_GITSHA1, f->size);
	x.have = (uint64_t)st.st_size;
	if (x.have > f->size) {
		if (ftruncate(x.fd, 0) < 0) {
			error_set(err, "cannot truncate 'blobs/%s': %s", inc,
				  strerror(errno));
			goto out;
		}
		x.have = 0;
	}
	if (seed_hash(&x, d->hub->stop) < 0) {
		if (stop_requested(d->hub->stop)) {
			set_interrupted(d, err);
		} else {
			error_set(err, "cannot read 'blobs/%s': %s", inc,
				  strerror(errno));
		}
		goto out;
	}
	df->resumed_from = x.have;
	download_progress(d, (int64_t)x.have, 0);
	/* A file that fits in one buffer gains nothing from the threads. */
	if (f->size - x.have > RING_BUF)
		pipeline_start(&x);
again:
	if (transfer(d, hc, &x, err) < 0) {
		if (x.tampered)
			ret = wait_for_other(d, f, inc, err);
		goto out; /* the partial file stays for the next run */
	}
	/* Our file must still be the one at that name, and whole. */
	if (fstat(x.fd, &st) < 0 || (uint64_t)st.st_size != f->size ||
	    !same_file(d->blobs_fd, inc, &st)) {
		ret = wait_for_other(d, f, inc, err);
		goto out;
	}
	hasher_final(&x.h, digest);
	if (strcmp(digest, f->etag) && df->resumed_from > 0) {
		/*
		 * The bytes an earlier run left may be the bad ones (a power
		 * cut, a careless writer): fetch the whole file once more
		 * before blaming the server.
		 */
		df->resumed_from = 0;
		if (restart(&x) == 0)
			goto again;
		error_set(err, "cannot truncate 'blobs/%s': %s", inc,
			  strerror(x.write_errno));
		goto out;
	}
	if (strcmp(digest, f->etag)) {
		error_set(err,
			  "'%s' does not match its hash (expected %s, "
			  "got %s); the download was discarded",
			  f->path, f->etag, digest);
		if (same_file(d->blobs_fd, inc, &st))
			unlinkat(d->blobs_fd, inc, 0);
		download_progress(d, -(int64_t)f->size, 0);
		goto out;
	}
verified:
	if (close(x.fd) < 0) {
		x.fd = -1;
		error_set(err, "cannot write 'blobs/%s': %s", inc,
			  strerror(errno));
		goto out;
	}
	x.fd = -1;
	if (renameat(d->blobs_fd, inc, d->blobs_fd, f->etag) < 0) {
		int e = errno;

		error_set(err, "cannot rename 'blobs/%s': %s", inc,
			  strerror(e));
		if (e == EACCES || e == EPERM)
			fs_add_eacces_hint(err, d->blobs_fd, ".", "blobs/");
		goto out;
	}
	ranges_remove(d->blobs_fd, f->etag);
	ret = 0;
out:
	pipeline_stop(&x);
	if (x.fd >= 0)
		close(x.fd);
	hasher_release(&x.h);
	strbuf_release(&x.why);
	free(inc);
	return ret;
}

static void fetch_one(struct download *d, struct http_client *hc,
		      struct dl_file *df)
{
	const struct hub_file *f = df->f;
	struct strbuf err = STRBUF_INIT;
	struct stat st;
	int lfd = -1;

	if (lock_acquire(d->cache, d->folder, f->etag, true, d->hub->stop, &lfd,
			 &err) != LOCK_ACQUIRED) {
		if (stop_requested(d->hub->stop))
			stop_request(&d->interrupted);
		goto fail;
	}
	if (fstatat(d->blobs_fd, f->etag, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && (uint64_t)st.st_size == f->size) {
		download_progress(d, (int64_t)f->size, 0);
		df->state = DL_CACHED;
		/* A record left by a run that died after the rename. */
		ranges_remove(d->blobs_fd, f->etag);
	} else {
		if (fetch_blob(d, hc, df, &err) < 0)
			goto fail;
		df->state = DL_DONE;
	}
	if (make_link(d, f, &err) < 0)
		goto fail;
	lock_release(lfd);
	strbuf_release(&err);
	return;
fail:
	lock_release(lfd);
	df->state = DL_FAILED;
	if (!err.len)
		error_set(&err, "failed");
	/* Name the file first, unless the message already does. */
	if (strstr(err.buf, f->path))
		df->error = strbuf_detach(&err, NULL);
	else
		df->error = xasprintf("%s: %s", f->path, err.buf);
	strbuf_release(&err);
}

/* Could this file take helpers (is it worth waiting for)? */
static bool may_split(const struct download *d, const struct dl_file *df)
{
	return d->jobs > 1 && d->split_above && df->f->size >= d->split_above;
}

static void *worker(void *arg)
{
	struct download *d = arg;
	struct http_client *hc = http_client_new(d->hub);

	for (;;) {
		struct dl_file *df = NULL;
		bool big = false;

		pthread_mutex_lock(&d->mu);
		for (;;) {
			struct timespec ts;

			if (stop_requested(&d->interrupted) ||
			    stop_requested(d->hub->stop))
				break;
			if (d->next < d->nr_files) {
				df = &d->files[d->next++];
				big = may_split(d, df);
				d->big_pending += big;
				break;
			}
			/* No file of our own: help fetch a large one. */
			if (ranged_help(d, hc))
				continue;
			if (!d->big_pending)
				break;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 100 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&d->cv, &d->mu, &ts);
		}
		pthread_mutex_unlock(&d->mu);
		if (!df)
			break;
		fetch_one(d, hc, df);
		if (d->on_file && !(df->state == DL_FAILED &&
				    stop_requested(&d->interrupted))) {
			pthread_mutex_lock(&d->out_mu);
			d->on_file(d, df, d->user);
			pthread_mutex_unlock(&d->out_mu);
		}
		pthread_mutex_lock(&d->mu);
		d->big_pending -= big;
		if (df->state == DL_FAILED)
			d->files_failed++;
		else
			d->files_done++;
		if (d->active == df)
			d->active = NULL;
		pthread_cond_broadcast(&d->cv);
		pthread_mutex_unlock(&d->mu);
	}
	http_client_free(hc);
	return NULL;
}

/* Buffers per transfer when up to workers files fill theirs at once. */
static unsigned ring_depth(const struct download *d, size_t workers)
{
	size_t big = 0, depth;

	for (size_t i = 0; i < d->nr_files; i++)
		if (d->files[i].f->size > RING_MAX * RING_BUF)
			big++;
	if (big > workers)
		big = workers;
	depth = RING_BUDGET / (big ? big : 1);
	return depth > RING_MAX ? RING_MAX : depth < 2 ? 2 : (unsigned)depth;
}

int download_run(struct download *d)
{
	size_t n = d->jobs < 1 ? 1 : (size_t)d->jobs;
	pthread_t *tids;
	size_t started = 0;

	bool big = false;

	for (size_t i = 0; i < d->nr_files && !big; i++)
		big = may_split(d, &d->files[i]);
	/* One connection per file, unless large files take helpers. */
	if (n > d->nr_files && !big)
		n = d->nr_files ? d->nr_files : 1;
	d->ring_depth = ring_depth(d, n);
	tids = xcalloc(n, sizeof(*tids));
	for (size_t i = 0; i < n; i++)
		if (pthread_create(&tids[i], NULL, worker, d) == 0)
			started++;
		else
			break;
	if (!started)
		worker(d);
	/*
	 * Wait for the workers, ticking the display about 10 times a second;
	 * a finished file wakes us at once.
	 */
	pthread_mutex_lock(&d->mu);
	for (;;) {
		struct timespec ts;
		bool finished = d->files_done + d->files_failed == d->nr_files;

		if (d->on_tick) {
			uint64_t done = d->bytes_done, net = d->bytes_net;
			size_t files = d->files_done;
			const char *active =
				d->active ? d->active->f->path : NULL;

			/* Draw without holding up the transfers. */
			pthread_mutex_unlock(&d->mu);
			pthread_mutex_lock(&d->out_mu);
			d->shown.bytes_done = done;
			d->shown.bytes_net = net;
			d->shown.files_done = files;
			d->shown.active = active;
			d->on_tick(d, d->user);
			pthread_mutex_unlock(&d->out_mu);
			pthread_mutex_lock(&d->mu);
		}
		if (finished || stop_requested(d->hub->stop))
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&d->cv, &d->mu, &ts);
	}
	pthread_mutex_unlock(&d->mu);
	for (size_t i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	FREE_AND_NULL(d->ranged);
	if (stop_requested(d->hub->stop))
		stop_request(&d->interrupted);
	return d->files_failed || stop_requested(&d->interrupted) ||
			       d->files_done != d->nr_files
		       ? -1
		       : 0;
}
