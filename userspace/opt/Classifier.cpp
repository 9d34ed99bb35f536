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
constexpr size_t kSliceFrom = 32;

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

    // An equal-size slicing of dim: pieces of 2^shift values of one 32-bit
    // word over [lo, hi], the span of the entries narrower than the region;
    // values outside go to one extra child.  The lookup is one step, where
    // a cut is a binary search: worth it for large nodes.
    struct Slice {
        unsigned dim = 0, word = 0, shift = 0;
        u128 lo = 0, hi = 0;
        uint32_t n = 0;
        size_t maxChild = 0, total = 0, outside = 0;
    };

    static uint32_t wordOf(u128 v, unsigned dim, unsigned word) {
        return dimWidth(dim) == 1 ? static_cast<uint32_t>(v) : static_cast<uint32_t>(v >> (32 * (3 - word)));
    }

    // The piece of value v (inside [lo, hi]).
    static uint32_t pieceOf(const Slice& s, u128 v) {
        uint32_t idx = (wordOf(v, s.dim, s.word) - wordOf(s.lo, s.dim, s.word)) >> s.shift;
        return idx >= s.n ? s.n - 1 : idx;
    }

    std::optional<Slice> sliceScore(unsigned dim, const std::vector<uint32_t>& list, const Region& r) const {
        Slice s;
        s.dim = dim;
        const Interval span = r[dim];
        // Addresses come in clusters (IPv4 inside ::ffff:0:0/96, one IPv6
        // prefix...): slice the largest cluster that holds most entries and
        // send the rest to the outside child, which is cut in turn.
        unsigned keep = 0;  // upper bits an entry must share with the cluster
        u128 cluster = 0;
        if (dimWidth(dim) == 4) {
            for (unsigned bits : {96u, 64u, 32u}) {
                std::map<u128, size_t> count;
                size_t narrow = 0;
                for (uint32_t i : list) {
                    const Interval& iv = entries[i].dim[dim];
                    if (iv.lo <= span.lo && iv.hi >= span.hi)
                        continue;
                    narrow++;
                    if ((iv.lo >> (128 - bits)) == (iv.hi >> (128 - bits)))
                        count[iv.lo >> (128 - bits)]++;
                }
                auto top = std::max_element(count.begin(), count.end(),
                                            [](const auto& a, const auto& b) { return a.second < b.second; });
                if (top != count.end() && 2 * top->second >= narrow) {
                    keep = bits;
                    cluster = top->first;
                    break;
                }
            }
        }
        bool any = false;
        for (uint32_t i : list) {
            const Interval& iv = entries[i].dim[dim];
            if (iv.lo <= span.lo && iv.hi >= span.hi)
                continue;  // wide here: goes everywhere anyway
            if (keep && ((iv.lo >> (128 - keep)) != cluster || (iv.hi >> (128 - keep)) != cluster))
                continue;  // outside the cluster
            u128 lo = std::max(iv.lo, span.lo), hi = std::min(iv.hi, span.hi);
            s.lo = any ? std::min(s.lo, lo) : lo;
            s.hi = any ? std::max(s.hi, hi) : hi;
            any = true;
        }
        if (!any || s.lo == s.hi)
            return std::nullopt;
        // the first word where lo and hi differ: words above it are equal
        unsigned width = dimWidth(dim);
        s.word = width - 1;
        for (unsigned w = 0; w < width; w++)
            if (wordOf(s.lo, dim, w) != wordOf(s.hi, dim, w)) {
                s.word = w;
                break;
            }
        // round lo down and hi up to whole words below `word`, so every
        // piece is an aligned block of word values
        unsigned below = 32 * (width - 1 - s.word);
        if (below) {
            u128 lowMask = (static_cast<u128>(1) << below) - 1;
            s.lo &= ~lowMask;
            s.hi |= lowMask;
        }
        uint64_t words = static_cast<uint64_t>(wordOf(s.hi, dim, s.word)) - wordOf(s.lo, dim, s.word) + 1;
        uint64_t want = std::min<uint64_t>(65536, std::max<uint64_t>(2, 2 * list.size()));
        while (s.shift < 31 && (words >> s.shift) > want)
            s.shift++;
        s.n = static_cast<uint32_t>(((words - 1) >> s.shift) + 1);
        if (s.n < 2)
            return std::nullopt;
        std::vector<long> delta(s.n + 2, 0);
        size_t outside = 0;
        for (uint32_t i : list) {
            const Interval& iv = entries[i].dim[dim];
            u128 lo = std::max(iv.lo, span.lo), hi = std::min(iv.hi, span.hi);
            if (lo < s.lo || hi > s.hi)
                outside++;
            if (hi < s.lo || lo > s.hi)
                continue;
            uint32_t a = pieceOf(s, std::max(lo, s.lo)), b = pieceOf(s, std::min(hi, s.hi));
            delta[a]++;
            delta[b + 1]--;
        }
        // the outside child is cut again on its own: it counts for memory,
        // not for the depth of this step
        long run = 0;
        s.outside = outside;
        s.total = outside;
        for (uint32_t k = 0; k < s.n; k++) {
            run += delta[k];
            s.maxChild = std::max(s.maxChild, static_cast<size_t>(run));
            s.total += static_cast<size_t>(run);
        }
        return s;
    }

    uint32_t emitSlice(const Slice& s, const std::vector<uint32_t>& list, const Region& r, unsigned depth) {
        const unsigned width = dimWidth(s.dim);
        const Interval span = r[s.dim];
        std::vector<std::vector<uint32_t>> pieces(s.n + 1);
        for (uint32_t i : list) {
            const Interval& iv = entries[i].dim[s.dim];
            u128 lo = std::max(iv.lo, span.lo), hi = std::min(iv.hi, span.hi);
            if (lo < s.lo || hi > s.hi)
                pieces[s.n].push_back(i);
            if (hi < s.lo || lo > s.hi)
                continue;
            uint32_t a = pieceOf(s, std::max(lo, s.lo)), b = pieceOf(s, std::min(hi, s.hi));
            for (uint32_t k = a; k <= b; k++)
                pieces[k].push_back(i);
        }
        uint32_t off = static_cast<uint32_t>(out.size());
        out.push_back(PFW_CLS_SLICE | s.dim << 8 | s.word << 16);
        out.push_back(s.n);
        out.push_back(s.shift);
        pushBound(s.lo, width);
        pushBound(s.hi, width);
        size_t kids = out.size();
        out.resize(out.size() + s.n + 1);
        // neighbours with equal lists share one subtree built for their union
        uint32_t k = 0;
        while (k < s.n) {
            uint32_t e = k + 1;
            while (e < s.n && pieces[e] == pieces[k])
                e++;
            Region sub = r;
            u128 base = s.lo;
            u128 unit = static_cast<u128>(1) << (32 * (width - 1 - s.word) + s.shift);
            sub[s.dim].lo = std::max(span.lo, base + unit * k);
            sub[s.dim].hi = e == s.n ? std::min(span.hi, s.hi) : std::min(span.hi, base + unit * e - 1);
            uint32_t child = build(pieces[k], sub, depth + 1);
            for (uint32_t j = k; j < e; j++)
                out[kids + j] = child;
            k = e;
        }
        out[kids + s.n] = build(pieces[s.n], r, depth + 1);
        return off;
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
        // Large nodes: an equal-size slicing about as selective as the best
        // cut is faster to walk.
        if (list.size() >= kSliceFrom) {
            std::optional<Slice> bestSlice;
            for (unsigned d = 0; d < PFW_NDIMS; d++) {
                auto sl = sliceScore(d, list, r);
                if (!sl || sl->maxChild >= list.size() || sl->outside >= list.size() ||
                    sl->total > 4 * list.size() + sl->n)
                    continue;
                if (!bestSlice || sl->maxChild < bestSlice->maxChild ||
                    (sl->maxChild == bestSlice->maxChild && sl->total < bestSlice->total))
                    bestSlice = sl;
            }
            if (bestSlice && (!best || bestSlice->maxChild <= std::max(2 * best->maxChild, 2 * kLeafSize)))
                return emitSlice(*bestSlice, list, r, depth);
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
