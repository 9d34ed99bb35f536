// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/Args.cpp
// qvm-firewall's command line, parsed by hand: Qubes' syntax has rule words
// with '=' and a comment that swallows the rest of the line, options included.
//------------------------------------------------------------------------------
#include "frontends/qvm/Args.h"

#include "frontends/qvm/VmMap.h"

namespace pfw::qvm {

namespace {

std::optional<uint32_t> parseIndex(const std::string& s) {
    if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return static_cast<uint32_t>(std::stoul(s));
}

}  // namespace

std::string usageText() {
    return R"(usage: qvm-firewall [-h] [-v] [-q] [-r] VMNAME [list] [--raw | --json]
       qvm-firewall [-h] [-v] [-q] [-r] VMNAME add [--before N] RULE
       qvm-firewall [-h] [-v] [-q] [-r] VMNAME del [--rule-no=N | RULE]
       qvm-firewall [-h] [-v] [-q] [-r] VMNAME reset

Manage a VM's outbound firewall (polyfw).

options:
  -h, --help      show this help message and exit
  -v, --verbose   increase verbosity
  -q, --quiet     decrease verbosity (no warnings)
  -r, --reload    force reload of rules even when unchanged
  --before N      add: insert the rule before rule N instead of at the end
  --rule-no=N     del: delete rule number N
  --raw           list: print rules in the raw key=value form add accepts
  --json          list: print the VM and its rules as JSON

RULE is ACTION [DSTHOST [PROTO [DSTPORTS|ICMPTYPE]]] and/or KEY=VALUE words:
  action=accept|drop        dsthost=CIDR|HOSTNAME (also dst4=, dst6=)
  proto=tcp|udp|icmp        dstports=PORT|LO-HI (tcp, udp)
  icmptype=N (icmp)         specialtarget=dns
  expire=EPOCH|+SECONDS     comment=TEXT (the rest of the rule)
First matching rule wins; if none matches, the packet is dropped.

See qvm-firewall(1) and polyfw-qvm(5).
)";
}

std::optional<Invocation> parseArgs(const std::vector<std::string>& args, Diagnostics& diags) {
    Invocation inv;
    bool vmGiven = false, commandGiven = false;
    bool optionsEnded = false;  // after "--" or inside the comment
    std::optional<Diag> first;
    auto fail = [&](const std::string& token, const std::string& message) {
        if (!first)
            first = Diag{{}, token, message};
    };
    // Where each command-specific option was written, to name it in errors.
    std::string beforeTok, ruleNoTok, rawTok, jsonTok;

    for (size_t i = 0; i < args.size(); i++) {
        const std::string& a = args[i];
        if (!optionsEnded && a == "--") {
            optionsEnded = true;
            continue;
        }
        if (!optionsEnded && a.size() > 1 && a[0] == '-') {
            if (a.starts_with("--")) {
                size_t eq = a.find('=');
                std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
                std::optional<std::string> value;
                if (eq != std::string::npos)
                    value = a.substr(eq + 1);
                bool takesValue = name == "before" || name == "rule-no";
                if (!takesValue && value) {
                    fail(a, "--" + name + " takes no value");
                    continue;
                }
                if (name == "help") {
                    inv.help = true;
                } else if (name == "verbose") {
                    inv.verbosity++;
                } else if (name == "quiet") {
                    inv.verbosity--;
                } else if (name == "reload") {
                    inv.reload = true;
                } else if (name == "raw") {
                    inv.raw = true;
                    rawTok = a;
                } else if (name == "json") {
                    inv.json = true;
                    jsonTok = a;
                } else if (takesValue) {
                    std::string token = a;
                    if (!value) {
                        if (i + 1 >= args.size()) {
                            fail(a, "--" + name + " needs a rule number");
                            continue;
                        }
                        value = args[++i];
                        token += " " + *value;
                    }
                    std::optional<uint32_t> n = parseIndex(*value);
                    if (!n) {
                        fail(token, "--" + name + " needs a rule number");
                        continue;
                    }
                    (name == "before" ? inv.before : inv.ruleNo) = n;
                    (name == "before" ? beforeTok : ruleNoTok) = token;
                } else {
                    fail(a, "unknown option");
                }
            } else {
                for (size_t k = 1; k < a.size(); k++) {
                    switch (a[k]) {
                        case 'h':
                            inv.help = true;
                            break;
                        case 'v':
                            inv.verbosity++;
                            break;
                        case 'q':
                            inv.verbosity--;
                            break;
                        case 'r':
                            inv.reload = true;
                            break;
                        default:
                            fail(a, std::string("unknown option '-") + a[k] + "'");
                    }
                }
            }
            continue;
        }
        if (!vmGiven) {
            vmGiven = true;
            inv.vm = a;
        } else if (!commandGiven) {
            commandGiven = true;
            if (a == "add")
                inv.command = Command::Add;
            else if (a == "del")
                inv.command = Command::Del;
            else if (a == "list")
                inv.command = Command::List;
            else if (a == "reset")
                inv.command = Command::Reset;
            else
                fail(a, "unknown command (expected add, del, list or reset)");
        } else {
            inv.ruleWords.push_back(a);
            // The comment is the rest of the rule: "--" in it is text.
            if (a.starts_with("comment="))
                optionsEnded = true;
        }
    }
    if (inv.help)
        return inv;
    if (!first) {
        if (!vmGiven)
            fail("", "missing VMNAME (see qvm-firewall --help)");
        else if (!validVmName(inv.vm))
            fail(inv.vm, vmNameError());
        else if (inv.before && inv.command != Command::Add)
            fail(beforeTok, "--before is only valid with add");
        else if (inv.ruleNo && inv.command != Command::Del)
            fail(ruleNoTok, "--rule-no is only valid with del");
        else if (inv.raw && inv.command != Command::List)
            fail(rawTok, "--raw is only valid with list");
        else if (inv.json && inv.command != Command::List)
            fail(jsonTok, "--json is only valid with list");
        else if (inv.raw && inv.json)
            fail(jsonTok, "--json cannot be combined with --raw");
        else if (inv.command == Command::List && !inv.ruleWords.empty())
            fail(inv.ruleWords.front(), "list takes no rule");
        else if (inv.command == Command::Reset && !inv.ruleWords.empty())
            fail(inv.ruleWords.front(), "reset takes no rule");
        else if (inv.command == Command::Add && inv.ruleWords.empty())
            fail("", "add needs a rule");
        else if (inv.command == Command::Del && inv.ruleNo && !inv.ruleWords.empty())
            fail(ruleNoTok, "del takes --rule-no or a rule, not both");
        else if (inv.command == Command::Del && !inv.ruleNo && inv.ruleWords.empty())
            fail("", "del needs --rule-no=N or a rule");
    }
    if (first) {
        diags.error(first->loc, first->token, first->message);
        return std::nullopt;
    }
    return inv;
}

}  // namespace pfw::qvm
