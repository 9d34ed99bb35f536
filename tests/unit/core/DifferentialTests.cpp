// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// core/DifferentialTests.cpp
// Compiled bytecode against the reference evaluator on random programs.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>

#include "RandomRules.h"
#include "RealisticRules.h"
#include "decode/Disasm.h"
#include "driver/Compile.h"
#include "ir/RefEval.h"
#include "sim/SimHost.h"
#include "verify/Verify.h"

using namespace pfw;

namespace {

// What a failing case looks like, for the person who has to fix it.
std::string describe(const ir::Program& prog, const pfw_prog& p, const pfw_pkt& pkt) {
    std::string s = decode::disassemble(p);
    s += "packet: family " + std::to_string(pkt.f[PFW_FLD_FAMILY]) + " proto " +
         std::to_string(pkt.f[PFW_FLD_L4PROTO]) + " src " + decode::formatAddr(pkt.addr[0]) + " dst " +
         decode::formatAddr(pkt.addr[1]) + " sport " + std::to_string(pkt.f[PFW_FLD_SPORT]) + " dport " +
         std::to_string(pkt.f[PFW_FLD_DPORT]) + " icmp " + std::to_string(pkt.f[PFW_FLD_ICMPTYPE]) + " iif " +
         pkt.ifn[0] + " ct " + std::to_string(pkt.f[PFW_FLD_CTSTATE]) + " mark " +
         std::to_string(pkt.f[PFW_FLD_MARK]) + "\n";
    (void)prog;
    return s;
}

void runDifferential(uint32_t seed, size_t programs, size_t packets, size_t rulesets, size_t rules, bool optimize) {
    testing::Gen g(seed);
    for (size_t n = 0; n < programs; n++) {
        ir::Program prog = g.randomProgram(rulesets, rules);
        driver::CompileOptions opts;
        opts.optimize = optimize;
        auto res = driver::compile(prog, opts);
        INFO("program " << n << " seed " << seed);
        REQUIRE(res.error == "");
        pfw_prog p;
        REQUIRE(verify::check(res.blob, &p) == "");
        sim::SimHost host(p);
        for (size_t k = 0; k < packets; k++) {
            pfw_pkt pkt = g.randomPacket();
            unsigned hook = pkt.f[PFW_FLD_HOOK];
            ir::RefResult want = ir::refEvaluate(prog, pkt, hook);
            pfw_run run;
            host.run(pkt, hook, run);
            INFO("packet " << k);
            if (run.rule != want.rule || run.verdict != want.verdict)
                FAIL_CHECK(describe(prog, p, pkt));
            REQUIRE(run.verdict == want.verdict);
            REQUIRE(run.rule == want.rule);
            REQUIRE(run.param == want.param);
            REQUIRE(pkt.f[PFW_FLD_MARK] == want.mark);
            // the verifier's worst case bounds every run
            REQUIRE(run.error == PFW_ERR_NONE);
            REQUIRE(run.steps <= p.hook_cost[hook]);
        }
    }
}

}  // namespace

TEST_CASE("bytecode agrees with the reference evaluator: small programs, optimizer on", "[differential]") {
    runDifferential(1, 1500, 60, 2, 12, true);
}

TEST_CASE("bytecode agrees with the reference evaluator: optimizer off", "[differential]") {
    runDifferential(2, 800, 60, 3, 10, false);
}

TEST_CASE("bytecode agrees with the reference evaluator: long runs through classifiers", "[differential]") {
    runDifferential(3, 60, 800, 1, 400, true);
}

TEST_CASE("bytecode agrees with the reference evaluator: classifier-only rules", "[differential]") {
    testing::Gen g(4);
    for (int n = 0; n < 40; n++) {
        ir::Program prog = g.randomProgram(1, 300, false);
        auto res = driver::compile(prog);
        REQUIRE(res.error == "");
        pfw_prog p;
        REQUIRE(verify::check(res.blob, &p) == "");
        sim::SimHost host(p);
        for (int k = 0; k < 500; k++) {
            pfw_pkt pkt = g.randomPacket();
            ir::RefResult want = ir::refEvaluate(prog, pkt, pkt.f[PFW_FLD_HOOK]);
            pfw_run run;
            host.run(pkt, pkt.f[PFW_FLD_HOOK], run);
            REQUIRE(run.verdict == want.verdict);
            REQUIRE(run.rule == want.rule);
            REQUIRE(run.steps <= p.hook_cost[pkt.f[PFW_FLD_HOOK]]);
        }
    }
}

TEST_CASE("bytecode agrees with the reference evaluator: realistic programs through sliced trees", "[differential]") {
    for (size_t n : {50u, 2000u, 20000u}) {
        ir::Program prog = bench::realisticProgram(n, static_cast<uint32_t>(n));
        auto res = driver::compile(prog);
        REQUIRE(res.ok());
        pfw_prog p;
        REQUIRE(verify::check(res.blob, &p) == "");
        sim::SimHost host(p);
        auto pkts = bench::realisticPackets(3000, static_cast<uint32_t>(n));
        // and packets aimed at the rules' own addresses and ports
        testing::Gen g(static_cast<uint32_t>(n));
        for (int k = 0; k < 3000; k++) {
            const ir::Rule& r = prog.rulesets[0].rules[1 + g.pick(static_cast<uint32_t>(n))];
            pfw_pkt pkt = pkts[static_cast<size_t>(k)];
            for (const auto& m : r.matches) {
                if (m.kind != ir::Match::Kind::Set)
                    continue;
                ir::u128 v = m.set[0].lo + (g.chance(50) ? 0 : (m.set[0].hi - m.set[0].lo));
                if (m.field == PFW_FLD_DADDR)
                    for (int w = 0; w < 4; w++)
                        pkt.addr[1][w] = static_cast<uint32_t>(v >> (96 - 32 * w));
                else if (m.field == PFW_FLD_FAMILY || m.field == PFW_FLD_L4PROTO || m.field == PFW_FLD_DPORT)
                    pkt.f[m.field] = static_cast<uint32_t>(v);
            }
            pkts.push_back(pkt);
        }
        for (const auto& pkt : pkts) {
            ir::RefResult want = ir::refEvaluate(prog, pkt, PFW_HOOK_FORWARD);
            pfw_pkt copy = pkt;
            pfw_run run;
            host.run(copy, PFW_HOOK_FORWARD, run);
            REQUIRE(run.verdict == want.verdict);
            REQUIRE(run.rule == want.rule);
            REQUIRE(run.steps <= p.cost);
        }
    }
}
