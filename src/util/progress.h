/*
 * A one-line progress display for a terminal (after curl's
 * tool_cb_prg.c): percentage, bytes, rate, ETA, files and the file
 * arriving, redrawn in place at most ten times a second and always
 * shorter than the terminal is wide, so that it never wraps.
 * Layer: util/ (may use nothing outside util/).
 */
#ifndef UTIL_PROGRESS_H
#define UTIL_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/strbuf.h"

#define PROGRESS_SAMPLES 64 /* at 10 draws a second, 6.4 s of history */

struct progress {
	FILE *out;
	double start;	   /* seconds, monotonic */
	double last_draw;  /* 0 before the first draw */
	bool drawn;	   /* a line is on screen */
	size_t drawn_cols; /* the columns it takes */
	/* (time, bytes received) at recent draws, for the current rate */
	double sample_t[PROGRESS_SAMPLES];
	uint64_t sample_net[PROGRESS_SAMPLES];
	size_t nr_samples; /* ever taken; the newest is at (nr - 1) % N */
};

struct progress_state {
	uint64_t done, total; /* bytes in place / wanted */
	uint64_t net;	      /* bytes received in this run (for the rate) */
	size_t files_done, files_total;
	const char *file; /* a file arriving now, or NULL */
};

void progress_init(struct progress *p, FILE *out);
/* Redraw unless the last draw was under 100 ms ago (force: always). */
void progress_draw(struct progress *p, const struct progress_state *s,
		   bool force);
/* Erase the line so that other output can follow. */
void progress_clear(struct progress *p);
/*
 * Format one display line (without \r) into out, at most cols - 1
 * columns: the fields that do not fit are left out (the file name first,
 * then the file count, then the rate), and a long file name is shortened
 * in the middle. For tests too.
 */
void progress_format(struct strbuf *out, const struct progress_state *s,
		     double bps, size_t cols);
/*
 * Record that net bytes had arrived at time t (seconds, monotonic) and
 * return the rate over the last 5 seconds, or since the start while there
 * is less history than a second.
 */
double progress_rate(struct progress *p, uint64_t net, double t);

#endif
