#include "frontend/etcd/json_fields.hpp"

#include <charconv>
#include <limits>
#include <optional>

#include "frontend/etcd/base64.hpp"

namespace ikesteer::frontend::etcd {
namespace {

// A decimal integer in the whole of `text` (proto3 JSON: "-5", never "+5", " 5" or "5.0").
template <class T>
std::optional<T> decimal(std::string_view text) {
  T v{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

template <class T>
std::optional<T> integer(const nlohmann::json& v) {
  if (v.is_string()) return decimal<T>(v.get_ref<const std::string&>());
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) return std::nullopt;
    return static_cast<T>(u);
  }
  if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    if (i < 0 && std::numeric_limits<T>::min() == 0) return std::nullopt;
    return static_cast<T>(i);
  }
  return std::nullopt;
}

}  // namespace

JsonFields::JsonFields(const nlohmann::json& value, std::string& error, std::string where)
    : error_(error), where_(std::move(where)) {
  if (value.is_object())
    object_ = &value;
  else if (error_.empty())
    error_ = (where_.empty() ? std::string("answer") : where_) + ": not an object";
}

std::string JsonFields::path(std::string_view name) const {
  return where_.empty() ? std::string(name) : where_ + "." + std::string(name);
}

const nlohmann::json* JsonFields::find(std::string_view name) const {
  if (!ok() || !object_) return nullptr;
  const auto it = object_->find(name);
  return it == object_->end() ? nullptr : &*it;
}

void JsonFields::refuse(std::string_view name, std::string_view what) {
  if (ok()) error_ = path(name) + ": " + std::string(what);
}

std::int64_t JsonFields::int64(std::string_view name) {
  const nlohmann::json* v = find(name);
  if (!v) return 0;
  const auto n = integer<std::int64_t>(*v);
  if (!n) refuse(name, "not a 64-bit integer");
  return n.value_or(0);
}

std::uint64_t JsonFields::uint64(std::string_view name) {
  const nlohmann::json* v = find(name);
  if (!v) return 0;
  const auto n = integer<std::uint64_t>(*v);
  if (!n) refuse(name, "not an unsigned 64-bit integer");
  return n.value_or(0);
}

bool JsonFields::boolean(std::string_view name) {
  const nlohmann::json* v = find(name);
  if (!v) return false;
  if (!v->is_boolean()) refuse(name, "not a boolean");
  return v->is_boolean() && v->get<bool>();
}

std::string JsonFields::text(std::string_view name) {
  const nlohmann::json* v = find(name);
  if (!v) return {};
  if (!v->is_string()) {
    refuse(name, "not a string");
    return {};
  }
  return v->get_ref<const std::string&>();
}

std::string JsonFields::bytes(std::string_view name) {
  const nlohmann::json* v = find(name);
  if (!v) return {};
  auto decoded = v->is_string() ? base64_decode(v->get_ref<const std::string&>()) : std::nullopt;
  if (!decoded) refuse(name, "not base64");
  return std::move(decoded).value_or(std::string());
}

const nlohmann::json* JsonFields::object(std::string_view name) {
  const nlohmann::json* v = find(name);
  if (v && !v->is_object()) {
    refuse(name, "not an object");
    return nullptr;
  }
  return v;
}

const nlohmann::json::array_t& JsonFields::array(std::string_view name) {
  static const nlohmann::json::array_t kEmpty;
  const nlohmann::json* v = find(name);
  if (!v) return kEmpty;
  if (!v->is_array()) {
    refuse(name, "not an array");
    return kEmpty;
  }
  return v->get_ref<const nlohmann::json::array_t&>();
}

}  // namespace ikesteer::frontend::etcd
