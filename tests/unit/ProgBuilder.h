// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// ProgBuilder.h
// Hand-assembled programs for the verifier and interpreter tests.
//------------------------------------------------------------------------------
#pragma once

#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "polyfw/bytecode.h"
}

namespace pfw::testing {

struct ProgBuilder {
    std::vector<pfw_insn> insns;
    std::vector<uint32_t> pool;
    std::vector<pfw_rule_desc> rules{{0, 0, 1, 0}};
    std::vector<pfw_set_desc> sets;
    std::vector<pfw_cls_desc> cls;
    std::vector<pfw_lim_desc> lims;
    std::string strtab = std::string("\0rule\0\0\0", 8);
    uint32_t entry[PFW_HOOK_MAX] = {PFW_NO_ENTRY, PFW_NO_ENTRY, 0, PFW_NO_ENTRY, PFW_NO_ENTRY};
    uint32_t magic = PFW_PROG_MAGIC;
    uint16_t version = PFW_PROG_VERSION;
    uint32_t flags = 0;

    // Appends words to the pool; returns the offset of the first.
    uint32_t addPool(const std::vector<uint32_t>& words) {
        uint32_t at = static_cast<uint32_t>(pool.size());
        pool.insert(pool.end(), words.begin(), words.end());
        return at;
    }

    // A CLASSIFY site (classifier, first result) in the pool.
    uint32_t site(uint32_t cls, uint32_t start = 0) { return addPool({cls, start}); }

    // A classifier entry with the given result whose ranges hold for any packet.
    static std::vector<uint32_t> anyEntry(uint32_t result) {
        std::vector<uint32_t> e(PFW_CLS_ENTRY_WORDS, 0);
        e[0] = result;
        for (unsigned d = 0; d < PFW_DIM_NSCALAR; d++)
            e[2 + 2 * d] = 0xffffffffu;
        for (unsigned k = 0; k < 8; k++)
            e[1 + 2 * PFW_DIM_NSCALAR + 4 + k] = 0xffffffffu;  // hi words of both address dimensions
        return e;
    }

    // A classifier: appends its jump table, entries (PFW_CLS_ENTRY_WORDS
    // each, concatenated), node area and roots to the pool, in that order,
    // and returns its index.
    uint32_t addClassifier(const std::vector<uint32_t>& jt, const std::vector<uint32_t>& entries,
                           const std::vector<uint32_t>& nodes, const std::vector<uint32_t>& roots) {
        pfw_cls_desc c{};
        c.n_results = static_cast<uint32_t>(jt.size());
        c.jt_off = addPool(jt);
        c.n_entries = static_cast<uint32_t>(entries.size() / PFW_CLS_ENTRY_WORDS);
        c.entry_off = addPool(entries);
        c.node_off = addPool(nodes);
        c.node_words = static_cast<uint32_t>(nodes.size());
        c.n_trees = static_cast<uint32_t>(roots.size());
        c.roots_off = addPool(roots);
        cls.push_back(c);
        return static_cast<uint32_t>(cls.size() - 1);
    }

    std::vector<uint32_t> build() const {
        pfw_prog_hdr h{};
        h.magic = magic;
        h.version = version;
        h.hdr_words = sizeof(h) / 4;
        h.n_insns = static_cast<uint32_t>(insns.size());
        h.n_pool = static_cast<uint32_t>(pool.size());
        h.n_rules = static_cast<uint32_t>(rules.size());
        h.n_sets = static_cast<uint32_t>(sets.size());
        h.n_cls = static_cast<uint32_t>(cls.size());
        h.n_lims = static_cast<uint32_t>(lims.size());
        h.n_strtab = static_cast<uint32_t>(strtab.size());
        for (int i = 0; i < PFW_HOOK_MAX; i++)
            h.entry[i] = entry[i];
        h.flags = flags;
        std::vector<uint32_t> b;
        auto put = [&](const void* p, size_t n) {
            if (!n)
                return;
            size_t at = b.size();
            b.resize(at + (n + 3) / 4);
            std::memcpy(b.data() + at, p, n);
        };
        put(&h, sizeof(h));
        put(insns.data(), insns.size() * sizeof(pfw_insn));
        put(pool.data(), pool.size() * 4);
        put(rules.data(), rules.size() * sizeof(pfw_rule_desc));
        put(sets.data(), sets.size() * sizeof(pfw_set_desc));
        put(cls.data(), cls.size() * sizeof(pfw_cls_desc));
        put(lims.data(), lims.size() * sizeof(pfw_lim_desc));
        put(strtab.data(), strtab.size());
        return b;
    }
};

inline pfw_insn I(uint8_t op, uint8_t field = 0, uint16_t jf = 0, uint32_t arg = 0) { return {op, field, jf, arg}; }

}  // namespace pfw::testing
