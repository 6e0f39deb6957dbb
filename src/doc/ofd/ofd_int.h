/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Private helpers of the OFD layer (the only users of libxml2). */
#ifndef ES_OFD_INT_H
#define ES_OFD_INT_H
#include "eseal/es_ofd.h"
#include "ofd_limits.h"
#include <libxml/tree.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/globals.h>

/* libxml2 options for every OFD XML read: no network, no messages, CDATA as text. */
#define ES_OFD_XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA)
/* The checks before libxml2 sees the bytes: size limits, no DOCTYPE. */
int es_ofd__xml_precheck(const uint8_t *data, size_t len, const char *what);
/* libxml2 prints some errors (bad encodings) through its generic handler
 * whatever the parse options say; OFD parsing silences this thread's
 * handlers around each parse, so document bytes never reach stderr. */
typedef struct es_ofd_xml_handlers {
	xmlGenericErrorFunc generic;
	void *generic_ctx;
	xmlStructuredErrorFunc structured;
	void *structured_ctx;
} es_ofd_xml_handlers;
void es_ofd__xml_quiet(es_ofd_xml_handlers *saved);
void es_ofd__xml_restore(const es_ofd_xml_handlers *saved);
/* Parse XML bytes safely (no DTD, no entities, no network, depth limit). */
int es_ofd__xml_parse(xmlDocPtr *out, const uint8_t *data, size_t len, const char *what);
/* First child element of @parent with local name @name (any namespace), or NULL. */
xmlNodePtr es_ofd__child(xmlNodePtr parent, const char *name);
/* Next sibling element with local name @name after @n, or NULL. */
xmlNodePtr es_ofd__next(xmlNodePtr n, const char *name);
/* Attribute value (borrowed into @buf, truncated to @cap) or NULL when absent. */
const char *es_ofd__attr(xmlNodePtr n, const char *name, char *buf, size_t cap);
/* Trimmed text content of @n into @buf; returns @buf ("" when empty). */
const char *es_ofd__text(xmlNodePtr n, char *buf, size_t cap);
/* Resolve a ST_Loc @loc against the folder of @base ("Doc_0/Signs/Signatures.xml")
 * into a package name without leading '/'; empty segments ("//Doc_0", "a//b")
 * collapse. ES_EMALFORMED on "..", "\\" or overflow. */
int es_ofd__resolve(char *out, size_t cap, const char *base, const char *loc);
/* Digest (@alg: "SM3", "SHA1", "MD5", ...) of package entry @name, inflated in
 * 64 KiB pieces and not kept (ES_ENOTFOUND). */
int es_ofd__pkg_digest(uint8_t md[64], size_t *mdlen, const es_ofd_pkg *p, const char *name, const char *alg);
/* Base64 of @len bytes into @out (NUL-terminated). */
int es_ofd__b64(char *out, size_t cap, const uint8_t *p, size_t len);
/* Is @name a safe zip entry name (relative, no "..", no backslash, no NUL)? */
bool es_ofd__name_ok(const char *name, size_t len);
/* XML-escape @s and append. */
int es_ofd__xml_escape(es_buf *b, const char *s);

#endif
