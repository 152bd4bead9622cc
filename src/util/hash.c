/* SHA-256 and git-blob SHA-1 through OpenSSL's EVP interface. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "util/hash.h"
#include "util/fsutil.h"
#include "util/stop.h"
#include "util/xalloc.h"
#include "util/banned.h"

int hash_kind_of(const char *hex)
{
	size_t n = strlen(hex);

	if (n == 64 && fs_is_hex(hex, 64))
		return HASH_SHA256;
	if (n == 40 && fs_is_hex(hex, 40))
		return HASH_GITSHA1;
	return -1;
}

void hasher_init(struct hasher *h, enum hash_kind kind, uint64_t size)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx)
		abort();
	h->kind = kind;
	h->ctx = ctx;
	if (!EVP_DigestInit_ex(
		    ctx, kind == HASH_SHA256 ? EVP_sha256() : EVP_sha1(), NULL))
		abort();
	if (kind == HASH_GITSHA1) {
		char hdr[48];
		int n = snprintf(hdr, sizeof(hdr), "blob %llu",
				 (unsigned long long)size);
		/* The header includes its terminating NUL. */
		EVP_DigestUpdate(ctx, hdr, (size_t)n + 1);
	}
}

void hasher_update(struct hasher *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->ctx, data, len);
}

void hasher_final(struct hasher *h, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	static const char hex[] = "0123456789abcdef";

	EVP_DigestFinal_ex(h->ctx, md, &n);
	for (unsigned int i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * n] = '\0';
	hasher_release(h);
}

void hasher_release(struct hasher *h)
{
	if (h->ctx)
		EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

enum hash_match hash_fd_matches(int fd, const char *expected, uint64_t size,
				char *actual, volatile const int *stop)
{
	struct hasher h;
	size_t bufsz = 1 << 20;
	char *buf;
	int kind = hash_kind_of(expected);

	if (kind < 0) {
		errno = EINVAL;
		return HASH_ERROR;
	}
	buf = xmalloc(bufsz);
	hasher_init(&h, (enum hash_kind)kind, size);
	for (;;) {
		ssize_t n = read(fd, buf, bufsz);

		if (n < 0 && errno == EINTR && !stop_requested(stop))
			continue;
		if (n < 0 || stop_requested(stop)) {
			int saved = n < 0 ? errno : EINTR;
			hasher_release(&h);
			free(buf);
			errno = saved;
			return HASH_ERROR;
		}
		if (n == 0)
			break;
		hasher_update(&h, buf, (size_t)n);
	}
	free(buf);
	hasher_final(&h, actual);
	return strcasecmp(actual, expected) == 0 ? HASH_MATCH : HASH_MISMATCH;
}
