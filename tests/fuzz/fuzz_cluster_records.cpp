// Fuzzes the decoders of what cluster mode reads from etcd (frontend/coordination/
// shared_records.hpp and the operators' overrides): any input is refused or decoded, never a
// crash; whatever decodes encodes again to a value that decodes to the same.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "frontend/coordination/shared_records.hpp"
#include "frontend/operator/operator_overrides.hpp"

namespace {

using namespace ikesteer::frontend;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto v = decode_verdicts(text)) {
    std::vector<MemberConfig> members;
    ClusterState state;
    for (const auto& [name, status] : v->members) {
      members.emplace_back();
      members.back().name = name;
      state.members.push_back(status);
    }
    auto again = decode_verdicts(encode_verdicts(state, members, v->token));
    check(again.has_value() && again->members.size() == v->members.size());
  }
  if (auto o = decode_owners(text)) {
    auto again = decode_owners(encode_owners(o->holders, o->token, o->at_ms));
    check(again.has_value() && again->holders == o->holders);
  }
  if (auto r = decode_instance(text)) {
    auto again = decode_instance(encode_instance(*r));
    check(again.has_value() && *again == *r);
  }
  if (auto e = decode_event(text)) {
    auto again = decode_event(encode_event(*e));
    check(again.has_value() && again->at == e->at && again->fields == e->fields);
  }
  if (auto m = decode_move_request(text)) {
    auto again = decode_move_request(encode_move_request(*m));
    check(again.has_value() && *again == *m);
  }
  if (auto o = OperatorOverrides::from_json(text, "fuzz")) {
    auto again = OperatorOverrides::from_json(o->to_json(), "fuzz");
    check(again.has_value() && *again == *o);
  }
  return 0;
}
