// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// fuzz/fuzz_verifier.cpp
// pfw_verify() on arbitrary bytes, and the interpreter on what it accepts.
//------------------------------------------------------------------------------
//
// Input: a program blob (docs/bytecode.md section 1), optionally followed by
// more bytes that drive the packets and the host's answers.
//
//   1. pfw_verify() runs on the whole input, whatever it is.
//   2. When the header's counts describe a blob shorter than the input, the
//      rest is the "tail" and pfw_verify() runs on the blob alone.
//   3. Whenever the verifier accepts, the interpreter runs several packets
//      built from the tail (or, without one, from a hash of the input) at
//      every hook: some parsed from raw L3 bytes by pfw_pkt_parse(), some
//      with fields taken from the program's own constants, some raw.  The
//      host's answers (random numbers, limiters, reverse path, dynamic state)
//      come from the same bytes.
//
// Checked (CHECK: a message, then __builtin_trap), besides ASan and UBSan:
//   - every run: error == PFW_ERR_NONE and steps <= prog.hook_cost[hook]
//     (<= prog.cost <= PFW_MAX_COST); a verdict that exists, a rule that is
//     PFW_NONE32 or in the rule table, a DSCP of 0..63 or none, a NAT
//     parameter that is a NAT operand inside the pool, no REJECT at
//     postrouting, at most PFW_MAX_TAGS tags; a hook without an entry
//     accepts in 0 steps;
//   - every host hook is called with operands the verifier promised: rule,
//     limiter and parent indices in range, LOG operands inside the pool with
//     a valid level, limiter and NUL-terminated prefix, STATE_ADD limits well
//     formed, RPF modes 1-3;
//   - hook_cost[h] is 0 exactly for the hooks without an entry.
//
// LLVMFuzzerCustomMutator keeps inputs well formed enough to get past the
// layout checks: it splits the input into header, sections and tail, mutates
// one part (instruction fields, inserted or removed instructions with every
// jump relocated, pool windows, descriptors, new sets, limiters,
// classifiers with random LEAF/CUT/SLICE trees, STATE_CHECK sites, string
// table, hook entries, tail) and writes it back with the header's magic,
// version, size and counts consistent with the length.  Now and then it
// mutates raw bytes instead, so that the layout checks are fuzzed too.
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <random>
#include <vector>

#include "FuzzCheck.h"
extern "C" {
#include "polyfw/interp.h"
#include "polyfw/pkt.h"
#include "polyfw/prog.h"
}

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t maxSize);

namespace {

constexpr uint32_t kHdrWords = sizeof(pfw_prog_hdr) / 4;

// The opcode list, straight from insn.def.
enum ArgKind { K_NONE, K_IMM, K_POOL2, K_POOL4, K_POOL8, K_IFN, K_SET, K_CLS, K_RULE, K_LIM, K_LOG, K_NAT, K_JMP, K_NEXT, K_DYN, K_SW };
struct OpInfo {
    uint8_t op;
    char cls;
    ArgKind arg;
};
const OpInfo kOps[] = {
#define PFW_INSN(n, val, c, kind) {val, #c[0], K_##kind},
#include "polyfw/insn.def"
#undef PFW_INSN
};
constexpr size_t kNumOps = sizeof(kOps) / sizeof(kOps[0]);

const OpInfo* opInfo(uint8_t op) {
    for (const OpInfo& o : kOps)
        if (o.op == op)
            return &o;
    return nullptr;
}

//------------------------------------------------------------------------------
// The structured form of an input.
//------------------------------------------------------------------------------

struct Parts {
    pfw_prog_hdr hdr{};
    std::vector<pfw_insn> insns;
    std::vector<uint32_t> pool;
    std::vector<pfw_rule_desc> rules;
    std::vector<pfw_set_desc> sets;
    std::vector<pfw_cls_desc> cls;
    std::vector<pfw_lim_desc> lims;
    std::vector<uint8_t> strtab;
    std::vector<uint8_t> tail;
};

// Bytes the header's counts say the blob has, or 0 when it cannot say.
uint64_t claimedBytes(const uint8_t* data, size_t size) {
    if (size < sizeof(pfw_prog_hdr))
        return 0;
    pfw_prog_hdr h;
    memcpy(&h, data, sizeof(h));
    uint64_t w = kHdrWords;
    w += static_cast<uint64_t>(h.n_insns) * 2 + h.n_pool + static_cast<uint64_t>(h.n_rules) * 4 +
         static_cast<uint64_t>(h.n_sets) * 3 + static_cast<uint64_t>(h.n_cls) * 8 +
         static_cast<uint64_t>(h.n_lims) * 4 + h.n_strtab / 4;
    if (h.n_strtab % 4)
        return 0;
    return w * 4;
}

template <class T>
void take(std::vector<T>& out, const uint8_t*& p, uint32_t n) {
    out.resize(n);
    if (n)
        memcpy(out.data(), p, static_cast<size_t>(n) * sizeof(T));
    p += static_cast<size_t>(n) * sizeof(T);
}

bool parseParts(const uint8_t* data, size_t size, Parts& out) {
    uint64_t need = claimedBytes(data, size);
    if (!need || need > size)
        return false;
    const uint8_t* p = data;
    memcpy(&out.hdr, p, sizeof(out.hdr));
    p += sizeof(out.hdr);
    take(out.insns, p, out.hdr.n_insns);
    take(out.pool, p, out.hdr.n_pool);
    take(out.rules, p, out.hdr.n_rules);
    take(out.sets, p, out.hdr.n_sets);
    take(out.cls, p, out.hdr.n_cls);
    take(out.lims, p, out.hdr.n_lims);
    take(out.strtab, p, out.hdr.n_strtab);
    out.tail.assign(p, data + size);
    return true;
}

template <class T>
void put(std::vector<uint8_t>& out, const std::vector<T>& v) {
    const uint8_t* b = reinterpret_cast<const uint8_t*>(v.data());
    out.insert(out.end(), b, b + v.size() * sizeof(T));
}

std::vector<uint8_t> serialize(Parts& p) {
    while (p.strtab.size() % 4)
        p.strtab.push_back(0);
    p.hdr.magic = PFW_PROG_MAGIC;
    p.hdr.version = PFW_PROG_VERSION;
    p.hdr.hdr_words = kHdrWords;
    p.hdr.n_insns = static_cast<uint32_t>(p.insns.size());
    p.hdr.n_pool = static_cast<uint32_t>(p.pool.size());
    p.hdr.n_rules = static_cast<uint32_t>(p.rules.size());
    p.hdr.n_sets = static_cast<uint32_t>(p.sets.size());
    p.hdr.n_cls = static_cast<uint32_t>(p.cls.size());
    p.hdr.n_lims = static_cast<uint32_t>(p.lims.size());
    p.hdr.n_strtab = static_cast<uint32_t>(p.strtab.size());
    std::vector<uint8_t> out(sizeof(p.hdr));
    memcpy(out.data(), &p.hdr, sizeof(p.hdr));
    put(out, p.insns);
    put(out, p.pool);
    put(out, p.rules);
    put(out, p.sets);
    put(out, p.cls);
    put(out, p.lims);
    put(out, p.strtab);
    put(out, p.tail);
    return out;
}

//------------------------------------------------------------------------------
// Running accepted programs.
//------------------------------------------------------------------------------

// The tail's bytes, then a PRNG seeded by the whole input.
struct Stream {
    const uint8_t* p = nullptr;
    size_t n = 0, i = 0;
    uint64_t x = 0x9e3779b97f4a7c15ull;

    uint8_t byte() {
        if (i < n)
            return p[i++];
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return static_cast<uint8_t>(x >> 24);
    }
    uint32_t u32() {
        uint32_t v = 0;
        for (int k = 0; k < 4; k++)
            v = v << 8 | byte();
        return v;
    }
    uint32_t below(uint32_t n) { return n ? u32() % n : 0; }
};

struct Host {
    const pfw_prog* prog;
    Stream* s;
};

Host* host(pfw_run* run) { return static_cast<Host*>(run->host); }

const uint8_t* gL3;  // pfw_pkt_parse source: exactly gL3Len bytes
uint32_t gL3Len;

const void* readExact(const void* src, uint32_t off, uint32_t len, void*) {
    if (static_cast<uint64_t>(off) + len > gL3Len)
        return nullptr;
    return static_cast<const uint8_t*>(src) + off;
}

// A scalar worth testing: a program constant, an edge, or anything.
uint32_t pickScalar(Stream& s, const pfw_prog& p) {
    switch (s.byte() % 8) {
    case 0:
    case 1:
        if (p.n_pool)
            return p.pool[s.below(p.n_pool)] + (s.byte() % 3) - 1;
        return s.u32();
    case 2:
    case 3:
        return p.insns[s.below(p.n_insns)].arg + (s.byte() % 3) - 1;
    case 4:
        return PFW_NONE16;
    case 5:
        return s.byte();
    default:
        return s.u32();
    }
}

void pickAddr(Stream& s, const pfw_prog& p, uint32_t* w) {
    unsigned mode = s.byte() % 4;
    if (mode < 2 && p.n_pool >= 4) {
        uint32_t at = s.below(p.n_pool - 3);
        for (int i = 0; i < 4; i++)
            w[i] = p.pool[at + i];
        if (mode == 1)
            w[3] += (s.byte() % 3) - 1;
    } else if (mode == 2) {
        w[0] = w[1] = 0;
        w[2] = 0xffff;
        w[3] = s.u32();
    } else {
        for (int i = 0; i < 4; i++)
            w[i] = s.u32();
    }
}

void pickIfname(Stream& s, const pfw_prog& p, char* name) {
    memset(name, 0, PFW_IFNAMSIZ);
    unsigned mode = s.byte() % 4;
    if (mode < 2 && p.n_pool >= 5) {
        // an IFNAME operand's name, maybe longer
        uint32_t at = s.below(p.n_pool - 4);
        memcpy(name, &p.pool[at + 1], PFW_IFNAMSIZ);
        if (mode == 1) {
            size_t l = strnlen(name, PFW_IFNAMSIZ);
            if (l < PFW_IFNAMSIZ)
                name[l] = static_cast<char>('0' + s.byte() % 10);
        }
    } else if (mode == 2) {
        for (unsigned i = 0, n = s.byte() % PFW_IFNAMSIZ; i < n; i++)
            name[i] = static_cast<char>(s.byte());
    } else {
        memcpy(name, "tap0", 4);
    }
}

void makePacket(Stream& s, const pfw_prog& p, pfw_pkt& pkt) {
    unsigned mode = s.byte() % 4;
    if (mode == 0) {
        uint8_t bytes[256];
        uint32_t len = s.byte();
        for (uint32_t i = 0; i < len; i++)
            bytes[i] = s.byte();
        // exactly len bytes for the parser to read
        uint8_t* l3 = static_cast<uint8_t*>(malloc(len ? len : 1));
        memcpy(l3, bytes, len);
        gL3 = l3;
        gL3Len = len;
        unsigned fam = s.byte() % 3;
        pfw_pkt_parse(&pkt, readExact, l3, len, fam == 0 ? 0 : fam == 1 ? 4 : 6);
        free(l3);
    } else if (mode == 3) {
        uint8_t* raw = reinterpret_cast<uint8_t*>(&pkt);
        for (size_t i = 0; i < sizeof(pkt); i++)
            raw[i] = s.byte();
        pkt.n_tags %= PFW_MAX_TAGS + 1;
        return;
    } else {
        pfw_pkt_init(&pkt);
        for (unsigned f = 0; f < PFW_NSCALARS; f++)
            if (s.byte() % 4 == 0)
                pkt.f[f] = pickScalar(s, p);
        pkt.f[PFW_FLD_FAMILY] = s.byte() % 2 ? 4 : 6;
        for (unsigned a = 0; a < PFW_NADDRS; a++)
            pickAddr(s, p, pkt.addr[a]);
        pkt.len = s.u32() % 2000;
    }
    // metadata, as the host fills it
    for (unsigned i = 0; i < PFW_NIFNS; i++)
        if (i == 0 || s.byte() % 2)
            pickIfname(s, p, pkt.ifn[i]);
    pkt.f[PFW_FLD_MARK] = s.byte() % 2 ? pickScalar(s, p) : 0;
    pkt.f[PFW_FLD_CTSTATE] = s.byte() % 8 ? 1u << (s.byte() % 5) : pickScalar(s, p);
    pkt.f[PFW_FLD_TIME] = pickScalar(s, p);
    if (s.byte() % 2) {
        pkt.f[PFW_FLD_UID] = pickScalar(s, p);
        pkt.f[PFW_FLD_GID] = pickScalar(s, p);
    }
    static const uint32_t ctdirs[] = {0, 1, PFW_NONE32};
    pkt.f[PFW_FLD_CTDIR] = ctdirs[s.byte() % 3];
    pkt.f[PFW_FLD_CTMARK] = s.byte() % 2 ? pickScalar(s, p) : 0;
    if (s.byte() % 2) {
        pkt.f[PFW_FLD_ODPORT] = pickScalar(s, p);
        pickAddr(s, p, pkt.addr[PFW_FLD_ODADDR - PFW_FLD_SADDR]);
    }
    pkt.f[PFW_FLD_SADDRTYPE] = 1u << (s.byte() % 9);
    pkt.f[PFW_FLD_DADDRTYPE] = 1u << (s.byte() % 9);
    pkt.n_tags = s.byte() % (PFW_MAX_TAGS + 1);
    for (uint32_t i = 0; i < pkt.n_tags; i++)
        pkt.tags[i] = static_cast<uint16_t>(pickScalar(s, p));
}

void checkRun(const pfw_prog& p, const pfw_run& run, const pfw_pkt& pkt, unsigned hook) {
    CHECK(run.error == PFW_ERR_NONE);
    CHECK(run.steps <= p.hook_cost[hook]);
    CHECK(run.verdict <= PFW_V_NAT);
    CHECK(run.rule == PFW_NONE32 || run.rule < p.n_rules);
    CHECK(run.dscp == PFW_NONE32 || run.dscp <= 63);
    CHECK(run.mark_set <= 1 && run.ctmark_set <= 1);
    CHECK(pkt.n_tags <= PFW_MAX_TAGS);
    if (run.verdict == PFW_V_NAT) {
        CHECK(static_cast<uint64_t>(run.param) + PFW_NAT_WORDS <= p.n_pool);
        CHECK(p.pool[run.param] >= PFW_NAT_DNAT && p.pool[run.param] <= PFW_NAT_REDIRECT);
    }
    if (run.verdict == PFW_V_REJECT) {
        CHECK(hook != PFW_HOOK_POSTROUTING);
        CHECK((run.param >> 8) <= PFW_REJECT_AUTO);
    }
    if (run.verdict == PFW_V_QUEUE)
        CHECK((run.param & ~(PFW_QUEUE_BYPASS | 0xffffu)) == 0);
    if (p.hdr->entry[hook] == PFW_NO_ENTRY)
        CHECK(run.verdict == PFW_V_ACCEPT && run.steps == 0 && run.rule == PFW_NONE32);
}

void runProgram(const pfw_prog& p, const uint8_t* tail, size_t tailLen, uint64_t seed) {
    CHECK(p.cost <= PFW_MAX_COST);
    uint32_t maxCost = 0;
    for (unsigned h = 0; h < PFW_HOOK_MAX; h++) {
        CHECK((p.hdr->entry[h] == PFW_NO_ENTRY) == (p.hook_cost[h] == 0));
        maxCost = std::max(maxCost, p.hook_cost[h]);
    }
    CHECK(p.cost == maxCost);
    Stream s;
    s.p = tail;
    s.n = tailLen;
    s.x ^= seed;
    Host h{&p, &s};
    unsigned packets = 1 + s.byte() % 8;
    uint64_t spent = 0;
    for (unsigned k = 0; k < packets && spent < 1000000; k++) {
        pfw_pkt base;
        makePacket(s, p, base);
        for (unsigned hook = 0; hook < PFW_HOOK_MAX; hook++) {
            pfw_pkt pkt = base;
            pkt.f[PFW_FLD_HOOK] = hook;
            pkt.f[PFW_FLD_DIR] = hook >= PFW_HOOK_OUTPUT;
            pfw_run run{};
            run.prog = &p;
            run.pkt = &pkt;
            run.host = &h;
            run.budget = s.byte() % 16 == 0 ? p.hook_cost[hook] : 0;  // exactly enough, or the default
            if (p.hook_cost[hook] > 1 && s.byte() % 16 == 0) {
                // less than the bound: the run may fail closed, never overspend
                pfw_pkt scratch = pkt;
                run.pkt = &scratch;
                run.budget = 1 + s.below(p.hook_cost[hook] - 1);
                uint32_t budget = run.budget;
                pfw_interp_run(&run, hook);
                CHECK(run.error == PFW_ERR_NONE || run.error == PFW_ERR_BUDGET);
                if (run.error == PFW_ERR_NONE)
                    CHECK(run.steps <= budget);
                else
                    CHECK(run.verdict == PFW_V_ERROR && run.steps > budget);
                spent += run.steps;
                run = pfw_run{};
                run.prog = &p;
                run.pkt = &pkt;
                run.host = &h;
            }
            pfw_interp_run(&run, hook);
            checkRun(p, run, pkt, hook);
            spent += run.steps;
        }
    }
}

uint64_t hashBytes(const uint8_t* data, size_t size) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 1099511628211ull;
    return h;
}

// Verifies exactly len bytes (a fresh allocation, so an overread is caught)
// and runs the program when it is accepted.
void verifyAndRun(const uint8_t* data, size_t len, const uint8_t* tail, size_t tailLen, uint64_t seed) {
    uint8_t* blob = static_cast<uint8_t*>(malloc(len ? len : 1));
    if (len)
        memcpy(blob, data, len);
    pfw_prog prog;
    char log[PFW_VERIFY_LOG_LEN];
    int r = pfw_verify(blob, len, &prog, log, sizeof(log));
    CHECK(r == 0 || r == -EINVAL || r == -E2BIG || r == -ENOMEM);
    if (r == 0)
        runProgram(prog, tail, tailLen, seed);
    else
        CHECK(log[0] != '\0' && memchr(log, '\0', sizeof(log)));
    free(blob);
}

}  // namespace

//------------------------------------------------------------------------------
// Host hooks: answers from the input, operands checked.
//------------------------------------------------------------------------------
extern "C" {
__u32 pfw_host_random(struct pfw_run* run) {
    return host(run)->s->byte() % 4 ? host(run)->s->u32() : pickScalar(*host(run)->s, *run->prog);
}

int pfw_host_limit(struct pfw_run* run, __u32 lim) {
    CHECK(lim < run->prog->n_lims);
    return host(run)->s->byte() & 1;
}

int pfw_host_rpf(struct pfw_run* run, __u32 mode) {
    CHECK(mode >= PFW_RPF_VERREVPATH && mode <= PFW_RPF_ANTISPOOF);
    return host(run)->s->byte() & 1;
}

void pfw_host_count(struct pfw_run* run, __u32 rule) { CHECK(rule < run->prog->n_rules); }

void pfw_host_log(struct pfw_run* run, __u32 rule, const __u32* op) {
    const pfw_prog& p = *run->prog;
    CHECK(rule == PFW_NONE32 || rule < p.n_rules);
    CHECK(op >= p.pool && op + PFW_LOG_WORDS <= p.pool + p.n_pool);
    CHECK(op[0] <= 7);
    CHECK(op[1] == PFW_NONE32 || op[1] < p.n_lims);
    CHECK(memchr(op + 3, 0, PFW_LOG_PREFIX_LEN) != nullptr);
}

int pfw_host_state_lookup(struct pfw_run* run, __u32* parent) {
    Stream& s = *host(run)->s;
    if (s.byte() % 2)
        return 0;
    *parent = s.byte() % 4 ? s.below(run->prog->n_rules + 1) : s.u32();
    return 1;
}

int pfw_host_state_add(struct pfw_run* run, __u32 parent, __u32 limit) {
    CHECK(parent < run->prog->n_rules);
    CHECK((limit & ~(PFW_STATE_LIM_FIELDS | PFW_STATE_LIM_COUNT)) == 0);
    CHECK(!(limit & PFW_STATE_LIM_FIELDS) == !(limit & PFW_STATE_LIM_COUNT));
    return host(run)->s->byte() & 1;
}

// A live set's lookup: operands checked, the answer (and its value) from
// the input.
int pfw_host_set_lookup(struct pfw_run* run, __u32 set, const __u32* key, __u32* value) {
    CHECK(set < run->prog->n_sets && (run->prog->sets[set].flags & PFW_SET_F_LIVE));
    CHECK(key != nullptr && value != nullptr);
    // a number's key is {0, 0, 0, v}
    if (run->prog->sets[set].width == 1)
        CHECK(key[0] == 0 && key[1] == 0 && key[2] == 0);
    Stream& s = *host(run)->s;
    if (s.byte() % 2)
        return 0;
    *value = s.u32();
    return 1;
}
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > (1u << 20))
        return 0;
    uint64_t seed = hashBytes(data, size);
    // 1. the whole input, whatever it is
    verifyAndRun(data, size, nullptr, 0, seed);
    // 2. the blob its header describes, the rest driving the packets
    uint64_t need = claimedBytes(data, size);
    if (need && need < size)
        verifyAndRun(data, need, data + need, size - need, seed);
    return 0;
}

//------------------------------------------------------------------------------
// The mutator.
//------------------------------------------------------------------------------
namespace {

struct Mut {
    Parts& p;
    std::minstd_rand rng;

    Mut(Parts& parts, unsigned seed) : p(parts), rng(seed) {}

    uint32_t r32() { return static_cast<uint32_t>(rng()) ^ (static_cast<uint32_t>(rng()) << 16); }
    uint32_t below(uint32_t n) { return n ? r32() % n : 0; }
    bool chance(unsigned oneIn) { return below(oneIn) == 0; }

    uint32_t interesting() {
        static const uint32_t k[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 17, 31, 32, 53, 58, 63, 64, 80, 255, 256, 443,
                                     1023, 1024, 0x7fff, 0xffff, PFW_NONE16, 0x7fffffff, 0x80000000u, 0xfffffffeu,
                                     0xffffffffu, PFW_MAX_COST, PFW_MAX_COST + 1, PFW_CLS_MAX_LEAF,
                                     PFW_CLS_MAX_LEAF + 1, PFW_MAX_STATE_PAIRS, PFW_MAX_STATE_PAIRS + 1};
        switch (below(6)) {
        case 0:
            return static_cast<uint32_t>(p.pool.size()) - below(4);
        case 1:
            return static_cast<uint32_t>(p.insns.size()) - below(3);
        case 2:
            return r32();
        default:
            return k[below(sizeof(k) / sizeof(k[0]))];
        }
    }

    // A field for op, mostly one the verifier allows.
    uint8_t fieldFor(const OpInfo& o, uint32_t arg) {
        if (chance(24))
            return static_cast<uint8_t>(r32());
        uint8_t f = 0;
        switch (o.op) {
        case PFW_OP_CMP:
        case PFW_OP_RANGE:
        case PFW_OP_MASK:
        case PFW_OP_ANYBITS:
        case PFW_OP_SWITCH:
            f = static_cast<uint8_t>(below(PFW_NSCALARS));
            break;
        case PFW_OP_ADDR_MASK:
        case PFW_OP_ADDR_RANGE:
            f = static_cast<uint8_t>(PFW_FLD_SADDR + below(PFW_NADDRS));
            break;
        case PFW_OP_IFNAME:
            f = static_cast<uint8_t>(PFW_FLD_IIF + below(PFW_NIFNS));
            break;
        case PFW_OP_INSET:
            if (arg < p.sets.size() && (p.sets[arg].flags & PFW_SET_F_IFNAME))
                f = static_cast<uint8_t>(PFW_FLD_IIF + below(PFW_NIFNS));
            else if (arg < p.sets.size() && p.sets[arg].width == 4)
                f = static_cast<uint8_t>(PFW_FLD_SADDR + below(PFW_NADDRS));
            else
                f = static_cast<uint8_t>(below(PFW_NSCALARS));
            break;
        default:
            break;
        }
        if (o.cls == 'T' && chance(3))
            f |= PFW_F_INV;
        return f;
    }

    // A forward target after pc, or pc + 1 when there is none.
    uint32_t targetAfter(uint32_t pc) {
        uint32_t n = static_cast<uint32_t>(p.insns.size());
        if (pc + 2 > n)
            return pc + 1;
        uint32_t span = n - pc - 1;
        return pc + 1 + (chance(2) ? below(std::min<uint32_t>(span, 4)) : below(span));
    }

    uint32_t appendPool(const std::vector<uint32_t>& words) {
        uint32_t at = static_cast<uint32_t>(p.pool.size());
        p.pool.insert(p.pool.end(), words.begin(), words.end());
        return at;
    }

    uint32_t poolIndex(uint32_t words) {
        uint32_t n = static_cast<uint32_t>(p.pool.size());
        if (n < words || chance(8))
            return interesting();
        return below(n - words + 1);
    }

    std::vector<uint32_t> ifnOperand() {
        std::vector<uint32_t> w(PFW_IFN_WORDS, 0);
        static const char* names[] = {"tap0", "eth", "vnet", "vif3.0", "lo", "wlan0", "a"};
        const char* nm = names[below(7)];
        size_t l = strlen(nm);
        memcpy(&w[1], nm, l);
        w[0] = chance(2) ? PFW_IFNAMSIZ : static_cast<uint32_t>(below(l + 1));
        if (chance(16))
            w[0] = interesting();
        return w;
    }

    std::vector<uint32_t> logOperand() {
        std::vector<uint32_t> w(PFW_LOG_WORDS, 0);
        w[0] = below(8);
        w[1] = p.lims.empty() || chance(2) ? PFW_NONE32 : below(static_cast<uint32_t>(p.lims.size()));
        w[2] = chance(2) ? 0 : (PFW_LOG_NFLOG | (below(65536) << 16));
        memcpy(&w[3], "fuzz: ", 6);
        if (chance(16))
            w[below(PFW_LOG_WORDS)] = interesting();
        return w;
    }

    std::vector<uint32_t> natOperand() {
        std::vector<uint32_t> w(PFW_NAT_WORDS, 0);
        w[0] = 1 + below(4);
        w[1] = below(8);
        for (int i = 2; i < 10; i++)
            w[i] = r32();
        w[10] = below(65536);
        w[11] = w[10] + below(65536 - w[10]);
        if (chance(16))
            w[below(PFW_NAT_WORDS)] = interesting();
        return w;
    }

    std::vector<uint32_t> stateAddOperand() {
        uint32_t rule = p.rules.empty() ? 0 : below(static_cast<uint32_t>(p.rules.size()));
        uint32_t lim = chance(2) ? 0 : ((1 + below(15)) << 24) | (1 + below(100));
        if (chance(16))
            lim = interesting();
        return {rule, lim};
    }

    // bytes, per source, and a period of a second, minute, hour or day
    uint32_t limiterFlags() { return below(4) | below(4) << PFW_LIM_PERIOD_SHIFT; }

    void ensureRule() {
        if (p.rules.empty())
            p.rules.push_back({0, 0, r32(), 0});
    }

    // A random instruction at pc, mostly one the verifier accepts.
    pfw_insn randomInsn(uint32_t pc, bool terminal) {
        const OpInfo* o;
        do {
            o = &kOps[below(kNumOps)];
        } while (terminal != (o->cls == 'X') && !chance(16));
        pfw_insn in{};
        in.op = o->op;
        if (chance(64))
            in.op = static_cast<uint8_t>(r32());
        uint32_t n = static_cast<uint32_t>(p.insns.size());
        switch (o->arg) {
        case K_NONE:
            in.arg = 0;
            break;
        case K_IMM:
            switch (o->op) {
            case PFW_OP_RPF:
                in.arg = 1 + below(3);
                break;
            case PFW_OP_REJECT:
                in.arg = below(4) << 8 | below(256);
                break;
            case PFW_OP_QUEUE:
                in.arg = below(65536) | (chance(2) ? PFW_QUEUE_BYPASS : 0);
                break;
            case PFW_OP_TAG:
                in.arg = below(8) | (chance(2) ? PFW_TAG_UNTAG : 0);
                break;
            case PFW_OP_SET_DSCP:
                in.arg = below(64);
                break;
            default:
                in.arg = interesting();
            }
            break;
        case K_POOL2:
            if (o->op == PFW_OP_STATE_ADD) {
                ensureRule();
                in.arg = appendPool(stateAddOperand());
            } else if (chance(2)) {
                uint32_t lo = interesting();
                in.arg = appendPool({lo, lo + below(1000)});
            } else {
                in.arg = poolIndex(2);
            }
            break;
        case K_POOL4:
            in.arg = poolIndex(4);
            break;
        case K_POOL8:
            if (chance(2)) {
                std::vector<uint32_t> w = {0, 0, 0xffff, r32(), 0, 0, 0xffff, 0};
                w[7] = w[3] + below(1 << 16);
                if (chance(2))
                    w = {0, 0, 0xffff, r32(), 0xffffffff, 0xffffffff, 0xffffffff, 0xffffff00};
                in.arg = appendPool(w);
            } else {
                in.arg = poolIndex(8);
            }
            break;
        case K_IFN:
            in.arg = chance(3) ? poolIndex(PFW_IFN_WORDS) : appendPool(ifnOperand());
            break;
        case K_LOG:
            in.arg = chance(3) ? poolIndex(PFW_LOG_WORDS) : appendPool(logOperand());
            break;
        case K_NAT:
            in.arg = chance(3) ? poolIndex(PFW_NAT_WORDS) : appendPool(natOperand());
            break;
        case K_SET:
            in.arg = p.sets.empty() || chance(16) ? interesting() : below(static_cast<uint32_t>(p.sets.size()));
            break;
        case K_RULE:
            ensureRule();
            in.arg = chance(16) ? interesting() : below(static_cast<uint32_t>(p.rules.size()));
            break;
        case K_LIM:
            if (p.lims.empty())
                p.lims.push_back({1 + below(100), 1 + below(100), limiterFlags(), r32()});
            in.arg = chance(16) ? interesting() : below(static_cast<uint32_t>(p.lims.size()));
            break;
        case K_JMP:
            in.arg = targetAfter(pc) - pc - 1;
            break;
        case K_NEXT:
            in.arg = chance(2) ? 0 : targetAfter(pc);
            break;
        case K_CLS:
            if (!p.cls.empty() && !chance(8)) {
                uint32_t c = below(static_cast<uint32_t>(p.cls.size()));
                in.arg = appendPool({c, below(std::max<uint32_t>(p.cls[c].n_results, 1))});
            } else {
                in.arg = poolIndex(2);
            }
            break;
        case K_DYN:
            in.arg = stateCheckOperand(pc);
            break;
        case K_SW:
            in.arg = switchOperand(pc);
            break;
        }
        in.field = fieldFor(*o, in.arg);
        if ((o->cls == 'T' || o->op == PFW_OP_CLASSIFY) && n > pc + 1)
            in.jf = static_cast<uint16_t>(std::min<uint32_t>(targetAfter(pc) - pc - 1, 0xffff));
        if (chance(64))
            in.jf = static_cast<uint16_t>(r32());
        return in;
    }

    // SWITCH: n (lo, target) pairs, lo ascending, targets later.
    uint32_t switchOperand(uint32_t pc) {
        uint32_t pairs = 1 + below(5), lo = below(100);
        std::vector<uint32_t> w = {pairs};
        for (uint32_t i = 0; i < pairs; i++) {
            w.push_back(lo);
            w.push_back(targetAfter(pc));
            lo += 1 + below(1000);
        }
        if (chance(16))
            w[below(static_cast<uint32_t>(w.size()))] = interesting();
        return appendPool(w);
    }

    uint32_t stateCheckOperand(uint32_t pc) {
        ensureRule();
        uint32_t pairs = below(5);
        std::vector<uint32_t> w = {pairs};
        for (uint32_t i = 0; i < pairs; i++) {
            w.push_back(below(static_cast<uint32_t>(p.rules.size())));
            w.push_back(targetAfter(pc));
        }
        if (chance(16))
            w[below(static_cast<uint32_t>(w.size()))] = interesting();
        return appendPool(w);
    }

    //--------------------------------------------------------------------------
    // Relocation: every jump keeps its target when an instruction comes or goes.
    //--------------------------------------------------------------------------

    // The pool words holding absolute instruction indices.
    std::vector<uint32_t> absoluteTargetWords() {
        std::vector<uint32_t> at;
        for (const pfw_cls_desc& c : p.cls)
            for (uint64_t k = 0; k < c.n_results && c.jt_off + k < p.pool.size() && k < 4096; k++)
                at.push_back(static_cast<uint32_t>(c.jt_off + k));
        for (const pfw_insn& in : p.insns) {
            if ((in.op != PFW_OP_STATE_CHECK && in.op != PFW_OP_SWITCH) || in.arg >= p.pool.size())
                continue;
            uint64_t n = p.pool[in.arg];
            for (uint64_t i = 0; i < n && i < 4096 && in.arg + 2 + 2 * i < p.pool.size(); i++)
                at.push_back(static_cast<uint32_t>(in.arg + 2 + 2 * i));
        }
        std::sort(at.begin(), at.end());
        at.erase(std::unique(at.begin(), at.end()), at.end());
        return at;
    }

    // Instructions [pos, ...) move by delta (+k inserted at pos, -1 removed).
    uint32_t moved(uint32_t t, uint32_t pos, int delta, uint32_t newN) {
        if (delta > 0)
            return t > pos ? t + delta : t;
        if (t > pos)
            return t - 1;
        return std::min(t, newN ? newN - 1 : 0);
    }

    void relocate(uint32_t pos, int delta) {
        uint32_t newN = static_cast<uint32_t>(p.insns.size());
        for (uint32_t& e : p.hdr.entry)
            if (e != PFW_NO_ENTRY)
                e = moved(e, pos, delta, newN);
        for (uint32_t w : absoluteTargetWords())
            p.pool[w] = moved(p.pool[w], pos, delta, newN);
        for (uint32_t i = 0; i < newN; i++) {
            if (delta > 0 && i >= pos && i < pos + delta)
                continue;  // the new instructions
            pfw_insn& in = p.insns[i];
            uint32_t oldI = delta > 0 ? (i > pos ? i - delta : i) : (i >= pos ? i + 1 : i);
            const OpInfo* o = opInfo(in.op);
            if (!o)
                continue;
            auto fixRel = [&](uint32_t rel) -> uint64_t {
                uint64_t t = static_cast<uint64_t>(oldI) + 1 + rel;
                uint64_t nt = t > UINT32_MAX ? t : moved(static_cast<uint32_t>(t), pos, delta, UINT32_MAX);
                return nt > i ? nt - i - 1 : 0;
            };
            if (o->cls == 'T' || o->op == PFW_OP_CLASSIFY) {
                uint64_t jf = fixRel(in.jf);
                if (jf <= 0xffff)
                    in.jf = static_cast<uint16_t>(jf);
            } else if (o->op == PFW_OP_JMP) {
                in.arg = static_cast<uint32_t>(fixRel(in.arg));
            } else if (o->op == PFW_OP_ACCEPT && in.arg) {
                in.arg = moved(in.arg, pos, delta, UINT32_MAX);
            }
        }
    }

    void insertInsn() {
        uint32_t n = static_cast<uint32_t>(p.insns.size());
        if (n >= 4096)
            return removeInsn();
        uint32_t pos = below(n + 1);
        pfw_insn in = chance(4) && n ? p.insns[below(n)] : randomInsn(pos, pos == n);
        p.insns.insert(p.insns.begin() + pos, in);
        relocate(pos, +1);
    }

    void removeInsn() {
        uint32_t n = static_cast<uint32_t>(p.insns.size());
        if (n <= 1)
            return insertInsn();
        uint32_t pos = below(n);
        p.insns.erase(p.insns.begin() + pos);
        relocate(pos, -1);
    }

    // Copies of one instruction in front of it, chained by their own
    // relative jumps: costs add up (PFW_MAX_COST) and long programs appear.
    void repeatInsn() {
        uint32_t n = static_cast<uint32_t>(p.insns.size());
        if (n < 2)
            return insertInsn();
        uint32_t pos = below(n - 1);
        if (chance(2)) {
            // the costliest instruction is a CLASSIFY: prefer one
            std::vector<uint32_t> sites;
            for (uint32_t i = 0; i + 1 < n; i++)
                if (p.insns[i].op == PFW_OP_CLASSIFY)
                    sites.push_back(i);
            if (!sites.empty())
                pos = sites[below(static_cast<uint32_t>(sites.size()))];
        }
        const OpInfo* o = opInfo(p.insns[pos].op);
        if (!o || o->op == PFW_OP_STATE_CHECK || o->op == PFW_OP_SWITCH || o->cls == 'X')
            return changeInsn();
        uint32_t k = 1 + below(chance(4) ? 2048 : 16);
        if (n + k > 8192)
            return removeInsn();
        pfw_insn copy = p.insns[pos];
        p.insns.insert(p.insns.begin() + pos, k, copy);
        relocate(pos, static_cast<int>(k));
    }

    void changeInsn() {
        if (p.insns.empty())
            return insertInsn();
        uint32_t n = static_cast<uint32_t>(p.insns.size());
        uint32_t pc = below(n);
        pfw_insn& in = p.insns[pc];
        switch (below(6)) {
        case 0:
            in = randomInsn(pc, pc + 1 == n);
            break;
        case 1: {
            pfw_insn r = randomInsn(pc, pc + 1 == n);
            p.insns[pc].op = r.op;  // randomInsn may have grown the pool, not insns
            break;
        }
        case 2:
            in.field = opInfo(in.op) ? fieldFor(*opInfo(in.op), in.arg) : static_cast<uint8_t>(r32());
            break;
        case 3:
            in.jf = chance(2) ? static_cast<uint16_t>(targetAfter(pc) - pc - 1) : static_cast<uint16_t>(interesting());
            break;
        case 4:
            in.arg = chance(2) ? interesting() : in.arg + below(5) - 2;
            break;
        default: {
            uint8_t b[8];
            memcpy(b, &in, 8);
            size_t m = LLVMFuzzerMutate(b, 8, 8);
            (void)m;
            memcpy(&in, b, 8);
        }
        }
    }

    // LLVMFuzzerMutate over a window of a section, in place.
    void mutateWindow(uint8_t* base, size_t bytes, size_t unit) {
        if (!bytes)
            return;
        size_t units = bytes / unit;
        size_t start = below(static_cast<uint32_t>(units)) * unit;
        size_t len = std::min(bytes - start, unit * (1 + below(16)));
        std::vector<uint8_t> w(base + start, base + start + len);
        size_t m = LLVMFuzzerMutate(w.data(), w.size(), w.size());
        memcpy(base + start, w.data(), std::min(m, len));
    }

    void mutatePool() {
        if (p.pool.empty() || chance(4)) {
            unsigned k = 1 + below(8);
            for (unsigned i = 0; i < k; i++)
                p.pool.push_back(interesting());
            return;
        }
        switch (below(4)) {
        case 0:
            mutateWindow(reinterpret_cast<uint8_t*>(p.pool.data()), p.pool.size() * 4, 4);
            break;
        case 1:
            p.pool[below(static_cast<uint32_t>(p.pool.size()))] = interesting();
            break;
        case 2: {
            uint32_t& w = p.pool[below(static_cast<uint32_t>(p.pool.size()))];
            w += below(5) - 2;
            break;
        }
        default:
            p.pool.resize(p.pool.size() - std::min<size_t>(p.pool.size(), 1 + below(4)));
        }
    }

    template <class T>
    void mutateTable(std::vector<T>& v, const T& fresh) {
        if (v.empty() || chance(6)) {
            v.push_back(v.empty() || chance(2) ? fresh : v[below(static_cast<uint32_t>(v.size()))]);
            return;
        }
        if (chance(8)) {
            v.erase(v.begin() + below(static_cast<uint32_t>(v.size())));
            return;
        }
        T& e = v[below(static_cast<uint32_t>(v.size()))];
        uint32_t words[sizeof(T) / 4];
        memcpy(words, &e, sizeof(T));
        if (chance(2))
            words[below(sizeof(T) / 4)] = chance(2) ? interesting() : words[below(sizeof(T) / 4)] + below(5) - 2;
        else
            mutateWindow(reinterpret_cast<uint8_t*>(words), sizeof(T), 4);
        memcpy(&e, words, sizeof(T));
    }

    void mutateStrtab() {
        if (p.strtab.empty() || chance(3)) {
            static const char* locs[] = {"qvm:work:3", "rules:12", "fw.qvm:7", ""};
            const char* s = locs[below(4)];
            p.strtab.insert(p.strtab.end(), s, s + strlen(s) + 1);
        } else {
            size_t n = p.strtab.size();
            std::vector<uint8_t> b(p.strtab);
            b.resize(n + 16);
            b.resize(LLVMFuzzerMutate(b.data(), n, n + 16));
            p.strtab = b;
        }
        while (p.strtab.size() % 4)
            p.strtab.push_back(0);
        if (!chance(16) && !p.strtab.empty())
            p.strtab.back() = 0;
    }

    void mutateHeader() {
        switch (below(4)) {
        case 0:
        case 1: {
            uint32_t& e = p.hdr.entry[below(PFW_HOOK_MAX)];
            e = chance(3) ? PFW_NO_ENTRY : chance(8) ? interesting() : below(static_cast<uint32_t>(p.insns.size()));
            break;
        }
        case 2:
            p.hdr.generation = r32();
            break;
        default:
            p.hdr.flags = chance(4) ? r32() : 0;
        }
    }

    void mutateTail() {
        size_t n = p.tail.size();
        size_t max = std::max<size_t>(n + 64, 128);
        if (max > 1024)
            max = 1024;
        std::vector<uint8_t> b(p.tail);
        b.resize(max);
        size_t m = LLVMFuzzerMutate(b.data(), std::min(n, max), max);
        b.resize(m);
        p.tail = b;
    }

    // Replaces a non-last instruction with in (built for that pc).
    bool replaceAt(uint32_t pc, const pfw_insn& in) {
        if (pc + 1 >= p.insns.size())
            return false;
        p.insns[pc] = in;
        return true;
    }

    uint32_t siteBeforeEnd() {
        uint32_t n = static_cast<uint32_t>(p.insns.size());
        return n >= 2 ? below(n - 1) : 0;
    }

    void addSet() {
        unsigned width = chance(2) ? 1 : 4;
        bool value = chance(2);
        uint32_t n = below(9);
        std::vector<uint32_t> points;
        for (uint32_t i = 0; i < 2 * n; i++)
            points.push_back(chance(2) ? interesting() : r32());
        std::sort(points.begin(), points.end());
        points.erase(std::unique(points.begin(), points.end()), points.end());
        // strictly ascending points pair up into ascending disjoint intervals
        std::vector<uint32_t> el;
        uint32_t elems = static_cast<uint32_t>(points.size() / 2);
        uint32_t high = chance(4) ? r32() : 0xffff;  // IPv4-mapped, mostly
        for (uint32_t i = 0; i < elems; i++) {
            for (int side = 0; side < 2; side++) {
                if (width == 4) {
                    el.push_back(0);
                    el.push_back(0);
                    el.push_back(high);
                }
                el.push_back(points[2 * i + side]);
            }
            if (value)
                el.push_back(r32());
        }
        if (chance(16) && !el.empty())
            el[below(static_cast<uint32_t>(el.size()))] = interesting();
        pfw_set_desc d{};
        d.width = static_cast<uint8_t>(width);
        d.has_value = value;
        d.n_elems = elems;
        d.pool_off = appendPool(el);
        p.sets.push_back(d);
        uint32_t pc = siteBeforeEnd();
        pfw_insn in{};
        in.op = PFW_OP_INSET;
        in.arg = static_cast<uint32_t>(p.sets.size() - 1);
        in.field = width == 4 ? static_cast<uint8_t>(PFW_FLD_SADDR + below(2)) : static_cast<uint8_t>(below(PFW_NSCALARS));
        if (chance(3))
            in.field |= PFW_F_INV;
        in.jf = static_cast<uint16_t>(targetAfter(pc) - pc - 1);
        replaceAt(pc, in);
    }

    // A live set: a name in the strtab (now and then not a valid one, or
    // one already declared), no elements, and an INSET on a field of its
    // kind (now and then of another kind).
    void addLiveSet() {
        static const char* names[] = {"blocklist", "ports", "ifs", "a", "-x", "", "0123456789abcdef0123456789abcdef"};
        const char* name = names[below(7)];
        while (p.strtab.size() % 4)
            p.strtab.push_back(0);
        uint32_t off = static_cast<uint32_t>(p.strtab.size());
        p.strtab.insert(p.strtab.end(), name, name + strlen(name) + 1);
        while (p.strtab.size() % 4)
            p.strtab.push_back(0);
        unsigned kind = below(3);  // number, address, interface
        pfw_set_desc d{};
        d.width = kind == 0 ? 1 : 4;
        d.has_value = chance(2);
        d.flags = PFW_SET_F_LIVE | (kind == 2 ? PFW_SET_F_IFNAME : 0);
        d.n_elems = chance(16) ? 1 : 0;
        d.pool_off = chance(16) ? interesting() : off;
        p.sets.push_back(d);
        uint32_t pc = siteBeforeEnd();
        pfw_insn in{};
        in.op = PFW_OP_INSET;
        in.arg = static_cast<uint32_t>(p.sets.size() - 1);
        if (chance(8))
            kind = below(3);
        in.field = kind == 0   ? static_cast<uint8_t>(below(PFW_NSCALARS))
                   : kind == 1 ? static_cast<uint8_t>(PFW_FLD_SADDR + below(PFW_NADDRS))
                               : static_cast<uint8_t>(PFW_FLD_IIF + below(PFW_NIFNS));
        if (chance(3))
            in.field |= PFW_F_INV;
        in.jf = static_cast<uint16_t>(targetAfter(pc) - pc - 1);
        replaceAt(pc, in);
    }

    void addLimiter() {
        p.lims.push_back({chance(8) ? interesting() : 1 + below(1000), chance(8) ? 0 : 1 + below(1000),
                          chance(8) ? interesting() : limiterFlags(), r32()});
        uint32_t pc = siteBeforeEnd();
        pfw_insn in{};
        in.op = PFW_OP_LIMIT;
        in.arg = static_cast<uint32_t>(p.lims.size() - 1);
        in.field = chance(3) ? PFW_F_INV : 0;
        in.jf = static_cast<uint16_t>(targetAfter(pc) - pc - 1);
        replaceAt(pc, in);
    }

    void addStateCheck() {
        uint32_t pc = siteBeforeEnd();
        pfw_insn in{};
        in.op = PFW_OP_STATE_CHECK;
        in.arg = stateCheckOperand(pc);
        replaceAt(pc, in);
    }

    // A tree node, appended to nodes; returns its offset.
    uint32_t addNode(std::vector<uint32_t>& nodes, uint32_t entries, unsigned depth) {
        uint32_t off = static_cast<uint32_t>(nodes.size());
        unsigned kind = depth >= 3 || chance(3) ? PFW_CLS_LEAF : chance(2) ? PFW_CLS_CUT : PFW_CLS_SLICE;
        if (kind == PFW_CLS_LEAF) {
            std::vector<uint32_t> idx;
            for (uint32_t e = 0; e < entries; e++)
                if (chance(2) && idx.size() < 6)
                    idx.push_back(e);
            nodes.push_back(PFW_CLS_LEAF);
            nodes.push_back(static_cast<uint32_t>(idx.size()));
            nodes.insert(nodes.end(), idx.begin(), idx.end());
            return off;
        }
        uint32_t dim = below(PFW_NDIMS);
        unsigned width = dim >= PFW_DIM_SADDR ? 4 : 1;
        uint32_t n = kind == PFW_CLS_CUT ? 2 + below(3) : 1 + below(4);
        std::vector<uint32_t> kidSlots;
        if (kind == PFW_CLS_CUT) {
            nodes.push_back(PFW_CLS_CUT | dim << 8);
            nodes.push_back(n);
            std::vector<uint32_t> b;
            for (uint32_t i = 0; i + 1 < n; i++)
                b.push_back(chance(2) ? interesting() : r32());
            std::sort(b.begin(), b.end());
            for (uint32_t i = 0; i + 1 < n; i++) {
                if (width == 4) {
                    nodes.push_back(0);
                    nodes.push_back(0);
                    nodes.push_back(0xffff);
                }
                nodes.push_back(b[i] + i);  // ascending, mostly strictly
            }
            for (uint32_t i = 0; i < n; i++) {
                kidSlots.push_back(static_cast<uint32_t>(nodes.size()));
                nodes.push_back(0);
            }
        } else {
            uint32_t word = width == 4 ? (chance(2) ? 3 : below(4)) : 0;
            nodes.push_back(PFW_CLS_SLICE | dim << 8 | word << 16);
            nodes.push_back(n);
            nodes.push_back(below(32));
            uint32_t lo = chance(2) ? 0 : r32();
            uint32_t hi = lo + below(0xffffffffu - lo);
            for (int side = 0; side < 2; side++) {
                if (width == 4) {
                    nodes.push_back(0);
                    nodes.push_back(0);
                    nodes.push_back(0xffff);
                }
                nodes.push_back(side ? hi : lo);
            }
            for (uint32_t i = 0; i <= n; i++) {
                kidSlots.push_back(static_cast<uint32_t>(nodes.size()));
                nodes.push_back(0);
            }
        }
        for (uint32_t slot : kidSlots) {
            uint32_t kid = addNode(nodes, entries, depth + 1);
            nodes[slot] = kid;
        }
        return off;
    }

    // A chain of inner nodes around PFW_CLS_MAX_DEPTH deep, sharing one
    // leaf of many entries: the depth and cost limits.
    void deepTree(std::vector<uint32_t>& nodes, uint32_t entries) {
        uint32_t depth = PFW_CLS_MAX_DEPTH - 2 + below(5);
        for (uint32_t d = 0; d < depth; d++) {
            uint32_t off = static_cast<uint32_t>(nodes.size());
            uint32_t dim = below(PFW_DIM_NSCALAR);
            if (chance(2)) {
                // slice, n = 1: both children the next node
                nodes.insert(nodes.end(), {PFW_CLS_SLICE | dim << 8, 1, below(32), 0, 0xffffffffu, off + 7, off + 7});
            } else {
                nodes.insert(nodes.end(), {PFW_CLS_CUT | dim << 8, 2, 1000 + d, off + 5, off + 5});
            }
        }
        nodes.push_back(PFW_CLS_LEAF);
        nodes.push_back(entries);
        for (uint32_t e = 0; e < entries; e++)
            nodes.push_back(e);
    }

    void addClassifier() {
        uint32_t n = static_cast<uint32_t>(p.insns.size());
        if (n < 3)
            return insertInsn();
        uint32_t pc = below(n - 2);
        uint32_t room = n - pc - 1;
        uint32_t results = 1 + below(std::min<uint32_t>(room, 6));
        // ascending jump targets after pc
        std::vector<uint32_t> jt;
        uint32_t t = pc;
        for (uint32_t r = 0; r < results; r++) {
            uint32_t left = n - 1 - t;
            uint32_t need = results - r;
            if (left < need)
                break;
            t += 1 + below(left - need + 1);
            jt.push_back(t);
        }
        results = static_cast<uint32_t>(jt.size());
        if (!results)
            return;
        bool deep = chance(6);
        uint32_t entries = deep ? below(64) : below(6);
        std::vector<uint32_t> ent;
        uint32_t res = 0;
        for (uint32_t e = 0; e < entries; e++) {
            res = std::min(results - 1, res + (chance(2) ? 1u : 0u));
            ent.push_back(res);
            for (int d = 0; d < PFW_DIM_NSCALAR; d++) {
                uint32_t lo = chance(2) ? 0 : interesting();
                uint32_t hi = chance(2) ? 0xffffffffu : lo + below(100);
                ent.push_back(lo);
                ent.push_back(std::max(lo, hi));
            }
            for (int d = 0; d < 2; d++) {
                uint32_t lo[4] = {0, 0, 0, 0}, hi[4] = {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu};
                if (chance(2)) {
                    lo[2] = hi[2] = 0xffff;
                    lo[0] = lo[1] = hi[0] = hi[1] = 0;
                    lo[3] = r32() & 0xffffff00u;
                    hi[3] = lo[3] | 0xff;
                }
                ent.insert(ent.end(), lo, lo + 4);
                ent.insert(ent.end(), hi, hi + 4);
            }
        }
        std::vector<uint32_t> nodes, roots;
        uint32_t trees = 1 + below(3);
        if (deep) {
            // the trees' roots are the chain's first nodes: distinct roots, one walk each
            deepTree(nodes, entries);
            trees = 1 + below(PFW_CLS_MAX_TREES);
            for (uint32_t i = 0, off = 0; i < trees && off < nodes.size() && nodes[off] != PFW_CLS_LEAF; i++) {
                roots.push_back(off);
                off += (nodes[off] & 0xff) == PFW_CLS_SLICE ? 7 : 5;
            }
            trees = static_cast<uint32_t>(roots.size());
        } else {
            for (uint32_t i = 0; i < trees; i++)
                roots.push_back(addNode(nodes, entries, chance(3) ? 3 : 0));
        }
        if (chance(8) && !nodes.empty())
            nodes[below(static_cast<uint32_t>(nodes.size()))] = interesting();
        pfw_cls_desc c{};
        c.n_results = results;
        c.jt_off = appendPool(jt);
        c.n_entries = entries;
        c.entry_off = appendPool(ent);
        c.node_off = appendPool(nodes);
        c.node_words = static_cast<uint32_t>(nodes.size());
        c.n_trees = trees;
        c.roots_off = appendPool(roots);
        p.cls.push_back(c);
        pfw_insn in{};
        in.op = PFW_OP_CLASSIFY;
        in.arg = appendPool({static_cast<uint32_t>(p.cls.size() - 1), below(results)});
        in.jf = static_cast<uint16_t>(targetAfter(pc) - pc - 1);
        replaceAt(pc, in);
    }

    void mutateOnce() {
        switch (below(21)) {
        case 20:
            repeatInsn();
            break;
        case 0:
        case 1:
        case 2:
            changeInsn();
            break;
        case 3:
        case 4:
            insertInsn();
            break;
        case 5:
            removeInsn();
            break;
        case 6:
        case 7:
            mutatePool();
            break;
        case 8:
            mutateTable(p.rules, pfw_rule_desc{below(100), 0, r32(), below(2)});
            break;
        case 9:
            mutateTable(p.sets, pfw_set_desc{1, 0, 0, 0, static_cast<uint32_t>(p.pool.size())});
            break;
        case 10:
            mutateTable(p.cls, pfw_cls_desc{});
            break;
        case 11:
            mutateTable(p.lims, pfw_lim_desc{1 + below(100), 1 + below(100), limiterFlags(), r32()});
            break;
        case 12:
            mutateStrtab();
            break;
        case 13:
            mutateHeader();
            break;
        case 14:
        case 15:
            mutateTail();
            break;
        case 16:
            if (chance(3))
                addLiveSet();
            else
                addSet();
            break;
        case 17:
            addClassifier();
            break;
        case 18:
            addLimiter();
            break;
        default:
            addStateCheck();
        }
    }
};

// A small valid program to start from when the input is not one.
Parts skeleton(const uint8_t* data, size_t size) {
    Parts p;
    p.insns = {{PFW_OP_RULE, 0, 0, 0}, {PFW_OP_ACCEPT, 0, 0, 0}};
    p.rules = {{1, 0, 0, 0}};
    for (uint32_t& e : p.hdr.entry)
        e = PFW_NO_ENTRY;
    p.hdr.entry[PFW_HOOK_FORWARD] = 0;
    p.tail.assign(data, data + std::min<size_t>(size, 256));
    return p;
}

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t maxSize, unsigned int seed) {
    std::minstd_rand rng(seed);
    // now and then, raw bytes: the layout checks get fuzzed too
    if (rng() % 32 == 0)
        return LLVMFuzzerMutate(data, size, maxSize);
    Parts parts;
    if (!parseParts(data, size, parts)) {
        if (rng() % 2)
            return LLVMFuzzerMutate(data, size, maxSize);
        parts = skeleton(data, size);
    }
    Mut m(parts, static_cast<unsigned>(rng()));
    unsigned rounds = 1 + (m.chance(3) ? m.below(4) : 0);
    for (unsigned i = 0; i < rounds; i++)
        m.mutateOnce();
    std::vector<uint8_t> out = serialize(parts);
    if (out.size() > maxSize) {
        // drop the tail first, then give up on structure
        size_t blob = out.size() - parts.tail.size();
        if (blob > maxSize)
            return LLVMFuzzerMutate(data, size, maxSize);
        out.resize(maxSize);
    }
    memcpy(data, out.data(), out.size());
    return out.size();
}

extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* d1, size_t s1, const uint8_t* d2, size_t s2, uint8_t* out,
                                            size_t maxOut, unsigned int seed) {
    std::minstd_rand rng(seed);
    Parts a, b;
    if (!parseParts(d1, s1, a) || !parseParts(d2, s2, b)) {
        size_t n = std::min(maxOut, s1);
        memcpy(out, d1, n);
        if (n < maxOut && s2) {
            size_t k = std::min(maxOut - n, s2 / 2);
            memcpy(out + n, d2 + s2 - k, k);
            n += k;
        }
        return n;
    }
    // take each section from one parent or the other
    if (rng() % 2)
        a.insns = b.insns;
    if (rng() % 2)
        a.pool = b.pool;
    if (rng() % 3 == 0)
        a.rules = b.rules;
    if (rng() % 3 == 0)
        a.sets = b.sets;
    if (rng() % 3 == 0)
        a.cls = b.cls;
    if (rng() % 3 == 0)
        a.lims = b.lims;
    if (rng() % 3 == 0)
        a.strtab = b.strtab;
    if (rng() % 2)
        a.tail = b.tail;
    if (rng() % 2)
        memcpy(a.hdr.entry, b.hdr.entry, sizeof(a.hdr.entry));
    std::vector<uint8_t> o = serialize(a);
    if (o.size() - a.tail.size() > maxOut)
        return 0;
    if (o.size() > maxOut)
        o.resize(maxOut);
    memcpy(out, o.data(), o.size());
    return o.size();
}
