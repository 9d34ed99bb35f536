// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// util/Diag.cpp
// User-facing errors: data with a location, never exceptions.
//------------------------------------------------------------------------------
#include "util/Diag.h"

namespace pfw {

std::string Diag::format() const {
    std::string out;
    if (!loc.file.empty()) {
        out += loc.file;
        if (loc.line > 0) {
            out += ":" + std::to_string(loc.line);
            if (loc.column > 0)
                out += ":" + std::to_string(loc.column);
        }
        out += ": ";
    }
    out += "error: ";
    if (!token.empty())
        out += "'" + token + "': ";
    out += message;
    return out;
}

void Diagnostics::error(SourceLoc loc, std::string token, std::string message) {
    diags_.push_back(Diag{std::move(loc), std::move(token), std::move(message)});
}

std::string Diagnostics::format() const {
    std::string out;
    for (const auto& d : diags_)
        out += d.format() + "\n";
    return out;
}

}  // namespace pfw
