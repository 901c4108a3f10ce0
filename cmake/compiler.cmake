# Compiler flags, warnings, sanitizers, and the workarounds for the library headers mailspec uses
# (Debian 12: GCC 12, clang 14, Boost 1.74, nlohmann/json 3.11). Included by the top-level
# CMakeLists.txt; the functions at the end are called there and in tests/CMakeLists.txt.

add_compile_options(-Wall -Wextra -Wno-unused-parameter)
if(MAILSPEC_WERROR)
  add_compile_options(-Werror)
endif()
add_compile_definitions(JSON_DIAGNOSTICS=1 BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)
# RelWithDebInfo: line tables only. Full -g made the binary about 130 MB and the build slower.
add_compile_options($<$<CONFIG:RelWithDebInfo>:-g1>)

# One instrumented build for the sanitizer run and the fuzzers (ci/test): MAILSPEC_FUZZ adds
# libFuzzer's coverage instrumentation (fuzzer-no-link) to every target, so the unit tests and the
# fuzz targets link the same libraries; only the fuzz targets link libFuzzer (tests/fuzz).
if(MAILSPEC_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "MAILSPEC_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++-14")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
if(MAILSPEC_SANITIZE OR MAILSPEC_FUZZ)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  # Two optimisation levels in the instrumented build (ci/test's time budget): -O0 by default, for
  # the Asio/Beast coroutine code and the tests (under ASan+UBSan, -O2 took 26 CPU minutes for the
  # whole build and -O0 14), and -O1 for the code that judges bytes and is fuzzed, where speed
  # matters at run time (mailspec_optimised below: core, protocol, scenario, rules, report, the
  # fuzz targets); the tests are all -O0. Options come after the build type's -O2 on the command
  # line, so they win.
  add_compile_options(-O0)
endif()

# mailspec_optimised(targets...): -O1 for these targets in the instrumented build (above). A
# precompiled header must be used at the level it was built at (clang checks __OPTIMIZE__), so the
# users of one shared PCH are all in or all out.
function(mailspec_optimised)
  if(NOT (MAILSPEC_SANITIZE OR MAILSPEC_FUZZ))
    return()
  endif()
  foreach(t ${ARGN})
    if(TARGET ${t})
      target_compile_options(${t} PRIVATE -O1)
    endif()
  endforeach()
endfunction()

# Known false positives in library headers, silenced only where they occur: only that warning,
# only for the compiler versions that have the bug.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # nlohmann/json with JSON_DIAGNOSTICS=1: at -O2, GCC 12 to 14 report basic_json::set_parents()
  # reading past the storage of a freshly built value (stl_tree.h, "array subscript ... is partly
  # outside array bounds"). It is a false positive: nlohmann/json#3808, nlohmann/json#4704; gone in
  # GCC 15 (nlohmann/json#4819). Set on the library's target, so only code using it is affected.
  if(CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12 AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 15)
    set(MAILSPEC_JSON_FLAGS -Wno-array-bounds)
  endif()
  # libstdc++ 12's std::string: moving a long string (as from `std::string(1000, 'a') + "\r\n"`)
  # inlines a copy into the small-string buffer on a path GCC cannot rule out, and
  # -Wstringop-overflow reports "writing 1003 bytes into a region of size 16". A false positive:
  # GCC bug 109299, fixed in libstdc++ 13 by telling GCC when the local buffer is used.
  # The same inlined copy also trips -Wstringop-overread ("reading 84 bytes from a region of size
  # 16", from `s.substr(0, 80) + "..."`) and -Wrestrict ("accessing ... bytes at offsets ... may
  # overlap", std::string operator+ at -O2: GCC bug 105651, fixed in GCC 13).
  if(CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12 AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    add_compile_options(-Wno-stringop-overflow -Wno-stringop-overread -Wno-restrict)
  endif()
  # Asio's coroutine frames: GCC inlines awaitable_frame_base::operator new (which ends in
  # ::operator new, via thread_info_base::allocate) but calls its operator delete out of line, and
  # then reports the pair as mismatched on every function returning an awaitable. A false positive
  # of -Wmismatched-new-delete from the difference in inlining decisions: GCC bug 103993 (open;
  # reported for GCC 11, where the warning appeared). Set on mailspec_asio, the Asio users only.
  if(CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 11)
    set(MAILSPEC_ASIO_FLAGS -Wno-mismatched-new-delete)
  endif()
endif()

if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  # Boost 1.74's Asio enables co_await on clang only with <experimental/coroutine> (libc++), not
  # with libstdc++'s <coroutine>, which clang 14 supports: say it is there. Global, so that every
  # file including Asio sees the same declarations.
  add_compile_definitions(BOOST_ASIO_HAS_CO_AWAIT=1)
  # clang up to 14 fails with "Cannot represent a difference across sections" when UBSan's
  # -fsanitize=function instruments a coroutine (llvm/llvm-project#49689). Only sanitized builds,
  # only that check, only on the Asio users (mailspec_asio below).
  if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 15 AND (MAILSPEC_SANITIZE OR MAILSPEC_FUZZ))
    set(MAILSPEC_ASIO_FLAGS -fno-sanitize=function)
  endif()
endif()

# Every target using nlohmann/json (directly or through a library's public headers) gets the fix.
if(MAILSPEC_JSON_FLAGS)
  set_property(TARGET nlohmann_json::nlohmann_json APPEND PROPERTY INTERFACE_COMPILE_OPTIONS ${MAILSPEC_JSON_FLAGS})
endif()

# mailspec_asio: what a target using Asio/Beast needs. Sources include Asio only through
# harness/net/asio.hpp, which includes <utility> first (Boost 1.74's asio/awaitable.hpp uses
# std::exchange without it, and GCC 12's library headers no longer include it on the way:
# chriskohlhoff/asio#944); this target carries the rest.
add_library(mailspec_asio INTERFACE)
target_include_directories(mailspec_asio INTERFACE ${PROJECT_SOURCE_DIR}/harness)
target_link_libraries(mailspec_asio INTERFACE Boost::headers OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
target_compile_options(mailspec_asio INTERFACE ${MAILSPEC_ASIO_FLAGS})

function(mailspec_use_asio)
  foreach(t ${ARGN})
    if(TARGET ${t})
      target_link_libraries(${t} PRIVATE mailspec_asio)
    endif()
  endforeach()
endfunction()

# Build speed (measured with GCC 12 at -O2, README "Building"): most of a file's compile time is
# spent in the Asio/Beast and nlohmann/json headers and in the templates they instantiate.
# - Unity builds for most harness libraries: one translation unit per library instead of one per
#   file, so the headers are parsed and the coroutine machinery is compiled once (harness/session:
#   41 s of CPU as five files, 17 s as one); the biggest (discovery, rules, server, scenario) in
#   batches of 8 files, so both cores stay busy to the end (those four: 450 s of CPU as single
#   files, 290 s in batches, GCC 12); the unit-test executables too (tests/CMakeLists.txt).
#   Names in anonymous namespaces must then be unique within the target, and a namespace-scope
#   `using namespace` reaches the files after it, where it must not make a name ambiguous; a file
#   that cannot follow that gets SKIP_UNITY_BUILD_INCLUSION.
# - Two shared precompiled headers for the other targets: nlohmann/json, and Asio + nlohmann/json
#   (one PCH each for the whole build, REUSE_FROM, instead of one per target).
option(MAILSPEC_UNITY "Unity builds for most harness libraries and the unit tests" ON)

# mailspec_unity(TARGET... [BATCH N]): one translation unit per target, or one per N files.
function(mailspec_unity)
  if(NOT MAILSPEC_UNITY)
    return()
  endif()
  cmake_parse_arguments(U "" "BATCH" "" ${ARGN})
  if(NOT U_BATCH)
    set(U_BATCH 0)
  endif()
  foreach(t ${U_UNPARSED_ARGUMENTS})
    if(TARGET ${t})
      set_target_properties(${t} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE ${U_BATCH})
      # GCC's -Wsubobject-linkage assumes a file included by another is a header shared by
      # several translation units; a unity build includes each .cpp once, and GCC then flags every
      # coroutine frame holding an anonymous-namespace type.
      if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        target_compile_options(${t} PRIVATE -Wno-subobject-linkage)
      endif()
    endif()
  endforeach()
endfunction()

if(MAILSPEC_PCH)
  file(WRITE ${PROJECT_BINARY_DIR}/mailspec_pch.cpp "// The shared precompiled headers are built from this empty file.\n")
  add_library(mailspec_pch_json OBJECT ${PROJECT_BINARY_DIR}/mailspec_pch.cpp)
  target_link_libraries(mailspec_pch_json PRIVATE nlohmann_json::nlohmann_json)
  target_precompile_headers(mailspec_pch_json PRIVATE <nlohmann/json.hpp>)
  mailspec_optimised(mailspec_pch_json)  # its users are all -O1 in the instrumented build
  add_library(mailspec_pch_asio OBJECT ${PROJECT_BINARY_DIR}/mailspec_pch.cpp)
  target_link_libraries(mailspec_pch_asio PRIVATE mailspec_asio nlohmann_json::nlohmann_json)
  target_precompile_headers(mailspec_pch_asio PRIVATE ${PROJECT_SOURCE_DIR}/harness/net/asio.hpp <nlohmann/json.hpp>)
endif()

# mailspec_pch(json|asio targets...): the target's files start from that shared precompiled header.
function(mailspec_pch kind)
  if(NOT MAILSPEC_PCH)
    return()
  endif()
  foreach(t ${ARGN})
    if(TARGET ${t})
      target_precompile_headers(${t} REUSE_FROM mailspec_pch_${kind})
    endif()
  endforeach()
endfunction()
