/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_render.h
 * @brief Seal images (印模): render standard impressions, import scanned ones.
 *
 * Rendering draws a seal from its data in millimetres, following the
 * appearance rules of docs/seal-gallery.md and STANDARDS §5 (国发〔1999〕25号,
 * local public-security practice, 国家税务总局公告2011年第7号 for 发票专用章),
 * and rasterises it onto a transparent PNG at a chosen DPI (default 600) or
 * writes it as SVG paths. The same options always give byte-identical output.
 *
 * Importing (印模采集) takes a scan or photo (PNG or JPEG) of a stamped
 * paper, isolates the ink, and returns a transparent PNG cropped to the
 * impression, its shape and its size in millimetres.
 *
 * Rules for the whole header:
 * - Strings in the options are UTF-8 and NUL-terminated; NULL or "" means
 *   "absent". The options struct is only read during the call.
 * - Outputs go into caller-owned es_buf objects (appended to); on failure
 *   the buffer content is unspecified and must still be released.
 * - Thread safety: every function may be called from several threads at
 *   once, except es_render_cache_clear(). Loaded fonts and glyph outlines
 *   live in one process-wide cache guarded by a mutex.
 * - Fonts are looked up in a fixed list of paths (no fontconfig), so the
 *   output depends only on the options and the installed font packages
 *   (fonts-arphic-uming and fonts-dejavu-core, see scripts/deps.sh).
 */
#ifndef ESEAL_ES_RENDER_H
#define ESEAL_ES_RENDER_H

#include "es_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Outline of a seal. */
typedef enum es_render_shape {
	ES_SHAPE_ROUND = 0,  /**< circle; width_mm is the diameter */
	ES_SHAPE_OVAL = 1,   /**< ellipse width_mm x height_mm */
	ES_SHAPE_SQUARE = 2, /**< square personal/position seal */
	ES_SHAPE_RECT = 3,   /**< rectangle (one row of text) */
	ES_SHAPE_OTHER = 4   /**< import only: no regular outline (signature, borderless seal) */
} es_render_shape;

/** Seal kinds with a standard geometry (es_render_options_preset()). */
typedef enum es_render_kind {
	ES_RENDER_OFFICIAL = 0, /**< 公章: round Ø42 (38/40/45/50/60 by width_mm), border 1.2, star 14 mm */
	ES_RENDER_SPECIAL = 1,  /**< 专用章 (合同/财务…): round Ø40, border 1, star, usage text under it */
	ES_RENDER_INVOICE = 2,  /**< 发票专用章: oval 40x30, border 1, taxpayer id, "发票专用章" */
	ES_RENDER_FOREIGN = 3,  /**< 中外合资/外资 company seal: oval 45x30, border 1, no star */
	ES_RENDER_OVAL_30X20 = 4, /**< small oval 30x20 (监制章 size), border 0.8 */
	ES_RENDER_PERSONAL = 5, /**< personal name seal: square 18 mm, 之印/印 padding */
	ES_RENDER_POSITION = 6  /**< 法定代表人 name seal: square 20 mm, border 1, padding */
} es_render_kind;

/** Version of es_render_options understood by this library. */
#define ES_RENDER_OPTIONS_VERSION 1u

/** Most characters in the arc name, and most glyphs in one seal. */
#define ES_RENDER_MAX_NAME_CHARS 48u
#define ES_RENDER_MAX_GLYPHS 128u
/** DPI range accepted by the renderer. */
#define ES_RENDER_MIN_DPI 72u
#define ES_RENDER_MAX_DPI 1200u
/** Outer size range (mm) of a rendered seal. */
#define ES_RENDER_MIN_MM 8.0
#define ES_RENDER_MAX_MM 80.0

/**
 * What to draw. Transparent; start from ES_RENDER_OPTIONS_INIT (an
 * official Ø42 seal) or es_render_options_preset(), then set the texts.
 * Lengths and sizes are millimetres; 0 means "automatic" where noted.
 */
typedef struct es_render_options {
	unsigned version;       /**< ES_RENDER_OPTIONS_VERSION */
	es_render_kind kind;    /**< informational: the preset used */
	es_render_shape shape;  /**< ROUND, OVAL, SQUARE or RECT */
	double width_mm;        /**< diameter (round) or width */
	double height_mm;       /**< height (oval, rect); ignored for round and square */
	double border_mm;       /**< border line width; 0 = borderless */
	double inner_ring_mm;   /**< width of an inner ring line; 0 = none (工会: 0.1) */
	double inner_ring_gap_mm; /**< gap between border and inner ring (0 = 0.6) */

	bool star;              /**< five-pointed star in the centre (round seals) */
	double star_mm;         /**< star point-to-point diameter; 0 = width/3 (14 for Ø42) */

	const char *name;       /**< unit name along the upper arc, clockwise; square: the person */
	double name_height_mm;  /**< glyph height on the arc; 0 = automatic */
	double name_gap_mm;     /**< gap between border and name; 0 = 0.5 */
	double name_span_min_deg; /**< short names are spread to this span; 0 = automatic */
	double name_span_max_deg; /**< longer names are compressed into it; 0 = automatic */

	const char *text;       /**< horizontal text under the star, e.g. "合同专用章" */
	double text_height_mm;  /**< 0 = automatic */
	double text_width_mm;   /**< width of one CJK glyph; 0 = automatic */
	double text_top_mm;     /**< top edge below the centre line; 0 = automatic */

	const char *code;       /**< 14-digit seal code (印章编码) on the lower arc */
	double code_height_mm;  /**< height of the lower-arc text; 0 = automatic */
	const char *lower_text; /**< other text on the lower arc instead of a code, e.g. the
				     English name of a foreign-invested company (capitals read best) */

	const char *taxid;      /**< taxpayer id across the middle (发票专用章) */
	double taxid_height_mm; /**< 0 = 3.7 */
	double taxid_width_mm;  /**< total width for 18 characters; 0 = 26 */
	const char *serial;     /**< optional serial under the text, e.g. "(1)" */

	bool name_pad;          /**< square seals: pad 2-char names with 之印, 3-char with 印 */

	uint32_t color;         /**< 0xRRGGBB; ES_RENDER_OPTIONS_INIT sets 0xFF0000 */
	unsigned dpi;           /**< PNG resolution; 0 = 600 */
	const char *esid;       /**< seal id: seeds the anti-forgery micro-gaps */
	bool microgaps;         /**< cut 3-5 micro-gaps into the border (needs esid) */
	const char *font_path;  /**< CJK font file override (TTF/OTF/TTC); NULL = built-in list */
	unsigned font_index;    /**< face index in font_path (TTC) */
} es_render_options;

/** Defaults: an official round Ø42 seal, border 1.2 mm, 14 mm star, red, 600 DPI. */
#define ES_RENDER_OPTIONS_INIT \
	{ .version = ES_RENDER_OPTIONS_VERSION, .kind = ES_RENDER_OFFICIAL, .shape = ES_SHAPE_ROUND, \
	  .width_mm = 42.0, .height_mm = 42.0, .border_mm = 1.2, .star = true, .star_mm = 14.0, .name_pad = true, \
	  .color = 0xFF0000u, .dpi = 600u }

/**
 * Reset @p opts to the standard geometry of @p kind (texts and font
 * cleared, colour red, 600 DPI). For ES_RENDER_INVOICE the text is set to
 * "发票专用章" (a static string). For round kinds set width_mm afterwards
 * to choose another diameter; star_mm 0 keeps the proportional star.
 *
 * @return 0, or ES_EINVAL for an unknown kind or NULL @p opts.
 */
ES_EXTERN(int) es_render_options_preset(es_render_options *opts, es_render_kind kind) ES_WARN_UNUSED;

/**
 * The one rule from a seal to its standard impression, for the platform and the
 * command line alike: the preset of seal kind @p kind (es_seal_kind) and @p function
 * (es_seal_function: a special seal's function text under the star, the invoice seal's
 * geometry), @p name on the arc (a unit's name, or a personal or position seal's holder;
 * a special seal's name ending in its function text, "某公司合同专用章", loses it into
 * @p arc, @p arc_cap bytes), @p code (the 14-digit esID, may be NULL) on the lower arc of
 * unit seals and seeding the border's micro-gaps, @p taxid (may be NULL) across an
 * invoice seal. The caller then sets the size and the resolution.
 * @return 0, or ES_EINVAL for an unknown kind.
 */
ES_EXTERN(int) es_render_options_for_seal(es_render_options *opts, int kind, int function, const char *name,
					  const char *code, const char *taxid, char *arc, size_t arc_cap) ES_WARN_UNUSED;

/** Parse "official", "special", "invoice", "foreign", "oval-30x20", "personal", "position". */
ES_EXTERN(int) es_render_kind_parse(es_render_kind *out, const char *s) ES_WARN_UNUSED;
/** Name of a kind ("official", ...); "unknown" for other values. Static string. */
ES_EXTERN(const char *) es_render_kind_name(es_render_kind kind);
/** Name of a shape ("round", "oval", "square", "rect", "other"). Static string. */
ES_EXTERN(const char *) es_render_shape_name(es_render_shape shape);

/**
 * Render the seal as a PNG appended to @p out: one colour at 256 opacities
 * (8-bit indexed colour with an alpha palette, so exact and small) on a
 * transparent background, pHYs set to the DPI, no time chunk. The image is
 * exactly the seal's outer size: round(width_mm / 25.4 * dpi) pixels wide.
 * About 110 renders per second for a Ø42 seal at 600 DPI on one core.
 *
 * @return 0;
 *  ES_EINVAL for bad options (version, sizes, colour, empty name, malformed
 *  UTF-8, bad seal code);
 *  ES_ELIMIT when a text does not fit (the message says the maximum number of
 *  characters for that size) or the image would be too large;
 *  ES_ENOTFOUND when no CJK font is installed;
 *  ES_ENOTSUPPORTED when a character is missing from the font (named in the
 *  message); ES_ENOMEM.
 */
ES_EXTERN(int) es_render_png(es_buf *out, const es_render_options *opts) ES_WARN_UNUSED;

/**
 * Render the seal as SVG 1.1 text appended to @p out: filled outline paths
 * in a millimetre viewBox centred on the seal, width/height in mm. Same
 * geometry and errors as es_render_png().
 */
ES_EXTERN(int) es_render_svg(es_buf *out, const es_render_options *opts) ES_WARN_UNUSED;

/** Role of a glyph in es_render_geometry. */
typedef enum es_render_role {
	ES_ROLE_NAME = 0,   /**< arc name (or the characters of a square seal) */
	ES_ROLE_TEXT = 1,   /**< horizontal text */
	ES_ROLE_CODE = 2,   /**< seal code on the lower arc */
	ES_ROLE_TAXID = 3,  /**< taxpayer id */
	ES_ROLE_SERIAL = 4  /**< serial */
} es_render_role;

/**
 * The box a glyph is drawn into: centre, size and rotation (clockwise,
 * 0 = upright), and the glyph's ink extents inside it.
 */
typedef struct es_render_glyph_box {
	uint32_t codepoint;
	es_render_role role;
	double cx_mm, cy_mm;  /**< centre; origin at the seal centre, y down */
	double w_mm, h_mm;    /**< the em box, scaled */
	double angle_deg;
	double ink_mm[4];     /**< ink box x0, y0, x1, y1 relative to the centre, before rotation */
} es_render_glyph_box;

/** Layout facts, for tests and for the seal record (sizes in mm). */
typedef struct es_render_geometry {
	es_render_shape shape;
	double width_mm, height_mm;   /**< outer size = image size */
	unsigned width_px, height_px; /**< at the options' DPI */
	unsigned dpi;
	double border_mm;
	double outer_rx_mm, outer_ry_mm; /**< outer edge of the border (half sizes) */
	double inner_rx_mm, inner_ry_mm; /**< inner edge of the border (or of the inner ring) */
	double star_mm;               /**< star point-to-point diameter; 0 = none */
	double name_span_deg;         /**< angular span of the arc name (0 for square) */
	double name_scale_x;          /**< horizontal compression of the name, 1 = none */
	double text_scale_x;          /**< horizontal compression of the text */
	unsigned gaps;                /**< micro-gaps cut into the border */
	size_t nglyphs;
	es_render_glyph_box glyphs[ES_RENDER_MAX_GLYPHS];
} es_render_geometry;

/**
 * Lay the seal out without drawing and describe it in @p out (caller-owned).
 * Same errors as es_render_png().
 */
ES_EXTERN(int) es_render_geometry_get(es_render_geometry *out, const es_render_options *opts) ES_WARN_UNUSED;

/**
 * Free the process-wide font and glyph cache (it refills on the next
 * render). Call it only while no other thread is rendering, e.g. at exit.
 */
ES_EXTERN(void) es_render_cache_clear(void);

/* ---- import ----------------------------------------------------------- */

/** Which ink to keep when importing. */
typedef enum es_image_ink {
	ES_INK_RED = 0, /**< red/vermilion seal ink; black print and paper tint are dropped */
	ES_INK_ANY = 1  /**< any ink darker than the paper (handwritten signatures) */
} es_image_ink;

#define ES_IMAGE_IMPORT_OPTIONS_VERSION 1u
/** Largest image accepted (pixels), checked on the header before decoding. */
#define ES_IMAGE_MAX_PIXELS 40000000u
/** Largest width or height accepted (pixels). */
#define ES_IMAGE_MAX_SIDE 20000u
/** Largest encoded image accepted (bytes). */
#define ES_IMAGE_MAX_BYTES ((size_t)64 << 20)

/** Import options. Start from ES_IMAGE_IMPORT_OPTIONS_INIT. */
typedef struct es_image_import_options {
	unsigned version; /**< ES_IMAGE_IMPORT_OPTIONS_VERSION */
	unsigned dpi;     /**< scan resolution; 0 = from the file (pHYs/JFIF), else 300 assumed */
	es_image_ink ink;
} es_image_import_options;

#define ES_IMAGE_IMPORT_OPTIONS_INIT { .version = ES_IMAGE_IMPORT_OPTIONS_VERSION, .ink = ES_INK_RED }

/** Where the DPI used for millimetre sizes came from. */
typedef enum es_image_dpi_source {
	ES_DPI_OPTION = 0,   /**< es_image_import_options.dpi */
	ES_DPI_METADATA = 1, /**< PNG pHYs or JPEG JFIF density */
	ES_DPI_ASSUMED = 2   /**< none given: 300 assumed, sizes are guesses */
} es_image_dpi_source;

/** What es_image_import() found. */
typedef struct es_image_import_result {
	es_render_shape shape;      /**< ROUND, OVAL, SQUARE, RECT or OTHER */
	double width_mm, height_mm; /**< size of the impression (axes of the fitted shape) */
	double angle_deg;           /**< rotation of the fitted shape's first axis */
	unsigned dpi;
	es_image_dpi_source dpi_source;
	unsigned crop_x, crop_y;    /**< top-left of the crop in the source image (px) */
	unsigned width_px, height_px; /**< size of the output PNG */
	uint32_t ink_color;         /**< 0xRRGGBB of the ink written to the output */
	double ink_fraction;        /**< share of output pixels that are ink */
} es_image_import_result;

/**
 * Import a scanned impression. @p data (PNG or JPEG, at most
 * ES_IMAGE_MAX_BYTES) is only read. A transparent PNG cropped to the
 * impression (the ink colour at 256 opacities, pHYs set to the DPI used) is
 * appended to @p out; @p info (may be NULL) receives the shape and size.
 * @p opts may be NULL for the defaults. Peak memory is about 16 bytes per
 * pixel of the input.
 *
 * @return 0;
 *  ES_EMALFORMED for an empty, unknown, corrupt or truncated file (the
 *  message says why);
 *  ES_ELIMIT when the header declares more than ES_IMAGE_MAX_PIXELS pixels
 *  or a side above ES_IMAGE_MAX_SIDE (refused before decoding), or the file
 *  is larger than ES_IMAGE_MAX_BYTES;
 *  ES_ENOTFOUND when no ink impression is found;
 *  ES_EINVAL for bad options; ES_ENOMEM.
 */
ES_EXTERN(int) es_image_import(es_buf *out, es_image_import_result *info, const uint8_t *data,
			       size_t len, const es_image_import_options *opts) ES_WARN_UNUSED;

/** Header facts of a PNG or JPEG image. */
typedef struct es_image_info {
	const char *format;         /**< "png" or "jpeg" (static string) */
	unsigned width_px, height_px;
	unsigned dpi;               /**< 0 when the file has no density */
	double width_mm, height_mm; /**< 0 when dpi is 0 */
} es_image_info;

/**
 * Read the header of a PNG or JPEG (no pixel decoding) into @p out.
 * @return 0, ES_EMALFORMED, or ES_ELIMIT as for es_image_import().
 */
ES_EXTERN(int) es_image_info_get(es_image_info *out, const uint8_t *data, size_t len) ES_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
