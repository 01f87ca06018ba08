/* SPDX-License-Identifier: MIT */
/* The helpdesk's and the admin's side, served by the real daemon: the
 * helpdesk view and QR code, the draft e-mail, the rollout count, the
 * managed-deployment page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "harness.h"
#include "testca.h"

static struct harness h;
static X509 *root;

static int
setup(void **state)
{
	struct testca_opts ro = {.cn = "Corp Root", .ca = true};
	EVP_PKEY *rk;

	(void)state;
	harness_init(&h);
	if (testca_make(&ro, &root, &rk) == -1)
		return -1;
	testca_write_pem(harness_path(&h, "root.pem"), root);
	EVP_PKEY_free(rk);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	X509_free(root);
	harness_cleanup(&h);
	return 0;
}

static void
start(void)
{
	assert_int_equal(
		harness_start_conf(
			&h,
			"[server]\nlisten = 127.0.0.1:0\n"
			"public_url = http://ca.test.example/\n"
			"[ca \"corp\"]\nname = Corp Root\nfile = root.pem\n"
			"[profile]\norganization = Corp & Co\n"
			"identifier = com.example.corp\n"
			"[access]\nallow = 127.0.0.0/8\nadmin = 127.0.0.1\n"),
		0);
}

static void
test_helpdesk(void **state)
{
	unsigned char md[32];
	char grouped[100];
	struct hres r;
	unsigned i;

	(void)state;
	start();
	harness_request(&h, "/helpdesk", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hres_header(&r, "Content-Type"),
			    "text/html; charset=utf-8");
	assert_non_null(strstr(r.body.data, "http://ca.test.example"));
	assert_non_null(strstr(r.body.data, "src=\"/qr.svg\""));
	assert_non_null(strstr(r.body.data, "href=\"mailto:?subject="));
	assert_non_null(strstr(r.body.data, "Corp &amp; Co"));
	/* Its stylesheet and QR image are allowed (they were not). */
	{
		const char *csp = hres_header(&r, "Content-Security-Policy");

		assert_non_null(csp);
		assert_non_null(strstr(csp, "style-src 'self'"));
		assert_non_null(strstr(csp, "img-src 'self'"));
	}
	/* Every fingerprint pair is there to be read aloud. */
	X509_digest(root, EVP_sha256(), md, NULL);
	for (i = 0; i < 8; i++)
		snprintf(grouped + 3 * i, 4, "%02X ", md[i]);
	grouped[23] = '\0';
	assert_non_null(strstr(r.body.data, grouped));
	hres_free(&r);

	/* The QR code encodes the public URL (libqrencode's SVG). */
	harness_request(&h, "/qr.svg", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "http://ca.test.example"));
	assert_non_null(strstr(r.body.data, "viewBox=\""));
	hres_free(&r);
	assert_int_equal(harness_stop(&h), 0);
}

/* The page may reach exactly the trust-check origins, nothing else. */
/* Saves what path serves to dir/name; returns the full path. */
static const char *
save(const char *path, const char *name)
{
	struct hres r;
	const char *file;

	harness_request(&h, path, NULL, &r);
	assert_int_equal(r.status, 200);
	file = harness_path(&h, name);
	assert_int_equal(
		testca_write_file(file, r.body.data, r.body.len, false), 0);
	hres_free(&r);
	return file;
}

/*
 * /helpdesk/email.eml is a draft a mail program opens ready to send:
 * parsed with Python's email package (a real MIME parser), its
 * attachments must be the very bytes /ca-ios.mobileconfig (the iPhone
 * profile) and /ca.cer serve.
 */
static void
test_helpdesk_email(void **state)
{
	static const char script[] =
		"import email,email.policy,sys\n"
		"m=email.message_from_bytes(open(sys.argv[1],\"rb\").read(),"
		"policy=email.policy.default)\n"
		"assert m[\"X-Unsent\"]==\"1\",m[\"X-Unsent\"]\n"
		"assert m[\"Subject\"]==\"Install the Corp & Co root "
		"certificate\",m[\"Subject\"]\n"
		"assert m.get_content_type()==\"multipart/mixed\"\n"
		"t=m.get_body((\"plain\",)).get_content()\n"
		"assert \"http://ca.test.example\" in t and \"Corp Root\" in "
		"t,t\n"
		"assert \"profile shows \\\"Not Signed\\\"\" in t,t\n"
		"hp=m.get_body((\"html\",)).get_content()\n"
		"assert \"<a href=\\\"http://ca.test.example\\\">\" in hp,hp\n"
		"a={p.get_filename():p for p in m.iter_attachments()}\n"
		"assert sorted(a)==[\"ca-ios.mobileconfig\",\"corp.cer\"],a\n"
		"assert a[\"ca-ios.mobileconfig\"].get_content_type()=="
		"\"application/x-apple-aspen-config\"\n"
		"assert a[\"corp.cer\"].get_content_type()=="
		"\"application/x-x509-ca-cert\"\n"
		"assert a[\"ca-ios.mobileconfig\"].get_content()=="
		"open(sys.argv[2],\"rb\").read()\n"
		"assert a[\"corp.cer\"].get_content()==open(sys.argv[3],\"rb\")"
		".read()\n"
		"raw=open(sys.argv[1],\"rb\").read()\n"
		"assert b\"\\n\" not in raw.replace(b\"\\r\\n\",b\"\")\n"
		"assert max(len(l) for l in raw.split(b\"\\r\\n\"))<=76\n";
	const char *eml, *prof, *cer;
	char cmd[4096];
	struct hres r;

	(void)state;
	start();
	harness_request(&h, "/helpdesk/email.eml", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hres_header(&r, "Content-Type"), "message/rfc822");
	assert_string_equal(hres_header(&r, "Content-Disposition"),
			    "attachment; filename=\"install-root-"
			    "certificate.eml\"");
	hres_free(&r);
	harness_request(&h, "/helpdesk", NULL, &r);
	assert_non_null(strstr(r.body.data, "href=\"/helpdesk/email.eml\""));
	hres_free(&r);
	eml = save("/helpdesk/email.eml", "draft.eml");
	prof = save("/ca-ios.mobileconfig", "served.mobileconfig");
	cer = save("/ca.cer", "served.cer");
	harness_write(&h, "check_eml.py", script);
	snprintf(cmd, sizeof(cmd), "python3 '%s' '%s' '%s' '%s'",
		 harness_path(&h, "check_eml.py"), eml, prof, cer);
	assert_int_equal(harness_sh("%s", cmd), 0);
	assert_int_equal(harness_stop(&h), 0);
}

static long
confirm_from(const char *src, const char *ua_line)
{
	const char *hdrs[] = {ua_line, "Origin: http://ca.test.example",
			      "Host: ca.test.example", NULL};
	struct hreq opt = {.interface = src, .method = "POST", .headers = hdrs};
	struct hres r;
	long status;

	harness_request(&h, "/trust/confirm", &opt, &r);
	status = r.status;
	assert_int_equal(r.body.len, 0);
	assert_non_null(hres_header(&r, "X-Content-Type-Options"));
	hres_free(&r);
	return status;
}

/* The metric's value for one platform, or -1. */
static long
metric(const char *text, const char *name, const char *platform)
{
	char needle[160];
	const char *p;

	snprintf(needle, sizeof(needle), "\n%s{platform=\"%s\"} ", name,
		 platform);
	p = strstr(text, needle);
	return p != NULL ? strtol(p + strlen(needle), NULL, 10) : -1;
}

/*
 * The rollout, measured: a confirmation from the page's trust check is
 * counted once per source and day, however often it is sent and whatever
 * platform it claims, and shows in /metrics and the helpdesk's rollout
 * JSON beside the downloads by platform (test_rollout.c: the rest).
 */
static void
test_rollout(void **state)
{
	static const char iphone[] = "User-Agent: Mozilla/5.0 (iPhone; CPU "
				     "iPhone OS 17_5 like Mac OS X) "
				     "AppleWebKit/605.1.15 (KHTML, like Gecko) "
				     "Version/17.5 Mobile/15E148 Safari/604.1";
	static const char android[] = "User-Agent: Mozilla/5.0 (Linux; Android "
				      "14; Pixel 8) AppleWebKit/537.36 (KHTML, "
				      "like Gecko) Chrome/126.0 Mobile "
				      "Safari/537.36";
	const char *dl_hdrs[] = {iphone, NULL};
	struct hreq dl = {.interface = "127.0.0.2", .headers = dl_hdrs};
	struct hres r;

	(void)state;
	start();
	for (int i = 0; i < 3; i++)
		assert_int_equal(confirm_from("127.0.0.2", iphone), 204);
	assert_int_equal(confirm_from("127.0.0.3", iphone), 204);
	/* The same source claiming another platform: not again. */
	assert_int_equal(confirm_from("127.0.0.2", android), 204);
	/* A flood from one address counts once. */
	for (int i = 0; i < 300; i++)
		assert_int_equal(confirm_from("127.0.0.4", android), 204);
	harness_request(&h, "/ca.mobileconfig", &dl, &r);
	assert_int_equal(r.status, 200);
	hres_free(&r);
	harness_request(&h, "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(
		metric(r.body.data, "certpost_trust_confirmed_total", "ios"),
		2);
	assert_int_equal(metric(r.body.data, "certpost_trust_confirmed_total",
				"android"),
			 1);
	assert_int_equal(
		metric(r.body.data, "certpost_platform_downloads_total", "ios"),
		1);
	hres_free(&r);
	harness_request(&h, "/helpdesk/rollout.json", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hres_header(&r, "Content-Type"),
			    "application/json");
	assert_non_null(strstr(r.body.data,
			       "{\"platform\":\"ios\","
			       "\"name\":\"iPhone and iPad (Safari)\","
			       "\"downloads\":1,\"confirmed\":2}"));
	assert_non_null(strstr(r.body.data,
			       "{\"platform\":\"android\",\"name\":\"Android\","
			       "\"downloads\":0,\"confirmed\":1}"));
	/* Every row has a name a person reads, not the internal one. */
	for (const char *p = r.body.data;
	     (p = strstr(p, "\"platform\":\"")) != NULL; p++) {
		const char *id = p + 12, *name = strstr(p, "\"name\":\"");
		size_t idlen = strcspn(id, "\"");

		assert_non_null(name);
		name += 8;
		if (strncmp(name, id, idlen) == 0 && name[idlen] == '"')
			fail_msg("rollout row %.*s has no human name",
				 (int)idlen, id);
	}
	hres_free(&r);
	/* The helpdesk view reads it with its own script. */
	harness_request(&h, "/helpdesk", NULL, &r);
	assert_non_null(strstr(r.body.data, "src=\"/static/helpdesk.js\""));
	assert_non_null(strstr(r.body.data, "id=\"rollout-table\""));
	hres_free(&r);
	assert_int_equal(harness_stop(&h), 0);
}

/* The label between class="btn" href="...HREF_END"> and </a> in page,
 * copied into out; fails when there is none. */
static void
button_label(const char *page, const char *href_end, char *out, size_t outlen)
{
	const char *p = page, *end;

	while ((p = strstr(p, "class=\"btn\" href=\"")) != NULL) {
		const char *q = strchr(p, '>');

		if (q != NULL && (size_t)(q - p) > strlen(href_end) &&
		    strncmp(q - strlen(href_end), href_end, strlen(href_end)) ==
			    0 &&
		    (end = strstr(q, "</a>")) != NULL) {
			snprintf(out, outlen, "%.*s", (int)(end - q - 1),
				 q + 1);
			return;
		}
		p++;
	}
	fail_msg("no button ending %s in the page", href_end);
}

/* The helpdesk's script quotes the buttons as the page renders them for
 * each platform it walks through. */
static void
test_helpdesk_script(void **state)
{
	static const struct {
		const char *ua, *href_end;
	} platforms[] = {
		{"User-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac "
		 "OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
		 "Mobile/15E148 Safari/604.1",
		 "mobileconfig\""},
		{"User-Agent: Mozilla/5.0 (Linux; Android 14; Pixel 8) "
		 "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile "
		 "Safari/537.36",
		 "/ca.crt\""},
	};
	char label[128], quoted[160];
	struct hres page, desk;

	(void)state;
	start();
	harness_request(&h, "/helpdesk", NULL, &desk);
	assert_int_equal(desk.status, 200);
	for (size_t i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++) {
		const char *hdrs[] = {platforms[i].ua, NULL};
		struct hreq o = {.headers = hdrs};

		harness_request(&h, "/", &o, &page);
		assert_int_equal(page.status, 200);
		button_label(page.body.data, platforms[i].href_end, label,
			     sizeof(label));
		snprintf(quoted, sizeof(quoted), "<b>%s</b>", label);
		if (strstr(desk.body.data, quoted) == NULL)
			fail_msg("the helpdesk script does not quote the "
				 "page's button %s",
				 quoted);
		printf("# %s quoted\n", quoted);
		hres_free(&page);
	}
	hres_free(&desk);
	assert_int_equal(harness_stop(&h), 0);
}

/* /admin fills every command in with this server's URLs, file names and
 * fingerprints. */
static void
test_admin_page(void **state)
{
	unsigned char md[20];
	char thumb[41], want[256];
	struct hres r;

	(void)state;
	start();
	harness_request(&h, "/admin", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hres_header(&r, "Content-Type"),
			    "text/html; charset=utf-8");
	assert_non_null(strstr(hres_header(&r, "Content-Security-Policy"),
			       "style-src 'self'"));
	X509_digest(root, EVP_sha1(), md, NULL);
	for (int i = 0; i < 20; i++)
		snprintf(thumb + 2 * i, 3, "%02X", md[i]);
	snprintf(want, sizeof(want), "certutil -store Root %s", thumb);
	assert_non_null(strstr(r.body.data, want));
	assert_non_null(strstr(r.body.data,
			       "curl.exe -fsSo corp.cer "
			       "http://ca.test.example/corp.cer\n"
			       "certutil -addstore -f Root corp.cer"));
	assert_non_null(strstr(r.body.data,
			       "-CertStoreLocation Cert:\\LocalMachine\\Root"));
	assert_non_null(strstr(r.body.data, "security add-trusted-cert -d -r "
					    "trustRoot -k /Library/Keychains/"
					    "System.keychain corp.cer"));
	assert_non_null(strstr(r.body.data, "\"Install\": "
					    "[\"/etc/ssl/certs/corp.pem\"]"));
	assert_non_null(
		strstr(r.body.data,
		       "href=\"http://ca.test.example/ca.mobileconfig\""));
	assert_non_null(strstr(r.body.data, "Corp Root"));
	/* The rollout table too, with whose counts they are (the script
	 * fills it from /helpdesk/rollout.json). */
	assert_non_null(strstr(r.body.data, "id=\"rollout-table\""));
	assert_non_null(strstr(r.body.data, "id=\"rollout-note\""));
	assert_non_null(strstr(r.body.data, "each instance counts its own"));
	assert_non_null(strstr(r.body.data, "src=\"/static/helpdesk.js\""));
	hres_free(&r);
	harness_request(&h, "/helpdesk", NULL, &r);
	assert_non_null(strstr(r.body.data, "href=\"/admin\""));
	hres_free(&r);
	assert_int_equal(harness_stop(&h), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_helpdesk),
		cmocka_unit_test(test_helpdesk_email),
		cmocka_unit_test(test_helpdesk_script),
		cmocka_unit_test(test_rollout),
		cmocka_unit_test(test_admin_page),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
