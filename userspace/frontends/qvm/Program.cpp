// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/Program.cpp
// The program of every mapped VM, from vms.conf, the state files, resolv.conf.
//------------------------------------------------------------------------------
#include "frontends/qvm/Program.h"

#include <cstdlib>
#include <ctime>

namespace pfw::qvm {

Paths Paths::fromEnvironment() {
    Paths p;
    p.vmsConf = vmsConfPathFromEnvironment();
    p.stateDir = stateDirFromEnvironment();
    p.resolvConf = resolvConfPathFromEnvironment();
    return p;
}

std::optional<int64_t> nowFromEnvironment(Diagnostics& diags) {
    const char* env = std::getenv("POLYFW_NOW");
    if (!env || !*env)
        return static_cast<int64_t>(std::time(nullptr));
    std::string s(env);
    bool digits = s.size() <= 12 && s.find_first_not_of("0123456789") == std::string::npos;
    if (!digits) {
        diags.error({}, "POLYFW_NOW=" + s, "POLYFW_NOW must be seconds since the epoch");
        return std::nullopt;
    }
    return std::stoll(s);
}

std::optional<ir::Program> buildProgram(const VmMap& map, const std::map<std::string, std::vector<Rule>>& rulesByVm,
                                        const std::string& stateDir, const LowerContext& ctx, int64_t now,
                                        Diagnostics& diags, DnsSets* dnsSets) {
    ir::Program prog;
    bool ok = true;
    DnsSets names;
    for (const VmEntry& vm : map.vms) {
        std::optional<std::vector<Rule>> loaded;
        const std::vector<Rule>* rules = nullptr;
        if (auto it = rulesByVm.find(vm.name); it != rulesByVm.end()) {
            rules = &it->second;
        } else {
            loaded = loadVmRules(stateDir, vm.name, now, diags);
            if (!loaded) {
                ok = false;
                continue;
            }
            rules = &*loaded;
        }
        for (const Rule& r : *rules)
            ok &= addDnsName(names, r, diags);
        std::optional<ir::Ruleset> rs = lowerVm(vm, *rules, ctx, diags);
        if (!rs) {
            ok = false;
            continue;
        }
        prog.rulesets.push_back(std::move(*rs));
    }
    if (!ok)
        return std::nullopt;
    if (dnsSets)
        *dnsSets = std::move(names);
    return prog;
}

std::optional<ir::Program> buildProgram(const Paths& paths, int64_t now, Diagnostics& diags, const Resolver& resolver,
                                        DnsSets* dnsSets) {
    std::optional<VmMap> map = readVmsConf(paths.vmsConf, diags);
    if (!map)
        return std::nullopt;
    LowerContext ctx{readResolvConf(paths.resolvConf), resolver};
    return buildProgram(*map, {}, paths.stateDir, ctx, now, diags, dnsSets);
}

}  // namespace pfw::qvm
