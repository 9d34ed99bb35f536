// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// qvm/ProgramTest.cpp
// buildProgram: vms.conf, state files and resolv.conf to one program.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>

#include "frontends/qvm/Program.h"
#include "qvm/QvmTestUtil.h"

using namespace pfw;
using namespace pfw::qvm;
using pfw::qvm::test::kNow;

TEST_CASE("qvm: buildProgram from the files", "[qvm]") {
    test::TempDir dir;
    Paths paths{dir / "vms.conf", dir / "state", dir / "resolv.conf"};
    std::filesystem::create_directories(paths.stateDir);
    test::writeText(paths.vmsConf, "home eth1\nwork tap0 vnet+\n");
    test::writeText(paths.resolvConf, "nameserver 10.139.1.1\n");
    test::writeText(paths.stateDir + "/work.rules",
                    "action=drop proto=udp expire=1600000000\n"
                    "action=accept specialtarget=dns\n"
                    "action=drop proto=udp\n");
    // Not mapped: never read, so even a broken file does not matter.
    test::writeText(paths.stateDir + "/laptop.rules", "action=maybe\n");

    Diagnostics d;
    std::optional<ir::Program> prog = buildProgram(paths, kNow, d, test::fakeResolver({}));
    INFO(d.format());
    REQUIRE(prog);
    REQUIRE(prog->rulesets.size() == 2);

    // vms.conf order; no state file is Qubes' default, accept.
    const ir::Ruleset& home = prog->rulesets[0];
    CHECK(home.name == "qvm:home");
    REQUIRE(home.rules.size() == 3);
    CHECK(home.rules[1].loc == "qvm:home:0");
    CHECK(home.rules[1].matches.empty());
    CHECK(home.rules[1].action.kind == ir::Action::Kind::Accept);

    // The expired rule is gone and numbering is list's.
    const ir::Ruleset& work = prog->rulesets[1];
    CHECK(work.name == "qvm:work");
    REQUIRE(work.rules.size() == 4);
    CHECK(work.rules[1].loc == "qvm:work:0");
    CHECK(work.rules[1].matches.size() == 4);
    CHECK(work.rules[2].loc == "qvm:work:1");
    CHECK(work.rules[2].action.kind == ir::Action::Kind::Drop);

    // A broken mapped state file is an error at its line.
    test::writeText(paths.stateDir + "/home.rules", "action=accept\naction=drop dstports=22\n");
    Diagnostics bad;
    CHECK_FALSE(buildProgram(paths, kNow, bad, test::fakeResolver({})));
    CHECK(bad.format() == paths.stateDir +
                              "/home.rules:2:13: error: 'dstports=22': dstports needs proto=tcp or "
                              "proto=udp\n");

    // No vms.conf: an empty program.
    std::filesystem::remove(paths.vmsConf);
    Diagnostics none;
    std::optional<ir::Program> empty = buildProgram(paths, kNow, none, test::fakeResolver({}));
    REQUIRE(empty);
    CHECK(empty->rulesets.empty());
}

TEST_CASE("qvm: state files", "[qvm]") {
    test::TempDir dir;
    Diagnostics d;
    bool exists = true;
    auto rules = loadVmRules(dir.path(), "work", kNow, d, &exists);
    REQUIRE(rules);
    CHECK_FALSE(exists);
    CHECK(formatState(*rules) == "action=accept\n");
    CHECK(stateFilePath(dir.path(), "work") == dir / "work.rules");
    CHECK(programPath(dir.path()) == dir / "program.pfw");

    std::string error;
    REQUIRE(saveVmRules(dir.path(), "work", {}, error));
    rules = loadVmRules(dir.path(), "work", kNow, d, &exists);
    REQUIRE(rules);
    CHECK(exists);
    CHECK(rules->empty());
    CHECK(test::readText(dir / "work.rules") == "");
    // No temporary file is left behind.
    CHECK(test::snapshot(dir.path()).size() == 1);
}
