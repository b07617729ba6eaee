// How a counter is declared: where its numbers live in a totals struct and what it is called in
// each output (the log summary, Prometheus, /api/v1/counters, /api/v1/status, the drop
// reasons). The declarations themselves are in counter_declarations.cpp; every output is
// generated from them, so that a counter cannot be left out of one.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace ikesteer::frontend {

// A Prometheus counter family. Its samples have no label, or one: `label`; and, before it, a
// label whose value each counter of the family fixes (`fixed_label`, Counter::fixed_value).
struct MetricFamily {
  std::string_view name;  // "ikesteer_ike_drops_total"
  std::string_view help;
  std::string_view label = {};        // "reason"; empty for an unlabelled family
  std::string_view fixed_label = {};  // "command"; empty for none
};

// The numbers of one counter in the struct that owns it (IkeTotals, DnsTotals, HealthCounters):
// a single number, or an array indexed by an enum.
template <class Owner>
struct CounterField {
  std::span<std::uint64_t> (*mutable_values)(Owner&);
  std::span<const std::uint64_t> (*values)(const Owner&);

  std::span<std::uint64_t> operator()(Owner& t) const { return mutable_values(t); }
  std::span<const std::uint64_t> operator()(const Owner& t) const { return values(t); }
};

template <class Owner>
struct Counter {
  CounterField<Owner> field;
  // Arrays: the name of element i ("malformed"); null for a single number.
  std::string_view (*element)(std::size_t) = nullptr;
  // The log summary's name: `summary=N`; arrays `<summary><element>=N` ("drop.malformed=N").
  // A drop's summary name without "drop." names it in drop_counters() ("ike.malformed").
  std::string_view summary;
  const MetricFamily* family = nullptr;
  std::string_view label = {};        // single numbers in a labelled family: the label's value
  std::string_view fixed_value = {};  // the family's fixed_label's value for this counter
  // Where /api/v1/counters shows it under the group's key; "a/b" nests. Arrays are an object
  // by element name.
  std::string_view json;
  std::string_view status = {};  // the /api/v1/status total it adds to; empty for none
  bool drop = false;             // a datagram or query dropped: in drop_counters()

  // Element i's name in the log summary ("drop.malformed") and its label value in Prometheus
  // ("malformed"); i is 0 for a single number.
  std::string summary_name(std::size_t i) const {
    return element ? std::string(summary) + std::string(element(i)) : std::string(summary);
  }
  std::string_view label_value(std::size_t i) const { return element ? element(i) : label; }
};

// The counters of one owner struct, in output order.
template <class Owner>
struct CounterGroup {
  std::string_view name;  // "ike": the key in /api/v1/counters and the drop-name prefix
  std::span<const Counter<Owner>> counters;
};

namespace counter_detail {

template <class MemberPointer>
struct ClassOf;
template <class Class, class Member>
struct ClassOf<Member Class::*> {
  using type = Class;
};

// The member at a path of member pointers from `object`.
template <auto First, auto... Rest, class Object>
constexpr auto& member_at(Object& object) {
  if constexpr (sizeof...(Rest) == 0)
    return object.*First;
  else
    return member_at<Rest...>(object.*First);
}

inline std::span<std::uint64_t> numbers(std::uint64_t& n) {
  return {&n, 1};
}
inline std::span<const std::uint64_t> numbers(const std::uint64_t& n) {
  return {&n, 1};
}
template <std::size_t N>
std::span<std::uint64_t> numbers(std::array<std::uint64_t, N>& a) {
  return a;
}
template <std::size_t N>
std::span<const std::uint64_t> numbers(const std::array<std::uint64_t, N>& a) {
  return a;
}

}  // namespace counter_detail

// The counter at a path of member pointers from its totals struct:
// field<&IkeTotals::responder, &redirect::ResponderCounters::received>().
template <auto First, auto... Rest>
constexpr auto field() {
  using Owner = typename counter_detail::ClassOf<decltype(First)>::type;
  return CounterField<Owner>{
      [](Owner& t) {
        return counter_detail::numbers(counter_detail::member_at<First, Rest...>(t));
      },
      [](const Owner& t) {
        return counter_detail::numbers(counter_detail::member_at<First, Rest...>(t));
      }};
}

// Element names of an array indexed by Enum, for Counter::element.
template <class Enum>
std::string_view element_name(std::size_t i) {
  return to_string(static_cast<Enum>(i));
}

}  // namespace ikesteer::frontend
