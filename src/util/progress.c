/* The terminal progress line. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/humanize.h"
#include "util/progress.h"
#include "util/term.h"
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

/*
 * Columns a (printable) string takes, counted high so that the line never
 * wraps: a character of three or four UTF-8 bytes (CJK, emoji) may be two
 * columns wide.
 */
static size_t columns(const char *s, size_t len)
{
	size_t w = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c & 0xc0) == 0x80)
			continue;
		w += c >= 0xe0 ? 2 : 1;
	}
	return w;
}

/* Append name in at most w columns, cut in the middle when too long. */
static void add_middle(struct strbuf *out, const char *name, size_t w)
{
	struct strbuf safe = STRBUF_INIT;
	const char *dots = term_text("\xe2\x80\xa6", "...");
	size_t dw = term_utf8() ? 1 : 3, head, tail, i, j;

	strbuf_add_printable(&safe, name);
	if (columns(safe.buf, safe.len) <= w) {
		strbuf_add(out, safe.buf, safe.len);
		strbuf_release(&safe);
		return;
	}
	/* The head ends at a character boundary within half the room. */
	for (head = 0, i = 0; i < safe.len;) {
		size_t n = i + 1;

		while (n < safe.len &&
		       ((unsigned char)safe.buf[n] & 0xc0) == 0x80)
			n++;
		if (columns(safe.buf, n) > (w - dw) / 2)
			break;
		i = n;
		head = i;
	}
	/* The tail starts at one and fills what is left. */
	tail = w - dw - columns(safe.buf, head);
	for (j = safe.len; j > head;) {
		size_t n = j - 1;

		while (n > head && ((unsigned char)safe.buf[n] & 0xc0) == 0x80)
			n--;
		if (columns(safe.buf + n, safe.len - n) > tail)
			break;
		j = n;
	}
	strbuf_add(out, safe.buf, head);
	strbuf_addstr(out, dots);
	strbuf_add(out, safe.buf + j, safe.len - j);
	strbuf_release(&safe);
}

/* The file name needs at least this many columns to be worth showing. */
#define NAME_MIN 12

void progress_format(struct strbuf *out, const struct progress_state *s,
		     double bps, size_t cols)
{
	struct strbuf done = STRBUF_INIT, total = STRBUF_INIT;
	struct strbuf rate = STRBUF_INIT;
	unsigned pct = s->total ? (unsigned)(s->done * 100 / s->total) : 100;
	char eta[32] = "--:--";
	size_t room = cols > 1 ? cols - 1 : 0; /* the last column: no wrap */
	int form;

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
	/* From the whole line down to the percentage alone: the first that
	 * fits. */
	for (form = 0; form < 5; form++) {
		strbuf_reset(out);
		strbuf_addf(out, "%3u%%", pct);
		if (form < 4)
			strbuf_addf(out, " %s/%s", done.buf, total.buf);
		if (form < 2)
			strbuf_addf(out, "  %s/s", rate.buf);
		if (form < 3)
			strbuf_addf(out, "  ETA %s", eta);
		if (form < 1)
			strbuf_addf(out, "  %zu/%zu files", s->files_done,
				    s->files_total);
		if (out->len <= room)
			break;
	}
	if (out->len > room)
		strbuf_setlen(out, room);
	else if (!form && s->file && *s->file &&
		 out->len + 2 + NAME_MIN <= room) {
		strbuf_addstr(out, "  ");
		add_middle(out, s->file, room - out->len);
	}
	strbuf_release(&done);
	strbuf_release(&total);
	strbuf_release(&rate);
}

/*
 * Go back to the start of the line on screen. A terminal narrowed under
 * it re-wraps it over several rows (tmux, VTE, kitty, iTerm2 do) and
 * leaves the cursor on the last one: go up to the first and erase them
 * all, or their tops would stay on screen as stale progress rows.
 */
static void rewind_line(struct progress *p, size_t cols)
{
	if (p->drawn && cols && p->drawn_cols >= cols) {
		size_t up = (p->drawn_cols - 1) / cols;

		if (up)
			fprintf(p->out, "\033[%zuA", up);
		fputs("\r\033[J", p->out);
		return;
	}
	fputc('\r', p->out);
}

void progress_draw(struct progress *p, const struct progress_state *s,
		   bool force)
{
	double t = now();
	struct strbuf line = STRBUF_INIT;
	size_t cols;

	/*
	 * Also after a clear: files finishing in a burst would otherwise
	 * each bring a redraw of their own.
	 */
	if (!force && p->last_draw > 0 && t - p->last_draw < 0.1)
		return;
	p->last_draw = t;
	/*
	 * The width is read at every draw (one ioctl), so that a resized
	 * terminal gets lines that fit it from the next draw on: a line as
	 * wide as the terminal would wrap, and \r would then return only to
	 * the start of its second half.
	 */
	cols = term_width(fileno(p->out));
	progress_format(&line, s, progress_rate(p, s->net, t), cols);
	rewind_line(p, cols);
	/* \033[K erases what a longer previous line left. */
	fprintf(p->out, "%s\033[K", line.buf);
	fflush(p->out);
	p->drawn_cols = columns(line.buf, line.len);
	strbuf_release(&line);
	p->drawn = true;
}

void progress_clear(struct progress *p)
{
	if (!p->drawn)
		return;
	rewind_line(p, term_width(fileno(p->out)));
	fputs("\033[K", p->out);
	fflush(p->out);
	p->drawn = false;
}
