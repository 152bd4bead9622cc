/* The record of finished ranges beside a partial blob. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/names.h"
#include "fetch/ranges.h"
#include "util/fsutil.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define RECORD_CAP (1u << 20)

void rangeset_add(struct rangeset *s, uint64_t a, uint64_t b)
{
	size_t i = 0, j;

	if (a >= b)
		return;
	while (i < s->nr && s->v[i].b < a)
		i++;
	/* Ranges i..j-1 touch or overlap [a, b): merge them into one. */
	j = i;
	while (j < s->nr && s->v[j].a <= b) {
		if (s->v[j].a < a)
			a = s->v[j].a;
		if (s->v[j].b > b)
			b = s->v[j].b;
		j++;
	}
	if (j == i) {
		ALLOC_GROW(s->v, s->nr + 1, s->alloc);
		memmove(s->v + i + 1, s->v + i, (s->nr - i) * sizeof(*s->v));
		s->nr++;
	} else if (j > i + 1) {
		memmove(s->v + i + 1, s->v + j, (s->nr - j) * sizeof(*s->v));
		s->nr -= j - i - 1;
	}
	s->v[i].a = a;
	s->v[i].b = b;
}

void rangeset_release(struct rangeset *s)
{
	free(s->v);
	s->v = NULL;
	s->nr = s->alloc = 0;
}

uint64_t rangeset_bytes(const struct rangeset *s)
{
	uint64_t n = 0;

	for (size_t i = 0; i < s->nr; i++)
		n += s->v[i].b - s->v[i].a;
	return n;
}

uint64_t rangeset_prefix(const struct rangeset *s)
{
	return s->nr && s->v[0].a == 0 ? s->v[0].b : 0;
}

void ranges_format(const struct rangeset *s, uint64_t size, struct strbuf *out)
{
	strbuf_setf(out, "mlxk-ranges 1 %" PRIu64 "\n", size);
	for (size_t i = 0; i < s->nr; i++)
		strbuf_addf(out, "%" PRIu64 " %" PRIu64 "\n", s->v[i].a,
			    s->v[i].b);
}

/* A decimal number followed by sep; advances *p. */
static int parse_u64(const char **p, const char *end, char sep, uint64_t *out)
{
	const char *q = *p;
	uint64_t v = 0;

	if (q >= end || *q < '0' || *q > '9')
		return -1;
	while (q < end && *q >= '0' && *q <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*q - '0');
		q++;
	}
	if (q >= end || *q != sep)
		return -1;
	*p = q + 1;
	*out = v;
	return 0;
}

int ranges_parse(const char *buf, size_t len, uint64_t size,
		 struct rangeset *out)
{
	static const char magic[] = "mlxk-ranges 1 ";
	const char *p = buf, *end = buf + len;
	uint64_t total, last = 0;

	if (len < sizeof(magic) - 1 || memcmp(buf, magic, sizeof(magic) - 1))
		return -1;
	p += sizeof(magic) - 1;
	if (parse_u64(&p, end, '\n', &total) < 0 || total != size)
		return -1;
	while (p < end) {
		uint64_t a, b;

		if (parse_u64(&p, end, ' ', &a) < 0 ||
		    parse_u64(&p, end, '\n', &b) < 0 || a >= b || b > size ||
		    (out->nr && a <= last)) {
			rangeset_release(out);
			return -1;
		}
		rangeset_add(out, a, b);
		last = b;
	}
	return 0;
}

int ranges_load(int blobs_fd, const char *etag, uint64_t size,
		struct rangeset *out)
{
	char *inc = names_incomplete_of(etag);
	char *rec = names_ranges_of(etag);
	struct strbuf text = STRBUF_INIT;
	struct stat st;
	int ret = -1;

	if (fstatat(blobs_fd, inc, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && (uint64_t)st.st_size == size + 1 &&
	    fs_read_file_at(blobs_fd, rec, false, RECORD_CAP, &text, NULL) == 0)
		ret = ranges_parse(text.buf, text.len, size, out);
	strbuf_release(&text);
	free(rec);
	free(inc);
	return ret;
}

int ranges_store(int blobs_fd, const char *etag, const struct strbuf *text,
		 struct strbuf *err)
{
	char *rec = names_ranges_of(etag);
	int ret = fs_write_atomic_at(blobs_fd, rec, text->buf, text->len, 0666,
				     err);

	free(rec);
	return ret;
}

void ranges_remove(int blobs_fd, const char *etag)
{
	char *rec = names_ranges_of(etag);

	unlinkat(blobs_fd, rec, 0);
	free(rec);
}
