// The encoding example of strongSwan's vici README ("Encoding example"), octet for octet, and
// the requests the agent sends, written out by hand from the packet layout.
#include <doctest/doctest.h>

#include <algorithm>

#include "agent/vici/commands.hpp"
#include "agent/vici/decode.hpp"
#include "agent/vici/encode.hpp"
#include "vici_test_util.hpp"

namespace ikesteer::vici {
namespace {

using test::Bytes;
using test::octets;

// The README's message:
//   key1 = value1
//   section1 = {
//     sub-section = {
//       key2 = value2
//     }
//     list1 = [ item1, item2 ]
//   }
// clang-format off
const Bytes kReadmeMessage = octets({
    /* key1 = value1 */
    3, 4,'k','e','y','1', 0,6,'v','a','l','u','e','1',
    /* section1 */
    1, 8,'s','e','c','t','i','o','n','1',
    /* sub-section */
    1, 11,'s','u','b','-','s','e','c','t','i','o','n',
    /* key2 = value2 */
    3, 4,'k','e','y','2', 0,6,'v','a','l','u','e','2',
    /* sub-section end */
    2,
    /* list1 */
    4, 5, 'l','i','s','t','1',
    /* item1 */
    5, 0,5,'i','t','e','m','1',
    /* item2 */
    5, 0,5,'i','t','e','m','2',
    /* list1 end */
    6,
    /* section1 end */
    2,
});
// clang-format on

Packet readme_response() {
  Packet p;
  p.type = PacketType::CmdResponse;
  p.message.add_value("key1", "value1");
  Section& section1 = p.message.add_section("section1");
  section1.add_section("sub-section").add_value("key2", "value2");
  section1.add_list("list1", {"item1", "item2"});
  return p;
}

TEST_CASE("the README example decodes to its tree") {
  REQUIRE(kReadmeMessage.size() == 77);
  const Bytes packet = test::concat({octets({1}), kReadmeMessage});  // CMD_RESPONSE
  const auto decoded = decode_packet(packet);
  REQUIRE(decoded);
  CHECK(*decoded == readme_response());

  const Section& m = decoded->message;
  CHECK(m.value("key1") == "value1");
  const Section* section1 = m.section("section1");
  REQUIRE(section1 != nullptr);
  REQUIRE(section1->section("sub-section") != nullptr);
  CHECK(section1->section("sub-section")->value("key2") == "value2");
  REQUIRE(section1->list("list1") != nullptr);
  CHECK(*section1->list("list1") == std::vector<std::string>{"item1", "item2"});
  CHECK_FALSE(m.value("key2"));  // lookups see only their own section
  CHECK(m.list("section1") == nullptr);
}

TEST_CASE("the README example tree encodes to the README's octets") {
  const auto encoded = encode_packet(readme_response());
  REQUIRE(encoded);
  CHECK(*encoded == test::frame(test::concat({octets({1}), kReadmeMessage})));
  CHECK(*encoded == test::concat({octets({0, 0, 0, 78, 1}), kReadmeMessage}));
}

// clang-format off
TEST_CASE("list-sas request") {
  const auto encoded = encode_packet(list_sas_request());
  REQUIRE(encoded);
  CHECK(*encoded == octets({
      /* length */ 0,0,0,24,
      /* CMD_REQUEST list-sas */ 0, 8,'l','i','s','t','-','s','a','s',
      /* noblock = yes */ 3, 7,'n','o','b','l','o','c','k', 0,3,'y','e','s'}));
}

TEST_CASE("redirect request by IKE SA unique id") {
  RedirectRequest request;
  request.ike_id = "42";
  request.gateway = "192.0.2.12";
  const auto encoded = encode_packet(redirect_request(request));
  REQUIRE(encoded);
  CHECK(*encoded == octets({
      /* length */ 0,0,0,43,
      /* CMD_REQUEST redirect */ 0, 8,'r','e','d','i','r','e','c','t',
      /* ike-id = 42 */ 3, 6,'i','k','e','-','i','d', 0,2,'4','2',
      /* gateway = 192.0.2.12 */ 3, 7,'g','a','t','e','w','a','y',
                                 0,10,'1','9','2','.','0','.','2','.','1','2'}));
}

TEST_CASE("event registration and deregistration") {
  const auto reg = encode_packet(event_register("list-sa"));
  REQUIRE(reg);
  CHECK(*reg == octets({0,0,0,9, /* EVENT_REGISTER */ 3, 7,'l','i','s','t','-','s','a'}));
  const auto unreg = encode_packet(event_unregister("list-sa"));
  REQUIRE(unreg);
  CHECK(*unreg == octets({0,0,0,9, /* EVENT_UNREGISTER */ 4, 7,'l','i','s','t','-','s','a'}));
}
// clang-format on

}  // namespace
}  // namespace ikesteer::vici
