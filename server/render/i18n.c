/* SPDX-License-Identifier: MIT */
/* Message catalogs: lookup, the checks every catalog passes (compiled in or
 * an admin's), and merging an admin's catalog over a compiled one. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "render/render.h"

#define MAX_TOKENS 48

const struct i18n_entry *
i18n_find(const struct i18n_catalog *c, const char *key, size_t len)
{
	size_t lo = 0, hi = c != NULL ? c->n : 0, mid;
	int r;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = strncmp(c->entries[mid].key, key, len);
		if (r == 0 && c->entries[mid].key[len] != '\0')
			r = 1;
		if (r == 0)
			return &c->entries[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct token {
	const char *s;
	size_t n;
};

static int
token_cmp(const void *a, const void *b)
{
	const struct token *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int r = memcmp(x->s, y->s, n);

	return r != 0 ? r : (x->n > y->n) - (x->n < y->n);
}

static bool
is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '.' || (c >= 'A' && c <= 'Z') || c == '-';
}

/*
 * The placeholders ("{{name}}", "{name}") and tags ("<b", "</b") of s,
 * sorted. Returns how many (at most max; more count as one too many).
 */
static size_t
tokens(const char *s, struct token *t, size_t max)
{
	size_t n = 0, k;

	for (; *s != '\0'; s++) {
		const char *start = s;

		if (s[0] == '{') {
			k = s[1] == '{' ? 2 : 1;
			while (is_word(s[k]))
				k++;
			if (k == (s[1] == '{' ? 2u : 1u) || s[k] != '}' ||
			    (s[1] == '{' && s[k + 1] != '}'))
				continue;
			k += s[1] == '{' ? 2 : 1;
		} else if (s[0] == '<') {
			k = s[1] == '/' ? 2 : 1;
			while ((s[k] >= 'a' && s[k] <= 'z') ||
			       (s[k] >= '0' && s[k] <= '9'))
				k++;
			if (k == (s[1] == '/' ? 2u : 1u))
				continue;
		} else {
			continue;
		}
		if (n < max)
			t[n] = (struct token){start, k};
		n++;
		s += k - 1;
	}
	if (n > max)
		n = max;
	qsort(t, n, sizeof(*t), token_cmp);
	return n;
}

/* The line of src where key's message starts ("msgctxt \"key\""), or 0. */
static size_t
line_of_key(const char *src, size_t len, const char *key)
{
	size_t line = 1, klen = strlen(key), i;

	for (i = 0; src != NULL && i + 10 + klen <= len; i++) {
		if (src[i] == '\n') {
			line++;
			continue;
		}
		if ((i == 0 || src[i - 1] == '\n') &&
		    memcmp(src + i, "msgctxt \"", 9) == 0 &&
		    memcmp(src + i + 9, key, klen) == 0 &&
		    src[i + 9 + klen] == '"')
			return line;
	}
	return 0;
}

struct report {
	const struct i18n_catalog *c;
	const char *src;
	size_t srclen;
	struct buf *errs;
	unsigned n;
};

static void problem(struct report *r, const char *key, const char *fmt, ...)
	PRINTF_LIKE(3, 4);

static void
problem(struct report *r, const char *key, const char *fmt, ...)
{
	size_t line = key != NULL ? line_of_key(r->src, r->srclen, key) : 0;
	va_list ap;

	r->n++;
	if (line > 0)
		(void)buf_printf(r->errs, "%s:%zu: ", r->c->file, line);
	else
		(void)buf_printf(r->errs, "%s: ", r->c->file);
	if (key != NULL)
		(void)buf_printf(r->errs, "%s: ", key);
	va_start(ap, fmt);
	(void)buf_vprintf(r->errs, fmt, ap);
	va_end(ap);
	(void)buf_puts(r->errs, "\n");
}

static bool
is_date(const char *s)
{
	static const char shape[] = "dddd-dd-dd";
	size_t i;

	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != '-')
			return false;
	return s[i] == '\0';
}

static bool
given(const char *s)
{
	return s != NULL && s[0] != '\0';
}

static void
check_label(struct report *r, const struct i18n_entry *e)
{
	bool sourced = given(e->source) || given(e->os) || given(e->checked);

	if (sourced && given(e->unsourced))
		problem(r, e->key, "both a source and \"unsourced\"");
	else if (!sourced && !given(e->unsourced))
		problem(r, e->key,
			"no provenance: give \"# source:\", \"# os:\" and "
			"\"# checked:\", or \"# unsourced: why\"");
	else if (sourced && !(given(e->source) && given(e->os) &&
			      given(e->checked) && is_date(e->checked)))
		problem(r, e->key,
			"a sourced label needs \"# source:\", \"# os:\" and "
			"\"# checked: YYYY-MM-DD\"");
}

/* Compares the placeholders and tags of e with ref's. */
static void
check_tokens(struct report *r, const struct i18n_entry *ref,
	     const struct i18n_entry *e)
{
	struct token a[MAX_TOKENS], b[MAX_TOKENS];
	size_t na = tokens(ref->text, a, MAX_TOKENS);
	size_t nb = tokens(e->text, b, MAX_TOKENS);
	size_t i = 0, j = 0;
	int c;

	while (i < na || j < nb) {
		c = i == na ? 1 : j == nb ? -1 : token_cmp(&a[i], &b[j]);
		if (c < 0) {
			problem(r, e->key, "%.*s missing (the English has it)",
				(int)a[i].n, a[i].s);
			i++;
		} else if (c > 0) {
			problem(r, e->key,
				"%.*s one too many (not in the English)",
				(int)b[j].n, b[j].s);
			j++;
		} else {
			i++;
			j++;
		}
	}
}

/* Every "{{" opens a placeholder the renderer takes ("{{name}}", name of
 * a-z, 0-9, '_' and '.'), and every text is UTF-8 without a control or
 * bidi character (util.c's text_unsafe()): what passes here renders. */
static void
check_text(struct report *r, const struct i18n_entry *e)
{
	const char *f[] = {e->text,    e->source,    e->os,
			   e->checked, e->unsourced, e->note};
	const char *p, *why;
	size_t i, n, off;

	for (i = 0; i < ARRAY_LEN(f); i++)
		if (f[i] != NULL && (why = text_unsafe(f[i], &off)) != NULL)
			problem(r, e->key, "byte %zu is %s", off + 1, why);
	for (p = e->text; p != NULL && (p = strstr(p, "{{")) != NULL; p += 2) {
		for (n = 0; (p[2 + n] >= 'a' && p[2 + n] <= 'z') ||
			    (p[2 + n] >= '0' && p[2 + n] <= '9') ||
			    p[2 + n] == '_' || p[2 + n] == '.';
		     n++)
			;
		if (n == 0 || n > 64 || p[2 + n] != '}' || p[3 + n] != '}') {
			problem(r, e->key,
				"\"%.*s\" is not a placeholder ({{name}})",
				(int)strcspn(p, " ") > 20
					? 20
					: (int)strcspn(p, " "),
				p);
			break;
		}
	}
}

/* Every {{l.id}} names a label of the English catalog. */
static void
check_label_refs(struct report *r, const struct i18n_catalog *ref,
		 const struct i18n_entry *e)
{
	const char *p = e->text, *end;

	while ((p = strstr(p, "{{l.")) != NULL) {
		p += 2;
		if ((end = strstr(p, "}}")) == NULL)
			break;
		if (i18n_find(ref, p, (size_t)(end - p)) == NULL)
			problem(r, e->key, "{{%.*s}}: no such label",
				(int)(end - p), p);
		p = end;
	}
}

unsigned
i18n_check(const struct i18n_catalog *ref, const struct i18n_catalog *c,
	   const char *src, size_t srclen, struct buf *errs)
{
	struct report r = {c, src, srclen, errs, 0};
	const struct i18n_entry *e, *re;
	size_t i, missing;

	for (i = 0, missing = 0; i < ref->n; i++)
		if (i18n_find(c, ref->entries[i].key,
			      strlen(ref->entries[i].key)) == NULL &&
		    ++missing <= 5)
			problem(&r, NULL, "%s: missing (or fuzzy)",
				ref->entries[i].key);
	/* A file started afresh or far behind: a count, not a list. */
	if (missing > 5)
		problem(&r, NULL,
			"%zu more messages missing (msgmerge --update FILE "
			"certpost.pot brings in what is new)",
			missing - 5);
	for (i = 0; i < c->n; i++) {
		e = &c->entries[i];
		if (i > 0 && strcmp(c->entries[i - 1].key, e->key) >= 0)
			problem(&r, e->key, "given twice");
		re = i18n_find(ref, e->key, strlen(e->key));
		if (re == NULL) {
			problem(&r, e->key,
				"not in the English catalog (certpost.pot)");
			continue;
		}
		if (!given(e->text)) {
			problem(&r, e->key, "empty");
			continue;
		}
		check_text(&r, e);
		check_tokens(&r, re, e);
		check_label_refs(&r, ref, e);
		if (strncmp(e->key, "p.", 2) == 0 &&
		    strpbrk(e->text, "<&") != NULL)
			problem(&r, e->key,
				"plain text with '<' or '&' (markup belongs "
				"in m. messages)");
		if (strncmp(e->key, "l.", 2) == 0)
			check_label(&r, e);
	}
	return r.n;
}

/* A copy of a whole catalog: one block of entries, one of strings. */
struct owned {
	struct i18n_catalog cat;
	struct i18n_entry *e;
	char *strings;
};

static size_t
entry_bytes(const struct i18n_entry *e)
{
	const char *f[] = {e->key,     e->text,	     e->source, e->os,
			   e->checked, e->unsourced, e->note};
	size_t i, n = 0;

	for (i = 0; i < ARRAY_LEN(f); i++)
		n += f[i] != NULL ? strlen(f[i]) + 1 : 0;
	return n;
}

static const char *
put(char **p, const char *s)
{
	char *at = *p;
	size_t n;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	memcpy(at, s, n);
	*p += n;
	return at;
}

static struct i18n_entry
copy_entry(char **p, const struct i18n_entry *e)
{
	return (struct i18n_entry){put(p, e->key),     put(p, e->text),
				   put(p, e->source),  put(p, e->os),
				   put(p, e->checked), put(p, e->unsourced),
				   put(p, e->note)};
}

struct i18n_catalog *
i18n_merge(const struct i18n_catalog *base, const struct i18n_catalog *over)
{
	struct owned *o = calloc(1, sizeof(*o));
	size_t nb = base != NULL ? base->n : 0, n = 0, bytes = 0, i, j;
	char *p;
	int c;

	if (o == NULL)
		return NULL;
	bytes = strlen(over->tag) + strlen(over->file) + 2;
	for (i = 0; i < over->n; i++)
		bytes += entry_bytes(&over->entries[i]);
	for (i = 0; i < nb; i++)
		bytes += entry_bytes(&base->entries[i]);
	o->e = calloc(over->n + nb + 1, sizeof(*o->e));
	o->strings = malloc(bytes);
	if (o->e == NULL || o->strings == NULL) {
		free(o->e);
		free(o->strings);
		free(o);
		return NULL;
	}
	p = o->strings;
	o->cat.tag = put(&p, over->tag);
	o->cat.file = put(&p, over->file);
	/* Both sorted: a merge, over's entry winning a tie. */
	for (i = j = 0; i < over->n || j < nb;) {
		c = i == over->n ? 1
		    : j == nb	 ? -1
				 : strcmp(over->entries[i].key,
					  base->entries[j].key);
		if (c <= 0)
			o->e[n++] = copy_entry(&p, &over->entries[i++]);
		else
			o->e[n++] = copy_entry(&p, &base->entries[j]);
		if (c >= 0)
			j++;
	}
	o->cat.entries = o->e;
	o->cat.n = n;
	return &o->cat;
}

void
i18n_po_free(struct i18n_catalog *c)
{
	struct owned *o = (struct owned *)c;

	if (o == NULL)
		return;
	free(o->e);
	free(o->strings);
	free(o);
}
