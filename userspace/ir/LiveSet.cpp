// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// ir/LiveSet.cpp
// Live set contents with the kernel's semantics, and their element syntax.
//------------------------------------------------------------------------------
#include "ir/LiveSet.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

extern "C" {
#include "polyfw/bytecode.h"
#include "polyfw/lib/lset.h"
}

namespace pfw::ir {

namespace {

int collectPrefix(void* arg, const __u32* key, unsigned int plen) {
    auto* out = static_cast<std::vector<std::pair<Key, unsigned>>*>(arg);
    out->push_back({Key{key[0], key[1], key[2], key[3]}, plen});
    return 0;
}

Key masked(const Key& k, unsigned plen) {
    Key out;
    pfw_lset_mask(out.data(), k.data(), plen);
    return out;
}

}  // namespace

std::vector<std::pair<Key, unsigned>> splitInterval(const Key& lo, const Key& hi) {
    std::vector<std::pair<Key, unsigned>> out;
    if (pfw_bound_cmp(lo.data(), hi.data(), 4) > 0)
        return out;
    pfw_lset_split(lo.data(), hi.data(), collectPrefix, &out);
    return out;
}

int LiveSet::add(const LiveElem& e) {
    if (pfw_bound_cmp(e.lo.data(), e.hi.data(), 4) > 0)
        return -EINVAL;
    Interval iv{e.lo, e.hi};
    auto it = elems_.find(iv);
    if (it != elems_.end()) {
        it->second.value = e.value;
        return 0;
    }
    auto split = splitInterval(e.lo, e.hi);
    if (maxPrefixes && prefixes_.size() + split.size() > maxPrefixes)
        return -ENOSPC;
    for (const auto& p : split)
        if (prefixes_.count(p))
            return -EEXIST;
    for (const auto& p : split)
        prefixes_.emplace(p, iv);
    elems_.emplace(iv, e);
    return 0;
}

int LiveSet::del(const Key& lo, const Key& hi) {
    auto it = elems_.find({lo, hi});
    if (it == elems_.end())
        return -ENOENT;
    for (const auto& p : splitInterval(lo, hi))
        prefixes_.erase(p);
    elems_.erase(it);
    return 0;
}

void LiveSet::flush() {
    elems_.clear();
    prefixes_.clear();
}

int LiveSet::replace(const std::vector<LiveElem>& elems, size_t* failed) {
    LiveSet next;
    next.maxPrefixes = maxPrefixes;
    for (size_t i = 0; i < elems.size(); i++) {
        int err = next.add(elems[i]);
        if (err) {
            if (failed)
                *failed = i;
            return err;
        }
    }
    elems_.swap(next.elems_);
    prefixes_.swap(next.prefixes_);
    return 0;
}

const LiveElem* LiveSet::lookup(const Key& key) const {
    for (unsigned plen = PFW_LSET_PLENS; plen-- > 0;) {
        auto it = prefixes_.find({masked(key, plen), plen});
        if (it == prefixes_.end())
            continue;
        return &elems_.at(it->second);
    }
    return nullptr;
}

std::vector<LiveElem> LiveSet::elements() const {
    std::vector<LiveElem> out;
    out.reserve(elems_.size());
    for (const auto& [iv, e] : elems_)
        out.push_back(e);
    return out;
}

//------------------------------------------------------------------------------
// Types
//------------------------------------------------------------------------------

std::optional<LiveSetType> LiveSetType::fromWire(uint32_t type) {
    const uint32_t width = type & 0xff, hasValue = (type >> 8) & 0xff, flags = type >> 16;
    if (hasValue > 1 || (flags & ~static_cast<uint32_t>(PFW_SET_F_ALL)))
        return std::nullopt;
    LiveSetType t;
    t.hasValue = hasValue;
    if (width == 1 && !(flags & PFW_SET_F_IFNAME))
        t.kind = Kind::Number;
    else if (width == 4)
        t.kind = flags & PFW_SET_F_IFNAME ? Kind::Interface : Kind::Address;
    else
        return std::nullopt;
    return t;
}

uint32_t LiveSetType::toWire() const {
    uint32_t width = kind == Kind::Number ? 1 : 4;
    uint32_t flags = PFW_SET_F_LIVE | (kind == Kind::Interface ? PFW_SET_F_IFNAME : 0);
    return width | static_cast<uint32_t>(hasValue) << 8 | flags << 16;
}

std::string LiveSetType::name() const {
    std::string n = kind == Kind::Number ? "number" : kind == Kind::Address ? "address" : "interface";
    return hasValue ? n + "=value" : n;
}

//------------------------------------------------------------------------------
// Element syntax
//------------------------------------------------------------------------------

namespace {

bool parseU32(const std::string& s, uint32_t& out) {
    if (s.empty() || s.size() > 12)
        return false;
    uint64_t v = 0;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        for (size_t i = 2; i < s.size(); i++) {
            char c = s[i];
            int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
            if (d < 0)
                return false;
            v = v * 16 + static_cast<unsigned>(d);
        }
    } else {
        for (char c : s) {
            if (c < '0' || c > '9')
                return false;
            v = v * 10 + static_cast<unsigned>(c - '0');
        }
    }
    if (v > 0xffffffffu)
        return false;
    out = static_cast<uint32_t>(v);
    return true;
}

// An address as a key; *v4 tells its family.
bool parseAddr(const std::string& s, Key& out, bool* v4) {
    in_addr a4{};
    in6_addr a6{};
    if (inet_pton(AF_INET, s.c_str(), &a4) == 1) {
        out = {0, 0, 0xffff, ntohl(a4.s_addr)};
        *v4 = true;
        return true;
    }
    if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
        for (int i = 0; i < 4; i++)
            out[i] = static_cast<uint32_t>(a6.s6_addr[4 * i]) << 24 | a6.s6_addr[4 * i + 1] << 16 |
                     a6.s6_addr[4 * i + 2] << 8 | a6.s6_addr[4 * i + 3];
        *v4 = false;
        return true;
    }
    return false;
}

// key with the low 128 - plen bits set
Key filled(const Key& k, unsigned plen) {
    Key out = masked(k, plen);
    for (unsigned i = 0; i < 4; i++) {
        unsigned keep = plen > 32 * i ? plen - 32 * i : 0;
        out[i] |= keep >= 32 ? 0 : 0xffffffffu >> keep;
    }
    return out;
}

// A valid interface name (or prefix) as the kernel's dev_valid_name() has it.
bool ifnameOk(const std::string& n, bool prefix) {
    if (n.size() >= PFW_IFNAMSIZ || (!prefix && (n.empty() || n == "." || n == "..")))
        return false;
    for (char c : n)
        if (c == '/' || c == ':' || c == '\0' || std::isspace(static_cast<unsigned char>(c)))
            return false;
    return true;
}

Key nameKey(const std::string& n) {
    unsigned char b[PFW_IFNAMSIZ] = {};
    std::memcpy(b, n.data(), std::min<size_t>(n.size(), PFW_IFNAMSIZ));
    Key k;
    for (int i = 0; i < 4; i++)
        k[i] = static_cast<uint32_t>(b[4 * i]) << 24 | b[4 * i + 1] << 16 | b[4 * i + 2] << 8 | b[4 * i + 3];
    return k;
}

std::string quoted(const std::string& token) {
    return "'" + token + "'";
}

// The prefix length of [lo, hi] when it is one aligned prefix, else -1.
int prefixLen(const Key& lo, const Key& hi) {
    auto split = splitInterval(lo, hi);
    return split.size() == 1 ? static_cast<int>(split[0].second) : -1;
}

std::string addrText(const Key& k, bool v4) {
    char buf[INET6_ADDRSTRLEN] = "";
    if (v4) {
        in_addr a{htonl(k[3])};
        inet_ntop(AF_INET, &a, buf, sizeof(buf));
    } else {
        in6_addr a{};
        for (int i = 0; i < 4; i++)
            for (int b = 0; b < 4; b++)
                a.s6_addr[4 * i + b] = static_cast<uint8_t>(k[i] >> (24 - 8 * b));
        inet_ntop(AF_INET6, &a, buf, sizeof(buf));
    }
    return buf;
}

bool isMapped(const Key& k) {
    return k[0] == 0 && k[1] == 0 && k[2] == 0xffff;
}

std::string keyBytes(const Key& k) {
    std::string s(PFW_IFNAMSIZ, '\0');
    for (int i = 0; i < 16; i++)
        s[i] = static_cast<char>(k[i / 4] >> (24 - 8 * (i % 4)));
    return s;
}

std::string hexKey(const Key& k) {
    char buf[40];
    std::snprintf(buf, sizeof(buf), "0x%08x%08x%08x%08x", k[0], k[1], k[2], k[3]);
    return buf;
}

}  // namespace

std::string parseElement(const LiveSetType& t, const std::string& token, LiveElem& out) {
    out = {};
    std::string body = token;
    size_t eq = token.rfind('=');
    if (eq != std::string::npos) {
        if (!t.hasValue)
            return "bad element " + quoted(token) + ": the set has no values";
        if (!parseU32(token.substr(eq + 1), out.value))
            return "bad value " + quoted(token);
        body = token.substr(0, eq);
    }
    switch (t.kind) {
        case LiveSetType::Kind::Number: {
            size_t dash = body.find('-');
            uint32_t lo = 0, hi = 0;
            if (dash == std::string::npos) {
                if (!parseU32(body, lo))
                    return "bad number " + quoted(token);
                hi = lo;
            } else if (!parseU32(body.substr(0, dash), lo) || !parseU32(body.substr(dash + 1), hi)) {
                return "bad number " + quoted(token);
            } else if (lo > hi) {
                return "bad range " + quoted(token) + ": its low end is above its high end";
            }
            out.lo = {0, 0, 0, lo};
            out.hi = {0, 0, 0, hi};
            return "";
        }
        case LiveSetType::Kind::Address: {
            bool v4 = false, v4hi = false;
            size_t slash = body.find('/'), dash = body.find('-');
            if (slash != std::string::npos) {
                Key a;
                uint32_t len = 0;
                if (!parseAddr(body.substr(0, slash), a, &v4))
                    return "bad address " + quoted(token);
                std::string l = body.substr(slash + 1);
                if (l.empty() || l.size() > 3 || l.find_first_not_of("0123456789") != std::string::npos ||
                    !parseU32(l, len) || len > (v4 ? 32u : 128u))
                    return "bad prefix length " + quoted(token);
                unsigned plen = v4 ? 96 + len : len;
                out.lo = masked(a, plen);
                out.hi = filled(a, plen);
                return "";
            }
            if (dash != std::string::npos) {
                if (!parseAddr(body.substr(0, dash), out.lo, &v4) || !parseAddr(body.substr(dash + 1), out.hi, &v4hi))
                    return "bad address " + quoted(token);
                if (v4 != v4hi)
                    return "bad range " + quoted(token) + ": one end is IPv4, the other IPv6";
                if (pfw_bound_cmp(out.lo.data(), out.hi.data(), 4) > 0)
                    return "bad range " + quoted(token) + ": its low end is above its high end";
                return "";
            }
            if (!parseAddr(body, out.lo, &v4))
                return "bad address " + quoted(token);
            out.hi = out.lo;
            return "";
        }
        case LiveSetType::Kind::Interface: {
            bool prefix = !body.empty() && body.back() == '+';
            std::string name = prefix ? body.substr(0, body.size() - 1) : body;
            if (!ifnameOk(name, prefix))
                return "bad interface " + quoted(token);
            Key k = nameKey(name);
            if (prefix) {
                unsigned plen = 8 * static_cast<unsigned>(name.size());
                out.lo = masked(k, plen);
                out.hi = filled(k, plen);
            } else {
                out.lo = out.hi = k;
            }
            return "";
        }
    }
    return "bad element " + quoted(token);
}

std::string parseElements(const LiveSetType& t, const std::vector<std::string>& tokens, std::vector<LiveElem>& out) {
    std::vector<LiveElem> got;
    got.reserve(tokens.size());
    for (const auto& tok : tokens) {
        LiveElem e;
        std::string err = parseElement(t, tok, e);
        if (!err.empty())
            return err;
        got.push_back(e);
    }
    out.insert(out.end(), got.begin(), got.end());
    return "";
}

std::string parseElementFile(const LiveSetType& t, const std::string& path, std::vector<LiveElem>& out) {
    std::ifstream in(path);
    if (!in)
        return "cannot read " + path + ": " + std::strerror(errno);
    std::vector<LiveElem> got;
    std::string line;
    for (unsigned n = 1; std::getline(in, line); n++) {
        size_t hash = line.find('#');
        if (hash != std::string::npos)
            line.erase(hash);
        std::istringstream words(line);
        std::string tok;
        while (words >> tok) {
            LiveElem e;
            std::string err = parseElement(t, tok, e);
            if (!err.empty())
                return path + ":" + std::to_string(n) + ": " + err;
            got.push_back(e);
        }
    }
    if (in.bad())
        return "cannot read " + path + ": " + std::strerror(errno);
    out.insert(out.end(), got.begin(), got.end());
    return "";
}

std::string formatElement(const LiveSetType& t, const LiveElem& e) {
    std::string s;
    switch (t.kind) {
        case LiveSetType::Kind::Number:
            s = std::to_string(e.lo[3]);
            if (e.hi[3] != e.lo[3])
                s += "-" + std::to_string(e.hi[3]);
            break;
        case LiveSetType::Kind::Address: {
            bool v4 = isMapped(e.lo) && isMapped(e.hi);
            int plen = prefixLen(e.lo, e.hi);
            if (e.lo == e.hi)
                s = addrText(e.lo, isMapped(e.lo));
            else if (plen >= 0 && (!v4 || plen >= 96))
                s = addrText(e.lo, v4) + "/" + std::to_string(v4 ? plen - 96 : plen);
            else
                s = addrText(e.lo, v4) + "-" + addrText(e.hi, v4);
            break;
        }
        case LiveSetType::Kind::Interface: {
            std::string lo = keyBytes(e.lo), hi = keyBytes(e.hi);
            size_t n = lo.find('\0');
            std::string name = lo.substr(0, n);
            int plen = prefixLen(e.lo, e.hi);
            bool padded = n != std::string::npos && lo.find_first_not_of('\0', n) == std::string::npos;
            if (e.lo == e.hi && padded && ifnameOk(name, false))
                s = name;
            else if (plen >= 0 && plen % 8 == 0 && static_cast<size_t>(plen / 8) <= name.size() &&
                     ifnameOk(lo.substr(0, plen / 8), true))
                s = lo.substr(0, plen / 8) + "+";
            else
                s = hexKey(e.lo) + "-" + hexKey(e.hi);
            break;
        }
    }
    if (t.hasValue)
        s += "=" + std::to_string(e.value);
    return s;
}

}  // namespace pfw::ir
