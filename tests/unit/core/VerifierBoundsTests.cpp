// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// core/VerifierBoundsTests.cpp
// The verifier's bounds on what a run and the verification itself can cost:
// the hostile programs of the security review (one node under 16 roots, a
// million-deep chain of cut nodes, a million CLASSIFYs finding nothing),
// the cost budget and its formula (bytecode.h), walked pool regions that may
// not overlap, leaf sizes, slice bounds, and the operand rules that came
// with them (RPF modes, STATE_ADD limits, rule flags, REJECT at postrouting,
// STATE_CHECK pair lists).  Every message is checked word for word.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>

#include "ProgBuilder.h"
#include "sim/SimHost.h"
#include "verify/Verify.h"

using namespace pfw;
using testing::I;
using testing::ProgBuilder;

namespace {

std::string why(const ProgBuilder& b) {
    return verify::check(b.build());
}

const std::string kTooCostly =
    "program too costly: a run at forward can cost more than the budget of 1048576 (PFW_MAX_COST)";

// CLASSIFY (0, 0) over the given trees; result 0 drops, no result accepts.
ProgBuilder classifyProg(const std::vector<uint32_t>& nodes, const std::vector<uint32_t>& roots,
                         const std::vector<uint32_t>& entries = ProgBuilder::anyEntry(0)) {
    ProgBuilder b;
    uint32_t s = b.site(0);
    b.addClassifier({1}, entries, nodes, roots);
    b.insns = {I(PFW_OP_CLASSIFY, 0, 1, s), I(PFW_OP_DROP), I(PFW_OP_ACCEPT)};
    return b;
}

// A chain of n cut nodes over dport, both children of each the next node,
// ending in an empty leaf.
std::vector<uint32_t> cutChain(uint32_t n) {
    std::vector<uint32_t> nodes(5ul * n + 2);
    uint32_t* w = nodes.data();
    for (uint32_t k = 0; k < n; k++, w += 5) {
        w[0] = PFW_CLS_CUT | PFW_DIM_DPORT << 8;
        w[1] = 2;
        w[2] = 100;
        w[3] = w[4] = 5 * (k + 1);
    }
    w[0] = PFW_CLS_LEAF;
    return nodes;
}

// n CLASSIFYs in a row over one empty leaf, each finding nothing and falling
// through (cost 1 + 1 each), then extra RULEs and an ACCEPT.
ProgBuilder classifyRun(uint32_t n, uint32_t rules) {
    ProgBuilder b;
    uint32_t s = b.site(0);
    b.addClassifier({n + rules}, {}, {PFW_CLS_LEAF, 0}, {0});
    b.insns.assign(n, I(PFW_OP_CLASSIFY, 0, 0, s));
    b.insns.insert(b.insns.end(), rules, I(PFW_OP_RULE));
    b.insns.push_back(I(PFW_OP_ACCEPT));
    return b;
}

pfw_pkt anyPacket() {
    pfw_pkt pkt{};
    pkt.f[PFW_FLD_FAMILY] = 4;
    pkt.f[PFW_FLD_L4PROTO] = 6;
    pkt.f[PFW_FLD_DPORT] = 443;
    return pkt;
}

}  // namespace

TEST_CASE("bounds: a classifier's roots must be distinct trees", "[verifier][bounds]") {
    // the review's example: 16 roots at one node would walk it 16 times
    CHECK(why(classifyProg({PFW_CLS_LEAF, 1, 0}, std::vector<uint32_t>(16, 0))) ==
          "classifier 0: roots 0 and 1 are the same tree");
    std::vector<uint32_t> nodes, roots;
    for (uint32_t t = 0; t < 16; t++) {
        roots.push_back(static_cast<uint32_t>(nodes.size()));
        nodes.insert(nodes.end(), {PFW_CLS_LEAF, 1, 0});
    }
    auto b = classifyProg(nodes, roots);
    pfw_prog p{};
    REQUIRE(verify::check(b.build(), &p) == "");
    CHECK(p.cost == 1 + 16 * (1 + 1) + 1);  // CLASSIFY, 16 leaves of one entry, a terminal
    roots[15] = roots[3];
    CHECK(why(classifyProg(nodes, roots)) == "classifier 0: roots 3 and 15 are the same tree");
}

TEST_CASE("bounds: trees are at most 24 inner nodes deep", "[verifier][bounds]") {
    // the review's example: a million cut nodes whose children are all the next one
    auto chain = classifyProg(cutChain(1u << 20), {0});
    CHECK(chain.pool.size() > 5u << 20);
    CHECK(why(chain) == "classifier 0: tree 0 is over 255 deep, limit 24");
    CHECK(why(classifyProg(cutChain(25), {0})) == "classifier 0: tree 0 is 25 deep, limit 24");
    // the second tree, from the middle of a chain of 30, is 5 deep: fine;
    // the first is not
    CHECK(why(classifyProg(cutChain(30), {5 * 25, 0})) == "classifier 0: tree 1 is 30 deep, limit 24");
    pfw_prog p{};
    auto ok = classifyProg(cutChain(24), {0});
    REQUIRE(verify::check(ok.build(), &p) == "");
    // CLASSIFY, 24 cuts of 2 children (1 + ceil(log2 2)), the empty leaf, a terminal
    CHECK(p.cost == 1 + 24 * 2 + 1 + 1);
}

TEST_CASE("bounds: a million CLASSIFYs that find nothing are over the budget", "[verifier][bounds]") {
    CHECK(why(classifyRun(1u << 20, 0)) == kTooCostly);
    // 2 per CLASSIFY, 1 per RULE, 1 for the ACCEPT: exactly the budget is accepted
    const uint32_t n = PFW_MAX_COST / 2 - 1;
    auto exact = classifyRun(n, 1);
    auto blob = exact.build();
    pfw_prog p{};
    REQUIRE(verify::check(blob, &p) == "");
    CHECK(p.cost == PFW_MAX_COST);
    CHECK(p.hook_cost[PFW_HOOK_FORWARD] == PFW_MAX_COST);
    CHECK(p.hook_cost[PFW_HOOK_INPUT] == 0);
    // one unit more is refused; at another hook the message names it
    auto over = classifyRun(n, 2);
    CHECK(why(over) == kTooCostly);
    over.entry[PFW_HOOK_FORWARD] = PFW_NO_ENTRY;
    over.entry[PFW_HOOK_POSTROUTING] = 0;
    CHECK(why(over) ==
          "program too costly: a run at postrouting can cost more than the budget of 1048576 (PFW_MAX_COST)");

    // the interpreter spends exactly that on it, and fails closed one short
    sim::SimHost host(p);
    pfw_pkt pkt = anyPacket();
    pfw_run run;
    host.run(pkt, PFW_HOOK_FORWARD, run);
    CHECK(run.verdict == PFW_V_ACCEPT);
    CHECK(run.error == PFW_ERR_NONE);
    CHECK(run.steps == PFW_MAX_COST);
    host.budget = PFW_MAX_COST - 1;
    pkt = anyPacket();
    host.run(pkt, PFW_HOOK_FORWARD, run);
    CHECK(run.verdict == PFW_V_ERROR);
    CHECK(run.error == PFW_ERR_BUDGET);
}

TEST_CASE("bounds: the cost of a small program is the formula of bytecode.h", "[verifier][bounds]") {
    ProgBuilder b;
    uint32_t set = b.addPool({1, 1, 3, 3, 5, 5, 7, 7, 9, 9});
    b.sets = {{1, 0, 0, 5, set}};
    uint32_t add = b.addPool({0, 0});
    uint32_t check = b.addPool({3, 0, 5, 0, 5, 0, 6});
    uint32_t s = b.site(0);
    std::vector<uint32_t> entries = ProgBuilder::anyEntry(0), e1 = ProgBuilder::anyEntry(1);
    entries.insert(entries.end(), e1.begin(), e1.end());
    const uint32_t slice = PFW_CLS_SLICE | PFW_DIM_DADDR << 8 | 3 << 16;
    std::vector<uint32_t> nodes = {
        // tree A at 0: a cut of 3 over dport, to leaves of 2, 1 and 0 entries
        PFW_CLS_CUT | PFW_DIM_DPORT << 8, 3, 100, 200, 7, 11, 14,  // 0
        PFW_CLS_LEAF, 2, 0, 1,                                     // 7
        PFW_CLS_LEAF, 1, 1,                                        // 11
        PFW_CLS_LEAF, 0,                                           // 14
        // tree B at 16: a slice of the IPv4 space in 2, to a cut of 2 and
        // two leaves; outside it, the empty leaf
        slice, 2, 31, 0, 0, 0xffff, 0, 0, 0, 0xffff, 0xffffffff, 30, 41, 39,  // 16
        PFW_CLS_CUT | PFW_DIM_DPORT << 8, 2, 1000, 35, 39,                    // 30
        PFW_CLS_LEAF, 2, 0, 1,                                                // 35
        PFW_CLS_LEAF, 0,                                                      // 39
        PFW_CLS_LEAF, 1, 0,                                                   // 41
    };
    b.addClassifier({5, 6}, entries, nodes, {0, 16});
    b.insns = {
        I(PFW_OP_INSET, PFW_FLD_DPORT, 2, 0),  // 0 -> 1 or 3
        I(PFW_OP_STATE_ADD, 0, 1, add),        // 1 -> 2 or 3
        I(PFW_OP_DROP),                        // 2
        I(PFW_OP_STATE_CHECK, 0, 0, check),    // 3 -> 4, 5, 5 or 6
        I(PFW_OP_CLASSIFY, 0, 1, s),           // 4 -> 5, 6 or 6
        I(PFW_OP_RULE),                        // 5
        I(PFW_OP_ACCEPT),                      // 6
    };
    b.entry[PFW_HOOK_INPUT] = 3;
    b.entry[PFW_HOOK_OUTPUT] = 6;
    auto blob = b.build();
    pfw_prog p{};
    REQUIRE(verify::check(blob, &p) == "");

    const uint32_t inset = 1 + (1 + 3);  // an instruction, then a search of 5: 1 + ceil(log2(5 + 1))
    const uint32_t stateAdd = 1 + PFW_COST_STATE;
    const uint32_t stateCheck = 1 + PFW_COST_STATE + 3;  // and its 3 pairs
    const uint32_t treeA = (1 + 2) + (1 + 2);            // a cut of 3 (1 + ceil(log2 3)), the leaf of 2
    const uint32_t treeB = 1 + (1 + 1) + (1 + 2);        // a slice, a cut of 2, the leaf of 2
    const uint32_t classify = 1 + treeA + treeB;
    const uint32_t tail = 1 + 1;  // RULE, ACCEPT
    // the costliest path from 0 runs every instruction but the DROP
    CHECK(p.hook_cost[PFW_HOOK_FORWARD] == inset + stateAdd + stateCheck + classify + tail);
    CHECK(p.hook_cost[PFW_HOOK_FORWARD] == 57);
    CHECK(p.hook_cost[PFW_HOOK_INPUT] == stateCheck + classify + tail);
    CHECK(p.hook_cost[PFW_HOOK_OUTPUT] == 1);
    CHECK(p.hook_cost[PFW_HOOK_PREROUTING] == 0);
    CHECK(p.hook_cost[PFW_HOOK_POSTROUTING] == 0);
    CHECK(p.cost == 57);

    // a site that starts past result 0 only reaches the ACCEPT: one less
    b.pool[s + 1] = 1;
    pfw_prog q{};
    auto blob2 = b.build();
    REQUIRE(verify::check(blob2, &q) == "");
    CHECK(q.hook_cost[PFW_HOOK_FORWARD] == 57 - 1);

    // whatever the packet, a run spends no more than that
    sim::SimHost host(p);
    for (uint32_t port : {1u, 3u, 50u, 150u, 500u, 2000u}) {
        for (uint32_t a : {0x0a000001u, 0x80000001u}) {
            for (unsigned hook : {PFW_HOOK_FORWARD, PFW_HOOK_INPUT, PFW_HOOK_OUTPUT}) {
                pfw_pkt pkt = anyPacket();
                pkt.f[PFW_FLD_DPORT] = port;
                pkt.addr[1][2] = 0xffff;
                pkt.addr[1][3] = a;
                pfw_run run;
                host.run(pkt, hook, run);
                CHECK(run.error == PFW_ERR_NONE);
                CHECK(run.steps <= p.hook_cost[hook]);
            }
        }
    }
}

TEST_CASE("bounds: the cost follows the costliest jump-table target from the site on", "[verifier][bounds]") {
    // 0: CLASSIFY (0, start): result 0 -> 2, result 1 -> the DROP, none -> 1
    // 1: JMP to the ACCEPT
    // 2 .. runLen + 1: CLASSIFYs over an empty leaf, falling through
    // runLen + 2: DROP; runLen + 3: ACCEPT
    auto make = [](uint32_t start, uint32_t runLen) {
        ProgBuilder b;
        uint32_t s = b.site(0, start);
        uint32_t run = b.site(1);
        b.addClassifier({2, runLen + 2}, {}, {PFW_CLS_LEAF, 0}, {0});
        b.addClassifier({runLen + 2}, {}, {PFW_CLS_LEAF, 0}, {0});
        b.insns = {I(PFW_OP_CLASSIFY, 0, 0, s), I(PFW_OP_JMP, 0, 0, runLen + 1)};
        b.insns.insert(b.insns.end(), runLen, I(PFW_OP_CLASSIFY, 0, 0, run));
        b.insns.push_back(I(PFW_OP_DROP));
        b.insns.push_back(I(PFW_OP_ACCEPT));
        return b;
    };
    pfw_prog p{};
    auto all = make(0, 100).build();
    REQUIRE(verify::check(all, &p) == "");
    CHECK(p.cost == 2 + 100 * 2 + 1);
    auto skip = make(1, 100).build();
    REQUIRE(verify::check(skip, &p) == "");
    CHECK(p.cost == 2 + 1 + 1);  // the JMP and the ACCEPT, or the DROP
    // a run that only a skipped result leads to does not count, however costly
    CHECK(why(make(0, PFW_MAX_COST / 2)) == kTooCostly);
    CHECK(why(make(1, PFW_MAX_COST / 2)) == "");
}

TEST_CASE("bounds: walked pool regions belong to one table", "[verifier][bounds]") {
    SECTION("65,536 classifiers over one node area") {
        ProgBuilder b;
        b.insns = {I(PFW_OP_ACCEPT), I(PFW_OP_ACCEPT)};
        uint32_t area = b.addPool({PFW_CLS_LEAF, 0});
        for (uint32_t i = 0; i < PFW_MAX_CLS; i++) {
            uint32_t jt = b.addPool({1});
            uint32_t roots = b.addPool({0});
            b.cls.push_back({1, jt, 0, 0, area, 2, 1, roots});
        }
        CHECK(why(b) == "classifier 1: pool word 0 is already used by another table");
        // each with its own: the count is not the problem
        for (auto& c : b.cls)
            c.node_off = b.addPool({PFW_CLS_LEAF, 0});
        CHECK(why(b) == "");
    }
    SECTION("classifiers sharing entries, a jump table or roots") {
        ProgBuilder b;
        b.insns = {I(PFW_OP_ACCEPT), I(PFW_OP_ACCEPT)};
        auto e = ProgBuilder::anyEntry(0);
        b.addClassifier({1}, e, {PFW_CLS_LEAF, 1, 0}, {0});
        b.addClassifier({1}, e, {PFW_CLS_LEAF, 1, 0}, {0});
        b.addClassifier({1}, e, {PFW_CLS_LEAF, 1, 0}, {0});
        REQUIRE(why(b) == "");
        auto shared = b;
        shared.cls[2].entry_off = shared.cls[0].entry_off;
        CHECK(why(shared) ==
              "classifier 2: pool word " + std::to_string(b.cls[0].entry_off) + " is already used by another table");
        shared = b;
        shared.cls[1].jt_off = shared.cls[0].jt_off;
        CHECK(why(shared) ==
              "classifier 1: pool word " + std::to_string(b.cls[0].jt_off) + " is already used by another table");
        shared = b;
        shared.cls[2].roots_off = shared.cls[1].roots_off;
        CHECK(why(shared) ==
              "classifier 2: pool word " + std::to_string(b.cls[1].roots_off) + " is already used by another table");
        // one word of overlap is enough: classifier 1's node area starting
        // on classifier 0's root
        shared = b;
        shared.cls[1].node_off = b.cls[0].roots_off;
        CHECK(why(shared) ==
              "classifier 1: pool word " + std::to_string(b.cls[0].roots_off) + " is already used by another table");
    }
    SECTION("sets") {
        ProgBuilder b;
        b.insns = {I(PFW_OP_ACCEPT)};
        b.pool = {1, 2, 3, 4, 5, 6};
        b.sets = {{1, 0, 0, 2, 0}, {1, 0, 0, 2, 2}};
        CHECK(why(b) == "set 1: pool word 2 is already used by another table");
        b.sets[1] = {1, 0, 0, 1, 4};
        CHECK(why(b) == "");
        b.sets[1] = {1, 0, 0, 0, 0};  // an empty set walks nothing
        CHECK(why(b) == "");
        // a classifier's node area over a set: the classifier is named
        ProgBuilder c;
        c.insns = {I(PFW_OP_ACCEPT), I(PFW_OP_ACCEPT)};
        c.addClassifier({1}, ProgBuilder::anyEntry(0), {PFW_CLS_LEAF, 1, 0}, {0});
        uint32_t node = c.cls[0].node_off;
        c.sets = {{1, 0, 0, 1, node}};  // [1, 1]: the leaf's first two words
        CHECK(why(c) == "classifier 0: pool word " + std::to_string(node) + " is already used by another table");
    }
    SECTION("STATE_CHECK pair lists") {
        ProgBuilder b;
        uint32_t list = b.addPool({1, 0, 3});
        b.insns = {I(PFW_OP_STATE_CHECK, 0, 0, list), I(PFW_OP_STATE_CHECK, 0, 0, list), I(PFW_OP_RULE),
                   I(PFW_OP_ACCEPT)};
        CHECK(why(b) == "insn 1: pool word 0 is already used by another table");
        b.insns[1].arg = b.addPool({1, 0, 3});
        CHECK(why(b) == "");
        // a list inside a set's elements
        b.pool.insert(b.pool.end(), {10, 20});
        b.sets = {{1, 0, 0, 2, b.insns[1].arg + 1}};
        CHECK(why(b) == "insn 1: pool word 4 is already used by another table");
    }
    SECTION("operands that are not walked may share words") {
        ProgBuilder b;
        uint32_t s = b.site(0);
        b.pool.insert(b.pool.end(), {0, 0});
        b.addClassifier({2}, {}, {PFW_CLS_LEAF, 0}, {0});
        b.sets = {{1, 0, 0, 1, 0}};  // the site's words as a set of [0, 0]
        b.insns = {I(PFW_OP_CLASSIFY, 0, 0, s), I(PFW_OP_CLASSIFY, 0, 0, s), I(PFW_OP_RANGE, PFW_FLD_DPORT, 0, s),
                   I(PFW_OP_ACCEPT)};
        CHECK(why(b) == "");
    }
}

TEST_CASE("bounds: a leaf lists at most 4096 entries", "[verifier][bounds]") {
    auto leafProg = [](uint32_t n) {
        std::vector<uint32_t> entries, nodes = {PFW_CLS_CUT | PFW_DIM_DPORT << 8, 2, 100, 5, 5, PFW_CLS_LEAF, n};
        for (uint32_t i = 0; i < n; i++) {
            auto e = ProgBuilder::anyEntry(0);
            entries.insert(entries.end(), e.begin(), e.end());
            nodes.push_back(i);
        }
        return classifyProg(nodes, {0}, entries);
    };
    CHECK(why(leafProg(PFW_CLS_MAX_LEAF + 1)) == "classifier 0: leaf at word 5 has 4097 entries, limit 4096");
    pfw_prog p{};
    auto ok = leafProg(PFW_CLS_MAX_LEAF).build();
    REQUIRE(verify::check(ok, &p) == "");
    CHECK(p.cost == 1 + 2 + (1 + PFW_CLS_MAX_LEAF) + 1);  // CLASSIFY, the cut, the leaf, a terminal
}

TEST_CASE("bounds: a slice's words above the sliced one are one value", "[verifier][bounds]") {
    // a cut at 0 leads to a slice at 5 over daddr word 3: ::ffff:10.0.0.0/8 in 2
    auto sliceProg = [](std::vector<uint32_t> lo, std::vector<uint32_t> hi, uint32_t word) {
        std::vector<uint32_t> nodes = {
            PFW_CLS_CUT | PFW_DIM_DPORT << 8, 2, 100, 5, 5, PFW_CLS_SLICE | PFW_DIM_DADDR << 8 | word << 16, 2, 23};
        nodes.insert(nodes.end(), lo.begin(), lo.end());
        nodes.insert(nodes.end(), hi.begin(), hi.end());
        nodes.insert(nodes.end(), {19, 19, 19, PFW_CLS_LEAF, 1, 0});  // the slice is 14 words
        return classifyProg(nodes, {0});
    };
    CHECK(why(sliceProg({0, 0, 0xffff, 0x0a000000}, {0, 0, 0xffff, 0x0affffff}, 3)) == "");
    CHECK(why(sliceProg({0, 0, 0xffff, 0x0a000000}, {0, 1, 0xffff, 0x0affffff}, 3)) ==
          "classifier 0: slice at word 5: lo and hi differ above word 3");
    CHECK(why(sliceProg({0, 0, 0xfffe, 0x0a000000}, {0, 0, 0xffff, 0x0affffff}, 3)) ==
          "classifier 0: slice at word 5: lo and hi differ above word 3");
    CHECK(why(sliceProg({0, 0, 0xffff, 0x0a000000}, {0, 0, 0xffff, 0x0affffff}, 2)) == "");
    CHECK(why(sliceProg({0, 0, 0xffff, 0x0a000000}, {0, 1, 0xffff, 0x0affffff}, 2)) ==
          "classifier 0: slice at word 5: lo and hi differ above word 2");
    // the top word has nothing above it
    CHECK(why(sliceProg({0x20010db8, 0, 0, 0}, {0x20010db9, 5, 0, 0}, 0)) == "");
}

TEST_CASE("bounds: RPF modes are 1 to 3", "[verifier][bounds]") {
    auto rpf = [](uint32_t mode, uint8_t field = 0) {
        ProgBuilder b;
        b.insns = {I(PFW_OP_RPF, field, 1, mode), I(PFW_OP_DROP), I(PFW_OP_ACCEPT)};
        return why(b);
    };
    CHECK(rpf(0) == "insn 0: RPF: bad operand 0");
    CHECK(rpf(4) == "insn 0: RPF: bad operand 4");
    CHECK(rpf(0xffffffffu) == "insn 0: RPF: bad operand 4294967295");
    for (uint32_t m : {PFW_RPF_VERREVPATH, PFW_RPF_VERSRCREACH, PFW_RPF_ANTISPOOF})
        CHECK(rpf(m) == "");
    CHECK(rpf(PFW_RPF_ANTISPOOF, PFW_F_INV) == "");
}

TEST_CASE("bounds: STATE_ADD limits name fields exactly when they count", "[verifier][bounds]") {
    auto add = [](uint32_t parent, uint32_t limit) {
        ProgBuilder b;
        b.pool = {parent, limit};
        b.insns = {I(PFW_OP_STATE_ADD, 0, 1, 0), I(PFW_OP_DROP), I(PFW_OP_ACCEPT)};
        return why(b);
    };
    CHECK(add(0, 0) == "");
    CHECK(add(0, PFW_STATE_LIM_SRCADDR | 10) == "");
    CHECK(add(0, PFW_STATE_LIM_FIELDS | PFW_STATE_LIM_COUNT) == "");
    CHECK(add(0, 0x10000000) == "insn 0: STATE_ADD: bad limit 0x10000000");
    CHECK(add(0, 0x80000001 | PFW_STATE_LIM_DSTPORT) == "insn 0: STATE_ADD: bad limit 0x88000001");
    CHECK(add(0, PFW_STATE_LIM_SRCADDR) == "insn 0: STATE_ADD: bad limit 0x01000000");
    CHECK(add(0, 5) == "insn 0: STATE_ADD: bad limit 0x00000005");
    CHECK(add(1, 0) == "insn 0: STATE_ADD: bad operand 0");  // the parent rule is out of range
}

TEST_CASE("bounds: rule flags are known", "[verifier][bounds]") {
    ProgBuilder b;
    b.insns = {I(PFW_OP_ACCEPT)};
    b.rules = {{0, 0, 1, PFW_RULE_F_DEFAULT}, {1, 0, 2, 0}};
    CHECK(why(b) == "");
    b.rules[1].flags = 2;
    CHECK(why(b) == "rule 1: unknown flags 0x2");
    b.rules[0].flags = 0x80000001u;
    CHECK(why(b) == "rule 0: unknown flags 0x80000001");
}

TEST_CASE("bounds: no REJECT is reachable from the postrouting entry", "[verifier][bounds]") {
    const std::string kReject = "REJECT is reachable from the postrouting entry, where no reply can be sent";
    // 0-2: a ruleset that rejects port 9; 3-5: one that drops it
    ProgBuilder b;
    b.insns = {I(PFW_OP_CMP, PFW_FLD_DPORT, 1, 9),
               I(PFW_OP_REJECT, 0, 0, PFW_REJECT_AUTO << 8),
               I(PFW_OP_ACCEPT),
               I(PFW_OP_CMP, PFW_FLD_DPORT, 1, 9),
               I(PFW_OP_DROP),
               I(PFW_OP_ACCEPT)};
    b.entry[PFW_HOOK_FORWARD] = 0;
    CHECK(why(b) == "");
    b.entry[PFW_HOOK_POSTROUTING] = 3;  // only forward reaches the REJECT
    CHECK(why(b) == "");
    b.entry[PFW_HOOK_OUTPUT] = 0;  // locally generated packets may be rejected
    CHECK(why(b) == "");
    b.entry[PFW_HOOK_POSTROUTING] = 0;
    CHECK(why(b) == kReject);
    b.entry[PFW_HOOK_POSTROUTING] = 1;
    CHECK(why(b) == kReject);

    // reached through an ACCEPT continuation, a jump table, a STATE_CHECK target
    ProgBuilder c = b;
    c.insns.insert(c.insns.begin(), I(PFW_OP_ACCEPT, 0, 0, 1));  // 0: on to the rejecting ruleset
    c.entry[PFW_HOOK_FORWARD] = 1;
    c.entry[PFW_HOOK_OUTPUT] = 1;
    c.entry[PFW_HOOK_POSTROUTING] = 4;
    CHECK(why(c) == "");
    c.entry[PFW_HOOK_POSTROUTING] = 0;
    CHECK(why(c) == kReject);

    ProgBuilder j;
    uint32_t s = j.site(0);
    j.addClassifier({2}, ProgBuilder::anyEntry(0), {PFW_CLS_LEAF, 1, 0}, {0});
    j.insns = {I(PFW_OP_CLASSIFY, 0, 2, s), I(PFW_OP_DROP), I(PFW_OP_REJECT), I(PFW_OP_ACCEPT)};
    j.entry[PFW_HOOK_FORWARD] = PFW_NO_ENTRY;
    j.entry[PFW_HOOK_POSTROUTING] = 0;
    CHECK(why(j) == kReject);
    j.pool[j.cls[0].jt_off] = 1;  // result 0 drops instead; the REJECT is unreachable
    CHECK(why(j) == "");

    ProgBuilder st;
    uint32_t list = st.addPool({1, 0, 2});
    st.insns = {I(PFW_OP_STATE_CHECK, 0, 0, list), I(PFW_OP_ACCEPT), I(PFW_OP_REJECT, 0, 0, PFW_REJECT_TCP_RST << 8)};
    st.entry[PFW_HOOK_FORWARD] = PFW_NO_ENTRY;
    st.entry[PFW_HOOK_POSTROUTING] = 0;
    CHECK(why(st) == kReject);
}

TEST_CASE("bounds: a STATE_CHECK lists at most 65536 pairs", "[verifier][bounds]") {
    auto stateCheck = [](uint32_t n, uint32_t poolPairs) {
        ProgBuilder b;
        b.pool.assign(1 + 2ul * poolPairs, 0);
        b.pool[0] = n;
        for (uint32_t i = 0; i < poolPairs; i++)
            b.pool[2 + 2 * i] = 2;  // (rule 0, the DROP)
        b.insns = {I(PFW_OP_STATE_CHECK, 0, 0, 0), I(PFW_OP_ACCEPT), I(PFW_OP_DROP)};
        return b;
    };
    CHECK(why(stateCheck(PFW_MAX_STATE_PAIRS + 1, PFW_MAX_STATE_PAIRS + 1)) ==
          "insn 0: STATE_CHECK has 65537 pairs, limit 65536");
    // a count the pool cannot hold is out of range first
    CHECK(why(stateCheck(0xffffffffu, 4)) == "insn 0: STATE_CHECK: pool index 0 out of range (9 words)");
    CHECK(why(stateCheck(5, 4)) == "insn 0: STATE_CHECK: pool index 0 out of range (9 words)");
    pfw_prog p{};
    auto ok = stateCheck(PFW_MAX_STATE_PAIRS, PFW_MAX_STATE_PAIRS).build();
    REQUIRE(verify::check(ok, &p) == "");
    CHECK(p.cost == 1 + PFW_COST_STATE + PFW_MAX_STATE_PAIRS + 1);
    auto back = stateCheck(1, 1);
    back.pool[2] = 0;
    CHECK(why(back) == "insn 0: state target 0 is not a later instruction");
    // lists of the largest size in a row: 16 are over the budget, 15 within
    auto lists = [](uint32_t k) {
        ProgBuilder b;
        for (uint32_t i = 0; i < k; i++) {
            uint32_t list = b.addPool({PFW_MAX_STATE_PAIRS});
            b.pool.resize(list + 1 + 2 * PFW_MAX_STATE_PAIRS, 0);
            for (uint32_t j = 0; j < PFW_MAX_STATE_PAIRS; j++)
                b.pool[list + 2 + 2 * j] = k;  // (rule 0, the ACCEPT)
            b.insns.push_back(I(PFW_OP_STATE_CHECK, 0, 0, list));
        }
        b.insns.push_back(I(PFW_OP_ACCEPT));
        return b;
    };
    CHECK(why(lists(16)) == kTooCostly);
    pfw_prog q{};
    auto blob = lists(15).build();
    REQUIRE(verify::check(blob, &q) == "");
    CHECK(q.cost == 15 * (1 + PFW_COST_STATE + PFW_MAX_STATE_PAIRS) + 1);
}
