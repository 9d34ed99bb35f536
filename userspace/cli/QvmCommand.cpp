// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// cli/QvmCommand.cpp
// `polyfw qvm ...` and the qvm-firewall link: Qubes' own command line.
//------------------------------------------------------------------------------
#include <iostream>

#include "cli/Command.h"
#include "frontends/qvm/Cli.h"

namespace pfw::cli {

// The work is in the compiler library (frontends/qvm/Cli.cpp) so the unit
// tests can run it in-process with their own streams.
int runQvmFirewall(const std::vector<std::string>& args) {
    return pfw::qvm::runCli(args, std::cout, std::cerr);
}

}  // namespace pfw::cli
