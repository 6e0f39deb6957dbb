# SPDX-License-Identifier: AGPL-3.0-or-later
# The key-store layer (src/keystore): the provider interface and the PKCS#11
# provider (the only code that includes p11-kit/pkcs11.h; modules are dlopen'ed).
pkg_check_modules(P11KIT REQUIRED p11-kit-1)
file(GLOB ES_KEYSTORE_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
target_sources(eseal_core PRIVATE ${ES_KEYSTORE_SOURCES})
set_source_files_properties(${ES_KEYSTORE_SOURCES} PROPERTIES INCLUDE_DIRECTORIES "${P11KIT_INCLUDE_DIRS}")
target_link_libraries(eseal_core PUBLIC ${CMAKE_DL_LIBS})
list(APPEND ES_MODULE_LIBS ${CMAKE_DL_LIBS})
