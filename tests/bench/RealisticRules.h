// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// RealisticRules.h
// A qvm-like rule mix for the benchmarks: host and CIDR destinations,
// protocols, single ports and ranges, mostly accepts with some drops.
//------------------------------------------------------------------------------
#pragma once

#include <cstring>
#include <random>
#include <vector>

#include "ir/Ir.h"

extern "C" {
#include "polyfw/pkt.h"
}

namespace pfw::bench {

inline ir::Program realisticProgram(size_t n, uint32_t seed = 42) {
    std::mt19937 rng(seed);
    auto pick = [&](uint32_t k) { return static_cast<uint32_t>(rng() % k); };
    ir::Ruleset rs;
    rs.name = "qvm:bench";
    rs.hooks = {PFW_HOOK_FORWARD};
    rs.scope = {{ir::Match::ifname(PFW_FLD_IIF, "tap0")}};
    ir::Rule est;
    est.matches = {ir::Match::inSet(PFW_FLD_CTSTATE, {{PFW_CT_ESTABLISHED, PFW_CT_ESTABLISHED},
                                                     {PFW_CT_RELATED, PFW_CT_RELATED}})};
    est.action.kind = ir::Action::Kind::Accept;
    est.loc = "established";
    rs.rules.push_back(est);
    for (size_t i = 0; i < n; i++) {
        ir::Rule r;
        unsigned kind = pick(100);
        if (kind < 70) {  // a host in 10.0.0.0/8 ... 100.0.0.0/8
            uint32_t a = (10u + pick(90)) << 24 | pick(1u << 24);
            r.matches.push_back(ir::Match::equals(PFW_FLD_FAMILY, 4));
            r.matches.push_back(ir::Match::inSet(PFW_FLD_DADDR, {ir::prefixInterval(ir::v4Mapped(a), 128)}));
        } else if (kind < 90) {  // a /16 to /28 network
            uint32_t a = (10u + pick(90)) << 24 | pick(1u << 24);
            unsigned bits = 16 + pick(13);
            r.matches.push_back(ir::Match::equals(PFW_FLD_FAMILY, 4));
            r.matches.push_back(ir::Match::inSet(PFW_FLD_DADDR, {ir::prefixInterval(ir::v4Mapped(a), 96 + bits)}));
        } else {  // an IPv6 /64
            ir::u128 a = (static_cast<ir::u128>(0x20010db8u) << 96) | (static_cast<ir::u128>(rng()) << 64);
            r.matches.push_back(ir::Match::equals(PFW_FLD_FAMILY, 6));
            r.matches.push_back(ir::Match::inSet(PFW_FLD_DADDR, {ir::prefixInterval(a, 64)}));
        }
        unsigned proto = pick(10);
        if (proto < 6) {
            r.matches.push_back(ir::Match::equals(PFW_FLD_L4PROTO, 6));
        } else if (proto < 9) {
            r.matches.push_back(ir::Match::equals(PFW_FLD_L4PROTO, 17));
        } else {
            r.matches.push_back(ir::Match::inSet(PFW_FLD_L4PROTO, {{1, 1}, {58, 58}}));
        }
        if (proto < 9 && pick(100) < 85) {
            static const uint32_t common[] = {22, 25, 53, 80, 443, 993, 3306, 5432, 8080, 8443};
            if (pick(100) < 75) {
                uint32_t p = common[pick(10)];
                r.matches.push_back(ir::Match::inSet(PFW_FLD_DPORT, {{p, p}}));
            } else {
                uint32_t lo = 1024 + pick(60000);
                r.matches.push_back(ir::Match::inSet(PFW_FLD_DPORT, {{lo, lo + pick(1000)}}));
            }
        }
        r.action.kind = pick(100) < 80 ? ir::Action::Kind::Accept : ir::Action::Kind::Drop;
        r.loc = "bench:" + std::to_string(i);
        r.id = static_cast<uint32_t>(i);
        rs.rules.push_back(std::move(r));
    }
    ir::Rule def;
    def.action.kind = ir::Action::Kind::Drop;
    def.isDefault = true;
    def.loc = "default";
    rs.rules.push_back(def);
    ir::Program p;
    p.rulesets.push_back(std::move(rs));
    return p;
}

// New connections from tap0 to random addresses and ports: mostly misses,
// which walk the whole list in a linear evaluator (its worst case).
inline std::vector<pfw_pkt> realisticPackets(size_t n, uint32_t seed = 7) {
    std::mt19937 rng(seed);
    std::vector<pfw_pkt> out;
    for (size_t i = 0; i < n; i++) {
        pfw_pkt p;
        pfw_pkt_init(&p);
        bool v6 = rng() % 10 == 0;
        p.f[PFW_FLD_FAMILY] = v6 ? 6 : 4;
        if (v6) {
            p.addr[1][0] = 0x20010db8;
            p.addr[1][1] = static_cast<uint32_t>(rng());
            p.addr[1][3] = static_cast<uint32_t>(rng());
        } else {
            p.addr[1][2] = 0xffff;
            p.addr[1][3] = (10u + rng() % 90) << 24 | (rng() & 0xffffff);
        }
        p.addr[0][2] = 0xffff;
        p.addr[0][3] = 0x0a000102;
        p.f[PFW_FLD_L4PROTO] = rng() % 3 ? 6 : 17;
        p.f[PFW_FLD_SPORT] = 30000 + rng() % 30000;
        p.f[PFW_FLD_DPORT] = rng() % 2 ? 443 : rng() % 65536;
        p.f[PFW_FLD_L4OK] = 1;
        p.f[PFW_FLD_CTSTATE] = PFW_CT_NEW;
        p.f[PFW_FLD_HOOK] = PFW_HOOK_FORWARD;
        std::strncpy(p.ifn[0], "tap0", PFW_IFNAMSIZ);
        p.len = 100;
        out.push_back(p);
    }
    return out;
}

}  // namespace pfw::bench
