/* SPDX-License-Identifier: MIT */
/* The page in the visitor's language, served by the real daemon: which
 * language a request gets (Accept-Language, ?lang=), the headers and
 * validators per variant, the labels beside their English, the helpdesk's
 * messages per language, [page] languages, an admin's catalog in
 * static_dir and what is refused there. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "harness.h"
#include "testca.h"

#define IPHONE                                                                 \
	"User-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "  \
	"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "               \
	"Mobile/15E148 Safari/604.1"

static struct harness h;

static const char base_conf[] =
	"[server]\nlisten = 127.0.0.1:0\n"
	"public_url = http://ca.test.example/\n"
	"[ca \"corp\"]\nname = Corp Root\nfile = root.pem\n"
	"[access]\nallow = 127.0.0.0/8\nadmin = 127.0.0.0/8\n"
	"[trust]\ncheck_url = https://intranet.test.example/\n";

static int
setup(void **state)
{
	unsigned char *der = NULL;

	(void)state;
	harness_init(&h);
	if (testca_root_file("Corp Root", harness_path(&h, "root.pem"), &der) ==
	    -1)
		return -1;
	OPENSSL_free(der);
	if (mkdir(harness_path(&h, "static"), 0755) == -1)
		return -1;
	return harness_start_conf(&h, base_conf);
}

static int
teardown(void **state)
{
	(void)state;
	(void)harness_stop(&h);
	harness_cleanup(&h);
	return 0;
}

/* GET path with an iPhone's User-Agent and the extra header lines. */
static void
get(const char *path, const char *accept_language, const char *extra,
    struct hres *r)
{
	char al[200];
	const char *headers[4] = {IPHONE, NULL, NULL, NULL};
	size_t n = 1;
	struct hreq o = {.headers = headers};

	if (accept_language != NULL) {
		snprintf(al, sizeof(al), "Accept-Language: %s",
			 accept_language);
		headers[n++] = al;
	}
	if (extra != NULL)
		headers[n++] = extra;
	harness_request(&h, path, &o, r);
	assert_true(r->status != 0);
}

/* The language a request got, by its header and the page's own mark. */
static void
assert_lang(const char *path, const char *accept_language, const char *want)
{
	struct hres r;
	char mark[64];

	get(path, accept_language, NULL, &r);
	assert_int_equal(r.status, 200);
	if (hres_header(&r, "Content-Language") == NULL ||
	    strcmp(hres_header(&r, "Content-Language"), want) != 0)
		fail_msg("%s with \"%s\": Content-Language %s, want %s", path,
			 accept_language ? accept_language : "(none)",
			 hres_header(&r, "Content-Language"), want);
	snprintf(mark, sizeof(mark), "<html lang=\"%s\">", want);
	assert_non_null(strstr(r.body.data, mark));
	hres_free(&r);
}

static void
test_negotiation(void **state)
{
	(void)state;
	assert_lang("/", NULL, "en");
	assert_lang("/", "de-CH, en;q=0.5", "de");
	assert_lang("/", "fr;q=0.5, de;q=0.5", "fr");
	assert_lang("/", "en;q=0.1, ja", "ja");
	assert_lang("/", "zh-CN", "zh-Hans");
	assert_lang("/", "zh-Hans-SG", "zh-Hans");
	/* Traditional Chinese is never served Simplified. */
	assert_lang("/", "zh-TW", "en");
	assert_lang("/", "zh-HK, zh;q=0.5", "zh-Hans");
	/* Portugal's words are not Brazil's. */
	assert_lang("/", "pt-PT", "en");
	assert_lang("/", "pt-PT, es;q=0.3", "es");
	assert_lang("/", "pt", "pt-BR");
	assert_lang("/", "de;q=0, de-AT, nl;q=0.2", "nl");
	assert_lang("/", "*", "en");
	/* Malformed elements are skipped; the rest counts. */
	assert_lang("/", "de;q=2, xx-;q=0.9, it;q=0.8", "it");
	assert_lang("/", ",,;;;q=;", "en");
	/* The helpdesk view is negotiated the same way. */
	assert_lang("/helpdesk", "ja", "ja");
}

static void
test_query(void **state)
{
	(void)state;
	/* A choice wins over the browser's, in any case; one that is not
	 * served is ignored. */
	assert_lang("/?lang=ja", "de", "ja");
	assert_lang("/?lang=ZH-hans", "de", "zh-Hans");
	assert_lang("/?lang=pt-PT", "fr", "fr");
	assert_lang("/?lang=%3Cscript%3E", "es", "es");
	assert_lang("/?lang=", NULL, "en");
	assert_lang("/helpdesk?lang=it", "de", "it");
}

static void
test_headers_per_variant(void **state)
{
	struct hres de, en, nm, gz;
	char inm[128], etag_de[80];

	(void)state;
	get("/", "de", NULL, &de);
	get("/", "en", NULL, &en);
	assert_string_equal(hres_header(&de, "Vary"),
			    "User-Agent, Accept-Language, Accept-Encoding");
	snprintf(etag_de, sizeof(etag_de), "%s", hres_header(&de, "ETag"));
	assert_string_not_equal(etag_de, hres_header(&en, "ETag"));
	/* A validator is compared with the variant this request gets: the
	 * German ETag does not make an English request's 304. */
	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag_de);
	get("/", "en", inm, &nm);
	assert_int_equal(nm.status, 200);
	hres_free(&nm);
	get("/", "de", inm, &nm);
	assert_int_equal(nm.status, 304);
	assert_string_equal(hres_header(&nm, "Content-Language"), "de");
	assert_string_equal(hres_header(&nm, "Vary"),
			    "User-Agent, Accept-Language, Accept-Encoding");
	assert_string_equal(hres_header(&nm, "ETag"), etag_de);
	hres_free(&nm);
	/* Each variant has its own gzip form. */
	assert_true(harness_wait_log(&h, "gzip forms made", 10000));
	get("/", "de", "Accept-Encoding: gzip", &gz);
	assert_string_equal(hres_header(&gz, "Content-Encoding"), "gzip");
	assert_string_equal(hres_header(&gz, "Content-Language"), "de");
	assert_non_null(strstr(hres_header(&gz, "ETag"), "-gz\""));
	hres_free(&gz);
	hres_free(&de);
	hres_free(&en);
}

static void
test_labels(void **state)
{
	struct hres de, ja, en;

	(void)state;
	get("/", "de", NULL, &de);
	get("/", "ja", NULL, &ja);
	get("/", "en", NULL, &en);
	/* Unsourced in German: the English words beside ours. */
	assert_non_null(
		strstr(de.body.data,
		       "Zertifikatsvertrauenseinstellungen (<span "
		       "lang=\"en\">Certificate Trust Settings</span>)"));
	/* Sourced in Japanese (Apple's ja-jp article): as the iPhone says. */
	assert_non_null(strstr(ja.body.data, "証明書信頼設定</b>"));
	assert_null(strstr(ja.body.data, "証明書信頼設定 (<span lang=\"en\">"));
	/* English never has anything beside it. */
	assert_null(strstr(en.body.data, "<span lang=\"en\">"));
	/* The trust check's messages are the page's language. */
	assert_non_null(strstr(de.body.data, "data-msg-checking=\""));
	assert_null(strstr(de.body.data, "data-msg-checking=\"Checking"));
	hres_free(&de);
	hres_free(&ja);
	hres_free(&en);
}

static void
test_switcher(void **state)
{
	struct hres r;

	(void)state;
	get("/", "fr", NULL, &r);
	assert_non_null(strstr(r.body.data, "<nav class=\"langs\""));
	assert_non_null(strstr(r.body.data,
			       "<span lang=\"fr\" aria-current=\"true\">"
			       "Français</span>"));
	assert_non_null(strstr(r.body.data,
			       "<a href=\"/?lang=ja\" hreflang=\"ja\" "
			       "lang=\"ja\">日本語</a>"));
	assert_non_null(strstr(r.body.data,
			       "<link rel=\"alternate\" hreflang=\"zh-Hans\" "
			       "href=\"/?lang=zh-Hans\">"));
	assert_non_null(strstr(r.body.data,
			       "<link rel=\"alternate\" hreflang=\"x-default\" "
			       "href=\"/\">"));
	/* No cookie is set. */
	assert_null(hres_header(&r, "Set-Cookie"));
	hres_free(&r);
}

static void
test_errors(void **state)
{
	struct hres r;

	(void)state;
	get("/nope", "fr", NULL, &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(hres_header(&r, "Content-Language"), "fr");
	assert_non_null(strstr(r.body.data, "<html lang=\"fr\">"));
	assert_int_equal(r.body.len,
			 strtol(hres_header(&r, "Content-Length"), NULL, 10));
	hres_free(&r);
	get("/nope", NULL, NULL, &r);
	assert_non_null(strstr(r.body.data, "<title>404 Not Found</title>"));
	hres_free(&r);
}

static void
test_helpdesk(void **state)
{
	struct hres r, eml, qr;

	(void)state;
	get("/helpdesk", "de", NULL, &r);
	/* Every language's message, the helpdesk's own open. */
	assert_non_null(strstr(r.body.data, "<details class=\"message\" "
					    "id=\"message-de-block\" open>"));
	assert_non_null(strstr(r.body.data, "id=\"message-ja\" lang=\"ja\""));
	assert_non_null(strstr(r.body.data, "href=\"/helpdesk/email-ja.eml\""));
	assert_non_null(strstr(r.body.data, "src=\"/helpdesk/qr-ja.svg\""));
	assert_non_null(strstr(r.body.data, "http://ca.test.example/?lang=ja"));
	/* The default language keeps its addresses. */
	assert_non_null(strstr(r.body.data, "href=\"/helpdesk/email.eml\""));
	assert_non_null(strstr(r.body.data, "<textarea id=\"message\""));
	hres_free(&r);
	get("/helpdesk/email-ja.eml", NULL, NULL, &eml);
	assert_int_equal(eml.status, 200);
	/* A Japanese subject, RFC 2047-encoded. */
	assert_non_null(strstr(eml.body.data, "Subject: =?UTF-8?B?"));
	assert_non_null(strstr(eml.body.data, "X-Unsent: 1"));
	hres_free(&eml);
	get("/helpdesk/qr-ja.svg", NULL, NULL, &qr);
	assert_int_equal(qr.status, 200);
	assert_non_null(
		strstr(qr.body.data, "http://ca.test.example/?lang=ja"));
	hres_free(&qr);
	get("/helpdesk/email-en.eml", NULL, NULL, &eml);
	assert_int_equal(eml.status, 404);
	hres_free(&eml);
}

static void
restart(const char *extra)
{
	char conf[2048];

	(void)harness_stop(&h);
	snprintf(conf, sizeof(conf), "%s%s", base_conf, extra);
	assert_int_equal(harness_start_conf(&h, conf), 0);
}

static void
test_configured(void **state)
{
	struct hres r;

	(void)state;
	restart("[page]\nlanguages = en, ja\ndefault_language = ja\n");
	assert_lang("/", NULL, "ja");
	assert_lang("/", "de", "ja");
	assert_lang("/", "en-GB", "en");
	assert_lang("/?lang=de", NULL, "ja");
	get("/", NULL, NULL, &r);
	assert_null(strstr(r.body.data, "hreflang=\"de\""));
	hres_free(&r);
	/* One language: no switcher, no alternates, the helpdesk as it was
	 * before languages. */
	restart("[page]\nlanguages = de\n");
	assert_lang("/", "en", "de");
	get("/", NULL, NULL, &r);
	assert_null(strstr(r.body.data, "<nav class=\"langs\""));
	assert_null(strstr(r.body.data, "hreflang"));
	hres_free(&r);
	get("/helpdesk", NULL, NULL, &r);
	assert_null(strstr(r.body.data, "<details class=\"message\""));
	assert_non_null(strstr(r.body.data, "<textarea id=\"message\""));
	hres_free(&r);
}

/* A start that must fail, and the reason it names. */
static void
refused(const char *extra, const char *why)
{
	char conf[2048];
	struct buf log = {0};
	const char *args[] = {"--config", NULL, NULL};
	int status;

	(void)harness_stop(&h);
	snprintf(conf, sizeof(conf), "%s%s", base_conf, extra);
	harness_write(&h, "certpost.conf", conf);
	args[1] = harness_path(&h, "certpost.conf");
	assert_int_equal(harness_start(&h, args, &status), -1);
	harness_log(&h, &log);
	if (log.data == NULL || strstr(log.data, why) == NULL)
		fail_msg("want \"%s\" in:\n%s", why, log.data ? log.data : "");
	buf_free(&log);
}

static void
test_config_errors(void **state)
{
	(void)state;
	refused("[page]\nlanguages = en xx\n",
		"certpost.conf:13: [page] languages: no catalog for 'xx'");
	refused("[page]\nlanguages = en de\ndefault_language = fr\n",
		"certpost.conf:14: [page] default_language: 'fr' is not one "
		"of the languages served");
	refused("[page]\nlanguages = en d!e\n", "not a language tag");
	refused("[page]\nlanguages = en de en\n", "'en' given twice");
	refused("[page]\ncolour = blue\n", "unknown key");
}

/* A catalog file of an admin's: a header, then messages. */
static void
write_po(const char *name, const char *lang, const char *messages)
{
	char text[8192];

	snprintf(text, sizeof(text),
		 "msgid \"\"\nmsgstr \"\"\n\"Language: %s\\n\"\n"
		 "\"Content-Type: text/plain; charset=UTF-8\\n\"\n\n%s",
		 lang, messages);
	harness_write(&h, name, text);
}

static void
test_static_dir(void **state)
{
	struct hres r;
	struct buf po = {0};
	char path[600], err[300];

	(void)state;
	/* Words of a compiled language replaced: the rest stay. */
	write_po("static/de.po", "de",
		 "msgctxt \"m.index.steps_title\"\nmsgid \"Install and trust "
		 "it\"\nmsgstr \"So geht es\"\n\n"
		 "# unsourced: our own words\nmsgctxt \"l.ios.general\"\n"
		 "msgid \"General\"\nmsgstr \"Allgemeines\"\n");
	/* A new language, whole: Portugal's, from Brazil's file with its
	 * header changed (a test: the words are not Portugal's). */
	snprintf(path, sizeof(path), "%s/i18n/pt-BR.po", SRCDIR);
	assert_int_equal(file_read(path, 1u << 20, &po, err, sizeof(err)), 0);
	{
		char *lang = strstr(po.data, "\"Language: pt-BR\\n\"");

		assert_non_null(lang);
		memcpy(lang + 11, "pt-PT", 5);
	}
	harness_write(&h, "static/pt-PT.po", po.data);
	buf_free(&po);
	restart("[server]\nstatic_dir = static\n");
	get("/", "de", NULL, &r);
	assert_non_null(strstr(r.body.data, "So geht es"));
	assert_non_null(strstr(r.body.data, "Allgemeines (<span lang=\"en\">"
					    "General</span>)"));
	/* Not replaced: the compiled German. */
	assert_non_null(
		strstr(r.body.data, "Zertifikatsvertrauenseinstellungen"));
	hres_free(&r);
	assert_lang("/", "pt-PT", "pt-PT");
	assert_lang("/", "pt-BR", "pt-BR");
}

static void
test_static_dir_refused(void **state)
{
	struct hres r;

	(void)state;
	/* A placeholder lost, one too many, markup in plain text, a label
	 * without provenance, a key that is not English's: each named with
	 * file, line and key. */
	write_po("static/de.po", "de",
		 "msgctxt \"m.index.lead\"\nmsgid \"x\"\nmsgstr \"Ohne "
		 "Namen\"\n");
	refused("[server]\nstatic_dir = static\n",
		"static/de.po:6: m.index.lead: {{organization}} missing");
	write_po("static/de.po", "de",
		 "msgctxt \"p.mail.hello\"\nmsgid \"x\"\nmsgstr \"Hallo "
		 "{{organization}}\"\n");
	refused("[server]\nstatic_dir = static\n",
		"p.mail.hello: {{organization}} one too many");
	write_po("static/de.po", "de",
		 "msgctxt \"p.mail.hello\"\nmsgid \"x\"\nmsgstr \"<b>Hallo"
		 "</b>\"\n");
	refused("[server]\nstatic_dir = static\n",
		"p.mail.hello: plain text with");
	write_po("static/de.po", "de",
		 "msgctxt \"l.ios.general\"\nmsgid \"x\"\nmsgstr \"A\"\n");
	refused("[server]\nstatic_dir = static\n",
		"l.ios.general: no provenance");
	write_po("static/de.po", "de",
		 "msgctxt \"m.index.nonsense\"\nmsgid \"x\"\nmsgstr \"A\"\n");
	refused("[server]\nstatic_dir = static\n",
		"m.index.nonsense: not in the English catalog");
	/* A new language must be whole. */
	write_po("static/de.po", "de", "");
	write_po("static/es-419.po", "es-419",
		 "msgctxt \"p.lang.name\"\nmsgid \"English\"\nmsgstr "
		 "\"Español (Latinoamérica)\"\n");
	refused("[server]\nstatic_dir = static\n",
		"static/es-419.po: l.android.ca_certificate: missing (or "
		"fuzzy)");
	refused("[server]\nstatic_dir = static\n",
		"more messages missing (msgmerge --update");
	/* A file whose header names another language. */
	unlink(harness_path(&h, "static/es-419.po"));
	write_po("static/it.po", "fr", "");
	refused("[server]\nstatic_dir = static\n",
		"its header says Language: fr");
	unlink(harness_path(&h, "static/it.po"));
	/* Another charset: its bytes would be served as UTF-8. */
	harness_write(&h, "static/de.po",
		      "msgid \"\"\nmsgstr \"\"\n\"Language: de\\n\"\n"
		      "\"Content-Type: text/plain; charset=ISO-8859-1\\n\"\n\n"
		      "msgctxt \"p.mail.hello\"\nmsgid \"x\"\nmsgstr "
		      "\"Gr\xfc\xdf"
		      "e\"\n");
	refused("[server]\nstatic_dir = static\n",
		"the header's Content-Type must say charset=UTF-8");
	/* What the renderer would refuse is refused here first. */
	write_po("static/de.po", "de",
		 "msgctxt \"p.lang.name\"\nmsgid \"x\"\nmsgstr \"Deutsch "
		 "{{}}\"\n");
	refused("[server]\nstatic_dir = static\n",
		"p.lang.name: \"{{}}\" is not a placeholder");
	write_po("static/de.po", "de",
		 "msgctxt \"p.mail.hello\"\nmsgid \"x\"\nmsgstr \"Hallo"
		 "\xe2\x80\xae\"\n");
	refused("[server]\nstatic_dir = static\n",
		"p.mail.hello: byte 6 is a bidi override");
	write_po("static/de.po", "de",
		 "msgctxt \"p.mail.hello\"\nmsgid \"x\"\nmsgstr \"Hallo\\t"
		 "\\r\"\n");
	refused("[server]\nstatic_dir = static\n",
		"p.mail.hello: byte 7 is a control character");
	write_po("static/de.po", "de", "");
	/* Not a PO file at all. */
	harness_write(&h, "static/nl.po", "msgid \"\nbroken\n");
	refused("[server]\nstatic_dir = static\n", "static/nl.po:");
	unlink(harness_path(&h, "static/nl.po"));
	/* A reload with a broken catalog keeps serving the last good one. */
	restart("[server]\nstatic_dir = static\n");
	write_po("static/de.po", "de",
		 "msgctxt \"m.index.lead\"\nmsgid \"x\"\nmsgstr \"kaputt\"\n");
	assert_int_equal(kill(h.pid, SIGHUP), 0);
	assert_true(harness_wait_log(&h, "{{organization}} missing", 10000));
	assert_lang("/", "de", "de");
	get("/", "de", NULL, &r);
	assert_null(strstr(r.body.data, "kaputt"));
	hres_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiation),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_headers_per_variant),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_switcher),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_helpdesk),
		cmocka_unit_test(test_configured),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_static_dir),
		cmocka_unit_test(test_static_dir_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
