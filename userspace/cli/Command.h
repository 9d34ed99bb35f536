// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// cli/Command.h
// How each subcommand file hooks itself into the polyfw CLI.
//------------------------------------------------------------------------------
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace pfw::cli {

struct Context {
    int exitCode = 0;
};

// A subcommand file defines one static Registration whose function adds its
// subcommand(s) to the app and sets ctx.exitCode from its callback.
using Registrar = std::function<void(CLI::App&, Context&)>;

struct Registration {
    explicit Registration(Registrar r);
};

std::vector<Registrar>& registrars();

// qvm-firewall (as "polyfw qvm ARGS" or through a link named qvm-firewall):
// Qubes' own argument syntax, parsed in cli/QvmCommand.cpp.
int runQvmFirewall(const std::vector<std::string>& args);

}  // namespace pfw::cli
