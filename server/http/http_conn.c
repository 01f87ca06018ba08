/* SPDX-License-Identifier: MIT */
/* Connection admission: the accept policy, per-address limits, and the
 * share of slots denied peers may hold. */
/* accept4() */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "http/http.h"
#include "http_int.h"
#include "ops/ops.h"

/*
 * Takes a reference to the live site. The window between reading the
 * pointer and bumping its count is covered by `acquiring`: http_swap()
 * publishes the new site, then waits until no reader is inside that
 * window before it drops the old site's reference, so a site can never be
 * freed under a reader that has just loaded it. Two atomics, no lock.
 */
struct site *
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
log_denied_peer(const struct acl_addr *a, const char *reason)
{
	char text[ACL_ADDR_STRLEN];
	struct log_access la = {0};

	acl_addr_format(a, text, sizeof(text));
	la.client = text;
	la.deny = reason;
	la.method = "-";
	la.path = "-";
	log_access(&la);
}

/* A peer that is only there to be told 403 gets this long to say what it
 * wants: enough for any client on a LAN, too short to hold a slot. */
#define DENIED_TIMEOUT_S 1

/* What a connection was counted as, kept in its socket context. */
enum {
	CONN_PER_IP = 1,  /* in h->per_ip */
	CONN_DENIED = 2,  /* in h->denied_conns */
	CONN_REFUSED = 4, /* shut down at start */
	CONN_PROXY = 8,	  /* in h->proxy_conns */
};

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* At most this many more connections are taken per accept. */
#define ACCEPT_BATCH 32

/* Set while accept_more() hands connections over: their accept policy
 * runs inside it and must not take more. */
static _Thread_local bool in_batch;

/*
 * libmicrohttpd 0.9.75 accepts one connection per turn of its poll loop,
 * and each turn also serves every ready connection. With
 * TCP_DEFER_ACCEPT, connections become acceptable together, when their
 * first requests arrive: 256 at once waited up to 256 turns (0.2 s for
 * the last one, behind 255 turns that each served up to 255 others).
 *
 * So once the loop is busy, each accept takes whatever else is waiting,
 * up to ACCEPT_BATCH and well inside max_connections, and hands it to
 * libmicrohttpd (MHD_add_connection), which queues it, sets it up at the
 * start of its next turn and runs this policy for it as for its own.
 * Below 2 * ACCEPT_BATCH open connections a turn is cheap and batching
 * would only cost: a queued connection is served a turn later, and each
 * costs libmicrohttpd an fcntl() and a wake-up write.
 */
static void
accept_more(const struct listener *l)
{
	long open = metrics_open_connections();
	/* Each pool thread may take a batch in the same turn. */
	long room = ((long)l->h->max_connections - open) /
		    (4 * (long)l->h->workers);
	long n = room < ACCEPT_BATCH ? room : ACCEPT_BATCH;

	if (in_batch || open < 2 * ACCEPT_BATCH || atomic_load(&l->h->stopping))
		return;
	in_batch = true;
	while (n-- > 0) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(l->fd, (struct sockaddr *)&ss, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd == -1)
			break;
		/* Closes fd itself when it refuses it. */
		(void)MHD_add_connection(l->d, fd, (struct sockaddr *)&ss, len);
	}
	in_batch = false;
}

/*
 * Runs before libmicrohttpd reads a byte: a peer that is neither allowed
 * nor a trusted proxy is closed right here when deny = drop, and so is a
 * peer already at max_connections_per_ip or, with deny = 403, a denied
 * peer when denied peers hold their share of the slots. (These last two
 * are a first look; http_notify_connection() counts for real.)
 */
enum MHD_Result
http_accept_policy(void *cls, const struct sockaddr *sa, socklen_t len)
{
	struct listener *l = cls;
	struct http *h = l->h;
	struct acl_addr a;
	struct site *s;
	const char *deny = NULL;
	bool allowed, proxy;

	(void)len;
	if (acl_addr_from_sockaddr(sa, &a) == -1)
		return MHD_NO;
	s = site_acquire(h);
	allowed = acl_match(&s->cfg->allow, &a);
	proxy = acl_match(&s->cfg->trusted_proxy, &a);
	if (!allowed && !proxy && s->cfg->deny == CONFIG_DENY_DROP) {
		metrics_denied(METRICS_DENY_ALLOW_LIST);
		deny = "not_allowed";
	} else if (!proxy && !connlimit_room(h->per_ip, &a)) {
		metrics_denied(METRICS_DENY_PER_IP);
		deny = "per_ip_limit";
	} else if (proxy && atomic_load(&h->proxy_conns) >= h->proxy_max) {
		metrics_denied(METRICS_DENY_PROXY_SHARE);
		deny = "proxy_share";
	} else if (!allowed && !proxy &&
		   atomic_load(&h->denied_conns) >= h->denied_max) {
		metrics_denied(METRICS_DENY_DENIED_SHARE);
		deny = "denied_share";
	}
	if (deny != NULL && s->cfg->access_log)
		log_denied_peer(&a, deny);
	site_unref(s);
	accept_more(l);
	return deny == NULL ? MHD_YES : MHD_NO;
}

/* Closes a connection libmicrohttpd has just set up: it reads end of
 * file and tears the connection down, having read and sent nothing. */
static void
refuse(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

	if (ci != NULL)
		(void)shutdown(ci->connect_fd, SHUT_RDWR);
}

/*
 * TLS resumption by session tickets, enabled on the connection's GnuTLS
 * session before its handshake (libmicrohttpd creates the session before
 * it reports the connection). Without it every returning phone pays a
 * full handshake.
 */
static void
enable_tickets(const struct http *h, const struct config *cfg,
	       struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	const unsigned char *k = tls_tickets_current(&h->tickets);
	gnutls_datum_t key = {(unsigned char *)(uintptr_t)k,
			      TLS_TICKET_KEY_LEN};
	gnutls_session_t session;

	if (!cfg->tls_session_tickets || k == NULL ||
	    (ci = MHD_get_connection_info(
		     c, MHD_CONNECTION_INFO_GNUTLS_SESSION)) == NULL ||
	    (session = ci->tls_session) == NULL)
		return;
	/* GnuTLS copies the key; the datum's const is dropped for its
	 * API only. A ticket lives one lifetime, the key's period too. */
	if (gnutls_session_ticket_enable_server(session, &key) ==
	    GNUTLS_E_SUCCESS)
		gnutls_db_set_cache_expiration(session,
					       (int)cfg->tls_session_lifetime);
}

/*
 * Counts a new connection against the per-address limit (trusted proxies
 * are exempt: every user behind one shares its address; together they
 * hold at most proxy_max slots instead) and, for a peer
 * that is neither allowed nor a proxy, against the denied peers' share,
 * with a short idle timeout. libmicrohttpd calls STARTED and CLOSED in
 * pairs, but may drop a connection between the accept policy and
 * STARTED, so counting happens here, not there. The timeout may be set
 * now: the connection is already on the daemon's timeout list.
 */
static unsigned
conn_count(struct http *h, const struct listener *l, struct MHD_Connection *c,
	   const struct acl_addr *a)
{
	unsigned flags = 0;
	struct site *s = site_acquire(h);
	bool allowed = acl_match(&s->cfg->allow, a);
	bool proxy = acl_match(&s->cfg->trusted_proxy, a);

	if (proxy) {
		flags |= CONN_PROXY;
		if (atomic_fetch_add(&h->proxy_conns, 1) >= h->proxy_max) {
			metrics_denied(METRICS_DENY_PROXY_SHARE);
			flags |= CONN_REFUSED;
			goto out;
		}
	} else {
		if (!connlimit_acquire(h->per_ip, a)) {
			metrics_denied(METRICS_DENY_PER_IP);
			flags = CONN_REFUSED;
			goto out;
		}
		flags |= CONN_PER_IP;
	}
	if (!allowed && !proxy) {
		flags |= CONN_DENIED;
		if (atomic_fetch_add(&h->denied_conns, 1) >= h->denied_max) {
			metrics_denied(METRICS_DENY_DENIED_SHARE);
			flags |= CONN_REFUSED;
			goto out;
		}
		(void)MHD_set_connection_option(
			c, MHD_CONNECTION_OPTION_TIMEOUT, DENIED_TIMEOUT_S);
	}
	if (l->tls)
		enable_tickets(h, s->cfg, c);
out:
	site_unref(s);
	return flags;
}

/* The 400 for plain HTTP on the HTTPS port, in the access log and the
 * request counts. */
static void
plain_http_logged(struct http *h, const struct acl_addr *a)
{
	char text[ACL_ADDR_STRLEN];
	struct log_access la = {0};
	struct site *s = site_acquire(h);

	metrics_request(METRICS_OTHER, 400);
	if (s->cfg->access_log) {
		acl_addr_format(a, text, sizeof(text));
		la.client = text;
		la.method = "-";
		la.path = "-";
		la.status = 400;
		la.bytes = tls_plain_response_len();
		la.deny = "plain_http_on_https";
		log_access(&la);
	}
	site_unref(s);
}

/*
 * Each MHD_get_connection_info() answer is read before the next call:
 * 1.0 returns one union per connection for every query, so a second call
 * overwrites the first answer (its microhttpd.h: "invalidated with the
 * next call"); 0.9.75 happened to return separate fields.
 */
static struct conn *
conn_started(struct http *h, const struct listener *l, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci, *si;
	struct conn *k = calloc(1, sizeof(*k));

	if (k == NULL ||
	    (ci = MHD_get_connection_info(
		     c, MHD_CONNECTION_INFO_CONNECTION_FD)) == NULL)
		goto refused;
	k->fd = ci->connect_fd;
	if ((ci = MHD_get_connection_info(
		     c, MHD_CONNECTION_INFO_CLIENT_ADDRESS)) == NULL ||
	    acl_addr_from_sockaddr(ci->client_addr, &k->peer) == -1)
		goto refused;
	k->flags = conn_count(h, l, c, &k->peer);
	atomic_store(&k->head_since_ms, mono_ms());
	/* Only for those who may ask: a denied peer gets no answer here. */
	if (l->tls && !(k->flags & (CONN_REFUSED | CONN_DENIED)) &&
	    tls_plain_http_answer(k->fd)) {
		plain_http_logged(h, &k->peer);
		k->flags |= CONN_REFUSED;
		k->plain = true;
	} else if (l->tls && !(k->flags & CONN_REFUSED) &&
		   (si = MHD_get_connection_info(
			    c, MHD_CONNECTION_INFO_GNUTLS_SESSION)) != NULL &&
		   si->tls_session != NULL) {
		tls_hello_watch(&k->hello, si->tls_session);
	}
	if (k->flags & CONN_REFUSED)
		refuse(c);
	pthread_mutex_lock(&h->conns_lock);
	k->next = h->conns;
	if (h->conns != NULL)
		h->conns->prev = k;
	h->conns = k;
	pthread_mutex_unlock(&h->conns_lock);
	return k;
refused:
	free(k);
	refuse(c);
	return NULL;
}

/* A handshake that never finished: counted by reason, and said once in a
 * while with the peer (a scanner or a flood must not fill the disk). */
static void
handshake_failed(const struct conn *k)
{
	const char *why = tls_hello_failure(&k->hello);
	char peer[ACL_ADDR_STRLEN], msg[ACL_ADDR_STRLEN + 200], key[64];

	if (why == NULL)
		return;
	metrics_tls_handshake_failure(why);
	acl_addr_format(&k->peer, peer, sizeof(peer));
	(void)str_printf(msg, sizeof(msg),
			 "TLS handshake with %s failed: %s (client offered "
			 "TLS %s at most%s)%s",
			 peer, why,
			 k->hello.max_version >= 0x0304	  ? "1.3"
			 : k->hello.max_version == 0x0303 ? "1.2"
			 : k->hello.max_version == 0x0302 ? "1.1"
			 : k->hello.max_version == 0x0301 ? "1.0"
							  : "?",
			 k->hello.scsv ? ", fallback SCSV" : "",
			 k->hello.alerted ? "; alert sent" : "");
	(void)str_printf(key, sizeof(key), "tls_handshake %s", why);
	log_warnx_limited(key, msg);
}

static void
conn_closed(struct http *h, struct conn *k)
{
	bool cut;

	if (k == NULL)
		return;
	pthread_mutex_lock(&h->conns_lock);
	if (k->prev != NULL)
		k->prev->next = k->next;
	else
		h->conns = k->next;
	if (k->next != NULL)
		k->next->prev = k->prev;
	/* Read under the lock http_tick() writes it under. */
	cut = k->cut;
	pthread_mutex_unlock(&h->conns_lock);
	if (!k->plain && !(k->flags & CONN_REFUSED) && !cut)
		handshake_failed(k);
	if (k->flags & CONN_PER_IP)
		connlimit_release(h->per_ip, &k->peer);
	if (k->flags & CONN_DENIED)
		atomic_fetch_sub(&h->denied_conns, 1);
	if (k->flags & CONN_PROXY)
		atomic_fetch_sub(&h->proxy_conns, 1);
	free(k);
}

void
http_conn_head(struct MHD_Connection *c, bool done)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *k = ci != NULL ? ci->socket_context : NULL;

	long long old;

	if (k == NULL)
		return;
	/* Once http_tick() has claimed it (-1), it is being shut down. */
	old = atomic_load(&k->head_since_ms);
	while (old != -1 &&
	       !atomic_compare_exchange_weak(&k->head_since_ms, &old,
					     done ? 0 : mono_ms()))
		;
}

/*
 * libmicrohttpd's timeout is an idle one, restarted by every byte: a peer
 * sending one byte a second would hold its connection for hours. So,
 * once a second, every connection whose request head (its TLS handshake
 * included) is not in header_timeout after it became due is shut down:
 * libmicrohttpd then reads end of file and closes it as its own. The
 * list's lock is what keeps each descriptor the connection's own: CLOSED
 * takes it off the list before its socket is closed.
 */
void
http_tick(struct http *h)
{
	struct site *s = site_acquire(h);
	long long limit = (long long)s->cfg->header_timeout_s * 1000;
	long long now = mono_ms();
	char peer[ACL_ADDR_STRLEN], msg[ACL_ADDR_STRLEN + 160];
	/* Logged after the lock is let go: a slow log must not hold up
	 * every connection's start and close. */
	struct acl_addr late[8];
	size_t nlate = 0;

	if (s->cfg->tls_session_tickets)
		(void)tls_tickets_rotate(
			&h->tickets, s->cfg->tls_session_lifetime, now / 1000);
	site_unref(s);
	pthread_mutex_lock(&h->conns_lock);
	for (struct conn *k = h->conns; k != NULL; k = k->next) {
		long long since = atomic_load(&k->head_since_ms);

		if (since <= 0 || k->cut || now - since <= limit)
			continue;
		/* Claimed, unless its head completed just now. */
		if (!atomic_compare_exchange_strong(&k->head_since_ms, &since,
						    -1))
			continue;
		k->cut = true;
		(void)shutdown(k->fd, SHUT_RDWR);
		metrics_header_timeout();
		if (nlate < ARRAY_LEN(late))
			late[nlate++] = k->peer;
	}
	pthread_mutex_unlock(&h->conns_lock);
	for (size_t i = 0; i < nlate; i++) {
		acl_addr_format(&late[i], peer, sizeof(peer));
		(void)str_printf(msg, sizeof(msg),
				 "%s: no complete request head within %lld s "
				 "of opening or of the previous response "
				 "(header_timeout): connection closed",
				 peer, limit / 1000);
		log_warnx_limited("header_timeout", msg);
	}
}

void
http_notify_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
		       enum MHD_ConnectionNotificationCode toe)
{
	struct listener *l = cls;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		metrics_connection(1);
		*socket_ctx = conn_started(l->h, l, c);
	} else {
		metrics_connection(-1);
		conn_closed(l->h, *socket_ctx);
		*socket_ctx = NULL;
	}
}
