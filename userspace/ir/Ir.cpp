// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// ir/Ir.cpp
// Interval arithmetic and constructors for the rule IR.
//------------------------------------------------------------------------------
#include "ir/Ir.h"

#include <algorithm>

namespace pfw::ir {

bool isScalarField(uint8_t field) { return field < PFW_NSCALARS; }
bool isAddrField(uint8_t field) { return field >= PFW_FLD_SADDR && field < PFW_FLD_ADDR_END; }
bool isIfnameField(uint8_t field) { return field >= PFW_FLD_IIF && field < PFW_FLD_IFN_END; }

u128 fieldMax(uint8_t field) { return isAddrField(field) ? kAllOnes128 : 0xffffffffu; }

std::vector<Interval> normalize(std::vector<Interval> ivs) {
    std::sort(ivs.begin(), ivs.end(),
              [](const Interval& a, const Interval& b) { return a.lo < b.lo; });
    std::vector<Interval> out;
    for (const auto& iv : ivs) {
        if (iv.lo > iv.hi)
            continue;
        // merge when overlapping or adjacent (careful at the top of the range)
        if (!out.empty() && (iv.lo <= out.back().hi ||
                             (out.back().hi != kAllOnes128 && iv.lo == out.back().hi + 1))) {
            out.back().hi = std::max(out.back().hi, iv.hi);
        } else {
            out.push_back(iv);
        }
    }
    return out;
}

std::vector<Interval> complement(const std::vector<Interval>& ivs, u128 max) {
    std::vector<Interval> out;
    u128 next = 0;
    bool done = false;
    for (const auto& iv : ivs) {
        if (iv.lo > next)
            out.push_back({next, iv.lo - 1});
        if (iv.hi >= max) {
            done = true;
            break;
        }
        next = iv.hi + 1;
    }
    if (!done && next <= max)
        out.push_back({next, max});
    return out;
}

std::vector<Interval> intersect(const std::vector<Interval>& a, const std::vector<Interval>& b) {
    std::vector<Interval> out;
    size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        u128 lo = std::max(a[i].lo, b[j].lo);
        u128 hi = std::min(a[i].hi, b[j].hi);
        if (lo <= hi)
            out.push_back({lo, hi});
        if (a[i].hi < b[j].hi)
            i++;
        else
            j++;
    }
    return out;
}

Interval prefixInterval(u128 addr, unsigned bits) {
    if (bits == 0)
        return {0, kAllOnes128};
    u128 hostMask = bits >= 128 ? 0 : (kAllOnes128 >> bits);
    return {addr & ~hostMask, addr | hostMask};
}

Match Match::inSet(uint8_t field, std::vector<Interval> set, bool negate) {
    Match m;
    m.kind = Kind::Set;
    m.field = field;
    m.set = normalize(std::move(set));
    m.negate = negate;
    return m;
}

Match Match::equals(uint8_t field, u128 v, bool negate) { return inSet(field, {{v, v}}, negate); }

Match Match::masked(uint8_t field, u128 mask, u128 value, bool negate) {
    Match m;
    m.kind = Kind::Mask;
    m.field = field;
    m.mask = mask;
    m.value = value & mask;
    m.negate = negate;
    return m;
}

Match Match::ifname(uint8_t field, std::string name, bool negate) {
    Match m;
    m.kind = Kind::Ifname;
    m.field = field;
    m.negate = negate;
    if (!name.empty() && name.back() == '+') {
        name.pop_back();
        m.prefix = true;
    }
    m.name = std::move(name);
    return m;
}

Match Match::anyOf(std::vector<Match> alts, bool negate) {
    Match m;
    m.kind = Kind::AnyOf;
    m.alts = std::move(alts);
    m.negate = negate;
    return m;
}

Match Match::liveSet(uint8_t field, std::string name, bool hasValue, bool negate) {
    Match m;
    m.kind = Kind::LiveSet;
    m.field = field;
    m.name = std::move(name);
    m.hasValue = hasValue;
    m.negate = negate;
    return m;
}

}  // namespace pfw::ir
