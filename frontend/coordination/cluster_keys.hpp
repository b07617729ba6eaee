// Where cluster mode keeps each thing in etcd, under [cluster] prefix (P):
//   P leader              the leader's instance name, on its lease; the key's creation
//                         revision is the leader's fencing revision
//   P instances/<name>    each instance's record (instance_record.hpp), on its own lease
//   P overrides           the operators' changes, as health.state_file holds them
//   P verdicts            the member verdicts the leader publishes (shared_verdicts.hpp)
//   P owners              who holds each movable address, written by the leader with its token
//   P moves/<member>      a drain with move asked for on any instance, run by the leader
//   P events/<instance>/<slot>  each instance's events, a ring of kEventSlots keys
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ikesteer::frontend {

class ClusterKeys {
 public:
  explicit ClusterKeys(std::string prefix) : prefix_(std::move(prefix)) {}

  const std::string& prefix() const { return prefix_; }
  std::string leader() const { return prefix_ + "leader"; }
  std::string instances() const { return prefix_ + "instances/"; }
  std::string instance(std::string_view name) const { return instances() + std::string(name); }
  std::string overrides() const { return prefix_ + "overrides"; }
  std::string verdicts() const { return prefix_ + "verdicts"; }
  std::string owners() const { return prefix_ + "owners"; }
  std::string moves() const { return prefix_ + "moves/"; }
  std::string move(std::string_view member) const { return moves() + std::string(member); }
  std::string events() const { return prefix_ + "events/"; }
  std::string event(std::string_view instance, std::uint64_t id) const {
    const std::string slot = std::to_string(id % kEventSlots);
    return events() + std::string(instance) + "/" + std::string(2 - slot.size(), '0') + slot;
  }
  // Events each instance keeps in etcd (the newest; the dashboard shows more from memory).
  static constexpr std::uint64_t kEventSlots = 64;

 private:
  std::string prefix_;
};

}  // namespace ikesteer::frontend
