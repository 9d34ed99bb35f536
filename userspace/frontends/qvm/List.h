// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/List.h
// `qvm-firewall VM list`: the table, --raw and --json.
//------------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "frontends/qvm/Rule.h"
#include "frontends/qvm/VmMap.h"

namespace pfw::qvm {

// Qubes' table.  A header line
//   NO  ACTION  HOST  PROTOCOL  PORT(S)  SPECIAL TARGET  ICMP TYPE  EXPIRE  COMMENT
// then one line per rule, numbered from 0.  Cells are left-aligned; every
// column but the last is padded with spaces to its widest cell (header
// included, widths counted in characters) and followed by two spaces; the
// last column is not padded, so no line ends in a blank.  An empty cell is
// "-".  HOST is the canonical destination ("10.0.0.0/8", "1.2.3.4/32",
// "example.com"), PORT(S) "443" or "1000-2000", EXPIRE the time left as
// "+300s".  With no rules, just the header.
std::string formatTable(const std::vector<Rule>& rules, int64_t now);

// `list --raw`: toRaw() of each rule, one a line.
std::string formatRaw(const std::vector<Rule>& rules);

// `list --json`: an object {"vm", "mapped", "interfaces", "rules"} where each
// rule is {"no", "action", ["proto"], ["dst4"|"dst6"|"dsthost"],
// ["dstports": "LO-HI"], ["icmptype"], ["specialtarget"], ["expire",
// "expires_in"], ["comment"], "raw"} (bracketed keys only when set); pretty
// printed with 2-space indent and a final newline.  vm may be null (unmapped).
std::string formatJson(const std::string& name, const VmEntry* vm, const std::vector<Rule>& rules, int64_t now);

}  // namespace pfw::qvm
