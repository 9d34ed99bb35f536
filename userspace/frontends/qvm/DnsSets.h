// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/DnsSets.h
// dsthost=NAME rules match a live set of the table "qvm" named after the host
// name; these fill it with the name's addresses, now and again later.
//------------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "frontends/qvm/Address.h"
#include "frontends/qvm/Rule.h"
#include "util/Diag.h"

namespace pfw::qvm {

// The live set of a host name: "dns." and the 8 lower-case hex digits of the
// 32-bit FNV-1a hash of the lower-cased name ("dns.1a2b3c4d"), a valid set
// name whatever the host name.
std::string dnsSetName(std::string_view hostName);

// Set name -> host name, for every dsthost=NAME of the program.
using DnsSets = std::map<std::string, std::string>;

// Adds the set of r's host name (if r has one) to sets.  A program has at
// most PFW_MAX_LIVE_SETS live sets, and two host names cannot share one
// (a hash collision): both are errors at r's dsthost word, returning false.
bool addDnsName(DnsSets& sets, const Rule& r, Diagnostics& diags);

// STATE_DIR/dns-sets: "SETNAME HOSTNAME" a line, sorted by set name.
std::string dnsSetsPath(const std::string& stateDir);
std::string formatDnsSets(const DnsSets& sets);
// The lines of formatDnsSets ('#' lines and blank lines skipped); false and
// error (with the line number) on a line that is not "SETNAME HOSTNAME" with
// SETNAME == dnsSetName(HOSTNAME).
bool parseDnsSets(std::string_view text, DnsSets& out, std::string& error);
// Replaces the file atomically.
bool saveDnsSets(const std::string& stateDir, const DnsSets& sets, std::string& error);
// Reads the file; a missing file is no names at all.
bool loadDnsSets(const std::string& stateDir, DnsSets& out, std::string& error);

// The elements of an address live set holding exactly addrs, as the kernel
// takes them: 4 words each, IPv4 as {0, 0, 0xffff, a}.
std::vector<std::vector<uint32_t>> addrKeys(const std::vector<IpAddr>& addrs);

// What resolving one name gave.
struct DnsResult {
    std::string set, name;
    bool resolved = false;
    std::vector<IpAddr> addrs;
    std::string error;      // why it did not resolve
    std::string kernelError;  // the set could not be replaced
};

// Resolves every name with resolver and, unless table is empty, replaces its
// set's elements in the kernel table (no elements for a name that does not
// resolve).  Returns one result per name, in set-name order.
std::vector<DnsResult> resolveDnsSets(const DnsSets& sets, const Resolver& resolver, const std::string& table);

}  // namespace pfw::qvm
