/*
 * What the terminal and the locale allow: UTF-8 or plain ASCII, the width
 * of a terminal, and whether colour is wanted.
 * Layer: util/ (may use nothing outside util/).
 */
#ifndef UTIL_TERM_H
#define UTIL_TERM_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Read the locale's codeset once, at start, before any thread: LC_ALL >
 * LC_CTYPE > LANG, as setlocale() picks them. Until then (unit tests)
 * output is UTF-8.
 */
void term_init(void);
/* The locale's codeset is UTF-8: non-ASCII characters may be printed. */
bool term_utf8(void);
/* utf8 when the locale is UTF-8, else its ASCII stand-in. */
const char *term_text(const char *utf8, const char *ascii);
/*
 * The columns of the terminal on fd (TIOCGWINSZ), else $COLUMNS, else
 * 80. Cheap: read it at every redraw and a resize just works.
 */
size_t term_width(int fd);
/*
 * Colour on fd: a terminal, NO_COLOR unset or empty (no-color.org) and
 * TERM set and not "dumb".
 */
bool term_colour(int fd);

#define TERM_GREEN "\033[32m"
#define TERM_RED "\033[31m"
#define TERM_YELLOW "\033[33m"
#define TERM_RESET "\033[0m"

#endif
