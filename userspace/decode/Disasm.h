// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// decode/Disasm.h
// Prints a verified program readably, each instruction with its rule.
//------------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

extern "C" {
#include "polyfw/prog.h"
}

namespace pfw::decode {

// The rule-table index each instruction belongs to (PFW_NONE32 for the
// program's own glue: scope tests, chain ends).
std::vector<uint32_t> attributeInsns(const pfw_prog& p);

// One instruction as text ("cmp dport 443", "ifname iif \"tap0\"").
std::string formatInsn(const pfw_prog& p, uint32_t pc);

// The rule's location string from the string table.
std::string ruleLoc(const pfw_prog& p, uint32_t rule);

// A live set's name (PFW_SET_F_LIVE) from the string table.
std::string liveSetName(const pfw_prog& p, uint32_t set);

// The whole program: header, hooks, instructions (with jump targets and
// rules), rule table, sets, classifiers and limiters.
std::string disassemble(const pfw_prog& p);
nlohmann::json disassembleJson(const pfw_prog& p);

// Address formatting shared with trace: IPv4 for ::ffff:a.b.c.d.
std::string formatAddr(const uint32_t w[4]);

}  // namespace pfw::decode
