/* SPDX-License-Identifier: MIT */
/* A TLS certificate renewed on disk is presented on the next handshake:
 * no signal, no restart, no failed request under HTTPS load. */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
static int der_len;

/* A root, a leaf for 127.0.0.1 and a renewed leaf for the same names. */
static int
setup(void **state)
{
	struct testca_opts ro = {.cn = "Renew Root", .ca = true};
	struct testca_opts lo = {.cn = "localhost",
				 .dns_san = "localhost",
				 .ip_san = "127.0.0.1",
				 .server_auth = true};
	X509 *root, *leaf;
	EVP_PKEY *rk, *lk;
	unsigned char *der = NULL;

	(void)state;
	harness_init(&h);
	if (testca_make(&ro, &root, &rk) == -1)
		return -1;
	lo.issuer = root;
	lo.issuer_key = rk;
	testca_write_pem(harness_path(&h, "root.pem"), root);
	der_len = testca_der(root, &der);
	OPENSSL_free(der);
	for (int i = 0; i < 2; i++) {
		if (testca_make(&lo, &leaf, &lk) == -1)
			return -1;
		testca_write_pem(
			harness_path(&h, i ? "tls-renewed.pem" : "tls.pem"),
			leaf);
		testca_write_key(
			harness_path(&h, i ? "tls-renewed.key" : "tls.key"),
			lk);
		X509_free(leaf);
		EVP_PKEY_free(lk);
	}
	chmod(harness_path(&h, "tls.key"), 0600);
	X509_free(root);
	EVP_PKEY_free(rk);
	return der_len > 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	harness_cleanup(&h);
	return 0;
}

static void
start(const char *extra)
{
	char conf[1024];

	snprintf(conf, sizeof(conf),
		 "[server]\nlisten = 127.0.0.1:0\n%s\n[ca \"root\"]\n"
		 "file = root.pem\n[access]\nallow = 127.0.0.0/8\n",
		 extra);
	assert_int_equal(harness_start_conf(&h, conf), 0);
}

static void
stop(void)
{
	assert_int_equal(harness_stop(&h), 0);
}

/* HTTPS requests in a loop until stop is set, counting the failures. */
struct tls_load {
	atomic_bool stop;
	atomic_int ok, failed;
	char cainfo[PATH_MAX];
};

static void *
tls_load_run(void *arg)
{
	struct tls_load *t = arg;
	struct hreq opt = {.https = true, .cainfo = t->cainfo};

	while (!atomic_load(&t->stop)) {
		struct hres r;

		harness_request(&h, "/ca.cer", &opt, &r);
		if (r.status == 200 && r.body.len == (size_t)der_len)
			atomic_fetch_add(&t->ok, 1);
		else
			atomic_fetch_add(&t->failed, 1);
		hres_free(&r);
	}
	return NULL;
}

/* True when the HTTPS listener presents the certificate in pem_file. */
static bool
presents(const char *pem_file)
{
	return harness_sh("a=$(openssl s_client -connect 127.0.0.1:%d "
			  "-servername localhost </dev/null 2>/dev/null | "
			  "openssl x509 -noout -fingerprint -sha256) && "
			  "b=$(openssl x509 -in '%s' -noout -fingerprint "
			  "-sha256) && [ -n \"$a\" ] && [ \"$a\" = \"$b\" ]",
			  h.https_port, pem_file) == 0;
}

/*
 * A certificate renewed on disk (as certbot or an admin would) is
 * presented on the next handshake: no signal (the files are watched), no
 * restart, and no failed request while it happens under load.
 */
static void
test_reload_tls_renewed(void **state)
{
	struct tls_load load = {0};
	pthread_t th[2];
	char *pem, *key;
	long n;
	FILE *f;
	int i;

	(void)state;
	if (harness_sh("command -v openssl >/dev/null") != 0) {
		skip();
		return;
	}
	start("https_listen = 127.0.0.1:0\ntls_cert = tls.pem\n"
	      "tls_key = tls.key\n");
	assert_true(presents(harness_path(&h, "tls.pem")));
	assert_false(presents(harness_path(&h, "tls-renewed.pem")));
	snprintf(load.cainfo, sizeof(load.cainfo), "%s",
		 harness_path(&h, "root.pem"));
	for (i = 0; i < 2; i++)
		assert_int_equal(
			pthread_create(&th[i], NULL, tls_load_run, &load), 0);
	usleep(200 * 1000);
	/* Key first, then the certificate: in between the pair does not
	 * match, that reload is refused and the running pair stays. */
	f = fopen(harness_path(&h, "tls-renewed.key"), "r");
	key = calloc(1, 65536);
	n = (long)fread(key, 1, 65535, f);
	fclose(f);
	assert_true(n > 0);
	f = fopen(harness_path(&h, "tls-renewed.pem"), "r");
	pem = calloc(1, 65536);
	n = (long)fread(pem, 1, 65535, f);
	fclose(f);
	assert_true(n > 0);
	harness_write(&h, "tls.key.new", key);
	chmod(harness_path(&h, "tls.key.new"), 0600);
	assert_int_equal(rename(harness_path(&h, "tls.key.new"),
				harness_path(&h, "tls.key")),
			 0);
	harness_write(&h, "tls.pem.new", pem);
	assert_int_equal(rename(harness_path(&h, "tls.pem.new"),
				harness_path(&h, "tls.pem")),
			 0);
	free(pem);
	free(key);
	for (i = 0; i < 100 && !presents(harness_path(&h, "tls-renewed.pem"));
	     i++)
		usleep(100 * 1000);
	assert_true(presents(harness_path(&h, "tls-renewed.pem")));
	assert_true(harness_wait_log(&h, "TLS certificate", 3000));
	usleep(200 * 1000);
	atomic_store(&load.stop, true);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	printf("# %d HTTPS requests during the renewal, %d failed\n",
	       atomic_load(&load.ok), atomic_load(&load.failed));
	assert_int_equal(atomic_load(&load.failed), 0);
	assert_true(atomic_load(&load.ok) > 0);
	{
		struct buf log = {0};

		harness_log(&h, &log);
		assert_null(strstr(log.data, "need a restart"));
		buf_free(&log);
	}
	stop();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reload_tls_renewed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
