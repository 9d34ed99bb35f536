// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/Lower.cpp
// qvm rules to the IR: one ruleset per VM, scoped by the VM's interfaces.
//------------------------------------------------------------------------------
#include "frontends/qvm/Lower.h"

#include "frontends/qvm/DnsSets.h"

#include <algorithm>

namespace pfw::qvm {

namespace {

using ir::Interval;
using ir::Match;

constexpr uint32_t kTcp = 6, kUdp = 17, kIcmp = 1, kIcmp6 = 58;

std::vector<Interval> points(std::initializer_list<uint32_t> vs) {
    std::vector<Interval> out;
    for (uint32_t v : vs)
        out.push_back({v, v});
    return ir::normalize(std::move(out));
}

bool contains(const std::vector<Interval>& set, ir::u128 v) {
    return std::any_of(set.begin(), set.end(), [&](const Interval& iv) { return iv.lo <= v && v <= iv.hi; });
}

// The rule can never match: an empty set on the field that came out empty.
std::vector<Match> never(uint8_t field) {
    return {Match::inSet(field, {})};
}

}  // namespace

std::optional<std::vector<Match>> lowerMatches(const Rule& r, const LowerContext& ctx, Diagnostics& diags) {
    (void)diags;  // no rule fails to lower today
    // Destination addresses, and which families they leave possible.
    bool haveDst = false, v4 = true, v6 = true, dnsServers = false;
    std::vector<Interval> daddr;
    std::optional<std::string> liveName;  // dsthost=NAME: its live set
    if (r.dst) {
        haveDst = true;
        switch (r.dst->kind) {
            case DstHost::Kind::V4:
                daddr = {ir::prefixInterval(r.dst->addr.value, 96 + r.dst->prefix)};
                v6 = false;
                break;
            case DstHost::Kind::V6:
                daddr = {ir::prefixInterval(r.dst->addr.value, r.dst->prefix)};
                v4 = false;
                break;
            case DstHost::Kind::Name:
                // The name's addresses live in the kernel, in a live set that
                // qvm-firewall and `polyfw resolve` fill: both families.
                liveName = dnsSetName(r.dst->name);
                break;
        }
    }
    if (r.dns) {
        // The DNS servers that the destination (if any) lets through, each in
        // its own family: a v4 server matches only an IPv4 destination.
        std::vector<Interval> servers;
        bool s4 = false, s6 = false;
        for (const IpAddr& s : ctx.dnsServers) {
            bool familyOk = s.family == 4 ? v4 : v6;
            if (haveDst && (!familyOk || (!liveName && !contains(daddr, s.value))))
                continue;
            servers.push_back({s.value, s.value});
            (s.family == 4 ? s4 : s6) = true;
        }
        haveDst = true;
        dnsServers = true;
        daddr = ir::normalize(std::move(servers));
        v4 = s4;
        v6 = s6;
    }
    if (haveDst && (!liveName || dnsServers) && daddr.empty())
        return never(PFW_FLD_DADDR);

    std::optional<std::vector<Interval>> l4;
    if (r.proto == Proto::Tcp) {
        l4 = points({kTcp});
    } else if (r.proto == Proto::Udp) {
        l4 = points({kUdp});
    } else if (r.proto == Proto::Icmp) {
        l4 = std::vector<Interval>{};
        if (v4)
            l4->push_back({kIcmp, kIcmp});
        if (v6)
            l4->push_back({kIcmp6, kIcmp6});
    }
    if (r.dns)
        l4 = ir::intersect(l4 ? *l4 : points({kTcp, kUdp}), points({kTcp, kUdp}));
    if (l4 && l4->empty())
        return never(PFW_FLD_L4PROTO);

    std::optional<std::vector<Interval>> dport;
    if (r.ports)
        dport = std::vector<Interval>{{r.ports->lo, r.ports->hi}};
    if (r.dns)
        dport = ir::intersect(dport ? *dport : points({53}), points({53}));
    if (dport && dport->empty())
        return never(PFW_FLD_DPORT);

    std::vector<Match> ms;
    if (haveDst) {
        std::vector<Interval> fam;
        if (v4)
            fam.push_back({4, 4});
        if (v6)
            fam.push_back({6, 6});
        ms.push_back(Match::inSet(PFW_FLD_FAMILY, fam));
    }
    if (l4)
        ms.push_back(Match::inSet(PFW_FLD_L4PROTO, *l4));
    if (haveDst && (!liveName || dnsServers))
        ms.push_back(Match::inSet(PFW_FLD_DADDR, daddr));
    if (liveName)
        ms.push_back(Match::liveSet(PFW_FLD_DADDR, *liveName, false));
    if (dport)
        ms.push_back(Match::inSet(PFW_FLD_DPORT, *dport));
    if (r.icmpType)
        ms.push_back(Match::inSet(PFW_FLD_ICMPTYPE, points({*r.icmpType})));
    if (r.expire)
        ms.push_back(Match::inSet(PFW_FLD_TIME, {{0, static_cast<ir::u128>(*r.expire - 1)}}));
    return ms;
}

std::optional<ir::Ruleset> lowerVm(const VmEntry& vm, const std::vector<Rule>& rules, const LowerContext& ctx,
                                   Diagnostics& diags, const std::vector<std::string>& locs) {
    ir::Ruleset rs;
    rs.name = "qvm:" + vm.name;
    rs.hooks = {PFW_HOOK_FORWARD};
    // Packets the VM sends arrive on its interfaces and are forwarded.
    for (const Iface& iface : vm.ifaces) {
        Match m = Match::ifname(PFW_FLD_IIF, iface.name);
        m.prefix = iface.wildcard;
        rs.scope.push_back({m});
    }

    ir::Rule established;
    // The packet's ctstate holds exactly one PFW_CT_* bit, so a set of the
    // two values is "established or related".
    established.matches = {
        Match::inSet(PFW_FLD_CTSTATE, {{PFW_CT_ESTABLISHED, PFW_CT_ESTABLISHED}, {PFW_CT_RELATED, PFW_CT_RELATED}})};
    established.action.kind = ir::Action::Kind::Accept;
    established.loc = rs.name + ":established";
    established.isDefault = true;
    rs.rules.push_back(std::move(established));

    bool ok = true;
    for (size_t n = 0; n < rules.size(); n++) {
        std::optional<std::vector<Match>> ms = lowerMatches(rules[n], ctx, diags);
        if (!ms) {
            ok = false;
            continue;
        }
        ir::Rule ir;
        ir.matches = std::move(*ms);
        ir.action.kind = rules[n].action == Verdict::Accept ? ir::Action::Kind::Accept : ir::Action::Kind::Drop;
        ir.loc = n < locs.size() ? locs[n] : rs.name + ":" + std::to_string(n);
        ir.id = static_cast<uint32_t>(n);
        rs.rules.push_back(std::move(ir));
    }

    ir::Rule policy;
    policy.action.kind = ir::Action::Kind::Drop;
    policy.loc = rs.name + ":default";
    policy.isDefault = true;
    rs.rules.push_back(std::move(policy));
    if (!ok)
        return std::nullopt;
    return rs;
}

}  // namespace pfw::qvm
