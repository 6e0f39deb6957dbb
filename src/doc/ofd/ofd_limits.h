/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Limits of the OFD layer (mirrored in docs/ofd.md). Every limit can be
 * lowered per call through es_ofd_limits; these are the defaults and the
 * hard ceilings.
 */
#ifndef ES_OFD_LIMITS_H
#define ES_OFD_LIMITS_H

/* Whole OFD package (zip) read into memory: real e-licences and invoices
 * are well under 10 MiB; 256 MiB bounds memory per request. */
#define ES_OFD_MAX_PACKAGE ((size_t)256 << 20)
/* Zip entries: a 1000-page document has ~3000 files. */
#define ES_OFD_MAX_ENTRIES 10000
/* One entry, uncompressed (pages, images, fonts). */
#define ES_OFD_MAX_ENTRY ((size_t)64 << 20)
/* All entries together, uncompressed. */
#define ES_OFD_MAX_TOTAL ((size_t)512 << 20)
/* Zip bomb guard: uncompressed/compressed ratio allowed for an entry
 * larger than ES_OFD_RATIO_MIN_SIZE (XML compresses ~10-30x). */
#define ES_OFD_MAX_RATIO 200
#define ES_OFD_RATIO_MIN_SIZE ((size_t)1 << 20)
/* Entry name length in bytes. */
#define ES_OFD_MAX_NAME 512
/* One XML file handed to libxml2. */
#define ES_OFD_MAX_XML ((size_t)32 << 20)
/* XML element nesting (libxml2's own ceiling is 256). */
#define ES_OFD_MAX_XML_DEPTH 64
/* Signatures per document, references per signature, stamps per signature. */
#define ES_OFD_MAX_SIGNATURES 256
#define ES_OFD_MAX_REFERENCES 20000
#define ES_OFD_MAX_STAMPS 1000
/* Characters collected from one page for the keyword search. */
#define ES_OFD_MAX_GLYPHS 1000000

/* ---- the renderer (ofd_render.c, docs/limits.md) ----
 * Over a limit, the object (or the rest of the page) is skipped and
 * counted in es_ofd_render_info; the render itself succeeds. */
/* Graphic units drawn per page, templates and annotations included. */
#define ES_OFD_RENDER_MAX_OBJECTS 200000
/* Nesting of page blocks, composite objects, templates and clips. */
#define ES_OFD_RENDER_MAX_DEPTH 16
/* Points of one path's AbbreviatedData; and of all paths of a page. */
#define ES_OFD_RENDER_MAX_PATH_POINTS 200000
#define ES_OFD_RENDER_MAX_PAGE_POINTS 4000000
/* Pixels of one decoded image (the image codecs' limit). */
#define ES_OFD_RENDER_MAX_IMAGE_PIXELS ((size_t)40000000)
/* Pixels of all images decoded for one page. */
#define ES_OFD_RENDER_MAX_PAGE_IMAGE_PIXELS ((size_t)200000000)
/* Glyphs drawn per page; characters per TextCode. */
#define ES_OFD_RENDER_MAX_GLYPHS 1000000
#define ES_OFD_RENDER_MAX_CODE_CHARS 100000
/* Output pixels of one PNG page (width x height): 100 megapixels. */
#define ES_OFD_RENDER_MAX_PIXELS ((size_t)100000000)
/* Resources (fonts, colour spaces, draw params, media, composites) per document. */
#define ES_OFD_RENDER_MAX_RES 100000
/* Embedded font files loaded per document. */
#define ES_OFD_RENDER_MAX_FONTS 256
/* A seal picture that is itself an OFD is drawn with the same renderer;
 * an OFD inside that picture's OFD is not followed (depth 1). */
#define ES_OFD_RENDER_MAX_SEAL_NEST 1
/* Page size accepted from PhysicalBox (mm); larger pages are clamped. */
#define ES_OFD_RENDER_MAX_PAGE_MM 5000.0

#if ES_OFD_MAX_ENTRIES > 65535
#error "ES_OFD_MAX_ENTRIES above the zip (non-zip64) entry count"
#endif
#endif
