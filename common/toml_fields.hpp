// Reading a TOML configuration as tables of known keys, each with a function that checks and
// stores its value, and reporting every problem as `file:line:column: key: reason`, in file
// order. ikesteer's configuration and the member agent's share it, so both refuse the same
// way. (The only file of common/ that uses a library beyond the standard one and OpenSSL.)
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ikesteer::toml_fields {

using Reason = std::optional<std::string>;  // why a value is refused; empty: taken
using Apply = std::function<Reason(const toml::node&)>;

struct Field {
  std::string_view name;
  Apply apply;
};

// Collects every problem, then hands them out in file order (TOML tables iterate sorted by
// key, not in document order).
class Errors {
 public:
  explicit Errors(std::string_view file) : file_(file) {}
  void add(const toml::source_region& at, std::string_view key, std::string_view reason);
  // A problem in another file the configuration names ("networks.txt:12: unknown pool"),
  // reported after those of the configuration itself.
  void add_elsewhere(std::string text);
  std::vector<std::string> take();
  const std::string& file() const noexcept { return file_; }
  bool empty() const { return list_.empty(); }

 private:
  struct Entry {
    toml::source_index line;
    toml::source_index column;
    std::string text;
  };
  std::string file_;
  std::vector<Entry> list_;
};

std::string join_key(std::string_view prefix, std::string_view key);

// Applies each key of `table` to its field; an unknown key or a refused value is an error
// named `prefix.key`.
void apply_table(const toml::table& table, std::string_view prefix,
                 const std::vector<Field>& fields, Errors& errors);

std::string integer_range_text(std::int64_t min, std::int64_t max, std::int64_t got);

template <class T>
Apply integer(T& out, std::int64_t min, std::int64_t max) {
  return [&out, min, max](const toml::node& n) -> Reason {
    const auto v = n.value_exact<std::int64_t>();
    if (!v) return "must be an integer";
    if (*v < min || *v > max) return integer_range_text(min, max, *v);
    out = static_cast<T>(*v);
    return std::nullopt;
  };
}

// An integer or a finite float in (exclusive_min, max].
Apply number_above(double& out, double exclusive_min, double max);

// A duration given in (fractional) seconds, min..max.
Reason seconds_value(const toml::node& n, double min, double max, double& out);
template <class Rep, class Period>
Apply seconds(std::chrono::duration<Rep, Period>& out, double min, double max) {
  return [&out, min, max](const toml::node& n) -> Reason {
    double v = 0;
    if (Reason r = seconds_value(n, min, max, v)) return r;
    out = std::chrono::duration_cast<std::chrono::duration<Rep, Period>>(
        std::chrono::duration<double>(v));
    return std::nullopt;
  };
}

Apply boolean(bool& out);
Apply text(std::string& out);
Apply string_list(std::vector<std::string>& out);

// An array of tables ([[key]]), each checked against `fields_of(element, "key[i]")` and
// required to carry `required` keys.
template <class T, class FieldsOf>
Apply table_array(std::vector<T>& out, std::string key, std::vector<std::string> required,
                  FieldsOf fields_of, Errors& errors) {
  return [&out, key = std::move(key), required = std::move(required), fields_of,
          &errors](const toml::node& n) -> Reason {
    const toml::array* list = n.as_array();
    if (!list || !list->is_array_of_tables()) return "must be an array of tables ([[" + key + "]])";
    for (std::size_t i = 0; i < list->size(); ++i) {
      const toml::table& t = *(*list)[i].as_table();
      const std::string prefix = key + "[" + std::to_string(i) + "]";
      T element;
      apply_table(t, prefix, fields_of(element, prefix), errors);
      for (const std::string& r : required)
        if (!t.contains(r)) errors.add(t.source(), prefix + "." + r, "is required");
      out.push_back(std::move(element));
    }
    return std::nullopt;
  };
}

}  // namespace ikesteer::toml_fields
