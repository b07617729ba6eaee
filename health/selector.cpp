#include "health/selector.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "health/rendezvous.hpp"

namespace ikesteer::health {
namespace {

constexpr std::chrono::seconds kMaxWindow{3600};

// Below this many eligible members a slot's owner is scored on the spot: a table costs
// 128 KiB, too much for each of many small pools, and a few scores are cheap.
constexpr std::size_t kTableMinEligible = 8;

// Steps of a walk taken by selection before the rest of the order is sorted.
constexpr std::size_t kSelectionSteps = 4;

}  // namespace

std::string_view to_string(SelectorError e) noexcept {
  switch (e) {
    case SelectorError::TooManyMembers:
      static_assert(kMaxMembers == 4096);
      return "more than 4096 members";
    case SelectorError::EmptyName:
      return "member without a name";
    case SelectorError::DuplicateName:
      return "two members with the same name";
    case SelectorError::BadWeight:
      return "weight must be > 0";
    case SelectorError::BadLoadFactor:
      return "load factor must be > 1";
    case SelectorError::BadWindow:
      return "load window must be 1 s .. 1 h";
    case SelectorError::TooManyPools:
      return "more than 1024 pools";
    case SelectorError::BadPool:
      return "a member's pool is not one of the pools";
  }
  return "unknown";
}

std::string_view to_string(PickReason r) noexcept {
  switch (r) {
    case PickReason::HashOwner:
      return "hash_owner";
    case PickReason::LoadSpill:
      return "load_spill";
    case PickReason::ReportedLoadSpill:
      return "reported_load_spill";
    case PickReason::CapacitySpill:
      return "capacity_spill";
    case PickReason::AvoidedRedirectedFrom:
      return "avoided_redirected_from";
    case PickReason::Overloaded:
      return "overloaded";
    case PickReason::NoEligibleMember:
      return "no_eligible_member";
  }
  return "unknown";
}

Result<Selector, SelectorError> Selector::create(std::vector<SelectorMember> members,
                                                 const SelectorOptions& options,
                                                 const Selector* previous) {
  if (!(options.load_factor > 1.0) || !std::isfinite(options.load_factor))
    return fail(SelectorError::BadLoadFactor);
  if (options.window < std::chrono::seconds{1} || options.window > kMaxWindow)
    return fail(SelectorError::BadWindow);
  if (members.size() > kMaxMembers) return fail(SelectorError::TooManyMembers);

  std::vector<std::uint64_t> seeds;
  seeds.reserve(members.size());
  for (const SelectorMember& m : members) {
    if (m.name.empty()) return fail(SelectorError::EmptyName);
    if (!(m.weight > 0.0) || !std::isfinite(m.weight)) return fail(SelectorError::BadWeight);
    seeds.push_back(member_seed(m.name));
  }
  // Members are told apart by seed (ranks_before), so equal seeds are refused like equal names.
  std::vector<std::uint64_t> sorted = seeds;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    return fail(SelectorError::DuplicateName);

  return Selector(std::move(members), options, std::move(seeds), previous);
}

Selector::Selector(std::vector<SelectorMember> members, const SelectorOptions& options,
                   std::vector<std::uint64_t> seeds, const Selector* previous)
    : members_(std::move(members)),
      options_(options),
      seeds_(std::move(seeds)),
      window_(members_.size(), options.window) {
  const auto window_seconds = static_cast<std::uint64_t>(options.window.count());
  by_seed_.reserve(seeds_.size());
  for (std::size_t i = 0; i < seeds_.size(); ++i) by_seed_.emplace_back(seeds_[i], i);
  std::sort(by_seed_.begin(), by_seed_.end());
  capacity_cap_.reserve(members_.size());
  std::optional<double> least_load;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    capacity_cap_.push_back(members_[i].capacity * window_seconds);
    if (!members_[i].eligible) continue;
    eligible_.push_back(i);
    eligible_weight_ += members_[i].weight;
    if (const auto load = members_[i].reported_load)
      least_load = std::min(*load, least_load.value_or(*load));
  }
  busy_.resize(members_.size());
  for (const std::size_t i : eligible_)
    busy_[i] = members_[i].reported_load &&
               *members_[i].reported_load > *least_load + options_.load_margin;
  scratch_.resize(eligible_.size());

  if (eligible_.size() < kTableMinEligible) return;
  std::vector<SlotMember> slot_members;
  slot_members.reserve(members_.size());
  for (std::size_t i = 0; i < members_.size(); ++i)
    slot_members.push_back({seeds_[i], members_[i].weight, members_[i].eligible});
  table_ = SlotTable::build(slot_members, previous ? previous->table_ : nullptr);
}

std::size_t Selector::owner_of(std::uint16_t slot) const noexcept {
  if (table_) return table_->owner(slot);
  const std::uint64_t hash = slot_hash(slot);
  std::size_t best = eligible_.front();
  double best_score = hrw_score(seeds_[best], hash, members_[best].weight);
  for (const std::size_t m : std::span(eligible_).subspan(1)) {
    const double score = hrw_score(seeds_[m], hash, members_[m].weight);
    if (ranks_before(score, seeds_[m], best_score, seeds_[best])) {
      best = m;
      best_score = score;
    }
  }
  return best;
}

double Selector::load_bound(std::size_t member, double weight_sum) const noexcept {
  const double total_after = static_cast<double>(window_.total() + 1);
  return std::max(
      static_cast<double>(options_.load_floor),
      std::ceil(options_.load_factor * members_[member].weight / weight_sum * total_after));
}

Pick Selector::pick(std::span<const std::byte> key, std::optional<std::size_t> avoid,
                    TimePoint now) noexcept {
  window_.advance(now);
  if (eligible_.empty()) return {std::nullopt, PickReason::NoEligibleMember};

  const std::uint16_t slot = slot_of(client_hash(key));
  const std::size_t owner = owner_of(slot);
  const bool avoiding =
      avoid && *avoid < members_.size() && members_[*avoid].eligible && eligible_.size() > 1;
  if (!(avoiding && *avoid == owner) && !at_capacity(owner) && !busy_[owner] &&
      static_cast<double>(window_.count(owner) + 1) <= load_bound(owner, eligible_weight_)) {
    window_.add(owner);
    return {owner, PickReason::HashOwner};
  }
  return walk(slot_hash(slot), avoiding ? avoid : std::nullopt);
}

Pick Selector::walk(std::uint64_t hash, std::optional<std::size_t> avoid) noexcept {
  const std::span<Candidate> candidates(scratch_.data(), eligible_.size());
  double running_weight = 0.0;
  std::size_t running = 0;
  std::size_t busy = 0;  // would be running but for their reported load
  for (std::size_t p = 0; p < candidates.size(); ++p) {
    const std::size_t m = eligible_[p];
    Candidate& c = candidates[p];
    c = {hrw_score(seeds_[m], hash, members_[m].weight), seeds_[m], m, false,
         PickReason::HashOwner};
    if (avoid && m == *avoid) {
      c.skip = PickReason::AvoidedRedirectedFrom;
    } else if (at_capacity(m)) {
      c.skip = PickReason::CapacitySpill;
    } else if (busy_[m]) {
      c.skip = PickReason::ReportedLoadSpill;
      ++busy;
    } else {
      c.running = true;
      running_weight += members_[m].weight;
      ++running;
    }
  }
  if (running == 0 && busy != 0) {  // only busy members can take the client: let them
    for (Candidate& c : candidates)
      if (c.skip == PickReason::ReportedLoadSpill) {
        c.running = true;
        running_weight += members_[c.member].weight;
        ++running;
      }
  }
  if (running == 0) return {std::nullopt, PickReason::Overloaded};

  // Why the owner (step 0) was passed over; stays HashOwner while the owner is the answer.
  PickReason owner_skip = PickReason::HashOwner;
  const auto before = [](const Candidate& a, const Candidate& b) {
    return ranks_before(a.score, a.seed, b.score, b.seed);
  };
  for (std::size_t step = 0;; ++step) {
    // The walk usually ends within a step or two: find the next best one at a time, and sort
    // the rest once (std::sort does not allocate) if it goes on.
    if (step < kSelectionSteps) {
      std::swap(candidates[step],
                *std::min_element(candidates.begin() + static_cast<std::ptrdiff_t>(step),
                                  candidates.end(), before));
    } else if (step == kSelectionSteps) {
      std::sort(candidates.begin() + static_cast<std::ptrdiff_t>(step), candidates.end(), before);
    }
    const Candidate& c = candidates[step];
    PickReason skip = c.skip;
    if (c.running) {
      // The bounds of the running members add up to at least load_factor x (total + 1) >
      // total + 1 assignments, so if every other one is full this one has room: the last is
      // taken without the floating-point test, which rounding could otherwise fail.
      if (--running == 0 || static_cast<double>(window_.count(c.member) + 1) <=
                                load_bound(c.member, running_weight)) {
        window_.add(c.member);
        return {c.member, owner_skip};
      }
      skip = PickReason::LoadSpill;
    }
    if (step == 0) owner_skip = skip;
  }
}

std::optional<std::size_t> Selector::owner(std::span<const std::byte> key) const noexcept {
  if (eligible_.empty()) return std::nullopt;
  return owner_of(slot_of(client_hash(key)));
}

std::vector<std::size_t> Selector::rank(std::span<const std::byte> key) const {
  const std::uint64_t client = slot_hash(slot_of(client_hash(key)));
  std::vector<std::pair<double, std::size_t>> scored;
  scored.reserve(eligible_.size());
  for (const std::size_t m : eligible_)
    scored.emplace_back(hrw_score(seeds_[m], client, members_[m].weight), m);
  std::sort(scored.begin(), scored.end(), [this](const auto& a, const auto& b) {
    return ranks_before(a.first, seeds_[a.second], b.first, seeds_[b.second]);
  });
  std::vector<std::size_t> order;
  order.reserve(scored.size());
  for (const auto& s : scored) order.push_back(s.second);
  return order;
}

void Selector::carry_load_from(const Selector& previous) noexcept {
  // Seeds follow names: find each member's seed among the previous ones, then check the name.
  for (std::size_t i = 0; i < members_.size(); ++i) {
    const auto it = std::lower_bound(previous.by_seed_.begin(), previous.by_seed_.end(),
                                     std::pair<std::uint64_t, std::size_t>{seeds_[i], 0});
    if (it != previous.by_seed_.end() && it->first == seeds_[i] &&
        previous.members_[it->second].name == members_[i].name)
      window_.carry(previous.window_, it->second, i);
  }
}

void Selector::carry_load_from(const Selector& from, std::size_t from_member,
                               std::size_t member) noexcept {
  window_.carry(from.window_, from_member, member);
}

}  // namespace ikesteer::health
