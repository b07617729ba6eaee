# Per-target warning flags: link ikesteer::warnings PRIVATE; global flags stay untouched.
add_library(ikesteer_warnings INTERFACE)
add_library(ikesteer::warnings ALIAS ikesteer_warnings)
target_compile_options(ikesteer_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
  -Werror=vla -Werror=return-type
  $<$<BOOL:${IKESTEER_WERROR}>:-Werror>)
