// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// driver/Compile.cpp
// The pipeline: IR -> optimizer -> code generator -> verifier -> blob.
//------------------------------------------------------------------------------
#include "driver/Compile.h"

#include <stdexcept>

#include "codegen/CodeGen.h"
#include "verify/Verify.h"

namespace pfw::driver {

CompileResult compile(const ir::Program& prog, const CompileOptions& opts) {
    CompileResult res;
    try {
        codegen::Output out = codegen::generate(prog, opts);
        res.blob = std::move(out.blob);
        res.stats = std::move(out.stats);
    } catch (const std::exception& e) {
        res.error = std::string("internal compiler error: ") + e.what();
        return res;
    }
    // Nothing leaves the compiler that the kernel's own verifier would refuse.
    pfw_prog p{};
    std::string why = verify::check(res.blob, &p);
    if (!why.empty()) {
        res.error = "internal compiler error: the verifier refused the program: " + why;
        return res;
    }
    res.stats.cost = p.cost;
    for (unsigned h = 0; h < PFW_HOOK_MAX; h++) {
        res.stats.hookCost[h] = p.hook_cost[h];
        res.stats.hasEntry[h] = p.hdr->entry[h] != PFW_NO_ENTRY;
    }
    return res;
}

}  // namespace pfw::driver
