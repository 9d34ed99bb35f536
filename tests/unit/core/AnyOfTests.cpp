// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// core/AnyOfTests.cpp
// Any-of matches: one rule, one RULE instruction and one counter, whichever
// alternative holds; effects once; negation inside and outside; degenerate
// cases; the disassembly.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>

#include <cstring>

#include "decode/Disasm.h"
#include "driver/Compile.h"
#include "ir/RefEval.h"
#include "sim/SimHost.h"
#include "verify/Verify.h"

using namespace pfw;
using ir::Match;

namespace {

pfw_pkt packet(const char* iif, uint32_t proto, uint32_t dport, uint32_t daddr = 0x0a000001) {
    pfw_pkt p;
    pfw_pkt_init(&p);
    p.f[PFW_FLD_FAMILY] = 4;
    p.f[PFW_FLD_L4PROTO] = proto;
    p.f[PFW_FLD_SPORT] = 40000;
    p.f[PFW_FLD_DPORT] = dport;
    p.f[PFW_FLD_L4OK] = 1;
    p.f[PFW_FLD_CTSTATE] = PFW_CT_NEW;
    p.f[PFW_FLD_HOOK] = PFW_HOOK_FORWARD;
    uint32_t s[4] = {0, 0, 0xffff, 0x0a0000fe}, d[4] = {0, 0, 0xffff, daddr};
    std::memcpy(p.addr[0], s, sizeof(s));
    std::memcpy(p.addr[1], d, sizeof(d));
    std::strncpy(p.ifn[0], iif, PFW_IFNAMSIZ - 1);
    p.len = 60;
    return p;
}

ir::Rule rule(std::vector<Match> ms, ir::Action::Kind k, uint32_t id) {
    ir::Rule r;
    r.matches = std::move(ms);
    r.action.kind = k;
    r.id = id;
    r.loc = "t:" + std::to_string(id);
    return r;
}

ir::Effect setMark(uint32_t v) {
    ir::Effect e;
    e.kind = ir::Effect::Kind::SetMark;
    e.mask = 0xff;
    e.value = v;
    return e;
}

struct Compiled {
    driver::CompileResult res;
    pfw_prog p{};
};

void compileInto(const ir::Program& prog, Compiled& c, bool optimize = true) {
    driver::CompileOptions o;
    o.optimize = optimize;
    c.res = driver::compile(prog, o);
    REQUIRE(c.res.error == "");
    REQUIRE(verify::check(c.res.blob, &c.p) == "");
}

size_t countOp(const pfw_prog& p, uint8_t op, uint32_t arg) {
    size_t n = 0;
    for (uint32_t i = 0; i < p.n_insns; i++)
        n += p.insns[i].op == op && p.insns[i].arg == arg;
    return n;
}

// "iif eth0 or vnet+ or (not proto tcp)", then a drop: a counting rule.
ir::Program interfaceProgram() {
    ir::Program prog;
    ir::Ruleset rs;
    rs.name = "t";
    rs.hooks = {PFW_HOOK_FORWARD};
    auto any = Match::anyOf({Match::ifname(PFW_FLD_IIF, "eth0"), Match::ifname(PFW_FLD_IIF, "vnet+"),
                             Match::equals(PFW_FLD_L4PROTO, 6, true)});
    ir::Rule r0 = rule({any, Match::inSet(PFW_FLD_DPORT, {{22, 22}, {80, 80}})}, ir::Action::Kind::Continue, 1);
    r0.action.effects = {setMark(7)};
    rs.rules.push_back(r0);
    rs.rules.push_back(rule({Match::masked(PFW_FLD_MARK, 0xff, 7)}, ir::Action::Kind::Drop, 2));
    prog.rulesets.push_back(rs);
    return prog;
}

}  // namespace

TEST_CASE("any-of: one RULE and one counter whichever alternative holds, effects once", "[anyof]") {
    for (bool optimize : {true, false}) {
        ir::Program prog = interfaceProgram();
        Compiled c;
        compileInto(prog, c, optimize);
        // the rule is not copied
        CHECK(countOp(c.p, PFW_OP_RULE, 0) == 1);
        size_t marks = 0;
        for (uint32_t i = 0; i < c.p.n_insns; i++)
            marks += c.p.insns[i].op == PFW_OP_SET_MARK;
        CHECK(marks == 1);
        sim::SimHost host(c.p);
        struct Case {
            const char* iif;
            uint32_t proto, dport;
            bool hit;
        } cases[] = {
            {"eth0", 6, 22, true},    // first alternative
            {"vnet7", 6, 80, true},   // second (a prefix)
            {"tap0", 17, 22, true},   // third (negated: not tcp)
            {"tap0", 6, 22, false},   // none
            {"eth0", 6, 443, false},  // the other match fails
            {"eth0", 17, 80, true},   // several alternatives at once
        };
        uint64_t expect = 0;
        for (const auto& k : cases) {
            INFO(k.iif << " " << k.proto << " " << k.dport << " optimize " << optimize);
            pfw_pkt pkt = packet(k.iif, k.proto, k.dport), copy = pkt;
            ir::RefResult want = ir::refEvaluate(prog, copy, PFW_HOOK_FORWARD);
            pfw_run run;
            host.run(pkt, PFW_HOOK_FORWARD, run);
            CHECK(run.verdict == want.verdict);
            CHECK(run.rule == want.rule);
            CHECK(pkt.f[PFW_FLD_MARK] == want.mark);
            CHECK(run.verdict == (k.hit ? PFW_V_DROP : PFW_V_ACCEPT));
            CHECK(pkt.f[PFW_FLD_MARK] == (k.hit ? 7u : 0u));
            expect += k.hit;
            CHECK(host.counters[0].packets == expect);
            CHECK(host.counters[1].packets == expect);
        }
    }
}

TEST_CASE("any-of: negated, and negation inside the alternatives", "[anyof]") {
    ir::Program prog;
    ir::Ruleset rs;
    rs.name = "t";
    rs.hooks = {PFW_HOOK_FORWARD};
    // not (iif eth0 or dport 22..23 or not daddr 10.0.0.0/24): accept
    auto none = Match::anyOf({Match::ifname(PFW_FLD_IIF, "eth0"), Match::inSet(PFW_FLD_DPORT, {{22, 23}}),
                              Match::inSet(PFW_FLD_DADDR, {ir::prefixInterval(ir::v4Mapped(0x0a000000), 120)},
                                           true)},
                             true);
    rs.rules.push_back(rule({none}, ir::Action::Kind::Accept, 1));
    rs.rules.push_back(rule({}, ir::Action::Kind::Drop, 2));
    prog.rulesets.push_back(rs);
    Compiled c;
    compileInto(prog, c);
    sim::SimHost host(c.p);
    struct Case {
        const char* iif;
        uint32_t dport, daddr;
        uint32_t verdict;
    } cases[] = {
        {"tap0", 80, 0x0a000005, PFW_V_ACCEPT},  // none holds
        {"eth0", 80, 0x0a000005, PFW_V_DROP},
        {"tap0", 23, 0x0a000005, PFW_V_DROP},
        {"tap0", 80, 0x0a000105, PFW_V_DROP},  // outside the /24: the negated alternative holds
    };
    for (const auto& k : cases) {
        pfw_pkt pkt = packet(k.iif, 6, k.dport, k.daddr);
        ir::RefResult want = ir::refEvaluate(prog, pkt, PFW_HOOK_FORWARD);
        pfw_run run;
        host.run(pkt, PFW_HOOK_FORWARD, run);
        CHECK(want.verdict == k.verdict);
        CHECK(run.verdict == k.verdict);
        CHECK(run.rule == want.rule);
    }
}

TEST_CASE("any-of: degenerate cases", "[anyof]") {
    auto single = [](std::vector<Match> ms) {
        ir::Program prog;
        ir::Ruleset rs;
        rs.name = "t";
        rs.hooks = {PFW_HOOK_FORWARD};
        rs.rules.push_back(rule(std::move(ms), ir::Action::Kind::Drop, 1));
        prog.rulesets.push_back(rs);
        return prog;
    };
    pfw_pkt pkt = packet("eth0", 6, 22);
    auto verdictOf = [&](const ir::Program& prog) {
        Compiled c;
        compileInto(prog, c);
        sim::SimHost host(c.p);
        pfw_pkt copy = pkt;
        pfw_run run;
        host.run(copy, PFW_HOOK_FORWARD, run);
        CHECK(run.verdict == ir::refEvaluate(prog, pkt, PFW_HOOK_FORWARD).verdict);
        return run.verdict;
    };
    // no alternatives never holds; negated, always
    CHECK(verdictOf(single({Match::anyOf({})})) == PFW_V_ACCEPT);
    CHECK(verdictOf(single({Match::anyOf({}, true)})) == PFW_V_DROP);
    // one alternative is that alternative
    CHECK(verdictOf(single({Match::anyOf({Match::ifname(PFW_FLD_IIF, "eth0")})})) == PFW_V_DROP);
    CHECK(verdictOf(single({Match::anyOf({Match::ifname(PFW_FLD_IIF, "eth1")})})) == PFW_V_ACCEPT);
    // an alternative that is itself a constant (an empty set, every port)
    CHECK(verdictOf(single({Match::anyOf({Match::inSet(PFW_FLD_DPORT, {}), Match::inSet(PFW_FLD_SPORT, {{0, 0xffffffff}})})})) ==
          PFW_V_DROP);
    CHECK(verdictOf(single({Match::anyOf({Match::inSet(PFW_FLD_DPORT, {}), Match::ifname(PFW_FLD_IIF, "x")})})) ==
          PFW_V_ACCEPT);
    // nesting is refused with a message, not miscompiled
    auto nested = single({Match::anyOf({Match::anyOf({Match::ifname(PFW_FLD_IIF, "eth0")})})});
    auto res = driver::compile(nested);
    CHECK_FALSE(res.ok());
    CHECK(res.error.find("any-of") != std::string::npos);
}

TEST_CASE("any-of: alternatives on one dimension join the classifier as one set", "[anyof]") {
    ir::Program prog;
    ir::Ruleset rs;
    rs.name = "t";
    rs.hooks = {PFW_HOOK_FORWARD};
    for (uint32_t i = 0; i < 8; i++)
        rs.rules.push_back(rule({Match::equals(PFW_FLD_L4PROTO, 6),
                                 Match::anyOf({Match::equals(PFW_FLD_DPORT, 1000 + i),
                                               Match::inSet(PFW_FLD_DPORT, {{2000 + i, 2000 + i}})})},
                                ir::Action::Kind::Accept, i));
    rs.rules.push_back(rule({}, ir::Action::Kind::Drop, 99));
    prog.rulesets.push_back(rs);
    Compiled c;
    compileInto(prog, c);
    CHECK(c.p.n_cls == 1);
    // no residual tests: no interface, no port test outside the classifier
    for (uint32_t i = 0; i < c.p.n_insns; i++)
        CHECK(!(c.p.insns[i].op == PFW_OP_CMP && (c.p.insns[i].field & 0x7f) == PFW_FLD_DPORT));
    sim::SimHost host(c.p);
    for (uint32_t port : {1003u, 2005u, 1500u, 2008u}) {
        pfw_pkt pkt = packet("eth0", 6, port), copy = pkt;
        pfw_run run;
        host.run(pkt, PFW_HOOK_FORWARD, run);
        ir::RefResult want = ir::refEvaluate(prog, copy, PFW_HOOK_FORWARD);
        CHECK(run.rule == want.rule);
        CHECK(run.verdict == want.verdict);
    }
}

TEST_CASE("any-of: the disassembly is one chain of tests before one RULE", "[anyof]") {
    Compiled c;
    compileInto(interfaceProgram(), c, false);
    std::string d = decode::disassemble(c.p);
    INFO(d);
    CHECK(d.find("eth0") != std::string::npos);
    CHECK(d.find("vnet") != std::string::npos);
    // tests first: the first instruction is an interface test, the RULE
    // comes after the three alternatives and the port test
    CHECK(c.p.insns[0].op == PFW_OP_IFNAME);
    CHECK((c.p.insns[0].field & PFW_F_INV) != 0);  // a hit jumps to the rest of the rule
    CHECK(c.p.insns[1].op == PFW_OP_IFNAME);
    CHECK(c.p.insns[2].op == PFW_OP_CMP);  // not tcp, the last: fails to the next rule
    CHECK((c.p.insns[2].field & PFW_F_INV) != 0);
    uint32_t rulePc = 0;
    while (rulePc < c.p.n_insns && c.p.insns[rulePc].op != PFW_OP_RULE)
        rulePc++;
    CHECK(rulePc >= 4);
    // both alternatives that hold land at the port tests right after the chain
    CHECK(1 + c.p.insns[0].jf == 3);
    CHECK(2 + c.p.insns[1].jf == 3);
}
