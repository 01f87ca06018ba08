/* SPDX-License-Identifier: MIT */
/* Integration harness: temp dir, config, the real certpost binary, libcurl
 * requests. */
#ifndef CERTPOST_HARNESS_H
#define CERTPOST_HARNESS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util.h"

struct harness {
	char dir[PATH_MAX];	 /* temp dir, removed by harness_cleanup() */
	char log_path[PATH_MAX]; /* daemon's stderr */
	pid_t pid;
	int port;	   /* first plain listener, read from the log */
	int https_port;	   /* first TLS listener, or 0 */
	char host[64];	   /* "127.0.0.1" or "[::1]" as it listens */
	const char *netns; /* run the daemon in this named network namespace */
	long nofile;	   /* RLIMIT_NOFILE for the daemon, 0 = inherit */
};

struct hreq {
	const char *method;	    /* NULL = GET; "HEAD" */
	const char *interface;	    /* source address for CURLOPT_INTERFACE */
	const char *const *headers; /* NULL-terminated "Name: value" lines */
	const char *url;	    /* full URL overrides host/port/path */
	const char *cainfo;	    /* for https */
	bool https;
	long timeout_ms; /* 0 = 5000 */
};

struct hres {
	long status;   /* 0 when the connection failed or was closed */
	int curl_code; /* CURLcode */
	struct buf headers;
	struct buf body;
};

/* Makes the temp dir. Exits 99 on failure. */
void harness_init(struct harness *h);
/* Writes dir/name with content; returns the full path (static buffer). */
const char *harness_write(struct harness *h, const char *name,
			  const char *content);
/* Full path of dir/name (static rotating buffer). */
const char *harness_path(const struct harness *h, const char *name);
/*
 * Starts $CERTPOST_BIN with args (NULL-terminated, argv[0] not included),
 * stderr and stdout to log_path, and waits (up to 10 s) for the
 * "listening on" lines. Returns 0, or -1 when the daemon exited or never
 * listened (h->pid is then 0 and its exit status is in *ret_status when
 * not NULL).
 */
int harness_start(struct harness *h, const char *const *args, int *ret_status);
/* Starts with --config dir/certpost.conf. */
int harness_start_config(struct harness *h);
/* Writes conf as dir/certpost.conf and starts with it; when the daemon
 * does not come up, prints its log to stderr. Returns 0 or -1. */
int harness_start_conf(struct harness *h, const char *conf);
/* Sends SIGTERM and waits; returns the exit status (-1 when killed by a
 * signal, as when ASan aborted). */
int harness_stop(struct harness *h);
/* Runs the binary to completion with args; captures output into out. */
int harness_run(const char *const *args, struct buf *out);
/* The daemon's log so far (caller frees with buf_free). */
void harness_log(const struct harness *h, struct buf *out);
/* Moves the calling process into /run/netns/<name>. Returns 0 or -1. */
int harness_enter_netns(const char *name);
/* Runs cmd with /bin/sh; returns its exit status. */
int harness_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Waits up to timeout_ms (ten times that under $CERTPOST_WRAPPER) for
 * needle to appear in the daemon's log (access lines are written when a
 * request completes, just after the client has its answer). Returns true
 * when it did. */
bool harness_wait_log(const struct harness *h, const char *needle,
		      long timeout_ms);
/* How often needle (not empty) occurs in the daemon's log so far. */
int harness_count_log(const struct harness *h, const char *needle);
/* Waits as harness_wait_log() does until needle occurs want times or more.
 * Returns true when it did. */
bool harness_wait_count(const struct harness *h, const char *needle, int want,
			long timeout_ms);
/* Requests path until it answers 200 with exactly want's bytes, for up to
 * timeout_ms (scaled as above; 0 = one request). Returns true when it did. */
bool harness_wait_body(const struct harness *h, const char *path,
		       const struct buf *want, long timeout_ms);
/* The daemon's VmRSS in KiB, or -1. */
long harness_rss_kib(const struct harness *h);
/* Connects to 127.0.0.1:port, sends len bytes, reads until the peer
 * closes or timeout_ms passes; returns the bytes read (out NUL-terminated,
 * truncated to outlen), or -1 when it could not connect. */
long harness_raw(int port, const void *req, size_t len, char *out,
		 size_t outlen, long timeout_ms);
/* The same; *ret_closed (when not NULL) says whether the peer closed the
 * connection (EOF or reset) rather than the timeout passing. */
/* Call in a child between fork() and exec(): it is killed when the test
 * process (parent, its pid before fork()) ends, however it ends. */
void harness_child_dies_with_parent(pid_t parent);
long harness_raw_eof(int port, const void *req, size_t len, char *out,
		     size_t outlen, long timeout_ms, bool *ret_closed);
/* Removes the temp dir. */
void harness_cleanup(struct harness *h);
/* For a test's own daemon, in its teardown: stops it if it runs (see
 * harness_stop()), then cleans up. 0 when it was not running or exited 0. */
int harness_finish(struct harness *h);

/* Performs a request to path on the daemon. Always fills res (free with
 * hres_free). Returns the CURLcode. */
int harness_request(const struct harness *h, const char *path,
		    const struct hreq *opt, struct hres *res);
/* Value of a response header (case-insensitive name), or NULL; static
 * buffer overwritten by the next call. */
const char *hres_header(const struct hres *res, const char *name);
void hres_free(struct hres *res);

#endif
