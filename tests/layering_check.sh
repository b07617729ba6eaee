#!/usr/bin/env bash
# The include rules of the source tree, checked on every test run:
# - common/ includes only itself; redirect/, dns/ and health/ include only themselves and
#   common/ (they never include each other), and of library headers only the C++ standard
#   library, OpenSSL, <arpa/inet.h> and <endian.h> (and common/toml_fields, the configuration
#   reader both daemons share, toml++);
# - agent/ is layered too: agent/vici/ (pure) < agent/*.hpp (backend-neutral types) <
#   agent/strongswan/ and agent/libreswan/ (the backends) < agent/daemon/ < agent/main.cpp.
#   agent/vici/ includes only itself and common/, and of library headers only the C++ standard
#   library; agent/*.hpp only common/, each other and the standard library; agent/strongswan/
#   only itself, agent/vici/, agent/*.hpp and common/; agent/libreswan/ only itself, agent/*.hpp
#   and common/; agent/daemon/ all of those and itself; main.cpp only agent/ and common/. The
#   backends, the daemon and main.cpp may also include the agent protocol's two health/ headers,
#   health/agent_report.hpp and health/agent_command.hpp, and no other health/ header.
#   Nothing in agent/ includes frontend/ (the agent runs on members).
# - the folders of frontend/ are layered, each including only the folders before it:
#     os, log  <  etcd  <  config  <  actions  <  probes  <  cluster  <  packet  <  operator
#     <  http  <  daemon
#   so no folder includes one that includes it.
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
status=0
complain() {
  echo "layering: $*" >&2
  status=1
}

for module in common redirect dns health; do
  while IFS=: read -r file _ line; do
    target=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$line")
    [[ $target == "$module" || ($module != common && $target == common) ]] ||
      complain "$file includes $target/ ($line)"
  done < <(grep -Hn '#include "' "$module"/*.?pp || true)
  while IFS=: read -r file _ line; do
    [[ $line =~ \<(openssl/[a-z]+\.h|arpa/inet\.h|endian\.h|[a-z_]+)\> ||
      ($file =~ ^common/toml_fields\.[ch]pp$ && $line =~ \<toml\+\+/toml\.h\>) ]] ||
      complain "$file includes a library header ($line)"
  done < <(grep -Hn '#include <' "$module"/*.?pp || true)
done

while IFS=: read -r file _ line; do
  [[ $line =~ \#include\ \"(agent/vici|common)/ ]] ||
    complain "$file includes a folder other than agent/vici/ and common/ ($line)"
done < <(grep -Hn '#include "' agent/vici/*.?pp || true)
while IFS=: read -r file _ line; do
  [[ $line =~ \<[a-z_]+\> ]] || complain "$file includes a library header ($line)"
done < <(grep -Hn '#include <' agent/vici/*.?pp || true)

while IFS=: read -r file _ line; do
  [[ $line =~ \#include\ \"(common/|agent/[a-z_]+\.hpp\") ]] ||
    complain "$file includes more than common/ and agent/*.hpp ($line)"
done < <(grep -Hn '#include "' agent/*.hpp || true)
while IFS=: read -r file _ line; do
  [[ $line =~ \<[a-z_]+\> ]] || complain "$file includes a library header ($line)"
done < <(grep -Hn '#include <' agent/*.hpp || true)
# The agent protocol's headers, which agent code above agent/vici/ and agent/*.hpp may include.
agent_protocol='health/agent_(report|command)\.hpp"'
while IFS=: read -r file _ line; do
  [[ $line =~ \#include\ \"((agent/strongswan|agent/vici|common)/|agent/[a-z_]+\.hpp\"|$agent_protocol) ]] ||
    complain "$file includes a folder other than agent/vici/, agent/, common/ and the agent protocol ($line)"
done < <(grep -Hn '#include "' agent/strongswan/*.?pp || true)
while IFS=: read -r file _ line; do
  [[ $line =~ \#include\ \"((agent/libreswan|common)/|agent/[a-z_]+\.hpp\"|$agent_protocol) ]] ||
    complain "$file includes a folder other than agent/libreswan/, agent/, common/ and the agent protocol ($line)"
done < <(grep -Hn '#include "' agent/libreswan/*.?pp || true)
while IFS=: read -r file _ line; do
  [[ $line =~ \#include\ \"((agent|common)/|$agent_protocol) ]] ||
    complain "$file includes a folder other than agent/, common/ and the agent protocol ($line)"
done < <(grep -Hn '#include "' agent/*.cpp || true)
while IFS=: read -r file _ line; do
  [[ $line =~ \#include\ \"((agent/daemon|agent/strongswan|agent/libreswan|agent/vici|common)/|agent/[a-z_]+\.hpp\"|$agent_protocol) ]] ||
    complain "$file includes a folder other than agent/daemon/, the backends, agent/vici/, agent/, common/ and the agent protocol ($line)"
done < <(grep -Hn '#include "' agent/daemon/*.?pp || true)
for dir in agent/*/; do
  [[ $dir == agent/vici/ || $dir == agent/strongswan/ || $dir == agent/libreswan/ ||
     $dir == agent/daemon/ ]] ||
    complain "$dir is not in agent/'s layers"
done

layers=(os log etcd config actions probes cluster packet operator http daemon)
rank_of() {
  local i
  for i in "${!layers[@]}"; do [[ ${layers[$i]} == "$1" ]] && echo "$i" && return; done
  echo -1
}
for folder in "${layers[@]}"; do
  own=$(rank_of "$folder")
  # os and log are both at the bottom: neither may include the other.
  while IFS=: read -r file _ line; do
    target=$(sed -E 's/.*#include "frontend\/([a-z_]+)\/.*/\1/' <<<"$line")
    [[ $target == "$folder" ]] && continue
    theirs=$(rank_of "$target")
    if ((theirs < 0)); then
      complain "$file includes frontend/$target/, which is not in the layer list"
    elif ((theirs >= own)) || [[ $folder == log || $folder == os ]]; then
      complain "$file ($folder) includes frontend/$target/ ($line)"
    fi
  done < <(grep -Hn '#include "frontend/' frontend/"$folder"/*.?pp || true)
done
for file in frontend/*.?pp frontend/*/*.?pp; do
  folder=$(dirname "${file#frontend/}")
  [[ $folder == . ]] && continue
  [[ $(rank_of "$folder") -ge 0 ]] || complain "frontend/$folder/ is not in the layer list"
done
exit "$status"
