# Per-target warning flags: link ikesteer::warnings PRIVATE; global flags stay untouched.
# Warnings are errors only when IKESTEER_WERROR is on (CI and developers: .ci/test turns it
# on); a packager's plain Release build must not fail on a newer compiler's new warning.
add_library(ikesteer_warnings INTERFACE)
add_library(ikesteer::warnings ALIAS ikesteer_warnings)
target_compile_options(ikesteer_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
  -Werror=vla -Werror=return-type
  # g++ 12 reports -Wrestrict false positives from libstdc++'s own string code at -O2 and above
  # ("literal" + std::string&&; GCC bug 105651, fixed in 13).
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>
  $<$<BOOL:${IKESTEER_WERROR}>:-Werror>)
