// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// qvm/BinaryTest.cpp
// The real binary: `polyfw qvm` and the qvm-firewall link.
//------------------------------------------------------------------------------
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>

#include "frontends/qvm/Args.h"
#include "qvm/QvmTestUtil.h"

using namespace pfw::qvm;

namespace {

struct Ran {
    int rc = -1;
    std::string out;
};

// Runs a shell command line; stdout and stderr both land in out.
Ran shell(const std::string& cmd) {
    Ran r;
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    REQUIRE(p);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        r.out.append(buf, n);
    int status = pclose(p);
    r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

}  // namespace

TEST_CASE("qvm: the polyfw binary runs qvm-firewall both ways", "[qvm]") {
    test::TempDir dir;
    test::writeText(dir / "vms.conf", "work tap0\n");
    test::writeText(dir / "resolv.conf", "nameserver 10.139.1.1\n");
    std::string env = "POLYFW_VMS_CONF=" + (dir / "vms.conf") + " POLYFW_STATE_DIR=" + (dir / "state") +
                      " POLYFW_RESOLV_CONF=" + (dir / "resolv.conf") + " POLYFW_NOW=1700000000 POLYFW_KERNEL=off ";
    std::string polyfw = POLYFW_BINARY;
    std::string link = (std::filesystem::path(polyfw).parent_path() / "qvm-firewall").string();
    REQUIRE(std::filesystem::exists(link));

    Ran r = shell(env + polyfw + " qvm work add accept 10.0.0.0/8 tcp 443");
    CHECK(r.out == "");
    CHECK(r.rc == 0);
    r = shell(env + link + " work list --raw");
    CHECK(r.rc == 0);
    CHECK(r.out == "action=accept\naction=accept proto=tcp dst4=10.0.0.0/8 dstports=443-443\n");
    CHECK(std::filesystem::file_size(dir / "state/program.pfw") > 0);

    r = shell(env + link + " work add accept dstports=80");
    CHECK(r.rc == 1);
    CHECK(r.out == "qvm-firewall: error: 'dstports=80': dstports needs proto=tcp or proto=udp\n");
    r = shell(env + polyfw + " qvm --help");
    CHECK(r.rc == 0);
    CHECK(r.out == usageText());
}
