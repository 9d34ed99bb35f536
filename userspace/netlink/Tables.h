// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// netlink/Tables.h
// The table each language's tool owns, and the priority it hooks in at.
//------------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "netlink/Client.h"

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

// The lifetimes --state-timeouts SPEC asks for, starting from base: "ipfw"
// (FreeBSD's defaults), "default" (polyfw's), or NAME=SECONDS[,...] with
// NAME one of syn, established, fin, rst, udp, other and SECONDS 1..604800.
// Returns "" or what is wrong, naming the token.
inline std::string parseStateTimeouts(std::string_view spec, StateTimeouts& out) {
    if (spec == "ipfw") {
        out = StateTimeouts{20, 300, 1, 1, 10, 5};
        return "";
    }
    if (spec == "default") {
        out = StateTimeouts{};
        return "";
    }
    struct Field {
        std::string_view name;
        uint32_t StateTimeouts::*member;
    };
    static constexpr Field kFields[] = {
        {"syn", &StateTimeouts::syn}, {"established", &StateTimeouts::established},
        {"fin", &StateTimeouts::fin}, {"rst", &StateTimeouts::rst},
        {"udp", &StateTimeouts::udp}, {"other", &StateTimeouts::other},
    };
    if (spec.empty())
        return "empty state timeout list";
    while (!spec.empty()) {
        size_t comma = spec.find(',');
        std::string_view item = spec.substr(0, comma);
        spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
        size_t eq = item.find('=');
        std::string_view name = item.substr(0, eq);
        const Field* f = nullptr;
        for (const auto& k : kFields)
            if (k.name == name)
                f = &k;
        if (!f || eq == std::string_view::npos)
            return "bad state timeout '" + std::string(item) +
                   "': expected syn, established, fin, rst, udp or other =SECONDS, or ipfw, or default";
        std::string_view num = item.substr(eq + 1);
        uint64_t v = 0;
        bool ok = !num.empty() && num.size() <= 7;
        for (char c : num) {
            ok = ok && c >= '0' && c <= '9';
            v = v * 10 + static_cast<uint64_t>(c - '0');
        }
        if (!ok || v < 1 || v > 604800)
            return "bad state timeout '" + std::string(item) + "': seconds must be 1 to 604800";
        out.*(f->member) = static_cast<uint32_t>(v);
    }
    return "";
}

}  // namespace pfw::nl
