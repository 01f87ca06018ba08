/* SPDX-License-Identifier: MIT */
/* The live site: a config and a catalog with every response prepared for
 * libmicrohttpd. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_int.h"
#include "util.h"

#define ERROR_CSP                                                              \
	"default-src 'none'; base-uri 'none'; form-action 'none'; "            \
	"frame-ancestors 'none'"

/* The status of each prepared error; the bodies are the snapshot's, one
 * per language (catalog_error()). */
static const unsigned statuses[SITE_ERROR_COUNT] = {
	[SITE_204] = 204, [SITE_400] = 400, [SITE_403] = 403,
	[SITE_404] = 404, [SITE_405] = 405, [SITE_405_POST] = 405,
	[SITE_412] = 412, [SITE_421] = 421, [SITE_431] = 431,
	[SITE_501] = 501, [SITE_413] = 413,
};

unsigned
site_error_status(enum site_error e)
{
	return statuses[e];
}

size_t
site_error_length(const struct site *s, size_t lang, enum site_error e)
{
	const struct catalog_blob *b = catalog_error(s->cat, lang, statuses[e]);

	return b != NULL ? b->len : 0;
}

int
site_gz_prepare(struct site *s, size_t i)
{
	const struct catalog_entry *e = catalog_entry_at(s->cat, i);
	struct MHD_Response *full, *notmod;

	if ((full = site_entry_response(e, false, true, "no-cache", NULL)) ==
	    NULL)
		return -1;
	if ((notmod = site_entry_response(e, true, true, "no-cache", NULL)) ==
	    NULL) {
		MHD_destroy_response(full);
		return -1;
	}
	/* The 304 first: a reader that sees the 200 ready finds both. */
	atomic_store_explicit(&s->notmod_gz[i], notmod, memory_order_release);
	atomic_store_explicit(&s->full_gz[i], full, memory_order_release);
	return 0;
}

bool
site_gz_ready(struct site *s, size_t i)
{
	return atomic_load_explicit(&s->full_gz[i], memory_order_acquire) !=
	       NULL;
}

/* Entries with a freshness limit (CRLs) get their caching headers per
 * second (http_cache.c); these two serve them once it has passed. */
static int
prepare_entry(struct site *s, size_t i)
{
	const struct catalog_entry *e = catalog_entry_at(s->cat, i);

	if ((s->full[i] = site_entry_response(e, false, false, "no-cache",
					      NULL)) == NULL ||
	    (s->notmod[i] = site_entry_response(e, true, false, "no-cache",
						NULL)) == NULL)
		return -1;
	if (e->gz_body != NULL && site_gz_prepare(s, i) == -1)
		return -1;
	return site_fresh_init(s, i);
}

/* Every language's error responses (the 204 has no body, and no
 * language). */
static int
prepare_errors(struct site *s, size_t lang)
{
	const char *tag = catalog_lang_tags(s->cat)[lang];
	struct MHD_Response **errs = s->errors[lang];
	size_t i;

	for (i = 0; i < SITE_ERROR_COUNT; i++) {
		const struct catalog_blob *b =
			catalog_error(s->cat, lang, statuses[i]);
		struct MHD_Response *r;

		r = b != NULL ? site_response_static(b->body, b->len)
			      : site_response_static("", 0);
		if ((errs[i] = r) == NULL ||
		    site_common_headers(r, ERROR_CSP, catalog_hsts(s->cat)) ==
			    -1 ||
		    (b != NULL &&
		     (MHD_add_response_header(r, "Content-Type",
					      "text/html; charset=utf-8") !=
			      MHD_YES ||
		      MHD_add_response_header(r, "Content-Language", tag) !=
			      MHD_YES)) ||
		    MHD_add_response_header(r, "Cache-Control", "no-store") !=
			    MHD_YES)
			return -1;
	}
	if (MHD_add_response_header(errs[SITE_405], "Allow", "GET, HEAD") !=
		    MHD_YES ||
	    MHD_add_response_header(errs[SITE_405_POST], "Allow", "POST") !=
		    MHD_YES)
		return -1;
	/* A refused or malformed client gets nothing more on this socket. */
	if (MHD_add_response_header(errs[SITE_403], "Connection", "close") !=
		    MHD_YES ||
	    MHD_add_response_header(errs[SITE_400], "Connection", "close") !=
		    MHD_YES ||
	    MHD_add_response_header(errs[SITE_431], "Connection", "close") !=
		    MHD_YES)
		return -1;
	return 0;
}

static enum MHD_Result
add_field_len(void *cls, enum MHD_ValueKind kind, const char *key,
	      const char *value)
{
	size_t *n = cls;

	(void)kind;
	*n += strlen(key) + strlen(value) + 4; /* ": ", CRLF */
	return MHD_YES;
}

/* The header section r takes in a connection's memory: its fields, and
 * what libmicrohttpd adds (status line, Date, Connection, Content-Length,
 * a CRL's per-second Cache-Control and Expires), counted generously. */
static size_t
header_len(struct MHD_Response *r)
{
	size_t n = 256;

	if (r != NULL)
		(void)MHD_get_response_headers(r, add_field_len, &n);
	return n;
}

/*
 * A request head within its limits leaves a quarter of connection_memory
 * for the response's header (http_check.c); every prepared response must
 * fit there, or a request would go unanswered. Only a small
 * connection_memory with a long page Content-Security-Policy (many
 * check_url origins) comes near. Returns 0, or -1 with a reason.
 */
static int
headers_fit(const struct site *s, char *err, size_t errlen)
{
	size_t room = s->cfg->connection_memory / HTTP_HEAD_SHARE, need;

	for (size_t i = 0; i < s->n; i++) {
		need = header_len(s->full[i]);
		/* The gzip form's header is the identity one's and
		 * Content-Encoding: gzip. */
		need += 30;
		if (need > room) {
			err_set(err, errlen,
				"connection_memory = %u leaves %zu bytes for "
				"a response's header, and %s needs about %zu: "
				"raise connection_memory to at least %zu",
				s->cfg->connection_memory, room,
				catalog_entry_at(s->cat, i)->path, need,
				need * HTTP_HEAD_SHARE);
			return -1;
		}
	}
	return 0;
}

struct site *
site_new(struct config *cfg, struct catalog *cat, char *err, size_t errlen)
{
	struct site *s = calloc(1, sizeof(*s));
	size_t i;

	if (s == NULL) {
		free(cfg);
		catalog_free(cat);
		err_set(err, errlen, "out of memory");
		return NULL;
	}
	atomic_init(&s->refs, 1);
	s->cfg = cfg;
	s->cat = cat;
	s->built = (long long)time(NULL);
	s->n = catalog_count(cat);
	s->full = calloc(s->n, sizeof(*s->full));
	s->notmod = calloc(s->n, sizeof(*s->notmod));
	s->full_gz = calloc(s->n, sizeof(*s->full_gz));
	s->notmod_gz = calloc(s->n, sizeof(*s->notmod_gz));
	s->fresh = calloc(s->n, sizeof(*s->fresh));
	if (s->full == NULL || s->notmod == NULL || s->full_gz == NULL ||
	    s->notmod_gz == NULL || s->fresh == NULL)
		goto fail;
	for (i = 0; i < s->n; i++) {
		if (prepare_entry(s, i) == -1) {
			/* libmicrohttpd refuses a header value holding a line
			 * break; configuration checks should have caught it. */
			err_set(err, errlen,
				"cannot prepare the response for %s (out of "
				"memory, or a header value libmicrohttpd "
				"refuses)",
				catalog_entry_at(cat, i)->path);
			site_unref(s);
			return NULL;
		}
	}
	for (i = 0; i < catalog_lang_count(cat); i++)
		if (prepare_errors(s, i) == -1)
			goto fail;
	if (headers_fit(s, err, errlen) == -1) {
		site_unref(s);
		return NULL;
	}
	return s;
fail:
	err_set(err, errlen, "cannot prepare responses (out of memory)");
	site_unref(s);
	return NULL;
}

void
site_unref(struct site *s)
{
	size_t i;

	if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	for (i = 0; i < s->n; i++) {
		if (s->fresh != NULL)
			site_fresh_finish(s, i);
		if (s->full != NULL && s->full[i] != NULL)
			MHD_destroy_response(s->full[i]);
		if (s->notmod != NULL && s->notmod[i] != NULL)
			MHD_destroy_response(s->notmod[i]);
		if (s->full_gz != NULL && atomic_load(&s->full_gz[i]) != NULL)
			MHD_destroy_response(atomic_load(&s->full_gz[i]));
		if (s->notmod_gz != NULL &&
		    atomic_load(&s->notmod_gz[i]) != NULL)
			MHD_destroy_response(atomic_load(&s->notmod_gz[i]));
	}
	for (i = 0; i < CONFIG_MAX_LANG; i++)
		for (size_t k = 0; k < SITE_ERROR_COUNT; k++)
			if (s->errors[i][k] != NULL)
				MHD_destroy_response(s->errors[i][k]);
	free(s->full);
	free(s->notmod);
	free(s->full_gz);
	free(s->notmod_gz);
	free(s->fresh);
	catalog_free(s->cat);
	free(s->cfg);
	free(s);
}
