/* SPDX-License-Identifier: MIT */
/* Fragments of a page that every platform's page of a language shares,
 * rendered once (page.c decides what is shared). */
#include <stdlib.h>
#include <string.h>

#include "page_int.h"

#define CACHE_MAX 48

struct page_cache {
	size_t lang;
	struct {
		const char *name;    /* a file, or "ca_list", "check" */
		const char *variant; /* what else the bytes depend on */
		bool open;
		struct buf b;
	} e[CACHE_MAX];
	size_t n;
};

struct page_cache *
page_cache_new(void)
{
	struct page_cache *c = calloc(1, sizeof(*c));

	if (c != NULL)
		c->lang = (size_t)-1;
	return c;
}

static void
empty(struct page_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		buf_free(&c->e[i].b);
	c->n = 0;
}

void
page_cache_free(struct page_cache *c)
{
	if (c == NULL)
		return;
	empty(c);
	free(c);
}

const struct buf *
page_cache_get(struct page_cache *c, size_t lang, const char *name, bool open,
	       const char *variant)
{
	size_t i;

	if (c == NULL)
		return NULL;
	if (c->lang != lang) {
		empty(c);
		c->lang = lang;
	}
	for (i = 0; i < c->n; i++)
		if (strcmp(c->e[i].name, name) == 0 && c->e[i].open == open &&
		    c->e[i].variant == variant)
			return &c->e[i].b;
	return NULL;
}

void
page_cache_put(struct page_cache *c, size_t lang, const char *name, bool open,
	       const char *variant, const char *data, size_t len)
{
	if (c == NULL || c->lang != lang || c->n == CACHE_MAX)
		return;
	c->e[c->n].name = name;
	c->e[c->n].variant = variant;
	c->e[c->n].open = open;
	memset(&c->e[c->n].b, 0, sizeof(c->e[c->n].b));
	/* A fragment that cannot be kept is rendered again next time. */
	if (buf_append(&c->e[c->n].b, data, len) == 0)
		c->n++;
}
