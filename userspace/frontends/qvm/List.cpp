// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/List.cpp
// `qvm-firewall VM list`: the table, --raw and --json.
//------------------------------------------------------------------------------
#include "frontends/qvm/List.h"

#include <nlohmann/json.hpp>

namespace pfw::qvm {

namespace {

// Characters, not bytes: a UTF-8 comment must not skew the columns.
size_t displayWidth(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xc0) != 0x80)
            n++;
    return n;
}

std::string portsText(const PortRange& p) {
    return p.lo == p.hi ? std::to_string(p.lo) : std::to_string(p.lo) + "-" + std::to_string(p.hi);
}

}  // namespace

std::string formatTable(const std::vector<Rule>& rules, int64_t now) {
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"NO", "ACTION", "HOST", "PROTOCOL", "PORT(S)", "SPECIAL TARGET", "ICMP TYPE", "EXPIRE", "COMMENT"});
    for (size_t n = 0; n < rules.size(); n++) {
        const Rule& r = rules[n];
        auto cell = [](bool set, std::string text) { return set ? text : std::string("-"); };
        rows.push_back({
            std::to_string(n),
            std::string(verdictName(r.action)),
            cell(r.dst.has_value(), r.dst ? formatDstHost(*r.dst) : ""),
            cell(r.proto.has_value(), r.proto ? std::string(protoName(*r.proto)) : ""),
            cell(r.ports.has_value(), r.ports ? portsText(*r.ports) : ""),
            cell(r.dns, "dns"),
            cell(r.icmpType.has_value(), r.icmpType ? std::to_string(*r.icmpType) : ""),
            cell(r.expire.has_value(), r.expire ? "+" + std::to_string(*r.expire - now) + "s" : ""),
            cell(!r.comment.empty(), r.comment),
        });
    }
    std::vector<size_t> width(rows.front().size(), 0);
    for (const auto& row : rows)
        for (size_t c = 0; c < row.size(); c++)
            width[c] = std::max(width[c], displayWidth(row[c]));
    std::string out;
    for (const auto& row : rows) {
        for (size_t c = 0; c < row.size(); c++) {
            out += row[c];
            if (c + 1 < row.size())
                out += std::string(width[c] - displayWidth(row[c]) + 2, ' ');
        }
        out += '\n';
    }
    return out;
}

std::string formatRaw(const std::vector<Rule>& rules) {
    std::string out;
    for (const Rule& r : rules)
        out += toRaw(r) + "\n";
    return out;
}

std::string formatJson(const std::string& name, const VmEntry* vm, const std::vector<Rule>& rules, int64_t now) {
    using Json = nlohmann::ordered_json;
    Json doc;
    doc["vm"] = name;
    doc["mapped"] = vm != nullptr;
    Json ifaces = Json::array();
    if (vm)
        for (const Iface& i : vm->ifaces)
            ifaces.push_back(i.text());
    doc["interfaces"] = ifaces;
    Json list = Json::array();
    for (size_t n = 0; n < rules.size(); n++) {
        const Rule& r = rules[n];
        Json j;
        j["no"] = n;
        j["action"] = std::string(verdictName(r.action));
        if (r.proto)
            j["proto"] = std::string(protoName(*r.proto));
        if (r.dst)
            j[std::string(dstHostKey(*r.dst))] = formatDstHost(*r.dst);
        if (r.ports)
            j["dstports"] = std::to_string(r.ports->lo) + "-" + std::to_string(r.ports->hi);
        if (r.icmpType)
            j["icmptype"] = *r.icmpType;
        if (r.dns)
            j["specialtarget"] = "dns";
        if (r.expire) {
            j["expire"] = *r.expire;
            j["expires_in"] = *r.expire - now;
        }
        if (!r.comment.empty())
            j["comment"] = r.comment;
        j["raw"] = toRaw(r);
        list.push_back(std::move(j));
    }
    doc["rules"] = list;
    // Comments are bytes as given: replace invalid UTF-8 rather than throw.
    return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace pfw::qvm
