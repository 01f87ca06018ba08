/* SPDX-License-Identifier: MIT */
/* Who is asking, and of whom: the client address (behind a trusted proxy,
 * the one header believed) and the Host the request names. */
#include <string.h>
#include <strings.h>

#include "http_int.h"
#include "ops/ops.h"
#include "access/access.h"

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

/* Works out who the client is (http_int.h). */
int
http_find_client(struct MHD_Connection *c, const struct config *cfg,
		 struct request *rq)
{
	const union MHD_ConnectionInfo *ci;
	struct acl_addr peer;
	struct joined hdr = {.name = proxy_header_name(cfg->proxy_header)};
	const char *other = proxy_header_name(
		cfg->proxy_header == PROXY_FORWARDED ? PROXY_X_FORWARDED_FOR
						     : PROXY_FORWARDED);
	char err[160];

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || acl_addr_from_sockaddr(ci->client_addr, &peer) == -1)
		return -1;
	rq->client = peer;
	if (cfg->trusted_proxy.n == 0 || !acl_match(&cfg->trusted_proxy, &peer))
		return 0;
	/* One header is believed, as nginx's real_ip_header: proxies pass
	 * the other through from the client untouched. */
	(void)MHD_get_connection_values(c, MHD_HEADER_KIND, join_header, &hdr);
	if (hdr.overflow)
		return -1;
	if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, other) != NULL)
		log_debug("ignoring %s from a trusted proxy (proxy_header = "
			  "%s)",
			  other, hdr.name);
	if (proxy_client(&cfg->trusted_proxy, &peer, cfg->proxy_header,
			 hdr.seen ? hdr.buf : NULL, &rq->client, err,
			 sizeof(err)) == -1) {
		log_debug("bad proxy header from a trusted proxy: %s", err);
		return -1;
	}
	rq->via_proxy = !acl_addr_equal(&rq->client, &peer);
	return 0;
}

static enum MHD_Result
count_host(void *cls, enum MHD_ValueKind kind, const char *key,
	   const char *value)
{
	unsigned *n = cls;

	(void)kind;
	(void)value;
	if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
		(*n)++;
	return MHD_YES;
}

/*
 * DNS rebinding: an outsider's page on a name that resolves to us makes
 * an insider's browser send requests with the outsider's name in Host.
 * Only names that are ours are answered; /healthz stays open to probes
 * that send an address or nothing. RFC 9112 3.2: several Host lines, or
 * one that is no Host value, are a bad request whatever the target.
 */
int
http_check_host(struct MHD_Connection *c, const struct config *cfg,
		const struct http_target *t, bool tls)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_HOST);
	unsigned n = 0;

	(void)MHD_get_connection_values(c, MHD_HEADER_KIND, count_host, &n);
	if (n > 1 || (host != NULL && !host_value_valid(host, strlen(host))))
		return -1;
	if (t->absolute) {
		/* RFC 9112 3.2.2: the target's authority stands for Host. An
		 * http(s) URI has a host and no user information (RFC 9110
		 * 4.2.1, 4.2.4), and names this server only in the scheme of
		 * the listener it reached. */
		if (t->authority_len == 0 || t->authority[0] == ':' ||
		    !host_value_valid(t->authority, t->authority_len))
			return -1;
		if (t->https != tls)
			return 1;
		return strcmp(t->path, "/healthz") == 0 ||
				       host_names_match_n(&cfg->hosts,
							  t->authority,
							  t->authority_len)
			       ? 0
			       : 1;
	}
	/* Without Host (HTTP/1.0; HTTP/1.1 is refused before this), the
	 * request is for the server the client connected to: this one. */
	if (strcmp(t->path, "/healthz") == 0 || host == NULL)
		return 0;
	return host_names_match(&cfg->hosts, host) ? 0 : 1;
}
