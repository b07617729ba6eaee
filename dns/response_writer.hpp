// Builds a response in a caller-owned buffer up to a size limit, with name compression
// (RFC 1035 §4.1.4) and room set aside for the OPT record. Adding a record that does not fit
// fails without writing anything (the caller then sets TC: RFC 2181 §9), so the buffer always
// holds a well-formed message. Never allocates.
//
// RFC 1035 §4.1.3 resource record:
//   NAME | TYPE (16) | CLASS (16) | TTL (32) | RDLENGTH (16) | RDATA
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dns/name.hpp"
#include "dns/wire.hpp"

namespace ikesteer::dns {

enum class Section : std::uint8_t { Answer, Authority, Additional };

class ResponseWriter {
 public:
  // `limit` caps the message size (clamped to out.size() and 65535).
  ResponseWriter(std::span<std::byte> out, std::size_t limit) noexcept;

  // Starts the message: header with all counts zero (they are kept by the writer and written
  // by finish()). Any earlier content is discarded.
  void begin(std::uint16_t id, std::uint16_t flags) noexcept;
  void set_flags(std::uint16_t flags) noexcept { flags_ = flags; }
  std::uint16_t flags() const noexcept { return flags_; }

  // The question, written as given (case preserved); its name is at kHeaderSize, the owner
  // offset for records about it.
  bool question(const WireName& qname, std::uint16_t qtype, std::uint16_t qclass) noexcept;

  // Sets aside `n` octets at the end (for OPT), or gives them back with reserve(0).
  void reserve(std::size_t n) noexcept { reserved_ = n; }

  // Adds one record. The owner is either a name already in the message (its offset, e.g.
  // kHeaderSize for the question name) or a name to write with compression (a CNAME target
  // written earlier compresses to a pointer). RDATA of NS,
  // CNAME and SOA holds uncompressed names, which are compressed here (RFC 3597 §4 allows it
  // for these types). Returns false, writing nothing, when the record does not fit.
  bool add(Section s, std::uint16_t owner_offset, std::uint16_t type, std::uint32_t ttl,
           std::span<const std::byte> rdata) noexcept;
  bool add(Section s, const WireName& owner, std::uint16_t type, std::uint32_t ttl,
           std::span<const std::byte> rdata) noexcept;

  // A checkpoint to roll back to (e.g. to drop a partly written RRset).
  struct Mark {
    std::size_t size;
    std::array<std::uint16_t, 3> counts;
    std::size_t compression;
  };
  Mark mark() const noexcept { return {size_, counts_, known_count_}; }
  void rollback(const Mark& m) noexcept;

  // Appends an OPT record (RFC 6891 §6.1.2) using the reserved room; `options` are written
  // as given (already encoded).
  bool opt(std::uint16_t payload_size, std::uint8_t extended_rcode,
           std::span<const std::byte> options) noexcept;

  std::uint16_t count(Section s) const noexcept { return counts_[static_cast<std::size_t>(s)]; }
  std::size_t size() const noexcept { return size_; }
  // Writes the counts and flags; returns the message.
  std::span<const std::byte> finish(std::uint16_t qdcount) noexcept;

 private:
  bool room(std::size_t n) const noexcept { return size_ + n + reserved_ <= limit_; }
  void put(std::span<const std::byte> b) noexcept;
  void put16(std::uint16_t v) noexcept;
  void put32(std::uint32_t v) noexcept;
  // Writes `name` compressed; returns false if it does not fit.
  bool put_name(std::span<const std::byte> name) noexcept;
  bool matches(std::size_t offset, std::span<const std::byte> suffix) const noexcept;
  bool put_rdata(std::uint16_t type, std::span<const std::byte> rdata) noexcept;
  bool add_record(Section s, std::uint16_t type, std::uint32_t ttl,
                  std::span<const std::byte> rdata, const Mark& start) noexcept;

  static constexpr std::size_t kMaxKnownNames = 64;

  std::span<std::byte> out_;
  std::size_t limit_;
  std::size_t size_ = 0;
  std::size_t reserved_ = 0;
  std::uint16_t id_ = 0;
  std::uint16_t flags_ = 0;
  std::array<std::uint16_t, 3> counts_{};
  // Compression targets: where each name (and each of its suffixes) written so far starts,
  // and its length uncompressed, so that only names of the right length are compared.
  struct KnownName {
    std::uint16_t offset;
    std::uint16_t length;
  };
  void remember(std::size_t offset, std::size_t length) noexcept;
  std::array<KnownName, kMaxKnownNames> known_;
  std::size_t known_count_ = 0;
};

}  // namespace ikesteer::dns
