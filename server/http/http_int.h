/* SPDX-License-Identifier: MIT */
/* Inside the http module: the live site (config + catalog + prepared
 * responses). */
#ifndef CERTPOST_HTTP_INT_H
#define CERTPOST_HTTP_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <microhttpd.h>

#include "catalog/catalog.h"
#include "ops/ops.h"
#include "config/config.h"
#include "access/access.h"
#include "tls_int.h"

#define MAX_DAEMONS (2 * CONFIG_MAX_LISTEN)

enum site_error {
	SITE_204, /* no content: a trust confirmation was taken */
	SITE_400,
	SITE_403,
	SITE_404,
	SITE_405,
	SITE_405_POST, /* /trust/confirm takes POST only */
	SITE_412,
	SITE_413,
	SITE_421,
	SITE_431, /* the request head is over its limits */
	SITE_501,
	SITE_ERROR_COUNT
};

/*
 * What a request is answered from. Responses are built once, when the
 * site is made, and queued as they are on every request (libmicrohttpd
 * reference-counts them), so the request path allocates no response.
 */
struct site {
	atomic_uint refs;
	struct config *cfg;
	struct catalog *cat;
	size_t n;
	struct MHD_Response **full;   /* per catalog entry */
	struct MHD_Response **notmod; /* per catalog entry, 304 */
	/* The same for the gzip form, where the entry has one (else NULL). */
	_Atomic(struct MHD_Response *) *full_gz;
	_Atomic(struct MHD_Response *) *notmod_gz;
	/* per language ([page] languages), per error */
	struct MHD_Response *errors[CONFIG_MAX_LANG][SITE_ERROR_COUNT];
	long long built;
	struct site_fresh **fresh; /* per catalog entry; NULL unless a CRL */
};

/* One libmicrohttpd daemon per listening address. */
struct listener {
	struct http *h;
	struct MHD_Daemon *d;
	int fd; /* the listening socket, owned by d */
	bool tls;
	char url[96]; /* "http://127.0.0.1:8080" as bound */
};

struct http {
	struct listener listeners[MAX_DAEMONS];
	size_t n;
	int fds[MAX_DAEMONS]; /* bound, not yet handed to a daemon: -1 */
	size_t nfds;
	/* The listener settings as first configured: a reload compares the
	 * new file with these, since sockets cannot change under it. */
	struct config_listen conf_listen[CONFIG_MAX_LISTEN];
	struct config_listen conf_https[CONFIG_MAX_LISTEN];
	size_t nconf_listen, nconf_https;
	/* ... and as bound (port 0 resolved). */
	struct config_listen bound_listen[CONFIG_MAX_LISTEN];
	struct config_listen bound_https[CONFIG_MAX_LISTEN];
	unsigned threads, max_connections, max_per_ip, timeout_s, memory;
	unsigned workers; /* threads per daemon, as started */
	_Atomic(struct site *) live;
	/* Readers between loading `live` and taking their reference; a swap
	 * waits for zero before dropping the old site (see site_acquire). */
	atomic_uint acquiring;
	atomic_uint in_flight;
	/* Set by http_stop() before it quiesces the daemons: no more
	 * connections are taken (http_conn.c, accept_more). */
	atomic_bool stopping;
	/* max_connections_per_ip, counted by certpost (trusted proxies are
	 * exempt), and the connections of peers that are only there to be
	 * told 403: at most denied_max of them, each with a short timeout. */
	struct connlimit *per_ip;
	atomic_uint denied_conns;
	unsigned denied_max;
	/* Trusted proxies' connections: at most proxy_max of them, so that
	 * direct clients (probes, admins, a proxy's other side) keep room. */
	atomic_uint proxy_conns;
	unsigned proxy_max;
	/* Every open connection, for the request-head deadline (http_tick):
	 * a connection is on the list from libmicrohttpd's STARTED to its
	 * CLOSED, which comes before its socket is closed. */
	pthread_mutex_t conns_lock;
	struct conn *conns;
	/* The TLS certificate and key files (tls.c owns what is inside). */
	struct tls_pair tls;
	/* The session-ticket keys (tls_tickets.c): random, in memory only,
	 * replaced every tls_session_lifetime by http_tick(). */
	struct tls_tickets tickets;
	/* The compressor (http_gzip.c): one thread at most, on the live
	 * site; what it has still to make, for /metrics. */
	pthread_t gz_thread;
	bool gz_running;
	atomic_bool gz_cancel;
	struct site *gz_site;
};

/* How many gzip forms are still to be made (the compressor's count). */
extern atomic_size_t http_gz_pending;

/* http_request.c: libmicrohttpd's callbacks, cls = struct listener. */
enum MHD_Result http_accept_policy(void *cls, const struct sockaddr *sa,
				   socklen_t len);
enum MHD_Result http_handle(void *cls, struct MHD_Connection *c,
			    const char *url, const char *method,
			    const char *version, const char *upload_data,
			    size_t *upload_size, void **req_cls);
void *http_request_start(void *cls, const char *uri, struct MHD_Connection *c);
void http_completed(void *cls, struct MHD_Connection *c, void **req_cls,
		    enum MHD_RequestTerminationCode toe);
void http_notify_connection(void *cls, struct MHD_Connection *c,
			    void **socket_ctx,
			    enum MHD_ConnectionNotificationCode toe);

/* http_conn.c: a counted reference to the live site (site_unref() it). */
struct site *site_acquire(struct http *h);
/* One open connection (libmicrohttpd's socket context). */
struct conn {
	struct conn *prev, *next;
	int fd;
	unsigned flags; /* how it was counted (http_conn.c) */
	/* Monotonic ms when its request head began to be due (opened, or
	 * its previous response ended); 0 while a request is handled. */
	atomic_llong head_since_ms;
	bool cut;   /* shut down by http_tick() */
	bool plain; /* plain HTTP on the HTTPS port, answered */
	struct acl_addr peer;
	struct tls_hello hello; /* HTTPS listeners */
};
/* The request's head is in (0), or its response is done (the next one is
 * due from now). */
void http_conn_head(struct MHD_Connection *c, bool done);

/* http_check.c: what a request must look like before it is routed. */
enum http_framing {
	HTTP_FRAMING_NONE, /* no body: no Content-Length, or 0 */
	HTTP_FRAMING_BODY, /* one well-formed Content-Length above 0 */
	HTTP_FRAMING_BAD,  /* anything else: 400 and close */
};
/* The method, as the handler gets it, is an RFC 9110 token. */
bool http_method_ok(const char *method);
/* The method for a log line, every non-token byte as '?'. */
void http_method_for_log(char *dst, size_t dstlen, const char *method);
/* A method RFC 9110 names (or PATCH): 405 where not allowed, where any
 * other gets 501. */
bool http_method_known(const char *method);
/* The raw target (from MHD_OPTION_URI_LOG_CALLBACK) is origin-form or the
 * absolute-form of an http or https URI, and holds no control byte, space
 * or DEL. NULL is not. */
bool http_target_ok(const char *raw);
/* The handler's url taken apart: the path to route, and for absolute-form
 * the authority, which stands for Host (RFC 9112 3.2.2). Borrowed from
 * url. */
struct http_target {
	const char *path;
	bool absolute;
	bool https; /* the scheme, with absolute */
	const char *authority;
	size_t authority_len;
};
/* Returns 0, or -1 when url is neither form (http_target_ok() said so
 * already; the path is then unset). */
int http_target_split(const char *url, struct http_target *ret);
/* MHD_OPTION_UNESCAPE_CALLBACK's work: every %XX that stands for an
 * unreserved character (RFC 3986 2.3) becomes that character, in place
 * (6.2.2.2: the same URI); any other escape stays as it is. Returns the
 * new length. */
size_t http_unescape_unreserved(char *s);
/* The raw target's path (up to its query), as http_unescape_unreserved()
 * would make it, as its length and FNV-1a hash: what the handler's url is
 * compared with, without a copy per request. */
struct http_target_sig {
	size_t len;
	uint64_t hash;
};
void http_target_sign(const char *raw, struct http_target_sig *ret);
/* The path the handler got (url) is the one sig was made from. */
bool http_target_whole(const struct http_target_sig *sig, const char *url);
/* Field names are tokens, values hold no control byte (and no NUL the API
 * reports), and the body is framed by at most one Content-Length and no
 * Transfer-Encoding. */
enum http_framing http_check_headers(struct MHD_Connection *c);
/* The request head's limits, from connection_memory (http_check.c says
 * why): at most memory / HTTP_HEAD_SHARE bytes, at most
 * memory / HTTP_FIELD_COST fields and cookies together. */
#define HTTP_HEAD_SHARE 4
#define HTTP_FIELD_COST 256
/* The head is within those limits; otherwise 431. */
bool http_head_fits(struct MHD_Connection *c, unsigned memory);

/* http_request.c: one request's state, from the URI callback to the
 * completion one (libmicrohttpd's *req_cls). */
struct request {
	struct site *site;
	long long start_us;
	const struct catalog_entry *entry;
	unsigned status;
	unsigned long long bytes;
	enum metrics_class cls;
	enum page_platform platform;
	bool platform_known;
	size_t lang; /* an index into the snapshot's languages */
	bool lang_known;
	const char *deny;
	struct acl_addr client;
	bool via_proxy;
	bool head;	/* HEAD: the body is not sent */
	bool started;	/* the handler has seen the headers */
	bool malformed; /* see http_check.c: 400 whatever the method */
	bool too_large; /* the head is over its limits: 431 */
	bool body;	/* one Content-Length above 0: 400 on GET/HEAD */
	/* The raw target's path, signed in the URI log callback: its
	 * string is not promised to outlive the callback. */
	struct http_target_sig raw_path;
	bool target_ok;
	/* Copies for the log line: the request's own strings are not
	 * promised to outlive the handler. Long paths are cut. */
	char method[16];
	char path[256];
};

/* http_client.c: who is asking, and of whom. */
/* Works out the client (rq->client, rq->via_proxy): the peer, or behind a
 * trusted proxy the address its one believed header names. Returns 0, or
 * -1 for a malformed header. */
int http_find_client(struct MHD_Connection *c, const struct config *cfg,
		     struct request *rq);
/* Whether the request names this server (DNS rebinding), by its Host or,
 * for absolute-form, its target's authority: 0 (ours), 1 (another name or
 * scheme: 421), -1 (no Host value, several Host lines, or an authority
 * that is none: 400). */
int http_check_host(struct MHD_Connection *c, const struct config *cfg,
		    const struct http_target *t, bool tls);

/* Queues a prepared error (or the 204) and notes its status. */
enum MHD_Result http_queue_error(struct MHD_Connection *c, struct request *rq,
				 enum site_error e);
/* The language of the answer: ?lang= when it names one served, else the
 * best of Accept-Language (docs/languages.md), worked out once. */
size_t http_request_lang(struct MHD_Connection *c, struct request *rq);
/* The platform the request's User-Agent names, worked out once. */
enum page_platform http_request_platform(struct MHD_Connection *c,
					 struct request *rq);

/* http_counts.c: /metrics (admin only), /trust/confirm and
 * /helpdesk/rollout.json. */
enum MHD_Result http_serve_metrics(struct MHD_Connection *c,
				   struct request *rq);
enum MHD_Result http_serve_confirm(struct MHD_Connection *c,
				   struct request *rq);
enum MHD_Result http_serve_rollout(struct MHD_Connection *c,
				   struct request *rq);

/* Takes ownership of cfg and cat (freed on failure too). refs = 1. */
struct site *site_new(struct config *cfg, struct catalog *cat, char *err,
		      size_t errlen);
/* Drops one reference; the last one frees everything. Accepts NULL. */
void site_unref(struct site *s);
/* http_response.c: a response whose body, len bytes at data, outlives it
 * (owned by the snapshot, or static). NULL on no memory. */
struct MHD_Response *site_response_static(const void *data, size_t len);
/* Adds the headers every response carries. */
int site_common_headers(struct MHD_Response *r, const char *csp,
			const char *hsts);
/* A response for catalog entry e with every header of the entry: the
 * body borrowed from the snapshot (a 304 sends none, but its
 * Content-Length is the 200's); with gz, its gzip form (e->gz_body must be
 * there). */
struct MHD_Response *site_entry_response(const struct catalog_entry *e,
					 bool notmod, bool gz,
					 const char *cache_control,
					 const char *expires);

/* http_cond.c: whether the client takes gzip (every Accept-Encoding line
 * read); what the preconditions (RFC 9110 13.2.2) make of a GET or HEAD of
 * e in the form it would get (gz or not). */
bool http_accepts_gzip(struct MHD_Connection *c);
enum http_cond {
	HTTP_COND_SEND,		/* 200 */
	HTTP_COND_NOT_MODIFIED, /* 304: the client holds that form */
	HTTP_COND_FAILED,	/* 412: If-Match or If-Unmodified-Since */
};
enum http_cond http_preconditions(struct MHD_Connection *c,
				  const struct catalog_entry *e, bool gz);

/* http_cache.c: revocation data's caching. */
/* "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 5.6.7). Returns 0 or -1. */
int http_date(char *dst, size_t dstlen, long long t);
/* Parses an HTTP-date: IMF-fixdate or, as RFC 9110 5.6.7 requires of a
 * recipient, the obsolete RFC 850 and asctime() forms (a two-digit year
 * read against now). -1 for anything else, which 13.1.3 says to ignore. */
long long http_date_parse(const char *s, long long now);
/* Prepares entry i's per-second state when it has a freshness limit.
 * Returns 0 or -1. */
int site_fresh_init(struct site *s, size_t i);
void site_fresh_finish(struct site *s, size_t i);
/*
 * Queues entry i's 200 or 304 with Cache-Control: max-age and Expires
 * that end at its fresh_until, as of now; once that has passed (or for
 * an entry without one), the prepared no-cache responses.
 */
enum MHD_Result site_queue_entry(struct site *s, size_t i, bool gz,
				 struct MHD_Connection *c, unsigned status);
/* Entry i's gzip form is ready (made before or since the site was
 * prepared); its gz fields may be read from then on. */
bool site_gz_ready(struct site *s, size_t i);
/* Prepares entry i's gzip responses (its form made) and makes them
 * ready. Returns 0 or -1. */
int site_gz_prepare(struct site *s, size_t i);
/* The compressor (http_gzip.c): makes the pending gzip forms of s's
 * entries one by one after s is served, each ready as it is made. */
void gz_start(struct http *h, struct site *s);
/* Stops it (after the entry under way) and waits for it. */
void gz_stop(struct http *h);
/* HTTP status and body length of a prepared error. */
unsigned site_error_status(enum site_error e);
size_t site_error_length(const struct site *s, size_t lang, enum site_error e);

#endif
