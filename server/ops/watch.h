/* SPDX-License-Identifier: MIT */
/* Following the loaded files with inotify, so a changed file reloads as
 * SIGHUP does; debounced. */
#ifndef CERTPOST_WATCH_H
#define CERTPOST_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* Changes are acted on once none came for this long... */
#define WATCH_QUIET_MS 500
/* ... or this long after the first, however busy the writer. */
#define WATCH_MAX_DELAY_MS 5000

struct watch;

/* An inotify instance following nothing yet. Returns NULL with a reason. */
struct watch *watch_new(char *err, size_t errlen);
void watch_free(struct watch *w);

/* The descriptor to poll for input. */
int watch_fd(const struct watch *w);

/*
 * Follows (unless cfg says watch = no) every file cfg loads (the configuration,
 * CA, CRL and issuer files, the TLS certificate and key, the profile signer and
 * chain) and static_dir, replacing what was followed before. Directories are
 * watched, not files, so a file replaced by rename, deleted and created
 * again, or a Kubernetes "..data" symlink swap is seen. Returns 0, or -1
 * with the reason for the first directory that could not be watched (the
 * others still are).
 */
int watch_set(struct watch *w, const struct config *cfg, char *err,
	      size_t errlen);

/*
 * Reads every pending event. When one concerns a followed file, starts or
 * extends the quiet period and copies the file's name into what (for the
 * log). now_ms is CLOCK_MONOTONIC in milliseconds.
 */
void watch_read(struct watch *w, long long now_ms, char *what, size_t whatlen);

/* Milliseconds until a change is due (0 = now), or -1 when none waits. */
long long watch_timeout_ms(const struct watch *w, long long now_ms);

/* True, once, when a change is due: the caller reloads. */
bool watch_due(struct watch *w, long long now_ms);

#endif
