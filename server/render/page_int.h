/* SPDX-License-Identifier: MIT */
/* What page.c, page_detect.c and page_text.c share; not for other modules. */
#ifndef CERTPOST_PAGE_INT_H
#define CERTPOST_PAGE_INT_H

#include "render/render.h"

extern const char page_demo_banner[];
extern const char page_ios_warning[];
extern const char page_ios_chrome_warning[];
extern const char *const page_profile_notes[PROFILE_LABEL_COUNT];
extern const char page_qr_block[];

/* The grouped fingerprint as lines of 8 pairs, one <span> each, appended
 * to out. Returns 0 or -1 (out of memory). */
int page_fingerprint_lines(const char *hex, struct buf *out);

/* Appends s percent-encoded for a mailto: URL. Returns 0 or -1. */
int page_pct(struct buf *b, const char *s);

/* Appends the helpdesk's plain-text message for site s in language lang
 * (whose words w are) to m, its subject line to subject. Returns 0 or -1
 * with the reason in err. */
int page_helpdesk_message(const struct page_site *s, const char *org,
			  const struct page_words *w, size_t lang,
			  struct buf *subject, struct buf *m, char *err,
			  size_t errlen);

#endif
