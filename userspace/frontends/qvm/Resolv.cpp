// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/Resolv.cpp
// The DNS servers behind specialtarget=dns, from resolv.conf.
//------------------------------------------------------------------------------
#include "frontends/qvm/Resolv.h"

#include <algorithm>
#include <cstdlib>

#include "frontends/qvm/Text.h"

namespace pfw::qvm {

std::vector<IpAddr> parseResolvConf(std::string_view text) {
    std::vector<IpAddr> servers;
    for (std::string_view line : splitLines(text)) {
        std::vector<Word> words = splitWords(line);
        if (words.size() < 2 || words[0].text != "nameserver")
            continue;
        std::string_view addr = words[1].text;
        addr = addr.substr(0, addr.find('%'));
        std::optional<IpAddr> a = parseIpAddr(addr);
        if (a && std::find(servers.begin(), servers.end(), *a) == servers.end())
            servers.push_back(*a);
    }
    return servers;
}

std::vector<IpAddr> readResolvConf(const std::string& path) {
    std::string text, error;
    if (readFile(path, text, error) != ReadStatus::Ok)
        return {};
    return parseResolvConf(text);
}

std::string resolvConfPathFromEnvironment() {
    const char* env = std::getenv("POLYFW_RESOLV_CONF");
    return env && *env ? env : kDefaultResolvConf;
}

}  // namespace pfw::qvm
