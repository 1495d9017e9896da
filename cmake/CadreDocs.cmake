# The API reference (docs/Doxyfile): `cmake --build <dir> --target
# cadre_api_docs` writes HTML to <dir>/api-docs/html. Only where Doxygen is
# installed; nothing else depends on it. .ci/check-api runs the same
# configuration and fails on any warning.
find_package(Doxygen QUIET)
if(DOXYGEN_FOUND)
  set(CADRE_API_DOCS_DIR ${CMAKE_CURRENT_BINARY_DIR}/api-docs)
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/Doxyfile.cadre
    "@INCLUDE = ${CMAKE_CURRENT_SOURCE_DIR}/docs/Doxyfile\n"
    "OUTPUT_DIRECTORY = ${CADRE_API_DOCS_DIR}\n"
    "WARN_LOGFILE = ${CADRE_API_DOCS_DIR}/warnings.log\n")
  file(GLOB_RECURSE CADRE_PUBLIC_HEADERS CONFIGURE_DEPENDS
    ${CMAKE_CURRENT_SOURCE_DIR}/mailbox/include/*.h
    ${CMAKE_CURRENT_SOURCE_DIR}/core/include/*.h
    ${CMAKE_CURRENT_SOURCE_DIR}/actors/include/*.h)
  add_custom_command(
    OUTPUT ${CADRE_API_DOCS_DIR}/html/index.html
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CADRE_API_DOCS_DIR}
    COMMAND Doxygen::doxygen ${CMAKE_CURRENT_BINARY_DIR}/Doxyfile.cadre
    WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/docs/Doxyfile ${CMAKE_CURRENT_SOURCE_DIR}/docs/api.md
            ${CADRE_PUBLIC_HEADERS}
    COMMENT "Cadre: the API reference (Doxygen), in ${CADRE_API_DOCS_DIR}/html"
    VERBATIM)
  add_custom_target(cadre_api_docs DEPENDS ${CADRE_API_DOCS_DIR}/html/index.html)
endif()
