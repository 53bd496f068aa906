# Install rules and the CMake package, so that an outside program can find_package(qkdlab) and
# link qkdlab::qsim (tests/consumer builds such a program against an installed tree).
include(CMakePackageConfigHelpers)

install(TARGETS qkdlab_core qkdlab_qsim qkdlab_qkd EXPORT qkdlabTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS qkdlab RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/qkdlab DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT qkdlabTargets NAMESPACE qkdlab:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/qkdlab)

configure_package_config_file(cmake/qkdlabConfig.cmake.in ${PROJECT_BINARY_DIR}/qkdlabConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/qkdlab)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/qkdlabConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/qkdlabConfig.cmake ${PROJECT_BINARY_DIR}/qkdlabConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/qkdlab)
