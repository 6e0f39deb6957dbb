/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Interleaved rate measurement for the document benchmarks. */
#include "es_int.h"
#include "bench.h"
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run @fn for one 50 ms slice (at least once); adds the time and count. */
static int slice(es_bench_fn fn, void *arg, double *t, size_t *count)
{
	double t0 = now_s(), el;
	size_t n;
	int err;
	for (n = 0; (el = now_s() - t0) < 0.05 || n == 0; n++)
		if ((err = fn(arg)) < 0)
			return err;
	*t += el;
	*count += n;
	return 0;
}

int es_bench_interleaved(double seconds, es_bench_fn a, void *arg_a, es_bench_fn b, void *arg_b, double *a_per_s,
			 double *b_per_s)
{
	double ta = 0, tb = 0, start = now_s();
	size_t na = 0, nb = 0;
	int err;
	while (now_s() - start < 2 * seconds || na == 0 || nb == 0)
		if ((err = slice(a, arg_a, &ta, &na)) < 0 || (err = slice(b, arg_b, &tb, &nb)) < 0)
			return err;
	*a_per_s = (double)na / ta;
	*b_per_s = (double)nb / tb;
	return 0;
}
