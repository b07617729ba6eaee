#include "health/selector.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "health/rendezvous.hpp"

namespace ikesteer::health {
namespace {

constexpr std::chrono::seconds kMaxWindow{3600};

// One eligible member's standing for one pick; trivially constructible so that pick() can
// keep kMaxMembers of them on the stack without initialising them.
struct Candidate {
  double score;
  std::uint64_t seed;
  std::size_t member;
  bool running;     // still in the running: not avoided, not at capacity
  PickReason skip;  // why it is not in the running, when it is not
};

// Position of the best-ranked candidate whose bit is not set in `visited`. Precondition: one
// is left.
std::size_t next_best(std::span<const Candidate> c, std::uint64_t visited) noexcept {
  std::size_t best = c.size();
  for (std::size_t p = 0; p < c.size(); ++p) {
    if ((visited >> p) & 1U) continue;
    if (best == c.size() || ranks_before(c[p].score, c[p].seed, c[best].score, c[best].seed))
      best = p;
  }
  return best;
}

}  // namespace

std::string_view to_string(SelectorError e) noexcept {
  switch (e) {
    case SelectorError::TooManyMembers:
      return "more than 64 members";
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
                                                 const SelectorOptions& options) {
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

  return Selector(std::move(members), options, std::move(seeds));
}

Selector::Selector(std::vector<SelectorMember> members, const SelectorOptions& options,
                   std::vector<std::uint64_t> seeds)
    : members_(std::move(members)),
      options_(options),
      seeds_(std::move(seeds)),
      window_(members_.size(), options.window) {
  const auto window_seconds = static_cast<std::uint64_t>(options.window.count());
  capacity_cap_.reserve(members_.size());
  std::optional<double> least_load;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    capacity_cap_.push_back(members_[i].capacity * window_seconds);
    if (!members_[i].eligible) continue;
    eligible_.push_back(i);
    if (const auto load = members_[i].reported_load)
      least_load = std::min(*load, least_load.value_or(*load));
  }
  busy_.resize(members_.size());
  for (const std::size_t i : eligible_)
    busy_[i] = members_[i].reported_load &&
               *members_[i].reported_load > *least_load + options_.load_margin;
}

Pick Selector::pick(std::span<const std::byte> key, std::optional<std::size_t> avoid,
                    TimePoint now) noexcept {
  window_.advance(now);
  if (eligible_.empty()) return {std::nullopt, PickReason::NoEligibleMember};

  const std::uint64_t client = client_hash(key);
  const bool avoiding =
      avoid && *avoid < members_.size() && members_[*avoid].eligible && eligible_.size() > 1;
  std::array<Candidate, kMaxMembers> scratch;
  const std::span<Candidate> candidates(scratch.data(), eligible_.size());
  double running_weight = 0.0;
  std::size_t running = 0;
  std::size_t busy = 0;  // would be running but for their reported load
  for (std::size_t p = 0; p < candidates.size(); ++p) {
    const std::size_t m = eligible_[p];
    Candidate& c = candidates[p];
    c = {hrw_score(seeds_[m], client, members_[m].weight), seeds_[m], m, false,
         PickReason::HashOwner};
    if (avoiding && m == *avoid) {
      c.skip = PickReason::AvoidedRedirectedFrom;
    } else if (capacity_cap_[m] != 0 && window_.count(m) >= capacity_cap_[m]) {
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

  const double total_after = static_cast<double>(window_.total() + 1);
  // Why the owner (step 0) was passed over; stays HashOwner while the owner is the answer.
  PickReason owner_skip = PickReason::HashOwner;
  std::uint64_t visited = 0;
  for (std::size_t step = 0;; ++step) {
    const std::size_t p = next_best(candidates, visited);
    visited |= std::uint64_t{1} << p;
    const Candidate& c = candidates[p];
    PickReason skip = c.skip;
    if (c.running) {
      // The bounds of the running members add up to at least load_factor x (total + 1) >
      // total + 1 assignments, so if every other one is full this one has room: the last is
      // taken without the floating-point test, which rounding could otherwise fail.
      const double bound = std::max(
          static_cast<double>(options_.load_floor),
          std::ceil(options_.load_factor * members_[c.member].weight / running_weight * total_after));
      if (--running == 0 || static_cast<double>(window_.count(c.member) + 1) <= bound) {
        window_.add(c.member);
        return {c.member, owner_skip};
      }
      skip = PickReason::LoadSpill;
    }
    if (step == 0) owner_skip = skip;
  }
}

std::optional<std::size_t> Selector::owner(std::span<const std::byte> key) const noexcept {
  const std::uint64_t client = client_hash(key);
  std::optional<std::size_t> best;
  double best_score = 0.0;
  for (const std::size_t m : eligible_) {
    const double score = hrw_score(seeds_[m], client, members_[m].weight);
    if (!best || ranks_before(score, seeds_[m], best_score, seeds_[*best])) {
      best = m;
      best_score = score;
    }
  }
  return best;
}

std::vector<std::size_t> Selector::rank(std::span<const std::byte> key) const {
  const std::uint64_t client = client_hash(key);
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
  for (std::size_t i = 0; i < members_.size(); ++i) {
    for (std::size_t j = 0; j < previous.members_.size(); ++j) {
      if (previous.members_[j].name == members_[i].name) {
        window_.carry(previous.window_, j, i);
        break;
      }
    }
  }
}

}  // namespace ikesteer::health
