// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/File.cpp
// `polyfw compile --lang qvm FILE`: VM mappings and rules in one file.
//------------------------------------------------------------------------------
#include "frontends/qvm/File.h"

#include <map>
#include <vector>

#include "frontends/qvm/DnsSets.h"
#include "frontends/qvm/Lower.h"
#include "frontends/qvm/Resolv.h"
#include "frontends/qvm/Rule.h"
#include "frontends/qvm/Text.h"
#include "frontends/qvm/VmMap.h"

namespace pfw::qvm {

namespace {

struct VmRules {
    std::vector<Rule> rules;
    std::vector<std::string> locs;
    SourceLoc firstUse;  // reported when the VM has no "vm" line
};

}  // namespace

std::optional<ir::Program> parseFile(const std::string& path, std::string_view text, int64_t now,
                                     const std::string& resolvConfPath, Diagnostics& diags, const Resolver& resolver) {
    // A file is compiled again and again: "+N" would never expire and a rule
    // whose time has passed is gone, not wrong.
    ParseOptions opts{now, /*allowRelativeExpire=*/false, /*rejectPastExpire=*/false};
    VmMap map;
    std::map<std::string, VmRules> byVm;
    std::vector<std::string> useOrder;
    bool ok = true;
    int lineNo = 0;
    for (std::string_view line : splitLines(text)) {
        lineNo++;
        std::vector<Word> words = splitWords(line);
        if (words.empty() || words.front().text.starts_with("#"))
            continue;
        SourceLoc lineLoc{path, lineNo, 0};
        const Word& first = words.front();
        if (first.text == "vm") {
            std::vector<Word> decl = splitWords(stripHashComment(line));
            decl.erase(decl.begin());
            if (decl.empty()) {
                diags.error({path, lineNo, first.column}, "vm", "vm needs a VM name and its interfaces");
                ok = false;
                continue;
            }
            ok &= addVmDecl(map, decl, lineLoc, diags);
            continue;
        }
        std::string name(first.text);
        SourceLoc nameLoc{path, lineNo, first.column};
        if (!validVmName(name)) {
            diags.error(nameLoc, name, vmNameError());
            ok = false;
            continue;
        }
        if (words.size() == 1) {
            diags.error(nameLoc, name, "a rule must follow the VM name");
            ok = false;
            continue;
        }
        size_t ruleStart = static_cast<size_t>(first.column - 1) + first.text.size();
        SourceLoc ruleLoc{path, lineNo, static_cast<int>(ruleStart) + 1};
        std::optional<Rule> r = parseRule(line.substr(ruleStart), ruleLoc, opts, diags);
        if (!r) {
            ok = false;
            continue;
        }
        auto [it, added] = byVm.try_emplace(name);
        if (added) {
            it->second.firstUse = nameLoc;
            useOrder.push_back(name);
        }
        if (expired(*r, now))
            continue;
        it->second.rules.push_back(std::move(*r));
        it->second.locs.push_back(path + ":" + std::to_string(lineNo));
    }
    // Rules for a VM that has no interfaces would filter nothing: a typo.
    for (const std::string& name : useOrder) {
        if (!map.find(name)) {
            diags.error(byVm[name].firstUse, name, "VM has no 'vm' line mapping it to interfaces");
            ok = false;
        }
    }
    if (!ok)
        return std::nullopt;

    LowerContext ctx{readResolvConf(resolvConfPath), resolver};
    ir::Program prog;
    DnsSets names;
    for (const VmEntry& vm : map.vms) {
        const VmRules& vr = byVm[vm.name];
        for (const Rule& r : vr.rules)
            ok &= addDnsName(names, r, diags);
        std::optional<ir::Ruleset> rs = lowerVm(vm, vr.rules, ctx, diags, vr.locs);
        if (!rs) {
            ok = false;
            continue;
        }
        prog.rulesets.push_back(std::move(*rs));
    }
    if (!ok)
        return std::nullopt;
    return prog;
}

}  // namespace pfw::qvm
