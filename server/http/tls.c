/* SPDX-License-Identifier: MIT */
/* The TLS policy of the HTTPS listener (libmicrohttpd's TLS is GnuTLS). */
#include "tls_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "ops/ops.h"
#include "util.h"

const char *
tls_priorities(const char *configured)
{
	return configured != NULL && configured[0] != '\0'
		       ? configured
		       : TLS_PRIORITIES_DEFAULT;
}

static pthread_once_t dh_once = PTHREAD_ONCE_INIT;
static char *dh_pem;

static void
make_dh(void)
{
	gnutls_dh_params_t p = NULL;
	gnutls_datum_t out = {NULL, 0};

	if (gnutls_dh_params_init(&p) == GNUTLS_E_SUCCESS &&
	    gnutls_dh_params_import_raw(p, &gnutls_ffdhe_2048_group_prime,
					&gnutls_ffdhe_2048_group_generator) ==
		    GNUTLS_E_SUCCESS &&
	    gnutls_dh_params_export2_pkcs3(p, GNUTLS_X509_FMT_PEM, &out) ==
		    GNUTLS_E_SUCCESS &&
	    (dh_pem = malloc(out.size + 1)) != NULL) {
		memcpy(dh_pem, out.data, out.size);
		dh_pem[out.size] = '\0';
	}
	gnutls_free(out.data);
	if (p != NULL)
		gnutls_dh_params_deinit(p);
}

const char *
tls_dh_params(void)
{
	(void)pthread_once(&dh_once, make_dh);
	return dh_pem;
}

/* A chain of at most this many certificates (leaf, intermediates). */
#define TLS_MAX_CHAIN 8
/* Pairs replaced but maybe still in a handshake; more are freed early. */
#define TLS_MAX_RETIRED 16

struct tls_creds {
	gnutls_pcert_st pcert[TLS_MAX_CHAIN];
	unsigned npcert;
	gnutls_privkey_t key;
	time_t retired; /* when replaced */
};

static _Atomic(struct tls_creds *) current;
static struct tls_creds *retired[TLS_MAX_RETIRED];
static size_t nretired;

static void
creds_free(struct tls_creds *c)
{
	if (c == NULL)
		return;
	for (unsigned i = 0; i < c->npcert; i++)
		gnutls_pcert_deinit(&c->pcert[i]);
	gnutls_privkey_deinit(c->key);
	free(c);
}

/*
 * gnutls_certificate_retrieve_function2: the current pair, as pointers
 * GnuTLS borrows for this handshake (it frees nothing it gets here).
 */
static int
certificate_callback(gnutls_session_t session, const gnutls_datum_t *req_ca,
		     int nreq, const gnutls_pk_algorithm_t *pk_algos,
		     int npk_algos, gnutls_pcert_st **pcert,
		     unsigned int *pcert_length, gnutls_privkey_t *privkey)
{
	struct tls_creds *c = atomic_load(&current);

	(void)session;
	(void)req_ca;
	(void)nreq;
	(void)pk_algos;
	(void)npk_algos;
	if (c == NULL)
		return -1;
	*pcert = c->pcert;
	*pcert_length = c->npcert;
	*privkey = c->key;
	return 0;
}

void *
tls_certificate_callback(void)
{
	gnutls_certificate_retrieve_function2 *fn = certificate_callback;
	void *p;

	/* A function's address as the object pointer the option list
	 * holds (POSIX guarantees the round trip). */
	memcpy(&p, &fn, sizeof(p));
	return p;
}

/* Frees pairs replaced long enough ago that no handshake can still be
 * using them (a connection idle for the whole timeout is closed). */
static void
retire(struct tls_creds *old, time_t now)
{
	size_t i, keep = 0;

	for (i = 0; i < nretired; i++) {
		if (now - retired[i]->retired >= TLS_RETIRE_S ||
		    (old != NULL && nretired == TLS_MAX_RETIRED && i == 0))
			creds_free(retired[i]);
		else
			retired[keep++] = retired[i];
	}
	nretired = keep;
	if (old != NULL) {
		old->retired = now;
		retired[nretired++] = old;
	}
}

int
tls_credentials_set(const char *cert_pem, const char *key_pem, char *err,
		    size_t errlen)
{
	gnutls_datum_t cd = {(unsigned char *)(uintptr_t)cert_pem,
			     (unsigned)strlen(cert_pem)};
	gnutls_datum_t kd = {(unsigned char *)(uintptr_t)key_pem,
			     (unsigned)strlen(key_pem)};
	struct tls_creds *c = calloc(1, sizeof(*c));
	int r;

	if (c == NULL) {
		err_set(err, errlen, "out of memory");
		return -1;
	}
	c->npcert = TLS_MAX_CHAIN;
	r = gnutls_pcert_list_import_x509_raw(c->pcert, &c->npcert, &cd,
					      GNUTLS_X509_FMT_PEM, 0);
	if (r < 0) {
		c->npcert = 0;
		err_set(err, errlen, "tls_cert: %s", gnutls_strerror(r));
		goto fail;
	}
	if ((r = gnutls_privkey_init(&c->key)) < 0 ||
	    (r = gnutls_privkey_import_x509_raw(
		     c->key, &kd, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		err_set(err, errlen, "tls_key: %s", gnutls_strerror(r));
		goto fail;
	}
	retire(atomic_exchange(&current, c), time(NULL));
	return 0;
fail:
	creds_free(c);
	return -1;
}

void
tls_credentials_finish(void)
{
	creds_free(atomic_exchange(&current, NULL));
	for (size_t i = 0; i < nretired; i++)
		creds_free(retired[i]);
	nretired = 0;
}

/* A TLS file is small; anything larger is not one. */
#define TLS_MAX_FILE (256 * 1024)

/*
 * Reads a TLS file into memory (caller frees). Who else may read a key is
 * a warning of every start, reload and --check-config
 * (config_warnings()); that it is not inside static_dir is checked with
 * the rest of the configuration, in catalog_build().
 */
static char *
read_tls_file(const char *path, char *err, size_t errlen)
{
	struct buf b = {0};

	if (file_read(path, TLS_MAX_FILE, &b, err, errlen) == -1)
		return NULL;
	return b.data != NULL ? b.data : calloc(1, 1);
}

static void
free_secret(char *p)
{
	if (p != NULL)
		explicit_bzero(p, strlen(p));
	free(p);
}

static void
sha256(const char *s, unsigned char out[32])
{
	(void)gnutls_hash_fast(GNUTLS_DIG_SHA256, s, strlen(s), out);
}

int
tls_pair_load(struct tls_pair *p, const struct config *cfg, char *err,
	      size_t errlen)
{
	(void)str_copy(p->cert_path, sizeof(p->cert_path), cfg->tls_cert);
	(void)str_copy(p->key_path, sizeof(p->key_path), cfg->tls_key);
	if (cfg->tls_cert_pem != NULL) {
		p->cert = strdup(cfg->tls_cert_pem);
		p->key = strdup(cfg->tls_key_pem);
	} else {
		p->cert = read_tls_file(cfg->tls_cert, err, errlen);
		if (p->cert == NULL) {
			config_key_err(cfg, cfg->tls_cert_line, "server",
				       "tls_cert", err, errlen);
			return -1;
		}
		p->key = read_tls_file(cfg->tls_key, err, errlen);
		if (p->key == NULL) {
			config_key_err(cfg, cfg->tls_key_line, "server",
				       "tls_key", err, errlen);
			return -1;
		}
	}
	if (p->cert == NULL || p->key == NULL) {
		if (err[0] == '\0')
			err_set(err, errlen, "out of memory");
		return -1;
	}
	sha256(p->cert, p->cert_sha256);
	sha256(p->key, p->key_sha256);
	return 0;
}

int
tls_pair_use(const struct tls_pair *p, char *err, size_t errlen)
{
	if (p->cert == NULL)
		return 0;
	return tls_credentials_set(p->cert, p->key, err, errlen);
}

void
tls_pair_release(struct tls_pair *p)
{
	free_secret(p->key);
	free(p->cert);
	p->key = p->cert = NULL;
}

/* True when the file at path no longer holds the bytes we serve with. */
static bool
file_changed(const char *path, const unsigned char loaded[32], bool key)
{
	char err[256];
	char *now = read_tls_file(path, err, sizeof(err));
	unsigned char d[32];
	bool changed = true;

	if (now != NULL) {
		sha256(now, d);
		changed = memcmp(d, loaded, sizeof(d)) != 0;
	}
	if (key)
		free_secret(now);
	else
		free(now);
	return changed;
}

int
tls_pair_renew(struct tls_pair *p, const struct config *cfg, char *err,
	       size_t errlen)
{
	char *cert = NULL, *key = NULL;
	int ret = -1;

	if (cfg->tls_cert_pem != NULL ||
	    (strcmp(p->cert_path, cfg->tls_cert) == 0 &&
	     strcmp(p->key_path, cfg->tls_key) == 0 &&
	     !file_changed(cfg->tls_cert, p->cert_sha256, false) &&
	     !file_changed(cfg->tls_key, p->key_sha256, true)))
		return 0;
	if ((cert = read_tls_file(cfg->tls_cert, err, errlen)) == NULL ||
	    (key = read_tls_file(cfg->tls_key, err, errlen)) == NULL ||
	    tls_credentials_set(cert, key, err, errlen) == -1)
		goto out;
	sha256(cert, p->cert_sha256);
	sha256(key, p->key_sha256);
	(void)str_copy(p->cert_path, sizeof(p->cert_path), cfg->tls_cert);
	(void)str_copy(p->key_path, sizeof(p->key_path), cfg->tls_key);
	ret = 1;
out:
	free(cert);
	free_secret(key);
	return ret;
}
