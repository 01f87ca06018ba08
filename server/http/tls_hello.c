/* SPDX-License-Identifier: MIT */
/* A TLS handshake watched through GnuTLS's hooks: what the client offered,
 * the alert RFC 8446/7507/7301 call for where the offer cannot succeed,
 * and why a handshake that did not finish failed. */
#include "tls_int.h"

#include <string.h>

#include <gnutls/gnutls.h>

/* The versions the configured priorities allow, as on the wire. */
static _Atomic unsigned policy_min = 0x0303, policy_max = 0x0304;

int
tls_hello_policy(const char *priorities, char *err, size_t errlen)
{
	gnutls_priority_t p;
	const unsigned int *list;
	const char *pos;
	unsigned lo = 0xffff, hi = 0;
	int n;

	if (gnutls_priority_init(&p, priorities, &pos) != GNUTLS_E_SUCCESS) {
		err_set(err, errlen, "TLS priorities refused near '%s'", pos);
		return -1;
	}
	n = gnutls_priority_protocol_list(p, &list);
	for (int i = 0; i < n; i++) {
		/* GNUTLS_TLS1_0 .. GNUTLS_TLS1_3 are 2 .. 5 */
		unsigned v =
			list[i] >= GNUTLS_TLS1_0 && list[i] <= GNUTLS_TLS1_3
				? 0x0300 + (list[i] - GNUTLS_TLS1_0) + 1
				: 0;

		if (v != 0 && v < lo)
			lo = v;
		if (v > hi)
			hi = v;
	}
	gnutls_priority_deinit(p);
	if (hi == 0) {
		err_set(err, errlen, "TLS priorities enable no TLS version");
		return -1;
	}
	atomic_store(&policy_min, lo);
	atomic_store(&policy_max, hi);
	return 0;
}

/* supported_versions (43) and ALPN (16): what decides the refusals. */
static int
hello_ext(void *ctx, unsigned id, const unsigned char *d, unsigned len)
{
	struct tls_hello *t = ctx;

	if (id == 43 && len >= 1) {
		/* RFC 8446 4.2.1: with this extension, legacy_version is not
		 * the client's version. */
		if (!t->versions_ext)
			t->max_version = 0;
		t->versions_ext = true;
		for (unsigned i = 1; i + 1 < len && i + 1 <= d[0]; i += 2) {
			unsigned v = (unsigned)d[i] << 8 | d[i + 1];

			/* Not GREASE (0x?a?a), not a draft (0x7fxx). */
			if (d[i] == 3 && v > t->max_version)
				t->max_version = v;
		}
	} else if (id == 16 && len >= 2) {
		unsigned end = 2 + ((unsigned)d[0] << 8 | d[1]);

		t->alpn = true;
		for (unsigned i = 2; i < end && i < len;) {
			unsigned n = d[i];

			if (i + 1 + n <= len && n == 8 &&
			    (memcmp(d + i + 1, "http/1.1", 8) == 0 ||
			     memcmp(d + i + 1, "http/1.0", 8) == 0))
				t->alpn_http = true;
			i += 1 + n;
		}
	}
	return 0;
}

/* The ClientHello body: version, random, session id, cipher suites
 * (looking for the fallback SCSV, RFC 7507), then its extensions. */
static void
read_hello(struct tls_hello *t, const gnutls_datum_t *msg)
{
	const unsigned char *d = msg->data;
	size_t len = msg->size, off;

	t->hello = true;
	if (len < 35)
		return;
	t->max_version = (unsigned)d[0] << 8 | d[1];
	off = 34 + 1 + d[34];
	if (off + 2 <= len) {
		size_t n = (size_t)d[off] << 8 | d[off + 1];

		for (size_t i = off + 2; i + 1 < off + 2 + n && i + 1 < len;
		     i += 2)
			if (d[i] == 0x56 && d[i + 1] == 0x00)
				t->scsv = true;
	}
	(void)gnutls_ext_raw_parse(t, hello_ext, msg,
				   GNUTLS_EXT_RAW_FLAG_TLS_CLIENT_HELLO);
}

/* The offer cannot succeed: which alert the RFCs call for, or 0. */
static int
refusal(struct tls_hello *t)
{
	if (t->max_version < atomic_load(&policy_min)) {
		t->reason = "protocol_version";
		return GNUTLS_A_PROTOCOL_VERSION;
	}
	/* RFC 7507 3: a client that falls back below our highest version. */
	if (t->scsv && t->max_version < atomic_load(&policy_max)) {
		t->reason = "inappropriate_fallback";
		return GNUTLS_A_INAPPROPRIATE_FALLBACK;
	}
	/* RFC 7301 3.2: no protocol in common (libmicrohttpd offers
	 * http/1.1 and http/1.0). */
	if (t->alpn && !t->alpn_http) {
		t->reason = "no_application_protocol";
		return GNUTLS_A_NO_APPLICATION_PROTOCOL;
	}
	return 0;
}

static int
hook(gnutls_session_t s, unsigned htype, unsigned when, unsigned incoming,
     const gnutls_datum_t *msg)
{
	struct tls_hello *t = gnutls_db_get_ptr(s);
	int alert;

	if (t == NULL)
		return 0;
	if (htype == GNUTLS_HANDSHAKE_CLIENT_HELLO && incoming &&
	    when == GNUTLS_HOOK_PRE && !t->hello) {
		read_hello(t, msg);
		if ((alert = refusal(t)) != 0) {
			/* libmicrohttpd sends no alert when the handshake
			 * fails; this one is sent before it does. */
			t->alerted =
				gnutls_alert_send(
					s, GNUTLS_AL_FATAL,
					(gnutls_alert_description_t)alert) ==
				GNUTLS_E_SUCCESS;
			return GNUTLS_E_UNWANTED_ALGORITHM;
		}
	} else if (htype == GNUTLS_HANDSHAKE_SERVER_HELLO && !incoming &&
		   when == GNUTLS_HOOK_POST) {
		t->server_hello = true;
	} else if (htype == GNUTLS_HANDSHAKE_FINISHED && incoming &&
		   when == GNUTLS_HOOK_POST) {
		t->finished = true;
	}
	return 0;
}

void
tls_hello_watch(struct tls_hello *t, void *session)
{
	gnutls_session_t s = session;

	memset(t, 0, sizeof(*t));
	t->watched = true;
	/* libmicrohttpd keeps its connection in the session's own pointer;
	 * the session-database pointer is unused (no session cache). */
	gnutls_db_set_ptr(s, t);
	gnutls_handshake_set_hook_function(s, GNUTLS_HANDSHAKE_ANY,
					   GNUTLS_HOOK_BOTH, hook);
}

const char *
tls_hello_failure(const struct tls_hello *t)
{
	if (!t->watched || t->finished)
		return NULL;
	if (t->reason != NULL)
		return t->reason;
	if (!t->hello)
		return "no_client_hello";
	/* The client left after our ServerHello and certificate: mostly a
	 * device that does not trust the certificate (yet). */
	if (t->server_hello)
		return "client_aborted";
	return "handshake_failure";
}
