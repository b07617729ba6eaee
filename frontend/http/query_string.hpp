// Percent-decoding (RFC 3986 §2.1) and query strings in the HTML form encoding (key=value pairs
// joined by '&', '+' for a space).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ikesteer::frontend::http {

// nullopt for a '%' not followed by two hex digits. With `plus_is_space`, '+' decodes to ' '.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

// "a=1&b=x%20y&flag" -> {a: "1", b: "x y", flag: ""}. Empty pairs are skipped; a repeated key
// keeps its last value. nullopt when a key or value does not decode.
std::optional<std::map<std::string, std::string>> parse_query(std::string_view query);

}  // namespace ikesteer::frontend::http
