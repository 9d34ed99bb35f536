// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// sim/SimHost.cpp
// The userspace side of the interpreter's host hooks.
//------------------------------------------------------------------------------
#include "sim/SimHost.h"

#include <algorithm>
#include <cstring>

#include "decode/Disasm.h"

namespace pfw::sim {

namespace {
SimHost* host(struct pfw_run* run) { return static_cast<SimHost*>(run->host); }
}  // namespace

SimHost::SimHost(const pfw_prog& prog, uint32_t seed)
    : counters(prog.n_rules), prog_(prog), rng_(seed), buckets_(prog.n_lims), liveNames_(prog.n_sets) {
    for (uint32_t i = 0; i < prog.n_sets; i++) {
        const pfw_set_desc& d = prog.sets[i];
        if ((d.flags & PFW_SET_F_LIVE) && d.pool_off < prog.n_strtab)
            liveNames_[i] =
                std::string(prog.strtab + d.pool_off, strnlen(prog.strtab + d.pool_off, prog.n_strtab - d.pool_off));
    }
}

int SimHost::setLookup(uint32_t set, const uint32_t* key, uint32_t* value) const {
    if (set >= liveNames_.size() || liveNames_[set].empty())
        return 0;
    auto it = liveSets.find(liveNames_[set]);
    if (it == liveSets.end())
        return 0;
    const ir::LiveElem* e = it->second.lookup({key[0], key[1], key[2], key[3]});
    if (!e)
        return 0;
    *value = e->value;
    return 1;
}

void SimHost::run(pfw_pkt& pkt, unsigned hook, struct pfw_run& out) {
    out = {};
    out.prog = &prog_;
    out.pkt = &pkt;
    out.host = this;
    out.budget = budget;
    pfw_interp_run(&out, hook);
}

int SimHost::limit(struct pfw_run* run, uint32_t lim) {
    // token bucket on the packet's own clock (the "time" field), so a trace
    // is repeatable
    const pfw_lim_desc& d = prog_.lims[lim];
    Bucket& b = buckets_[lim];
    uint32_t now = run->pkt->f[PFW_FLD_TIME];
    if (b.tokens < 0) {
        b.tokens = d.burst;
        b.last = now;
    }
    if (now > b.last) {
        // rate tokens a period
        double perSecond = static_cast<double>(d.rate) / pfw_lim_period(d.flags);
        b.tokens = std::min<double>(d.burst, b.tokens + static_cast<double>(now - b.last) * perSecond);
        b.last = now;
    }
    double cost = (d.flags & PFW_LIM_BYTES) ? run->pkt->len : 1;
    if (b.tokens < cost)
        return 0;
    b.tokens -= cost;
    return 1;
}

void SimHost::count(struct pfw_run* run, uint32_t rule) {
    counters[rule].packets++;
    counters[rule].bytes += run->pkt->len;
}

void SimHost::log(struct pfw_run* run, uint32_t rule, const uint32_t* op) {
    const pfw_pkt& p = *run->pkt;
    std::string prefix(reinterpret_cast<const char*>(op + 3), strnlen(reinterpret_cast<const char*>(op + 3),
                                                                     PFW_LOG_PREFIX_LEN));
    std::string line = "<" + std::to_string(op[0]) + ">" + prefix + "IN=" + p.ifn[0] + " OUT=" + p.ifn[1] +
                       " SRC=" + decode::formatAddr(p.addr[0]) + " DST=" + decode::formatAddr(p.addr[1]) +
                       " PROTO=" + std::to_string(p.f[PFW_FLD_L4PROTO]);
    if (p.f[PFW_FLD_SPORT] != PFW_NONE16)
        line += " SPT=" + std::to_string(p.f[PFW_FLD_SPORT]) + " DPT=" + std::to_string(p.f[PFW_FLD_DPORT]);
    if (rule != PFW_NONE32)
        line += " RULE=" + decode::ruleLoc(prog_, rule);
    logs.push_back(line);
}

SimHost::FlowKey SimHost::flowKey(const pfw_pkt& p, bool reverse) {
    const uint32_t* a = p.addr[reverse ? 1 : 0];
    const uint32_t* b = p.addr[reverse ? 0 : 1];
    uint32_t sp = p.f[reverse ? PFW_FLD_DPORT : PFW_FLD_SPORT];
    uint32_t dp = p.f[reverse ? PFW_FLD_SPORT : PFW_FLD_DPORT];
    return {p.f[PFW_FLD_L4PROTO], a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3], sp, dp, 0, 0};
}

int SimHost::stateLookup(struct pfw_run* run, uint32_t* parent) {
    for (bool rev : {false, true}) {
        auto it = states_.find(flowKey(*run->pkt, rev));
        if (it != states_.end()) {
            *parent = it->second;
            return 1;
        }
    }
    return 0;
}

int SimHost::stateAdd(struct pfw_run* run, uint32_t parent, uint32_t limit) {
    uint32_t max = limit & PFW_STATE_LIM_COUNT;
    if (max) {
        // count existing flows of this parent that share the limited fields
        const pfw_pkt& p = *run->pkt;
        FlowKey mine = flowKey(p, false);
        uint32_t n = 0;
        for (const auto& [k, par] : states_) {
            if (par != parent)
                continue;
            bool same = true;
            if (limit & PFW_STATE_LIM_SRCADDR)
                same &= std::get<1>(k) == std::get<1>(mine) && std::get<2>(k) == std::get<2>(mine) &&
                        std::get<3>(k) == std::get<3>(mine) && std::get<4>(k) == std::get<4>(mine);
            if (limit & PFW_STATE_LIM_DSTADDR)
                same &= std::get<5>(k) == std::get<5>(mine) && std::get<6>(k) == std::get<6>(mine) &&
                        std::get<7>(k) == std::get<7>(mine) && std::get<8>(k) == std::get<8>(mine);
            if (limit & PFW_STATE_LIM_SRCPORT)
                same &= std::get<9>(k) == std::get<9>(mine);
            if (limit & PFW_STATE_LIM_DSTPORT)
                same &= std::get<10>(k) == std::get<10>(mine);
            n += same;
        }
        if (n >= max && !states_.count(mine))
            return 0;
    }
    states_[flowKey(*run->pkt, false)] = parent;
    return 1;
}

}  // namespace pfw::sim

// The interpreter's host hooks for every userspace program.
extern "C" {
uint32_t pfw_host_random(struct pfw_run* run) { return pfw::sim::host(run)->random(); }
int pfw_host_limit(struct pfw_run* run, uint32_t lim) { return pfw::sim::host(run)->limit(run, lim); }
int pfw_host_rpf(struct pfw_run* run, uint32_t) { return pfw::sim::host(run)->rpfResult; }
void pfw_host_count(struct pfw_run* run, uint32_t rule) { pfw::sim::host(run)->count(run, rule); }
void pfw_host_log(struct pfw_run* run, uint32_t rule, const uint32_t* op) { pfw::sim::host(run)->log(run, rule, op); }
int pfw_host_state_lookup(struct pfw_run* run, uint32_t* parent) {
    return pfw::sim::host(run)->stateLookup(run, parent);
}
int pfw_host_state_add(struct pfw_run* run, uint32_t parent, uint32_t limit) {
    return pfw::sim::host(run)->stateAdd(run, parent, limit);
}
int pfw_host_set_lookup(struct pfw_run* run, uint32_t set, const uint32_t* key, uint32_t* value) {
    return pfw::sim::host(run)->setLookup(set, key, value);
}
}
