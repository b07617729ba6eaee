#include "health/load_window.hpp"

#include <algorithm>

namespace ikesteer::health {
namespace {

std::int64_t second_of(TimePoint t) noexcept {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

LoadWindow::LoadWindow(std::size_t members, std::chrono::seconds window)
    : members_(members),
      buckets_(static_cast<std::size_t>(window.count())),
      cells_(buckets_ * members_, 0),
      sums_(members_, 0) {}

void LoadWindow::start(std::int64_t second) noexcept {
  started_ = true;
  head_second_ = second;
}

void LoadWindow::advance(TimePoint now) noexcept {
  const std::int64_t second = second_of(now);
  if (!started_) {
    start(second);
    return;
  }
  if (second <= head_second_) return;
  // Clearing more than every bucket once changes nothing, so a long gap costs one pass.
  const auto steps = static_cast<std::size_t>(
      std::min<std::int64_t>(second - head_second_, static_cast<std::int64_t>(buckets_)));
  for (std::size_t i = 0; i < steps; ++i) {
    head_ = (head_ + 1) % buckets_;
    for (std::size_t m = 0; m < members_; ++m) {
      std::uint32_t& c = cell(head_, m);
      sums_[m] -= c;
      total_ -= c;
      c = 0;
    }
  }
  head_second_ = second;
}

void LoadWindow::add(std::size_t member) noexcept {
  ++cell(head_, member);
  ++sums_[member];
  ++total_;
}

void LoadWindow::carry(const LoadWindow& from, std::size_t from_member,
                       std::size_t to_member) noexcept {
  if (!from.started_) return;
  if (!started_) start(from.head_second_);
  // Walk our buckets from the head back; copy each second `from` still holds.
  for (std::size_t age = 0; age < buckets_; ++age) {
    const std::int64_t second = head_second_ - static_cast<std::int64_t>(age);
    const std::int64_t from_age = from.head_second_ - second;
    if (from_age < 0) continue;
    if (from_age >= static_cast<std::int64_t>(from.buckets_)) break;
    const std::size_t from_slot =
        (from.head_ + from.buckets_ - static_cast<std::size_t>(from_age)) % from.buckets_;
    const std::uint32_t c = from.cells_[from_slot * from.members_ + from_member];
    const std::size_t slot = (head_ + buckets_ - age) % buckets_;
    cell(slot, to_member) = c;
    sums_[to_member] += c;
    total_ += c;
  }
}

}  // namespace ikesteer::health
