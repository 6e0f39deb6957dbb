/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "es_int.h"
#include "estime.h"
#include <time.h>

/*
 * The system clock. Only a test build (CMake option ES_TEST_CLOCK, on in `make build`
 * and `make asan`, off in every release build and `make run`) lets $ESEAL_FAKE_NOW move
 * it; a program that needs another clock passes es_platform_options.clock or the
 * verifier's `now`.
 */
es_time es_time_now(void)
{
#ifdef ES_TEST_CLOCK
	const char *fake = getenv("ESEAL_FAKE_NOW");
	es_time t;
	if (fake && es_time_parse(&t, fake) == 0)
		return t;
#endif
	return (es_time)time(NULL);
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int es_time_from_fields(es_time *out, int year, int mon, int day, int hour, int min, int sec)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t days = 0;

	if (year < 1 || year > 9999 || mon < 1 || mon > 12 || day < 1 || hour < 0 || hour > 23 ||
	    min < 0 || min > 59 || sec < 0 || sec > 60)
		return -1;
	if (day > mdays[mon - 1] + (mon == 2 && is_leap(year)))
		return -1;
	/* days from civil (Howard Hinnant's algorithm) */
	{
		int64_t y = year - (mon <= 2);
		int64_t era = (y >= 0 ? y : y - 399) / 400;
		int64_t yoe = y - era * 400;
		int64_t mp = (mon + 9) % 12;
		int64_t doy = (153 * mp + 2) / 5 + day - 1;
		int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
		days = era * 146097 + doe - 719468;
	}
	*out = days * 86400 + hour * 3600 + min * 60 + (sec == 60 ? 59 : sec);
	return 0;
}

void es_time_iso(char out[32], es_time t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (!gmtime_r(&tt, &tm)) {
		snprintf(out, 32, "invalid-time");
		return;
	}
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int es_time_parse(es_time *out, const char *s)
{
	int y, mo, d, h = 0, mi = 0, se = 0;
	size_t n = strlen(s);

	if (n == 10 && s[4] == '-' && s[7] == '-') {
		if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d))
			return -1;
	} else if (n == 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' &&
		   s[16] == ':' && s[19] == 'Z') {
		if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
		    digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
			return -1;
	} else if (n == 15 && s[14] == 'Z') {
		if (digits(s, 4, &y) || digits(s + 4, 2, &mo) || digits(s + 6, 2, &d) ||
		    digits(s + 8, 2, &h) || digits(s + 10, 2, &mi) || digits(s + 12, 2, &se))
			return -1;
	} else {
		return -1;
	}
	return es_time_from_fields(out, y, mo, d, h, mi, se);
}
