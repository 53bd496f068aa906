# Compiler flags shared by every qkdlab target, through the interface target qkdlab_warnings.
add_library(qkdlab_warnings INTERFACE)
target_compile_options(qkdlab_warnings INTERFACE -Wall -Wextra -Wpedantic $<$<BOOL:${QKDLAB_WERROR}>:-Werror>)

if(QKDLAB_SANITIZE)
    add_compile_options(-fsanitize=${QKDLAB_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    add_link_options(-fsanitize=${QKDLAB_SANITIZE})
    # The command line is glue, heavy to compile (CLI11, nlohmann::json: instrumented at -O1 a CLI
    # file takes ~20 s) and light to run, so under sanitizers it is compiled at -O0, about half the
    # time; the libraries it calls keep the build type's optimisation. Applied with
    # qkdlab_glue(target); the test programs compile at -O0 in every build (tests/CMakeLists.txt).
    set(QKDLAB_GLUE_OPTIONS -O0)
endif()

function(qkdlab_glue target)
    target_compile_options(${target} PRIVATE ${QKDLAB_GLUE_OPTIONS})
endfunction()

# Adds a library of one module: sources, public headers under include/, and the qkdlab:: alias.
function(qkdlab_module name)
    cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
    add_library(qkdlab_${name} ${ARG_SOURCES})
    add_library(qkdlab::${name} ALIAS qkdlab_${name})
    set_target_properties(qkdlab_${name} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME qkdlab_${name}
                                                    POSITION_INDEPENDENT_CODE ON)
    target_include_directories(qkdlab_${name} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
                                                     $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
                                              PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
    target_compile_features(qkdlab_${name} PUBLIC cxx_std_20)
    target_link_libraries(qkdlab_${name} PUBLIC ${ARG_PUBLIC_LIBS} PRIVATE ${ARG_PRIVATE_LIBS}
                                                $<BUILD_INTERFACE:qkdlab_warnings>)
endfunction()
