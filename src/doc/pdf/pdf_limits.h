/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Limits of the PDF layer (documented in docs/pdf.md). */
#ifndef ES_PDF_LIMITS_H
#define ES_PDF_LIMITS_H
/* Largest PDF read or written (bytes). */
#define ES_PDF_MAX_SIZE ((size_t)256 << 20)
/* Most signature fields examined in one document. */
#define ES_PDF_MAX_SIGS 64
/* Most pages examined when comparing revisions or placing a riding seal. */
#define ES_PDF_MAX_PAGES 2000
/* Most incremental updates (%%EOF markers) after a signed revision. */
#define ES_PDF_MAX_UPDATES 256
/* Largest /Contents value (decoded bytes) accepted or reserved. */
#define ES_PDF_MAX_CONTENTS ((size_t)4 << 20)
/* Largest appearance picture (bytes). */
#define ES_PDF_MAX_PICTURE ((size_t)8 << 20)
/* MuPDF's store (cache) size per context. */
#define ES_PDF_STORE ((size_t)64 << 20)
/* Most annotations per page compared between revisions. */
#define ES_PDF_MAX_ANNOTS 4096
/* Form fields compared between revisions, and the depth of the /Kids tree walked. */
#define ES_PDF_MAX_FIELDS 4096
#define ES_PDF_MAX_FIELD_DEPTH 32
#endif
