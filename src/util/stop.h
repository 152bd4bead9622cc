/*
 * The stop flag that the Ctrl-C handler sets and every worker polls.
 * Relaxed atomics: lock-free, so safe in a signal handler, and no data
 * race between the thread that runs the handler and the workers. A stale
 * read only delays the stop by one poll.
 * Layer: util/ (may use nothing outside util/).
 */
#ifndef UTIL_STOP_H
#define UTIL_STOP_H

#include <stdbool.h>

/* True once *stop is set; a NULL stop never is. */
static inline bool stop_requested(volatile const int *stop)
{
	return stop && __atomic_load_n(stop, __ATOMIC_RELAXED);
}

static inline void stop_request(volatile int *stop)
{
	__atomic_store_n(stop, 1, __ATOMIC_RELAXED);
}

#endif
