// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// ir/Ir.h
// The language-neutral rule IR every front-end produces.
//------------------------------------------------------------------------------
//
// A Program is an ordered list of Rulesets.  At each netfilter hook a packet
// walks the rulesets that name that hook, in order:
//  - a ruleset whose scope does not match the packet is skipped;
//  - inside a ruleset the first rule whose matches all hold acts:
//      Accept ends this ruleset and the packet goes on to the next one,
//      Drop / Reject / Queue / Nat end the evaluation of the packet,
//      Continue (count, log, mark, tag ...) goes on with the next rule,
//      Skip goes on with a later rule of the same ruleset;
//  - falling off the end of a ruleset is an Accept of that ruleset (front-ends
//    write their default policy as an explicit last rule);
//  - after the last ruleset the packet is accepted.
// So a packet passes a hook only when no ruleset that governs it drops it,
// exactly like several nftables base chains at one hook.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

extern "C" {
#include "polyfw/bytecode.h"
}

namespace pfw::ir {

using u128 = unsigned __int128;

inline constexpr u128 kAllOnes128 = ~static_cast<u128>(0);

// An inclusive interval of field values.  Scalars use the low 32 bits;
// addresses are 128-bit (IPv4 as ::ffff:a.b.c.d, MACs in the low 48 bits).
struct Interval {
    u128 lo = 0;
    u128 hi = 0;
    bool operator==(const Interval&) const = default;
};

// The largest value a field can take (the "any" interval is [0, fieldMax]).
u128 fieldMax(uint8_t field);
bool isScalarField(uint8_t field);
bool isAddrField(uint8_t field);
bool isIfnameField(uint8_t field);

// Sorts, merges overlapping and adjacent intervals.
std::vector<Interval> normalize(std::vector<Interval> ivs);
// The complement of a normalized set within [0, max].
std::vector<Interval> complement(const std::vector<Interval>& ivs, u128 max);
// The intersection of two normalized sets.
std::vector<Interval> intersect(const std::vector<Interval>& a, const std::vector<Interval>& b);

// IPv4 address (host order) as a 128-bit value.
inline u128 v4Mapped(uint32_t a) { return (static_cast<u128>(0xffff) << 32) | a; }
// A CIDR prefix as an interval; bits is the prefix length of the 128-bit
// form (add 96 for IPv4).
Interval prefixInterval(u128 addr, unsigned bits);

struct Limiter {
    uint32_t rate = 0;  // a period: a second, or PFW_LIM_PERIOD_* in flags
    uint32_t burst = 0;
    uint32_t flags = 0;  // PFW_LIM_*
};

struct Match {
    enum class Kind {
        Set,     // field value in `set` (a normalized interval list)
        Mask,    // (field & mask) == value
        Ifname,  // interface name equals `name`, or starts with it when `prefix`
        Prob,    // random u32 < imm
        Limit,   // token bucket `limit` has a token
        Rpf,     // reverse-path check, mode imm (PFW_RPF_*)
        Tagged,  // the packet carries a tag in [imm, imm2]
        // Holds when any of `alts` holds (tried in order, the first that
        // holds ends the search); with `negate`, when none does.  The
        // alternatives are plain matches, each with its own field and
        // negation: one level, an AnyOf inside an AnyOf is rejected by the
        // code generator.  No alternatives never holds (like an empty set).
        AnyOf,
        // The field's value is in the live set `name` of the program's table
        // (ir/LiveSet.h): a scalar field in a number set, an address field
        // in an address set, an interface field in an interface set.  Its
        // elements live in the kernel and change without a reload; the
        // program only names the set.  With `hasValue` the set's elements
        // carry values and a lookup that finds the key leaves the element's
        // value in PFW_FLD_TABLEARG (negated or not), for the matches after
        // it in the same rule: a TABLEARG test of a rule should follow the
        // live set match that sets it, since matches of a rule that fails
        // may or may not have run.  Every use of one name must agree on
        // the kind of field and on hasValue.
        LiveSet,
    };
    Kind kind = Kind::Set;
    uint8_t field = 0;  // enum pfw_field, for Set/Mask/Ifname/LiveSet
    bool negate = false;
    std::vector<Interval> set;
    u128 mask = 0, value = 0;
    std::string name;
    bool prefix = false;
    uint32_t imm = 0, imm2 = 0;
    Limiter limit;
    std::vector<Match> alts;  // AnyOf
    bool hasValue = false;    // LiveSet

    static Match inSet(uint8_t field, std::vector<Interval> set, bool negate = false);
    static Match equals(uint8_t field, u128 v, bool negate = false);
    static Match masked(uint8_t field, u128 mask, u128 value, bool negate = false);
    static Match ifname(uint8_t field, std::string name, bool negate = false);
    static Match anyOf(std::vector<Match> alts, bool negate = false);
    static Match liveSet(uint8_t field, std::string name, bool hasValue = false, bool negate = false);
};

struct LogSpec {
    uint32_t level = 4;  // syslog level
    std::string prefix;
    std::optional<Limiter> limit;
    uint32_t flags = 0;  // PFW_LOG_*
};

struct NatSpec {
    uint32_t kind = 0;  // enum pfw_nat_kind
    uint32_t flags = 0;  // PFW_NAT_F_*
    u128 addrLo = 0, addrHi = 0;
    uint16_t portLo = 0, portHi = 0;
};

// Side effects run in order when the rule acts, before its verdict.
struct Effect {
    enum class Kind { Log, SetMark, SetDscp, Tag, Untag, SetCtMark };
    Kind kind = Kind::Log;
    LogSpec log;
    // SetMark: mark = (mark & ~mask) | value; SetCtMark the same on the
    // connection's mark (the ctmark field), which the kernel writes back
    uint32_t mask = 0, value = 0;
};

struct Action {
    // CheckState: when the packet's flow has a dynamic state whose parent is
    // a keep-state rule of this ruleset, the packet continues at that rule's
    // action (its RULE, effects and verdict, as if it had matched, without
    // testing it again); otherwise the check-state rule does not match and
    // evaluation goes on with the next rule.  It has no effects of its own.
    enum class Kind { Accept, Drop, Reject, Queue, Nat, Continue, Skip, CheckState };
    Kind kind = Kind::Drop;
    uint32_t arg = 0;  // Reject: PFW_REJECT_* << 8 | code; Queue: number | flags
    NatSpec nat;
    uint32_t skipTo = 0;  // Skip: index of a later rule in the ruleset
    std::vector<Effect> effects;

    bool terminal() const { return kind != Kind::Continue && kind != Kind::Skip && kind != Kind::CheckState; }
};

struct Rule {
    std::vector<Match> matches;  // all must hold
    Action action;
    std::string loc;  // "file:line", "qvm:VM:N": printed by trace and show
    uint32_t id = 0;  // the language's own number for the rule
    bool isDefault = false;  // a policy, not a written rule
    // keep-state: after its matches hold, the rule creates a dynamic state
    // for the packet's flow with itself as parent (ipfw keep-state / limit).
    // With a limit (PFW_STATE_LIM_* fields | a count in the low 24 bits, or
    // 0 for none) a new flow beyond `count` flows of this rule that share
    // the fields makes the rule not match.  Only for terminal actions.
    bool keepState = false;
    uint32_t stateLimit = 0;
};

struct Ruleset {
    std::string name;  // "qvm:work", "ipfw", "shorewall"
    std::vector<pfw_hook> hooks;
    // The ruleset governs a packet when any alternative's matches all hold;
    // no alternatives means it governs every packet at its hooks.
    std::vector<std::vector<Match>> scope;
    std::vector<Rule> rules;
};

struct Program {
    std::vector<Ruleset> rulesets;
};

}  // namespace pfw::ir
