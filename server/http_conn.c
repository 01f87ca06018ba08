/* SPDX-License-Identifier: MIT */
/* Connection admission: the accept policy, per-address limits, and the
 * share of slots denied peers may hold. */
#include "http_int.h"
#include "log.h"
#include "metrics.h"

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

/*
 * Runs before libmicrohttpd reads a byte: a peer that is neither allowed
 * nor a trusted proxy is closed right here when deny = drop.
 */
enum MHD_Result
http_accept_policy(void *cls, const struct sockaddr *sa, socklen_t len)
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

void
http_notify_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
		       enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	(void)c;
	(void)socket_ctx;
	metrics_connection(toe == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
}
