/* SPDX-License-Identifier: MIT */
/* Unit tests for rollout: each source once a day, IPv6 by its /64,
 * bounded and visible when full; the counts kept in a state file. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops/ops.h"

static struct acl_addr
v4(unsigned n)
{
	struct acl_addr a = {.family = AF_INET};

	a.bytes[0] = 10;
	a.bytes[1] = (uint8_t)(n >> 16);
	a.bytes[2] = (uint8_t)(n >> 8);
	a.bytes[3] = (uint8_t)n;
	return a;
}

/* fd00:0:0:<net>::<host> */
static struct acl_addr
v6(unsigned net, unsigned host)
{
	struct acl_addr a = {.family = AF_INET6};

	a.bytes[0] = 0xfd;
	a.bytes[6] = (uint8_t)(net >> 8);
	a.bytes[7] = (uint8_t)net;
	a.bytes[12] = (uint8_t)(host >> 24);
	a.bytes[13] = (uint8_t)(host >> 16);
	a.bytes[14] = (uint8_t)(host >> 8);
	a.bytes[15] = (uint8_t)host;
	return a;
}

static int
reset(void **state)
{
	(void)state;
	rollout_reset();
	return 0;
}

/* One count per source a day, whatever platform each request claims;
 * the count goes to the first one's. */
static void
test_once_a_day(void **state)
{
	const time_t day1 = 20000 * 86400L + 100, day2 = day1 + 86400;
	struct acl_addr a = v4(1), b = v4(2);

	(void)state;
	assert_int_equal(rollout_confirm(&a, PAGE_IOS, day1), ROLLOUT_COUNTED);
	assert_int_equal(rollout_confirm(&a, PAGE_IOS, day1 + 3600),
			 ROLLOUT_REPEAT);
	for (int p = 0; p < PAGE_PLATFORM_COUNT; p++)
		assert_int_equal(
			rollout_confirm(&a, (enum page_platform)p, day1 + 7200),
			ROLLOUT_REPEAT);
	assert_int_equal(rollout_confirm(&b, PAGE_ANDROID, day1),
			 ROLLOUT_COUNTED);
	assert_int_equal(rollout_confirmations(PAGE_IOS), 1);
	assert_int_equal(rollout_confirmations(PAGE_ANDROID), 1);
	for (int p = 0; p < PAGE_PLATFORM_COUNT; p++)
		if (p != PAGE_IOS && p != PAGE_ANDROID)
			assert_int_equal(
				rollout_confirmations((enum page_platform)p),
				0);
	/* The next day, every source counts again. */
	assert_int_equal(rollout_confirm(&a, PAGE_IOS, day2), ROLLOUT_COUNTED);
	assert_int_equal(rollout_confirm(&a, PAGE_IOS, day2 + 10),
			 ROLLOUT_REPEAT);
	assert_int_equal(rollout_confirmations(PAGE_IOS), 2);
}

/* An IPv6 host holds a whole /64: its addresses are one source. */
static void
test_ipv6_per_64(void **state)
{
	const time_t day = 21000 * 86400L;
	struct rollout_status st;

	(void)state;
	assert_int_equal(rollout_confirm(&(struct acl_addr){0}, PAGE_IOS, day),
			 ROLLOUT_COUNTED);
	for (unsigned h = 1; h < 5000; h++) {
		struct acl_addr a = v6(7, h * 2654435761u);

		assert_int_equal(rollout_confirm(&a, PAGE_MACOS, day),
				 h == 1 ? ROLLOUT_COUNTED : ROLLOUT_REPEAT);
	}
	{
		struct acl_addr other = v6(8, 1);

		assert_int_equal(rollout_confirm(&other, PAGE_MACOS, day),
				 ROLLOUT_COUNTED);
	}
	rollout_status(&st);
	assert_int_equal(st.sources_today, 3);
	assert_false(st.full);
	assert_int_equal(rollout_confirmations(PAGE_MACOS), 2);
}

/* A day's table holds ROLLOUT_MAX_PER_DAY sources; past that nothing is
 * counted or remembered, and the status (so /metrics and /admin) says
 * so until the day ends. */
static void
test_bounded(void **state)
{
	const time_t day = 30000 * 86400L;
	struct rollout_status st;
	unsigned i, counted = 0;

	(void)state;
	for (i = 0; i < ROLLOUT_MAX_PER_DAY + 500; i++) {
		struct acl_addr a = v4(i);

		counted += rollout_confirm(&a, PAGE_WINDOWS, day) ==
			   ROLLOUT_COUNTED;
	}
	assert_int_equal(counted, ROLLOUT_MAX_PER_DAY);
	{
		struct acl_addr a = v4(5), n = v4(ROLLOUT_MAX_PER_DAY + 1000);

		assert_int_equal(rollout_confirm(&a, PAGE_WINDOWS, day),
				 ROLLOUT_REPEAT);
		assert_int_equal(rollout_confirm(&n, PAGE_WINDOWS, day),
				 ROLLOUT_FULL);
	}
	rollout_status(&st);
	assert_true(st.full);
	assert_int_equal(st.sources_today, ROLLOUT_MAX_PER_DAY);
	assert_int_equal(st.not_counted, 501);
	assert_int_equal(rollout_confirmations(PAGE_WINDOWS),
			 ROLLOUT_MAX_PER_DAY);
	/* A new day empties the table. */
	{
		struct acl_addr a = v4(1);

		assert_int_equal(rollout_confirm(&a, PAGE_WINDOWS, day + 86400),
				 ROLLOUT_COUNTED);
	}
	rollout_status(&st);
	assert_false(st.full);
	assert_int_equal(st.sources_today, 1);
}

static char dir[] = "/tmp/certpost-rollout-XXXXXX";

static void
state_path(char *path, size_t len)
{
	snprintf(path, len, "%s/rollout.state", dir);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Saved atomically when changed, read back at the next start; a lost or
 * broken file means counting from zero, never a failure. */
static void
test_state_file(void **state)
{
	const time_t t0 = 1800000000, later = t0 + 7 * 86400;
	struct acl_addr a = v4(1);
	struct rollout_status st;
	char path[256], err[512];
	struct stat sb;

	(void)state;
	assert_non_null(mkdtemp(dir));
	state_path(path, sizeof(path));
	/* No file yet: since is now. */
	assert_int_equal(rollout_state_open(path, t0, err, sizeof(err)), 0);
	assert_int_equal(rollout_confirm(&a, PAGE_IOS, t0), ROLLOUT_COUNTED);
	rollout_download(PAGE_IOS);
	rollout_download(PAGE_ANDROID);
	/* Not due yet, then due. */
	assert_int_equal(rollout_state_save(false, t0 + 1, err, sizeof(err)),
			 0);
	assert_int_equal(stat(path, &sb), -1);
	assert_int_equal(rollout_state_save(false, t0 + ROLLOUT_SAVE_EVERY_S,
					    err, sizeof(err)),
			 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* A restart: counts and since come back. */
	rollout_reset();
	assert_int_equal(rollout_downloads(PAGE_IOS), 0);
	assert_int_equal(rollout_state_open(path, later, err, sizeof(err)), 0);
	assert_int_equal(rollout_downloads(PAGE_IOS), 1);
	assert_int_equal(rollout_downloads(PAGE_ANDROID), 1);
	assert_int_equal(rollout_confirmations(PAGE_IOS), 1);
	rollout_status(&st);
	assert_int_equal(st.since, t0);
	/* A platform or a key this version does not know is skipped, and
	 * so is a \r an editor added. */
	write_file(path, "since 1700000000\r\ndownloads ios 5\n"
			 "downloads future-os 9\nconfirmed ios 3\n"
			 "sources_today 12\n");
	assert_int_equal(rollout_state_open(path, later, err, sizeof(err)), 0);
	assert_int_equal(rollout_downloads(PAGE_IOS), 5);
	assert_int_equal(rollout_confirmations(PAGE_IOS), 3);
	/* Broken: an error naming the line, and counting from zero. */
	rollout_reset();
	write_file(path, "since 1700000000\ndownloads ios five\n");
	assert_int_equal(rollout_state_open(path, later, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "rollout.state:2:"));
	assert_int_equal(rollout_downloads(PAGE_IOS), 0);
	/* Kept aside for a look, not overwritten. */
	{
		char bad[300];
		struct stat sb2;

		snprintf(bad, sizeof(bad), "%s.bad", path);
		assert_int_equal(stat(bad, &sb2), 0);
		assert_int_equal(unlink(bad), 0);
	}
	rollout_status(&st);
	assert_int_equal(st.since, later);
	/* ... and the broken file is replaced at the next forced save. */
	assert_int_equal(rollout_state_save(true, later, err, sizeof(err)), 0);
	assert_int_equal(rollout_state_open(path, later, err, sizeof(err)), 0);
	/* No since line is broken too. */
	write_file(path, "downloads ios 1\n");
	assert_int_equal(rollout_state_open(path, later, err, sizeof(err)), -1);
	/* A directory that went away: the save fails, says why, and the
	 * counts stay to be saved later. */
	{
		char bad[300];

		snprintf(bad, sizeof(bad), "%s.bad", path);
		assert_int_equal(unlink(bad), 0);
	}
	assert_int_equal(rmdir(dir), 0);
	rollout_download(PAGE_IOS);
	assert_int_equal(rollout_state_save(true, later, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "rollout.state"));
	rollout_state_path(NULL);
	assert_int_equal(rollout_state_save(true, later, err, sizeof(err)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_once_a_day, reset),
		cmocka_unit_test_setup(test_ipv6_per_64, reset),
		cmocka_unit_test_setup(test_bounded, reset),
		cmocka_unit_test_setup(test_state_file, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
