#include "frontend/log/event_log.hpp"

namespace ikesteer::frontend {

void EventLog::add(LogLevel level, std::string_view subsystem, std::string kind,
                   std::string subject, std::string message,
                   std::initializer_list<LogField> fields) {
  Event e;
  e.at = std::chrono::system_clock::now();
  e.kind = std::move(kind);
  e.subject = std::move(subject);
  e.message = std::move(message);
  for (const auto& [key, value] : fields) e.fields.emplace_back(key, value);
  log(level, subsystem, e.message, fields);
  std::lock_guard lock(mutex_);
  e.id = next_id_++;
  events_.push_back(std::move(e));
  while (events_.size() > capacity_) events_.pop_front();
}

std::vector<Event> EventLog::since(std::uint64_t after) const {
  std::lock_guard lock(mutex_);
  std::vector<Event> out;
  for (const Event& e : events_)
    if (e.id > after) out.push_back(e);
  return out;
}

void EventLog::set_capacity(std::size_t capacity) {
  std::lock_guard lock(mutex_);
  capacity_ = capacity;
  while (events_.size() > capacity_) events_.pop_front();
}

}  // namespace ikesteer::frontend
