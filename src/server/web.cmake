# SPDX-License-Identifier: AGPL-3.0-or-later
# The web console (web/, docs/console.md): eseal serve's default --web is the
# source tree's web/ in developer builds and the installed copy otherwise.
include(GNUInstallDirs)
if(ES_DEVELOPER)
  set(ES_WEB_DIR "${CMAKE_SOURCE_DIR}/web")
else()
  set(ES_WEB_DIR "${CMAKE_INSTALL_FULL_DATADIR}/eseal/web")
endif()
target_compile_definitions(eseal_cli PRIVATE ES_WEB_DIR="${ES_WEB_DIR}")
# node_modules holds what scripts/deps.sh installed with npm ci (served under /vendor/)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/web/ DESTINATION ${CMAKE_INSTALL_DATADIR}/eseal/web
  PATTERN "package*.json" EXCLUDE PATTERN ".package-lock.json" EXCLUDE)
