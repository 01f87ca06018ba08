/* SPDX-License-Identifier: MIT */
/* libmicrohttpd glue: listeners, accept policy, routing, conditional requests,
 * access log. */
#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http_int.h"
#include "log.h"
#include "metrics.h"
#include "proxy.h"

#define MAX_DAEMONS (2 * CONFIG_MAX_LISTEN)
#define TLS_MAX_FILE (256 * 1024)
#define STOP_GRACE_MS 5000

struct listener {
	struct http *h;
	struct MHD_Daemon *d;
	bool tls;
	char url[96]; /* "http://127.0.0.1:8080" as bound */
};

struct http {
	struct listener listeners[MAX_DAEMONS];
	size_t n;
	_Atomic(struct site *) live;
	/* Readers between loading `live` and taking their reference; a swap
	 * waits for zero before dropping the old site (see site_acquire). */
	atomic_uint acquiring;
	atomic_uint in_flight;
	char *tls_cert;
	char *tls_key;
};

/* Per-request state, from the first callback to the completion one. */
struct request {
	struct site *site;
	long long start_us;
	const struct catalog_entry *entry;
	unsigned status;
	unsigned long long bytes;
	enum metrics_class cls;
	enum page_platform platform;
	bool platform_known;
	const char *deny;
	struct acl_addr client;
	bool via_proxy;
	/* Copies for the log line: the request's own strings are not
	 * promised to outlive the handler. Long paths are cut. */
	char method[16];
	char path[256];
};

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Takes a reference to the live site. The window between reading the
 * pointer and bumping its count is covered by `acquiring`: http_swap()
 * publishes the new site, then waits until no reader is inside that
 * window before it drops the old site's reference, so a site can never be
 * freed under a reader that has just loaded it. Two atomics, no lock.
 */
static struct site *
site_acquire(struct http *h)
{
	struct site *s;

	atomic_fetch_add(&h->acquiring, 1);
	s = atomic_load(&h->live);
	atomic_fetch_add(&s->refs, 1);
	atomic_fetch_sub(&h->acquiring, 1);
	return s;
}

static void
mhd_logger(void *cls, const char *fmt, va_list ap)
{
	struct buf b = {0};

	(void)cls;
	if (buf_vprintf(&b, fmt, ap) == 0 && b.len > 0) {
		/* libmicrohttpd ends its messages with a newline. */
		if (b.data[b.len - 1] == '\n')
			b.data[--b.len] = '\0';
		log_warnx("libmicrohttpd: %s", b.data);
	}
	buf_free(&b);
}

/* We match paths exactly and never decode them: "%2e%2e", "%00" and the
 * like can only be 404. Query strings are not decoded either. */
static size_t
no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

static void
log_denied_peer(const struct acl_addr *a, const char *reason)
{
	char text[ACL_ADDR_STRLEN];
	struct log_access la = {0};

	acl_addr_format(a, text, sizeof(text));
	la.time_us = now_us();
	la.client = text;
	la.deny = reason;
	la.method = "-";
	la.path = "-";
	log_access(&la);
}

/*
 * Runs before libmicrohttpd reads a byte: a peer that is neither allowed
 * nor a trusted proxy is closed right here when deny = drop.
 */
static enum MHD_Result
accept_policy(void *cls, const struct sockaddr *sa, socklen_t len)
{
	struct listener *l = cls;
	struct acl_addr a;
	struct site *s;
	enum MHD_Result r = MHD_YES;

	(void)len;
	if (acl_addr_from_sockaddr(sa, &a) == -1)
		return MHD_NO;
	s = site_acquire(l->h);
	if (s->cfg->deny == CONFIG_DENY_DROP &&
	    !acl_match(&s->cfg->allow, &a) &&
	    !acl_match(&s->cfg->trusted_proxy, &a)) {
		metrics_denied(METRICS_DENY_ALLOW_LIST);
		if (s->cfg->access_log)
			log_denied_peer(&a, "not_allowed");
		r = MHD_NO;
	}
	site_unref(s);
	return r;
}

static void
notify_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
		  enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	(void)c;
	(void)socket_ctx;
	metrics_connection(toe == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
}

/* Joins every line of one header with ", " (RFC 9110 5.3) into a fixed
 * buffer; too long a header is malformed for our purposes. */
struct joined {
	const char *name;
	char buf[2048];
	size_t len;
	bool seen;
	bool overflow;
};

static enum MHD_Result
join_header(void *cls, enum MHD_ValueKind kind, const char *key,
	    const char *value)
{
	struct joined *j = cls;
	size_t n;

	(void)kind;
	if (strcasecmp(key, j->name) != 0 || value == NULL)
		return MHD_YES;
	n = strlen(value);
	if (j->len + n + 3 > sizeof(j->buf)) {
		j->overflow = true;
		return MHD_NO;
	}
	if (j->seen) {
		memcpy(j->buf + j->len, ", ", 2);
		j->len += 2;
	}
	memcpy(j->buf + j->len, value, n + 1);
	j->len += n;
	j->seen = true;
	return MHD_YES;
}

/* Works out who the client is. Returns 0, or -1 for a malformed header. */
static int
find_client(struct MHD_Connection *c, const struct config *cfg,
	    struct request *rq)
{
	const union MHD_ConnectionInfo *ci;
	struct acl_addr peer;
	struct joined fwd = {.name = "Forwarded"};
	struct joined xff = {.name = "X-Forwarded-For"};
	char err[160];

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || acl_addr_from_sockaddr(ci->client_addr, &peer) == -1)
		return -1;
	rq->client = peer;
	if (cfg->trusted_proxy.n == 0 || !acl_match(&cfg->trusted_proxy, &peer))
		return 0;
	(void)MHD_get_connection_values(c, MHD_HEADER_KIND, join_header, &fwd);
	(void)MHD_get_connection_values(c, MHD_HEADER_KIND, join_header, &xff);
	if (fwd.overflow || xff.overflow)
		return -1;
	if (proxy_client(&cfg->trusted_proxy, &peer, fwd.seen ? fwd.buf : NULL,
			 xff.seen ? xff.buf : NULL, &rq->client, err,
			 sizeof(err)) == -1) {
		log_debug("bad proxy header from a trusted proxy: %s", err);
		return -1;
	}
	rq->via_proxy = memcmp(&rq->client, &peer, sizeof(peer)) != 0;
	return 0;
}

/* RFC 9110 13.1.2: weak comparison, a list of tags, or "*". */
static bool
etag_matches(const char *header, const char *etag)
{
	const char *p = header;
	size_t elen = strlen(etag);

	while (*p != '\0') {
		size_t n;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		n = strcspn(p, ",");
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == elen && memcmp(p, etag, n) == 0)
			return true;
		p += strcspn(p, ",");
	}
	return false;
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
	}
	return METRICS_OTHER;
}

static enum MHD_Result
queue_error(struct MHD_Connection *c, struct request *rq, enum site_error e)
{
	rq->status = site_error_status(e);
	rq->bytes = 0;
	return MHD_queue_response(c, rq->status, rq->site->errors[e]);
}

static enum MHD_Result
serve_metrics(struct MHD_Connection *c, struct request *rq)
{
	struct MHD_Response *r;
	struct buf b = {0};
	enum MHD_Result ret;
	size_t len;
	char *body;

	rq->cls = METRICS_METRICS;
	if (!acl_match(&rq->site->cfg->admin, &rq->client)) {
		metrics_denied(METRICS_DENY_ADMIN);
		rq->deny = "not_admin";
		return queue_error(c, rq, SITE_403);
	}
	if (metrics_render(&b, log_write_failures()) == -1)
		return MHD_NO;
	body = buf_steal(&b, &len);
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	if (site_common_headers(r, "default-src 'none'") == -1 ||
	    MHD_add_response_header(r, "Content-Type",
				    "text/plain; version=0.0.4; "
				    "charset=utf-8") != MHD_YES ||
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

/* redirect_https: send plain-HTTP visitors to the HTTPS site. */
static enum MHD_Result
serve_redirect(struct MHD_Connection *c, struct request *rq, const char *url)
{
	const char *pub = rq->site->cfg->public_url;
	const char *host = strstr(pub, "://");
	char loc[CONFIG_STR_MAX + 256];
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (host == NULL ||
	    str_printf(loc, sizeof(loc), "https://%.*s%s",
		       (int)strcspn(host + 3, "/"), host + 3, url) == -1)
		return queue_error(c, rq, SITE_404);
	if ((r = MHD_create_response_from_buffer(
		     0, NULL, MHD_RESPMEM_PERSISTENT)) == NULL)
		return MHD_NO;
	if (site_common_headers(r, "default-src 'none'") == -1 ||
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
	const char *inm;
	size_t idx;

	if (strcmp(url, "/metrics") == 0)
		return serve_metrics(c, rq);
	if (!tls && cfg->redirect_https && cfg->nhttps_listen > 0 &&
	    strcmp(url, "/healthz") != 0)
		return serve_redirect(c, rq, url);
	if (strcmp(url, "/") == 0) {
		const char *ua = MHD_lookup_connection_value(
			c, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT);

		rq->platform = page_detect(ua);
		rq->platform_known = true;
		e = catalog_page(rq->site->cat, rq->platform);
	} else if ((e = catalog_lookup(rq->site->cat, url)) == NULL) {
		return queue_error(c, rq, SITE_404);
	}
	rq->entry = e;
	rq->cls = class_of(e->kind);
	idx = (size_t)(e - catalog_entry_at(rq->site->cat, 0));
	inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					  MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (inm != NULL && etag_matches(inm, e->etag)) {
		rq->status = MHD_HTTP_NOT_MODIFIED;
		return MHD_queue_response(c, rq->status, rq->site->notmod[idx]);
	}
	rq->status = MHD_HTTP_OK;
	rq->bytes = head ? 0 : e->len;
	if (e->kind == CATALOG_DOWNLOAD && !head)
		metrics_download(e->ca_slug, e->format);
	return MHD_queue_response(c, rq->status, rq->site->full[idx]);
}

static enum MHD_Result answer(struct MHD_Connection *c, struct listener *l,
			      struct request *rq, const char *url, bool get,
			      bool head);

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
       const char *version, const char *upload_data, size_t *upload_size,
       void **req_cls)
{
	struct listener *l = cls;
	struct request *rq = *req_cls;
	bool head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;

	(void)version;
	(void)upload_data;
	if (rq == NULL) {
		if ((rq = calloc(1, sizeof(*rq))) == NULL)
			return MHD_NO;
		*req_cls = rq;
		/*
		 * Only the headers are in. libmicrohttpd keeps a connection
		 * alive only when the response is queued after the whole
		 * request was read, so GET and HEAD are answered on the next
		 * call; anything else is refused now and the connection
		 * closed, without reading a body.
		 */
		if (get || head)
			return MHD_YES;
	} else if (*upload_size != 0) {
		/* A body nobody asked for (GET with a body): drop it. */
		*upload_size = 0;
		return MHD_YES;
	} else if (rq->site != NULL) {
		return MHD_NO; /* answered already */
	}
	(void)str_copy(rq->method, sizeof(rq->method), method);
	return answer(c, l, rq, url, get, head);
}

/* Decides and queues the response; counted here, when the status is
 * known, so a client that has its answer also sees it in /metrics. */
static enum MHD_Result
answer(struct MHD_Connection *c, struct listener *l, struct request *rq,
       const char *url, bool get, bool head)
{
	const struct config *cfg;
	enum MHD_Result ret;

	atomic_fetch_add(&l->h->in_flight, 1);
	rq->start_us = now_us();
	(void)str_copy(rq->path, sizeof(rq->path), url);
	rq->site = site_acquire(l->h);
	rq->cls = METRICS_OTHER;
	cfg = rq->site->cfg;
	if (find_client(c, cfg, rq) == -1) {
		metrics_denied(METRICS_DENY_PROXY);
		rq->deny = "bad_proxy_header";
		ret = queue_error(c, rq, SITE_400);
	} else if (!acl_match(&cfg->allow, &rq->client)) {
		metrics_denied(METRICS_DENY_ALLOW_LIST);
		rq->deny = "not_allowed";
		ret = queue_error(c, rq, SITE_403);
	} else if (!get && !head) {
		ret = queue_error(c, rq, SITE_405);
	} else {
		ret = route(c, rq, url, head, l->tls);
	}
	if (rq->status != 0)
		metrics_request(rq->cls, rq->status);
	return ret;
}

static void
log_request(struct MHD_Connection *c, const struct request *rq)
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
	la.time_us = rq->start_us;
	la.method = rq->method;
	la.path = rq->path;
	la.status = rq->status;
	la.bytes = rq->bytes;
	la.duration_us = now_us() - rq->start_us;
	la.user_agent = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_USER_AGENT);
	la.platform = page_platform_name(
		rq->platform_known ? rq->platform : page_detect(la.user_agent));
	la.deny = rq->deny;
	if (rq->entry != NULL && rq->entry->kind == CATALOG_DOWNLOAD &&
	    str_printf(dl, sizeof(dl), "%s.%s", rq->entry->ca_slug,
		       rq->entry->format) == 0)
		la.download = dl;
	log_access(&la);
}

static void
completed(void *cls, struct MHD_Connection *c, void **req_cls,
	  enum MHD_RequestTerminationCode toe)
{
	struct listener *l = cls;
	struct request *rq = *req_cls;

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
	if (rq->site->cfg->access_log)
		log_request(c, rq);
	site_unref(rq->site);
	free(rq);
	atomic_fetch_sub(&l->h->in_flight, 1);
}

/* Binds one listening socket ourselves, so that "[::]" accepts IPv4 too
 * (mapped addresses, matched as IPv4) and a specific IPv6 address does
 * not. Returns the fd or -1. */
static int
bind_listener(const struct config_listen *cl, char *url, size_t urllen,
	      bool tls, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct acl_addr a;
	char text[ACL_ADDR_STRLEN];
	int fd, one = 1;
	int family = cl->addr.ss_family;

	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		goto fail;
	if (family == AF_INET6) {
		const struct sockaddr_in6 *s6 =
			(const struct sockaddr_in6 *)&cl->addr;
		int v6only = !IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);

		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
			       sizeof(v6only)) == -1)
			goto fail;
	}
	if (bind(fd, (const struct sockaddr *)&cl->addr, cl->addrlen) == -1 ||
	    listen(fd, 511) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) == -1)
		goto fail;
	if (acl_addr_from_sockaddr((struct sockaddr *)&ss, &a) == -1)
		goto fail;
	acl_addr_format(&a, text, sizeof(text));
	(void)str_printf(
		url, urllen, "%s://%s%s%s:%u", tls ? "https" : "http",
		family == AF_INET6 ? "[" : "", text,
		family == AF_INET6 ? "]" : "",
		family == AF_INET6
			? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
			: ntohs(((struct sockaddr_in *)&ss)->sin_port));
	return fd;
fail:
	err_set(err, errlen, "listen %s: %s", cl->text, strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

static unsigned
default_threads(const struct config *cfg)
{
	long n;

	if (cfg->threads > 0)
		return cfg->threads;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 16 ? 16 : (unsigned)n;
}

static int
start_daemon(struct http *h, struct listener *l, const struct config *cfg,
	     int fd, char *err, size_t errlen)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_USE_ERROR_LOG | MHD_USE_ITC;
	unsigned threads = default_threads(cfg);
	struct MHD_OptionItem tls[] = {
		{MHD_OPTION_HTTPS_MEM_CERT, 0, h->tls_cert},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls_key},
		{MHD_OPTION_END, 0, NULL},
	};

	if (l->tls)
		flags |= MHD_USE_TLS;
	l->h = h;
	l->d = MHD_start_daemon(
		flags, 0, accept_policy, l, handle, l,
		/* First, so every later message goes through it too. */
		MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, l,
		MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
		cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		cfg->max_connections_per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
		cfg->timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)cfg->connection_memory, MHD_OPTION_THREAD_POOL_SIZE,
		threads > 1 ? threads : 0, MHD_OPTION_NOTIFY_COMPLETED,
		completed, l, MHD_OPTION_NOTIFY_CONNECTION, notify_connection,
		l, MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, l,
		MHD_OPTION_STRICT_FOR_CLIENT, 0, MHD_OPTION_ARRAY,
		l->tls ? tls : tls + 2, MHD_OPTION_END);
	if (l->d == NULL) {
		err_set(err, errlen, "cannot start libmicrohttpd on %s%s",
			l->url,
			l->tls ? " (TLS: check tls_cert and tls_key)" : "");
		close(fd);
		return -1;
	}
	return 0;
}

/* Reads a TLS file into memory; the key must not be readable by others
 * nor live where it could be served. */
static char *
read_tls_file(const char *path, const struct config *cfg, bool key, char *err,
	      size_t errlen)
{
	struct stat st;
	char *data = NULL;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > TLS_MAX_FILE) {
		err_set(err, errlen, "%s: %s", path,
			errno ? strerror(errno) : "not a small regular file");
		goto out;
	}
	if (key && cfg->static_dir[0] != '\0') {
		char rp[PATH_MAX], rd[PATH_MAX];
		size_t dl;

		if (realpath(path, rp) != NULL &&
		    realpath(cfg->static_dir, rd) != NULL &&
		    strncmp(rp, rd, (dl = strlen(rd))) == 0 && rp[dl] == '/') {
			err_set(err, errlen,
				"%s: the TLS key is inside "
				"static_dir; move it out",
				path);
			goto out;
		}
	}
	if (key && (st.st_mode & 077) != 0)
		log_warnx("%s: the TLS key is readable by group or others "
			  "(mode %03o); chmod 600 it",
			  path, (unsigned)(st.st_mode & 0777));
	if ((data = calloc(1, (size_t)st.st_size + 1)) == NULL ||
	    (n = read(fd, data, (size_t)st.st_size)) != st.st_size) {
		err_set(err, errlen, "%s: short read", path);
		free(data);
		data = NULL;
	}
out:
	if (fd != -1)
		close(fd);
	return data;
}

static int
load_tls(struct http *h, const struct config *cfg, char *err, size_t errlen)
{
	if (cfg->nhttps_listen == 0)
		return 0;
	if (cfg->tls_cert_pem != NULL) {
		h->tls_cert = strdup(cfg->tls_cert_pem);
		h->tls_key = strdup(cfg->tls_key_pem);
	} else {
		h->tls_cert =
			read_tls_file(cfg->tls_cert, cfg, false, err, errlen);
		if (h->tls_cert == NULL)
			return -1;
		h->tls_key =
			read_tls_file(cfg->tls_key, cfg, true, err, errlen);
	}
	if (h->tls_cert == NULL || h->tls_key == NULL) {
		if (err[0] == '\0')
			err_set(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static void
free_http(struct http *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->listeners[i].d != NULL)
			MHD_stop_daemon(h->listeners[i].d);
	site_unref(atomic_load(&h->live));
	if (h->tls_key != NULL)
		explicit_bzero(h->tls_key, strlen(h->tls_key));
	free(h->tls_key);
	free(h->tls_cert);
	free(h);
}

struct http *
http_start(struct config *cfg, struct catalog *cat, char *err, size_t errlen)
{
	struct http *h = calloc(1, sizeof(*h));
	struct site *s;
	size_t i, total = cfg->nlisten + cfg->nhttps_listen;

	err[0] = '\0';
	if (h == NULL) {
		free(cfg);
		catalog_free(cat);
		err_set(err, errlen, "out of memory");
		return NULL;
	}
	if ((s = site_new(cfg, cat, err, errlen)) == NULL) {
		free(h);
		return NULL;
	}
	atomic_init(&h->live, s);
	if (load_tls(h, cfg, err, errlen) == -1)
		goto fail;
	for (i = 0; i < total; i++) {
		struct listener *l = &h->listeners[h->n];
		bool tls = i >= cfg->nlisten;
		const struct config_listen *cl =
			tls ? &cfg->https_listen[i - cfg->nlisten]
			    : &cfg->listen[i];
		int fd = bind_listener(cl, l->url, sizeof(l->url), tls, err,
				       errlen);

		if (fd == -1)
			goto fail;
		l->tls = tls;
		if (start_daemon(h, l, cfg, fd, err, errlen) == -1)
			goto fail;
		h->n++;
		log_info("listening on %s", l->url);
	}
	return h;
fail:
	free_http(h);
	return NULL;
}

static bool
listen_equal(const struct config_listen *a, size_t na,
	     const struct config_listen *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (strcmp(a[i].text, b[i].text) != 0)
			return false;
	return true;
}

/* What the new config changes that only a restart can apply. */
static void
restart_note(const struct config *o, const struct config *n, char *note,
	     size_t notelen)
{
	struct buf b = {0};

	if (!listen_equal(o->listen, o->nlisten, n->listen, n->nlisten))
		(void)buf_puts(&b, " listen");
	if (!listen_equal(o->https_listen, o->nhttps_listen, n->https_listen,
			  n->nhttps_listen))
		(void)buf_puts(&b, " https_listen");
	if (strcmp(o->tls_cert, n->tls_cert) != 0 ||
	    strcmp(o->tls_key, n->tls_key) != 0)
		(void)buf_puts(&b, " tls_cert/tls_key");
	if (o->threads != n->threads ||
	    o->max_connections != n->max_connections ||
	    o->max_connections_per_ip != n->max_connections_per_ip ||
	    o->timeout_s != n->timeout_s ||
	    o->connection_memory != n->connection_memory)
		(void)buf_puts(&b, " connection limits/threads");
	if (strcmp(o->log_file, n->log_file) != 0)
		(void)buf_puts(&b, " [log] file");
	if (b.data != NULL)
		err_set(note, notelen,
			"changes to%s need a restart; still "
			"using the old values",
			b.data);
	else if (notelen > 0)
		note[0] = '\0';
	buf_free(&b);
}

int
http_swap(struct http *h, struct config *cfg, struct catalog *cat, char *note,
	  size_t notelen)
{
	struct site *old = atomic_load(&h->live), *s;
	char err[256];
	size_t i;

	restart_note(old->cfg, cfg, note, notelen);
	/* Listener-level settings stay as bound; keep the old values so the
	 * live config tells the truth. */
	memcpy(cfg->listen, old->cfg->listen, sizeof(cfg->listen));
	cfg->nlisten = old->cfg->nlisten;
	memcpy(cfg->https_listen, old->cfg->https_listen,
	       sizeof(cfg->https_listen));
	cfg->nhttps_listen = old->cfg->nhttps_listen;
	if ((s = site_new(cfg, cat, err, sizeof(err))) == NULL) {
		err_set(note, notelen, "%s", err);
		return -1;
	}
	atomic_store(&h->live, s);
	/* Wait out readers that loaded the old pointer but have not yet
	 * counted themselves in (a few instructions long). */
	for (i = 0; atomic_load(&h->acquiring) != 0; i++)
		if (i > 1000)
			sched_yield();
	site_unref(old);
	return 0;
}

void
http_stop(struct http *h)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	size_t i;
	int waited;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++) {
		MHD_socket fd = MHD_quiesce_daemon(h->listeners[i].d);

		if (fd != MHD_INVALID_SOCKET)
			close(fd);
	}
	for (waited = 0;
	     atomic_load(&h->in_flight) > 0 && waited < STOP_GRACE_MS;
	     waited += 10)
		nanosleep(&ts, NULL);
	free_http(h);
}
