# Cross-compiling for win32-x64 on a Debian x86_64 machine with Debian's
# mingw-w64 (the posix thread model: the win32 one has no std::thread or
# std::mutex in GCC 12); used by scripts/platforms.js for the GoogleTests and
# the prebuilt addon. Everything is linked static (libstdc++, libgcc,
# winpthread), so a test .exe or the .node DLL needs no mingw DLL beside it.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR AMD64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
# The target's headers and libraries only; nlohmann/json is header-only and
# found under /usr as usual.
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32 /usr)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static")
set(CMAKE_CROSSCOMPILING_EMULATOR wine)
