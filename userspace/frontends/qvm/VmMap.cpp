// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/VmMap.cpp
// Which network interfaces stand for which VM: vms.conf and "vm" lines.
//------------------------------------------------------------------------------
#include "frontends/qvm/VmMap.h"

#include <cctype>
#include <cstdlib>

extern "C" {
#include "polyfw/bytecode.h"
}

namespace pfw::qvm {

namespace {

bool validIfaceName(std::string_view n) {
    // The kernel's dev_valid_name(): shorter than IFNAMSIZ, no '/', ':' or
    // blank, not "." or "..".  A '+' inside would read as a wildcard; a NUL
    // or another control character would cut or garble the name the kernel
    // compares (found by fuzz_qvm_file: "vm w \0" matched the empty name).
    if (n.empty() || n.size() >= PFW_IFNAMSIZ || n == "." || n == "..")
        return false;
    for (char c : n) {
        auto u = static_cast<unsigned char>(c);
        if (c == '/' || c == ':' || c == '+' || isBlank(c) || u < 0x20 || u == 0x7f)
            return false;
    }
    return true;
}

bool overlaps(const Iface& a, const Iface& b) {
    return a.name == b.name || (a.wildcard && b.name.starts_with(a.name)) || (b.wildcard && a.name.starts_with(b.name));
}

}  // namespace

bool validVmName(std::string_view name) {
    if (name.empty() || name.size() > 31 || !std::isalpha(static_cast<unsigned char>(name[0])))
        return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
            return false;
    return true;
}

std::string vmNameError() {
    return "invalid VM name (a letter, then at most 30 letters, digits, '_', '.' or '-')";
}

const VmEntry* VmMap::find(std::string_view name) const {
    for (const auto& vm : vms)
        if (vm.name == name)
            return &vm;
    return nullptr;
}

std::string_view stripHashComment(std::string_view line) {
    return line.substr(0, line.find('#'));
}

bool addVmDecl(VmMap& map, const std::vector<Word>& words, const SourceLoc& lineLoc, Diagnostics& diags) {
    auto at = [&](const Word& w) {
        SourceLoc loc = lineLoc;
        loc.column = w.column;
        return loc;
    };
    const Word& nameWord = words.front();
    std::string name(nameWord.text);
    if (!validVmName(name)) {
        diags.error(at(nameWord), name, vmNameError());
        return false;
    }
    if (const VmEntry* prev = map.find(name)) {
        diags.error(at(nameWord), name,
                    "VM already defined" + (prev->loc.line > 0 ? " on line " + std::to_string(prev->loc.line) : ""));
        return false;
    }
    if (words.size() < 2) {
        diags.error(at(nameWord), name, "VM needs at least one interface");
        return false;
    }
    VmEntry vm;
    vm.name = name;
    vm.loc = at(nameWord);
    for (size_t i = 1; i < words.size(); i++) {
        std::string token(words[i].text);
        Iface iface;
        iface.wildcard = token.back() == '+';
        iface.name = iface.wildcard ? token.substr(0, token.size() - 1) : token;
        if (iface.wildcard && iface.name.empty()) {
            diags.error(at(words[i]), token, "an interface wildcard needs a prefix");
            return false;
        }
        if (!validIfaceName(iface.name)) {
            diags.error(at(words[i]), token,
                        "invalid interface name (1-15 characters, no '/', ':' or '+' but a "
                        "trailing one)");
            return false;
        }
        // Overlaps are refused so that every packet is governed by one VM's
        // ruleset at most: two rulesets would have to accept it both.
        auto clash = [&](const VmEntry& other) {
            for (const Iface& o : other.ifaces) {
                if (overlaps(iface, o)) {
                    diags.error(at(words[i]), token,
                                "overlaps interface '" + o.text() + "' of VM '" + other.name + "'");
                    return true;
                }
            }
            return false;
        };
        for (const VmEntry& other : map.vms)
            if (clash(other))
                return false;
        if (clash(vm))
            return false;
        vm.ifaces.push_back(std::move(iface));
    }
    map.vms.push_back(std::move(vm));
    return true;
}

std::optional<VmMap> parseVmsConf(const std::string& path, std::string_view text, Diagnostics& diags) {
    VmMap map;
    bool ok = true;
    int lineNo = 0;
    for (std::string_view line : splitLines(text)) {
        lineNo++;
        std::vector<Word> words = splitWords(stripHashComment(line));
        if (words.empty())
            continue;
        ok &= addVmDecl(map, words, SourceLoc{path, lineNo, 0}, diags);
    }
    if (!ok)
        return std::nullopt;
    return map;
}

std::optional<VmMap> readVmsConf(const std::string& path, Diagnostics& diags) {
    std::string text, error;
    switch (readFile(path, text, error)) {
        case ReadStatus::Missing:
            return VmMap{};
        case ReadStatus::Error:
            diags.error(SourceLoc{path, 0, 0}, "", "cannot read: " + error);
            return std::nullopt;
        case ReadStatus::Ok:
            break;
    }
    return parseVmsConf(path, text, diags);
}

std::string vmsConfPathFromEnvironment() {
    const char* env = std::getenv("POLYFW_VMS_CONF");
    return env && *env ? env : kDefaultVmsConf;
}

}  // namespace pfw::qvm
