/* SPDX-License-Identifier: MIT */
/* Waiting on the running daemon: for a line in its log, for a number of
 * them, or for a body it serves. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"

/* Under a wrapper (valgrind) the daemon runs some ten times slower: a
 * reload that takes milliseconds can take seconds. Scaled here, once,
 * rather than in each test, as meson scales its timeouts. */
static long
scaled(long timeout_ms)
{
	return getenv("CERTPOST_WRAPPER") != NULL ? timeout_ms * 10
						  : timeout_ms;
}

int
harness_count_log(const struct harness *h, const char *needle)
{
	struct buf log = {0};
	size_t n;

	harness_log(h, &log);
	n = count_str(log.data, needle);
	buf_free(&log);
	return (int)n;
}

bool
harness_wait_count(const struct harness *h, const char *needle, int want,
		   long timeout_ms)
{
	struct timespec ts = {0, 10 * 1000 * 1000};

	timeout_ms = scaled(timeout_ms);
	for (long waited = 0;; waited += 10) {
		if (harness_count_log(h, needle) >= want)
			return true;
		if (waited >= timeout_ms)
			return false;
		nanosleep(&ts, NULL);
	}
}

bool
harness_wait_log(const struct harness *h, const char *needle, long timeout_ms)
{
	return harness_wait_count(h, needle, 1, timeout_ms);
}

bool
harness_wait_body(const struct harness *h, const char *path,
		  const struct buf *want, long timeout_ms)
{
	struct timespec ts = {0, 50 * 1000 * 1000};

	timeout_ms = scaled(timeout_ms);
	for (long waited = 0;; waited += 50) {
		struct hres r;
		bool same;

		harness_request(h, path, NULL, &r);
		same = r.status == 200 && r.body.len == want->len &&
		       (want->len == 0 ||
			memcmp(r.body.data, want->data, want->len) == 0);
		hres_free(&r);
		if (same)
			return true;
		if (waited >= timeout_ms)
			return false;
		nanosleep(&ts, NULL);
	}
}
