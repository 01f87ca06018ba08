/* SPDX-License-Identifier: MIT */
/* Faults: the static dir gone, file descriptors exhausted, thousands of
 * reloads; the daemon keeps serving and does not grow. */
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

#if defined(__SANITIZE_ADDRESS__)
/* ASan keeps freed memory in quarantine, so RSS says nothing there; its
 * leak check at exit does the job on a shorter loop. */
#define RELOADS 1000
#define CHECK_RSS 0
#else
#define RELOADS 10000
#define CHECK_RSS 1
#endif

static struct harness h;
static unsigned char *der;
static int der_len;

static int
setup(void **state)
{
	(void)state;
	harness_init(&h);
	der_len = testca_root_file("Fault Test Root",
				   harness_path(&h, "root.pem"), &der);
	if (der_len == -1)
		return -1;
	mkdir(harness_path(&h, "static"), 0755);
	harness_write(&h, "static/style.css", "body { color: #123456; }\n");
	harness_write(&h, "certpost.conf",
		      "[server]\nlisten = 127.0.0.1:0\nstatic_dir = static\n"
		      "max_connections_per_ip = 500\nmax_connections = 500\n"
		      "[ca \"root\"]\nfile = root.pem\n"
		      "[access]\nallow = 127.0.0.0/8\nadmin = 127.0.0.1\n"
		      "[log]\naccess_log = no\n"
		      /* Two languages run every per-language path; all
		       * nine would make each of the many reloads render 99
		       * pages (under valgrind, seconds each). */
		      "[page]\nlanguages = en de\n");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	OPENSSL_free(der);
	harness_cleanup(&h);
	return 0;
}

static void
assert_serving(void)
{
	struct hres r;

	harness_request(&h, "/ca.cer", NULL, &r);
	if (r.status != 200 || r.body.len != (size_t)der_len ||
	    memcmp(r.body.data, der, (size_t)der_len) != 0)
		fail_msg("status %ld, %zu bytes (curl %d)", r.status,
			 r.body.len, r.curl_code);
	hres_free(&r);
}

/* Reads the log from *offset on and counts needle there. */
static int
count_new(const char *needle, long *offset)
{
	char chunk[8192];
	struct buf log = {0};
	const char *p;
	FILE *f;
	size_t n;
	int count = 0;

	if ((f = fopen(h.log_path, "r")) == NULL)
		return 0;
	if (fseek(f, *offset, SEEK_SET) == 0)
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_append(&log, chunk, n);
	fclose(f);
	/* Count only whole lines; a partial one is read again next time. */
	if (log.data != NULL && (p = strrchr(log.data, '\n')) != NULL) {
		size_t whole = (size_t)(p - log.data) + 1;

		log.data[whole - 1] = '\0';
		for (p = log.data; (p = strstr(p, needle)) != NULL; p++)
			count++;
		*offset += (long)whole;
	}
	buf_free(&log);
	return count;
}

static void
test_static_dir_gone(void **state)
{
	long off = 0;
	struct hres r;
	int i, seen = 0;

	(void)state;
	assert_int_equal(harness_start_config(&h), 0);
	harness_request(&h, "/static/style.css", NULL, &r);
	assert_non_null(strstr(r.body.data, "#123456"));
	hres_free(&r);
	count_new("\n", &off);
	/* As root, chmod cannot make a directory unreadable; moving it away
	 * is the same fault for the daemon (EACCES or ENOENT on open). */
	if (geteuid() == 0)
		assert_int_equal(rename(harness_path(&h, "static"),
					harness_path(&h, "static.away")),
				 0);
	else
		assert_int_equal(chmod(harness_path(&h, "static"), 0), 0);
	kill(h.pid, SIGHUP);
	for (i = 0; i < 300 && seen == 0; i++) {
		usleep(10 * 1000);
		seen = count_new("reload failed", &off);
	}
	assert_int_equal(seen, 1);
	/* The old snapshot, custom CSS included, is still served. */
	harness_request(&h, "/static/style.css", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "#123456"));
	hres_free(&r);
	assert_serving();
	if (geteuid() == 0)
		rename(harness_path(&h, "static.away"),
		       harness_path(&h, "static"));
	else
		chmod(harness_path(&h, "static"), 0755);
	assert_int_equal(harness_stop(&h), 0);
}

/*
 * The CA file, then the configuration itself, replaced by a FIFO nobody
 * writes: each reload fails at once and says why, the old snapshot keeps
 * serving, and the daemon still answers SIGTERM.
 */
static void
test_fifo_for_a_file(void **state)
{
	const char *paths[] = {"root.pem", "certpost.conf"};
	bool wrapped = getenv("CERTPOST_WRAPPER") != NULL;
	long off = 0;

	(void)state;
	assert_int_equal(harness_start_config(&h), 0);
	count_new("\n", &off);
	for (size_t k = 0; k < ARRAY_LEN(paths); k++) {
		const char *p = harness_path(&h, paths[k]);
		char saved[PATH_MAX];
		int i, seen = 0;

		snprintf(saved, sizeof(saved), "%s.saved", p);
		assert_int_equal(rename(p, saved), 0);
		assert_int_equal(mkfifo(p, 0600), 0);
		kill(h.pid, SIGHUP);
		/* 3 s, 30 s under valgrind (as harness_wait_log()). */
		for (i = 0; i < (wrapped ? 3000 : 300) && seen == 0; i++) {
			usleep(10 * 1000);
			seen = count_new("not a regular file", &off);
		}
		if (seen != 1)
			fail_msg("%s as a FIFO: no reload error", paths[k]);
		assert_serving();
		unlink(p);
		assert_int_equal(rename(saved, p), 0);
	}
	assert_int_equal(harness_stop(&h), 0);
}

static int
connect_local(int port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(0x7f000001);
	if (fd != -1 &&
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The daemon runs with 64 descriptors; 150 idle clients use them up. */
static void
test_fd_exhaustion(void **state)
{
	int fds[150], i, ok = 0;
	struct hres r;

	(void)state;
	h.nofile = 64;
	assert_int_equal(harness_start_config(&h), 0);
	h.nofile = 0;
	/* Each sends a first byte: the listener defers accept until one
	 * arrives, and these must be accepted to take descriptors. */
	for (i = 0; i < 150; i++)
		if ((fds[i] = connect_local(h.port)) != -1)
			(void)write(fds[i], "G", 1);
	usleep(300 * 1000);
	/* Out of descriptors: a new client is refused or times out, but the
	 * daemon neither dies nor spins forever. */
	{
		struct hreq opt = {.timeout_ms = 1000};

		harness_request(&h, "/ca.cer", &opt, &r);
		printf("# with every descriptor taken: curl %d, status %ld\n",
		       r.curl_code, r.status);
		hres_free(&r);
	}
	assert_int_equal(kill(h.pid, 0), 0);
	for (i = 0; i < 150; i++)
		if (fds[i] != -1)
			close(fds[i]);
	/* Recovered once the clients left. */
	for (i = 0; i < 100 && !ok; i++) {
		harness_request(&h, "/ca.cer", NULL, &r);
		ok = r.status == 200 && r.body.len == (size_t)der_len;
		hres_free(&r);
		if (!ok)
			usleep(50 * 1000);
	}
	assert_true(ok);
	assert_int_equal(harness_stop(&h), 0);
}

static void
reload_and_wait(long *off)
{
	int n = 0, i;

	kill(h.pid, SIGHUP);
	for (i = 0; i < 50000 && n == 0; i++) {
		n = count_new("reloaded in ", off);
		if (n == 0)
			usleep(100);
	}
	assert_int_equal(n, 1);
}

static void
test_many_reloads(void **state)
{
	long off = 0, rss_warm = 0, rss_end;
	struct timespec t0, t1;
	/* Under valgrind a shorter loop: memcheck's leak report at exit is
	 * the check there. */
	bool wrapped = getenv("CERTPOST_WRAPPER") != NULL;
	int reloads = wrapped ? 200 : RELOADS, i;

	(void)state;
	assert_int_equal(harness_start_config(&h), 0);
	count_new("\n", &off);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 1; i <= reloads; i++) {
		reload_and_wait(&off);
		if (i == reloads / 10)
			rss_warm = harness_rss_kib(&h);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rss_end = harness_rss_kib(&h);
	printf("# %d reloads in %.1f s; RSS %ld KiB after %d, %ld KiB after "
	       "%d\n",
	       reloads,
	       (double)(t1.tv_sec - t0.tv_sec) +
		       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       rss_warm, reloads / 10, rss_end, reloads);
	assert_serving();
	if (CHECK_RSS && !wrapped)
		assert_true(rss_end - rss_warm < 1024);
	/* Exit 0 under ASan means no leak from all those snapshots. */
	assert_int_equal(harness_stop(&h), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static_dir_gone),
		cmocka_unit_test(test_fifo_for_a_file),
		cmocka_unit_test(test_fd_exhaustion),
		cmocka_unit_test(test_many_reloads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
