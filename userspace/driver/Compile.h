// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// driver/Compile.h
// The pipeline: IR -> optimizer -> code generator -> verifier -> blob.
//------------------------------------------------------------------------------
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "ir/Ir.h"

namespace pfw::driver {

struct RuleStats {
    uint32_t rule = 0;  // rule-table index
    std::string loc;
    uint32_t insns = 0;  // instructions attributed to the rule
    uint32_t bytes = 0;  // instruction + pool + table bytes attributed to it
};

struct CompileStats {
    uint32_t rules = 0, insns = 0, poolWords = 0, sets = 0, classifiers = 0;
    uint32_t bytes = 0;  // whole program
    // The verifier's worst-case cost of one run (pfw_prog.cost, at most
    // PFW_MAX_COST) and per hook (0 for a hook without an entry).
    uint32_t cost = 0;
    std::array<uint32_t, PFW_HOOK_MAX> hookCost{};
    std::array<bool, PFW_HOOK_MAX> hasEntry{};
    std::vector<RuleStats> perRule;
};

struct CompileOptions {
    bool optimize = true;  // build classifiers and sets where semantics allow
    uint32_t generation = 0;
};

struct CompileResult {
    std::vector<uint32_t> blob;  // a program the verifier accepted
    CompileStats stats;
    std::string error;  // set when the verifier refused (a compiler bug, or over its budget)
    std::vector<std::string> warnings;  // e.g. classifiers given up for linear code
    bool ok() const { return error.empty(); }
};

CompileResult compile(const ir::Program& prog, const CompileOptions& opts = {});

}  // namespace pfw::driver
