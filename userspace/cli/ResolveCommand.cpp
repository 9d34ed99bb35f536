// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// cli/ResolveCommand.cpp
// polyfw resolve: the host names of qvm-firewall's dsthost=NAME rules
// (STATE_DIR/dns-sets) resolved again into their live sets of the table.
//------------------------------------------------------------------------------
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/Command.h"
#include "frontends/qvm/DnsSets.h"
#include "frontends/qvm/State.h"
#include "netlink/Client.h"
#include "netlink/Tables.h"

namespace pfw::cli {

namespace {

struct ResolveArgs {
    std::string table = std::string(nl::kQvmTable);
    std::string stateDir;
    bool json = false;
};

int runResolve(const ResolveArgs& a) {
    std::string dir = a.stateDir.empty() ? qvm::stateDirFromEnvironment() : a.stateDir;
    qvm::DnsSets sets;
    std::string err;
    if (!qvm::loadDnsSets(dir, sets, err)) {
        std::cerr << "polyfw: " << err << "\n";
        return 1;
    }
    if (!sets.empty()) {
        nl::Client client(a.table);
        nl::Info info;
        err = client.getInfo(info);
        if (err.empty() && !info.priority)
            err = "no table " + a.table;
        if (!err.empty()) {
            std::cerr << "polyfw: " << err << "\n";
            return 1;
        }
    }
    std::vector<qvm::DnsResult> results = qvm::resolveDnsSets(sets, qvm::systemResolver(), a.table);
    nlohmann::json j = nlohmann::json::array();
    for (const qvm::DnsResult& r : results) {
        if (a.json) {
            nlohmann::json addrs = nlohmann::json::array();
            for (const qvm::IpAddr& ip : r.addrs)
                addrs.push_back(qvm::formatIpAddr(ip));
            nlohmann::json e{{"set", r.set}, {"name", r.name}, {"resolved", r.resolved}, {"addresses", addrs}};
            if (!r.resolved)
                e["error"] = r.error;
            if (!r.kernelError.empty())
                e["kernel_error"] = r.kernelError;
            j.push_back(e);
            continue;
        }
        std::cout << r.set << " " << r.name << ": ";
        if (r.resolved)
            std::cout << r.addrs.size() << (r.addrs.size() == 1 ? " address" : " addresses");
        else
            std::cout << "cannot resolve: " << r.error;
        if (!r.kernelError.empty())
            std::cout << " (the set was not replaced: " << r.kernelError << ")";
        std::cout << "\n";
    }
    if (a.json)
        std::cout << j.dump(2) << "\n";
    return 0;
}

ResolveArgs resolveArgs;

Registration reg([](CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand(
        "resolve", "resolve qvm-firewall's dsthost host names again into their live sets (STATE_DIR/dns-sets)");
    cmd->add_option("--table", resolveArgs.table, "the table (default: \"qvm\")");
    cmd->add_option("--state-dir", resolveArgs.stateDir,
                    "qvm-firewall's state directory (default: $POLYFW_STATE_DIR or /var/lib/polyfw/qvm)");
    cmd->add_flag("--json", resolveArgs.json, "print JSON");
    cmd->callback([&ctx] { ctx.exitCode = runResolve(resolveArgs); });
});

}  // namespace

}  // namespace pfw::cli
