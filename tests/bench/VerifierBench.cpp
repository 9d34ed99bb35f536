// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// VerifierBench.cpp
// How long pfw_verify() takes, in ms and MB/s of blob: on the compiler's
// output for 10,000 and 100,000 realistic rules, and on the largest blobs
// it accepts (every instruction there may be, a set filling the pool, a
// classifier with a 100 MiB node area).  The kernel runs the same C code
// before a program becomes active.
//------------------------------------------------------------------------------
//
// Reproduce: cmake --build build/release --target polyfw_bench &&
//            build/release/tests/polyfw_bench --benchmark_filter=Verif
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>

#include "ProgBuilder.h"
#include "RealisticRules.h"
#include "driver/Compile.h"
#include "verify/Verify.h"

using namespace pfw;
using testing::I;
using testing::ProgBuilder;

namespace {

std::vector<uint32_t> mustVerify(std::vector<uint32_t> blob, const char* what) {
    pfw_prog p{};
    std::string why = verify::check(blob, &p);
    if (!why.empty()) {
        std::fprintf(stderr, "%s: the verifier refused it: %s\n", what, why.c_str());
        std::abort();
    }
    return blob;
}

// Blobs are built once and kept for every benchmark.
const std::vector<uint32_t>& compiled(size_t rules) {
    static std::map<size_t, std::vector<uint32_t>> cache;
    auto& b = cache[rules];
    if (b.empty()) {
        auto res = driver::compile(bench::realisticProgram(rules));
        if (!res.ok())
            std::abort();
        b = mustVerify(std::move(res.blob), "compiled");
    }
    return b;
}

// PFW_MAX_INSNS instructions: five straight chains, one per hook, each of
// a fifth of them (cost 838,860 each, within the budget), of tests with
// pool operands, RULEs and marks, each ending in a terminal.
const std::vector<uint32_t>& maxInsns() {
    static std::vector<uint32_t> blob;
    if (blob.empty()) {
        ProgBuilder b;
        uint32_t range = b.addPool({1000, 2000});
        uint32_t addr = b.addPool({0, 0, 0xffff, 0x0a000000, ~0u, ~0u, ~0u, 0xff000000});
        uint32_t ifn = b.addPool({4, 0x30706174, 0, 0, 0});  // "tap0"
        uint32_t mark = b.addPool({0xff, 1});
        const pfw_insn body[] = {I(PFW_OP_CMP, PFW_FLD_L4PROTO, 0, 6),
                                 I(PFW_OP_RANGE, PFW_FLD_DPORT, 0, range),
                                 I(PFW_OP_ADDR_MASK, PFW_FLD_DADDR, 0, addr),
                                 I(PFW_OP_IFNAME, PFW_FLD_IIF, 0, ifn),
                                 I(PFW_OP_RULE),
                                 I(PFW_OP_SET_MARK, 0, 0, mark)};
        const uint32_t chain = PFW_MAX_INSNS / PFW_HOOK_MAX;
        b.insns.reserve(PFW_MAX_INSNS);
        for (unsigned h = 0; h < PFW_HOOK_MAX; h++) {
            b.entry[h] = static_cast<uint32_t>(b.insns.size());
            for (uint32_t k = 0; k + 1 < chain; k++)
                b.insns.push_back(body[k % 6]);
            b.insns.push_back(I(h == PFW_HOOK_POSTROUTING ? PFW_OP_ACCEPT : PFW_OP_DROP));
        }
        blob = mustVerify(b.build(), "max insns");
    }
    return blob;
}

// One address set (8 words an element) of about mib MiB, INSET on it;
// 256 is as large as a program may be (PFW_MAX_PROG_BYTES).
const std::vector<uint32_t>& largeSet(size_t mib) {
    static std::map<size_t, std::vector<uint32_t>> cache;
    auto& blob = cache[mib];
    if (blob.empty()) {
        ProgBuilder b;
        size_t words = mib << 18;
        if (words > PFW_MAX_POOL - 64)
            words = PFW_MAX_POOL - 64;  // leave room for the rest of the blob
        uint32_t n = static_cast<uint32_t>(words / 8);
        b.pool.resize(static_cast<size_t>(n) * 8);
        for (uint32_t e = 0; e < n; e++) {
            uint32_t* el = &b.pool[static_cast<size_t>(e) * 8];
            el[0] = 0x20010db8;  // 2001:db8:e::/64 .. 2001:db8:e::ffff:ffff
            el[2] = e;
            el[4] = 0x20010db8;
            el[6] = e;
            el[7] = ~0u;
        }
        b.sets = {{4, 0, 0, n, 0}};
        b.insns = {I(PFW_OP_INSET, PFW_FLD_DADDR, 1, 0), I(PFW_OP_DROP), I(PFW_OP_ACCEPT)};
        blob = mustVerify(b.build(), "large set");
    }
    return blob;
}

// A classifier whose root slices ::ffff:0.0.0.0/96 into 2^20 pieces, each a
// cut of dport into 4 leaves of 2 entries: a node area of 26 Mwords
// (100 MiB), 4 Mi leaves.
const std::vector<uint32_t>& largeClassifier() {
    static std::vector<uint32_t> blob;
    if (blob.empty()) {
        const uint32_t pieces = 1u << 20, entries = 1024;
        const uint32_t rootWords = 3 + 8 + pieces + 1, pieceWords = (2 + 3 + 4) + 4 * 4;
        std::vector<uint32_t> ent, nodes, roots = {0};
        for (uint32_t e = 0; e < entries; e++) {
            auto one = ProgBuilder::anyEntry(e / 4);
            ent.insert(ent.end(), one.begin(), one.end());
        }
        nodes.reserve(rootWords + static_cast<size_t>(pieces) * pieceWords + 2);
        nodes.insert(nodes.end(), {PFW_CLS_SLICE | PFW_DIM_DADDR << 8 | 3 << 16, pieces, 12, 0, 0, 0xffff, 0, 0, 0,
                                   0xffff, 0xffffffff});
        for (uint32_t i = 0; i < pieces; i++)
            nodes.push_back(rootWords + i * pieceWords);
        const uint32_t empty = rootWords + pieces * pieceWords;
        nodes.push_back(empty);  // outside the IPv4 space
        for (uint32_t i = 0; i < pieces; i++) {
            uint32_t at = rootWords + i * pieceWords;
            nodes.insert(nodes.end(),
                         {PFW_CLS_CUT | PFW_DIM_DPORT << 8, 4, 1024, 8192, 32768, at + 9, at + 13, at + 17, at + 21});
            for (uint32_t l = 0; l < 4; l++) {
                uint32_t e = (i * 4 + l) * 2 % entries;
                nodes.insert(nodes.end(), {PFW_CLS_LEAF, 2, e, e + 1});
            }
        }
        nodes.insert(nodes.end(), {PFW_CLS_LEAF, 0});
        ProgBuilder b;
        uint32_t s = b.site(0);
        // result r (4 entries each) -> a terminal at 2 + r; none -> 1
        std::vector<uint32_t> jt;
        for (uint32_t r = 0; r < entries / 4; r++)
            jt.push_back(2 + r);
        b.addClassifier(jt, ent, nodes, roots);
        b.insns = {I(PFW_OP_CLASSIFY, 0, 0, s), I(PFW_OP_ACCEPT)};
        for (uint32_t r = 0; r < entries / 4; r++)
            b.insns.push_back(I(r % 2 ? PFW_OP_ACCEPT : PFW_OP_DROP));
        blob = mustVerify(b.build(), "large classifier");
    }
    return blob;
}

void run(benchmark::State& state, const std::vector<uint32_t>& blob) {
    pfw_prog p{};
    for (auto _ : state) {
        std::string why = verify::check(blob, &p);
        benchmark::DoNotOptimize(why.data());
    }
    size_t bytes = blob.size() * 4;
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes));
    state.counters["MiB"] = static_cast<double>(bytes) / (1 << 20);
    state.counters["cost"] = p.cost;
}

void BM_VerifyCompiled(benchmark::State& state) {
    run(state, compiled(static_cast<size_t>(state.range(0))));
}
void BM_VerifyMaxInsns(benchmark::State& state) {
    run(state, maxInsns());
}
void BM_VerifyLargeSet(benchmark::State& state) {
    run(state, largeSet(static_cast<size_t>(state.range(0))));
}
void BM_VerifyLargeClassifier(benchmark::State& state) {
    run(state, largeClassifier());
}

}  // namespace

BENCHMARK(BM_VerifyCompiled)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VerifyMaxInsns)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VerifyLargeSet)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VerifyLargeClassifier)->Unit(benchmark::kMillisecond);
