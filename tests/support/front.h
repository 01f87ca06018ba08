/* SPDX-License-Identifier: MIT */
/* A reverse proxy (nginx, HAProxy) run in front of certpost by a test, as
 * a child process on loopback. */
#ifndef CERTPOST_FRONT_H
#define CERTPOST_FRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "harness.h"

struct front {
	pid_t pid; /* 0: not running */
	int port;
	char name[16];
};

/* Full path of an executable found in $PATH or the sbin directories
 * (where Debian puts nginx and haproxy), or NULL. Static buffer. */
const char *front_find_bin(const char *name);

/* A loopback port nothing listens on now (bound, read back, released) in
 * family AF_INET or AF_INET6, or -1. */
int front_free_port(int family);

/*
 * Starts argv (the proxy, in the foreground) with its output in
 * h's dir/<name>.out and waits up to 10 s for it to accept on
 * 127.0.0.1:port. Returns 0, or -1 with why (its output printed to
 * stderr) when it exited or never listened.
 */
int front_start(struct front *front, const struct harness *h, const char *name,
		const char *const *argv, int port, char *why, size_t whylen);

/* Stops the proxy (SIGTERM, then SIGKILL after 5 s). Accepts a front
 * that is not running. */
void front_stop(struct front *front);

#endif
