/* SPDX-License-Identifier: MIT */
/* Fuzz target: config_load() on an INI file that lives in a memfd. */
#define _GNU_SOURCE /* memfd_create() */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "access/access.h"
#include "config/config.h"
#include "fuzz.h"

/*
 * Far above a real file (the example is 5 KiB) yet room for every count
 * limit: 256 allow lines, 32 [ca] sections, 16 listeners.
 */
#define CONFIG_FUZZ_MAX (32 * 1024)

/*
 * config_load() takes a path, so the input goes into one memfd reused for
 * every run and is read back through /proc/self/fd/N: no disk churn, and
 * nothing left behind. Returns the path, or aborts (a harness failure, not
 * a finding, but libFuzzer must not go on without a file).
 */
static const char *
input_path(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	size_t off = 0;
	ssize_t n;

	if (fd == -1) {
		if ((fd = memfd_create("certpost.conf", MFD_CLOEXEC)) == -1) {
			perror("fuzz_config: memfd_create");
			abort();
		}
		(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) == -1) {
		perror("fuzz_config: ftruncate");
		abort();
	}
	while (off < size) {
		n = pwrite(fd, data + off, size - off, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			perror("fuzz_config: pwrite");
			abort();
		}
		off += (size_t)n;
	}
	return path;
}

static bool
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* Each entry is a network: its own address lies in it, no host bits. */
static void
check_acl(const struct acl *acl)
{
	size_t i;

	FUZZ_CHECK(acl->n <= ACL_MAX_ENTRIES);
	for (i = 0; i < acl->n; i++) {
		const struct acl_entry *e = &acl->entries[i];

		FUZZ_CHECK(e->addr.family == AF_INET ||
			   e->addr.family == AF_INET6);
		FUZZ_CHECK(e->prefix <=
			   (e->addr.family == AF_INET ? 32u : 128u));
		FUZZ_CHECK(acl_entry_match(e, &e->addr));
	}
}

static void
check_listen(const struct config_listen *l, size_t n)
{
	size_t i;

	FUZZ_CHECK(n <= CONFIG_MAX_LISTEN);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(terminated(l[i].text, sizeof(l[i].text)));
		FUZZ_CHECK(l[i].addrlen > 0 &&
			   l[i].addrlen <= sizeof(l[i].addr));
	}
}

/* What config.h promises about a file that loaded. */
static void
check_loaded(struct config *cfg)
{
	char err[4096];
	size_t i, j, off, primary = 0;

	FUZZ_CHECK(cfg->nlisten + cfg->nhttps_listen > 0);
	check_listen(cfg->listen, cfg->nlisten);
	check_listen(cfg->https_listen, cfg->nhttps_listen);
	FUZZ_CHECK(cfg->nca > 0 && cfg->nca <= CONFIG_MAX_CA);
	for (i = 0; i < cfg->nca; i++) {
		const struct config_ca *ca = &cfg->ca[i];

		FUZZ_CHECK(terminated(ca->slug, sizeof(ca->slug)));
		FUZZ_CHECK(terminated(ca->name, sizeof(ca->name)));
		FUZZ_CHECK(terminated(ca->file, sizeof(ca->file)));
		FUZZ_CHECK(ca->slug[0] != '\0' && strcmp(ca->slug, "ca") != 0);
		FUZZ_CHECK(ca->file[0] != '\0');
		FUZZ_CHECK(text_unsafe(ca->name, &off) == NULL);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(cfg->ca[j].slug, ca->slug) != 0);
		primary += ca->primary;
	}
	FUZZ_CHECK(primary == 1);
	FUZZ_CHECK(terminated(cfg->public_url, sizeof(cfg->public_url)));
	/* Text every output carries (config.c's check_text()). */
	FUZZ_CHECK(text_unsafe(cfg->organization, &off) == NULL);
	FUZZ_CHECK(text_unsafe(cfg->display_name, &off) == NULL);
	FUZZ_CHECK(text_unsafe(cfg->description, &off) == NULL);
	FUZZ_CHECK(cfg->public_url[0] == '\0' ||
		   strpbrk(cfg->public_url, "\"\\<> ") == NULL);
	check_acl(&cfg->allow);
	check_acl(&cfg->admin);
	check_acl(&cfg->trusted_proxy);
	for (i = 0; i < cfg->allow.n && !cfg->allow_public; i++)
		FUZZ_CHECK(acl_entry_is_private(&cfg->allow.entries[i]));
	FUZZ_CHECK(cfg->ncheck_url <= CONFIG_MAX_CHECK_URL);
	for (i = 0; i < cfg->ncheck_url; i++) {
		FUZZ_CHECK(terminated(cfg->check_url[i], CONFIG_STR_MAX));
		FUZZ_CHECK(strncmp(cfg->check_url[i], "https://", 8) == 0);
		FUZZ_CHECK(strpbrk(cfg->check_url[i], ";,\"'<>\\ \r") == NULL);
	}
	/* Documented as safe to call again (after command-line overrides). */
	FUZZ_CHECK(config_validate(cfg, err, sizeof(err)) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Allocated once: struct config is some 200 KiB, and config_load()
	 * resets all of it anyway. It stays reachable, so no leak. */
	static struct config *cfg;
	char err[4096];

	if (size > CONFIG_FUZZ_MAX)
		return 0;
	if (cfg == NULL && (cfg = malloc(sizeof(*cfg))) == NULL)
		return 0;
	/* config_load() must set err on failure: start from garbage. */
	memset(err, 'x', sizeof(err));
	if (config_load(cfg, input_path(data, size), err, sizeof(err)) == 0) {
		check_loaded(cfg);
	} else {
		FUZZ_CHECK(terminated(err, sizeof(err)));
		FUZZ_CHECK(err[0] != '\0');
	}
	return 0;
}
