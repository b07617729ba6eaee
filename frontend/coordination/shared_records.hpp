// The JSON values cluster mode keeps in etcd (cluster_keys.hpp), written by one instance and
// read by all. Reading is bounds-checked like any input from the network: a value that does
// not parse is an error, never a crash (fuzzed: tests/fuzz/fuzz_cluster_records.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "frontend/actions/fencing_token.hpp"
#include "frontend/cluster/cluster_state.hpp"
#include "frontend/log/event_log.hpp"

namespace ikesteer::frontend {

// Values above this size are refused (a member list of 1,000 fits many times over).
inline constexpr std::size_t kMaxSharedRecord = 1 << 20;

// The leader's member verdicts, by member name.
struct SharedVerdicts {
  FencingToken token;
  std::map<std::string, MemberStatus> members;  // `since` is not shared: set on arrival
};
// Reported load is shared in steps of this size, so that small swings are not written.
inline constexpr double kSharedLoadStep = 0.05;
// The state as it is shared and steered on in cluster mode (loads rounded to the step).
ClusterState shared_view(ClusterState state);
// What a follower steers on: the leader's verdict for each member it has one for (by name),
// this instance's own for the others (a member the leader's file does not have).
ClusterState followed(const SharedVerdicts& verdicts, const std::vector<MemberConfig>& members,
                      const ClusterState& own);
std::string encode_verdicts(const ClusterState& state, const std::vector<MemberConfig>& members,
                            const FencingToken& token);
Result<SharedVerdicts, std::string> decode_verdicts(std::string_view text);

// Who holds each movable address: a member's name, "nobody", or "frontend:<instance>".
struct SharedOwners {
  FencingToken token;
  std::int64_t at_ms = 0;  // unix time of the write
  std::map<IpAddress, std::string> holders;
};
std::string encode_owners(const std::map<IpAddress, std::string>& holders,
                          const FencingToken& token, std::int64_t at_ms);
Result<SharedOwners, std::string> decode_owners(std::string_view text);

// One instance as the others see it.
struct InstanceRecord {
  std::string instance;
  std::string version;
  std::string advertise;  // its operator URL ("" = none)
  std::int64_t started_ms = 0;
  std::map<std::string, std::string> view;  // its own verdicts: member → state word
  bool operator==(const InstanceRecord&) const = default;
};
std::string encode_instance(const InstanceRecord& record);
Result<InstanceRecord, std::string> decode_instance(std::string_view text);

// An instance's event, as every instance shows it.
std::string encode_event(const Event& event);
Result<Event, std::string> decode_event(std::string_view text);  // id 0: the reader numbers it

// A drain with move asked for through any instance; the leader runs it.
struct MoveRequestRecord {
  std::string who;
  std::int64_t at_ms = 0;
  bool operator==(const MoveRequestRecord&) const = default;
};
std::string encode_move_request(const MoveRequestRecord& request);
Result<MoveRequestRecord, std::string> decode_move_request(std::string_view text);

}  // namespace ikesteer::frontend
