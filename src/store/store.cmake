# SPDX-License-Identifier: AGPL-3.0-or-later
# The storage layer (src/store): the only code that includes sqlite3.h and
# libpq-fe.h. Migrations src/store/migrations/NNN_name.sql are embedded
# into the library as byte arrays at configure time.
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)

file(GLOB ES_STORE_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
file(GLOB ES_STORE_MIGRATIONS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/migrations/*.sql)
list(SORT ES_STORE_MIGRATIONS)
set(_gen "${CMAKE_BINARY_DIR}/generated/store_migrations.c")
set(_body "/* generated from src/store/migrations by store.cmake: do not edit */\n#include \"es_int.h\"\n#include \"store/store_int.h\"\n")
set(_table "")
set(_i 0)
foreach(m ${ES_STORE_MIGRATIONS})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${m})
  get_filename_component(_n ${m} NAME_WE)
  string(REGEX MATCH "^[0-9]+" _v ${_n})
  string(REGEX REPLACE "^0+" "" _vn ${_v})
  file(READ ${m} _hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," _bytes "${_hex}")
  string(APPEND _body "static const unsigned char m${_i}[] = { ${_bytes} 0x00 };\n")
  string(APPEND _table "  { ${_vn}, \"${_n}\", (const char *)m${_i} },\n")
  math(EXPR _i "${_i} + 1")
endforeach()
string(APPEND _body "const es_migration es_store_migrations[] = {\n${_table}};\nconst size_t es_store_nmigrations = ${_i};\n")
file(CONFIGURE OUTPUT ${_gen} CONTENT "${_body}")

target_sources(eseal_core PRIVATE ${ES_STORE_SOURCES} ${_gen})
target_link_libraries(eseal_core PUBLIC PkgConfig::SQLITE3 PkgConfig::LIBPQ)
list(APPEND ES_MODULE_LIBS PkgConfig::SQLITE3 PkgConfig::LIBPQ)
