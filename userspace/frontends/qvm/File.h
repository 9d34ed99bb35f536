// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/File.h
// `polyfw compile --lang qvm FILE`: VM mappings and rules in one file.
//------------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "frontends/qvm/Address.h"
#include "ir/Ir.h"
#include "util/Diag.h"

namespace pfw::qvm {

// Compiles a qvm program file (polyfw-qvm(5)) to the IR:
//
//   # VM definitions and rules
//   vm work tap0 vnet+
//   work action=accept dst4=93.184.216.34/32 proto=tcp dstports=443-443
//   work drop proto=udp
//
// "vm VMNAME IFACE [IFACE...]" maps a VM to its interfaces (a trailing '#'
// comment allowed); "VMNAME RULE-WORDS" appends a rule to that VM in the
// syntax `qvm-firewall add` takes, except that expire must be absolute.
// Blank lines and lines starting with '#' are skipped.
//
// path: the file's name, for diagnostics and rule locations ("path:LINE").
// text: its contents.
// now: seconds since the epoch; rules expired by then are left out (use
//      nowFromEnvironment() from Program.h to honour $POLYFW_NOW).
// resolvConfPath: the resolv.conf whose nameservers specialtarget=dns means
//      (resolvConfPathFromEnvironment() in Resolv.h gives the usual one).
// diags: receives every error, "path:LINE:COL: error: 'TOKEN': MESSAGE".
// resolver: resolves dsthost=NAME; getaddrinfo by default.
//
// The result has one ruleset per "vm" line, in file order, built as
// lowerVm() describes (Lower.h) with ir::Rule::loc "path:LINE" and id the
// rule's number within its VM.  Returns nothing when there is any error.
std::optional<ir::Program> parseFile(const std::string& path, std::string_view text, int64_t now,
                                     const std::string& resolvConfPath, Diagnostics& diags,
                                     const Resolver& resolver = systemResolver());

}  // namespace pfw::qvm
