/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* es_process_tune(): process-wide settings for long sealing runs. */
#include "es_int.h"
#include <stdlib.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#define ES_HEAP_KEEP (32u << 20)

int es_process_tune(void)
{
	if (!getenv("TZ"))
		(void)setenv("TZ", ":/etc/localtime", 0);
	tzset();
#ifdef __GLIBC__
	/* keep freed heap below 32 MiB, and serve blocks below 4 MiB from it
	 * rather than from fresh mmap()s that are unmapped again on free() */
	(void)mallopt(M_TRIM_THRESHOLD, (int)ES_HEAP_KEEP);
	(void)mallopt(M_MMAP_THRESHOLD, 4 << 20);
#endif
	return 0;
}
