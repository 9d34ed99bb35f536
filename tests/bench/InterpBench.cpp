// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// InterpBench.cpp
// ns per packet of the interpreter against the linear reference evaluator,
// and compile time, for 10 to 100,000 rules of a realistic mix.
//------------------------------------------------------------------------------
//
// Reproduce: cmake --build build/release --target polyfw_bench &&
//            build/release/tests/polyfw_bench
#include <benchmark/benchmark.h>

#include <cstring>
#include <map>
#include <memory>

#include "RealisticRules.h"
#include "driver/Compile.h"
#include "ir/RefEval.h"
#include "sim/SimHost.h"
#include "verify/Verify.h"

using namespace pfw;

namespace {

struct Compiled {
    ir::Program prog;
    std::vector<uint32_t> blob;
    pfw_prog p{};
    std::unique_ptr<sim::SimHost> host;
};

// Programs are built once per size and kept for every benchmark.
Compiled& compiled(size_t n) {
    static std::map<size_t, std::unique_ptr<Compiled>> cache;
    auto& c = cache[n];
    if (!c) {
        c = std::make_unique<Compiled>();
        c->prog = bench::realisticProgram(n);
        auto res = driver::compile(c->prog);
        if (!res.ok())
            std::abort();
        c->blob = std::move(res.blob);
        if (!verify::check(c->blob, &c->p).empty())
            std::abort();
        c->host = std::make_unique<sim::SimHost>(c->p);
    }
    return *c;
}

const std::vector<pfw_pkt>& packets() {
    static const auto pkts = bench::realisticPackets(4096);
    return pkts;
}

void BM_Interpreter(benchmark::State& state) {
    Compiled& c = compiled(static_cast<size_t>(state.range(0)));
    const auto& pkts = packets();
    size_t i = 0;
    uint64_t steps = 0;
    for (auto _ : state) {
        pfw_pkt pkt = pkts[i++ & 4095];
        pfw_run run;
        c.host->run(pkt, PFW_HOOK_FORWARD, run);
        steps += run.steps;
        benchmark::DoNotOptimize(run.verdict);
    }
    state.counters["bytes/rule"] = static_cast<double>(c.blob.size() * 4) / static_cast<double>(state.range(0));
    state.counters["insns/pkt"] = static_cast<double>(steps) / static_cast<double>(state.iterations());
}

void BM_LinearReference(benchmark::State& state) {
    Compiled& c = compiled(static_cast<size_t>(state.range(0)));
    const auto& pkts = packets();
    size_t i = 0;
    for (auto _ : state) {
        auto r = ir::refEvaluate(c.prog, pkts[i++ & 4095], PFW_HOOK_FORWARD);
        benchmark::DoNotOptimize(r.verdict);
    }
}

void BM_Compile(benchmark::State& state) {
    auto prog = bench::realisticProgram(static_cast<size_t>(state.range(0)));
    for (auto _ : state) {
        auto res = driver::compile(prog);
        benchmark::DoNotOptimize(res.blob.data());
    }
}

}  // namespace

BENCHMARK(BM_Interpreter)->Arg(10)->Arg(1000)->Arg(10000)->Arg(100000);
BENCHMARK(BM_LinearReference)->Arg(10)->Arg(1000)->Arg(10000)->Arg(100000);
BENCHMARK(BM_Compile)->Arg(10)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
