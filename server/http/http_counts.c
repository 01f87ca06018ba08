/* SPDX-License-Identifier: MIT */
/* The numbers certpost keeps about itself: /metrics, the page's trust
 * confirmation and the helpdesk's rollout JSON. */
#include <stdlib.h>
#include <time.h>

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
	if (site_common_headers(r, "default-src 'none'") == -1 ||
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
	if (metrics_render(&b, log_write_failures()) == -1) {
		buf_free(&b);
		return MHD_NO;
	}
	return queue_fresh(c, rq, &b,
			   "text/plain; version=0.0.4; charset=utf-8");
}

/*
 * The page's trust check succeeded: count the device once per address and
 * platform a day (rollout.c), nothing else kept. GET only, allow-listed
 * like everything, and a flood from one address counts once.
 */
enum MHD_Result
http_serve_confirm(struct MHD_Connection *c, struct request *rq)
{
	enum page_platform p = http_request_platform(c, rq);

	rq->cls = METRICS_INFO;
	if (rollout_confirm(&rq->client, (unsigned)p, time(NULL)))
		metrics_trust_confirmed(p);
	return http_queue_error(c, rq, SITE_204);
}

/* The rollout for the helpdesk view: downloads and confirmations by
 * platform, as JSON. */
enum MHD_Result
http_serve_rollout(struct MHD_Connection *c, struct request *rq)
{
	struct buf b = {0};

	rq->cls = METRICS_INFO;
	(void)buf_puts(&b, "{\"platforms\":[");
	for (int p = 0; p < PAGE_PLATFORM_COUNT; p++)
		(void)buf_printf(
			&b,
			"%s{\"platform\":\"%s\",\"name\":\"%s\","
			"\"downloads\":%llu,\"confirmed\":%llu}",
			p ? "," : "", page_platform_name((enum page_platform)p),
			/* A static table of plain ASCII names: nothing to
			 * escape. */
			page_platform_title((enum page_platform)p),
			metrics_platform_downloads((enum page_platform)p),
			metrics_trust_confirmations((enum page_platform)p));
	if (buf_puts(&b, "]}\n") == -1) {
		buf_free(&b);
		return MHD_NO;
	}
	return queue_fresh(c, rq, &b, "application/json");
}
