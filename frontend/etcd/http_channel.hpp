// One HTTP/1.1 exchange with one etcd endpoint, over TCP or TLS, on an io_context this drives
// itself on the calling thread: each step ends by its deadline, or soon after `cancel` is set
// (whoever sets it posts a handler to the io_context to wake it), and then the connection is
// closed. Beast's own timeouts serve only callers running an io_context; here every wait is
// run_one_until(deadline).
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "frontend/etcd/etcd_client.hpp"

namespace ikesteer::frontend::etcd {

// "192.0.2.21:2379", "[2001:db8::1]:2379": the Host header and how errors name an endpoint.
std::string endpoint_text(const ClientEndpoint& endpoint);

// The TLS settings of `options`: the servers' certificates verified against tls_ca (the
// system's CAs when ""), this client's certificate and key presented when set, TLS 1.2 or
// later. Fails when a file cannot be read.
Result<std::unique_ptr<boost::asio::ssl::context>, std::string> make_tls_context(
    const ClientOptions& options);

struct ChannelError {
  std::string message;  // "connect: Connection refused", "receive: timeout"
  bool cancelled = false;
};

struct HttpAnswer {
  int status = 0;
  std::string body;
};

class HttpChannel {
 public:
  // `tls` is needed for TLS endpoints; `cancel` may be nullptr. Both must outlive this.
  HttpChannel(boost::asio::io_context& io, boost::asio::ssl::context* tls,
              const std::atomic<bool>* cancel);
  ~HttpChannel();
  HttpChannel(const HttpChannel&) = delete;
  HttpChannel& operator=(const HttpChannel&) = delete;

  // TCP, then for a TLS endpoint the handshake, the certificate checked for its address.
  Result<void, ChannelError> connect(const ClientEndpoint& endpoint, TimePoint deadline);
  // POST `target` with a JSON body and Connection: close.
  Result<void, ChannelError> post(std::string_view target, std::string body, TimePoint deadline);
  // The whole answer, its body at most kMaxAnswer octets.
  Result<HttpAnswer, ChannelError> receive(TimePoint deadline);

  // A stream: the status, then the body as it arrives (chunked framing removed).
  Result<int, ChannelError> receive_head(TimePoint deadline);
  // Appends what arrived of the body to `out`; false once the body has ended.
  Result<bool, ChannelError> receive_more(std::string& out, TimePoint deadline);

 private:
  template <class Start>
  Result<void, ChannelError> run(const Start& start, TimePoint deadline, std::string_view what);
  template <class Operation>
  void on_stream(const Operation& operation);
  void close();

  boost::asio::io_context& io_;
  boost::asio::ssl::context* tls_context_;
  const std::atomic<bool>* cancel_;
  std::string host_;
  std::optional<boost::asio::ip::tcp::socket> plain_;
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> tls_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
};

}  // namespace ikesteer::frontend::etcd
