// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// codegen/CodeGen.cpp
// IR -> bytecode: the only place that knows the instruction encoding.
//------------------------------------------------------------------------------
//
// Layout of one hook's chain:
//
//   ruleset 1:  scope tests (fail -> end 1)
//               rules: linear tests, or one CLASSIFY per run of rules
//               end 1:
//   ruleset 2:  ...
//   ACCEPT 0    the packet passed every ruleset
//
// A linear rule is its tests (fail -> next rule), RULE k, its effects and its
// verdict.  A run of rules handled by a classifier is
//
//   CLASSIFY site(c, 0), none -> JMP run end
//   block 0:  residual tests (fail -> resume 0), RULE, effects, verdict
//   resume 0: CLASSIFY site(c, 1) ...          (only when it can be reached)
//   block 1:  ...
//
// so blocks are in rule order and the jump table ascends, as the verifier
// requires.
#include "codegen/CodeGen.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <tuple>

#include "codegen/Emitter.h"
#include "opt/Classifier.h"

namespace pfw::codegen {

using ir::Interval;
using ir::Match;
using ir::u128;

namespace {

// Sets with more intervals than this become a set lookup, not a chain.
constexpr size_t kMaxInlineIntervals = 4;
// A classifier pays off from this many rules on.
constexpr size_t kMinRun = 4;
// Entries one rule may expand to in a classifier (cross product of its sets).
constexpr size_t kMaxEntriesPerRule = 64;
// A dimension's set with more intervals stays a residual set lookup.
constexpr size_t kMaxDimIntervals = 16;

uint32_t fnv1a(uint32_t h, const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

template <typename T>
uint32_t mix(uint32_t h, const T& v) {
    return fnv1a(h, &v, sizeof(v));
}

uint32_t mixStr(uint32_t h, const std::string& s) { return fnv1a(mix(h, s.size()), s.data(), s.size()); }

std::vector<uint32_t> words128(u128 v) {
    return {static_cast<uint32_t>(v >> 96), static_cast<uint32_t>(v >> 64), static_cast<uint32_t>(v >> 32),
            static_cast<uint32_t>(v)};
}

int dimOfField(uint8_t field) {
    switch (field) {
    case PFW_FLD_FAMILY: return PFW_DIM_FAMILY;
    case PFW_FLD_L4PROTO: return PFW_DIM_L4PROTO;
    case PFW_FLD_SPORT: return PFW_DIM_SPORT;
    case PFW_FLD_DPORT: return PFW_DIM_DPORT;
    case PFW_FLD_ICMPTYPE: return PFW_DIM_ICMPTYPE;
    case PFW_FLD_ICMPCODE: return PFW_DIM_ICMPCODE;
    case PFW_FLD_SADDR: return PFW_DIM_SADDR;
    case PFW_FLD_DADDR: return PFW_DIM_DADDR;
    default: return -1;
    }
}

// A rule split for a classifier: per-dimension sets and the tests left over.
struct SplitRule {
    std::array<std::vector<Interval>, PFW_NDIMS> dims;
    std::vector<const Match*> residual;
    size_t entryCount = 1;
};

class Generator {
public:
    Generator(const ir::Program& prog, const driver::CompileOptions& opts) : prog_(prog), opts_(opts) {}

    Output run();

private:
    const ir::Program& prog_;
    const driver::CompileOptions& opts_;
    Emitter e_;
    Output out_;
    // rule-table index of the first rule of each ruleset
    std::vector<uint32_t> ruleBase_;
    unsigned hook_ = 0;  // the hook whose chain is being emitted
    std::map<std::tuple<uint32_t, uint32_t, uint32_t, uint32_t>, uint32_t> limiterIndex_;
    // attribution of instructions / pool words to rules for --stats
    std::vector<uint64_t> ruleInsns_, rulePool_;

    void attribute(uint32_t rule, uint32_t pc0, uint32_t pool0) {
        ruleInsns_[rule] += e_.pc() - pc0;
        rulePool_[rule] += e_.pool().size() - pool0;
    }

    // One bucket per rule and limit, however many hooks (or copies of an
    // action block) the rule is emitted at: the rule's key and the limit's
    // parameters name it.  (Two identical limits in one rule share it.)
    uint32_t addLimiter(const ir::Limiter& l, uint32_t key) {
        auto id = std::make_tuple(key, l.rate, l.burst, l.flags);
        auto it = limiterIndex_.find(id);
        if (it != limiterIndex_.end())
            return it->second;
        e_.lims.push_back({l.rate, l.burst, l.flags, key});
        uint32_t idx = static_cast<uint32_t>(e_.lims.size() - 1);
        limiterIndex_.emplace(id, idx);
        return idx;
    }

    uint32_t addSet(uint8_t field, const std::vector<Interval>& ivs) {
        bool addr = ir::isAddrField(field);
        std::vector<uint32_t> words;
        for (const auto& iv : ivs) {
            if (addr) {
                auto lo = words128(iv.lo), hi = words128(iv.hi);
                words.insert(words.end(), lo.begin(), lo.end());
                words.insert(words.end(), hi.begin(), hi.end());
            } else {
                words.push_back(static_cast<uint32_t>(iv.lo));
                words.push_back(static_cast<uint32_t>(iv.hi));
            }
        }
        uint32_t off = e_.poolAdd(words);
        e_.sets.push_back({static_cast<uint8_t>(addr ? 4 : 1), 0, 0, static_cast<uint32_t>(ivs.size()), off});
        return static_cast<uint32_t>(e_.sets.size() - 1);
    }

    // Live sets by name: the set index and the type its first use gave it.
    struct LiveDesc {
        uint32_t index;
        uint8_t width;
        uint16_t flags;
        bool hasValue;
    };
    std::map<std::string, LiveDesc> liveSets_;

    static bool liveNameOk(const std::string& n) {
        auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
        if (n.empty() || n.size() >= PFW_LSET_NAMSIZ || !alnum(n[0]))
            return false;
        for (char c : n)
            if (!alnum(c) && c != '_' && c != '-' && c != '.')
                return false;
        return true;
    }

    static std::string liveKind(uint8_t width, uint16_t flags, bool hasValue) {
        std::string k = width == 1                   ? "a number set"
                        : (flags & PFW_SET_F_IFNAME) ? "an interface set"
                                                     : "an address set";
        return hasValue ? k + " with values" : k;
    }

    // The program's set for a live set match: one per name, whose every use
    // must agree on its type.
    uint32_t addLiveSet(const Match& m) {
        if (!liveNameOk(m.name))
            throw ProgramError("live set '" + m.name + "': a set name is 1 to " + std::to_string(PFW_LSET_NAMSIZ - 1) +
                               " characters of A-Z a-z 0-9 _ . - starting with a letter or digit");
        uint8_t width;
        uint16_t flags = PFW_SET_F_LIVE;
        if (ir::isScalarField(m.field)) {
            width = 1;
        } else if (ir::isAddrField(m.field)) {
            width = 4;
        } else if (ir::isIfnameField(m.field)) {
            width = 4;
            flags |= PFW_SET_F_IFNAME;
        } else {
            throw ProgramError("live set " + m.name + ": field " + std::to_string(m.field) + " cannot be looked up");
        }
        auto it = liveSets_.find(m.name);
        if (it != liveSets_.end()) {
            const LiveDesc& d = it->second;
            if (d.width != width || d.flags != flags || d.hasValue != m.hasValue)
                throw ProgramError("live set " + m.name + " is used as " + liveKind(d.width, d.flags, d.hasValue) +
                                   " and as " + liveKind(width, flags, m.hasValue));
            return d.index;
        }
        if (liveSets_.size() >= PFW_MAX_LIVE_SETS)
            throw ProgramError("live set " + m.name + ": more than " + std::to_string(PFW_MAX_LIVE_SETS) +
                               " live sets in one program");
        e_.sets.push_back({width, static_cast<uint8_t>(m.hasValue), flags, 0, e_.strAdd(m.name)});
        uint32_t idx = static_cast<uint32_t>(e_.sets.size() - 1);
        liveSets_.emplace(m.name, LiveDesc{idx, width, flags, m.hasValue});
        return idx;
    }

    // One interval as a test that holds when the value is inside it.
    void emitInterval(uint8_t field, const Interval& iv, bool inv, Label fail) {
        uint8_t f = static_cast<uint8_t>(field | (inv ? PFW_F_INV : 0));
        if (ir::isAddrField(field)) {
            // a CIDR block is a mask test, anything else a range
            u128 size = iv.hi - iv.lo;
            if ((size & (size + 1)) == 0 && (iv.lo & size) == 0) {
                auto v = words128(iv.lo), m = words128(~size);
                v.insert(v.end(), m.begin(), m.end());
                e_.test(PFW_OP_ADDR_MASK, f, e_.poolAdd(v), fail);
            } else {
                auto v = words128(iv.lo), h = words128(iv.hi);
                v.insert(v.end(), h.begin(), h.end());
                e_.test(PFW_OP_ADDR_RANGE, f, e_.poolAdd(v), fail);
            }
        } else if (iv.lo == iv.hi) {
            e_.test(PFW_OP_CMP, f, static_cast<uint32_t>(iv.lo), fail);
        } else {
            e_.test(PFW_OP_RANGE, f, e_.poolAdd({static_cast<uint32_t>(iv.lo), static_cast<uint32_t>(iv.hi)}),
                    fail);
        }
    }

    void emitSet(const Match& m, Label fail) {
        const auto& set = m.set;
        const u128 max = ir::fieldMax(m.field);
        bool all = set.size() == 1 && set[0].lo == 0 && set[0].hi >= max;
        if (set.empty() || all) {
            // never (or always) true: a constant
            if (set.empty() != m.negate)
                e_.jmp(fail);
            return;
        }
        if (m.field == PFW_FLD_CTSTATE) {
            // the state field holds exactly one PFW_CT_* bit: a set of
            // states is one test of any of their bits
            uint32_t bits = 0;
            bool single = true;
            for (const auto& iv : set) {
                single = single && iv.lo == iv.hi && iv.lo && !(iv.lo & (iv.lo - 1));
                bits |= static_cast<uint32_t>(iv.lo);
            }
            if (single) {
                e_.test(PFW_OP_ANYBITS, static_cast<uint8_t>(m.field | (m.negate ? PFW_F_INV : 0)), bits, fail);
                return;
            }
        }
        if (set.size() > kMaxInlineIntervals) {
            e_.test(PFW_OP_INSET, static_cast<uint8_t>(m.field | (m.negate ? PFW_F_INV : 0)),
                    addSet(m.field, set), fail);
            return;
        }
        if (m.negate) {
            // none of them may hold: each inverted test fails on a hit
            for (const auto& iv : set)
                emitInterval(m.field, iv, true, fail);
            return;
        }
        // any may hold: a hit jumps over the remaining alternatives
        Label ok = e_.newLabel();
        for (size_t i = 0; i + 1 < set.size(); i++)
            emitInterval(m.field, set[i], true, ok);
        emitInterval(m.field, set.back(), false, fail);
        e_.bind(ok);
    }

    // IFNAME operand: bytes compared (16 for an exact name), then the name.
    uint32_t ifnameOperand(const Match& m) {
        std::vector<uint32_t> w(PFW_IFN_WORDS, 0);
        std::string name = m.name.substr(0, PFW_IFNAMSIZ - 1);
        w[0] = m.prefix ? static_cast<uint32_t>(name.size()) : PFW_IFNAMSIZ;
        std::memcpy(&w[1], name.data(), name.size());
        return e_.poolAdd(w);
    }

    void emitMatch(const Match& m, Label fail, uint32_t key) {
        uint8_t inv = m.negate ? PFW_F_INV : 0;
        switch (m.kind) {
        case Match::Kind::Set:
            emitSet(m, fail);
            break;
        case Match::Kind::Mask:
            if (ir::isAddrField(m.field)) {
                auto v = words128(m.value), k = words128(m.mask);
                v.insert(v.end(), k.begin(), k.end());
                e_.test(PFW_OP_ADDR_MASK, m.field | inv, e_.poolAdd(v), fail);
            } else {
                e_.test(PFW_OP_MASK, m.field | inv,
                        e_.poolAdd({static_cast<uint32_t>(m.mask), static_cast<uint32_t>(m.value)}), fail);
            }
            break;
        case Match::Kind::Ifname:
            e_.test(PFW_OP_IFNAME, m.field | inv, ifnameOperand(m), fail);
            break;
        case Match::Kind::Prob:
            e_.test(PFW_OP_PROB, inv, m.imm, fail);
            break;
        case Match::Kind::Limit:
            e_.test(PFW_OP_LIMIT, inv, addLimiter(m.limit, key), fail);
            break;
        case Match::Kind::Rpf:
            e_.test(PFW_OP_RPF, inv, m.imm, fail);
            break;
        case Match::Kind::Tagged:
            e_.test(PFW_OP_TAGGED, inv, e_.poolAdd({m.imm, m.imm2}), fail);
            break;
        case Match::Kind::AnyOf:
            emitAnyOf(m, fail, key);
            break;
        case Match::Kind::LiveSet:
            e_.test(PFW_OP_INSET, m.field | inv, addLiveSet(m), fail);
            break;
        }
    }

    // Whether a plain match lowers to exactly one test instruction, so that
    // the same instruction with PFW_F_INV toggled is its negation.
    static bool singleTest(const Match& m) {
        if (m.kind != Match::Kind::Set)
            return m.kind != Match::Kind::AnyOf;
        const u128 max = ir::fieldMax(m.field);
        if (m.set.empty() || (m.set.size() == 1 && m.set[0].lo == 0 && m.set[0].hi >= max))
            return false;  // a constant: no test or a JMP
        if (m.set.size() == 1 || m.set.size() > kMaxInlineIntervals)
            return true;  // one interval, or INSET
        if (m.field != PFW_FLD_CTSTATE)
            return false;
        for (const auto& iv : m.set)
            if (!(iv.lo == iv.hi && iv.lo && !(iv.lo & (iv.lo - 1))))
                return false;
        return true;  // ANYBITS
    }

    static Match flipped(const Match& m) {
        Match f = m;
        f.negate = !f.negate;
        return f;
    }

    // Any of the alternatives: each is tried in order and the first that
    // holds jumps to `hit` (the rest of the rule); when none holds the last
    // one's failure goes to `fail`.  A single-test alternative is its own
    // inverted test jumping to `hit`; a longer one fails to the next
    // alternative and otherwise JMPs to `hit`.  The rule itself is not
    // copied: it keeps one RULE, its effects and its verdict.  Negated,
    // every alternative must fail: each one's negation in turn.
    void emitAnyOf(const Match& m, Label fail, uint32_t key) {
        for (const auto& alt : m.alts)
            if (alt.kind == Match::Kind::AnyOf)
                throw std::invalid_argument("an any-of match cannot hold another any-of");
        if (m.alts.empty()) {
            // no alternative holds
            if (!m.negate)
                e_.jmp(fail);
            return;
        }
        if (m.negate) {
            for (const auto& alt : m.alts)
                emitMatch(flipped(alt), fail, key);
            return;
        }
        Label hit = e_.newLabel();
        for (size_t i = 0; i + 1 < m.alts.size(); i++) {
            const Match& alt = m.alts[i];
            if (singleTest(alt)) {
                emitMatch(flipped(alt), hit, key);
                continue;
            }
            Label next = e_.newLabel();
            emitMatch(alt, next, key);
            e_.jmp(hit);
            e_.bind(next);
        }
        emitMatch(m.alts.back(), fail, key);
        e_.bind(hit);
    }

    // The values of a classifier dimension a match admits, when it is a set
    // on one (an any-of of sets all on one dimension is their union).
    static std::optional<std::pair<int, std::vector<Interval>>> dimSet(const Match& m) {
        auto one = [](const Match& x) -> std::optional<std::pair<int, std::vector<Interval>>> {
            int d = x.kind == Match::Kind::Set ? dimOfField(x.field) : -1;
            if (d < 0)
                return std::nullopt;
            std::vector<Interval> set = x.set;
            if (x.negate)
                set = ir::complement(set, ir::fieldMax(x.field));
            return std::make_pair(d, std::move(set));
        };
        if (m.kind != Match::Kind::AnyOf)
            return one(m);
        if (m.alts.empty())
            return std::nullopt;
        int d = -1;
        std::vector<Interval> u;
        for (const auto& alt : m.alts) {
            auto s = one(alt);
            if (!s || (d >= 0 && s->first != d) || alt.field != m.alts[0].field)
                return std::nullopt;
            d = s->first;
            u.insert(u.end(), s->second.begin(), s->second.end());
        }
        u = ir::normalize(std::move(u));
        if (m.negate)
            u = ir::complement(u, ir::fieldMax(m.alts[0].field));
        return std::make_pair(d, std::move(u));
    }

    void emitEffects(const ir::Rule& rule, uint32_t key) {
        for (const auto& ef : rule.action.effects) {
            switch (ef.kind) {
            case ir::Effect::Kind::Log: {
                std::vector<uint32_t> w(PFW_LOG_WORDS, 0);
                w[0] = std::min<uint32_t>(ef.log.level, 7);
                w[1] = ef.log.limit ? addLimiter(*ef.log.limit, key ^ 0x9e3779b9u) : PFW_NONE32;
                w[2] = ef.log.flags;
                std::string p = ef.log.prefix.substr(0, PFW_LOG_PREFIX_LEN - 1);
                std::memcpy(&w[3], p.data(), p.size());
                e_.op(PFW_OP_LOG, e_.poolAdd(w));
                break;
            }
            case ir::Effect::Kind::SetMark:
                e_.op(PFW_OP_SET_MARK, e_.poolAdd({ef.mask, ef.value}));
                break;
            case ir::Effect::Kind::SetCtMark:
                e_.op(PFW_OP_SET_CTMARK, e_.poolAdd({ef.mask, ef.value}));
                break;
            case ir::Effect::Kind::SetDscp:
                e_.op(PFW_OP_SET_DSCP, ef.value & 63);
                break;
            case ir::Effect::Kind::Tag:
                e_.op(PFW_OP_TAG, ef.value & 0xffff);
                break;
            case ir::Effect::Kind::Untag:
                e_.op(PFW_OP_TAG, (ef.value & 0xffff) | PFW_TAG_UNTAG);
                break;
            }
        }
    }

    // Where a rule of a ruleset starts: a label for linear rules, a resume
    // site for rules inside a classifier run.
    struct RuleStart {
        Label label = 0;
        int cls = -1;  // classifier index when inside a run
        uint32_t ordinal = 0;
        Label runEnd = 0;
    };

    void jumpToRule(const std::vector<RuleStart>& starts, size_t target, Label rulesetEnd) {
        if (target >= starts.size()) {
            e_.jmp(rulesetEnd);
            return;
        }
        const RuleStart& s = starts[target];
        if (s.cls < 0) {
            e_.jmp(s.label);
            return;
        }
        Label none = e_.newLabel();
        e_.classify(e_.poolAdd({static_cast<uint32_t>(s.cls), s.ordinal}), none);
        e_.bind(none);
        e_.jmp(s.runEnd);
    }

    // RULE, effects and verdict.  Continue falls through to `next`.
    void emitAction(const ir::Ruleset& rs, const ir::Rule& rule, uint32_t ruleIdx, uint32_t key,
                    const std::vector<RuleStart>& starts, size_t pos, Label rulesetEnd) {
        e_.op(PFW_OP_RULE, ruleIdx);
        emitEffects(rule, key);
        const auto& a = rule.action;
        switch (a.kind) {
        case ir::Action::Kind::Accept:
            e_.opAbs(PFW_OP_ACCEPT, rulesetEnd);
            break;
        case ir::Action::Kind::Drop:
            e_.op(PFW_OP_DROP);
            break;
        case ir::Action::Kind::Reject:
            // After routing no reply can be sent (the verifier refuses a
            // REJECT there): the packet is dropped, as ir::refEvaluate says.
            if (hook_ == PFW_HOOK_POSTROUTING)
                e_.op(PFW_OP_DROP);
            else
                e_.op(PFW_OP_REJECT, a.arg);
            break;
        case ir::Action::Kind::Queue:
            e_.op(PFW_OP_QUEUE, a.arg);
            break;
        case ir::Action::Kind::Nat: {
            std::vector<uint32_t> w{a.nat.kind, a.nat.flags};
            auto lo = words128(a.nat.addrLo), hi = words128(a.nat.addrHi);
            w.insert(w.end(), lo.begin(), lo.end());
            w.insert(w.end(), hi.begin(), hi.end());
            w.push_back(a.nat.portLo);
            w.push_back(a.nat.portHi);
            e_.op(PFW_OP_NAT, e_.poolAdd(w));
            break;
        }
        case ir::Action::Kind::Continue:
        case ir::Action::Kind::CheckState:  // emitted by emitCheckState
            break;
        case ir::Action::Kind::Skip:
            if (a.skipTo <= pos)
                throw std::invalid_argument("skip to an earlier rule in " + rs.name);
            jumpToRule(starts, a.skipTo, rulesetEnd);
            break;
        }
    }

    SplitRule split(const ir::Rule& rule) const {
        SplitRule s;
        for (unsigned d = 0; d < PFW_NDIMS; d++)
            s.dims[d] = {opt::dimFull(d)};
        for (const auto& m : rule.matches) {
            // anything else (an any-of across fields among them) is a
            // residual test, checked after the lookup
            auto ds = dimSet(m);
            if (!ds || ds->second.size() > kMaxDimIntervals) {
                s.residual.push_back(&m);
                continue;
            }
            s.dims[ds->first] = ir::intersect(s.dims[ds->first], ds->second);
        }
        s.entryCount = 1;
        for (unsigned d = 0; d < PFW_NDIMS; d++)
            s.entryCount *= s.dims[d].size();
        return s;
    }

    // A rule joins a classifier run when its boxes are few, and when it
    // constrains at least one dimension or has nothing else to test: a rule
    // of residual tests alone would be returned for every packet and only
    // cost a second lookup.
    bool classifiable(const SplitRule& s) const {
        if (s.entryCount > kMaxEntriesPerRule)
            return false;
        if (s.residual.empty() || s.entryCount != 1)
            return true;
        for (unsigned d = 0; d < PFW_NDIMS; d++)
            if (!(s.dims[d][0] == opt::dimFull(d)))
                return true;
        return false;
    }

    void emitLinearRule(const ir::Ruleset& rs, size_t pos, const std::vector<RuleStart>& starts,
                        Label next, Label rulesetEnd) {
        const ir::Rule& rule = rs.rules[pos];
        const uint32_t idx = ruleBase_.back() + static_cast<uint32_t>(pos);
        const uint32_t key = e_.rules[idx].key;
        for (const auto& m : rule.matches)
            emitMatch(m, next, key);
        if (rule.keepState)
            e_.test(PFW_OP_STATE_ADD, 0, e_.poolAdd({idx, rule.stateLimit}), next);
        if (rule.action.kind == ir::Action::Kind::CheckState) {
            emitCheckState(rs, pos, starts, next, rulesetEnd);
            return;
        }
        auto al = actionLabel_.find(pos);
        if (al != actionLabel_.end())
            e_.bind(al->second);
        emitAction(rs, rule, idx, key, starts, pos, rulesetEnd);
    }

    // Keep-state rules of the ruleset being emitted: position -> the label
    // of their action block (RULE, effects, verdict).
    std::map<size_t, Label> actionLabel_;

    // STATE_CHECK over every keep-state rule of the ruleset: a parent after
    // this rule jumps forward to its own action block; a parent before it
    // (jumps only go forward) to a copy of its action block emitted here,
    // with the parent's RULE index (its counter) and without its tests.
    void emitCheckState(const ir::Ruleset& rs, size_t pos, const std::vector<RuleStart>& starts, Label next,
                        Label rulesetEnd) {
        if (actionLabel_.empty())
            return;  // no state can name a rule of this ruleset: never matches
        const uint32_t base = ruleBase_.back();
        std::vector<uint32_t> w{static_cast<uint32_t>(actionLabel_.size())};
        std::vector<std::pair<size_t, Label>> copies;
        for (const auto& [p, label] : actionLabel_) {
            w.push_back(base + static_cast<uint32_t>(p));
            w.push_back(0);
            if (p < pos)
                copies.push_back({p, e_.newLabel()});
        }
        const uint32_t off = e_.poolAdd(w);
        uint32_t slot = off + 2;
        for (const auto& [p, label] : actionLabel_) {
            Label target = label;
            for (const auto& c : copies)
                if (c.first == p)
                    target = c.second;
            e_.poolLabel(slot, target);
            slot += 2;
        }
        e_.op(PFW_OP_STATE_CHECK, off);
        if (copies.empty())
            return;  // no state: falls through to the next rule
        e_.jmp(next);
        for (const auto& [p, label] : copies) {
            e_.bind(label);
            const uint32_t idx = base + static_cast<uint32_t>(p);
            emitAction(rs, rs.rules[p], idx, e_.rules[idx].key, starts, p, rulesetEnd);
        }
    }

    // Keep-state and check-state rules stay linear; checks what the
    // instructions cannot express.
    static bool stateful(const ir::Rule& r) {
        return r.keepState || r.action.kind == ir::Action::Kind::CheckState;
    }

    void checkStateRules(const ir::Ruleset& rs) {
        for (const auto& r : rs.rules) {
            if (!r.keepState) {
                if (r.stateLimit)
                    throw std::invalid_argument(r.loc + ": a state limit without keep-state");
                continue;
            }
            if (!r.action.terminal())
                throw std::invalid_argument(r.loc + ": keep-state needs an accept, drop, reject, queue or nat action");
            const uint32_t fields = r.stateLimit & PFW_STATE_LIM_FIELDS;
            const uint32_t count = r.stateLimit & PFW_STATE_LIM_COUNT;
            if ((r.stateLimit & ~(PFW_STATE_LIM_FIELDS | PFW_STATE_LIM_COUNT)) || !fields != !count)
                throw std::invalid_argument(r.loc + ": a state limit needs both fields and a count");
        }
    }

    void emitRun(const ir::Ruleset& rs, size_t first, size_t count, const std::vector<SplitRule>& splits,
                 const std::vector<RuleStart>& starts, Label rulesetEnd) {
        // planRun() reserved the classifier and the labels
        const uint32_t clsIdx = static_cast<uint32_t>(starts[first].cls);
        const Label runEnd = starts[first].runEnd;
        std::vector<Label> blocks(count);
        for (size_t o = 0; o < count; o++)
            blocks[o] = starts[first + o].label;
        size_t skipStart = 0;  // the furthest a skip enters this run
        for (const auto& r : rs.rules)
            if (r.action.kind == ir::Action::Kind::Skip && r.action.skipTo > first &&
                r.action.skipTo < first + count)
                skipStart = std::max<size_t>(skipStart, r.action.skipTo - first);
        // the entries: cross product of each rule's dimension sets
        std::vector<opt::ClsEntry> entries;
        for (size_t o = 0; o < count; o++) {
            const SplitRule& s = splits[first + o];
            const auto& rule = rs.rules[first + o];
            // A covering final entry hides the entries behind it; that is
            // only true while no skip can start the lookup past it.
            bool final = rule.action.terminal() && s.residual.empty() && o >= skipStart;
            if (s.entryCount == 0)
                continue;
            std::array<size_t, PFW_NDIMS> idx{};
            for (;;) {
                opt::ClsEntry ent;
                ent.result = static_cast<uint32_t>(o);
                ent.final = final;
                for (unsigned d = 0; d < PFW_NDIMS; d++)
                    ent.dim[d] = s.dims[d][idx[d]];
                entries.push_back(ent);
                unsigned d = 0;
                for (; d < PFW_NDIMS; d++) {
                    if (++idx[d] < s.dims[d].size())
                        break;
                    idx[d] = 0;
                }
                if (d == PFW_NDIMS)
                    break;
            }
        }
        const uint32_t pool0 = static_cast<uint32_t>(e_.pool().size());
        opt::ClsTrees trees = opt::buildClassifier(entries);
        std::vector<uint32_t> ew;
        ew.reserve(entries.size() * PFW_CLS_ENTRY_WORDS);
        for (const auto& ent : entries) {
            ew.push_back(ent.result);
            for (unsigned d = 0; d < PFW_DIM_NSCALAR; d++) {
                ew.push_back(static_cast<uint32_t>(ent.dim[d].lo));
                ew.push_back(static_cast<uint32_t>(ent.dim[d].hi));
            }
            for (unsigned d = PFW_DIM_SADDR; d < PFW_NDIMS; d++) {
                auto lo = words128(ent.dim[d].lo), hi = words128(ent.dim[d].hi);
                ew.insert(ew.end(), lo.begin(), lo.end());
                ew.insert(ew.end(), hi.begin(), hi.end());
            }
        }
        pfw_cls_desc& c = e_.cls[clsIdx];
        c.n_results = static_cast<uint32_t>(count);
        c.jt_off = e_.poolAdd(std::vector<uint32_t>(count, 0));
        for (size_t o = 0; o < count; o++)
            e_.poolLabel(c.jt_off + static_cast<uint32_t>(o), blocks[o]);
        c.n_entries = static_cast<uint32_t>(entries.size());
        c.entry_off = e_.poolAdd(ew);
        c.node_off = e_.poolAdd(trees.nodes);
        c.node_words = static_cast<uint32_t>(trees.nodes.size());
        c.n_trees = static_cast<uint32_t>(trees.roots.size());
        c.roots_off = e_.poolAdd(trees.roots);
        // the classifier's memory is shared by its rules for --stats
        const uint64_t clsWords = e_.pool().size() - pool0;
        for (size_t o = 0; o < count; o++)
            rulePool_[ruleBase_.back() + first + o] += clsWords / count;

        const uint32_t pc0 = e_.pc();
        Label none = e_.newLabel();
        e_.classify(e_.poolAdd({clsIdx, 0}), none);
        e_.bind(none);
        e_.jmp(runEnd);
        ruleInsns_[ruleBase_.back() + first] += e_.pc() - pc0;

        for (size_t o = 0; o < count; o++) {
            const size_t pos = first + o;
            const ir::Rule& rule = rs.rules[pos];
            const uint32_t idx = ruleBase_.back() + static_cast<uint32_t>(pos);
            const uint32_t key = e_.rules[idx].key;
            const uint32_t rpc0 = e_.pc(), rpool0 = static_cast<uint32_t>(e_.pool().size());
            e_.bind(blocks[o]);
            Label resume = e_.newLabel();
            for (const Match* m : splits[pos].residual)
                emitMatch(*m, resume, key);
            emitAction(rs, rule, idx, key, starts, pos, rulesetEnd);
            bool needResume = !(rule.action.terminal() && splits[pos].residual.empty());
            e_.bind(resume);
            if (needResume && o + 1 < count) {
                Label none2 = e_.newLabel();
                e_.classify(e_.poolAdd({clsIdx, static_cast<uint32_t>(o + 1)}), none2);
                e_.bind(none2);
                e_.jmp(runEnd);
            } else if (needResume) {
                e_.jmp(runEnd);
            }
            attribute(idx, rpc0, rpool0);
        }
        e_.bind(runEnd);
    }

    void emitRuleset(const ir::Ruleset& rs) {
        checkStateRules(rs);
        actionLabel_.clear();
        for (size_t p = 0; p < rs.rules.size(); p++)
            if (rs.rules[p].keepState)
                actionLabel_[p] = e_.newLabel();
        Label end = e_.newLabel();
        const uint32_t base = ruleBase_.back();
        if (!rs.scope.empty()) {
            Label body = e_.newLabel();
            for (size_t a = 0; a < rs.scope.size(); a++) {
                bool last = a + 1 == rs.scope.size();
                Label fail = last ? end : e_.newLabel();
                for (const auto& m : rs.scope[a]) {
                    // scope tests jump over the whole ruleset: far jumps
                    if (m.kind == Match::Kind::Ifname) {
                        e_.testFar(PFW_OP_IFNAME, m.field | (m.negate ? PFW_F_INV : 0), ifnameOperand(m), fail);
                        continue;
                    }
                    Label near = e_.newLabel();
                    emitMatch(m, near, base);
                    Label skip = e_.newLabel();
                    e_.jmp(skip);
                    e_.bind(near);
                    e_.jmp(fail);
                    e_.bind(skip);
                }
                if (!last) {
                    e_.jmp(body);
                    e_.bind(fail);
                }
            }
            e_.bind(body);
        }
        std::vector<SplitRule> splits;
        splits.reserve(rs.rules.size());
        for (const auto& r : rs.rules)
            splits.push_back(split(r));
        // plan: which rules go into classifier runs
        std::vector<RuleStart> starts(rs.rules.size());
        std::vector<std::pair<size_t, size_t>> runs;  // first, count
        size_t i = 0;
        while (i < rs.rules.size()) {
            size_t j = i;
            while (opts_.optimize && j < rs.rules.size() && classifiable(splits[j]) && !stateful(rs.rules[j]))
                j++;
            if (j - i >= kMinRun) {
                runs.push_back({i, j - i});
                i = j;
            } else {
                runs.push_back({i, 0});  // one linear rule
                i++;
            }
        }
        // labels and classifiers first, so skips can name later rules
        for (auto& [first, count] : runs) {
            if (count == 0) {
                starts[first].label = e_.newLabel();
                continue;
            }
            const int clsIdx = static_cast<int>(e_.cls.size());
            e_.cls.emplace_back();
            const Label runEnd = e_.newLabel();
            for (size_t o = 0; o < count; o++)
                starts[first + o] = {e_.newLabel(), clsIdx, static_cast<uint32_t>(o), runEnd};
        }
        for (size_t r = 0; r < runs.size(); r++) {
            auto [first, count] = runs[r];
            if (count > 0) {
                emitRun(rs, first, count, splits, starts, end);
                continue;
            }
            const uint32_t pc0 = e_.pc(), pool0 = static_cast<uint32_t>(e_.pool().size());
            e_.bind(starts[first].label);
            Label next = e_.newLabel();
            emitLinearRule(rs, first, starts, next, end);
            e_.bind(next);
            attribute(base + static_cast<uint32_t>(first), pc0, pool0);
        }
        e_.bind(end);
    }
};

Output Generator::run() {
    // the rule table: one entry per IR rule, shared by every hook
    std::map<uint32_t, uint32_t> seenKeys;
    uint32_t base = 0;
    std::vector<uint32_t> bases;
    for (const auto& rs : prog_.rulesets) {
        bases.push_back(base);
        for (const auto& r : rs.rules) {
            uint32_t key = ruleKey(rs, r);
            // identical rules in one ruleset: the n-th copy keeps the n-th key
            uint32_t n = seenKeys[key]++;
            key = n ? mix(key, n) : key;
            e_.rules.push_back({r.id, e_.strAdd(r.loc), key,
                                static_cast<uint32_t>(r.isDefault ? PFW_RULE_F_DEFAULT : 0)});
        }
        base += static_cast<uint32_t>(rs.rules.size());
    }
    ruleInsns_.assign(base, 0);
    rulePool_.assign(base, 0);

    pfw_prog_hdr hdr{};
    hdr.magic = PFW_PROG_MAGIC;
    hdr.version = PFW_PROG_VERSION;
    hdr.hdr_words = sizeof(hdr) / 4;
    hdr.generation = opts_.generation;
    for (unsigned h = 0; h < PFW_HOOK_MAX; h++) {
        hdr.entry[h] = PFW_NO_ENTRY;
        hook_ = h;
        bool any = false;
        for (size_t i = 0; i < prog_.rulesets.size(); i++) {
            const auto& rs = prog_.rulesets[i];
            if (std::find(rs.hooks.begin(), rs.hooks.end(), static_cast<pfw_hook>(h)) == rs.hooks.end())
                continue;
            if (!any)
                hdr.entry[h] = e_.pc();
            any = true;
            ruleBase_.push_back(bases[i]);
            emitRuleset(rs);
        }
        if (any)
            e_.op(PFW_OP_ACCEPT, 0);
    }
    if (e_.pc() == 0)
        e_.op(PFW_OP_ACCEPT, 0);  // no hook at all: the program accepts
    e_.resolve();

    std::string strtab = e_.strtab();
    while (strtab.size() % 4)
        strtab.push_back('\0');
    hdr.n_insns = e_.pc();
    hdr.n_pool = static_cast<uint32_t>(e_.pool().size());
    hdr.n_rules = static_cast<uint32_t>(e_.rules.size());
    hdr.n_sets = static_cast<uint32_t>(e_.sets.size());
    hdr.n_cls = static_cast<uint32_t>(e_.cls.size());
    hdr.n_lims = static_cast<uint32_t>(e_.lims.size());
    hdr.n_strtab = static_cast<uint32_t>(strtab.size());

    auto& blob = out_.blob;
    auto append = [&](const void* p, size_t bytes) {
        if (!bytes)
            return;  // an empty section: no pointer to copy from
        size_t at = blob.size();
        blob.resize(at + bytes / 4);
        std::memcpy(blob.data() + at, p, bytes);
    };
    append(&hdr, sizeof(hdr));
    append(e_.insns().data(), e_.insns().size() * sizeof(pfw_insn));
    append(e_.pool().data(), e_.pool().size() * 4);
    append(e_.rules.data(), e_.rules.size() * sizeof(pfw_rule_desc));
    append(e_.sets.data(), e_.sets.size() * sizeof(pfw_set_desc));
    append(e_.cls.data(), e_.cls.size() * sizeof(pfw_cls_desc));
    append(e_.lims.data(), e_.lims.size() * sizeof(pfw_lim_desc));
    append(strtab.data(), strtab.size());

    auto& st = out_.stats;
    st.rules = hdr.n_rules;
    st.insns = hdr.n_insns;
    st.poolWords = hdr.n_pool;
    st.sets = hdr.n_sets;
    st.classifiers = hdr.n_cls;
    st.bytes = static_cast<uint32_t>(blob.size() * 4);
    uint32_t idx = 0;
    for (const auto& rs : prog_.rulesets) {
        for (const auto& r : rs.rules) {
            driver::RuleStats rst;
            rst.rule = idx;
            rst.loc = r.loc;
            rst.insns = static_cast<uint32_t>(ruleInsns_[idx]);
            rst.bytes = static_cast<uint32_t>(ruleInsns_[idx] * sizeof(pfw_insn) + rulePool_[idx] * 4 +
                                              sizeof(pfw_rule_desc));
            st.perRule.push_back(rst);
            idx++;
        }
    }
    return std::move(out_);
}

}  // namespace

namespace {
uint32_t matchKey(uint32_t h, const Match& m) {
    h = mix(h, static_cast<int>(m.kind));
    h = mix(h, m.field);
    h = mix(h, m.negate);
    for (const auto& iv : m.set) {
        h = mix(h, iv.lo);
        h = mix(h, iv.hi);
    }
    h = mix(h, m.mask);
    h = mix(h, m.value);
    h = mixStr(h, m.name);
    h = mix(h, m.prefix);
    h = mix(h, m.imm);
    h = mix(h, m.imm2);
    if (m.kind == Match::Kind::LiveSet)
        h = mix(h, m.hasValue);
    if (m.kind == Match::Kind::AnyOf) {
        h = mix(h, m.alts.size());
        for (const auto& alt : m.alts)
            h = matchKey(h, alt);
    }
    return h;
}
}  // namespace

uint32_t ruleKey(const ir::Ruleset& rs, const ir::Rule& rule) {
    uint32_t h = mixStr(2166136261u, rs.name);
    // (matchKey hashes a plain match exactly as keys always did: counters
    // of existing rules survive)
    for (const auto& m : rule.matches)
        h = matchKey(h, m);
    h = mix(h, static_cast<int>(rule.action.kind));
    h = mix(h, rule.action.arg);
    h = mix(h, rule.isDefault);
    if (rule.keepState) {
        h = mix(h, rule.keepState);
        h = mix(h, rule.stateLimit);
    }
    return h;
}

Output generate(const ir::Program& prog, const driver::CompileOptions& opts) {
    Generator g(prog, opts);
    return g.run();
}

}  // namespace pfw::codegen
