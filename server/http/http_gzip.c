/* SPDX-License-Identifier: MIT */
/*
 * The compressor: gzip forms are made after a snapshot is served, not
 * before. A start renders every language's pages (a hundred and more) and
 * compressing them all at level 9 took four times as long as everything
 * else; a visitor in that first tenth of a second gets the identity form,
 * which is what a client without gzip gets anyway. A reload compresses
 * only what changed (catalog.c keeps the forms it made). One thread, on
 * the live site; a swap or a stop stops it after the entry under way.
 */
#include <stdlib.h>
#include <time.h>

#include "http_int.h"
#include "ops/ops.h"

atomic_size_t http_gz_pending;

static void *
compress_all(void *arg)
{
	struct http *h = arg;
	struct site *s = h->gz_site;
	struct timespec t0, t1;
	size_t i, made = 0;
	int r = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < s->n && !atomic_load(&h->gz_cancel); i++) {
		/* Only this thread writes the entries' gzip fields (the
		 * catalog says how others may read them). */
		r = catalog_gzip_one(s->cat, i);
		if (r == 1) {
			if (catalog_entry_at(s->cat, i)->gz_body != NULL &&
			    site_gz_prepare(s, i) == -1)
				r = -1;
			atomic_fetch_sub(&http_gz_pending, 1);
			made++;
		}
		if (r == -1) {
			log_warnx("compressing the pages: out of memory; "
				  "the rest are served uncompressed");
			break;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (r != -1 && !atomic_load(&h->gz_cancel))
		log_info("gzip forms made: %zu in %.1f ms", made,
			 (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
				 (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	return NULL;
}

void
gz_start(struct http *h, struct site *s)
{
	size_t n = catalog_gzip_pending(s->cat);

	atomic_store(&http_gz_pending, 0);
	if (n == 0)
		return;
	atomic_store(&h->gz_cancel, false);
	h->gz_site = s;
	atomic_fetch_add(&s->refs, 1);
	atomic_store(&http_gz_pending, n);
	if (pthread_create(&h->gz_thread, NULL, compress_all, h) != 0) {
		log_warnx("cannot start the compressor: the pages are served "
			  "uncompressed");
		atomic_store(&http_gz_pending, 0);
		h->gz_site = NULL;
		site_unref(s);
		return;
	}
	h->gz_running = true;
}

void
gz_stop(struct http *h)
{
	if (!h->gz_running)
		return;
	atomic_store(&h->gz_cancel, true);
	pthread_join(h->gz_thread, NULL);
	h->gz_running = false;
	site_unref(h->gz_site);
	h->gz_site = NULL;
}
