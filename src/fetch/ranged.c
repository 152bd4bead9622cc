/* One large file over several connections: see fetch/ranged.h. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache/names.h"
#include "fetch/ranged.h"
#include "fetch/ranges.h"
#include "util/hash.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define MIN_PIECE (1ull << 20) /* smallest range worth a request */
#define ALIGN (64ull << 10)    /* range boundaries */
#define CHUNK (256u << 10)     /* largest pwrite and pread */
#define ATTEMPTS 5	       /* in a row without progress */
#define BACKOFF_MS 200
#define RETRY_AFTER_CAP 30
#define RECORD_EVERY_NS (500ull * 1000 * 1000)
#define HASH_BATCH (4ull << 20) /* new prefix worth waking the hasher */
#define HASH_SPEED 1e9		/* bytes/s, about what SHA-256 does here */
#define RAMP_NS (100ull * 1000 * 1000) /* between two doublings */

struct seg {
	uint64_t pos; /* next byte to receive */
	uint64_t end; /* exclusive; lowered when another connection splits */
	bool busy;    /* a connection is on it */
	uint64_t t0;  /* when that connection took it */
	uint64_t got; /* bytes it has received since (for its rate) */
};

struct ranged {
	struct download *d;
	struct dl_file *df;
	uint64_t size;
	int fd;
	char *url;    /* the resolve URL */
	char *direct; /* where it redirects to, once known (a CDN) */

	pthread_mutex_t mu;
	pthread_cond_t cv; /* progress, a connection left, the hash moved */
	/* The missing bytes are exactly the [pos, end) of these. */
	struct seg **segs;
	size_t nr_segs, alloc_segs;
	size_t users;  /* connections working on the file */
	bool stop;     /* everyone leaves: fallback, failure or Ctrl-C */
	bool fallback; /* ... because ranges cannot be trusted */
	bool interrupted;
	struct strbuf why; /* the first failure */
	char *etag;	   /* the ETag of the first reply */
	uint64_t hashed;   /* the prefix hashed so far */
	/*
	 * Connections are added while they pay: the file starts with one,
	 * and the number allowed doubles after the first window, then each
	 * time the file's rate has grown by a quarter since the last
	 * doubling. When a doubling did not pay, it is undone: on a link
	 * that does not cap connections, more of them only compete for the
	 * CPU that receives and hashes.
	 */
	unsigned allowed;
	unsigned paid;	   /* the last number that raised the rate */
	bool flowing;	   /* bytes arrived: the first window starts then */
	bool settled;	   /* more connections stopped paying */
	unsigned strikes;  /* windows in a row that did not pay */
	uint64_t grown_ns; /* when allowed last grew */
	uint64_t grown_at; /* fetched bytes then */
	double grown_rate; /* the file's rate before that */
	uint64_t counted;  /* bytes added to the download's progress */
	struct hasher h;
	pthread_t hasher;

	/* The record, written by the hasher thread (then by the owner). */
	struct strbuf rec_last;
	uint64_t rec_ns;
};

/* One connection's request for part of a segment. */
struct conn {
	struct ranged *r;
	struct seg *s;
	uint64_t from, to; /* asked [from, to); to becomes what was promised */
	bool started;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool ranged_wanted(struct download *d, const struct dl_file *df)
{
	const struct hub_file *f = df->f;
	struct rangeset have = RANGESET_INIT;
	bool yes;

	if (d->jobs > 1 && d->split_above && f->size >= d->split_above &&
	    f->size >= 2 * MIN_PIECE)
		return true;
	/* A record from an earlier run is used whatever the options. */
	yes = ranges_load(d->blobs_fd, f->etag, f->size, &have) == 0;
	rangeset_release(&have);
	return yes;
}

static struct seg *seg_new(struct ranged *r, uint64_t pos, uint64_t end,
			   bool busy)
{
	struct seg *s = xcalloc(1, sizeof(*s));

	s->pos = pos;
	s->end = end;
	s->busy = busy;
	s->t0 = now_ns();
	ALLOC_GROW(r->segs, r->nr_segs + 1, r->alloc_segs);
	r->segs[r->nr_segs++] = s;
	return s;
}

static void seg_drop(struct ranged *r, struct seg *s)
{
	for (size_t i = 0; i < r->nr_segs; i++)
		if (r->segs[i] == s) {
			r->segs[i] = r->segs[--r->nr_segs];
			break;
		}
	free(s);
}

/* Where the first missing byte is: everything before it has arrived. */
static uint64_t contiguous(const struct ranged *r)
{
	uint64_t c = r->size;

	for (size_t i = 0; i < r->nr_segs; i++)
		if (r->segs[i]->pos < r->segs[i]->end && r->segs[i]->pos < c)
			c = r->segs[i]->pos;
	return c;
}

static uint64_t align_up(uint64_t v)
{
	return (v + ALIGN - 1) / ALIGN * ALIGN;
}

/* A connection's rate in bytes/s, 0 while unknown. */
static double seg_rate(const struct seg *s, uint64_t now)
{
	double secs = (double)(now - s->t0) / 1e9;

	return secs > 0.05 && s->got ? (double)s->got / secs : 0;
}

/*
 * Let more connections join while they raise the rate (mu held): after a
 * doubling, the file's rate must grow by a quarter; two windows in a row
 * without that, and the number goes back to the last one that paid.
 */
static void ramp(struct ranged *r, uint64_t now)
{
	unsigned jobs = r->d->jobs > 1 ? (unsigned)r->d->jobs : 1;
	double rate;

	if (r->settled || !r->flowing || now - r->grown_ns < RAMP_NS)
		return;
	rate = (double)(r->counted - r->grown_at) * 1e9 /
	       (double)(now - r->grown_ns);
	r->grown_ns = now;
	r->grown_at = r->counted;
	if (r->grown_rate > 0 && rate < r->grown_rate * 1.25) {
		/* A window may be short of a new connection's start. */
		if (++r->strikes >= 2) {
			r->settled = true;
			r->allowed = r->paid;
		}
		return;
	}
	r->strikes = 0;
	r->paid = r->allowed;
	r->grown_rate = rate;
	if (r->allowed >= jobs)
		r->settled = true;
	else
		r->allowed = r->allowed * 2 < jobs ? r->allowed * 2 : jobs;
}

/* Give the upper half of s to a free connection (mu held), or NULL. */
static struct seg *split(struct ranged *r, struct seg *s)
{
	uint64_t mid = align_up(s->pos + (s->end - s->pos) / 2);
	struct seg *n;

	if (mid >= s->end || mid - s->pos < MIN_PIECE)
		return NULL;
	n = seg_new(r, mid, s->end, true);
	s->end = mid;
	return n;
}

/*
 * The range a free connection should fetch next (mu held), or NULL.
 *
 * While bytes are unassigned it takes a piece from the front of the
 * lowest unassigned range: the unassigned bytes over twice the
 * connections, so pieces start large and shrink as the file fills and
 * the hashed prefix stays close behind. Then it splits the slowest range:
 * the one whose bytes will be hashed last, that is its bytes left over
 * its rate, plus, for the range the hash is waiting for, the bytes that
 * already wait behind it over the hash's speed.
 */
static struct seg *take(struct ranged *r, bool joining)
{
	struct seg *low = NULL, *front = NULL, *victim = NULL;
	uint64_t unassigned = 0, missing = 0, now = now_ns(), piece;
	uint64_t contig = contiguous(r);
	double worst = -1, total_rate = 0;
	unsigned jobs = r->d->jobs > 1 ? (unsigned)r->d->jobs : 1;

	if (r->stop)
		return NULL;
	ramp(r, now);
	if (joining && r->users >= r->allowed)
		return NULL;
	for (size_t i = 0; i < r->nr_segs; i++) {
		struct seg *s = r->segs[i];

		if (s->pos >= s->end)
			continue;
		missing += s->end - s->pos;
		if (!s->busy) {
			unassigned += s->end - s->pos;
			if (!low || s->pos < low->pos)
				low = s;
			continue;
		}
		total_rate += seg_rate(s, now);
		if (s->pos == contig)
			front = s;
	}
	for (size_t i = 0; i < r->nr_segs; i++) {
		struct seg *s = r->segs[i];
		uint64_t left = s->end - s->pos;
		double rate = seg_rate(s, now), cost;

		if (!s->busy || s->pos >= s->end || left < 2 * MIN_PIECE)
			continue;
		/* Unknown rates: the most bytes left is the slowest. */
		cost = rate > 0 ? (double)left / rate
				: 1e6 + (double)left / 1e9;
		if (s == front)
			cost += (double)(r->size - contig - missing) /
				HASH_SPEED;
		if (cost > worst) {
			worst = cost;
			victim = s;
		}
	}
	if (low) {
		/*
		 * The range the hash waits for would finish after all that
		 * is unassigned: help it first.
		 */
		if (front && victim == front && total_rate > 0 &&
		    worst > (double)unassigned / total_rate) {
			struct seg *n = split(r, front);
			if (n)
				return n;
		}
		piece = align_up(unassigned / (2 * jobs));
		if (piece < MIN_PIECE)
			piece = MIN_PIECE;
		if (low->end - low->pos <= piece + MIN_PIECE) {
			low->busy = true;
			low->t0 = now;
			low->got = 0;
			return low;
		}
		low->pos += piece;
		return seg_new(r, low->pos - piece, low->pos, true);
	}
	return victim ? split(r, victim) : NULL;
}

/* Stop everyone (mu held); the first reason wins. */
static void halt(struct ranged *r, bool fallback, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void halt(struct ranged *r, bool fallback, const char *fmt, ...)
{
	va_list ap;

	if (!r->stop) {
		r->stop = true;
		r->fallback = fallback;
		va_start(ap, fmt);
		strbuf_reset(&r->why);
		strbuf_vaddf(&r->why, fmt, ap);
		va_end(ap);
	}
	pthread_cond_broadcast(&r->cv);
}

static int pwrite_all(int fd, const char *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno : EIO;
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/* Check the head of a reply to a range request (mu not held). */
static bool check_reply(struct conn *c, const struct http_resp *rs)
{
	struct ranged *r = c->r;
	unsigned long long a = 0, b = 0, t = 0;
	bool ok = true;

	pthread_mutex_lock(&r->mu);
	if (rs->status != 206) {
		halt(r, true, "the server ignored a Range request (HTTP %ld)",
		     rs->status);
		ok = false;
	} else if (!rs->content_range ||
		   sscanf(rs->content_range, "bytes %llu-%llu/%llu", &a, &b,
			  &t) != 3 ||
		   a != c->from || b < a || b >= c->to || t != r->size) {
		halt(r, true,
		     "the server sent the wrong range (%s) for bytes "
		     "%" PRIu64 "-%" PRIu64,
		     rs->content_range ? rs->content_range : "none", c->from,
		     c->to - 1);
		ok = false;
	} else if (rs->etag && r->etag && strcmp(rs->etag, r->etag)) {
		halt(r, true,
		     "the file changed on the server (ETag %s, then %s)",
		     r->etag, rs->etag);
		ok = false;
	} else {
		if (rs->etag && !r->etag)
			r->etag = xstrdup(rs->etag);
		c->to = (uint64_t)b + 1;
	}
	pthread_mutex_unlock(&r->mu);
	return ok;
}

static bool seg_sink(const char *data, size_t len, const struct http_resp *rs,
		     void *user)
{
	struct conn *c = user;
	struct ranged *r = c->r;
	struct seg *s = c->s;

	if (!c->started) {
		c->started = true;
		if (!check_reply(c, rs))
			return false;
	}
	while (len > 0) {
		uint64_t pos, end;
		size_t n = len > CHUNK ? CHUNK : len;
		bool front;
		int e;

		pthread_mutex_lock(&r->mu);
		pos = s->pos;
		end = s->end;
		if (r->stop) {
			pthread_mutex_unlock(&r->mu);
			return false;
		}
		pthread_mutex_unlock(&r->mu);
		if (pos >= end)
			return false; /* the rest went to another connection */
		if (pos + n > c->to) {
			pthread_mutex_lock(&r->mu);
			halt(r, true,
			     "the server sent more than the range asked");
			pthread_mutex_unlock(&r->mu);
			return false;
		}
		if (n > end - pos)
			n = (size_t)(end - pos);
		/*
		 * Only this connection moves pos, and a split leaves it at
		 * least MIN_PIECE > CHUNK beyond pos: [pos, pos + n) is ours.
		 */
		e = pwrite_all(r->fd, data, n, pos);
		pthread_mutex_lock(&r->mu);
		if (e) {
			halt(r, false, "cannot write '%s.incomplete': %s",
			     r->df->f->etag, strerror(e));
			pthread_mutex_unlock(&r->mu);
			return false;
		}
		if (!r->flowing) {
			/* A slow first answer must not look like a slow link.
			 */
			r->flowing = true;
			r->grown_ns = now_ns();
			r->grown_at = r->counted;
		}
		front = s->pos == contiguous(r);
		s->pos += n;
		s->got += n;
		r->df->fetched += n;
		r->counted += n;
		/*
		 * Wake the hasher only for a batch of new prefix: waking it
		 * for every piece would cost more than the hash.
		 */
		if (front) {
			uint64_t upto = contiguous(r);
			if (upto - r->hashed >= HASH_BATCH || upto == r->size)
				pthread_cond_broadcast(&r->cv);
		}
		pthread_mutex_unlock(&r->mu);
		download_received(r->d, r->df, n);
		data += n;
		len -= n;
	}
	return true;
}

/* Fetch one segment on this connection, with retries. */
static void run_seg(struct ranged *r, struct http_client *hc, struct seg *s)
{
	struct download *d = r->d;
	int fails = 0;

	for (;;) {
		struct http_req rq = { 0 };
		struct http_resp rs = HTTP_RESP_INIT;
		struct strbuf err = STRBUF_INIT;
		enum hub_error kind = HUB_OK;
		struct conn c = { r, s, 0, 0, false };
		bool retry = false, done, direct;
		unsigned wait_ms;
		char *url;
		int rc;

		pthread_mutex_lock(&r->mu);
		done = r->stop || s->pos >= s->end;
		c.from = s->pos;
		c.to = s->end;
		/*
		 * Once the Hub has said where the file is, ask there: one
		 * round trip instead of two for every range.
		 */
		url = xstrdup(r->direct ? r->direct : r->url);
		direct = r->direct != NULL;
		pthread_mutex_unlock(&r->mu);
		if (done) {
			free(url);
			break;
		}
		rq.url = url;
		rq.range_from = c.from;
		rq.range_end = c.to;
		rq.body_cap = 4096;
		rq.sink = seg_sink;
		rq.sink_user = &c;
		rc = http_client_do(hc, &rq, &rs, &kind, &err);
		pthread_mutex_lock(&r->mu);
		done = r->stop || s->pos >= s->end;
		/*
		 * A CDN's URL never gets the token (it is another origin);
		 * one on the endpoint's origin is not kept, so a chain that
		 * left the Hub never leads back to it with the token.
		 */
		if (rc == 0 && rs.status == 206 && rs.redirects && rs.url &&
		    !r->direct && !hub_same_origin(rs.url, d->hub->endpoint))
			r->direct = xstrdup(rs.url);
		pthread_mutex_unlock(&r->mu);
		free(url);
		if (!done && (kind == HUB_E_INTERRUPTED ||
			      stop_requested(d->hub->stop))) {
			pthread_mutex_lock(&r->mu);
			r->interrupted = true;
			halt(r, false, "interrupted");
			pthread_mutex_unlock(&r->mu);
			done = true;
		}
		if (!done) {
			if (rc < 0) {
				retry = kind == HUB_E_NETWORK;
			} else if (rs.status >= 200 && rs.status < 300) {
				retry = true; /* a short body */
			} else if (direct) {
				/* The CDN's URL may have expired: ask the Hub.
				 */
				pthread_mutex_lock(&r->mu);
				FREE_AND_NULL(r->direct);
				pthread_mutex_unlock(&r->mu);
				retry = true;
			} else if (rs.status == 416) {
				pthread_mutex_lock(&r->mu);
				halt(r, true, "the server refused a range");
				pthread_mutex_unlock(&r->mu);
				done = true;
			} else if (rs.redirects) {
				strbuf_reset(&err);
				error_set(&err,
					  "the download server the Hub "
					  "redirected to answered HTTP %ld",
					  rs.status);
				retry = http_retryable(rs.status);
			} else {
				strbuf_reset(&err);
				hub_describe_error(&rs, d->repo, d->commit,
						   &err);
				retry = http_retryable(rs.status);
			}
		}
		wait_ms = BACKOFF_MS << (fails < 6 ? fails : 6);
		if (retry && rs.retry_after)
			wait_ms = 1000 * hub_retry_after(rs.retry_after,
							 RETRY_AFTER_CAP);
		http_resp_release(&rs);
		if (!done) {
			pthread_mutex_lock(&r->mu);
			/* Progress resets the count, as huggingface_hub does.
			 */
			fails = s->pos > c.from ? 1 : fails + 1;
			if (!retry || fails >= ATTEMPTS)
				halt(r, false, "%s",
				     err.len ? err.buf : "the download failed");
			done = r->stop;
			pthread_mutex_unlock(&r->mu);
		}
		strbuf_release(&err);
		if (done)
			break;
		if (!hub_sleep(wait_ms, d->hub->stop)) {
			pthread_mutex_lock(&r->mu);
			r->interrupted = true;
			halt(r, false, "interrupted");
			pthread_mutex_unlock(&r->mu);
			break;
		}
	}
}

/* A connection is through with s: forget it when done (mu held). */
static void seg_release(struct ranged *r, struct seg *s)
{
	if (s->pos >= s->end)
		seg_drop(r, s);
	else
		s->busy = false;
	pthread_cond_broadcast(&r->cv);
}

/*
 * Take ranges of r until none is left (users already counts us). A
 * helper leaves between two ranges when the file allows fewer
 * connections than it has; the owner stays to the end.
 */
static void work(struct ranged *r, struct http_client *hc, struct seg *s,
		 bool owner)
{
	for (;;) {
		if (!s) {
			pthread_mutex_lock(&r->mu);
			s = owner || r->users <= r->allowed ? take(r, false)
							    : NULL;
			pthread_mutex_unlock(&r->mu);
			if (!s)
				break;
		}
		run_seg(r, hc, s);
		pthread_mutex_lock(&r->mu);
		seg_release(r, s);
		pthread_mutex_unlock(&r->mu);
		s = NULL;
	}
}

bool ranged_help(struct download *d, struct http_client *hc)
{
	struct ranged *r = NULL;
	struct seg *s = NULL;

	for (size_t i = 0; i < d->nr_ranged && !s; i++) {
		r = d->ranged[i];
		pthread_mutex_lock(&r->mu);
		s = take(r, true);
		if (s)
			r->users++;
		pthread_mutex_unlock(&r->mu);
	}
	if (!s)
		return false;
	pthread_mutex_unlock(&d->mu);
	work(r, hc, s, false);
	pthread_mutex_lock(&r->mu);
	r->users--;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_mutex_lock(&d->mu);
	return true;
}

/* The finished ranges: everything but the segments' [pos, end). */
static void finished(const struct ranged *r, struct rangeset *out)
{
	struct rangeset miss = RANGESET_INIT;
	uint64_t at = 0;

	for (size_t i = 0; i < r->nr_segs; i++)
		rangeset_add(&miss, r->segs[i]->pos, r->segs[i]->end);
	for (size_t i = 0; i < miss.nr; i++) {
		rangeset_add(out, at, miss.v[i].a);
		at = miss.v[i].b;
	}
	rangeset_add(out, at, r->size);
	rangeset_release(&miss);
}

/*
 * Write the record when it changed, at most every RECORD_EVERY_NS unless
 * forced (mu held; released while writing). Only the hasher thread, and
 * the owner once the hasher has stopped, call this.
 */
static void record(struct ranged *r, bool force)
{
	struct rangeset done = RANGESET_INIT;
	struct strbuf text = STRBUF_INIT;
	uint64_t now = now_ns();

	if (!force && now - r->rec_ns < RECORD_EVERY_NS)
		return;
	finished(r, &done);
	ranges_format(&done, r->size, &text);
	rangeset_release(&done);
	if (text.len != r->rec_last.len ||
	    memcmp(text.buf, r->rec_last.buf, text.len)) {
		pthread_mutex_unlock(&r->mu);
		/* A failed write only costs a later run some refetching. */
		ranges_store(r->d->blobs_fd, r->df->f->etag, &text, NULL);
		pthread_mutex_lock(&r->mu);
		strbuf_reset(&r->rec_last);
		strbuf_add(&r->rec_last, text.buf, text.len);
	}
	r->rec_ns = now;
	strbuf_release(&text);
}

/* Hash the contiguous prefix as it grows; keep the record up to date. */
static void *hasher_main(void *arg)
{
	struct ranged *r = arg;
	char *buf = xmalloc(CHUNK);

	pthread_mutex_lock(&r->mu);
	while (!r->stop && r->hashed < r->size) {
		uint64_t upto = contiguous(r), off = r->hashed;
		struct timespec ts;

		if (upto == off) {
			record(r, false);
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 250 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			if (!r->stop && contiguous(r) == off)
				pthread_cond_timedwait(&r->cv, &r->mu, &ts);
			continue;
		}
		pthread_mutex_unlock(&r->mu);
		while (off < upto) {
			size_t want = upto - off > CHUNK ? CHUNK
							 : (size_t)(upto - off);
			ssize_t n = pread(r->fd, buf, want, (off_t)off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				pthread_mutex_lock(&r->mu);
				halt(r, false,
				     "cannot read '%s.incomplete': %s",
				     r->df->f->etag,
				     n < 0 ? strerror(errno) : "too short");
				goto out;
			}
			hasher_update(&r->h, buf, (size_t)n);
			off += (uint64_t)n;
		}
		pthread_mutex_lock(&r->mu);
		r->hashed = off;
		pthread_cond_broadcast(&r->cv);
		record(r, false);
	}
out:
	pthread_mutex_unlock(&r->mu);
	free(buf);
	return NULL;
}

static void list_add(struct download *d, struct ranged *r)
{
	pthread_mutex_lock(&d->mu);
	ALLOC_GROW(d->ranged, d->nr_ranged + 1, d->alloc_ranged);
	d->ranged[d->nr_ranged++] = r;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

static void list_remove(struct download *d, struct ranged *r)
{
	pthread_mutex_lock(&d->mu);
	for (size_t i = 0; i < d->nr_ranged; i++)
		if (d->ranged[i] == r) {
			memmove(d->ranged + i, d->ranged + i + 1,
				(d->nr_ranged - i - 1) * sizeof(*d->ranged));
			d->nr_ranged--;
			break;
		}
	pthread_mutex_unlock(&d->mu);
}

/*
 * Set up a round: the missing ranges as unassigned segments, the file at
 * its placeholder size with the record written first. Returns -1 with
 * err set.
 */
static int round_start(struct ranged *r, const struct rangeset *have,
		       struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	uint64_t at = 0;
	int ret;

	for (size_t i = 0; i < have->nr; i++) {
		if (have->v[i].a > at)
			seg_new(r, at, have->v[i].a, false);
		at = have->v[i].b;
	}
	if (at < r->size)
		seg_new(r, at, r->size, false);
	/* Record first: a crash in between leaves a plain prefix. */
	ranges_format(have, r->size, &text);
	ret = ranges_store(r->d->blobs_fd, r->df->f->etag, &text, err);
	strbuf_reset(&r->rec_last);
	strbuf_add(&r->rec_last, text.buf, text.len);
	strbuf_release(&text);
	if (ret < 0)
		return -1;
	if (ftruncate(r->fd, (off_t)(r->size + 1)) < 0)
		return error_set(err, "cannot grow '%s.incomplete': %s",
				 r->df->f->etag, strerror(errno));
	r->rec_ns = now_ns();
	r->hashed = 0;
	r->allowed = r->paid = 1;
	r->settled = r->flowing = false;
	r->strikes = 0;
	r->grown_ns = r->rec_ns;
	r->grown_rate = 0;
	r->stop = r->fallback = r->interrupted = false;
	strbuf_reset(&r->why);
	hasher_init(&r->h, r->df->f->lfs ? HASH_SHA256 : HASH_GITSHA1, r->size);
	return 0;
}

/* Forget the partial file's content (fallback, bad hash). */
static int discard(struct ranged *r, struct strbuf *err)
{
	ranges_remove(r->d->blobs_fd, r->df->f->etag);
	download_progress(r->d, -(int64_t)r->counted, 0);
	r->counted = 0;
	if (ftruncate(r->fd, 0) < 0)
		return error_set(err, "cannot truncate '%s.incomplete': %s",
				 r->df->f->etag, strerror(errno));
	return 0;
}

/*
 * Stopped before the end: record what arrived. Only a prefix arrived: go
 * back to a plain partial file that every client resumes by its size.
 */
static void keep_partial(struct ranged *r)
{
	struct rangeset done = RANGESET_INIT;

	pthread_mutex_lock(&r->mu);
	record(r, true);
	finished(r, &done);
	pthread_mutex_unlock(&r->mu);
	if (done.nr <= 1 && rangeset_prefix(&done) == rangeset_bytes(&done) &&
	    ftruncate(r->fd, (off_t)rangeset_prefix(&done)) == 0)
		ranges_remove(r->d->blobs_fd, r->df->f->etag);
	rangeset_release(&done);
}

static void segs_clear(struct ranged *r)
{
	for (size_t i = 0; i < r->nr_segs; i++)
		free(r->segs[i]);
	r->nr_segs = 0;
}

int ranged_fetch(struct download *d, struct http_client *hc, struct dl_file *df,
		 int fd, struct strbuf *err)
{
	const struct hub_file *f = df->f;
	struct ranged *r = xcalloc(1, sizeof(*r));
	struct rangeset have = RANGESET_INIT;
	struct stat st;
	char digest[65];
	int ret = -1;

	r->d = d;
	r->df = df;
	r->size = f->size;
	r->fd = fd;
	r->url = hub_resolve_url(d->hub, d->repo, d->commit, f->path);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	strbuf_init(&r->why, 0);
	strbuf_init(&r->rec_last, 0);
	if (ranges_load(d->blobs_fd, f->etag, f->size, &have) < 0 &&
	    fstat(fd, &st) == 0 && (uint64_t)st.st_size <= f->size)
		rangeset_add(&have, 0, (uint64_t)st.st_size); /* a prefix */
	df->resumed_from = rangeset_bytes(&have);
	for (int round = 0;; round++) {
		if (round_start(r, &have, err) < 0)
			break;
		r->counted = rangeset_bytes(&have);
		r->grown_at = r->counted;
		download_progress(d, (int64_t)r->counted, 0);
		if (pthread_create(&r->hasher, NULL, hasher_main, r) != 0) {
			error_set(err, "cannot start a thread");
			hasher_release(&r->h);
			break;
		}
		r->users = 1;
		list_add(d, r);
		work(r, hc, NULL, true);
		list_remove(d, r);
		pthread_mutex_lock(&r->mu);
		r->users--;
		while (r->users > 0 || (!r->stop && r->hashed < r->size))
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->stop)
			pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->hasher, NULL);
		if (r->stop && r->fallback) {
			hasher_release(&r->h);
			ret = discard(r, err) < 0 ? -1 : 1;
			break;
		}
		if (r->stop) {
			hasher_release(&r->h);
			keep_partial(r);
			if (r->interrupted) {
				stop_request(&d->interrupted);
			}
			strbuf_reset(err);
			error_set(err, "%s", r->why.buf);
			break;
		}
		hasher_final(&r->h, digest);
		hasher_release(&r->h);
		if (!strcmp(digest, f->etag)) {
			if (ftruncate(fd, (off_t)f->size) < 0) {
				error_set(err,
					  "cannot truncate '%s.incomplete': %s",
					  f->etag, strerror(errno));
				break;
			}
			ret = 0;
			break;
		}
		/*
		 * One bad range spoils the whole hash and nothing tells which:
		 * fetch the whole file once more before blaming the server.
		 */
		if (discard(r, err) < 0)
			break;
		if (round > 0) {
			char *inc = names_incomplete_of(f->etag);

			unlinkat(d->blobs_fd, inc, 0);
			free(inc);
			strbuf_reset(err);
			error_set(err,
				  "'%s' does not match its hash (expected %s, "
				  "got %s); the download was discarded",
				  f->path, f->etag, digest);
			break;
		}
		segs_clear(r);
		rangeset_release(&have);
		df->resumed_from = 0;
	}
	segs_clear(r);
	free(r->segs);
	rangeset_release(&have);
	free(r->etag);
	free(r->direct);
	free(r->url);
	strbuf_release(&r->why);
	strbuf_release(&r->rec_last);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r);
	return ret;
}
