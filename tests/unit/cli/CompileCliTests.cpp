// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// cli/CompileCliTests.cpp
// polyfw compile, disasm and trace as a user runs them: exact output.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "RunCommand.h"
#include "verify/Verify.h"

using pfw::testing::runPolyfw;
using pfw::testing::writeTemp;

namespace {

const char* kFile =
    "# two VMs\n"
    "vm work tap0\n"
    "vm sys-net vif3.0 vnet+\n"
    "work accept dsthost=93.184.216.34 proto=tcp dstports=443\n"
    "work action=accept dst4=10.0.0.0/8 proto=udp dstports=1000-2000\n"
    "work drop proto=icmp\n"
    "sys-net accept\n";

const std::string kEnv = "POLYFW_NOW=1700000000 POLYFW_RESOLV_CONF=/dev/null";

}  // namespace

TEST_CASE("polyfw trace prints the verdict and the deciding rule", "[cli]") {
    std::string src = writeTemp("trace.qvm", kFile);
    std::string prog = src + ".pfw";
    auto c = runPolyfw("compile --lang qvm " + src + " -o " + prog, kEnv);
    REQUIRE(c.err == "");
    REQUIRE(c.status == 0);
    auto t = runPolyfw("trace " + prog +
                           " hook forward iif tap0 proto tcp src 10.1.2.3 dst 93.184.216.34 dport 443 state new ,"
                           " iif tap0 proto tcp dst 93.184.216.35 dport 443 ,"
                           " iif tap0 proto udp dst 10.9.9.9 dport 1500 ,"
                           " iif tap0 proto icmp dst 1.1.1.1 type 8 ,"
                           " iif tap0 state established proto tcp dst 8.8.8.8 ,"
                           " iif vnet7 proto udp dst 1.2.3.4 ,"
                           " iif eth0 proto udp dst 1.2.3.4 ,"
                           " hook input iif tap0 proto tcp dst 1.2.3.4",
                       kEnv);
    CHECK(t.err == "");
    CHECK(t.status == 0);
    CHECK(t.out ==
          "packet 1: accept by " + src + ":4 (rule 1)\n"
          "packet 2: drop by qvm:work:default (rule 4)\n"
          "packet 3: accept by " + src + ":5 (rule 2)\n"
          "packet 4: drop by " + src + ":6 (rule 3)\n"
          "packet 5: accept by qvm:work:established (rule 0)\n"
          "packet 6: accept by " + src + ":7 (rule 6)\n"
          "packet 7: accept (no rule matched)\n"
          "packet 8: accept (no rule matched)\n");
}

TEST_CASE("polyfw trace compiles a rule file on the fly and prints JSON", "[cli]") {
    std::string src = writeTemp("json.qvm", kFile);
    auto t = runPolyfw("trace --lang qvm --json " + src + " iif tap0 proto udp dst 10.1.1.1 dport 999", kEnv);
    CHECK(t.status == 0);
    CHECK(t.out.find("\"verdict\": \"drop\"") != std::string::npos);
    CHECK(t.out.find("\"loc\": \"qvm:work:default\"") != std::string::npos);
}

TEST_CASE("polyfw trace rejects a bad packet description", "[cli]") {
    std::string src = writeTemp("bad.qvm", kFile);
    auto t = runPolyfw("trace --lang qvm " + src + " iif tap0 proto tcp colour red", kEnv);
    CHECK(t.status == 1);
    CHECK(t.err == "polyfw: packet 1: error: 'colour': unknown packet keyword\n");
    t = runPolyfw("trace --lang qvm " + src + " dport 70000", kEnv);
    CHECK(t.err == "polyfw: packet 1: error: '70000': not a number from 0 to 65535 for dport\n");
    t = runPolyfw("trace --lang qvm " + src + " src 10.0.0.1 dst ::1", kEnv);
    CHECK(t.err == "polyfw: packet 1: error: '::1': source and destination are of different families\n");
}

TEST_CASE("polyfw compile --stats reports instructions and bytes per rule", "[cli]") {
    std::string src = writeTemp("stats.qvm", kFile);
    auto c = runPolyfw("compile --lang qvm " + src + " -o " + src + ".pfw --stats", kEnv);
    CHECK(c.status == 0);
    CHECK(c.out.rfind("program: 8 rules, ", 0) == 0);
    CHECK(c.out.find("  location\n") != std::string::npos);
    CHECK(c.out.find("qvm:work:established\n") != std::string::npos);
    CHECK(c.out.find("per rule: ") != std::string::npos);
    auto j = runPolyfw("compile --lang qvm " + src + " -o " + src + ".pfw --stats --json", kEnv);
    CHECK(j.out.find("\"per_rule\"") != std::string::npos);
}

TEST_CASE("polyfw disasm names each instruction's rule", "[cli]") {
    std::string src = writeTemp("dis.qvm", kFile);
    auto d = runPolyfw("disasm --lang qvm " + src, kEnv);
    CHECK(d.status == 0);
    CHECK(d.out.find("; hook forward -> 0\n") != std::string::npos);
    CHECK(d.out.find("ifname !iif \"tap0\"  ? : 2\n") != std::string::npos);
    CHECK(d.out.find("anybits ctstate & 0x6") != std::string::npos);
    CHECK(d.out.find("; qvm:work:established") != std::string::npos);
    CHECK(d.out.find("ifname !iif \"vnet+\"") != std::string::npos);
}

TEST_CASE("polyfw refuses a file that is not a valid program", "[cli]") {
    std::string junk = writeTemp("junk.pfw", std::string("PFW1\0\0\0\0", 8));
    // the magic is right, the rest is not a program
    std::ofstream(junk, std::ios::binary).write("\x50\x46\x57\x31\x01\x00\x10\x00", 8);
    auto d = runPolyfw("disasm " + junk);
    CHECK(d.status == 1);
    CHECK(d.err == "polyfw: " + junk + ": invalid program: truncated program: 8 bytes, header needs 64\n");
}

TEST_CASE("polyfw compile reports the language it cannot tell", "[cli]") {
    std::string src = writeTemp("rules.txt", "x\n");
    auto c = runPolyfw("compile " + src + " -o /dev/null");
    CHECK(c.status == 1);
    CHECK(c.err == src + ": error: cannot tell the language of the input: give --lang qvm|ipfw|shorewall|firehol\n");
}

TEST_CASE("polyfw trace sees rule expiry at the packet's time", "[cli]") {
    std::string src = writeTemp("expire.qvm",
                                "vm work tap0\n"
                                "work accept dsthost=192.0.2.1 expire=1700000100\n");
    auto t = runPolyfw("trace --lang qvm " + src + " iif tap0 dst 192.0.2.1 , iif tap0 dst 192.0.2.1 time 1700000100",
                       kEnv);
    CHECK(t.err == "");
    CHECK(t.out ==
          "packet 1: accept by " + src + ":2 (rule 1)\n"
          "packet 2: drop by qvm:work:default (rule 2)\n");
}

TEST_CASE("polyfw compile --stats prints the verifier's worst-case cost", "[cli]") {
    std::string src = writeTemp("cost.qvm", kFile);
    std::string prog = src + ".pfw";
    auto c = runPolyfw("compile --lang qvm " + src + " -o " + prog + " --stats", kEnv);
    REQUIRE(c.status == 0);
    std::vector<uint32_t> blob;
    REQUIRE(pfw::verify::readProgramFile(prog, blob) == "");
    pfw_prog p{};
    REQUIRE(pfw::verify::check(blob, &p) == "");
    REQUIRE(p.cost > 0);
    REQUIRE(p.cost == p.hook_cost[PFW_HOOK_FORWARD]);
    // the second line, after the sizes
    size_t nl = c.out.find('\n');
    REQUIRE(nl != std::string::npos);
    std::string cost = std::to_string(p.cost);
    CHECK(c.out.substr(nl + 1, c.out.find('\n', nl + 1) - nl) ==
          "cost: " + cost + " per packet at worst (forward " + cost + "), budget 1048576\n");
    auto j = runPolyfw("compile --lang qvm " + src + " -o " + prog + " --stats --json", kEnv);
    REQUIRE(j.status == 0);
    auto js = nlohmann::json::parse(j.out);
    CHECK(js["cost"] == p.cost);
    CHECK(js["cost_budget"] == PFW_MAX_COST);
    CHECK(js["hook_cost"] == nlohmann::json{{"forward", p.cost}});
}

TEST_CASE("polyfw disasm, trace and load say what is wrong with a file that is not a program", "[cli]") {
    const std::string trace = " iif tap0 proto tcp";
    struct {
        const char* name;
        std::string bytes;
        const char* why;
    } files[] = {
        {"text.pfw", "vm work tap0\n", "bad magic"},
        {"rules.txt", "work accept\n", "bad magic"},  // no --lang, no known suffix: a program or nothing
        {"swapped.pfw", std::string("1WFP\x01\x00\x10\x00", 8) + std::string(56, '\0'), "wrong byte order"},
        {"short.pfw", "PF", "truncated"},
        {"empty.pfw", "", "truncated"},
        {"odd.bin", "x", "bad magic"},
    };
    for (const auto& f : files) {
        std::string path = writeTemp(f.name, "");
        std::ofstream(path, std::ios::binary).write(f.bytes.data(), static_cast<std::streamsize>(f.bytes.size()));
        std::string want = "polyfw: " + path + ": not a polyfw program: " + f.why + "\n";
        INFO(f.name);
        for (std::string cmd : {"disasm " + path, "trace " + path + trace, "load " + path}) {
            INFO(cmd);
            auto r = runPolyfw(cmd, kEnv);
            CHECK(r.status == 1);
            CHECK(r.out == "");
            CHECK(r.err == want);
        }
    }
    // a program of the right magic whose length is not whole words
    std::string odd = writeTemp("odd.pfw", "");
    std::ofstream(odd, std::ios::binary).write("\x50\x46\x57\x31\x01", 5);
    auto r = runPolyfw("disasm " + odd);
    CHECK(r.err == "polyfw: " + odd + ": not a polyfw program: length 5 is not a multiple of 4\n");
    r = runPolyfw("load " + odd);
    CHECK(r.err == "polyfw: " + odd + ": not a polyfw program: length 5 is not a multiple of 4\n");
    r = runPolyfw("trace /nonexistent/x.pfw" + trace);
    CHECK(r.err == "polyfw: /nonexistent/x.pfw: No such file or directory\n");
}

TEST_CASE("polyfw disasm and trace compile a file with a language suffix or --lang", "[cli]") {
    std::string qvm = writeTemp("suffix.qvm", kFile);
    auto d = runPolyfw("disasm " + qvm, kEnv);
    CHECK(d.err == "");
    CHECK(d.status == 0);
    CHECK(d.out.find("; hook forward -> 0\n") != std::string::npos);
    // --lang makes a file source whatever its name, even one holding a program
    std::string txt = writeTemp("lang.txt", kFile);
    auto t = runPolyfw("trace --lang qvm " + txt + " iif tap0 proto icmp dst 1.1.1.1", kEnv);
    CHECK(t.err == "");
    CHECK(t.out == "packet 1: drop by " + txt + ":6 (rule 3)\n");
    std::string prog = qvm + ".pfw";
    REQUIRE(runPolyfw("compile " + qvm + " -o " + prog, kEnv).status == 0);
    t = runPolyfw("trace --lang qvm " + prog + " iif tap0", kEnv);
    CHECK(t.status == 1);
    CHECK(t.err.find(prog + ":1:") == 0);
}

TEST_CASE("polyfw trace shows a run over its budget as a drop", "[cli]") {
    std::string src = writeTemp("budget.qvm", kFile);
    std::string prog = src + ".pfw";
    REQUIRE(runPolyfw("compile --lang qvm " + src + " -o " + prog, kEnv).status == 0);
    const std::string pkts = " iif tap0 proto tcp dst 93.184.216.34 dport 443 , iif tap0 proto icmp dst 1.1.1.1";
    auto full = runPolyfw("trace " + prog + pkts + " -v", kEnv);
    REQUIRE(full.status == 0);
    CHECK(full.out.find("packet 1: accept by " + src + ":4 (rule 1)\n") == 0);
    CHECK(full.out.find(" cost units (budget 1048576)\n") != std::string::npos);
    auto t = runPolyfw("trace --budget 3 " + prog + pkts, kEnv);
    CHECK(t.err == "");
    CHECK(t.status == 0);
    CHECK(t.out ==
          "packet 1: drop (over budget)\n"
          "packet 2: drop (over budget)\n");
    t = runPolyfw("trace --budget 3 -v " + prog + " iif tap0 proto icmp dst 1.1.1.1", kEnv);
    CHECK(t.out ==
          "packet 1: drop (over budget)\n"
          "  iif tap0 proto icmp dst 1.1.1.1\n"
          "  4 cost units (budget 3)\n");
    auto j = runPolyfw("trace --json --budget 3 " + prog + " iif tap0 proto icmp dst 1.1.1.1", kEnv);
    auto js = nlohmann::json::parse(j.out);
    REQUIRE(js.size() == 1);
    CHECK(js[0]["verdict"] == "drop");
    CHECK(js[0]["detail"] == "over budget");
    CHECK(!js[0].contains("rule"));
    // the budget is 1 .. PFW_MAX_COST
    CHECK(runPolyfw("trace --budget 0 " + prog + " iif tap0", kEnv).status != 0);
    CHECK(runPolyfw("trace --budget 1048577 " + prog + " iif tap0", kEnv).status != 0);
}

TEST_CASE("polyfw trace takes live set contents with --set", "[cli][lset]") {
    std::string src = writeTemp("dns.qvm", "vm work tap0\nwork accept dsthost=example.org proto=tcp dstports=443\n");
    std::string prog = src + ".pfw";
    auto c = runPolyfw("compile --lang qvm " + src + " -o " + prog, kEnv);
    REQUIRE(c.status == 0);
    // the set's name, as the disassembler shows it
    auto d = runPolyfw("disasm " + prog, kEnv);
    size_t at = d.out.find("@dns.");
    REQUIRE(at != std::string::npos);
    std::string set = d.out.substr(at + 1, 12);  // "dns." and 8 hex digits
    const std::string pkt = " hook forward iif tap0 proto tcp dst 93.184.216.34 dport 443";
    auto empty = runPolyfw("trace " + prog + pkt, kEnv);
    CHECK(empty.out == "packet 1: drop by qvm:work:default (rule 2)\n");
    auto filled = runPolyfw("trace " + prog + " --set " + set + "=93.184.216.34,2001:db8::1" + pkt, kEnv);
    CHECK(filled.err == "");
    CHECK(filled.out == "packet 1: accept by " + src + ":2 (rule 1)\n");
    auto file = writeTemp("dns.set", "# the name's addresses\n93.184.216.0/24\n");
    auto fromFile = runPolyfw("trace " + prog + " --set-file " + set + "=" + file + pkt, kEnv);
    CHECK(fromFile.out == "packet 1: accept by " + src + ":2 (rule 1)\n");
    auto unknown = runPolyfw("trace " + prog + " --set nosuch=1.2.3.4" + pkt, kEnv);
    CHECK(unknown.status == 1);
    CHECK(unknown.err == "polyfw: " + prog + " has no live set nosuch\n");
    auto bad = runPolyfw("trace " + prog + " --set " + set + "=93.184.216.300" + pkt, kEnv);
    CHECK(bad.status == 1);
    CHECK(bad.err == "polyfw: set " + set + ": bad address '93.184.216.300'\n");
}
