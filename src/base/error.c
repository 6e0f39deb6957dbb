/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "es_int.h"
#include "text.h"
#include <stdarg.h>

static _Thread_local es_error last_error;

const es_error *es_error_last(void)
{
	return &last_error;
}

void es_error_clear(void)
{
	last_error.code = 0;
	last_error.message[0] = '\0';
}

int es_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	last_error.code = code;
	va_start(ap, fmt);
	if (vsnprintf(last_error.message, sizeof(last_error.message), fmt, ap) >= (int)sizeof(last_error.message))
		es_text_trim_cut(last_error.message); /* a long name cut short stays whole characters */
	va_end(ap);
	return code;
}

int es_error_wrap(int code, const char *fmt, ...)
{
	char prefix[256], old[sizeof(last_error.message)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, last_error.message, sizeof(old));
	if (old[0]) {
		/* a long chain of causes may be cut short; the message stays usable */
		int n = snprintf(last_error.message, sizeof(last_error.message), "%s: %s", prefix, old);
		if (n < 0)
			memcpy(last_error.message, old, sizeof(old));
		else if (n >= (int)sizeof(last_error.message))
			es_text_trim_cut(last_error.message);
	} else {
		snprintf(last_error.message, sizeof(last_error.message), "%s: %s", prefix,
			 es_error_name(code));
	}
	last_error.code = code;
	return code;
}

const char *es_error_name(int code)
{
	switch (code) {
	case ES_OK: return "OK";
	case ES_EINVAL: return "EINVAL";
	case ES_ENOMEM: return "ENOMEM";
	case ES_EMALFORMED: return "EMALFORMED";
	case ES_ETRUNC: return "ETRUNC";
	case ES_ELIMIT: return "ELIMIT";
	case ES_EVERIFY: return "EVERIFY";
	case ES_EEXPIRED: return "EEXPIRED";
	case ES_EREVOKED: return "EREVOKED";
	case ES_ENOTFOUND: return "ENOTFOUND";
	case ES_EEXISTS: return "EEXISTS";
	case ES_ECRYPTO: return "ECRYPTO";
	case ES_EIO: return "EIO";
	case ES_EDB: return "EDB";
	case ES_ENOTSUPPORTED: return "ENOTSUPPORTED";
	case ES_EDENIED: return "EDENIED";
	case ES_EAUTH: return "EAUTH";
	case ES_ECONFLICT: return "ECONFLICT";
	case ES_ESTATE: return "ESTATE";
	case ES_EINTERNAL: return "EINTERNAL";
	default: return "EUNKNOWN";
	}
}

const char *es_version(void)
{
	return ESEAL_VERSION;
}
