// Octets for the VICI tests, written the way the README writes them.
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "common/byte_reader.hpp"

namespace ikesteer::vici::test {

using Bytes = std::vector<std::byte>;

// Numbers and character literals, as in the README's C array: octets({3, 4, 'k', 'e', 'y'}).
inline Bytes octets(std::initializer_list<int> values) {
  Bytes out;
  for (const int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

inline Bytes concat(std::initializer_list<std::span<const std::byte>> parts) {
  Bytes out;
  for (const auto part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// A packet with its 32-bit big-endian length prefix.
inline Bytes frame(std::span<const std::byte> packet) {
  const auto n = static_cast<std::uint32_t>(packet.size());
  const Bytes prefix = octets({static_cast<int>(n >> 24), static_cast<int>((n >> 16) & 0xff),
                               static_cast<int>((n >> 8) & 0xff), static_cast<int>(n & 0xff)});
  return concat({prefix, packet});
}

}  // namespace ikesteer::vici::test

template <>
struct doctest::StringMaker<ikesteer::ParseError> {
  static doctest::String convert(const ikesteer::ParseError& e) {
    static constexpr const char* kNames[] = {"Truncated", "TrailingData", "BadLength", "BadValue",
                                             "TooMany"};
    const std::string text =
        std::string(kNames[static_cast<std::size_t>(e.code)]) + " at " + std::to_string(e.offset);
    return text.c_str();
  }
};
