// The JSON API's write side: who may act (a bearer token, compared in constant time) and what
// a request asks for (the action in the path, an optional JSON body with the reason).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "frontend/http/http_message.hpp"
#include "frontend/operator/control_plane.hpp"

namespace ikesteer::frontend::http {

// nullopt when `authorization` ("Bearer <token>", the scheme in any case) carries `token`;
// otherwise the answer: 403 when no token is configured (the API is read-only), 401 with
// WWW-Authenticate: Bearer when there are no bearer credentials, 403 when they are wrong.
std::optional<HttpResponse> check_bearer(std::string_view authorization, std::string_view token);

// a == b, in time that depends on neither content nor length.
bool equal_in_constant_time(std::string_view a, std::string_view b);

// The text with every byte outside printable ASCII replaced by '?', for echoing what a client
// sent in an error message (json_error does not check UTF-8).
std::string printable(std::string_view text);

// "drain", "undrain", "maintenance", "failback", "weight".
std::optional<OperatorAction::Kind> action_kind(std::string_view verb);
std::string_view action_verb(OperatorAction::Kind kind);

struct ActionBody {
  std::string reason;
  double weight = 0;  // SetWeight only
};

// The request body: empty, or a JSON object with an optional string "reason" and, for
// SetWeight (required there, refused elsewhere), a number "weight" in (0, 1e6]. The error says
// what is wrong, for a 400.
Result<ActionBody, std::string> parse_action_body(std::string_view body, OperatorAction::Kind kind);

}  // namespace ikesteer::frontend::http
