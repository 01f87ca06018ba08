/* SPDX-License-Identifier: MIT */
/* libmicrohttpd glue: listeners, daemons, start, reload swap and stop. */
/* sched_getaffinity(), CPU_COUNT() */
#define _GNU_SOURCE
#include "http/http.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "http_int.h"
#include "ops/ops.h"

#define STOP_GRACE_MS 5000

/* libmicrohttpd's messages are printf formats of its own. */
static void mhd_logger(void *cls, const char *fmt, va_list ap)
	PRINTF_LIKE(2, 0);

static void
mhd_logger(void *cls, const char *fmt, va_list ap)
{
	struct buf b = {0}, line = {0};

	(void)cls;
	if (buf_vprintf(&b, fmt, ap) == 0 && b.len > 0) {
		/* libmicrohttpd ends its messages with a newline. */
		if (b.data[b.len - 1] == '\n')
			b.data[--b.len] = '\0';
		/* Every failed handshake (connection_https.c); certpost says
		 * which, for whom and why when the connection closes
		 * (http_conn.c), so this one adds nothing. */
		if (strstr(b.data, "handshake message out of context") != NULL)
			log_debug("libmicrohttpd: %s", b.data);
		/* A peer decides how often: one line per failed handshake. */
		else if (buf_printf(&line, "libmicrohttpd: %s", b.data) == 0)
			log_warnx_limited(fmt, line.data);
	}
	buf_free(&b);
	buf_free(&line);
}

/* Paths are matched as they are but for escaped unreserved characters,
 * which are those characters (RFC 3986 6.2.2.2: "/%63a.cer" is
 * "/ca.cer"); an escaped reserved character or other byte ("%2F", "%00")
 * stays escaped, and can only be 404 (the publication point's issued URLs
 * have a rule of their own, catalog_lookup()). Query arguments, which
 * libmicrohttpd passes here too, are read the same way. */
static size_t
unescape_unreserved(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return http_unescape_unreserved(s);
}

/* Binds one listening socket ourselves, so that "[::]" accepts IPv4 too
 * (mapped addresses, matched as IPv4) and a specific IPv6 address does
 * not. Fills *bound with the address as bound. Returns the fd or -1. */
static int
bind_listener(const struct config_listen *cl, struct config_listen *bound,
	      char *err, size_t errlen)
{
	struct acl_addr a;
	char text[ACL_ADDR_STRLEN];
	int fd, one = 1, defer = 1;
	int family = cl->addr.ss_family;
	unsigned port;

	*bound = *cl;
	bound->addrlen = sizeof(bound->addr);
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
	/*
	 * As nginx's "listen ... deferred": the kernel hands a connection
	 * over only once its first bytes have arrived, so the accept is
	 * followed by a read that does not wait, and a peer that connects
	 * and says nothing never takes one of libmicrohttpd's slots. Best
	 * effort: only an optimisation.
	 */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer,
			 sizeof(defer));
	if (bind(fd, (const struct sockaddr *)&cl->addr, cl->addrlen) == -1 ||
	    listen(fd, 511) == -1 ||
	    getsockname(fd, (struct sockaddr *)&bound->addr, &bound->addrlen) ==
		    -1)
		goto fail;
	if (acl_addr_from_sockaddr((struct sockaddr *)&bound->addr, &a) == -1)
		goto fail;
	acl_addr_format(&a, text, sizeof(text));
	port = family == AF_INET6
		       ? ntohs(((struct sockaddr_in6 *)&bound->addr)->sin6_port)
		       : ntohs(((struct sockaddr_in *)&bound->addr)->sin_port);
	(void)str_printf(bound->text, sizeof(bound->text), "%s%s%s:%u",
			 family == AF_INET6 ? "[" : "", text,
			 family == AF_INET6 ? "]" : "", port);
	return fd;
fail:
	err_set(err, errlen, "listen %s: %s", cl->text, strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

/* One thread per CPU this process may run on (cpusets and taskset
 * included), unless the configuration says how many. */
static unsigned
default_threads(const struct config *cfg)
{
	cpu_set_t set;
	int n;

	if (cfg->threads > 0)
		return cfg->threads;
	if (sched_getaffinity(0, sizeof(set), &set) == -1)
		return 1;
	n = CPU_COUNT(&set);
	return n < 1 ? 1 : n > 16 ? 16 : (unsigned)n;
}

static int
start_daemon(struct http *h, struct listener *l, const struct config *cfg,
	     int fd, char *err, size_t errlen)
{
	/* poll(), not epoll: libmicrohttpd 0.9.75's epoll loop calls
	 * epoll_wait() again, with the full timeout, after one that returned
	 * exactly 128 events, so 128 * k ready connections wait for the
	 * timeout before any is served. */
	unsigned flags =
		MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
	unsigned threads = default_threads(cfg);
	const char *dh = tls_dh_params();
	/* libmicrohttpd takes option pointers as void *; it only reads
	 * the priority string, within MHD_start_daemon(). */
	struct MHD_OptionItem tls[] = {
		/* The certificate is chosen per handshake (tls.c), so a
		 * renewed one is used without a restart. */
		{MHD_OPTION_HTTPS_CERT_CALLBACK, 0, tls_certificate_callback()},
		/* libmicrohttpd's default is GnuTLS "NORMAL": TLS 1.0 and
		 * CBC suites included. */
		{MHD_OPTION_HTTPS_PRIORITIES, 0,
		 (void *)(uintptr_t)tls_priorities(cfg->tls_priorities)},
		/* DHE for RSA certificates (Mozilla "intermediate"); last, so
		 * that without it the list just ends here. */
		{dh != NULL ? MHD_OPTION_HTTPS_MEM_DHPARAMS : MHD_OPTION_END, 0,
		 (void *)(uintptr_t)dh},
		{MHD_OPTION_END, 0, NULL},
	};
	/*
	 * How strictly libmicrohttpd reads a request head: the one place
	 * the two library lines differ here. 1.0 can refuse what 0.9.75
	 * normalises where the API cannot show it (a NUL, a bare LF, an
	 * obs-fold, whitespace in the target or before a colon, an empty
	 * field name); level 1 is the strictest RFC 9112 allows a server,
	 * and it also requires Host on HTTP/1.1. 0.9.75 has only
	 * STRICT_FOR_CLIENT, whose two checks (Host, a space in the target)
	 * certpost makes itself at 0, answered with its own headers instead
	 * of a library page sent twice. docs/http.md: what each refuses.
	 */
	struct MHD_OptionItem parse[] = {
#if MHD_VERSION >= 0x00097701
		{MHD_OPTION_CLIENT_DISCIPLINE_LVL, 1, NULL},
#else
		{MHD_OPTION_STRICT_FOR_CLIENT, 0, NULL},
#endif
		{MHD_OPTION_END, 0, NULL},
	};
	/* Only with more than one thread: a pool of 1 is logged as ignored. */
	struct MHD_OptionItem pool[] = {
		{MHD_OPTION_THREAD_POOL_SIZE, threads, NULL},
		{MHD_OPTION_END, 0, NULL},
	};

	if (l->tls)
		flags |= MHD_USE_TLS;
	l->h = h;
	l->d = MHD_start_daemon(
		flags, 0, http_accept_policy, l, http_handle, l,
		/* First, so every later message goes through it too. */
		MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, l,
		/* No MHD_OPTION_PER_IP_CONNECTION_LIMIT: it would count a
		 * trusted proxy's connections too (http_conn.c counts). */
		MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
		cfg->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
		cfg->timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)cfg->connection_memory, MHD_OPTION_NOTIFY_COMPLETED,
		http_completed, l, MHD_OPTION_NOTIFY_CONNECTION,
		http_notify_connection, l, MHD_OPTION_UNESCAPE_CALLBACK,
		unescape_unreserved, l, MHD_OPTION_URI_LOG_CALLBACK,
		http_request_start, l, MHD_OPTION_ARRAY, parse,
		MHD_OPTION_ARRAY, l->tls ? tls : tls + ARRAY_LEN(tls) - 1,
		MHD_OPTION_ARRAY, threads > 1 ? pool : pool + 1,
		MHD_OPTION_END);
	if (l->d == NULL) {
		err_set(err, errlen, "cannot start libmicrohttpd on %s%s",
			l->url,
			l->tls ? " (TLS: check tls_cert and tls_key)" : "");
		return -1;
	}
	return 0;
}

/* The session-ticket keys, made whenever there is an HTTPS listener
 * (tls_session_tickets may be turned on by a reload). */
static int
ticket_keys(struct http *h, const struct config *cfg, char *err, size_t errlen)
{
	struct timespec ts;

	if (cfg->nhttps_listen == 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (tls_tickets_init(&h->tickets, (long long)ts.tv_sec) == -1) {
		err_set(err, errlen, "cannot make a session ticket key");
		return -1;
	}
	return 0;
}

/* Remembers what was configured, binds, and rewrites cfg to the bound
 * addresses. */
static int
bind_all(struct http *h, struct config *cfg, char *err, size_t errlen)
{
	size_t i;

	memcpy(h->conf_listen, cfg->listen, sizeof(cfg->listen));
	memcpy(h->conf_https, cfg->https_listen, sizeof(cfg->https_listen));
	h->nconf_listen = cfg->nlisten;
	h->nconf_https = cfg->nhttps_listen;
	for (i = 0; i < cfg->nlisten + cfg->nhttps_listen; i++) {
		bool tls = i >= cfg->nlisten;
		struct config_listen *cl =
			tls ? &cfg->https_listen[i - cfg->nlisten]
			    : &cfg->listen[i];
		struct config_listen *b =
			tls ? &h->bound_https[i - cfg->nlisten]
			    : &h->bound_listen[i];

		if ((h->fds[i] = bind_listener(cl, b, err, errlen)) == -1)
			return -1;
		h->nfds = i + 1;
		*cl = *b;
	}
	return 0;
}

struct http *
http_bind(struct config *cfg, char *err, size_t errlen)
{
	struct http *h = calloc(1, sizeof(*h));

	err[0] = '\0';
	if (h == NULL) {
		err_set(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < MAX_DAEMONS; i++)
		h->fds[i] = -1;
	h->threads = cfg->threads;
	h->workers = default_threads(cfg);
	h->max_connections = cfg->max_connections;
	h->max_per_ip = cfg->max_connections_per_ip;
	h->timeout_s = cfg->timeout_s;
	h->memory = cfg->connection_memory;
	/* Denied peers (deny = 403) may hold a quarter of the slots: when
	 * libmicrohttpd is at its limit it stops accepting altogether. */
	h->denied_max =
		cfg->max_connections / 4 > 0 ? cfg->max_connections / 4 : 1;
	/* Trusted proxies may hold all but a quarter: a proxy full of
	 * slow clients leaves room for everyone who comes direct. */
	h->proxy_max = cfg->max_connections - cfg->max_connections / 4;
	pthread_mutex_init(&h->conns_lock, NULL);
	h->per_ip = connlimit_new(
		cfg->max_connections *
			(unsigned)(cfg->nlisten + cfg->nhttps_listen),
		cfg->max_connections_per_ip);
	if (h->per_ip == NULL) {
		err_set(err, errlen, "out of memory");
		http_stop(h);
		return NULL;
	}
	if ((cfg->nhttps_listen > 0 &&
	     tls_pair_load(&h->tls, cfg, err, errlen) == -1) ||
	    ticket_keys(h, cfg, err, errlen) == -1 ||
	    bind_all(h, cfg, err, errlen) == -1) {
		http_stop(h);
		return NULL;
	}
	return h;
}

int
http_serve(struct http *h, struct config *cfg, struct catalog *cat, char *err,
	   size_t errlen)
{
	struct site *s;
	size_t i;

	if (tls_pair_use(&h->tls, err, errlen) == -1 ||
	    (cfg->nhttps_listen > 0 &&
	     tls_hello_policy(tls_priorities(cfg->tls_priorities), err,
			      errlen) == -1)) {
		free(cfg);
		catalog_free(cat);
		return -1;
	}
	if ((s = site_new(cfg, cat, err, errlen)) == NULL)
		return -1;
	atomic_init(&h->live, s);
	for (i = 0; i < h->nfds; i++) {
		struct listener *l = &h->listeners[i];

		l->tls = i >= cfg->nlisten;
		(void)str_printf(
			l->url, sizeof(l->url), "%s://%s",
			l->tls ? "https" : "http",
			l->tls ? cfg->https_listen[i - cfg->nlisten].text
			       : cfg->listen[i].text);
		l->fd = h->fds[i];
		if (start_daemon(h, l, cfg, h->fds[i], err, errlen) == -1)
			return -1;
		/* The daemon owns the socket now. */
		h->fds[i] = -1;
		h->n = i + 1;
		log_info("listening on %s", l->url);
	}
	/* GnuTLS holds its parsed copy; the text is not needed again. */
	tls_pair_release(&h->tls);
	gz_start(h, s);
	return 0;
}

int
http_check(struct config *cfg, struct catalog *cat, char *err, size_t errlen)
{
	struct site *s = site_new(cfg, cat, err, errlen);

	if (s == NULL)
		return -1;
	site_unref(s);
	return 0;
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

void
http_adopt(const struct http *h, struct config *cfg, char *note, size_t notelen)
{
	struct buf b = {0};

	if (!listen_equal(h->conf_listen, h->nconf_listen, cfg->listen,
			  cfg->nlisten))
		(void)buf_puts(&b, " listen");
	if (!listen_equal(h->conf_https, h->nconf_https, cfg->https_listen,
			  cfg->nhttps_listen))
		(void)buf_puts(&b, " https_listen");
	if (h->threads != cfg->threads ||
	    h->max_connections != cfg->max_connections ||
	    h->max_per_ip != cfg->max_connections_per_ip ||
	    h->timeout_s != cfg->timeout_s ||
	    h->memory != cfg->connection_memory)
		(void)buf_puts(&b, " threads/connection limits");
	if (b.data != NULL)
		err_set(note, notelen,
			"changes to%s need a restart; still using the "
			"running ones",
			b.data);
	else if (notelen > 0)
		note[0] = '\0';
	buf_free(&b);
	memcpy(cfg->listen, h->bound_listen, sizeof(cfg->listen));
	memcpy(cfg->https_listen, h->bound_https, sizeof(cfg->https_listen));
	cfg->nlisten = h->nconf_listen;
	cfg->nhttps_listen = h->nconf_https;
}

int
http_swap(struct http *h, struct config *cfg, struct catalog *cat, char *err,
	  size_t errlen)
{
	struct site *old = atomic_load(&h->live), *s;
	size_t i;
	int tls;

	if ((s = site_new(cfg, cat, err, errlen)) == NULL)
		return -1;
	/* After the snapshot is ready, so a failed reload changes nothing;
	 * the pair was checked (it matches) while the catalog was built. */
	tls = h->nconf_https == 0 ? 0
				  : tls_pair_renew(&h->tls, cfg, err, errlen);
	if (tls == -1) {
		site_unref(s);
		return -1;
	}
	if (tls == 1)
		log_info("TLS certificate %s and key reloaded: new handshakes "
			 "use them",
			 cfg->tls_cert);
	/* The old site's compressor stops; the new one's compresses what
	 * changed. */
	gz_stop(h);
	atomic_store(&h->live, s);
	gz_start(h, s);
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
	MHD_socket quiesced[MAX_DAEMONS];
	size_t i;
	int waited;

	if (h == NULL)
		return;
	atomic_store(&h->stopping, true);
	gz_stop(h);
	for (i = 0; i < h->n; i++) {
		quiesced[i] = MHD_quiesce_daemon(h->listeners[i].d);
		/* Refuse what is waiting: a connection accepted from now on
		 * would only be closed unanswered. */
		if (quiesced[i] != MHD_INVALID_SOCKET)
			(void)shutdown(quiesced[i], SHUT_RD);
	}
	for (waited = 0;
	     atomic_load(&h->in_flight) > 0 && waited < STOP_GRACE_MS;
	     waited += 10)
		nanosleep(&ts, NULL);
	for (i = 0; i < h->n; i++)
		MHD_stop_daemon(h->listeners[i].d);
	/* Closed only now that no daemon thread can be using it (the accept
	 * policy accepts from it too), so its number cannot be reused under
	 * one. */
	for (i = 0; i < h->n; i++)
		if (quiesced[i] != MHD_INVALID_SOCKET)
			close(quiesced[i]);
	/* No handshake can be under way any more. */
	tls_credentials_finish();
	for (i = 0; i < h->nfds; i++)
		if (h->fds[i] != -1)
			close(h->fds[i]);
	site_unref(atomic_load(&h->live));
	connlimit_free(h->per_ip);
	pthread_mutex_destroy(&h->conns_lock);
	tls_tickets_wipe(&h->tickets);
	tls_pair_release(&h->tls);
	free(h);
}

const struct catalog *
http_live_catalog(struct http *h)
{
	struct site *s = atomic_load(&h->live);

	return s != NULL ? s->cat : NULL;
}
