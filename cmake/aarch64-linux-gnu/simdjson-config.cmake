# simdjson's CMake package for the arm64 cross build (see ../aarch64-linux-gnu.cmake for why it is
# here): the arm64 runtime library from libsimdjson14:arm64, the headers from libsimdjson-dev
# (the same Debian version; simdjson.h is arch-independent). Mirrors Debian's simdjsonTargets.cmake.
set(_tk_simdjson_library /usr/lib/aarch64-linux-gnu/libsimdjson.so.14)
if(NOT EXISTS ${_tk_simdjson_library} OR NOT EXISTS /usr/include/simdjson.h)
  set(simdjson_FOUND FALSE)
  set(simdjson_NOT_FOUND_MESSAGE
      "needs libsimdjson14:arm64 and libsimdjson-dev (run scripts/setup.sh)")
  return()
endif()
if(NOT TARGET simdjson::simdjson)
  find_package(Threads REQUIRED)
  add_library(simdjson::simdjson SHARED IMPORTED)
  set_target_properties(simdjson::simdjson PROPERTIES
    IMPORTED_LOCATION ${_tk_simdjson_library}
    IMPORTED_SONAME libsimdjson.so.14
    INTERFACE_COMPILE_DEFINITIONS "SIMDJSON_THREADS_ENABLED=1"
    INTERFACE_COMPILE_FEATURES "cxx_std_11"
    INTERFACE_INCLUDE_DIRECTORIES /usr/include
    INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()
set(simdjson_FOUND TRUE)
