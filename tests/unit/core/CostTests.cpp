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
