/* SPDX-License-Identifier: MIT */
/* Caching of revocation data: responses whose max-age ends at a CRL's
 * nextUpdate, at most HTTP_CRL_MAX_AGE_S ahead, made at most once a
 * second. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_int.h"
#include "util.h"

/*
 * A freshness-limited entry's two responses for one second. max-age
 * counts down, so no response can be prepared once for the snapshot's
 * life; one per request would cost a response and its headers each
 * time. Made at most once a second under a lock that is held only while
 * libmicrohttpd takes its own reference (MHD_queue_response()), so the
 * old pair can be destroyed safely by whoever replaces it.
 */
struct site_fresh {
	pthread_mutex_t mu;
	long long sec; /* the second the pair was made for; 0 = none */
	struct MHD_Response *full, *notmod;
	char expires[40];
};

/*
 * A cache keeps a CRL at most this long, whatever its nextUpdate says: an
 * emergency re-issue (a key compromise revoked mid-period) reaches shared
 * caches within the hour, and a nextUpdate in 9999 cannot pin a CRL in
 * them (nor overflow the 2^31 s that caches clamp max-age to). A
 * revalidation is a 304 with the same ETag.
 */
#define HTTP_CRL_MAX_AGE_S 3600

int
site_fresh_init(struct site *s, size_t i)
{
	const struct catalog_entry *e = catalog_entry_at(s->cat, i);
	struct site_fresh *f;

	if (e->fresh_until == 0)
		return 0;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	if (pthread_mutex_init(&f->mu, NULL) != 0) {
		free(f);
		return -1;
	}
	s->fresh[i] = f;
	return 0;
}

static void
drop_pair(struct site_fresh *f)
{
	if (f->full != NULL)
		MHD_destroy_response(f->full);
	if (f->notmod != NULL)
		MHD_destroy_response(f->notmod);
	f->full = f->notmod = NULL;
	f->sec = 0;
}

void
site_fresh_finish(struct site *s, size_t i)
{
	struct site_fresh *f = s->fresh[i];

	if (f == NULL)
		return;
	drop_pair(f);
	pthread_mutex_destroy(&f->mu);
	free(f);
	s->fresh[i] = NULL;
}

/* Called with f->mu held. */
static int
make_pair(struct site_fresh *f, const struct catalog_entry *e, long long now)
{
	long long age = e->fresh_until - now;
	char cc[64];

	if (age > HTTP_CRL_MAX_AGE_S)
		age = HTTP_CRL_MAX_AGE_S;
	drop_pair(f);
	if (str_printf(cc, sizeof(cc), "max-age=%lld", age) == -1 ||
	    http_date(f->expires, sizeof(f->expires), now + age) == -1 ||
	    (f->full = site_entry_response(e, false, false, cc, f->expires)) ==
		    NULL ||
	    (f->notmod = site_entry_response(e, true, false, cc, f->expires)) ==
		    NULL) {
		drop_pair(f);
		return -1;
	}
	f->sec = now;
	return 0;
}

enum MHD_Result
site_queue_entry(struct site *s, size_t i, bool gz, struct MHD_Connection *c,
		 unsigned status)
{
	const struct catalog_entry *e = catalog_entry_at(s->cat, i);
	struct site_fresh *f = s->fresh[i];
	struct MHD_Response *r;
	enum MHD_Result ret;
	long long now;

	/* Revocation data is never compressed (catalog.c). */
	if (gz) {
		r = atomic_load_explicit(status == MHD_HTTP_NOT_MODIFIED
						 ? &s->notmod_gz[i]
						 : &s->full_gz[i],
					 memory_order_acquire);
		return MHD_queue_response(c, status, r);
	}
	if (f != NULL && (now = (long long)time(NULL)) < e->fresh_until) {
		pthread_mutex_lock(&f->mu);
		if (f->sec == now || make_pair(f, e, now) == 0) {
			r = status == MHD_HTTP_NOT_MODIFIED ? f->notmod
							    : f->full;
			ret = MHD_queue_response(c, status, r);
			pthread_mutex_unlock(&f->mu);
			return ret;
		}
		pthread_mutex_unlock(&f->mu);
		/* Out of memory: revalidated every time is still right. */
	}
	r = status == MHD_HTTP_NOT_MODIFIED ? s->notmod[i] : s->full[i];
	return MHD_queue_response(c, status, r);
}
