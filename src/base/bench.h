/* SPDX-License-Identifier: AGPL-3.0-or-later */
#ifndef ES_BENCH_H
#define ES_BENCH_H

/* One unit of work to time; 0 or a negative es_error code. */
typedef int (*es_bench_fn)(void *arg);

/*
 * Rates of @a and @b per second, timed in alternating 50 ms slices for about
 * 2 x @seconds so that both see the same machine load (its speed drifts),
 * each run at least once. Stops at the first error and returns it.
 */
int es_bench_interleaved(double seconds, es_bench_fn a, void *arg_a, es_bench_fn b, void *arg_b, double *a_per_s,
			 double *b_per_s);

#endif
