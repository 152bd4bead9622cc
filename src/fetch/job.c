/* Progress shared by every transfer of a pull. */
#include "fetch/job.h"
#include "util/banned.h"

void download_progress(struct download *d, int64_t done, uint64_t net)
{
	pthread_mutex_lock(&d->mu);
	d->bytes_done = (uint64_t)((int64_t)d->bytes_done + done);
	d->bytes_net += net;
	pthread_mutex_unlock(&d->mu);
}

void download_received(struct download *d, const struct dl_file *df, uint64_t n)
{
	pthread_mutex_lock(&d->mu);
	d->bytes_done += n;
	d->bytes_net += n;
	if (!d->active)
		d->active = df;
	pthread_mutex_unlock(&d->mu);
}
