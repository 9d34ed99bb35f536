// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// fuzz/fuzz_pktparse.cpp
// pfw_pkt_parse() on arbitrary bytes (include/polyfw/pkt.h).
//------------------------------------------------------------------------------
//
// Input: one control byte, then the layer-3 packet.
//   control % 3        family passed to the parser: 0 (from the version
//                      nibble), 4 or 6
//   (control / 3) % 3  how the read function hands out bytes; all three
//                      bounds-check exactly (off + len <= packet length, as
//                      tests/unit/core/PacketTests.cpp's readExact):
//                      0: a pointer into the packet, itself an allocation
//                         of exactly its length;
//                      1: a fresh allocation of exactly len bytes (so a read
//                         past what the parser asked for is caught);
//                      2: a copy into the parser's own buffer, as
//                         skb_header_pointer() does for a non-linear skb (so
//                         a buffer too small for its read is caught).
//
// Besides ASan and UBSan, each parse must keep what pkt.h and
// docs/bytecode.md section 3 promise (CHECK: a message, then __builtin_trap):
//   - the result is 0, PFW_PARSE_MALFORMED or -EINVAL; -EINVAL leaves
//     "nothing known" (family 0); PFW_PARSE_MALFORMED leaves l4ok 0 and is
//     what an IPv6 walk that stopped (exthdrs 0x80) returns; 0 means the L4
//     header of TCP, UDP, UDP-Lite, SCTP, DCCP, ICMP and ICMPv6 was read
//     whole (l4ok 1) unless the packet is a later fragment;
//   - family is 0, 4 or 6 and agrees with the family asked for;
//   - ports and ICMP type/code are PFW_NONE16 or fit 16 / 8 bits, l4ok is
//     0 or 1, frag/exthdrs/ipopts/tcpopts only carry defined bits, dscp is
//     tos >> 2, IPv4 addresses are ::ffff:a.b.c.d, no tags, len = the length;
//   - family 0 parses the same as the family the version nibble names;
//   - bytes after the datagram (iplen) change nothing but len: the packet
//     cut at iplen parses the same (not checked for jumbograms, whose iplen
//     comes from an option that may lie past it).
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vector>

#include "FuzzCheck.h"
extern "C" {
#include "polyfw/pkt.h"
}

namespace {

struct Src {
    const uint8_t* data;  // exactly len bytes, heap
    uint32_t len;
    unsigned mode;
    std::vector<void*>* allocs;
};

const void* readBounded(const void* src, uint32_t off, uint32_t len, void* buf) {
    const Src* s = static_cast<const Src*>(src);
    if (static_cast<uint64_t>(off) + len > s->len)
        return nullptr;
    switch (s->mode) {
    case 0:
        return s->data + off;
    case 1: {
        void* p = malloc(len ? len : 1);
        if (len)
            memcpy(p, s->data + off, len);
        s->allocs->push_back(p);
        return p;
    }
    default:
        if (len)
            memcpy(buf, s->data + off, len);
        return buf;
    }
}

int parse(pfw_pkt& pkt, const uint8_t* bytes, uint32_t len, unsigned mode, unsigned family) {
    // an allocation of exactly len bytes, so that ASan sees any overread
    uint8_t* copy = static_cast<uint8_t*>(malloc(len ? len : 1));
    if (len)
        memcpy(copy, bytes, len);
    std::vector<void*> allocs;
    Src s{copy, len, mode, &allocs};
    memset(&pkt, 0xa5, sizeof(pkt));  // the parser must set every byte it promises
    int r = pfw_pkt_parse(&pkt, readBounded, &s, len, family);
    for (void* p : allocs)
        free(p);
    free(copy);
    return r;
}

bool samePacket(const pfw_pkt& a, const pfw_pkt& b) {
    return memcmp(a.f, b.f, sizeof(a.f)) == 0 && memcmp(a.addr, b.addr, sizeof(a.addr)) == 0 &&
           memcmp(a.ifn, b.ifn, sizeof(a.ifn)) == 0 && a.n_tags == b.n_tags;
}

void checkInvariants(const pfw_pkt& p, int r, unsigned family, uint32_t len) {
    const uint32_t* f = p.f;
    CHECK(r == 0 || r == PFW_PARSE_MALFORMED || r == -EINVAL);
    CHECK(p.len == len);
    CHECK(p.n_tags == 0);
    for (unsigned i = 0; i < PFW_NIFNS; i++)
        for (unsigned j = 0; j < PFW_IFNAMSIZ; j++)
            CHECK(p.ifn[i][j] == 0);
    if (r < 0) {
        pfw_pkt init;
        pfw_pkt_init(&init);
        init.len = len;
        CHECK(samePacket(p, init));
        return;
    }
    CHECK(f[PFW_FLD_FAMILY] == 4 || f[PFW_FLD_FAMILY] == 6);
    if (family)
        CHECK(f[PFW_FLD_FAMILY] == family);
    for (unsigned k : {PFW_FLD_SPORT, PFW_FLD_DPORT})
        CHECK(f[k] == PFW_NONE16 || f[k] <= 0xffff);
    for (unsigned k : {PFW_FLD_ICMPTYPE, PFW_FLD_ICMPCODE})
        CHECK(f[k] == PFW_NONE16 || f[k] <= 0xff);
    // ports and ICMP fields come in pairs
    CHECK((f[PFW_FLD_SPORT] == PFW_NONE16) == (f[PFW_FLD_DPORT] == PFW_NONE16));
    CHECK((f[PFW_FLD_ICMPTYPE] == PFW_NONE16) == (f[PFW_FLD_ICMPCODE] == PFW_NONE16));
    CHECK(f[PFW_FLD_SPORT] == PFW_NONE16 || f[PFW_FLD_ICMPTYPE] == PFW_NONE16);
    CHECK(f[PFW_FLD_L4OK] <= 1);
    if (r == PFW_PARSE_MALFORMED)
        CHECK(f[PFW_FLD_L4OK] == 0);
    if (f[PFW_FLD_EXTHDRS] & PFW_EXT_TRUNC)
        CHECK(r == PFW_PARSE_MALFORMED);
    uint32_t proto = f[PFW_FLD_L4PROTO];
    bool readsL4 = proto == 6 || proto == 17 || proto == 136 || proto == 132 || proto == 33 || proto == 1 || proto == 58;
    if (r == 0 && readsL4 && !(f[PFW_FLD_FRAG] & PFW_FRAG_LATER))
        CHECK(f[PFW_FLD_L4OK] == 1);
    if (r == 0)
        CHECK(!(f[PFW_FLD_EXTHDRS] & PFW_EXT_TRUNC));
    if (f[PFW_FLD_L4OK])
        CHECK(f[PFW_FLD_SPORT] != PFW_NONE16 || f[PFW_FLD_ICMPTYPE] != PFW_NONE16);
    CHECK(f[PFW_FLD_L4PROTO] <= 0xff);
    CHECK(f[PFW_FLD_TCPFLAGS] <= 0xff);
    CHECK((f[PFW_FLD_FRAG] & ~7u) == 0);
    if (f[PFW_FLD_FRAG] & (PFW_FRAG_LATER | PFW_FRAG_MORE))
        CHECK(f[PFW_FLD_FRAG] & PFW_FRAG_ANY);
    // a later fragment has no L4 header
    if (f[PFW_FLD_FRAG] & PFW_FRAG_LATER)
        CHECK(f[PFW_FLD_L4OK] == 0 && f[PFW_FLD_SPORT] == PFW_NONE16 && f[PFW_FLD_ICMPTYPE] == PFW_NONE16);
    CHECK(f[PFW_FLD_TTL] <= 0xff);
    CHECK(f[PFW_FLD_TOS] <= 0xff);
    CHECK(f[PFW_FLD_DSCP] == f[PFW_FLD_TOS] >> 2);
    CHECK(f[PFW_FLD_TCPWIN] <= 0xffff && f[PFW_FLD_TCPMSS] <= 0xffff);
    CHECK((f[PFW_FLD_IPOPTS] & ~0x1fu) == 0);
    CHECK((f[PFW_FLD_TCPOPTS] & ~0x3fu) == 0);
    CHECK((f[PFW_FLD_EXTHDRS] & ~0xbfu) == 0);
    CHECK(f[PFW_FLD_TCPDATALEN] <= f[PFW_FLD_IPLEN]);
    CHECK(f[PFW_FLD_UID] == PFW_NONE32 && f[PFW_FLD_GID] == PFW_NONE32);
    CHECK(f[PFW_FLD_CTDIR] == PFW_NONE32 && f[PFW_FLD_CTMARK] == 0 && f[PFW_FLD_ODPORT] == PFW_NONE16);
    CHECK(f[PFW_FLD_TABLEARG] == 0);
    if (f[PFW_FLD_FAMILY] == 4) {
        CHECK(f[PFW_FLD_IPLEN] <= len && f[PFW_FLD_IPLEN] >= 20);
        CHECK(f[PFW_FLD_IPID] <= 0xffff);
        CHECK(f[PFW_FLD_EXTHDRS] == 0);
        for (unsigned a = 0; a < 2; a++)
            CHECK(p.addr[a][0] == 0 && p.addr[a][1] == 0 && p.addr[a][2] == 0xffff);
    } else {
        CHECK(f[PFW_FLD_IPLEN] >= 40);
        CHECK(f[PFW_FLD_IPOPTS] == 0);
    }
    // the parser fills no metadata
    for (unsigned k : {PFW_FLD_ETHERTYPE, PFW_FLD_MARK, PFW_FLD_CTSTATE, PFW_FLD_HOOK, PFW_FLD_DIR, PFW_FLD_TIME,
                       PFW_FLD_SADDRTYPE, PFW_FLD_DADDRTYPE})
        CHECK(f[k] == 0);
    for (unsigned a = 2; a < PFW_NADDRS; a++)
        for (unsigned w = 0; w < 4; w++)
            CHECK(p.addr[a][w] == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1 || size > 0x20000)
        return 0;
    unsigned control = data[0];
    unsigned family = (control % 3) == 0 ? 0 : (control % 3) == 1 ? 4 : 6;
    unsigned mode = (control / 3) % 3;
    const uint8_t* bytes = data + 1;
    uint32_t len = static_cast<uint32_t>(size - 1);

    pfw_pkt pkt;
    int r = parse(pkt, bytes, len, mode, family);
    checkInvariants(pkt, r, family, len);

    // family 0 is the version nibble's family
    if (family == 0 && len > 0 && ((bytes[0] >> 4) == 4 || (bytes[0] >> 4) == 6)) {
        pfw_pkt q;
        int r2 = parse(q, bytes, len, (mode + 1) % 3, bytes[0] >> 4);
        CHECK(r2 == r && samePacket(pkt, q));
    } else if (family == 0) {
        CHECK(r == -EINVAL);
    }

    // bytes past the datagram (link-layer padding) are not the datagram's
    bool jumbo = pkt.f[PFW_FLD_FAMILY] == 6 && len >= 6 && bytes[4] == 0 && bytes[5] == 0;
    if (r >= 0 && pkt.f[PFW_FLD_IPLEN] < len && !jumbo) {
        pfw_pkt q;
        uint32_t cut = pkt.f[PFW_FLD_IPLEN];
        int r2 = parse(q, bytes, cut, (mode + 2) % 3, family);
        CHECK(r2 == r && q.len == cut);
        q.len = pkt.len;
        CHECK(samePacket(pkt, q));
    }
    return 0;
}
