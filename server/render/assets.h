/* SPDX-License-Identifier: MIT */
/* The files of static/, compiled into the binary by tools/embed.py. */
#ifndef CERTPOST_ASSETS_H
#define CERTPOST_ASSETS_H

#include <stddef.h>

struct asset {
	const char *name;	   /* file name, no directory: "style.css" */
	const unsigned char *data; /* NUL-terminated after len bytes */
	size_t len;
};

/* Sorted by name. */
extern const struct asset assets[];
extern const size_t assets_count;

#endif
