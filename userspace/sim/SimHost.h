// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// sim/SimHost.h
// The userspace side of the interpreter's host hooks: what the kernel module
// does with counters, limiters, logs and dynamic state, done in memory.
//------------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "ir/LiveSet.h"

extern "C" {
#include "polyfw/interp.h"
}

namespace pfw::sim {

struct RuleCounter {
    uint64_t packets = 0, bytes = 0;
};

class SimHost {
public:
    explicit SimHost(const pfw_prog& prog, uint32_t seed = 1);

    // Runs one packet at hook; fills run with the verdict and deciding rule.
    void run(pfw_pkt& pkt, unsigned hook, struct pfw_run& out);

    std::vector<RuleCounter> counters;
    std::vector<std::string> logs;  // one line per LOG instruction run
    int rpfResult = 1;  // what reverse-path checks answer
    uint32_t budget = 0;  // cost units a run may spend, 0: PFW_MAX_COST
    // The contents of the table's live sets, by name (what the kernel keeps
    // beside the program): a live set of the program finds its contents by
    // its name; a name with no contents here is an empty set.
    ir::LiveSets liveSets;

    // hook implementations
    uint32_t random() { return static_cast<uint32_t>(rng_()); }
    int limit(struct pfw_run* run, uint32_t lim);
    void count(struct pfw_run* run, uint32_t rule);
    void log(struct pfw_run* run, uint32_t rule, const uint32_t* op);
    int stateLookup(struct pfw_run* run, uint32_t* parent);
    int stateAdd(struct pfw_run* run, uint32_t parent, uint32_t limit);
    int setLookup(uint32_t set, const uint32_t* key, uint32_t* value) const;

private:
    const pfw_prog& prog_;
    std::mt19937 rng_;
    struct Bucket {
        double tokens = -1;
        uint32_t last = 0;
    };
    std::vector<Bucket> buckets_;
    std::vector<std::string> liveNames_;  // per set: its name when live
    using FlowKey = std::tuple<uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t,
                               uint32_t, uint32_t, uint32_t, uint32_t, uint32_t>;
    std::map<FlowKey, uint32_t> states_;
    static FlowKey flowKey(const pfw_pkt& p, bool reverse);
};

}  // namespace pfw::sim
