// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// qvm/CliTest.cpp
// qvm-firewall run in-process: list formats, add, del, errors, files.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "driver/Compile.h"
#include "frontends/qvm/Apply.h"
#include "frontends/qvm/Args.h"
#include "frontends/qvm/Program.h"
#include "qvm/QvmTestUtil.h"

using namespace pfw;
using namespace pfw::qvm;
using pfw::qvm::test::kNow;
using pfw::qvm::test::QvmFixture;
using pfw::qvm::test::RunResult;

namespace {

const std::string kHeader = "NO  ACTION  HOST  PROTOCOL  PORT(S)  SPECIAL TARGET  ICMP TYPE  EXPIRE  COMMENT\n";

// Five rules of every kind in VM work, in place of the default accept.
void addSample(QvmFixture& f) {
    REQUIRE(f.run({"work", "del", "--rule-no=0"}).rc == 0);
    REQUIRE(f.run({"work", "add", "accept", "10.0.0.0/8", "tcp", "443"}).rc == 0);
    REQUIRE(f.run({"work", "add", "action=drop", "proto=udp", "dstports=1000-2000", "comment=no", "games"}).rc == 0);
    REQUIRE(f.run({"work", "add", "accept", "specialtarget=dns", "expire=+300"}).rc == 0);
    REQUIRE(f.run({"work", "add", "drop example.com icmp 8"}).rc == 0);
    REQUIRE(f.run({"work", "add", "--before", "0", "accept", "dst6=fd00::/8"}).rc == 0);
}

const std::string kSampleTable =
    "NO  ACTION  HOST         PROTOCOL  PORT(S)    SPECIAL TARGET  ICMP TYPE  EXPIRE  COMMENT\n"
    "0   accept  fd00::/8     -         -          -               -          -       -\n"
    "1   accept  10.0.0.0/8   tcp       443        -               -          -       -\n"
    "2   drop    -            udp       1000-2000  -               -          -       no games\n"
    "3   accept  -            -         -          dns             -          +300s   -\n"
    "4   drop    example.com  icmp      -          -               8          -       -\n";

const std::string kSampleRaw =
    "action=accept dst6=fd00::/8\n"
    "action=accept proto=tcp dst4=10.0.0.0/8 dstports=443-443\n"
    "action=drop proto=udp dstports=1000-2000 comment=no games\n"
    "action=accept specialtarget=dns expire=1700000300\n"
    "action=drop proto=icmp dsthost=example.com icmptype=8\n";

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    for (auto l : splitLines(text))
        out.emplace_back(l);
    return out;
}

}  // namespace

TEST_CASE("qvm: cli list of a VM without rules yet", "[qvm]") {
    QvmFixture f;
    // Qubes' default firewall: one rule accepting everything.
    RunResult r = f.run({"work", "list"});
    CHECK(r.rc == 0);
    CHECK(r.err == "");
    CHECK(r.out == kHeader + "0   accept  -     -         -        -               -          -       -\n");
    CHECK(f.run({"work"}).out == r.out);
    CHECK(f.run({"work", "list", "--raw"}).out == "action=accept\n");
    // Listing writes nothing.
    CHECK_FALSE(std::filesystem::exists(f.env.paths.stateDir));
}

TEST_CASE("qvm: cli list table and raw", "[qvm]") {
    QvmFixture f;
    addSample(f);
    RunResult r = f.run({"work", "list"});
    CHECK(r.rc == 0);
    CHECK(r.err == "");
    CHECK(r.out == kSampleTable);
    CHECK(f.run({"work"}).out == kSampleTable);
    CHECK(f.run({"work", "list", "--raw"}).out == kSampleRaw);
    CHECK(f.run({"--raw", "work"}).out == kSampleRaw);
    // The state file is the raw form.
    CHECK(f.rulesFile("work") == kSampleRaw);
    // Deleting everything leaves the header.
    for (int i = 0; i < 5; i++)
        REQUIRE(f.run({"work", "del", "--rule-no=0"}).rc == 0);
    CHECK(f.run({"work", "list"}).out == kHeader);
    CHECK(f.rulesFile("work") == "");
    CHECK(f.run({"work", "list", "--raw"}).out == "");
}

TEST_CASE("qvm: cli list --json", "[qvm]") {
    QvmFixture f;
    REQUIRE(f.run({"work", "add", "drop", "proto=tcp", "dstports=22", "expire=+60", "comment=no ssh"}).rc == 0);
    CHECK(f.run({"work", "list", "--json"}).out == R"({
  "vm": "work",
  "mapped": true,
  "interfaces": [
    "tap0",
    "vnet+"
  ],
  "rules": [
    {
      "no": 0,
      "action": "accept",
      "raw": "action=accept"
    },
    {
      "no": 1,
      "action": "drop",
      "proto": "tcp",
      "dstports": "22-22",
      "expire": 1700000060,
      "expires_in": 60,
      "comment": "no ssh",
      "raw": "action=drop proto=tcp dstports=22-22 expire=1700000060 comment=no ssh"
    }
  ]
}
)");
    RunResult other = f.run({"-q", "other", "list", "--json"});
    CHECK(other.out == R"({
  "vm": "other",
  "mapped": false,
  "interfaces": [],
  "rules": [
    {
      "no": 0,
      "action": "accept",
      "raw": "action=accept"
    }
  ]
}
)");
}

TEST_CASE("qvm: cli list --raw feeds add", "[qvm]") {
    QvmFixture f;
    addSample(f);
    std::string raw = f.run({"work", "list", "--raw"}).out;
    REQUIRE(f.run({"sys-net", "del", "--rule-no=0"}).rc == 0);
    for (const std::string& line : lines(raw))
        REQUIRE(f.run({"sys-net", "add", line}).rc == 0);
    CHECK(f.run({"sys-net", "list", "--raw"}).out == raw);
    CHECK(f.run({"sys-net", "list"}).out == kSampleTable);
}

TEST_CASE("qvm: cli dst6=127.0.0.1 lists back as dst4=127.0.0.1/32", "[qvm]") {
    QvmFixture f;
    REQUIRE(f.run({"work", "del", "--rule-no=0"}).rc == 0);
    RunResult r = f.run({"work", "add", "accept", "dst6=127.0.0.1"});
    CHECK(r.rc == 0);
    CHECK(r.err == "");
    REQUIRE(f.run({"work", "add", "drop", "dst4=fd00::1", "proto=tcp", "dstports=22"}).rc == 0);
    REQUIRE(f.run({"work", "add", "accept", "dst6=example.com"}).rc == 0);
    REQUIRE(f.run({"work", "add", "accept", "dst4=10.0.0.0/8", "icmp", "8"}).rc == 0);
    const std::string raw =
        "action=accept dst4=127.0.0.1/32\n"
        "action=drop proto=tcp dst6=fd00::1/128 dstports=22-22\n"
        "action=accept dsthost=example.com\n"
        "action=accept proto=icmp dst4=10.0.0.0/8 icmptype=8\n";
    CHECK(f.run({"work", "list", "--raw"}).out == raw);
    CHECK(f.rulesFile("work") == raw);
    CHECK(f.run({"work", "list"}).out ==
          "NO  ACTION  HOST          PROTOCOL  PORT(S)  SPECIAL TARGET  ICMP TYPE  EXPIRE  COMMENT\n"
          "0   accept  127.0.0.1/32  -         -        -               -          -       -\n"
          "1   drop    fd00::1/128   tcp       22       -               -          -       -\n"
          "2   accept  example.com   -         -        -               -          -       -\n"
          "3   accept  10.0.0.0/8    icmp      -        -               8          -       -\n");
    std::string json = f.run({"work", "list", "--json"}).out;
    CHECK(json.find("\"dst4\": \"127.0.0.1/32\"") != std::string::npos);
    CHECK(json.find("\"dst6\": \"fd00::1/128\"") != std::string::npos);
    // The state file reads back: another add keeps every rule as it was.
    REQUIRE(f.run({"work", "add", "drop"}).rc == 0);
    CHECK(f.rulesFile("work") == raw + "action=drop\n");
    // del finds the rule under any of the three names.
    CHECK(f.run({"work", "del", "accept", "dsthost=127.0.0.1/32"}).rc == 0);
    CHECK(f.run({"work", "del", "drop", "dst6=fd00::1", "tcp", "22"}).rc == 0);
    CHECK(f.run({"work", "del", "accept", "dst4=example.com"}).rc == 0);
    CHECK(f.run({"work", "del", "accept", "dst6=10.0.0.0/8", "icmp", "8"}).rc == 0);
    CHECK(f.rulesFile("work") == "action=drop\n");
    // Two destinations in one rule are refused and change nothing.
    r = f.run({"work", "add", "accept", "dst4=10.0.0.1", "dst6=fd00::1"});
    CHECK(r.rc == 1);
    CHECK(r.err == "qvm-firewall: error: 'dst6=fd00::1': dsthost given twice (dsthost, dst4 and dst6 are one key)\n");
    CHECK(f.rulesFile("work") == "action=drop\n");
}

TEST_CASE("qvm: cli state file with dst4/dst6 under the other family", "[qvm]") {
    QvmFixture f;
    REQUIRE(f.run({"work", "add", "drop"}).rc == 0);
    std::string rules = f.env.paths.stateDir + "/work.rules";
    // Written by hand (or by a Qubes tool): each key with the other family.
    test::writeText(rules, "action=accept dst6=127.0.0.1/32\naction=accept proto=udp dst4=fd00::/8 dstports=53-53\n");
    RunResult r = f.run({"work", "list", "--raw"});
    CHECK(r.rc == 0);
    CHECK(r.err == "");
    CHECK(r.out == "action=accept dst4=127.0.0.1/32\naction=accept proto=udp dst6=fd00::/8 dstports=53-53\n");
    // The next change writes the canonical form.
    REQUIRE(f.run({"work", "add", "drop"}).rc == 0);
    CHECK(f.rulesFile("work") == r.out + "action=drop\n");
    // Two destinations in a state file line are an error at their place.
    test::writeText(rules, "action=accept\naction=accept dst4=10.0.0.0/8 dsthost=example.com\n");
    r = f.run({"work", "list"});
    CHECK(r.rc == 1);
    CHECK(r.err == "qvm-firewall: " + rules +
                       ":2:31: error: 'dsthost=example.com': dsthost given twice (dsthost, dst4 and dst6 are one "
                       "key)\n");
}

TEST_CASE("qvm: cli del by number and by text", "[qvm]") {
    QvmFixture f;
    addSample(f);
    // The same rule as added, in another spelling: compared canonically.
    RunResult r = f.run({"work", "del", "action=accept", "dsthost=10.0.0.0/8", "proto=tcp", "dstports=443-443"});
    CHECK(r.rc == 0);
    CHECK(r.err == "");
    CHECK(f.run({"work", "del", "drop", "proto=udp", "dstports=1000-2000", "comment=no   games"}).rc == 0);
    CHECK(f.run({"work", "del", "--rule-no", "1"}).rc == 0);
    CHECK(f.run({"work", "list", "--raw"}).out ==
          "action=accept dst6=fd00::/8\n"
          "action=drop proto=icmp dsthost=example.com icmptype=8\n");
    CHECK(f.run({"work", "del", "--rule-no=1"}).rc == 0);
    CHECK(f.rulesFile("work") == "action=accept dst6=fd00::/8\n");
    // The first of identical rules goes.
    REQUIRE(f.run({"work", "add", "drop"}).rc == 0);
    REQUIRE(f.run({"work", "add", "accept"}).rc == 0);
    REQUIRE(f.run({"work", "add", "drop"}).rc == 0);
    CHECK(f.run({"work", "del", "drop"}).rc == 0);
    CHECK(f.rulesFile("work") == "action=accept dst6=fd00::/8\naction=accept\naction=drop\n");
}

TEST_CASE("qvm: cli add --before", "[qvm]") {
    QvmFixture f;
    CHECK(f.run({"work", "add", "--before", "0", "drop", "proto=udp"}).rc == 0);
    CHECK(f.run({"work", "add", "--before=1", "drop", "proto=tcp"}).rc == 0);
    // N equal to the number of rules appends.
    CHECK(f.run({"work", "add", "drop", "proto=icmp", "--before", "3"}).rc == 0);
    CHECK(f.rulesFile("work") ==
          "action=drop proto=udp\naction=drop proto=tcp\naction=accept\naction=drop proto=icmp\n");
    RunResult r = f.run({"work", "add", "--before=5", "drop"});
    CHECK(r.rc == 1);
    CHECK(r.err == "qvm-firewall: error: '--before=5': no rule number 5 (VM 'work' has 4 rules)\n");
}

TEST_CASE("qvm: cli expire", "[qvm]") {
    QvmFixture f;
    REQUIRE(f.run({"work", "del", "--rule-no=0"}).rc == 0);
    REQUIRE(f.run({"work", "add", "accept", "proto=tcp", "expire=+300"}).rc == 0);
    REQUIRE(f.run({"work", "add", "accept", "proto=udp", "expire=1700000600"}).rc == 0);
    REQUIRE(f.run({"work", "add", "drop"}).rc == 0);
    CHECK(f.rulesFile("work") ==
          "action=accept proto=tcp expire=1700000300\n"
          "action=accept proto=udp expire=1700000600\n"
          "action=drop\n");
    const std::string head = "NO  ACTION  HOST  PROTOCOL  PORT(S)  SPECIAL TARGET  ICMP TYPE  EXPIRE  COMMENT\n";
    CHECK(f.run({"work", "list"}).out == head +
                                             "0   accept  -     tcp       -        -               "
                                             "-          +300s   -\n"
                                             "1   accept  -     udp       -        -               "
                                             "-          +600s   -\n"
                                             "2   drop    -     -         -        -               "
                                             "-          -       -\n");
    f.env.now = kNow + 100;
    CHECK(f.run({"work", "list"}).out == head +
                                             "0   accept  -     tcp       -        -               "
                                             "-          +200s   -\n"
                                             "1   accept  -     udp       -        -               "
                                             "-          +500s   -\n"
                                             "2   drop    -     -         -        -               "
                                             "-          -       -\n");
    // At its expiry time a rule is gone, and the numbers after it move up.
    f.env.now = kNow + 300;
    CHECK(f.run({"work", "list", "--raw"}).out == "action=accept proto=udp expire=1700000600\naction=drop\n");
    RunResult del = f.run({"work", "del", "--rule-no=1"});
    CHECK(del.rc == 0);
    CHECK(f.rulesFile("work") == "action=accept proto=udp expire=1700000600\n");
    f.env.now = kNow + 600;
    CHECK(f.run({"work", "list"}).out == head);
}

TEST_CASE("qvm: cli comment keeps option-like words", "[qvm]") {
    QvmFixture f;
    CHECK(f.run({"work", "add", "drop", "comment=see", "--help", "-v", "--", "x=y"}).rc == 0);
    CHECK(f.run({"work", "list", "--raw"}).out == "action=accept\naction=drop comment=see --help -v -- x=y\n");
    // "--" ends the options too.
    CHECK(f.run({"work", "del", "--", "drop", "comment=see --help -v -- x=y"}).rc == 0);
    CHECK(f.run({"work", "list", "--raw"}).out == "action=accept\n");
}

TEST_CASE("qvm: cli writes the program of every mapped VM", "[qvm]") {
    QvmFixture f;
    addSample(f);
    REQUIRE(f.run({"sys-net", "add", "drop", "proto=tcp"}).rc == 0);
    // What the command wrote is what buildProgram makes of the files.
    Diagnostics d;
    std::optional<ir::Program> prog = buildProgram(f.env.paths, kNow, d, f.env.resolver);
    INFO(d.format());
    REQUIRE(prog);
    REQUIRE(prog->rulesets.size() == 2);
    CHECK(prog->rulesets[0].name == "qvm:work");
    CHECK(prog->rulesets[0].rules.size() == 7);
    CHECK(prog->rulesets[0].rules[5].loc == "qvm:work:4");
    CHECK(prog->rulesets[1].name == "qvm:sys-net");
    CHECK(prog->rulesets[1].rules.size() == 4);
    driver::CompileResult res = driver::compile(*prog);
    REQUIRE(res.ok());
    std::string blob(reinterpret_cast<const char*>(res.blob.data()), res.blob.size() * 4);
    CHECK(f.programFile() == blob);
}

TEST_CASE("qvm: cli -v, unchanged programs and --reload", "[qvm]") {
    QvmFixture f;
    std::string program = f.env.paths.stateDir + "/program.pfw";
    RunResult r = f.run({"-v", "work", "add", "drop", "proto=udp"});
    CHECK(r.rc == 0);
    CHECK(r.err.starts_with("qvm-firewall: wrote " + program + " ("));
    // A VM that is not mapped is not in the program: it stays the same.
    r = f.run({"-v", "-q", "-v", "other", "add", "drop"});
    CHECK(r.rc == 0);
    CHECK(r.err == "qvm-firewall: program unchanged: " + program + "\nqvm-firewall: warning: VM 'other' is not in " +
                       f.env.paths.vmsConf + ": its rules filter nothing until it is mapped\n");
    r = f.run({"-rv", "other", "add", "drop"});
    CHECK(r.err.starts_with("qvm-firewall: wrote " + program + " ("));
    // list --reload rewrites the program and still lists.
    std::filesystem::remove(program);
    r = f.run({"--reload", "work", "list", "--raw"});
    CHECK(r.rc == 0);
    CHECK(r.out == "action=accept\naction=drop proto=udp\n");
    CHECK(std::filesystem::exists(program));
    // Without -v nothing is said.
    CHECK(f.run({"work", "add", "drop"}).err == "");
}

TEST_CASE("qvm: cli VM not in vms.conf", "[qvm]") {
    QvmFixture f;
    const std::string warning = "qvm-firewall: warning: VM 'laptop' is not in " + f.env.paths.vmsConf +
                                ": its rules filter nothing until it is mapped\n";
    RunResult r = f.run({"laptop", "add", "drop", "proto=tcp"});
    CHECK(r.rc == 0);
    CHECK(r.err == warning);
    CHECK(f.rulesFile("laptop") == "action=accept\naction=drop proto=tcp\n");
    r = f.run({"laptop", "list", "--raw"});
    CHECK(r.out == "action=accept\naction=drop proto=tcp\n");
    CHECK(r.err == warning);
    r = f.run({"laptop", "del", "--rule-no=0"});
    CHECK(r.err == warning);
    CHECK(f.run({"--quiet", "laptop", "list"}).err == "");
    CHECK(f.run({"laptop", "-q", "list"}).err == "");
    // Its host names need not resolve, as a mapped VM's need not.
    r = f.run({"laptop", "add", "accept", "nowhere.invalid"});
    CHECK(r.rc == 0);
    CHECK(r.err == warning);
    // No vms.conf at all: nothing is mapped.
    std::filesystem::remove(f.env.paths.vmsConf);
    r = f.run({"work", "list", "--raw"});
    CHECK(r.rc == 0);
    CHECK(r.err == "qvm-firewall: warning: VM 'work' is not in " + f.env.paths.vmsConf +
                       ": its rules filter nothing until it is mapped\n");
}

TEST_CASE("qvm: cli errors are one line and change nothing", "[qvm]") {
    QvmFixture f;
    addSample(f);
    const auto before = test::snapshot(f.dir.path());
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"work", "add", "action=accept", "dstports=80"}, "'dstports=80': dstports needs proto=tcp or proto=udp"},
        {{"work", "add", "accept", "icmptype=8"}, "'icmptype=8': icmptype needs proto=icmp"},
        {{"work", "add", "accept", "10.0.0.1/8"},
         "'10.0.0.1/8': host bits set beyond the /8 prefix (did you mean 10.0.0.0/8?)"},
        {{"work", "add", "accept", "dsthost=10.0.0/8"}, "'dsthost=10.0.0/8': invalid IPv4 address '10.0.0'"},
        // As in Qubes, the second positional word is the host.
        {{"work", "add", "accept proto=tcp dstports=0"}, "'dstports=0': port must be 1-65535"},
        {{"work", "add", "accept", "proto=udp", "dstports=65536"}, "'dstports=65536': port must be 1-65535"},
        {{"work", "add", "accept", "proto=udp", "dstports=90-80"}, "'dstports=90-80': empty port range (90 > 80)"},
        {{"work", "add", "accept", "port=80"}, "'port=80': unknown key 'port'"},
        {{"work", "add", "accept", "proto=udp", "proto=tcp"}, "'proto=tcp': proto given twice"},
        {{"work", "add", "allow"}, "'allow': action must be accept or drop"},
        {{"work", "add", "proto=tcp"}, "rule has no action (accept or drop)"},
        {{"work", "add", "accept", "expire=1600000000"}, "'expire=1600000000': expire is in the past"},
        {{"work", "add", "accept", "expire=tomorrow"},
         "'expire=tomorrow': expire must be seconds since the epoch or +SECONDS"},
        {{"work", "add"}, "add needs a rule"},
        {{"work", "del", "--rule-no=5"}, "'--rule-no=5': no rule number 5 (VM 'work' has 5 rules)"},
        {{"work", "del", "drop", "proto=tcp"}, "'action=drop proto=tcp': no such rule in VM 'work'"},
        {{"work", "del"}, "del needs --rule-no=N or a rule"},
        {{"work", "del", "--rule-no=0", "drop"},
         "'--rule-no=0': del takes --rule-no or a rule, not "
         "both"},
        {{"work", "del", "--rule-no"}, "'--rule-no': --rule-no needs a rule number"},
        {{"work", "del", "--rule-no", "x"}, "'--rule-no x': --rule-no needs a rule number"},
        {{"work", "add", "--before=-1", "drop"}, "'--before=-1': --before needs a rule number"},
        {{"work", "list", "--before=0"}, "'--before=0': --before is only valid with add"},
        {{"work", "add", "--rule-no=0", "drop"}, "'--rule-no=0': --rule-no is only valid with del"},
        {{"work", "add", "--raw", "drop"}, "'--raw': --raw is only valid with list"},
        {{"work", "del", "--json", "drop"}, "'--json': --json is only valid with list"},
        {{"work", "list", "--raw", "--json"}, "'--json': --json cannot be combined with --raw"},
        {{"work", "list", "drop"}, "'drop': list takes no rule"},
        {{"work", "show"}, "'show': unknown command (expected add, del, list or reset)"},
        {{"work", "--frobnicate"}, "'--frobnicate': unknown option"},
        {{"work", "--raw=yes"}, "'--raw=yes': --raw takes no value"},
        {{"-x", "work"}, "'-x': unknown option '-x'"},
        {{}, "missing VMNAME (see qvm-firewall --help)"},
        {{"-v"}, "missing VMNAME (see qvm-firewall --help)"},
        {{"1work", "list"},
         "'1work': invalid VM name (a letter, then at most 30 letters, digits, "
         "'_', '.' or '-')"},
        {{"../etc/passwd", "add", "drop"},
         "'../etc/passwd': invalid VM name (a letter, then at most 30 letters, digits, '_', '.' "
         "or '-')"},
    };
    for (const auto& [args, error] : cases) {
        std::string cmd;
        for (const auto& a : args)
            cmd += " " + a;
        INFO("qvm-firewall" << cmd);
        RunResult r = f.run(args);
        CHECK(r.rc == 1);
        CHECK(r.out == "");
        CHECK(r.err == "qvm-firewall: error: " + error + "\n");
        CHECK(test::snapshot(f.dir.path()) == before);
    }
}

TEST_CASE("qvm: cli reports broken files with their location", "[qvm]") {
    QvmFixture f;
    addSample(f);
    std::string rules = f.env.paths.stateDir + "/work.rules";
    test::writeText(f.env.paths.vmsConf, "work tap0\nhome tap0\n");
    RunResult r = f.run({"work", "list"});
    CHECK(r.rc == 1);
    CHECK(r.err ==
          "qvm-firewall: " + f.env.paths.vmsConf + ":2:6: error: 'tap0': overlaps interface 'tap0' of VM 'work'\n");

    test::writeText(f.env.paths.vmsConf, "work tap0\nhome tap1\n");
    test::writeText(rules, "# edited by hand\naction=accept\n\naction=drop proto=sctp\n");
    r = f.run({"work", "list"});
    CHECK(r.rc == 1);
    CHECK(r.err == "qvm-firewall: " + rules + ":4:13: error: 'proto=sctp': proto must be tcp, udp or icmp\n");
    // Another VM's broken rules stop a rebuild too, and nothing is written.
    auto before = test::snapshot(f.dir.path());
    r = f.run({"home", "add", "drop"});
    CHECK(r.rc == 1);
    CHECK(r.err == "qvm-firewall: " + rules + ":4:13: error: 'proto=sctp': proto must be tcp, udp or icmp\n");
    CHECK(test::snapshot(f.dir.path()) == before);
    // State files hold absolute expiry times only.
    test::writeText(rules, "action=accept expire=+10\n");
    CHECK(f.run({"work", "list"}).err ==
          "qvm-firewall: " + rules +
              ":1:15: error: 'expire=+10': relative expire is not allowed here: give seconds "
              "since the epoch\n");
    // Comments and blank lines are fine, and expired rules are skipped.
    test::writeText(rules, "# hand-made\n\naction=drop expire=5\naction=accept proto=tcp\n");
    r = f.run({"work", "list", "--raw"});
    CHECK(r.rc == 0);
    CHECK(r.out == "action=accept proto=tcp\n");
}

TEST_CASE("qvm: cli --help", "[qvm]") {
    QvmFixture f;
    for (std::vector<std::string> args :
         {std::vector<std::string>{"--help"}, {"-h"}, {"work", "add", "-h"}, {"-vh"}, {"work", "bogus", "--help"}}) {
        RunResult r = f.run(args);
        CHECK(r.rc == 0);
        CHECK(r.err == "");
        CHECK(r.out == usageText());
    }
    CHECK(usageText().starts_with("usage: qvm-firewall [-h] [-v] [-q] [-r] VMNAME [list] [--raw | --json]\n"));
}

TEST_CASE("qvm: cli takes its paths and time from the environment", "[qvm]") {
    QvmFixture f;
    addSample(f);
    setenv("POLYFW_VMS_CONF", f.env.paths.vmsConf.c_str(), 1);
    setenv("POLYFW_STATE_DIR", f.env.paths.stateDir.c_str(), 1);
    setenv("POLYFW_RESOLV_CONF", f.env.paths.resolvConf.c_str(), 1);
    setenv("POLYFW_NOW", "1700000100", 1);
    Paths p = Paths::fromEnvironment();
    CHECK(p.vmsConf == f.env.paths.vmsConf);
    CHECK(p.stateDir == f.env.paths.stateDir);
    CHECK(p.resolvConf == f.env.paths.resolvConf);
    std::ostringstream out, err;
    CHECK(runCli({"work", "list"}, out, err) == 0);
    CHECK(out.str().find("+200s") != std::string::npos);
    setenv("POLYFW_NOW", "yesterday", 1);
    std::ostringstream out2, err2;
    CHECK(runCli({"work", "list"}, out2, err2) == 1);
    CHECK(err2.str() ==
          "qvm-firewall: error: 'POLYFW_NOW=yesterday': POLYFW_NOW must be seconds since the "
          "epoch\n");
    for (const char* v : {"POLYFW_VMS_CONF", "POLYFW_STATE_DIR", "POLYFW_RESOLV_CONF", "POLYFW_NOW"})
        unsetenv(v);
    p = Paths::fromEnvironment();
    CHECK(p.vmsConf == "/etc/polyfw/vms.conf");
    CHECK(p.stateDir == "/var/lib/polyfw/qvm");
    CHECK(p.resolvConf == "/etc/resolv.conf");
}

TEST_CASE("qvm: applyProgram writes only changes unless forced", "[qvm]") {
    test::TempDir dir;
    std::string path = dir / "program.pfw";
    std::string error;
    std::vector<uint32_t> blob = {0x31574650u, 1, 2};
    CHECK(applyProgram(blob, path, false, error) == ApplyResult::Written);
    CHECK(test::readText(path) == std::string(reinterpret_cast<const char*>(blob.data()), 12));
    CHECK(applyProgram(blob, path, false, error) == ApplyResult::Unchanged);
    CHECK(applyProgram(blob, path, true, error) == ApplyResult::Written);
    blob.push_back(3);
    CHECK(applyProgram(blob, path, false, error) == ApplyResult::Written);
    CHECK(test::readText(path).size() == 16);
    CHECK(std::filesystem::status(path).permissions() ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
           std::filesystem::perms::group_read | std::filesystem::perms::others_read));
    CHECK(applyProgram(blob, dir / "no/such/dir/program.pfw", false, error) == ApplyResult::Failed);
    CHECK(error.starts_with("cannot create a file in " + dir.path() + "/no/such/dir: "));
}

TEST_CASE("qvm: reset brings back the default accept rule", "[qvm]") {
    QvmFixture f;
    addSample(f);
    RunResult r = f.run({"work", "reset"});
    CHECK(r.rc == 0);
    CHECK(r.err == "");
    CHECK(f.run({"work", "list"}).out ==
          kHeader + "0   accept  -     -         -        -               -          -       -\n");
    RunResult bad = f.run({"work", "reset", "drop"});
    CHECK(bad.rc == 1);
    CHECK(bad.err == "qvm-firewall: error: 'drop': reset takes no rule\n");
    // the corpus' "del --rule-no 0" form, with a space
    CHECK(f.run({"work", "del", "--rule-no", "0"}).rc == 0);
    CHECK(f.run({"work", "list"}).out == kHeader);
}

TEST_CASE("qvm: cli host names that do not resolve block nothing", "[qvm]") {
    QvmFixture f;
    RunResult r = f.run({"work", "add", "--before=0", "accept", "nowhere.invalid", "tcp", "443"});
    CHECK(r.rc == 0);
    CHECK(r.err == "");
    r = f.run({"work", "add", "--before=0", "accept", "dsthost=example.com"});
    CHECK(r.rc == 0);
    // As the user wrote them.
    CHECK(f.run({"work", "list", "--raw"}).out ==
          "action=accept dsthost=example.com\n"
          "action=accept proto=tcp dsthost=nowhere.invalid dstports=443-443\n"
          "action=accept\n");
    // The names and their sets, for polyfw resolve.
    CHECK(test::readText(f.env.paths.stateDir + "/dns-sets") ==
          formatDnsSets({{dnsSetName("example.com"), "example.com"}, {dnsSetName("nowhere.invalid"), "nowhere.invalid"}}));
    // The program does not depend on what the names resolve to.
    std::string program = f.programFile();
    f.env.resolver = test::fakeResolver({{"example.com", {test::v4("192.0.2.1")}}, {"nowhere.invalid", {test::v4("192.0.2.2")}}});
    REQUIRE(f.run({"--reload", "work", "list"}).rc == 0);
    CHECK(f.programFile() == program);
    // Deleting the last rule with a name takes it out of the file.
    REQUIRE(f.run({"work", "del", "--rule-no=1"}).rc == 0);
    CHECK(test::readText(f.env.paths.stateDir + "/dns-sets") == dnsSetName("example.com") + " example.com\n");
}
