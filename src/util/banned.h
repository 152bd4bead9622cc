/*
 * Calls that are unsafe (no bound), not reentrant (hidden static state,
 * and list and pull run on several threads), or deprecated by some SDK
 * (macOS 13+ deprecates sprintf, and -Werror would stop the build). Every
 * .c file includes this last, after the system headers, so that a use
 * is a compile error naming the call. Use instead: snprintf or strbuf,
 * strtok_r, gmtime_r / localtime_r, readdir, mkstemp / fs_ helpers.
 */
#ifndef UTIL_BANNED_H
#define UTIL_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)
#undef ctime
#define ctime(t) BANNED(ctime)
#undef asctime
#define asctime(t) BANNED(asctime)
#undef readdir_r
#define readdir_r(d, e, r) BANNED(readdir_r)
#undef gets
#define gets(s) BANNED(gets)
#undef tmpnam
#define tmpnam(s) BANNED(tmpnam)
#undef mktemp
#define mktemp(s) BANNED(mktemp)

#endif
