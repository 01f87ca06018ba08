/* SPDX-License-Identifier: MIT */
/* ops/: Running the daemon: the log, metrics, the file watcher, the rollout
 * count, systemd notifications, the built-in demo. The folder's whole
 * surface. */
#ifndef CERTPOST_OPS_H
#define CERTPOST_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "util.h"
#include "access/access.h"
#include "render/render.h"
#include "config/config.h"

/* log: Logging: daemon messages and the access log, as text for a terminal or
 * JSON lines. */

enum log_format { LOG_TEXT, LOG_JSON };

/* Sets the format of every line and where access lines go: path NULL or
 * "" = stderr (daemon messages always go to stderr). Returns 0, or -1
 * with errno set (the old destination stays). */
int log_open(enum log_format fmt, const char *path);
/* Reopens the access log file (SIGUSR1, after logrotate moved it). */
int log_reopen(void);
/* Opens path for appending as log_open() would, and closes it again: for
 * --check-config. Returns 0, or -1 with errno set. */
int log_check(const char *path);
void log_set_debug(bool on);
enum log_format log_get_format(void);

void log_warn(const char *fmt, ...)
	PRINTF_LIKE(1, 2); /* adds strerror(errno) */
void log_warnx(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_errx(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_info(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_debug(const char *fmt, ...) PRINTF_LIKE(1, 2);
__attribute__((noreturn)) void fatal(const char *fmt, ...) PRINTF_LIKE(1, 2);
__attribute__((noreturn)) void fatalx(const char *fmt, ...) PRINTF_LIKE(1, 2);

/*
 * Warnings any peer can cause at will (libmicrohttpd's, about each failed
 * TLS handshake or broken connection) must not let it fill the disk.
 * Messages with the same key (their printf format, so that messages
 * differing only in a peer's address count as one) are written
 * LOG_REPEAT_BURST times per LOG_REPEAT_WINDOW seconds; the rest are
 * counted, and when the window is over one line says
 * "<last message> (repeated N times in the last 60 s)", N being the lines
 * not written. Beyond LOG_REPEAT_KEYS keys with open windows, the others
 * share one count. Thread-safe, fixed memory.
 */
#define LOG_REPEAT_BURST 5
#define LOG_REPEAT_WINDOW 60
#define LOG_REPEAT_KEYS 16

/* Writes msg (as log_warnx("%s", msg)) or counts it under key. */
void log_warnx_limited(const char *key, const char *msg);
/* Writes the summary of every window that is over, or with all, of every
 * window (at exit: nothing counted goes unsaid). Call once a second, from
 * one thread only (main). */
void log_repeats_flush(bool all);

/* One access-log record; strings may be NULL. */
struct log_access {
	const char *client; /* after proxy handling */
	const char *peer;   /* TCP peer when it differs (a proxy), or NULL */
	const char *method;
	const char *path;
	unsigned status; /* 0 for a dropped connection */
	unsigned long long bytes;
	unsigned long long duration_us; /* monotonic clock */
	const char *user_agent;
	const char *platform;
	const char *download; /* "slug.format" for certificate artefacts */
	const char *deny;     /* denial reason, or NULL */
};

/* Writes one access line with a single write(2). A failed or short write
 * is counted (log_write_failures()), never fatal. */
void log_access(const struct log_access *a);

/* How many log writes failed since start. */
unsigned long long log_write_failures(void);

/* rollout: The rollout, measured: downloads by platform, and devices whose
 * trust check succeeded, each source counted once a day; the counts kept
 * across restarts in a small state file. */

/* Sources remembered per day; past that a confirmation is not counted,
 * and rollout_status() and /metrics say so. */
#define ROLLOUT_MAX_PER_DAY 16384

enum rollout_result {
	ROLLOUT_COUNTED, /* the source's first confirmation today */
	ROLLOUT_REPEAT,	 /* counted already today */
	ROLLOUT_FULL,	 /* the day's table is full: not counted */
};

/*
 * Records that a device of platform p at address a confirmed trust at
 * now. The source is the address, or for IPv6 its /64 (one host holds a
 * whole /64): counted once per UTC day whatever platform it claims, and
 * the count goes to the platform of its first confirmation. The table is
 * an open-addressing hash keyed with a secret random key made once per
 * process, so nobody can choose addresses that collide. Thread-safe;
 * nothing about a source outlives its day.
 */
enum rollout_result rollout_confirm(const struct acl_addr *a,
				    enum page_platform p, time_t now);
/* A certificate artefact was downloaded by a device of platform p. */
void rollout_download(enum page_platform p);
unsigned long long rollout_downloads(enum page_platform p);
unsigned long long rollout_confirmations(enum page_platform p);

struct rollout_status {
	long long since; /* when counting began (Unix time) */
	unsigned sources_today;
	bool full;			/* the day's table is full */
	unsigned long long not_counted; /* since start, as the table was full */
};
void rollout_status(struct rollout_status *ret);

/*
 * The state file: the counts and since, one "key value" line each,
 * replaced atomically (written beside it, fsync(), rename()). Its loss is
 * never fatal: counting starts again from zero.
 * rollout_state_open() reads path (NULL or "": counts are not kept) and
 * remembers it. Returns 0 (read, or no file yet), or -1 with a reason
 * (unreadable or malformed: counting starts from zero, the file is
 * replaced at the next save).
 */
int rollout_state_open(const char *path, time_t now, char *err, size_t errlen);
/* Moves the state file (a reload changed state_dir): the counts stay. */
void rollout_state_path(const char *path);
/* Writes the counts when they changed and, unless force, the last write
 * is ROLLOUT_SAVE_EVERY_S old. Main thread only. Returns 0 or -1. */
#define ROLLOUT_SAVE_EVERY_S 60
int rollout_state_save(bool force, time_t now, char *err, size_t errlen);
/* Forgets every count and source (tests). */
void rollout_reset(void);

/* metrics: Counters, exposed in Prometheus text format. Updates are lock-free
 * atomics.
 */

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
	METRICS_DENY_PROXY_SHARE,  /* trusted proxies hold their share */
	METRICS_DENY_CROSS_SITE,   /* a trust confirmation from another site */
	METRICS_DENY_COUNT
};

void metrics_request(enum metrics_class c, unsigned status);
void metrics_denied(enum metrics_deny r);
/* Counts a download of slug in format; slugs are interned on first use
 * (bounded table; overflow goes to slug "other"). */
void metrics_download(const char *slug, const char *format);
/* What asked for a reload. */
enum metrics_trigger {
	METRICS_TRIGGER_SIGNAL,
	METRICS_TRIGGER_WATCH,
	METRICS_TRIGGER_EXPIRY, /* the profile signer's chain expired */
	METRICS_TRIGGER_COUNT
};
void metrics_reload(enum metrics_trigger t, int ok);
/* Called when a snapshot goes live. */
void metrics_snapshot(long long built_unix);
/* CA expiry gauges: reset with metrics_ca_clear() then set for each. */
void metrics_ca_clear(void);
void metrics_ca_expiry(const char *slug, long long not_after);
/* The same for each published issuing CA ([issuer]). */
void metrics_issuer_expiry(const char *slug, long long not_after);
/* The earliest notAfter of the profile signer's chain; 0: unsigned (no
 * gauge). Cleared with the CAs'. */
void metrics_profile_signer_expiry(long long not_after);
/* A reload refused a published file (file: "crl", "delta_crl",
 * "issuer"; reason: "invalid", "older", "future") and kept the last good
 * one. */
void metrics_published_rejected(const char *slug, const char *file,
				const char *reason);
/* A served CRL's gauges (cleared with the CAs'); number is decimal text,
 * "" without one. */
void metrics_crl(const char *slug, bool delta, long long next_update,
		 const char *number);
void metrics_connection(int delta);
/* A connection was shut down for its late request head. */
void metrics_header_timeout(void);
/* A TLS handshake did not finish; reason is one of tls_hello_failure()'s
 * (a static string). */
void metrics_tls_handshake_failure(const char *reason);
/* Connections open now (STARTED and not yet CLOSED). */
long long metrics_open_connections(void);

/* Appends the whole exposition into out. Returns 0 or -1. */
int metrics_render(struct buf *out, unsigned long long log_failures);

/* watch: Following the loaded files with inotify, so a changed file reloads as
 * SIGHUP does; debounced. */

/* Changes are acted on once none came for this long... */
#define WATCH_QUIET_MS 500
/* ... or this long after the first, however busy the writer. */
#define WATCH_MAX_DELAY_MS 5000

struct watch;

/* An inotify instance following nothing yet. Returns NULL with a reason. */
struct watch *watch_new(char *err, size_t errlen);
void watch_free(struct watch *w);

/* The descriptor to poll for input. */
int watch_fd(const struct watch *w);

/*
 * Follows (unless cfg says watch = no) every file cfg loads (the configuration,
 * CA, CRL and issuer files, the TLS certificate and key, the profile signer,
 * chain and trust store) and static_dir, replacing what was followed before.
 * Directories are watched, not files, so a file replaced by rename, deleted and
 * created again, or a Kubernetes "..data" symlink swap is seen. A path through
 * symlinks is followed at each link and at its target, so re-call this after
 * each reload: the targets may have moved. A directory that is missing, now
 * or later, is waited for in its nearest existing ancestor, and its return
 * counts as a change. Returns 0, or -1 with the reason for the first
 * directory that could not be watched (the others still are).
 */
int watch_set(struct watch *w, const struct config *cfg, char *err,
	      size_t errlen);

/*
 * Reads every pending event. When one concerns a followed file, starts or
 * extends the quiet period and copies the file's name into what (for the
 * log). now_ms is CLOCK_MONOTONIC in milliseconds.
 */
void watch_read(struct watch *w, long long now_ms, char *what, size_t whatlen);

/* Milliseconds until a change is due (0 = now), or -1 when none waits. */
long long watch_timeout_ms(const struct watch *w, long long now_ms);

/* True, once, when a change is due: the caller reloads. */
bool watch_due(struct watch *w, long long now_ms);

/* notify: Telling systemd (Type=notify) how the daemon is doing; a no-op
 * without $NOTIFY_SOCKET. */

/* Sends msg ("READY=1", "STOPPING=1") to $NOTIFY_SOCKET. */
void notify_send(const char *msg);
/* "RELOADING=1" with the monotonic time, as Type=notify-reload wants. */
void notify_reloading(void);

/* demo: The built-in demo: a throwaway root CA and a localhost leaf, generated
 * in memory. */

#define DEMO_CA_NAME "certpost Demo Root CA"

struct demo {
	char *root_pem;	    /* owned: the root certificate, PEM */
	char *leaf_pem;	    /* owned: leaf for localhost/127.0.0.1/::1, PEM */
	char *leaf_key_pem; /* owned: the leaf's private key, PKCS#8 PEM */
};

/*
 * Generates a fresh root CA ("certpost Demo Root CA", EC P-256, 1 year,
 * CA:TRUE, keyCertSign) and a TLS server leaf signed by it (CN localhost,
 * SAN DNS:localhost, IP:127.0.0.1, IP:::1, serverAuth, 90 days). The root's
 * private key is discarded. Returns 0, or -1 with a reason.
 * Free with demo_finish().
 */
int demo_generate(struct demo *d, char *err, size_t errlen);

/* Frees what demo_generate() made; accepts a zeroed struct. */
void demo_finish(struct demo *d);

/* Fills cfg (reset to defaults) with the demo's configuration; cfg
 * borrows demo's PEM strings. */
void demo_config(struct config *cfg, const struct demo *demo);

#endif
