/* SPDX-License-Identifier: MIT */
/* HTTP dates (RFC 9110 5.6.7): written for Last-Modified and Expires, read
 * from If-Modified-Since. */
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

long long
http_date_parse(const char *s)
{
	struct tm tm = {0};
	int i, mon = -1;

	/* "Sun, 06 Nov 1994 08:49:37 GMT" */
	if (s == NULL || strlen(s) != 29 || s[3] != ',' || s[4] != ' ' ||
	    s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
	    s[22] != ':' || strcmp(s + 25, " GMT") != 0)
		return -1;
	for (i = 0; i < 12; i++)
		if (memcmp(s + 8, months[i], 3) == 0)
			mon = i;
	tm.tm_mday = digits(s + 5, 2);
	tm.tm_year = digits(s + 12, 4) - 1900;
	tm.tm_hour = digits(s + 17, 2);
	tm.tm_min = digits(s + 20, 2);
	tm.tm_sec = digits(s + 23, 2);
	if (mon < 0 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_year < 70 ||
	    tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 ||
	    tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60)
		return -1;
	tm.tm_mon = mon;
	return (long long)timegm(&tm);
}
