// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// core/LiveSetTests.cpp
// Live sets: pfw_lset_split() (exact, ordered, minimal), the longest-prefix
// lookup and the kernel's refusals as ir::LiveSet mirrors them, the code
// generator's set descriptors, the verifier's checks of live descriptors,
// and random programs with live set matches run by the interpreter against
// sim::SimHost's contents, compared with ir::refEvaluate on the same ones.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <random>

#include "ProgBuilder.h"
#include "RandomRules.h"
#include "decode/Disasm.h"
#include "driver/Compile.h"
#include "ir/LiveSet.h"
#include "ir/RefEval.h"
#include "sim/SimHost.h"
#include "verify/Verify.h"

extern "C" {
#include "polyfw/lib/lset.h"
}

using namespace pfw;
using ir::Key;
using ir::LiveElem;
using ir::Match;
using ir::u128;
using testing::I;
using testing::ProgBuilder;

namespace {

u128 val(const Key& k) {
    return (static_cast<u128>(k[0]) << 96) | (static_cast<u128>(k[1]) << 64) | (static_cast<u128>(k[2]) << 32) | k[3];
}

Key key(u128 v) {
    return {static_cast<uint32_t>(v >> 96), static_cast<uint32_t>(v >> 64), static_cast<uint32_t>(v >> 32),
            static_cast<uint32_t>(v)};
}

Key num(uint32_t v) {
    return {0, 0, 0, v};
}

Key v4(uint32_t a) {
    return {0, 0, 0xffff, a};
}

LiveElem prefix4(uint32_t a, unsigned len, uint32_t value = 0) {
    ir::Interval iv = ir::prefixInterval(ir::v4Mapped(a), 96 + len);
    return {key(iv.lo), key(iv.hi), value};
}

u128 blockEnd(u128 start, unsigned plen) {
    return plen == 0 ? ~static_cast<u128>(0) : start | (~static_cast<u128>(0) >> plen);
}

// Checks that split is exactly [lo, hi], ascending, aligned, and minimal:
// no two neighbours of one length that together are an aligned block.
void checkSplit(u128 lo, u128 hi) {
    INFO("lo " << static_cast<uint64_t>(lo >> 64) << ":" << static_cast<uint64_t>(lo) << " hi "
               << static_cast<uint64_t>(hi >> 64) << ":" << static_cast<uint64_t>(hi));
    auto split = ir::splitInterval(key(lo), key(hi));
    REQUIRE(!split.empty());
    CHECK(split.size() <= PFW_LSET_MAX_SPLIT);
    u128 next = lo;
    for (size_t i = 0; i < split.size(); i++) {
        u128 start = val(split[i].first);
        unsigned plen = split[i].second;
        REQUIRE(plen <= 128);
        CHECK(start == next);
        // aligned: the bits below the prefix are clear
        if (plen < 128)
            CHECK((start & (~static_cast<u128>(0) >> plen)) == 0);
        u128 end = plen == 128 ? start : blockEnd(start, plen);
        CHECK(end <= hi);
        if (i + 1 < split.size()) {
            CHECK(end != ~static_cast<u128>(0));
            next = end + 1;
            // minimal: two equal neighbours never form their parent block
            if (split[i + 1].second == plen && plen > 0) {
                u128 parentMask = ~static_cast<u128>(0) >> (plen - 1);
                CHECK((start & parentMask) != 0);
            }
        } else {
            CHECK(end == hi);
        }
    }
}

// Every prefix of every element's split: start, end, length, element.
struct Node {
    u128 start, end;
    unsigned plen;
    const LiveElem* elem;
};

std::vector<Node> nodesOf(const std::vector<LiveElem>& elems) {
    std::vector<Node> nodes;
    for (const auto& e : elems)
        for (const auto& [k, plen] : ir::splitInterval(e.lo, e.hi))
            nodes.push_back({val(k), plen == 128 ? val(k) : blockEnd(val(k), plen), plen, &e});
    return nodes;
}

// The element a lookup must find, by brute force over every node.
const LiveElem* bruteLookup(const std::vector<Node>& nodes, u128 v) {
    const LiveElem* best = nullptr;
    int bestLen = -1;
    for (const auto& n : nodes)
        if (v >= n.start && v <= n.end && static_cast<int>(n.plen) > bestLen) {
            bestLen = static_cast<int>(n.plen);
            best = n.elem;
        }
    return best;
}

}  // namespace

TEST_CASE("live sets: pfw_lset_split on known intervals", "[liveset]") {
    auto split = ir::splitInterval(num(0), num(5));
    REQUIRE(split.size() == 2);
    CHECK(split[0] == std::make_pair(num(0), 126u));
    CHECK(split[1] == std::make_pair(num(4), 127u));

    split = ir::splitInterval(num(7), num(7));
    REQUIRE(split.size() == 1);
    CHECK(split[0] == std::make_pair(num(7), 128u));

    // everything is one prefix of length 0
    split = ir::splitInterval(key(0), key(~static_cast<u128>(0)));
    REQUIRE(split.size() == 1);
    CHECK(split[0].second == 0u);

    // 10.0.0.0/8
    LiveElem p = prefix4(0x0a000000, 8);
    split = ir::splitInterval(p.lo, p.hi);
    REQUIRE(split.size() == 1);
    CHECK(split[0] == std::make_pair(v4(0x0a000000), 104u));

    // 1..65534 of a number set: the worst case of 16-bit numbers
    split = ir::splitInterval(num(1), num(65534));
    CHECK(split.size() == 30);
    checkSplit(1, 65534);

    // the widest split there is
    split = ir::splitInterval(key(1), key(~static_cast<u128>(0) - 1));
    CHECK(split.size() == PFW_LSET_MAX_SPLIT);

    // a range across a word boundary, and the top of the key space
    checkSplit((static_cast<u128>(1) << 32) - 3, (static_cast<u128>(1) << 32) + 2);
    checkSplit(~static_cast<u128>(0) - 9, ~static_cast<u128>(0));
    // lo > hi splits into nothing
    CHECK(ir::splitInterval(num(5), num(4)).empty());
}

TEST_CASE("live sets: the split of random intervals is exact, ordered and minimal", "[liveset]") {
    std::mt19937_64 rng(7);
    auto r128 = [&] {
        u128 v = (static_cast<u128>(rng()) << 64) | rng();
        // random magnitude, so that short and long splits both occur
        unsigned shift = rng() % 128;
        v >>= shift;
        if (rng() % 4 == 0)
            v |= ~static_cast<u128>(0) << (120 + rng() % 8);  // near the top
        return v;
    };
    for (int i = 0; i < 3000; i++) {
        u128 a = r128(), b = rng() % 3 ? a + (r128() >> (rng() % 128)) : r128();
        if (b < a)
            std::swap(a, b);
        checkSplit(a, b);
    }
}

TEST_CASE("live sets: longest prefix, innermost range, the kernel's refusals", "[liveset]") {
    ir::LiveSet s;
    REQUIRE(s.add(prefix4(0x0a000000, 8, 1)) == 0);
    REQUIRE(s.add(prefix4(0x0a010000, 16, 2)) == 0);
    auto at = [&](uint32_t a) -> int64_t {
        const LiveElem* e = s.lookup(v4(a));
        return e ? static_cast<int64_t>(e->value) : -1;
    };
    CHECK(at(0x0a010203) == 2);
    CHECK(at(0x0a020304) == 1);
    CHECK(at(0x0b000000) == -1);
    // the same interval again: a new value
    REQUIRE(s.add(prefix4(0x0a010000, 16, 5)) == 0);
    CHECK(at(0x0a010203) == 5);
    CHECK(s.size() == 2);
    // a /16 that is part of the /8's split cannot be told apart... but a
    // prefix is one node: another element with the very same node is refused
    ir::LiveSet n;
    REQUIRE(n.add({num(0), num(5), 1}) == 0);
    CHECK(n.add({num(4), num(5), 2}) == -EEXIST);  // (4, /127) is the first's
    CHECK(n.add({num(0), num(3), 2}) == -EEXIST);  // (0, /126) too
    REQUIRE(n.add({num(0), num(1), 3}) == 0);      // nested: the innermost wins
    REQUIRE(n.add({num(5), num(5), 4}) == 0);
    CHECK(n.lookup(num(0))->value == 3);
    CHECK(n.lookup(num(2))->value == 1);
    CHECK(n.lookup(num(4))->value == 1);
    CHECK(n.lookup(num(5))->value == 4);
    CHECK(n.lookup(num(6)) == nullptr);
    CHECK(n.add({num(6), num(5), 0}) == -EINVAL);
    // overlapping, not nested, but with no node in common: both stay
    REQUIRE(n.add({num(3), num(10), 9}) == 0);
    CHECK(n.lookup(num(3))->value == 9);  // (3, /128) beats (0, /126)
    CHECK(n.lookup(num(2))->value == 1);
    CHECK(n.lookup(num(7))->value == 9);
    // delete: only the exact interval
    CHECK(n.del(num(0), num(4)) == -ENOENT);
    REQUIRE(n.del(num(0), num(1)) == 0);
    CHECK(n.lookup(num(0))->value == 1);
    // a failed replace leaves the old contents
    size_t failed = 99;
    CHECK(n.replace({{num(100), num(200), 1}, {num(100), num(103), 2}}, &failed) == -EEXIST);
    CHECK(failed == 1);
    CHECK(n.lookup(num(0))->value == 1);
    REQUIRE(n.replace({{num(100), num(200), 1}}) == 0);
    CHECK(n.lookup(num(0)) == nullptr);
    CHECK(n.lookup(num(150))->value == 1);
    CHECK(n.size() == 1);
    // the prefix cap
    ir::LiveSet capped;
    capped.maxPrefixes = 3;
    REQUIRE(capped.add({num(0), num(5), 0}) == 0);       // 2 prefixes
    CHECK(capped.add({num(8), num(10), 0}) == -ENOSPC);  // 2 more
    CHECK(capped.add({num(8), num(8), 0}) == 0);
    CHECK(capped.prefixes() == 3);
    n.flush();
    CHECK(n.size() == 0);
    CHECK(n.prefixes() == 0);
}

TEST_CASE("live sets: lookups agree with a brute force over random contents", "[liveset]") {
    std::mt19937 rng(11);
    for (int round = 0; round < 40; round++) {
        ir::LiveSet s;
        std::vector<LiveElem> kept;
        for (int i = 0; i < 60; i++) {
            uint32_t a = rng() % 4096, b = a + (rng() % 3 ? rng() % 64 : 0);
            LiveElem e{num(a), num(b), static_cast<uint32_t>(i)};
            if (s.add(e) == 0) {
                bool again = false;
                for (auto& k : kept)
                    if (k.lo == e.lo && k.hi == e.hi) {
                        k.value = e.value;
                        again = true;
                    }
                if (!again)
                    kept.push_back(e);
            }
        }
        CHECK(s.size() == kept.size());
        const std::vector<Node> nodes = nodesOf(kept);
        for (uint32_t v = 0; v < 4200; v += 1 + rng() % 3) {
            const LiveElem* want = bruteLookup(nodes, v);
            const LiveElem* got = s.lookup(num(v));
            REQUIRE((want == nullptr) == (got == nullptr));
            if (want)
                CHECK(got->value == want->value);
        }
    }
}

//------------------------------------------------------------------------------
// The verifier
//------------------------------------------------------------------------------

namespace {

// INSET saddr on set 0 (a live address set named "blocklist"), drop, else
// accept.
ProgBuilder liveBase() {
    ProgBuilder b;
    b.strtab = std::string("\0rule\0blocklist\0other\0\0\0", 24);
    b.sets = {{4, 1, PFW_SET_F_LIVE, 0, 6}};
    b.insns = {I(PFW_OP_INSET, PFW_FLD_SADDR, 2, 0), I(PFW_OP_RULE, 0, 0, 0), I(PFW_OP_DROP), I(PFW_OP_ACCEPT)};
    return b;
}

std::string verifyOf(const ProgBuilder& b) {
    return verify::check(b.build());
}

}  // namespace

TEST_CASE("live sets: the verifier's checks of live set descriptors", "[liveset][verifier]") {
    CHECK(verifyOf(liveBase()) == "");
    {
        ProgBuilder b = liveBase();
        b.sets[0].n_elems = 1;
        CHECK(verifyOf(b) == "set 0: a live set has no elements in the program");
    }
    {
        ProgBuilder b = liveBase();
        b.sets[0].pool_off = 0;  // the empty string
        CHECK(verifyOf(b) == "set 0: live set name at strtab 0 is not a valid name");
        b.sets[0].pool_off = 100;  // past the strtab
        CHECK(verifyOf(b) == "set 0: live set name at strtab 100 is not a valid name");
        b.strtab = std::string("\0rule\0-bad\0\0", 12);
        b.sets[0].pool_off = 6;
        CHECK(verifyOf(b) == "set 0: live set name at strtab 6 is not a valid name");
        // a name of 32 characters is one too long
        b.strtab = std::string("\0rule\0", 6) + std::string(32, 'a') + std::string(2, '\0');
        CHECK(verifyOf(b) == "set 0: live set name at strtab 6 is not a valid name");
        b.strtab = std::string("\0rule\0", 6) + std::string(31, 'a') + std::string(3, '\0');
        CHECK(verifyOf(b) == "");
    }
    {
        ProgBuilder b = liveBase();
        b.sets[0].flags = PFW_SET_F_IFNAME;  // without LIVE
        CHECK(verifyOf(b) == "set 0: bad width 4 or flags");
        b.sets[0].flags = PFW_SET_F_LIVE | PFW_SET_F_IFNAME;
        b.sets[0].width = 1;  // interface sets are 4 words
        CHECK(verifyOf(b) == "set 0: bad width 1 or flags");
        b.sets[0].width = 4;
        b.sets[0].flags = PFW_SET_F_LIVE | 0x8;
        CHECK(verifyOf(b) == "set 0: bad width 4 or flags");
    }
    {
        ProgBuilder b = liveBase();
        b.sets.push_back({1, 0, PFW_SET_F_LIVE, 0, 6});
        CHECK(verifyOf(b) == "set 1: live set blocklist is declared twice (set 0)");
        b.sets[1].pool_off = 16;  // "other"
        CHECK(verifyOf(b) == "");
    }
    {
        // an interface set on a scalar field, an address field; on an interface field
        ProgBuilder b = liveBase();
        b.sets[0].flags = PFW_SET_F_LIVE | PFW_SET_F_IFNAME;
        CHECK(verifyOf(b) == "insn 0: INSET: bad field 64");
        b.insns[0].field = PFW_FLD_DPORT;
        CHECK(verifyOf(b) == "insn 0: INSET: bad field 3");
        b.insns[0].field = PFW_FLD_IIF;
        CHECK(verifyOf(b) == "");
        // a number set on an address field
        b.sets[0] = {1, 0, PFW_SET_F_LIVE, 0, 6};
        b.insns[0].field = PFW_FLD_SADDR;
        CHECK(verifyOf(b) == "insn 0: INSET: bad field 64");
    }
    {
        // the cost of a live lookup
        ProgBuilder b = liveBase();
        pfw_prog p{};
        std::vector<uint32_t> blob = b.build();
        REQUIRE(verify::check(blob, &p) == "");
        CHECK(p.cost >= PFW_COST_LIVESET);
    }
}

//------------------------------------------------------------------------------
// The code generator and the differential test
//------------------------------------------------------------------------------

namespace {

ir::Rule rule(std::vector<Match> ms, ir::Action::Kind k, uint32_t id) {
    ir::Rule r;
    r.matches = std::move(ms);
    r.action.kind = k;
    r.id = id;
    r.loc = "t:" + std::to_string(id);
    return r;
}

ir::Program oneRuleset(std::vector<ir::Rule> rules) {
    ir::Program prog;
    ir::Ruleset rs;
    rs.name = "t";
    rs.hooks = {PFW_HOOK_FORWARD, PFW_HOOK_INPUT};
    rs.rules = std::move(rules);
    prog.rulesets.push_back(rs);
    return prog;
}

}  // namespace

TEST_CASE("live sets: descriptors, one per name, and type conflicts", "[liveset][codegen]") {
    ir::Program prog = oneRuleset({
        rule({Match::liveSet(PFW_FLD_SADDR, "blocklist", true)}, ir::Action::Kind::Drop, 1),
        rule({Match::liveSet(PFW_FLD_DADDR, "blocklist", true, true)}, ir::Action::Kind::Drop, 2),
        rule({Match::liveSet(PFW_FLD_DPORT, "ports")}, ir::Action::Kind::Accept, 3),
        rule({Match::liveSet(PFW_FLD_OIF, "uplinks")}, ir::Action::Kind::Accept, 4),
    });
    driver::CompileResult res = driver::compile(prog);
    REQUIRE(res.error == "");
    pfw_prog p{};
    REQUIRE(verify::check(res.blob, &p) == "");
    REQUIRE(p.n_sets == 3);
    auto name = [&](uint32_t i) { return std::string(p.strtab + p.sets[i].pool_off); };
    CHECK(name(0) == "blocklist");
    CHECK(p.sets[0].width == 4);
    CHECK(p.sets[0].has_value == 1);
    CHECK(p.sets[0].flags == PFW_SET_F_LIVE);
    CHECK(p.sets[0].n_elems == 0);
    CHECK(name(1) == "ports");
    CHECK(p.sets[1].width == 1);
    CHECK(p.sets[1].has_value == 0);
    CHECK(p.sets[1].flags == PFW_SET_F_LIVE);
    CHECK(name(2) == "uplinks");
    CHECK(p.sets[2].width == 4);
    CHECK(p.sets[2].flags == (PFW_SET_F_LIVE | PFW_SET_F_IFNAME));
    // the disassembly names them
    std::string text = decode::disassemble(p);
    CHECK(text.find("inset saddr @blocklist") != std::string::npos);
    CHECK(text.find("inset !daddr @blocklist") != std::string::npos);
    CHECK(text.find("inset dport @ports") != std::string::npos);
    CHECK(text.find("inset oif @uplinks") != std::string::npos);
    CHECK(text.find("; set0: live @blocklist, addresses with values") != std::string::npos);
    CHECK(text.find("; set2: live @uplinks, interfaces") != std::string::npos);
    nlohmann::json j = decode::disassembleJson(p);
    REQUIRE(j["live_sets"].size() == 3);
    CHECK(j["live_sets"][0] ==
          nlohmann::json{{"set", 0}, {"name", "blocklist"}, {"type", "address"}, {"values", true}});
    CHECK(j["live_sets"][1]["type"] == "number");
    CHECK(j["live_sets"][2]["type"] == "interface");

    // one name, two types: an error naming the set
    ir::Program bad = oneRuleset({
        rule({Match::liveSet(PFW_FLD_SADDR, "blocklist")}, ir::Action::Kind::Drop, 1),
        rule({Match::liveSet(PFW_FLD_DPORT, "blocklist")}, ir::Action::Kind::Drop, 2),
    });
    CHECK(driver::compile(bad).error == "live set blocklist is used as an address set and as a number set");
    bad.rulesets[0].rules[1].matches[0] = Match::liveSet(PFW_FLD_DADDR, "blocklist", true);
    CHECK(driver::compile(bad).error ==
          "live set blocklist is used as an address set and as an address set with values");
    bad.rulesets[0].rules[1].matches[0] = Match::liveSet(PFW_FLD_IIF, "blocklist");
    CHECK(driver::compile(bad).error == "live set blocklist is used as an address set and as an interface set");
    bad.rulesets[0].rules[1].matches[0] = Match::liveSet(PFW_FLD_IIF, "no good");
    CHECK(driver::compile(bad).error ==
          "live set 'no good': a set name is 1 to 31 characters of A-Z a-z 0-9 _ . - starting with a letter or digit");
}

TEST_CASE("live sets: the classifier leaves live set matches as residual tests", "[liveset][codegen]") {
    // a run of rules a classifier takes, each with a live set match
    std::vector<ir::Rule> rules;
    for (uint32_t i = 0; i < 8; i++)
        rules.push_back(rule({Match::equals(PFW_FLD_DPORT, 1000 + i), Match::liveSet(PFW_FLD_SADDR, "blk")},
                             ir::Action::Kind::Drop, i));
    ir::Program prog = oneRuleset(rules);
    driver::CompileResult res = driver::compile(prog);
    REQUIRE(res.error == "");
    pfw_prog p{};
    REQUIRE(verify::check(res.blob, &p) == "");
    CHECK(p.n_cls >= 1);
    size_t insets = 0;
    for (uint32_t i = 0; i < p.n_insns; i++)
        insets += p.insns[i].op == PFW_OP_INSET;
    CHECK(insets == 8 * 2);  // each rule's lookup, at both hooks
    sim::SimHost host(p);
    host.liveSets["blk"].add(prefix4(0x0a000000, 8));
    ir::RefHooks hooks;
    hooks.liveSets = &host.liveSets;
    for (uint32_t port : {1000u, 1003u, 1007u, 1008u})
        for (uint32_t src : {0x0a000001u, 0x0b000001u}) {
            pfw_pkt pkt;
            pfw_pkt_init(&pkt);
            pkt.f[PFW_FLD_FAMILY] = 4;
            pkt.f[PFW_FLD_L4PROTO] = 6;
            pkt.f[PFW_FLD_DPORT] = port;
            uint32_t s[4] = {0, 0, 0xffff, src};
            std::memcpy(pkt.addr[0], s, sizeof(s));
            ir::RefResult want = ir::refEvaluate(prog, pkt, PFW_HOOK_FORWARD, hooks);
            pfw_run run;
            host.run(pkt, PFW_HOOK_FORWARD, run);
            CHECK(run.verdict == want.verdict);
            CHECK(run.rule == want.rule);
            CHECK(run.verdict == (port < 1008 && src == 0x0a000001u ? PFW_V_DROP : PFW_V_ACCEPT));
        }
}

namespace {

struct LiveGen {
    testing::Gen g;
    explicit LiveGen(uint32_t seed) : g(seed) {}

    // address contents: prefixes around the universe's addresses, nested,
    // with values, and a few ranges
    void fillAddresses(ir::LiveSet& s) {
        int n = 1 + static_cast<int>(g.pick(12));
        for (int i = 0; i < n; i++) {
            LiveElem e;
            if (g.chance(30)) {
                ir::Interval iv = g.addrInterval(true);
                e = {key(iv.lo), key(iv.hi), g.pick(6)};
            } else if (g.chance(15)) {
                uint32_t a = g.u.v4[g.pick(g.u.v4.size())] + g.pick(4);
                e = {v4(a), v4(a + g.pick(300)), g.pick(6)};
            } else {
                uint32_t a = g.u.v4[g.pick(g.u.v4.size())];
                e = prefix4(a, 8 + g.pick(25), g.pick(6));
            }
            s.add(e);  // a refused one is left out, as the kernel would
        }
    }

    void fillPorts(ir::LiveSet& s) {
        int n = static_cast<int>(g.pick(6));
        for (int i = 0; i < n; i++) {
            ir::Interval iv = g.portInterval();
            s.add({num(static_cast<uint32_t>(iv.lo)), num(static_cast<uint32_t>(iv.hi)), g.pick(4)});
        }
    }

    void fillIfaces(ir::LiveSet& s) {
        std::vector<std::string> names = {"tap0", "tap", "vnet3", "eth0", "t", ""};
        int n = static_cast<int>(g.pick(4));
        for (int i = 0; i < n; i++) {
            std::string name = names[g.pick(names.size())];
            bool prefix = name.empty() || g.chance(50);
            LiveElem e;
            ir::LiveSetType t{ir::LiveSetType::Kind::Interface, false};
            REQUIRE(ir::parseElement(t, prefix ? name + "+" : name.empty() ? "tap1" : name, e) == "");
            s.add(e);
        }
    }

    Match liveMatch() {
        switch (g.pick(5)) {
            case 0:
            case 1:
                return Match::liveSet(g.chance(50) ? PFW_FLD_SADDR : PFW_FLD_DADDR, "blk", true, g.chance(25));
            case 2:
                return Match::liveSet(PFW_FLD_DPORT, "ports", false, g.chance(25));
            case 3:
                return Match::liveSet(g.chance(70) ? PFW_FLD_IIF : PFW_FLD_OIF, "ifs", false, g.chance(25));
            default:
                return Match::anyOf({Match::liveSet(PFW_FLD_SADDR, "blk", true), Match::liveSet(PFW_FLD_DPORT, "ports"),
                                     Match::equals(PFW_FLD_L4PROTO, 17)},
                                    g.chance(30));
        }
    }

    ir::Rule liveRule(uint32_t id) {
        ir::Rule r;
        r.id = id;
        r.loc = "t:" + std::to_string(id);
        // a classifiable part, so that runs of rules become classifiers
        if (g.chance(70))
            r.matches.push_back(Match::inSet(PFW_FLD_DPORT, {g.portInterval()}));
        if (g.chance(40))
            r.matches.push_back(Match::inSet(PFW_FLD_DADDR, {g.addrInterval(g.chance(30))}));
        if (g.chance(75)) {
            Match m = liveMatch();
            bool sets = m.kind == Match::Kind::LiveSet && m.hasValue && !m.negate;
            r.matches.push_back(m);
            // the value the lookup left
            if (sets && g.chance(50))
                r.matches.push_back(Match::inSet(PFW_FLD_TABLEARG, {{g.pick(6), g.pick(6) + 2}}));
        }
        if (g.chance(20))
            r.matches.push_back(liveMatch());
        uint32_t a = g.pick(10);
        r.action.kind = a < 3   ? ir::Action::Kind::Drop
                        : a < 5 ? ir::Action::Kind::Accept
                        : a < 6 ? ir::Action::Kind::Reject
                                : ir::Action::Kind::Continue;
        if (r.action.kind == ir::Action::Kind::Continue || g.chance(20)) {
            ir::Effect e;
            e.kind = ir::Effect::Kind::SetMark;
            e.mask = 0xff;
            e.value = g.pick(8);
            r.action.effects.push_back(e);
        }
        return r;
    }
};

}  // namespace

TEST_CASE("live sets: the interpreter with SimHost's contents agrees with the reference evaluator",
          "[liveset][differential]") {
    size_t compared = 0, hits = 0;
    for (uint32_t seed = 1; seed <= 150; seed++) {
        LiveGen lg(seed);
        ir::Program prog;
        for (int r = 0; r < 2; r++) {
            ir::Ruleset rs;
            rs.name = "rs" + std::to_string(r);
            rs.hooks = {PFW_HOOK_FORWARD, PFW_HOOK_INPUT};
            if (lg.g.chance(20))
                rs.scope = {{lg.liveMatch()}};
            size_t n = 4 + lg.g.pick(10);
            for (size_t i = 0; i < n; i++)
                rs.rules.push_back(lg.liveRule(static_cast<uint32_t>(i)));
            prog.rulesets.push_back(rs);
        }
        for (bool optimize : {true, false}) {
            driver::CompileOptions o;
            o.optimize = optimize;
            driver::CompileResult res = driver::compile(prog, o);
            REQUIRE(res.error == "");
            pfw_prog p{};
            REQUIRE(verify::check(res.blob, &p) == "");
            sim::SimHost host(p);
            for (int contents = 0; contents < 4; contents++) {
                host.liveSets.clear();
                if (contents) {  // the first round: every set empty (or absent)
                    lg.fillAddresses(host.liveSets["blk"]);
                    lg.fillPorts(host.liveSets["ports"]);
                    lg.fillIfaces(host.liveSets["ifs"]);
                }
                ir::RefHooks hooks;
                hooks.liveSets = &host.liveSets;
                for (int k = 0; k < 150; k++) {
                    pfw_pkt pkt = lg.g.randomPacket();
                    unsigned hook = lg.g.chance(70) ? PFW_HOOK_FORWARD : PFW_HOOK_INPUT;
                    pkt.f[PFW_FLD_HOOK] = hook;
                    pfw_pkt copy = pkt;
                    ir::RefResult want = ir::refEvaluate(prog, copy, hook, hooks);
                    pfw_run run;
                    host.run(pkt, hook, run);
                    INFO("seed " << seed << " optimize " << optimize << " contents " << contents << " packet " << k);
                    REQUIRE(run.verdict == want.verdict);
                    REQUIRE(run.rule == want.rule);
                    REQUIRE(pkt.f[PFW_FLD_MARK] == want.mark);
                    compared++;
                    hits += run.verdict != PFW_V_ACCEPT;
                }
            }
        }
    }
    CHECK(compared == 150 * 2 * 4 * 150);
    CHECK(hits > compared / 20);  // the rules do match, often
}

TEST_CASE("live sets: TABLEARG from the innermost prefix of nested addresses", "[liveset]") {
    // blk: 10.0.0.0/8=1, 10.1.0.0/16=2, 10.1.2.0/24=3; a rule per value
    std::vector<ir::Rule> rules;
    for (uint32_t v = 1; v <= 3; v++) {
        ir::Rule r = rule({Match::liveSet(PFW_FLD_SADDR, "blk", true), Match::equals(PFW_FLD_TABLEARG, v)},
                          ir::Action::Kind::Continue, v);
        ir::Effect e;
        e.kind = ir::Effect::Kind::SetMark;
        e.mask = 0xff;
        e.value = v;
        r.action.effects.push_back(e);
        rules.push_back(r);
    }
    ir::Program prog = oneRuleset(rules);
    driver::CompileResult res = driver::compile(prog);
    REQUIRE(res.error == "");
    pfw_prog p{};
    REQUIRE(verify::check(res.blob, &p) == "");
    sim::SimHost host(p);
    auto& blk = host.liveSets["blk"];
    REQUIRE(blk.add(prefix4(0x0a000000, 8, 1)) == 0);
    REQUIRE(blk.add(prefix4(0x0a010000, 16, 2)) == 0);
    REQUIRE(blk.add(prefix4(0x0a010200, 24, 3)) == 0);
    ir::RefHooks hooks;
    hooks.liveSets = &host.liveSets;
    for (auto [src, mark] :
         {std::pair<uint32_t, uint32_t>{0x0a010203, 3}, {0x0a010303, 2}, {0x0a020304, 1}, {0x0b000001, 0}}) {
        pfw_pkt pkt;
        pfw_pkt_init(&pkt);
        pkt.f[PFW_FLD_FAMILY] = 4;
        uint32_t s[4] = {0, 0, 0xffff, src};
        std::memcpy(pkt.addr[0], s, sizeof(s));
        ir::RefResult want = ir::refEvaluate(prog, pkt, PFW_HOOK_FORWARD, hooks);
        pfw_run run;
        host.run(pkt, PFW_HOOK_FORWARD, run);
        CHECK(want.mark == mark);
        CHECK(pkt.f[PFW_FLD_MARK] == mark);
    }
    // no contents at all (no refEval pointer, no set in SimHost): nothing matches
    sim::SimHost empty(p);
    pfw_pkt pkt;
    pfw_pkt_init(&pkt);
    uint32_t s[4] = {0, 0, 0xffff, 0x0a010203};
    std::memcpy(pkt.addr[0], s, sizeof(s));
    pfw_run run;
    empty.run(pkt, PFW_HOOK_FORWARD, run);
    CHECK(pkt.f[PFW_FLD_MARK] == 0);
    CHECK(ir::refEvaluate(prog, pkt, PFW_HOOK_FORWARD).mark == 0);
}

TEST_CASE("live sets: interface names, exact and prefix, up to the name's NUL", "[liveset]") {
    ir::Program prog = oneRuleset({rule({Match::liveSet(PFW_FLD_IIF, "ifs")}, ir::Action::Kind::Drop, 1)});
    driver::CompileResult res = driver::compile(prog);
    REQUIRE(res.error == "");
    pfw_prog p{};
    REQUIRE(verify::check(res.blob, &p) == "");
    sim::SimHost host(p);
    ir::LiveSetType t{ir::LiveSetType::Kind::Interface, false};
    std::vector<LiveElem> elems;
    REQUIRE(ir::parseElements(t, {"eth0", "vif+"}, elems) == "");
    for (const auto& e : elems)
        REQUIRE(host.liveSets["ifs"].add(e) == 0);
    ir::RefHooks hooks;
    hooks.liveSets = &host.liveSets;
    for (auto [name, drop] : {std::pair<const char*, bool>{"eth0", true},
                              {"eth01", false},
                              {"eth", false},
                              {"vif", true},
                              {"vif3.0", true},
                              {"vi", false}}) {
        pfw_pkt pkt;
        pfw_pkt_init(&pkt);
        // bytes after the NUL are not the name's
        std::memset(pkt.ifn[0], 'x', PFW_IFNAMSIZ);
        std::memcpy(pkt.ifn[0], name, std::strlen(name) + 1);
        INFO(name);
        ir::RefResult want = ir::refEvaluate(prog, pkt, PFW_HOOK_FORWARD, hooks);
        pfw_run run;
        host.run(pkt, PFW_HOOK_FORWARD, run);
        CHECK(want.verdict == (drop ? PFW_V_DROP : PFW_V_ACCEPT));
        CHECK(run.verdict == want.verdict);
    }
}
