/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Limits of the store and platform layers (documented in docs/platform.md). */
#ifndef ES_STORE_LIMITS_H
#define ES_STORE_LIMITS_H

#define ES_STORE_MAX_PARAMS 32            /* bound parameters per statement */
#define ES_STORE_MAX_SQL 8192             /* bytes of one statement */
#define ES_STORE_BUSY_TIMEOUT_MS 30000    /* SQLite busy timeout */
#define ES_STORE_TX_RETRIES 8             /* retries of a conflicting transaction */
#define ES_PLAT_MAX_NAME 256              /* bytes of a name (unit, seal, person) */
#define ES_PLAT_MAX_REASON 512            /* bytes of a reason */
#define ES_PLAT_MAX_IMPRESSION (4u << 20) /* bytes of an uploaded impression */
#define ES_PLAT_MAX_ATTACHMENT (8u << 20) /* bytes of one attachment */
#define ES_PLAT_MAX_FEED (64u << 20)      /* bytes of a registry feed */
#define ES_PLAT_STATUS_NEXT_UPDATE 86400  /* seconds a published status list stays current (its next_update) */
#define ES_PLAT_MAX_FEED_ROWS 100000      /* entities in one registry feed */
#define ES_PLAT_MAX_BATCH 200             /* seals in one batch application */
#define ES_PLAT_RENEW_WINDOW_DAYS 30      /* renewal only this close to expiry */
#define ES_PLAT_UNUSED_DAYS 365           /* unused this long: suspended */
#define ES_PLAT_OUTBOX_BACKOFF_BASE 30    /* seconds; doubled per attempt */
#define ES_PLAT_OUTBOX_BACKOFF_MAX 3600   /* seconds */
#define ES_PLAT_OUTBOX_LEASE 120          /* seconds a claimed filing is held */
#define ES_PLAT_HTTP_TIMEOUT_S 10         /* filing HTTP send/receive timeout */
#define ES_PLAT_MAX_ANCHOR 8192           /* bytes of an audit anchor (JSON) */

#endif
