// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// qvm/DnsSetsTest.cpp
// The live sets of dsthost=NAME rules: their names, STATE_DIR/dns-sets, and
// resolving the names into elements.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>

#include "RunCommand.h"
#include "frontends/qvm/DnsSets.h"
#include "frontends/qvm/File.h"
#include "frontends/qvm/Program.h"
#include "qvm/QvmTestUtil.h"

using namespace pfw;
using namespace pfw::qvm;

namespace {

bool validSetName(const std::string& s) {
    if (s.empty() || s.size() > 31 || !std::isalnum(static_cast<unsigned char>(s[0])))
        return false;
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
            return false;
    return true;
}

}  // namespace

TEST_CASE("qvm: dns set names", "[qvm]") {
    // FNV-1a 32 of the lower-cased name
    CHECK(dnsSetName("") == "dns.811c9dc5");
    CHECK(dnsSetName("a") == "dns.e40c292c");
    CHECK(dnsSetName("example.com") == "dns.431ceb26");
    CHECK(dnsSetName("Example.COM") == dnsSetName("example.com"));
    CHECK(dnsSetName("example.com.") != dnsSetName("example.com"));
    CHECK(dnsSetName("www.example.com") != dnsSetName("example.com"));
    std::string longest(253, 'a');
    for (const std::string& n : {std::string("x"), longest, std::string("host_1.example.com.")}) {
        CHECK(validSetName(dnsSetName(n)));
        CHECK(dnsSetName(n).size() == 12);
    }
}

TEST_CASE("qvm: dns-sets file round trip", "[qvm]") {
    test::TempDir dir;
    DnsSets sets{{dnsSetName("example.com"), "example.com"}, {dnsSetName("qubes-os.org"), "qubes-os.org"}};
    std::string error;
    DnsSets back{{"stale", "x"}};
    // No file yet: no names.
    REQUIRE(loadDnsSets(dir.path(), back, error));
    CHECK(back.empty());
    REQUIRE(saveDnsSets(dir.path(), sets, error));
    CHECK(test::readText(dnsSetsPath(dir.path())) == "dns.431ceb26 example.com\n" + dnsSetName("qubes-os.org") +
                                                         " qubes-os.org\n");
    REQUIRE(loadDnsSets(dir.path(), back, error));
    CHECK(back == sets);
    // Comments and blank lines are skipped; anything else is refused.
    CHECK(parseDnsSets("# names\n\ndns.431ceb26 example.com\n", back, error));
    CHECK(back == DnsSets{{"dns.431ceb26", "example.com"}});
    CHECK_FALSE(parseDnsSets("dns.431ceb26 example.com\ndns.00000000 example.com\n", back, error));
    CHECK(error == "line 2: not 'SETNAME HOSTNAME'");
    CHECK_FALSE(parseDnsSets("dns.431ceb26\n", back, error));
    CHECK_FALSE(parseDnsSets("dns.431ceb26 example.com extra\n", back, error));
    test::writeText(dnsSetsPath(dir.path()), "garbage\n");
    CHECK_FALSE(loadDnsSets(dir.path(), back, error));
    CHECK(error == dnsSetsPath(dir.path()) + ": line 1: not 'SETNAME HOSTNAME'");
}

TEST_CASE("qvm: dns sets resolved into elements", "[qvm]") {
    DnsSets sets{{dnsSetName("example.com"), "example.com"}, {dnsSetName("nowhere.invalid"), "nowhere.invalid"}};
    Resolver r = test::fakeResolver(
        {{"example.com", {*parseIpAddr("2001:db8::1"), test::v4("192.0.2.1"), test::v4("192.0.2.1")}}});
    // No table: nothing is sent anywhere.
    std::vector<DnsResult> res = resolveDnsSets(sets, r, "");
    REQUIRE(res.size() == 2);
    CHECK(res[0].set == dnsSetName("example.com"));
    CHECK(res[0].resolved);
    REQUIRE(res[0].addrs.size() == 2);  // sorted, without repeats
    CHECK(formatIpAddr(res[0].addrs[0]) == "192.0.2.1");
    CHECK(formatIpAddr(res[0].addrs[1]) == "2001:db8::1");
    CHECK(res[0].kernelError == "");
    CHECK(res[1].name == "nowhere.invalid");
    CHECK_FALSE(res[1].resolved);
    CHECK(res[1].addrs.empty());
    CHECK(res[1].error == "Name or service not known");
    auto keys = addrKeys(res[0].addrs);
    REQUIRE(keys.size() == 2);
    CHECK(keys[0] == std::vector<uint32_t>{0, 0, 0xffff, 0xc0000201});
    CHECK(keys[1] == std::vector<uint32_t>{0x20010db8, 0, 0, 1});
}

TEST_CASE("qvm: buildProgram with names that do not resolve", "[qvm]") {
    test::TempDir dir;
    Paths paths;
    paths.vmsConf = dir / "vms.conf";
    paths.stateDir = dir.path();
    paths.resolvConf = dir / "resolv.conf";
    test::writeText(paths.vmsConf, "work tap0\nhome tap1\n");
    test::writeText(dir / "work.rules", "action=accept dsthost=nowhere.invalid\naction=drop proto=tcp\n");
    test::writeText(dir / "home.rules", "action=accept proto=tcp dsthost=example.com dstports=443-443\n");
    Diagnostics d;
    DnsSets sets;
    std::optional<ir::Program> prog = buildProgram(paths, 1700000000, d, test::fakeResolver({}), &sets);
    INFO(d.format());
    REQUIRE(prog);
    CHECK(d.empty());
    CHECK(sets == DnsSets{{dnsSetName("nowhere.invalid"), "nowhere.invalid"}, {dnsSetName("example.com"), "example.com"}});
    REQUIRE(prog->rulesets.size() == 2);
    const ir::Rule& r = prog->rulesets[0].rules[1];
    REQUIRE(r.matches.size() == 2);
    CHECK(r.matches[1].kind == ir::Match::Kind::LiveSet);
    CHECK(r.matches[1].field == PFW_FLD_DADDR);
    CHECK(r.matches[1].name == dnsSetName("nowhere.invalid"));
    CHECK_FALSE(r.matches[1].hasValue);
}

TEST_CASE("qvm: at most 256 host names in a program", "[qvm]") {
    std::string text = "vm work tap0\n";
    for (int i = 0; i < 256; i++)
        text += "work accept dsthost=h" + std::to_string(i) + ".example\n";
    Diagnostics d;
    CHECK(parseFile("fw.qvm", text, 1700000000, "/nonexistent", d, test::fakeResolver({})));
    CHECK(d.empty());
    // the same names again are the same sets
    CHECK(parseFile("fw.qvm", text + "work drop dsthost=h7.example\n", 1700000000, "/nonexistent", d,
                    test::fakeResolver({})));
    text += "work accept dsthost=one-more.example\n";
    CHECK_FALSE(parseFile("fw.qvm", text, 1700000000, "/nonexistent", d, test::fakeResolver({})));
    CHECK(d.format() == "fw.qvm:258:13: error: 'dsthost=one-more.example': more than 256 host names (one live set "
                        "each) in the program\n");
}

TEST_CASE("qvm: polyfw resolve without names or with a bad file", "[qvm][cli]") {
    test::TempDir dir;
    // no dns-sets: nothing to do, the kernel is not asked
    auto r = testing::runPolyfw("resolve --state-dir " + dir.path());
    CHECK(r.status == 0);
    CHECK(r.out == "");
    CHECK(r.err == "");
    test::writeText(dir / "dns-sets", "dns.00000000 example.com\n");
    r = testing::runPolyfw("resolve --json", "POLYFW_STATE_DIR=" + dir.path());
    CHECK(r.status == 1);
    CHECK(r.out == "");
    CHECK(r.err == "polyfw: " + dir.path() + "/dns-sets: line 1: not 'SETNAME HOSTNAME'\n");
}
