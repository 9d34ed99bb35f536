// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/VmMap.h
// Which network interfaces stand for which VM: vms.conf and "vm" lines.
//------------------------------------------------------------------------------
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "frontends/qvm/Text.h"
#include "util/Diag.h"

namespace pfw::qvm {

inline constexpr const char* kDefaultVmsConf = "/etc/polyfw/vms.conf";

// Qubes' VM names: a letter, then at most 30 letters, digits, '_', '.', '-'.
bool validVmName(std::string_view name);
// The message for a name validVmName refuses.
std::string vmNameError();

struct Iface {
    std::string name;       // without the wildcard's '+'
    bool wildcard = false;  // "vnet+": every interface whose name starts with "vnet"
    std::string text() const { return wildcard ? name + "+" : name; }
};

struct VmEntry {
    std::string name;
    std::vector<Iface> ifaces;
    SourceLoc loc;  // where it was declared
};

struct VmMap {
    std::vector<VmEntry> vms;  // in declaration order, which is ruleset order
    const VmEntry* find(std::string_view name) const;
};

// Adds the VM that words declare (NAME IFACE [IFACE...]) to map.  Refuses a
// bad or repeated name, a bad interface and an interface that overlaps one
// already mapped (a packet must belong to one VM at most).
bool addVmDecl(VmMap& map, const std::vector<Word>& words, const SourceLoc& lineLoc, Diagnostics& diags);

// Drops a '#' comment: everything from the first '#'.
std::string_view stripHashComment(std::string_view line);

// vms.conf: lines "VMNAME IFACE [IFACE...]", '#' comments, blank lines.
std::optional<VmMap> parseVmsConf(const std::string& path, std::string_view text, Diagnostics& diags);
// The same from the file; a missing file maps no VM (not an error).
std::optional<VmMap> readVmsConf(const std::string& path, Diagnostics& diags);

// $POLYFW_VMS_CONF, or /etc/polyfw/vms.conf.
std::string vmsConfPathFromEnvironment();

}  // namespace pfw::qvm
