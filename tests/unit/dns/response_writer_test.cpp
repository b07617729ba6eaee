#include "dns/response_writer.hpp"

#include <doctest/doctest.h>

#include "dns_test_util.hpp"

namespace ikesteer::dns {
namespace {

using test::Bytes;
using test::bytes;

TEST_CASE("writer: golden bytes with compression against the question") {
  Bytes out(512);
  ResponseWriter w(out, 512);
  w.begin(0xabcd, 0x8400);
  auto q = name_from_text("WWW.vpn.example");
  REQUIRE(w.question(*q, 1, 1));
  REQUIRE(w.add(Section::Answer, kHeaderSize, 1, 60, bytes({192, 0, 2, 1})));
  // The apex is a suffix of the question: written as a pointer to offset 16.
  REQUIRE(w.add(Section::Authority, *name_from_text("vpn.example"), 2, 60,
                test::wire_name("ns1.vpn.example")));
  const auto m = w.finish(1);
  const Bytes expected = bytes({
      0xab, 0xcd, 0x84, 0x00, 0, 1,   0,   1,   0, 1,   0,   0,                           // header
      3,    'W',  'W',  'W',  3, 'v', 'p', 'n', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,  // qname
      0,    1,    0,    1,                                                                // A IN
      0xc0, 12,   0,    1,    0, 1,   0,   0,   0, 60,  0,   4,   192, 0,   2,   1,       // answer
      0xc0, 16,   0,    2,    0, 1,   0,   0,   0, 60,  0,   6,   3,   'n', 's', '1', 0xc0,
      16,  // authority
  });
  CHECK(Bytes(m.begin(), m.end()) == expected);
}

TEST_CASE("writer: round trip of names through compression and read_name") {
  Bytes out(512);
  ResponseWriter w(out, 512);
  w.begin(1, 0x8000);
  REQUIRE(w.question(*name_from_text("a.example"), 5, 1));
  for (const char* target :
       {"b.example", "Deep.B.Example", "b.example", "other.org", "x.other.org"})
    REQUIRE(w.add(Section::Answer, *name_from_text(target), 5, 1, test::wire_name(target)));
  const auto r = test::decode(w.finish(1));
  REQUIRE(r.answer.size() == 5);
  // Compression matches case-insensitively: the suffix takes the case written first.
  CHECK(r.answer[1].name == "Deep.b.example.");
  CHECK(r.answer[1].text == "Deep.b.example.");
  CHECK(r.answer[2].name == "b.example.");
  CHECK(r.answer[4].text == "x.other.org.");
  // Compression made it smaller than the names written out in full.
  CHECK(w.size() < 12 + 15 + 5 * (10 + 2 * 13));
}

TEST_CASE("writer: a record that does not fit is not written, reserve holds room") {
  Bytes out(64);
  ResponseWriter w(out, 64);
  w.begin(1, 0x8000);
  REQUIRE(w.question(*name_from_text("a.example"), 16, 1));  // 12 + 11 + 4 = 27
  w.reserve(11);
  const Bytes txt(20, std::byte{'x'});
  CHECK_FALSE(w.add(Section::Answer, kHeaderSize, 16, 1, txt));  // 27 + 32 + 11 > 64
  CHECK(w.count(Section::Answer) == 0);
  CHECK(w.size() == 27);
  const auto m = w.mark();
  REQUIRE(w.add(Section::Answer, kHeaderSize, 16, 1, Bytes(10, std::byte{'y'})));
  w.rollback(m);
  CHECK(w.size() == 27);
  REQUIRE(w.opt(1232, 0, {}));
  const auto r = test::decode(w.finish(1));
  CHECK(r.answer.empty());
  REQUIRE(r.opt() != nullptr);
  CHECK(r.opt()->klass == 1232);
}

}  // namespace
}  // namespace ikesteer::dns
