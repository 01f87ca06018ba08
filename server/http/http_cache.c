/* SPDX-License-Identifier: MIT */
/* Caching of revocation data: HTTP dates, and responses whose max-age ends
 * at a CRL's nextUpdate, made at most once a second. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_int.h"
#include "util.h"

static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed",
				"Thu", "Fri", "Sat"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

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

/* Written with fixed tables, not strftime(): the names must not follow a
 * locale. */
int
http_date(char *dst, size_t dstlen, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		return -1;
	return str_printf(dst, dstlen, "%s, %02d %s %04d %02d:%02d:%02d GMT",
			  days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
			  tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int
digits(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

long long
http_date_parse(const char *s)
{
	struct tm tm = {0};
	int i, mon = -1;

	/* "Sun, 06 Nov 1994 08:49:37 GMT" */
	if (s == NULL || strlen(s) != 29 || s[3] != ',' || s[4] != ' ' ||
	    s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
	    s[22] != ':' || strcmp(s + 25, " GMT") != 0)
		return -1;
	for (i = 0; i < 12; i++)
		if (memcmp(s + 8, months[i], 3) == 0)
			mon = i;
	tm.tm_mday = digits(s + 5, 2);
	tm.tm_year = digits(s + 12, 4) - 1900;
	tm.tm_hour = digits(s + 17, 2);
	tm.tm_min = digits(s + 20, 2);
	tm.tm_sec = digits(s + 23, 2);
	if (mon < 0 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_year < 70 ||
	    tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 ||
	    tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60)
		return -1;
	tm.tm_mon = mon;
	return (long long)timegm(&tm);
}

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
	if (http_date(f->expires, sizeof(f->expires), e->fresh_until) == -1) {
		pthread_mutex_destroy(&f->mu);
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
	char cc[64];

	drop_pair(f);
	if (str_printf(cc, sizeof(cc), "max-age=%lld", e->fresh_until - now) ==
		    -1 ||
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
		r = status == MHD_HTTP_NOT_MODIFIED ? s->notmod_gz[i]
						    : s->full_gz[i];
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
