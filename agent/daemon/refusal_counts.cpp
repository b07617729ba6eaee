#include "agent/daemon/refusal_counts.hpp"

#include <algorithm>

namespace ikesteer::agent::daemon {
namespace {

std::size_t index_of(health::AgentReject reason) noexcept {
  return static_cast<std::size_t>(
      std::find(kCommandRefusals.begin(), kCommandRefusals.end(), reason) -
      kCommandRefusals.begin());
}

}  // namespace

void RefusalCounts::add(health::AgentReject reason) noexcept {
  if (const std::size_t i = index_of(reason); i < counts_.size()) ++counts_[i];
}

std::uint64_t RefusalCounts::of(health::AgentReject reason) const noexcept {
  const std::size_t i = index_of(reason);
  return i < counts_.size() ? counts_[i] : 0;
}

std::vector<LogField> RefusalCounts::log_fields(std::vector<std::string>& storage) const {
  storage.clear();
  storage.reserve(2 * kCommandRefusals.size());  // no reallocation: the views stay valid
  std::vector<LogField> fields;
  for (std::size_t i = 0; i < kCommandRefusals.size(); ++i) {
    storage.push_back("refused_" + std::string(health::to_string(kCommandRefusals[i])));
    storage.push_back(std::to_string(counts_[i]));
    fields.emplace_back(storage[storage.size() - 2], storage.back());
  }
  return fields;
}

}  // namespace ikesteer::agent::daemon
