// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/Program.h
// The program of every mapped VM, from vms.conf, the state files, resolv.conf.
//------------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "frontends/qvm/Address.h"
#include "frontends/qvm/DnsSets.h"
#include "frontends/qvm/Lower.h"
#include "frontends/qvm/Resolv.h"
#include "frontends/qvm/Rule.h"
#include "frontends/qvm/State.h"
#include "frontends/qvm/VmMap.h"
#include "ir/Ir.h"
#include "util/Diag.h"

namespace pfw::qvm {

// Where qvm-firewall keeps and finds things.
struct Paths {
    std::string vmsConf = kDefaultVmsConf;
    std::string stateDir = kDefaultStateDir;
    std::string resolvConf = kDefaultResolvConf;

    // $POLYFW_VMS_CONF, $POLYFW_STATE_DIR, $POLYFW_RESOLV_CONF over the defaults.
    static Paths fromEnvironment();
};

// The current time: $POLYFW_NOW (seconds since the epoch; for tests) or the
// clock.  Reports a POLYFW_NOW that is not a number.
std::optional<int64_t> nowFromEnvironment(Diagnostics& diags);

// The whole qvm program at time now: one ruleset per VM of vms.conf, in
// vms.conf order, with that VM's unexpired rules from its state file (Qubes'
// default "action=accept" without one).  VMs with rules but no vms.conf line
// filter nothing and are left out.  Host names are not resolved: a
// dsthost=NAME rule matches the live set dnsSetName(NAME), which the caller
// fills (resolveDnsSets); when dnsSets is given it gets every such set and
// name.  specialtarget=dns uses resolv.conf's servers.  Reports every error
// (file:line:column and token) and returns nothing then.
std::optional<ir::Program> buildProgram(const Paths& paths, int64_t now, Diagnostics& diags,
                                        const Resolver& resolver = systemResolver(), DnsSets* dnsSets = nullptr);

// The same from a vms.conf already read, taking the rules of the VMs in
// rulesByVm from there instead of their state files: the command line
// compiles an edit before it saves it.
std::optional<ir::Program> buildProgram(const VmMap& map, const std::map<std::string, std::vector<Rule>>& rulesByVm,
                                        const std::string& stateDir, const LowerContext& ctx, int64_t now,
                                        Diagnostics& diags, DnsSets* dnsSets = nullptr);

}  // namespace pfw::qvm
