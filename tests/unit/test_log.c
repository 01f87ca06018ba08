/* SPDX-License-Identifier: MIT */
/* Unit tests for log: repeated warnings written up to a burst, then counted
 * and summed up, by format, in fixed memory, from several threads. */
#include "check.h"
#include "ops/ops.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

static char path[] = "/tmp/certpost-test-log.XXXXXX";
static int saved_stderr = -1;

/* Daemon messages go to stderr: into a file for the test. */
static int
setup(void **state)
{
	int fd = mkstemp(path);

	(void)state;
	if (fd == -1)
		return -1;
	close(fd);
	/* O_APPEND: take_output() truncates it between checks. */
	if ((fd = open(path, O_WRONLY | O_APPEND)) == -1 ||
	    (saved_stderr = dup(STDERR_FILENO)) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1)
		return -1;
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	unlink(path);
	return 0;
}

/* What was written since the last call (caller frees). */
static char *
take_output(void)
{
	FILE *f = fopen(path, "r");
	char *out = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(f);
	assert_non_null(out);
	n = fread(out, 1, (1 << 20) - 1, f);
	out[n] = '\0';
	fclose(f);
	assert_int_equal(truncate(path, 0), 0);
	return out;
}

/* Messages differing only in their arguments are one kind. */
static void
test_burst_then_count(void **state)
{
	char msg[64], *out;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		snprintf(msg, sizeof(msg), "libmicrohttpd: peer %d failed", i);
		log_warnx_limited("peer %d failed", msg);
	}
	log_warnx_limited("other", "libmicrohttpd: once");
	out = take_output();
	assert_int_equal(count_str(out, "\n"), LOG_REPEAT_BURST + 1);
	assert_non_null(strstr(out, "peer 0 failed\n"));
	assert_null(strstr(out, "peer 999"));
	free(out);
	log_repeats_flush(false); /* the window is not over */
	out = take_output();
	assert_string_equal(out, "");
	free(out);
	log_repeats_flush(true);
	out = take_output();
	/* The last message dropped, and how many were. */
	assert_non_null(strstr(out, "certpost: warning: libmicrohttpd: peer "
				    "999 failed (repeated 995 times in the "
				    "last 1 s)\n"));
	assert_int_equal(count_str(out, "\n"), 1);
	free(out);
	/* Counting starts again. */
	log_warnx_limited("peer %d failed", "libmicrohttpd: again");
	out = take_output();
	assert_string_equal(out, "certpost: warning: libmicrohttpd: again\n");
	free(out);
	log_repeats_flush(true);
}

/* More kinds than slots: the rest share one count, and memory stays
 * fixed. */
static void
test_many_kinds(void **state)
{
	char key[32], *out;
	unsigned long long sum = 0;
	const char *p;
	int i, j;

	(void)state;
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "kind %d", i);
		for (j = 0; j < 10; j++)
			log_warnx_limited(key, key);
	}
	log_repeats_flush(true);
	out = take_output();
	for (p = out; (p = strstr(p, "(")) != NULL; p++) {
		const char *r = strstr(p, "repeated ");

		if (r != NULL && r - p < 40)
			sum += strtoull(r + 9, NULL, 10);
	}
	assert_non_null(strstr(out, "(with other messages: repeated "));
	/* Written plus counted is everything. */
	assert_int_equal(count_str(out, "\n") - count_str(out, "(repeated ") -
				 count_str(out, "(with other") + sum,
			 1000);
	assert_true(count_str(out, "\n") <=
		    (LOG_REPEAT_KEYS + 1) * (LOG_REPEAT_BURST + 1));
	free(out);
}

static void *
hammer(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 5000; i++)
		log_warnx_limited("Error: %s", "libmicrohttpd: handshake");
	return NULL;
}

/* libmicrohttpd calls its logger from its own threads. */
static void
test_threads(void **state)
{
	pthread_t t[4];
	char *out, *p;
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, NULL), 0);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	log_repeats_flush(true);
	out = take_output();
	assert_int_equal(count_str(out, "\n"), LOG_REPEAT_BURST + 1);
	p = strstr(out, "(repeated ");
	assert_non_null(p);
	assert_int_equal(strtoull(p + 10, NULL, 10),
			 4 * 5000 - LOG_REPEAT_BURST);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_count),
		cmocka_unit_test(test_many_kinds),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
