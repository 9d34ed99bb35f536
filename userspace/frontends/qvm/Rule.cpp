// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/Rule.cpp
// One qvm-firewall rule: its parts, its parser and its canonical text.
//------------------------------------------------------------------------------
#include "frontends/qvm/Rule.h"

#include <algorithm>
#include <vector>

#include "frontends/qvm/Text.h"

namespace pfw::qvm {

namespace {

enum class Slot { Action, DstHost, Proto, DstPorts, IcmpType, SpecialTarget, Expire };
constexpr int kSlotCount = static_cast<int>(Slot::Expire) + 1;

struct KeyInfo {
    std::string_view key;
    Slot slot;
};

// dst4 and dst6 fill the dsthost slot, as in Qubes: the three are one key
// and the address decides the family (toRaw writes the one that fits).
constexpr KeyInfo kKeys[] = {
    {"action", Slot::Action},     {"dsthost", Slot::DstHost},
    {"dst4", Slot::DstHost},      {"dst6", Slot::DstHost},
    {"proto", Slot::Proto},       {"dstports", Slot::DstPorts},
    {"icmptype", Slot::IcmpType}, {"specialtarget", Slot::SpecialTarget},
    {"expire", Slot::Expire},
};

std::string_view slotName(Slot s) {
    switch (s) {
        case Slot::Action:
            return "action";
        case Slot::DstHost:
            return "dsthost";
        case Slot::Proto:
            return "proto";
        case Slot::DstPorts:
            return "dstports";
        case Slot::IcmpType:
            return "icmptype";
        case Slot::SpecialTarget:
            return "specialtarget";
        case Slot::Expire:
            break;
    }
    return "expire";
}

constexpr std::string_view kCommentKey = "comment=";

// A decimal number of at most maxDigits digits, no sign.
std::optional<int64_t> parseNumber(std::string_view s, size_t maxDigits) {
    if (s.empty() || s.size() > maxDigits)
        return std::nullopt;
    int64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

bool parsePorts(std::string_view value, PortRange& out, std::string& error) {
    size_t dash = value.find('-');
    std::string_view loText = value.substr(0, dash);
    std::string_view hiText = dash == std::string_view::npos ? loText : value.substr(dash + 1);
    auto lo = parseNumber(loText, 6);
    auto hi = parseNumber(hiText, 6);
    if (!lo || !hi) {
        error = "dstports must be PORT or LO-HI";
        return false;
    }
    if (*lo < 1 || *lo > 65535 || *hi < 1 || *hi > 65535) {
        error = "port must be 1-65535";
        return false;
    }
    if (*lo > *hi) {
        error = "empty port range (" + std::to_string(*lo) + " > " + std::to_string(*hi) + ")";
        return false;
    }
    out = {static_cast<uint32_t>(*lo), static_cast<uint32_t>(*hi)};
    return true;
}

bool parseExpire(std::string_view value, const ParseOptions& opts, int64_t& out, std::string& error) {
    bool relative = !value.empty() && value[0] == '+';
    if (relative && !opts.allowRelativeExpire) {
        error = "relative expire is not allowed here: give seconds since the epoch";
        return false;
    }
    // 12 digits keep the sum far from overflow and are already out of range.
    auto n = parseNumber(relative ? value.substr(1) : value, 12);
    if (!n) {
        error = "expire must be seconds since the epoch or +SECONDS";
        return false;
    }
    out = relative ? opts.now + *n : *n;
    if (out > kMaxExpire) {
        error = "expire is too far in the future (the largest is " + std::to_string(kMaxExpire) + ")";
        return false;
    }
    if (opts.rejectPastExpire && out <= opts.now) {
        error = "expire is in the past";
        return false;
    }
    return true;
}

// The comment text, or an error message.
bool parseComment(std::string_view text, std::string& out, std::string& error) {
    for (char c : text) {
        unsigned char u = static_cast<unsigned char>(c);
        if ((u < 0x20 && !isBlank(c)) || u == 0x7f) {
            error = "comment must not contain control characters";
            return false;
        }
    }
    out = collapseBlanks(text);
    if (out.empty()) {
        error = "comment is empty";
        return false;
    }
    return true;
}

}  // namespace

std::string_view verdictName(Verdict v) {
    return v == Verdict::Accept ? "accept" : "drop";
}

std::string_view protoName(Proto p) {
    switch (p) {
        case Proto::Tcp:
            return "tcp";
        case Proto::Udp:
            return "udp";
        case Proto::Icmp:
            break;
    }
    return "icmp";
}

std::optional<Rule> parseRule(std::string_view text, const SourceLoc& where, const ParseOptions& opts,
                              Diagnostics& diags) {
    int base = where.column > 0 ? where.column : 1;
    std::vector<Word> words = splitWords(text, base);
    Rule r;
    // Qubes' positional order; a keyword fills its slot out of turn, and the
    // protocol decides whether the fourth word is ports or an ICMP type.
    std::vector<Slot> order = {Slot::Action, Slot::DstHost, Slot::Proto, Slot::DstPorts, Slot::IcmpType};
    struct Seen {
        bool given = false;
        std::string token;
        SourceLoc loc;
        std::string key;  // as written (positional words: the slot's name)
    };
    Seen seen[kSlotCount];
    auto remove = [&](Slot s) { order.erase(std::remove(order.begin(), order.end(), s), order.end()); };

    for (const Word& w : words) {
        SourceLoc loc = where;
        loc.column = w.column;
        std::string token(w.text);
        auto fail = [&](const std::string& message) {
            diags.error(loc, token, message);
            return std::nullopt;
        };
        if (w.text.starts_with(kCommentKey)) {
            // The comment is the rest of the text, blanks and '=' included.
            size_t start = static_cast<size_t>(w.column - base) + kCommentKey.size();
            token = std::string(text.substr(static_cast<size_t>(w.column - base)));
            while (!token.empty() && isBlank(token.back()))
                token.pop_back();
            std::string error;
            if (!parseComment(text.substr(start), r.comment, error))
                return fail(error);
            break;
        }
        Slot slot;
        std::string_view key, value;
        size_t eq = w.text.find('=');
        if (eq == std::string_view::npos) {
            if (order.empty())
                return fail(
                    "too many positional words (the order is ACTION [DSTHOST [PROTO "
                    "[DSTPORTS|ICMPTYPE]]])");
            slot = order.front();
            key = slotName(slot);
            value = w.text;
        } else {
            key = w.text.substr(0, eq);
            value = w.text.substr(eq + 1);
            auto it = std::find_if(std::begin(kKeys), std::end(kKeys), [&](const KeyInfo& k) { return k.key == key; });
            if (it == std::end(kKeys))
                return fail("unknown key '" + std::string(key) + "'");
            slot = it->slot;
            if (value.find('=') != std::string_view::npos)
                return fail("more than one '=' (only comment= text may contain '=')");
            if (value.empty())
                return fail(std::string(key) + " needs a value");
        }
        Seen& s = seen[static_cast<int>(slot)];
        if (s.given) {
            std::string message = std::string(slotName(slot)) + " given twice";
            // Qubes refuses a second destination too ("Option 'dsthost'
            // already set"), whichever of the three names either one used.
            if (slot == Slot::DstHost && (key != "dsthost" || s.key != "dsthost"))
                message += " (dsthost, dst4 and dst6 are one key)";
            return fail(message);
        }
        s = {true, token, loc, std::string(key)};
        remove(slot);

        std::string error;
        switch (slot) {
            case Slot::Action:
                if (value == "accept")
                    r.action = Verdict::Accept;
                else if (value == "drop")
                    r.action = Verdict::Drop;
                else
                    return fail("action must be accept or drop");
                break;
            case Slot::DstHost:
                if (!parseDstHost(value, r.dst, error))
                    return fail(error);
                r.dstLoc = loc;
                r.dstToken = token;
                break;
            case Slot::Proto:
                if (value == "tcp" || value == "udp") {
                    r.proto = value == "tcp" ? Proto::Tcp : Proto::Udp;
                    remove(Slot::IcmpType);
                } else if (value == "icmp") {
                    r.proto = Proto::Icmp;
                    remove(Slot::DstPorts);
                } else {
                    return fail("proto must be tcp, udp or icmp");
                }
                break;
            case Slot::DstPorts: {
                PortRange pr;
                if (!parsePorts(value, pr, error))
                    return fail(error);
                r.ports = pr;
                break;
            }
            case Slot::IcmpType: {
                auto n = parseNumber(value, 3);
                if (!n || *n > 255)
                    return fail("icmptype must be a number 0-255");
                r.icmpType = static_cast<uint8_t>(*n);
                break;
            }
            case Slot::SpecialTarget:
                if (value != "dns")
                    return fail("specialtarget must be dns");
                r.dns = true;
                break;
            case Slot::Expire: {
                int64_t when = 0;
                if (!parseExpire(value, opts, when, error))
                    return fail(error);
                r.expire = when;
                break;
            }
        }
    }

    auto failAt = [&](const Seen& s, const std::string& message) {
        diags.error(s.loc, s.token, message);
        return std::nullopt;
    };
    if (!seen[static_cast<int>(Slot::Action)].given) {
        SourceLoc loc = where;
        loc.column = words.empty() ? base : words.front().column;
        diags.error(loc, "", "rule has no action (accept or drop)");
        return std::nullopt;
    }
    // Checked once all words are in: "dstports=80 proto=tcp" is fine.
    if (r.ports && r.proto != Proto::Tcp && r.proto != Proto::Udp)
        return failAt(seen[static_cast<int>(Slot::DstPorts)], "dstports needs proto=tcp or proto=udp");
    if (r.icmpType && r.proto != Proto::Icmp)
        return failAt(seen[static_cast<int>(Slot::IcmpType)], "icmptype needs proto=icmp");
    return r;
}

std::string toRaw(const Rule& r) {
    std::string out = "action=" + std::string(verdictName(r.action));
    if (r.proto)
        out += " proto=" + std::string(protoName(*r.proto));
    if (r.dst)
        out += " " + std::string(dstHostKey(*r.dst)) + "=" + formatDstHost(*r.dst);
    if (r.ports)
        out += " dstports=" + std::to_string(r.ports->lo) + "-" + std::to_string(r.ports->hi);
    if (r.icmpType)
        out += " icmptype=" + std::to_string(*r.icmpType);
    if (r.dns)
        out += " specialtarget=dns";
    if (r.expire)
        out += " expire=" + std::to_string(*r.expire);
    if (!r.comment.empty())
        out += " comment=" + r.comment;
    return out;
}

}  // namespace pfw::qvm
