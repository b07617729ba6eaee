#include "dns/response_writer.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace ikesteer::dns {
namespace {

constexpr std::size_t kMaxPointerTarget = 0x3fff;  // 14-bit offsets, RFC 1035 §4.1.4
constexpr std::size_t kRecordFixedSize = 10;       // TYPE CLASS TTL RDLENGTH

// Length of the uncompressed name at the start of `wire` (our own, well-formed data).
std::size_t name_length(std::span<const std::byte> wire) noexcept {
  std::size_t at = 0;
  while (at < wire.size() && wire[at] != std::byte{0})
    at += 1 + std::to_integer<std::size_t>(wire[at]);
  return std::min(at + 1, wire.size());
}

}  // namespace

ResponseWriter::ResponseWriter(std::span<std::byte> out, std::size_t limit) noexcept
    : out_(out), limit_(std::min({limit, out.size(), std::size_t{65535}})) {
  assert(limit_ >= kHeaderSize);
}

void ResponseWriter::begin(std::uint16_t id, std::uint16_t flags) noexcept {
  id_ = id;
  flags_ = flags;
  counts_ = {};
  known_count_ = 0;
  reserved_ = 0;
  size_ = kHeaderSize;  // written by finish()
}

void ResponseWriter::put(std::span<const std::byte> b) noexcept {
  if (!b.empty()) std::memcpy(out_.data() + size_, b.data(), b.size());
  size_ += b.size();
}

void ResponseWriter::put16(std::uint16_t v) noexcept {
  out_[size_] = static_cast<std::byte>(v >> 8);
  out_[size_ + 1] = static_cast<std::byte>(v);
  size_ += 2;
}

void ResponseWriter::put32(std::uint32_t v) noexcept {
  put16(static_cast<std::uint16_t>(v >> 16));
  put16(static_cast<std::uint16_t>(v));
}

bool ResponseWriter::question(const WireName& qname, std::uint16_t qtype,
                              std::uint16_t qclass) noexcept {
  if (!room(qname.size + 4)) return false;
  const std::size_t at = size_;
  put(qname.wire());
  put16(qtype);
  put16(qclass);
  // Every label of the question is a compression target (all below 0x3fff: the question
  // follows the header).
  for (std::size_t i = 0; i + 1 < qname.size; i += 1 + std::to_integer<std::size_t>(qname.data[i]))
    remember(at + i, qname.size - i);
  return true;
}

void ResponseWriter::remember(std::size_t offset, std::size_t length) noexcept {
  if (offset <= kMaxPointerTarget && known_count_ < kMaxKnownNames)
    known_[known_count_++] = {static_cast<std::uint16_t>(offset),
                              static_cast<std::uint16_t>(length)};
}

bool ResponseWriter::matches(std::size_t offset, std::span<const std::byte> suffix) const noexcept {
  std::size_t i = 0;
  // Our own output: pointers only go backwards, so this ends; the bound is a second guard.
  for (std::size_t steps = 0; steps < kMaxNameSize && offset < size_; ++steps) {
    const auto len = std::to_integer<std::size_t>(out_[offset]);
    if ((len & 0xc0) == 0xc0) {
      offset = ((len & 0x3f) << 8) | std::to_integer<std::size_t>(out_[offset + 1]);
      continue;
    }
    if (i >= suffix.size() || std::to_integer<std::size_t>(suffix[i]) != len) return false;
    if (len == 0) return true;
    for (std::size_t j = 1; j <= len; ++j)
      if (to_lower(out_[offset + j]) != to_lower(suffix[i + j])) return false;
    offset += 1 + len;
    i += 1 + len;
  }
  return false;
}

bool ResponseWriter::put_name(std::span<const std::byte> name) noexcept {
  // Longest suffix already in the message (RFC 1035 §4.1.4); the root is never pointed at.
  std::size_t prefix = 0;
  std::size_t target = SIZE_MAX;
  for (; prefix + 1 < name.size(); prefix += 1 + std::to_integer<std::size_t>(name[prefix])) {
    const auto suffix = name.subspan(prefix);
    const auto* hit = std::find_if(
        known_.begin(), known_.begin() + static_cast<std::ptrdiff_t>(known_count_),
        [&](const KnownName& k) { return k.length == suffix.size() && matches(k.offset, suffix); });
    if (hit != known_.begin() + static_cast<std::ptrdiff_t>(known_count_)) {
      target = hit->offset;
      break;
    }
  }
  const bool pointer = target != SIZE_MAX;
  const std::size_t need = pointer ? prefix + 2 : name.size();
  if (!room(need)) return false;
  const std::size_t start = size_;
  for (std::size_t i = 0; i < prefix; i += 1 + std::to_integer<std::size_t>(name[i]))
    remember(start + i, name.size() - i);
  if (pointer) {
    put(name.first(prefix));
    put16(static_cast<std::uint16_t>(0xc000 | target));
  } else {
    put(name);
  }
  return true;
}

bool ResponseWriter::put_rdata(std::uint16_t type, std::span<const std::byte> rdata) noexcept {
  switch (type) {
    case rrtype::kNs:
    case rrtype::kCname:
      return put_name(rdata);
    case rrtype::kSoa: {
      const std::size_t m = name_length(rdata);
      const std::size_t r = name_length(rdata.subspan(m));
      if (!put_name(rdata.first(m)) || !put_name(rdata.subspan(m, r))) return false;
      const auto fixed = rdata.subspan(m + r);
      if (!room(fixed.size())) return false;
      put(fixed);
      return true;
    }
    default:
      if (!room(rdata.size())) return false;
      put(rdata);
      return true;
  }
}

bool ResponseWriter::add_record(Section s, std::uint16_t type, std::uint32_t ttl,
                                std::span<const std::byte> rdata, const Mark& start) noexcept {
  if (!room(kRecordFixedSize)) {
    rollback(start);
    return false;
  }
  put16(type);
  put16(kClassIn);
  put32(ttl);
  const std::size_t length_at = size_;
  put16(0);
  if (!put_rdata(type, rdata)) {
    rollback(start);
    return false;
  }
  const std::size_t rdlength = size_ - length_at - 2;
  out_[length_at] = static_cast<std::byte>(rdlength >> 8);
  out_[length_at + 1] = static_cast<std::byte>(rdlength);
  ++counts_[static_cast<std::size_t>(s)];
  return true;
}

bool ResponseWriter::add(Section s, std::uint16_t owner_offset, std::uint16_t type,
                         std::uint32_t ttl, std::span<const std::byte> rdata) noexcept {
  const Mark start = mark();
  if (!room(2)) return false;
  put16(static_cast<std::uint16_t>(0xc000 | owner_offset));
  return add_record(s, type, ttl, rdata, start);
}

bool ResponseWriter::add(Section s, const WireName& owner, std::uint16_t type, std::uint32_t ttl,
                         std::span<const std::byte> rdata) noexcept {
  const Mark start = mark();
  if (!put_name(owner.wire())) return false;
  return add_record(s, type, ttl, rdata, start);
}

void ResponseWriter::rollback(const Mark& m) noexcept {
  size_ = m.size;
  counts_ = m.counts;
  known_count_ = m.compression;
}

bool ResponseWriter::opt(std::uint16_t payload_size, std::uint8_t extended_rcode,
                         std::span<const std::byte> options) noexcept {
  reserved_ = 0;
  if (!room(1 + kRecordFixedSize + options.size())) return false;
  out_[size_++] = std::byte{0};  // root owner
  put16(rrtype::kOpt);
  put16(payload_size);
  // TTL: EXTENDED-RCODE, VERSION 0, DO and Z clear (we sign nothing).
  put32(std::uint32_t{extended_rcode} << 24);
  put16(static_cast<std::uint16_t>(options.size()));
  put(options);
  ++counts_[static_cast<std::size_t>(Section::Additional)];
  return true;
}

std::span<const std::byte> ResponseWriter::finish(std::uint16_t qdcount) noexcept {
  const std::uint16_t header[6] = {id_, flags_, qdcount, counts_[0], counts_[1], counts_[2]};
  for (std::size_t i = 0; i < 6; ++i) {
    out_[2 * i] = static_cast<std::byte>(header[i] >> 8);
    out_[2 * i + 1] = static_cast<std::byte>(header[i]);
  }
  return std::span<const std::byte>(out_).first(size_);
}

}  // namespace ikesteer::dns
