/* SPDX-License-Identifier: MIT */
/* Reading a gettext PO file into a catalog, with libgettextpo. */
#define _GNU_SOURCE
#include <gettext-po.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
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

/*
 * Reading in a process of its own. libgettextpo leaks by design
 * (po_message_comments() and po_file_domain_header() return fresh copies
 * nobody frees: "FIXME: memory leak" in gettext-po.c; the parser keeps
 * comment lists) and leaves a FILE behind on a syntax error. A daemon
 * that reloads must not grow by a catalog's worth each time, so it runs
 * its own binary as "certpost --read-catalog NAME" with the file on
 * standard input and reads the catalog back from a pipe: NUL-separated
 * fields, "\1" for a field not given.
 */

#define CHILD_OUT_MAX (8u << 20)
#define NO_FIELD "\1"

extern char **environ;

static int
put_field(struct buf *b, const char *s)
{
	return buf_append(b, s != NULL ? s : NO_FIELD,
			  (s != NULL ? strlen(s) : 1) + 1);
}

void
i18n_po_child(const char *name)
{
	char err[1024] = "";
	struct i18n_catalog *c =
		i18n_po_read("/dev/stdin", name, false, err, sizeof(err));
	struct buf b = {0};
	size_t i, off = 0;
	ssize_t w;
	int ok = 0;

	if (c == NULL)
		ok = buf_puts(&b, "ERR") == 0 && buf_append(&b, "", 1) == 0 &&
		     put_field(&b, err) == 0;
	else {
		ok = buf_puts(&b, "OK") == 0 && buf_append(&b, "", 1) == 0 &&
		     put_field(&b, c->tag) == 0;
		for (i = 0; ok && i < c->n; i++) {
			const struct i18n_entry *e = &c->entries[i];

			ok = put_field(&b, e->key) == 0 &&
			     put_field(&b, e->text) == 0 &&
			     put_field(&b, e->source) == 0 &&
			     put_field(&b, e->os) == 0 &&
			     put_field(&b, e->checked) == 0 &&
			     put_field(&b, e->unsourced) == 0 &&
			     put_field(&b, e->note) == 0;
		}
	}
	while (ok && off < b.len) {
		if ((w = write(STDOUT_FILENO, b.data + off, b.len - off)) <=
		    0) {
			if (w == -1 && errno == EINTR)
				continue;
			ok = 0;
		} else {
			off += (size_t)w;
		}
	}
	/* Straight out: no exit handlers, no leak report for what
	 * libgettextpo kept. */
	_exit(ok ? 0 : 1);
}

/* The fields the child wrote back, as a catalog (copied). */
static struct i18n_catalog *
parse_child(const char *p, size_t len, const char *name, char *err,
	    size_t errlen)
{
	const char *end = p + len, *f[7];
	struct i18n_entry *e = NULL;
	struct i18n_catalog tmp = {.file = name}, *ret = NULL;
	size_t n = 0, k;

#define NEXT(dst)                                                              \
	do {                                                                   \
		const char *z_ = memchr(p, '\0', (size_t)(end - p));           \
		if (z_ == NULL)                                                \
			goto bad;                                              \
		(dst) = strcmp(p, NO_FIELD) == 0 ? NULL : p;                   \
		p = z_ + 1;                                                    \
	} while (0)
	NEXT(f[0]);
	if (f[0] != NULL && strcmp(f[0], "ERR") == 0) {
		NEXT(f[1]);
		err_set(err, errlen, "%s", f[1] != NULL ? f[1] : name);
		return NULL;
	}
	if (f[0] == NULL || strcmp(f[0], "OK") != 0)
		goto bad;
	NEXT(tmp.tag);
	if ((e = calloc(MAX_ENTRIES, sizeof(*e))) == NULL)
		goto bad;
	while (p < end && n < MAX_ENTRIES) {
		for (k = 0; k < 7; k++)
			NEXT(f[k]);
		if (f[0] == NULL)
			goto bad;
		e[n++] = (struct i18n_entry){f[0], f[1], f[2], f[3],
					     f[4], f[5], f[6]};
	}
#undef NEXT
	if (tmp.tag == NULL || p != end)
		goto bad;
	tmp.entries = e;
	tmp.n = n;
	if ((ret = i18n_merge(NULL, &tmp)) == NULL)
		err_set(err, errlen, "%s: out of memory", name);
	free(e);
	return ret;
bad:
	free(e);
	err_set(err, errlen, "%s: the catalog reader's answer is not one",
		name);
	return NULL;
}

struct i18n_catalog *
i18n_po_read_fd(int fd, const char *name, char *err, size_t errlen)
{
	char self[4096], arg0[] = "certpost", arg1[] = "--read-catalog";
	char *argv[] = {arg0, arg1, NULL, NULL};
	posix_spawn_file_actions_t fa;
	struct i18n_catalog *ret = NULL;
	struct buf out = {0};
	char chunk[65536];
	int p[2] = {-1, -1}, status = 0;
	bool fa_made = false;
	ssize_t n, len;
	pid_t pid = -1;

	/* The binary this process runs (a valgrind run included: valgrind
	 * answers this for its guest). */
	if ((len = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0) {
		err_set(err, errlen, "%s: /proc/self/exe: %s", name,
			strerror(errno));
		return NULL;
	}
	self[len] = '\0';
	if (strstr(self, " (deleted)") != NULL)
		(void)str_copy(self, sizeof(self), "/proc/self/exe");
	argv[2] = (char *)(uintptr_t)name;
	if (lseek(fd, 0, SEEK_SET) == -1 || pipe2(p, O_CLOEXEC) == -1 ||
	    posix_spawn_file_actions_init(&fa) != 0) {
		err_set(err, errlen, "%s: %s", name, strerror(errno));
		goto out;
	}
	fa_made = true;
	if (posix_spawn_file_actions_adddup2(&fa, fd, STDIN_FILENO) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO) != 0 ||
	    (errno = posix_spawn(&pid, self, &fa, NULL, argv, environ)) != 0) {
		err_set(err, errlen, "%s: cannot run %s --read-catalog: %s",
			name, self, strerror(errno));
		pid = -1;
		goto out;
	}
	close(p[1]);
	p[1] = -1;
	while ((n = read(p[0], chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || out.len + (size_t)n > CHILD_OUT_MAX ||
		    buf_append(&out, chunk, (size_t)n) == -1) {
			err_set(err, errlen, "%s: reading the catalog: %s",
				name, n == -1 ? strerror(errno) : "too large");
			goto out;
		}
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	pid = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    out.data == NULL) {
		err_set(err, errlen, "%s: the catalog reader failed (%s %d)",
			name, WIFEXITED(status) ? "exit" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status)
					  : WTERMSIG(status));
		goto out;
	}
	ret = parse_child(out.data, out.len, name, err, errlen);
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	if (fa_made)
		posix_spawn_file_actions_destroy(&fa);
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	buf_free(&out);
	return ret;
}
