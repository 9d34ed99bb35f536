// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// codegen/Emitter.cpp
// Instruction buffer, forward labels and the program's tables.
//------------------------------------------------------------------------------
#include "codegen/Emitter.h"

#include <stdexcept>

namespace pfw::codegen {

namespace {
constexpr uint32_t kUnbound = 0xffffffffu;
}

Label Emitter::newLabel() {
    labelPos_.push_back(kUnbound);
    return static_cast<Label>(labelPos_.size() - 1);
}

void Emitter::bind(Label l) { labelPos_.at(l) = pc(); }

void Emitter::test(uint8_t op, uint8_t field, uint32_t arg, Label fail) {
    fixups_.push_back({Fix::Jf, pc(), fail});
    insns_.push_back({op, field, 0, arg});
}

void Emitter::testFar(uint8_t op, uint8_t field, uint32_t arg, Label fail) {
    insns_.push_back({op, static_cast<uint8_t>(field ^ PFW_F_INV), 1, arg});
    jmp(fail);
}

void Emitter::jmp(Label target) {
    fixups_.push_back({Fix::RelArg, pc(), target});
    insns_.push_back({PFW_OP_JMP, 0, 0, 0});
}

void Emitter::op(uint8_t op, uint32_t arg) { insns_.push_back({op, 0, 0, arg}); }

void Emitter::opAbs(uint8_t op, Label target) {
    fixups_.push_back({Fix::AbsArg, pc(), target});
    insns_.push_back({op, 0, 0, 0});
}

void Emitter::classify(uint32_t siteOff, Label none) {
    fixups_.push_back({Fix::Jf, pc(), none});
    insns_.push_back({PFW_OP_CLASSIFY, 0, 0, siteOff});
}

uint32_t Emitter::poolAdd(const std::vector<uint32_t>& words) {
    uint32_t off = static_cast<uint32_t>(pool_.size());
    pool_.insert(pool_.end(), words.begin(), words.end());
    return off;
}

void Emitter::poolLabel(uint32_t poolIndex, Label l) { fixups_.push_back({Fix::Pool, poolIndex, l}); }

uint32_t Emitter::strAdd(const std::string& s) {
    auto it = strIndex_.find(s);
    if (it != strIndex_.end())
        return it->second;
    uint32_t off = static_cast<uint32_t>(strtab_.size());
    strtab_ += s;
    strtab_.push_back('\0');
    strIndex_.emplace(s, off);
    return off;
}

void Emitter::resolve() {
    for (const auto& f : fixups_) {
        uint32_t target = labelPos_.at(f.label);
        if (target == kUnbound)
            throw std::logic_error("codegen: unbound label");
        switch (f.kind) {
        case Fix::Jf: {
            uint32_t rel = target - (f.at + 1);
            if (target <= f.at || rel > 0xffff)
                throw std::logic_error("codegen: near jump out of range at insn " +
                                       std::to_string(f.at));
            insns_[f.at].jf = static_cast<uint16_t>(rel);
            break;
        }
        case Fix::RelArg:
            if (target <= f.at)
                throw std::logic_error("codegen: backward jump");
            insns_[f.at].arg = target - (f.at + 1);
            break;
        case Fix::AbsArg:
            insns_[f.at].arg = target;
            break;
        case Fix::Pool:
            pool_.at(f.at) = target;
            break;
        }
    }
    fixups_.clear();
}

}  // namespace pfw::codegen
