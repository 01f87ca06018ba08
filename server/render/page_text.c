/* SPDX-License-Identifier: MIT */
/* The words the pages say outside their templates: fixed notices, the
 * fingerprint as iOS groups it, and the helpdesk's message. */
#include <ctype.h>
#include <string.h>

#include "page_int.h"

/* Fragments of template: their words are the language's messages. */
const char page_demo_banner[] =
	"<p class=\"demo-banner\" role=\"alert\">{{m.notice.demo}}</p>\n";

/* Firefox, DuckDuckGo and in-app browsers on iPhone cannot hand a profile
 * to Settings. */
const char page_ios_warning[] =
	"<p class=\"warning\" role=\"alert\">{{m.notice.ios_other_browser}}"
	"</p>\n";

/* Chrome on iOS downloads a profile for Settings only over HTTPS that the
 * phone trusts; before the root is installed that is rarely this page. */
const char page_ios_chrome_warning[] =
	"<p class=\"warning\" role=\"alert\">{{m.notice.ios_chrome}}</p>\n";

/*
 * What the Install Profile screen says, word for word, and what to do
 * about it. Only "Verified" means the signature proves anything to the
 * user; for the other two the fingerprint is the check, so the page says
 * so instead of sending everyone to the helpdesk.
 */
const char *const page_profile_notes[PROFILE_LABEL_COUNT] = {
	[PROFILE_NOT_SIGNED] = "{{m.profile.not_signed}}",
	[PROFILE_VERIFIED] = "{{m.profile.verified}}",
	[PROFILE_NOT_VERIFIED] = "{{m.profile.not_verified}}",
};

const char page_qr_block[] =
	"<aside class=\"qr\" id=\"qr\"><img src=\"/qr.svg\" width=\"160\" "
	"height=\"160\" alt=\"{{p.qr.alt}}\"><p>{{m.qr.caption}}</p>"
	"</aside>\n";

int
page_fingerprint_groups(const char *hex, struct buf *out)
{
	char c[2] = "";

	for (; hex != NULL && *hex != '\0'; hex++) {
		/* Upper case, as iOS, macOS and Windows show it. */
		c[0] = *hex == ':' ? ' ' : (char)toupper((unsigned char)*hex);
		if (buf_html_escape(out, c) == -1)
			return -1;
	}
	return 0;
}

/* The grouped fingerprint as lines of 8 pairs, one <span> each, so it
 * wraps between groups and never inside one. */
int
page_fingerprint_lines(const char *hex, struct buf *out)
{
	struct buf g = {0};
	const char *p;
	size_t pairs = 0;
	int ret = -1;

	if (page_fingerprint_groups(hex, &g) == -1 ||
	    buf_puts(out, "<span>") == -1)
		goto out;
	for (p = g.data != NULL ? g.data : ""; *p != '\0'; p++) {
		if (*p == ' ' && ++pairs % 8 == 0) {
			if (buf_puts(out, "</span> <span>") == -1)
				goto out;
		} else if (buf_append(out, p, 1) == -1) {
			goto out;
		}
	}
	ret = buf_puts(out, "</span>");
out:
	buf_free(&g);
	return ret;
}

/* Percent-encodes everything but RFC 3986 unreserved characters; a
 * newline becomes CRLF, as RFC 6068 wants in a mailto body. */
int
page_pct(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	char e[3];

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			if (buf_append(b, s, 1) == -1)
				return -1;
			continue;
		}
		if (c == '\n' && buf_puts(b, "%0D") == -1)
			return -1;
		e[0] = '%';
		e[1] = hex[c >> 4];
		e[2] = hex[c & 15];
		if (buf_append(b, e, 3) == -1)
			return -1;
	}
	return 0;
}

/* The label the iPhone's profile screen shows, by its key. */
static const char *const profile_label_keys[PROFILE_LABEL_COUNT] = {
	[PROFILE_NOT_SIGNED] = "l.ios.not_signed",
	[PROFILE_VERIFIED] = "l.ios.verified",
	[PROFILE_NOT_VERIFIED] = "l.ios.not_verified",
};

/* Appends plain-text template t (the language's messages in it). */
static int
text(const char *t, const struct page_var *vars, size_t nvars,
     const struct page_words *w, struct buf *out, char *err, size_t errlen)
{
	return page_substitute_words(t, strlen(t), vars, nvars, w, true, out,
				     err, errlen);
}

/* The message a helpdesk sends: where to go and what to compare. */
int
page_helpdesk_message(const struct page_site *s, const char *org,
		      const struct page_words *w, size_t lang,
		      struct buf *subject, struct buf *m, char *err,
		      size_t errlen)
{
	unsigned pl = (unsigned)s->profile_label < PROFILE_LABEL_COUNT
			      ? s->profile_label
			      : PROFILE_NOT_VERIFIED;
	struct buf fp = {0}, link = {0}, label = {0}, shown = {0};
	struct page_var vars[] = {
		{"organization", org, false, false},
		{"profile_label", NULL, false, false},
	};
	size_t i;
	int ret = -1;

	if (s->public_url != NULL && *s->public_url &&
	    (s->nlang > 1 && lang != s->default_lang
		     ? page_lang_url(s, lang, &link)
		     : buf_puts(&link, s->public_url)) == -1)
		goto nomem;
	if (buf_printf(&label, "{{%s}}", profile_label_keys[pl]) == -1)
		goto nomem;
	if (text(label.data, NULL, 0, w, &shown, err, errlen) == -1)
		goto out;
	vars[1].value = shown.data;
	if ((s->demo && text("{{p.mail.demo_prefix}} ", vars, 2, w, subject,
			     err, errlen) == -1) ||
	    text("{{p.mail.subject}}", vars, 2, w, subject, err, errlen) ==
		    -1 ||
	    text("{{p.mail.hello}}\n\n{{p.mail.intro}}\n\n"
		 "1. {{p.mail.open_link}}\n   ",
		 vars, 2, w, m, err, errlen) == -1 ||
	    buf_puts(m, link.data != NULL ? link.data : "") == -1 ||
	    text(pl == PROFILE_VERIFIED ? "\n2. {{p.mail.follow_steps}}\n   "
					  "{{p.mail.profile_verified}}\n"
					  "3. {{p.mail.fingerprint}}\n"
					: "\n2. {{p.mail.follow_steps}}\n   "
					  "{{p.mail.profile_expected}}\n"
					  "3. {{p.mail.fingerprint}}\n",
		 vars, 2, w, m, err, errlen) == -1)
		goto out;
	for (i = 0; i < s->nca; i++) {
		buf_free(&fp);
		if (page_fingerprint_groups(s->cas[i].sha256_hex, &fp) == -1 ||
		    buf_printf(m, "   %s: %s\n", s->cas[i].name,
			       fp.data != NULL ? fp.data : "") == -1)
			goto nomem;
	}
	if (text(s->demo ? "\n{{p.mail.stop}}\n\n{{p.mail.demo}}\n"
			 : "\n{{p.mail.stop}}\n",
		 vars, 2, w, m, err, errlen) == -1)
		goto out;
	ret = 0;
	goto out;
nomem:
	err_set(err, errlen, "out of memory");
out:
	buf_free(&fp);
	buf_free(&link);
	buf_free(&label);
	buf_free(&shown);
	return ret;
}
