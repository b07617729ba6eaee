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
  std::function<void(const Event&)> shared;
  {
    std::lock_guard lock(mutex_);
    if (!instance_.empty()) e.fields.emplace_back("instance", instance_);
    e.id = next_id_++;
    events_.push_back(e);
    while (events_.size() > capacity_) events_.pop_front();
    shared = shared_;
  }
  if (shared) shared(e);
}

void EventLog::share_as(std::string instance, std::function<void(const Event&)> shared) {
  std::lock_guard lock(mutex_);
  instance_ = std::move(instance);
  shared_ = std::move(shared);
}

void EventLog::add_shared(Event e) {
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
