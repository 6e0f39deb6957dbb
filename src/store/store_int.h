/* SPDX-License-Identifier: AGPL-3.0-or-later */
#ifndef ES_STORE_INT_H
#define ES_STORE_INT_H
#include "eseal/es_store.h"
#include "store_limits.h"

extern const struct es_store_ops es_store_sqlite_ops;
extern const struct es_store_ops es_store_pg_ops;

/* Embedded migrations (generated from src/store/migrations/NNN_*.sql). */
typedef struct es_migration {
	int64_t version;
	const char *name;
	const char *sql;
} es_migration;
extern const es_migration es_store_migrations[];
extern const size_t es_store_nmigrations;

struct es_store {
	const struct es_store_ops *ops;
	void *db;
	bool in_tx;
	int64_t schema_version;
};

#endif
