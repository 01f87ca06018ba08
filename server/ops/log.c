/* SPDX-License-Identifier: MIT */
/* Logging: daemon messages and the access log, as text for a terminal or JSON
 * lines. */
#include "ops/ops.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/*
 * Daemon messages always go to stderr (journald). Access lines go to
 * access_fd: stderr, or a file whose descriptor number never changes while
 * running: a reopen dup2()s the new file over it, so a thread writing at
 * that moment writes to the old or the new file, never to a closed fd.
 */
static int access_fd = STDERR_FILENO;
static char log_path[4096];
static atomic_int log_fmt = LOG_TEXT;
static atomic_bool log_dbg = false;
static atomic_ullong log_failures;

/* Non-blocking, so a FIFO where the log was cannot hang the daemon (no
 * reader: ENXIO); anything but a regular file or a character device
 * (/dev/null) is refused (EINVAL): a pipe's reader could stall writes. */
static int
open_file(const char *path)
{
	struct stat st;
	int fd = open(path,
		      O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK |
			      O_NOCTTY,
		      0640);

	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 ||
	    !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode))) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* Moves fd over access_fd (closing fd). */
static int
replace_fd(int fd)
{
	int r = dup2(fd, access_fd);

	close(fd);
	if (r == -1)
		return -1;
	return fcntl(access_fd, F_SETFD, FD_CLOEXEC) == -1 ? -1 : 0;
}

int
log_open(enum log_format fmt, const char *path)
{
	int fd;

	atomic_store(&log_fmt, (int)fmt);
	if (path == NULL || path[0] == '\0') {
		if (access_fd != STDERR_FILENO) {
			if (dup2(STDERR_FILENO, access_fd) == -1)
				return -1;
		}
		log_path[0] = '\0';
		return 0;
	}
	if (str_copy(log_path, sizeof(log_path), path) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open_file(path)) == -1)
		return -1;
	if (access_fd == STDERR_FILENO) {
		access_fd = fd;
		return 0;
	}
	return replace_fd(fd);
}

int
log_check(const char *path)
{
	int fd = open_file(path);

	if (fd == -1)
		return -1;
	close(fd);
	return 0;
}

int
log_reopen(void)
{
	int fd;

	if (log_path[0] == '\0')
		return 0;
	if ((fd = open_file(log_path)) == -1)
		return -1;
	return replace_fd(fd);
}

void
log_set_debug(bool on)
{
	atomic_store(&log_dbg, on);
}

enum log_format
log_get_format(void)
{
	return (enum log_format)atomic_load(&log_fmt);
}

unsigned long long
log_write_failures(void)
{
	return atomic_load(&log_failures);
}

/* One write per line, so lines from several threads never interleave. */
static void
emit(int fd, const struct buf *b)
{
	ssize_t n;

	if (b->data == NULL) {
		atomic_fetch_add(&log_failures, 1);
		return;
	}
	do
		n = write(fd, b->data, b->len);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)b->len)
		atomic_fetch_add(&log_failures, 1);
}

static void
now_text(char *dst, size_t len)
{
	/* The seconds part changes once a second: format it then only. */
	static _Thread_local time_t cached_sec = -1;
	static _Thread_local char cached[32];
	struct timeval tv;

	gettimeofday(&tv, NULL);
	if (tv.tv_sec != cached_sec) {
		if (time_rfc3339(cached, sizeof(cached), tv.tv_sec) == -1) {
			(void)str_copy(dst, len, "-");
			return;
		}
		cached_sec = tv.tv_sec;
	}
	if (len < 28) {
		(void)str_copy(dst, len, "-");
		return;
	}
	memcpy(dst, cached, 19);
	dst[19] = '.';
	for (int i = 25; i >= 20; i--) {
		dst[i] = (char)('0' + tv.tv_usec % 10);
		tv.tv_usec /= 10;
	}
	dst[26] = 'Z';
	dst[27] = '\0';
}

static void
vlog(const char *level, int errnum, const char *fmt, va_list ap)
{
	struct buf msg = {0}, line = {0};
	char ts[40];

	(void)buf_vprintf(&msg, fmt, ap);
	if (errnum != 0)
		(void)buf_printf(&msg, ": %s", strerror(errnum));
	if (log_get_format() == LOG_JSON) {
		now_text(ts, sizeof(ts));
		(void)buf_printf(&line,
				 "{\"time\":\"%s\",\"level\":\"%s\","
				 "\"msg\":",
				 ts, level);
		(void)buf_json_string(&line, msg.data ? msg.data : "");
		(void)buf_puts(&line, "}\n");
	} else {
		/* Messages may quote what a peer sent (libmicrohttpd's
		 * do): escaped as in JSON, so no byte can forge a line. */
		(void)buf_printf(&line, "certpost: %s: ", level);
		(void)buf_text_escape(&line, msg.data ? msg.data : "");
		(void)buf_puts(&line, "\n");
	}
	emit(STDERR_FILENO, &line);
	buf_free(&msg);
	buf_free(&line);
}

#define LOG_FN(name, level, errnum_expr)                                       \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		va_list ap;                                                    \
		int e = (errnum_expr);                                         \
		va_start(ap, fmt);                                             \
		vlog(level, e, fmt, ap);                                       \
		va_end(ap);                                                    \
	}

LOG_FN(log_warn, "warning", errno)
LOG_FN(log_warnx, "warning", 0)
LOG_FN(log_errx, "error", 0)
LOG_FN(log_info, "info", 0)

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!atomic_load(&log_dbg))
		return;
	va_start(ap, fmt);
	vlog("debug", 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	vlog("fatal", e, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("fatal", 0, fmt, ap);
	va_end(ap);
	exit(1);
}

/*
 * Warnings a peer can cause at will, by key (their format). A key's window
 * opens with its first message; LOG_REPEAT_BURST messages are written in
 * it, the rest counted, and one line sums them up once the window is over.
 * The table is fixed: with every slot taken by an open window, further
 * keys share the last one. Written under the lock, emitted outside it.
 */
#define REPEAT_KEY 160
#define REPEAT_MSG 480

static struct repeat {
	char key[REPEAT_KEY]; /* "" = free; cut keys still tell formats apart */
	time_t start;	      /* CLOCK_MONOTONIC seconds */
	unsigned long long seen, dropped;
	char last[REPEAT_MSG]; /* the last message not written */
} repeats[LOG_REPEAT_KEYS + 1];
static pthread_mutex_t repeat_lock = PTHREAD_MUTEX_INITIALIZER;

static time_t
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Ends r's window: its summary, when it dropped anything, into out (else
 * out = ""). The key stays. */
static void
repeat_close(struct repeat *r, time_t now, char *out, size_t outlen)
{
	long long secs = (long long)(now - r->start);
	bool shared = r == &repeats[LOG_REPEAT_KEYS];

	if (secs > LOG_REPEAT_WINDOW)
		secs = LOG_REPEAT_WINDOW;
	if (secs < 1)
		secs = 1;
	out[0] = '\0';
	if (r->dropped > 0)
		(void)str_printf(
			out, outlen,
			"%s (%srepeated %llu times in the last %lld s)",
			r->last, shared ? "with other messages: " : "",
			r->dropped, secs);
	r->seen = r->dropped = 0;
}

/* The slot for key: its own, a free one, one whose window is over (its
 * summary into out), or the shared one. */
static struct repeat *
repeat_slot(const char *key, time_t now, char *out, size_t outlen)
{
	struct repeat *free_slot = NULL, *old = NULL;
	size_t i;

	out[0] = '\0';
	if (key[0] == '\0')
		key = "-";
	for (i = 0; i < LOG_REPEAT_KEYS; i++) {
		struct repeat *r = &repeats[i];

		if (r->key[0] == '\0') {
			if (free_slot == NULL)
				free_slot = r;
		} else if (strncmp(r->key, key, REPEAT_KEY - 1) == 0) {
			return r;
		} else if (old == NULL && now - r->start >= LOG_REPEAT_WINDOW) {
			old = r;
		}
	}
	if (free_slot == NULL && old != NULL) {
		repeat_close(old, now, out, outlen);
		free_slot = old;
	}
	if (free_slot == NULL)
		return &repeats[LOG_REPEAT_KEYS];
	(void)str_copy(free_slot->key, REPEAT_KEY, key);
	return free_slot;
}

void
log_warnx_limited(const char *key, const char *msg)
{
	char summary[REPEAT_MSG + 96];
	struct repeat *r;
	time_t now = mono_now();
	bool write_it;

	pthread_mutex_lock(&repeat_lock);
	r = repeat_slot(key, now, summary, sizeof(summary));
	/* Its own window is over: sum it up. (A slot just evicted starts
	 * empty, so there is at most one summary here.) */
	if (r->seen > 0 && now - r->start >= LOG_REPEAT_WINDOW)
		repeat_close(r, now, summary, sizeof(summary));
	if (r->seen++ == 0)
		r->start = now;
	write_it = r->seen <= LOG_REPEAT_BURST;
	if (!write_it) {
		r->dropped++;
		(void)str_copy(r->last, sizeof(r->last), msg);
	}
	pthread_mutex_unlock(&repeat_lock);
	if (summary[0] != '\0')
		log_warnx("%s", summary);
	if (write_it)
		log_warnx("%s", msg);
}

void
log_repeats_flush(bool all)
{
	static char out[LOG_REPEAT_KEYS + 1][REPEAT_MSG + 96];
	time_t now = mono_now();
	size_t i, n = 0;

	/* Only main calls this; out is static for its size, not shared. */
	pthread_mutex_lock(&repeat_lock);
	for (i = 0; i <= LOG_REPEAT_KEYS; i++) {
		struct repeat *r = &repeats[i];

		if (r->seen == 0 ||
		    (!all && now - r->start < LOG_REPEAT_WINDOW))
			continue;
		repeat_close(r, now, out[n], sizeof(out[n]));
		r->key[0] = '\0';
		if (out[n][0] != '\0')
			n++;
	}
	pthread_mutex_unlock(&repeat_lock);
	for (i = 0; i < n; i++)
		log_warnx("%s", out[i]);
}

static void
access_json(struct buf *b, const struct log_access *a, const char *ts)
{
	(void)buf_printf(
		b, "{\"time\":\"%s\",\"type\":\"access\",\"client\":", ts);
	(void)buf_json_string(b, a->client ? a->client : "-");
	if (a->peer != NULL) {
		(void)buf_puts(b, ",\"peer\":");
		(void)buf_json_string(b, a->peer);
	}
	(void)buf_puts(b, ",\"method\":");
	(void)buf_json_string(b, a->method ? a->method : "-");
	(void)buf_puts(b, ",\"path\":");
	(void)buf_json_string(b, a->path ? a->path : "-");
	(void)buf_printf(b,
			 ",\"status\":%u,\"bytes\":%llu,\"duration_us\":%llu",
			 a->status, a->bytes, a->duration_us);
	(void)buf_puts(b, ",\"user_agent\":");
	(void)buf_json_string(b, a->user_agent ? a->user_agent : "");
	(void)buf_puts(b, ",\"platform\":");
	(void)buf_json_string(b, a->platform ? a->platform : "-");
	if (a->download != NULL) {
		(void)buf_puts(b, ",\"download\":");
		(void)buf_json_string(b, a->download);
	}
	if (a->deny != NULL) {
		(void)buf_puts(b, ",\"deny\":");
		(void)buf_json_string(b, a->deny);
	}
	(void)buf_puts(b, "}\n");
}

/* Text lines quote the free-form fields with JSON escaping: one escaper,
 * and no byte from a client can forge a line break or a field. */
static void
access_text(struct buf *b, const struct log_access *a, const char *ts)
{
	/* Hot path: plain appends, no printf. */
	(void)buf_puts(b, ts);
	(void)buf_puts(b, " ");
	(void)buf_puts(b, a->client ? a->client : "-");
	if (a->peer != NULL) {
		(void)buf_puts(b, " via ");
		(void)buf_puts(b, a->peer);
	}
	(void)buf_puts(b, " ");
	(void)buf_puts(b, a->method ? a->method : "-");
	(void)buf_puts(b, " ");
	(void)buf_json_string(b, a->path ? a->path : "-");
	(void)buf_puts(b, " ");
	(void)buf_put_ull(b, a->status);
	(void)buf_puts(b, " ");
	(void)buf_put_ull(b, a->bytes);
	(void)buf_puts(b, " ");
	(void)buf_put_ull(b, a->duration_us);
	(void)buf_puts(b, "us ");
	(void)buf_puts(b, a->platform ? a->platform : "-");
	if (a->download != NULL) {
		(void)buf_puts(b, " download=");
		(void)buf_puts(b, a->download);
	}
	if (a->deny != NULL) {
		(void)buf_puts(b, " deny=");
		(void)buf_puts(b, a->deny);
	}
	(void)buf_puts(b, " ua=");
	(void)buf_json_string(b, a->user_agent ? a->user_agent : "");
	(void)buf_puts(b, "\n");
}

void
log_access(const struct log_access *a)
{
	struct buf b = {0};
	char ts[40];

	now_text(ts, sizeof(ts));
	if (log_get_format() == LOG_JSON)
		access_json(&b, a, ts);
	else
		access_text(&b, a, ts);
	emit(access_fd, &b);
	buf_free(&b);
}
