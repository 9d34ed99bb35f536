// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// core/CtFieldsTests.cpp
// Conntrack fields: the connection's direction, its mark (matched and set)
// and its original destination address and port (before DNAT, Shorewall's
// ORIGINAL DEST), from trace's packet words through the compiler and the
// interpreter, against the reference evaluator.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>

#include "decode/Disasm.h"
#include "driver/Compile.h"
#include "ir/RefEval.h"
#include "sim/PacketSpec.h"
#include "sim/SimHost.h"
#include "verify/Verify.h"

using namespace pfw;
using ir::Match;

namespace {

ir::Rule rule(std::vector<Match> m, ir::Action::Kind k, const char* loc) {
    ir::Rule r;
    r.matches = std::move(m);
    r.action.kind = k;
    r.loc = loc;
    return r;
}

// replies pass; port-forwarded web traffic (original destination
// 203.0.113.5:80) is marked on its connection and accepted; ctmark 7 is
// accepted; the rest dropped
ir::Program ctProgram() {
    ir::Program p;
    ir::Ruleset rs;
    rs.name = "ct";
    rs.hooks = {PFW_HOOK_FORWARD};
    rs.rules.push_back(rule({Match::equals(PFW_FLD_CTDIR, 1)}, ir::Action::Kind::Accept, "ct:reply"));
    ir::Rule fwd = rule({Match::equals(PFW_FLD_ODPORT, 80),
                         Match::inSet(PFW_FLD_ODADDR, {ir::prefixInterval(ir::v4Mapped(0xcb007105u), 128)})},
                        ir::Action::Kind::Accept, "ct:forwarded-web");
    ir::Effect mark;
    mark.kind = ir::Effect::Kind::SetCtMark;
    mark.mask = 0xff;
    mark.value = 0x42;
    fwd.action.effects.push_back(mark);
    rs.rules.push_back(fwd);
    rs.rules.push_back(rule({Match::masked(PFW_FLD_CTMARK, 0xff, 7)}, ir::Action::Kind::Accept, "ct:marked"));
    ir::Rule def = rule({}, ir::Action::Kind::Drop, "ct:default");
    def.isDefault = true;
    rs.rules.push_back(def);
    p.rulesets.push_back(rs);
    return p;
}

struct Outcome {
    uint32_t verdict, rule, ctmark;
    bool ctmarkSet;
};

Outcome trace(const std::vector<std::string>& words) {
    static ir::Program prog = ctProgram();
    static driver::CompileResult res = driver::compile(prog);
    REQUIRE(res.ok());
    pfw_prog p{};
    REQUIRE(verify::check(res.blob, &p) == "");
    Diagnostics d;
    auto spec = sim::parsePacket(words, d);
    REQUIRE(spec);
    pfw_pkt pkt;
    spec->toPkt(&pkt);
    ir::RefResult want = ir::refEvaluate(prog, pkt, PFW_HOOK_FORWARD);
    sim::SimHost host(p);
    pfw_run run;
    host.run(pkt, PFW_HOOK_FORWARD, run);
    CHECK(run.verdict == want.verdict);
    CHECK(run.rule == want.rule);
    CHECK(!!run.ctmark_set == want.ctmarkSet);
    if (want.ctmarkSet)
        CHECK(pkt.f[PFW_FLD_CTMARK] == want.ctmark);
    return {run.verdict, run.rule, pkt.f[PFW_FLD_CTMARK], run.ctmark_set != 0};
}

}  // namespace

TEST_CASE("ct fields: direction, original destination, connection mark", "[ct]") {
    // a reply of any connection
    auto o = trace({"proto", "tcp", "src", "10.0.0.2", "dst", "192.0.2.9", "state", "established", "ctdir", "reply"});
    CHECK(o.verdict == PFW_V_ACCEPT);
    CHECK(o.rule == 0);
    // a DNATed connection: now to 10.0.0.2:8080, originally to 203.0.113.5:80
    o = trace({"proto", "tcp", "dst", "10.0.0.2", "dport", "8080", "state", "new", "odst", "203.0.113.5", "odport",
               "80"});
    CHECK(o.verdict == PFW_V_ACCEPT);
    CHECK(o.rule == 1);
    CHECK(o.ctmarkSet);
    CHECK(o.ctmark == 0x42);
    // the same packet sent straight there is not the forwarded service
    o = trace({"proto", "tcp", "dst", "10.0.0.2", "dport", "8080", "state", "new"});
    CHECK(o.verdict == PFW_V_DROP);
    CHECK(!o.ctmarkSet);
    // by default the original destination is the packet's own
    o = trace({"proto", "tcp", "dst", "203.0.113.5", "dport", "80", "state", "new"});
    CHECK(o.rule == 1);
    // the connection's mark, keeping the bits SetCtMark does not touch
    o = trace({"proto", "udp", "dst", "10.0.0.3", "state", "established", "ctmark", "0x107"});
    CHECK(o.rule == 2);
    // untracked packets have no connection fields: nothing matches them
    o = trace({"proto", "tcp", "dst", "203.0.113.5", "dport", "80", "state", "untracked", "ctdir", "reply"});
    CHECK(o.verdict == PFW_V_DROP);
    CHECK(o.rule == 3);
}

TEST_CASE("ct fields: disassembly names them", "[ct]") {
    auto res = driver::compile(ctProgram());
    REQUIRE(res.ok());
    pfw_prog p{};
    REQUIRE(verify::check(res.blob, &p) == "");
    std::string text = decode::disassemble(p);
    CHECK(text.find("cmp ctdir 1") != std::string::npos);
    CHECK(text.find("odport") != std::string::npos);
    CHECK(text.find("odaddr") != std::string::npos);
    CHECK(text.find("set_ctmark & ~0xff | 0x42") != std::string::npos);
    CHECK(text.find("ctmark") != std::string::npos);
}
