# SPDX-License-Identifier: AGPL-3.0-or-later
# The PDF layer (src/doc/pdf): the only code that includes MuPDF headers.
# Debian's libmupdf-dev ships static archives only (/usr/lib/libmupdf.a and
# libmupdf-third.a, the latter holding the "extract" library); mupdf.pc
# names -lmupdf only. The libraries the archives need follow them so
# --as-needed keeps them: mujs, gumbo, openjpeg, jbig2dec, libjpeg, FreeType,
# zlib, libm (HarfBuzz is needed only by MuPDF's HTML layout, not used here).
find_path(ES_MUPDF_INCLUDE mupdf/fitz.h)
find_library(ES_MUPDF_LIB NAMES libmupdf.a mupdf)
find_library(ES_MUPDF_THIRD_LIB NAMES libmupdf-third.a mupdf-third)
if(NOT ES_MUPDF_INCLUDE OR NOT ES_MUPDF_LIB OR NOT ES_MUPDF_THIRD_LIB)
  message(FATAL_ERROR "MuPDF not found: install libmupdf-dev (scripts/deps.sh)")
endif()
set(_es_mupdf_libs ${ES_MUPDF_LIB} ${ES_MUPDF_THIRD_LIB})
foreach(_l mujs gumbo openjp2 jbig2dec jpeg freetype z m)
  find_library(ES_MUPDF_DEP_${_l} ${_l})
  if(NOT ES_MUPDF_DEP_${_l})
    message(FATAL_ERROR "MuPDF needs lib${_l}: install it (scripts/deps.sh)")
  endif()
  list(APPEND _es_mupdf_libs ${ES_MUPDF_DEP_${_l}})
endforeach()

file(GLOB ES_PDF_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
target_sources(eseal_core PRIVATE ${ES_PDF_SOURCES})
# MuPDF's headers are not -Wpedantic/-Wstrict-prototypes clean: system include.
target_include_directories(eseal_core SYSTEM PRIVATE ${ES_MUPDF_INCLUDE})
target_link_libraries(eseal_core PUBLIC ${_es_mupdf_libs})
list(APPEND ES_MODULE_LIBS ${_es_mupdf_libs})
