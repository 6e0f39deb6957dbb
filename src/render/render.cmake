# SPDX-License-Identifier: AGPL-3.0-or-later
# The seal-image layer (src/render): the only code that uses cairo,
# FreeType, libpng and libjpeg. Included by the top CMakeLists.txt before
# the shared library is defined; ES_RENDER_LIBS lets it link them too.
pkg_check_modules(CAIRO REQUIRED IMPORTED_TARGET cairo)
pkg_check_modules(FREETYPE2 REQUIRED IMPORTED_TARGET freetype2)
pkg_check_modules(LIBPNG REQUIRED IMPORTED_TARGET libpng)
pkg_check_modules(LIBJPEG REQUIRED IMPORTED_TARGET libjpeg)
find_package(Threads REQUIRED)
find_library(ES_LIBM m)

file(GLOB ES_RENDER_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
target_sources(eseal_core PRIVATE ${ES_RENDER_SOURCES})

set(ES_RENDER_LIBS PkgConfig::CAIRO PkgConfig::FREETYPE2 PkgConfig::LIBPNG PkgConfig::LIBJPEG
  Threads::Threads)
if(ES_LIBM)
  list(APPEND ES_RENDER_LIBS ${ES_LIBM})
endif()
target_link_libraries(eseal_core PUBLIC ${ES_RENDER_LIBS})
