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

namespace {

// Limits of the verifier that a classifier can hit where linear code would
// not: a leaf or a tree too large, or a worst case over the cost budget
// (a long run of rules whose residual tests can all fail resumes the lookup
// after each of them).
bool classifierLimit(const std::string& why) {
    return why.find("program too costly") != std::string::npos ||
           (why.find("classifier ") == 0 &&
            (why.find(" entries, limit ") != std::string::npos || why.find(" deep, limit ") != std::string::npos));
}

CompileResult generateAndVerify(const ir::Program& prog, const CompileOptions& opts, pfw_prog& p, std::string& why) {
    CompileResult res;
    try {
        codegen::Output out = codegen::generate(prog, opts);
        res.blob = std::move(out.blob);
        res.stats = std::move(out.stats);
    } catch (const codegen::ProgramError& e) {
        res.error = e.what();
        return res;
    } catch (const std::exception& e) {
        res.error = std::string("internal compiler error: ") + e.what();
        return res;
    }
    why = verify::check(res.blob, &p);
    return res;
}

}  // namespace

CompileResult compile(const ir::Program& prog, const CompileOptions& opts) {
    pfw_prog p{};
    std::string why;
    CompileResult res = generateAndVerify(prog, opts, p, why);
    if (!res.error.empty())
        return res;
    if (!why.empty() && opts.optimize && classifierLimit(why)) {
        // Slower but within the limits: the rules as linear tests.
        CompileOptions linear = opts;
        linear.optimize = false;
        std::string first = why;
        res = generateAndVerify(prog, linear, p, why);
        if (!res.error.empty())
            return res;
        if (why.empty())
            res.warnings.push_back("classifiers over the verifier's limits (" + first +
                                   "): the rules are compiled as linear tests");
    }
    // Nothing leaves the compiler that the kernel's own verifier would refuse.
    if (!why.empty()) {
        if (why.find("program too costly") != std::string::npos)
            res.error = "the program is too costly for the kernel: " + why;
        else
            res.error = "internal compiler error: the verifier refused the program: " + why;
        res.blob.clear();
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
