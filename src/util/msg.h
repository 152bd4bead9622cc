/*
 * Diagnostics on stderr in one vocabulary: "mlxk: error: cannot open 'x':
 * No such file or directory". Lowercase, no full stop, what failed first.
 * Only src/mlxk.c and src/cmd/ print; the core hands back messages.
 * Layer: util/ (may use nothing outside util/).
 */
#ifndef UTIL_MSG_H
#define UTIL_MSG_H

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Print "mlxk: error: ..." and return -1. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A command-line mistake: one error line, then a hint naming the help
 * command. Returns EXIT_USAGE so commands can "return usage_error(...)".
 */
int usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
