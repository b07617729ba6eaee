#include "frontend/os/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ikesteer::frontend {

Result<void, std::string> drop_privileges(const std::string& user) {
  errno = 0;
  const passwd* pw = ::getpwnam(user.c_str());
  if (!pw) return fail("process.user: no such user \"" + user + "\"");
  if (::initgroups(pw->pw_name, pw->pw_gid) != 0 || ::setgid(pw->pw_gid) != 0 ||
      ::setuid(pw->pw_uid) != 0)
    return fail("process.user: cannot switch to \"" + user + "\": " + std::strerror(errno));
  // Make sure the switch cannot be undone.
  if (pw->pw_uid != 0 && ::setuid(0) == 0)
    return fail("process.user: could regain root after switching to \"" + user + "\"");
  return {};
}

}  // namespace ikesteer::frontend
