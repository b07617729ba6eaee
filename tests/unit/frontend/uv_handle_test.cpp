#include "frontend/os/uv_handle.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <uv.h>

#include <cstddef>
#include <utility>

#include "probe_test_support.hpp"
#include "uv_test_loop.hpp"

using namespace ikesteer;
using namespace ikesteer::frontend;

namespace {

// What the handles' callbacks work on.
struct Owner {
  int fired = 0;
  int closed = 0;
};

using Timer = UvHandle<uv_timer_t, Owner>;

void count_close(Owner& owner) {
  ++owner.closed;
}

void start_every_ms(Timer& timer) {
  uv_timer_start(
      timer.get(), [](uv_timer_t* t) { ++Timer::context(t).fired; }, 1, 1);
}

// Handles on the loop that are not closing.
std::size_t open_handles(uv_loop_t* loop) {
  std::size_t open = 0;
  uv_walk(
      loop, [](uv_handle_t* h, void* n) { *static_cast<std::size_t*>(n) += !uv_is_closing(h); },
      &open);
  return open;
}

}  // namespace

TEST_CASE("the callbacks reach the handle's context; `closed` runs once the loop has closed it") {
  test::TestLoop loop;
  Owner owner;
  Timer timer;
  CHECK_FALSE(timer);
  CHECK(timer.get() == nullptr);
  REQUIRE(timer.init(loop.get(), owner, uv_timer_init) == 0);
  REQUIRE(timer);
  CHECK(timer.get<uv_handle_t>()->type == UV_TIMER);
  start_every_ms(timer);
  CHECK(loop.run_until([&] { return owner.fired >= 3; }));
  timer.close(count_close);
  CHECK_FALSE(timer);
  CHECK(owner.closed == 0);
  loop.drain();
  CHECK(owner.closed == 1);
}

TEST_CASE("the handle's memory outlives its owner until the close callback") {
  test::TestLoop loop;
  // Freed in `closed`, like an object whose pending requests call back while its handle closes.
  struct Connection {
    uv_connect_t request{};
    int* status;
    bool* closed;
  };
  using Tcp = UvHandle<uv_tcp_t, Connection>;
  int status = 0;
  bool closed = false;
  bool closed_before_cancel = false;
  {
    auto* connection = new Connection{.request = {}, .status = &status, .closed = &closed};
    connection->request.data = &closed_before_cancel;
    Tcp tcp;
    REQUIRE(tcp.init(loop.get(), *connection, uv_tcp_init) == 0);
    sockaddr_in to{};
    uv_ip4_addr("127.0.0.1", test::closed_tcp_port(), &to);
    REQUIRE(uv_tcp_connect(&connection->request, tcp.get(), reinterpret_cast<const sockaddr*>(&to),
                           [](uv_connect_t* r, int s) {
                             // Reaches the context through the handle: its memory is still there.
                             Connection& c = Tcp::context(r->handle);
                             *c.status = s;
                             *static_cast<bool*>(r->data) = *c.closed;
                           }) == 0);
    tcp.close([](Connection& c) {
      *c.closed = true;
      delete &c;
    });
  }  // the owner is gone, the handle closes on the next loop turn with the connect pending
  CHECK(status == 0);
  CHECK_FALSE(closed);
  loop.drain();
  CHECK(status == UV_ECANCELED);
  CHECK(closed);
  CHECK_FALSE(closed_before_cancel);
  CHECK(open_handles(loop.get()) == 0);
}

TEST_CASE("close() twice closes once, and an empty owner's close() does nothing") {
  test::TestLoop loop;
  Owner owner;
  Timer timer;
  timer.close(count_close);
  REQUIRE(timer.init(loop.get(), owner, uv_timer_init) == 0);
  timer.close(count_close);
  timer.close(count_close);
  loop.drain();
  CHECK(owner.closed == 1);
  timer.close(count_close);
  loop.drain();
  CHECK(owner.closed == 1);
}

TEST_CASE("destroying an open owner closes its handle: its callbacks stop") {
  test::TestLoop loop;
  Owner owner;
  {
    Timer timer;
    REQUIRE(timer.init(loop.get(), owner, uv_timer_init) == 0);
    start_every_ms(timer);
    CHECK(loop.run_until([&] { return owner.fired >= 1; }));
  }
  CHECK(open_handles(loop.get()) == 0);
  const int fired = owner.fired;
  loop.drain();  // returns at once: a repeating timer left open would keep it running
  CHECK(owner.fired == fired);
}

TEST_CASE("moving hands the handle over; assigning over an open owner closes its handle") {
  test::TestLoop loop;
  Owner owner;
  Timer first;
  REQUIRE(first.init(loop.get(), owner, uv_timer_init) == 0);
  uv_timer_t* const handle = first.get();
  Timer second(std::move(first));
  CHECK_FALSE(first);  // NOLINT(bugprone-use-after-move): moved-from is empty, by contract
  CHECK(second.get() == handle);
  first.close(count_close);

  Timer third;
  REQUIRE(third.init(loop.get(), owner, uv_timer_init) == 0);
  uv_handle_t* const replaced = third.get<uv_handle_t>();
  third = std::move(second);
  CHECK(uv_is_closing(replaced));
  CHECK(third.get() == handle);
  CHECK(Timer::context(third.get()).fired == 0);  // the context goes with the handle
  third.close(count_close);
  loop.drain();
  CHECK(owner.closed == 1);
  CHECK(open_handles(loop.get()) == 0);
}

TEST_CASE("a failed init leaves the owner empty, except a failed spawn's, which is closed") {
  test::TestLoop loop;
  Owner owner;
  UvHandle<uv_udp_t, Owner> udp;
  CHECK(udp.init(loop.get(), owner, uv_udp_init_ex, 0xFFu) == UV_EINVAL);  // no such family
  CHECK_FALSE(udp);

  char file[] = "/nonexistent/ikesteer-uv-handle-test";
  char* args[] = {file, nullptr};
  uv_process_options_t options{};
  options.file = file;
  options.args = args;
  UvHandle<uv_process_t, Owner> process;
  CHECK(process.init(loop.get(), owner, uv_spawn, &options) == UV_ENOENT);
  REQUIRE(process);
  process.close(count_close);
  loop.drain();
  CHECK(owner.closed == 1);
}  // TestLoop checks that the loop closes: no handle was left behind
