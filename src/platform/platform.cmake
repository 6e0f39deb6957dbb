# SPDX-License-Identifier: AGPL-3.0-or-later
# The platform layer (src/platform): business rules on top of the store interface.
file(GLOB ES_PLATFORM_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
target_sources(eseal_core PRIVATE ${ES_PLATFORM_SOURCES})
