/* SPDX-License-Identifier: MIT */
/* Which platform's steps come first: the User-Agent classified, on the
 * request path, without allocation. */
#include <string.h>

#include "render/render.h"
#include "util.h"

/* Real User-Agents are a few hundred bytes; a bound keeps detection cheap. */
#define UA_SCAN_MAX 1024

/* Browsers that exist only on iOS: their tokens mean iOS even when an iPad
 * asks for the desktop site and says "Macintosh". Like the in-app web views
 * below, they may not hand a downloaded profile to Settings; Safari does. */
static const char *const ios_browsers[] = {"FxiOS/", "EdgiOS/", "OPiOS/"};
static const char *const ios_in_app[] = {
	"OPT/",	       "GSA/",	      "FBAN/",	    "FBAV/",
	"Instagram",   "Line/",	      "Twitter",    "Snapchat",
	"LinkedInApp", "DuckDuckGo/", "YaBrowser/", "MicroMessenger/"};

static const char *const ios_devices[] = {"iPhone", "iPod", "iPad"};

static const char *const platform_names[PAGE_PLATFORM_COUNT] = {
	[PAGE_IOS] = "ios",
	[PAGE_IOS_OTHER_BROWSER] = "ios-other",
	[PAGE_ANDROID] = "android",
	[PAGE_MACOS] = "macos",
	[PAGE_WINDOWS] = "windows",
	[PAGE_LINUX] = "linux",
	[PAGE_FIREFOX] = "firefox",
	[PAGE_IOS_CHROME] = "ios-chrome",
	[PAGE_ANDROID_FIREFOX] = "android-firefox",
	[PAGE_CHROMEOS] = "chromeos",
	[PAGE_OTHER] = "other"};

/* What a person reads for each platform: the page's own section names,
 * with the browser where one section serves several. */
static const char *const platform_titles[PAGE_PLATFORM_COUNT] = {
	[PAGE_IOS] = "iPhone and iPad (Safari)",
	[PAGE_IOS_OTHER_BROWSER] = "iPhone and iPad (other browsers)",
	[PAGE_ANDROID] = "Android",
	[PAGE_MACOS] = "Mac",
	[PAGE_WINDOWS] = "Windows",
	[PAGE_LINUX] = "Linux",
	[PAGE_FIREFOX] = "Firefox (desktop)",
	[PAGE_IOS_CHROME] = "iPhone and iPad (Chrome)",
	[PAGE_ANDROID_FIREFOX] = "Firefox for Android",
	[PAGE_CHROMEOS] = "ChromeOS (Chromebook)",
	[PAGE_OTHER] = "Other"};

/* Substring search over the first len bytes only. */
static bool
ua_has(const char *ua, size_t len, const char *needle)
{
	return mem_find(ua, len, needle) != NULL;
}

static bool
ua_has_any(const char *ua, size_t len, const char *const *needles, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ua_has(ua, len, needles[i]))
			return true;
	return false;
}

enum page_platform
page_detect(const char *user_agent)
{
	const char *u = user_agent;
	size_t n;

	if (u == NULL || (n = strnlen(u, UA_SCAN_MAX)) == 0)
		return PAGE_OTHER;
	/* Windows Phone claimed to be Android and iPhone at once. */
	if (ua_has(u, n, "Windows Phone"))
		return PAGE_OTHER;
	if (ua_has(u, n, "Android"))
		return ua_has(u, n, "Firefox/") ? PAGE_ANDROID_FIREFOX
						: PAGE_ANDROID;
	/* Chrome on iOS hands a profile to Settings, but only from a page
	 * served over HTTPS the phone already trusts. */
	if (ua_has(u, n, "CriOS/"))
		return PAGE_IOS_CHROME;
	if (ua_has_any(u, n, ios_browsers, ARRAY_LEN(ios_browsers)))
		return PAGE_IOS_OTHER_BROWSER;
	if (ua_has_any(u, n, ios_devices, ARRAY_LEN(ios_devices))) {
		/* Web views in apps leave out "Safari/" or "Version/". */
		if (ua_has_any(u, n, ios_in_app, ARRAY_LEN(ios_in_app)) ||
		    !ua_has(u, n, "Safari/") || !ua_has(u, n, "Version/"))
			return PAGE_IOS_OTHER_BROWSER;
		return PAGE_IOS;
	}
	/* Firefox 120+ trusts the Windows and macOS stores by default: those
	 * users follow their system's steps. */
	if (ua_has(u, n, "Macintosh"))
		return PAGE_MACOS;
	if (ua_has(u, n, "Windows"))
		return PAGE_WINDOWS;
	if (ua_has(u, n, "CrOS"))
		return PAGE_CHROMEOS;
	if (ua_has(u, n, "Firefox/") && !ua_has(u, n, "Mobile"))
		return PAGE_FIREFOX;
	if (ua_has(u, n, "Linux") || ua_has(u, n, "X11"))
		return PAGE_LINUX;
	return PAGE_OTHER;
}

const char *
page_platform_name(enum page_platform p)
{
	return (unsigned)p < PAGE_PLATFORM_COUNT ? platform_names[p] : "other";
}

const char *
page_platform_title(enum page_platform p)
{
	return (unsigned)p < PAGE_PLATFORM_COUNT ? platform_titles[p] : "Other";
}
