// TOML → Config. Every problem is reported at once as `file:line:col key: reason`; unknown keys
// are errors; nothing invalid is silently replaced by a default.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "frontend/config/config.hpp"

namespace ikesteer::frontend {

using ConfigErrors = std::vector<std::string>;

// `source_name` is used in error messages (the file path).
Result<Config, ConfigErrors> parse_config(std::string_view toml_text, std::string_view source_name);
Result<Config, ConfigErrors> load_config(const std::string& path);

}  // namespace ikesteer::frontend
