// Telling the segment that an address now lives at this interface's MAC, after a claim: an
// IPv4 gratuitous ARP or an IPv6 unsolicited Neighbour Advertisement. Needs CAP_NET_RAW.
#pragma once

#include <string>

#include "common/ip_address.hpp"
#include "common/result.hpp"

namespace ikesteer::frontend {

// Sends one announcement of `address` on `interface` (an Ethernet interface, by name).
Result<void, std::string> announce_address(const std::string& interface, const IpAddress& address);

}  // namespace ikesteer::frontend
