// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/Cli.h
// qvm-firewall: list, add and delete a VM's rules, then rebuild the program.
//------------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "frontends/qvm/Address.h"
#include "frontends/qvm/Apply.h"
#include "frontends/qvm/Program.h"

namespace pfw::qvm {

// Everything qvm-firewall takes from its surroundings, so tests can supply it.
struct CliEnv {
    Paths paths;
    int64_t now = 0;
    Resolver resolver = systemResolver();
    KernelMode kernel = KernelMode::Auto;
};

// Runs qvm-firewall with args (argv without the program name): the list goes
// to out; errors, warnings and -v notes to err, "qvm-firewall: error: ..." on
// one line.  Returns the exit status: 0 on success, 1 on any error, after
// which no file has changed.  After add and del (and with --reload) the
// program of every mapped VM is rebuilt and written to STATE_DIR/program.pfw,
// its host names to STATE_DIR/dns-sets, and, once the kernel has the
// program, each name resolved (env.resolver) into its live set of the table
// "qvm": a name that does not resolve is a warning, not an error.
int runCli(const std::vector<std::string>& args, const CliEnv& env, std::ostream& out, std::ostream& err);

// The same with paths and time from the environment: $POLYFW_VMS_CONF,
// $POLYFW_STATE_DIR, $POLYFW_RESOLV_CONF, $POLYFW_NOW, and $POLYFW_KERNEL
// ("off": never talk to the kernel module).
int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace pfw::qvm
