#include "common/toml_fields.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <tuple>
#include <utility>

namespace ikesteer::toml_fields {

void Errors::add(const toml::source_region& at, std::string_view key, std::string_view reason) {
  std::ostringstream s;
  s << file_ << ':' << at.begin.line << ':' << at.begin.column << ": " << key << ": " << reason;
  list_.push_back({at.begin.line, at.begin.column, s.str()});
}

void Errors::add_elsewhere(std::string text) {
  list_.push_back({std::numeric_limits<toml::source_index>::max(), 0, std::move(text)});
}

std::vector<std::string> Errors::take() {
  std::stable_sort(list_.begin(), list_.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  std::vector<std::string> out;
  for (Entry& e : list_) out.push_back(std::move(e.text));
  list_.clear();
  return out;
}

std::string join_key(std::string_view prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
}

void apply_table(const toml::table& table, std::string_view prefix,
                 const std::vector<Field>& fields, Errors& errors) {
  for (auto&& [key, node] : table) {
    const std::string_view name = key.str();  // clang 14 cannot capture structured bindings
    const std::string full = join_key(prefix, name);
    const auto field =
        std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return f.name == name; });
    if (field == fields.end()) {
      errors.add(key.source(), full, "unknown key");
    } else if (Reason reason = field->apply(node)) {
      errors.add(node.source(), full, *reason);
    }
  }
}

std::string integer_range_text(std::int64_t min, std::int64_t max, std::int64_t got) {
  return "must be " + std::to_string(min) + ".." + std::to_string(max) + " (got " +
         std::to_string(got) + ")";
}

Apply number_above(double& out, double exclusive_min, double max) {
  return [&out, exclusive_min, max](const toml::node& n) -> Reason {
    std::optional<double> v;
    if (auto i = n.value_exact<std::int64_t>()) v = static_cast<double>(*i);
    if (auto d = n.value_exact<double>()) v = *d;
    if (!v) return "must be a number";
    if (!(*v > exclusive_min && *v <= max) || !std::isfinite(*v)) {
      std::ostringstream s;
      s << "must be > " << exclusive_min << " and <= " << max << " (got " << *v << ")";
      return s.str();
    }
    out = *v;
    return std::nullopt;
  };
}

Reason seconds_value(const toml::node& n, double min, double max, double& out) {
  std::optional<double> v;
  if (auto i = n.value_exact<std::int64_t>()) v = static_cast<double>(*i);
  if (auto d = n.value_exact<double>(); d && std::isfinite(*d)) v = *d;
  if (!v) return "must be a number of seconds";
  if (*v < min || *v > max) {
    std::ostringstream s;
    s << "must be " << min << ".." << max << " seconds (got " << *v << ")";
    return s.str();
  }
  out = *v;
  return std::nullopt;
}

Apply boolean(bool& out) {
  return [&out](const toml::node& n) -> Reason {
    const auto v = n.value_exact<bool>();
    if (!v) return "must be true or false";
    out = *v;
    return std::nullopt;
  };
}

Apply text(std::string& out) {
  return [&out](const toml::node& n) -> Reason {
    const auto v = n.value_exact<std::string>();
    if (!v) return "must be a string";
    out = *v;
    return std::nullopt;
  };
}

Apply string_list(std::vector<std::string>& out) {
  return [&out](const toml::node& n) -> Reason {
    const toml::array* a = n.as_array();
    if (!a) return "must be an array of strings";
    std::vector<std::string> parsed;
    for (const toml::node& item : *a) {
      const auto v = item.value_exact<std::string>();
      if (!v) return "must be an array of strings";
      parsed.push_back(*v);
    }
    out = std::move(parsed);
    return std::nullopt;
  };
}

}  // namespace ikesteer::toml_fields
