// Fuzzes the etcd gateway's answer parsing (frontend/etcd/etcd_messages.hpp): every input is
// tried as each kind of answer and as a watch line. Checks that an answer etcd marks as an
// error is refused by every parser with etcd's message, that what parses keeps within the
// answer's bounds, and that base64 decoding accepts exactly the canonical encodings.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "frontend/etcd/base64.hpp"
#include "frontend/etcd/etcd_messages.hpp"

namespace {

using namespace ikesteer::frontend::etcd;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

// A parser's outcome agrees with parse_error: refused with etcd's message when it is an error.
template <class R>
void check_refusal(const R& result, const std::optional<std::string>& error) {
  if (error) check(!result && result.error() == *error);
  if (!result) check(!result.error().empty());
}

void check_key_values(const std::vector<KeyValue>& kvs, std::size_t size) {
  for (const KeyValue& kv : kvs) {
    // Base64 makes 3 octets of 4 characters: nothing decoded is longer than the answer.
    check(kv.key.size() + kv.value.size() <= size);
    check(base64_decode(base64_encode(kv.key)) == kv.key);
  }
}

void fuzz_answers(std::string_view body) {
  const auto error = parse_error(body);
  const auto range = parse_range(body);
  check_refusal(range, error);
  if (range) check_key_values(range->kvs, body.size());
  check_refusal(parse_header_only(body), error);
  const auto txn = parse_txn(body);
  check_refusal(txn, error);
  if (txn)
    for (const RangeResult& r : txn->ranges) check_key_values(r.kvs, body.size());
  check_refusal(parse_lease_grant(body), error);
  check_refusal(parse_lease_keepalive(body), error);
  check_refusal(parse_status(body), error);
  const auto watch = parse_watch_message(body);
  check_refusal(watch, error);
  if (watch)
    for (const WatchEvent& e : watch->events) check_key_values({e.kv}, body.size());
}

// Decoding accepts exactly what encoding produces.
void fuzz_base64(std::string_view text) {
  if (const auto decoded = base64_decode(text)) check(base64_encode(*decoded) == text);
  check(base64_decode(base64_encode(text)) == text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  fuzz_answers(input);
  fuzz_base64(input);
  return 0;
}
