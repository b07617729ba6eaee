#include "frontend/http/http_connection.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "common/log.hpp"
#include "frontend/http/query_string.hpp"
#include "frontend/http/response_writer.hpp"

namespace ikesteer::frontend::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace wire = boost::beast::http;  // `http` is this namespace
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using TlsStream = asio::ssl::stream<tcp::socket>;
using WireRequest = wire::request<wire::string_body>;

// When the server closes after a response, it first stops sending and waits (this long at most)
// for the client to close: closing with unread input resets the connection, which can destroy
// the response before the client reads it (RFC 9112 §9.6).
constexpr Duration kMaxLinger = std::chrono::seconds(2);

constexpr std::string_view kHeartbeat = ": heartbeat\n\n";  // an event-stream comment

IpAddress to_ip(const asio::ip::address& a) {
  if (a.is_v4()) {
    const auto bytes = a.to_v4().to_bytes();
    return IpAddress::v4(std::as_bytes(std::span(bytes)));
  }
  const auto bytes = a.to_v6().to_bytes();
  return IpAddress::v6(std::as_bytes(std::span(bytes)));
}

std::string_view view(beast::string_view s) {
  return {s.data(), s.size()};
}

// The request as handlers see it, or the 400 that answers it.
std::optional<HttpResponse> to_request(WireRequest& in, const IpAddress& peer, HttpRequest& out) {
  out.method = std::string(view(in.method_string()));
  const std::string_view target = view(in.target());
  const std::size_t question = target.find('?');
  out.path = std::string(target.substr(0, question));
  if (!out.path.starts_with('/')) return json_error(400, "bad request target");
  if (in.version() >= 11 && in.find(wire::field::host) == in.end())
    return json_error(400, "missing Host header");  // RFC 9112 §3.2
  if (question != std::string_view::npos) {
    auto query = parse_query(target.substr(question + 1));
    if (!query) return json_error(400, "bad query string");
    out.query = std::move(*query);
  }
  out.authorization = std::string(view(in[wire::field::authorization]));
  out.content_type = std::string(view(in[wire::field::content_type]));
  out.body = std::move(in.body());
  out.peer = peer;
  return std::nullopt;
}

// What a read error is answered with; nullopt: nothing (the client left or stalled).
std::optional<HttpResponse> read_error_response(const error_code& e) {
  if (e == wire::error::header_limit) return json_error(431, "request header fields too large");
  if (e == wire::error::body_limit) return json_error(413, "request body too large");
  if (e.category() == wire::make_error_code(wire::error::bad_method).category() &&
      e != wire::error::end_of_stream && e != wire::error::partial_message)
    return json_error(400, "bad request");
  return std::nullopt;
}

// Inside a catch block: what the exception being handled says.
std::string exception_text() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

template <class Stream>
class Session final : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Session(tcp::socket socket, ConnectionContext& context)
      : context_(context),
        stream_(make_stream(std::move(socket), context)),
        deadline_(stream_.get_executor(), TimePoint::max()),
        poll_(stream_.get_executor()) {
    context_.open.insert(this);
  }

  ~Session() override {
    context_.open.erase(this);
    if (source_ != nullptr) --context_.streams;
  }

  void start() {
    error_code e;
    const tcp::endpoint remote = stream_.lowest_layer().remote_endpoint(e);
    if (e) return close();
    peer_ = to_ip(remote.address());
    stream_.lowest_layer().set_option(tcp::no_delay(true), e);
    watch_deadline();
    if constexpr (kTls) {
      deadline_.expires_after(context_.options.read_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server, [self = shared()](error_code ec) {
        if (self->closed_) return;
        if (ec) return self->close();
        self->read_request();
      });
    } else {
      read_request();
    }
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    error_code ignored;
    stream_.lowest_layer().close(ignored);
    deadline_.cancel();
    poll_.cancel();
  }

 private:
  // What follows a completed write.
  enum class After : std::uint8_t { ReadBody, ReadNext, Linger, StreamNext };

  static Stream make_stream(tcp::socket socket, ConnectionContext& context) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *context.tls);
    } else {
      return socket;
    }
  }

  std::shared_ptr<Session> shared() { return this->shared_from_this(); }

  // The one deadline of the connection: the read deadline while a request is read, the write
  // deadline while anything is written, the linger time while closing. When it passes, the
  // socket is closed, which ends whatever is pending. Re-arming (expires_at) wakes this watcher,
  // which then waits again; it holds no reference, so it never keeps the connection alive.
  void watch_deadline() {
    deadline_.async_wait([weak = this->weak_from_this()](error_code) {
      const auto self = weak.lock();
      if (!self || self->closed_) return;
      if (self->deadline_.expiry() <= Clock::now()) return self->close();
      self->watch_deadline();
    });
  }

  void read_request() {
    if (context_.stopping) return close();
    const HttpServerOptions& o = context_.options;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(o.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    parser_->body_limit(std::uint64_t{o.max_body_bytes});
    request_deadline_ = Clock::now() + o.read_timeout;
    deadline_.expires_at(request_deadline_);
    // The parser stops reading at header_limit, so buffer_ stays below that plus one read.
    wire::async_read_header(stream_, buffer_, *parser_,
                            [self = shared()](error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(const error_code& ec) {
    if (closed_) return;
    if (ec) return on_read_error(ec);
    const WireRequest& request = parser_->get();
    // A body in a transfer coding other than chunked has no length we could know (RFC 9112
    // §6.3); the parser would read it as empty.
    if (request.count(wire::field::transfer_encoding) > 0 && !parser_->chunked())
      return on_read_error(wire::error::bad_transfer_encoding);
    if (request.version() >= 11 && !parser_->is_done() &&
        beast::iequals(request[wire::field::expect], "100-continue")) {
      out_ = "HTTP/1.1 100 Continue\r\n\r\n";  // RFC 9110 §10.1.1
      return write(After::ReadBody);
    }
    read_body();
  }

  void read_body() {
    deadline_.expires_at(request_deadline_);
    wire::async_read(stream_, buffer_, *parser_,
                     [self = shared()](error_code ec, std::size_t) { self->on_request(ec); });
  }

  void on_read_error(const error_code& ec) {
    const std::optional<HttpResponse> response = read_error_response(ec);
    if (!response) return close();
    connection_ = ConnectionHeader::Close;  // what follows in the stream cannot be trusted
    respond(*response, HttpRequest{});
  }

  void on_request(const error_code& ec) {
    if (closed_) return;
    if (ec) return on_read_error(ec);
    deadline_.expires_at(TimePoint::max());
    ++requests_;
    WireRequest in = parser_->release();
    const bool keep_alive = in.keep_alive() && !context_.stopping &&
                            requests_ < context_.options.max_requests_per_connection;
    connection_ = !keep_alive         ? ConnectionHeader::Close
                  : in.version() < 11 ? ConnectionHeader::KeepAlive
                                      : ConnectionHeader::None;
    HttpRequest request;
    if (auto bad = to_request(in, peer_, request)) return respond(*bad, request);

    const HttpRouter::Match match = context_.router.find(request.method, request.path);
    if (match.target == nullptr) {
      if (match.allow.empty()) return respond(json_error(404, "not found"), request);
      HttpResponse response = json_error(405, "method not allowed");
      response.headers.emplace_back("Allow", match.allow);
      return respond(response, request);
    }
    if (const auto* source = std::get_if<SseSource>(match.target)) {
      if (context_.streams >= context_.options.max_streams)
        return respond(json_error(503, "too many streams"), request);
      return start_stream(*source);
    }
    respond(run_handler(std::get<HttpHandler>(*match.target), request), request);
  }

  HttpResponse run_handler(const HttpHandler& handler, const HttpRequest& request) {
    try {
      return handler(request);
    } catch (...) {
      if (context_.error_log.allow(Clock::now()))
        log(LogLevel::Error, "http", "handler failed",
            {{"method", request.method}, {"path", request.path}, {"error", exception_text()}});
    }
    return json_error(500, "internal error");
  }

  void respond(const HttpResponse& response, const HttpRequest& request) {
    if (log_enabled(LogLevel::Debug))
      log(LogLevel::Debug, "http", "request",
          {{"peer", peer_.to_string()},
           {"method", request.method},
           {"path", request.path},
           {"status", std::to_string(response.status)}});
    out_ = format_response(response, connection_);
    write(connection_ == ConnectionHeader::Close ? After::Linger : After::ReadNext);
  }

  void write(After after) {
    deadline_.expires_after(context_.options.write_timeout);
    asio::async_write(stream_, asio::buffer(out_),
                      [self = shared(), after](error_code ec, std::size_t) {
                        if (self->closed_) return;
                        if (ec) return self->close();
                        self->deadline_.expires_at(TimePoint::max());
                        switch (after) {
                          case After::ReadBody:
                            return self->read_body();
                          case After::ReadNext:
                            return self->read_request();
                          case After::Linger:
                            return self->linger();
                          case After::StreamNext:
                            return self->stream_written();
                        }
                      });
  }

  void linger() {
    if (context_.stopping) return close();
    deadline_.expires_after(std::min(context_.options.read_timeout, kMaxLinger));
    if constexpr (kTls) {
      stream_.async_shutdown([self = shared()](error_code) { self->close(); });
    } else {
      error_code ignored;
      stream_.shutdown(tcp::socket::shutdown_send, ignored);
      discard_input();
    }
  }

  // Reads and drops whatever arrives until the client closes (or the socket is closed).
  void discard_input() {
    stream_.async_read_some(asio::buffer(discard_), [self = shared()](error_code ec, std::size_t) {
      if (self->closed_) return;
      if (ec) return self->close();
      self->discard_input();
    });
  }

  // The response head and then, as the source yields them, its chunks, until either side closes.
  // Nothing is read any more except to notice the client leaving.
  void start_stream(const SseSource& source) {
    source_ = &source;
    ++context_.streams;
    out_ = format_event_stream_head();
    discard_input();
    poll_stream();
  }

  void poll_stream() {
    std::optional<std::string> chunk;
    try {
      chunk = (*source_)(cursor_);
    } catch (...) {
      if (context_.error_log.allow(Clock::now()))
        log(LogLevel::Error, "http", "event source failed", {{"error", exception_text()}});
      return close();
    }
    if (chunk) out_ += *chunk;
    if (out_.empty() && Clock::now() - last_sent_ >= context_.options.sse_heartbeat)
      out_ = kHeartbeat;
    if (out_.empty()) return wait_for_poll();
    write(After::StreamNext);
  }

  void stream_written() {
    out_.clear();
    last_sent_ = Clock::now();
    wait_for_poll();
  }

  void wait_for_poll() {
    poll_.expires_after(context_.options.sse_poll);
    poll_.async_wait([self = shared()](error_code ec) {
      if (self->closed_ || ec) return;
      self->poll_stream();
    });
  }

  ConnectionContext& context_;
  Stream stream_;
  asio::steady_timer deadline_;
  asio::steady_timer poll_;  // event streams
  beast::flat_buffer buffer_;
  std::optional<wire::request_parser<wire::string_body>> parser_;
  TimePoint request_deadline_{};
  std::string out_;  // what is being written
  std::array<char, 1024> discard_{};
  IpAddress peer_;
  unsigned requests_ = 0;
  ConnectionHeader connection_ = ConnectionHeader::None;
  const SseSource* source_ = nullptr;  // set: this connection is an event stream
  std::uint64_t cursor_ = 0;
  TimePoint last_sent_{};
  bool closed_ = false;
};

}  // namespace

void serve_connection(tcp::socket socket, ConnectionContext& context) {
  if (context.tls != nullptr)
    std::make_shared<Session<TlsStream>>(std::move(socket), context)->start();
  else
    std::make_shared<Session<tcp::socket>>(std::move(socket), context)->start();
}

}  // namespace ikesteer::frontend::http
