// answer() must not allocate (one Authority per thread serves every query from a shared
// snapshot). allocation_counter.cpp counts allocations.
#include <doctest/doctest.h>

#include "../allocation_counter.hpp"
#include "dns_test_util.hpp"

namespace ikesteer::dns {
namespace {

TEST_CASE("authority: answer() does not allocate") {
  test::Harness h;
  h.chooser.result = 0;
  std::vector<test::Bytes> queries;
  for (const char* name :
       {"www.vpn.example.", "gw.vpn.example.", "w.vpn.example.", "s.vpn.example.", "f.vpn.example.",
        "m1.vpn.example.", "alias2.vpn.example.", "c0.vpn.example.", "nope.vpn.example.",
        "www.example.org.", "b.c.vpn.example."}) {
    for (unsigned type : {1u, 28u, 255u, 16u}) {
      queries.push_back(
          test::make_query({.name = name, .qtype = static_cast<std::uint16_t>(type)}));
      queries.push_back(test::make_query({.name = name,
                                          .qtype = static_cast<std::uint16_t>(type),
                                          .edns = true,
                                          .options = test::ecs_option("198.51.100.0", 24)}));
    }
  }
  queries.push_back(test::make_query({.name = "big.vpn.example.", .qtype = 16}));
  queries.push_back(test::make_query({.edns = true, .version = 1}));
  const std::size_t before = ikesteer::test::allocations();
  std::size_t replies = 0;
  for (const auto& q : queries) replies += h.run(q).reply ? 1u : 0u;
  CHECK(ikesteer::test::allocations() == before);
  CHECK(replies == queries.size());
  // The counter does count (an explicit call cannot be elided).
  ::operator delete(::operator new(8));
  CHECK(ikesteer::test::allocations() == before + 1);
}

}  // namespace
}  // namespace ikesteer::dns
