/*
 * Streaming content hashes of the cache: a blob's name is SHA-256 of its
 * content (LFS files) or its git blob id, SHA-1 of "blob <size>\0" + content.
 * Layer: util/ (may use nothing outside util/).
 */
#ifndef UTIL_HASH_H
#define UTIL_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hash_kind {
	HASH_SHA256, /* 64 hex */
	HASH_GITSHA1 /* 40 hex */
};

struct hasher {
	enum hash_kind kind;
	void *ctx; /* EVP_MD_CTX */
};

/* Which kind a blob name implies; -1 if it is not 40 or 64 hex digits. */
int hash_kind_of(const char *hex);
/*
 * Start hashing. For HASH_GITSHA1 the size of the whole content must be
 * known up front, since git hashes a "blob <size>\0" header first.
 */
void hasher_init(struct hasher *h, enum hash_kind kind, uint64_t size);
void hasher_update(struct hasher *h, const void *data, size_t len);
/* Lowercase hex digest into out (65 bytes at least); frees the context. */
void hasher_final(struct hasher *h, char *out);
void hasher_release(struct hasher *h);
/*
 * Hash everything readable from fd (from its current offset) and compare
 * with the expected hex name: HASH_MATCH, HASH_MISMATCH, or HASH_ERROR on
 * a read error or interruption (errno set). actual receives the digest.
 */
enum hash_match {
	HASH_ERROR = -1,
	HASH_MISMATCH = 0,
	HASH_MATCH = 1,
};
enum hash_match hash_fd_matches(int fd, const char *expected, uint64_t size,
				char *actual, volatile const int *stop);

#endif
