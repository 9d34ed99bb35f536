// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// RunCommand.h
// Runs the polyfw binary as a user would and captures what it prints.
//------------------------------------------------------------------------------
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

namespace pfw::testing {

struct CommandResult {
    int status = -1;
    std::string out;  // standard output
    std::string err;  // standard error
};

// Runs `polyfw ARGS` through the shell with env assignments before it.
inline CommandResult runPolyfw(const std::string& args, const std::string& env = "") {
    static int n = 0;
    std::string errFile = "/tmp/polyfw-test-err-" + std::to_string(getpid()) + "-" + std::to_string(n++);
    std::string cmd = env + " " POLYFW_BINARY " " + args + " 2>" + errFile;
    CommandResult r;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p)
        return r;
    std::array<char, 4096> buf;
    size_t got;
    while ((got = fread(buf.data(), 1, buf.size(), p)) > 0)
        r.out.append(buf.data(), got);
    int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    std::ifstream e(errFile);
    r.err.assign(std::istreambuf_iterator<char>(e), std::istreambuf_iterator<char>());
    std::remove(errFile.c_str());
    return r;
}

inline std::string writeTemp(const std::string& name, const std::string& text) {
    std::string path = "/tmp/polyfw-test-" + std::to_string(getpid()) + "-" + name;
    std::ofstream(path) << text;
    return path;
}

}  // namespace pfw::testing
