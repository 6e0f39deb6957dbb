# SPDX-License-Identifier: AGPL-3.0-or-later
# The HTTP service (src/server): `eseal serve` on libmicrohttpd. A static
# library the command links; the route table is routes.def.
pkg_check_modules(MHD REQUIRED IMPORTED_TARGET libmicrohttpd)
file(GLOB ES_SERVER_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
add_library(eseal_server STATIC ${ES_SERVER_SOURCES})
target_include_directories(eseal_server PRIVATE ${CMAKE_SOURCE_DIR}/src/base ${CMAKE_SOURCE_DIR}/src
  ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(eseal_server PUBLIC eseal_core PkgConfig::MHD PkgConfig::JANSSON Threads::Threads)
if(ES_TEST_CLOCK)
  # a test build: $ESEAL_TEST_ROUTE_LOG (server.c, the route coverage test)
  target_compile_definitions(eseal_server PRIVATE ES_TEST_FAULTS=1)
endif()
