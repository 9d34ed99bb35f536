// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// ir/RefEval.h
// The reference evaluator: walks the IR rule by rule, the plain way.
//------------------------------------------------------------------------------
//
// It shares nothing with the code generator or the interpreter but the
// parsed packet, so that the differential tests compare two independent
// readings of the IR's semantics (ir/Ir.h).
#pragma once

#include <cstdint>
#include <array>
#include <functional>
#include <map>

#include "ir/Ir.h"
#include "ir/LiveSet.h"

extern "C" {
#include "polyfw/pkt.h"
}

namespace pfw::ir {

struct RefResult {
    uint32_t verdict = PFW_V_ACCEPT;
    uint32_t rule = PFW_NONE32;  // global rule index (rulesets' rules in order)
    uint32_t param = 0;
    uint32_t mark = 0;
    uint32_t ctmark = 0;  // the connection mark SetCtMark left, when ctmarkSet
    bool ctmarkSet = false;
    uint32_t dscp = PFW_NONE32;
};

struct RefHooks {
    std::function<bool(const Match&)> prob = [](const Match&) { return false; };
    std::function<bool(const Match&)> limit = [](const Match&) { return true; };
    std::function<bool(const Match&)> rpf = [](const Match&) { return true; };
    // Dynamic state: the parent rule of the packet's flow's state, if any;
    // and the creation of one (false: over the limit, the rule does not
    // match).  By default no flow has a state and every creation succeeds.
    std::function<bool(const pfw_pkt&, uint32_t* parent)> stateLookup = [](const pfw_pkt&, uint32_t*) {
        return false;
    };
    std::function<bool(const pfw_pkt&, uint32_t parent, uint32_t limit)> stateAdd =
        [](const pfw_pkt&, uint32_t, uint32_t) { return true; };
    // The contents of the live sets LiveSet matches name (the same object
    // sim::SimHost::liveSets is, to compare them); none: every live set is
    // empty.  Looked up the plain way, element by element.
    const LiveSets* liveSets = nullptr;
};

// An in-memory state table with the semantics of sim::SimHost's (and the
// kernel's, without expiry): a flow is (l4proto, src, dst, sport, dport);
// a lookup tries the packet's own direction, then the reverse; a creation
// with a limit counts the parent's flows that share the limited fields with
// this one and refuses a new flow when there are already `count`; an
// existing flow is taken over by the new parent.
class RefStates {
public:
    bool lookup(const pfw_pkt& pkt, uint32_t* parent) const;
    bool add(const pfw_pkt& pkt, uint32_t parent, uint32_t limit);
    // `base` with the state hooks bound to this table (which must outlive them)
    RefHooks hooks(RefHooks base = {});
    size_t size() const { return states_.size(); }

private:
    using Key = std::array<uint32_t, 11>;  // proto, src[4], dst[4], sport, dport
    static Key key(const pfw_pkt& pkt, bool reverse);
    std::map<Key, uint32_t> states_;
};

RefResult refEvaluate(const Program& prog, pfw_pkt pkt, unsigned hook, const RefHooks& hooks = {});

}  // namespace pfw::ir
