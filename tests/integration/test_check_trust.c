/* SPDX-License-Identifier: MIT */
/* certpost --check-trust against openssl s_server on loopback: a server
 * an iPhone would trust passes, and each broken rule is named. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
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
static pid_t server;

static int
write_leaf(const char *name, struct testca_opts *o, X509 *root, EVP_PKEY *rk)
{
	char path[64];
	X509 *x;
	EVP_PKEY *k;

	o->issuer = root;
	o->issuer_key = rk;
	if (testca_make(o, &x, &k) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s.pem", name);
	testca_write_pem(harness_path(&h, path), x);
	snprintf(path, sizeof(path), "%s.key", name);
	testca_write_key(harness_path(&h, path), k);
	X509_free(x);
	EVP_PKEY_free(k);
	return 0;
}

static int
setup(void **state)
{
	struct testca_opts ro = {.cn = "Check Root", .ca = true};
	struct testca_opts good = {.cn = "localhost",
				   .dns_san = "localhost",
				   .ip_san = "127.0.0.1",
				   .server_auth = true};
	/* Everything iOS refuses at once: no SAN, no EKU, RSA-1024, SHA-1,
	 * 1000 days. */
	struct testca_opts bad = {.cn = "127.0.0.1",
				  .rsa_bits = 1024,
				  .sha1 = true,
				  .lifetime_s = 1000L * 86400};
	X509 *root;
	EVP_PKEY *rk;

	(void)state;
	harness_init(&h);
	if (testca_make(&ro, &root, &rk) == -1)
		return -1;
	testca_write_pem(harness_path(&h, "root.pem"), root);
	if (write_leaf("good", &good, root, rk) == -1 ||
	    write_leaf("bad", &bad, root, rk) == -1)
		return -1;
	X509_free(root);
	EVP_PKEY_free(rk);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	harness_cleanup(&h);
	return 0;
}

static int
free_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* Starts openssl s_server with the named leaf and extra options; returns
 * its port once it accepts connections. */
static int
start_server(const char *leaf, const char *extra)
{
	char cert[PATH_MAX], key[PATH_MAX], accept[32], cmd[2 * PATH_MAX + 200];
	int port = free_port();

	assert_int_equal(
		str_printf(cert, sizeof(cert), "%s/%s.pem", h.dir, leaf), 0);
	assert_int_equal(str_printf(key, sizeof(key), "%s/%s.key", h.dir, leaf),
			 0);
	snprintf(accept, sizeof(accept), "127.0.0.1:%d", port);
	(void)str_printf(
		cmd, sizeof(cmd),
		"exec openssl s_server -quiet -accept %s -cert '%s' -key '%s' "
		"%s </dev/null >/dev/null 2>&1",
		accept, cert, key, extra);
	if ((server = fork()) == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(99);
	}
	for (int i = 0; i < 100; i++) {
		struct sockaddr_in sin = {.sin_family = AF_INET};
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		sin.sin_port = htons((uint16_t)port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
			close(fd);
			return port;
		}
		close(fd);
		usleep(50 * 1000);
	}
	fail_msg("openssl s_server did not start");
	return -1;
}

static void
stop_server(void)
{
	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
		server = 0;
	}
}

/* Runs certpost --check-trust with one check_url; returns its status. */
static int
check(int port, struct buf *out)
{
	char conf[512];
	const char *args[] = {"--check-trust", "--config",
			      harness_path(&h, "certpost.conf"), NULL};

	snprintf(conf, sizeof(conf),
		 "[server]\nlisten = 127.0.0.1:0\n[ca \"root\"]\n"
		 "file = root.pem\n[access]\nallow = 127.0.0.0/8\n"
		 "[trust]\ncheck_url = https://127.0.0.1:%d/healthz\n",
		 port);
	harness_write(&h, "certpost.conf", conf);
	return harness_run(args, out);
}

static bool
available(void)
{
	return harness_sh("command -v openssl >/dev/null") == 0;
}

static void
test_good_server(void **state)
{
	struct buf out = {0};
	char want[128];
	int port;

	(void)state;
	if (!available()) {
		skip();
		return;
	}
	port = start_server("good", "");
	if (check(port, &out) != 0)
		fail_msg("good server refused:\n%s", out.data);
	snprintf(want, sizeof(want),
		 "ok   https://127.0.0.1:%d/healthz (TLSv1.", port);
	assert_non_null(strstr(out.data, want));
	buf_free(&out);
	stop_server();
}

static void
test_bad_server(void **state)
{
	static const char *const problems[] = {
		"no subjectAltName",	"no extendedKeyUsage",
		"RSA key of 1024 bits", "signed with SHA-1",
		"valid for 1000 days",
	};
	struct buf out = {0};
	int port;

	(void)state;
	if (!available()) {
		skip();
		return;
	}
	port = start_server("bad", "-cipher 'ALL:@SECLEVEL=0'");
	assert_int_equal(check(port, &out), 1);
	assert_non_null(strstr(out.data, "FAIL https://127.0.0.1:"));
	for (size_t i = 0; i < ARRAY_LEN(problems); i++)
		if (strstr(out.data, problems[i]) == NULL)
			fail_msg("'%s' not named:\n%s", problems[i], out.data);
	buf_free(&out);
	stop_server();
}

/* A server that stops at TLS 1.1, and one whose certificate is from
 * another CA. */
static void
test_old_tls_and_other_ca(void **state)
{
	struct testca_opts other = {.cn = "Other Root", .ca = true};
	X509 *x;
	EVP_PKEY *k;
	struct buf out = {0};
	int port;

	(void)state;
	if (!available()) {
		skip();
		return;
	}
	port = start_server("good", "-tls1_1 -cipher 'ALL:@SECLEVEL=0'");
	assert_int_equal(check(port, &out), 1);
	assert_non_null(strstr(out.data, "no TLS 1.2 or 1.3 handshake"));
	buf_free(&out);
	stop_server();
	/* The same server, but certpost serving a different root. */
	assert_int_equal(testca_make(&other, &x, &k), 0);
	testca_write_pem(harness_path(&h, "root.pem"), x);
	X509_free(x);
	EVP_PKEY_free(k);
	port = start_server("good", "");
	assert_int_equal(check(port, &out), 1);
	assert_non_null(
		strstr(out.data, "chain does not verify to a served CA"));
	buf_free(&out);
	stop_server();
	/* Nobody listening. */
	assert_int_equal(check(free_port(), &out), 1);
	assert_non_null(strstr(out.data, "cannot connect"));
	buf_free(&out);
}

/* A certpost whose allow-list leaves out the checking host drops it at
 * accept: the check says so, instead of blaming the TLS version. */
static struct harness dropping;

static void
test_dropped_by_allow_list(void **state)
{
	struct testca_tls t;
	struct buf out = {0};
	char conf[1024];

	(void)state;
	harness_init(&dropping);
	assert_int_equal(testca_tls_files(dropping.dir, "Drop Root", &t), 0);
	testca_tls_free(&t);
	snprintf(conf, sizeof(conf),
		 "[server]\nlisten = 127.0.0.1:0\nhttps_listen = 127.0.0.1:0\n"
		 "tls_cert = tls.pem\ntls_key = tls.key\n[ca \"root\"]\n"
		 "file = root.pem\n[access]\nallow = 127.0.0.9/32\n"
		 "deny = drop\n");
	assert_int_equal(harness_start_conf(&dropping, conf), 0);
	assert_int_equal(check(dropping.https_port, &out), 1);
	if (strstr(out.data, "closed the connection before any TLS byte (is "
			     "this host outside its allow-list?") == NULL ||
	    strstr(out.data, "no TLS 1.2 or 1.3 handshake") != NULL)
		fail_msg("got: %s", out.data);
	buf_free(&out);
}

static int
teardown_dropping(void **state)
{
	(void)state;
	return harness_finish(&dropping) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_server),
		cmocka_unit_test(test_bad_server),
		cmocka_unit_test(test_old_tls_and_other_ca),
		cmocka_unit_test_teardown(test_dropped_by_allow_list,
					  teardown_dropping),
	};
	int rc = cmocka_run_group_tests(tests, setup, teardown);

	stop_server();
	return rc;
}
