# IKESTEER_SANITIZE=address,undefined applies to every target in the tree.
if(IKESTEER_SANITIZE)
  add_compile_options(-fsanitize=${IKESTEER_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${IKESTEER_SANITIZE})
endif()
if(IKESTEER_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "IKESTEER_FUZZ needs clang (libFuzzer)")
  endif()
  # Coverage instrumentation for every target; the fuzz executables add -fsanitize=fuzzer.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
