/* SPDX-License-Identifier: MIT */
/* The immutable snapshot: every response the server can give, built once per
 * start or reload. */
#include "catalog/catalog.h"

#include <stdint.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "catalog_int.h"
#include "pki/pki.h"
#include "render/render.h"

#define BASE_CSP                                                               \
	"default-src 'none'; base-uri 'none'; form-action 'none'; "            \
	"frame-ancestors 'none'"

/* Adds an entry whose body the catalog now owns (body is freed on error). */
int
cat_add(struct catalog *c, const char *path, const char *type, void *body,
	size_t len, const char *filename, enum catalog_kind kind)
{
	struct catalog_entry *e;
	unsigned char md[32];
	unsigned int mdlen = 0;
	char *p;
	size_t i;

	if (c->nentries == c->capentries) {
		size_t cap = c->capentries ? c->capentries * 2 : 32;
		void *n = realloc(c->entries, cap * sizeof(*c->entries));

		if (n == NULL)
			goto fail;
		c->entries = n;
		c->capentries = cap;
	}
	if ((p = cat_strdup(c, path)) == NULL)
		goto fail;
	if (EVP_Digest(body, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		goto fail;
	if (cat_own(c, body) == -1)
		return -1;
	e = &c->entries[c->nentries++];
	memset(e, 0, sizeof(*e));
	e->path = p;
	e->content_type = type;
	e->body = body;
	e->len = len;
	e->kind = kind;
	e->csp = BASE_CSP;
	e->hsts = c->hsts[0] != '\0' ? c->hsts : NULL;
	e->filename = filename ? cat_strdup(c, filename) : NULL;
	/* A strong validator: the body's own hash, so equal bytes keep
	 * their ETag across reloads and restarts. */
	e->etag[0] = '"';
	for (i = 0; i < 16; i++)
		(void)str_printf(e->etag + 1 + 2 * i, 3, "%02x", md[i]);
	e->etag[33] = '"';
	e->etag[34] = '\0';
	return 0;
fail:
	free(body);
	return -1;
}

/* Keeps p to be freed with the catalog. */
int
cat_add_buf(struct catalog *c, const char *path, const char *type,
	    struct buf *b, enum catalog_kind kind)
{
	size_t len;
	char *body = buf_steal(b, &len);

	if (body == NULL)
		return -1;
	return cat_add(c, path, type, body, len, NULL, kind);
}

int
cat_own(struct catalog *c, void *p)
{
	if (c->nowned == c->capowned) {
		size_t cap = c->capowned ? c->capowned * 2 : 64;
		void *n = realloc(c->owned, cap * sizeof(*c->owned));

		if (n == NULL) {
			free(p);
			return -1;
		}
		c->owned = n;
		c->capowned = cap;
	}
	c->owned[c->nowned++] = p;
	return 0;
}

char *
cat_strdup(struct catalog *c, const char *s)
{
	char *p = strdup(s);

	if (p == NULL || cat_own(c, p) == -1)
		return NULL;
	return p;
}

void
cat_warn(struct catalog *c, const char *fmt, ...)
{
	va_list ap;
	struct buf b = {0};

	if (c->nwarnings >= ARRAY_LEN(c->warnings))
		return;
	va_start(ap, fmt);
	(void)buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (b.data != NULL && cat_own(c, b.data) == 0)
		c->warnings[c->nwarnings++] = b.data;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct catalog_entry *x = a, *y = b;

	return strcmp(x->path, y->path);
}

void
catalog_free(struct catalog *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	for (i = 0; i < CONFIG_MAX_CA; i++)
		cert_list_free(c->certs[i], c->ncerts[i]);
	for (i = 0; i < CONFIG_MAX_ISSUER; i++)
		cert_list_free(c->issuers[i], c->nissuers[i]);
	for (i = 0; i < c->nown_langs; i++)
		i18n_po_free(c->own_langs[i]);
	free(c->assets);
	free(c->owned);
	free(c->entries);
	free(c->cas);
	free(c);
}

const struct catalog_entry *
catalog_lookup(const struct catalog *c, const char *path)
{
	struct catalog_entry key = {.path = path};
	const struct catalog_entry *e;
	char decoded[CONFIG_URL_MAX];

	e = bsearch(&key, c->entries, c->nsorted, sizeof(key), entry_cmp);
	if (e != NULL || c->nloose == 0 || strchr(path, '%') == NULL)
		return e;
	/* An issued URL (cert_url, crl_url) as clients send it: CryptoAPI
	 * and OpenSSL send it as the certificate spells it, %20 for a space,
	 * others may escape more. Only those entries match decoded. */
	if (url_path_decode(path, decoded, sizeof(decoded)) == -1)
		return NULL;
	key.path = decoded;
	e = bsearch(&key, c->entries, c->nsorted, sizeof(key), entry_cmp);
	return e != NULL && e->loose ? e : NULL;
}

size_t
catalog_count(const struct catalog *c)
{
	return c->nentries;
}

const struct catalog_entry *
catalog_entry_at(const struct catalog *c, size_t i)
{
	return &c->entries[i];
}

const char *
catalog_hsts(const struct catalog *c)
{
	return c->hsts[0] != '\0' ? c->hsts : NULL;
}

size_t
catalog_issuer_count(const struct catalog *c)
{
	return c->nissuer_slugs;
}

const char *
catalog_issuer_at(const struct catalog *c, size_t i, const struct cert **ret)
{
	*ret = &c->issuers[i][0];
	return c->issuer_slugs[i];
}

size_t
catalog_kept_count(const struct catalog *c)
{
	return c->nkept;
}

const struct catalog_kept *
catalog_kept_at(const struct catalog *c, size_t i)
{
	return &c->kept[i];
}

const char *
catalog_https_origin(const struct catalog *c)
{
	return c->https_origin;
}

size_t
catalog_warning_count(const struct catalog *c)
{
	return c->nwarnings;
}

const char *
catalog_warning(const struct catalog *c, size_t i)
{
	return c->warnings[i];
}

size_t
catalog_ca_count(const struct catalog *c)
{
	return c->ncas;
}

const struct catalog_ca *
catalog_ca_at(const struct catalog *c, size_t i)
{
	return &c->cas[i].pub;
}

const char *
catalog_check_urls(const struct catalog *c)
{
	return c->checks != NULL ? c->checks : "none";
}

const struct cert *
catalog_ca_cert(const struct catalog *c, size_t i)
{
	return c->cas[i].cert;
}

long long
catalog_profile_not_after(const struct catalog *c)
{
	return c->profile_not_after;
}

long long
catalog_profile_rebuild_at(const struct catalog *c)
{
	return c->profile_rebuild_at;
}

size_t
catalog_crl_count(const struct catalog *c)
{
	return c->ncrls;
}

const struct catalog_crl *
catalog_crl_at(const struct catalog *c, size_t i)
{
	return &c->crls[i];
}

int
catalog_summary(const struct catalog *c, struct buf *out)
{
	size_t i;
	char nb[32], na[32];

	(void)buf_printf(out, "organization: %s\n", c->organization);
	(void)buf_printf(out, "public URL:   %s\n", c->public_url);
	for (i = 0; i < c->ncas; i++) {
		const struct cert *ce = c->cas[i].cert;

		(void)time_rfc3339(nb, sizeof(nb), (long long)ce->not_before);
		(void)time_rfc3339(na, sizeof(na), (long long)ce->not_after);
		(void)buf_printf(out,
				 "CA %s%s: %s\n  subject: %s\n"
				 "  valid:   %s .. %s\n  SHA-256: %s\n"
				 "  URLs:    /%s.cer /%s.crt /%s.pem\n",
				 c->cas[i].pub.slug,
				 c->cas[i].pub.primary ? " (primary, /ca.cer)"
						       : "",
				 c->cas[i].pub.name, ce->subject, nb, na,
				 ce->sha256_hex, c->cas[i].pub.slug,
				 c->cas[i].pub.slug, c->cas[i].pub.slug);
	}
	for (i = 0; i < c->nissuer_slugs; i++) {
		const struct cert *ce = &c->issuers[i][0];

		(void)time_rfc3339(nb, sizeof(nb), (long long)ce->not_before);
		(void)time_rfc3339(na, sizeof(na), (long long)ce->not_after);
		(void)buf_printf(out, "issuer %s: %s\n  valid:   %s .. %s\n",
				 c->issuer_slugs[i], ce->subject, nb, na);
	}
	if (c->pki_urls != NULL)
		(void)buf_puts(out, c->pki_urls);
	if (c->issued_urls != NULL)
		(void)buf_puts(out, c->issued_urls);
	(void)buf_printf(out, "trust check:  %s\n", c->checks);
	cat_profile_summary(c, out);
	(void)buf_printf(out, "responses:    %zu paths (%zu page variants)\n",
			 c->nsorted, (size_t)PAGE_PLATFORM_COUNT);
	for (i = 0; i < c->nwarnings; i++)
		(void)buf_printf(out, "warning: %s\n", c->warnings[i]);
	return out->data == NULL ? -1 : 0;
}

/*
 * Pages go after the sorted table (they all share the path "/" and are
 * picked by platform, not looked up), so sort only the rest.
 */
/* Shown by a browser, so worth compressing: pages, styles, scripts,
 * images as text, JSON. Certificates, profiles and CRLs are not. */
static bool
compressible(const struct catalog_entry *e)
{
	static const char *const types[] = {"text/", "image/svg+xml",
					    "application/json"};

	/* An attachment is saved; some clients have saved the compressed
	 * bytes of one as they came. */
	if (e->filename != NULL || e->len < 256)
		return false;
	for (size_t i = 0; i < ARRAY_LEN(types); i++)
		if (strncmp(e->content_type, types[i], strlen(types[i])) == 0)
			return true;
	return false;
}

/*
 * The gzip forms of the last build, by the body's ETag (half its SHA-256,
 * as cat_add() made it) and length: a reload compresses only what changed
 * (about 0.4 ms per page otherwise, a dozen pages). gz_len 0 = compressing
 * did not pay. The thread that builds catalogs and the compressor
 * (catalog_gzip_one()) share it, under gz_lock.
 */
struct gz_cached {
	char etag[72];
	size_t len;
	unsigned char *gz;
	size_t gz_len;
};
static struct gz_cached *gz_cache;
static size_t gz_ncache, gz_cap;

static const struct gz_cached *
gz_lookup(const struct catalog_entry *e)
{
	for (size_t i = 0; i < gz_ncache; i++)
		if (gz_cache[i].len == e->len &&
		    strcmp(gz_cache[i].etag, e->etag) == 0)
			return &gz_cache[i];
	return NULL;
}

/*
 * zlib's gzip wrapper at level 9: a header without a name or a time, so
 * equal bodies give equal bytes across builds. Fills *out (malloc'd) and
 * *len; *len = 0 when it does not save at least a tenth.
 */
static int
gzip_body(const struct catalog_entry *e, unsigned char **out, size_t *len)
{
	z_stream z = {0};
	uLong cap;
	int rc;

	*out = NULL;
	*len = 0;
	if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	cap = deflateBound(&z, (uLong)e->len);
	if ((*out = malloc(cap)) == NULL) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (Bytef *)(uintptr_t)e->body;
	z.avail_in = (uInt)e->len;
	z.next_out = *out;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_FINISH);
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(*out);
		*out = NULL;
		return -1;
	}
	if (z.total_out <= e->len - e->len / 10)
		*len = z.total_out;
	return 0;
}

/* The cache is the build's and the compressor's (catalog_gzip_one()). */
static pthread_mutex_t gz_lock = PTHREAD_MUTEX_INITIALIZER;

/* Gives e a copy of form (the catalog owns it). */
static int
give(struct catalog *c, struct catalog_entry *e, const unsigned char *gz,
     size_t len)
{
	unsigned char *copy;

	if (len == 0)
		return 0;
	if ((copy = malloc(len)) == NULL)
		return -1;
	memcpy(copy, gz, len);
	if (cat_own(c, copy) == -1)
		return -1;
	/* "<hash>" -> "<hash>-gz" */
	(void)str_printf(e->gz_etag, sizeof(e->gz_etag), "%.*s-gz\"",
			 (int)strlen(e->etag) - 1, e->etag);
	e->gz_len = len;
	e->gz_body = copy;
	return 0;
}

/* Gives e its gzip form from the cache, recording it in next[*nnext],
 * or marks it pending. Under gz_lock. */
static int
compress_entry(struct catalog *c, struct catalog_entry *e,
	       struct gz_cached *next, size_t *nnext)
{
	const struct gz_cached *hit = gz_lookup(e);
	struct gz_cached made = {.len = e->len};

	e->gz_vary = true;
	if (hit == NULL) {
		e->gz_pending = true;
		return 0;
	}
	(void)str_copy(made.etag, sizeof(made.etag), e->etag);
	made.gz_len = hit->gz_len;
	if (made.gz_len > 0 && (made.gz = malloc(made.gz_len)) == NULL)
		return -1;
	if (made.gz_len > 0)
		memcpy(made.gz, hit->gz, made.gz_len);
	next[(*nnext)++] = made;
	/* Compressing did not pay: no form, and nothing to vary on. */
	e->gz_vary = made.gz_len > 0;
	return give(c, e, made.gz, made.gz_len);
}

static void
gz_cache_replace(struct gz_cached *next, size_t n)
{
	for (size_t i = 0; i < gz_ncache; i++)
		free(gz_cache[i].gz);
	free(gz_cache);
	gz_cache = next;
	gz_ncache = n;
}

int
cat_compress(struct catalog *c)
{
	struct gz_cached *next = calloc(c->nentries + 1, sizeof(*next));
	size_t n = 0;
	int rc = 0;

	if (next == NULL)
		return -1;
	pthread_mutex_lock(&gz_lock);
	for (size_t i = 0; i < c->nentries && rc == 0; i++)
		if (compressible(&c->entries[i]))
			rc = compress_entry(c, &c->entries[i], next, &n);
	/* What this build took is the cache now (what it did not find is
	 * added as it is made), even when it failed half way: every form
	 * in it is right for its hash. */
	gz_cache_replace(next, n);
	gz_cap = c->nentries + 1;
	pthread_mutex_unlock(&gz_lock);
	return rc;
}

/* Adds a form to the cache (under gz_lock): the next build finds it. */
static void
gz_remember(const struct catalog_entry *e, unsigned char *gz, size_t len)
{
	struct gz_cached *grown;
	unsigned char *copy = NULL;

	if (gz_ncache == gz_cap) {
		if ((grown = realloc(gz_cache, (gz_cap * 2 + 8) *
						       sizeof(*grown))) == NULL)
			return;
		gz_cache = grown;
		gz_cap = gz_cap * 2 + 8;
	}
	if (len > 0 && (copy = malloc(len)) == NULL)
		return;
	if (len > 0)
		memcpy(copy, gz, len);
	gz_cache[gz_ncache] =
		(struct gz_cached){.len = e->len, .gz = copy, .gz_len = len};
	(void)str_copy(gz_cache[gz_ncache].etag,
		       sizeof(gz_cache[gz_ncache].etag), e->etag);
	gz_ncache++;
}

int
catalog_gzip_one(struct catalog *c, size_t i)
{
	struct catalog_entry *e = &c->entries[i];
	unsigned char *gz = NULL;
	size_t len = 0;
	int rc;

	if (i >= c->nentries || !e->gz_pending)
		return 0;
	if (gzip_body(e, &gz, &len) == -1)
		return -1;
	pthread_mutex_lock(&gz_lock);
	gz_remember(e, gz, len);
	pthread_mutex_unlock(&gz_lock);
	rc = give(c, e, gz, len);
	free(gz);
	if (rc == -1)
		return -1;
	e->gz_pending = false;
	return 1;
}

size_t
catalog_gzip_pending(const struct catalog *c)
{
	size_t i, n = 0;

	for (i = 0; i < c->nentries; i++)
		n += c->entries[i].gz_pending;
	return n;
}

const char *
cat_finish(struct catalog *c)
{
	qsort(c->entries, c->nsorted, sizeof(*c->entries), entry_cmp);
	for (size_t i = 1; i < c->nsorted; i++)
		if (strcmp(c->entries[i - 1].path, c->entries[i].path) == 0)
			return c->entries[i].path;
	return NULL;
}
