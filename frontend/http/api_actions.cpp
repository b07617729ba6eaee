#include "frontend/http/api_actions.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>

namespace ikesteer::frontend::http {
namespace {

constexpr std::size_t kMaxReason = 1024;
constexpr double kMaxWeight = 1e6;  // as config's member.weight

std::array<unsigned char, 32> sha256(std::string_view text) {
  std::array<unsigned char, 32> digest{};
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1)
    digest.fill(0);
  return digest;
}

bool blank(std::string_view text) {
  for (const char c : text)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

std::string_view type_name(const nlohmann::json& j) {
  return j.type_name();
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c < 0x20 || c > 0x7e) c = '?';
  return out;
}

bool equal_in_constant_time(std::string_view a, std::string_view b) {
  // Comparing digests hides both the content and the length of the secret.
  const auto da = sha256(a);
  const auto db = sha256(b);
  return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0;
}

std::optional<HttpResponse> check_bearer(std::string_view authorization, std::string_view token) {
  if (token.empty()) return json_error(403, "read-only: no api token configured");
  constexpr std::string_view kScheme = "bearer";
  const bool bearer =
      authorization.size() > kScheme.size() && authorization[kScheme.size()] == ' ' &&
      std::equal(kScheme.begin(), kScheme.end(), authorization.begin(),
                 [](char s, char c) { return s == std::tolower(static_cast<unsigned char>(c)); });
  if (!bearer) {
    HttpResponse r = json_error(401, "authorization required: Bearer token");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  std::string_view credentials = authorization.substr(kScheme.size());
  while (!credentials.empty() && credentials.front() == ' ') credentials.remove_prefix(1);
  while (!credentials.empty() && credentials.back() == ' ') credentials.remove_suffix(1);
  if (!equal_in_constant_time(credentials, token)) return json_error(403, "wrong token");
  return std::nullopt;
}

std::optional<OperatorAction::Kind> action_kind(std::string_view verb) {
  using K = OperatorAction::Kind;
  if (verb == "drain") return K::Drain;
  if (verb == "undrain") return K::Undrain;
  if (verb == "maintenance") return K::Maintenance;
  if (verb == "failback") return K::FailBack;
  if (verb == "weight") return K::SetWeight;
  return std::nullopt;
}

std::string_view action_verb(OperatorAction::Kind kind) {
  using K = OperatorAction::Kind;
  switch (kind) {
    case K::Drain:
      return "drain";
    case K::Undrain:
      return "undrain";
    case K::Maintenance:
      return "maintenance";
    case K::FailBack:
      return "failback";
    case K::SetWeight:
      return "weight";
  }
  return "?";
}

Result<ActionBody, std::string> parse_action_body(std::string_view body,
                                                  OperatorAction::Kind kind) {
  const bool wants_weight = kind == OperatorAction::Kind::SetWeight;
  ActionBody out;
  if (blank(body)) {
    if (wants_weight) return fail(std::string("body: a JSON object with \"weight\" is required"));
    return out;
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {  // parse_error, out_of_range (1e999)
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, ...; last read: '...'": keep the
    // words, not the id nor the bytes read (which need not be text).
    if (const auto end = what.find("] "); what.starts_with("[json.") && end != std::string::npos)
      what.erase(0, end + 2);
    if (const auto last = what.find("; last read:"); last != std::string::npos) what.resize(last);
    return fail("body: not JSON: " + printable(what));
  }
  if (!j.is_object()) return fail("body: must be a JSON object, not " + std::string(type_name(j)));
  bool has_weight = false;
  for (const auto& [key, value] : j.items()) {
    if (key == "reason") {
      if (!value.is_string())
        return fail("body: \"reason\" must be a string, not " + std::string(type_name(value)));
      out.reason = value.get<std::string>();
      if (out.reason.size() > kMaxReason)
        return fail("body: \"reason\" is longer than " + std::to_string(kMaxReason) + " bytes");
    } else if (key == "weight" && wants_weight) {
      if (!value.is_number())
        return fail("body: \"weight\" must be a number, not " + std::string(type_name(value)));
      out.weight = value.get<double>();
      if (!std::isfinite(out.weight) || !(out.weight > 0) || out.weight > kMaxWeight)
        return fail(std::string("body: \"weight\" must be > 0 and <= 1000000"));
      has_weight = true;
    } else {
      return fail("body: unknown field \"" + printable(key) + "\"");
    }
  }
  if (wants_weight && !has_weight) return fail(std::string("body: \"weight\" is required"));
  return out;
}

}  // namespace ikesteer::frontend::http
