/* SPDX-License-Identifier: AGPL-3.0-or-later */
#ifndef ES_SEAL_INT_H
#define ES_SEAL_INT_H
#include "eseal/es_seal.h"
#include "der/der.h"

struct es_seal {
	uint8_t *buf;       /* owned copy of the input */
	uint8_t *sign_data; /* v1: SEQ{info, cert, alg} built for verification */
	es_seal_fields f;
};

struct es_ses_sig {
	uint8_t *buf;
	es_seal *seal;
	es_sig_fields f;
};

/* Parse ExtensionDatas contents into exts; sets ES_QUIRK_EXT_CRITICAL_FALSE. */
int es_seal__read_exts(es_der *seq, es_ext_data *exts, size_t *n, unsigned *quirks);
/* Number of elements directly inside a cursor (does not move it). */
int es_seal__count(const es_der *d, size_t *n);
/* Known ExtData OIDs (a critical unknown one makes a seal unverifiable). */
bool es_seal__ext_known(es_bytes oid);
/* Write ExtensionDatas (canonical: critical only when TRUE). */
void es_seal__put_exts(es_der_writer *w, const es_seal_ext *exts, size_t n);

#endif
