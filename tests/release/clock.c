/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The production clock ignores the test hook. Linked with src/base/estime.c compiled
 * as a release build compiles it (argument "release": no ES_TEST_CLOCK) or as the
 * test builds do ("test"): with $ESEAL_FAKE_NOW set to 2001-02-03, the release object
 * must return the system time, the test object the fake one (so this test can fail).
 */
#include "es_int.h"
#include "estime.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	const char *fake = "2001-02-03T04:05:06Z";
	es_time want;
	if (argc != 2 || (strcmp(argv[1], "release") != 0 && strcmp(argv[1], "test") != 0)) {
		fprintf(stderr, "usage: clock-release release | clock-test test\n");
		return 2;
	}
	if (es_time_parse(&want, fake) != 0 || setenv("ESEAL_FAKE_NOW", fake, 1) != 0) {
		fprintf(stderr, "clock: setup failed\n");
		return 1;
	}
	es_time before = (es_time)time(NULL);
	es_time now = es_time_now();
	es_time after = (es_time)time(NULL);
	bool release = strcmp(argv[1], "release") == 0;
	if (release && (now < before || now > after)) {
		fprintf(stderr, "clock: the release clock followed $ESEAL_FAKE_NOW (%lld, system %lld)\n", (long long)now,
			(long long)before);
		return 1;
	}
	if (!release && now != want) {
		fprintf(stderr, "clock: the test clock ignored $ESEAL_FAKE_NOW (%lld, want %lld)\n", (long long)now,
			(long long)want);
		return 1;
	}
	printf("clock: the %s build %s $ESEAL_FAKE_NOW\n", argv[1], release ? "ignores" : "honours");
	return 0;
}
