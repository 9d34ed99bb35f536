// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/Args.h
// qvm-firewall's command line, parsed by hand: Qubes' syntax has rule words
// with '=' and a comment that swallows the rest of the line, options included.
//------------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/Diag.h"

namespace pfw::qvm {

enum class Command { List, Add, Del, Reset };

struct Invocation {
    bool help = false;
    int verbosity = 0;  // +1 per --verbose, -1 per --quiet; < 0 hides warnings
    bool reload = false;
    std::string vm;
    Command command = Command::List;     // the default when none is given
    std::optional<uint32_t> before;      // add --before N
    std::optional<uint32_t> ruleNo;      // del --rule-no=N
    bool raw = false, json = false;      // list --raw / --json
    std::vector<std::string> ruleWords;  // add/del RULE, as given
};

// Options may come anywhere before the rule's "comment=" word or a "--";
// each is checked against the command it goes with.  Returns nothing and
// reports the first mistake (a usage error) otherwise; with -h/--help
// anywhere, help is set and nothing else is checked.
std::optional<Invocation> parseArgs(const std::vector<std::string>& args, Diagnostics& diags);

// The --help text.
std::string usageText();

}  // namespace pfw::qvm
