/* SPDX-License-Identifier: MIT */
/* certpost --check-trust: each check URL's chain judged by the served CAs
 * and Apple's rules for TLS server certificates. The one place certpost
 * connects anywhere, and only to the configured check URLs, on request. */
#include "pki/pki.h"

#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* Apple: TLS server certificates issued after 2019-07-01 must not be
 * valid for more than 825 days (support.apple.com/en-us/103769). */
#define APPLE_MAX_DAYS 825

/* Splits "https://host[:port][/path]" into host and port. */
static int
url_split(const char *url, char *host, size_t hostlen, char *port,
	  size_t portlen)
{
	const char *p, *end, *colon;
	size_t n;

	if (strncmp(url, "https://", 8) != 0)
		return -1;
	p = url + 8;
	end = p + strcspn(p, "/");
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));

		if (close == NULL)
			return -1;
		n = (size_t)(close - p - 1);
		if (n >= hostlen)
			return -1;
		memcpy(host, p + 1, n);
		host[n] = '\0';
		colon = close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		n = (size_t)((colon != NULL ? colon : end) - p);
		if (n == 0 || n >= hostlen)
			return -1;
		memcpy(host, p, n);
		host[n] = '\0';
	}
	if (colon == NULL)
		return str_copy(port, portlen, "443");
	n = (size_t)(end - colon - 1);
	if (n == 0 || n >= portlen)
		return -1;
	memcpy(port, colon + 1, n);
	port[n] = '\0';
	return 0;
}

/* A TCP connection with send and receive timeouts, or -1. */
static int
dial(const char *host, const char *port, long timeout_ms)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	int fd = -1;

	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd == -1)
			continue;
		/* On Linux a blocking connect() honours SO_SNDTIMEO. */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ==
			    -1 ||
		    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ==
			    -1 ||
		    connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

static void
problem(struct buf *p, const char *what)
{
	(void)buf_printf(p, "%s%s", p->len > 0 ? "; " : "", what);
}

/* Apple's rules for the leaf, each broken one appended to p. */
static void
judge_leaf(X509 *leaf, const char *host, struct buf *p)
{
	const EVP_PKEY *pk = X509_get0_pubkey(leaf);
	int nid = NID_undef, days = 0, secs = 0;
	GENERAL_NAMES *san;
	uint32_t xku;
	char line[160];

	san = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
	if (san == NULL)
		problem(p, "no subjectAltName (iOS ignores the Common Name)");
	else if (X509_check_host(leaf, host, 0, 0, NULL) != 1 &&
		 X509_check_ip_asc(leaf, host, 0) != 1) {
		(void)str_printf(line, sizeof(line),
				 "subjectAltName does not name %s", host);
		problem(p, line);
	}
	GENERAL_NAMES_free(san);
	xku = X509_get_extended_key_usage(leaf);
	if ((X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) == 0)
		problem(p, "no extendedKeyUsage (iOS needs serverAuth)");
	else if ((xku & XKU_SSL_SERVER) == 0)
		problem(p, "extendedKeyUsage lacks serverAuth");
	if (pk == NULL)
		problem(p, "no public key");
	else if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA &&
		 EVP_PKEY_get_bits(pk) < 2048) {
		(void)str_printf(line, sizeof(line),
				 "RSA key of %d bits (iOS needs 2048 or more)",
				 EVP_PKEY_get_bits(pk));
		problem(p, line);
	} else if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA &&
		   EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC) {
		problem(p, "key is neither RSA nor ECDSA");
	}
	if (X509_get_signature_info(leaf, &nid, NULL, NULL, NULL) == 1 &&
	    (nid == NID_sha1 || nid == NID_md5 || nid == NID_md5_sha1))
		problem(p, "signed with SHA-1 or MD5 (iOS needs SHA-2)");
	if (ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(leaf),
			   X509_get0_notAfter(leaf)) == 1 &&
	    (days > APPLE_MAX_DAYS || (days == APPLE_MAX_DAYS && secs > 0))) {
		(void)str_printf(line, sizeof(line),
				 "valid for %d days (iOS accepts at most %d)",
				 days, APPLE_MAX_DAYS);
		problem(p, line);
	}
}

/* Verifies the presented chain against the served roots only. */
static void
judge_chain(X509 *leaf, STACK_OF(X509) * chain, const struct cert *const *roots,
	    size_t nroots, struct buf *p)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	char line[200];

	if (store == NULL || ctx == NULL)
		goto out;
	for (size_t i = 0; i < nroots; i++)
		(void)X509_STORE_add_cert(store, roots[i]->x509);
	if (X509_STORE_CTX_init(ctx, store, leaf, chain) != 1)
		goto out;
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	if (X509_verify_cert(ctx) != 1) {
		(void)str_printf(line, sizeof(line),
				 "chain does not verify to a served CA: %s",
				 X509_verify_cert_error_string(
					 X509_STORE_CTX_get_error(ctx)));
		problem(p, line);
	}
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
}

int
trustcheck_url(const char *url, const struct cert *const *roots, size_t nroots,
	       long timeout_ms, struct buf *out)
{
	char host[256], port[8];
	struct buf p = {0};
	SSL_CTX *sctx = NULL;
	SSL *ssl = NULL;
	X509 *leaf = NULL;
	int fd = -1, ret = -1;

	if (url_split(url, host, sizeof(host), port, sizeof(port)) == -1) {
		(void)buf_printf(out, "FAIL %s: not an https:// URL\n", url);
		return -1;
	}
	if ((fd = dial(host, port, timeout_ms)) == -1) {
		(void)buf_printf(out, "FAIL %s: cannot connect to %s port %s\n",
				 url, host, port);
		return -1;
	}
	/* TLS 1.2 at least: App Transport Security's floor. The chain is
	 * judged after the handshake, by the served CAs alone. */
	if ((sctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(sctx, TLS1_2_VERSION) != 1 ||
	    (ssl = SSL_new(sctx)) == NULL || SSL_set_fd(ssl, fd) != 1 ||
	    SSL_set_tlsext_host_name(ssl, host) != 1)
		goto broken;
	if (SSL_connect(ssl) != 1) {
		/* Not a byte back: the server closed the connection before
		 * any TLS, which is what an allow-list that drops this host
		 * at accept looks like (certpost's deny = drop among them),
		 * not a TLS version problem. */
		if (BIO_number_read(SSL_get_rbio(ssl)) == 0)
			(void)buf_printf(
				out,
				"FAIL %s: the server closed the connection "
				"before any TLS byte (is this host outside its "
				"allow-list? certpost drops such clients at "
				"accept)\n",
				url);
		else
			(void)buf_printf(out,
					 "FAIL %s: no TLS 1.2 or 1.3 handshake "
					 "(iOS needs TLS 1.2 at least)\n",
					 url);
		ret = 1;
		goto out;
	}
	if ((leaf = SSL_get1_peer_certificate(ssl)) == NULL)
		goto broken;
	judge_leaf(leaf, host, &p);
	judge_chain(leaf, SSL_get_peer_cert_chain(ssl), roots, nroots, &p);
	if (p.len == 0) {
		(void)buf_printf(out, "ok   %s (%s)\n", url,
				 SSL_get_version(ssl));
		ret = 0;
	} else {
		(void)buf_printf(out, "FAIL %s: %s\n", url, p.data);
		ret = 1;
	}
	goto out;
broken:
	(void)buf_printf(out, "FAIL %s: TLS client error\n", url);
out:
	ERR_clear_error();
	X509_free(leaf);
	if (ssl != NULL)
		SSL_shutdown(ssl);
	SSL_free(ssl);
	SSL_CTX_free(sctx);
	close(fd);
	buf_free(&p);
	return ret;
}
