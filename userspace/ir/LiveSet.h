// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// ir/LiveSet.h
// Live sets in userspace: their contents (what the kernel keeps for a table,
// and what sim::SimHost and ir::refEvaluate look packets up in), and the text
// syntax of their elements (polyfw set).
//------------------------------------------------------------------------------
//
// A key is 128 bits, 4 words most significant first (include/polyfw/lib/
// lset.h): a number is {0, 0, 0, v}, an address as the packet has it (IPv4
// as ::ffff:a.b.c.d), an interface name its 16 NUL-padded bytes read as
// big-endian words.  An element is an inclusive interval [lo, hi] of keys
// with a 32-bit value; a lookup returns the element of the longest prefix of
// the elements' prefix splits (pfw_lset_split()) that holds the key.  As in
// the kernel, an element whose split shares a prefix with another element's
// split is refused; adding the same interval again updates its value.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pfw::ir {

using Key = std::array<uint32_t, 4>;

struct LiveElem {
    Key lo{}, hi{};
    uint32_t value = 0;
    bool operator==(const LiveElem&) const = default;
};

class LiveSet {
public:
    // 0, or -EINVAL (lo > hi), -EEXIST (the split shares a prefix with
    // another element's), -ENOSPC (over maxPrefixes).  The same interval again
    // gets the new value.
    int add(const LiveElem& e);
    // 0, or -ENOENT when no element has exactly this interval.
    int del(const Key& lo, const Key& hi);
    void flush();
    // New contents in one step, or none of them and the error of the first
    // element add() refuses (*failed is its index).
    int replace(const std::vector<LiveElem>& elems, size_t* failed = nullptr);

    // The element holding key (longest prefix), or nullptr.
    const LiveElem* lookup(const Key& key) const;

    // Elements in (lo, hi) order.
    std::vector<LiveElem> elements() const;
    size_t size() const { return elems_.size(); }
    size_t prefixes() const { return prefixes_.size(); }

    size_t maxPrefixes = 0;  // the prefixes all splits may have (max_set_prefixes), 0: no limit

private:
    using Interval = std::pair<Key, Key>;
    std::map<Interval, LiveElem> elems_;  // by (lo, hi)
    // (masked key, prefix length) -> the element whose split has it
    std::map<std::pair<Key, unsigned>, Interval> prefixes_;
};

// A table's live sets by name.
using LiveSets = std::map<std::string, LiveSet>;

// The split of [lo, hi] into prefixes (key, prefix length), ascending.
std::vector<std::pair<Key, unsigned>> splitInterval(const Key& lo, const Key& hi);

// What a live set holds, as the kernel describes it (POLYFW_A_SET_TYPE).
struct LiveSetType {
    enum class Kind { Number, Address, Interface };
    Kind kind = Kind::Address;
    bool hasValue = false;

    // width | has_value << 8 | desc flags << 16; nullopt for a type this
    // code does not know
    static std::optional<LiveSetType> fromWire(uint32_t type);
    uint32_t toWire() const;
    // "address", "number=value", ...
    std::string name() const;
};

// One element of polyfw set's syntax for a set of type t: addresses
// "10.0.0.0/8", "2001:db8::/32", "192.0.2.1", "10.0.0.1-10.0.0.9"; numbers
// "80", "1000-2000"; interfaces "eth0", "vif+"; each with "=VALUE" when the
// set has values.  "" or the reason, naming the token ("bad address
// '10.0.0.300'").
std::string parseElement(const LiveSetType& t, const std::string& token, LiveElem& out);
// Every token of tokens, or the first error (nothing in out then).
std::string parseElements(const LiveSetType& t, const std::vector<std::string>& tokens, std::vector<LiveElem>& out);
// A file of elements: one a line, blank lines and "# comments" skipped; an
// error names the file and line ("FILE:3: bad number 'x'").
std::string parseElementFile(const LiveSetType& t, const std::string& path, std::vector<LiveElem>& out);
// The element in the syntax parseElement() reads (prefixes as CIDR, IPv4
// without ::ffff:, "=VALUE" when the set has values).
std::string formatElement(const LiveSetType& t, const LiveElem& e);

}  // namespace pfw::ir
