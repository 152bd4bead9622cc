/*
 * Growable strings (after git's strbuf): buf is never NULL and always
 * NUL-terminated, so a strbuf can be handed to any C string function.
 * Layer: util/ (may use nothing outside util/).
 */
#ifndef UTIL_STRBUF_H
#define UTIL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT                  \
	{                            \
		0, 0, strbuf_slopbuf \
	}

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
/* Hand the string to the caller; the strbuf is reset to empty. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_setlen(struct strbuf *sb, size_t len);
#define strbuf_reset(sb) strbuf_setlen((sb), 0)

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Replace the contents with a formatted string. */
void strbuf_setf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_rtrim(struct strbuf *sb);

/*
 * Length of the valid UTF-8 sequence at s (1 to 4), or 0 if the bytes
 * there are not one (overlong, surrogate, truncated, beyond U+10FFFF).
 */
size_t utf8_seq_len(const unsigned char *s);
/*
 * Append s for a terminal: control characters (C0, DEL, C1) and bytes
 * that are not UTF-8 become '?', so a hostile name cannot send escape
 * sequences or break a line. Outside a UTF-8 locale (util/term.h) every
 * other non-ASCII byte becomes '?' too, but for a few punctuation marks
 * that have ASCII stand-ins ("-", "...", "->").
 */
void strbuf_add_printable(struct strbuf *sb, const char *s);
/*
 * Replace the user name and password of every URL in sb ("scheme://user:
 * pass@host") by "***", so that credentials in HF_ENDPOINT never show in a
 * message.
 */
void strbuf_redact_userinfo(struct strbuf *sb);
/* Replace the contents with strbuf_add_printable(s); returns sb->buf. */
const char *strbuf_printable(struct strbuf *sb, const char *s);

/*
 * Append everything readable from fd, failing (-1, errno EFBIG) once more
 * than max bytes would be held: untrusted files and bodies get a cap.
 */
int strbuf_read_fd(struct strbuf *sb, int fd, size_t max);

/*
 * Report an error into err (if not NULL) and return -1, so core code can
 * write "return error_set(err, ...);".
 */
int error_set(struct strbuf *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
