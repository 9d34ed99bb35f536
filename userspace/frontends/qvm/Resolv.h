// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/Resolv.h
// The DNS servers behind specialtarget=dns, from resolv.conf.
//------------------------------------------------------------------------------
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "frontends/qvm/Address.h"

namespace pfw::qvm {

inline constexpr const char* kDefaultResolvConf = "/etc/resolv.conf";

// The addresses of the "nameserver ADDRESS" lines, IPv4 and IPv6, in file
// order without repeats.  As in glibc, '#' and ';' start comment lines, an
// IPv6 zone ("%eth0") is ignored and a line that is not an address is
// skipped: resolv.conf is the resolver's file, not ours to reject.
std::vector<IpAddr> parseResolvConf(std::string_view text);

// parseResolvConf of the file; a missing or unreadable file has no servers,
// so specialtarget=dns rules then match nothing.
std::vector<IpAddr> readResolvConf(const std::string& path);

// $POLYFW_RESOLV_CONF, or /etc/resolv.conf.
std::string resolvConfPathFromEnvironment();

}  // namespace pfw::qvm
