# cmake -P script behind the `layer-arm64` target of an x86_64 build: configures (once) and builds
# the arm64 cross build in BINARY_DIR with cmake/aarch64-linux-gnu.cmake, tests off, then copies
# its layer zip to OUTPUT. Later runs only build: CMake re-configures by itself when needed.
foreach(variable SOURCE_DIR BINARY_DIR BUILD_TYPE OUTPUT)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "build_arm64_layer.cmake: -D${variable}=... is required")
  endif()
endforeach()
if(NOT DEFINED WERROR)
  set(WERROR ON)
endif()

if(NOT EXISTS ${BINARY_DIR}/CMakeCache.txt)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BINARY_DIR}
            -DCMAKE_TOOLCHAIN_FILE=${SOURCE_DIR}/cmake/aarch64-linux-gnu.cmake
            -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DTK_BUILD_TESTS=OFF -DTK_WERROR=${WERROR}
    RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    file(REMOVE ${BINARY_DIR}/CMakeCache.txt)  # configure again next time
    message(FATAL_ERROR "configuring the arm64 cross build failed")
  endif()
endif()

# Only the layer's targets: the sandbox emulator and the tests are host tools. A nested make does
# not get the outer jobserver through a custom target, so it gets its own job count.
if(DEFINED ENV{CMAKE_BUILD_PARALLEL_LEVEL})
  set(jobs $ENV{CMAKE_BUILD_PARALLEL_LEVEL})
else()
  cmake_host_system_information(RESULT jobs QUERY NUMBER_OF_LOGICAL_CORES)
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY_DIR} --target layer-arm64 --parallel ${jobs}
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "building the arm64 layer failed")
endif()
file(COPY_FILE ${BINARY_DIR}/telemetry-kinesis-layer-arm64.zip ${OUTPUT})
