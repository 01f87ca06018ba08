/* SPDX-License-Identifier: MIT */
/* libmicrohttpd glue: listeners, daemons, start, reload swap and stop. */
#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http_int.h"
#include "log.h"

#define TLS_MAX_FILE (256 * 1024)
#define STOP_GRACE_MS 5000

static void
mhd_logger(void *cls, const char *fmt, va_list ap)
{
	struct buf b = {0};

	(void)cls;
	if (buf_vprintf(&b, fmt, ap) == 0 && b.len > 0) {
		/* libmicrohttpd ends its messages with a newline. */
		if (b.data[b.len - 1] == '\n')
			b.data[--b.len] = '\0';
		log_warnx("libmicrohttpd: %s", b.data);
	}
	buf_free(&b);
}

/* We match paths exactly and never decode them: "%2e%2e", "%00" and the
 * like can only be 404. Query strings are not decoded either. */
static size_t
no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

/* Binds one listening socket ourselves, so that "[::]" accepts IPv4 too
 * (mapped addresses, matched as IPv4) and a specific IPv6 address does
 * not. Returns the fd or -1. */
static int
bind_listener(const struct config_listen *cl, char *url, size_t urllen,
	      bool tls, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct acl_addr a;
	char text[ACL_ADDR_STRLEN];
	int fd, one = 1;
	int family = cl->addr.ss_family;

	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		goto fail;
	if (family == AF_INET6) {
		const struct sockaddr_in6 *s6 =
			(const struct sockaddr_in6 *)&cl->addr;
		int v6only = !IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);

		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
			       sizeof(v6only)) == -1)
			goto fail;
	}
	if (bind(fd, (const struct sockaddr *)&cl->addr, cl->addrlen) == -1 ||
	    listen(fd, 511) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) == -1)
		goto fail;
	if (acl_addr_from_sockaddr((struct sockaddr *)&ss, &a) == -1)
		goto fail;
	acl_addr_format(&a, text, sizeof(text));
	(void)str_printf(
		url, urllen, "%s://%s%s%s:%u", tls ? "https" : "http",
		family == AF_INET6 ? "[" : "", text,
		family == AF_INET6 ? "]" : "",
		family == AF_INET6
			? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
			: ntohs(((struct sockaddr_in *)&ss)->sin_port));
	return fd;
fail:
	err_set(err, errlen, "listen %s: %s", cl->text, strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

static unsigned
default_threads(const struct config *cfg)
{
	long n;

	if (cfg->threads > 0)
		return cfg->threads;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 16 ? 16 : (unsigned)n;
}

static int
start_daemon(struct http *h, struct listener *l, const struct config *cfg,
	     int fd, char *err, size_t errlen)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_USE_ERROR_LOG | MHD_USE_ITC;
	unsigned threads = default_threads(cfg);
	struct MHD_OptionItem tls[] = {
		{MHD_OPTION_HTTPS_MEM_CERT, 0, h->tls_cert},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls_key},
		{MHD_OPTION_END, 0, NULL},
	};

	if (l->tls)
		flags |= MHD_USE_TLS;
	l->h = h;
	l->d = MHD_start_daemon(
		flags, 0, http_accept_policy, l, http_handle, l,
		/* First, so every later message goes through it too. */
		MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, l,
		MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
		cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		cfg->max_connections_per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
		cfg->timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)cfg->connection_memory, MHD_OPTION_THREAD_POOL_SIZE,
		threads > 1 ? threads : 0, MHD_OPTION_NOTIFY_COMPLETED,
		http_completed, l, MHD_OPTION_NOTIFY_CONNECTION,
		http_notify_connection, l, MHD_OPTION_UNESCAPE_CALLBACK,
		no_unescape, l, MHD_OPTION_STRICT_FOR_CLIENT, 1,
		MHD_OPTION_ARRAY, l->tls ? tls : tls + 2, MHD_OPTION_END);
	if (l->d == NULL) {
		err_set(err, errlen, "cannot start libmicrohttpd on %s%s",
			l->url,
			l->tls ? " (TLS: check tls_cert and tls_key)" : "");
		close(fd);
		return -1;
	}
	return 0;
}

/* Reads a TLS file into memory; the key must not be readable by others
 * nor live where it could be served. */
static char *
read_tls_file(const char *path, const struct config *cfg, bool key, char *err,
	      size_t errlen)
{
	struct stat st;
	char *data = NULL;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > TLS_MAX_FILE) {
		err_set(err, errlen, "%s: %s", path,
			errno ? strerror(errno) : "not a small regular file");
		goto out;
	}
	if (key && cfg->static_dir[0] != '\0') {
		char rp[PATH_MAX], rd[PATH_MAX];
		size_t dl;

		if (realpath(path, rp) != NULL &&
		    realpath(cfg->static_dir, rd) != NULL &&
		    strncmp(rp, rd, (dl = strlen(rd))) == 0 && rp[dl] == '/') {
			err_set(err, errlen,
				"%s: the TLS key is inside "
				"static_dir; move it out",
				path);
			goto out;
		}
	}
	if (key && (st.st_mode & 077) != 0)
		log_warnx("%s: the TLS key is readable by group or others "
			  "(mode %03o); chmod 600 it",
			  path, (unsigned)(st.st_mode & 0777));
	if ((data = calloc(1, (size_t)st.st_size + 1)) == NULL ||
	    (n = read(fd, data, (size_t)st.st_size)) != st.st_size) {
		err_set(err, errlen, "%s: short read", path);
		free(data);
		data = NULL;
	}
out:
	if (fd != -1)
		close(fd);
	return data;
}

static int
load_tls(struct http *h, const struct config *cfg, char *err, size_t errlen)
{
	if (cfg->nhttps_listen == 0)
		return 0;
	if (cfg->tls_cert_pem != NULL) {
		h->tls_cert = strdup(cfg->tls_cert_pem);
		h->tls_key = strdup(cfg->tls_key_pem);
	} else {
		h->tls_cert =
			read_tls_file(cfg->tls_cert, cfg, false, err, errlen);
		if (h->tls_cert == NULL)
			return -1;
		h->tls_key =
			read_tls_file(cfg->tls_key, cfg, true, err, errlen);
	}
	if (h->tls_cert == NULL || h->tls_key == NULL) {
		if (err[0] == '\0')
			err_set(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static void
free_http(struct http *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->listeners[i].d != NULL)
			MHD_stop_daemon(h->listeners[i].d);
	site_unref(atomic_load(&h->live));
	if (h->tls_key != NULL)
		explicit_bzero(h->tls_key, strlen(h->tls_key));
	free(h->tls_key);
	free(h->tls_cert);
	free(h);
}

struct http *
http_start(struct config *cfg, struct catalog *cat, char *err, size_t errlen)
{
	struct http *h = calloc(1, sizeof(*h));
	struct site *s;
	size_t i, total = cfg->nlisten + cfg->nhttps_listen;

	err[0] = '\0';
	if (h == NULL) {
		free(cfg);
		catalog_free(cat);
		err_set(err, errlen, "out of memory");
		return NULL;
	}
	if ((s = site_new(cfg, cat, err, errlen)) == NULL) {
		free(h);
		return NULL;
	}
	atomic_init(&h->live, s);
	if (load_tls(h, cfg, err, errlen) == -1)
		goto fail;
	for (i = 0; i < total; i++) {
		struct listener *l = &h->listeners[h->n];
		bool tls = i >= cfg->nlisten;
		const struct config_listen *cl =
			tls ? &cfg->https_listen[i - cfg->nlisten]
			    : &cfg->listen[i];
		int fd = bind_listener(cl, l->url, sizeof(l->url), tls, err,
				       errlen);

		if (fd == -1)
			goto fail;
		l->tls = tls;
		if (start_daemon(h, l, cfg, fd, err, errlen) == -1)
			goto fail;
		h->n++;
		log_info("listening on %s", l->url);
	}
	return h;
fail:
	free_http(h);
	return NULL;
}

static bool
listen_equal(const struct config_listen *a, size_t na,
	     const struct config_listen *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (strcmp(a[i].text, b[i].text) != 0)
			return false;
	return true;
}

/* What the new config changes that only a restart can apply. */
static void
restart_note(const struct config *o, const struct config *n, char *note,
	     size_t notelen)
{
	struct buf b = {0};

	if (!listen_equal(o->listen, o->nlisten, n->listen, n->nlisten))
		(void)buf_puts(&b, " listen");
	if (!listen_equal(o->https_listen, o->nhttps_listen, n->https_listen,
			  n->nhttps_listen))
		(void)buf_puts(&b, " https_listen");
	if (strcmp(o->tls_cert, n->tls_cert) != 0 ||
	    strcmp(o->tls_key, n->tls_key) != 0)
		(void)buf_puts(&b, " tls_cert/tls_key");
	if (o->threads != n->threads ||
	    o->max_connections != n->max_connections ||
	    o->max_connections_per_ip != n->max_connections_per_ip ||
	    o->timeout_s != n->timeout_s ||
	    o->connection_memory != n->connection_memory)
		(void)buf_puts(&b, " connection limits/threads");
	if (strcmp(o->log_file, n->log_file) != 0)
		(void)buf_puts(&b, " [log] file");
	if (b.data != NULL)
		err_set(note, notelen,
			"changes to%s need a restart; still "
			"using the old values",
			b.data);
	else if (notelen > 0)
		note[0] = '\0';
	buf_free(&b);
}

int
http_swap(struct http *h, struct config *cfg, struct catalog *cat, char *note,
	  size_t notelen)
{
	struct site *old = atomic_load(&h->live), *s;
	char err[256];
	size_t i;

	restart_note(old->cfg, cfg, note, notelen);
	/* Listener-level settings stay as bound; keep the old values so the
	 * live config tells the truth. */
	memcpy(cfg->listen, old->cfg->listen, sizeof(cfg->listen));
	cfg->nlisten = old->cfg->nlisten;
	memcpy(cfg->https_listen, old->cfg->https_listen,
	       sizeof(cfg->https_listen));
	cfg->nhttps_listen = old->cfg->nhttps_listen;
	if ((s = site_new(cfg, cat, err, sizeof(err))) == NULL) {
		err_set(note, notelen, "%s", err);
		return -1;
	}
	atomic_store(&h->live, s);
	/* Wait out readers that loaded the old pointer but have not yet
	 * counted themselves in (a few instructions long). */
	for (i = 0; atomic_load(&h->acquiring) != 0; i++)
		if (i > 1000)
			sched_yield();
	site_unref(old);
	return 0;
}

void
http_stop(struct http *h)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	size_t i;
	int waited;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++) {
		MHD_socket fd = MHD_quiesce_daemon(h->listeners[i].d);

		if (fd != MHD_INVALID_SOCKET)
			close(fd);
	}
	for (waited = 0;
	     atomic_load(&h->in_flight) > 0 && waited < STOP_GRACE_MS;
	     waited += 10)
		nanosleep(&ts, NULL);
	free_http(h);
}
