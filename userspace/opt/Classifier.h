// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// opt/Classifier.h
// Builds the decision trees behind a CLASSIFY instruction.
//------------------------------------------------------------------------------
//
// Input: entries in rule order, each a box (one interval per dimension) with
// the result (the rule's ordinal in its run) it stands for.  Output: the pool
// words of the trees.  A packet's lookup visits one leaf per tree and checks
// only the few entries listed there, so its cost grows with the depth of the
// trees (logarithmic in the number of distinct bounds), not with the number
// of rules.  First-match order is kept exactly: leaves list entries in rule
// order, and the lookup takes the smallest result over all trees.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "ir/Ir.h"

namespace pfw::opt {

struct ClsEntry {
    uint32_t result = 0;
    std::array<ir::Interval, PFW_NDIMS> dim;
    // When the entry matches, no later entry can be reached: its rule ends
    // evaluation of the run with no further test.  Lets the builder drop
    // every entry behind it from a leaf that it covers whole.
    bool final = false;
};

struct ClsTrees {
    std::vector<uint32_t> nodes;  // node words, offsets relative to the start
    std::vector<uint32_t> roots;  // offsets of each tree's root
};

// The full range of a dimension.
ir::Interval dimFull(unsigned dim);

ClsTrees buildClassifier(const std::vector<ClsEntry>& entries);

}  // namespace pfw::opt
