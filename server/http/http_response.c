/* SPDX-License-Identifier: MIT */
/* One catalog entry as a libmicrohttpd response: its bytes and every header
 * (type, ETag, caching, the security headers). The site prepares them once
 * per snapshot; the CRL cache once a second. */
#include <stdint.h>
#include <string.h>

#include "http_int.h"
#include "util.h"

/*
 * libmicrohttpd 0.9.75 has no "static buffer" constructor: the PERSISTENT
 * mode promises the bytes outlive the response, which holds here because
 * a site is freed only after its last request completed. The API takes a
 * non-const pointer it never writes through; this is the one place the
 * const is dropped.
 */
struct MHD_Response *
site_response_static(const void *data, size_t len)
{
	return MHD_create_response_from_buffer(len, (void *)(uintptr_t)data,
					       MHD_RESPMEM_PERSISTENT);
}

int
site_common_headers(struct MHD_Response *r, const char *csp, const char *hsts)
{
	/* Over plain HTTP browsers ignore it (RFC 6797 8.1); it is only
	 * configured with redirect_https, which sends them to HTTPS. */
	if (hsts != NULL &&
	    MHD_add_response_header(r, "Strict-Transport-Security", hsts) !=
		    MHD_YES)
		return -1;
	if (MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") !=
		    MHD_YES ||
	    MHD_add_response_header(r, "Referrer-Policy", "no-referrer") !=
		    MHD_YES ||
	    MHD_add_response_header(r, "X-Frame-Options", "DENY") != MHD_YES ||
	    MHD_add_response_header(r, "Content-Security-Policy", csp) !=
		    MHD_YES)
		return -1;
	return 0;
}

/* Headers shared by the 200 and the 304 of one entry (RFC 9110 15.4.5:
 * a 304 carries the validators and caching headers a 200 would). */
static int
entry_headers(struct MHD_Response *r, const struct catalog_entry *e, bool gz,
	      const char *cache_control, const char *expires)
{
	char date[40];
	const char *vary = NULL;

	if (site_common_headers(r, e->csp, e->hsts) == -1 ||
	    MHD_add_response_header(r, "ETag", gz ? e->gz_etag : e->etag) !=
		    MHD_YES ||
	    MHD_add_response_header(r, "Cache-Control", cache_control) !=
		    MHD_YES)
		return -1;
	if (expires != NULL &&
	    MHD_add_response_header(r, "Expires", expires) != MHD_YES)
		return -1;
	if (e->last_modified != 0 &&
	    (http_date(date, sizeof(date), e->last_modified) == -1 ||
	     MHD_add_response_header(r, "Last-Modified", date) != MHD_YES))
		return -1;
	/* One URL, a page per platform and language: caches must key on
	 * the UA and Accept-Language (?lang= is another URL); and on
	 * Accept-Encoding where there is a gzip form, both forms saying so. */
	if (e->kind == CATALOG_PAGE)
		vary = e->gz_vary
			       ? "User-Agent, Accept-Language, Accept-Encoding"
			       : "User-Agent, Accept-Language";
	else if (e->lang != NULL)
		vary = e->gz_vary ? "Accept-Language, Accept-Encoding"
				  : "Accept-Language";
	else if (e->gz_vary)
		vary = "Accept-Encoding";
	if (e->lang != NULL &&
	    MHD_add_response_header(r, "Content-Language", e->lang) != MHD_YES)
		return -1;
	if (vary != NULL && MHD_add_response_header(r, "Vary", vary) != MHD_YES)
		return -1;
	return 0;
}

/*
 * The 304 is made from the 200's body too, which it never sends. Both
 * libmicrohttpd releases add a Content-Length from a response's body
 * size to a 304 (0.9.75: is_reply_body_headers_needed() in connection.c
 * is true for it; 1.0.1: is_reply_body_needed() returns
 * RP_BODY_HEADERS_ONLY), and RFC 9110 8.6 allows only the 200's value
 * there. 1.0 could leave it out (MHD_RF_HEAD_ONLY_RESPONSE); 0.9.75 has
 * no such flag, so both send the 200's.
 */
struct MHD_Response *
site_entry_response(const struct catalog_entry *e, bool notmod, bool gz,
		    const char *cache_control, const char *expires)
{
	struct MHD_Response *r =
		gz ? site_response_static(e->gz_body, e->gz_len)
		   : site_response_static(e->body, e->len);
	char disp[160];

	if (r == NULL)
		return NULL;
	if (entry_headers(r, e, gz, cache_control, expires) == -1)
		goto fail;
	if (notmod)
		return r;
	if (MHD_add_response_header(r, "Content-Type", e->content_type) !=
		    MHD_YES ||
	    (gz &&
	     MHD_add_response_header(r, "Content-Encoding", "gzip") != MHD_YES))
		goto fail;
	if (e->filename != NULL &&
	    (str_printf(disp, sizeof(disp), "attachment; filename=\"%s\"",
			e->filename) == -1 ||
	     MHD_add_response_header(r, "Content-Disposition", disp) !=
		     MHD_YES))
		goto fail;
	return r;
fail:
	MHD_destroy_response(r);
	return NULL;
}
