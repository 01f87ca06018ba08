/* SPDX-License-Identifier: MIT */
/* {{name}} substitution: the page's values, and a language's messages
 * ({{m.id}}, {{p.id}}) and device labels ({{l.id}}). */
#include <string.h>

#include "page_int.h"

#define NAME_MAX_LEN 64

static bool
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '.';
}

static size_t
line_of(const char *tmpl, const char *at)
{
	size_t line = 1;
	const char *p;

	for (p = tmpl; p < at; p++)
		line += *p == '\n';
	return line;
}

static const struct page_var *
var_find(const struct page_var *vars, size_t nvars, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < nvars; i++)
		if (vars[i].name != NULL && strlen(vars[i].name) == n &&
		    memcmp(vars[i].name, name, n) == 0)
			return &vars[i];
	return NULL;
}

/* Sets *ret_n to the length of the placeholder name at name (inside
 * "{{...}}"). Returns NULL, or why it is not one. */
static const char *
placeholder_name(const char *name, const char *end, size_t *ret_n)
{
	size_t n = 0, rest;

	while (name + n < end && n <= NAME_MAX_LEN && is_name_char(name[n]))
		n++;
	*ret_n = n;
	if (n > NAME_MAX_LEN)
		return "placeholder name longer than 64 bytes:";
	rest = (size_t)(end - (name + n));
	if (rest == 0 || (name[n] == '}' && (rest == 1 || name[n + 1] != '}')))
		return "unterminated";
	if (name[n] != '}' || name[n + 1] != '}')
		return "bad character in placeholder";
	if (n == 0)
		return "empty placeholder";
	return NULL;
}

struct subst {
	const struct page_var *vars;
	size_t nvars;
	const struct page_words *w;
	bool text;   /* plain text out: nothing escaped */
	bool nested; /* inside a message: no messages there */
	char *err;
	size_t errlen;
};

static int subst_run(const struct subst *s, const char *tmpl, size_t len,
		     struct buf *out);

static int
put_text(struct buf *out, const char *s, bool text)
{
	return text ? buf_puts(out, s) : buf_html_escape(out, s);
}

/*
 * A device label: its words, and for one without a first-party source
 * the English words beside them, which are what a reader can match on
 * the screen if the translation is not the device's.
 */
static int
put_label(const struct subst *s, const struct i18n_entry *e, const char *name,
	  size_t n, struct buf *out)
{
	const struct i18n_entry *en = i18n_find(s->w->en, name, n);

	if (put_text(out, e->text, s->text) == -1)
		return -1;
	if (e->unsourced == NULL || en == NULL || s->w->cat == s->w->en ||
	    strcmp(en->text, e->text) == 0)
		return 0;
	if (s->text)
		return buf_printf(out, " (%s)", en->text);
	if (buf_puts(out, " (<span lang=\"en\">") == -1 ||
	    buf_html_escape(out, en->text) == -1)
		return -1;
	return buf_puts(out, "</span>)");
}

/* {{m.id}}, {{p.id}}, {{l.id}}: from the language's catalog. Returns 0,
 * -1 with *why (NULL: out of memory), or -2 when a message failed (the
 * reason is in s->err). */
static int
put_words(const struct subst *s, const char *name, size_t n, struct buf *out,
	  const char **why)
{
	const struct i18n_entry *e = i18n_find(s->w->cat, name, n);
	struct subst in = *s;
	struct buf plain = {0};
	int r;

	if (e == NULL) {
		*why = "unknown message";
		return -1;
	}
	if (name[0] == 'l')
		return put_label(s, e, name, n, out);
	if (s->nested || (name[0] == 'm' && s->text)) {
		*why = s->nested ? "a message inside a message"
				 : "an HTML message in plain text";
		return -1;
	}
	in.nested = true;
	in.text = name[0] == 'p';
	r = subst_run(&in, e->text, strlen(e->text),
		      name[0] == 'm' ? out : &plain);
	if (r == -1)
		r = -2; /* the reason is in s->err */
	else if (name[0] == 'p' &&
		 put_text(out, plain.data != NULL ? plain.data : "", s->text) ==
			 -1)
		r = -1;
	buf_free(&plain);
	return r;
}

static bool
is_words(const char *name, size_t n)
{
	return n > 2 && name[1] == '.' &&
	       (name[0] == 'm' || name[0] == 'p' || name[0] == 'l');
}

static int
subst_run(const struct subst *s, const char *tmpl, size_t len, struct buf *out)
{
	const char *p = tmpl, *end = tmpl + len, *open, *why = NULL;
	const struct page_var *v;
	size_t n;
	int r;

	while ((open = memchr(p, '{', (size_t)(end - p))) != NULL) {
		if (end - open < 2 || open[1] != '{') {
			if (buf_append(out, p, (size_t)(open - p) + 1) == -1)
				goto nomem;
			p = open + 1;
			continue;
		}
		if (buf_append(out, p, (size_t)(open - p)) == -1)
			goto nomem;
		/* The line is counted only for an error: templates may be
		 * large and placeholders many. */
		if ((why = placeholder_name(open + 2, end, &n)) != NULL) {
			err_set(s->err, s->errlen, "line %zu: %s {{%.*s",
				line_of(tmpl, open), why,
				(int)(n < 16 ? n : 16), open + 2);
			return -1;
		}
		if (s->w != NULL && is_words(open + 2, n)) {
			if ((r = put_words(s, open + 2, n, out, &why)) == -2)
				goto inner;
			if (r == -1)
				goto fail;
			p = open + 2 + n + 2;
			continue;
		}
		if ((v = var_find(s->vars, s->nvars, open + 2, n)) == NULL) {
			why = "unknown placeholder";
			goto fail;
		}
		if (v->value == NULL)
			r = 0;
		else if (v->tmpl)
			r = subst_run(s, v->value, strlen(v->value), out);
		else if (v->raw || s->text)
			r = buf_puts(out, v->value);
		else
			r = buf_html_escape(out, v->value);
		if (r == -1 && v->tmpl)
			return -1; /* the fragment said why */
		if (r == -1)
			goto nomem;
		p = open + 2 + n + 2;
	}
	if (buf_append(out, p, (size_t)(end - p)) == -1)
		goto nomem;
	return 0;
fail:
	if (why == NULL)
		goto nomem;
	if (s->nested)
		err_set(s->err, s->errlen, "%s {{%.*s}}", why, (int)n,
			open + 2);
	else
		err_set(s->err, s->errlen, "line %zu: %s {{%.*s}}",
			line_of(tmpl, open), why, (int)n, open + 2);
	return -1;
inner:
	if (!s->nested) {
		char reason[256];

		(void)str_copy(reason, sizeof(reason), s->err);
		err_set(s->err, s->errlen, "line %zu: {{%.*s}}: %s",
			line_of(tmpl, open), (int)n, open + 2, reason);
	}
	return -1;
nomem:
	err_set(s->err, s->errlen, "out of memory");
	return -1;
}

int
page_substitute_words(const char *tmpl, size_t len, const struct page_var *vars,
		      size_t nvars, const struct page_words *w, bool text,
		      struct buf *out, char *err, size_t errlen)
{
	struct subst s = {vars, nvars, w, text, false, err, errlen};

	if (tmpl == NULL || out == NULL) {
		err_set(err, errlen, "no template");
		return -1;
	}
	return subst_run(&s, tmpl, len, out);
}

int
page_substitute(const char *tmpl, size_t len, const struct page_var *vars,
		size_t nvars, struct buf *out, char *err, size_t errlen)
{
	return page_substitute_words(tmpl, len, vars, nvars, NULL, false, out,
				     err, errlen);
}
