/* SPDX-License-Identifier: MIT */
/* stub, replaced by the module's real implementation */
#include "page.h"
enum page_platform page_detect(const char *ua) { (void)ua; return PAGE_OTHER; }
const char *page_platform_name(enum page_platform p) { (void)p; return "other"; }
int page_substitute(const char *t, size_t len, const struct page_var *v, size_t n, struct buf *o, char *e, size_t l) { (void)v; (void)n; (void)e; (void)l; return buf_append(o, t, len); }
int page_render_index(page_lookup_fn f, void *c, const struct page_site *s, enum page_platform p, struct buf *o, char *e, size_t l) { (void)f; (void)c; (void)s; (void)p; (void)e; (void)l; return buf_puts(o, "<!doctype html><title>certpost</title>"); }
int page_render_helpdesk(page_lookup_fn f, void *c, const struct page_site *s, struct buf *o, char *e, size_t l) { (void)f; (void)c; (void)s; (void)e; (void)l; return buf_puts(o, "<!doctype html><title>helpdesk</title>"); }
int page_fingerprint_groups(const char *h, struct buf *o) { return buf_html_escape(o, h); }
