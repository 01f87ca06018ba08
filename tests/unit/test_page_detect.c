/* SPDX-License-Identifier: MIT */
/* Unit tests for page_detect.c: the platform a User-Agent names. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdlib.h>
#include <string.h>

#include "render/render.h"

static const struct {
	const char *what;
	const char *ua;
	enum page_platform want;
} uas[] = {
	{"iPhone Safari iOS 17",
	 "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) "
	 "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 "
	 "Mobile/15E148 Safari/604.1",
	 PAGE_IOS},
	{"iPhone Safari iOS 12",
	 "Mozilla/5.0 (iPhone; CPU iPhone OS 12_4_1 like Mac OS X) "
	 "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.1.2 "
	 "Mobile/15E148 Safari/604.1",
	 PAGE_IOS},
	{"iPad Safari iOS 12",
	 "Mozilla/5.0 (iPad; CPU OS 12_2 like Mac OS X) AppleWebKit/605.1.15 "
	 "(KHTML, like Gecko) Version/12.1 Mobile/15E148 Safari/604.1",
	 PAGE_IOS},
	{"iPod touch",
	 "Mozilla/5.0 (iPod touch; CPU iPhone OS 12_5_7 like Mac OS X) "
	 "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.1.2 "
	 "Mobile/15E148 Safari/604.1",
	 PAGE_IOS},
	{"iPadOS desktop-class Safari",
	 "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
	 "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 "
	 "Safari/605.1.15",
	 PAGE_MACOS},
	{"Chrome iOS",
	 "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) "
	 "AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 "
	 "Mobile/15E148 Safari/604.1",
	 PAGE_IOS_CHROME},
	{"Firefox iOS",
	 "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) "
	 "AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/121.0 "
	 "Mobile/15E148 Safari/605.1.15",
	 PAGE_IOS_OTHER_BROWSER},
	{"Edge iOS",
	 "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) "
	 "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 "
	 "EdgiOS/120.2210.150 Mobile/15E148 Safari/605.1.15",
	 PAGE_IOS_OTHER_BROWSER},
	{"Facebook in-app",
	 "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) "
	 "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
	 "[FBAN/FBIOS;FBAV/441.0.0.29.108;FBBV/541513011;FBDV/iPhone14,5;"
	 "FBMD/iPhone;FBSN/iOS;FBSV/17.1.2;FBSS/3;FBID/phone;FBLC/en_US;"
	 "FBOP/5]",
	 PAGE_IOS_OTHER_BROWSER},
	{"Instagram in-app",
	 "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) "
	 "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram "
	 "302.0.0.23.114 (iPhone13,2; iOS 16_6; en_US; en; scale=3.00)",
	 PAGE_IOS_OTHER_BROWSER},
	{"Google app iOS",
	 "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) "
	 "AppleWebKit/605.1.15 (KHTML, like Gecko) GSA/292.0.585948023 "
	 "Mobile/15E148 Safari/604.1",
	 PAGE_IOS_OTHER_BROWSER},
	{"LINE in-app",
	 "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) "
	 "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari "
	 "Line/13.19.0",
	 PAGE_IOS_OTHER_BROWSER},
	{"bare WKWebView",
	 "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) "
	 "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
	 PAGE_IOS_OTHER_BROWSER},
	{"Android Chrome",
	 "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like "
	 "Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
	 PAGE_ANDROID},
	{"Samsung Internet",
	 "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S911B) "
	 "AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 "
	 "Chrome/115.0.0.0 Mobile Safari/537.36",
	 PAGE_ANDROID},
	{"Firefox Android",
	 "Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 "
	 "Firefox/121.0",
	 PAGE_ANDROID_FIREFOX},
	{"Firefox Android tablet",
	 "Mozilla/5.0 (Android 13; Tablet; rv:121.0) Gecko/121.0 "
	 "Firefox/121.0",
	 PAGE_ANDROID_FIREFOX},
	{"macOS Safari",
	 "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
	 "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 "
	 "Safari/605.1.15",
	 PAGE_MACOS},
	{"macOS Chrome",
	 "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
	 "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
	 PAGE_MACOS},
	{"macOS Firefox",
	 "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) "
	 "Gecko/20100101 Firefox/121.0",
	 PAGE_MACOS},
	{"Windows Edge",
	 "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	 "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
	 PAGE_WINDOWS},
	{"Windows Chrome",
	 "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	 "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
	 PAGE_WINDOWS},
	{"Windows Firefox",
	 "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) "
	 "Gecko/20100101 Firefox/121.0",
	 PAGE_WINDOWS},
	{"Linux Chrome",
	 "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
	 "Gecko) Chrome/120.0.0.0 Safari/537.36",
	 PAGE_LINUX},
	{"Linux Firefox",
	 "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 "
	 "Firefox/121.0",
	 PAGE_FIREFOX},
	{"ChromeOS",
	 "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 "
	 "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
	 PAGE_CHROMEOS},
	{"Windows Phone",
	 "Mozilla/5.0 (Mobile; Windows Phone 8.1; Android 4.0; ARM; "
	 "Trident/7.0; Touch; rv:11.0; IEMobile/11.0; NOKIA; Lumia 635) like "
	 "iPhone OS 7_0_3 Mac OS X AppleWebKit/537 (KHTML, like Gecko) "
	 "Mobile Safari/537",
	 PAGE_OTHER},
	{"curl", "curl/8.5.0", PAGE_OTHER},
	{"empty", "", PAGE_OTHER},
	{"NULL", NULL, PAGE_OTHER},
};

static void
test_detect(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(uas) / sizeof(uas[0]); i++) {
		enum page_platform got = page_detect(uas[i].ua);

		if (got != uas[i].want)
			fail_msg("%s: got %s, want %s", uas[i].what,
				 page_platform_name(got),
				 page_platform_name(uas[i].want));
	}
}

/* Huge and hostile inputs: bounded, and tokens past the scan limit do not
 * count. */
static void
test_detect_long(void **state)
{
	size_t n = 1 << 20;
	char *s = malloc(n + 1);

	(void)state;
	assert_non_null(s);
	memset(s, 'i', n);
	s[n] = '\0';
	assert_int_equal(page_detect(s), PAGE_OTHER);
	memcpy(s + n - 6, "iPhone", 6);
	assert_int_equal(page_detect(s), PAGE_OTHER);
	memset(s, '{', n);
	memcpy(s, "Windows", 7);
	assert_int_equal(page_detect(s), PAGE_WINDOWS);
	free(s);
}

static void
test_platform_name(void **state)
{
	(void)state;
	assert_string_equal(page_platform_name(PAGE_IOS), "ios");
	assert_string_equal(page_platform_name(PAGE_IOS_OTHER_BROWSER),
			    "ios-other");
	assert_string_equal(page_platform_name(PAGE_FIREFOX), "firefox");
	assert_string_equal(page_platform_name(PAGE_OTHER), "other");
	assert_string_equal(page_platform_name(PAGE_PLATFORM_COUNT), "other");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_detect_long),
		cmocka_unit_test(test_platform_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
