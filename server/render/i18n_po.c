/* SPDX-License-Identifier: MIT */
/* Reading a gettext PO file into a catalog, with libgettextpo. */
#define _GNU_SOURCE
#include <gettext-po.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "render/render.h"

#define MAX_ENTRIES 1024

/*
 * libgettextpo reports through a handler that must not return on a fatal
 * error (it raises one at the end of a file with syntax errors): the
 * handler jumps back to read_po(). libgettextpo then keeps the FILE and
 * the partial catalog it had (one file's worth, on the error path of a
 * start or a reload only), and its global handler still points here:
 * nothing but po_file_read() is called in a way that reports, and each
 * call sets the jump target first. The reader is not thread-safe
 * (libgettextpo's handler is global): catalogs are read by whoever builds
 * a snapshot, one at a time.
 */
static struct {
	jmp_buf jb;
	const char *name; /* the file as messages name it */
	char *err;
	size_t errlen;
	bool failed;
} rd;

static void
note_error(const char *filename, size_t lineno, const char *text)
{
	size_t n;

	if (rd.failed || text == NULL)
		return; /* the first problem is the one to fix */
	rd.failed = true;
	n = strcspn(text, "\n");
	/* libgettextpo names the path it opened (/proc/self/fd/N for
	 * static_dir's bytes); messages name the file. */
	if (filename != NULL && rd.name != NULL)
		filename = rd.name;
	if (filename != NULL && lineno != (size_t)-1)
		err_set(rd.err, rd.errlen, "%s:%zu: %.*s", filename, lineno,
			(int)n, text);
	else if (filename != NULL)
		err_set(rd.err, rd.errlen, "%s: %.*s", filename, (int)n, text);
	else
		err_set(rd.err, rd.errlen, "%.*s", (int)n, text);
}

static void
xerror(int severity, po_message_t message, const char *filename, size_t lineno,
       size_t column, int multiline_p, const char *text)
{
	(void)message;
	(void)column;
	(void)multiline_p;
	if (severity == PO_SEVERITY_WARNING)
		return;
	note_error(filename, lineno, text);
	if (severity == PO_SEVERITY_FATAL_ERROR)
		longjmp(rd.jb, 1);
}

static void
xerror2(int severity, po_message_t m1, const char *f1, size_t l1, size_t c1,
	int ml1, const char *t1, po_message_t m2, const char *f2, size_t l2,
	size_t c2, int ml2, const char *t2)
{
	(void)m2;
	(void)f2;
	(void)l2;
	(void)c2;
	(void)ml2;
	(void)t2;
	xerror(severity, m1, f1, l1, c1, ml1, t1);
}

static const struct po_xerror_handler handler = {xerror, xerror2};

/* Strings cut out of the comments, kept until the catalog is copied. */
struct scratch {
	char *s[MAX_ENTRIES * 5];
	size_t n;
};

static const char *
keep(struct scratch *k, const char *s, size_t n)
{
	char *c;

	if (k->n == ARRAY_LEN(k->s) || (c = strndup(s, n)) == NULL)
		return NULL;
	k->s[k->n++] = c;
	return c;
}

/* "# source: URL" and the like, one per comment line. */
static void
provenance(const char *comments, struct i18n_entry *e, struct scratch *k)
{
	static const char *const names[] = {"source", "os", "checked",
					    "unsourced", "note"};
	const char **fields[] = {&e->source, &e->os, &e->checked, &e->unsourced,
				 &e->note};
	const char *line = comments, *end, *v;
	size_t i, n;

	for (; line != NULL && *line != '\0';
	     line = *end != '\0' ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		while (line < end && *line == ' ')
			line++;
		for (i = 0; i < ARRAY_LEN(names); i++) {
			n = strlen(names[i]);
			if ((size_t)(end - line) <= n ||
			    strncmp(line, names[i], n) != 0 || line[n] != ':')
				continue;
			for (v = line + n + 1; v < end && *v == ' '; v++)
				;
			n = (size_t)(end - v);
			while (n > 0 && v[n - 1] == ' ')
				n--;
			*fields[i] = keep(k, v, n);
		}
	}
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct i18n_entry *)a)->key,
		      ((const struct i18n_entry *)b)->key);
}

static struct i18n_catalog *
collect(po_file_t f, const char *name, bool reference, struct i18n_entry *e,
	struct scratch *k, char *err, size_t errlen)
{
	po_message_iterator_t it = po_message_iterator(f, NULL);
	struct i18n_catalog tmp = {.file = name, .entries = e};
	struct i18n_catalog *ret = NULL;
	const char *header = po_file_domain_header(f, NULL);
	char *lang =
		header != NULL ? po_header_field(header, "Language") : NULL;
	char *ctype = NULL;
	const char *charset;
	po_message_t m;
	size_t n = 0;

	if (it == NULL) {
		err_set(err, errlen, "%s: out of memory", name);
		goto out;
	}
	if (lang == NULL || !lang_tag_valid(lang)) {
		err_set(err, errlen,
			"%s: the header's Language is %s%s%s (a BCP 47 tag "
			"such as de, zh-Hans or pt-BR)",
			name, lang ? "\"" : "missing", lang ? lang : "",
			lang ? "\"" : "");
		goto out;
	}
	tmp.tag = lang;
	/* The page is UTF-8: a catalog in another charset would be served
	 * as it is, mislabelled. */
	if ((ctype = po_header_field(header, "Content-Type")) == NULL ||
	    (charset = strcasestr(ctype, "charset=")) == NULL ||
	    strncasecmp(charset + 8, "UTF-8", 5) != 0 ||
	    (charset[13] != '\0' && charset[13] != ';' && charset[13] != ' ')) {
		err_set(err, errlen,
			"%s: the header's Content-Type must say charset=UTF-8 "
			"(it says %s)",
			name, ctype != NULL ? ctype : "nothing");
		goto out;
	}
	while ((m = po_next_message(it)) != NULL) {
		const char *ctx = po_message_msgctxt(m);

		if (po_message_is_obsolete(m) ||
		    (ctx == NULL && po_message_msgid(m)[0] == '\0'))
			continue; /* #~ and the header */
		if (ctx == NULL || po_message_msgid_plural(m) != NULL) {
			err_set(err, errlen, "%s: message \"%.40s\": %s", name,
				po_message_msgid(m),
				ctx == NULL ? "no msgctxt (every message has "
					      "its key there)"
					    : "plural forms are not used");
			goto out;
		}
		if (!reference &&
		    (po_message_is_fuzzy(m) || po_message_msgstr(m)[0] == '\0'))
			continue; /* missing: i18n_check() says so */
		if (n == MAX_ENTRIES) {
			err_set(err, errlen, "%s: more than %d messages", name,
				MAX_ENTRIES);
			goto out;
		}
		e[n] = (struct i18n_entry){
			.key = ctx,
			.text = reference ? po_message_msgid(m)
					  : po_message_msgstr(m),
		};
		/* The English catalog's provenance is in the comments a
		 * translation copies as its own extracted ones (#.); a
		 * translation's is its translator comments (#). */
		provenance(reference ? po_message_extracted_comments(m)
				     : po_message_comments(m),
			   &e[n], k);
		n++;
	}
	qsort(e, n, sizeof(*e), entry_cmp);
	tmp.n = n;
	if ((ret = i18n_merge(NULL, &tmp)) == NULL)
		err_set(err, errlen, "%s: out of memory", name);
out:
	if (it != NULL)
		po_message_iterator_free(it);
	free(lang);
	free(ctype);
	return ret;
}

/* po_file_read(), or NULL when it raised a fatal error. */
static po_file_t
read_po(const char *path)
{
	if (setjmp(rd.jb) != 0)
		return NULL;
	return po_file_read(path, &handler);
}

struct i18n_catalog *
i18n_po_read(const char *path, const char *name, bool reference, char *err,
	     size_t errlen)
{
	struct i18n_entry *e = calloc(MAX_ENTRIES, sizeof(*e));
	struct scratch *k = calloc(1, sizeof(*k));
	struct i18n_catalog *ret = NULL;
	po_file_t f = NULL;
	size_t i;

	if (e == NULL || k == NULL) {
		err_set(err, errlen, "out of memory");
		goto out;
	}
	if (name == NULL)
		name = path;
	rd.err = err;
	rd.errlen = errlen;
	rd.name = name;
	rd.failed = false;
	f = read_po(path);
	if (f == NULL) {
		if (!rd.failed)
			err_set(err, errlen, "%s: cannot be read", name);
		goto out;
	}
	if (rd.failed)
		goto out;
	ret = collect(f, name, reference, e, k, err, errlen);
out:
	if (f != NULL)
		po_file_free(f);
	for (i = 0; k != NULL && i < k->n; i++)
		free(k->s[i]);
	free(k);
	free(e);
	return ret;
}
