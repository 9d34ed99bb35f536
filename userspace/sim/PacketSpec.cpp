// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// sim/PacketSpec.cpp
// A packet described in words, built into real header bytes.
//------------------------------------------------------------------------------
#include "sim/PacketSpec.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdlib>
#include <ctime>
#include <cstring>
#include <map>

namespace pfw::sim {

namespace {

const char* const kHooks[PFW_HOOK_MAX] = {"prerouting", "input", "forward", "output", "postrouting"};

std::optional<uint64_t> number(const std::string& s, uint64_t max) {
    uint64_t v = 0;
    int base = 10;
    const char* b = s.data();
    const char* e = s.data() + s.size();
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        b += 2;
    }
    auto r = std::from_chars(b, e, v, base);
    if (r.ec != std::errc() || r.ptr != e || v > max || b == e)
        return std::nullopt;
    return v;
}

std::optional<uint64_t> parseMac(const std::string& s) {
    unsigned b[6];
    char tail;
    if (std::sscanf(s.c_str(), "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
        return std::nullopt;
    uint64_t v = 0;
    for (unsigned x : b) {
        if (x > 255)
            return std::nullopt;
        v = v << 8 | x;
    }
    return v;
}

void put16(std::vector<uint8_t>& b, size_t at, uint32_t v) {
    b[at] = static_cast<uint8_t>(v >> 8);
    b[at + 1] = static_cast<uint8_t>(v);
}

void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
    put16(b, at, v >> 16);
    put16(b, at + 2, v & 0xffff);
}

const void* readBuf(const void* src, uint32_t off, uint32_t len, void*) {
    const auto* v = static_cast<const std::vector<uint8_t>*>(src);
    if (static_cast<uint64_t>(off) + len > v->size())
        return nullptr;
    return v->data() + off;
}

}  // namespace

int hookFromName(const std::string& name) {
    for (int i = 0; i < PFW_HOOK_MAX; i++)
        if (name == kHooks[i])
            return i;
    return -1;
}

const char* hookName(unsigned hook) { return hook < PFW_HOOK_MAX ? kHooks[hook] : "?"; }

void PacketSpec::toPkt(pfw_pkt* pkt) const {
    pfw_pkt_parse(pkt, readBuf, &bytes, static_cast<uint32_t>(bytes.size()), 0);
    for (unsigned i = 0; i < PFW_NIFNS; i++)
        std::strncpy(pkt->ifn[i], ifn[i].c_str(), PFW_IFNAMSIZ - 1);
    pkt->f[PFW_FLD_CTSTATE] = ctstate;
    pkt->f[PFW_FLD_MARK] = mark;
    pkt->f[PFW_FLD_UID] = uid;
    pkt->f[PFW_FLD_GID] = gid;
    pkt->f[PFW_FLD_HOOK] = hook;
    pkt->f[PFW_FLD_DIR] = hook >= PFW_HOOK_OUTPUT ? 1 : 0;
    pkt->f[PFW_FLD_TIME] = time;
    pkt->f[PFW_FLD_SADDRTYPE] = saddrtype;
    pkt->f[PFW_FLD_DADDRTYPE] = daddrtype;
    pkt->f[PFW_FLD_ETHERTYPE] = ethertype ? ethertype : (family == 6 ? 0x86dd : 0x0800);
    if (smac)
        pkt->addr[PFW_FLD_SMAC - PFW_FLD_SADDR][2] = static_cast<uint32_t>(*smac >> 32),
        pkt->addr[PFW_FLD_SMAC - PFW_FLD_SADDR][3] = static_cast<uint32_t>(*smac);
    if (dmac)
        pkt->addr[PFW_FLD_DMAC - PFW_FLD_SADDR][2] = static_cast<uint32_t>(*dmac >> 32),
        pkt->addr[PFW_FLD_DMAC - PFW_FLD_SADDR][3] = static_cast<uint32_t>(*dmac);
    // conntrack fields exist for tracked packets only, as in the kernel
    if (ctstate & (PFW_CT_NEW | PFW_CT_ESTABLISHED | PFW_CT_RELATED)) {
        bool reply = ctdir == 1;
        pkt->f[PFW_FLD_CTDIR] = ctdir;
        pkt->f[PFW_FLD_CTMARK] = ctmark;
        uint32_t* od = pkt->addr[PFW_FLD_ODADDR - PFW_FLD_SADDR];
        const uint32_t* own = pkt->addr[reply ? 0 : 1];
        for (int w = 0; w < 4; w++)
            od[w] = odaddr ? (*odaddr)[w] : own[w];
        uint32_t port = pkt->f[reply ? PFW_FLD_SPORT : PFW_FLD_DPORT];
        pkt->f[PFW_FLD_ODPORT] = odport ? *odport : port;
    }
}

std::optional<PacketSpec> parsePacket(const std::vector<std::string>& words, Diagnostics& diags) {
    PacketSpec p;
    // a packet happens now, as rule expiry sees it ($POLYFW_NOW for tests)
    const char* nowEnv = std::getenv("POLYFW_NOW");
    auto now = nowEnv ? number(nowEnv, 0xffffffffu) : std::nullopt;
    p.time = now ? static_cast<uint32_t>(*now) : static_cast<uint32_t>(std::time(nullptr));
    std::string src = "", dst = "";
    uint32_t proto = 6, sport = 12345, dport = 80, type = 8, code = 0, flags = PFW_TCP_SYN, len = 0;
    uint32_t ttl = 64, tos = 0, ipid = 1;
    bool later = false, protoSet = false, flagsSet = false;
    std::optional<uint64_t> truncate;
    for (size_t i = 0; i < words.size(); i++) {
        const std::string& k = words[i];
        if (!p.text.empty())
            p.text += " ";
        p.text += k;
        if (i + 1 >= words.size()) {
            diags.error({}, k, "expects a value");
            return std::nullopt;
        }
        const std::string& v = words[++i];
        p.text += " " + v;
        auto num = [&](uint64_t max) -> std::optional<uint64_t> {
            auto n = number(v, max);
            if (!n)
                diags.error({}, v, "not a number from 0 to " + std::to_string(max) + " for " + k);
            return n;
        };
        if (k == "hook") {
            int h = hookFromName(v);
            if (h < 0) {
                diags.error({}, v, "unknown hook (prerouting, input, forward, output, postrouting)");
                return std::nullopt;
            }
            p.hook = static_cast<unsigned>(h);
        } else if (k == "iif" || k == "oif" || k == "physin" || k == "physout") {
            if (v.size() >= PFW_IFNAMSIZ) {
                diags.error({}, v, "interface name longer than 15 characters");
                return std::nullopt;
            }
            unsigned idx = k == "iif" ? 0 : k == "oif" ? 1 : k == "physin" ? 2 : 3;
            p.ifn[idx] = v;
        } else if (k == "proto") {
            static const std::map<std::string, uint32_t> names{
                {"tcp", 6}, {"udp", 17}, {"icmp", 1}, {"icmpv6", 58}, {"ipv6-icmp", 58},
                {"sctp", 132}, {"esp", 50}, {"ah", 51}, {"gre", 47}};
            auto it = names.find(v);
            if (it != names.end()) {
                proto = it->second;
            } else if (auto n = num(255)) {
                proto = static_cast<uint32_t>(*n);
            } else {
                return std::nullopt;
            }
            protoSet = true;
        } else if (k == "src" || k == "dst") {
            (k == "src" ? src : dst) = v;
        } else if (k == "sport" || k == "dport") {
            auto n = num(65535);
            if (!n)
                return std::nullopt;
            (k == "sport" ? sport : dport) = static_cast<uint32_t>(*n);
        } else if (k == "type" || k == "code") {
            auto n = num(255);
            if (!n)
                return std::nullopt;
            (k == "type" ? type : code) = static_cast<uint32_t>(*n);
        } else if (k == "flags") {
            static const std::map<std::string, uint32_t> names{
                {"fin", PFW_TCP_FIN}, {"syn", PFW_TCP_SYN}, {"rst", PFW_TCP_RST}, {"psh", PFW_TCP_PSH},
                {"ack", PFW_TCP_ACK}, {"urg", PFW_TCP_URG}, {"ece", PFW_TCP_ECE}, {"cwr", PFW_TCP_CWR},
                {"none", 0}};
            flags = 0;
            size_t start = 0;
            while (start <= v.size()) {
                size_t comma = v.find(',', start);
                std::string f = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
                auto it = names.find(f);
                if (it == names.end()) {
                    diags.error({}, f, "unknown TCP flag (fin, syn, rst, psh, ack, urg, ece, cwr, none)");
                    return std::nullopt;
                }
                flags |= it->second;
                if (comma == std::string::npos)
                    break;
                start = comma + 1;
            }
            flagsSet = true;
        } else if (k == "state") {
            static const std::map<std::string, uint32_t> names{
                {"new", PFW_CT_NEW}, {"established", PFW_CT_ESTABLISHED}, {"related", PFW_CT_RELATED},
                {"invalid", PFW_CT_INVALID}, {"untracked", PFW_CT_UNTRACKED}};
            auto it = names.find(v);
            if (it == names.end()) {
                diags.error({}, v, "unknown state (new, established, related, invalid, untracked)");
                return std::nullopt;
            }
            p.ctstate = it->second;
        } else if (k == "mark" || k == "uid" || k == "gid" || k == "time" || k == "len" ||
                   k == "saddrtype" || k == "daddrtype" || k == "ethertype") {
            auto n = num(k == "len" ? 65000 : 0xffffffffu);
            if (!n)
                return std::nullopt;
            uint32_t x = static_cast<uint32_t>(*n);
            if (k == "mark") p.mark = x;
            else if (k == "uid") p.uid = x;
            else if (k == "gid") p.gid = x;
            else if (k == "time") p.time = x;
            else if (k == "len") len = x;
            else if (k == "saddrtype") p.saddrtype = x;
            else if (k == "daddrtype") p.daddrtype = x;
            else p.ethertype = x;
        } else if (k == "ttl" || k == "tos" || k == "dscp") {
            auto n = num(k == "dscp" ? 63 : 255);
            if (!n)
                return std::nullopt;
            if (k == "ttl") ttl = static_cast<uint32_t>(*n);
            else if (k == "tos") tos = static_cast<uint32_t>(*n);
            else tos = static_cast<uint32_t>(*n) << 2;
        } else if (k == "ipid") {
            auto n = num(65535);
            if (!n)
                return std::nullopt;
            ipid = static_cast<uint32_t>(*n);
        } else if (k == "frag") {
            if (v != "first" && v != "later") {
                diags.error({}, v, "frag is first or later");
                return std::nullopt;
            }
            later = v == "later";
        } else if (k == "smac" || k == "dmac") {
            auto m = parseMac(v);
            if (!m) {
                diags.error({}, v, "not a MAC address");
                return std::nullopt;
            }
            (k == "smac" ? p.smac : p.dmac) = m;
        } else if (k == "ctdir") {
            if (v != "original" && v != "reply") {
                diags.error({}, v, "ctdir is original or reply");
                return std::nullopt;
            }
            p.ctdir = v == "reply" ? 1 : 0;
        } else if (k == "ctmark") {
            auto n = num(0xffffffffu);
            if (!n)
                return std::nullopt;
            p.ctmark = static_cast<uint32_t>(*n);
        } else if (k == "odport") {
            auto n = num(65535);
            if (!n)
                return std::nullopt;
            p.odport = static_cast<uint32_t>(*n);
        } else if (k == "odst") {
            std::array<uint32_t, 4> w{0, 0, 0xffff, 0};
            in6_addr a6{};
            in_addr a4{};
            if (inet_pton(AF_INET, v.c_str(), &a4) == 1) {
                w[3] = ntohl(a4.s_addr);
            } else if (inet_pton(AF_INET6, v.c_str(), &a6) == 1) {
                for (int i = 0; i < 4; i++)
                    w[i] = static_cast<uint32_t>(a6.s6_addr[4 * i]) << 24 | a6.s6_addr[4 * i + 1] << 16 |
                           a6.s6_addr[4 * i + 2] << 8 | a6.s6_addr[4 * i + 3];
            } else {
                diags.error({}, v, "not an IP address");
                return std::nullopt;
            }
            p.odaddr = w;
        } else if (k == "truncate") {
            truncate = num(65535);
            if (!truncate)
                return std::nullopt;
        } else {
            diags.error({}, k, "unknown packet keyword");
            return std::nullopt;
        }
    }
    (void)protoSet;
    (void)flagsSet;
    // addresses decide the family
    in6_addr s6{}, d6{};
    in_addr s4{}, d4{};
    if (src.empty())
        src = dst.find(':') != std::string::npos ? "2001:db8::1" : "192.0.2.1";
    if (dst.empty())
        dst = src.find(':') != std::string::npos ? "2001:db8::2" : "198.51.100.1";
    bool v6 = src.find(':') != std::string::npos;
    if (v6 != (dst.find(':') != std::string::npos)) {
        diags.error({}, dst, "source and destination are of different families");
        return std::nullopt;
    }
    if (v6 ? inet_pton(AF_INET6, src.c_str(), &s6) != 1 : inet_pton(AF_INET, src.c_str(), &s4) != 1) {
        diags.error({}, src, "not an IP address");
        return std::nullopt;
    }
    if (v6 ? inet_pton(AF_INET6, dst.c_str(), &d6) != 1 : inet_pton(AF_INET, dst.c_str(), &d4) != 1) {
        diags.error({}, dst, "not an IP address");
        return std::nullopt;
    }
    p.family = v6 ? 6 : 4;
    if (v6 && proto == 1)
        proto = 58;  // "icmp" on IPv6 means ICMPv6
    // layer 4
    std::vector<uint8_t> l4;
    if (!later) {
        if (proto == 6) {
            l4.assign(20, 0);
            put16(l4, 0, sport);
            put16(l4, 2, dport);
            put32(l4, 4, 1000);
            put32(l4, 8, (flags & PFW_TCP_ACK) ? 2000 : 0);
            l4[12] = 5 << 4;
            l4[13] = static_cast<uint8_t>(flags);
            put16(l4, 14, 65535);
        } else if (proto == 17 || proto == 132 || proto == 136 || proto == 33) {
            l4.assign(8, 0);
            put16(l4, 0, sport);
            put16(l4, 2, dport);
            put16(l4, 4, 8 + len);
        } else if (proto == 1 || proto == 58) {
            l4.assign(8, 0);
            l4[0] = static_cast<uint8_t>(type);
            l4[1] = static_cast<uint8_t>(code);
        }
    }
    l4.resize(l4.size() + len, 0);
    std::vector<uint8_t>& b = p.bytes;
    if (!v6) {
        b.assign(20, 0);
        b[0] = 0x45;
        b[1] = static_cast<uint8_t>(tos);
        put16(b, 2, static_cast<uint32_t>(20 + l4.size()));
        put16(b, 4, ipid);
        put16(b, 6, later ? 0x0010 : 0);  // offset 16*8 bytes for a later fragment
        b[8] = static_cast<uint8_t>(ttl);
        b[9] = static_cast<uint8_t>(proto);
        put32(b, 12, ntohl(s4.s_addr));
        put32(b, 16, ntohl(d4.s_addr));
    } else {
        size_t fragLen = later ? 8 : 0;
        b.assign(40 + fragLen, 0);
        b[0] = static_cast<uint8_t>(0x60 | tos >> 4);
        b[1] = static_cast<uint8_t>((tos & 0xf) << 4);
        put16(b, 4, static_cast<uint32_t>(fragLen + l4.size()));
        b[6] = static_cast<uint8_t>(later ? 44 : proto);
        b[7] = static_cast<uint8_t>(ttl);
        std::memcpy(&b[8], &s6, 16);
        std::memcpy(&b[24], &d6, 16);
        if (later) {
            b[40] = static_cast<uint8_t>(proto);
            put16(b, 42, 16 << 3);
            put32(b, 44, ipid);
        }
    }
    b.insert(b.end(), l4.begin(), l4.end());
    if (truncate && *truncate < b.size())
        b.resize(*truncate);
    return p;
}

}  // namespace pfw::sim
