// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// qvm/QvmTestUtil.h
// Temporary directories and an in-process qvm-firewall for the qvm tests.
//------------------------------------------------------------------------------
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "frontends/qvm/Cli.h"
#include "frontends/qvm/Text.h"

namespace pfw::qvm::test {

// The time every test runs at: 2023-11-14 22:13:20 UTC.
inline constexpr int64_t kNow = 1700000000;

// A fresh directory, removed with everything in it at the end of the test.
class TempDir {
public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "qvmtest.XXXXXX").string();
        path_ = ::mkdtemp(tmpl.data());
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

inline void writeText(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

inline std::string readText(const std::string& path) {
    std::string out, error;
    if (readFile(path, out, error) != ReadStatus::Ok)
        return "<missing>";
    return out;
}

// Every file under a directory with its contents: "did anything change?"
inline std::map<std::string, std::string> snapshot(const std::string& dir) {
    std::map<std::string, std::string> files;
    std::error_code ec;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec))
        if (e.is_regular_file())
            files[e.path().string()] = readText(e.path().string());
    return files;
}

// A resolver that knows a few names and fails the rest like getaddrinfo.
inline Resolver fakeResolver(std::map<std::string, std::vector<IpAddr>> names) {
    return [names](const std::string& name, std::vector<IpAddr>& out, std::string& error) {
        auto it = names.find(name);
        if (it == names.end()) {
            error = "Name or service not known";
            return false;
        }
        out = it->second;
        return true;
    };
}

inline IpAddr v4(const std::string& text) {
    return *parseIpAddr(text);
}

struct RunResult {
    int rc = 0;
    std::string out, err;
};

// A state directory, vms.conf and resolv.conf in a temporary directory, and
// qvm-firewall run in-process against them at kNow.
class QvmFixture {
public:
    QvmFixture() {
        env.paths.vmsConf = dir / "vms.conf";
        env.paths.stateDir = dir / "state";
        env.paths.resolvConf = dir / "resolv.conf";
        env.now = kNow;
        env.kernel = KernelMode::Off;  // unit tests never touch a kernel module
        env.resolver = fakeResolver({{"example.com", {v4("93.184.216.34")}}});
        writeText(env.paths.vmsConf, "work tap0 vnet+\nsys-net vif3.0\n");
        writeText(env.paths.resolvConf, "nameserver 10.139.1.1\nnameserver fd00::53\n");
    }

    RunResult run(const std::vector<std::string>& args) {
        std::ostringstream out, err;
        RunResult r;
        r.rc = runCli(args, env, out, err);
        r.out = out.str();
        r.err = err.str();
        return r;
    }

    std::string rulesFile(const std::string& vm) { return readText(env.paths.stateDir + "/" + vm + ".rules"); }
    std::string programFile() { return readText(env.paths.stateDir + "/program.pfw"); }

    TempDir dir;
    CliEnv env;
};

}  // namespace pfw::qvm::test
