/* SPDX-License-Identifier: MIT */
/* Files followed without a signal: a republished CRL served within
 * seconds, bad, missing and half-written files keep the last good
 * snapshot, a burst of changes is one or two reloads, and writes to other
 * files in the same directories do not wake the daemon. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "harness.h"
#include "testca.h"

static struct harness h;
static X509 *root, *impostor;
static EVP_PKEY *root_key, *impostor_key;
static long crl_number = 1;

#define CONF                                                                   \
	"[server]\nlisten = 127.0.0.1:0\n"                                     \
	"[access]\nallow = 127.0.0.0/8\nadmin = 127.0.0.1\n"                   \
	"[ca \"root\"]\nfile = root.pem\ncrl = crl/root.crl\n"

/* Written aside and renamed in, as publishing scripts do; returns the DER
 * in want. */
static void
publish(X509 *issuer, EVP_PKEY *key, const char *name, struct buf *want)
{
	struct testca_crl o = {.issuer = issuer,
			       .issuer_key = key,
			       .this_offset_s = -60,
			       .number = crl_number++,
			       .der = true};
	char tmp[PATH_MAX], err[256];

	snprintf(tmp, sizeof(tmp), "%s.tmp", harness_path(&h, name));
	assert_int_equal(testca_write_crl(tmp, &o), 0);
	if (want != NULL) {
		buf_free(want);
		assert_int_equal(
			file_read(tmp, 1 << 20, want, err, sizeof(err)), 0);
	}
	assert_int_equal(rename(tmp, harness_path(&h, name)), 0);
}

static bool
serves(const struct buf *want)
{
	return harness_wait_body(&h, "/root.crl", want, 0);
}

/* Waits for the want-th needle, and requires no more. */
static void
wait_count(const char *needle, int want)
{
	assert_true(harness_wait_count(&h, needle, want, 10000));
	assert_int_equal(harness_count_log(&h, needle), want);
}

static struct buf good;

static int
setup(void **state)
{
	struct testca_opts ro = {.cn = "Watch Root", .ca = true};

	(void)state;
	harness_init(&h);
	if (testca_make(&ro, &root, &root_key) ||
	    testca_make(&ro, &impostor, &impostor_key))
		return -1;
	testca_write_pem(harness_path(&h, "root.pem"), root);
	if (mkdir(harness_path(&h, "crl"), 0700) == -1)
		return -1;
	publish(root, root_key, "crl/root.crl", &good);
	harness_write(&h, "certpost.conf", CONF);
	return harness_start_config(&h);
}

static int
teardown(void **state)
{
	int rc = harness_stop(&h);

	(void)state;
	buf_free(&good);
	X509_free(root);
	X509_free(impostor);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(impostor_key);
	harness_cleanup(&h);
	return rc == 0 ? 0 : -1;
}

static void
test_republished_crl(void **state)
{
	(void)state;
	assert_true(serves(&good));
	publish(root, root_key, "crl/root.crl", &good);
	assert_true(harness_wait_body(&h, "/root.crl", &good, 5000));
	wait_count("reloaded in ", 1);
	assert_true(harness_wait_log(&h, "root.crl changed: reloading", 10));
}

/* Each bad state of the file is refused alone, logged, and the last good
 * CRL keeps serving while the rest of each reload goes ahead; the good
 * file brings it back. */
#define KEPT "still serving the last good CRL"
static void
test_bad_files_keep_last_good(void **state)
{
	char dir[PATH_MAX];
	int failed = harness_count_log(&h, KEPT);

	(void)state;
	publish(impostor, impostor_key, "crl/root.crl", NULL);
	wait_count(KEPT, ++failed);
	assert_true(serves(&good));

	/* Half-written: the first bytes of a new CRL. */
	testca_write_file(harness_path(&h, "crl/root.crl"), good.data, 40,
			  false);
	wait_count(KEPT, ++failed);
	assert_true(serves(&good));

	assert_int_equal(unlink(harness_path(&h, "crl/root.crl")), 0);
	wait_count(KEPT, ++failed);
	assert_true(serves(&good));

	snprintf(dir, sizeof(dir), "%s", harness_path(&h, "crl/root.crl"));
	assert_int_equal(mkdir(dir, 0700), 0);
	wait_count(KEPT, ++failed);
	assert_true(serves(&good));
	assert_int_equal(rmdir(dir), 0);

	publish(root, root_key, "crl/root.crl", &good);
	assert_true(harness_wait_body(&h, "/root.crl", &good, 5000));
}

/* 100 changes within a second: debounced into a reload or two, and the
 * last CRL is the one served. */
static void
test_burst(void **state)
{
	struct timespec ts = {0, 8 * 1000 * 1000};
	int before;

	(void)state;
	/* Let the previous test's reloads settle. */
	sleep(1);
	before = harness_count_log(&h, "reloaded in ") +
		 harness_count_log(&h, "reload failed");
	for (int i = 0; i < 100; i++) {
		publish(root, root_key, "crl/root.crl", &good);
		nanosleep(&ts, NULL);
	}
	assert_true(harness_wait_body(&h, "/root.crl", &good, 8000));
	sleep(1);
	int n = harness_count_log(&h, "reloaded in ") +
		harness_count_log(&h, "reload failed") - before;
	printf("# 100 changes in about a second: %d reloads\n", n);
	assert_true(n >= 1 && n <= 3);
}

static void
test_metrics(void **state)
{
	struct hres r;

	(void)state;
	harness_request(&h, "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data,
			       "certpost_reloads_total{trigger=\"signal\","
			       "result=\"ok\"} 0\n"));
	/* Each bad CRL was refused alone: the reloads went ahead, and the
	 * four refusals at least (the directory's removal may add one) are
	 * counted by file. */
	assert_non_null(strstr(r.body.data,
			       "certpost_reloads_total{trigger="
			       "\"watch\",result=\"failed\"} 0\n"));
	assert_non_null(strstr(r.body.data,
			       "certpost_published_rejected_total{ca=\"root\","
			       "file=\"crl\",reason=\"invalid\"} "));
	assert_null(strstr(r.body.data,
			   "certpost_published_rejected_total{ca=\"root\","
			   "file=\"crl\",reason=\"invalid\"} 1\n"));
	assert_non_null(strstr(r.body.data,
			       "certpost_crl_next_update_timestamp_seconds{"
			       "ca=\"root\",crl=\"full\"} "));
	assert_non_null(strstr(r.body.data, "certpost_crl_number{ca=\"root\","
					    "crl=\"full\"} "));
	hres_free(&r);
}

/*
 * A CRL made as a CA admin makes it, with openssl ca -gencrl (PEM, written
 * aside and renamed in), is served, as DER, within seconds and without a
 * signal.
 */
static void
test_openssl_ca_gencrl(void **state)
{
	const char *dir = h.dir;
	struct buf want = {0};
	char err[256];

	(void)state;
	if (harness_sh("command -v openssl >/dev/null") != 0) {
		skip();
		return;
	}
	testca_write_key(harness_path(&h, "root.key"), root_key);
	harness_write(&h, "index.txt", "");
	harness_write(&h, "crlnumber", "1000\n");
	harness_write(&h, "ca.cnf",
		      "[ca]\ndefault_ca = CA_default\n[CA_default]\n"
		      "database = index.txt\ncrlnumber = crlnumber\n"
		      "default_md = sha256\ndefault_crl_days = 7\n");
	assert_int_equal(
		harness_sh("cd '%s' && openssl ca -config ca.cnf -gencrl "
			   "-keyfile root.key -cert root.pem -out "
			   "crl/root.crl.tmp 2>/dev/null && openssl crl -in "
			   "crl/root.crl.tmp -outform DER -out gencrl.der && "
			   "mv crl/root.crl.tmp crl/root.crl",
			   dir),
		0);
	assert_int_equal(file_read(harness_path(&h, "gencrl.der"), 1 << 20,
				   &want, err, sizeof(err)),
			 0);
	assert_true(harness_wait_body(&h, "/root.crl", &want, 5000));
	buf_free(&want);
}

/* The main thread's voluntary context switches: each wake-up of its
 * poll() is one. */
static long
main_thread_wakeups(void)
{
	char path[64], line[256];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)h.pid,
		 (int)h.pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

/*
 * A log file beside the CA, written a line at a time and never closed (as
 * an access log is), is not a change: 2,000 writes wake the main thread
 * no more than idling does and reload nothing. Watching IN_MODIFY woke it
 * once per write.
 */
static void
test_neighbour_writes(void **state)
{
	struct timespec gap = {0, 100 * 1000};
	int reloads = harness_count_log(&h, "changed: reloading");
	long before, after;
	int fd;

	(void)state;
	fd = open(harness_path(&h, "access.log"),
		  O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	assert_true(fd != -1);
	/* The creation is an event of its own: let it pass. */
	sleep(1);
	before = main_thread_wakeups();
	assert_true(before >= 0);
	for (int i = 0; i < 2000; i++) {
		assert_int_equal(write(fd, "GET /ca.cer 200\n", 16), 16);
		nanosleep(&gap, NULL);
	}
	after = main_thread_wakeups();
	close(fd);
	printf("# 2000 writes beside the CA: %ld wake-ups of the main "
	       "thread\n",
	       after - before);
	/* The poll() wakes once a second on its own; the writes take about
	 * 0.3 s. */
	assert_true(after - before < 20);
	assert_int_equal(harness_count_log(&h, "changed: reloading"), reloads);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_republished_crl),
		cmocka_unit_test(test_bad_files_keep_last_good),
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_openssl_ca_gencrl),
		cmocka_unit_test(test_neighbour_writes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
