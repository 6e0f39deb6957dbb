/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Backup and restore (R7): a consistent online snapshot of the store, sealed and
 * authenticated under a key derived from the master key (docs/audit.md). */
#include "es_int.h"
#include "platform_int.h"
#include "estime.h"
#include "file.h"

/*
 * File: "ESEAL-BACKUP-1\n" (15 bytes) | backend (1 byte: 1 SQLite, 2 PostgreSQL) |
 * salt (16 bytes) | es_box_seal(K, aad = the 32 header bytes, snapshot).
 * K = HMAC-SM3(master key, "eseal backup key" | salt): a fresh key per file; keys
 * inside the snapshot stay wrapped (seal keys under the data key, the data key and
 * the authority keys under the master key, tokens under their PINs).
 */
#define BK_MAGIC "ESEAL-BACKUP-1\n"
#define BK_MAGIC_LEN 15
#define BK_HEADER (BK_MAGIC_LEN + 1 + 16)
#define BK_MAX ((size_t)1 << 31)

static int backup_key(uint8_t k[32], const uint8_t master[32], const uint8_t salt[16])
{
	uint8_t msg[16 + 16];
	memcpy(msg, "eseal backup key", 16);
	memcpy(msg + 16, salt, 16);
	return es_hmac_sm3(k, master, 32, msg, sizeof(msg));
}

int es_backup_open(es_buf *out, const uint8_t master_key[32], const uint8_t *file, size_t len, const char **backend)
{
	ES_ASSERT_ARG(out && master_key && (file || len == 0));
	uint8_t k[32];
	int err;
	if (len < BK_HEADER + ES_BOX_OVERHEAD || memcmp(file, BK_MAGIC, BK_MAGIC_LEN) != 0)
		return es_error_set(ES_EVERIFY, "not an eseal backup, or cut short");
	if (file[BK_MAGIC_LEN] != 1 && file[BK_MAGIC_LEN] != 2)
		return es_error_set(ES_EVERIFY, "backup of an unknown store backend");
	if (backend)
		*backend = file[BK_MAGIC_LEN] == 1 ? "sqlite" : "postgres";
	if ((err = backup_key(k, master_key, file + BK_MAGIC_LEN + 1)) < 0)
		return err;
	err = es_box_open(out, k, file, BK_HEADER, file + BK_HEADER, len - BK_HEADER);
	es_wipe(k, sizeof(k));
	if (err < 0)
		return es_error_set(ES_EVERIFY, "the backup was altered or made with another master key: refused");
	return 0;
}

typedef struct bk_ctx {
	int64_t actor;
	const char *path;
} bk_ctx;

static int backup_audit_tx(es_platform *p, void *vctx)
{
	bk_ctx *c = vctx;
	return es_platform__audit(p, c->actor, "backup", "platform", es_store_backend(p->st), c->path, NULL);
}

int es_platform_backup(es_platform *p, const es_actor *who, const char *path)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && path);
	es_buf snap = ES_BUF_INIT, file = ES_BUF_INIT;
	uint8_t header[BK_HEADER], k[32];
	int err;
	es_buf_init(&snap, BK_MAX);
	es_buf_init(&file, BK_MAX);
	if ((err = es_platform__authorize(p, actor, ES_ACT_BACKUP, -1, NULL)) < 0)
		return err;
	/* the backup is recorded first, so the copy holds its own record; a checkpoint seals the head */
	bk_ctx c = { actor, path };
	if ((err = es_platform__tx(p, backup_audit_tx, &c)) < 0 || (err = es_platform_audit_checkpoint(p)) < 0)
		goto done;
	if ((err = es_store_snapshot(p->st, &snap)) < 0)
		goto done;
	memcpy(header, BK_MAGIC, BK_MAGIC_LEN);
	header[BK_MAGIC_LEN] = strcmp(es_store_backend(p->st), "sqlite") == 0 ? 1 : 2;
	if ((err = es_random(header + BK_MAGIC_LEN + 1, 16)) < 0 ||
	    (err = backup_key(k, p->master, header + BK_MAGIC_LEN + 1)) < 0 ||
	    (err = es_buf_put(&file, header, sizeof(header))) < 0 ||
	    (err = es_box_seal(&file, k, header, sizeof(header), snap.ptr, snap.len)) < 0)
		goto done;
	/* temporary file, fsync, rename: a crash never leaves a half-written backup under PATH */
	err = es_file_write(path, file.ptr, file.len, 0600);
done:
	es_wipe(k, sizeof(k));
	es_buf_release_secret(&snap);
	es_buf_release(&file);
	return err;
}

/* DIR/trust/root.crt (the verifiers' anchor) and DIR/status/ (the signed status list). */
static int rebuild_files(es_platform *p, const char *dir)
{
	es_buf root = ES_BUF_INIT, path = ES_BUF_INIT;
	int err;
	if ((err = es_buf_printf(&path, "%s/trust", dir)) < 0 || (err = es_mkdirs((const char *)path.ptr, 0755)) < 0 ||
	    (err = es_platform_authority_pem(p, &root, NULL)) < 0)
		goto done;
	path.len = 0;
	if ((err = es_buf_printf(&path, "%s/trust/root.crt", dir)) < 0 ||
	    (err = es_file_write((const char *)path.ptr, root.ptr, root.len, 0644)) < 0)
		goto done;
	err = es_platform__status_publish(p);
done:
	es_buf_release(&root);
	es_buf_release(&path);
	return err;
}

int es_platform_restore(const char *path, const uint8_t master_key[32], const char *store_uri, const char *dir,
			es_audit_report *report)
{
	ES_ASSERT_ARG(path && master_key && store_uri && dir && report);
	es_buf file = ES_BUF_INIT, snap = ES_BUF_INIT;
	const char *backend = NULL;
	es_platform *p = NULL;
	es_actor *sys = NULL;
	int err;
	memset(report, 0, sizeof(*report));
	es_buf_init(&snap, BK_MAX);
	if ((err = es_file_read(&file, path, BK_MAX)) < 0 ||
	    (err = es_backup_open(&snap, master_key, file.ptr, file.len, &backend)) < 0)
		goto done;
	bool target_pg = strncmp(store_uri, "postgres", 8) == 0;
	if (target_pg != (strcmp(backend, "postgres") == 0)) {
		err = es_error_set(ES_EINVAL, "this is a %s backup: restore it into a %s store", backend, backend);
		goto done;
	}
	if ((err = es_mkdirs(dir, 0700)) < 0 || (err = es_store_restore(store_uri, snap.ptr, snap.len)) < 0)
		goto done;
	es_platform_options o = ES_PLATFORM_OPTIONS_INIT;
	o.store = store_uri;
	o.dir = dir;
	o.master_key = master_key;
	if ((err = es_platform_open(&p, &o)) < 0)
		goto done;
	if ((err = es_actor_system(&sys)) < 0 || (err = es_platform_audit_verify(p, sys, report)) < 0)
		goto done;
	/* the files beside the store, as 'platform init' and every status change write them */
	err = rebuild_files(p, dir);
done:
	es_actor_free(sys);
	es_platform_close(p);
	es_buf_release(&file);
	es_buf_release_secret(&snap);
	return err;
}
