#include "agent/vici/message.hpp"

#include <algorithm>
#include <utility>

namespace ikesteer::vici {
namespace {

const Element* find(const Section& s, Element::Kind kind, std::string_view name) noexcept {
  const auto it = std::ranges::find_if(
      s.elements, [&](const Element& e) { return e.kind == kind && e.name == name; });
  return it == s.elements.end() ? nullptr : &*it;
}

Element& append(std::vector<Element>& elements, Element::Kind kind, std::string name) {
  Element& e = elements.emplace_back();
  e.kind = kind;
  e.name = std::move(name);
  return e;
}

}  // namespace

std::optional<std::string_view> Section::value(std::string_view key) const noexcept {
  const Element* e = find(*this, Element::Kind::Value, key);
  if (e == nullptr) return std::nullopt;
  return e->value;
}

const std::vector<std::string>* Section::list(std::string_view name) const noexcept {
  const Element* e = find(*this, Element::Kind::List, name);
  return e == nullptr ? nullptr : &e->items;
}

const Section* Section::section(std::string_view name) const noexcept {
  const Element* e = find(*this, Element::Kind::Section, name);
  return e == nullptr ? nullptr : &e->section;
}

void Section::add_value(std::string key, std::string value) {
  append(elements, Element::Kind::Value, std::move(key)).value = std::move(value);
}

void Section::add_list(std::string name, std::vector<std::string> items) {
  append(elements, Element::Kind::List, std::move(name)).items = std::move(items);
}

Section& Section::add_section(std::string name) {
  return append(elements, Element::Kind::Section, std::move(name)).section;
}

// Written out: clang 14 crashes on a defaulted comparison of this recursive type.
bool Section::operator==(const Section& other) const {
  return elements == other.elements;
}

}  // namespace ikesteer::vici
