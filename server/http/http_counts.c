/* SPDX-License-Identifier: MIT */
/* The numbers certpost keeps about itself: /metrics, the page's trust
 * confirmation and the helpdesk's rollout JSON. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http_int.h"
#include "ops/ops.h"
#include "access/access.h"

/* Queues b's bytes (taken, even on failure) as a 200 made for this
 * request alone: the security headers, type, no-store. */
static enum MHD_Result
queue_fresh(struct MHD_Connection *c, struct request *rq, struct buf *b,
	    const char *type)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len;
	char *body = buf_steal(b, &len);

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	if (site_common_headers(r, "default-src 'none'",
				catalog_hsts(rq->site->cat)) == -1 ||
	    MHD_add_response_header(r, "Content-Type", type) != MHD_YES ||
	    MHD_add_response_header(r, "Cache-Control", "no-store") !=
		    MHD_YES) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	rq->status = MHD_HTTP_OK;
	rq->bytes = len;
	ret = MHD_queue_response(c, rq->status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result
http_serve_metrics(struct MHD_Connection *c, struct request *rq)
{
	struct buf b = {0};

	rq->cls = METRICS_METRICS;
	if (!acl_match(&rq->site->cfg->admin, &rq->client)) {
		metrics_denied(METRICS_DENY_ADMIN);
		rq->deny = "not_admin";
		return http_queue_error(c, rq, SITE_403);
	}
	if (metrics_render(&b, log_write_failures()) == -1 ||
	    buf_printf(&b,
		       "# HELP certpost_gzip_pending Responses whose gzip form "
		       "is still being made (after a start or reload).\n"
		       "# TYPE certpost_gzip_pending gauge\n"
		       "certpost_gzip_pending %zu\n",
		       atomic_load(&http_gz_pending)) == -1) {
		buf_free(&b);
		return MHD_NO;
	}
	return queue_fresh(c, rq, &b,
			   "text/plain; version=0.0.4; charset=utf-8");
}

/* "host[:port]" split: the host lower-cased without a trailing dot (an
 * IPv6 literal keeps its brackets), the port as written or "". False when
 * it is not that shape. */
static bool
split_authority(const char *a, char *host, size_t hostlen, char *port,
		size_t portlen)
{
	const char *p = NULL; /* the port's digits */
	size_t n;

	if (a[0] == '[') {
		const char *close = strchr(a, ']');

		if (close == NULL || (close[1] != ':' && close[1] != '\0'))
			return false;
		n = (size_t)(close - a) + 1;
		p = close[1] == ':' ? close + 2 : NULL;
	} else {
		const char *colon = strchr(a, ':');

		n = colon != NULL ? (size_t)(colon - a) : strlen(a);
		p = colon != NULL ? colon + 1 : NULL;
	}
	if (n == 0 || n >= hostlen ||
	    (p != NULL && (p[0] == '\0' || strlen(p) >= portlen ||
			   strspn(p, "0123456789") != strlen(p))))
		return false;
	for (size_t i = 0; i < n; i++)
		host[i] = (char)tolower((unsigned char)a[i]);
	if (n > 1 && host[n - 1] == '.')
		n--;
	host[n] = '\0';
	(void)str_copy(port, portlen, p != NULL ? p : "");
	return true;
}

/*
 * Whether the confirmation comes from certpost's own page. A browser's
 * POST carries Origin: its host and port must be the request's own Host
 * (a page elsewhere, even on another of our names or on a bare address a
 * wildcard listener accepts, has another origin; a DNS-rebinding page's
 * Host is refused before this), and, where the browser sends it,
 * Sec-Fetch-Site must say same-origin. An <img> or a link cannot POST at
 * all; another site's form carries its own Origin. A port left out on
 * either side is the default one of the Origin's scheme (a proxy in
 * front may drop it from Host). A client that is not a browser can claim
 * anything, and then counts once a day like anyone.
 */
static bool
same_origin(struct MHD_Connection *c)
{
	const char *origin =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						       "Sec-Fetch-Site");
	const char *hosthdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							  MHD_HTTP_HEADER_HOST);
	char oh[HOST_NAME_LEN + 3], op[8], hh[HOST_NAME_LEN + 3], hp[8];
	const char *auth, *dflt;

	if (site != NULL && strcmp(site, "same-origin") != 0)
		return false;
	if (origin == NULL || hosthdr == NULL)
		return false;
	if (strncmp(origin, "http://", 7) == 0) {
		auth = origin + 7;
		dflt = "80";
	} else if (strncmp(origin, "https://", 8) == 0) {
		auth = origin + 8;
		dflt = "443";
	} else {
		return false; /* "null", or not an origin */
	}
	if (strchr(auth, '/') != NULL ||
	    !split_authority(auth, oh, sizeof(oh), op, sizeof(op)) ||
	    !split_authority(hosthdr, hh, sizeof(hh), hp, sizeof(hp)))
		return false;
	return strcmp(oh, hh) == 0 &&
	       strcmp(op[0] ? op : dflt, hp[0] ? hp : dflt) == 0;
}

/*
 * The page's trust check succeeded: count the device's source once a day
 * (rollout.c), nothing else kept. POST from our own page only, and
 * allow-listed like everything.
 */
enum MHD_Result
http_serve_confirm(struct MHD_Connection *c, struct request *rq)
{
	enum page_platform p = http_request_platform(c, rq);

	rq->cls = METRICS_INFO;
	if (!same_origin(c)) {
		metrics_denied(METRICS_DENY_CROSS_SITE);
		rq->deny = "cross_site";
		return http_queue_error(c, rq, SITE_403);
	}
	(void)rollout_confirm(&rq->client, p, time(NULL));
	return http_queue_error(c, rq, SITE_204);
}

/* The rollout for the helpdesk view: downloads and confirmations by
 * platform, as JSON. */
enum MHD_Result
http_serve_rollout(struct MHD_Connection *c, struct request *rq)
{
	struct rollout_status st;
	char host[256], since[32];
	struct buf b = {0};

	rq->cls = METRICS_INFO;
	rollout_status(&st);
	if (gethostname(host, sizeof(host)) == -1)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	if (time_rfc3339(since, sizeof(since), st.since) == -1)
		since[0] = '\0';
	/* Each instance counts its own: several replicas behind one name
	 * answer in turn, and only /metrics summed across them is the
	 * fleet's (docs/operations.md). */
	(void)buf_puts(&b, "{\"instance\":");
	(void)buf_json_string(&b, host);
	(void)buf_printf(&b,
			 ",\"since\":\"%s\",\"sources_today\":%u,"
			 "\"sources_per_day\":%u,\"table_full\":%s,"
			 "\"not_counted\":%llu,\"platforms\":[",
			 since, st.sources_today, ROLLOUT_MAX_PER_DAY,
			 st.full ? "true" : "false", st.not_counted);
	for (int p = 0; p < PAGE_PLATFORM_COUNT; p++)
		(void)buf_printf(&b,
				 "%s{\"platform\":\"%s\",\"name\":\"%s\","
				 "\"downloads\":%llu,\"confirmed\":%llu}",
				 p ? "," : "",
				 page_platform_name((enum page_platform)p),
				 /* A static table of plain ASCII names: nothing
				  * to escape. */
				 page_platform_title((enum page_platform)p),
				 rollout_downloads((enum page_platform)p),
				 rollout_confirmations((enum page_platform)p));
	if (buf_puts(&b, "]}\n") == -1) {
		buf_free(&b);
		return MHD_NO;
	}
	return queue_fresh(c, rq, &b, "application/json");
}
