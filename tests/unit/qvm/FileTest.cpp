// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// qvm/FileTest.cpp
// The qvm program file of `polyfw compile --lang qvm`.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>

#include "frontends/qvm/File.h"
#include "qvm/QvmTestUtil.h"

using namespace pfw;
using namespace pfw::qvm;
using pfw::qvm::test::kNow;

namespace {

struct Compiled {
    std::optional<ir::Program> prog;
    std::string errors;
};

Compiled compileText(const std::string& text, const std::string& resolv = "/nonexistent") {
    Diagnostics d;
    Compiled c;
    c.prog =
        parseFile("fw.qvm", text, kNow, resolv, d, test::fakeResolver({{"example.com", {test::v4("93.184.216.34")}}}));
    c.errors = d.format();
    return c;
}

}  // namespace

TEST_CASE("qvm: program file", "[qvm]") {
    test::TempDir dir;
    test::writeText(dir / "resolv.conf", "nameserver 10.139.1.1\n");
    Compiled c = compileText(
        "# VM definitions and rules\n"
        "vm work tap0 vnet+   # the work VM\n"
        "work action=accept dst4=93.184.216.34/32 proto=tcp dstports=443-443\n"
        "  work drop proto=udp\n"
        "\n"
        "vm sys-net vif3.0\n"
        "work accept expire=1000\n"
        "work accept specialtarget=dns comment=DNS # not a comment line\n"
        "   # indented comment\n"
        "work accept example.com\n",
        dir / "resolv.conf");
    INFO(c.errors);
    REQUIRE(c.prog);
    CHECK(c.errors.empty());
    REQUIRE(c.prog->rulesets.size() == 2);

    const ir::Ruleset& work = c.prog->rulesets[0];
    CHECK(work.name == "qvm:work");
    REQUIRE(work.scope.size() == 2);
    CHECK(work.scope[1][0].name == "vnet");
    CHECK(work.scope[1][0].prefix);
    // established, four rules (the expired one is gone), default
    REQUIRE(work.rules.size() == 6);
    CHECK(work.rules[0].loc == "qvm:work:established");
    CHECK(work.rules[1].loc == "fw.qvm:3");
    CHECK(work.rules[1].id == 0);
    CHECK(work.rules[1].action.kind == ir::Action::Kind::Accept);
    CHECK(work.rules[1].matches.size() == 4);
    CHECK(work.rules[2].loc == "fw.qvm:4");
    CHECK(work.rules[2].action.kind == ir::Action::Kind::Drop);
    CHECK(work.rules[3].loc == "fw.qvm:8");
    CHECK(work.rules[3].id == 2);
    REQUIRE(work.rules[3].matches.size() == 4);
    CHECK(work.rules[3].matches[2].set ==
          std::vector<ir::Interval>{{ir::v4Mapped(0x0a8b0101), ir::v4Mapped(0x0a8b0101)}});
    CHECK(work.rules[4].loc == "fw.qvm:10");
    CHECK(work.rules[5].loc == "qvm:work:default");

    const ir::Ruleset& sysNet = c.prog->rulesets[1];
    CHECK(sysNet.name == "qvm:sys-net");
    CHECK(sysNet.rules.size() == 2);
}

TEST_CASE("qvm: program file without rules or VMs", "[qvm]") {
    Compiled empty = compileText("");
    REQUIRE(empty.prog);
    CHECK(empty.prog->rulesets.empty());
    Compiled c = compileText("vm work tap0\n");
    REQUIRE(c.prog);
    REQUIRE(c.prog->rulesets.size() == 1);
    // A VM with no rules drops all but replies.
    CHECK(c.prog->rulesets[0].rules.size() == 2);
    // Rules may come before their VM's "vm" line.
    Compiled late = compileText("work drop\nvm work tap0\n");
    REQUIRE(late.prog);
    CHECK(late.prog->rulesets[0].rules.size() == 3);
}

TEST_CASE("qvm: program file errors", "[qvm]") {
    CHECK(compileText("vm\n").errors == "fw.qvm:1:1: error: 'vm': vm needs a VM name and its interfaces\n");
    CHECK(compileText("vm work\n").errors == "fw.qvm:1:4: error: 'work': VM needs at least one interface\n");
    CHECK(compileText("vm work tap0\nvm work tap1\n").errors ==
          "fw.qvm:2:4: error: 'work': VM already defined on line 1\n");
    CHECK(compileText("work accept\n").errors ==
          "fw.qvm:1:1: error: 'work': VM has no 'vm' line mapping it to interfaces\n");
    CHECK(compileText("vm work tap0\n 1work accept\n").errors ==
          "fw.qvm:2:2: error: '1work': invalid VM name (a letter, then at most 30 letters, "
          "digits, '_', '.' or '-')\n");
    CHECK(compileText("vm work tap0\nwork\n").errors == "fw.qvm:2:1: error: 'work': a rule must follow the VM name\n");
    CHECK(compileText("vm work tap0\nwork  accept proto=sctp\n").errors ==
          "fw.qvm:2:14: error: 'proto=sctp': proto must be tcp, udp or icmp\n");
    CHECK(compileText("vm work tap0\nwork accept expire=+5\n").errors ==
          "fw.qvm:2:13: error: 'expire=+5': relative expire is not allowed here: give seconds "
          "since the epoch\n");
    CHECK(compileText("vm work tap0\nwork proto=tcp\n").errors ==
          "fw.qvm:2:6: error: rule has no action (accept or drop)\n");
    // A host name is a live set: it need not resolve to compile.
    CHECK(compileText("vm work tap0\nwork accept dsthost=nowhere.invalid\n").errors == "");
    // Every error, not just the first.
    Compiled many = compileText(
        "vm work tap0\n"
        "vm home tap0\n"
        "work accept dstports=22\n"
        "work drop 10.0.0.1/8\n"
        "other accept\n");
    CHECK_FALSE(many.prog);
    CHECK(many.errors ==
          "fw.qvm:2:9: error: 'tap0': overlaps interface 'tap0' of VM 'work'\n"
          "fw.qvm:3:13: error: 'dstports=22': dstports needs proto=tcp or proto=udp\n"
          "fw.qvm:4:11: error: '10.0.0.1/8': host bits set beyond the /8 prefix (did you mean "
          "10.0.0.0/8?)\n"
          "fw.qvm:5:1: error: 'other': VM has no 'vm' line mapping it to interfaces\n");
}

TEST_CASE("qvm: the program file example of polyfw-qvm(5)", "[qvm]") {
    Compiled c = compileText(
        "# VM definitions and rules\n"
        "vm work tap0 vnet+\n"
        "vm sys-net vif3.0          # the network VM\n"
        "work action=accept dst4=93.184.216.34/32 proto=tcp dstports=443-443\n"
        "work accept specialtarget=dns\n"
        "work drop proto=udp\n"
        "work accept 192.168.0.0/16 tcp 22 expire=1735689600 comment=until new year\n");
    INFO(c.errors);
    REQUIRE(c.prog);
    REQUIRE(c.prog->rulesets.size() == 2);
    CHECK(c.prog->rulesets[0].rules.size() == 6);
    CHECK(c.prog->rulesets[0].rules[4].loc == "fw.qvm:7");
    CHECK(c.prog->rulesets[1].rules.size() == 2);
}
