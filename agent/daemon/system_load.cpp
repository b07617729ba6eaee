#include "agent/daemon/system_load.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace ikesteer::agent::daemon {

std::optional<double> current_load(const AgentConfig& config) {
  switch (config.load) {
    case LoadSource::None:
      return std::nullopt;
    case LoadSource::Fixed:
      return config.fixed_load;
    case LoadSource::Auto: {
      double average[1];
      const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
      if (::getloadavg(average, 1) != 1 || cpus < 1) return std::nullopt;
      return std::clamp(average[0] / static_cast<double>(cpus), 0.0, 1.0);
    }
  }
  return std::nullopt;
}

}  // namespace ikesteer::agent::daemon
