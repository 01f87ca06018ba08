/* SPDX-License-Identifier: MIT */
/* The rollout's counts across restarts: a small text file under the
 * service's state directory, replaced atomically, whose loss only means
 * counting from zero again. */
#include "ops/ops.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rollout_int.h"

/* Main thread only, like every function here. */
static char state_path[PATH_MAX];
static time_t last_save;

#define STATE_MAX (16 * 1024)
#define STATE_HEADER                                                           \
	"# certpost rollout counts: written by certpost, read at start\n"

static int
platform_of(const char *name, size_t n)
{
	for (int p = 0; p < PAGE_PLATFORM_COUNT; p++) {
		const char *s = page_platform_name((enum page_platform)p);

		if (strlen(s) == n && memcmp(s, name, n) == 0)
			return p;
	}
	return -1;
}

/* Splits line at single spaces into at most max words; the count, or
 * max + 1 when there are more. */
static size_t
words(char *line, char **w, size_t max)
{
	size_t n = 0;

	for (char *p = line; *p != '\0';) {
		if (n == max)
			return max + 1;
		w[n++] = p;
		p += strcspn(p, " ");
		if (*p == ' ')
			*p++ = '\0';
	}
	return n;
}

/*
 * One line: "since N", "downloads PLATFORM N" or "confirmed PLATFORM N".
 * A key or platform this version does not know is skipped (a later
 * version may write more). Returns 0, or -1 for a malformed line.
 */
static int
read_line(char *line, unsigned long long dl[], unsigned long long cf[],
	  long long *since)
{
	char *w[3], *key, *a, *b, *end;
	size_t n = words(line, w, 3);
	unsigned long long v;
	int p;

	if (n < 2 || n > 3)
		return -1;
	key = w[0];
	a = w[1];
	b = n == 3 ? w[2] : NULL;
	if (strcmp(key, "since") == 0 && b == NULL) {
		errno = 0;
		*since = strtoll(a, &end, 10);
		return errno != 0 || *end != '\0' || *since < 0 ? -1 : 0;
	}
	if (strcmp(key, "downloads") != 0 && strcmp(key, "confirmed") != 0)
		return 0; /* a later version's */
	if (b == NULL)
		return -1;
	errno = 0;
	v = strtoull(b, &end, 10);
	if (errno != 0 || *end != '\0' || *b == '-' || *b == '\0')
		return -1;
	if ((p = platform_of(a, strlen(a))) >= 0)
		(key[0] == 'd' ? dl : cf)[p] = v;
	return 0;
}

static int
parse(char *text, long long now, char *err, size_t errlen)
{
	unsigned long long dl[PAGE_PLATFORM_COUNT] = {0},
			   cf[PAGE_PLATFORM_COUNT] = {0};
	long long since = -1;
	unsigned lineno = 0;

	for (char *line = text, *next; *line != '\0'; line = next) {
		size_t n = strcspn(line, "\n");

		next = line + n + (line[n] == '\n');
		line[n] = '\0';
		/* Written by certpost with \n; an editor may have added \r. */
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (read_line(line, dl, cf, &since) == -1) {
			err_set(err, errlen, "%s:%u: not a line certpost wrote",
				state_path, lineno);
			return -1;
		}
	}
	if (since < 0 || since > now + 86400) {
		err_set(err, errlen, "%s: no valid since line", state_path);
		return -1;
	}
	for (int p = 0; p < PAGE_PLATFORM_COUNT; p++) {
		atomic_store(&rollout_counts.downloads[p], dl[p]);
		atomic_store(&rollout_counts.confirmed[p], cf[p]);
	}
	atomic_store(&rollout_counts.since, since);
	return 0;
}

int
rollout_state_open(const char *path, time_t now, char *err, size_t errlen)
{
	struct buf b = {0};
	int rc = 0;

	atomic_store(&rollout_counts.since, (long long)now);
	last_save = now;
	rollout_state_path(path);
	if (state_path[0] == '\0')
		return 0;
	if (access(state_path, F_OK) == -1 && errno == ENOENT)
		return 0;
	if (file_read(state_path, STATE_MAX, &b, err, errlen) == -1 ||
	    (b.data != NULL &&
	     parse(b.data, (long long)now, err, errlen) == -1))
		rc = -1;
	buf_free(&b);
	/* A bad file is kept aside as <file>.bad (for a look, or a
	 * downgrade undone) and replaced with what is counted from now. */
	if (rc == -1) {
		char bad[PATH_MAX + 8];

		if (str_printf(bad, sizeof(bad), "%s.bad", state_path) == 0)
			(void)rename(state_path, bad);
	}
	atomic_store(&rollout_counts.dirty, rc == -1);
	return rc;
}

void
rollout_state_path(const char *path)
{
	if (path == NULL ||
	    str_copy(state_path, sizeof(state_path), path) == -1)
		state_path[0] = '\0';
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Makes the rename itself durable. */
static void
sync_dir(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd;

	if (str_copy(dir, sizeof(dir), path) == -1)
		return;
	if ((slash = strrchr(dir, '/')) == NULL)
		(void)str_copy(dir, sizeof(dir), ".");
	else
		slash[slash == dir] = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	(void)fsync(fd);
	(void)close(fd);
}

int
rollout_state_save(bool force, time_t now, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	struct buf b = {0};
	int fd = -1, rc = -1;

	if (state_path[0] == '\0' || !atomic_load(&rollout_counts.dirty) ||
	    (!force && now - last_save < ROLLOUT_SAVE_EVERY_S))
		return 0;
	last_save = now;
	/* Cleared first: a count made while writing marks it again. */
	atomic_store(&rollout_counts.dirty, false);
	(void)buf_puts(&b, STATE_HEADER);
	(void)buf_printf(&b, "since %lld\n",
			 (long long)atomic_load(&rollout_counts.since));
	for (int p = 0; p < PAGE_PLATFORM_COUNT; p++) {
		const char *name = page_platform_name((enum page_platform)p);

		(void)buf_printf(
			&b, "downloads %s %llu\nconfirmed %s %llu\n", name,
			atomic_load(&rollout_counts.downloads[p]), name,
			atomic_load(&rollout_counts.confirmed[p]));
	}
	if (b.data == NULL ||
	    str_printf(tmp, sizeof(tmp), "%s.tmp", state_path) == -1) {
		err_set(err, errlen, "%s: out of memory or path too long",
			state_path);
		atomic_store(&rollout_counts.dirty, true);
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd == -1 || write_all(fd, b.data, b.len) == -1 || fsync(fd) == -1) {
		err_set(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		err_set(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, state_path) == -1) {
		err_set(err, errlen, "%s: %s", state_path, strerror(errno));
		goto fail;
	}
	sync_dir(state_path);
	rc = 0;
	goto out;
fail:
	if (fd != -1)
		(void)close(fd);
	(void)unlink(tmp);
	atomic_store(&rollout_counts.dirty, true);
out:
	buf_free(&b);
	return rc;
}
