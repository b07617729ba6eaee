// etcd's HTTP/JSON gateway codec: request bodies as exact JSON, and answers captured from a real
// etcd 3.4.23 (Debian 12), with proto3's absent fields, etcd's errors, bounds and malformed
// numbers, types and base64.
#include "frontend/etcd/etcd_messages.hpp"

#include <doctest/doctest.h>

#include <string>

#include "frontend/etcd/base64.hpp"

namespace ikesteer::frontend::etcd {
namespace {

using namespace std::string_literals;

constexpr std::int64_t kLease = 4111120450043627022;
constexpr std::uint64_t kMember = 13668033151171901709u;

TEST_CASE("base64: RFC 4648 §10 vectors, and only canonical text decodes") {
  const char* const vectors[][2] = {{"", ""},
                                    {"f", "Zg=="},
                                    {"fo", "Zm8="},
                                    {"foo", "Zm9v"},
                                    {"foob", "Zm9vYg=="},
                                    {"fooba", "Zm9vYmE="},
                                    {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    CHECK(base64_encode(plain) == encoded);
    CHECK(base64_decode(encoded) == plain);
  }
  CHECK(base64_encode("\xff\xfe\x00"s) == "//4A");
  CHECK(base64_decode("//4A") == "\xff\xfe\x00"s);
  CHECK_FALSE(base64_decode("Zg="));       // not a multiple of 4
  CHECK_FALSE(base64_decode("Zg"));        // unpadded
  CHECK_FALSE(base64_decode("Zh=="));      // pad bits not zero
  CHECK_FALSE(base64_decode("Zm9="));      // pad bits not zero
  CHECK_FALSE(base64_decode("Zg==Zg=="));  // padding inside
  CHECK_FALSE(base64_decode("Z==="));
  CHECK_FALSE(base64_decode("===="));
  CHECK_FALSE(base64_decode("Zm9v\n"));
  CHECK_FALSE(base64_decode("Zm-_"));  // the URL alphabet
  CHECK_FALSE(base64_decode("Z=g="));
}

TEST_CASE("prefix_end: the first key after every key with the prefix") {
  CHECK(prefix_end("a") == "b");
  CHECK(prefix_end("ikesteer/") == "ikesteer0");
  CHECK(prefix_end("a\xff") == "b");
  CHECK(prefix_end("\xff\xff") == "\0"s);
  CHECK(prefix_end("") == "\0"s);
}

TEST_CASE("requests: exact bodies, zero fields left out") {
  CHECK(range_request({.key = "foo", .range_end = ""}) == R"({"key":"Zm9v"})");
  CHECK(range_request({.key = "a", .range_end = "b"}, 7) ==
        R"({"key":"YQ==","range_end":"Yg==","revision":"7"})");
  CHECK(put_request("foo", "bar") == R"({"key":"Zm9v","value":"YmFy"})");
  CHECK(put_request("foo", "", kLease) ==
        R"({"key":"Zm9v","lease":"4111120450043627022","value":""})");
  CHECK(delete_request({.key = "a", .range_end = "\0"s}) == R"({"key":"YQ==","range_end":"AA=="})");
  CHECK(lease_grant_request(3) == R"({"TTL":"3"})");
  CHECK(lease_id_request(kLease) == R"({"ID":"4111120450043627022"})");
  CHECK(watch_request({.key = "w/", .range_end = "w0"}, 0) ==
        R"({"create_request":{"key":"dy8=","range_end":"dzA="}})");
  CHECK(watch_request({.key = "w/", .range_end = ""}, 5) ==
        R"({"create_request":{"key":"dy8=","start_revision":"5"}})");
}

TEST_CASE("txn_request: every compare target and result, every op") {
  using T = Compare::Target;
  using R = Compare::Result;
  const std::vector<Compare> compares = {
      {.target = T::CreateRevision, .result = R::Equal, .key = "k", .number = 0, .value = ""},
      {.target = T::ModRevision, .result = R::Greater, .key = "k", .number = 1, .value = ""},
      {.target = T::Version, .result = R::Less, .key = "k", .number = 2, .value = ""},
      {.target = T::Value, .result = R::NotEqual, .key = "k", .number = 0, .value = "y"},
      {.target = T::Lease, .result = R::Equal, .key = "k", .number = kLease, .value = ""}};
  const std::vector<Op> success = {
      {.kind = Op::Kind::Put, .range = {.key = "k", .range_end = ""}, .value = "x", .lease = 5},
      {.kind = Op::Kind::Delete, .range = {.key = "a", .range_end = "b"}, .value = "", .lease = 0}};
  const std::vector<Op> failure = {
      {.kind = Op::Kind::Range, .range = {.key = "k", .range_end = ""}, .value = "", .lease = 0}};
  CHECK(txn_request(compares, success, failure) ==
        R"({"compare":[)"
        R"({"createRevision":"0","key":"aw==","result":"EQUAL","target":"CREATE"},)"
        R"({"key":"aw==","modRevision":"1","result":"GREATER","target":"MOD"},)"
        R"({"key":"aw==","result":"LESS","target":"VERSION","version":"2"},)"
        R"({"key":"aw==","result":"NOT_EQUAL","target":"VALUE","value":"eQ=="},)"
        R"({"key":"aw==","lease":"4111120450043627022","result":"EQUAL","target":"LEASE"}],)"
        R"("failure":[{"requestRange":{"key":"aw=="}}],)"
        R"("success":[{"requestPut":{"key":"aw==","lease":"5","value":"eA=="}},)"
        R"({"requestDeleteRange":{"key":"YQ==","range_end":"Yg=="}}]})");
  CHECK(txn_request({}, {}, {}) == R"({"compare":[],"failure":[],"success":[]})");
}

TEST_CASE("parse_range: keys, values, leases, more; absent fields are zero") {
  const auto r = parse_range(
      R"({"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"3","raft_term":"2"},"kvs":[{"key":"bGVhc2Vk","create_revision":"3","mod_revision":"3","version":"1","value":"dg==","lease":"4111120450043627022"}],"count":"1"})");
  REQUIRE(r);
  CHECK(r->header == Header{.revision = 3, .member_id = kMember, .raft_term = 2});
  REQUIRE(r->kvs.size() == 1);
  CHECK(r->kvs[0] == KeyValue{.key = "leased",
                              .value = "v",
                              .create_revision = 3,
                              .mod_revision = 3,
                              .version = 1,
                              .lease = kLease});
  CHECK(r->count == 1);
  CHECK_FALSE(r->more);

  const auto more = parse_range(
      R"({"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"13","raft_term":"2"},"kvs":[{"key":"bTE=","create_revision":"11","mod_revision":"11","version":"1","value":"bTE="},{"key":"bTI=","create_revision":"12","mod_revision":"12","version":"1","value":"bTI="}],"more":true,"count":"3"})");
  REQUIRE(more);
  CHECK(more->kvs.size() == 2);
  CHECK(more->kvs[1].key == "m2");
  CHECK(more->count == 3);
  CHECK(more->more);

  // No key: no kvs, no count. An empty value: no value field.
  const auto none = parse_range(
      R"({"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"2","raft_term":"2"}})");
  REQUIRE(none);
  CHECK(none->kvs.empty());
  CHECK(none->count == 0);
  const auto empty_value = parse_range(
      R"({"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"10","raft_term":"2"},"kvs":[{"key":"azI=","create_revision":"10","mod_revision":"10","version":"1"}],"count":"1"})");
  REQUIRE(empty_value);
  CHECK(empty_value->kvs.at(0).value.empty());
  CHECK(empty_value->kvs.at(0).lease == 0);
  CHECK(parse_range("{}"));
}

TEST_CASE("parse_header_only: put, deleterange, revoke") {
  const auto put = parse_header_only(
      R"({"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"2","raft_term":"2"}})");
  REQUIRE(put);
  CHECK(put->revision == 2);
  const auto deleted = parse_header_only(
      R"({"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"6","raft_term":"2"},"deleted":"2"})");
  REQUIRE(deleted);
  CHECK(deleted->revision == 6);
}

TEST_CASE("parse_txn: succeeded or not (absent), the ranges of the branch taken") {
  const auto ok = parse_txn(
      R"({"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"4","raft_term":"2"},"succeeded":true,"responses":[{"response_put":{"header":{"revision":"4"}}}]})");
  REQUIRE(ok);
  CHECK(ok->succeeded);
  CHECK(ok->header.revision == 4);
  CHECK(ok->ranges.empty());

  const auto failed = parse_txn(
      R"({"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"4","raft_term":"2"},"responses":[{"response_range":{"header":{"revision":"4"},"kvs":[{"key":"bmV3MQ==","create_revision":"4","mod_revision":"4","version":"1","value":"eA==","lease":"4111120450043627022"}],"count":"1"}}]})");
  REQUIRE(failed);
  CHECK_FALSE(failed->succeeded);
  REQUIRE(failed->ranges.size() == 1);
  CHECK(failed->ranges[0].header.revision == 4);
  CHECK(failed->ranges[0].kvs.at(0).key == "new1");
  CHECK(failed->ranges[0].kvs.at(0).lease == kLease);

  const auto mixed = parse_txn(
      R"({"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"14","raft_term":"2"},"succeeded":true,"responses":[{"response_range":{"header":{"revision":"13"},"kvs":[{"key":"bTE=","create_revision":"11","mod_revision":"11","version":"1","value":"bTE="},{"key":"bTI=","create_revision":"12","mod_revision":"12","version":"1","value":"bTI="},{"key":"bTM=","create_revision":"13","mod_revision":"13","version":"1","value":"bTM="}],"count":"3"}},{"response_put":{"header":{"revision":"14"}}},{"response_range":{"header":{"revision":"14"},"kvs":[{"key":"bTQ=","create_revision":"14","mod_revision":"14","version":"1","value":"bTQ="}],"count":"1"}}]})");
  REQUIRE(mixed);
  REQUIRE(mixed->ranges.size() == 2);
  CHECK(mixed->ranges[0].count == 3);
  CHECK(mixed->ranges[1].kvs.at(0).value == "m4");

  // A failed compare with no ops: the header alone.
  const auto bare = parse_txn(
      R"({"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"6","raft_term":"2"}})");
  REQUIRE(bare);
  CHECK_FALSE(bare->succeeded);
  CHECK(bare->ranges.empty());
}

TEST_CASE("parse_lease_grant and parse_lease_keepalive: a lease gone has no TTL") {
  const auto grant = parse_lease_grant(
      R"({"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"2","raft_term":"2"},"ID":"4111120450043627016","TTL":"3"})");
  REQUIRE(grant);
  CHECK(grant->id == 4111120450043627016);
  CHECK(grant->ttl == 3);

  // The keepalive answer is a stream of one message: it ends with a newline.
  const auto alive = parse_lease_keepalive(
      "{\"result\":{\"header\":{\"cluster_id\":\"15118495548433857066\",\"member_id\":"
      "\"13668033151171901709\",\"revision\":\"3\",\"raft_term\":\"2\"},\"ID\":"
      "\"4111120450043627022\",\"TTL\":\"30\"}}\n");
  REQUIRE(alive);
  CHECK(*alive == 30);
  const auto gone = parse_lease_keepalive(
      "{\"result\":{\"header\":{\"cluster_id\":\"15118495548433857066\",\"member_id\":"
      "\"13668033151171901709\",\"revision\":\"6\",\"raft_term\":\"2\"},\"ID\":"
      "\"4111120450043627022\"}}\n");
  REQUIRE(gone);
  CHECK(*gone == 0);
  CHECK_FALSE(parse_lease_keepalive("{}"));
}

TEST_CASE("parse_status") {
  const auto s = parse_status(
      R"({"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"2","raft_term":"2"},"version":"3.4.23","dbSize":"20480","leader":"13668033151171901709","raftIndex":"6","raftTerm":"2","raftAppliedIndex":"6","dbSizeInUse":"16384"})");
  REQUIRE(s);
  CHECK(s->version == "3.4.23");
  CHECK(s->db_size == 20480);
  CHECK(s->leader == kMember);
  CHECK(s->header.member_id == kMember);
}

TEST_CASE("parse_watch_message: created, PUT (no type), DELETE, replay, compacted") {
  const auto created = parse_watch_message(
      R"({"result":{"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"6","raft_term":"2"},"created":true}})");
  REQUIRE(created);
  CHECK(created->created);
  CHECK(created->watch_id == 0);
  CHECK(created->header.revision == 6);
  CHECK(created->events.empty());

  const auto put = parse_watch_message(
      R"({"result":{"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"7","raft_term":"2"},"events":[{"kv":{"key":"dy9h","create_revision":"7","mod_revision":"7","version":"1","value":"MQ=="}}]}})");
  REQUIRE(put);
  REQUIRE(put->events.size() == 1);
  CHECK(put->events[0].type == WatchEvent::Type::Put);
  CHECK(put->events[0].kv == KeyValue{.key = "w/a",
                                      .value = "1",
                                      .create_revision = 7,
                                      .mod_revision = 7,
                                      .version = 1,
                                      .lease = 0});

  const auto replay = parse_watch_message(
      R"({"result":{"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"9","raft_term":"2"},"events":[{"kv":{"key":"dy9h","create_revision":"7","mod_revision":"7","version":"1","value":"MQ=="}},{"kv":{"key":"dy9h","create_revision":"7","mod_revision":"8","version":"2","value":"Mg=="}},{"type":"DELETE","kv":{"key":"dy9h","mod_revision":"9"}}]}})");
  REQUIRE(replay);
  REQUIRE(replay->events.size() == 3);
  CHECK(replay->events[1].kv.value == "2");
  CHECK(replay->events[2].type == WatchEvent::Type::Delete);
  CHECK(replay->events[2].kv.key == "w/a");
  CHECK(replay->events[2].kv.mod_revision == 9);
  CHECK(replay->events[2].kv.value.empty());

  const auto compacted = parse_watch_message(
      R"({"result":{"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","raft_term":"2"},"canceled":true,"compact_revision":"8"}})");
  REQUIRE(compacted);
  CHECK(compacted->canceled);
  CHECK(compacted->compact_revision == 8);
  CHECK(compacted->header.revision == 0);

  const auto reason = parse_watch_message(
      R"({"result":{"watch_id":"3","canceled":true,"cancel_reason":"etcdserver: permission denied","events":[{"type":"PUT","kv":{"key":"YQ=="}}]}})");
  REQUIRE(reason);
  CHECK(reason->watch_id == 3);
  CHECK(reason->cancel_reason == "etcdserver: permission denied");
  CHECK(reason->events.at(0).type == WatchEvent::Type::Put);
}

TEST_CASE("etcd's error objects are errors of every parser, with etcd's message") {
  const std::string not_found =
      R"({"error":"etcdserver: requested lease not found","message":"etcdserver: requested lease not found","code":5})";
  const std::string expected = "etcd: etcdserver: requested lease not found (code 5)";
  CHECK(parse_error(not_found) == expected);
  CHECK(parse_range(not_found).error() == expected);
  CHECK(parse_header_only(not_found).error() == expected);
  CHECK(parse_txn(not_found).error() == expected);
  CHECK(parse_lease_grant(not_found).error() == expected);
  CHECK(parse_lease_keepalive(not_found).error() == expected);
  CHECK(parse_status(not_found).error() == expected);
  CHECK(parse_watch_message(not_found).error() == expected);
  // Inside a stream, grpc-gateway v1 writes an object.
  const std::string in_stream =
      R"({"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: no leader","http_status":"Service Unavailable"}})";
  CHECK(parse_error(in_stream) == "etcd: etcdserver: no leader (code 14)");
  CHECK(parse_watch_message(in_stream).error() == "etcd: etcdserver: no leader (code 14)");
  // An answer, or not an object: no error object.
  CHECK_FALSE(parse_error(R"({"header":{}})"));
  CHECK_FALSE(parse_error(R"({"error":""})"));
  CHECK_FALSE(parse_error("Not Found"));
  CHECK_FALSE(parse_error("[]"));
}

TEST_CASE("malformed answers are refused, naming the field") {
  CHECK(parse_range("").error() == "answer is not JSON");
  CHECK(parse_range("{\"header\":").error() == "answer is not JSON");
  CHECK(parse_range("[1]").error() == "answer is not a JSON object");
  CHECK(parse_range(R"({"header":{"revision":"2"}} x)").error() == "answer is not JSON");
  CHECK(parse_range(R"({"header":{"revision":"abc"}})").error() ==
        "header.revision: not a 64-bit integer");
  CHECK_FALSE(parse_range(R"({"header":{"revision":"1.5"}})"));
  CHECK_FALSE(parse_range(R"({"header":{"revision":" 1"}})"));
  CHECK_FALSE(parse_range(R"({"header":{"revision":"+1"}})"));
  CHECK_FALSE(parse_range(R"({"header":{"revision":""}})"));
  CHECK_FALSE(parse_range(R"({"header":{"revision":1.5}})"));
  CHECK_FALSE(parse_range(R"({"header":{"revision":"9223372036854775808"}})"));
  CHECK_FALSE(parse_range(R"({"header":{"revision":true}})"));
  CHECK(parse_range(R"({"header":{"member_id":"-1"}})").error() ==
        "header.member_id: not an unsigned 64-bit integer");
  CHECK_FALSE(parse_range(R"({"header":{"member_id":18446744073709551616}})"));
  CHECK(parse_range(R"({"header":[]})").error() == "header: not an object");
  CHECK(parse_range(R"({"kvs":{}})").error() == "kvs: not an array");
  CHECK(parse_range(R"({"kvs":[1]})").error() == "kvs[0]: not an object");
  CHECK(parse_range(R"({"kvs":[{"key":"Zm9v"},{"key":"Zm9"}]})").error() ==
        "kvs[1].key: not base64");
  CHECK(parse_range(R"({"kvs":[{"key":7}]})").error() == "kvs[0].key: not base64");
  CHECK(parse_range(R"({"more":"true"})").error() == "more: not a boolean");
  CHECK(parse_txn(R"({"responses":[{"response_range":{"count":"x"}}]})").error() ==
        "responses[0].response_range.count: not a 64-bit integer");
  CHECK(parse_status(R"({"version":3})").error() == "version: not a string");
  CHECK(parse_watch_message(R"({"header":{}})").error() == "result: missing");
  CHECK(parse_watch_message(R"({"result":{"events":[{"type":"PATCH"}]}})").error() ==
        "result.events[0].type: unknown event type");
  CHECK(parse_watch_message(R"({"result":{"events":[{"kv":{"key":"!"}}]}})").error() ==
        "result.events[0].kv.key: not base64");
}

TEST_CASE("64-bit integers: decimal strings, or JSON integers as proto3 allows") {
  CHECK(parse_range(R"({"header":{"revision":"-5"}})")->header.revision == -5);
  CHECK(parse_range(R"({"header":{"revision":7}})")->header.revision == 7);
  CHECK(parse_range(R"({"header":{"revision":"9223372036854775807"}})")->header.revision ==
        INT64_MAX);
  CHECK(parse_range(R"({"header":{"member_id":"18446744073709551615"}})")->header.member_id ==
        UINT64_MAX);
}

TEST_CASE("bounds: size and nesting") {
  std::string big = R"({"header":{},"pad":")";
  big += std::string(kMaxAnswer, 'x');
  big += "\"}";
  CHECK(parse_range(big).error() == "answer over 4 MiB");
  CHECK_FALSE(parse_error(big));
  std::string just_fits = R"({"pad":")";
  just_fits += std::string(kMaxAnswer - just_fits.size() - 2, 'x');
  just_fits += "\"}";
  CHECK(just_fits.size() == kMaxAnswer);
  CHECK(parse_range(just_fits));

  const std::string deep = R"({"a":)" + std::string(16, '[') + std::string(16, ']') + "}";
  CHECK(parse_range(deep).error() == "answer nested too deep");
  const std::string ok = R"({"a":)" + std::string(15, '[') + std::string(15, ']') + "}";
  CHECK(parse_range(ok));
  // Brackets in strings do not count, escaped quotes included.
  const std::string in_string = R"({"a":"\"[[[[[[[[[[[[[[[[[[[[[[[["})";
  CHECK(parse_range(in_string));
}

}  // namespace
}  // namespace ikesteer::frontend::etcd
