/* SPDX-License-Identifier: MIT */
/* A reverse proxy run in front of certpost by a test. */
#include "front.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Full path of an executable found in $PATH or the sbin directories
 * (where Debian puts nginx and haproxy, often outside a user's PATH),
 * or NULL. Static buffer. */
const char *
front_find_bin(const char *name)
{
	static char path[PATH_MAX];
	char dirs[4096];
	const char *env = getenv("PATH");
	const char *d, *end;

	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin:/usr/local/sbin",
		 env != NULL ? env : "/usr/bin:/bin");
	for (d = dirs; *d != '\0'; d = *end == ':' ? end + 1 : end) {
		end = d + strcspn(d, ":");
		if (end > d &&
		    snprintf(path, sizeof(path), "%.*s/%s", (int)(end - d), d,
			     name) < (int)sizeof(path) &&
		    access(path, X_OK) == 0)
			return path;
	}
	return NULL;
}

/* A port nothing listens on now (bound, read back, released), or -1. */
int
front_free_port(int family)
{
	struct sockaddr_storage ss = {0};
	socklen_t len;
	int fd, port = -1;

	if ((fd = socket(family, SOCK_STREAM, 0)) == -1)
		return -1;
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*s4);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) == 0 &&
	    getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		port = family == AF_INET6
			       ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
			       : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	close(fd);
	return port;
}

/* Connects to 127.0.0.1:port; true when something accepted. */
static bool
port_open(int port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int fd;
	bool ok;

	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return false;
	ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

static void
print_file(const char *path)
{
	struct buf b = {0};
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		(void)buf_append(&b, chunk, n);
	fclose(f);
	fprintf(stderr, "--- %s\n%s\n", path, b.data != NULL ? b.data : "");
	buf_free(&b);
}

/*
 * Starts argv (the proxy, in the foreground) with its output in
 * dir/<name>.out and waits up to 10 s for it to accept on 127.0.0.1:port.
 * Fails the test when it exits or never listens.
 */
int
front_start(struct front *front, const struct harness *h, const char *name,
	    const char *const *argv, int port, char *why, size_t whylen)
{
	const char *out = harness_path(h, name);
	char outpath[PATH_MAX];
	int status, i;
	pid_t pid, parent;

	snprintf(outpath, sizeof(outpath), "%s.out", out);
	parent = getpid();
	if ((pid = fork()) == -1) {
		err_set(why, whylen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		FILE *f;

		harness_child_dies_with_parent(parent);
		f = freopen(outpath, "w", stdout);
		if (f == NULL || dup2(fileno(f), 2) == -1)
			_exit(99);
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(99);
	}
	front->pid = pid;
	front->port = port;
	snprintf(front->name, sizeof(front->name), "%s", name);
	for (i = 0; i < 1000; i++) {
		if (port_open(port))
			return 0;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			front->pid = 0;
			print_file(outpath);
			print_file(harness_path(h, "proxy-error.log"));
			err_set(why, whylen, "%s exited before listening",
				name);
			return -1;
		}
		sleep_ms(10);
	}
	print_file(outpath);
	err_set(why, whylen, "%s did not listen on port %d", name, port);
	return -1;
}

/* Stops the proxy (SIGTERM is a fast shutdown for both). */
void
front_stop(struct front *front)
{
	int status, i;

	if (front->pid == 0)
		return;
	kill(front->pid, SIGTERM);
	for (i = 0; i < 500; i++) {
		if (waitpid(front->pid, &status, WNOHANG) == front->pid)
			break;
		sleep_ms(10);
	}
	if (i == 500) {
		kill(front->pid, SIGKILL);
		waitpid(front->pid, &status, 0);
	}
	front->pid = 0;
}
