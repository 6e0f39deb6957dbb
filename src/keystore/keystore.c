/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The key-store interface: PIN lockout in one place, over any provider. */
#include "es_int.h"
#include "eseal/es_keystore.h"

struct es_keystore {
	const struct es_keystore_ops *ops;
	void *ctx;
	int fails;
	bool logged_in;
};

int es_keystore_new(es_keystore **out, const struct es_keystore_ops *ops, void *ctx)
{
	ES_ASSERT_ARG(out && ops);
	es_keystore *ks = es_calloc(1, sizeof(*ks));
	if (!ks)
		return es_error_set(ES_ENOMEM, "out of memory");
	ks->ops = ops;
	ks->ctx = ctx;
	*out = ks;
	return 0;
}

const char *es_keystore_name(const es_keystore *ks)
{
	return ks ? ks->ops->name : "";
}

int es_keystore_login(es_keystore *ks, const char *pin)
{
	ES_ASSERT_ARG(ks && pin);
	if (ks->fails >= ES_KEYSTORE_PIN_TRIES)
		return es_error_set(ES_ESTATE, "key store '%s' is locked after %d wrong PINs: the administrator "
						"resets the PIN after a PIN-unlock application",
				    ks->ops->name, ES_KEYSTORE_PIN_TRIES);
	int err = ks->ops->login(ks->ctx, pin);
	if (err == ES_EAUTH) {
		/* a wrong PIN; a provider with its own lock (token, platform) keeps refusing on its own (ES_ESTATE) */
		ks->fails++;
		return es_error_set(ES_EAUTH, "key store '%s': wrong PIN (%d of %d)%s", ks->ops->name, ks->fails,
				    ES_KEYSTORE_PIN_TRIES, ks->fails >= ES_KEYSTORE_PIN_TRIES ? ", now locked" : "");
	}
	if (err == 0) {
		ks->fails = 0;
		ks->logged_in = true;
	}
	return err;
}

int es_keystore_logout(es_keystore *ks)
{
	ES_ASSERT_ARG(ks);
	ks->logged_in = false;
	return ks->ops->logout(ks->ctx);
}

void es_keystore_pin_state(const es_keystore *ks, int *fails, bool *locked)
{
	if (fails)
		*fails = ks ? ks->fails : 0;
	if (locked)
		*locked = ks && ks->fails >= ES_KEYSTORE_PIN_TRIES;
}

int es_keystore_find_key(es_keystore *ks, const char *label, uint8_t pub[65])
{
	ES_ASSERT_ARG(ks && label && pub);
	return ks->ops->find_key(ks->ctx, label, pub);
}

int es_keystore_sign_digest(es_keystore *ks, const char *label, const uint8_t digest[32], uint8_t sig[64])
{
	ES_ASSERT_ARG(ks && label && digest && sig);
	if (!ks->logged_in)
		return es_error_set(ES_ESTATE, "key store '%s': log in with the PIN first", ks->ops->name);
	return ks->ops->sign_digest(ks->ctx, label, digest, sig);
}

int es_keystore_reset_pin(es_keystore *ks, const char *so_pin, const char *new_pin)
{
	ES_ASSERT_ARG(ks && so_pin && new_pin);
	int err = ks->ops->reset_pin(ks->ctx, so_pin, new_pin);
	if (err == 0)
		ks->fails = 0;
	return err;
}

int es_keystore_generate(es_keystore *ks, const char *label, uint8_t pub[65])
{
	ES_ASSERT_ARG(ks && label && pub);
	if (!ks->logged_in)
		return es_error_set(ES_ESTATE, "key store '%s': log in with the PIN first", ks->ops->name);
	return ks->ops->generate(ks->ctx, label, pub);
}

void es_keystore_close(es_keystore *ks)
{
	if (!ks)
		return;
	ks->ops->close(ks->ctx);
	es_free(ks);
}
