# The Lambda layer: `cmake --build build --target layer` writes
# build/telemetry-kinesis-layer-x86_64.zip and, when Debian's arm64 cross toolchain is installed,
# build/telemetry-kinesis-layer-arm64.zip (cross-built in build/arm64 with
# cmake/aarch64-linux-gnu.cmake).
#
# Self-contained: Amazon Linux 2 has glibc 2.26 and AL2023 glibc 2.34, older than the 2.36 we
# build against, so the layer brings its own loader and every library. The packaged executable
# is the extension relinked so that the kernel starts it with the layer's loader (PT_INTERP) and
# the loader finds every library in the layer: DT_RPATH, not DT_RUNPATH, because Lambda sets
# LD_LIBRARY_PATH (/lib64:/usr/lib64:...) for the function's processes, which would win over
# DT_RUNPATH and bring in the OS's older glibc; and DT_RPATH of the executable also serves the
# dependencies of the bundled libraries, which have no search path of their own.

if(TK_SANITIZE)
  return()  # a sanitizer build is no release artifact
endif()

if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(TK_LAYER_ARCH x86_64)  # Lambda's architecture names: x86_64, arm64
  set(TK_LAYER_LOADER ld-linux-x86-64.so.2)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(TK_LAYER_ARCH arm64)
  set(TK_LAYER_LOADER ld-linux-aarch64.so.1)
else()
  message(STATUS "layer: Lambda has no ${CMAKE_SYSTEM_PROCESSOR} runtime; no layer target")
  return()
endif()

# Lambda unpacks layers into /opt: extensions/ holds what it starts, our files go in our own folder.
set(TK_LAYER_LIB_DIR /opt/telemetry-kinesis/lib)
set(TK_LAYER_LIBRARY_DIRS "/lib/${CMAKE_LIBRARY_ARCHITECTURE};/usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}"
    CACHE STRING "Directories searched for the layer's shared libraries")

add_executable(telemetry-kinesis-layer-bin EXCLUDE_FROM_ALL src/main.cpp)
target_compile_options(telemetry-kinesis-layer-bin PRIVATE ${TK_WARNINGS})
tk_link_as_extension(telemetry-kinesis-layer-bin)
target_link_options(telemetry-kinesis-layer-bin PRIVATE
  "LINKER:--dynamic-linker=${TK_LAYER_LIB_DIR}/${TK_LAYER_LOADER}"
  "LINKER:-rpath,${TK_LAYER_LIB_DIR}"
  "LINKER:--disable-new-dtags")
set_target_properties(telemetry-kinesis-layer-bin PROPERTIES
  OUTPUT_NAME telemetry-kinesis
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/layer-bin
  SKIP_BUILD_RPATH ON)

set(TK_LAYER_ZIP ${CMAKE_BINARY_DIR}/telemetry-kinesis-layer-${TK_LAYER_ARCH}.zip)
string(REPLACE ";" ":" _tk_layer_lib_dirs "${TK_LAYER_LIBRARY_DIRS}")
# Always re-packaged (a second or two): the bundled libraries come from the system, which apt
# upgrades without CMake knowing.
add_custom_target(layer-${TK_LAYER_ARCH}
  COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/package-layer.sh
          --exe $<TARGET_FILE:telemetry-kinesis-layer-bin>
          --out ${TK_LAYER_ZIP}
          --staging ${CMAKE_BINARY_DIR}/layer-${TK_LAYER_ARCH}
          --lib-dirs ${_tk_layer_lib_dirs}
          --readelf ${CMAKE_READELF}
          --strip ${CMAKE_STRIP}
          # Compiled into the executable (headers, static libraries, source packages): their
          # licences ship too.
          --license-package nlohmann-json3-dev
          --license-package libssl-dev
          --license-package libstdc++-12-dev
          --license-package node-llhttp
          --license-package libxxhash-dev
          --license-file cpp-httplib=${TK_HTTPLIB_DIR}/copyright
          --license-file simdjson=${TK_SIMDJSON_DIR}/copyright
  BYPRODUCTS ${TK_LAYER_ZIP}
  DEPENDS telemetry-kinesis-layer-bin
  COMMENT "Packaging the Lambda layer (${TK_LAYER_ARCH})"
  VERBATIM)
add_custom_target(layer DEPENDS layer-${TK_LAYER_ARCH})

# From an x86_64 build, also cross-build the arm64 layer in a build folder of its own.
if(NOT CMAKE_CROSSCOMPILING AND TK_LAYER_ARCH STREQUAL "x86_64")
  find_program(TK_AARCH64_CXX aarch64-linux-gnu-g++)
  if(TK_AARCH64_CXX)
    add_custom_target(layer-arm64
      COMMAND ${CMAKE_COMMAND}
              -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
              -DBINARY_DIR=${CMAKE_BINARY_DIR}/arm64
              -DBUILD_TYPE=${CMAKE_BUILD_TYPE}
              -DWERROR=${TK_WERROR}
              -DOUTPUT=${CMAKE_BINARY_DIR}/telemetry-kinesis-layer-arm64.zip
              -P ${CMAKE_SOURCE_DIR}/cmake/build_arm64_layer.cmake
      BYPRODUCTS ${CMAKE_BINARY_DIR}/telemetry-kinesis-layer-arm64.zip
      COMMENT "Cross-building the arm64 Lambda layer in ${CMAKE_BINARY_DIR}/arm64"
      VERBATIM)
    add_dependencies(layer layer-arm64)
  else()
    message(WARNING "layer: aarch64-linux-gnu-g++ not found, so `layer` builds the x86_64 zip "
                    "only (scripts/setup.sh installs the arm64 cross toolchain and libraries)")
  endif()
endif()
