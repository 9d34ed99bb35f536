// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// codegen/CodeGen.h
// IR -> bytecode: the only place that knows the instruction encoding.
//------------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "driver/Compile.h"
#include "ir/Ir.h"

namespace pfw::codegen {

struct Output {
    std::vector<uint32_t> blob;
    driver::CompileStats stats;
};

// A program the IR describes but no bytecode can carry (two uses of one
// live set that disagree on its type, a bad set name): the user's error,
// not the compiler's.
struct ProgramError : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

// Lays out the program: per hook, the rulesets that name it, in order.
// With optimize, runs of rules whose address/protocol/port matches allow it
// become one CLASSIFY over decision trees; the rest stay linear tests.
Output generate(const ir::Program& prog, const driver::CompileOptions& opts);

// A stable identity for a rule across reloads (counters follow it): a hash
// of its ruleset name, what it matches and what it does.
uint32_t ruleKey(const ir::Ruleset& rs, const ir::Rule& rule);

}  // namespace pfw::codegen
