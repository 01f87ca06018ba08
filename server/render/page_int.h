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

/* Appends the helpdesk's plain-text message for site s. Returns 0 or -1. */
int page_helpdesk_message(const struct page_site *s, const char *org,
			  struct buf *m);

#endif
