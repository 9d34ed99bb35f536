// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// netlink/Tables.h
// The table each language's tool owns, and the priority it hooks in at.
//------------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace pfw::nl {

// Host-wide policies come first, per-VM policies last, so that a VM's rule
// counters count only what the host lets through; distinct priorities make
// the order independent of the order of loading.  polyfw(8) lists them.
struct ToolTable {
    std::string_view name;
    int32_t priority;
};

inline constexpr ToolTable kToolTables[] = {
    {"ipfw", -30}, {"shorewall", -20}, {"firehol", -10}, {"default", 0}, {"qvm", 10},
};

inline constexpr std::string_view kQvmTable = "qvm";

// The documented priority of a tool's table; nullopt for other names (the
// kernel then uses POLYFW_PRIO_DEFAULT).
inline std::optional<int32_t> defaultPriority(std::string_view table) {
    for (const auto& t : kToolTables)
        if (t.name == table)
            return t.priority;
    return std::nullopt;
}

}  // namespace pfw::nl
