/* SPDX-License-Identifier: MIT */
/* certpost: command line, signals, start, reload, stop. */
#include <errno.h>
#include <pthread.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "build_config.h"
#include "catalog/catalog.h"
#include "pki/pki.h"
#include "config/config.h"
#include "ops/ops.h"
#include "http/http.h"

/* Replaces a listener list with the command line's, when it gave one. */
static int
override_listen(struct config_listen *arr, size_t *n, const char *const *args,
		size_t nargs, char *err, size_t errlen)
{
	size_t i;

	if (nargs == 0)
		return 0;
	for (i = 0; i < nargs; i++)
		if (config_parse_listen(args[i], &arr[i], err, errlen) == -1)
			return -1;
	*n = nargs;
	return 0;
}

/*
 * Reads the whole configuration: file (or demo), command-line overrides,
 * validation. Returns a heap config the caller owns, or NULL with err.
 */
static struct config *
load_config(const struct options *o, const struct demo *demo, char *err,
	    size_t errlen)
{
	struct config *cfg = malloc(sizeof(*cfg));

	if (cfg == NULL) {
		err_set(err, errlen, "out of memory");
		return NULL;
	}
	if (o->demo) {
		demo_config(cfg, demo);
	} else if (config_load(cfg, o->config, err, errlen) == -1) {
		free(cfg);
		return NULL;
	}
	if (override_listen(cfg->listen, &cfg->nlisten, o->listen, o->nlisten,
			    err, errlen) == -1 ||
	    override_listen(cfg->https_listen, &cfg->nhttps_listen,
			    o->https_listen, o->nhttps_listen, err,
			    errlen) == -1) {
		free(cfg);
		return NULL;
	}
	if (config_validate(cfg, err, errlen) == -1) {
		free(cfg);
		return NULL;
	}
	return cfg;
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* What --check-config calls a warning, in the daemon's log. */
static void
log_config_warnings(const struct config *cfg)
{
	struct buf b = {0};

	if (config_warnings(cfg, &b) > 0) {
		const char *p = b.data;

		while (*p != '\0') {
			size_t n = strcspn(p, "\n");

			log_warnx("%.*s", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	buf_free(&b);
}

static void
log_snapshot(const struct catalog *cat)
{
	size_t i;

	for (i = 0; i < catalog_warning_count(cat); i++)
		log_warnx("%s", catalog_warning(cat, i));
	metrics_ca_clear();
	for (i = 0; i < catalog_ca_count(cat); i++) {
		const struct catalog_ca *ca = catalog_ca_at(cat, i);

		metrics_ca_expiry(ca->slug, ca->not_after);
		log_info("serving %s \"%s\" SHA-256 %s%s", ca->slug, ca->name,
			 ca->sha256_hex, ca->primary ? " (primary)" : "");
	}
	for (i = 0; i < catalog_issuer_count(cat); i++) {
		const struct cert *ce;
		const char *slug = catalog_issuer_at(cat, i, &ce);

		metrics_issuer_expiry(slug, (long long)ce->not_after);
	}
	metrics_profile_signer_expiry(catalog_profile_not_after(cat));
	for (i = 0; i < catalog_kept_count(cat); i++) {
		const struct catalog_kept *k = catalog_kept_at(cat, i);

		metrics_published_rejected(k->slug, k->file, k->reason);
	}
	for (i = 0; i < catalog_crl_count(cat); i++) {
		const struct catalog_crl *crl = catalog_crl_at(cat, i);

		metrics_crl(crl->slug, crl->delta, crl->next_update,
			    crl->number);
		log_info("serving %s's %s, number %s", crl->slug,
			 crl->delta ? "delta CRL" : "CRL",
			 crl->number[0] ? crl->number : "(none)");
	}
	metrics_snapshot((long long)time(NULL));
}

/*
 * The same gate as a start, short of binding the listeners (a running
 * daemon holds them): the configuration, every file, the snapshot, the
 * log file and every prepared response.
 */
static int
check_config(const struct options *o, const struct demo *demo)
{
	char err[4096];
	struct config *cfg = load_config(o, demo, err, sizeof(err));
	struct catalog *cat = NULL;
	struct buf b = {0};
	const char *name = o->demo ? "(demo)" : o->config;
	int rc = 1;

	if (cfg == NULL ||
	    (cat = catalog_build(cfg, NULL, err, sizeof(err))) == NULL) {
		free(cfg);
		goto out;
	}
	(void)catalog_summary(cat, &b);
	config_summary(cfg, &b);
	/* With --debug, every path it would answer, one a line. */
	if (o->debug) {
		for (size_t i = 0; i < catalog_count(cat); i++) {
			const struct catalog_entry *e =
				catalog_entry_at(cat, i);

			(void)buf_printf(&b, "path:         %s  %s\n", e->path,
					 e->content_type);
		}
	}
	if (cfg->log_file[0] != '\0' && log_check(cfg->log_file) == -1) {
		err_set(err, sizeof(err),
			"%s: [log] file %s: %s (must be a regular file or "
			"device certpost can create or append to)",
			cfg->path, cfg->log_file, strerror(errno));
		catalog_free(cat);
		free(cfg);
		goto out;
	}
	/* Takes cfg and cat. */
	if (http_check(cfg, cat, err, sizeof(err)) == -1)
		goto out;
	printf("%s", b.data ? b.data : "");
	printf("certpost: configuration %s test is successful\n", name);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "%s\ncertpost: configuration %s test failed\n",
			err, name);
	buf_free(&b);
	return rc;
}

/* The configuration and a snapshot of it, for the checks that need both;
 * -1 after saying why on stderr. */
static int
load_snapshot(const struct options *o, const struct demo *demo,
	      struct config **ret_cfg, struct catalog **ret_cat)
{
	char err[4096];
	struct config *cfg = load_config(o, demo, err, sizeof(err));
	struct catalog *cat = NULL;

	if (cfg == NULL ||
	    (cat = catalog_build(cfg, NULL, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\ncertpost: configuration test failed\n",
			err);
		free(cfg);
		return -1;
	}
	*ret_cfg = cfg;
	*ret_cat = cat;
	return 0;
}

/*
 * --check-urls: what this configuration serves at each CDP and AIA URL of
 * the certificates in the files; exit 0 only when it serves every http one.
 */
static int
check_urls(const struct options *o, const struct demo *demo)
{
	char err[4096];
	struct config *cfg;
	struct catalog *cat;
	struct buf out = {0};
	unsigned bad = 0;
	int rc = 0;

	if (load_snapshot(o, demo, &cfg, &cat) == -1)
		return 1;
	for (size_t i = 0; i < o->nfiles; i++)
		if (catalog_check_url_file(cat, cfg, o->files[i], &out, &bad,
					   err, sizeof(err)) == -1) {
			fprintf(stderr, "certpost: %s\n", err);
			rc = 1;
		}
	printf("%s", out.data != NULL ? out.data : "");
	printf("certpost: %u URL%s not served\n", bad, bad == 1 ? "" : "s");
	buf_free(&out);
	catalog_free(cat);
	free(cfg);
	return rc != 0 || bad > 0 ? 1 : 0;
}

/*
 * --check-trust: would the page's trust check pass on an iPhone? Each
 * check URL is asked (the only outbound connections certpost makes, and
 * only here); exit 0 when every one would.
 */
static int
check_trust(const struct options *o, const struct demo *demo)
{
	char url[CONFIG_STR_MAX];
	const struct cert *roots[CONFIG_MAX_CERTS];
	struct config *cfg;
	struct catalog *cat;
	struct buf out = {0};
	const char *p;
	size_t n, i;
	int rc = 0;

	if (load_snapshot(o, demo, &cfg, &cat) == -1)
		return 1;
	for (i = 0; i < catalog_ca_count(cat) && i < CONFIG_MAX_CERTS; i++)
		roots[i] = catalog_ca_cert(cat, i);
	p = catalog_check_urls(cat);
	if (strcmp(p, "none") == 0)
		printf("no trust-check URL: set [trust] check_url or an "
		       "https_listen\n");
	while (*p != '\0' && strcmp(p, "none") != 0) {
		n = strcspn(p, " ");
		if (n < sizeof(url)) {
			memcpy(url, p, n);
			url[n] = '\0';
			if (trustcheck_url(url, roots, i, 5000, &out) != 0)
				rc = 1;
		}
		p += n + (p[n] == ' ');
	}
	printf("%s", out.data != NULL ? out.data : "");
	buf_free(&out);
	catalog_free(cat);
	free(cfg);
	return rc;
}

/*
 * Every connection is a descriptor: lift the soft limit towards the hard
 * one so max_connections can really be reached (as nginx's
 * worker_rlimit_nofile does).
 */
static void
raise_fd_limit(const struct config *cfg)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)cfg->max_connections + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < want)
		log_warnx("max_connections = %u but only %llu file descriptors "
			  "may be open; raise LimitNOFILE",
			  cfg->max_connections,
			  (unsigned long long)rl.rlim_cur);
}

/* Logs a multi-line reason one line at a time (one journal entry each). */
static void
log_error_lines(const char *text)
{
	while (*text != '\0') {
		size_t n = strcspn(text, "\n");

		log_errx("%.*s", (int)n, text);
		text += n;
		if (*text == '\n')
			text++;
	}
}

/* Follows cfg's files when it asks for it (none otherwise). */
static void
watch_files(struct watch *w, const struct config *cfg)
{
	char err[PATH_MAX + 64];

	if (w != NULL && watch_set(w, cfg, err, sizeof(err)) == -1)
		log_warnx("%s; changes there need SIGHUP", err);
}

/* Where cfg keeps the rollout counts ("" = not kept). */
static void
state_file(const struct config *cfg, char *path, size_t len)
{
	if (cfg->state_dir[0] == '\0' ||
	    str_printf(path, len, "%s/rollout.state", cfg->state_dir) == -1)
		path[0] = '\0';
}

static void
reload(const struct options *o, const struct demo *demo, struct http *h,
       struct watch *w, enum metrics_trigger trigger)
{
	char err[4096], note[512], path[PATH_MAX + 16];
	struct timespec t0;
	struct config *cfg;
	struct catalog *cat;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	notify_reloading();
	if ((cfg = load_config(o, demo, err, sizeof(err))) == NULL)
		goto fail;
	/* Before anything can fail: a file that is missing now is the one
	 * whose arrival should bring the next reload, and a symlink swapped
	 * has a new target to follow. */
	watch_files(w, cfg);
	http_adopt(h, cfg, note, sizeof(note));
	if ((cat = catalog_build(cfg, http_live_catalog(h), err,
				 sizeof(err))) == NULL) {
		free(cfg);
		goto fail;
	}
	if (log_open(cfg->log_format == CONFIG_LOG_JSON ? LOG_JSON : LOG_TEXT,
		     cfg->log_file) == -1)
		log_warn("log file %s; access lines still go where they went",
			 cfg->log_file);
	log_config_warnings(cfg);
	state_file(cfg, path, sizeof(path));
	if (http_swap(h, cfg, cat, err, sizeof(err)) == -1)
		goto fail;
	/* Only now: a failed reload keeps the old configuration whole. */
	rollout_state_path(path);
	if (note[0] != '\0')
		log_warnx("%s", note);
	log_snapshot(cat);
	metrics_reload(trigger, 1);
	log_info("reloaded in %.2f ms", ms_since(&t0));
	notify_send("READY=1");
	return;
fail:
	log_error_lines(err);
	log_errx("reload failed; still serving the previous configuration");
	metrics_reload(trigger, 0);
	notify_send("READY=1");
}

static void
rollout_save(bool force)
{
	char err[PATH_MAX + 128];

	if (rollout_state_save(force, time(NULL), err, sizeof(err)) == -1)
		log_warnx("rollout counts not saved: %s", err);
}

/* Blocks the signals we read from a signalfd; server threads started
 * afterwards inherit the mask and never see them. */
static void
block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Configuration, sockets, snapshot, server; exits on any failure. */
static struct http *
start(const struct options *o, const struct demo *demo, struct watch *w)
{
	struct config *cfg;
	struct catalog *cat;
	struct http *h;
	char err[4096], path[PATH_MAX + 16];

	if ((cfg = load_config(o, demo, err, sizeof(err))) == NULL) {
		log_error_lines(err);
		fatalx("not starting: fix the configuration (certpost "
		       "--check-config tests it)");
	}
	if (log_open(cfg->log_format == CONFIG_LOG_JSON ? LOG_JSON : LOG_TEXT,
		     cfg->log_file) == -1)
		fatal("log file %s (must be a regular file or device certpost "
		      "can create or append to)",
		      cfg->log_file);
	raise_fd_limit(cfg);
	/* Bind first: with port 0 the catalog then names the real port. */
	if ((h = http_bind(cfg, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if ((cat = catalog_build(cfg, NULL, err, sizeof(err))) == NULL) {
		log_error_lines(err);
		fatalx("not starting");
	}
	log_snapshot(cat);
	log_config_warnings(cfg);
	state_file(cfg, path, sizeof(path));
	if (rollout_state_open(path, time(NULL), err, sizeof(err)) == -1)
		log_warnx("%s; the rollout counts start from zero", err);
	if (cfg->allow.n == 0)
		log_warnx("no [access] allow entry: every client will be "
			  "refused (add allow = 10.0.0.0/8 or similar)");
	if (cfg->demo)
		log_info("demo mode: a throwaway root CA, loopback clients "
			 "only; open http://%s/",
			 cfg->listen[0].text);
	watch_files(w, cfg);
	if (http_serve(h, cfg, cat, err, sizeof(err)) == -1)
		fatalx("%s", err);
	return h;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * True once the live snapshot says "Verified" and iPhones no longer do: a
 * certificate of the profile signer's chain expired. A rebuild that fails
 * is tried again a minute later, not every second.
 */
static bool
profile_expired(struct http *h, time_t *next_try)
{
	long long at = catalog_profile_rebuild_at(http_live_catalog(h));
	time_t now = time(NULL);
	char t[32];

	if (at == 0 || now < at || now < *next_try)
		return false;
	*next_try = now + 60;
	(void)time_rfc3339(t, sizeof(t), at - 1);
	log_info("the profile signer's chain expired at %s: reloading", t);
	return true;
}

/*
 * Signals and file changes in one poll(): both reach the main thread as
 * descriptors, so a reload always runs here, one at a time, whatever
 * asked for it (the profile signer's expiry too), and the watcher's quiet
 * period is just poll()'s timeout. (A watcher thread would have to hand its
 * events back here anyway.) Returns the signal that stops the daemon.
 */
static int
serve_loop(const struct options *o, const struct demo *demo, struct http *h,
	   struct watch *w, int sfd)
{
	struct pollfd p[2] = {{.fd = sfd, .events = POLLIN},
			      {.fd = w ? watch_fd(w) : -1, .events = POLLIN}};
	struct signalfd_siginfo si;
	char what[NAME_MAX + 1];
	time_t next_try = 0;

	for (;;) {
		long long wait = w ? watch_timeout_ms(w, now_ms()) : -1;

		/* Woken once a second to sum up repeated warnings, close
		 * connections past header_timeout and save the counts. */
		log_repeats_flush(false);
		http_tick(h);
		rollout_save(false);
		if (wait < 0 || wait > 1000)
			wait = 1000;
		if (poll(p, 2, (int)wait) == -1 && errno != EINTR)
			fatal("poll");
		if (p[1].revents & POLLIN)
			watch_read(w, now_ms(), what, sizeof(what));
		if (w != NULL && watch_due(w, now_ms())) {
			log_info("%s changed: reloading", what);
			reload(o, demo, h, w, METRICS_TRIGGER_WATCH);
		}
		if (profile_expired(h, &next_try))
			reload(o, demo, h, w, METRICS_TRIGGER_EXPIRY);
		if (!(p[0].revents & POLLIN) ||
		    read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			return (int)si.ssi_signo;
		if (si.ssi_signo == SIGHUP)
			reload(o, demo, h, w, METRICS_TRIGGER_SIGNAL);
		else if (si.ssi_signo == SIGUSR1 && log_reopen() == -1)
			log_warn("reopening the log file");
	}
}

int
main(int argc, char **argv)
{
	struct options o = {0};
	struct demo demo = {0};
	struct timespec t0;
	struct http *h;
	struct watch *w;
	char err[1024];
	sigset_t set;
	int sig, sfd;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (argc == 3 && strcmp(argv[1], "--read-catalog") == 0)
		i18n_po_child(argv[2]); /* a static_dir catalog: render.h */
	if (cert_wipe_freed_memory() == -1)
		fatalx("cannot make OpenSSL wipe freed memory");
	options_parse(argc, argv, &o);
	log_set_debug(o.debug);
	if (o.demo && demo_generate(&demo, err, sizeof(err)) == -1)
		fatalx("demo: %s", err);
	if (o.check_trust) {
		int rc = check_trust(&o, &demo);

		demo_finish(&demo);
		return rc;
	}
	if (o.check_urls) {
		int rc = check_urls(&o, &demo);

		demo_finish(&demo);
		return rc;
	}
	if (o.check) {
		int rc = check_config(&o, &demo);

		demo_finish(&demo);
		return rc;
	}
	block_signals(&set);
	if ((sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal("signalfd");
	/* Without inotify the daemon still serves; SIGHUP still reloads. */
	if ((w = watch_new(err, sizeof(err))) == NULL)
		log_warnx("%s; files are not followed", err);
	h = start(&o, &demo, w);
	log_info("certpost %s ready in %.1f ms", CERTPOST_VERSION,
		 ms_since(&t0));
	notify_send("READY=1");
	sig = serve_loop(&o, &demo, h, w, sfd);
	log_info("stopping (signal %d)", sig);
	notify_send("STOPPING=1");
	http_stop(h);
	rollout_save(true);
	watch_free(w);
	close(sfd);
	log_repeats_flush(true);
	demo_finish(&demo);
	return 0;
}
