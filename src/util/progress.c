/* The terminal progress line. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/humanize.h"
#include "util/progress.h"
#include "util/banned.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, FILE *out)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->start = now();
}

#define RATE_WINDOW 5.0

/*
 * The rate over a window, as curl's progress meter shows it: an average
 * since the start would hide a stall or a burst for minutes in a long
 * download, and its ETA would be wrong by as much.
 */
double progress_rate(struct progress *p, uint64_t net, double t)
{
	size_t nr = p->nr_samples < PROGRESS_SAMPLES ? p->nr_samples
						     : PROGRESS_SAMPLES;
	double t0 = p->start;
	uint64_t n0 = 0;

	/* The oldest sample inside the window (else the newest one). */
	for (size_t j = 0; j < nr; j++) {
		size_t k = (p->nr_samples - nr + j) % PROGRESS_SAMPLES;

		t0 = p->sample_t[k];
		n0 = p->sample_net[k];
		if (t - t0 <= RATE_WINDOW)
			break;
	}
	p->sample_t[p->nr_samples % PROGRESS_SAMPLES] = t;
	p->sample_net[p->nr_samples % PROGRESS_SAMPLES] = net;
	p->nr_samples++;
	/* Too little history: the average since the start says more. */
	if (t - t0 < 1.0) {
		t0 = p->start;
		n0 = 0;
	}
	return t - t0 > 0.05 && net >= n0 ? (double)(net - n0) / (t - t0) : 0;
}

void progress_format(char *buf, size_t n, const struct progress_state *s,
		     double bps)
{
	struct strbuf done = STRBUF_INIT, total = STRBUF_INIT;
	struct strbuf rate = STRBUF_INIT;
	unsigned pct = s->total ? (unsigned)(s->done * 100 / s->total) : 100;
	char eta[32] = "--:--";

	human_size(&done, s->done);
	human_size(&total, s->total);
	human_size(&rate, (uint64_t)bps);
	if (bps > 0 && s->total >= s->done) {
		unsigned long left =
			(unsigned long)((double)(s->total - s->done) / bps);
		if (left < 360000)
			snprintf(eta, sizeof(eta), "%lu:%02lu:%02lu",
				 left / 3600, left / 60 % 60, left % 60);
	}
	snprintf(buf, n, "%3u%% %s/%s  %s/s  ETA %s  %zu/%zu files", pct,
		 done.buf, total.buf, rate.buf, eta, s->files_done,
		 s->files_total);
	strbuf_release(&done);
	strbuf_release(&total);
	strbuf_release(&rate);
}

void progress_draw(struct progress *p, const struct progress_state *s,
		   bool force)
{
	double t = now();
	char line[160];

	/*
	 * Also after a clear: files finishing in a burst would otherwise
	 * each bring a redraw of their own.
	 */
	if (!force && p->last_draw > 0 && t - p->last_draw < 0.1)
		return;
	p->last_draw = t;
	progress_format(line, sizeof(line), s, progress_rate(p, s->net, t));
	/* \033[K erases what a longer previous line left. */
	fprintf(p->out, "\r%s\033[K", line);
	fflush(p->out);
	p->drawn = true;
}

void progress_clear(struct progress *p)
{
	if (!p->drawn)
		return;
	fputs("\r\033[K", p->out);
	fflush(p->out);
	p->drawn = false;
}
