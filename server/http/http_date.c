/* SPDX-License-Identifier: MIT */
/* HTTP dates (RFC 9110 5.6.7): written for Last-Modified and Expires, read
 * from If-Modified-Since in all three forms a recipient must accept. */
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "http_int.h"
#include "util.h"

static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed",
				"Thu", "Fri", "Sat"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Written with fixed tables, not strftime(): the names must not follow a
 * locale. */
int
http_date(char *dst, size_t dstlen, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		return -1;
	return str_printf(dst, dstlen, "%s, %02d %s %04d %02d:%02d:%02d GMT",
			  days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
			  tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int
digits(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
month_of(const char *s)
{
	for (int i = 0; i < 12; i++)
		if (memcmp(s, months[i], 3) == 0)
			return i;
	return -1;
}

/* The UTC time of the fields, checked; -1 when out of range. */
static long long
utc(int year, int mon, int mday, int hour, int min, int sec)
{
	struct tm tm = {0};

	if (mon < 0 || mday < 1 || mday > 31 || year < 1970 || hour < 0 ||
	    hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 60)
		return -1;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = mday;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	return (long long)timegm(&tm);
}

/* "HH:MM:SS" at s into the three; false when it is not that. */
static bool
clock_of(const char *s, int *h, int *m, int *sec)
{
	if (s[2] != ':' || s[5] != ':')
		return false;
	*h = digits(s, 2);
	*m = digits(s + 3, 2);
	*sec = digits(s + 6, 2);
	return true;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" */
static long long
imf_fixdate(const char *s)
{
	int h, m, sec;

	if (strlen(s) != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' ||
	    s[11] != ' ' || s[16] != ' ' || strcmp(s + 25, " GMT") != 0 ||
	    !clock_of(s + 17, &h, &m, &sec))
		return -1;
	return utc(digits(s + 12, 4), month_of(s + 8), digits(s + 5, 2), h, m,
		   sec);
}

/* Obsolete RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT". A two-digit year
 * more than 50 years ahead is the last such year past (RFC 9110 5.6.7). */
static long long
rfc850(const char *s, long long now)
{
	static const char *const long_days[7] = {
		"Sunday",   "Monday", "Tuesday", "Wednesday",
		"Thursday", "Friday", "Saturday"};
	const char *p = strchr(s, ',');
	int h, m, sec, yy, year;
	struct tm tm;
	time_t tnow = (time_t)now;
	size_t n;
	bool day = false;

	if (p == NULL)
		return -1;
	n = (size_t)(p - s);
	for (int i = 0; i < 7; i++)
		day |= strlen(long_days[i]) == n &&
		       memcmp(s, long_days[i], n) == 0;
	p++;
	/* " 06-Nov-94 08:49:37 GMT" */
	if (!day || strlen(p) != 23 || p[0] != ' ' || p[3] != '-' ||
	    p[7] != '-' || p[10] != ' ' || strcmp(p + 19, " GMT") != 0 ||
	    !clock_of(p + 11, &h, &m, &sec) || (yy = digits(p + 8, 2)) < 0 ||
	    gmtime_r(&tnow, &tm) == NULL)
		return -1;
	year = (tm.tm_year + 1900) / 100 * 100 + yy;
	if (year > tm.tm_year + 1900 + 50)
		year -= 100;
	return utc(year, month_of(p + 4), digits(p + 1, 2), h, m, sec);
}

/* Obsolete asctime(): "Sun Nov  6 08:49:37 1994". */
static long long
asctime_date(const char *s)
{
	int h, m, sec, mday;
	bool day = false;

	if (strlen(s) != 24)
		return -1;
	for (int i = 0; i < 7; i++)
		day |= memcmp(s, days[i], 3) == 0;
	if (!day || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' ||
	    s[19] != ' ' || !clock_of(s + 11, &h, &m, &sec))
		return -1;
	mday = s[8] == ' ' ? digits(s + 9, 1) : digits(s + 8, 2);
	return utc(digits(s + 20, 4), month_of(s + 4), mday, h, m, sec);
}

long long
http_date_parse(const char *s, long long now)
{
	long long t;

	if (s == NULL)
		return -1;
	if ((t = imf_fixdate(s)) != -1 || (t = rfc850(s, now)) != -1)
		return t;
	return asctime_date(s);
}
