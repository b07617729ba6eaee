// Adding and removing an address on an interface through rtnetlink (RTM_NEWADDR/RTM_DELADDR),
// synchronously: the kernel answers in microseconds. Needs CAP_NET_ADMIN.
#pragma once

#include <string>

#include "common/ip_address.hpp"
#include "common/result.hpp"

namespace ikesteer::frontend {

// Adds address/prefix to `interface` (a name). Already there: success. IPv6 addresses skip
// duplicate address detection (IFA_F_NODAD), so they are usable at once.
Result<void, std::string> add_address(const std::string& interface, const IpAddress& address,
                                      unsigned prefix);

// Removes address/prefix from `interface`. Not there: success.
Result<void, std::string> remove_address(const std::string& interface, const IpAddress& address,
                                         unsigned prefix);

}  // namespace ikesteer::frontend
