/* SPDX-License-Identifier: MIT */
/* The site's files: compiled-in assets, overridden file by file from
 * static_dir. */
/* memmem() */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <magic.h>
#include <openssl/evp.h>

#include "assets.h"
#include "catalog_int.h"

#define STATIC_MAX_FILE (2 * 1024 * 1024)
#define STATIC_MAX_FILES 128

/*
 * What we serve, by extension, and what libmagic may call such a file.
 * Anything else in static_dir is ignored, so a stray key or archive there
 * can never be served.
 */
static const struct mime {
	const char *ext;
	const char *type;  /* Content-Type sent */
	const char *magic; /* accepted libmagic MIME prefixes, '|'-separated */
} mimes[] = {
	{".html", NULL, "text/"}, /* templates, rendered, not served */
	{".css", "text/css; charset=utf-8", "text/"},
	{".js", "text/javascript; charset=utf-8",
	 "text/|application/javascript"},
	{".svg", "image/svg+xml", "image/svg|text/"},
	{".png", "image/png", "image/png"},
	{".ico", "image/x-icon", "image/vnd.microsoft.icon|image/x-icon"},
	{".jpg", "image/jpeg", "image/jpeg"},
	{".webp", "image/webp", "image/webp"},
	{".txt", "text/plain; charset=utf-8", "text/"},
	{".woff2", "font/woff2", "font/woff2|application/octet-stream"},
};

static const struct mime *
mime_of(const char *name)
{
	size_t n = strlen(name), i;

	for (i = 0; i < ARRAY_LEN(mimes); i++) {
		size_t e = strlen(mimes[i].ext);

		if (n > e && strcasecmp(name + n - e, mimes[i].ext) == 0)
			return &mimes[i];
	}
	return NULL;
}

const char *
cat_mime(const char *name)
{
	const struct mime *m = mime_of(name);

	return m ? m->type : NULL;
}

static bool
magic_ok(const struct mime *m, const char *found)
{
	const char *p = m->magic;

	while (*p != '\0') {
		size_t n = strcspn(p, "|");

		if (strncmp(found, p, n) == 0)
			return true;
		p += n;
		if (*p == '|')
			p++;
	}
	return false;
}

const struct cat_asset *
cat_asset(const struct catalog *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nassets; i++)
		if (strcmp(c->assets[i].name, name) == 0)
			return &c->assets[i];
	return NULL;
}

static int
put_asset(struct catalog *c, const char *name, const unsigned char *data,
	  size_t len)
{
	struct cat_asset *a = NULL;
	size_t i;

	for (i = 0; i < c->nassets && a == NULL; i++)
		if (strcmp(c->assets[i].name, name) == 0)
			a = &c->assets[i];
	if (a == NULL) {
		if (c->nassets >= STATIC_MAX_FILES + assets_count)
			return -1;
		a = &c->assets[c->nassets++];
		a->name = name;
	}
	a->data = data;
	a->len = len;
	return 0;
}

/* Reads one file of static_dir, refusing symlinks and special files. */
static int
read_static(struct catalog *c, int dfd, const char *dir, const char *name,
	    unsigned char **ret, size_t *ret_len, char *err, size_t errlen)
{
	struct stat st;
	unsigned char *data = NULL;
	size_t got = 0;
	int fd;

	/* O_NOFOLLOW: a symlink must not lead out of the directory. */
	if ((fd = openat(dfd, name,
			 O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) ==
	    -1) {
		err_set(err, errlen, "%s/%s: %s", dir, name, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > STATIC_MAX_FILE) {
		err_set(err, errlen,
			"%s/%s: not a regular file of at most "
			"%d bytes",
			dir, name, STATIC_MAX_FILE);
		goto fail;
	}
	if ((data = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size - got);

		if (n <= 0) {
			err_set(err, errlen, "%s/%s: %s", dir, name,
				n == 0 ? "short read" : strerror(errno));
			goto fail;
		}
		got += (size_t)n;
	}
	data[got] = '\0';
	close(fd);
	*ret = data;
	*ret_len = got;
	(void)c;
	return 0;
fail:
	free(data);
	close(fd);
	return -1;
}

/*
 * Files that passed the libmagic check, by name and content hash. Loading
 * libmagic's database costs about 8 ms and 8 MB, so a reload whose
 * static_dir has not changed needs no libmagic at all, and the database is
 * never kept between builds. A hit means these exact bytes, under this
 * name, passed before. Only the thread that builds catalogs touches it.
 */
static struct verified {
	char name[256];
	unsigned char md[32];
} verified[STATIC_MAX_FILES];
static size_t nverified;

static bool
was_verified(const char *name, const unsigned char *md)
{
	size_t i;

	for (i = 0; i < nverified; i++)
		if (strcmp(verified[i].name, name) == 0 &&
		    memcmp(verified[i].md, md, 32) == 0)
			return true;
	return false;
}

static void
remember_verified(const char *name, const unsigned char *md)
{
	size_t i;

	for (i = 0; i < nverified; i++)
		if (strcmp(verified[i].name, name) == 0)
			break;
	if (i == ARRAY_LEN(verified) ||
	    str_copy(verified[i].name, sizeof(verified[i].name), name) == -1)
		return;
	memcpy(verified[i].md, md, 32);
	if (i == nverified)
		nverified++;
}

/* What libmagic says the bytes are must fit the extension. *mg is opened
 * on first use. */
static int
check_magic(magic_t *mg, const struct mime *m, const char *dir,
	    const char *name, const unsigned char *data, size_t len, char *err,
	    size_t errlen)
{
	unsigned char md[32];
	const char *found;

	if (len == 0)
		return 0;
	if (EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL) != 1) {
		err_set(err, errlen, "%s/%s: cannot hash", dir, name);
		return -1;
	}
	if (was_verified(name, md))
		return 0;
	if (*mg == NULL) {
		if ((*mg = magic_open(MAGIC_MIME_TYPE)) == NULL ||
		    magic_load(*mg, NULL) == -1) {
			err_set(err, errlen, "libmagic: %s",
				*mg ? magic_error(*mg) : "cannot start");
			return -1;
		}
	}
	found = magic_buffer(*mg, data, len);
	if (found == NULL || !magic_ok(m, found)) {
		err_set(err, errlen,
			"%s/%s: content is %s, not what the extension says",
			dir, name, found ? found : "unknown");
		return -1;
	}
	remember_verified(name, md);
	return 0;
}

static int
check_static(magic_t *mg, const struct mime *m, const char *dir,
	     const char *name, const unsigned char *data, size_t len, char *err,
	     size_t errlen)
{
	if (memmem(data, len, "PRIVATE KEY-----", 16) != NULL) {
		err_set(err, errlen,
			"%s/%s: holds a private key; refusing to serve it", dir,
			name);
		return -1;
	}
	return check_magic(mg, m, dir, name, data, len, err, errlen);
}

static int
load_dir(struct catalog *c, const char *dir, char *err, size_t errlen)
{
	DIR *d = NULL;
	struct dirent *de;
	magic_t mg = NULL;
	int dfd = -1, ret = -1;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    (d = fdopendir(dfd)) == NULL) {
		err_set(err, errlen, "static_dir %s: %s", dir, strerror(errno));
		goto out;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		const struct mime *m = mime_of(de->d_name);
		unsigned char *data;
		size_t len;
		char *name;

		if (de->d_name[0] == '.' || m == NULL)
			continue;
		if (read_static(c, dirfd(d), dir, de->d_name, &data, &len, err,
				errlen) == -1)
			goto out;
		if (cat_own(c, data) == -1 ||
		    check_static(&mg, m, dir, de->d_name, data, len, err,
				 errlen) == -1 ||
		    (name = cat_strdup(c, de->d_name)) == NULL ||
		    put_asset(c, name, data, len) == -1) {
			if (err[0] == '\0')
				err_set(err, errlen, "%s: too many files", dir);
			goto out;
		}
	}
	ret = 0;
out:
	/* libmagic's database is large: never keep it past the build. */
	if (mg != NULL)
		magic_close(mg);
	if (d != NULL)
		closedir(d);
	else if (dfd != -1)
		close(dfd);
	return ret;
}

int
cat_load_assets(struct catalog *c, const char *static_dir, char *err,
		size_t errlen)
{
	size_t i;

	c->assets = calloc(assets_count + STATIC_MAX_FILES, sizeof(*c->assets));
	if (c->assets == NULL) {
		err_set(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < assets_count; i++)
		(void)put_asset(c, assets[i].name, assets[i].data,
				assets[i].len);
	if (static_dir == NULL || static_dir[0] == '\0')
		return 0;
	err[0] = '\0';
	return load_dir(c, static_dir, err, errlen);
}
