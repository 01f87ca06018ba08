/* SPDX-License-Identifier: MIT */
/* SIGHUP under load: 50 reloads alternating two CAs, no failed or mixed
 * response; broken reloads keep the old CA. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "check.h"
#include "harness.h"
#include "testca.h"

#define RELOADS 50
#define WORKERS 4
/* A bound, not the plan: the workers run until the last reload. At 5000
 * they could stop first, and every reload after that waited 5 s for the
 * 20 requests it wants (163 s once a reload rendered nine languages). */
#define MAX_PER_WORKER 200000

static struct harness h;
static unsigned char *der_a, *der_b;
static int len_a, len_b;
static atomic_bool running;
static atomic_int ok_a, ok_b, failed;

static const char conf_fmt[] =
	"[server]\nlisten = 127.0.0.1:0\nwatch = no\n"
	"[ca \"root\"]\nfile = %s\n"
	"[access]\nallow = 127.0.0.0/8\nadmin = 127.0.0.1\n"
	"[log]\nfile = daemon-access.log\n";

static void
write_conf(const char *ca_file)
{
	char conf[512];

	snprintf(conf, sizeof(conf), conf_fmt, ca_file);
	harness_write(&h, "certpost.conf", conf);
}

static int
setup(void **state)
{
	struct testca_opts oa = {.cn = "Reload Root A", .ca = true};
	struct testca_opts ob = {
		.cn = "Reload Root B", .ca = true, .rsa_bits = 2048};
	EVP_PKEY *ka, *kb;
	X509 *a, *b;

	(void)state;
	harness_init(&h);
	if (testca_make(&oa, &a, &ka) || testca_make(&ob, &b, &kb))
		return -1;
	testca_write_pem(harness_path(&h, "a.pem"), a);
	testca_write_pem(harness_path(&h, "b.pem"), b);
	len_a = testca_der(a, &der_a);
	len_b = testca_der(b, &der_b);
	X509_free(a);
	X509_free(b);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
	write_conf("a.pem");
	return harness_start_config(&h);
}

static int
teardown(void **state)
{
	int rc = harness_stop(&h);

	(void)state;
	OPENSSL_free(der_a);
	OPENSSL_free(der_b);
	harness_cleanup(&h);
	return rc == 0 ? 0 : -1;
}

static size_t
collect(char *d, size_t s, size_t n, void *u)
{
	return buf_append(u, d, s * n) == 0 ? s * n : 0;
}

/* Half the workers reuse one connection, half open one per request. */
static void *
worker(void *arg)
{
	bool fresh = (intptr_t)arg % 2 == 1;
	char url[128];
	CURL *c = curl_easy_init();
	int i;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ca.cer", h.port);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_FORBID_REUSE, fresh ? 1L : 0L);
	for (i = 0; i < MAX_PER_WORKER && atomic_load(&running); i++) {
		struct buf body = {0};
		long status = 0;

		curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
		if (curl_easy_perform(c) == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		/* Whole, and one CA or the other: never a mix or a cut. */
		if (status == 200 && body.len == (size_t)len_a &&
		    memcmp(body.data, der_a, body.len) == 0)
			atomic_fetch_add(&ok_a, 1);
		else if (status == 200 && body.len == (size_t)len_b &&
			 memcmp(body.data, der_b, body.len) == 0)
			atomic_fetch_add(&ok_b, 1);
		else
			atomic_fetch_add(&failed, 1);
		buf_free(&body);
	}
	curl_easy_cleanup(c);
	return NULL;
}

static int
done_requests(void)
{
	return atomic_load(&ok_a) + atomic_load(&ok_b) + atomic_load(&failed);
}

static void
wait_for_reloads(int want)
{
	struct timespec ts = {0, 5 * 1000 * 1000};
	int i, n = 0;

	for (i = 0; i < 1000 && n < want; i++) {
		struct buf log = {0};

		harness_log(&h, &log);
		n = (int)(count_str(log.data, "reloaded in ") +
			  count_str(log.data, "reload failed"));
		buf_free(&log);
		if (n < want)
			nanosleep(&ts, NULL);
	}
	assert_int_equal(n, want);
}

static void
test_reload_under_load(void **state)
{
	pthread_t t[WORKERS];
	struct timespec t0, t1;
	struct buf log = {0};
	int i, total;
	double secs;

	(void)state;
	atomic_store(&running, true);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < WORKERS; i++)
		pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
	for (i = 1; i <= RELOADS; i++) {
		int before = done_requests();

		write_conf(i % 2 ? "b.pem" : "a.pem");
		kill(h.pid, SIGHUP);
		/* One reload at a time, so each is a real swap. */
		wait_for_reloads(i);
		/* At least 20 requests between two reloads, however slow the
		 * daemon runs (valgrind), so 1000+ land among the swaps. */
		for (int w = 0; w < 500 && done_requests() - before < 20; w++)
			usleep(10 * 1000);
	}
	atomic_store(&running, false);
	for (i = 0; i < WORKERS; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	total = atomic_load(&ok_a) + atomic_load(&ok_b) + atomic_load(&failed);
	printf("# %d requests (%d root A, %d root B, %d failed) during %d "
	       "reloads in %.2f s\n",
	       total, atomic_load(&ok_a), atomic_load(&ok_b),
	       atomic_load(&failed), RELOADS, secs);
	harness_log(&h, &log);
	assert_int_equal(count_str(log.data, "reloaded in "), RELOADS);
	buf_free(&log);
	assert_int_equal(atomic_load(&failed), 0);
	assert_true(atomic_load(&ok_a) > 0);
	assert_true(atomic_load(&ok_b) > 0);
	assert_true(total >= 1000);
}

static void
assert_serves(const unsigned char *der, int len)
{
	struct hres r;

	harness_request(&h, "/ca.cer", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, (size_t)len);
	assert_memory_equal(r.body.data, der, (size_t)len);
	hres_free(&r);
}

static void
test_broken_reloads_keep_old(void **state)
{
	struct buf log = {0};
	struct hres r;

	(void)state;
	/* After 50 reloads the live CA is A (even count). */
	assert_serves(der_a, len_a);

	harness_write(&h, "certpost.conf", "[server]\nlisten = nonsense\n");
	kill(h.pid, SIGHUP);
	wait_for_reloads(RELOADS + 1);
	assert_serves(der_a, len_a);

	/* The CA file itself replaced by garbage. */
	write_conf("a.pem");
	harness_write(&h, "a.pem", "garbage\n");
	kill(h.pid, SIGHUP);
	wait_for_reloads(RELOADS + 2);
	assert_serves(der_a, len_a);

	harness_log(&h, &log);
	assert_non_null(strstr(log.data, "certpost.conf:2: [server] listen"));
	assert_non_null(strstr(log.data, "a.pem: no certificate found"));
	assert_int_equal(count_str(log.data, "still serving the previous"), 2);
	buf_free(&log);

	harness_request(&h, "/metrics", NULL, &r);
	if (strstr(r.body.data, "certpost_reloads_total{trigger=\"signal\","
				"result=\"ok\"} 50\n") == NULL)
		fail_msg("metrics:\n%s", r.body.data);
	assert_non_null(strstr(
		r.body.data,
		"certpost_reloads_total{trigger=\"signal\",result=\"failed\"} "
		"2\n"));
	hres_free(&r);
}

static void
test_listener_change_needs_restart(void **state)
{
	struct buf log = {0};

	(void)state;
	harness_write(&h, "certpost.conf",
		      "[server]\nlisten = 127.0.0.1:1\n[ca \"root\"]\n"
		      "file = b.pem\n[access]\nallow = 127.0.0.0/8\nadmin = "
		      "127.0.0.1\n"
		      "[log]\nfile = daemon-access.log\n");
	kill(h.pid, SIGHUP);
	wait_for_reloads(RELOADS + 3);
	harness_log(&h, &log);
	assert_non_null(strstr(log.data, "changes to listen need a restart"));
	buf_free(&log);
	/* The rest of the new configuration did apply. */
	assert_serves(der_b, len_b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reload_under_load),
		cmocka_unit_test(test_broken_reloads_keep_old),
		cmocka_unit_test(test_listener_change_needs_restart),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
