/* SPDX-License-Identifier: MIT */
/* The HTTPS listener's floor (Mozilla "intermediate"), checked with
 * openssl s_client, and which secrets stay in the daemon's memory. */
/* memmem() */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
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
/* What must not stay in the daemon's memory: the keys' DER (PKCS#8) and
 * a line from the middle of each PEM file. */
static unsigned char *tls_key_der, *sign_key_der;
static int tls_key_der_len, sign_key_der_len;
static char sign_key_line[65];

static int
key_der(EVP_PKEY *k, unsigned char **ret)
{
	*ret = NULL;
	return i2d_PrivateKey(k, ret);
}

/* The second base64 line of a PEM key file. */
static int
key_line(const char *path, char *out, size_t outlen)
{
	char line[128];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (++n == 3)
			break;
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	return n == 3 && strlen(line) == 64 &&
			       snprintf(out, outlen, "%s", line) == 64
		       ? 0
		       : -1;
}

static int
setup(void **state)
{
	struct testca_tls t;
	X509 *signer;
	EVP_PKEY *sk;

	(void)state;
	harness_init(&h);
	if (testca_tls_files(h.dir, "TLS Test Root", &t) == -1)
		return -1;
	if (testca_signer_files(h.dir, &t, &signer, &sk) == -1) {
		testca_tls_free(&t);
		return -1;
	}
	tls_key_der_len = key_der(t.leaf_key, &tls_key_der);
	sign_key_der_len = key_der(sk, &sign_key_der);
	testca_tls_free(&t);
	X509_free(signer);
	EVP_PKEY_free(sk);
	if (tls_key_der_len <= 0 || sign_key_der_len <= 0 ||
	    key_line(harness_path(&h, "sign.key"), sign_key_line,
		     sizeof(sign_key_line)) == -1)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	OPENSSL_free(tls_key_der);
	OPENSSL_free(sign_key_der);
	harness_cleanup(&h);
	return 0;
}

static void
start(const char *extra)
{
	char conf[1024];

	snprintf(conf, sizeof(conf),
		 "[server]\nlisten = 127.0.0.1:0\nhttps_listen = 127.0.0.1:0\n"
		 "tls_cert = tls.pem\ntls_key = tls.key\n%s"
		 "[ca \"root\"]\nfile = root.pem\n"
		 "[profile]\nsign_cert = sign.pem\nsign_key = sign.key\n"
		 "[access]\nallow = 127.0.0.0/8\n",
		 extra);
	assert_int_equal(harness_start_conf(&h, conf), 0);
	assert_true(h.https_port > 0);
}

/*
 * One handshake with openssl s_client and these options; true when it
 * completed with a cipher (and, when want is given, its output holds
 * want). SECLEVEL=0 lets the client offer what old clients offer, so a
 * refusal is the server's.
 */
static bool
handshake(const char *opts, const char *want)
{
	const char *out = harness_path(&h, "s_client.out");
	char cmd[512];
	struct buf b = {0};
	bool ok;
	int fd;

	snprintf(cmd, sizeof(cmd),
		 "openssl s_client -connect 127.0.0.1:%d -servername "
		 "localhost %s </dev/null >%s 2>&1",
		 h.https_port, opts, out);
	ok = harness_sh("%s", cmd) == 0;
	if ((fd = open(out, O_RDONLY)) != -1) {
		char chunk[4096];
		ssize_t n;

		while ((n = read(fd, chunk, sizeof(chunk))) > 0)
			(void)buf_append(&b, chunk, (size_t)n);
		close(fd);
	}
	if (b.data == NULL || strstr(b.data, "Cipher is (NONE)") != NULL ||
	    strstr(b.data, ", Cipher is ") == NULL)
		ok = false;
	if (ok && want != NULL && strstr(b.data, want) == NULL)
		ok = false;
	buf_free(&b);
	return ok;
}

#define OLD_CLIENT "-cipher 'ALL:@SECLEVEL=0'"

static void
test_floor(void **state)
{
	(void)state;
	if (harness_sh("command -v openssl >/dev/null") != 0) {
		skip();
		return;
	}
	start("");
	assert_true(handshake("-tls1_3", "New, TLSv1.3, Cipher is TLS_"));
	assert_true(handshake("-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256",
			      "Cipher is ECDHE-ECDSA-AES128-GCM-SHA256"));
	assert_true(handshake("-tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384",
			      NULL));
	assert_true(handshake("-tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305",
			      NULL));
	/* Old versions, CBC and SHA-1 MACs: refused. */
	assert_false(handshake("-tls1 " OLD_CLIENT, NULL));
	assert_false(handshake("-tls1_1 " OLD_CLIENT, NULL));
	assert_false(handshake("-tls1_2 -cipher "
			       "'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0'",
			       NULL));
	assert_false(
		handshake("-tls1_2 -cipher ECDHE-ECDSA-AES128-SHA256", NULL));
	assert_false(handshake("-tls1_2 -cipher "
			       "'ECDHE-ECDSA-AES256-SHA384:@SECLEVEL=0'",
			       NULL));
	/* X25519 is offered first and chosen when the client offers it.
	 * OpenSSL 3.0 prints "Server Temp Key", 3.5 "Peer Temp Key". */
	assert_true(
		handshake("-tls1_3 -groups X25519:P-256", " Temp Key: X25519"));
	assert_int_equal(harness_stop(&h), 0);
}

/* tls_priorities replaces the floor for sites that must; the same old
 * client then gets through (so the refusals above are the floor's). */
static void
test_override(void **state)
{
	(void)state;
	if (harness_sh("command -v openssl >/dev/null") != 0) {
		skip();
		return;
	}
	start("tls_priorities = NORMAL:+VERS-TLS1.0:+VERS-TLS1.1\n");
	assert_true(handshake("-tls1_2 -cipher "
			      "'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0'",
			      NULL));
	assert_true(handshake("-tls1 " OLD_CLIENT, NULL));
	assert_int_equal(harness_stop(&h), 0);
}

/*
 * Two connections with openssl s_client, the second offering the first's
 * session (its ticket); true when the second was resumed. delay_ms
 * passes between them. The request makes s_client wait for the reply, so
 * it has read the TLS 1.3 ticket that follows the handshake.
 */
static bool
resumed(const char *version, long delay_ms)
{
	const char *sess = harness_path(&h, "session.pem");
	const char *out = harness_path(&h, "resume.out");
	char cmd[1024];
	struct buf b = {0};
	bool first_new, reused;
	FILE *f;
	char chunk[4096];
	size_t n;

	unlink(sess);
	snprintf(cmd, sizeof(cmd),
		 "printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' | openssl "
		 "s_client -connect 127.0.0.1:%d %s -ign_eof -sess_out %s "
		 ">%s 2>&1",
		 h.https_port, version, sess, out);
	assert_int_equal(harness_sh("%s", cmd), 0);
	usleep((useconds_t)delay_ms * 1000);
	snprintf(cmd, sizeof(cmd),
		 "printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' | openssl "
		 "s_client -connect 127.0.0.1:%d %s -ign_eof -sess_in %s "
		 ">>%s 2>&1",
		 h.https_port, version, sess, out);
	/* Without a ticket there may be no session file to offer. */
	(void)harness_sh("%s", cmd);
	assert_non_null(f = fopen(out, "r"));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	buf_append(&b, "", 0);
	first_new = strstr(b.data, "\nNew, TLSv1.") != NULL;
	reused = strstr(b.data, "\nReused, TLSv1.") != NULL;
	buf_free(&b);
	assert_true(first_new);
	return reused;
}

/* Session tickets: on by default for TLS 1.3 and 1.2, off on request. */
static void
test_resumption(void **state)
{
	(void)state;
	if (harness_sh("command -v openssl >/dev/null") != 0) {
		skip();
		return;
	}
	start("");
	assert_true(resumed("-tls1_3", 0));
	assert_true(resumed("-tls1_2", 0));
	assert_int_equal(harness_stop(&h), 0);
	start("tls_session_tickets = no\n");
	assert_false(resumed("-tls1_3", 0));
	assert_false(resumed("-tls1_2", 0));
	assert_int_equal(harness_stop(&h), 0);
}

/* The name of the key that sealed a fresh TLS 1.2 ticket (its first 16
 * bytes, RFC 5077 4), as hex; "" without a ticket. */
static void
ticket_name(char *out, size_t outlen)
{
	const char *sess = harness_path(&h, "name.pem");
	char cmd[1024];
	FILE *p;

	out[0] = '\0';
	unlink(sess);
	snprintf(
		cmd, sizeof(cmd),
		"printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' | openssl s_client "
		"-connect 127.0.0.1:%d -tls1_2 -ign_eof -sess_out %s "
		">/dev/null 2>&1; openssl sess_id -in %s -text -noout "
		"2>/dev/null | sed -n '/TLS session ticket:/{n;p}' | "
		"sed 's/^ *[0-9a-f]* - //; s/   .*//' | tr -d ' -'",
		h.https_port, sess, sess);
	if ((p = popen(cmd, "r")) == NULL)
		return;
	if (fgets(out, (int)outlen, p) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	(void)pclose(p);
}

/*
 * The master key that seals tickets is replaced every
 * tls_session_lifetime (checked once a second), so the key name of fresh
 * tickets never stays longer than that; a key read from memory opens at
 * most the last two periods' tickets. A ticket resumes within its period;
 * one sealed under a replaced key costs a full handshake.
 */
static void
test_ticket_rotation(void **state)
{
	enum { LIFETIME = 2, SAMPLES = 14 };
	char names[SAMPLES][40];
	int changes = 0, run = 1, longest = 1;
	bool resumes = false;

	(void)state;
	if (harness_sh("command -v openssl >/dev/null") != 0) {
		skip();
		return;
	}
	start("tls_session_lifetime = 2\n");
	/* Resumes within a period (a rotation may fall between the two
	 * connections: a second try is in the next period's middle). */
	for (int i = 0; i < 3 && !resumes; i++)
		resumes = resumed("-tls1_2", 100);
	assert_true(resumes);
	/* A key name every half second for 7 s. */
	for (int i = 0; i < SAMPLES; i++) {
		ticket_name(names[i], sizeof(names[i]));
		if (strlen(names[i]) != 32)
			fail_msg("no ticket key name (%s)", names[i]);
		if (i > 0 && strcmp(names[i], names[i - 1]) != 0) {
			changes++;
			run = 1;
		} else if (i > 0 && ++run > longest) {
			longest = run;
		}
		usleep(500 * 1000);
	}
	print_message("# %d key changes in 7 s, longest run %d samples\n",
		      changes, longest);
	/* At most lifetime + the 1 s tick (+ a sample): 4 samples of 0.5 s
	 * plus the time each takes. */
	assert_true(changes >= 2);
	assert_true(longest <= 7);
	/* Two periods on, a ticket never resumes. */
	assert_false(resumed("-tls1_2", 2 * LIFETIME * 1000 + 1200));
	assert_int_equal(harness_stop(&h), 0);
}

/* Searches every readable mapping of pid for needle. -1: unreadable. */
static int
memory_has(pid_t pid, const void *needle, size_t len)
{
	char path[64], line[512];
	FILE *maps;
	int mem, found = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if ((maps = fopen(path, "r")) == NULL)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	if ((mem = open(path, O_RDONLY)) == -1) {
		fclose(maps);
		return -1;
	}
	while (!found && fgets(line, sizeof(line), maps) != NULL) {
		unsigned long lo, hi;
		char perms[8];
		unsigned char *buf;
		ssize_t n;

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 ||
		    perms[0] != 'r' || strstr(line, "[vvar]") != NULL ||
		    strstr(line, "[vsyscall]") != NULL || hi - lo > (1ul << 30))
			continue;
		if ((buf = malloc(hi - lo)) == NULL)
			continue;
		n = pread(mem, buf, hi - lo, (off_t)lo);
		if (n > 0 && memmem(buf, (size_t)n, needle, len) != NULL)
			found = 1;
		free(buf);
	}
	close(mem);
	fclose(maps);
	return found;
}

static void
assert_keys_gone(const char *when)
{
	static const char *const names[] = {"TLS key DER", "signing key DER",
					    "signing key PEM"};
	const void *needles[] = {tls_key_der, sign_key_der, sign_key_line};
	size_t lens[] = {(size_t)tls_key_der_len, (size_t)sign_key_der_len, 64};

	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		int r = memory_has(h.pid, needles[i], lens[i]);

		if (r == -1) {
			skip();
			return;
		}
		if (r == 1)
			fail_msg("%s: the %s is still in the daemon's memory",
				 when, names[i]);
	}
}

/*
 * The signing key is read, used and wiped while a snapshot is built.
 * certpost's copy of the TLS key is wiped once libmicrohttpd has handed
 * it to GnuTLS; GnuTLS itself keeps the key's PEM text (and its parsed
 * form) in its credentials for every handshake, so only the DER form is
 * asserted absent for that key.
 */
static void
test_keys_not_resident(void **state)
{
	struct hreq opt = {.https = true,
			   .cainfo = harness_path(&h, "root.pem")};
	struct hres r;

	(void)state;
	if (geteuid() != 0) {
		skip(); /* reading another process's memory needs root */
		return;
	}
	start("");
	harness_request(&h, "/ca.mobileconfig", &opt, &r);
	assert_int_equal(r.status, 200);
	hres_free(&r);
	assert_keys_gone("after start");
	kill(h.pid, SIGHUP);
	assert_true(harness_wait_log(&h, "reloaded in", 5000));
	assert_keys_gone("after a reload");
	/* The search itself finds what is there. */
	assert_int_equal(memory_has(h.pid, "Profile Signer", 14), 1);
	assert_int_equal(harness_stop(&h), 0);
}

/* Lines of the daemon's log holding needle; *ret_repeated (when not NULL)
 * gets the sum of the N in "(repeated N times" on those lines. */
static size_t
log_lines(const char *needle, unsigned long long *ret_repeated)
{
	struct buf log = {0};
	unsigned long long sum = 0;
	size_t n = 0;
	char *line, *save = NULL, *p;

	harness_log(&h, &log);
	for (line = log.data ? strtok_r(log.data, "\n", &save) : NULL;
	     line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, needle) == NULL)
			continue;
		n++;
		if ((p = strstr(line, "(repeated ")) != NULL)
			sum += strtoull(p + 10, NULL, 10);
	}
	buf_free(&log);
	if (ret_repeated != NULL)
		*ret_repeated = sum;
	return n;
}

#define FLOOD 2000

/*
 * Every failed handshake is a warning naming the peer and the reason: a
 * peer with a loop must not be able to fill the disk. The first few are
 * written, the rest counted and summed up in one line, which comes at the
 * latest when the daemon stops.
 */
static void
test_handshake_flood(void **state)
{
	/* A TLS handshake record with a ClientHello that is not one. */
	static const char garbage[] = "\x16\x03\x01\x00\x08\x01\x00\x00"
				      "\x04oops";
	struct hreq opt = {.https = true};
	unsigned long long repeated = 0;
	size_t before, during, shown;
	struct hres r;
	char out[256];
	int i;

	(void)state;
	opt.cainfo = harness_path(&h, "root.pem");
	start("");
	before = log_lines("TLS handshake with", NULL);
	for (i = 0; i < FLOOD; i++)
		if (harness_raw(h.https_port, garbage, sizeof(garbage) - 1, out,
				sizeof(out), 5000) < 0)
			fail_msg("connection %d refused", i);
	/* The bytes from the issue: an SSLv3/TLS 1.0 hello. */
	(void)handshake("-tls1 " OLD_CLIENT, NULL);
	during = log_lines("TLS handshake with", NULL) - before;
	print_message("# %zu lines for %d bad handshakes\n", during, FLOOD + 1);
	if (during > 20)
		fail_msg("%zu lines in the log for %d bad handshakes", during,
			 FLOOD + 1);
	/* Still serving, over both listeners. */
	harness_request(&h, "/healthz", &opt, &r);
	assert_int_equal(r.status, 200);
	hres_free(&r);
	harness_request(&h, "/ca.cer", NULL, &r);
	assert_int_equal(r.status, 200);
	hres_free(&r);
	assert_int_equal(harness_stop(&h), 0);
	/* Nothing dropped silently: what was not written is counted. */
	shown = log_lines("TLS handshake with", &repeated) - before;
	assert_true(log_lines("(repeated ", NULL) >= 1);
	print_message("# %zu lines, %llu repeats counted\n", shown, repeated);
	if (repeated + shown < FLOOD)
		fail_msg("%zu lines and %llu counted for %d handshakes", shown,
			 repeated, FLOOD);
	assert_true(shown <= 25);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_floor),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_resumption),
		cmocka_unit_test(test_ticket_rotation),
		cmocka_unit_test(test_keys_not_resident),
		cmocka_unit_test(test_handshake_flood),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
