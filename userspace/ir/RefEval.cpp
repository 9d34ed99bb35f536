// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// ir/RefEval.cpp
// The reference evaluator: walks the IR rule by rule, the plain way.
//------------------------------------------------------------------------------
#include "ir/RefEval.h"

#include <algorithm>
#include <cstring>

namespace pfw::ir {

namespace {

u128 valueOf(const pfw_pkt& pkt, uint8_t field) {
    if (isScalarField(field))
        return pkt.f[field];
    const uint32_t* w = pkt.addr[field - PFW_FLD_SADDR];
    return (static_cast<u128>(w[0]) << 96) | (static_cast<u128>(w[1]) << 64) | (static_cast<u128>(w[2]) << 32) |
           w[3];
}

u128 keyValue(const Key& k) {
    return (static_cast<u128>(k[0]) << 96) | (static_cast<u128>(k[1]) << 64) | (static_cast<u128>(k[2]) << 32) | k[3];
}

// The live set's key for the packet's field: a number in the low word, an
// address as it is, an interface name's 16 bytes (zero from its NUL on) as a
// big-endian number.
u128 liveKey(const pfw_pkt& pkt, uint8_t field) {
    if (!isIfnameField(field))
        return valueOf(pkt, field);
    // the bytes up to the NUL (what follows it is not the name's)
    u128 k = 0;
    bool end = false;
    for (int i = 0; i < PFW_IFNAMSIZ; i++) {
        unsigned char c = static_cast<unsigned char>(pkt.ifn[field - PFW_FLD_IIF][i]);
        end = end || !c;
        k = (k << 8) | (end ? 0 : c);
    }
    return k;
}

// The element of the set holding v, by its definition: of the elements
// whose interval holds v, the one where the widest aligned block around v
// that fits in the interval is narrowest.
const LiveElem* liveLookup(const LiveSet& set, u128 v, std::vector<LiveElem>& elems) {
    elems = set.elements();
    const LiveElem* best = nullptr;
    int bestLen = -1;
    for (const auto& e : elems) {
        u128 lo = keyValue(e.lo), hi = keyValue(e.hi);
        if (v < lo || v > hi)
            continue;
        int len = 0;
        for (; len < 128; len++) {
            u128 host = kAllOnes128 >> len;
            if ((v & ~host) >= lo && (v | host) <= hi)
                break;
        }
        if (len > bestLen) {
            bestLen = len;
            best = &e;
        }
    }
    return best;
}

bool holds(const Match& m, pfw_pkt& pkt, const RefHooks& hooks) {
    bool r = false;
    switch (m.kind) {
    case Match::Kind::Set: {
        u128 v = valueOf(pkt, m.field);
        r = std::any_of(m.set.begin(), m.set.end(), [&](const Interval& iv) { return v >= iv.lo && v <= iv.hi; });
        break;
    }
    case Match::Kind::Mask:
        r = (valueOf(pkt, m.field) & m.mask) == m.value;
        break;
    case Match::Kind::Ifname: {
        std::string have(pkt.ifn[m.field - PFW_FLD_IIF], strnlen(pkt.ifn[m.field - PFW_FLD_IIF], PFW_IFNAMSIZ));
        std::string want = m.name.substr(0, PFW_IFNAMSIZ - 1);
        r = m.prefix ? have.compare(0, want.size(), want) == 0 : have == want;
        break;
    }
    case Match::Kind::Prob:
        r = hooks.prob(m);
        break;
    case Match::Kind::Limit:
        r = hooks.limit(m);
        break;
    case Match::Kind::Rpf:
        r = hooks.rpf(m);
        break;
    case Match::Kind::Tagged:
        for (uint32_t i = 0; i < pkt.n_tags; i++)
            r |= pkt.tags[i] >= m.imm && pkt.tags[i] <= m.imm2;
        break;
    case Match::Kind::LiveSet: {
        if (!hooks.liveSets)
            break;
        auto it = hooks.liveSets->find(m.name);
        if (it == hooks.liveSets->end())
            break;
        std::vector<LiveElem> elems;
        const LiveElem* e = liveLookup(it->second, liveKey(pkt, m.field), elems);
        r = e != nullptr;
        if (e && m.hasValue)
            pkt.f[PFW_FLD_TABLEARG] = e->value;
        break;
    }
    case Match::Kind::AnyOf:
        // in order, stopping at the first that holds (a limiter or a
        // probability further on is not consulted)
        for (const auto& alt : m.alts)
            if (holds(alt, pkt, hooks)) {
                r = true;
                break;
            }
        break;
    }
    return r != m.negate;
}

void applyEffects(const Action& a, pfw_pkt& pkt, RefResult& res) {
    for (const auto& ef : a.effects) {
        switch (ef.kind) {
        case Effect::Kind::Log:
            break;
        case Effect::Kind::SetMark:
            pkt.f[PFW_FLD_MARK] = (pkt.f[PFW_FLD_MARK] & ~ef.mask) | ef.value;
            break;
        case Effect::Kind::SetCtMark:
            pkt.f[PFW_FLD_CTMARK] = (pkt.f[PFW_FLD_CTMARK] & ~ef.mask) | ef.value;
            res.ctmark = pkt.f[PFW_FLD_CTMARK];
            res.ctmarkSet = true;
            break;
        case Effect::Kind::SetDscp:
            res.dscp = ef.value & 63;
            break;
        case Effect::Kind::Tag: {
            uint16_t t = static_cast<uint16_t>(ef.value);
            bool have = std::find(pkt.tags, pkt.tags + pkt.n_tags, t) != pkt.tags + pkt.n_tags;
            if (!have && pkt.n_tags < PFW_MAX_TAGS)
                pkt.tags[pkt.n_tags++] = t;
            break;
        }
        case Effect::Kind::Untag: {
            uint16_t t = static_cast<uint16_t>(ef.value);
            for (uint32_t i = 0; i < pkt.n_tags; i++)
                if (pkt.tags[i] == t) {
                    pkt.tags[i] = pkt.tags[--pkt.n_tags];
                    break;
                }
            break;
        }
        }
    }
}

}  // namespace

RefResult refEvaluate(const Program& prog, pfw_pkt pkt, unsigned hook, const RefHooks& hooks) {
    RefResult res;
    uint32_t base = 0;
    for (const auto& rs : prog.rulesets) {
        const uint32_t first = base;
        base += static_cast<uint32_t>(rs.rules.size());
        if (std::find(rs.hooks.begin(), rs.hooks.end(), static_cast<pfw_hook>(hook)) == rs.hooks.end())
            continue;
        bool inScope = rs.scope.empty();
        for (const auto& alt : rs.scope) {
            bool all = true;
            for (const auto& m : alt)
                all = all && holds(m, pkt, hooks);
            if (all) {
                inScope = true;
                break;
            }
        }
        if (!inScope)
            continue;
        size_t i = 0;
        bool leave = false;
        while (i < rs.rules.size() && !leave) {
            const Rule* rulep = &rs.rules[i];
            bool all = true;
            for (const auto& m : rulep->matches) {
                if (!holds(m, pkt, hooks)) {
                    all = false;
                    break;
                }
            }
            // keep-state: the state is created last, and a refusal is a miss
            if (all && rulep->keepState && !hooks.stateAdd(pkt, first + static_cast<uint32_t>(i), rulep->stateLimit))
                all = false;
            if (!all) {
                i++;
                continue;
            }
            size_t actor = i;
            if (rulep->action.kind == Action::Kind::CheckState) {
                // the parent's action, when the flow has a state of a
                // keep-state rule of this ruleset
                uint32_t parent = 0;
                if (!hooks.stateLookup(pkt, &parent) || parent < first || parent - first >= rs.rules.size() ||
                    !rs.rules[parent - first].keepState) {
                    i++;
                    continue;
                }
                actor = parent - first;
                rulep = &rs.rules[actor];
            }
            const Rule& rule = *rulep;
            res.rule = first + static_cast<uint32_t>(actor);
            applyEffects(rule.action, pkt, res);
            switch (rule.action.kind) {
            case Action::Kind::CheckState:  // a parent is never a check-state
                i++;
                break;
            case Action::Kind::Accept:
                leave = true;
                break;
            case Action::Kind::Continue:
                i++;
                break;
            case Action::Kind::Skip:
                i = rule.action.skipTo;
                break;
            case Action::Kind::Drop:
                res.verdict = PFW_V_DROP;
                res.mark = pkt.f[PFW_FLD_MARK];
                return res;
            case Action::Kind::Reject:
                // no reply can be sent after routing: a drop there
                if (hook == PFW_HOOK_POSTROUTING) {
                    res.verdict = PFW_V_DROP;
                    res.mark = pkt.f[PFW_FLD_MARK];
                    return res;
                }
                res.verdict = PFW_V_REJECT;
                res.param = rule.action.arg;
                res.mark = pkt.f[PFW_FLD_MARK];
                return res;
            case Action::Kind::Queue:
                res.verdict = PFW_V_QUEUE;
                res.param = rule.action.arg;
                res.mark = pkt.f[PFW_FLD_MARK];
                return res;
            case Action::Kind::Nat:
                res.verdict = PFW_V_NAT;
                res.mark = pkt.f[PFW_FLD_MARK];
                return res;
            }
        }
    }
    res.mark = pkt.f[PFW_FLD_MARK];
    return res;
}

RefStates::Key RefStates::key(const pfw_pkt& p, bool reverse) {
    const uint32_t* a = p.addr[reverse ? 1 : 0];
    const uint32_t* b = p.addr[reverse ? 0 : 1];
    return {p.f[PFW_FLD_L4PROTO], a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3],
            p.f[reverse ? PFW_FLD_DPORT : PFW_FLD_SPORT], p.f[reverse ? PFW_FLD_SPORT : PFW_FLD_DPORT]};
}

bool RefStates::lookup(const pfw_pkt& pkt, uint32_t* parent) const {
    for (bool rev : {false, true}) {
        auto it = states_.find(key(pkt, rev));
        if (it != states_.end()) {
            *parent = it->second;
            return true;
        }
    }
    return false;
}

bool RefStates::add(const pfw_pkt& pkt, uint32_t parent, uint32_t limit) {
    const Key mine = key(pkt, false);
    const uint32_t max = limit & PFW_STATE_LIM_COUNT;
    if (max && !states_.count(mine)) {
        auto same = [&](const Key& k, size_t from, size_t n) {
            return std::equal(k.begin() + from, k.begin() + from + n, mine.begin() + from);
        };
        uint32_t n = 0;
        for (const auto& [k, par] : states_)
            n += par == parent && (!(limit & PFW_STATE_LIM_SRCADDR) || same(k, 1, 4)) &&
                 (!(limit & PFW_STATE_LIM_DSTADDR) || same(k, 5, 4)) &&
                 (!(limit & PFW_STATE_LIM_SRCPORT) || same(k, 9, 1)) &&
                 (!(limit & PFW_STATE_LIM_DSTPORT) || same(k, 10, 1));
        if (n >= max)
            return false;
    }
    states_[mine] = parent;
    return true;
}

RefHooks RefStates::hooks(RefHooks base) {
    base.stateLookup = [this](const pfw_pkt& pkt, uint32_t* parent) { return lookup(pkt, parent); };
    base.stateAdd = [this](const pfw_pkt& pkt, uint32_t parent, uint32_t limit) { return add(pkt, parent, limit); };
    return base;
}

}  // namespace pfw::ir
