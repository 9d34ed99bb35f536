// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// cli/main.cpp
// The polyfw command: option parsing only; each subcommand lives in its file.
//------------------------------------------------------------------------------
#include <cstring>
#include <iostream>

#include "cli/Command.h"

namespace pfw::cli {

std::vector<Registrar>& registrars() {
    static std::vector<Registrar> list;
    return list;
}

Registration::Registration(Registrar r) { registrars().push_back(std::move(r)); }

}  // namespace pfw::cli

int main(int argc, char** argv) {
    using namespace pfw::cli;
    const char* slash = std::strrchr(argv[0], '/');
    std::string self = slash ? slash + 1 : argv[0];
    if (self == "qvm-firewall" || (argc > 1 && std::strcmp(argv[1], "qvm") == 0)) {
        int first = self == "qvm-firewall" ? 1 : 2;
        return runQvmFirewall(std::vector<std::string>(argv + first, argv + argc));
    }

    CLI::App app{"polyfw: one firewall engine, many rule languages"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "polyfw 0.1.0");
    // Listed for --help; handled above because Qubes' syntax is its own.
    app.add_subcommand("qvm", "qvm-firewall: per-VM outbound firewall (see qvm-firewall(1))")
        ->allow_extras()
        ->prefix_command();
    Context ctx;
    for (auto& r : registrars())
        r(app, ctx);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    return ctx.exitCode;
}
