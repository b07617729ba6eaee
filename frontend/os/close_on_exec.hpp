// Boost.Asio opens and accepts sockets without FD_CLOEXEC; every socket of ours must have it,
// or the hooks and exec probes ikesteer starts inherit them (a listening HTTP socket held by a
// hook's child keeps the port from a restarted ikesteer).
#pragma once

#include <fcntl.h>

namespace ikesteer::frontend {

inline void close_on_exec(int fd) noexcept {
  if (fd >= 0) ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC);
}

}  // namespace ikesteer::frontend
