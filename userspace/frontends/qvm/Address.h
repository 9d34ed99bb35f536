// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/Address.h
// Destination hosts: CIDR networks, host names and their resolution.
//------------------------------------------------------------------------------
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/Ir.h"

namespace pfw::qvm {

// One IP address in the IR's 128-bit form (IPv4 as ::ffff:a.b.c.d).
struct IpAddr {
    uint8_t family = 4;  // 4 or 6
    ir::u128 value = 0;
    bool operator==(const IpAddr&) const = default;
};

// Parses a literal IPv4 (dotted quad only) or IPv6 address.
std::optional<IpAddr> parseIpAddr(std::string_view text);
std::string formatIpAddr(const IpAddr& a);

// The destination of a rule: a network, or a host name, which the program
// matches as the live set dnsSetName(name) (frontends/qvm/DnsSets.h) that is
// filled with its addresses after each load and by `polyfw resolve`.
struct DstHost {
    enum class Kind { V4, V6, Name };
    Kind kind = Kind::V4;
    IpAddr addr;          // V4/V6: the network address, host bits clear
    unsigned prefix = 0;  // V4: 1-32, V6: 1-128 (a 0 prefix is no DstHost at all)
    std::string name;     // Name: lower case

    bool operator==(const DstHost&) const = default;
};

// Parses the value of dsthost=, dst4= or dst6=.  As in Qubes the three are
// one key and the value alone decides the family: "dst6=127.0.0.1" is the
// IPv4 host 127.0.0.1/32 and "dst4=example.com" the host name.  A bare
// address is a /32 or /128.  On success returns true and sets out, to
// nothing for a 0-length prefix ("0.0.0.0/0", "::/0"), which restricts
// nothing and, as in Qubes, is left out of the rule.  On failure error says
// why, without the token.
bool parseDstHost(std::string_view value, std::optional<DstHost>& out, std::string& error);

// The canonical text: "10.0.0.0/8", "2001:db8::/32", "example.com".
std::string formatDstHost(const DstHost& d);
// The key --raw uses, from the family: dst4, dst6 or dsthost (a name).
std::string_view dstHostKey(const DstHost& d);

// Host names: letters, digits, '-', '_' and '.', dot-separated labels of at
// most 63 characters, at most 253 characters in all.
bool validHostName(std::string_view name);

// Resolves a host name to all its addresses, both families; returns false and
// sets error when it cannot.  Injectable so tests need no DNS.
using Resolver = std::function<bool(const std::string& name, std::vector<IpAddr>& out, std::string& error)>;

// getaddrinfo(3) with AF_UNSPEC: every IPv4 and IPv6 address the name has.
Resolver systemResolver();

}  // namespace pfw::qvm
