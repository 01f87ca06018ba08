/* SPDX-License-Identifier: MIT */
/* Counters, exposed in Prometheus text format. Updates are lock-free atomics.
 */
#ifndef CERTPOST_METRICS_H
#define CERTPOST_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "page.h"
#include "util.h"

/* Path classes for certpost_http_requests_total{class=...}. */
enum metrics_class {
	METRICS_PAGE,
	METRICS_DOWNLOAD,
	METRICS_INFO,
	METRICS_STATIC,
	METRICS_QR,
	METRICS_HEALTH,
	METRICS_METRICS,
	METRICS_HELPDESK,
	METRICS_OTHER,
	METRICS_CLASS_COUNT
};

enum metrics_deny {
	METRICS_DENY_ALLOW_LIST,   /* not in allow */
	METRICS_DENY_ADMIN,	   /* admin-only path */
	METRICS_DENY_PROXY,	   /* bad Forwarded/X-Forwarded-For */
	METRICS_DENY_HOST,	   /* Host names another server: rebinding */
	METRICS_DENY_PER_IP,	   /* max_connections_per_ip reached */
	METRICS_DENY_DENIED_SHARE, /* denied peers hold their share already */
	METRICS_DENY_COUNT
};

void metrics_request(enum metrics_class c, unsigned status);
void metrics_denied(enum metrics_deny r);
/* Counts a download of slug in format; slugs are interned on first use
 * (bounded table; overflow goes to slug "other"). */
void metrics_download(const char *slug, const char *format);
/* The same download, by the platform that fetched it (for the rollout). */
void metrics_platform_download(enum page_platform p);
/* A device of platform p confirmed trust (first time today). */
void metrics_trust_confirmed(enum page_platform p);
/* The counters above, for the helpdesk's rollout view. */
unsigned long long metrics_platform_downloads(enum page_platform p);
unsigned long long metrics_trust_confirmations(enum page_platform p);
/* What asked for a reload. */
enum metrics_trigger {
	METRICS_TRIGGER_SIGNAL,
	METRICS_TRIGGER_WATCH,
	METRICS_TRIGGER_COUNT
};
void metrics_reload(enum metrics_trigger t, int ok);
/* Called when a snapshot goes live. */
void metrics_snapshot(long long built_unix);
/* CA expiry gauges: reset with metrics_ca_clear() then set for each. */
void metrics_ca_clear(void);
void metrics_ca_expiry(const char *slug, long long not_after);
/* A served CRL's gauges (cleared with the CAs'); number is decimal text,
 * "" without one. */
void metrics_crl(const char *slug, bool delta, long long next_update,
		 const char *number);
void metrics_connection(int delta);
/* Connections open now (STARTED and not yet CLOSED). */
long long metrics_open_connections(void);

/* Appends the whole exposition into out. Returns 0 or -1. */
int metrics_render(struct buf *out, unsigned long long log_failures);

#endif
