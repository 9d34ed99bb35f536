// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// core/VerifierTests.cpp
// The shared verifier on hand-made programs: one behaviour per entry.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>
#include <functional>

#include "ProgBuilder.h"
#include "RandomRules.h"
#include "driver/Compile.h"
#include "verify/Verify.h"

using namespace pfw;
using testing::I;
using testing::ProgBuilder;

namespace {

struct Case {
    const char* desc;
    std::function<void(ProgBuilder&)> edit;
    const char* errstr;  // nullptr: must be accepted
};

// A valid base: a rule that drops UDP to port 9, else accept.
ProgBuilder base() {
    ProgBuilder b;
    b.insns = {I(PFW_OP_CMP, PFW_FLD_L4PROTO, 3, 17), I(PFW_OP_CMP, PFW_FLD_DPORT, 2, 9), I(PFW_OP_RULE, 0, 0, 0),
               I(PFW_OP_DROP), I(PFW_OP_ACCEPT)};
    return b;
}

const Case kCases[] = {
    {"the base program", [](ProgBuilder&) {}, nullptr},
    {"unknown opcode", [](ProgBuilder& b) { b.insns[1].op = 0x3f; }, "insn 1: unknown opcode 0x3f"},
    {"opcode past the table", [](ProgBuilder& b) { b.insns[1].op = 0xff; }, "insn 1: unknown opcode 0xff"},
    {"backward jump", [](ProgBuilder& b) { b.insns.insert(b.insns.begin() + 4, I(PFW_OP_JMP, 0, 0, 0xffffffffu)); },
     "insn 4: jump of 4294967295 goes past the end"},
    {"jump past the end", [](ProgBuilder& b) { b.insns[0].jf = 10; }, "insn 0: jump of 10 goes past the end"},
    {"jump onto the end", [](ProgBuilder& b) { b.insns[0].jf = 4; }, "insn 0: jump of 4 goes past the end"},
    {"last instruction falls off", [](ProgBuilder& b) { b.insns.pop_back(); },
     "insn 0: jump of 3 goes past the end"},
    {"action as last instruction", [](ProgBuilder& b) { b.insns.back() = I(PFW_OP_RULE); },
     "insn 4: RULE falls off the end of the program"},
    {"test as last instruction", [](ProgBuilder& b) { b.insns.back() = I(PFW_OP_CMP, PFW_FLD_DPORT, 0, 1); },
     "insn 4: jump of 0 goes past the end"},
    {"pool index out of range", [](ProgBuilder& b) { b.insns[1] = I(PFW_OP_RANGE, PFW_FLD_DPORT, 2, 7); },
     "insn 1: RANGE: pool index 7 out of range (0 words)"},
    {"pool range straddles the end",
     [](ProgBuilder& b) {
         b.pool = {1, 2, 3};
         b.insns[1] = I(PFW_OP_RANGE, PFW_FLD_DPORT, 2, 2);
     },
     "insn 1: RANGE: pool index 2 out of range (3 words)"},
    {"address operand short",
     [](ProgBuilder& b) {
         b.pool.assign(7, 0);
         b.insns[1] = I(PFW_OP_ADDR_MASK, PFW_FLD_DADDR, 2, 0);
     },
     "insn 1: ADDR_MASK: pool index 0 out of range (7 words)"},
    {"scalar op on an address field", [](ProgBuilder& b) { b.insns[1].field = PFW_FLD_DADDR; },
     "insn 1: CMP: bad field 65"},
    {"unknown field", [](ProgBuilder& b) { b.insns[1].field = 0x3f; }, "insn 1: CMP: bad field 63"},
    {"action with a field", [](ProgBuilder& b) { b.insns[3].field = 1; }, "insn 3: DROP: bad field 1"},
    {"action with a jump", [](ProgBuilder& b) { b.insns[3].jf = 1; }, "insn 3: DROP takes no jump offset"},
    {"rule index out of range", [](ProgBuilder& b) { b.insns[2].arg = 1; }, "insn 2: RULE: bad operand 1"},
    {"set index out of range", [](ProgBuilder& b) { b.insns[1] = I(PFW_OP_INSET, PFW_FLD_DPORT, 2, 0); },
     "insn 1: INSET: bad field 3"},
    {"limiter index out of range", [](ProgBuilder& b) { b.insns[1] = I(PFW_OP_LIMIT, 0, 2, 0); },
     "insn 1: LIMIT: bad operand 0"},
    {"accept continuation backwards", [](ProgBuilder& b) { b.insns[3] = I(PFW_OP_ACCEPT, 0, 0, 1); },
     "insn 3: continuation 1 is not a later instruction"},
    {"drop with an operand", [](ProgBuilder& b) { b.insns[3].arg = 5; }, "insn 3: DROP: bad operand 5"},
    {"reject kind unknown", [](ProgBuilder& b) { b.insns[3] = I(PFW_OP_REJECT, 0, 0, 9 << 8); },
     "insn 3: REJECT: bad operand 2304"},
    {"dscp too large", [](ProgBuilder& b) { b.insns.insert(b.insns.begin() + 3, I(PFW_OP_SET_DSCP, 0, 0, 64)); },
     "insn 3: SET_DSCP: bad operand 64"},
    {"ifname length too large",
     [](ProgBuilder& b) {
         b.pool = {17, 0, 0, 0, 0};
         b.insns[1] = I(PFW_OP_IFNAME, PFW_FLD_IIF, 2, 0);
     },
     "insn 1: IFNAME: bad operand 0"},
    {"log prefix not terminated",
     [](ProgBuilder& b) {
         b.pool.assign(PFW_LOG_WORDS, 0x41414141);
         b.pool[0] = 4;
         b.pool[1] = PFW_NONE32;
         b.pool[2] = 0;
         b.insns.insert(b.insns.begin() + 3, I(PFW_OP_LOG, 0, 0, 0));
     },
     "insn 3: LOG: bad operand 0"},
    {"hook entry past the end", [](ProgBuilder& b) { b.entry[PFW_HOOK_INPUT] = 5; },
     "hook 1 entry 5 is past the end (5 insns)"},
    {"bad magic", [](ProgBuilder& b) { b.magic = 0x12345678; }, "bad magic 0x12345678"},
    {"byte-swapped magic", [](ProgBuilder& b) { b.magic = 0x50465731; }, "bad magic 0x50465731"},
    {"unknown version", [](ProgBuilder& b) { b.version = 9; }, "unsupported program version 9 (header 16 words)"},
    {"unknown flags", [](ProgBuilder& b) { b.flags = 1; }, "unknown header flags 0x1"},
    {"no instructions", [](ProgBuilder& b) { b.insns.clear(); }, "oversize program: a section count is out of range"},
    {"string table not terminated", [](ProgBuilder& b) { b.strtab = "abcd"; },
     "string table is not NUL-terminated"},
    {"rule location outside the strings", [](ProgBuilder& b) { b.rules[0].loc = 8; },
     "rule 0: location 8 is outside the string table"},
    {"set bounds out of order",
     [](ProgBuilder& b) {
         b.pool = {10, 20, 15, 30};
         b.sets = {{1, 0, 0, 2, 0}};
         b.insns[1] = I(PFW_OP_INSET, PFW_FLD_DPORT, 2, 0);
     },
     "set 0: element 1 is not above element 0"},
    {"set element lo above hi",
     [](ProgBuilder& b) {
         b.pool = {20, 10};
         b.sets = {{1, 0, 0, 1, 0}};
         b.insns[1] = I(PFW_OP_INSET, PFW_FLD_DPORT, 2, 0);
     },
     "set 0: element 0 has lo > hi"},
    {"set runs past the pool",
     [](ProgBuilder& b) {
         b.pool = {1, 2};
         b.sets = {{1, 0, 0, 2, 0}};
     },
     "set 0: 2 elements at pool 0 run past the pool (2 words)"},
    {"set width mismatch with the field",
     [](ProgBuilder& b) {
         b.pool = {1, 2};
         b.sets = {{1, 0, 0, 1, 0}};
         b.insns[1] = I(PFW_OP_INSET, PFW_FLD_DADDR, 2, 0);
     },
     "insn 1: INSET: bad field 65"},
    {"limiter with zero rate", [](ProgBuilder& b) { b.lims = {{0, 5, 0, 0}}; },
     "limiter 0: rate and burst must be non-zero, flags known"},
};

}  // namespace

TEST_CASE("verifier table", "[verifier]") {
    for (const auto& c : kCases) {
        ProgBuilder b = base();
        c.edit(b);
        std::string why = verify::check(b.build());
        INFO(c.desc);
        CHECK(why == (c.errstr ? c.errstr : ""));
    }
}

TEST_CASE("verifier rejects truncated and oversize blobs", "[verifier]") {
    auto blob = base().build();
    for (size_t words = 0; words < blob.size(); words++) {
        std::vector<uint32_t> cut(blob.begin(), blob.begin() + static_cast<long>(words));
        CHECK(verify::check(cut) != "");
    }
    CHECK(verify::check(std::vector<uint32_t>(3)) == "truncated program: 12 bytes, header needs 64");
    auto big = blob;
    big.push_back(0);
    CHECK(verify::check(big) == "oversize program: sections need 128 bytes, got 132");
    auto cut = blob;
    cut.pop_back();
    CHECK(verify::check(cut) == "truncated program: sections need 128 bytes, got 124");
    ProgBuilder huge = base();
    huge.insns.resize(PFW_MAX_INSNS + 1, I(PFW_OP_ACCEPT));
    CHECK(verify::check(huge.build()).rfind("oversize program", 0) == 0);
}

TEST_CASE("verifier checks classifier structures", "[verifier]") {
    // one classifier, one tree: a leaf listing entry 0
    auto make = [] {
        ProgBuilder b;
        b.insns = {I(PFW_OP_CLASSIFY, 0, 2, 0), I(PFW_OP_RULE), I(PFW_OP_DROP), I(PFW_OP_ACCEPT)};
        b.pool = {0, 0};  // site: classifier 0 from result 0
        uint32_t jt = static_cast<uint32_t>(b.pool.size());
        b.pool.push_back(1);  // result 0 -> insn 1
        uint32_t ent = static_cast<uint32_t>(b.pool.size());
        std::vector<uint32_t> e(PFW_CLS_ENTRY_WORDS, 0);
        for (unsigned d = 0; d < PFW_DIM_NSCALAR; d++)
            e[2 + 2 * d] = 0xffffffffu;
        for (unsigned k = 0; k < 8; k++)
            e[1 + 2 * PFW_DIM_NSCALAR + 4 + k] = 0xffffffffu;  // hi words of both address dims
        b.pool.insert(b.pool.end(), e.begin(), e.end());
        uint32_t node = static_cast<uint32_t>(b.pool.size());
        b.pool.insert(b.pool.end(), {PFW_CLS_LEAF, 1, 0});
        uint32_t roots = static_cast<uint32_t>(b.pool.size());
        b.pool.push_back(0);
        b.cls = {{1, jt, 1, ent, node, 3, 1, roots}};
        return b;
    };
    CHECK(verify::check(make().build()) == "");
    {
        auto b = make();
        b.pool[2] = 0;  // jump table points at the CLASSIFY itself
        CHECK(verify::check(b.build()) == "insn 0: classifier target is not a later instruction");
    }
    {
        auto b = make();
        b.pool[2] = 9;
        CHECK(verify::check(b.build()) ==
              "classifier 0: jump table entry 0 (9) is not ascending inside the program");
    }
    {
        auto b = make();
        b.cls[0].node_words = 2;  // leaf says 1 entry, area too short
        CHECK(verify::check(b.build()) == "classifier 0: malformed node at word 0");
    }
    {
        auto b = make();
        b.pool[b.cls[0].node_off + 2] = 5;  // entry index out of range
        CHECK(verify::check(b.build()) == "classifier 0: malformed node at word 0");
    }
    {
        auto b = make();
        b.pool[b.cls[0].roots_off] = 1;  // root in the middle of a node
        CHECK(verify::check(b.build()) == "classifier 0: root 0 is not a node");
    }
    {
        auto b = make();
        b.cls[0].n_trees = 0;
        CHECK(verify::check(b.build()) == "classifier 0: a table runs past the pool");
    }
    {
        auto b = make();
        b.pool[1] = 1;  // site starts past the last result
        CHECK(verify::check(b.build()) == "insn 0: CLASSIFY: bad operand 0");
    }
    {
        // a cut node whose child points backwards (a loop)
        auto b = make();
        uint32_t node = b.cls[0].node_off;
        b.pool.resize(node);
        b.pool.insert(b.pool.end(), {PFW_CLS_CUT | (PFW_DIM_DPORT << 8), 2, 100, 0, 0});
        b.cls[0].node_words = 5;
        uint32_t roots = static_cast<uint32_t>(b.pool.size());
        b.pool.push_back(0);
        b.cls[0].roots_off = roots;
        CHECK(verify::check(b.build()) == "classifier 0: malformed node at word 0");
    }
}

TEST_CASE("verifier accepts every program the compiler emits", "[verifier]") {
    testing::Gen g(77);
    for (int n = 0; n < 300; n++) {
        auto prog = g.randomProgram(3, 40);
        auto res = driver::compile(prog);
        REQUIRE(res.error == "");
        // flipping any instruction's opcode to an unknown one is caught
        auto bad = res.blob;
        size_t insn0 = sizeof(pfw_prog_hdr) / 4;
        bad[insn0] = (bad[insn0] & ~0xffu) | 0x3f;
        CHECK(verify::check(bad) == "insn 0: unknown opcode 0x3f");
    }
}
