#include "health/topology_file.hpp"

#include <algorithm>
#include <numeric>
#include <utility>

namespace ikesteer::health {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// Splits a line (comment already cut) into its blank-separated words, one at a time.
class Words {
 public:
  explicit Words(std::string_view line) : rest_(line) {}
  std::optional<std::string_view> next() {
    while (!rest_.empty() && is_blank(rest_.front())) rest_.remove_prefix(1);
    if (rest_.empty()) return std::nullopt;
    std::size_t n = 0;
    while (n < rest_.size() && !is_blank(rest_[n])) ++n;
    const auto word = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return word;
  }

 private:
  std::string_view rest_;
};

class Parser {
 public:
  Parser(const PoolByName& pool_by_name, OrderInterner& orders, std::size_t max_errors)
      : pool_by_name_(pool_by_name), orders_(orders), max_errors_(max_errors) {}

  // False once max_errors errors are in.
  bool line(std::string_view text, std::size_t number) {
    text = text.substr(0, text.find('#'));
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    Words words(text);
    const auto first = words.next();
    if (!first) return true;
    const auto prefix = IpPrefix::parse(*first);
    if (!prefix) return error(number, "bad prefix " + std::string(*first) + ": " + prefix.error());
    order_.clear();
    bool ok = true;
    while (const auto name = words.next()) {
      const auto pool = pool_by_name_(*name);
      if (!pool) {
        ok = false;
        if (!error(number, "unknown pool '" + std::string(*name) + "'")) return false;
      } else if (std::find(order_.begin(), order_.end(), *pool) != order_.end()) {
        ok = false;
        if (!error(number, "pool '" + std::string(*name) + "' named twice")) return false;
      } else {
        order_.push_back(*pool);
      }
    }
    if (ok && order_.empty()) return error(number, prefix->to_string() + " names no pool");
    // Kept even when the line has a pool error, so a duplicate is still reported.
    result_.entries.push_back({*prefix, ok ? orders_.intern(order_) : 0});
    result_.lines.push_back(number);
    return true;
  }

  // Reports prefixes listed twice, at the later line.
  void duplicates() {
    const auto& entries = result_.entries;
    std::vector<std::uint32_t> sorted(entries.size());
    std::iota(sorted.begin(), sorted.end(), 0U);
    std::stable_sort(sorted.begin(), sorted.end(), [&](std::uint32_t a, std::uint32_t b) {
      return entries[a].prefix < entries[b].prefix;
    });
    std::vector<TopologyFileError> found;
    for (std::size_t i = 1; i < sorted.size(); ++i) {
      const auto first = sorted[i - 1];
      const auto again = sorted[i];
      if (entries[first].prefix != entries[again].prefix) continue;
      // A run of three or more names its first line each time.
      std::size_t run = i - 1;
      while (run > 0 && entries[sorted[run - 1]].prefix == entries[again].prefix) --run;
      found.push_back({result_.lines[again], entries[again].prefix.to_string() +
                                                 " is already listed on line " +
                                                 std::to_string(result_.lines[sorted[run]])});
    }
    errors_.insert(errors_.end(), std::make_move_iterator(found.begin()),
                   std::make_move_iterator(found.end()));
    std::stable_sort(errors_.begin(), errors_.end(),
                     [](const auto& a, const auto& b) { return a.line < b.line; });
    if (errors_.size() > max_errors_) errors_.resize(max_errors_);
  }

  bool failed() const noexcept { return !errors_.empty(); }
  TopologyFileEntries& result() noexcept { return result_; }
  std::vector<TopologyFileError>& errors() noexcept { return errors_; }

 private:
  bool error(std::size_t line, std::string message) {
    errors_.push_back({line, std::move(message)});
    return errors_.size() < max_errors_;
  }

  const PoolByName& pool_by_name_;
  OrderInterner& orders_;
  std::size_t max_errors_;
  std::vector<std::uint16_t> order_;  // the current line's, reused
  TopologyFileEntries result_;
  std::vector<TopologyFileError> errors_;
};

}  // namespace

Result<TopologyFileEntries, std::vector<TopologyFileError>> parse_topology_file(
    std::string_view text, const PoolByName& pool_by_name, OrderInterner& orders,
    std::size_t max_errors) {
  Parser parser(pool_by_name, orders, std::max<std::size_t>(max_errors, 1));
  std::size_t number = 0;
  bool more = true;
  while (more && !text.empty()) {
    const auto end = text.find('\n');
    more = parser.line(text.substr(0, end), ++number);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  if (more) parser.duplicates();
  if (parser.failed()) return fail(std::move(parser.errors()));
  return std::move(parser.result());
}

}  // namespace ikesteer::health
