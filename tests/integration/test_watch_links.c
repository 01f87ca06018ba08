/* SPDX-License-Identifier: MIT */
/* Files followed wherever they live, without a signal: a CA file that is a
 * symlink is followed at its target (rewritten in place, renamed over) and
 * at each link on the way (swapped, a directory link in the middle
 * swapped), and a directory deleted or renamed away and made again is
 * followed again; the daemon's inotify watches stay as many as at start. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "harness.h"
#include "testca.h"

/*
 * root.pem -> store/current/root.pem, store/current -> v1: the chain a
 * deployment tool or a Kubernetes volume makes. other.pem is a plain file
 * two directories down.
 */
#define CONF                                                                   \
	"[server]\nlisten = 127.0.0.1:0\n"                                     \
	"[access]\nallow = 127.0.0.0/8\nadmin = 127.0.0.1\n"                   \
	"[ca \"root\"]\nfile = root.pem\n"                                     \
	"[ca \"other\"]\nfile = deep/cadir/other.pem\n"

static struct harness h;
static struct buf root_der, other_der; /* what each CA's URL should serve */
static int watches_at_start;

/* A new root CA written as PEM to name, opened, truncated, written and
 * closed in place; want gets its DER. */
static void
new_root(const char *name, struct buf *want)
{
	unsigned char *der = NULL;
	int len = testca_root_file("Watch Links Root", harness_path(&h, name),
				   &der);

	assert_true(len > 0);
	buf_free(want);
	assert_int_equal(buf_append(want, der, (size_t)len), 0);
	OPENSSL_free(der);
}

/* Waits for url to serve want, and for the reload that brought it. */
static void
served(const char *url, const struct buf *want, int reloads_before)
{
	assert_true(harness_wait_body(&h, url, want, 5000));
	assert_true(harness_wait_count(&h, "reloaded in ", reloads_before + 1,
				       5000));
}

/* The watches the daemon's inotify instance holds (its fdinfo lists one
 * "inotify wd:" line each), or -1. */
static int
daemon_watches(void)
{
	char dir[64], path[PATH_MAX], target[64], line[512];
	struct dirent *e;
	int n = -1;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)h.pid);
	if ((d = opendir(dir)) == NULL)
		return -1;
	while (n == -1 && (e = readdir(d)) != NULL) {
		ssize_t len;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (strcmp(target, "anon_inode:inotify") != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", (int)h.pid,
			 e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			break;
		n = 0;
		while (fgets(line, sizeof(line), f) != NULL)
			n += strncmp(line, "inotify wd:", 11) == 0;
		fclose(f);
	}
	closedir(d);
	return n;
}

static int
setup(void **state)
{
	(void)state;
	harness_init(&h);
	if (mkdir(harness_path(&h, "store"), 0700) == -1 ||
	    mkdir(harness_path(&h, "store/v1"), 0700) == -1 ||
	    mkdir(harness_path(&h, "deep"), 0700) == -1 ||
	    mkdir(harness_path(&h, "deep/cadir"), 0700) == -1 ||
	    symlink("v1", harness_path(&h, "store/current")) == -1 ||
	    symlink("store/current/root.pem", harness_path(&h, "root.pem")) ==
		    -1)
		return -1;
	new_root("store/v1/root.pem", &root_der);
	new_root("deep/cadir/other.pem", &other_der);
	if (harness_start_conf(&h, CONF) == -1)
		return -1;
	watches_at_start = daemon_watches();
	return 0;
}

static int
teardown(void **state)
{
	int rc = harness_stop(&h);

	(void)state;
	buf_free(&root_der);
	buf_free(&other_der);
	harness_cleanup(&h);
	return rc == 0 ? 0 : -1;
}

/* The target written in place: only its own directory sees an event. */
static void
test_target_rewritten(void **state)
{
	int reloads = harness_count_log(&h, "reloaded in ");

	(void)state;
	assert_true(harness_wait_body(&h, "/root.cer", &root_der, 0));
	new_root("store/v1/root.pem", &root_der);
	served("/root.cer", &root_der, reloads);
	assert_true(harness_wait_log(&h, "root.pem changed: reloading", 0));
}

static void
test_target_renamed_over(void **state)
{
	int reloads = harness_count_log(&h, "reloaded in ");

	(void)state;
	new_root("store/v1/root.pem.new", &root_der);
	assert_int_equal(rename(harness_path(&h, "store/v1/root.pem.new"),
				harness_path(&h, "store/v1/root.pem")),
			 0);
	served("/root.cer", &root_der, reloads);
}

/* ln -sfn v2 store/current, as rename(2) does it (Kubernetes' "..data"
 * swap): the directory link in the middle of the chain. */
static void
test_dir_link_swapped(void **state)
{
	int reloads = harness_count_log(&h, "reloaded in ");

	(void)state;
	assert_int_equal(mkdir(harness_path(&h, "store/v2"), 0700), 0);
	new_root("store/v2/root.pem", &root_der);
	assert_int_equal(symlink("v2", harness_path(&h, "store/current.new")),
			 0);
	assert_int_equal(rename(harness_path(&h, "store/current.new"),
				harness_path(&h, "store/current")),
			 0);
	served("/root.cer", &root_der, reloads);
	assert_true(harness_wait_log(&h, "current changed: reloading", 0));
}

/* The configured link itself pointed at a third file, in another
 * directory: from that reload on, the new target is the one followed. */
static void
test_link_swapped(void **state)
{
	int reloads = harness_count_log(&h, "reloaded in ");
	char target[PATH_MAX];

	(void)state;
	assert_int_equal(mkdir(harness_path(&h, "elsewhere"), 0700), 0);
	new_root("elsewhere/third.pem", &root_der);
	snprintf(target, sizeof(target), "%s",
		 harness_path(&h, "elsewhere/third.pem"));
	assert_int_equal(symlink(target, harness_path(&h, "root.pem.new")), 0);
	assert_int_equal(rename(harness_path(&h, "root.pem.new"),
				harness_path(&h, "root.pem")),
			 0);
	served("/root.cer", &root_der, reloads);

	reloads = harness_count_log(&h, "reloaded in ");
	new_root("elsewhere/third.pem", &root_der);
	served("/root.cer", &root_der, reloads);
}

/* Moves other.pem out of the way, so that its directory can go; returns
 * the failed reloads so far. */
static int
move_out(void)
{
	int failed = harness_count_log(&h, "reload failed");

	assert_int_equal(rename(harness_path(&h, "deep/cadir/other.pem"),
				harness_path(&h, "other.pem.away")),
			 0);
	return failed;
}

/* The reload the directory's removal brought failed, the last snapshot
 * serves; then the directory is made again with a new file, which is
 * served. */
static void
made_again(int failed)
{
	int reloads;

	assert_true(harness_wait_count(&h, "reload failed", failed + 1, 5000));
	assert_true(harness_wait_body(&h, "/other.cer", &other_der, 0));
	reloads = harness_count_log(&h, "reloaded in ");
	if (mkdir(harness_path(&h, "deep"), 0700) == -1)
		assert_int_equal(errno, EEXIST);
	assert_int_equal(mkdir(harness_path(&h, "deep/cadir"), 0700), 0);
	new_root("deep/cadir/other.pem", &other_der);
	served("/other.cer", &other_der, reloads);
}

static void
test_dir_made_again(void **state)
{
	int failed = move_out();

	(void)state;
	assert_int_equal(rmdir(harness_path(&h, "deep/cadir")), 0);
	made_again(failed);
}

/* Renamed away, the directory takes its inotify watch along: the path is
 * what is followed. */
static void
test_dir_renamed_away(void **state)
{
	int failed = move_out();

	(void)state;
	assert_int_equal(rename(harness_path(&h, "deep/cadir"),
				harness_path(&h, "cadir.old")),
			 0);
	made_again(failed);
}

/* Both directories gone: the daemon waits in the one left, then in the
 * first one made again. */
static void
test_dirs_made_again(void **state)
{
	int failed = move_out();

	(void)state;
	assert_int_equal(rmdir(harness_path(&h, "deep/cadir")), 0);
	assert_int_equal(rmdir(harness_path(&h, "deep")), 0);
	made_again(failed);
}

/* None of it needed a signal, and no watch was left behind. */
static void
test_no_signal_no_leftovers(void **state)
{
	struct hres r;

	(void)state;
	assert_int_equal(harness_count_log(&h, "need SIGHUP"), 0);
	harness_request(&h, "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "certpost_reloads_total{trigger="
					    "\"signal\",result=\"ok\"} 0\n"));
	assert_non_null(strstr(r.body.data,
			       "certpost_reloads_total{trigger="
			       "\"signal\",result=\"failed\"} 0\n"));
	hres_free(&r);
	assert_true(watches_at_start > 0);
	assert_true(daemon_watches() <= watches_at_start);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target_rewritten),
		cmocka_unit_test(test_target_renamed_over),
		cmocka_unit_test(test_dir_link_swapped),
		cmocka_unit_test(test_link_swapped),
		cmocka_unit_test(test_dir_made_again),
		cmocka_unit_test(test_dir_renamed_away),
		cmocka_unit_test(test_dirs_made_again),
		cmocka_unit_test(test_no_signal_no_leftovers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
