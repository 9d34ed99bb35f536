// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/DnsSets.cpp
// dsthost=NAME rules match a live set of the table "qvm" named after the host
// name; these fill it with the name's addresses, now and again later.
//------------------------------------------------------------------------------
#include "frontends/qvm/DnsSets.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "frontends/qvm/Text.h"
#include "netlink/Client.h"

extern "C" {
#include "polyfw/bytecode.h"
#include "polyfw/genl.h"
}

namespace pfw::qvm {

std::string dnsSetName(std::string_view hostName) {
    uint32_t h = 2166136261u;
    for (char c : hostName) {
        h ^= static_cast<uint8_t>(std::tolower(static_cast<unsigned char>(c)));
        h *= 16777619u;
    }
    char buf[16];
    std::snprintf(buf, sizeof buf, "dns.%08x", h);
    return buf;
}

bool addDnsName(DnsSets& sets, const Rule& r, Diagnostics& diags) {
    if (!r.dst || r.dst->kind != DstHost::Kind::Name)
        return true;
    std::string token = r.dstToken.empty() ? "dsthost=" + r.dst->name : r.dstToken;
    std::string set = dnsSetName(r.dst->name);
    auto it = sets.find(set);
    if (it != sets.end()) {
        if (it->second == r.dst->name)
            return true;
        diags.error(r.dstLoc, token,
                    "host names " + it->second + " and " + r.dst->name + " have the same set name " + set +
                        ": use an address for one of them");
        return false;
    }
    if (sets.size() >= PFW_MAX_LIVE_SETS) {
        diags.error(r.dstLoc, token,
                    "more than " + std::to_string(PFW_MAX_LIVE_SETS) + " host names (one live set each) in the program");
        return false;
    }
    sets.emplace(set, r.dst->name);
    return true;
}

std::string dnsSetsPath(const std::string& stateDir) {
    return stateDir + "/dns-sets";
}

std::string formatDnsSets(const DnsSets& sets) {
    std::string out;
    for (const auto& [set, name] : sets)
        out += set + " " + name + "\n";
    return out;
}

bool parseDnsSets(std::string_view text, DnsSets& out, std::string& error) {
    out.clear();
    int lineNo = 0;
    for (std::string_view line : splitLines(text)) {
        lineNo++;
        std::vector<Word> words = splitWords(line);
        if (words.empty() || words.front().text.starts_with("#"))
            continue;
        if (words.size() != 2 || !validHostName(words[1].text) ||
            dnsSetName(words[1].text) != words[0].text) {
            error = "line " + std::to_string(lineNo) + ": not 'SETNAME HOSTNAME'";
            return false;
        }
        out[std::string(words[0].text)] = std::string(words[1].text);
    }
    return true;
}

bool saveDnsSets(const std::string& stateDir, const DnsSets& sets, std::string& error) {
    return writeFileAtomic(dnsSetsPath(stateDir), formatDnsSets(sets), error);
}

bool loadDnsSets(const std::string& stateDir, DnsSets& out, std::string& error) {
    std::string path = dnsSetsPath(stateDir), text, readError;
    out.clear();
    switch (readFile(path, text, readError)) {
        case ReadStatus::Missing:
            return true;
        case ReadStatus::Error:
            error = path + ": cannot read: " + readError;
            return false;
        case ReadStatus::Ok:
            break;
    }
    if (!parseDnsSets(text, out, readError)) {
        error = path + ": " + readError;
        return false;
    }
    return true;
}

std::vector<std::vector<uint32_t>> addrKeys(const std::vector<IpAddr>& addrs) {
    std::vector<std::vector<uint32_t>> keys;
    for (const IpAddr& a : addrs) {
        std::vector<uint32_t> k(4);
        for (int i = 0; i < 4; i++)
            k[static_cast<size_t>(i)] = static_cast<uint32_t>(a.value >> (32 * (3 - i)));
        keys.push_back(std::move(k));
    }
    return keys;
}

std::vector<DnsResult> resolveDnsSets(const DnsSets& sets, const Resolver& resolver, const std::string& table) {
    std::vector<DnsResult> results;
    for (const auto& [set, name] : sets) {
        DnsResult r;
        r.set = set;
        r.name = name;
        r.resolved = resolver && resolver(name, r.addrs, r.error);
        if (!r.resolved) {
            r.addrs.clear();
            if (r.error.empty())
                r.error = "no resolver";
        }
        std::sort(r.addrs.begin(), r.addrs.end(), [](const IpAddr& x, const IpAddr& y) { return x.value < y.value; });
        r.addrs.erase(std::unique(r.addrs.begin(), r.addrs.end()), r.addrs.end());
        if (!table.empty()) {
            std::vector<nl::SetElem> elems;
            for (auto& k : addrKeys(r.addrs)) {
                nl::SetElem e;
                e.lo = k;
                e.hi = k;
                elems.push_back(std::move(e));
            }
            nl::Client client(table);
            r.kernelError = client.setElems(set, POLYFW_SET_OP_REPLACE, elems);
        }
        results.push_back(std::move(r));
    }
    return results;
}

}  // namespace pfw::qvm
