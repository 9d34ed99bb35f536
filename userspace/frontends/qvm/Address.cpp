// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/Address.cpp
// Destination hosts: CIDR networks, host names and their resolution.
//------------------------------------------------------------------------------
#include "frontends/qvm/Address.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace pfw::qvm {

namespace {

ir::u128 fromBytes(const unsigned char* b, int n) {
    ir::u128 v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | b[i];
    return v;
}

void toBytes(ir::u128 v, unsigned char* b, int n) {
    for (int i = n - 1; i >= 0; i--) {
        b[i] = static_cast<unsigned char>(v & 0xff);
        v >>= 8;
    }
}

// All host bits of a prefix of `bits` within a `width`-bit address.
ir::u128 hostMask(unsigned bits, unsigned width) {
    unsigned host = width - bits;
    if (host == 0)
        return 0;
    return host >= 128 ? ir::kAllOnes128 : ((static_cast<ir::u128>(1) << host) - 1);
}

bool allDigits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool looksNumeric(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

}  // namespace

std::optional<IpAddr> parseIpAddr(std::string_view text) {
    std::string s(text);
    unsigned char buf[16];
    if (s.find(':') != std::string::npos) {
        if (inet_pton(AF_INET6, s.c_str(), buf) != 1)
            return std::nullopt;
        return IpAddr{6, fromBytes(buf, 16)};
    }
    // inet_pton(AF_INET) takes only the full dotted quad, never "10.1" or hex.
    if (inet_pton(AF_INET, s.c_str(), buf) != 1)
        return std::nullopt;
    return IpAddr{4, ir::v4Mapped(static_cast<uint32_t>(fromBytes(buf, 4)))};
}

std::string formatIpAddr(const IpAddr& a) {
    unsigned char buf[16];
    char text[INET6_ADDRSTRLEN];
    if (a.family == 4) {
        toBytes(a.value & 0xffffffffu, buf, 4);
        inet_ntop(AF_INET, buf, text, sizeof text);
    } else {
        toBytes(a.value, buf, 16);
        inet_ntop(AF_INET6, buf, text, sizeof text);
    }
    return text;
}

bool validHostName(std::string_view name) {
    if (name.empty() || name.size() > 253)
        return false;
    size_t label = 0;
    for (size_t i = 0; i < name.size(); i++) {
        char c = name[i];
        if (c == '.') {
            // An empty label is only allowed as the root of an absolute name.
            if (label == 0)
                return false;
            label = 0;
            continue;
        }
        bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
        if (!ok || ++label > 63)
            return false;
    }
    return true;
}

bool parseDstHost(std::string_view value, std::optional<DstHost>& out, std::string& error) {
    size_t slash = value.find('/');
    std::string_view host = value.substr(0, slash);
    bool hasPrefix = slash != std::string_view::npos;
    bool isV6 = host.find(':') != std::string_view::npos;
    // Anything made of digits and dots, or with a '/', is meant as an address:
    // "10.0.0" must not quietly become a host name.
    if (!isV6 && !hasPrefix && !looksNumeric(host)) {
        if (!validHostName(host)) {
            error = "invalid host name (letters, digits, '-', '_' and '.' only)";
            return false;
        }
        DstHost d;
        d.kind = DstHost::Kind::Name;
        d.name.reserve(host.size());
        for (char c : host)
            d.name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out = d;
        return true;
    }
    std::optional<IpAddr> addr = parseIpAddr(host);
    if (!addr) {
        error = std::string("invalid ") + (isV6 ? "IPv6" : "IPv4") + " address '" + std::string(host) + "'";
        return false;
    }
    unsigned width = addr->family == 4 ? 32 : 128;
    unsigned prefix = width;
    if (hasPrefix) {
        std::string_view len = value.substr(slash + 1);
        if (!allDigits(len) || len.size() > 3 || std::stoul(std::string(len)) > width) {
            error =
                "prefix length must be 0-" + std::to_string(width) + " for " + (addr->family == 4 ? "IPv4" : "IPv6");
            return false;
        }
        prefix = static_cast<unsigned>(std::stoul(std::string(len)));
    }
    ir::u128 mask = hostMask(prefix, width);
    if (addr->value & mask) {
        IpAddr net{addr->family, addr->value & ~mask};
        error = "host bits set beyond the /" + std::to_string(prefix) + " prefix (did you mean " + formatIpAddr(net) +
                "/" + std::to_string(prefix) + "?)";
        return false;
    }
    if (prefix == 0) {
        out.reset();
        return true;
    }
    DstHost d;
    d.kind = addr->family == 4 ? DstHost::Kind::V4 : DstHost::Kind::V6;
    d.addr = *addr;
    d.prefix = prefix;
    out = d;
    return true;
}

std::string formatDstHost(const DstHost& d) {
    if (d.kind == DstHost::Kind::Name)
        return d.name;
    return formatIpAddr(d.addr) + "/" + std::to_string(d.prefix);
}

std::string_view dstHostKey(const DstHost& d) {
    switch (d.kind) {
        case DstHost::Kind::V4:
            return "dst4";
        case DstHost::Kind::V6:
            return "dst6";
        case DstHost::Kind::Name:
            break;
    }
    return "dsthost";
}

Resolver systemResolver() {
    return [](const std::string& name, std::vector<IpAddr>& out, std::string& error) {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        // One socket type, or every address comes back once per type.
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* res = nullptr;
        int rc = getaddrinfo(name.c_str(), nullptr, &hints, &res);
        if (rc != 0) {
            error = gai_strerror(rc);
            return false;
        }
        out.clear();
        for (addrinfo* ai = res; ai; ai = ai->ai_next) {
            IpAddr a;
            if (ai->ai_family == AF_INET) {
                auto* sin = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
                a = {4, ir::v4Mapped(ntohl(sin->sin_addr.s_addr))};
            } else if (ai->ai_family == AF_INET6) {
                auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
                a = {6, fromBytes(sin6->sin6_addr.s6_addr, 16)};
            } else {
                continue;
            }
            if (std::find(out.begin(), out.end(), a) == out.end())
                out.push_back(a);
        }
        freeaddrinfo(res);
        if (out.empty()) {
            error = "no IPv4 or IPv6 address";
            return false;
        }
        return true;
    };
}

}  // namespace pfw::qvm
