// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// RandomRules.h
// Random IR programs and packets for the differential tests and benchmarks.
//------------------------------------------------------------------------------
#pragma once

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "ir/Ir.h"

extern "C" {
#include "polyfw/pkt.h"
}

namespace pfw::testing {

using ir::Interval;
using ir::Match;
using ir::u128;

// A small universe of values so that random packets hit random rules often.
struct Universe {
    std::vector<uint32_t> v4 = {0x0a000001, 0x0a000002, 0x0a0000ff, 0x0a010203, 0xc0a80101, 0x5db8d822, 0x08080808};
    std::vector<u128> v6 = {(static_cast<u128>(0x20010db8) << 96) | 1, (static_cast<u128>(0x20010db8) << 96) | 2,
                            (static_cast<u128>(0x20010db8) << 96) | (static_cast<u128>(0xabcd) << 64) | 5};
    std::vector<uint32_t> ports = {22, 53, 80, 443, 1024, 8080, 65535};
    std::vector<std::string> ifaces = {"tap0", "tap1", "vnet3", "eth0"};
};

class Gen {
public:
    explicit Gen(uint32_t seed) : rng_(seed) {}
    uint32_t pick(uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng_); }
    bool chance(unsigned pct) { return pick(100) < pct; }
    const Universe u;

    Interval addrInterval(bool v6) {
        if (v6) {
            u128 a = u.v6[pick(u.v6.size())];
            unsigned bits = 64 + pick(65);
            return ir::prefixInterval(a, bits);
        }
        uint32_t a = u.v4[pick(u.v4.size())];
        unsigned bits = chance(50) ? 32 : 8 + pick(25);
        return ir::prefixInterval(ir::v4Mapped(a), 96 + bits);
    }

    Interval portInterval() {
        uint32_t a = u.ports[pick(u.ports.size())];
        if (chance(60))
            return {a, a};
        uint32_t b = u.ports[pick(u.ports.size())];
        return {std::min(a, b), std::max(a, b)};
    }

    // Sometimes an any-of: of alternatives on any fields (interfaces among
    // them, each maybe negated), or, without residual tests, of sets on one
    // classifier dimension (which the compiler may merge into one set).
    Match randomMatch(bool allowResidual) {
        if (!chance(12))
            return randomPlainMatch(allowResidual);
        std::vector<Match> alts;
        unsigned n = chance(3) ? 0 : chance(10) ? 1 : 2 + pick(3);
        for (unsigned i = 0; i < n; i++) {
            if (allowResidual && chance(30)) {
                alts.push_back(Match::ifname(chance(80) ? PFW_FLD_IIF : PFW_FLD_OIF,
                                             chance(30) ? "vnet+" : u.ifaces[pick(u.ifaces.size())], chance(15)));
                continue;
            }
            Match m = randomPlainMatch(allowResidual);
            // without residual tests: the same field as the first
            for (int t = 0; t < 20 && !allowResidual && !alts.empty() && m.field != alts[0].field; t++)
                m = randomPlainMatch(false);
            if (!allowResidual && !alts.empty() && m.field != alts[0].field)
                continue;
            alts.push_back(std::move(m));
        }
        return Match::anyOf(std::move(alts), chance(10));
    }

    Match randomPlainMatch(bool allowResidual) {
        unsigned k = pick(allowResidual ? 10 : 6);
        bool neg = chance(10);
        switch (k) {
        case 0:
        case 1: {
            bool v6 = chance(30);
            std::vector<Interval> s{addrInterval(v6)};
            if (chance(20))
                s.push_back(addrInterval(v6));
            return Match::inSet(chance(70) ? PFW_FLD_DADDR : PFW_FLD_SADDR, s, neg);
        }
        case 2: {
            std::vector<Interval> s{chance(50) ? Interval{6, 6} : Interval{17, 17}};
            if (chance(20))
                s.push_back({1, 1});
            return Match::inSet(PFW_FLD_L4PROTO, s, neg);
        }
        case 3:
        case 4: {
            std::vector<Interval> s{portInterval()};
            if (chance(25))
                s.push_back(portInterval());
            if (chance(5))
                for (int i = 0; i < 6; i++)
                    s.push_back(portInterval());
            return Match::inSet(chance(75) ? PFW_FLD_DPORT : PFW_FLD_SPORT, s, neg);
        }
        case 5:
            return Match::equals(PFW_FLD_FAMILY, chance(70) ? 4 : 6);
        case 6:
            return Match::inSet(PFW_FLD_CTSTATE, {{PFW_CT_ESTABLISHED, PFW_CT_ESTABLISHED}, {PFW_CT_RELATED, PFW_CT_RELATED}}, neg);
        case 7:
            return Match::ifname(PFW_FLD_IIF, chance(30) ? "tap+" : u.ifaces[pick(u.ifaces.size())], neg);
        case 8:
            return Match::masked(PFW_FLD_MARK, 0xff, pick(4), neg);
        default:
            return Match::inSet(PFW_FLD_ICMPTYPE, {{pick(4) * 4, pick(4) * 4 + 3}}, neg);
        }
    }

    ir::Rule randomRule(size_t pos, size_t count, bool allowResidual) {
        ir::Rule r;
        unsigned n = pick(4);
        for (unsigned i = 0; i < n; i++)
            r.matches.push_back(randomMatch(allowResidual));
        unsigned a = pick(10);
        using K = ir::Action::Kind;
        if (a < 4) {
            r.action.kind = K::Accept;
        } else if (a < 7) {
            r.action.kind = K::Drop;
        } else if (a < 8) {
            r.action.kind = K::Reject;
            r.action.arg = PFW_REJECT_TCP_RST << 8;
        } else if (a < 9 || pos + 2 >= count) {
            r.action.kind = K::Continue;
            ir::Effect ef;
            ef.kind = ir::Effect::Kind::SetMark;
            ef.mask = 0xff;
            ef.value = pick(4);
            r.action.effects.push_back(ef);
        } else {
            r.action.kind = K::Skip;
            r.action.skipTo = static_cast<uint32_t>(pos + 1 + pick(static_cast<uint32_t>(count - pos - 1)));
        }
        r.loc = "rule:" + std::to_string(pos);
        r.id = static_cast<uint32_t>(pos);
        return r;
    }

    ir::Program randomProgram(size_t rulesets, size_t rules, bool allowResidual = true) {
        ir::Program p;
        for (size_t s = 0; s < rulesets; s++) {
            ir::Ruleset rs;
            rs.name = "rs" + std::to_string(s);
            rs.hooks = {PFW_HOOK_FORWARD};
            if (chance(30))
                rs.hooks.push_back(PFW_HOOK_INPUT);
            if (chance(20))  // where REJECT becomes a drop
                rs.hooks.push_back(PFW_HOOK_POSTROUTING);
            if (chance(40)) {
                rs.scope.push_back({Match::ifname(PFW_FLD_IIF, u.ifaces[pick(u.ifaces.size())])});
                if (chance(50))
                    rs.scope.push_back({Match::ifname(PFW_FLD_IIF, "vnet+")});
            }
            size_t n = 1 + pick(static_cast<uint32_t>(rules));
            for (size_t i = 0; i < n; i++)
                rs.rules.push_back(randomRule(i, n, allowResidual));
            p.rulesets.push_back(std::move(rs));
        }
        return p;
    }

    // A packet with fields drawn from the universe, parsed from real bytes.
    pfw_pkt randomPacket() {
        pfw_pkt p;
        pfw_pkt_init(&p);
        bool v6 = chance(30);
        p.f[PFW_FLD_FAMILY] = v6 ? 6 : 4;
        auto addr = [&](uint32_t* w) {
            u128 a;
            if (v6) {
                a = u.v6[pick(u.v6.size())];
                if (chance(30))
                    a += pick(3);
            } else {
                a = ir::v4Mapped(u.v4[pick(u.v4.size())] + (chance(30) ? pick(300) : 0));
            }
            for (int i = 0; i < 4; i++)
                w[i] = static_cast<uint32_t>(a >> (96 - 32 * i));
        };
        addr(p.addr[0]);
        addr(p.addr[1]);
        uint32_t protos[] = {6, 17, 1, 47};
        uint32_t proto = protos[pick(4)];
        if (v6 && proto == 1)
            proto = 58;
        p.f[PFW_FLD_L4PROTO] = proto;
        if (proto == 6 || proto == 17) {
            p.f[PFW_FLD_SPORT] = chance(50) ? u.ports[pick(u.ports.size())] : pick(65536);
            p.f[PFW_FLD_DPORT] = chance(70) ? u.ports[pick(u.ports.size())] + (chance(20) ? 1 : 0) : pick(65536);
            p.f[PFW_FLD_L4OK] = 1;
        } else if (proto == 1 || proto == 58) {
            p.f[PFW_FLD_ICMPTYPE] = pick(16);
            p.f[PFW_FLD_ICMPCODE] = pick(4);
            p.f[PFW_FLD_L4OK] = 1;
        }
        uint32_t states[] = {PFW_CT_NEW, PFW_CT_ESTABLISHED, PFW_CT_RELATED, PFW_CT_INVALID};
        p.f[PFW_FLD_CTSTATE] = states[pick(4)];
        p.f[PFW_FLD_MARK] = pick(8);
        std::string ifn = u.ifaces[pick(u.ifaces.size())];
        std::strncpy(p.ifn[0], ifn.c_str(), PFW_IFNAMSIZ - 1);
        if (chance(50)) {
            std::string ofn = u.ifaces[pick(u.ifaces.size())];
            std::strncpy(p.ifn[1], ofn.c_str(), PFW_IFNAMSIZ - 1);
        }
        p.f[PFW_FLD_HOOK] = chance(80) ? PFW_HOOK_FORWARD : chance(70) ? PFW_HOOK_INPUT : PFW_HOOK_POSTROUTING;
        p.len = 100;
        return p;
    }

private:
    std::mt19937 rng_;
};

}  // namespace pfw::testing
