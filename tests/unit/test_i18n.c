/* SPDX-License-Identifier: MIT */
/* Message catalogs: the checks every catalog passes, merging an admin's
 * over a compiled one, and how messages and labels are substituted. */
#include <stdlib.h>
#include <string.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "render/render.h"

#define SRC "apple.example/ja"

static const struct i18n_entry en_e[] = {
	{"l.ios.about", "About", NULL, NULL, NULL, "not re-read", NULL},
	{"l.ios.settings", "Settings", SRC, "iOS 18", "2026-12-01", NULL, NULL},
	{"m.step",
	 "Open <b>{{l.ios.settings}} &gt; {{l.ios.about}}</b> on "
	 "{{organization}}'s phone.",
	 NULL, NULL, NULL, NULL, NULL},
	{"p.count", "{bad} of {total} not trusted yet.", NULL, NULL, NULL, NULL,
	 NULL},
	{"p.title", "{{organization}} root certificate", NULL, NULL, NULL, NULL,
	 NULL},
};
static const struct i18n_catalog en = {"en", "certpost.pot", en_e,
				       ARRAY_LEN(en_e)};

static const struct i18n_entry de_e[] = {
	{"l.ios.about", "Info", NULL, NULL, NULL, "not found", NULL},
	{"l.ios.settings", "Einstellungen", SRC, "iOS 18", "2026-12-01", NULL,
	 NULL},
	{"m.step",
	 "Öffnen Sie <b>{{l.ios.settings}} &gt; {{l.ios.about}}</b> "
	 "auf dem Telefon von {{organization}}.",
	 NULL, NULL, NULL, NULL, NULL},
	{"p.count", "{bad} von {total} noch nicht vertrauenswürdig.", NULL,
	 NULL, NULL, NULL, NULL},
	{"p.title", "Stammzertifikat von {{organization}}", NULL, NULL, NULL,
	 NULL, NULL},
};
static const struct i18n_catalog de = {"de", "de.po", de_e, ARRAY_LEN(de_e)};

/* Checks a copy of de with entry key's fields replaced; returns the
 * report (empty when it passes). */
static char *
check_with(const char *key, const struct i18n_entry *repl)
{
	struct i18n_entry e[ARRAY_LEN(de_e)];
	struct i18n_catalog c = {"de", "de.po", e, ARRAY_LEN(e)};
	struct buf errs = {0};
	size_t i;

	memcpy(e, de_e, sizeof(e));
	for (i = 0; i < ARRAY_LEN(e); i++)
		if (strcmp(e[i].key, key) == 0 && repl != NULL)
			e[i] = *repl;
	(void)i18n_check(&en, &c, NULL, 0, &errs);
	if (errs.data == NULL)
		return strdup("");
	return buf_steal(&errs, NULL);
}

static void
expect(const char *key, struct i18n_entry repl, const char *want)
{
	char *got;

	repl.key = key;
	got = check_with(key, &repl);
	assert_non_null(got);
	if (strstr(got, want) == NULL)
		fail_msg("%s: want \"%s\", got \"%s\"", key, want, got);
	free(got);
}

static void
test_check(void **state)
{
	struct buf errs = {0};
	char *ok;

	(void)state;
	ok = check_with("", NULL);
	assert_string_equal(ok, "");
	free(ok);
	assert_int_equal(i18n_check(&en, &en, NULL, 0, &errs), 0);
	expect("p.title", (struct i18n_entry){.text = "Stammzertifikat"},
	       "de.po: p.title: {{organization}} missing (the English has "
	       "it)");
	expect("p.title",
	       (struct i18n_entry){.text = "{{organization}} {{ca_name}}"},
	       "p.title: {{ca_name}} one too many");
	expect("p.title",
	       (struct i18n_entry){.text = "{{organization}} {{organization}}"},
	       "p.title: {{organization}} one too many");
	expect("p.count", (struct i18n_entry){.text = "{bad} von {total}"}, "");
	expect("p.count", (struct i18n_entry){.text = "{bad} von {all}"},
	       "p.count: {total} missing");
	expect("p.title",
	       (struct i18n_entry){.text = "<b>{{organization}}</b>"},
	       "p.title: <b one too many (not in the English)");
	expect("m.step",
	       (struct i18n_entry){
		       .text = "Öffnen Sie {{l.ios.settings}} &gt; "
			       "{{l.ios.about}} auf {{organization}}."},
	       "m.step: </b missing");
	expect("m.step",
	       (struct i18n_entry){
		       .text = "<b>{{l.ios.settings}} {{l.ios.abut}}</b> "
			       "{{organization}} {{l.ios.about}}"},
	       "{{l.ios.abut}}: no such label");
	expect("p.count", (struct i18n_entry){.text = "{bad} & {total}"},
	       "p.count: plain text with '<' or '&'");
	expect("p.count", (struct i18n_entry){.text = ""}, "p.count: empty");
	expect("l.ios.about", (struct i18n_entry){.text = "Info"},
	       "l.ios.about: no provenance");
	expect("l.ios.about",
	       (struct i18n_entry){
		       .text = "Info", .source = SRC, .unsourced = "x"},
	       "both a source and \"unsourced\"");
	expect("l.ios.about",
	       (struct i18n_entry){.text = "Info",
				   .source = SRC,
				   .os = "iOS",
				   .checked = "yesterday"},
	       "needs \"# source:\", \"# os:\" and \"# checked: YYYY-MM-DD\"");
	expect("l.ios.about",
	       (struct i18n_entry){.text = "Info", .source = SRC},
	       "a sourced label needs");
	expect("p.title", (struct i18n_entry){.key = "p.title"}, "empty");
	expect("p.title",
	       (struct i18n_entry){.text = "{{organization}} {{ x}}"},
	       "p.title: \"{{\" is not a placeholder");
	expect("p.title",
	       (struct i18n_entry){.text = "{{organization}}\x1b[31m"},
	       "p.title: byte 17 is a control character");
	expect("p.title", (struct i18n_entry){.text = "{{organization}}\xff"},
	       "p.title: byte 17 is not UTF-8");
	buf_free(&errs);
}

static void
test_missing_and_unknown(void **state)
{
	const struct i18n_entry extra[] = {
		de_e[0], de_e[1], de_e[2],
		de_e[3], de_e[4], {"p.zzz", "x", NULL, NULL, NULL, NULL, NULL},
	};
	struct i18n_catalog c = {"de", "de.po", extra, 3};
	struct buf errs = {0};

	(void)state;
	assert_int_equal(i18n_check(&en, &c, NULL, 0, &errs), 2);
	assert_non_null(strstr(errs.data, "de.po: p.count: missing"));
	assert_non_null(strstr(errs.data, "de.po: p.title: missing"));
	buf_free(&errs);
	c.n = ARRAY_LEN(extra);
	assert_int_equal(i18n_check(&en, &c, NULL, 0, &errs), 1);
	assert_non_null(strstr(errs.data, "p.zzz: not in the English"));
	buf_free(&errs);
}

/* A problem names the line of its msgctxt in the file given. */
static void
test_line(void **state)
{
	static const char src[] = "msgid \"\"\nmsgstr \"\"\n\n"
				  "msgctxt \"p.count\"\nmsgid \"x\"\n";
	struct i18n_entry e[ARRAY_LEN(de_e)];
	struct i18n_catalog c = {"de", "de.po", e, ARRAY_LEN(e)};
	struct buf errs = {0};

	(void)state;
	memcpy(e, de_e, sizeof(e));
	e[3].text = "nichts";
	(void)i18n_check(&en, &c, src, strlen(src), &errs);
	assert_non_null(strstr(errs.data, "de.po:4: p.count: {bad} missing"));
	buf_free(&errs);
}

static void
test_merge(void **state)
{
	const struct i18n_entry over_e[] = {
		{"m.new", "neu", NULL, NULL, NULL, NULL, NULL},
		{"p.title", "Zertifikat von {{organization}}", NULL, NULL, NULL,
		 NULL, NULL},
	};
	const struct i18n_catalog over = {"de", "static/de.po", over_e, 2};
	struct i18n_catalog *m = i18n_merge(&de, &over);

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->n, ARRAY_LEN(de_e) + 1);
	assert_string_equal(m->file, "static/de.po");
	assert_string_equal(i18n_find(m, "p.title", 7)->text,
			    "Zertifikat von {{organization}}");
	assert_string_equal(i18n_find(m, "l.ios.about", 11)->text, "Info");
	assert_string_equal(i18n_find(m, "l.ios.about", 11)->unsourced,
			    "not found");
	assert_non_null(i18n_find(m, "m.new", 5));
	for (size_t i = 1; i < m->n; i++)
		assert_true(strcmp(m->entries[i - 1].key, m->entries[i].key) <
			    0);
	assert_null(i18n_find(m, "p.titl", 6));
	i18n_po_free(m);
	m = i18n_merge(NULL, &over);
	assert_int_equal(m->n, 2);
	i18n_po_free(m);
}

static char *
render(const char *tmpl, const struct i18n_catalog *cat, bool text, int want_rc,
       char *err)
{
	static const struct page_var vars[] = {
		{"organization", "A&B", false, false},
	};
	struct page_words w = {cat, &en};
	struct buf out = {0};
	int rc = page_substitute_words(tmpl, strlen(tmpl), vars, 1, &w, text,
				       &out, err, 200);

	assert_int_equal(rc, want_rc);
	return rc == 0 ? buf_steal(&out, NULL) : (buf_free(&out), NULL);
}

static void
test_words(void **state)
{
	char err[200] = "";
	char *s;

	(void)state;
	/* A sourced label alone, an unsourced one with the English beside
	 * it; values escaped, the message's markup kept. */
	s = render("<li>{{m.step}}</li>", &de, false, 0, err);
	assert_string_equal(s, "<li>Öffnen Sie <b>Einstellungen &gt; Info "
			       "(<span lang=\"en\">About</span>)</b> auf dem "
			       "Telefon von A&amp;B.</li>");
	free(s);
	/* English has nothing beside. */
	s = render("{{m.step}}", &en, false, 0, err);
	assert_string_equal(s, "Open <b>Settings &gt; About</b> on A&amp;B's "
			       "phone.");
	free(s);
	/* Plain text is escaped as a whole in HTML, left as it is in text. */
	s = render("<title>{{p.title}}</title>", &de, false, 0, err);
	assert_string_equal(s, "<title>Stammzertifikat von A&amp;B</title>");
	free(s);
	s = render("{{p.title}} / {{l.ios.about}}", &de, true, 0, err);
	assert_string_equal(s, "Stammzertifikat von A&B / Info (About)");
	free(s);
	/* The script's own placeholders stay for the script. */
	s = render("data-x=\"{{p.count}}\"", &de, false, 0, err);
	assert_string_equal(s, "data-x=\"{bad} von {total} noch nicht "
			       "vertrauenswürdig.\"");
	free(s);
	/* What is refused, and said. */
	(void)render("a\n{{m.nope}}", &de, false, -1, err);
	assert_string_equal(err, "line 2: unknown message {{m.nope}}");
	(void)render("{{m.step}}", &de, true, -1, err);
	assert_non_null(strstr(err, "an HTML message in plain text"));
}

/* A message may not pull in another message (no loops, no surprises). */
static void
test_no_nesting(void **state)
{
	const struct i18n_entry e[] = {
		{"m.a", "x {{m.a}}", NULL, NULL, NULL, NULL, NULL},
		{"p.b", "{{p.b}}", NULL, NULL, NULL, NULL, NULL},
	};
	const struct i18n_catalog c = {"xx", "xx.po", e, 2};
	char err[200] = "";

	(void)state;
	(void)render("{{m.a}}", &c, false, -1, err);
	assert_string_equal(err, "line 1: {{m.a}}: a message inside a "
				 "message {{m.a}}");
	(void)render("{{p.b}}", &c, false, -1, err);
	assert_non_null(strstr(err, "a message inside a message"));
}

static void
test_builtin(void **state)
{
	struct buf errs = {0};
	size_t i;

	(void)state;
	/* The compiled catalogs passed the build's check; they still do. */
	assert_true(i18n_builtin_count >= 6);
	assert_string_equal(i18n_builtin[0].tag, "en");
	for (i = 0; i < i18n_builtin_count; i++) {
		assert_int_equal(i18n_check(&i18n_builtin[0], &i18n_builtin[i],
					    NULL, 0, &errs),
				 0);
		assert_true(lang_tag_valid(i18n_builtin[i].tag));
		assert_non_null(i18n_find(&i18n_builtin[i], "p.lang.name", 11));
	}
	buf_free(&errs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_missing_and_unknown),
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_no_nesting),
		cmocka_unit_test(test_builtin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
