// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/State.h
// Each VM's rules on disk: STATE_DIR/VMNAME.rules, one raw rule a line.
//------------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "frontends/qvm/Rule.h"
#include "util/Diag.h"

namespace pfw::qvm {

inline constexpr const char* kDefaultStateDir = "/var/lib/polyfw/qvm";

// $POLYFW_STATE_DIR, or /var/lib/polyfw/qvm.
std::string stateDirFromEnvironment();
// STATE_DIR/VMNAME.rules
std::string stateFilePath(const std::string& dir, std::string_view vm);
// STATE_DIR/program.pfw: the compiled program of every mapped VM.
std::string programPath(const std::string& dir);

// The rules of a state file's text (toRaw lines; blank lines and lines
// starting with '#' are skipped), leaving out those expired at now, so the
// numbering is the one `list` shows.
std::optional<std::vector<Rule>> parseState(const std::string& path, std::string_view text, int64_t now,
                                            Diagnostics& diags);

// One VM's rules.  A VM that has no state file yet has Qubes' default
// firewall, the single rule "action=accept"; *exists (when given) tells
// whether the file was there.
std::optional<std::vector<Rule>> loadVmRules(const std::string& dir, std::string_view vm, int64_t now,
                                             Diagnostics& diags, bool* exists = nullptr);

// The file text for rules: toRaw(rule) and '\n' each.
std::string formatState(const std::vector<Rule>& rules);

// Replaces the VM's state file atomically (the directory must exist).
bool saveVmRules(const std::string& dir, std::string_view vm, const std::vector<Rule>& rules, std::string& error);

}  // namespace pfw::qvm
