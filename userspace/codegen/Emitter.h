// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// codegen/Emitter.h
// Instruction buffer, forward labels and the program's tables.
//------------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

extern "C" {
#include "polyfw/bytecode.h"
}

namespace pfw::codegen {

using Label = uint32_t;

class Emitter {
public:
    Label newLabel();
    void bind(Label l);
    uint32_t pc() const { return static_cast<uint32_t>(insns_.size()); }

    // A test whose failure jumps to `fail` (near: within 65535 instructions).
    void test(uint8_t op, uint8_t field, uint32_t arg, Label fail);
    // A test whose failure may jump anywhere forward: the inverted test
    // skips an unconditional jump.
    void testFar(uint8_t op, uint8_t field, uint32_t arg, Label fail);
    void jmp(Label target);
    // An instruction with no jump.
    void op(uint8_t op, uint32_t arg = 0);
    // An instruction whose arg is the absolute index of a label.
    void opAbs(uint8_t op, Label target);
    // CLASSIFY with a no-match jump to `none` (near).
    void classify(uint32_t siteOff, Label none);

    uint32_t poolAdd(const std::vector<uint32_t>& words);
    // A pool slot that will hold the absolute index of label l.
    void poolLabel(uint32_t poolIndex, Label l);
    std::vector<uint32_t>& pool() { return pool_; }

    uint32_t strAdd(const std::string& s);

    std::vector<pfw_rule_desc> rules;
    std::vector<pfw_set_desc> sets;
    std::vector<pfw_cls_desc> cls;
    std::vector<pfw_lim_desc> lims;

    // Resolves labels; throws std::logic_error on an unbound label or a near
    // jump too long (compiler bugs, not user errors).
    void resolve();
    const std::vector<pfw_insn>& insns() const { return insns_; }
    const std::string& strtab() const { return strtab_; }

private:
    enum class Fix { Jf, RelArg, AbsArg, Pool };
    struct Fixup {
        Fix kind;
        uint32_t at;
        Label label;
    };
    std::vector<pfw_insn> insns_;
    std::vector<uint32_t> pool_;
    std::vector<uint32_t> labelPos_;
    std::vector<Fixup> fixups_;
    std::string strtab_ = std::string(1, '\0');
    std::unordered_map<std::string, uint32_t> strIndex_;
};

}  // namespace pfw::codegen
