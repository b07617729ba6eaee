// A blocking client of etcd's v3 HTTP/JSON gateway (etcd_messages.hpp), over HTTP or HTTPS
// with a client certificate, for a thread of its own: each call tries the endpoints in turn,
// starting with the last one that answered, and is bounded by one deadline. watch() keeps a
// stream open and hands each message over until it fails, ends or is cancelled.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "frontend/etcd/etcd_messages.hpp"

namespace ikesteer::frontend::etcd {

struct ClientEndpoint {
  bool tls = false;
  IpAddress address;
  std::uint16_t port = 2379;
  bool operator==(const ClientEndpoint&) const = default;
};

struct ClientOptions {
  std::vector<ClientEndpoint> endpoints;
  std::string tls_ca;  // PEM file: the CA that signed the servers' certificates ("" = the system's)
  std::string tls_certificate;  // PEM files: this client's certificate and key ("" = none)
  std::string tls_key;
  Duration connect_timeout = std::chrono::seconds(1);  // per endpoint tried
};

struct Error {
  enum class Kind : std::uint8_t {
    // No endpoint answered (refused, timed out, TLS failed). A put, erase, txn, grant or
    // revoke is never sent to a second endpoint once one took it, so when this names a failure
    // after connecting, that call may or may not have been applied.
    Unreachable,
    Refused,    // an answer with an HTTP error status or an etcd error object
    Malformed,  // an answer that does not parse
    Cancelled,  // watch(): cancel() was called
  };
  Kind kind;
  std::string message;  // "192.0.2.21:2379: connect: Connection refused; 192.0.2.22:2379: ..."
};

class Client {
 public:
  // Fails when the endpoint list is empty or, when an endpoint uses TLS, a TLS file cannot be
  // read.
  static Result<Client, std::string> create(ClientOptions options);
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

  Result<RangeResult, Error> range(const KeyRange& range, TimePoint deadline);
  Result<Header, Error> put(std::string_view key, std::string_view value, std::int64_t lease,
                            TimePoint deadline);
  Result<Header, Error> erase(const KeyRange& range, TimePoint deadline);
  Result<TxnResult, Error> txn(const std::vector<Compare>& compares, const std::vector<Op>& success,
                               const std::vector<Op>& failure, TimePoint deadline);
  Result<LeaseGrant, Error> grant(std::int64_t ttl_seconds, TimePoint deadline);
  // The TTL left; 0: the lease is gone.
  Result<std::int64_t, Error> keep_alive(std::int64_t lease, TimePoint deadline);
  Result<void, Error> revoke(std::int64_t lease, TimePoint deadline);
  Result<Status, Error> status(TimePoint deadline);

  // Watches `range` from `start_revision` (0 = from now), calling on_message for every
  // message (on this thread) until the stream breaks, the server cancels the watch (a
  // message with canceled set is passed on, then this returns), or cancel() is called from
  // another thread. Returns the reason it ended. Connecting is bounded by `connect_deadline`;
  // once connected a stream may stay open indefinitely. Thread-safe against cancel() only.
  Result<void, Error> watch(const KeyRange& range, std::int64_t start_revision,
                            TimePoint connect_deadline,
                            const std::function<void(const WatchMessage&)>& on_message);
  // Ends a watch() in progress (from any thread) and makes the next watch() return at once
  // until reset_cancel().
  void cancel();
  void reset_cancel();

  // The endpoint that answered last, "192.0.2.21:2379"; "" before any answer.
  std::string current_endpoint() const;

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ikesteer::frontend::etcd
