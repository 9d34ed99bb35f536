// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// core/SwitchTests.cpp
// SWITCH, the indirect forward jump through a value (ipfw's skipto
// tablearg): which target a value picks, what the verifier refuses, and
// what a switch costs.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>

#include "ProgBuilder.h"
#include "decode/Disasm.h"
#include "sim/SimHost.h"
#include "verify/Verify.h"

using namespace pfw;
using testing::I;
using testing::ProgBuilder;

namespace {

// SWITCH on dport: [100, 200) -> rule 1, [200, 300) -> rule 2, 300.. -> rule 3;
// below 100 falls through to rule 0.
ProgBuilder switchProg() {
    ProgBuilder b;
    b.rules = {{0, 0, 10, 0}, {1, 0, 11, 0}, {2, 0, 12, 0}, {3, 0, 13, 0}};
    uint32_t sw = b.addPool({3, 100, 3, 200, 5, 300, 7});
    b.insns = {I(PFW_OP_SWITCH, PFW_FLD_DPORT, 0, sw),
               I(PFW_OP_RULE, 0, 0, 0), I(PFW_OP_ACCEPT),
               I(PFW_OP_RULE, 0, 0, 1), I(PFW_OP_DROP),
               I(PFW_OP_RULE, 0, 0, 2), I(PFW_OP_DROP),
               I(PFW_OP_RULE, 0, 0, 3), I(PFW_OP_REJECT, 0, 0, PFW_REJECT_TCP_RST << 8)};
    return b;
}

uint32_t ruleFor(uint32_t dport) {
    static std::vector<uint32_t> blob = switchProg().build();
    static pfw_prog p{};
    static bool ok = verify::check(blob, &p).empty();
    REQUIRE(ok);
    sim::SimHost host(p);
    pfw_pkt pkt;
    pfw_pkt_init(&pkt);
    pkt.f[PFW_FLD_DPORT] = dport;
    pfw_run run;
    host.run(pkt, PFW_HOOK_FORWARD, run);
    REQUIRE(run.error == PFW_ERR_NONE);
    return run.rule;
}

}  // namespace

TEST_CASE("switch: a value picks the last bound at or below it", "[switch]") {
    CHECK(ruleFor(0) == 0);
    CHECK(ruleFor(99) == 0);
    CHECK(ruleFor(100) == 1);
    CHECK(ruleFor(199) == 1);
    CHECK(ruleFor(200) == 2);
    CHECK(ruleFor(299) == 2);
    CHECK(ruleFor(300) == 3);
    CHECK(ruleFor(PFW_NONE16) == 3);
    CHECK(ruleFor(0xffffffffu) == 3);
}

TEST_CASE("switch: cost is the worst target plus the search", "[switch]") {
    pfw_prog p{};
    auto blob = switchProg().build();
    REQUIRE(verify::check(blob, &p) == "");
    // SWITCH: 1 + 1 + ceil(log2 3) = 4, then RULE + a terminal: 2
    CHECK(p.hook_cost[PFW_HOOK_FORWARD] == 6);
    std::string text = decode::disassemble(p);
    CHECK(text.find("switch dport 100.. -> 3, 200.. -> 5, 300.. -> 7") != std::string::npos);
}

TEST_CASE("switch: the verifier checks every target and bound", "[switch][verifier]") {
    struct Case {
        const char* desc;
        std::function<void(ProgBuilder&)> edit;
        const char* err;
    } cases[] = {
        {"no pairs", [](ProgBuilder& b) { b.pool[0] = 0; }, "insn 0: SWITCH has 0 pairs, 1 to 65536 allowed"},
        {"too many pairs", [](ProgBuilder& b) { b.pool[0] = 65537; }, "insn 0: SWITCH has 65537 pairs, 1 to 65536 allowed"},
        {"pairs past the pool", [](ProgBuilder& b) { b.pool[0] = 4; }, "insn 0: SWITCH: pool index 0 out of range (7 words)"},
        {"bounds not ascending", [](ProgBuilder& b) { b.pool[3] = 100; },
         "insn 0: SWITCH bound 1 is not above the one before"},
        {"a target backwards", [](ProgBuilder& b) { b.pool[4] = 0; },
         "insn 0: switch target 1 is not a later instruction"},
        {"a target past the end", [](ProgBuilder& b) { b.pool[6] = 9; },
         "insn 0: switch target 2 is not a later instruction"},
        {"an address field", [](ProgBuilder& b) { b.insns[0].field = PFW_FLD_DADDR; }, "insn 0: SWITCH: bad field 65"},
        {"an inverted field", [](ProgBuilder& b) { b.insns[0].field = PFW_FLD_DPORT | PFW_F_INV; },
         "insn 0: SWITCH: bad field 131"},
        {"a jump offset", [](ProgBuilder& b) { b.insns[0].jf = 1; }, "insn 0: SWITCH takes no jump offset"},
        {"two switches on one table",
         [](ProgBuilder& b) {
             b.insns.insert(b.insns.begin(), I(PFW_OP_SWITCH, PFW_FLD_SPORT, 0, 0));
             for (uint32_t i = 2; i < 7; i += 2)
                 b.pool[i]++;
         },
         "insn 1: pool word 0 is already used by another table"},
    };
    for (const auto& c : cases) {
        INFO(c.desc);
        ProgBuilder b = switchProg();
        c.edit(b);
        CHECK(verify::check(b.build()) == c.err);
    }
}
