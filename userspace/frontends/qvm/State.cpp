// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/State.cpp
// Each VM's rules on disk: STATE_DIR/VMNAME.rules, one raw rule a line.
//------------------------------------------------------------------------------
#include "frontends/qvm/State.h"

#include <cstdlib>

#include "frontends/qvm/Text.h"

namespace pfw::qvm {

std::string stateDirFromEnvironment() {
    const char* env = std::getenv("POLYFW_STATE_DIR");
    return env && *env ? env : kDefaultStateDir;
}

std::string stateFilePath(const std::string& dir, std::string_view vm) {
    return dir + "/" + std::string(vm) + ".rules";
}

std::string programPath(const std::string& dir) {
    return dir + "/program.pfw";
}

std::optional<std::vector<Rule>> parseState(const std::string& path, std::string_view text, int64_t now,
                                            Diagnostics& diags) {
    // Stored expiry times are absolute, and a stored rule that has expired is
    // simply gone rather than an error.
    ParseOptions opts{now, /*allowRelativeExpire=*/false, /*rejectPastExpire=*/false};
    std::vector<Rule> rules;
    bool ok = true;
    int lineNo = 0;
    for (std::string_view line : splitLines(text)) {
        lineNo++;
        std::vector<Word> words = splitWords(line);
        if (words.empty() || words.front().text.starts_with("#"))
            continue;
        std::optional<Rule> r = parseRule(line, SourceLoc{path, lineNo, 1}, opts, diags);
        if (!r) {
            ok = false;
            continue;
        }
        if (!expired(*r, now))
            rules.push_back(std::move(*r));
    }
    if (!ok)
        return std::nullopt;
    return rules;
}

std::optional<std::vector<Rule>> loadVmRules(const std::string& dir, std::string_view vm, int64_t now,
                                             Diagnostics& diags, bool* exists) {
    std::string path = stateFilePath(dir, vm);
    std::string text, error;
    switch (readFile(path, text, error)) {
        case ReadStatus::Missing: {
            if (exists)
                *exists = false;
            Rule accept;
            accept.action = Verdict::Accept;
            return std::vector<Rule>{accept};
        }
        case ReadStatus::Error:
            diags.error(SourceLoc{path, 0, 0}, "", "cannot read: " + error);
            return std::nullopt;
        case ReadStatus::Ok:
            break;
    }
    if (exists)
        *exists = true;
    return parseState(path, text, now, diags);
}

std::string formatState(const std::vector<Rule>& rules) {
    std::string out;
    for (const Rule& r : rules)
        out += toRaw(r) + "\n";
    return out;
}

bool saveVmRules(const std::string& dir, std::string_view vm, const std::vector<Rule>& rules, std::string& error) {
    return writeFileAtomic(stateFilePath(dir, vm), formatState(rules), error);
}

}  // namespace pfw::qvm
