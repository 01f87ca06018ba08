/* SPDX-License-Identifier: MIT */
/* Logging: daemon messages and the access log, as text for a terminal or JSON
 * lines. */
#ifndef CERTPOST_LOG_H
#define CERTPOST_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

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

#endif
