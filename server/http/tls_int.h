/* SPDX-License-Identifier: MIT */
/* The TLS policy of the HTTPS listener (libmicrohttpd's TLS is GnuTLS). */
#ifndef CERTPOST_TLS_H
#define CERTPOST_TLS_H

#include <limits.h>
#include <stddef.h>

#include "config/config.h"

/*
 * Mozilla's "intermediate" configuration in GnuTLS terms: TLS 1.3 and
 * 1.2 only, AEAD ciphers only (AES-GCM, ChaCha20-Poly1305), ECDHE key
 * exchange with X25519 first. Every browser and phone of the last decade
 * speaks it; what it leaves out (TLS 1.0/1.1, CBC, RSA key transport)
 * is what downgrade and padding-oracle attacks need.
 */
#define TLS_PRIORITIES_DEFAULT                                                 \
	"SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:"                       \
	"-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:"            \
	"-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:"                      \
	"-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:"          \
	"%SERVER_PRECEDENCE"

/* The string to hand libmicrohttpd: configured, or the default. */
const char *tls_priorities(const char *configured);

/*
 * The certificate chain and key every new handshake uses. libmicrohttpd
 * asks for them per handshake (tls_certificate_callback), so a renewed
 * pair is used from the next handshake on without a restart.
 *
 * tls_credentials_set() parses cert_pem (the chain, leaf first) and
 * key_pem (PEM) with GnuTLS and makes them current; the caller still owns
 * and should wipe the text. The pair replaced stays valid for handshakes
 * already under way and is freed TLS_RETIRE_S seconds later. Only one
 * thread sets. Returns 0, or -1 with a reason (the current pair is kept).
 */
#define TLS_RETIRE_S 3600
int tls_credentials_set(const char *cert_pem, const char *key_pem, char *err,
			size_t errlen);

/* Frees every pair; only once no daemon runs. */
void tls_credentials_finish(void);

/* The address of the callback, for MHD_OPTION_HTTPS_CERT_CALLBACK (a
 * gnutls_certificate_retrieve_function2), as libmicrohttpd's option list
 * takes it. */
void *tls_certificate_callback(void);

/*
 * The TLS certificate and key files as loaded: their text from loading
 * until every listener has started (GnuTLS then holds its parsed copy and
 * the text is wiped), and their paths and SHA-256 for as long as the
 * daemon runs, so a reload can tell whether they changed.
 */
struct tls_pair {
	char cert_path[PATH_MAX];
	char key_path[PATH_MAX];
	char *cert; /* owned, NULL once released */
	char *key;  /* owned, wiped when released */
	unsigned char cert_sha256[32];
	unsigned char key_sha256[32];
};

/* Reads the pair cfg names (or the demo's, in memory). 0, or -1 and why. */
int tls_pair_load(struct tls_pair *p, const struct config *cfg, char *err,
		  size_t errlen);
/* Makes the loaded pair current for handshakes; 0 when none is loaded.
 * 0, or -1 and why. */
int tls_pair_use(const struct tls_pair *p, char *err, size_t errlen);
/* Wipes and frees the text; paths and hashes stay. Accepts a released
 * pair. */
void tls_pair_release(struct tls_pair *p);
/* On reload: when cfg names other files, or the files' contents changed,
 * reads them and makes them current. 1 when renewed, 0 when unchanged, -1
 * and why when the new pair cannot be used (the running one stays). */
int tls_pair_renew(struct tls_pair *p, const struct config *cfg, char *err,
		   size_t errlen);

#endif
