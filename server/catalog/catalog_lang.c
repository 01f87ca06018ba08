/* SPDX-License-Identifier: MIT */
/* The languages of a snapshot: the compiled-in catalogs, an admin's from
 * static_dir (<tag>.po: a new language, or words of a compiled one
 * replaced), each checked as the build checks the compiled ones, and the
 * ones [page] names. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "catalog_int.h"
#include "render/render.h"

/* The catalogs there are: compiled, with static_dir's over them. */
struct avail {
	const struct i18n_catalog *cat[CONFIG_MAX_LANG + 32];
	size_t n;
};

static size_t
avail_find(const struct avail *a, const char *tag)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (strcasecmp(a->cat[i]->tag, tag) == 0)
			return i;
	return (size_t)-1;
}

/*
 * The bytes read from static_dir (no link followed, no key) go to a
 * memory file that the catalog reader (a process of its own: render.h,
 * i18n_po_read_fd()) reads, so what is checked is what was read.
 */
static struct i18n_catalog *
read_po(const struct cat_asset *a, const char *shown, char *err, size_t errlen)
{
	struct i18n_catalog *cat = NULL;
	size_t off = 0;
	ssize_t w;
	int fd = memfd_create("certpost-po", MFD_CLOEXEC);

	if (fd == -1) {
		err_set(err, errlen, "%s: memfd_create: %s", shown,
			strerror(errno));
		return NULL;
	}
	while (off < a->len) {
		if ((w = write(fd, a->data + off, a->len - off)) <= 0) {
			err_set(err, errlen, "%s: %s", shown,
				w == 0 ? "short write" : strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	cat = i18n_po_read_fd(fd, shown, err, errlen);
out:
	close(fd);
	return cat;
}

/* static_dir's <tag>.po: checked against English, merged over the
 * compiled catalog of its tag (words it does not give stay those). */
static int
load_override(struct catalog *c, const struct config *cfg,
	      const struct cat_asset *a, struct avail *av, char *err,
	      size_t errlen)
{
	struct i18n_catalog *over, *merged;
	struct buf errs = {0};
	char shown[PATH_MAX + 64];
	size_t base, n = strlen(a->name) - 3;
	unsigned bad;

	(void)str_printf(shown, sizeof(shown), "%s/%s", cfg->static_dir,
			 a->name);
	if ((over = read_po(a, shown, err, errlen)) == NULL)
		return -1;
	if (strlen(over->tag) != n || strncasecmp(over->tag, a->name, n) != 0) {
		err_set(err, errlen,
			"%s: its header says Language: %s; the file of that "
			"language is %s.po",
			shown, over->tag, over->tag);
		i18n_po_free(over);
		return -1;
	}
	base = avail_find(av, over->tag);
	merged = i18n_merge(base != (size_t)-1 ? av->cat[base] : NULL, over);
	i18n_po_free(over);
	if (merged == NULL || c->nown_langs == ARRAY_LEN(c->own_langs)) {
		i18n_po_free(merged);
		err_set(err, errlen, "%s: %s", shown,
			merged == NULL ? "out of memory" : "too many catalogs");
		return -1;
	}
	c->own_langs[c->nown_langs++] = merged;
	bad = i18n_check(&i18n_builtin[0], merged, (const char *)a->data,
			 a->len, &errs);
	if (bad > 0) {
		err_set(err, errlen, "%s%u problem%s in %s", errs.data, bad,
			bad == 1 ? "" : "s", shown);
		buf_free(&errs);
		return -1;
	}
	if (base != (size_t)-1)
		av->cat[base] = merged;
	else if (av->n < ARRAY_LEN(av->cat))
		av->cat[av->n++] = merged;
	return 0;
}

static int
choose(struct catalog *c, const struct config *cfg, const struct avail *av,
       char *err, size_t errlen)
{
	const char *dflt =
		cfg->default_language[0] ? cfg->default_language : "en";
	size_t i, k;

	if (cfg->nlanguages == 0) {
		for (i = 0; i < av->n && i < CONFIG_MAX_LANG; i++)
			c->langs[c->nlang++] = av->cat[i];
	}
	for (i = 0; i < cfg->nlanguages; i++) {
		if ((k = avail_find(av, cfg->languages[i])) == (size_t)-1) {
			struct buf have = {0};

			for (k = 0; k < av->n; k++)
				(void)buf_printf(&have, "%s%s", k ? " " : "",
						 av->cat[k]->tag);
			err_set(err, errlen,
				"no catalog for '%s' (there are: %s; another "
				"comes from static_dir/%s.po)",
				cfg->languages[i], have.data ? have.data : "",
				cfg->languages[i]);
			buf_free(&have);
			config_key_err(cfg, cfg->languages_line, "page",
				       "languages", err, errlen);
			return -1;
		}
		c->langs[c->nlang++] = av->cat[k];
	}
	for (i = 0; i < c->nlang; i++)
		c->lang_tags[i] = c->langs[i]->tag;
	c->default_lang = 0;
	for (i = 0; i < c->nlang; i++)
		if (strcasecmp(c->lang_tags[i], dflt) == 0)
			break;
	if (i < c->nlang)
		c->default_lang = i;
	else if (cfg->default_language[0] != '\0') {
		err_set(err, errlen, "'%s' is not one of the languages served",
			dflt);
		config_key_err(cfg, cfg->default_language_line, "page",
			       "default_language", err, errlen);
		return -1;
	}
	k = avail_find(av, "en");
	c->english = k != (size_t)-1 ? av->cat[k] : &i18n_builtin[0];
	return 0;
}

int
cat_load_langs(struct catalog *c, const struct config *cfg, char *err,
	       size_t errlen)
{
	struct avail av = {0};
	size_t i, n;

	for (i = 0; i < i18n_builtin_count && av.n < ARRAY_LEN(av.cat); i++)
		av.cat[av.n++] = &i18n_builtin[i];
	for (i = 0; i < c->nassets; i++) {
		n = strlen(c->assets[i].name);
		if (n > 3 && strcmp(c->assets[i].name + n - 3, ".po") == 0 &&
		    load_override(c, cfg, &c->assets[i], &av, err, errlen) ==
			    -1)
			return -1;
	}
	return choose(c, cfg, &av, err, errlen);
}

size_t
catalog_lang_count(const struct catalog *c)
{
	return c->nlang;
}

const char *const *
catalog_lang_tags(const struct catalog *c)
{
	return c->lang_tags;
}

size_t
catalog_default_lang(const struct catalog *c)
{
	return c->default_lang;
}

size_t
catalog_lang_find(const struct catalog *c, const char *tag)
{
	size_t i;

	for (i = 0; tag != NULL && i < c->nlang; i++)
		if (strcasecmp(c->lang_tags[i], tag) == 0)
			return i;
	return (size_t)-1;
}

const struct catalog_entry *
catalog_page(const struct catalog *c, enum page_platform p, size_t lang)
{
	if (lang >= c->nlang)
		lang = c->default_lang;
	return &c->entries[c->page_index[lang][p]];
}

const struct catalog_entry *
catalog_helpdesk(const struct catalog *c, size_t lang)
{
	if (lang >= c->nlang)
		lang = c->default_lang;
	return &c->entries[c->helpdesk_index[lang]];
}

const unsigned catalog_error_status[CATALOG_NERRORS] = {
	400, 403, 404, 405, 412, 413, 421, 431, 501,
};

const struct catalog_blob *
catalog_error(const struct catalog *c, size_t lang, unsigned status)
{
	size_t i;

	if (lang >= c->nlang)
		lang = c->default_lang;
	for (i = 0; i < CATALOG_NERRORS; i++)
		if (catalog_error_status[i] == status)
			return &c->errors[lang][i];
	return NULL;
}
