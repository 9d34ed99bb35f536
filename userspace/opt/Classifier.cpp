// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// opt/Classifier.cpp
// Builds the decision trees behind a CLASSIFY instruction.
//------------------------------------------------------------------------------
//
// The algorithm is a HiCuts-style recursive cutting at the entries' own
// bounds (so every cut is exact), with two refinements:
//  - EffiCuts-style separation: entries that are wide in a dimension (a /8,
//    a port range of more than 1024 ports...) would be copied into every leaf
//    that dimension's cuts make, so entries are grouped by the set of
//    dimensions they are wide in, and each group gets its own tree;
//  - shadow pruning: inside a node's region, everything behind a final entry
//    that covers the whole region is unreachable and is dropped.
#include "opt/Classifier.h"

#include <algorithm>
#include <map>
#include <optional>

namespace pfw::opt {

using ir::Interval;
using ir::u128;

namespace {

constexpr size_t kLeafSize = 4;
constexpr unsigned kMaxDepth = PFW_CLS_MAX_DEPTH;
constexpr size_t kMaxTrees = 8;
constexpr size_t kSingleTreeBelow = 12;

using Region = std::array<Interval, PFW_NDIMS>;

unsigned dimWidth(unsigned dim) { return dim >= PFW_DIM_SADDR ? 4 : 1; }

bool covers(const ClsEntry& e, const Region& r) {
    for (unsigned d = 0; d < PFW_NDIMS; d++)
        if (e.dim[d].lo > r[d].lo || e.dim[d].hi < r[d].hi)
            return false;
    return true;
}

bool isWide(const Interval& iv, unsigned dim) {
    u128 width = iv.hi - iv.lo;
    switch (dim) {
    case PFW_DIM_SADDR:
    case PFW_DIM_DADDR: {
        bool v4 = (iv.lo >> 32) == 0xffff && (iv.hi >> 32) == 0xffff;
        return v4 ? width >= (static_cast<u128>(1) << 24) : width >= (static_cast<u128>(1) << 96);
    }
    case PFW_DIM_SPORT:
    case PFW_DIM_DPORT:
        return width >= 1024;
    default:
        return false;
    }
}

struct Builder {
    const std::vector<ClsEntry>& entries;
    std::vector<uint32_t> out;

    // Drops everything behind the first final entry that covers the region.
    std::vector<uint32_t> prune(const std::vector<uint32_t>& list, const Region& r) const {
        std::vector<uint32_t> kept;
        for (uint32_t i : list) {
            kept.push_back(i);
            if (entries[i].final && covers(entries[i], r))
                break;
        }
        return kept;
    }

    struct Cut {
        unsigned dim = 0;
        std::vector<u128> points;  // lower bounds of the elementary intervals 1..n-1
        size_t maxChild = 0, total = 0;
    };

    // Scores cutting dim at every bound of the entries inside region r: the
    // number of entries in the largest elementary interval and in all of them,
    // counted with a sweep, without building the lists.
    Cut score(unsigned dim, const std::vector<uint32_t>& list, const Region& r) const {
        Cut c;
        c.dim = dim;
        const Interval span = r[dim];
        for (uint32_t i : list) {
            const Interval& iv = entries[i].dim[dim];
            if (iv.lo > span.lo)
                c.points.push_back(iv.lo);
            if (iv.hi < span.hi)
                c.points.push_back(iv.hi + 1);
        }
        std::sort(c.points.begin(), c.points.end());
        c.points.erase(std::unique(c.points.begin(), c.points.end()), c.points.end());
        // delta[k]: change in the count entering elementary interval k
        std::vector<long> delta(c.points.size() + 2, 0);
        auto indexOf = [&](u128 v) {  // elementary interval holding v
            return static_cast<size_t>(std::upper_bound(c.points.begin(), c.points.end(), v) -
                                       c.points.begin());
        };
        for (uint32_t i : list) {
            const Interval& iv = entries[i].dim[dim];
            size_t a = indexOf(std::max(iv.lo, span.lo));
            size_t b = indexOf(std::min(iv.hi, span.hi));
            delta[a]++;
            delta[b + 1]--;
        }
        long run = 0;
        for (size_t k = 0; k <= c.points.size(); k++) {
            run += delta[k];
            c.maxChild = std::max(c.maxChild, static_cast<size_t>(run));
            c.total += static_cast<size_t>(run);
        }
        return c;
    }

    // The lists of entries of each elementary interval of the chosen cut, in
    // entry order, with equal neighbours merged into one child.
    void materialize(const Cut& c, const std::vector<uint32_t>& list, const Region& r,
                     std::vector<u128>& bounds, std::vector<std::vector<uint32_t>>& children) const {
        const Interval span = r[c.dim];
        std::vector<std::vector<uint32_t>> elem(c.points.size() + 1);
        for (uint32_t i : list) {
            const Interval& iv = entries[i].dim[c.dim];
            auto a = std::upper_bound(c.points.begin(), c.points.end(), std::max(iv.lo, span.lo)) -
                     c.points.begin();
            auto b = std::upper_bound(c.points.begin(), c.points.end(), std::min(iv.hi, span.hi)) -
                     c.points.begin();
            for (auto k = a; k <= b; k++)
                elem[static_cast<size_t>(k)].push_back(i);
        }
        for (size_t k = 0; k < elem.size(); k++) {
            if (k > 0 && elem[k] == children.back())
                continue;
            if (k > 0)
                bounds.push_back(c.points[k - 1]);
            children.push_back(std::move(elem[k]));
        }
    }

    uint32_t emitLeaf(const std::vector<uint32_t>& list) {
        uint32_t off = static_cast<uint32_t>(out.size());
        out.push_back(PFW_CLS_LEAF);
        out.push_back(static_cast<uint32_t>(list.size()));
        out.insert(out.end(), list.begin(), list.end());
        return off;
    }

    void pushBound(u128 v, unsigned width) {
        if (width == 1) {
            out.push_back(static_cast<uint32_t>(v));
            return;
        }
        for (int w = 3; w >= 0; w--)
            out.push_back(static_cast<uint32_t>(v >> (32 * w)));
    }

    uint32_t build(const std::vector<uint32_t>& input, const Region& r, unsigned depth) {
        std::vector<uint32_t> list = prune(input, r);
        if (list.size() <= kLeafSize || depth >= kMaxDepth)
            return emitLeaf(list);
        // Cost of a cut is the largest child (the lookup's worst case), then
        // the copies it makes (memory); a cut that shrinks nothing is none.
        std::optional<Cut> best;
        for (unsigned d = 0; d < PFW_NDIMS; d++) {
            Cut c = score(d, list, r);
            if (c.points.empty() || c.maxChild >= list.size())
                continue;
            if (c.total > 8 * list.size() + 64)
                continue;  // replication that would blow up memory
            if (!best || c.maxChild < best->maxChild ||
                (c.maxChild == best->maxChild && c.total < best->total))
                best = std::move(c);
        }
        if (!best)
            return emitLeaf(list);
        std::vector<u128> bounds;
        std::vector<std::vector<uint32_t>> children;
        materialize(*best, list, r, bounds, children);
        if (children.size() < 2)
            return emitLeaf(list);
        const unsigned dim = best->dim;
        const unsigned width = dimWidth(dim);
        const size_t n = children.size();
        uint32_t off = static_cast<uint32_t>(out.size());
        out.push_back(PFW_CLS_CUT | dim << 8);
        out.push_back(static_cast<uint32_t>(n));
        for (u128 b : bounds)
            pushBound(b, width);
        size_t childSlots = out.size();
        out.resize(out.size() + n);
        for (size_t i = 0; i < n; i++) {
            Region sub = r;
            sub[dim].lo = i == 0 ? r[dim].lo : bounds[i - 1];
            sub[dim].hi = i + 1 == n ? r[dim].hi : bounds[i] - 1;
            uint32_t child = build(children[i], sub, depth + 1);
            out[childSlots + i] = child;
        }
        return off;
    }
};

}  // namespace

ir::Interval dimFull(unsigned dim) {
    return {0, dim >= PFW_DIM_SADDR ? ir::kAllOnes128 : static_cast<u128>(0xffffffffu)};
}

ClsTrees buildClassifier(const std::vector<ClsEntry>& entries) {
    Region full;
    for (unsigned d = 0; d < PFW_NDIMS; d++)
        full[d] = dimFull(d);

    // Group entries by the dimensions they are wide in.
    std::map<unsigned, std::vector<uint32_t>> groups;
    for (uint32_t i = 0; i < entries.size(); i++) {
        unsigned mask = 0;
        if (entries.size() >= kSingleTreeBelow)
            for (unsigned d = 0; d < PFW_NDIMS; d++)
                if (isWide(entries[i].dim[d], d))
                    mask |= 1u << d;
        groups[mask].push_back(i);
    }
    std::vector<std::vector<uint32_t>> lists;
    for (auto& [mask, list] : groups)
        lists.push_back(std::move(list));
    // Too many trees cost more per packet than they save: fold the smallest.
    std::sort(lists.begin(), lists.end(),
              [](const auto& a, const auto& b) { return a.size() > b.size(); });
    while (lists.size() > kMaxTrees) {
        auto last = std::move(lists.back());
        lists.pop_back();
        auto& into = lists.back();
        into.insert(into.end(), last.begin(), last.end());
        std::sort(into.begin(), into.end());
    }

    Builder b{entries, {}};
    ClsTrees trees;
    if (lists.empty())
        lists.emplace_back();
    for (const auto& list : lists)
        trees.roots.push_back(b.build(list, full, 0));
    trees.nodes = std::move(b.out);
    return trees;
}

}  // namespace pfw::opt
