#include "frontend/http/http_router.hpp"

#include <utility>

namespace ikesteer::frontend::http {

void HttpRouter::route(std::string method, std::string path, HttpHandler handler) {
  exact_[std::move(path)].insert_or_assign(std::move(method),
                                           Target(std::in_place_index<0>, std::move(handler)));
}

void HttpRouter::route_prefix(std::string method, std::string prefix, HttpHandler handler) {
  prefixes_[std::move(prefix)].insert_or_assign(std::move(method),
                                                Target(std::in_place_index<0>, std::move(handler)));
}

void HttpRouter::stream(std::string path, SseSource source) {
  exact_[std::move(path)].insert_or_assign("GET",
                                           Target(std::in_place_index<1>, std::move(source)));
}

HttpRouter::Match HttpRouter::find(std::string_view method, std::string_view path) const {
  const Methods* resource = nullptr;
  if (auto it = exact_.find(path); it != exact_.end()) {
    resource = &it->second;
  } else {
    std::size_t longest = 0;
    for (const auto& [prefix, methods] : prefixes_) {
      if (path.starts_with(prefix) && (resource == nullptr || prefix.size() > longest)) {
        resource = &methods;
        longest = prefix.size();
      }
    }
  }
  Match match;
  if (resource == nullptr) return match;
  if (auto it = resource->find(method); it != resource->end()) {
    match.target = &it->second;
    return match;
  }
  for (const auto& entry : *resource) {
    if (!match.allow.empty()) match.allow += ", ";
    match.allow += entry.first;
  }
  return match;
}

}  // namespace ikesteer::frontend::http
