/* SPDX-License-Identifier: MIT */
/* Integration harness: temp dir, config, the real certpost binary, libcurl
 * requests. */
/* nftw(), setns() */
#define _GNU_SOURCE
#include "harness.h"

#include <stdint.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

/*
 * In a child between fork() and exec(): it dies with the test. A test that
 * fails half-way (cmocka jumps out of it) or is killed by meson's timeout
 * leaves no daemon or front proxy running behind it.
 */
void
harness_child_dies_with_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(99);
}

static void
die(const char *what)
{
	fprintf(stderr, "harness: %s: %s\n", what, strerror(errno));
	exit(99);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

void
harness_init(struct harness *h)
{
	memset(h, 0, sizeof(*h));
	if (str_copy(h->dir, sizeof(h->dir), "/tmp/certpost-test.XXXXXX") ||
	    mkdtemp(h->dir) == NULL)
		die("mkdtemp");
	(void)str_printf(h->log_path, sizeof(h->log_path), "%s/daemon.log",
			 h->dir);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		die("curl_global_init");
}

const char *
harness_path(const struct harness *h, const char *name)
{
	static char bufs[8][PATH_MAX];
	static int next;
	char *p = bufs[next++ % 8];

	if (str_printf(p, PATH_MAX, "%s/%s", h->dir, name) == -1)
		die("path too long");
	return p;
}

const char *
harness_write(struct harness *h, const char *name, const char *content)
{
	const char *path = harness_path(h, name);
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(content, f) == EOF || fclose(f) == EOF)
		die(path);
	return path;
}

void
harness_log(const struct harness *h, struct buf *out)
{
	char chunk[4096];
	size_t n;
	FILE *f = fopen(h->log_path, "r");

	if (f == NULL)
		return;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		(void)buf_append(out, chunk, n);
	fclose(f);
}

/* Reads "listening on http://HOST:PORT" lines from the log; true once
 * the daemon said it is ready. */
static bool
parse_listening(struct harness *h, const char *log)
{
	const char *p = log;

	while ((p = strstr(p, "listening on ")) != NULL) {
		char line[128];
		char *colon, *host;
		bool tls;

		p += strlen("listening on ");
		(void)str_printf(line, sizeof(line), "%.*s",
				 (int)strcspn(p, "\n"), p);
		tls = strncmp(line, "https://", 8) == 0;
		host = line + (tls ? 8 : 7);
		if ((colon = strrchr(host, ':')) == NULL)
			continue;
		*colon = '\0';
		if (tls && h->https_port == 0) {
			h->https_port = atoi(colon + 1);
		} else if (!tls && h->port == 0) {
			h->port = atoi(colon + 1);
			(void)str_copy(h->host, sizeof(h->host), host);
		}
	}
	return strstr(log, " ready in ") != NULL;
}

/*
 * Builds argv: $CERTPOST_WRAPPER's words (valgrind and its options, for
 * the memcheck run), then the binary, then args. *ret_exe is what to exec.
 * Returns argc.
 */
static size_t
wrap_argv(const char **argv, const char *bin, const char *const *args,
	  const char **ret_exe)
{
	static char words[1024];
	const char *wrapper = getenv("CERTPOST_WRAPPER");
	size_t n = 0;
	char *w;

	if (wrapper != NULL && str_copy(words, sizeof(words), wrapper) == 0) {
		for (w = words; *w != '\0' && n < 16;) {
			size_t len = strcspn(w, " ");

			if (len > 0)
				argv[n++] = w;
			w += len;
			if (*w == ' ')
				*w++ = '\0';
		}
	}
	argv[n++] = bin;
	for (; args != NULL && *args != NULL && n < 63; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	*ret_exe = argv[0];
	return n;
}

int
harness_start(struct harness *h, const char *const *args, int *ret_status)
{
	const char *bin = getenv("CERTPOST_BIN");
	const char *argv[64];
	struct buf log = {0};
	int status, i;
	pid_t pid, parent = getpid();

	if (bin == NULL) {
		fprintf(stderr, "harness: CERTPOST_BIN is not set\n");
		exit(99);
	}
	(void)wrap_argv(argv, bin, args, &bin);
	/* A test that failed half-way left its daemon: never orphan it. */
	if (h->pid != 0)
		(void)harness_stop(h);
	h->port = h->https_port = 0;
	/* The parent reads the log: it must not see the last run's lines. */
	if (truncate(h->log_path, 0) == -1 && errno != ENOENT)
		die(h->log_path);
	if ((pid = fork()) == -1)
		die("fork");
	if (pid == 0) {
		int fd = open(h->log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);

		harness_child_dies_with_parent(parent);
		if (fd == -1 || dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
			_exit(99);
		if (h->netns != NULL && harness_enter_netns(h->netns) == -1)
			_exit(98);
		if (h->nofile > 0) {
			struct rlimit rl = {(rlim_t)h->nofile,
					    (rlim_t)h->nofile};

			if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
				_exit(97);
		}
		execvp(bin, (char *const *)(uintptr_t)argv);
		_exit(99);
	}
	/* Up to 10 s, or a minute under a wrapper such as valgrind. */
	for (i = 0; i < (getenv("CERTPOST_WRAPPER") ? 6000 : 1000); i++) {
		buf_free(&log);
		harness_log(h, &log);
		if (log.data != NULL && parse_listening(h, log.data)) {
			h->pid = pid;
			buf_free(&log);
			return 0;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			if (ret_status != NULL)
				*ret_status = WIFEXITED(status)
						      ? WEXITSTATUS(status)
						      : -1;
			h->pid = 0;
			buf_free(&log);
			return -1;
		}
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	buf_free(&log);
	h->pid = 0;
	if (ret_status != NULL)
		*ret_status = -1;
	return -1;
}

int
harness_start_config(struct harness *h)
{
	const char *args[] = {"--config", harness_path(h, "certpost.conf"),
			      NULL};

	return harness_start(h, args, NULL);
}

int
harness_start_conf(struct harness *h, const char *conf)
{
	struct buf log = {0};

	harness_write(h, "certpost.conf", conf);
	if (harness_start_config(h) == 0)
		return 0;
	harness_log(h, &log);
	fprintf(stderr, "harness: the daemon did not start:\n%s",
		log.data ? log.data : "");
	buf_free(&log);
	return -1;
}

int
harness_stop(struct harness *h)
{
	int status, i;
	struct buf log = {0};
	int rc;

	if (h->pid == 0)
		return -1;
	kill(h->pid, SIGTERM);
	for (i = 0; i < 1500; i++) {
		if (waitpid(h->pid, &status, WNOHANG) == h->pid)
			break;
		sleep_ms(10);
	}
	if (i == 1500) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, &status, 0);
	}
	h->pid = 0;
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	/* A sanitizer report is a failure even when the exit code hid it. */
	harness_log(h, &log);
	if (log.data != NULL && (strstr(log.data, "AddressSanitizer") ||
				 strstr(log.data, "runtime error:") ||
				 strstr(log.data, "LeakSanitizer"))) {
		fprintf(stderr, "harness: sanitizer report in %s\n",
			h->log_path);
		rc = -1;
	}
	buf_free(&log);
	return rc;
}

int
harness_run(const char *const *args, struct buf *out)
{
	const char *bin = getenv("CERTPOST_BIN");
	const char *argv[64];
	int pfd[2], status;
	size_t n = 0;
	char chunk[4096];
	ssize_t r;
	pid_t pid, parent = getpid();

	if (bin == NULL)
		exit(99);
	argv[n++] = bin;
	for (; args != NULL && args[n - 1] != NULL && n < 63; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	if (pipe(pfd) == -1 || (pid = fork()) == -1)
		die("fork");
	if (pid == 0) {
		harness_child_dies_with_parent(parent);
		close(pfd[0]);
		if (dup2(pfd[1], 1) == -1 || dup2(pfd[1], 2) == -1)
			_exit(99);
		execv(bin, (char *const *)(uintptr_t)argv);
		_exit(99);
	}
	close(pfd[1]);
	while ((r = read(pfd[0], chunk, sizeof(chunk))) > 0)
		(void)buf_append(out, chunk, (size_t)r);
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

void
harness_cleanup(struct harness *h)
{
	if (h->pid != 0)
		(void)harness_stop(h);
	if (getenv("CERTPOST_KEEP_TMP") == NULL && h->dir[0] != '\0')
		(void)nftw(h->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int
harness_finish(struct harness *h)
{
	int rc = h->pid != 0 ? harness_stop(h) : 0;

	harness_cleanup(h);
	return rc;
}

static size_t
collect(char *data, size_t size, size_t n, void *userdata)
{
	struct buf *b = userdata;

	if (buf_append(b, data, size * n) == -1)
		return 0;
	return size * n;
}

/* Keeps only the last response's header block (after 1xx). */
static size_t
collect_header(char *data, size_t size, size_t n, void *userdata)
{
	struct buf *b = userdata;

	if (n * size >= 5 && strncmp(data, "HTTP/", 5) == 0)
		b->len = 0;
	return collect(data, size, n, userdata);
}

int
harness_request(const struct harness *h, const char *path,
		const struct hreq *opt, struct hres *res)
{
	static const struct hreq none;
	struct curl_slist *hdrs = NULL;
	char url[1024];
	CURL *c;
	CURLcode rc;
	size_t i;

	if (opt == NULL)
		opt = &none;
	memset(res, 0, sizeof(*res));
	if (opt->url != NULL)
		(void)str_copy(url, sizeof(url), opt->url);
	else
		(void)str_printf(url, sizeof(url), "%s://%s:%d%s",
				 opt->https ? "https" : "http", h->host,
				 opt->https ? h->https_port : h->port, path);
	if ((c = curl_easy_init()) == NULL)
		exit(99);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* Send the path exactly as written: "/../" must reach the server. */
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
			 opt->timeout_ms ? opt->timeout_ms : 5000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &res->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &res->headers);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	if (opt->interface != NULL)
		curl_easy_setopt(c, CURLOPT_INTERFACE, opt->interface);
	if (opt->method != NULL && strcmp(opt->method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (opt->method != NULL)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, opt->method);
	if (opt->cainfo != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, opt->cainfo);
	for (i = 0; opt->headers != NULL && opt->headers[i] != NULL; i++)
		hdrs = curl_slist_append(hdrs, opt->headers[i]);
	if (hdrs != NULL)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(c);
	res->curl_code = (int)rc;
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	/* Never NULL, so tests can strstr() the body. */
	(void)buf_append(&res->body, "", 0);
	(void)buf_append(&res->headers, "", 0);
	return (int)rc;
}

const char *
hres_header(const struct hres *res, const char *name)
{
	static char value[1024];
	const char *p = res->headers.data;
	size_t n = strlen(name);

	while (p != NULL && *p != '\0') {
		size_t len = strcspn(p, "\r\n");

		if (len > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;

			while (*v == ' ')
				v++;
			(void)str_printf(value, sizeof(value), "%.*s",
					 (int)(len - (size_t)(v - p)), v);
			return value;
		}
		p += len;
		while (*p == '\r' || *p == '\n')
			p++;
	}
	return NULL;
}

void
hres_free(struct hres *res)
{
	buf_free(&res->headers);
	buf_free(&res->body);
}

int
harness_enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd, r;

	if (str_printf(path, sizeof(path), "/run/netns/%s", name) == -1 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	r = setns(fd, CLONE_NEWNET);
	close(fd);
	return r;
}

int
harness_sh(const char *fmt, ...)
{
	struct buf cmd = {0};
	va_list ap;
	int st;

	va_start(ap, fmt);
	(void)buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	if (cmd.data == NULL)
		return -1;
	st = system(cmd.data);
	buf_free(&cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

long
harness_rss_kib(const struct harness *h)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	(void)str_printf(path, sizeof(path), "/proc/%d/status", (int)h->pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	fclose(f);
	return kib;
}

long
harness_raw(int port, const void *req, size_t len, char *out, size_t outlen,
	    long timeout_ms)
{
	return harness_raw_eof(port, req, len, out, outlen, timeout_ms, NULL);
}

long
harness_raw_eof(int port, const void *req, size_t len, char *out, size_t outlen,
		long timeout_ms, bool *ret_closed)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	size_t got = 0, sent = 0;
	struct pollfd pfd;
	bool closed = false;
	int fd;

	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(0x7f000001);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	while (sent < len) {
		ssize_t n = send(fd, (const char *)req + sent, len - sent,
				 MSG_NOSIGNAL);

		if (n <= 0)
			break; /* the server may close on us mid-send */
		sent += (size_t)n;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (got + 1 < outlen && poll(&pfd, 1, (int)timeout_ms) == 1) {
		ssize_t n = recv(fd, out + got, outlen - 1 - got, 0);

		if (n <= 0) {
			/* EOF, or a reset: either way the peer closed. */
			closed = true;
			break;
		}
		got += (size_t)n;
	}
	out[got] = '\0';
	close(fd);
	if (ret_closed != NULL)
		*ret_closed = closed;
	return (long)got;
}
