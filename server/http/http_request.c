/* SPDX-License-Identifier: MIT */
/* The request path: checks, routing, access log (the client address and
 * Host: http_client.c; conditional requests and the gzip choice:
 * http_cond.c; /metrics, the trust confirmation and the rollout:
 * http_counts.c). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http_int.h"
#include "ops/ops.h"
#include "access/access.h"

/* For durations: the monotonic clock never steps back. */
static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Root, bundle, CRL and issuer downloads: counted and named in the log. */
static bool
is_download(const struct catalog_entry *e)
{
	return e->kind == CATALOG_DOWNLOAD || e->kind == CATALOG_CRL ||
	       e->kind == CATALOG_ISSUER;
}

static enum metrics_class
class_of(enum catalog_kind k)
{
	switch (k) {
	case CATALOG_PAGE: return METRICS_PAGE;
	case CATALOG_HELPDESK: return METRICS_HELPDESK;
	case CATALOG_DOWNLOAD: return METRICS_DOWNLOAD;
	case CATALOG_INFO: return METRICS_INFO;
	case CATALOG_QR: return METRICS_QR;
	case CATALOG_STATIC: return METRICS_STATIC;
	case CATALOG_HEALTH: return METRICS_HEALTH;
	case CATALOG_CRL: return METRICS_DOWNLOAD;
	case CATALOG_ISSUER: return METRICS_DOWNLOAD;
	}
	return METRICS_OTHER;
}

enum MHD_Result
http_queue_error(struct MHD_Connection *c, struct request *rq,
		 enum site_error e)
{
	size_t lang = http_request_lang(c, rq);

	rq->status = site_error_status(e);
	/* What is sent: a HEAD gets the headers alone. */
	rq->bytes = rq->head ? 0 : site_error_length(rq->site, lang, e);
	return MHD_queue_response(c, rq->status, rq->site->errors[lang][e]);
}

size_t
http_request_lang(struct MHD_Connection *c, struct request *rq)
{
	const struct catalog *cat = rq->site->cat;
	size_t i;

	if (rq->lang_known)
		return rq->lang;
	rq->lang_known = true;
	/* A choice the visitor made (the switcher's links) wins; a value
	 * that names no language served is ignored. */
	i = catalog_lang_find(cat, MHD_lookup_connection_value(
					   c, MHD_GET_ARGUMENT_KIND, "lang"));
	if (i != (size_t)-1)
		return rq->lang = i;
	rq->lang = lang_negotiate(
		MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					    MHD_HTTP_HEADER_ACCEPT_LANGUAGE),
		catalog_lang_tags(cat), catalog_lang_count(cat),
		catalog_default_lang(cat));
	return rq->lang;
}

/* The platform the request's User-Agent names, worked out once. */
enum page_platform
http_request_platform(struct MHD_Connection *c, struct request *rq)
{
	if (!rq->platform_known) {
		rq->platform = page_detect(MHD_lookup_connection_value(
			c, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT));
		rq->platform_known = true;
	}
	return rq->platform;
}

/* redirect_https: send plain-HTTP visitors to the HTTPS site. */
static enum MHD_Result
serve_redirect(struct MHD_Connection *c, struct request *rq, const char *url)
{
	const char *origin = catalog_https_origin(rq->site->cat);
	char loc[CONFIG_STR_MAX + 300];
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (origin == NULL ||
	    str_printf(loc, sizeof(loc), "%s%s", origin, url) == -1)
		return http_queue_error(c, rq, SITE_404);
	if ((r = MHD_create_response_from_buffer(
		     0, NULL, MHD_RESPMEM_PERSISTENT)) == NULL)
		return MHD_NO;
	if (site_common_headers(r, "default-src 'none'",
				catalog_hsts(rq->site->cat)) == -1 ||
	    MHD_add_response_header(r, "Location", loc) != MHD_YES) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	rq->status = MHD_HTTP_MOVED_PERMANENTLY;
	ret = MHD_queue_response(c, rq->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
route(struct MHD_Connection *c, struct request *rq, const char *url, bool head,
      bool tls)
{
	const struct config *cfg = rq->site->cfg;
	const struct catalog_entry *e;
	size_t idx;
	bool gz;

	if (strcmp(url, "/metrics") == 0)
		return http_serve_metrics(c, rq);
	if (strcmp(url, "/helpdesk/rollout.json") == 0)
		return http_serve_rollout(c, rq);
	e = strcmp(url, "/") == 0 ? NULL : catalog_lookup(rq->site->cat, url);
	/* What a certificate's AIA and CDP name is fetched over plain HTTP
	 * (RFC 5280 4.2.1.13), by clients that may not follow a redirect:
	 * CRLs, issuers and the issued URLs stay on HTTP. */
	if (!tls && cfg->redirect_https && cfg->nhttps_listen > 0 &&
	    strcmp(url, "/healthz") != 0 &&
	    (e == NULL || !(e->kind == CATALOG_CRL ||
			    e->kind == CATALOG_ISSUER || e->loose)))
		return serve_redirect(c, rq, url);
	if (strcmp(url, "/") == 0)
		e = catalog_page(rq->site->cat, http_request_platform(c, rq),
				 http_request_lang(c, rq));
	else if (strcmp(url, "/helpdesk") == 0)
		e = catalog_helpdesk(rq->site->cat, http_request_lang(c, rq));
	else if (e == NULL)
		return http_queue_error(c, rq, SITE_404);
	rq->entry = e;
	rq->cls = class_of(e->kind);
	idx = (size_t)(e - catalog_entry_at(rq->site->cat, 0));
	/* The representation is chosen first: its ETag is what a cache
	 * that holds it sends back. */
	gz = site_gz_ready(rq->site, idx) && http_accepts_gzip(c);
	switch (http_preconditions(c, e, gz)) {
	case HTTP_COND_FAILED: return http_queue_error(c, rq, SITE_412);
	case HTTP_COND_NOT_MODIFIED:
		rq->status = MHD_HTTP_NOT_MODIFIED;
		return site_queue_entry(rq->site, idx, gz, c, rq->status);
	case HTTP_COND_SEND: break;
	}
	rq->status = MHD_HTTP_OK;
	rq->bytes = head ? 0 : gz ? e->gz_len : e->len;
	if (is_download(e) && !head) {
		metrics_download(e->ca_slug, e->format);
		rollout_download(http_request_platform(c, rq));
	}
	return site_queue_entry(rq->site, idx, gz, c, rq->status);
}

/*
 * MHD_OPTION_URI_LOG_CALLBACK: runs once the request line is in, before
 * libmicrohttpd cuts the query off and before any header is read; the
 * only place the target is seen whole. The request's state starts here
 * (the return value is the handler's *req_cls; NULL on no memory).
 */
void *
http_request_start(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct request *rq = calloc(1, sizeof(*rq));

	(void)cls;
	(void)c;
	if (rq == NULL)
		return NULL;
	rq->target_ok = http_target_ok(uri);
	if (rq->target_ok)
		http_target_sign(uri, &rq->raw_path);
	return rq;
}

/* The one path that takes another method: the page's trust confirmation
 * (http_counts.c), POST so that a plain <img> or link cannot send it. */
#define CONFIRM_PATH "/trust/confirm"

static enum MHD_Result answer(struct MHD_Connection *c, struct listener *l,
			      struct request *rq, const struct http_target *t,
			      const char *url, const char *method);

enum MHD_Result
http_handle(void *cls, struct MHD_Connection *c, const char *url,
	    const char *method, const char *version, const char *upload_data,
	    size_t *upload_size, void **req_cls)
{
	struct listener *l = cls;
	struct request *rq = *req_cls;
	struct http_target t;
	bool split = http_target_split(url, &t) == 0;
	bool read_on;

	(void)upload_data;
	if (!split)
		t.path = url; /* refused below: not a target we take */
	read_on = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
		  strcmp(method, MHD_HTTP_METHOD_HEAD) == 0 ||
		  (strcmp(method, MHD_HTTP_METHOD_POST) == 0 &&
		   strcmp(t.path, CONFIRM_PATH) == 0);
	if (rq == NULL) {
		/* http_request_start() ran out of memory: the target is
		 * unchecked, so the request is refused below. */
		if ((rq = calloc(1, sizeof(*rq))) == NULL)
			return MHD_NO;
		*req_cls = rq;
	}
	if (!rq->started) {
		enum http_framing f = http_check_headers(c);

		rq->started = true;
		http_conn_head(c, true);
		/*
		 * Only the headers are in. libmicrohttpd keeps a connection
		 * alive only when the response is queued after the whole
		 * request was read, so GET and HEAD (and the trust
		 * confirmation's POST) are answered on the next call;
		 * anything else is refused now and the connection closed,
		 * without reading a body. A request that comes with a body
		 * is refused too: nothing here reads one, and a
		 * body a proxy and we might frame differently is how requests
		 * get smuggled. So is a request whose line or headers another
		 * parser could read differently (http_check.c).
		 */
		rq->malformed =
			f == HTTP_FRAMING_BAD || !rq->target_ok || !split ||
			!http_method_ok(method) ||
			!http_target_whole(&rq->raw_path, url) ||
			/* RFC 9112 3.2; libmicrohttpd's strict mode would
			 * answer this itself, without our headers. */
			(strcmp(version, MHD_HTTP_VERSION_1_0) != 0 &&
			 MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_HOST) ==
				 NULL);
		rq->body = f == HTTP_FRAMING_BODY;
		rq->too_large = !http_head_fits(c, l->h->memory);
		if (read_on && !rq->malformed && !rq->body && !rq->too_large)
			return MHD_YES;
	} else if (*upload_size != 0) {
		/* A body nobody asked for (GET with a body): drop it. */
		*upload_size = 0;
		return MHD_YES;
	} else if (rq->site != NULL) {
		return MHD_NO; /* answered already */
	}
	http_method_for_log(rq->method, sizeof(rq->method), method);
	return answer(c, l, rq, &t, url, method);
}

/* Decides and queues the response; counted here, when the status is
 * known, so a client that has its answer also sees it in /metrics. */
static enum MHD_Result
answer(struct MHD_Connection *c, struct listener *l, struct request *rq,
       const struct http_target *t, const char *url, const char *method)
{
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
	bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	bool confirm = strcmp(t->path, CONFIRM_PATH) == 0;
	const struct config *cfg;
	enum MHD_Result ret;
	int host;

	rq->head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	atomic_fetch_add(&l->h->in_flight, 1);
	rq->start_us = now_us();
	(void)str_copy(rq->path, sizeof(rq->path), url);
	rq->site = site_acquire(l->h);
	rq->cls = METRICS_OTHER;
	cfg = rq->site->cfg;
	if (http_find_client(c, cfg, rq) == -1) {
		metrics_denied(METRICS_DENY_PROXY);
		rq->deny = "bad_proxy_header";
		ret = http_queue_error(c, rq, SITE_400);
	} else if (!acl_match(&cfg->allow, &rq->client)) {
		metrics_denied(METRICS_DENY_ALLOW_LIST);
		rq->deny = "not_allowed";
		ret = http_queue_error(c, rq, SITE_403);
	} else if (rq->too_large) {
		ret = http_queue_error(c, rq, SITE_431);
	} else if (rq->malformed) {
		ret = http_queue_error(c, rq, SITE_400);
	} else if ((host = http_check_host(c, cfg, t, l->tls)) != 0) {
		metrics_denied(METRICS_DENY_HOST);
		rq->deny = "host";
		ret = http_queue_error(c, rq, host == 1 ? SITE_421 : SITE_400);
	} else if (!http_method_known(method)) {
		ret = http_queue_error(c, rq, SITE_501);
	} else if (confirm ? !post : !get && !rq->head) {
		ret = http_queue_error(c, rq,
				       confirm ? SITE_405_POST : SITE_405);
	} else if (rq->body) {
		ret = http_queue_error(c, rq, SITE_400);
	} else if (confirm) {
		ret = http_serve_confirm(c, rq);
	} else {
		ret = route(c, rq, t->path, rq->head, l->tls);
	}
	if (rq->status != 0)
		metrics_request(rq->cls, rq->status);
	return ret;
}

static void
log_request(struct MHD_Connection *c, struct request *rq)
{
	char client[ACL_ADDR_STRLEN], peer[ACL_ADDR_STRLEN], dl[96];
	const union MHD_ConnectionInfo *ci;
	struct log_access la = {0};
	struct acl_addr pa;

	acl_addr_format(&rq->client, client, sizeof(client));
	la.client = client;
	if (rq->via_proxy &&
	    (ci = MHD_get_connection_info(
		     c, MHD_CONNECTION_INFO_CLIENT_ADDRESS)) != NULL &&
	    acl_addr_from_sockaddr(ci->client_addr, &pa) == 0) {
		acl_addr_format(&pa, peer, sizeof(peer));
		la.peer = peer;
	}
	la.method = rq->method;
	la.path = rq->path;
	la.status = rq->status;
	la.bytes = rq->bytes;
	la.duration_us = (unsigned long long)(now_us() - rq->start_us);
	la.user_agent = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_USER_AGENT);
	la.platform = page_platform_name(http_request_platform(c, rq));
	la.deny = rq->deny;
	if (rq->entry != NULL && is_download(rq->entry) &&
	    str_printf(dl, sizeof(dl), "%s.%s", rq->entry->ca_slug,
		       rq->entry->format) == 0)
		la.download = dl;
	log_access(&la);
}

void
http_completed(void *cls, struct MHD_Connection *c, void **req_cls,
	       enum MHD_RequestTerminationCode toe)
{
	struct listener *l = cls;
	struct request *rq = *req_cls;

	/* The next request's head is due from now. */
	http_conn_head(c, false);
	if (rq == NULL)
		return;
	*req_cls = NULL;
	if (rq->site == NULL) {
		/* The client left before the request was complete. */
		free(rq);
		return;
	}
	/* A client that went away mid-response got less than we said. */
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && rq->status == 200)
		rq->bytes = 0;
	if (rq->site->cfg->access_log &&
	    (rq->site->cfg->log_healthz || rq->entry == NULL ||
	     rq->entry->kind != CATALOG_HEALTH))
		log_request(c, rq);
	site_unref(rq->site);
	free(rq);
	atomic_fetch_sub(&l->h->in_flight, 1);
}
