# SPDX-License-Identifier: AGPL-3.0-or-later
# OFD layer: zip (libzip, linked by the core) and XML (libxml2, only here).
pkg_check_modules(LIBXML2 REQUIRED IMPORTED_TARGET libxml-2.0)
file(GLOB ES_OFD_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
target_sources(eseal_core PRIVATE ${ES_OFD_SOURCES})
target_link_libraries(eseal_core PUBLIC PkgConfig::LIBXML2)
list(APPEND ES_MODULE_LIBS PkgConfig::LIBXML2)
# The page renderer (ofd_render.c) draws with cairo (render layer) and finds
# installed fonts through fontconfig.
pkg_check_modules(FONTCONFIG REQUIRED IMPORTED_TARGET fontconfig)
target_link_libraries(eseal_core PUBLIC PkgConfig::FONTCONFIG)
list(APPEND ES_MODULE_LIBS PkgConfig::FONTCONFIG)
