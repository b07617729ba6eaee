// Reads the fields of one JSON object of an etcd answer as proto3's JSON mapping writes them:
// an absent field is zero, empty or false; 64-bit integers are decimal strings (JSON numbers
// are accepted too, as the mapping allows); bytes are base64. The first error is kept in the
// caller's string, shared by the readers of nested objects, and later reads return zero values.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace ikesteer::frontend::etcd {

class JsonFields {
 public:
  // `value` must outlive this reader; `where` names it in errors ("kvs[2]", "" = the answer).
  JsonFields(const nlohmann::json& value, std::string& error, std::string where);

  std::int64_t int64(std::string_view name);
  std::uint64_t uint64(std::string_view name);
  bool boolean(std::string_view name);
  std::string text(std::string_view name);
  std::string bytes(std::string_view name);
  // A nested object (nullptr when absent or on an error) and an array (empty when absent).
  const nlohmann::json* object(std::string_view name);
  const nlohmann::json::array_t& array(std::string_view name);

  // The path of a field, for a nested reader: "header", "kvs[2]".
  std::string path(std::string_view name) const;
  bool ok() const { return error_.empty(); }

 private:
  // The field, or nullptr when absent or after an error.
  const nlohmann::json* find(std::string_view name) const;
  void refuse(std::string_view name, std::string_view what);

  const nlohmann::json* object_ = nullptr;
  std::string& error_;
  std::string where_;
};

}  // namespace ikesteer::frontend::etcd
