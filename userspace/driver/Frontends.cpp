// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// driver/Frontends.cpp
// Picks the front-end for an input and runs it to the IR.
//------------------------------------------------------------------------------
#include "driver/Frontends.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "frontends/qvm/File.h"
#include "frontends/qvm/Program.h"

namespace pfw::driver {

namespace {

bool endsWith(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

std::string guessLanguage(const std::string& path) {
    if (endsWith(path, ".qvm"))
        return "qvm";
    if (endsWith(path, ".ipfw"))
        return "ipfw";
    if (endsWith(path, "firehol.conf"))
        return "firehol";
    return "";
}

std::optional<ir::Program> parseInput(const std::string& langIn, const std::string& path, Diagnostics& diags) {
    std::string lang = langIn.empty() ? guessLanguage(path) : langIn;
    if (lang.empty()) {
        diags.error({path}, "", "cannot tell the language of the input: give --lang qvm|ipfw|shorewall|firehol");
        return std::nullopt;
    }
    if (lang != "qvm") {
        diags.error({path}, lang, "this front-end is not part of polyfw yet (only qvm is)");
        return std::nullopt;
    }
    std::ifstream in(path);
    if (!in) {
        diags.error({path}, "", std::strerror(errno));
        return std::nullopt;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto now = qvm::nowFromEnvironment(diags);
    if (!now)
        return std::nullopt;
    return qvm::parseFile(path, text, *now, qvm::Paths::fromEnvironment().resolvConf, diags);
}

}  // namespace pfw::driver
