// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// core/CostTests.cpp
// The verifier's worst-case cost against what the compiler produces, and the
// interpreter's budget: a run never spends more than the verified cost, and
// one given less budget ends failing closed.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>

#include "RealisticRules.h"
#include "RandomRules.h"
#include "driver/Compile.h"
#include "sim/SimHost.h"
#include "verify/Verify.h"

using namespace pfw;

TEST_CASE("cost: the compiler's realistic programs fit well inside the budget", "[cost]") {
    for (size_t n : {10u, 1000u, 10000u, 100000u}) {
        auto res = driver::compile(bench::realisticProgram(n));
        REQUIRE(res.ok());
        pfw_prog p{};
        REQUIRE(verify::check(res.blob, &p) == "");
        INFO(n << " rules: cost " << p.cost);
        WARN(n << " rules: worst-case cost " << p.cost);
        CHECK(p.cost > 0);
        CHECK(p.cost <= PFW_MAX_COST / 8);
    }
}

TEST_CASE("cost: a run with less budget than it needs fails closed", "[cost]") {
    testing::Gen g(11);
    size_t cut = 0;
    for (int n = 0; n < 200; n++) {
        ir::Program prog = g.randomProgram(2, 40);
        auto res = driver::compile(prog);
        REQUIRE(res.ok());
        pfw_prog p{};
        REQUIRE(verify::check(res.blob, &p) == "");
        sim::SimHost full(p), tight(p);
        for (int k = 0; k < 50; k++) {
            pfw_pkt pkt = g.randomPacket(), copy = pkt;
            unsigned hook = pkt.f[PFW_FLD_HOOK];
            pfw_run run;
            full.run(pkt, hook, run);
            REQUIRE(run.error == PFW_ERR_NONE);
            REQUIRE(run.steps <= p.hook_cost[hook]);
            if (run.steps < 2)
                continue;
            // one unit short of what this run needs
            tight.budget = run.steps - 1;
            pfw_run short_run;
            tight.run(copy, hook, short_run);
            REQUIRE(short_run.verdict == PFW_V_ERROR);
            REQUIRE(short_run.error == PFW_ERR_BUDGET);
            REQUIRE(short_run.steps <= run.steps);
            cut++;
        }
    }
    CHECK(cut > 1000);
}

TEST_CASE("cost: a classifier over the budget falls back to linear code", "[cost]") {
    // 3,000 rules with the same box and a residual test that can fail: every
    // block can resume the lookup, and each lookup may scan the whole leaf.
    ir::Program prog;
    ir::Ruleset rs;
    rs.name = "t";
    rs.hooks = {PFW_HOOK_FORWARD};
    for (uint32_t i = 0; i < 3000; i++) {
        ir::Rule r;
        r.matches = {ir::Match::equals(PFW_FLD_L4PROTO, 6), ir::Match::equals(PFW_FLD_DPORT, 80),
                     ir::Match::equals(PFW_FLD_MARK, i)};
        r.action.kind = ir::Action::Kind::Accept;
        r.loc = "t:" + std::to_string(i);
        rs.rules.push_back(r);
    }
    prog.rulesets.push_back(rs);
    auto res = driver::compile(prog);
    REQUIRE(res.ok());
    REQUIRE(res.warnings.size() == 1);
    CHECK(res.warnings[0].find("compiled as linear tests") != std::string::npos);
    CHECK(res.stats.classifiers == 0);
    CHECK(res.stats.cost <= PFW_MAX_COST);
    // and it still decides as the rules say
    pfw_prog p{};
    REQUIRE(verify::check(res.blob, &p) == "");
    sim::SimHost host(p);
    pfw_pkt pkt;
    pfw_pkt_init(&pkt);
    pkt.f[PFW_FLD_FAMILY] = 4;
    pkt.f[PFW_FLD_L4PROTO] = 6;
    pkt.f[PFW_FLD_DPORT] = 80;
    pkt.f[PFW_FLD_MARK] = 2999;
    pfw_run run;
    host.run(pkt, PFW_HOOK_FORWARD, run);
    CHECK(run.verdict == PFW_V_ACCEPT);
    CHECK(run.rule == 2999);
}
