/* SPDX-License-Identifier: MIT */
/* Counters, exposed in Prometheus text format. Updates are lock-free atomics.
 */
#include "ops/ops.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "build_config.h"
#include "config/config.h"

static const char *const class_names[METRICS_CLASS_COUNT] = {
	"page",	  "download", "info",	  "static", "qr",
	"health", "metrics",  "helpdesk", "other",
};
static const unsigned status_codes[] = {200, 301, 304, 400, 403, 404, 405,
					412, 413, 421, 431, 500, 501, 503};
#define NSTATUS (ARRAY_LEN(status_codes) + 1) /* last: any other */
static const char *const deny_names[METRICS_DENY_COUNT] = {
	"not_allowed",	"not_admin",	"bad_proxy_header", "host",
	"per_ip_limit", "denied_share", "proxy_share",	    "cross_site",
};
static const char *const formats[] = {"cer",	   "crt",	   "pem",
				      "p7b",	   "mobileconfig", "crl",
				      "delta-crl", "p7c",	   "other"};
#define NFORMAT ARRAY_LEN(formats)
/* Download counters by slug outlive reloads (a counter never goes back),
 * so the table holds twice what one configuration serves (every CA and
 * "all"): a reload may rename every CA and still be counted apart. */
#define MAX_SLUGS (2 * (CONFIG_MAX_CERTS + 1 + CONFIG_MAX_ISSUER))
/* One expiry gauge for every CA served. */
#define MAX_CA_GAUGES CONFIG_MAX_CERTS

static atomic_ullong requests[METRICS_CLASS_COUNT][NSTATUS];
static atomic_ullong denied[METRICS_DENY_COUNT];
static atomic_ullong reloads[METRICS_TRIGGER_COUNT][2]; /* [1] = ok */
static const char *const trigger_names[METRICS_TRIGGER_COUNT] = {
	[METRICS_TRIGGER_SIGNAL] = "signal",
	[METRICS_TRIGGER_WATCH] = "watch",
	[METRICS_TRIGGER_EXPIRY] = "expiry",
};
static atomic_llong snapshot_time;
static atomic_llong connections;
static atomic_ullong header_timeouts;
static long long start_time;

/* Download counters by slug: slots are filled once under the mutex and
 * published by bumping nslugs, so readers never lock. */
static struct {
	char slug[CONFIG_CA_SLUG_LEN];
	atomic_ullong count[NFORMAT];
} slugs[MAX_SLUGS + 1];
static atomic_size_t nslugs;
static pthread_mutex_t slug_lock = PTHREAD_MUTEX_INITIALIZER;

static struct {
	char slug[CONFIG_CA_SLUG_LEN];
	long long not_after;
} ca_gauges[MAX_CA_GAUGES];
static size_t nca_gauges;
static pthread_mutex_t ca_lock = PTHREAD_MUTEX_INITIALIZER;

/* One per CRL served (a full and a delta per CA, one per issuer); under
 * ca_lock too. */
#define MAX_CRL_GAUGES (2 * (CONFIG_MAX_CA + CONFIG_MAX_ISSUER))
static struct {
	char slug[CONFIG_SLUG_MAX];
	bool delta;
	long long next_update;
	char number[64];
} crl_gauges[MAX_CRL_GAUGES];
static size_t ncrl_gauges;
/* Issuing CAs expire too (under ca_lock). */
static struct {
	char slug[CONFIG_SLUG_MAX];
	long long not_after;
} issuer_gauges[CONFIG_MAX_ISSUER];
static size_t nissuer_gauges;
/* The profile signer's chain (under ca_lock); 0 = not signed. */
static long long profile_signer_not_after;
/* Published files a reload refused and replaced with the last good one;
 * counters, so they outlive reloads (under ca_lock). */
#define MAX_REJECTED 64
static struct {
	char slug[CONFIG_SLUG_MAX];
	char file[16];
	char reason[16];
	unsigned long long count;
} rejected[MAX_REJECTED];
static size_t nrejected;

static size_t
status_index(unsigned status)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(status_codes); i++)
		if (status_codes[i] == status)
			return i;
	return NSTATUS - 1;
}

void
metrics_request(enum metrics_class c, unsigned status)
{
	atomic_fetch_add_explicit(&requests[c][status_index(status)], 1,
				  memory_order_relaxed);
}

void
metrics_denied(enum metrics_deny r)
{
	atomic_fetch_add_explicit(&denied[r], 1, memory_order_relaxed);
}

static size_t
slug_slot(const char *slug)
{
	size_t i, n = atomic_load_explicit(&nslugs, memory_order_acquire);

	for (i = 0; i < n; i++)
		if (strcmp(slugs[i].slug, slug) == 0)
			return i;
	pthread_mutex_lock(&slug_lock);
	n = atomic_load(&nslugs);
	for (; i < n; i++)
		if (strcmp(slugs[i].slug, slug) == 0)
			break;
	if (i == n) {
		if (n < MAX_SLUGS &&
		    str_copy(slugs[n].slug, sizeof(slugs[n].slug), slug) == 0)
			atomic_store_explicit(&nslugs, n + 1,
					      memory_order_release);
		else
			i = MAX_SLUGS; /* the "other" slot */
	}
	pthread_mutex_unlock(&slug_lock);
	return i;
}

void
metrics_download(const char *slug, const char *format)
{
	size_t s = slug_slot(slug), f;

	for (f = 0; f < NFORMAT - 1; f++)
		if (strcmp(formats[f], format) == 0)
			break;
	atomic_fetch_add_explicit(&slugs[s].count[f], 1, memory_order_relaxed);
}

/* The rollout by platform: downloads, and devices that then confirmed
 * trust (each source once a day). Counters sum across instances; the
 * table's gauges are each instance's own (max() them). */
static void
render_rollout(struct buf *out)
{
	struct rollout_status st;

	rollout_status(&st);
	(void)buf_puts(out,
		       "# HELP certpost_platform_downloads_total Certificate "
		       "artefacts served, by the platform that fetched them.\n"
		       "# TYPE certpost_platform_downloads_total counter\n");
	for (int p = 0; p < PAGE_PLATFORM_COUNT; p++)
		(void)buf_printf(out,
				 "certpost_platform_downloads_total{platform="
				 "\"%s\"} %llu\n",
				 page_platform_name((enum page_platform)p),
				 rollout_downloads((enum page_platform)p));
	(void)buf_puts(out,
		       "# HELP certpost_trust_confirmed_total Devices whose "
		       "trust check succeeded, each source (an IPv4 address "
		       "or an IPv6 /64) once a day.\n"
		       "# TYPE certpost_trust_confirmed_total counter\n");
	for (int p = 0; p < PAGE_PLATFORM_COUNT; p++)
		(void)buf_printf(out,
				 "certpost_trust_confirmed_total{platform="
				 "\"%s\"} %llu\n",
				 page_platform_name((enum page_platform)p),
				 rollout_confirmations((enum page_platform)p));
	(void)buf_printf(
		out,
		"# HELP certpost_rollout_since_timestamp_seconds When this "
		"instance began counting (kept across restarts with a state "
		"file).\n"
		"# TYPE certpost_rollout_since_timestamp_seconds gauge\n"
		"certpost_rollout_since_timestamp_seconds %lld\n"
		"# HELP certpost_rollout_sources_today Sources that confirmed "
		"today (UTC), of %u this instance can tell apart a day.\n"
		"# TYPE certpost_rollout_sources_today gauge\n"
		"certpost_rollout_sources_today %u\n"
		"# HELP certpost_rollout_table_full 1 when today's table is "
		"full and further sources are not counted.\n"
		"# TYPE certpost_rollout_table_full gauge\n"
		"certpost_rollout_table_full %d\n"
		"# HELP certpost_trust_confirmed_not_counted_total "
		"Confirmations not counted because the day's table was "
		"full.\n"
		"# TYPE certpost_trust_confirmed_not_counted_total counter\n"
		"certpost_trust_confirmed_not_counted_total %llu\n",
		st.since, ROLLOUT_MAX_PER_DAY, st.sources_today,
		st.full ? 1 : 0, st.not_counted);
}

void
metrics_reload(enum metrics_trigger t, int ok)
{
	atomic_fetch_add(&reloads[t][ok ? 1 : 0], 1);
}

void
metrics_crl(const char *slug, bool delta, long long next_update,
	    const char *number)
{
	pthread_mutex_lock(&ca_lock);
	if (ncrl_gauges < MAX_CRL_GAUGES) {
		(void)str_copy(crl_gauges[ncrl_gauges].slug,
			       sizeof(crl_gauges[0].slug), slug);
		crl_gauges[ncrl_gauges].delta = delta;
		crl_gauges[ncrl_gauges].next_update = next_update;
		(void)str_copy(crl_gauges[ncrl_gauges].number,
			       sizeof(crl_gauges[0].number), number);
		ncrl_gauges++;
	}
	pthread_mutex_unlock(&ca_lock);
}

void
metrics_snapshot(long long built_unix)
{
	if (start_time == 0)
		start_time = built_unix;
	atomic_store(&snapshot_time, built_unix);
}

void
metrics_ca_clear(void)
{
	pthread_mutex_lock(&ca_lock);
	nca_gauges = 0;
	ncrl_gauges = 0;
	nissuer_gauges = 0;
	profile_signer_not_after = 0;
	pthread_mutex_unlock(&ca_lock);
}

void
metrics_issuer_expiry(const char *slug, long long not_after)
{
	pthread_mutex_lock(&ca_lock);
	if (nissuer_gauges < CONFIG_MAX_ISSUER) {
		(void)str_copy(issuer_gauges[nissuer_gauges].slug,
			       sizeof(issuer_gauges[0].slug), slug);
		issuer_gauges[nissuer_gauges++].not_after = not_after;
	}
	pthread_mutex_unlock(&ca_lock);
}

void
metrics_profile_signer_expiry(long long not_after)
{
	pthread_mutex_lock(&ca_lock);
	profile_signer_not_after = not_after;
	pthread_mutex_unlock(&ca_lock);
}

void
metrics_published_rejected(const char *slug, const char *file,
			   const char *reason)
{
	size_t i;

	pthread_mutex_lock(&ca_lock);
	for (i = 0; i < nrejected; i++)
		if (strcmp(rejected[i].slug, slug) == 0 &&
		    strcmp(rejected[i].file, file) == 0 &&
		    strcmp(rejected[i].reason, reason) == 0)
			break;
	/* Bounded: past the table, the last slot counts for "other". */
	if (i == nrejected && nrejected < MAX_REJECTED) {
		(void)str_copy(rejected[i].slug, sizeof(rejected[i].slug),
			       nrejected + 1 < MAX_REJECTED ? slug : "other");
		(void)str_copy(rejected[i].file, sizeof(rejected[i].file),
			       file);
		(void)str_copy(rejected[i].reason, sizeof(rejected[i].reason),
			       reason);
		nrejected++;
	}
	rejected[i < MAX_REJECTED ? i : MAX_REJECTED - 1].count++;
	pthread_mutex_unlock(&ca_lock);
}

void
metrics_ca_expiry(const char *slug, long long not_after)
{
	pthread_mutex_lock(&ca_lock);
	if (nca_gauges < MAX_CA_GAUGES) {
		(void)str_copy(ca_gauges[nca_gauges].slug,
			       sizeof(ca_gauges[0].slug), slug);
		ca_gauges[nca_gauges++].not_after = not_after;
	}
	pthread_mutex_unlock(&ca_lock);
}

static const char *const tls_reasons[] = {
	"protocol_version", "inappropriate_fallback", "no_application_protocol",
	"client_aborted",   "handshake_failure",      "no_client_hello",
};
static atomic_ullong tls_failures[ARRAY_LEN(tls_reasons)];

void
metrics_tls_handshake_failure(const char *reason)
{
	for (size_t i = 0; i < ARRAY_LEN(tls_reasons); i++)
		if (strcmp(reason, tls_reasons[i]) == 0)
			atomic_fetch_add(&tls_failures[i], 1);
}

static void
render_tls(struct buf *out)
{
	(void)buf_puts(out,
		       "# HELP certpost_tls_handshake_failures_total TLS "
		       "handshakes that did not finish, by what was seen.\n"
		       "# TYPE certpost_tls_handshake_failures_total "
		       "counter\n");
	for (size_t i = 0; i < ARRAY_LEN(tls_reasons); i++)
		(void)buf_printf(out,
				 "certpost_tls_handshake_failures_total{reason="
				 "\"%s\"} %llu\n",
				 tls_reasons[i], atomic_load(&tls_failures[i]));
}

void
metrics_header_timeout(void)
{
	atomic_fetch_add_explicit(&header_timeouts, 1, memory_order_relaxed);
}

void
metrics_connection(int delta)
{
	atomic_fetch_add_explicit(&connections, delta, memory_order_relaxed);
}

long long
metrics_open_connections(void)
{
	return atomic_load_explicit(&connections, memory_order_relaxed);
}

static void
render_requests(struct buf *out)
{
	size_t c, s;

	(void)buf_puts(out, "# HELP certpost_http_requests_total HTTP requests "
			    "answered, by path class and status.\n"
			    "# TYPE certpost_http_requests_total counter\n");
	for (c = 0; c < METRICS_CLASS_COUNT; c++) {
		for (s = 0; s < NSTATUS; s++) {
			unsigned long long v = atomic_load(&requests[c][s]);
			char code[8];

			if (v == 0)
				continue;
			if (s < NSTATUS - 1)
				(void)str_printf(code, sizeof(code), "%u",
						 status_codes[s]);
			else
				(void)str_copy(code, sizeof(code), "other");
			(void)buf_printf(out,
					 "certpost_http_requests_total"
					 "{class=\"%s\",code=\"%s\"} %llu\n",
					 class_names[c], code, v);
		}
	}
}

static void
render_downloads(struct buf *out)
{
	size_t i, f, n = atomic_load_explicit(&nslugs, memory_order_acquire);

	(void)buf_puts(out, "# HELP certpost_downloads_total Certificate "
			    "artefacts served, by CA and format.\n"
			    "# TYPE certpost_downloads_total counter\n");
	for (i = 0; i <= MAX_SLUGS; i++) {
		if (i >= n && i != MAX_SLUGS)
			continue;
		for (f = 0; f < NFORMAT; f++) {
			unsigned long long v = atomic_load(&slugs[i].count[f]);

			if (v == 0)
				continue;
			(void)buf_printf(out,
					 "certpost_downloads_total{ca=\""
					 "%s\",format=\"%s\"} %llu\n",
					 i == MAX_SLUGS ? "other"
							: slugs[i].slug,
					 formats[f], v);
		}
	}
}

static void
render_ca(struct buf *out)
{
	size_t i;

	(void)buf_puts(
		out, "# HELP certpost_ca_not_after_timestamp_seconds "
		     "When each served CA certificate expires.\n"
		     "# TYPE certpost_ca_not_after_timestamp_seconds gauge\n");
	pthread_mutex_lock(&ca_lock);
	for (i = 0; i < nca_gauges; i++)
		(void)buf_printf(out,
				 "certpost_ca_not_after_timestamp_seconds"
				 "{ca=\"%s\"} %lld\n",
				 ca_gauges[i].slug, ca_gauges[i].not_after);
	(void)buf_puts(out,
		       "# HELP certpost_issuer_not_after_timestamp_seconds "
		       "When each published issuing CA expires.\n"
		       "# TYPE certpost_issuer_not_after_timestamp_seconds "
		       "gauge\n");
	for (i = 0; i < nissuer_gauges; i++)
		(void)buf_printf(out,
				 "certpost_issuer_not_after_timestamp_seconds"
				 "{issuer=\"%s\"} %lld\n",
				 issuer_gauges[i].slug,
				 issuer_gauges[i].not_after);
	if (profile_signer_not_after != 0)
		(void)buf_printf(
			out,
			"# HELP certpost_profile_signer_not_after_timestamp_"
			"seconds When the first certificate of the profile "
			"signer's chain (the signer, its intermediates, the "
			"root) expires: from then iPhones show the signed "
			"profile as Not Verified.\n"
			"# TYPE certpost_profile_signer_not_after_timestamp_"
			"seconds gauge\n"
			"certpost_profile_signer_not_after_timestamp_seconds "
			"%lld\n",
			profile_signer_not_after);
	(void)buf_puts(out,
		       "# HELP certpost_published_rejected_total Published "
		       "files (CRLs, issuers) a reload refused, the last good "
		       "one served instead.\n"
		       "# TYPE certpost_published_rejected_total counter\n");
	for (i = 0; i < nrejected; i++)
		(void)buf_printf(out,
				 "certpost_published_rejected_total{ca=\"%s\","
				 "file=\"%s\",reason=\"%s\"} %llu\n",
				 rejected[i].slug, rejected[i].file,
				 rejected[i].reason, rejected[i].count);
	(void)buf_puts(out,
		       "# HELP certpost_crl_next_update_timestamp_seconds "
		       "When each served CRL says the next one is due (0: it "
		       "does not say).\n"
		       "# TYPE certpost_crl_next_update_timestamp_seconds "
		       "gauge\n");
	for (i = 0; i < ncrl_gauges; i++)
		(void)buf_printf(out,
				 "certpost_crl_next_update_timestamp_seconds"
				 "{ca=\"%s\",crl=\"%s\"} %lld\n",
				 crl_gauges[i].slug,
				 crl_gauges[i].delta ? "delta" : "full",
				 crl_gauges[i].next_update);
	(void)buf_puts(out, "# HELP certpost_crl_number The crlNumber of each "
			    "served CRL that has one.\n"
			    "# TYPE certpost_crl_number gauge\n");
	for (i = 0; i < ncrl_gauges; i++)
		if (crl_gauges[i].number[0] != '\0')
			(void)buf_printf(out,
					 "certpost_crl_number{ca=\"%s\","
					 "crl=\"%s\"} %s\n",
					 crl_gauges[i].slug,
					 crl_gauges[i].delta ? "delta" : "full",
					 crl_gauges[i].number);
	pthread_mutex_unlock(&ca_lock);
}

int
metrics_render(struct buf *out, unsigned long long log_failures)
{
	size_t i;

	render_requests(out);
	(void)buf_puts(out, "# HELP certpost_denied_total Requests and "
			    "connections refused, by reason.\n"
			    "# TYPE certpost_denied_total counter\n");
	for (i = 0; i < METRICS_DENY_COUNT; i++)
		(void)buf_printf(out,
				 "certpost_denied_total{reason=\"%s\"} "
				 "%llu\n",
				 deny_names[i], atomic_load(&denied[i]));
	render_downloads(out);
	render_rollout(out);
	(void)buf_printf(out, "# HELP certpost_reloads_total Configuration "
			      "reloads, by what asked for them (SIGHUP, a "
			      "watched file, or the profile signer's chain "
			      "expiring) and result.\n"
			      "# TYPE certpost_reloads_total counter\n");
	for (i = 0; i < METRICS_TRIGGER_COUNT; i++)
		for (int ok = 1; ok >= 0; ok--)
			(void)buf_printf(
				out,
				"certpost_reloads_total{trigger=\"%s\","
				"result=\"%s\"} %llu\n",
				trigger_names[i], ok ? "ok" : "failed",
				atomic_load(&reloads[i][ok]));
	(void)buf_printf(out,
			 "# HELP certpost_snapshot_timestamp_seconds When "
			 "the live snapshot was built.\n"
			 "# TYPE certpost_snapshot_timestamp_seconds gauge\n"
			 "certpost_snapshot_timestamp_seconds %lld\n",
			 atomic_load(&snapshot_time));
	(void)buf_printf(out,
			 "# HELP certpost_snapshot_age_seconds Seconds "
			 "since the live snapshot was built.\n"
			 "# TYPE certpost_snapshot_age_seconds gauge\n"
			 "certpost_snapshot_age_seconds %lld\n",
			 (long long)time(NULL) - atomic_load(&snapshot_time));
	render_ca(out);
	render_tls(out);
	(void)buf_printf(out,
			 "# HELP certpost_open_connections Connections "
			 "open now.\n# TYPE certpost_open_connections gauge\n"
			 "certpost_open_connections %lld\n"
			 "# HELP certpost_header_timeouts_total Connections "
			 "closed because their request head was not complete "
			 "within header_timeout.\n"
			 "# TYPE certpost_header_timeouts_total counter\n"
			 "certpost_header_timeouts_total %llu\n",
			 atomic_load(&connections),
			 atomic_load(&header_timeouts));
	(void)buf_printf(out,
			 "# HELP certpost_log_write_failures_total Log "
			 "lines that could not be written.\n"
			 "# TYPE certpost_log_write_failures_total counter\n"
			 "certpost_log_write_failures_total %llu\n",
			 log_failures);
	(void)buf_printf(out,
			 "# HELP certpost_start_time_seconds When the "
			 "daemon started.\n"
			 "# TYPE certpost_start_time_seconds gauge\n"
			 "certpost_start_time_seconds %lld\n"
			 "# HELP certpost_build_info Version of the running "
			 "daemon.\n# TYPE certpost_build_info gauge\n"
			 "certpost_build_info{version=\"%s\"} 1\n",
			 start_time, CERTPOST_VERSION);
	return out->data == NULL ? -1 : 0;
}
