/* SPDX-License-Identifier: MIT */
/* The TLS policy of the HTTPS listener (libmicrohttpd's TLS is GnuTLS). */
#ifndef CERTPOST_TLS_H
#define CERTPOST_TLS_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

/*
 * Mozilla's "intermediate" configuration in GnuTLS terms: TLS 1.3 and
 * 1.2 only, AEAD ciphers only (AES-GCM, ChaCha20-Poly1305), ECDHE key
 * exchange with X25519 first. Every browser and phone of the last decade
 * speaks it; what it leaves out (TLS 1.0/1.1, CBC, RSA key transport)
 * is what downgrade and padding-oracle attacks need.
 */
/*
 * Mozilla's "intermediate" configuration (version 5.7): TLS 1.3 and 1.2;
 * AES-GCM and ChaCha20-Poly1305 only; ECDHE, and DHE for RSA certificates
 * with the RFC 7919 ffdhe2048 group (tls_dh_params()); X25519, P-256,
 * P-384; the client's order of ciphers and groups (no
 * %SERVER_PRECEDENCE: every suite here is strong, and a phone without AES
 * hardware rightly prefers ChaCha20).
 */
#define TLS_PRIORITIES_DEFAULT                                                 \
	"SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:"                       \
	"-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:"            \
	"-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:+DHE-RSA:"             \
	"-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:"          \
	"+GROUP-FFDHE2048"

/* The string to hand libmicrohttpd: configured, or the default. */
const char *tls_priorities(const char *configured);
/* RFC 7919's ffdhe2048 group as PKCS#3 PEM, for
 * MHD_OPTION_HTTPS_MEM_DHPARAMS: DHE for a TLS 1.2 client that does not
 * name its groups. Made once; NULL when GnuTLS cannot. */
const char *tls_dh_params(void);

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

/*
 * tls_tickets.c: the session-ticket keys. GnuTLS derives the key that
 * seals a ticket from the master given to each session; certpost replaces
 * the master every tls_session_lifetime (tls_tickets_rotate(), from the
 * main thread's tick) and hands new sessions the current one
 * (tls_tickets_current(), any thread: GnuTLS copies it).
 */
#define TLS_TICKET_KEY_LEN 64
struct tls_tickets {
	unsigned char keys[2][TLS_TICKET_KEY_LEN];
	atomic_uint cur;  /* the slot new sessions get */
	long long made_s; /* monotonic, when cur was made */
	bool have;
};
int tls_tickets_init(struct tls_tickets *t, long long now_s);

/*
 * tls_hello.c: a handshake watched (GnuTLS handshake hooks on the session
 * libmicrohttpd hands over). A ClientHello that cannot succeed under the
 * configured priorities (no version certpost speaks, a fallback SCSV
 * below its highest version, an ALPN list without HTTP/1.x) gets the
 * fatal alert its RFC names before the handshake is abandoned;
 * libmicrohttpd itself closes without one. Whatever the outcome, what
 * was seen says why a handshake that never finished failed.
 */
struct tls_hello {
	bool watched, hello, server_hello, finished, alerted;
	bool versions_ext, scsv, alpn, alpn_http;
	unsigned max_version; /* highest offered, 0x0303 = TLS 1.2 */
	const char *reason;   /* the refusal, when there was one */
};
/* The versions priorities enable (checked at start and reload). 0, or -1
 * and why. */
int tls_hello_policy(const char *priorities, char *err, size_t errlen);
/* Starts watching session (a gnutls_session_t) into t, which must live
 * until the connection closes. */
void tls_hello_watch(struct tls_hello *t, void *session);
/* NULL when the handshake finished (or t was not watched); else why it
 * did not: "protocol_version", "inappropriate_fallback",
 * "no_application_protocol", "client_aborted", "handshake_failure",
 * "no_client_hello". */
const char *tls_hello_failure(const struct tls_hello *t);

/* tls_plain.c: when the first bytes on fd (an HTTPS connection just
 * accepted) are plain HTTP, reads them and sends a short 400 saying to use
 * https://; true when it did (the caller closes). */
bool tls_plain_http_answer(int fd);
/* The bytes of that answer's body, for the access log. */
size_t tls_plain_response_len(void);
/* Replaces the key when a lifetime has passed; true when it did. */
bool tls_tickets_rotate(struct tls_tickets *t, unsigned lifetime_s,
			long long now_s);
/* The current key (TLS_TICKET_KEY_LEN bytes), or NULL without one. */
const unsigned char *tls_tickets_current(const struct tls_tickets *t);
void tls_tickets_wipe(struct tls_tickets *t);

#endif
