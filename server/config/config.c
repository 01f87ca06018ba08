/* SPDX-License-Identifier: MIT */
/* The configuration file (INI, read with libinih) parsed into
 * struct config. */
#include "config/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "config_int.h"
#include "util.h"

/*
 * libinih keeps at most 49 bytes of a section name (its MAX_SECTION) and
 * cuts a longer one silently, which would make two long [ca "slug"]
 * headers one section. So the name is kept here, whole, and inih is handed
 * a stand-in header; the handler reads the name from p->section. As in
 * inih, what follows the first ']' is ignored; without one, inih reports
 * the syntax error.
 */
static void
take_section(struct config_parse *p, char *str, size_t size)
{
	const char *end = strchr(str, ']');
	size_t n = end == NULL ? 0 : (size_t)(end - str) - 1;

	if (end == NULL || n >= sizeof(p->section))
		return;
	p->bad_section = false;
	memcpy(p->section, str + 1, n);
	p->section[n] = '\0';
	(void)str_copy(str, size, "[-]");
}

/*
 * Every value reaches some output: a header, JSON, HTML, the profile's
 * XML, the log. Bytes that no output carries as they are, or that make a
 * line read differently from its bytes, are refused here for the whole
 * line, before any message could echo them; each key adds its own rules.
 * A CR ending the line (a file saved with CRLF) is dropped. Comment lines
 * are never echoed and are not checked.
 */
static void
check_text(struct config_parse *p, char *str, size_t skip, size_t size)
{
	size_t n = strlen(str), off;
	const char *why;

	if (n > 0 && str[n - 1] == '\r')
		str[--n] = '\0';
	if ((why = text_unsafe(str, &off)) != NULL) {
		config_perr(p, NULL, NULL,
			    "byte 0x%02x at column %zu is %s (a line is UTF-8 "
			    "text without control characters)",
			    (unsigned char)str[off], skip + off + 1, why);
		p->bad_section |= str[0] == '[';
		(void)str_copy(str, size, ";");
		return;
	}
	if (str[0] == '[')
		take_section(p, str, size);
}

/*
 * inih's line reader. Leading blanks are dropped so that an indented line
 * is never taken as a continuation of the previous value (inih's multi-line
 * values surprise people who indent their files). Lines longer than inih's
 * buffer would be split silently, so we flag them instead.
 */
static char *
read_line(char *str, int num, void *stream)
{
	struct config_parse *p = stream;
	size_t n = 0, max = (size_t)num - 1, skip = 0;
	bool nul = false, too_long = false;
	int c;

	/* By hand rather than fgets(): a NUL byte must not hide the end of
	 * the line, and "too long" is decided by the bytes, not by luck. */
	while ((c = fgetc(p->fp)) != EOF && c != '\n') {
		nul |= c == '\0';
		if (n < max)
			str[n++] = (char)c;
		else
			too_long = true;
	}
	if (c == EOF && n == 0 && !too_long)
		return NULL;
	str[n] = '\0';
	p->line++;
	while (str[skip] == ' ' || str[skip] == '\t')
		skip++;
	if (skip > 0)
		memmove(str, str + skip, n - skip + 1);
	if (str[0] == '[')
		p->section_line = p->line;
	if (too_long || nul) {
		if (too_long)
			config_perr(p, NULL, NULL, "line longer than %d bytes",
				    CONFIG_LINE_MAX);
		else
			config_perr(p, NULL, NULL, "NUL byte in the line");
		p->bad_section |= str[0] == '[';
		/* Hand inih a comment so it does not parse the fragment. */
		(void)str_copy(str, (size_t)num, ";");
	} else if (str[0] != ';' && str[0] != '#') {
		check_text(p, str, skip, (size_t)num);
	}
	return str;
}

static int
handler(void *user, const char *inih_section, const char *key,
	const char *value)
{
	struct config_parse *p = user;
	const char *section = p->section; /* whole, see take_section() */
	/* A new header, even one repeating the last name, opens a section. */
	bool new_section = p->section_line != p->seen_section_line;

	p->seen_section_line = p->section_line;
	if (p->bad_section)
		return 1; /* its header was reported */
	if (value[0] == '\0')
		config_perr(p, section, key, "empty value");
	else
		config_key(p, section, key, value, new_section);
	(void)inih_section;
	/* We report everything ourselves; never let inih stop. */
	return 1;
}

/* systemd's StateDirectory= (a colon-separated list when it names several:
 * the first is ours). */
static void
state_dir_default(struct config *cfg)
{
	const char *env = getenv("STATE_DIRECTORY");
	size_t n;

	if (env == NULL || env[0] != '/' ||
	    (n = strcspn(env, ":")) >= sizeof(cfg->state_dir))
		return;
	memcpy(cfg->state_dir, env, n);
	cfg->state_dir[n] = '\0';
}

void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_connections = 1024;
	cfg->max_connections_per_ip = 32;
	cfg->timeout_s = 15;
	cfg->header_timeout_s = 20;
	state_dir_default(cfg);
	/* A request head of up to a quarter of this, 8 KiB, is answered
	 * (http_check.c): a browser's fields with a large domain-wide
	 * Cookie. libmicrohttpd clears the whole pool after each request
	 * (0.2 us for 32 KiB) and keeps it while the connection is open;
	 * above 32 KiB it maps each pool with mmap(). */
	cfg->connection_memory = 32768;
	cfg->tls_session_tickets = true;
	cfg->tls_session_lifetime = 3600;
	cfg->watch = true;
	cfg->access_log = true;
	cfg->log_healthz = true;
	cfg->deny = CONFIG_DENY_DROP;
	/* What nearly every proxy writes (nginx's real_ip_header default
	 * is X-Real-IP, but its how-tos set X-Forwarded-For). */
	cfg->proxy_header = PROXY_X_FORWARDED_FOR;
}

int
config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	struct buf text = {0};
	struct config_parse p;
	const char *slash;
	int r, ret = -1;

	config_defaults(cfg);
	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.file = path;
	p.cur_ca = -1;
	p.cur_issuer = -1;
	(void)str_copy(cfg->path, sizeof(cfg->path), path);
	if ((slash = strrchr(path, '/')) != NULL &&
	    (size_t)(slash - path) < sizeof(p.dir)) {
		memcpy(p.dir, path, (size_t)(slash - path));
		p.dir[slash - path] = '\0';
		if (p.dir[0] == '\0')
			(void)str_copy(p.dir, sizeof(p.dir), "/");
	}
	/* Read whole, non-blocking, then parsed from memory: a FIFO or
	 * device named as the configuration cannot hang a reload. */
	if (file_read(path, CONFIG_FILE_MAX, &text, err, errlen) == -1)
		return -1;
	if (text.len == 0 ||
	    (p.fp = fmemopen(text.data, text.len, "r")) == NULL) {
		if (text.len == 0)
			err_set(err, errlen, "%s: empty (no [server], no [ca])",
				path);
		else
			err_set(err, errlen, "%s: %s", path, strerror(errno));
		buf_free(&text);
		return -1;
	}
	r = ini_parse_stream(read_line, &p, handler, &p);
	if (r > 0) {
		p.line = (unsigned)r;
		config_perr(&p, NULL, NULL,
			    "syntax error (expected [section] or "
			    "key = value)");
	} else if (r < 0 || ferror(p.fp)) {
		config_perr(&p, NULL, NULL, "read error");
	}
	if (p.nerrors > CONFIG_MAX_ERRORS)
		(void)buf_printf(&p.errors, "\n%s: (%u more errors)", path,
				 p.nerrors - CONFIG_MAX_ERRORS);
	if (p.nerrors > 0) {
		err_set(err, errlen, "%s", p.errors.data);
		goto out;
	}
	ret = config_validate(cfg, err, errlen);
out:
	for (size_t i = 0; i < p.nseen; i++) {
		free(p.seen[i].section);
		free(p.seen[i].key);
	}
	free(p.seen);
	buf_free(&p.errors);
	fclose(p.fp);
	buf_free(&text);
	return ret;
}

void
config_summary(const struct config *cfg, struct buf *out)
{
	struct buf b = {0};

	(void)buf_printf(out,
			 "access:       %zu allow, %zu admin, %zu trusted "
			 "proxy entries; denied clients are %s\n",
			 cfg->allow.n, cfg->admin.n, cfg->trusted_proxy.n,
			 cfg->deny == CONFIG_DENY_DROP ? "dropped"
						       : "sent 403");
	if (cfg->trusted_proxy.n > 0)
		(void)buf_printf(out,
				 "proxies:      the client address is read "
				 "from %s only\n",
				 proxy_header_name(cfg->proxy_header));
	(void)host_names_format(&cfg->hosts, &b);
	(void)buf_printf(out, "host names:   %s (any other Host gets 421)\n",
			 b.data ? b.data : "");
	buf_free(&b);
	if (config_warnings(cfg, &b) > 0)
		for (const char *p = b.data; *p != '\0';) {
			size_t n = strcspn(p, "\n");

			(void)buf_printf(out, "warning: %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	buf_free(&b);
	for (size_t i = 0; i < cfg->nlisten; i++)
		(void)buf_printf(out, "listen:       http://%s\n",
				 cfg->listen[i].text);
	for (size_t i = 0; i < cfg->nhttps_listen; i++)
		(void)buf_printf(out, "listen:       https://%s\n",
				 cfg->https_listen[i].text);
}
