// Giving up root once the privileged ports are bound.
#pragma once

#include <string>

#include "common/result.hpp"

namespace ikesteer::frontend {

// Switches to `user`'s uid, gid and supplementary groups, irrevocably. Fails if that is not
// possible (unknown user, or not running as root).
Result<void, std::string> drop_privileges(const std::string& user);

}  // namespace ikesteer::frontend
