#include "common/prefix_map.hpp"

#include <algorithm>
#include <limits>

namespace ikesteer {
namespace {

using detail::Uint128;

unsigned leading_zeros(Uint128 x) noexcept {
  const auto hi = static_cast<std::uint64_t>(x >> 64);
  const auto lo = static_cast<std::uint64_t>(x);
  if (hi != 0) return static_cast<unsigned>(__builtin_clzll(hi));
  return lo != 0 ? 64 + static_cast<unsigned>(__builtin_clzll(lo)) : 128;
}

// Sort order of the entries: family, address, length, then their index in build()'s argument.
struct SortKey {
  Uint128 address;
  std::uint32_t family_length;
  std::uint32_t index;
  bool operator<(const SortKey& o) const noexcept {
    if (family_length >> 8 != o.family_length >> 8) return family_length < o.family_length;
    if (address != o.address) return address < o.address;
    if (family_length != o.family_length) return family_length < o.family_length;
    return index < o.index;
  }
  bool same_prefix(const SortKey& o) const noexcept {
    return address == o.address && family_length == o.family_length;
  }
};

std::uint32_t v4_key(const IpAddress& a) noexcept {
  const auto b = a.bytes();
  std::uint32_t k = 0;
  for (std::size_t i = 0; i < 4; ++i) k = k << 8 | std::to_integer<std::uint32_t>(b[i]);
  return k;
}

Uint128 v6_key(const IpAddress& a) noexcept {
  const auto b = a.bytes();
  Uint128 k = 0;
  for (std::size_t i = 0; i < 16; ++i) k = k << 8 | std::to_integer<unsigned>(b[i]);
  return k;
}

// The last address of a prefix starting at `start`.
template <class Key>
Key last_of(Key start, unsigned length) noexcept {
  constexpr unsigned kWidth = sizeof(Key) * 8;
  if (length == 0) return std::numeric_limits<Key>::max();
  return start | ((Key{1} << (kWidth - length)) - 1);
}

template <class Key>
Key key_of(const IpAddress& a) noexcept {
  if constexpr (sizeof(Key) == 4) {
    return v4_key(a);
  } else {
    return v6_key(a);
  }
}

// Sweeps one family's entries (sorted by start, then shorter first; no duplicates; prefixes
// are nested or disjoint) into disjoint ranges, each naming its innermost entry, and records
// each entry's parent. Entry indexes are `first` + position in `sorted`.
template <class Key>
class Sweep {
 public:
  Sweep(std::vector<Key>& starts, std::vector<std::uint32_t>& ranges) noexcept
      : starts_(starts), ranges_(ranges) {}

  void run(std::span<const PrefixMap::Entry> sorted, std::uint32_t first,
           std::vector<std::uint32_t>& parent, std::uint32_t none) {
    none_ = none;
    emit(0, none);
    for (std::uint32_t i = 0; i < sorted.size(); ++i) {
      const Key start = key_of<Key>(sorted[i].prefix.address);
      while (!stack_.empty() && stack_.back().last < start) close();
      parent[first + i] = stack_.empty() ? none : stack_.back().index;
      emit(start, first + i);
      stack_.push_back({first + i, last_of(start, sorted[i].prefix.length)});
    }
    while (!stack_.empty()) close();
  }

 private:
  struct Open {
    std::uint32_t index;
    Key last;
  };

  // The innermost entry of the enclosing one ends: the next range belongs to its parent.
  void close() {
    const Open top = stack_.back();
    stack_.pop_back();
    if (top.last != std::numeric_limits<Key>::max())
      emit(top.last + 1, stack_.empty() ? none_ : stack_.back().index);
  }

  // From `start` on, addresses belong to `entry`; merges empty and same-entry ranges.
  void emit(Key start, std::uint32_t entry) {
    if (!starts_.empty() && starts_.back() == start) {
      ranges_.back() = entry;
      if (ranges_.size() >= 2 && ranges_[ranges_.size() - 2] == entry) {
        starts_.pop_back();
        ranges_.pop_back();
      }
      return;
    }
    if (!ranges_.empty() && ranges_.back() == entry) return;
    starts_.push_back(start);
    ranges_.push_back(entry);
  }

  std::vector<Key>& starts_;
  std::vector<std::uint32_t>& ranges_;
  std::vector<Open> stack_;
  std::uint32_t none_ = 0;
};

}  // namespace

Result<PrefixMap, PrefixMap::DuplicatePrefix> PrefixMap::build(std::vector<Entry> entries) {
  for (auto& e : entries) e.prefix = IpPrefix::of(e.prefix.address, e.prefix.length);
  // Sorting integer keys rather than the entries themselves keeps 200,000 entries fast.
  std::vector<SortKey> order(entries.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) {
    const IpPrefix& p = entries[i].prefix;
    order[i] = {p.address.is_v4() ? v4_key(p.address) : v6_key(p.address),
                (p.address.is_v4() ? 0U : 1U) << 8 | p.length, i};
  }
  std::sort(order.begin(), order.end());
  std::optional<DuplicatePrefix> duplicate;
  for (std::size_t i = 1; i < order.size(); ++i) {
    if (!order[i - 1].same_prefix(order[i])) continue;
    // Within a run of equal prefixes, indexes ascend: the run's first is the earliest.
    if (!duplicate || order[i].index < duplicate->second)
      duplicate = DuplicatePrefix{order[i - 1].index, order[i].index};
  }
  if (duplicate) return fail(*duplicate);

  PrefixMap map;
  map.entries_.reserve(entries.size());
  for (const auto& k : order) map.entries_.push_back(entries[k.index]);
  map.parent_.assign(map.entries_.size(), kNone);
  const auto v4_count = static_cast<std::uint32_t>(
      std::partition_point(map.entries_.begin(), map.entries_.end(),
                           [](const Entry& e) { return e.prefix.address.is_v4(); }) -
      map.entries_.begin());
  const std::span<const Entry> all(map.entries_);

  Sweep<std::uint32_t>(map.v4_.starts, map.v4_.entry)
      .run(all.first(v4_count), 0, map.parent_, kNone);
  map.v4_index_.resize((std::size_t{1} << 16) + 1);
  std::size_t range = 0;
  for (std::size_t h = 0; h < map.v4_index_.size(); ++h) {
    while (range < map.v4_.starts.size() && map.v4_.starts[range] >> 16 < h) ++range;
    map.v4_index_[h] = static_cast<std::uint32_t>(range);
  }

  Sweep<Uint128>(map.v6_.starts, map.v6_.entry)
      .run(all.subspan(v4_count), v4_count, map.parent_, kNone);
  map.index_v6();
  return map;
}

// Real IPv6 tables sit in a small part of the space (2000::/3, often one provider's /32):
// index the 16 bits after what all of them share.
void PrefixMap::index_v6() {
  const auto& starts = v6_.starts;
  if (starts.size() < 2) return;
  v6_shift_ = std::min(leading_zeros(starts[1] ^ starts.back()), 112U);
  const unsigned low = 112 - v6_shift_;  // bits below the indexed 16
  v6_base_ = v6_shift_ == 0 ? 0 : starts[1] >> (128 - v6_shift_);
  const auto in_block = [&](Uint128 k) {
    return v6_shift_ == 0 || k >> (128 - v6_shift_) == v6_base_;
  };
  v6_index_.resize((std::size_t{1} << 16) + 1);
  std::size_t range = 0;
  for (std::size_t h = 0; h < v6_index_.size(); ++h) {
    // Starts below the block (only starts[0] can be) count as before every bucket.
    while (range < starts.size() &&
           (!in_block(starts[range]) || ((starts[range] >> low) & 0xffff) < h))
      ++range;
    v6_index_[h] = static_cast<std::uint32_t>(range);
  }
}

std::uint32_t PrefixMap::innermost(const IpAddress& a) const noexcept {
  if (a.is_v4()) {
    if (v4_index_.empty()) return kNone;
    const std::uint32_t key = v4_key(a);
    const auto begin = v4_.starts.begin();
    // All ranges before v4_index_[h] start below key, all from v4_index_[h + 1] on above it.
    const auto it =
        std::upper_bound(begin + v4_index_[key >> 16], begin + v4_index_[(key >> 16) + 1], key);
    return v4_.entry[static_cast<std::size_t>(it - begin) - 1];
  }
  if (v6_.starts.empty()) return kNone;
  const Uint128 key = v6_key(a);
  auto begin = v6_.starts.begin();
  auto end = v6_.starts.end();
  if (!v6_index_.empty() && (v6_shift_ == 0 || key >> (128 - v6_shift_) == v6_base_)) {
    const auto h = static_cast<std::size_t>(key >> (112 - v6_shift_)) & 0xffff;
    end = begin + v6_index_[h + 1];
    begin += v6_index_[h];
  }
  const auto it = std::upper_bound(begin, end, key);
  return v6_.entry[static_cast<std::size_t>(it - v6_.starts.begin()) - 1];
}

PrefixMap::Match PrefixMap::match(std::uint32_t index) const noexcept {
  return Match{entries_[index].value, entries_[index].prefix};
}

std::optional<PrefixMap::Match> PrefixMap::lookup(const IpAddress& address) const noexcept {
  const std::uint32_t index = innermost(unmapped(address));
  if (index == kNone) return std::nullopt;
  return match(index);
}

std::optional<PrefixMap::Match> PrefixMap::lookup(const IpPrefix& prefix) const noexcept {
  const IpPrefix p = IpPrefix::of(prefix.address, prefix.length);
  std::uint32_t index = innermost(p.address);
  // Entries containing the prefix's first address are nested; the covering ones are those
  // no longer than the prefix.
  while (index != kNone && entries_[index].prefix.length > p.length) index = parent_[index];
  if (index == kNone) return std::nullopt;
  return match(index);
}

unsigned PrefixMap::uniform_length(const IpPrefix& prefix, unsigned from) const noexcept {
  const IpPrefix p = IpPrefix::of(prefix.address, prefix.length);
  // Entries are sorted by address, shorter first: the first one after {block, L} (in that
  // order) is the first longer one starting inside the block, if any starts there at all.
  auto holds_longer = [&](unsigned length) {
    const IpPrefix block = IpPrefix::of(p.address, length);
    const IpPrefix after{block.address, length + 1};
    const auto it =
        std::lower_bound(entries_.begin(), entries_.end(), after,
                         [](const Entry& e, const IpPrefix& x) { return e.prefix < x; });
    return it != entries_.end() && block.contains(it->prefix.address) &&
           it->prefix.address.family() == block.address.family();
  };
  // Uniform at L means uniform at every longer length too: search for the shortest.
  unsigned low = std::min(from, p.length), high = p.length;
  if (holds_longer(high)) return p.length;
  while (low < high) {
    const unsigned mid = low + (high - low) / 2;
    if (holds_longer(mid))
      low = mid + 1;
    else
      high = mid;
  }
  return high;
}

}  // namespace ikesteer
