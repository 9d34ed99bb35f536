// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// core/StateTests.cpp
// Stateful rules: keep-state (STATE_ADD, with limits) and check-state
// (STATE_CHECK to the parent's action), against the reference evaluator's
// state table over sequences of packets of the same flows.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>

#include <cstring>

#include "RandomRules.h"
#include "decode/Disasm.h"
#include "driver/Compile.h"
#include "ir/RefEval.h"
#include "sim/SimHost.h"
#include "verify/Verify.h"

using namespace pfw;
using ir::Match;

namespace {

pfw_pkt tcp(uint32_t src, uint32_t dst, uint32_t sport, uint32_t dport, const char* iif = "eth0") {
    pfw_pkt p;
    pfw_pkt_init(&p);
    p.f[PFW_FLD_FAMILY] = 4;
    p.f[PFW_FLD_L4PROTO] = 6;
    p.f[PFW_FLD_SPORT] = sport;
    p.f[PFW_FLD_DPORT] = dport;
    p.f[PFW_FLD_L4OK] = 1;
    p.f[PFW_FLD_CTSTATE] = PFW_CT_NEW;
    p.f[PFW_FLD_HOOK] = PFW_HOOK_FORWARD;
    uint32_t s[4] = {0, 0, 0xffff, src}, d[4] = {0, 0, 0xffff, dst};
    std::memcpy(p.addr[0], s, sizeof(s));
    std::memcpy(p.addr[1], d, sizeof(d));
    std::strncpy(p.ifn[0], iif, PFW_IFNAMSIZ - 1);
    p.len = 60;
    return p;
}

pfw_pkt reply(const pfw_pkt& p, const char* iif = "eth1") {
    pfw_pkt r = p;
    std::memcpy(r.addr[0], p.addr[1], sizeof(r.addr[0]));
    std::memcpy(r.addr[1], p.addr[0], sizeof(r.addr[1]));
    r.f[PFW_FLD_SPORT] = p.f[PFW_FLD_DPORT];
    r.f[PFW_FLD_DPORT] = p.f[PFW_FLD_SPORT];
    std::memset(r.ifn[0], 0, PFW_IFNAMSIZ);
    std::strncpy(r.ifn[0], iif, PFW_IFNAMSIZ - 1);
    return r;
}

ir::Rule rule(std::vector<Match> ms, ir::Action::Kind k, uint32_t id, bool keep = false, uint32_t limit = 0) {
    ir::Rule r;
    r.matches = std::move(ms);
    r.action.kind = k;
    r.id = id;
    r.loc = "t:" + std::to_string(id);
    r.keepState = keep;
    r.stateLimit = limit;
    return r;
}

ir::Program program(std::vector<ir::Rule> rules) {
    ir::Program prog;
    ir::Ruleset rs;
    rs.name = "t";
    rs.hooks = {PFW_HOOK_FORWARD};
    rs.rules = std::move(rules);
    prog.rulesets.push_back(rs);
    return prog;
}

// Runs packets through the bytecode and the reference, each with its own
// state table, and checks they agree; returns the deciding rules.
struct Pair {
    driver::CompileResult res;
    pfw_prog p{};
    std::unique_ptr<sim::SimHost> host;
    ir::RefStates states;
    ir::Program prog;

    explicit Pair(ir::Program pr, bool optimize = true) : prog(std::move(pr)) {
        driver::CompileOptions o;
        o.optimize = optimize;
        res = driver::compile(prog, o);
        REQUIRE(res.error == "");
        REQUIRE(verify::check(res.blob, &p) == "");
        host = std::make_unique<sim::SimHost>(p);
    }

    size_t found = 0;  // reference lookups that found a state

    pfw_run run(pfw_pkt pkt) {
        unsigned hook = pkt.f[PFW_FLD_HOOK];
        ir::RefHooks hooks = states.hooks();
        hooks.stateLookup = [this](const pfw_pkt& x, uint32_t* parent) {
            bool r = states.lookup(x, parent);
            found += r;
            return r;
        };
        ir::RefResult want = ir::refEvaluate(prog, pkt, hook, hooks);
        pfw_run r;
        host->run(pkt, hook, r);
        CHECK(r.verdict == want.verdict);
        CHECK(r.rule == want.rule);
        CHECK(r.param == want.param);
        CHECK(pkt.f[PFW_FLD_MARK] == want.mark);
        CHECK(r.error == PFW_ERR_NONE);
        CHECK(r.steps <= p.hook_cost[hook]);
        return r;
    }
};

size_t countOp(const pfw_prog& p, uint8_t op, uint32_t arg) {
    size_t n = 0;
    for (uint32_t i = 0; i < p.n_insns; i++)
        n += p.insns[i].op == op && p.insns[i].arg == arg;
    return n;
}

}  // namespace

TEST_CASE("state: keep-state, then check-state lets the reply through as the parent", "[state]") {
    for (bool optimize : {true, false}) {
        // 0 check-state; 1 tcp dport 80 from eth0 keep-state accept; 2 drop
        Pair t(program({rule({}, ir::Action::Kind::CheckState, 10),
                        rule({Match::equals(PFW_FLD_DPORT, 80), Match::ifname(PFW_FLD_IIF, "eth0")},
                             ir::Action::Kind::Accept, 20, true),
                        rule({}, ir::Action::Kind::Drop, 30)}),
               optimize);
        pfw_pkt syn = tcp(0x0a000001, 0x5db8d822, 40000, 80);
        pfw_pkt back = reply(syn);
        // before any state the reply is dropped
        CHECK(t.run(back).verdict == PFW_V_DROP);
        pfw_run r = t.run(syn);
        CHECK(r.verdict == PFW_V_ACCEPT);
        CHECK(r.rule == 1);
        CHECK(t.states.size() == 1);
        r = t.run(back);
        CHECK(r.verdict == PFW_V_ACCEPT);
        CHECK(r.rule == 1);  // the parent decides and is counted
        CHECK(t.host->counters[0].packets == 0);
        CHECK(t.host->counters[1].packets == 2);
        // the original direction again: check-state too
        CHECK(t.run(syn).rule == 1);
        // another flow's reply is not let through
        CHECK(t.run(reply(tcp(0x0a000001, 0x5db8d822, 40001, 80))).verdict == PFW_V_DROP);
    }
}

TEST_CASE("state: a parent rule before and after the check-state", "[state]") {
    ir::Rule before = rule({Match::equals(PFW_FLD_DPORT, 22)}, ir::Action::Kind::Accept, 1, true);
    ir::Effect ef;
    ef.kind = ir::Effect::Kind::SetMark;
    ef.mask = 0xff;
    ef.value = 5;
    before.action.effects = {ef};
    Pair t(program({before, rule({}, ir::Action::Kind::CheckState, 2),
                    rule({Match::equals(PFW_FLD_DPORT, 80)}, ir::Action::Kind::Reject, 3, true),
                    rule({}, ir::Action::Kind::Drop, 4)}));
    // the earlier parent's action block is copied after the STATE_CHECK
    // (same RULE index), its tests are not
    CHECK(countOp(t.p, PFW_OP_RULE, 0) == 2);
    CHECK(countOp(t.p, PFW_OP_RULE, 2) == 1);
    size_t checks = 0, adds = 0;
    for (uint32_t i = 0; i < t.p.n_insns; i++) {
        checks += t.p.insns[i].op == PFW_OP_STATE_CHECK;
        adds += t.p.insns[i].op == PFW_OP_STATE_ADD;
        if (t.p.insns[i].op == PFW_OP_STATE_CHECK)
            CHECK(t.p.pool[t.p.insns[i].arg] == 2);  // two (parent, target) pairs
    }
    CHECK(checks == 1);
    CHECK(adds == 2);
    std::string d = decode::disassemble(t.p);
    INFO(d);
    pfw_pkt ssh = tcp(0x0a000001, 0x0a000002, 40000, 22), web = tcp(0x0a000001, 0x0a000002, 40001, 80);
    CHECK(t.run(reply(ssh)).verdict == PFW_V_DROP);
    CHECK(t.run(ssh).rule == 0);
    pfw_pkt rs = reply(ssh);
    pfw_run r = t.run(rs);
    CHECK(r.verdict == PFW_V_ACCEPT);
    CHECK(r.rule == 0);
    CHECK(t.host->counters[0].packets == 2);
    CHECK(t.run(web).verdict == PFW_V_REJECT);
    r = t.run(reply(web));
    CHECK(r.verdict == PFW_V_REJECT);
    CHECK(r.rule == 2);
}

TEST_CASE("state: a limit refuses the N+1th flow from one source", "[state]") {
    const uint32_t lim = PFW_STATE_LIM_SRCADDR | 3;
    Pair t(program({rule({}, ir::Action::Kind::CheckState, 1),
                    rule({Match::equals(PFW_FLD_DPORT, 80)}, ir::Action::Kind::Accept, 2, true, lim),
                    rule({}, ir::Action::Kind::Drop, 3)}));
    for (uint32_t n = 0; n < 5; n++) {
        pfw_run r = t.run(tcp(0x0a000001, 0x0a000002, 40000 + n, 80));
        INFO("flow " << n);
        CHECK(r.verdict == (n < 3 ? PFW_V_ACCEPT : PFW_V_DROP));
        CHECK(r.rule == (n < 3 ? 1u : 2u));
    }
    // a flow that has its state is not a new one
    CHECK(t.run(tcp(0x0a000001, 0x0a000002, 40001, 80)).verdict == PFW_V_ACCEPT);
    // another source has its own count
    CHECK(t.run(tcp(0x0a000009, 0x0a000002, 40000, 80)).verdict == PFW_V_ACCEPT);
    CHECK(t.states.size() == 4);
}

TEST_CASE("state: what cannot be lowered is refused", "[state]") {
    auto err = [](ir::Rule r) {
        auto res = driver::compile(program({r, rule({}, ir::Action::Kind::Drop, 9)}));
        return res.error;
    };
    CHECK(err(rule({}, ir::Action::Kind::Continue, 1, true)).find("keep-state") != std::string::npos);
    CHECK(err(rule({}, ir::Action::Kind::CheckState, 1, true)).find("keep-state") != std::string::npos);
    CHECK(err(rule({}, ir::Action::Kind::Accept, 1, true, PFW_STATE_LIM_SRCADDR)).find("limit") !=
          std::string::npos);
    CHECK(err(rule({}, ir::Action::Kind::Accept, 1, true, 5)).find("limit") != std::string::npos);
    CHECK(err(rule({}, ir::Action::Kind::Accept, 1, false, PFW_STATE_LIM_SRCADDR | 1)).find("limit") !=
          std::string::npos);
    // a check-state with no keep-state rule in its ruleset never matches
    Pair t(program({rule({}, ir::Action::Kind::CheckState, 1), rule({}, ir::Action::Kind::Accept, 2)}));
    CHECK(t.run(tcp(1, 2, 3, 4)).rule == 1);
}

TEST_CASE("state: random stateful programs over flows agree with the reference", "[state][differential]") {
    testing::Gen g(77);
    const uint32_t fields[] = {PFW_STATE_LIM_SRCADDR, PFW_STATE_LIM_DSTADDR, PFW_STATE_LIM_SRCPORT,
                               PFW_STATE_LIM_DSTPORT};
    size_t found = 0, states = 0;
    for (int n = 0; n < 300; n++) {
        ir::Program prog = g.randomProgram(2, 12);
        for (auto& rs : prog.rulesets) {
            if (g.chance(40)) {
                // a check-state first, as ipfw rule sets often begin
                for (auto& r : rs.rules)
                    if (r.action.kind == ir::Action::Kind::Skip)
                        r.action.skipTo++;
                rs.rules.insert(rs.rules.begin(), rule({}, ir::Action::Kind::CheckState, 0));
            }
            for (auto& r : rs.rules) {
                if (r.action.terminal() && g.chance(25)) {
                    r.keepState = true;
                    if (g.chance(40))
                        r.stateLimit = (fields[g.pick(4)] | fields[g.pick(4)]) | (1 + g.pick(3));
                } else if (g.chance(15)) {
                    r.action.kind = ir::Action::Kind::CheckState;
                    r.action.effects.clear();
                }
            }
        }
        INFO("program " << n);
        Pair t(prog, g.chance(70));
        std::vector<pfw_pkt> seen;
        for (int k = 0; k < 60; k++) {
            pfw_pkt pkt;
            unsigned how = seen.empty() ? 0 : g.pick(10);
            if (how < 4) {
                pkt = g.randomPacket();
            } else {
                pkt = seen[g.pick(static_cast<uint32_t>(seen.size()))];
                if (how < 7)
                    pkt = reply(pkt, g.u.ifaces[g.pick(static_cast<uint32_t>(g.u.ifaces.size()))].c_str());
                else if (how < 8 && pkt.f[PFW_FLD_SPORT] != PFW_NONE16)
                    pkt.f[PFW_FLD_SPORT] = 1024 + g.pick(4);  // another flow from the same source
                pkt.f[PFW_FLD_MARK] = g.pick(8);
            }
            seen.push_back(pkt);
            INFO("packet " << k);
            t.run(pkt);
        }
        found += t.found;
        states += t.states.size();
    }
    // the flows do reach check-state rules with states
    CHECK(found > 500);
    CHECK(states > 500);
    WARN("lookups that found a state: " << found << ", states made: " << states);
}
