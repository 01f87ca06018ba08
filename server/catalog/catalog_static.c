/* SPDX-License-Identifier: MIT */
/* The site's files: compiled-in assets, overridden file by file from
 * static_dir. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <magic.h>
#include <openssl/evp.h>

#include "render/render.h"
#include "catalog_int.h"
#include "pki/pki.h"

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
	/* message catalogs (catalog_lang.c), read, not served */
	{".po", NULL, "text/"},
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

/* A secret as it was on disk when the build began. */
struct secret_id {
	const struct cat_secret *secret;
	dev_t dev;
	ino_t ino;
};

struct secrets {
	struct secret_id id[CAT_MAX_SECRETS];
	size_t n;
};

/* True when path resolves to somewhere inside dir. */
static bool
path_inside(const char *path, const char *dir)
{
	char rp[PATH_MAX], rd[PATH_MAX];
	size_t n;

	if (dir[0] == '\0' || realpath(path, rp) == NULL ||
	    realpath(dir, rd) == NULL)
		return false;
	n = strlen(rd);
	return strncmp(rp, rd, n) == 0 && (rp[n] == '/' || rp[n] == '\0');
}

/*
 * A key inside static_dir is refused even under a name that is not served:
 * one rename away from being served. Paths are compared after symbolic
 * links (static_dir itself may be one); device and inode catch what paths
 * cannot, a hard link or a bind mount.
 */
static int
find_secrets(const char *dir, const struct cat_secret *s, size_t n,
	     struct secrets *ret, char *err, size_t errlen)
{
	struct stat st;
	size_t i;

	ret->n = 0;
	for (i = 0; i < n && i < CAT_MAX_SECRETS; i++) {
		if (path_inside(s[i].path, dir)) {
			err_set(err, errlen,
				"%s: %s is inside static_dir %s; move it out "
				"so it can never be served",
				s[i].path, s[i].what, dir);
			return -1;
		}
		/* A missing key is for its loader to report. */
		if (stat(s[i].path, &st) == 0)
			ret->id[ret->n++] =
				(struct secret_id){&s[i], st.st_dev, st.st_ino};
	}
	return 0;
}

/* Refuses a file of static_dir that is one of the secrets. */
static int
not_secret(const struct secrets *sec, const struct stat *st, const char *dir,
	   const char *name, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < sec->n; i++) {
		if (sec->id[i].dev != st->st_dev ||
		    sec->id[i].ino != st->st_ino)
			continue;
		err_set(err, errlen,
			"%s/%s: is the same file as %s (%s); refusing to serve "
			"it",
			dir, name, sec->id[i].secret->what,
			sec->id[i].secret->path);
		return -1;
	}
	return 0;
}

/* Reads one file of static_dir, refusing symlinks, special files and
 * secrets. */
static int
read_static(const struct secrets *sec, int dfd, const char *dir,
	    const char *name, unsigned char **ret, size_t *ret_len, char *err,
	    size_t errlen)
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
	/* Again on what was opened: the name may have changed hands. */
	if (not_secret(sec, &st, dir, name, err, errlen) == -1)
		goto fail;
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
	return 0;
fail:
	free(data);
	close(fd);
	return -1;
}

/*
 * Files that passed both checks (no key, libmagic), by name and content
 * hash. Loading
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

/* No private key in any form, and what libmagic says the bytes are must
 * fit the extension. *mg is opened on first use. */
static int
check_static(magic_t *mg, const struct mime *m, const char *dir,
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
	/* Before libmagic: a key is refused as a key, whatever it looks
	 * like. */
	if ((found = cert_find_private_key(data, len)) != NULL) {
		err_set(err, errlen, "%s/%s: holds %s; refusing to serve it",
			dir, name, found);
		return -1;
	}
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
load_dir(struct catalog *c, const char *dir, const struct secrets *sec,
	 char *err, size_t errlen)
{
	DIR *d = NULL;
	struct dirent *de;
	struct stat st;
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

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		/* Every name, served or not (not following links: a link is
		 * never served, and a link to a key is not the key). */
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
			    0 &&
		    not_secret(sec, &st, dir, de->d_name, err, errlen) == -1)
			goto out;
		if (de->d_name[0] == '.' || m == NULL)
			continue;
		if (read_static(sec, dirfd(d), dir, de->d_name, &data, &len,
				err, errlen) == -1)
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
cat_load_assets(struct catalog *c, const char *static_dir,
		const struct cat_secret *secrets, size_t nsecrets, char *err,
		size_t errlen)
{
	struct secrets sec;
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
	if (find_secrets(static_dir, secrets, nsecrets, &sec, err, errlen) ==
	    -1)
		return -1;
	return load_dir(c, static_dir, &sec, err, errlen);
}
