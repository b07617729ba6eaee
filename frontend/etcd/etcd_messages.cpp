// The gateway maps etcd's protobuf messages to JSON as grpc-gateway does (etcd 3.4,
// etcdserverpb/rpc.proto): answers use the proto field names (`create_revision`), 64-bit
// integers are decimal strings, bytes are base64, and fields holding zero, "" or false are
// left out. Requests are accepted with either the proto or the lowerCamelCase names; these
// are the names checked against etcd 3.4.23.
#include "frontend/etcd/etcd_messages.hpp"

#include <nlohmann/json.hpp>

#include "frontend/etcd/base64.hpp"
#include "frontend/etcd/json_fields.hpp"

namespace ikesteer::frontend::etcd {
namespace {

using nlohmann::json;

// etcd's answers nest six levels at most (txn → responses → response_range → kvs → kv);
// deeper input is refused before nlohmann builds a value per level.
constexpr int kMaxNesting = 16;

std::string decimal(std::int64_t n) {
  return std::to_string(n);
}

// `key` and, when it is a range, `range_end`, both base64.
json key_range(const KeyRange& range) {
  json j = json::object();
  j["key"] = base64_encode(range.key);
  if (!range.range_end.empty()) j["range_end"] = base64_encode(range.range_end);
  return j;
}

json put_fields(std::string_view key, std::string_view value, std::int64_t lease) {
  json j = json::object();
  j["key"] = base64_encode(key);
  j["value"] = base64_encode(value);
  if (lease != 0) j["lease"] = decimal(lease);
  return j;
}

// Compare.CompareTarget and the oneof target_union of rpc.proto.
json compare_json(const Compare& c) {
  static constexpr const char* kResults[] = {"EQUAL", "NOT_EQUAL", "GREATER", "LESS"};
  json j = json::object();
  j["result"] = kResults[static_cast<int>(c.result)];
  j["key"] = base64_encode(c.key);
  switch (c.target) {
    case Compare::Target::CreateRevision:
      j["target"] = "CREATE";
      j["createRevision"] = decimal(c.number);
      break;
    case Compare::Target::ModRevision:
      j["target"] = "MOD";
      j["modRevision"] = decimal(c.number);
      break;
    case Compare::Target::Version:
      j["target"] = "VERSION";
      j["version"] = decimal(c.number);
      break;
    case Compare::Target::Value:
      j["target"] = "VALUE";
      j["value"] = base64_encode(c.value);
      break;
    case Compare::Target::Lease:
      j["target"] = "LEASE";
      j["lease"] = decimal(c.number);
      break;
  }
  return j;
}

// RequestOp's oneof request.
json op_json(const Op& op) {
  json j = json::object();
  switch (op.kind) {
    case Op::Kind::Range:
      j["requestRange"] = key_range(op.range);
      break;
    case Op::Kind::Put:
      j["requestPut"] = put_fields(op.range.key, op.value, op.lease);
      break;
    case Op::Kind::Delete:
      j["requestDeleteRange"] = key_range(op.range);
      break;
  }
  return j;
}

json op_list(const std::vector<Op>& ops) {
  json list = json::array();
  for (const Op& op : ops) list.push_back(op_json(op));
  return list;
}

// True when no object or array in `body` nests deeper than `limit` (brackets inside strings,
// escaped quotes included, do not count).
bool nesting_within(std::string_view body, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

// etcd's error answers: {"error": "...", "message": "...", "code": 5} for a call, and
// {"error": {"grpc_code": 14, "message": "...", ...}} inside a stream (grpc-gateway v1).
std::optional<std::string> error_answer(const json& answer) {
  const auto it = answer.find("error");
  if (it == answer.end()) return std::nullopt;
  const json& fields = it->is_object() ? *it : answer;
  if (it->is_string() && it->get_ref<const std::string&>().empty()) return std::nullopt;
  std::string ignored;
  JsonFields error(fields, ignored, "");
  std::string message = error.text("message");
  if (message.empty() && it->is_string()) message = it->get_ref<const std::string&>();
  const std::int64_t code = error.int64(it->is_object() ? "grpc_code" : "code");
  return "etcd: " + (message.empty() ? std::string("error") : message) + " (code " +
         std::to_string(code) + ")";
}

// The answer as a JSON object, or why not: too big, too deep, not JSON, or etcd's error.
Result<json, std::string> parse_answer(std::string_view body) {
  if (body.size() > kMaxAnswer) return fail(std::string("answer over 4 MiB"));
  if (!nesting_within(body, kMaxNesting)) return fail(std::string("answer nested too deep"));
  json answer = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded()) return fail(std::string("answer is not JSON"));
  if (!answer.is_object()) return fail(std::string("answer is not a JSON object"));
  if (auto error = error_answer(answer)) return fail(std::move(*error));
  return answer;
}

Header header_of(JsonFields& fields, std::string& error) {
  const json* h = fields.object("header");
  if (!h) return {};
  JsonFields f(*h, error, fields.path("header"));
  return Header{.revision = f.int64("revision"),
                .member_id = f.uint64("member_id"),
                .raft_term = f.uint64("raft_term")};
}

KeyValue key_value_of(const json& kv, std::string& error, std::string where) {
  JsonFields f(kv, error, std::move(where));
  return KeyValue{.key = f.bytes("key"),
                  .value = f.bytes("value"),
                  .create_revision = f.int64("create_revision"),
                  .mod_revision = f.int64("mod_revision"),
                  .version = f.int64("version"),
                  .lease = f.int64("lease")};
}

// RangeResponse, on its own or inside a txn's response_range.
RangeResult range_of(JsonFields& fields, std::string& error) {
  RangeResult r;
  r.header = header_of(fields, error);
  const json::array_t& kvs = fields.array("kvs");
  for (std::size_t i = 0; i < kvs.size() && fields.ok(); ++i)
    r.kvs.push_back(key_value_of(kvs[i], error, fields.path("kvs[" + std::to_string(i) + "]")));
  r.count = fields.int64("count");
  r.more = fields.boolean("more");
  return r;
}

// {"result": {...}}: each message of a stream (watch, lease keepalive).
const json* stream_result(JsonFields& fields, std::string& error) {
  const json* result = fields.object("result");
  if (!result && error.empty()) error = "result: missing";
  return result;
}

WatchEvent event_of(const json& event, std::string& error, std::string where) {
  JsonFields f(event, error, std::move(where));
  WatchEvent e;
  // mvccpb.Event.EventType: PUT = 0 is left out.
  const std::string type = f.text("type");
  if (type == "DELETE")
    e.type = WatchEvent::Type::Delete;
  else if (!type.empty() && type != "PUT" && error.empty())
    error = f.path("type") + ": unknown event type";
  if (const json* kv = f.object("kv")) e.kv = key_value_of(*kv, error, f.path("kv"));
  return e;
}

template <class T>
Result<T, std::string> checked(T value, std::string& error) {
  if (!error.empty()) return fail(std::move(error));
  return value;
}

}  // namespace

std::string prefix_end(std::string_view prefix) {
  // etcd's clientv3.GetPrefixRangeEnd: increment the last byte below 0xff, dropping the 0xff
  // bytes after it; a prefix of only 0xff bytes (or none) ranges to the end: "\0".
  std::string end(prefix);
  while (!end.empty()) {
    const auto last = static_cast<unsigned char>(end.back());
    if (last < 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

std::string range_request(const KeyRange& range, std::int64_t revision) {
  json j = key_range(range);
  if (revision != 0) j["revision"] = decimal(revision);
  return j.dump();
}

std::string put_request(std::string_view key, std::string_view value, std::int64_t lease) {
  return put_fields(key, value, lease).dump();
}

std::string delete_request(const KeyRange& range) {
  return key_range(range).dump();
}

std::string txn_request(const std::vector<Compare>& compares, const std::vector<Op>& success,
                        const std::vector<Op>& failure) {
  json j = json::object();
  j["compare"] = json::array();
  for (const Compare& c : compares) j["compare"].push_back(compare_json(c));
  j["success"] = op_list(success);
  j["failure"] = op_list(failure);
  return j.dump();
}

std::string lease_grant_request(std::int64_t ttl_seconds) {
  json j = json::object();
  j["TTL"] = decimal(ttl_seconds);
  return j.dump();
}

std::string lease_id_request(std::int64_t id) {
  json j = json::object();
  j["ID"] = decimal(id);
  return j.dump();
}

std::string watch_request(const KeyRange& range, std::int64_t start_revision) {
  json create = key_range(range);
  if (start_revision != 0) create["start_revision"] = decimal(start_revision);
  json j = json::object();
  j["create_request"] = std::move(create);
  return j.dump();
}

std::optional<std::string> parse_error(std::string_view body) {
  if (body.size() > kMaxAnswer || !nesting_within(body, kMaxNesting)) return std::nullopt;
  const json answer = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  return answer.is_object() ? error_answer(answer) : std::nullopt;
}

Result<RangeResult, std::string> parse_range(std::string_view body) {
  auto answer = parse_answer(body);
  if (!answer) return fail(answer.error());
  std::string error;
  JsonFields fields(*answer, error, "");
  return checked(range_of(fields, error), error);
}

Result<Header, std::string> parse_header_only(std::string_view body) {
  auto answer = parse_answer(body);
  if (!answer) return fail(answer.error());
  std::string error;
  JsonFields fields(*answer, error, "");
  return checked(header_of(fields, error), error);
}

Result<TxnResult, std::string> parse_txn(std::string_view body) {
  auto answer = parse_answer(body);
  if (!answer) return fail(answer.error());
  std::string error;
  JsonFields fields(*answer, error, "");
  TxnResult t;
  t.header = header_of(fields, error);
  t.succeeded = fields.boolean("succeeded");
  // ResponseOp's oneof response: response_range, response_put, response_delete_range or
  // response_txn; only the ranges carry data.
  const json::array_t& responses = fields.array("responses");
  for (std::size_t i = 0; i < responses.size() && fields.ok(); ++i) {
    JsonFields response(responses[i], error, fields.path("responses[" + std::to_string(i) + "]"));
    if (const json* range = response.object("response_range")) {
      JsonFields range_fields(*range, error, response.path("response_range"));
      t.ranges.push_back(range_of(range_fields, error));
    }
  }
  return checked(std::move(t), error);
}

Result<LeaseGrant, std::string> parse_lease_grant(std::string_view body) {
  auto answer = parse_answer(body);
  if (!answer) return fail(answer.error());
  std::string error;
  JsonFields fields(*answer, error, "");
  const LeaseGrant grant{.id = fields.int64("ID"), .ttl = fields.int64("TTL")};
  return checked(grant, error);
}

Result<std::int64_t, std::string> parse_lease_keepalive(std::string_view body) {
  auto answer = parse_answer(body);
  if (!answer) return fail(answer.error());
  std::string error;
  JsonFields fields(*answer, error, "");
  const json* result = stream_result(fields, error);
  // A lease that is gone is answered with its ID and no TTL (etcd 3.4: TTL 0 is left out).
  const std::int64_t ttl = result ? JsonFields(*result, error, "result").int64("TTL") : 0;
  return checked(ttl, error);
}

Result<Status, std::string> parse_status(std::string_view body) {
  auto answer = parse_answer(body);
  if (!answer) return fail(answer.error());
  std::string error;
  JsonFields fields(*answer, error, "");
  Status s;
  s.header = header_of(fields, error);
  s.version = fields.text("version");
  s.leader = fields.uint64("leader");
  s.db_size = fields.int64("dbSize");
  return checked(std::move(s), error);
}

Result<WatchMessage, std::string> parse_watch_message(std::string_view line) {
  auto answer = parse_answer(line);
  if (!answer) return fail(answer.error());
  std::string error;
  JsonFields outer(*answer, error, "");
  const json* result = stream_result(outer, error);
  if (!result) return fail(std::move(error));
  JsonFields fields(*result, error, "result");
  WatchMessage m;
  m.header = header_of(fields, error);
  m.watch_id = fields.int64("watch_id");
  m.created = fields.boolean("created");
  m.canceled = fields.boolean("canceled");
  m.compact_revision = fields.int64("compact_revision");
  m.cancel_reason = fields.text("cancel_reason");
  const json::array_t& events = fields.array("events");
  for (std::size_t i = 0; i < events.size() && fields.ok(); ++i)
    m.events.push_back(
        event_of(events[i], error, fields.path("events[" + std::to_string(i) + "]")));
  return checked(std::move(m), error);
}

}  // namespace ikesteer::frontend::etcd
