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
#include <functional>

#include "ir/Ir.h"

extern "C" {
#include "polyfw/pkt.h"
}

namespace pfw::ir {

struct RefResult {
    uint32_t verdict = PFW_V_ACCEPT;
    uint32_t rule = PFW_NONE32;  // global rule index (rulesets' rules in order)
    uint32_t param = 0;
    uint32_t mark = 0;
    uint32_t dscp = PFW_NONE32;
};

struct RefHooks {
    std::function<bool(const Match&)> prob = [](const Match&) { return false; };
    std::function<bool(const Match&)> limit = [](const Match&) { return true; };
    std::function<bool(const Match&)> rpf = [](const Match&) { return true; };
};

RefResult refEvaluate(const Program& prog, pfw_pkt pkt, unsigned hook, const RefHooks& hooks = {});

}  // namespace pfw::ir
