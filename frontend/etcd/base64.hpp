// Base64 (RFC 4648 §4, the standard alphabet with padding), as etcd's JSON gateway writes
// keys and values.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ikesteer::frontend::etcd {

std::string base64_encode(std::string_view bytes);
// nullopt unless `text` is canonical base64: a multiple of 4 characters, padding only at the
// end, and the unused bits of the last character zero.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace ikesteer::frontend::etcd
