/* SPDX-License-Identifier: MIT */
/* The words the pages say outside their templates: fixed notices, the
 * fingerprint as iOS groups it, and the helpdesk's message. */
#include <ctype.h>
#include <string.h>

#include "page_int.h"

const char page_demo_banner[] =
	"<p class=\"demo-banner\" role=\"alert\"><strong>DEMO</strong> This is "
	"the certpost demo: a throwaway root CA generated at start. Do not "
	"install it on a device you care about.</p>\n";

const char page_ios_warning[] =
	"<p class=\"warning\" role=\"alert\"><strong>Open this page in "
	"Safari:</strong> Firefox, DuckDuckGo and the browsers inside apps "
	"on iPhone cannot hand the profile to Settings. Copy this page's "
	"address and paste it into Safari, or choose <b>Open in Safari</b> in "
	"this app's menu.</p>\n";

/*
 * What the Install Profile screen says, word for word, and what to do
 * about it. Only "Verified" means the signature proves anything to the
 * user; for the other two the fingerprint is the check, so the page says
 * so instead of sending everyone to the helpdesk.
 */
/* Chrome on iOS downloads a profile for Settings only over HTTPS that the
 * phone trusts; before the root is installed that is rarely this page. */
const char page_ios_chrome_warning[] =
	"<p class=\"warning\" role=\"alert\"><strong>Chrome:</strong> "
	"Chrome on iPhone hands the profile to Settings only when this page's "
	"address starts with <b>https://</b> and Chrome shows no certificate "
	"warning. Otherwise, copy this page's address and open it in "
	"<b>Safari</b>.</p>\n";

const char *const page_profile_notes[PROFILE_LABEL_COUNT] = {
	[PROFILE_NOT_SIGNED] =
		"The profile screen shows <b class=\"bad\">Not Signed</b> in "
		"red. That is expected: this profile is not signed. What "
		"proves it is the right certificate is its fingerprint.",
	[PROFILE_VERIFIED] =
		"The profile screen shows <b class=\"good\">Verified</b> in "
		"green. If it shows Not Verified or Not Signed instead, stop "
		"and ask your helpdesk.",
	[PROFILE_NOT_VERIFIED] =
		"The profile screen shows <b class=\"bad\">Not Verified</b> "
		"in red. That is expected: the profile is signed with a "
		"certificate this device does not trust yet. What proves it is "
		"the right certificate is its fingerprint.",
};

const char page_qr_block[] =
	"<aside class=\"qr\" id=\"qr\"><img src=\"/qr.svg\" width=\"160\" "
	"height=\"160\" alt=\"QR code of this page's address\"><p>Scan this "
	"with your iPhone camera (or any phone) to open this page there.</p>"
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

/* The message a helpdesk sends: where to go and what to compare. */
int
page_helpdesk_message(const struct page_site *s, const char *org, struct buf *m)
{
	struct buf fp = {0};
	size_t i;
	int ret = -1;

	if (buf_printf(m,
		       "Hello,\n\nTo use %s's internal services without "
		       "certificate errors, install our root certificate:\n\n"
		       "1. Open this link (on an iPhone or iPad: in Safari):\n"
		       "   %s\n"
		       "2. Follow the steps the page shows for your device.\n"
		       "   On an iPhone or iPad the profile shows \"%s\"%s\n"
		       "3. Before you trust the certificate, check that its "
		       "SHA-256 fingerprint is:\n",
		       org, s->public_url != NULL ? s->public_url : "",
		       profile_label_name(s->profile_label),
		       s->profile_label == PROFILE_VERIFIED
			       ? "."
			       : ": that is expected; the fingerprint "
				 "below is how you know it is ours.") == -1)
		goto out;
	for (i = 0; i < s->nca; i++) {
		buf_free(&fp);
		if (page_fingerprint_groups(s->cas[i].sha256_hex, &fp) == -1 ||
		    buf_printf(m, "   %s: %s\n", s->cas[i].name,
			       fp.data != NULL ? fp.data : "") == -1)
			goto out;
	}
	ret = buf_printf(m,
			 "\nIf it looks different, stop and contact the "
			 "helpdesk.%s\n",
			 s->demo ? "\n\n(DEMO: this is a throwaway test "
				   "certificate. Do not install it on a "
				   "device you care about.)"
				 : "");
out:
	buf_free(&fp);
	return ret;
}
