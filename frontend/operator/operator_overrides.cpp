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
  o.path_ = std::move(path);
  if (o.path_.empty()) return o;
  std::ifstream in(o.path_);
  if (!in) return o;  // nothing saved yet
  const nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("members") ||
      !doc["members"].is_object())
    return fail(o.path_ + ": not an ikesteer state file (expected {\"members\": {...}})");
  for (const auto& [name, entry] : doc["members"].items()) {
    MemberOverride m;
    if (entry.contains("state")) {
      const auto* text = entry["state"].get_ptr<const std::string*>();
      m.state = text ? state_from(*text) : std::nullopt;
      if (!m.state) return fail(o.path_ + ": member " + name + ": bad state");
    }
    if (entry.contains("weight")) {
      if (!entry["weight"].is_number() || !(entry["weight"].get<double>() > 0))
        return fail(o.path_ + ": member " + name + ": bad weight");
      m.weight = entry["weight"].get<double>();
    }
    o.members_[name] = m;
  }
  return o;
}

Result<void, std::string> OperatorOverrides::save() const {
  if (path_.empty()) return {};
  nlohmann::json members = nlohmann::json::object();
  for (const auto& [name, m] : members_) {
    nlohmann::json entry = nlohmann::json::object();
    if (m.state) entry["state"] = health::to_string(*m.state);
    if (m.weight) entry["weight"] = *m.weight;
    members[name] = entry;
  }
  const std::string temporary = path_ + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << nlohmann::json{{"members", members}}.dump(2) << '\n';
    if (!out.flush()) return fail(temporary + ": cannot write");
  }
  if (std::rename(temporary.c_str(), path_.c_str()) != 0) return fail(path_ + ": cannot replace");
  return {};
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
