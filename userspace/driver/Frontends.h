// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// driver/Frontends.h
// Picks the front-end for an input and runs it to the IR.
//------------------------------------------------------------------------------
#pragma once

#include <optional>
#include <string>

#include "ir/Ir.h"
#include "util/Diag.h"

namespace pfw::driver {

// The language a source file's name says it is in ("qvm" for NAME.qvm), or
// "" when the name does not tell.
std::string guessLanguage(const std::string& path);

// "qvm", "ipfw", "shorewall", "firehol"; "" to guess from the input's name.
std::optional<ir::Program> parseInput(const std::string& lang, const std::string& path, Diagnostics& diags);

}  // namespace pfw::driver
