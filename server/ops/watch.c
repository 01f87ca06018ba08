/* SPDX-License-Identifier: MIT */
/* Following the loaded files with inotify: directories watched, events
 * matched by name, changes debounced. */
#include "ops/ops.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "util.h"

/* Every file of a configuration: 1 + CAs (file, crl, delta_crl) + issuers
 * (file, crl, delta_crl) + TLS pair + signer, chain, key + static_dir. */
#define WATCH_MAX_NAMES (1 + 3 * CONFIG_MAX_CA + 3 * CONFIG_MAX_ISSUER + 6)

/* A file or directory anything in which counts (static_dir). */
struct name {
	int wd;
	char name[NAME_MAX + 1]; /* "" = any name in the directory */
};

struct watch {
	int fd;
	struct name names[2 * WATCH_MAX_NAMES];
	size_t n;
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

/* Watches dir for name ("" = anything in it). */
static int
add(struct watch *w, const char *dir, const char *name, char *err,
    size_t errlen)
{
	int wd;

	if (w->n >= ARRAY_LEN(w->names))
		return 0;
	if ((wd = inotify_add_watch(w->fd, dir[0] ? dir : "/", MASK)) == -1) {
		err_set(err, errlen, "cannot watch %s: %s", dir[0] ? dir : "/",
			strerror(errno));
		return -1;
	}
	w->names[w->n].wd = wd;
	(void)str_copy(w->names[w->n].name, sizeof(w->names[w->n].name), name);
	w->n++;
	return 0;
}

/* Splits path into its directory and last name, and watches that. */
static int
add_path(struct watch *w, const char *path, bool whole_dir, char *err,
	 size_t errlen)
{
	char dir[PATH_MAX];
	const char *slash;
	int rc = 0;

	if (path[0] == '\0')
		return 0;
	if ((slash = strrchr(path, '/')) == NULL) {
		rc = add(w, ".", path, err, errlen);
	} else {
		(void)str_printf(dir, sizeof(dir), "%.*s", (int)(slash - path),
				 path);
		rc = add(w, dir, slash + 1, err, errlen);
	}
	if (whole_dir && add(w, path, "", err, errlen) == -1)
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
	for (i = 0; i < w->n; i++)
		(void)inotify_rm_watch(w->fd, w->names[i].wd);
	w->n = 0;
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
	for (i = 0; i < n; i++)
		if (add_path(w, paths[i], false, err, errlen) == -1 && rc == 0)
			rc = -1, errlen = 0;
	if (add_path(w, cfg->static_dir, true, err, errlen) == -1)
		rc = -1;
	return rc;
}

static bool
concerns(const struct watch *w, const struct inotify_event *ev)
{
	for (size_t i = 0; i < w->n; i++) {
		if (w->names[i].wd != ev->wd)
			continue;
		if (w->names[i].name[0] == '\0' ||
		    ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF))
			return true;
		if (ev->len == 0)
			continue;
		/* Kubernetes swaps a "..data" symlink to a new directory:
		 * the files' own names see no event. */
		if (strcmp(ev->name, w->names[i].name) == 0 ||
		    strcmp(ev->name, "..data") == 0)
			return true;
	}
	return false;
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
