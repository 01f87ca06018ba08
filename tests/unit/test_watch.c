/* SPDX-License-Identifier: MIT */
/* Unit tests for the file watcher: what is a change of a followed file
 * through chains of symlinks, loops of them and dangling ones, and
 * directories that go away and come back, with the kernel's watches kept
 * bounded. inotify queues an event before the call that caused it
 * returns, so each case reads right after it acts. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "ops/ops.h"
#include "testca.h"

static char dir[] = "/tmp/certpost-watch.XXXXXX";
static struct config *cfg;
static struct watch *w;
static long long now = 1;

static const char *
p(const char *name)
{
	static char bufs[4][PATH_MAX];
	static int n;
	char *b = bufs[n++ % 4];

	snprintf(b, PATH_MAX, "%s/%s", dir, name);
	return b;
}

static void
touch(const char *name)
{
	assert_int_equal(testca_write_file(p(name), "x", 1, false), 0);
}

/* Follows dir/name as the one CA file. */
static void
follow_ca(const char *name)
{
	char err[512];

	assert_int_equal(
		str_copy(cfg->ca[0].file, sizeof(cfg->ca[0].file), p(name)), 0);
	cfg->nca = 1;
	assert_int_equal(watch_set(w, cfg, err, sizeof(err)), 0);
}

/* Whether the events so far brought a change; it is then taken. */
static bool
changed(void)
{
	char what[NAME_MAX + 1];
	bool pending;

	watch_read(w, now, what, sizeof(what));
	pending = watch_timeout_ms(w, now) != -1;
	now += WATCH_MAX_DELAY_MS;
	if (pending)
		assert_true(watch_due(w, now));
	return pending;
}

/* The watches the kernel holds for w (one "inotify wd:" line each). */
static int
kernel_watches(void)
{
	char path[64], line[512];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", watch_fd(w));
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		n += strncmp(line, "inotify wd:", 11) == 0;
	fclose(f);
	return n;
}

static int
setup(void **state)
{
	char err[256];

	(void)state;
	if (mkdtemp(dir) == NULL || (cfg = calloc(1, sizeof(*cfg))) == NULL ||
	    (w = watch_new(err, sizeof(err))) == NULL)
		return -1;
	config_defaults(cfg);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	watch_free(w);
	free(cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* a/ca.pem -> ../b/cur/ca.pem, b/cur -> v1: each link and the target
 * count, their neighbours do not. */
static void
test_chain(void **state)
{
	(void)state;
	assert_int_equal(mkdir(p("a"), 0700), 0);
	assert_int_equal(mkdir(p("b"), 0700), 0);
	assert_int_equal(mkdir(p("b/v1"), 0700), 0);
	assert_int_equal(mkdir(p("b/v2"), 0700), 0);
	assert_int_equal(symlink("v1", p("b/cur")), 0);
	assert_int_equal(symlink("../b/cur/ca.pem", p("a/ca.pem")), 0);
	touch("b/v1/ca.pem");
	follow_ca("a/ca.pem");
	assert_false(changed());

	touch("b/v1/ca.pem");
	assert_true(changed());
	touch("b/v1/neighbour.pem");
	touch("b/v2/ca.pem");
	touch("a/neighbour.pem");
	assert_false(changed());
	assert_int_equal(symlink("v2", p("b/cur.new")), 0);
	assert_int_equal(rename(p("b/cur.new"), p("b/cur")), 0);
	assert_true(changed());
	/* As main.c does after each reload: v2 is the target now. */
	follow_ca("a/ca.pem");
	touch("b/v2/ca.pem");
	assert_true(changed());
	touch("b/v1/ca.pem");
	assert_false(changed());
}

/* A loop of links is followed as far as the kernel would, without
 * hanging; the link replaced by a file is a change. */
static void
test_loop(void **state)
{
	(void)state;
	assert_int_equal(mkdir(p("loop"), 0700), 0);
	assert_int_equal(symlink("two", p("loop/one")), 0);
	assert_int_equal(symlink("one", p("loop/two")), 0);
	follow_ca("loop/one");
	assert_int_equal(unlink(p("loop/one")), 0);
	assert_true(changed());
	touch("loop/one");
	assert_true(changed());
}

/* A link into directories not made yet: their making is waited for, and
 * only the last one is a change. */
static void
test_dangling(void **state)
{
	(void)state;
	assert_int_equal(mkdir(p("d"), 0700), 0);
	assert_int_equal(symlink("../m/n/ca.pem", p("d/ca.pem")), 0);
	follow_ca("d/ca.pem");
	assert_int_equal(mkdir(p("m"), 0700), 0);
	assert_false(changed());
	assert_int_equal(mkdir(p("m/n"), 0700), 0);
	assert_true(changed());
	touch("m/n/ca.pem");
	assert_true(changed());
}

/* Removed and made again fifty times over without a new watch_set() (a
 * configuration that does not parse meanwhile): each return is a change,
 * the file in it is followed, and the kernel holds no more watches. */
static void
test_dir_again_bounded(void **state)
{
	int before;

	(void)state;
	assert_int_equal(mkdir(p("c"), 0700), 0);
	assert_int_equal(mkdir(p("c/d"), 0700), 0);
	follow_ca("c/d/ca.pem");
	before = kernel_watches();
	for (int i = 0; i < 50; i++) {
		assert_int_equal(rmdir(p("c/d")), 0);
		if (i % 2)
			assert_int_equal(rmdir(p("c")), 0);
		assert_true(changed());
		if (i % 2)
			assert_int_equal(mkdir(p("c"), 0700), 0);
		assert_int_equal(mkdir(p("c/d"), 0700), 0);
		assert_true(changed());
	}
	assert_true(kernel_watches() <= before);
	touch("c/d/ca.pem");
	assert_true(changed());
	touch("c/d/neighbour.pem");
	assert_false(changed());
}

/* A relative path (the configuration's, as given on the command line) is
 * followed from the working directory. */
static void
test_relative(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(mkdir(p("rel"), 0700), 0);
	assert_int_equal(chdir(p("rel")), 0);
	touch("rel/certpost.conf");
	(void)str_copy(cfg->path, sizeof(cfg->path), "certpost.conf");
	cfg->nca = 0;
	assert_int_equal(watch_set(w, cfg, err, sizeof(err)), 0);
	touch("rel/certpost.conf");
	assert_true(changed());
	touch("rel/other.conf");
	assert_false(changed());
	cfg->path[0] = '\0';
	assert_int_equal(chdir("/"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_dangling),
		cmocka_unit_test(test_dir_again_bounded),
		cmocka_unit_test(test_relative),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
