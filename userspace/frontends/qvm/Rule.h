// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/Rule.h
// One qvm-firewall rule: its parts, its parser and its canonical text.
//------------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "frontends/qvm/Address.h"
#include "util/Diag.h"

namespace pfw::qvm {

enum class Verdict { Accept, Drop };
enum class Proto { Tcp, Udp, Icmp };

struct PortRange {
    uint32_t lo = 0, hi = 0;  // 1-65535, lo <= hi
    bool operator==(const PortRange&) const = default;
};

// Expiry times are stored absolute and must fit the kernel's 32-bit clock
// field (PFW_FLD_TIME).
inline constexpr int64_t kMaxExpire = 0xffffffffLL;

struct Rule {
    Verdict action = Verdict::Drop;
    std::optional<Proto> proto;
    std::optional<DstHost> dst;
    std::optional<PortRange> ports;
    std::optional<uint8_t> icmpType;
    bool dns = false;               // specialtarget=dns
    std::optional<int64_t> expire;  // seconds since the epoch
    std::string comment;            // blanks collapsed; empty for none

    // Where the destination was written, so that a host name that fails to
    // resolve when the program is built is reported at its word.
    SourceLoc dstLoc;
    std::string dstToken;
};

struct ParseOptions {
    int64_t now = 0;                  // for expire=+N and the past check
    bool allowRelativeExpire = true;  // false in files, which are not read "now"
    bool rejectPastExpire = true;     // false when loading: expired rules are dropped
};

// Parses rule text: KEY=VALUE words and positional words in the order
// ACTION [DSTHOST [PROTO [DSTPORTS|ICMPTYPE]]], mixed as Qubes allows, and
// "comment=" taking the rest of the text.  where is the location of text[0]
// (file empty for the command line); each error names its word and column.
// Reports the first error only and returns nothing then.
std::optional<Rule> parseRule(std::string_view text, const SourceLoc& where, const ParseOptions& opts,
                              Diagnostics& diags);

// The canonical key=value form of `list --raw` and the state files, which
// parseRule reads back to an equal rule: keys in the order action, proto,
// dst4/dst6/dsthost, dstports (always LO-HI), icmptype, specialtarget, expire
// (absolute), comment.  Rules are equal when their canonical texts are.
std::string toRaw(const Rule& r);

// A rule whose expiry time has come (expire <= now) no longer exists.
inline bool expired(const Rule& r, int64_t now) {
    return r.expire && *r.expire <= now;
}

std::string_view verdictName(Verdict v);
std::string_view protoName(Proto p);

}  // namespace pfw::qvm
