#include "frontend/etcd/http_channel.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cstring>

#include "frontend/os/close_on_exec.hpp"

namespace ikesteer::frontend::etcd {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;

asio::ip::address asio_address(const IpAddress& address) {
  if (address.is_v4()) {
    asio::ip::address_v4::bytes_type b;
    std::memcpy(b.data(), address.bytes().data(), b.size());
    return asio::ip::address_v4(b);
  }
  asio::ip::address_v6::bytes_type b;
  std::memcpy(b.data(), address.bytes().data(), b.size());
  return asio::ip::address_v6(b);
}

std::string file_error(std::string_view what, const std::string& file, const error_code& ec) {
  return std::string(what) + " " + file + ": " + ec.message();
}

}  // namespace

std::string endpoint_text(const ClientEndpoint& endpoint) {
  const std::string address = endpoint.address.to_string();
  return (endpoint.address.is_v4() ? address : "[" + address + "]") + ":" +
         std::to_string(endpoint.port);
}

Result<std::unique_ptr<asio::ssl::context>, std::string> make_tls_context(
    const ClientOptions& options) {
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  error_code ec;
  if (context->set_verify_mode(asio::ssl::verify_peer, ec); ec) return fail("tls: " + ec.message());
  if (options.tls_ca.empty()) {
    if (context->set_default_verify_paths(ec); ec) return fail("tls: system CAs: " + ec.message());
  } else if (context->load_verify_file(options.tls_ca, ec); ec) {
    return fail(file_error("tls_ca", options.tls_ca, ec));
  }
  if (options.tls_certificate.empty() != options.tls_key.empty())
    return fail(std::string("tls_certificate and tls_key go together"));
  if (options.tls_certificate.empty()) return context;
  if (context->use_certificate_chain_file(options.tls_certificate, ec); ec)
    return fail(file_error("tls_certificate", options.tls_certificate, ec));
  if (context->use_private_key_file(options.tls_key, asio::ssl::context::pem, ec); ec)
    return fail(file_error("tls_key", options.tls_key, ec));
  return context;
}

HttpChannel::HttpChannel(asio::io_context& io, asio::ssl::context* tls,
                         const std::atomic<bool>* cancel)
    : io_(io), tls_context_(tls), cancel_(cancel) {}

HttpChannel::~HttpChannel() {
  close();
}

void HttpChannel::close() {
  error_code ignored;
  if (plain_) plain_->close(ignored);
  if (tls_) tls_->next_layer().close(ignored);
}

template <class Operation>
void HttpChannel::on_stream(const Operation& operation) {
  if (tls_)
    operation(*tls_);
  else
    operation(*plain_);
}

// Starts one asynchronous operation and runs the io_context until it completes. Past the
// deadline or once cancelled, the socket is closed and the operation's handler (now with
// operation_aborted) is still run, so nothing of it outlives this call.
template <class Start>
Result<void, ChannelError> HttpChannel::run(const Start& start, TimePoint deadline,
                                            std::string_view what) {
  bool done = false;
  error_code result;
  start([&done, &result](error_code ec, auto&&...) {
    result = ec;
    done = true;
  });
  std::optional<ChannelError> abandoned;
  while (!done) {
    if (!abandoned && cancel_ && cancel_->load()) abandoned = ChannelError{"cancelled", true};
    if (!abandoned && Clock::now() >= deadline)
      abandoned = ChannelError{std::string(what) + ": timeout"};
    if (abandoned) close();
    if (io_.stopped()) io_.restart();
    if (abandoned)
      io_.run_one();
    else
      io_.run_one_until(deadline);
  }
  if (abandoned) return fail(std::move(*abandoned));
  if (result) return fail(ChannelError{std::string(what) + ": " + result.message()});
  return {};
}

Result<void, ChannelError> HttpChannel::connect(const ClientEndpoint& endpoint,
                                                TimePoint deadline) {
  host_ = endpoint_text(endpoint);
  const asio::ip::tcp::endpoint to(asio_address(endpoint.address), endpoint.port);
  if (endpoint.tls && !tls_context_) return fail(ChannelError{"tls: no TLS settings"});
  if (endpoint.tls)
    tls_.emplace(io_, *tls_context_);
  else
    plain_.emplace(io_);
  asio::ip::tcp::socket& socket = tls_ ? tls_->next_layer() : *plain_;
  boost::system::error_code opened;
  socket.open(to.protocol(), opened);
  if (opened) return fail(ChannelError{"socket: " + opened.message(), false});
  close_on_exec(socket.native_handle());
  auto connected = run([&](auto done) { socket.async_connect(to, done); }, deadline, "connect");
  if (!connected || !tls_) return connected;
  // The certificate must name the address connected to (an iPAddress in its subjectAltName,
  // RFC 6125 §6.2.1): OpenSSL checks it while verifying the chain.
  const std::string ip = endpoint.address.to_string();
  if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(tls_->native_handle()), ip.c_str()) != 1)
    return fail(ChannelError{"tls: cannot check the certificate for " + ip});
  return run([&](auto done) { tls_->async_handshake(asio::ssl::stream_base::client, done); },
             deadline, "tls");
}

Result<void, ChannelError> HttpChannel::post(std::string_view target, std::string body,
                                             TimePoint deadline) {
  http::request<http::string_body> request{
      http::verb::post, boost::beast::string_view(target.data(), target.size()), 11};
  request.set(http::field::host, host_);
  request.set(http::field::content_type, "application/json");
  request.keep_alive(false);
  request.body() = std::move(body);
  request.prepare_payload();
  return run(
      [&](auto done) {
        on_stream([&](auto& stream) { http::async_write(stream, request, done); });
      },
      deadline, "send");
}

Result<HttpAnswer, ChannelError> HttpChannel::receive(TimePoint deadline) {
  parser_.emplace();
  parser_->body_limit(kMaxAnswer);
  auto read = run(
      [&](auto done) {
        on_stream([&](auto& stream) { http::async_read(stream, buffer_, *parser_, done); });
      },
      deadline, "receive");
  if (!read) return fail(read.error());
  return HttpAnswer{.status = static_cast<int>(parser_->get().result_int()),
                    .body = std::move(parser_->get().body())};
}

Result<int, ChannelError> HttpChannel::receive_head(TimePoint deadline) {
  parser_.emplace();
  // A stream has no end; the caller bounds each of its messages.
  parser_->body_limit(boost::none);
  auto read = run(
      [&](auto done) {
        on_stream([&](auto& stream) { http::async_read_header(stream, buffer_, *parser_, done); });
      },
      deadline, "receive");
  if (!read) return fail(read.error());
  return static_cast<int>(parser_->get().result_int());
}

Result<bool, ChannelError> HttpChannel::receive_more(std::string& out, TimePoint deadline) {
  if (!parser_->is_done()) {
    auto read = run(
        [&](auto done) {
          on_stream([&](auto& stream) { http::async_read_some(stream, buffer_, *parser_, done); });
        },
        deadline, "receive");
    if (!read) return fail(read.error());
  }
  std::string& body = parser_->get().body();
  out += body;
  body.clear();
  return !parser_->is_done();
}

}  // namespace ikesteer::frontend::etcd
