/* SPDX-License-Identifier: MIT */
/* Following the loaded files with inotify: directories watched, events
 * matched by name, symlinks followed to their targets, a directory that
 * went away waited for, changes debounced. */
#include "ops/ops.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* Every file of a configuration: 1 + CAs (file, crl, delta_crl) + issuers
 * (file, crl, delta_crl) + TLS pair + signer, chain, key, trust store +
 * static_dir. */
#define WATCH_MAX_NAMES (1 + 3 * CONFIG_MAX_CA + 3 * CONFIG_MAX_ISSUER + 7)
/* Symlinks followed on one path: the kernel's own limit (MAXSYMLINKS). */
#define WATCH_MAX_LINKS 40

/*
 * A directory, by its path: watched itself or, while it is missing, through
 * its nearest ancestor that exists, for the name on the way down. inotify
 * follows an inode, not a path: a directory deleted and made again is a
 * new inode, which nothing would watch.
 */
struct dir {
	int wd;			    /* -1 = not watched */
	char awaited[NAME_MAX + 1]; /* "" = the directory itself is watched */
	char path[PATH_MAX];	    /* "" = "/" */
};

/* A name in a directory, any change to which counts. */
struct name {
	size_t dir;		 /* in dirs[] */
	char name[NAME_MAX + 1]; /* "" = any name in the directory */
};

struct watch {
	int fd;
	/* Room for each file at its path, at its target and at a link or
	 * two on the way. */
	struct dir dirs[2 * WATCH_MAX_NAMES];
	struct name names[4 * WATCH_MAX_NAMES];
	size_t ndir, n;
	long long first_ms, last_ms; /* of the pending change; 0 = none */
};

/*
 * Created, written and closed, renamed in or out, deleted, its mode or
 * owner changed, or the directory itself gone. Not IN_MODIFY: each write
 * to any file in a watched directory would wake the main thread, and an
 * access log beside the CA is written once per request (at 50 keep-alive
 * connections that halved the requests served). A file counts once its
 * writer closes it or renames it in, which is also when it is whole.
 */
#define MASK                                                                   \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |            \
	 IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)

struct watch *
watch_new(char *err, size_t errlen)
{
	struct watch *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		err_set(err, errlen, "out of memory");
		return NULL;
	}
	if ((w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		err_set(err, errlen, "inotify: %s", strerror(errno));
		free(w);
		return NULL;
	}
	return w;
}

void
watch_free(struct watch *w)
{
	if (w == NULL)
		return;
	close(w->fd);
	free(w);
}

int
watch_fd(const struct watch *w)
{
	return w->fd;
}

/* Drops the kernel's watch wd once no directory uses it. */
static void
release(struct watch *w, int wd)
{
	if (wd == -1)
		return;
	for (size_t i = 0; i < w->ndir; i++)
		if (w->dirs[i].wd == wd)
			return;
	(void)inotify_rm_watch(w->fd, wd);
}

/* Moves at (PATH_MAX bytes) to its parent, and the name it leaves into
 * name. Returns 0, or -1 at the top ("" is "/", "." the working
 * directory). */
static int
up(char *at, char *name, size_t namelen)
{
	char *slash = strrchr(at, '/');

	if (slash != NULL) {
		*slash = '\0';
		return str_copy(name, namelen, slash + 1);
	}
	if (at[0] == '\0' || strcmp(at, ".") == 0 ||
	    str_copy(name, namelen, at) == -1)
		return -1;
	return str_copy(at, PATH_MAX, ".");
}

static bool
is_dir(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	return str_printf(path, sizeof(path), "%s/%s", dir, name) == 0 &&
	       stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Watches d's directory or, while it is missing, its nearest ancestor that
 * exists, for the name on the way down (d->awaited). Returns 1 when the
 * directory may hold news (it is watched again, or kept appearing faster
 * than it could be watched), 0 while it is missing, -1 with a reason when
 * nothing could be watched.
 */
static int
arm(struct watch *w, struct dir *d, char *err, size_t errlen)
{
	char at[PATH_MAX];

	for (int tries = 0; tries < 3; tries++) {
		int old = d->wd, wd, saved;

		(void)str_copy(at, sizeof(at), d->path);
		d->awaited[0] = '\0';
		while ((wd = inotify_add_watch(w->fd, at[0] ? at : "/",
					       MASK | IN_ONLYDIR)) == -1 &&
		       (errno == ENOENT || errno == ENOTDIR) &&
		       up(at, d->awaited, sizeof(d->awaited)) == 0)
			;
		saved = errno;
		d->wd = wd;
		release(w, old);
		if (wd == -1) {
			err_set(err, errlen, "cannot watch %s: %s",
				at[0] ? at : "/", strerror(saved));
			d->awaited[0] = '\0';
			return -1;
		}
		if (d->awaited[0] == '\0')
			return 1;
		/* Made after its own inotify_add_watch() failed and before
		 * its parent's succeeded, it was created unseen. */
		if (!is_dir(at, d->awaited))
			return 0;
	}
	return 1;
}

/* Follows name in dir ("" = anything in it), watching dir unless it
 * already is. Returns 0, or -1 with a reason. */
static int
add(struct watch *w, const char *dir, const char *name, char *err,
    size_t errlen)
{
	size_t i, j;

	for (i = 0; i < w->ndir; i++)
		if (strcmp(w->dirs[i].path, dir) == 0)
			break;
	for (j = 0; i < w->ndir && j < w->n; j++)
		if (w->names[j].dir == i && strcmp(w->names[j].name, name) == 0)
			return 0;
	if (w->n == ARRAY_LEN(w->names) ||
	    (i == w->ndir && i == ARRAY_LEN(w->dirs))) {
		err_set(err, errlen,
			"cannot watch %s: too many files and links to follow",
			dir[0] ? dir : "/");
		return -1;
	}
	if (str_copy(w->names[w->n].name, sizeof(w->names[w->n].name), name) ==
	    -1)
		return 0; /* no such name can exist */
	if (i == w->ndir) {
		struct dir *d = &w->dirs[w->ndir++];

		(void)str_copy(d->path, sizeof(d->path), dir);
		d->wd = -1;
		if (arm(w, d, err, errlen) == -1)
			return -1;
	}
	w->names[w->n++].dir = i;
	return 0;
}

/* Moves done, a path without symlinks, to its parent for "..". Returns
 * false when ".." is to be walked as a name (done is "." or ends in it). */
static bool
dot_dot(char *done)
{
	char *slash = strrchr(done, '/');

	if (done[0] == '\0')
		return true; /* "/.." is "/" */
	if (slash == NULL || strcmp(slash, "/..") == 0)
		return false;
	*slash = '\0';
	return true;
}

/* Follows the name path ends at, and with whole_dir anything in it. */
static int
add_end(struct watch *w, char *path, bool whole_dir, char *err, size_t errlen)
{
	char *slash = strrchr(path, '/');
	int rc = 0;

	if (slash != NULL) {
		*slash = '\0';
		if (add(w, path, slash + 1, err, errlen) == -1)
			rc = -1, errlen = 0;
		*slash = '/';
	}
	if (whole_dir && add(w, path, "", err, errlen) == -1)
		rc = -1;
	return rc;
}

/*
 * Follows path as open() would, a name at a time, and watches the name of
 * every symlink met on the way and the name it ends at: a link swapped
 * (ln -sfn, Kubernetes' "..data") or its target replaced is then a change.
 * From a missing name on, the rest is taken as written, so that its arrival
 * is seen. With whole_dir, anything in the directory it ends at counts.
 * Returns 0, or -1 with the reason for the first name not watched.
 */
static int
follow(struct watch *w, const char *path, bool whole_dir, char *err,
       size_t errlen)
{
	char done[PATH_MAX], todo[PATH_MAX], next[PATH_MAX], link[PATH_MAX];
	char name[NAME_MAX + 1];
	const char *rest = todo;
	struct stat st;
	int links = 0, rc = 0;
	ssize_t len;

	if (path[0] == '\0' || str_copy(todo, sizeof(todo), path) == -1)
		return 0;
	/* The directories walked so far, symlinks resolved; "" = "/". */
	(void)str_copy(done, sizeof(done), path[0] == '/' ? "" : ".");
	while (*(rest += strspn(rest, "/")) != '\0') {
		size_t n = strcspn(rest, "/");

		/* A name the kernel refuses: the reload will fail on it. */
		if (str_printf(name, sizeof(name), "%.*s", (int)n, rest) == -1)
			return rc;
		rest += n;
		if (strcmp(name, ".") == 0 ||
		    (strcmp(name, "..") == 0 && dot_dot(done)))
			continue;
		if (str_printf(next, sizeof(next), "%s/%s", done, name) == -1)
			return rc;
		if (lstat(next, &st) == -1) {
			if (str_printf(done, sizeof(done), "%s%s", next,
				       rest) == -1)
				return rc;
			break;
		}
		if (!S_ISLNK(st.st_mode)) {
			(void)str_copy(done, sizeof(done), next);
			continue;
		}
		if (add(w, done, name, err, errlen) == -1 && rc == 0)
			rc = -1, errlen = 0;
		/* Beyond it open() fails with ELOOP, as the reload will. */
		if (++links > WATCH_MAX_LINKS ||
		    (len = readlink(next, link, sizeof(link) - 1)) <= 0)
			return rc;
		link[len] = '\0';
		if (str_printf(next, sizeof(next), "%s%s", link, rest) == -1)
			return rc;
		(void)str_copy(todo, sizeof(todo), next);
		rest = todo;
		if (link[0] == '/')
			done[0] = '\0';
	}
	if (add_end(w, done, whole_dir, err, errlen) == -1)
		rc = -1;
	return rc;
}

int
watch_set(struct watch *w, const struct config *cfg, char *err, size_t errlen)
{
	const char *paths[WATCH_MAX_NAMES];
	size_t i, n = 0;
	int rc = 0;

	/* inotify hands out one descriptor per directory: dropping them all
	 * and adding again is simplest, and events in between are not lost
	 * for long (a reload rereads everything anyway). */
	for (i = 0; i < w->ndir; i++)
		if (w->dirs[i].wd != -1)
			(void)inotify_rm_watch(w->fd, w->dirs[i].wd);
	w->ndir = w->n = 0;
	if (cfg->demo || !cfg->watch)
		return 0;
	paths[n++] = cfg->path;
	for (i = 0; i < cfg->nca; i++) {
		paths[n++] = cfg->ca[i].file;
		paths[n++] = cfg->ca[i].crl;
		paths[n++] = cfg->ca[i].delta_crl;
	}
	for (i = 0; i < cfg->nissuer; i++) {
		paths[n++] = cfg->issuer[i].file;
		paths[n++] = cfg->issuer[i].crl;
		paths[n++] = cfg->issuer[i].delta_crl;
	}
	if (cfg->nhttps_listen > 0) {
		paths[n++] = cfg->tls_cert;
		paths[n++] = cfg->tls_key;
	}
	paths[n++] = cfg->sign_cert;
	paths[n++] = cfg->sign_key;
	paths[n++] = cfg->sign_chain;
	paths[n++] = cfg->trust_store;
	for (i = 0; i < n; i++)
		if (follow(w, paths[i], false, err, errlen) == -1 && rc == 0)
			rc = -1, errlen = 0;
	if (follow(w, cfg->static_dir, true, err, errlen) == -1)
		rc = -1;
	return rc;
}

/* Whether ev's name (NULL: an event of the directory itself) is one
 * followed in dirs[i]. */
static bool
named(const struct watch *w, size_t i, const char *name)
{
	for (size_t j = 0; j < w->n; j++) {
		const char *want = w->names[j].name;

		if (w->names[j].dir != i)
			continue;
		if (want[0] == '\0')
			return true;
		if (name == NULL)
			continue;
		/* Kubernetes swaps a "..data" symlink to a new directory:
		 * the files' own names see no event. */
		if (strcmp(name, want) == 0 || strcmp(name, "..data") == 0)
			return true;
	}
	return false;
}

/*
 * Whether ev concerns a followed name. A directory that went away is
 * waited for in its nearest ancestor; one that came back is watched again
 * and counts as a change, since files may have been written in it before
 * its watch was.
 */
static bool
concerns(struct watch *w, const struct inotify_event *ev)
{
	const char *name = ev->len ? ev->name : NULL;
	bool hit = false;

	/* The watch went with the directory; its path is what counts. */
	if (ev->mask & IN_MOVE_SELF)
		(void)inotify_rm_watch(w->fd, ev->wd);
	for (size_t i = 0; i < w->ndir; i++) {
		struct dir *d = &w->dirs[i];
		bool awaiting = d->awaited[0] != '\0';

		if (d->wd != ev->wd)
			continue;
		if (!awaiting && ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF))
			hit = true;
		if (ev->mask & (IN_IGNORED | IN_MOVE_SELF) ||
		    (awaiting && ev->mask & (IN_CREATE | IN_MOVED_TO) &&
		     name != NULL && strcmp(name, d->awaited) == 0)) {
			if (arm(w, d, NULL, 0) == 1)
				hit = true;
		} else if (!awaiting && named(w, i, name)) {
			hit = true;
		}
	}
	return hit;
}

void
watch_read(struct watch *w, long long now_ms, char *what, size_t whatlen)
{
	char buf[4096]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len;

	while ((len = read(w->fd, buf, sizeof(buf))) > 0) {
		const char *p = buf;

		while (p < buf + len) {
			const struct inotify_event *ev = (const void *)p;
			bool hit =
				(ev->mask & IN_Q_OVERFLOW) || concerns(w, ev);

			if (hit) {
				if (w->first_ms == 0)
					w->first_ms = now_ms;
				w->last_ms = now_ms;
				err_set(what, whatlen, "%s",
					ev->len ? ev->name : "a directory");
			}
			p += sizeof(*ev) + ev->len;
		}
	}
}

long long
watch_timeout_ms(const struct watch *w, long long now_ms)
{
	long long due, cap;

	if (w->first_ms == 0)
		return -1;
	due = w->last_ms + WATCH_QUIET_MS;
	cap = w->first_ms + WATCH_MAX_DELAY_MS;
	if (cap < due)
		due = cap;
	return due <= now_ms ? 0 : due - now_ms;
}

bool
watch_due(struct watch *w, long long now_ms)
{
	if (watch_timeout_ms(w, now_ms) != 0)
		return false;
	w->first_ms = w->last_ms = 0;
	return true;
}
