/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_keystore.h
 * @brief Key stores (R2: keys in cryptographic devices): one interface, several
 *        providers. A key store holds private keys that never leave it; the
 *        platform asks it to log in with a PIN, find a key by label and sign a
 *        digest.
 *
 * Providers:
 * - "pkcs11": a PKCS#11 module loaded at run time (dlopen of its path): USB keys,
 *   server cryptographic modules, HSMs. EC P-256 (CKM_ECDSA) is tested with
 *   SoftHSM2; SM2 keys use the vendor's SM2 mechanism, given in the options
 *   (PKCS#11 has no standard SM2 mechanism; SoftHSM2 has none at all).
 * - The platform's software token (es_platform_token_*: SM2 key under SM4 with
 *   PBKDF2-HMAC-SM3 PIN keys, in the platform store) is the "soft" custody
 *   of es_platform.h; device seals (key in the holder's device, certificate from
 *   its PKCS#10 request) are es_platform_seal_bind_device().
 *
 * PIN handling: after ES_KEYSTORE_PIN_TRIES consecutive wrong user PINs the
 * key store refuses further logins (locked), whatever the module's own policy;
 * es_keystore_reset_pin() with the security officer (administrator) PIN sets a
 * new user PIN and unlocks. PINs are never logged nor kept after the call.
 */
#ifndef ESEAL_ES_KEYSTORE_H
#define ESEAL_ES_KEYSTORE_H
#include "es_types.h"
#ifdef __cplusplus
extern "C" {
#endif

#define ES_KEYSTORE_PIN_TRIES 5

typedef struct es_keystore es_keystore;

/** The provider interface (one per kind of key store). */
struct es_keystore_ops {
	const char *name;
	int (*login)(void *ctx, const char *pin);
	int (*logout)(void *ctx);
	/** Find a private key by label; its public point (04|X|Y, 65 bytes) into @p pub. */
	int (*find_key)(void *ctx, const char *label, uint8_t pub[65]);
	/** Sign a 32-byte digest with the key @p label: raw r|s (64 bytes) into @p sig. */
	int (*sign_digest)(void *ctx, const char *label, const uint8_t digest[32], uint8_t sig[64]);
	/** Security officer / administrator: set a new user PIN (unlocks). */
	int (*reset_pin)(void *ctx, const char *so_pin, const char *new_pin);
	/** Generate a key pair in the store (EC P-256, or the vendor's SM2). */
	int (*generate)(void *ctx, const char *label, uint8_t pub[65]);
	void (*close)(void *ctx);
};

typedef struct es_pkcs11_options {
	unsigned version;            /**< ES_PKCS11_OPTIONS_VERSION */
	const char *module;          /**< path of the PKCS#11 module (.so) */
	const char *token_label;     /**< token to use (NULL: the first with a token present) */
	/** 0: EC P-256 keys with CKM_ECDSA; else the vendor's SM2 signing mechanism (e.g. 0x80000101). */
	unsigned long sm2_mechanism;
	unsigned long sm2_key_type;  /**< vendor key type of SM2 keys (with sm2_mechanism) */
} es_pkcs11_options;
#define ES_PKCS11_OPTIONS_VERSION 1
#define ES_PKCS11_OPTIONS_INIT { ES_PKCS11_OPTIONS_VERSION, NULL, NULL, 0, 0 }

ES_EXTERN(int) es_keystore_pkcs11_open(es_keystore **out, const es_pkcs11_options *opt) ES_WARN_UNUSED;
/** Wrap any provider. */
ES_EXTERN(int) es_keystore_new(es_keystore **out, const struct es_keystore_ops *ops, void *ctx) ES_WARN_UNUSED;
ES_EXTERN(const char *) es_keystore_name(const es_keystore *ks);

/**
 * User login: ES_EAUTH for a wrong PIN (counted), ES_ESTATE for a locked store. A provider's
 * login returns ES_EAUTH for a wrong PIN and ES_ESTATE for a PIN it has locked itself.
 */
ES_EXTERN(int) es_keystore_login(es_keystore *ks, const char *pin) ES_WARN_UNUSED;
ES_EXTERN(int) es_keystore_logout(es_keystore *ks) ES_WARN_UNUSED;
/** Wrong user PINs in a row, and whether the store refuses logins. */
ES_EXTERN(void) es_keystore_pin_state(const es_keystore *ks, int *fails, bool *locked);
ES_EXTERN(int) es_keystore_find_key(es_keystore *ks, const char *label, uint8_t pub[65]) ES_WARN_UNUSED;
ES_EXTERN(int) es_keystore_sign_digest(es_keystore *ks, const char *label, const uint8_t digest[32],
				       uint8_t sig[64]) ES_WARN_UNUSED;
ES_EXTERN(int) es_keystore_reset_pin(es_keystore *ks, const char *so_pin, const char *new_pin) ES_WARN_UNUSED;
ES_EXTERN(int) es_keystore_generate(es_keystore *ks, const char *label, uint8_t pub[65]) ES_WARN_UNUSED;
ES_EXTERN(void) es_keystore_close(es_keystore *ks);

#ifdef __cplusplus
}
#endif
#endif
