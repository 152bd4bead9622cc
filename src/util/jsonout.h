/*
 * MLX-Knife's JSON envelope: {"status","command","data","error"} on stdout.
 * Layer: util/ (may use nothing outside util/).
 */
#ifndef UTIL_JSONOUT_H
#define UTIL_JSONOUT_H

#include <jansson.h>

/* Print a success envelope; data is stolen (may be NULL for null). */
int json_print_success(const char *command, json_t *data);
/*
 * Print an error envelope. data is stolen (may be NULL); extra (stolen,
 * may be NULL) holds more fields of the error object such as "matches".
 */
int json_print_error(const char *command, json_t *data, const char *type,
		     const char *message, json_t *extra);
/* json_string() that never fails on invalid UTF-8 (bytes become U+FFFD). */
json_t *json_string_lossy(const char *s);
/* A JSON array of strings. */
json_t *json_string_array(char *const *items, size_t n);

#endif
