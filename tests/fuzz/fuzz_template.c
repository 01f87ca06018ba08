/* SPDX-License-Identifier: MIT */
/* Fuzz target: page_substitute() on a template with a fixed set of
 * variables (the names the built-in pages use, and a few edge cases). */
#define _GNU_SOURCE /* memmem() */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "render/render.h"
#include "util.h"

/* The built-in templates are 0.5-3 KiB; the bound keeps one run cheap. */
#define TEMPLATE_FUZZ_MAX (16 * 1024)

/* No value contains '{', so a rendered page can never hold "{{". */
static const struct page_var vars[] = {
	{"organization", "Example Corp", false, false},
	{"ca_name", "Corp <Root> & \"Friends\" 'CA'", false, false},
	{"ca_slug", "corp-root", false, false},
	{"ca_subject", "CN=Example Corp Root CA,O=Example Corp", false, false},
	{"ca_expires", "2030-01-01", false, false},
	{"ca_sha1", "01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13",
	 false, false},
	{"ca_sha256", "AB:CD:EF", false, false},
	{"ca_badges", "<span class=\"badge\">primary</span>", true, false},
	{"ca_list", "<ul><li>Corp Root</li></ul>", true, false},
	{"check", "<section id=\"check\"></section>", true, false},
	{"check_items", "<li data-url=\"https://chat.example/\"></li>", true,
	 false},
	{"demo_banner", "", true, false},
	{"demo_label", "DEMO ", true, false},
	{"ios_href", "/ca.mobileconfig", false, false},
	{"ios_warning", "<p class=\"warning\">Safari</p>", true, false},
	{"mailto", "mailto:help@example.com?subject=CA%20help", false, false},
	{"message", "Hello,\n\nplease help.\n", false, false},
	{"open", " open", true, false},
	{"platform", "ios", false, false},
	{"profile_note", "Not <b>Verified</b>", true, false},
	{"public_url", "http://ca.corp.example/?a=1&b=2", false, false},
	{"qr", "<aside class=\"qr\"></aside>", true, false},
	{"slug", "ca", false, false},
	{"steps", "<ol><li>Tap</li></ol>", true, false},
	/* Edge cases: empty, NULL value, NULL name, a name of exactly 64. */
	{"empty", "", false, false},
	{"nothing", NULL, false, false},
	{NULL, "unnamed", false, false},
	{"a234567890123456789012345678901234567890123456789012345678901234",
	 "sixty-four", false, false},
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = {0};
	char err[256];
	char *tmpl;
	int r;

	if (size > TEMPLATE_FUZZ_MAX)
		return 0;
	/* Exactly size bytes, no NUL after them: page_substitute() takes a
	 * length, so a read past it must land on a redzone. */
	if ((tmpl = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(tmpl, data, size);
	memset(err, 'x', sizeof(err));
	r = page_substitute(tmpl, size, vars, ARRAY_LEN(vars), &out, err,
			    sizeof(err));
	if (r == 0) {
		FUZZ_CHECK(out.data != NULL && out.data[out.len] == '\0');
		/* Every placeholder was replaced... */
		FUZZ_CHECK(memmem(out.data, out.len, "{{", 2) == NULL);
		/* ...and text without one is copied byte for byte. */
		if (memmem(tmpl, size, "{{", 2) == NULL)
			FUZZ_CHECK(out.len == size &&
				   memcmp(out.data, tmpl, size) == 0);
	} else {
		FUZZ_CHECK(r == -1);
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		FUZZ_CHECK(err[0] != '\0');
		/* Only an unclosed or bad "{{" can fail (or memory). */
		FUZZ_CHECK(memmem(tmpl, size, "{{", 2) != NULL ||
			   strcmp(err, "out of memory") == 0);
	}
	buf_free(&out);
	free(tmpl);
	return 0;
}
