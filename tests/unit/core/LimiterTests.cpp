// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// core/LimiterTests.cpp
// Limiter rates per second, minute, hour and day: what the verifier accepts
// and how a bucket refills (the simulator's buckets, on the packet clock).
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>

#include "ProgBuilder.h"
#include "driver/Compile.h"
#include "sim/SimHost.h"
#include "verify/Verify.h"

using namespace pfw;
using testing::I;
using testing::ProgBuilder;

namespace {

// LIMIT 0 passes -> accept (rule 0); over the limit -> drop (rule 1).
ProgBuilder limitProg(uint32_t rate, uint32_t burst, uint32_t flags) {
    ProgBuilder b;
    b.rules = {{0, 0, 1, 0}, {1, 0, 2, 0}};
    b.lims = {{rate, burst, flags, 7}};
    b.insns = {I(PFW_OP_LIMIT, 0, 2, 0), I(PFW_OP_RULE, 0, 0, 0), I(PFW_OP_ACCEPT), I(PFW_OP_RULE, 0, 0, 1),
               I(PFW_OP_DROP)};
    return b;
}

}  // namespace

TEST_CASE("limiter: periods of a minute, an hour and a day", "[limiter]") {
    struct {
        uint32_t flags, period;
    } periods[] = {{PFW_LIM_PERIOD_SECOND, 1},
                   {PFW_LIM_PERIOD_MINUTE, 60},
                   {PFW_LIM_PERIOD_HOUR, 3600},
                   {PFW_LIM_PERIOD_DAY, 86400}};
    for (auto [flags, period] : periods) {
        INFO("period " << period << " s");
        CHECK(pfw_lim_period(flags) == period);
        // 2 a period, burst 2
        auto blob = limitProg(2, 2, flags).build();
        pfw_prog p{};
        REQUIRE(verify::check(blob, &p) == "");
        sim::SimHost host(p);
        auto at = [&](uint32_t t) {
            pfw_pkt pkt;
            pfw_pkt_init(&pkt);
            pkt.f[PFW_FLD_TIME] = t;
            pfw_run run;
            host.run(pkt, PFW_HOOK_FORWARD, run);
            return run.verdict;
        };
        uint32_t t0 = 1000000;
        CHECK(at(t0) == PFW_V_ACCEPT);
        CHECK(at(t0) == PFW_V_ACCEPT);
        CHECK(at(t0) == PFW_V_DROP);  // burst spent
        if (period == 1) {  // the packet clock counts whole seconds
            CHECK(at(t0 + 1) == PFW_V_ACCEPT);
            CHECK(at(t0 + 1) == PFW_V_ACCEPT);
            CHECK(at(t0 + 1) == PFW_V_DROP);
            continue;
        }
        // half a period gives back one token: 2 a period
        CHECK(at(t0 + period / 2) == PFW_V_ACCEPT);
        CHECK(at(t0 + period / 2) == PFW_V_DROP);
        CHECK(at(t0 + period / 2 + period) == PFW_V_ACCEPT);
        CHECK(at(t0 + period / 2 + period) == PFW_V_ACCEPT);
        CHECK(at(t0 + period / 2 + period) == PFW_V_DROP);
    }
}

TEST_CASE("limiter: the verifier bounds flags and burst times period", "[limiter][verifier]") {
    CHECK(verify::check(limitProg(1, 1, 0x1000).build()) ==
          "limiter 0: rate and burst must be non-zero, flags known");
    CHECK(verify::check(limitProg(0, 1, 0).build()) == "limiter 0: rate and burst must be non-zero, flags known");
    // nanosecond buckets: burst * period seconds must stay under 2^64 / 10^9
    CHECK(verify::check(limitProg(1, 213503, PFW_LIM_PERIOD_DAY).build()) == "");
    CHECK(verify::check(limitProg(1, 213504, PFW_LIM_PERIOD_DAY).build()) ==
          "limiter 0: a burst of 213504 over a period of 86400 s is too large");
    CHECK(verify::check(limitProg(1, 0xffffffffu, PFW_LIM_PERIOD_SECOND | PFW_LIM_BYTES).build()) == "");
}

TEST_CASE("limiter: one bucket per rule, whatever hooks the rule runs at", "[limiter]") {
    ir::Program prog;
    ir::Ruleset rs;
    rs.name = "lim";
    rs.hooks = {PFW_HOOK_INPUT, PFW_HOOK_FORWARD, PFW_HOOK_OUTPUT};
    ir::Rule r;
    ir::Match m;
    m.kind = ir::Match::Kind::Limit;
    m.limit = {3, 3, PFW_LIM_PERIOD_MINUTE};
    r.matches = {m};
    r.action.kind = ir::Action::Kind::Accept;
    r.loc = "lim:1";
    rs.rules.push_back(r);
    ir::Rule other = r;
    other.matches[0].limit = {5, 5, 0};
    other.loc = "lim:2";
    rs.rules.push_back(other);
    ir::Rule def;
    def.action.kind = ir::Action::Kind::Drop;
    def.loc = "lim:default";
    rs.rules.push_back(def);
    prog.rulesets.push_back(rs);
    auto res = driver::compile(prog);
    REQUIRE(res.ok());
    pfw_prog p{};
    REQUIRE(verify::check(res.blob, &p) == "");
    REQUIRE(p.n_lims == 2);  // not one per hook
    // the hooks draw from one bucket: 3 a minute in all
    sim::SimHost host(p);
    unsigned hooks[] = {PFW_HOOK_INPUT, PFW_HOOK_FORWARD, PFW_HOOK_OUTPUT, PFW_HOOK_FORWARD};
    uint32_t rules[4];
    for (int i = 0; i < 4; i++) {
        pfw_pkt pkt;
        pfw_pkt_init(&pkt);
        pkt.f[PFW_FLD_TIME] = 5000;
        pfw_run run;
        host.run(pkt, hooks[i], run);
        rules[i] = run.rule;
    }
    CHECK(rules[0] == 0);
    CHECK(rules[1] == 0);
    CHECK(rules[2] == 0);
    CHECK(rules[3] == 1);  // the first bucket is empty, whichever hook asks
}
