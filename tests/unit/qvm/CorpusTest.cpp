// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// qvm/CorpusTest.cpp
// A real-world qvm-firewall script from the shared corpus, run unchanged
// against our qvm-firewall, then its program traced.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>
#include <filesystem>

#include "RunCommand.h"
#include "frontends/qvm/DnsSets.h"
#include "qvm/QvmTestUtil.h"

using namespace pfw;

TEST_CASE("qvm: the corpus' mirage-fwtest.sh runs unchanged", "[qvm][corpus]") {
    const std::string script = POLYFW_SOURCE_DIR "/../shared/corpus/qvm/mirage-fwtest.sh";
    // shared/ lies beside the repository on every machine that runs the tests
    REQUIRE(std::filesystem::exists(script));
    qvm::test::TempDir dir;
    qvm::test::writeText(dir / "vms.conf", "fetchmotron tap0\n");
    qvm::test::writeText(dir / "resolv.conf", "nameserver 10.139.1.1\nnameserver 10.139.1.2\n");
    std::string bindir = std::filesystem::path(POLYFW_BINARY).parent_path().string();
    std::string env = "PATH=" + bindir + ":$PATH POLYFW_NOW=1700000000 POLYFW_STATE_DIR=" + dir.path() +
                      " POLYFW_VMS_CONF=" + (dir / "vms.conf") + " POLYFW_RESOLV_CONF=" + (dir / "resolv.conf") +
                      " POLYFW_KERNEL=off";
    std::string log = dir / "log";
    int rc = std::system((env + " sh " + script + " >" + log + " 2>&1").c_str());
    CHECK(WEXITSTATUS(rc) == 0);
    std::string out = qvm::test::readText(log);
    // no network here, and no kernel: both host names are taken, as live
    // sets that would be filled once the program is in force
    CHECK(out.find("cannot resolve host name") == std::string::npos);
    CHECK(out.find("5   accept  bogus.linse.me  -         -          -               -          -       -\n") !=
          std::string::npos);
    CHECK(out.find("6   drop    google.com      -         -          -               -          -       -\n") !=
          std::string::npos);
    CHECK(out.find("8   drop    -               -         -          -               -          -       -\n") !=
          std::string::npos);
    CHECK(qvm::test::readText(dir / "dns-sets") ==
          qvm::dnsSetName("google.com") + " google.com\n" + qvm::dnsSetName("bogus.linse.me") + " bogus.linse.me\n");

    auto t = testing::runPolyfw(
        "trace " + (dir / "program.pfw") +
        " iif tap0 proto udp dst 10.139.1.2 dport 53 ,"
        " iif tap0 proto tcp dst 10.139.1.1 dport 53 ,"
        " iif tap0 proto udp dst 10.137.0.5 dport 1338 ,"
        " iif tap0 proto udp dst 10.137.0.5 dport 1339 ,"
        " iif tap0 proto tcp dst 10.137.0.5 dport 6669 ,"
        " iif tap0 proto icmp dst 10.137.0.5 type 8 ,"
        " iif tap0 proto icmp dst 10.137.0.5 type 13 ,"
        " iif tap0 proto tcp dst 192.0.2.80 dport 443 ,"
        " iif tap0 proto tcp dst 192.0.2.80 dport 80");
    CHECK(t.err == "");
    CHECK(t.out ==
          "packet 1: accept by qvm:fetchmotron:0 (rule 1)\n"
          "packet 2: accept by qvm:fetchmotron:0 (rule 1)\n"
          "packet 3: accept by qvm:fetchmotron:2 (rule 3)\n"
          "packet 4: drop by qvm:fetchmotron:8 (rule 9)\n"
          "packet 5: accept by qvm:fetchmotron:3 (rule 4)\n"
          "packet 6: accept by qvm:fetchmotron:4 (rule 5)\n"
          "packet 7: drop by qvm:fetchmotron:8 (rule 9)\n"
          "packet 8: accept by qvm:fetchmotron:7 (rule 8)\n"
          "packet 9: drop by qvm:fetchmotron:8 (rule 9)\n");
}
