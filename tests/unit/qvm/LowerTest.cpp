// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// qvm/LowerTest.cpp
// The IR that qvm rules become.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>

#include "frontends/qvm/DnsSets.h"
#include "frontends/qvm/Lower.h"
#include "qvm/QvmTestUtil.h"

using namespace pfw;
using namespace pfw::qvm;
using pfw::qvm::test::kNow;

namespace {

std::string fieldName(uint8_t f) {
    switch (f) {
        case PFW_FLD_FAMILY:
            return "FAMILY";
        case PFW_FLD_L4PROTO:
            return "L4PROTO";
        case PFW_FLD_DPORT:
            return "DPORT";
        case PFW_FLD_ICMPTYPE:
            return "ICMPTYPE";
        case PFW_FLD_TIME:
            return "TIME";
        case PFW_FLD_CTSTATE:
            return "CTSTATE";
        case PFW_FLD_DADDR:
            return "DADDR";
        case PFW_FLD_IIF:
            return "IIF";
    }
    return "F" + std::to_string(f);
}

std::string value(uint8_t field, ir::u128 v) {
    if (!ir::isAddrField(field))
        return std::to_string(static_cast<uint64_t>(v));
    bool mapped = (v >> 32) == 0xffff;
    return formatIpAddr(IpAddr{static_cast<uint8_t>(mapped ? 4 : 6), v});
}

// "FIELD{lo-hi,v}" for a Set, "IIF=name" / "IIF=name+" for an Ifname.
std::string describe(const ir::Match& m) {
    if (m.kind == ir::Match::Kind::Ifname)
        return fieldName(m.field) + "=" + m.name + (m.prefix ? "+" : "");
    if (m.kind == ir::Match::Kind::LiveSet)
        return fieldName(m.field) + "@" + m.name + (m.hasValue ? "=" : "") + (m.negate ? "!" : "");
    REQUIRE(m.kind == ir::Match::Kind::Set);
    REQUIRE_FALSE(m.negate);
    std::string s = fieldName(m.field) + "{";
    for (size_t i = 0; i < m.set.size(); i++) {
        if (i)
            s += ",";
        s += value(m.field, m.set[i].lo);
        if (m.set[i].hi != m.set[i].lo)
            s += "-" + value(m.field, m.set[i].hi);
    }
    return s + "}";
}

std::string describe(const std::vector<ir::Match>& ms) {
    std::string s;
    for (const auto& m : ms)
        s += (s.empty() ? "" : " ") + describe(m);
    return s;
}

LowerContext context();
LowerContext noServers0();

LowerContext context() {
    LowerContext ctx;
    ctx.dnsServers = {test::v4("10.139.1.1"), *parseIpAddr("fd00::53")};
    ctx.resolver = test::fakeResolver({
        {"example.com", {test::v4("93.184.216.34"), *parseIpAddr("2606:2800:220:1::1946")}},
        {"v4.example.com", {test::v4("192.0.2.7"), test::v4("192.0.2.8"), test::v4("192.0.2.1")}},
        {"v6.example.com", {*parseIpAddr("2001:db8::7")}},
    });
    return ctx;
}

LowerContext noServers0() {
    LowerContext ctx = context();
    ctx.dnsServers.clear();
    return ctx;
}

Rule rule(const std::string& text) {
    Diagnostics d;
    std::optional<Rule> r = parseRule(text, {}, ParseOptions{kNow, true, true}, d);
    INFO(d.format());
    REQUIRE(r);
    return *r;
}

// The matches of a rule, described, or its error.
std::string lower(const std::string& text, const LowerContext& ctx = context()) {
    Diagnostics d;
    auto ms = lowerMatches(rule(text), ctx, d);
    if (!ms)
        return d.format();
    return describe(*ms);
}

}  // namespace

TEST_CASE("qvm: IR of networks, protocols and ports", "[qvm]") {
    CHECK(lower("accept") == "");
    CHECK(lower("accept 10.0.0.0/8 tcp 443") == "FAMILY{4} L4PROTO{6} DADDR{10.0.0.0-10.255.255.255} DPORT{443}");
    CHECK(lower("drop 192.0.2.1") == "FAMILY{4} DADDR{192.0.2.1}");
    CHECK(lower("accept proto=udp dstports=1000-2000") == "L4PROTO{17} DPORT{1000-2000}");
    CHECK(lower("accept dst6=2001:db8::/32 proto=tcp") ==
          "FAMILY{6} L4PROTO{6} DADDR{2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff}");
}

TEST_CASE("qvm: IR of ICMP follows the family", "[qvm]") {
    CHECK(lower("accept proto=icmp") == "L4PROTO{1,58}");
    CHECK(lower("accept proto=icmp icmptype=8") == "L4PROTO{1,58} ICMPTYPE{8}");
    CHECK(lower("accept 10.0.0.0/8 icmp 8") == "FAMILY{4} L4PROTO{1} DADDR{10.0.0.0-10.255.255.255} ICMPTYPE{8}");
    CHECK(lower("drop fd00::/8 icmp 128") ==
          "FAMILY{6} L4PROTO{58} DADDR{fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff} "
          "ICMPTYPE{128}");
    // A host name's addresses are not known when the program is built.
    CHECK(lower("accept example.com icmp") == "FAMILY{4,6} L4PROTO{1,58} DADDR@" + dnsSetName("example.com"));
    CHECK(lower("accept v6.example.com icmp") == "FAMILY{4,6} L4PROTO{1,58} DADDR@" + dnsSetName("v6.example.com"));
}

TEST_CASE("qvm: IR of host names", "[qvm]") {
    // The live set of the name, whatever the resolver says: nothing is
    // resolved while lowering.
    CHECK(dnsSetName("example.com") == "dns.431ceb26" /* FNV-1a 32 */);
    CHECK(lower("accept example.com tcp 443") == "FAMILY{4,6} L4PROTO{6} DADDR@dns.431ceb26 DPORT{443}");
    CHECK(lower("accept v4.example.com") == "FAMILY{4,6} DADDR@" + dnsSetName("v4.example.com"));
    Diagnostics d;
    Rule r = [] {
        Diagnostics pd;
        return *parseRule("accept  dsthost=nowhere.example", SourceLoc{"f.qvm", 4, 6}, ParseOptions{kNow, true, true},
                          pd);
    }();
    auto ms = lowerMatches(r, context(), d);
    REQUIRE(ms);
    CHECK(d.empty());
    CHECK(describe(*ms) == "FAMILY{4,6} DADDR@" + dnsSetName("nowhere.example"));
    // No resolver at all is no different.
    LowerContext none = context();
    none.resolver = nullptr;
    CHECK(lower("accept example.com tcp 443", none) == "FAMILY{4,6} L4PROTO{6} DADDR@dns.431ceb26 DPORT{443}");
}

TEST_CASE("qvm: IR of specialtarget=dns", "[qvm]") {
    CHECK(lower("accept specialtarget=dns") == "FAMILY{4,6} L4PROTO{6,17} DADDR{10.139.1.1,fd00::53} DPORT{53}");
    CHECK(lower("accept specialtarget=dns proto=udp") ==
          "FAMILY{4,6} L4PROTO{17} DADDR{10.139.1.1,fd00::53} DPORT{53}");
    CHECK(lower("accept specialtarget=dns dst4=10.0.0.0/8") == "FAMILY{4} L4PROTO{6,17} DADDR{10.139.1.1} DPORT{53}");
    CHECK(lower("accept specialtarget=dns dst6=fd00::/8 proto=tcp dstports=1-1024") ==
          "FAMILY{6} L4PROTO{6} DADDR{fd00::53} DPORT{53}");
    CHECK(lower("accept specialtarget=dns expire=+60") ==
          "FAMILY{4,6} L4PROTO{6,17} DADDR{10.139.1.1,fd00::53} DPORT{53} TIME{0-1700000059}");
    // An empty intersection: the rule stays but can never match.
    CHECK(lower("accept specialtarget=dns dst4=192.168.0.0/16") == "DADDR{}");
    // With a host name: a DNS server that is also in the name's set.
    CHECK(lower("accept specialtarget=dns example.com") ==
          "FAMILY{4,6} L4PROTO{6,17} DADDR{10.139.1.1,fd00::53} DADDR@dns.431ceb26 DPORT{53}");
    CHECK(lower("accept specialtarget=dns example.com", noServers0()) == "DADDR{}");
    CHECK(lower("accept specialtarget=dns proto=icmp") == "L4PROTO{}");
    CHECK(lower("accept specialtarget=dns proto=tcp dstports=80") == "DPORT{}");
    LowerContext noServers = context();
    noServers.dnsServers.clear();
    CHECK(lower("accept specialtarget=dns", noServers) == "DADDR{}");
    // A v4-mapped IPv6 network does not take in an IPv4 server.
    CHECK(lower("accept specialtarget=dns dst6=::ffff:0.0.0.0/96") == "DADDR{}");
}

TEST_CASE("qvm: IR of expire", "[qvm]") {
    CHECK(lower("drop proto=tcp expire=1800000000") == "L4PROTO{6} TIME{0-1799999999}");
}

TEST_CASE("qvm: IR ruleset of a VM", "[qvm]") {
    VmEntry vm;
    vm.name = "work";
    vm.ifaces = {{"tap0", false}, {"vnet", true}};
    std::vector<Rule> rules = {rule("accept 10.0.0.0/8 tcp 443"), rule("drop proto=udp")};
    Diagnostics d;
    std::optional<ir::Ruleset> rs = lowerVm(vm, rules, context(), d);
    REQUIRE(rs);
    CHECK(rs->name == "qvm:work");
    CHECK(rs->hooks == std::vector<pfw_hook>{PFW_HOOK_FORWARD});
    REQUIRE(rs->scope.size() == 2);
    CHECK(describe(rs->scope[0]) == "IIF=tap0");
    CHECK(describe(rs->scope[1]) == "IIF=vnet+");
    REQUIRE(rs->rules.size() == 4);

    const ir::Rule& est = rs->rules[0];
    CHECK(describe(est.matches) == "CTSTATE{2,4}");
    CHECK(est.action.kind == ir::Action::Kind::Accept);
    CHECK(est.loc == "qvm:work:established");
    CHECK(est.isDefault);

    CHECK(describe(rs->rules[1].matches) == "FAMILY{4} L4PROTO{6} DADDR{10.0.0.0-10.255.255.255} DPORT{443}");
    CHECK(rs->rules[1].action.kind == ir::Action::Kind::Accept);
    CHECK(rs->rules[1].loc == "qvm:work:0");
    CHECK(rs->rules[1].id == 0);
    CHECK_FALSE(rs->rules[1].isDefault);
    CHECK(describe(rs->rules[2].matches) == "L4PROTO{17}");
    CHECK(rs->rules[2].action.kind == ir::Action::Kind::Drop);
    CHECK(rs->rules[2].loc == "qvm:work:1");
    CHECK(rs->rules[2].id == 1);

    const ir::Rule& policy = rs->rules[3];
    CHECK(policy.matches.empty());
    CHECK(policy.action.kind == ir::Action::Kind::Drop);
    CHECK(policy.loc == "qvm:work:default");
    CHECK(policy.isDefault);

    // Callers can name the rules' locations themselves.
    rs = lowerVm(vm, rules, context(), d, {"f:3", "f:9"});
    REQUIRE(rs);
    CHECK(rs->rules[1].loc == "f:3");
    CHECK(rs->rules[2].loc == "f:9");
    CHECK(rs->rules[2].id == 1);
}

TEST_CASE("qvm: IR ruleset of names that do not resolve", "[qvm]") {
    VmEntry vm;
    vm.name = "work";
    vm.ifaces = {{"tap0", false}};
    std::vector<Rule> rules = {rule("accept a.invalid"), rule("accept example.com"), rule("accept dsthost=b.invalid")};
    Diagnostics d;
    auto rs = lowerVm(vm, rules, context(), d);
    REQUIRE(rs);
    CHECK(d.empty());
    REQUIRE(rs->rules.size() == 5);
    CHECK(describe(rs->rules[1].matches) == "FAMILY{4,6} DADDR@" + dnsSetName("a.invalid"));
    CHECK(describe(rs->rules[3].matches) == "FAMILY{4,6} DADDR@" + dnsSetName("b.invalid"));
}
