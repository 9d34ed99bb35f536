// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// fuzz/fuzz_qvm_file.cpp
// The qvm program-file parser, pfw::qvm::parseFile (frontends/qvm/File.h),
// and what the compiler makes of what it accepts.
//------------------------------------------------------------------------------
//
// Input: the file's text, as `polyfw compile --lang qvm FILE` reads it, at
// the unit tests' clock (1700000000).  Host names resolve without DNS: names
// ending in "-fail" (or a few others) fail like getaddrinfo, any other name
// gets one to three addresses derived from its text.  specialtarget=dns reads
// a resolv.conf written once at start-up (one IPv4, one IPv6 server).
//
// Checked (CHECK: a message, then __builtin_trap):
//   - a program and no diagnostic, or nothing and at least one diagnostic,
//     each naming the file;
//   - every accepted file compiles (driver::compile, optimizer on and off:
//     the result the verifier refused would be a compiler bug) into a blob
//     the verifier accepts again;
//   - on packets built from the values the rules test (addresses, ports,
//     ICMP types, interfaces, conntrack states, both families, each +-1) the
//     bytecode agrees with the reference evaluator (ir/RefEval.h): verdict,
//     rule, parameter and mark, as tests/unit/core/DifferentialTests.cpp
//     checks for random programs; every run ends without error within the
//     verifier's cost bound for its hook.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "FuzzCheck.h"
#include "decode/Disasm.h"
#include "driver/Compile.h"
#include "frontends/qvm/File.h"
#include "ir/RefEval.h"
#include "sim/SimHost.h"
#include "verify/Verify.h"

using namespace pfw;

namespace {

constexpr int64_t kNow = 1700000000;
std::string gResolvConf = "/nonexistent";

bool fakeResolve(const std::string& name, std::vector<qvm::IpAddr>& out, std::string& error) {
    uint32_t h = 2166136261u;
    for (char c : name)
        h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
    if (name.ends_with("-fail") || h % 13 == 0) {
        error = "Name or service not known";
        return false;
    }
    unsigned n = 1 + h % 3;
    for (unsigned i = 0; i < n; i++) {
        qvm::IpAddr a;
        uint32_t x = h * (i + 1) * 2654435761u;
        if ((h >> (8 + i)) & 1) {
            a.family = 6;
            a.value = (static_cast<ir::u128>(0x20010db8u) << 96) | x;
        } else {
            a.family = 4;
            a.value = ir::v4Mapped(x);
        }
        out.push_back(a);
    }
    return true;
}

// Values a program's matches test, per field, for building packets.
struct Values {
    std::set<ir::u128> byField[256];
    std::set<std::string> names;
};

void addValue(Values& v, uint8_t field, ir::u128 x) {
    std::set<ir::u128>& s = v.byField[field];
    if (s.size() > 64)
        return;
    s.insert(x);
    s.insert(x + 1);
    s.insert(x - 1);
}

void collect(Values& v, const ir::Match& m) {
    switch (m.kind) {
    case ir::Match::Kind::Set:
        for (const ir::Interval& iv : m.set) {
            addValue(v, m.field, iv.lo);
            addValue(v, m.field, iv.hi);
        }
        break;
    case ir::Match::Kind::Mask:
        addValue(v, m.field, m.value);
        addValue(v, m.field, m.mask);
        break;
    case ir::Match::Kind::Ifname:
        v.names.insert(m.name);
        if (m.prefix)
            v.names.insert(m.name + "0");
        break;
    case ir::Match::Kind::AnyOf:
        for (const ir::Match& a : m.alts)
            collect(v, a);
        break;
    default:
        break;
    }
}

// Matches and rules whose outcome depends on the host's state (random
// numbers, token buckets, reverse path, tags, dynamic state), which the
// simulator and the reference evaluator do not share: no comparison then.
bool hostMatch(const ir::Match& m) {
    if (m.kind == ir::Match::Kind::AnyOf)
        for (const ir::Match& a : m.alts)
            if (hostMatch(a))
                return true;
    return m.kind == ir::Match::Kind::Prob || m.kind == ir::Match::Kind::Limit || m.kind == ir::Match::Kind::Rpf ||
           m.kind == ir::Match::Kind::Tagged;
}

bool hasHostMatches(const ir::Program& p) {
    auto host = hostMatch;
    for (const ir::Ruleset& rs : p.rulesets) {
        for (const auto& alt : rs.scope)
            for (const ir::Match& m : alt)
                if (host(m))
                    return true;
        for (const ir::Rule& r : rs.rules) {
            if (r.keepState || r.action.kind == ir::Action::Kind::CheckState)
                return true;
            for (const ir::Match& m : r.matches)
                if (host(m))
                    return true;
        }
    }
    return false;
}

template <class Set>
typename Set::value_type pickFrom(std::mt19937& rng, const Set& s) {
    auto it = s.begin();
    std::advance(it, rng() % s.size());
    return *it;
}

void setAddr(uint32_t* w, ir::u128 a) {
    for (int i = 0; i < 4; i++)
        w[i] = static_cast<uint32_t>(a >> (96 - 32 * i));
}

pfw_pkt makePacket(std::mt19937& rng, const Values& v) {
    pfw_pkt p;
    pfw_pkt_init(&p);
    auto value = [&](uint8_t field, ir::u128 dflt) -> ir::u128 {
        const auto& s = v.byField[field];
        if (!s.empty() && rng() % 8 != 0)
            return pickFrom(rng, s);
        return dflt;
    };
    ir::u128 d = value(PFW_FLD_DADDR, ir::v4Mapped(rng()));
    bool v4 = (d >> 32) == 0xffff;
    p.f[PFW_FLD_FAMILY] = rng() % 16 ? (v4 ? 4 : 6) : static_cast<uint32_t>(value(PFW_FLD_FAMILY, 4));
    setAddr(p.addr[1], d);
    setAddr(p.addr[0], v4 ? ir::v4Mapped(0x0a890005) : (static_cast<ir::u128>(0xfd00) << 112) | 5);
    uint32_t protos[] = {6, 17, 1, 58, 47};
    p.f[PFW_FLD_L4PROTO] = static_cast<uint32_t>(value(PFW_FLD_L4PROTO, protos[rng() % 5]));
    uint32_t proto = p.f[PFW_FLD_L4PROTO];
    if (proto == 6 || proto == 17) {
        p.f[PFW_FLD_SPORT] = 1024 + rng() % 60000;
        p.f[PFW_FLD_DPORT] = static_cast<uint32_t>(value(PFW_FLD_DPORT, rng() % 65536));
        p.f[PFW_FLD_L4OK] = 1;
    } else if (proto == 1 || proto == 58) {
        p.f[PFW_FLD_ICMPTYPE] = static_cast<uint32_t>(value(PFW_FLD_ICMPTYPE, rng() % 256));
        p.f[PFW_FLD_ICMPCODE] = rng() % 4;
        p.f[PFW_FLD_L4OK] = 1;
    }
    uint32_t states[] = {PFW_CT_NEW, PFW_CT_ESTABLISHED, PFW_CT_RELATED, PFW_CT_INVALID, PFW_CT_UNTRACKED};
    p.f[PFW_FLD_CTSTATE] = states[rng() % 5];
    p.f[PFW_FLD_TIME] = static_cast<uint32_t>(value(PFW_FLD_TIME, kNow + rng() % 1000));
    p.f[PFW_FLD_HOOK] = PFW_HOOK_FORWARD;
    std::string ifn = v.names.empty() || rng() % 8 == 0 ? "eth0" : pickFrom(rng, v.names);
    strncpy(p.ifn[0], ifn.c_str(), PFW_IFNAMSIZ - 1);
    p.len = 60 + rng() % 1400;
    return p;
}

// What a failing case looks like, for the person who has to fix it.
void describe(const pfw_prog& p, const pfw_pkt& pkt, unsigned hook, const pfw_run& run, const ir::RefResult& want) {
    std::string s = decode::disassemble(p);
    s += "hook " + std::to_string(hook) + " packet: family " + std::to_string(pkt.f[PFW_FLD_FAMILY]) + " proto " +
         std::to_string(pkt.f[PFW_FLD_L4PROTO]) + " src " + decode::formatAddr(pkt.addr[0]) + " dst " +
         decode::formatAddr(pkt.addr[1]) + " sport " + std::to_string(pkt.f[PFW_FLD_SPORT]) + " dport " +
         std::to_string(pkt.f[PFW_FLD_DPORT]) + " icmp " + std::to_string(pkt.f[PFW_FLD_ICMPTYPE]) + "/" +
         std::to_string(pkt.f[PFW_FLD_ICMPCODE]) + " iif " + pkt.ifn[0] + " ct " +
         std::to_string(pkt.f[PFW_FLD_CTSTATE]) + " time " + std::to_string(pkt.f[PFW_FLD_TIME]) + "\n";
    s += "bytecode: verdict " + std::to_string(run.verdict) + " rule " + std::to_string(run.rule) + " param " +
         std::to_string(run.param) + "; reference: verdict " + std::to_string(want.verdict) + " rule " +
         std::to_string(want.rule) + " param " + std::to_string(want.param) + "\n";
    fputs(s.c_str(), stderr);
}

void differential(const ir::Program& prog, const std::vector<uint32_t>& blob, uint32_t seed) {
    pfw_prog p;
    CHECK(verify::check(blob, &p) == "");
    sim::SimHost host(p);
    Values v;
    for (const ir::Ruleset& rs : prog.rulesets) {
        for (const auto& alt : rs.scope)
            for (const ir::Match& m : alt)
                collect(v, m);
        for (const ir::Rule& r : rs.rules)
            for (const ir::Match& m : r.matches)
                collect(v, m);
    }
    bool compare = !hasHostMatches(prog);
    std::mt19937 rng(seed);
    for (int k = 0; k < 24; k++) {
        pfw_pkt pkt = makePacket(rng, v);
        for (unsigned hook : {PFW_HOOK_FORWARD, PFW_HOOK_INPUT}) {
            pfw_pkt mine = pkt;
            mine.f[PFW_FLD_HOOK] = hook;
            ir::RefResult want = ir::refEvaluate(prog, mine, hook);
            pfw_run run;
            host.run(mine, hook, run);
            CHECK(run.error == PFW_ERR_NONE);
            CHECK(run.steps <= p.hook_cost[hook]);
            if (compare) {
                if (run.verdict != want.verdict || run.rule != want.rule || run.param != want.param)
                    describe(p, pkt, hook, run, want);
                CHECK(run.verdict == want.verdict);
                CHECK(run.rule == want.rule);
                CHECK(run.param == want.param);
                CHECK(mine.f[PFW_FLD_MARK] == want.mark);
                if (want.ctmarkSet)
                    CHECK(mine.f[PFW_FLD_CTMARK] == want.ctmark);
            }
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    char path[] = "/tmp/polyfw-fuzz-resolv.XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) {
        const char text[] = "nameserver 10.139.1.1\nnameserver fd00::53\n";
        if (write(fd, text, sizeof(text) - 1) == static_cast<ssize_t>(sizeof(text) - 1))
            gResolvConf = path;
        close(fd);
        static std::string toRemove = path;
        atexit([] { unlink(toRemove.c_str()); });
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 16384)
        return 0;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    Diagnostics diags;
    std::optional<ir::Program> prog = qvm::parseFile("fw.qvm", text, kNow, gResolvConf, diags, fakeResolve);
    if (!prog) {
        CHECK(!diags.empty());
        for (const Diag& d : diags.all()) {
            CHECK(d.loc.file == "fw.qvm" || d.loc.file.empty());
            (void)d.format();
        }
        return 0;
    }
    CHECK(diags.empty());
    uint32_t seed = 1;
    for (size_t i = 0; i < size; i++)
        seed = seed * 31 + data[i];
    for (bool optimize : {true, false}) {
        driver::CompileOptions opts;
        opts.optimize = optimize;
        driver::CompileResult res = driver::compile(*prog, opts);
        CHECK(res.ok());
        differential(*prog, res.blob, seed + optimize);
    }
    return 0;
}
