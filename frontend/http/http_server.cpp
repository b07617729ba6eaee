#include "frontend/http/http_server.hpp"

#include <openssl/ssl.h>
#include <pthread.h>
#include <sched.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstring>
#include <exception>
#include <optional>
#include <thread>
#include <utility>

#include "common/log.hpp"
#include "frontend/http/http_connection.hpp"
#include "frontend/http/response_writer.hpp"
#include "frontend/os/close_on_exec.hpp"
#include "frontend/os/socket_address.hpp"

namespace ikesteer::frontend::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// After a failed accept (out of file descriptors, say) the listener pauses this long.
constexpr auto kAcceptPause = std::chrono::milliseconds(100);

asio::ip::address to_asio(const IpAddress& a) {
  if (a.is_v4()) {
    asio::ip::address_v4::bytes_type bytes;
    std::memcpy(bytes.data(), a.bytes().data(), bytes.size());
    return asio::ip::address_v4(bytes);
  }
  asio::ip::address_v6::bytes_type bytes;
  std::memcpy(bytes.data(), a.bytes().data(), bytes.size());
  return asio::ip::address_v6(bytes);
}

std::string name(const Endpoint& e) {
  return SocketAddress::from(e.address, e.port).to_string();
}

Result<tcp::acceptor, std::string> listen_on(asio::io_context& io, const Endpoint& e) {
  const tcp::endpoint endpoint(to_asio(e.address), e.port);
  tcp::acceptor acceptor(io);
  error_code ec;
  const char* step = "open";
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) close_on_exec(acceptor.native_handle());
  if (!ec && !e.address.is_v4()) acceptor.set_option(asio::ip::v6_only(true), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) {
    step = "bind";
    acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    step = "listen";
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) return fail(name(e) + ": " + step + ": " + ec.message());
  return acceptor;
}

Result<void, std::string> load_tls(asio::ssl::context& tls, const HttpServerOptions& o) {
  if (o.tls_certificate.empty() || o.tls_key.empty())
    return fail(std::string("tls_certificate and tls_key go together"));
  tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1);
  error_code ec;
  tls.use_certificate_chain_file(o.tls_certificate, ec);
  if (ec) return fail("tls_certificate " + o.tls_certificate + ": " + ec.message());
  tls.use_private_key_file(o.tls_key, asio::ssl::context::pem, ec);
  if (ec) return fail("tls_key " + o.tls_key + ": " + ec.message());
  if (SSL_CTX_check_private_key(tls.native_handle()) != 1)
    return fail("tls_key " + o.tls_key + ": does not match the certificate");
  return {};
}

}  // namespace

// The members are in this order so that the io_context, and with it every connection, is
// destroyed before what the connections use.
struct HttpServer::Running {
  Running(const HttpServerOptions& options, HttpRouter routes)
      : router(std::move(routes)),
        context(options, router),
        busy(format_response(json_error(503, "too many connections"), ConnectionHeader::Close)) {}

  HttpRouter router;  // a copy, so that later route() calls do not race with the thread
  std::optional<asio::ssl::context> tls;
  ConnectionContext context;
  const std::string busy;      // the answer to connections beyond the cap
  LogRateLimit accept_log{1};  // failed accepts, the connection limit
  asio::io_context io{1};
  std::vector<tcp::acceptor> acceptors;  // not resized once accepting
  std::thread thread;

  void accept(tcp::acceptor& acceptor) {
    acceptor.async_accept([this, &acceptor](error_code ec, tcp::socket socket) {
      if (context.stopping || ec == asio::error::operation_aborted) return;
      if (ec) {
        if (accept_log.allow(Clock::now()))
          log(LogLevel::Warn, "http", "accept failed", {{"error", ec.message()}});
        auto pause = std::make_shared<asio::steady_timer>(io, kAcceptPause);
        pause->async_wait([this, &acceptor, pause](error_code) {
          if (!context.stopping) accept(acceptor);
        });
        return;
      }
      close_on_exec(socket.native_handle());
      if (context.open.size() >= context.options.max_connections) {
        if (accept_log.allow(Clock::now()))
          log(LogLevel::Warn, "http", "connection limit reached",
              {{"max_connections", std::to_string(context.options.max_connections)}});
        reject(std::move(socket));
      } else {
        serve_connection(std::move(socket), context);
      }
      accept(acceptor);
    });
  }

  // Without TLS the 503 fits a fresh socket's send buffer, so it is written without waiting;
  // with TLS it would need a handshake first, so the connection is just closed.
  void reject(tcp::socket socket) {
    error_code ignored;
    if (context.tls == nullptr) {
      socket.non_blocking(true, ignored);
      socket.send(asio::buffer(busy), 0, ignored);
      socket.shutdown(tcp::socket::shutdown_send, ignored);
    }
    socket.close(ignored);
  }

  // Once the listeners and connections are closed, nothing is left to do and run() returns.
  void shutdown() {
    context.stopping = true;
    error_code ignored;
    for (tcp::acceptor& a : acceptors) a.close(ignored);
    for (Connection* c : std::vector<Connection*>(context.open.begin(), context.open.end()))
      c->close();
  }

  void run() {
    for (;;) {
      try {
        io.run();
        return;
      } catch (const std::exception& e) {
        log(LogLevel::Error, "http", "unexpected exception", {{"error", e.what()}});
      } catch (...) {
        log(LogLevel::Error, "http", "unexpected exception");
      }
    }
  }
};

HttpServer::HttpServer(HttpServerOptions options) : options_(std::move(options)) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::route(std::string method, std::string path, HttpHandler handler) {
  router_.route(std::move(method), std::move(path), std::move(handler));
}

void HttpServer::route_prefix(std::string method, std::string prefix, HttpHandler handler) {
  router_.route_prefix(std::move(method), std::move(prefix), std::move(handler));
}

void HttpServer::stream(std::string path, SseSource source) {
  router_.stream(std::move(path), std::move(source));
}

Result<void, std::string> HttpServer::start() {
  if (running_) return fail(std::string("already running"));
  if (options_.listen.empty()) return fail(std::string("no address to listen on"));
  auto running = std::make_unique<Running>(options_, router_);
  if (!options_.tls_certificate.empty() || !options_.tls_key.empty()) {
    running->tls.emplace(asio::ssl::context::tls_server);
    if (auto loaded = load_tls(*running->tls, options_); !loaded) return loaded;
    running->context.tls = &*running->tls;
  }
  std::vector<std::uint16_t> ports;
  std::string names;
  for (const Endpoint& e : options_.listen) {
    auto acceptor = listen_on(running->io, e);
    if (!acceptor) return fail(acceptor.error());
    error_code ec;
    ports.push_back(acceptor->local_endpoint(ec).port());
    names += (names.empty() ? "" : " ") + name(Endpoint{e.address, ports.back()});
    running->acceptors.push_back(std::move(*acceptor));
  }
  for (tcp::acceptor& a : running->acceptors) running->accept(a);
  running->thread = std::thread([r = running.get()] {
    // The operator side must never slow the packet path: this thread runs only on CPU time
    // the event loops leave over (measured: a wrk flood cost 35 % of the redirect rate at
    // normal priority, nothing under SCHED_IDLE).
    const sched_param idle{};
    pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle);
    r->run();
  });
  running_ = std::move(running);
  ports_ = std::move(ports);
  log(LogLevel::Info, "http", "listening",
      {{"addresses", names}, {"tls", running_->tls ? "yes" : "no"}});
  return {};
}

void HttpServer::stop() {
  if (!running_) return;
  asio::post(running_->io, [r = running_.get()] { r->shutdown(); });
  running_->thread.join();
  running_.reset();
  log(LogLevel::Info, "http", "stopped");
}

}  // namespace ikesteer::frontend::http
