#include "frontend/etcd/etcd_client.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "frontend/etcd/http_channel.hpp"

namespace ikesteer::frontend::etcd {
namespace {

namespace asio = boost::asio;

// Whether a call may go to the next endpoint once it may have reached one: only when doing it
// twice changes nothing. A put, txn or grant applied twice would write twice (a compare-and-set
// would even be seen failing although it succeeded), so those stop at the first endpoint that
// took the request.
enum class Resend : std::uint8_t { Never, Safe };

const Error kCancelled{Error::Kind::Cancelled, "cancelled"};

void note(std::string& failures, const ClientEndpoint& endpoint, const ChannelError& error) {
  if (!failures.empty()) failures += "; ";
  failures += endpoint_text(endpoint) + ": " + error.message;
}

// etcd's error object, whatever the status; else the status when it is not a success.
Result<std::string, Error> answered_body(HttpAnswer answer) {
  if (auto error = parse_error(answer.body)) return fail(Error{Error::Kind::Refused, *error});
  if (answer.status < 200 || answer.status > 299) {
    answer.body.resize(std::min<std::size_t>(answer.body.size(), 200));
    return fail(
        Error{Error::Kind::Refused, "HTTP " + std::to_string(answer.status) + ": " + answer.body});
  }
  return std::move(answer.body);
}

template <class T>
Result<T, Error> decoded(Result<std::string, Error> body,
                         Result<T, std::string> (*parse)(std::string_view)) {
  if (!body) return fail(body.error());
  auto parsed = parse(*body);
  if (!parsed) return fail(Error{Error::Kind::Malformed, parsed.error()});
  return std::move(parsed).value();
}

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

struct Client::Impl {
  ClientOptions options;
  std::unique_ptr<asio::ssl::context> tls;  // when an endpoint uses TLS
  // Each call runs it on the calling thread (http_channel.hpp); cancel() posts to it to wake
  // a watch waiting there.
  asio::io_context io;
  std::atomic<bool> cancelled{false};
  std::atomic<std::size_t> current{0};  // the endpoint the next call tries first
  std::atomic<bool> answered{false};

  Result<std::string, Error> call(std::string_view target, const std::string& body,
                                  TimePoint deadline, Resend resend);
  Result<void, Error> watch(const std::string& request, TimePoint connect_deadline,
                            const std::function<void(const WatchMessage&)>& on_message);
  Result<void, Error> follow(HttpChannel& channel, const std::string& where,
                             const std::function<void(const WatchMessage&)>& on_message);
  void answered_by(std::size_t index) {
    current = index;
    answered = true;
  }
};

Result<std::string, Error> Client::Impl::call(std::string_view target, const std::string& body,
                                              TimePoint deadline, Resend resend) {
  std::string failures;
  const std::size_t first = current;
  for (std::size_t i = 0; i < options.endpoints.size(); ++i) {
    const std::size_t index = (first + i) % options.endpoints.size();
    const ClientEndpoint& endpoint = options.endpoints[index];
    HttpChannel channel(io, tls.get(), nullptr);
    auto connected =
        channel.connect(endpoint, std::min(deadline, Clock::now() + options.connect_timeout));
    if (!connected) {
      note(failures, endpoint, connected.error());
      continue;
    }
    auto sent = channel.post(target, body, deadline);
    auto answer = sent ? channel.receive(deadline) : fail(sent.error());
    if (!answer) {
      note(failures, endpoint, answer.error());
      if (resend == Resend::Safe) continue;
      return fail(Error{Error::Kind::Unreachable, std::move(failures)});
    }
    answered_by(index);
    return answered_body(std::move(*answer));
  }
  return fail(Error{Error::Kind::Unreachable, std::move(failures)});
}

Result<void, Error> Client::Impl::watch(
    const std::string& request, TimePoint connect_deadline,
    const std::function<void(const WatchMessage&)>& on_message) {
  std::string failures;
  const std::size_t first = current;
  for (std::size_t i = 0; i < options.endpoints.size(); ++i) {
    const std::size_t index = (first + i) % options.endpoints.size();
    const ClientEndpoint& endpoint = options.endpoints[index];
    HttpChannel channel(io, tls.get(), &cancelled);
    auto connected = channel.connect(
        endpoint, std::min(connect_deadline, Clock::now() + options.connect_timeout));
    auto sent =
        connected ? channel.post("/v3/watch", request, connect_deadline) : fail(connected.error());
    auto status = sent ? channel.receive_head(connect_deadline) : fail(sent.error());
    if (!status) {
      if (status.error().cancelled) return fail(kCancelled);
      note(failures, endpoint, status.error());
      continue;
    }
    answered_by(index);
    if (*status == 200) return follow(channel, endpoint_text(endpoint), on_message);
    // A refusal (a malformed request: 400 or 500) comes whole, with Content-Length.
    HttpAnswer refusal{.status = *status, .body = {}};
    while (refusal.body.size() <= kMaxAnswer) {
      auto more = channel.receive_more(refusal.body, connect_deadline);
      if (!more || !*more) break;
    }
    auto body = answered_body(std::move(refusal));
    return fail(body ? Error{Error::Kind::Refused, "HTTP " + std::to_string(*status)}
                     : body.error());
  }
  return fail(Error{Error::Kind::Unreachable, std::move(failures)});
}

// The watch stream: one JSON message per line (grpc-gateway ends each with '\n'), in chunks
// that need not follow the lines.
Result<void, Error> Client::Impl::follow(
    HttpChannel& channel, const std::string& where,
    const std::function<void(const WatchMessage&)>& on_message) {
  std::string pending;
  for (;;) {
    auto more = channel.receive_more(pending, TimePoint::max());
    if (!more) {
      if (more.error().cancelled) return fail(kCancelled);
      return fail(Error{Error::Kind::Unreachable, where + ": " + more.error().message});
    }
    std::size_t start = 0;
    for (std::size_t end; (end = pending.find('\n', start)) != std::string::npos; start = end + 1) {
      const std::string_view line = std::string_view(pending).substr(start, end - start);
      if (blank(line)) continue;
      auto message = parse_watch_message(line);
      if (!message) {
        if (auto error = parse_error(line)) return fail(Error{Error::Kind::Refused, *error});
        return fail(Error{Error::Kind::Malformed, message.error()});
      }
      on_message(*message);
      if (message->canceled) return {};
      if (cancelled) return fail(kCancelled);
    }
    pending.erase(0, start);
    if (pending.size() > kMaxAnswer)
      return fail(Error{Error::Kind::Malformed, where + ": watch message over 4 MiB"});
    if (!*more) return fail(Error{Error::Kind::Unreachable, where + ": the watch stream ended"});
  }
}

Result<Client, std::string> Client::create(ClientOptions options) {
  if (options.endpoints.empty()) return fail(std::string("no etcd endpoints"));
  auto impl = std::make_unique<Impl>();
  if (std::ranges::any_of(options.endpoints, &ClientEndpoint::tls)) {
    auto tls = make_tls_context(options);
    if (!tls) return fail(tls.error());
    impl->tls = std::move(*tls);
  }
  impl->options = std::move(options);
  return Client(std::move(impl));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

Result<RangeResult, Error> Client::range(const KeyRange& range, TimePoint deadline) {
  return decoded(impl_->call("/v3/kv/range", range_request(range), deadline, Resend::Safe),
                 &parse_range);
}

Result<Header, Error> Client::put(std::string_view key, std::string_view value, std::int64_t lease,
                                  TimePoint deadline) {
  return decoded(impl_->call("/v3/kv/put", put_request(key, value, lease), deadline, Resend::Never),
                 &parse_header_only);
}

Result<Header, Error> Client::erase(const KeyRange& range, TimePoint deadline) {
  return decoded(impl_->call("/v3/kv/deleterange", delete_request(range), deadline, Resend::Never),
                 &parse_header_only);
}

Result<TxnResult, Error> Client::txn(const std::vector<Compare>& compares,
                                     const std::vector<Op>& success, const std::vector<Op>& failure,
                                     TimePoint deadline) {
  return decoded(
      impl_->call("/v3/kv/txn", txn_request(compares, success, failure), deadline, Resend::Never),
      &parse_txn);
}

Result<LeaseGrant, Error> Client::grant(std::int64_t ttl_seconds, TimePoint deadline) {
  return decoded(
      impl_->call("/v3/lease/grant", lease_grant_request(ttl_seconds), deadline, Resend::Never),
      &parse_lease_grant);
}

Result<std::int64_t, Error> Client::keep_alive(std::int64_t lease, TimePoint deadline) {
  return decoded(
      impl_->call("/v3/lease/keepalive", lease_id_request(lease), deadline, Resend::Safe),
      &parse_lease_keepalive);
}

Result<void, Error> Client::revoke(std::int64_t lease, TimePoint deadline) {
  // Not resent: a second revoke of a lease the first one removed is refused as not found.
  auto header =
      decoded(impl_->call("/v3/lease/revoke", lease_id_request(lease), deadline, Resend::Never),
              &parse_header_only);
  if (!header) return fail(header.error());
  return {};
}

Result<Status, Error> Client::status(TimePoint deadline) {
  return decoded(impl_->call("/v3/maintenance/status", "{}", deadline, Resend::Safe),
                 &parse_status);
}

Result<void, Error> Client::watch(const KeyRange& range, std::int64_t start_revision,
                                  TimePoint connect_deadline,
                                  const std::function<void(const WatchMessage&)>& on_message) {
  if (impl_->cancelled) return fail(kCancelled);
  return impl_->watch(watch_request(range, start_revision), connect_deadline, on_message);
}

void Client::cancel() {
  impl_->cancelled = true;
  // Wakes a watch waiting in run_one_until; it sees the flag and closes its connection.
  asio::post(impl_->io, [] {});
}

void Client::reset_cancel() {
  impl_->cancelled = false;
}

std::string Client::current_endpoint() const {
  if (!impl_->answered) return {};
  return endpoint_text(impl_->options.endpoints[impl_->current]);
}

}  // namespace ikesteer::frontend::etcd
