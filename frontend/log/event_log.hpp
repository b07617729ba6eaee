// Every member state change, address action and reload, with its reason: logged as it happens
// and kept, the newest `capacity` of them, for operators (the dashboard and API show them).
// Thread-safe: the main loop adds, any thread reads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/log.hpp"

namespace ikesteer::frontend {

struct Event {
  std::uint64_t id = 0;  // increasing; lets readers ask for what is new
  std::chrono::system_clock::time_point at;
  std::string kind;     // "member_state", "address_action", "address_result", "reload", ...
  std::string subject;  // the member or address concerned ("" for the whole front end)
  std::string message;  // what happened and why, in words
  std::vector<std::pair<std::string, std::string>> fields;  // the details, as in the log line
};

class EventLog {
 public:
  explicit EventLog(std::size_t capacity) : capacity_(capacity) {}

  // Records the event and writes it as a log line (subsystem "health" or as given).
  void add(LogLevel level, std::string_view subsystem, std::string kind, std::string subject,
           std::string message, std::initializer_list<LogField> fields = {});
  // Cluster mode: every event added here carries ("instance", name) and is handed to
  // `shared` (from the thread that adds it, outside the lock), to be written to etcd.
  void share_as(std::string instance, std::function<void(const Event&)> shared);
  // An event another instance added (read from etcd): kept like ours, not logged or shared.
  void add_shared(Event e);
  // Events with an id above `after`, oldest first.
  std::vector<Event> since(std::uint64_t after) const;
  void set_capacity(std::size_t capacity);

 private:
  mutable std::mutex mutex_;
  std::size_t capacity_;
  std::uint64_t next_id_ = 1;
  std::deque<Event> events_;
  std::string instance_;  // cluster mode: this instance's name
  std::function<void(const Event&)> shared_;
};

}  // namespace ikesteer::frontend
