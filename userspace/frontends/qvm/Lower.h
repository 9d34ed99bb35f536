// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/Lower.h
// qvm rules to the IR: one ruleset per VM, scoped by the VM's interfaces.
//------------------------------------------------------------------------------
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "frontends/qvm/Address.h"
#include "frontends/qvm/Rule.h"
#include "frontends/qvm/VmMap.h"
#include "ir/Ir.h"
#include "util/Diag.h"

namespace pfw::qvm {

// What lowering needs from outside the rules.
struct LowerContext {
    std::vector<IpAddr> dnsServers;  // specialtarget=dns
    Resolver resolver;               // unused: dsthost=NAME is a live set
};

// The matches of one rule, all of which must hold:
//   FAMILY    {4}, {6} or {4,6}  when a destination (dsthost or dns) is given
//   L4PROTO   tcp {6}, udp {17}, icmp {1} for IPv4 and {58} for IPv6
//   DADDR     the network, the DNS servers
//   DADDR     dsthost=NAME: the live set dnsSetName(NAME) (frontends/qvm/
//             DnsSets.h), filled in the kernel with the name's addresses
//             after the program is loaded; FAMILY {4,6}.  With
//             specialtarget=dns both DADDR matches: a server in the set
//   DPORT     dstports; 53 with specialtarget=dns
//   ICMPTYPE  icmptype
//   TIME      [0, expire-1]: the kernel itself stops matching at expiry
// specialtarget=dns intersects with the other matches; when an intersection
// is empty the rule can never match and its only match is an empty Set (a
// Set match with no intervals never holds).  Nothing is resolved here: the
// program is the same whatever the names resolve to.
std::optional<std::vector<ir::Match>> lowerMatches(const Rule& r, const LowerContext& ctx, Diagnostics& diags);

// The ruleset of one VM: name "qvm:VMNAME", hook FORWARD, scope "the packet
// came in on one of the VM's interfaces", then
//   - accept conntrack ESTABLISHED/RELATED (loc "qvm:VMNAME:established",
//     a default rule),
//   - each rule in order, id = its number N, loc locs[N] or "qvm:VMNAME:N",
//   - drop (loc "qvm:VMNAME:default", a default rule).
// Reports every rule that fails, not just the first.
std::optional<ir::Ruleset> lowerVm(const VmEntry& vm, const std::vector<Rule>& rules, const LowerContext& ctx,
                                   Diagnostics& diags, const std::vector<std::string>& locs = {});

}  // namespace pfw::qvm
