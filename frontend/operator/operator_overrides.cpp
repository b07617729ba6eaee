#include "frontend/operator/operator_overrides.hpp"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ikesteer::frontend {
namespace {

std::optional<OperatorState> state_from(std::string_view s) {
  for (OperatorState v : {OperatorState::Active, OperatorState::Drain, OperatorState::Maintenance})
    if (health::to_string(v) == s) return v;
  return std::nullopt;
}

}  // namespace

Result<OperatorOverrides, std::string> OperatorOverrides::load(std::string path) {
  OperatorOverrides o;
  if (!path.empty()) {
    std::ifstream in(path);
    if (in) {  // else nothing saved yet
      std::ostringstream text;
      text << in.rdbuf();
      auto read = from_json(text.str(), path);
      if (!read) return read;
      o = std::move(read).value();
    }
  }
  o.path_ = std::move(path);
  return o;
}

Result<OperatorOverrides, std::string> OperatorOverrides::from_json(std::string_view text,
                                                                    std::string_view source) {
  const std::string where(source);
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("members") ||
      !doc["members"].is_object())
    return fail(where + ": not an ikesteer state file (expected {\"members\": {...}})");
  OperatorOverrides o;
  for (const auto& [name, entry] : doc["members"].items()) {
    if (!entry.is_object()) return fail(where + ": member " + name + ": not an object");
    MemberOverride m;
    if (entry.contains("state")) {
      const auto* state = entry["state"].get_ptr<const std::string*>();
      m.state = state ? state_from(*state) : std::nullopt;
      if (!m.state) return fail(where + ": member " + name + ": bad state");
    }
    if (entry.contains("weight")) {
      if (!entry["weight"].is_number() || !(entry["weight"].get<double>() > 0))
        return fail(where + ": member " + name + ": bad weight");
      m.weight = entry["weight"].get<double>();
    }
    o.members_[name] = m;
  }
  return o;
}

std::string OperatorOverrides::to_json() const {
  nlohmann::json members = nlohmann::json::object();
  for (const auto& [name, m] : members_) {
    nlohmann::json entry = nlohmann::json::object();
    if (m.state) entry["state"] = health::to_string(*m.state);
    if (m.weight) entry["weight"] = *m.weight;
    members[name] = entry;
  }
  return nlohmann::json{{"members", members}}.dump(2, ' ', false,
                                                   nlohmann::json::error_handler_t::replace);
}

Result<void, std::string> OperatorOverrides::save() const {
  if (path_.empty()) return {};
  const std::string temporary = path_ + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << to_json() << '\n';
    if (!out.flush()) return fail(temporary + ": cannot write");
  }
  if (std::rename(temporary.c_str(), path_.c_str()) != 0) return fail(path_ + ": cannot replace");
  return {};
}

void OperatorOverrides::set(const std::string& member, const MemberOverride& override) {
  if (override == MemberOverride{})
    members_.erase(member);
  else
    members_[member] = override;
}

void OperatorOverrides::set_state(const std::string& member, OperatorState state) {
  members_[member].state = state;
}

void OperatorOverrides::set_weight(const std::string& member, double weight) {
  members_[member].weight = weight;
}

Config OperatorOverrides::apply(Config config) {
  std::map<std::string, MemberOverride> kept;
  for (MemberConfig& m : config.members) {
    auto it = members_.find(m.name);
    if (it == members_.end()) continue;
    MemberOverride o = it->second;
    if (o.state == m.state) o.state.reset();
    if (o.weight == m.weight) o.weight.reset();
    if (o.state) m.state = *o.state;
    if (o.weight) m.weight = *o.weight;
    if (o != MemberOverride{}) kept[m.name] = o;
  }
  members_ = std::move(kept);
  return config;
}

}  // namespace ikesteer::frontend
