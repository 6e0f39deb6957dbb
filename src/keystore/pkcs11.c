/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The PKCS#11 provider: a module loaded at run time (dlopen), one token, one session.
 * The only code that includes p11-kit/pkcs11.h.
 *
 * Threads: a module is loaded and initialised (C_Initialize) once per process and
 * finalised when its last key store closes, so that one handle's close never
 * finalises the module under another's feet. PKCS#11 keeps the login state per
 * token for the whole process, not per session: while one handle is logged in,
 * another handle's C_Login answers CKR_USER_ALREADY_LOGGED_IN without looking at
 * its PIN. So a handle holds the token's lock from its login to its logout, and
 * every login checks its own PIN. */
#include "es_int.h"
#include "eseal/es_keystore.h"
#include <dlfcn.h>
#include <pthread.h>
#include <p11-kit/pkcs11.h>

/* A module loaded once per process (the registry below, under reg_mu). */
typedef struct p11_module {
	struct p11_module *next;
	char *path;
	void *lib;
	CK_FUNCTION_LIST_PTR f;
	bool initialized;             /* we called C_Initialize: we call C_Finalize */
	unsigned refs;
	struct p11_slot_lock *locks;  /* one per token slot in use */
} p11_module;

/* A token's login lock: held from a handle's login to its logout. */
typedef struct p11_slot_lock {
	struct p11_slot_lock *next;
	CK_SLOT_ID slot;
	pthread_mutex_t mu;
} p11_slot_lock;

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static p11_module *modules;

typedef struct p11 {
	p11_module *mod;
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE session;
	bool have_session;
	p11_slot_lock *lock;          /* this token's login lock */
	bool holds_lock;              /* logged in: the lock is ours */
	unsigned long sm2_mech, sm2_type;
} p11;

static int p11_fail(CK_RV rv, const char *what)
{
	return es_error_set(ES_ECRYPTO, "pkcs11: %s failed (CKR 0x%lx)", what, (unsigned long)rv);
}

/* Log in with the token's lock held by the caller; every call checks its own PIN. */
static int p11_login_as(p11 *k, CK_USER_TYPE who, const char *pin)
{
	CK_RV rv = k->f->C_Login(k->session, who, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)strlen(pin));
	if (rv == CKR_USER_ALREADY_LOGGED_IN || rv == CKR_USER_ANOTHER_ALREADY_LOGGED_IN) {
		/* left logged in by an earlier holder: out, and in again with this PIN */
		(void)k->f->C_Logout(k->session);
		rv = k->f->C_Login(k->session, who, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)strlen(pin));
	}
	if (rv == CKR_OK)
		return 0;
	if (rv == CKR_PIN_INCORRECT)
		return es_error_set(ES_EAUTH, "pkcs11: wrong PIN");
	if (rv == CKR_PIN_LOCKED)
		return es_error_set(ES_ESTATE, "pkcs11: the token's PIN is locked");
	return p11_fail(rv, "C_Login");
}

static void p11_unlock(p11 *k)
{
	if (k->holds_lock) {
		k->holds_lock = false;
		pthread_mutex_unlock(&k->lock->mu);
	}
}

static int p11_login(void *ctx, const char *pin)
{
	p11 *k = ctx;
	if (!k->holds_lock) {
		pthread_mutex_lock(&k->lock->mu);
		k->holds_lock = true;
	}
	int err = p11_login_as(k, CKU_USER, pin);
	if (err < 0)
		p11_unlock(k);
	return err;
}

static int p11_logout(void *ctx)
{
	p11 *k = ctx;
	CK_RV rv = k->f->C_Logout(k->session);
	p11_unlock(k);
	return rv == CKR_OK || rv == CKR_USER_NOT_LOGGED_IN ? 0 : p11_fail(rv, "C_Logout");
}

/* ---- the process's modules ------------------------------------------------ */

/* Load (or take another reference to) the module at @p path; reg_mu held. */
static int module_get(const char *path, p11_module **out)
{
	for (p11_module *m = modules; m; m = m->next)
		if (strcmp(m->path, path) == 0) {
			m->refs++;
			*out = m;
			return 0;
		}
	CK_C_GetFunctionList get;
	CK_C_INITIALIZE_ARGS args;
	int err;
	p11_module *m = es_calloc(1, sizeof(*m));
	if (!m || !(m->path = es_strdup(path))) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto fail;
	}
	m->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!m->lib) {
		err = es_error_set(ES_ENOTFOUND, "pkcs11: cannot load module '%s'", path);
		goto fail;
	}
	*(void **)&get = dlsym(m->lib, "C_GetFunctionList");
	if (!get || get(&m->f) != CKR_OK || !m->f) {
		err = es_error_set(ES_EMALFORMED, "pkcs11: '%s' is not a PKCS#11 module", path);
		goto fail;
	}
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	CK_RV rv = m->f->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		err = p11_fail(rv, "C_Initialize");
		goto fail;
	}
	m->initialized = rv == CKR_OK;
	m->refs = 1;
	m->next = modules;
	modules = m;
	*out = m;
	return 0;
fail:
	if (m && m->lib)
		dlclose(m->lib);
	if (m)
		es_free(m->path);
	es_free(m);
	return err;
}

/* Drop a reference; the last one finalises and unloads the module. reg_mu held. */
static void module_put(p11_module *m)
{
	if (--m->refs)
		return;
	for (p11_module **pp = &modules; *pp; pp = &(*pp)->next)
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	if (m->initialized)
		(void)m->f->C_Finalize(NULL);
	dlclose(m->lib);
	for (p11_slot_lock *l = m->locks, *next; l; l = next) {
		next = l->next;
		pthread_mutex_destroy(&l->mu);
		es_free(l);
	}
	es_free(m->path);
	es_free(m);
}

/* The login lock of @p slot of @p m; reg_mu held. */
static p11_slot_lock *slot_lock(p11_module *m, CK_SLOT_ID slot)
{
	for (p11_slot_lock *l = m->locks; l; l = l->next)
		if (l->slot == slot)
			return l;
	p11_slot_lock *l = es_calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->slot = slot;
	pthread_mutex_init(&l->mu, NULL);
	l->next = m->locks;
	m->locks = l;
	return l;
}

/* One object of @p cls with CKA_LABEL @p label. */
static int find_object(p11 *k, CK_OBJECT_CLASS cls, const char *label, CK_OBJECT_HANDLE *out)
{
	CK_ATTRIBUTE t[2] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) },
	};
	CK_ULONG n = 0;
	CK_RV rv = k->f->C_FindObjectsInit(k->session, t, 2);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_FindObjectsInit");
	rv = k->f->C_FindObjects(k->session, out, 1, &n);
	(void)k->f->C_FindObjectsFinal(k->session);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_FindObjects");
	if (n != 1)
		return es_error_set(ES_ENOTFOUND, "pkcs11: no key labelled '%s' on the token", label);
	return 0;
}

static int ec_point(p11 *k, CK_OBJECT_HANDLE pubh, uint8_t pub[65])
{
	uint8_t v[80];
	CK_ATTRIBUTE a = { CKA_EC_POINT, v, sizeof(v) };
	CK_RV rv = k->f->C_GetAttributeValue(k->session, pubh, &a, 1);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_GetAttributeValue(CKA_EC_POINT)");
	/* DER OCTET STRING around the point (the standard), or the bare point (some modules) */
	if (a.ulValueLen == 67 && v[0] == 0x04 && v[1] == 65 && v[2] == 0x04)
		memcpy(pub, v + 2, 65);
	else if (a.ulValueLen == 65 && v[0] == 0x04)
		memcpy(pub, v, 65);
	else
		return es_error_set(ES_EMALFORMED, "pkcs11: not an uncompressed 256-bit EC point");
	return 0;
}

static int p11_find_key(void *ctx, const char *label, uint8_t pub[65])
{
	p11 *k = ctx;
	CK_OBJECT_HANDLE h;
	int err = find_object(k, CKO_PRIVATE_KEY, label, &h);
	if (err == 0)
		err = find_object(k, CKO_PUBLIC_KEY, label, &h);
	return err < 0 ? err : ec_point(k, h, pub);
}

static int p11_sign(void *ctx, const char *label, const uint8_t digest[32], uint8_t sig[64])
{
	p11 *k = ctx;
	CK_OBJECT_HANDLE h;
	CK_MECHANISM m = { k->sm2_mech ? (CK_MECHANISM_TYPE)k->sm2_mech : CKM_ECDSA, NULL, 0 };
	CK_ULONG n = 64;
	int err = find_object(k, CKO_PRIVATE_KEY, label, &h);
	if (err < 0)
		return err;
	CK_RV rv = k->f->C_SignInit(k->session, &m, h);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_SignInit");
	rv = k->f->C_Sign(k->session, (CK_BYTE_PTR)digest, 32, sig, &n);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_Sign");
	if (n != 64)
		return es_error_set(ES_ECRYPTO, "pkcs11: signature of %lu bytes, expected 64", (unsigned long)n);
	return 0;
}

static int p11_reset_pin(void *ctx, const char *so_pin, const char *new_pin)
{
	p11 *k = ctx;
	int err;
	bool held = k->holds_lock;
	if (!held)
		pthread_mutex_lock(&k->lock->mu);
	(void)k->f->C_Logout(k->session);
	if ((err = p11_login_as(k, CKU_SO, so_pin)) == 0) {
		CK_RV rv = k->f->C_InitPIN(k->session, (CK_UTF8CHAR_PTR)new_pin, (CK_ULONG)strlen(new_pin));
		(void)k->f->C_Logout(k->session);
		err = rv == CKR_OK ? 0 : p11_fail(rv, "C_InitPIN");
	}
	if (!held)
		pthread_mutex_unlock(&k->lock->mu);
	else
		p11_unlock(k); /* the user's login ended with the SO's logout */
	return err;
}

static int p11_generate(void *ctx, const char *label, uint8_t pub[65])
{
	p11 *k = ctx;
	static const uint8_t p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
	static const uint8_t sm2[] = { 0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d };
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_MECHANISM m = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = {
		{ CKA_EC_PARAMS, (void *)(k->sm2_mech ? sm2 : p256), sizeof(p256) },
		{ CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
	};
	CK_ATTRIBUTE st[] = {
		{ CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_EXTRACTABLE, &no, sizeof(no) },
		{ CKA_SIGN, &yes, sizeof(yes) },
	};
	CK_OBJECT_HANDLE ph, sh;
	CK_RV rv = k->f->C_GenerateKeyPair(k->session, &m, pt, ES_ARRAY_LEN(pt), st, ES_ARRAY_LEN(st), &ph, &sh);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_GenerateKeyPair");
	return ec_point(k, ph, pub);
}

static void p11_close(void *ctx)
{
	p11 *k = ctx;
	if (!k)
		return;
	if (k->holds_lock) {
		(void)k->f->C_Logout(k->session);
		p11_unlock(k);
	}
	if (k->have_session)
		(void)k->f->C_CloseSession(k->session);
	if (k->mod) {
		pthread_mutex_lock(&reg_mu);
		module_put(k->mod);
		pthread_mutex_unlock(&reg_mu);
	}
	es_free(k);
}

static const struct es_keystore_ops p11_ops = {
	"pkcs11", p11_login, p11_logout, p11_find_key, p11_sign, p11_reset_pin, p11_generate, p11_close,
};

static bool label_is(const CK_UTF8CHAR label[32], const char *want)
{
	size_t n = strlen(want), len = 32;
	while (len && label[len - 1] == ' ')
		len--;
	return n == len && memcmp(label, want, n) == 0;
}

int es_keystore_pkcs11_open(es_keystore **out, const es_pkcs11_options *opt)
{
	ES_ASSERT_ARG(out && opt && opt->module);
	CK_SLOT_ID slots[64];
	CK_ULONG nslots = ES_ARRAY_LEN(slots);
	CK_RV rv;
	int err;
	*out = NULL;
	p11 *k = es_calloc(1, sizeof(*k));
	if (!k)
		return es_error_set(ES_ENOMEM, "out of memory");
	k->sm2_mech = opt->sm2_mechanism;
	k->sm2_type = opt->sm2_key_type;
	pthread_mutex_lock(&reg_mu);
	err = module_get(opt->module, &k->mod);
	pthread_mutex_unlock(&reg_mu);
	if (err < 0)
		goto fail;
	k->f = k->mod->f;
	if ((rv = k->f->C_GetSlotList(CK_TRUE, slots, &nslots)) != CKR_OK) {
		err = p11_fail(rv, "C_GetSlotList");
		goto fail;
	}
	bool found = false;
	for (CK_ULONG i = 0; i < nslots && !found; i++) {
		CK_TOKEN_INFO ti;
		if (k->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		if (!opt->token_label || label_is(ti.label, opt->token_label)) {
			k->slot = slots[i];
			found = true;
		}
	}
	if (!found) {
		err = es_error_set(ES_ENOTFOUND, "pkcs11: no token%s%s%s in '%s'", opt->token_label ? " '" : "",
				   opt->token_label ? opt->token_label : "", opt->token_label ? "'" : "", opt->module);
		goto fail;
	}
	if ((rv = k->f->C_OpenSession(k->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &k->session)) != CKR_OK) {
		err = p11_fail(rv, "C_OpenSession");
		goto fail;
	}
	k->have_session = true;
	pthread_mutex_lock(&reg_mu);
	k->lock = slot_lock(k->mod, k->slot);
	pthread_mutex_unlock(&reg_mu);
	if (!k->lock) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto fail;
	}
	if ((err = es_keystore_new(out, &p11_ops, k)) < 0)
		goto fail;
	return 0;
fail:
	p11_close(k);
	return err;
}
