// A VICI message as a tree: the root section holds key/values, lists and named subsections in
// wire order, so encoding a decoded message gives back its bytes. Names and values are octet
// strings (std::string holds any octet, NUL included).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ikesteer::vici {

struct Element;

struct Section {
  std::vector<Element> elements;

  // Lookups of this section's own elements. The README makes names unique within a section;
  // we do not enforce it, and a lookup returns the first match of its kind.
  std::optional<std::string_view> value(std::string_view key) const noexcept;
  const std::vector<std::string>* list(std::string_view name) const noexcept;
  const Section* section(std::string_view name) const noexcept;

  // Appends an element. The reference add_section returns is valid until the next append to
  // this section.
  void add_value(std::string key, std::string value);
  void add_list(std::string name, std::vector<std::string> items);
  Section& add_section(std::string name);

  bool operator==(const Section&) const;
};

struct Element {
  enum class Kind : std::uint8_t { Value, List, Section };
  Kind kind = Kind::Value;
  std::string name;                // key, list name or section name
  std::string value;               // Kind::Value
  std::vector<std::string> items;  // Kind::List
  Section section;                 // Kind::Section
  bool operator==(const Element&) const = default;
};

}  // namespace ikesteer::vici
