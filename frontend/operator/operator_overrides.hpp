// What operators change at run time (the API's write actions): member states and weights. They
// are laid over the configuration file's values, survive reloads, and are kept in
// health.state_file so they survive restarts too. A member's override is dropped when the
// operator sets it back to the file's value, or when the member leaves the configuration.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "frontend/config/config.hpp"

namespace ikesteer::frontend {

struct MemberOverride {
  std::optional<OperatorState> state;
  std::optional<double> weight;
  bool operator==(const MemberOverride&) const = default;
};

class OperatorOverrides {
 public:
  // `path` "" keeps overrides in memory only. A missing file is an empty set; a file that
  // cannot be read or parsed is an error naming it.
  static Result<OperatorOverrides, std::string> load(std::string path);

  // Writes the file atomically (a temporary file renamed over it).
  Result<void, std::string> save() const;
  // The file's text, which cluster mode keeps in etcd instead ({"members": {...}}); an error
  // says what is wrong, after `source`.
  std::string to_json() const;
  static Result<OperatorOverrides, std::string> from_json(std::string_view text,
                                                          std::string_view source);
  // This member's override from now on; an empty one removes it.
  void set(const std::string& member, const MemberOverride& override);
  bool operator==(const OperatorOverrides& other) const { return members_ == other.members_; }

  void set_state(const std::string& member, OperatorState state);
  void set_weight(const std::string& member, double weight);
  // The configuration with the overrides laid over it; overrides for members it does not have
  // are forgotten, and so are those equal to its own values.
  Config apply(Config config);

  const std::map<std::string, MemberOverride>& members() const { return members_; }

 private:
  std::string path_;
  std::map<std::string, MemberOverride> members_;
};

}  // namespace ikesteer::frontend
