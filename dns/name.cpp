#include "dns/name.hpp"

#include <algorithm>
#include <cstring>

namespace ikesteer::dns {
namespace {

constexpr std::uint8_t kPointerBits = 0xc0;  // RFC 1035 §4.1.4: 11 = pointer
constexpr std::uint8_t kLabelTypeMask = 0xc0;

std::size_t label_count(std::span<const std::byte> wire) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < wire.size() && wire[i] != std::byte{0};
       i += 1 + std::to_integer<std::size_t>(wire[i]))
    ++n;
  return n;
}

bool printable_label_octet(char c) noexcept {
  return c > ' ' && c < 0x7f && c != '.' && c != '\\' && c != '"' && c != ';' && c != '(' &&
         c != ')';
}

}  // namespace

std::span<const std::byte> WireName::suffix(std::size_t skip) const noexcept {
  std::size_t at = 0;
  for (std::size_t i = 0; i < skip && at < size && data[at] != std::byte{0}; ++i)
    at += 1 + std::to_integer<std::size_t>(data[at]);
  return wire().subspan(std::min(at, size));
}

void read_name(ByteReader& r, std::span<const std::byte> message, WireName& out) noexcept {
  out.size = 0;
  out.labels = 0;
  std::size_t pos = r.offset();
  std::size_t run_start = pos;  // where the current run of labels began
  std::size_t in_place = 0;     // octets the name occupies at the reader's position
  bool jumped = false;
  auto fail = [&](ParseErrc code) {
    r.fail(code);
    out.size = 1;
    out.data[0] = std::byte{0};
    out.labels = 0;
  };
  while (true) {
    if (pos >= message.size()) return fail(ParseErrc::Truncated);
    const auto len = std::to_integer<std::uint8_t>(message[pos]);
    if ((len & kLabelTypeMask) == kPointerBits) {
      if (pos + 1 >= message.size()) return fail(ParseErrc::Truncated);
      const std::size_t target = (static_cast<std::size_t>(len & 0x3f) << 8) |
                                 std::to_integer<std::size_t>(message[pos + 1]);
      if (!jumped) in_place = pos + 2 - r.offset();
      // Strictly before the run this pointer ends: every jump goes further back, so a chain of
      // pointers terminates (and a forward pointer is refused).
      if (target >= run_start) return fail(ParseErrc::BadValue);
      jumped = true;
      pos = target;
      run_start = target;
      continue;
    }
    if ((len & kLabelTypeMask) != 0) return fail(ParseErrc::BadValue);
    if (out.size + 1 + len > kMaxNameSize) return fail(ParseErrc::BadLength);
    if (pos + 1 + len > message.size()) return fail(ParseErrc::Truncated);
    std::memcpy(out.data.data() + out.size, message.data() + pos, 1 + std::size_t{len});
    out.size += 1 + std::size_t{len};
    pos += 1 + std::size_t{len};
    if (len == 0) break;
    ++out.labels;
  }
  if (!jumped) in_place = pos - r.offset();
  r.skip(in_place);
  if (!r.ok()) fail(r.error().code);
}

void to_lower(WireName& name) noexcept {
  // Length octets are below 64 and never change under to_lower: fold every octet at once.
  for (std::size_t i = 0; i < name.size; ++i) name.data[i] = to_lower(name.data[i]);
}

bool names_equal(std::span<const std::byte> a, std::span<const std::byte> b) noexcept {
  // Length octets are below 64 and so never change under to_lower: compare all octets folded.
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](std::byte x, std::byte y) { return to_lower(x) == to_lower(y); });
}

bool is_subdomain(std::span<const std::byte> name, const WireName& zone) noexcept {
  const std::size_t labels = label_count(name);
  if (labels < zone.labels) return false;
  std::size_t at = 0;
  for (std::size_t i = 0; i < labels - zone.labels; ++i)
    at += 1 + std::to_integer<std::size_t>(name[at]);
  return names_equal(name.subspan(at), zone.wire());
}

Result<WireName, std::string> name_from_text(std::string_view text, const WireName* origin) {
  if (text.empty()) return fail(std::string("empty name"));
  if (origin != nullptr && text == "@") return *origin;
  if (text == ".") return WireName{};
  const bool absolute = text.back() == '.';
  if (absolute) text.remove_suffix(1);
  WireName out;
  out.size = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t dot = std::min(text.find('.', start), text.size());
    const std::string_view label = text.substr(start, dot - start);
    if (label.empty()) return fail("empty label in \"" + std::string(text) + "\"");
    if (label.size() > kMaxLabelSize)
      return fail("label \"" + std::string(label) + "\" longer than 63 octets");
    if (!std::all_of(label.begin(), label.end(), printable_label_octet))
      return fail("unsupported character in \"" + std::string(text) + "\"");
    if (out.size + 1 + label.size() + 1 > kMaxNameSize)
      return fail("name \"" + std::string(text) + "\" longer than 255 octets");
    out.data[out.size] = static_cast<std::byte>(label.size());
    std::memcpy(out.data.data() + out.size + 1, label.data(), label.size());
    out.size += 1 + label.size();
    ++out.labels;
    start = dot + 1;
  }
  static const WireName kRoot;
  const std::span<const std::byte> tail =
      (absolute || origin == nullptr) ? kRoot.wire() : origin->wire();
  if (out.size + tail.size() > kMaxNameSize)
    return fail("name \"" + std::string(text) + "\" longer than 255 octets");
  std::memcpy(out.data.data() + out.size, tail.data(), tail.size());
  out.size += tail.size();
  if (!absolute && origin != nullptr) out.labels += origin->labels;
  return out;
}

std::string name_to_text(std::span<const std::byte> wire) {
  std::string out;
  for (std::size_t i = 0; i < wire.size() && wire[i] != std::byte{0};) {
    const std::size_t len = std::to_integer<std::size_t>(wire[i]);
    for (std::size_t j = i + 1; j <= i + len && j < wire.size(); ++j)
      out.push_back(static_cast<char>(wire[j]));
    out.push_back('.');
    i += 1 + len;
  }
  return out.empty() ? std::string(".") : out;
}

}  // namespace ikesteer::dns
