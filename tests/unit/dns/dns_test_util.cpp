#include "dns_test_util.hpp"

#include <doctest/doctest.h>

#include "common/byte_reader.hpp"
#include "dns/name.hpp"

namespace ikesteer::dns::test {

Bytes bytes(std::initializer_list<unsigned> values) {
  Bytes out;
  for (unsigned v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

Bytes wire_name(std::string_view text) {
  auto name = name_from_text(text);
  REQUIRE(name.has_value());
  return Bytes(name->wire().begin(), name->wire().end());
}

namespace {
void put16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::byte>(v >> 8));
  out.push_back(static_cast<std::byte>(v));
}
}  // namespace

Bytes make_query(const QuerySpec& spec) {
  Bytes out;
  put16(out, spec.id);
  put16(out, spec.flags);
  put16(out, 1);
  put16(out, 0);
  put16(out, 0);
  put16(out, spec.edns ? 1 : 0);
  const Bytes name = wire_name(spec.name);
  out.insert(out.end(), name.begin(), name.end());
  put16(out, spec.qtype);
  put16(out, spec.qclass);
  if (spec.edns) {
    out.push_back(std::byte{0});
    put16(out, 41);
    put16(out, spec.udp_size);
    out.push_back(std::byte{0});
    out.push_back(static_cast<std::byte>(spec.version));
    put16(out, 0);
    put16(out, static_cast<std::uint16_t>(spec.options.size()));
    out.insert(out.end(), spec.options.begin(), spec.options.end());
  }
  return out;
}

Bytes ecs_option(std::string_view address, std::uint8_t source, std::uint8_t scope) {
  const auto a = IpAddress::parse(address);
  REQUIRE(a.has_value());
  const std::size_t octets = (std::size_t{source} + 7) / 8;
  Bytes out;
  put16(out, 8);
  put16(out, static_cast<std::uint16_t>(4 + octets));
  put16(out, a->is_v4() ? 1 : 2);
  out.push_back(static_cast<std::byte>(source));
  out.push_back(static_cast<std::byte>(scope));
  const auto b = a->bytes();
  out.insert(out.end(), b.begin(), b.begin() + static_cast<std::ptrdiff_t>(octets));
  return out;
}

const Record* Response::opt() const {
  for (const auto& r : additional)
    if (r.type == 41) return &r;
  return nullptr;
}

namespace {

std::string rdata_text(std::span<const std::byte> message, const Record& r, std::size_t at) {
  if (r.type == 1 && r.rdata.size() == 4)
    return IpAddress::v4(std::span<const std::byte, 4>(r.rdata.data(), 4)).to_string();
  if (r.type == 28 && r.rdata.size() == 16)
    return IpAddress::v6(std::span<const std::byte, 16>(r.rdata.data(), 16)).to_string();
  if (r.type == 2 || r.type == 5 || r.type == 6) {
    ByteReader rr(message);
    rr.skip(at);
    WireName n;
    read_name(rr, message, n);
    std::string text = name_to_text(n.wire());
    if (r.type == 6) {
      read_name(rr, message, n);
      text += " " + name_to_text(n.wire());
      for (int i = 0; i < 5; ++i) text += " " + std::to_string(rr.u32());
    }
    REQUIRE(rr.ok());
    return text;
  }
  return {};
}

}  // namespace

Response decode(std::span<const std::byte> message) {
  Response out;
  ByteReader r(message);
  out.id = r.u16();
  out.flags = r.u16();
  out.qdcount = r.u16();
  const std::uint16_t counts[3] = {r.u16(), r.u16(), r.u16()};
  WireName name;
  if (out.qdcount == 1) {
    read_name(r, message, name);
    out.qname = name_to_text(name.wire());
    out.qtype = r.u16();
    r.u16();
  }
  std::vector<Record>* sections[3] = {&out.answer, &out.authority, &out.additional};
  for (int s = 0; s < 3; ++s) {
    for (unsigned i = 0; i < counts[s]; ++i) {
      Record rec;
      read_name(r, message, name);
      rec.name = name_to_text(name.wire());
      rec.type = r.u16();
      rec.klass = r.u16();
      rec.ttl = r.u32();
      const std::uint16_t length = r.u16();
      const std::size_t at = r.offset();
      const auto rdata = r.bytes(length);
      REQUIRE(r.ok());
      rec.rdata.assign(rdata.begin(), rdata.end());
      rec.text = rdata_text(message, rec, at);
      sections[s]->push_back(std::move(rec));
    }
  }
  REQUIRE(r.expect_end().has_value());
  return out;
}

std::vector<ZoneSpec> test_zones() {
  ZoneSpec z;
  z.origin = "vpn.example.";
  z.ttl = 300;
  z.soa = SoaSpec{"ns1.vpn.example.", "hostmaster.vpn.example.", 2026, 3600, 600, 604800, 60};
  z.ns = {"ns1.vpn.example.", "ns2.vpn.example."};
  z.records = {
      "ns1 A 192.0.2.53",
      "ns2 AAAA 2001:db8::53",
      "www 600 A 192.0.2.80",
      "www IN AAAA 2001:db8::80",
      "txt TXT \"hello world\" second",
      "alias CNAME www",
      "alias2 CNAME alias.vpn.example.",
      "outside CNAME www.example.org.",
      "dangling CNAME missing",
      "a.b.c A 192.0.2.1",
  };
  // A TXT RRset of about 1000 octets: over 512, under 1232.
  for (char c = 'a'; c < 'k'; ++c) z.records.push_back("big TXT \"" + std::string(90, c) + "\"");
  // A CNAME chain longer than we follow.
  for (int i = 0; i < 10; ++i)
    z.records.push_back("c" + std::to_string(i) + " CNAME c" + std::to_string(i + 1));
  z.records.push_back("c10 A 192.0.2.10");
  return {z};
}

std::vector<ClusterNameSpec> test_clusters() {
  return {
      {"gw.vpn.example", ClusterPolicy::All, 2, 30, 5, 1, {}, {}, false},
      {"w.vpn.example", ClusterPolicy::Weighted, 2, 30, 5, 1, {}, {}, false},
      {"s.vpn.example", ClusterPolicy::Sticky, 2, 30, 5, 1, {}, {}, false},
      {"f.vpn.example.", ClusterPolicy::Frontend, 2, 30, 5, 1, {}, {}, false},
  };
}

std::vector<MemberView> test_members() {
  return {
      {"m1",
       {*IpAddress::parse("192.0.2.11"), *IpAddress::parse("2001:db8::11")},
       1.0,
       true,
       false,
       "default"},
      {"m2", {*IpAddress::parse("192.0.2.12")}, 1.0, true, false, "default"},
      {"m3",
       {*IpAddress::parse("192.0.2.13"), *IpAddress::parse("2001:db8::13")},
       3.0,
       true,
       false,
       "default"},
  };
}

std::vector<IpAddress> test_frontend() {
  return {*IpAddress::parse("198.51.100.1"), *IpAddress::parse("2001:db8:f::1")};
}

std::shared_ptr<const ZoneSnapshot> snapshot(const std::vector<MemberView>& members,
                                             const std::vector<ClusterNameSpec>& clusters) {
  auto built = build_snapshot(test_zones(), clusters, members, test_frontend());
  if (!built) {
    for (const auto& e : built.error()) MESSAGE(e);
  }
  REQUIRE(built.has_value());
  return *built;
}

Verdict Harness::run(const Bytes& query) {
  return authority.answer(query, context, *snap, chooser, out);
}

Response Harness::ask(const QuerySpec& spec) {
  const Verdict v = run(make_query(spec));
  REQUIRE(v.reply);
  return decode(v.bytes);
}

}  // namespace ikesteer::dns::test
