// etcd's v3 API as its HTTP/JSON gateway speaks it (etcd 3.4: POST /v3/kv/range, /v3/kv/put,
// /v3/kv/txn, /v3/kv/deleterange, /v3/lease/grant, /v3/lease/keepalive, /v3/lease/revoke,
// /v3/watch, /v3/maintenance/status): the requests as JSON bodies, the answers parsed and
// bounds-checked. Keys and values are bytes, base64 on the wire; 64-bit numbers are decimal
// strings on the wire. Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace ikesteer::frontend::etcd {

struct Header {
  std::int64_t revision = 0;  // the store's revision when the request was served
  std::uint64_t member_id = 0;
  std::uint64_t raft_term = 0;
  bool operator==(const Header&) const = default;
};

struct KeyValue {
  std::string key;
  std::string value;
  std::int64_t create_revision = 0;
  std::int64_t mod_revision = 0;
  std::int64_t version = 0;
  std::int64_t lease = 0;  // 0: not attached to a lease
  bool operator==(const KeyValue&) const = default;
};

// A key, or every key from `key` up to `range_end` (exclusive); prefix_end(p) gives the end of
// every key starting with p.
struct KeyRange {
  std::string key;
  std::string range_end;  // "" = the one key
};
std::string prefix_end(std::string_view prefix);

struct RangeResult {
  Header header;
  std::vector<KeyValue> kvs;
  std::int64_t count = 0;
  bool more = false;
};

// txn: if every compare holds, the success ops run, else the failure ops; atomically.
struct Compare {
  enum class Target : std::uint8_t { CreateRevision, ModRevision, Version, Value, Lease };
  enum class Result : std::uint8_t { Equal, NotEqual, Greater, Less };
  Target target;
  Result result = Result::Equal;
  std::string key;
  std::int64_t number = 0;  // revision, version or lease
  std::string value;        // Target::Value
};

struct Op {
  enum class Kind : std::uint8_t { Range, Put, Delete };
  Kind kind;
  KeyRange range;          // Put: range.key only
  std::string value;       // Put
  std::int64_t lease = 0;  // Put
};

struct TxnResult {
  Header header;
  bool succeeded = false;
  std::vector<RangeResult> ranges;  // the Range ops' answers, in order (of the branch taken)
};

struct LeaseGrant {
  std::int64_t id = 0;
  std::int64_t ttl = 0;  // seconds, as granted
};

struct WatchEvent {
  enum class Type : std::uint8_t { Put, Delete };
  Type type = Type::Put;
  KeyValue kv;  // Delete: key and mod_revision
};

// One message of a watch stream.
struct WatchMessage {
  Header header;
  std::int64_t watch_id = 0;
  bool created = false;
  bool canceled = false;
  std::int64_t compact_revision = 0;  // canceled because start_revision was compacted
  std::string cancel_reason;
  std::vector<WatchEvent> events;
};

struct Status {
  Header header;
  std::string version;
  std::uint64_t leader = 0;  // the raft leader's member id; 0 = no leader
  std::int64_t db_size = 0;
};

// Answer bodies are refused above this size.
inline constexpr std::size_t kMaxAnswer = 4 * 1024 * 1024;

// Request bodies.
std::string range_request(const KeyRange& range, std::int64_t revision = 0);
std::string put_request(std::string_view key, std::string_view value, std::int64_t lease = 0);
std::string delete_request(const KeyRange& range);
std::string txn_request(const std::vector<Compare>& compares, const std::vector<Op>& success,
                        const std::vector<Op>& failure);
std::string lease_grant_request(std::int64_t ttl_seconds);
std::string lease_id_request(std::int64_t id);  // keepalive and revoke
std::string watch_request(const KeyRange& range, std::int64_t start_revision);

// Answers; an error names what is wrong. An answer of the form {"error": ..., "code": n} is
// an error "etcd: <message> (code n)".
// That message when `body` is etcd's error object (of a call or of a stream); nullopt when it
// is anything else (an answer, or not JSON).
std::optional<std::string> parse_error(std::string_view body);
Result<RangeResult, std::string> parse_range(std::string_view body);
Result<Header, std::string> parse_header_only(std::string_view body);  // put, deleterange
Result<TxnResult, std::string> parse_txn(std::string_view body);
Result<LeaseGrant, std::string> parse_lease_grant(std::string_view body);
// Keepalive: the TTL left; 0 means the lease has expired (or never existed).
Result<std::int64_t, std::string> parse_lease_keepalive(std::string_view body);
Result<Status, std::string> parse_status(std::string_view body);
// One line of the watch stream ({"result": {...}} or an error object).
Result<WatchMessage, std::string> parse_watch_message(std::string_view line);

}  // namespace ikesteer::frontend::etcd
