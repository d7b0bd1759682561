# CMake toolchain file: cross-compile for arm64 (aarch64) Linux with Debian's cross toolchain
# (g++-aarch64-linux-gnu) and the arm64 -dev packages installed through dpkg multiarch
# (scripts/setup.sh installs both). Used by the `layer-arm64` target; see README "Lambda layer".
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# Debian multiarch: arm64 libraries live in /usr/lib/aarch64-linux-gnu, headers in
# /usr/include/aarch64-linux-gnu and the shared /usr/include.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# Never pick up the build machine's x86_64 .pc files (FindOpenSSL takes its hints from pkg-config).
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Where the layer packager looks for the shared libraries to bundle, in order: the multiarch
# runtime packages first (what an arm64 Debian system loads), then the cross toolchain's own.
set(TK_LAYER_LIBRARY_DIRS
    "/lib/aarch64-linux-gnu;/usr/lib/aarch64-linux-gnu;/usr/aarch64-linux-gnu/lib"
    CACHE STRING "Directories searched for the layer's shared libraries")
