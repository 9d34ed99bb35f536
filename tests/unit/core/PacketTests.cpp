// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// core/PacketTests.cpp
// The shared packet parser and interpreter on crafted and hostile packets.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>
#include <memory>
#include <random>

#include "RandomRules.h"
#include "driver/Compile.h"
#include "sim/PacketSpec.h"
#include "sim/SimHost.h"
#include "verify/Verify.h"

using namespace pfw;

namespace {

// An exact-size heap copy, so that ASan sees any read past the packet.
struct Exact {
    std::unique_ptr<uint8_t[]> data;
    uint32_t len;
    explicit Exact(const std::vector<uint8_t>& v) : data(new uint8_t[v.size() ? v.size() : 1]), len(static_cast<uint32_t>(v.size())) {
        std::copy(v.begin(), v.end(), data.get());
    }
};

const void* readExact(const void* src, uint32_t off, uint32_t len, void*) {
    const auto* e = static_cast<const Exact*>(src);
    if (static_cast<uint64_t>(off) + len > e->len)
        return nullptr;
    return e->data.get() + off;
}

int parse(const std::vector<uint8_t>& bytes, pfw_pkt& pkt) {
    Exact e(bytes);
    return pfw_pkt_parse(&pkt, readExact, &e, e.len, 0);
}

std::vector<uint8_t> ipv4(uint8_t proto, std::vector<uint8_t> l4, std::vector<uint8_t> options = {}) {
    size_t ihl = 20 + options.size();
    std::vector<uint8_t> b(ihl, 0);
    b[0] = static_cast<uint8_t>(0x40 | (ihl / 4));
    size_t tot = ihl + l4.size();
    b[2] = static_cast<uint8_t>(tot >> 8);
    b[3] = static_cast<uint8_t>(tot);
    b[8] = 64;
    b[9] = proto;
    b[12] = 10, b[15] = 1;
    b[16] = 10, b[19] = 2;
    std::copy(options.begin(), options.end(), b.begin() + 20);
    b.insert(b.end(), l4.begin(), l4.end());
    return b;
}

std::vector<uint8_t> tcp(uint16_t sport, uint16_t dport, uint8_t flags, std::vector<uint8_t> opts = {}) {
    std::vector<uint8_t> t(20 + opts.size(), 0);
    t[0] = static_cast<uint8_t>(sport >> 8), t[1] = static_cast<uint8_t>(sport);
    t[2] = static_cast<uint8_t>(dport >> 8), t[3] = static_cast<uint8_t>(dport);
    t[12] = static_cast<uint8_t>(((20 + opts.size()) / 4) << 4);
    t[13] = flags;
    std::copy(opts.begin(), opts.end(), t.begin() + 20);
    return t;
}

std::vector<uint8_t> ipv6(uint8_t next, std::vector<uint8_t> payload) {
    std::vector<uint8_t> b(40, 0);
    b[0] = 0x60;
    b[4] = static_cast<uint8_t>(payload.size() >> 8);
    b[5] = static_cast<uint8_t>(payload.size());
    b[6] = next;
    b[7] = 64;
    b[8] = 0x20, b[9] = 0x01, b[23] = 1;
    b[24] = 0x20, b[25] = 0x01, b[39] = 2;
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

// An IPv6 extension header of 8 bytes leading to next.
std::vector<uint8_t> ext(uint8_t next) { return {next, 0, 0, 0, 0, 0, 0, 0}; }

std::vector<uint8_t> cat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

TEST_CASE("IPv4 TCP is parsed whole", "[packet]") {
    pfw_pkt p;
    REQUIRE(parse(ipv4(6, tcp(1234, 443, PFW_TCP_SYN, {2, 4, 0x05, 0xb4, 1, 1, 1, 0})), p) == 0);
    CHECK(p.f[PFW_FLD_FAMILY] == 4);
    CHECK(p.f[PFW_FLD_L4PROTO] == 6);
    CHECK(p.f[PFW_FLD_SPORT] == 1234);
    CHECK(p.f[PFW_FLD_DPORT] == 443);
    CHECK(p.f[PFW_FLD_TCPFLAGS] == PFW_TCP_SYN);
    CHECK(p.f[PFW_FLD_TCPMSS] == 1460);
    CHECK(p.f[PFW_FLD_TCPOPTS] == PFW_TCPOPT_MSS);
    CHECK(p.f[PFW_FLD_L4OK] == 1);
    CHECK(p.addr[0][2] == 0xffff);
    CHECK(p.addr[0][3] == 0x0a000001);
}

TEST_CASE("IPv4 options are recognised, malformed ones stop the walk", "[packet]") {
    pfw_pkt p;
    // record route (7, len 7) + timestamp (68, len 8) + end, padded to 16
    std::vector<uint8_t> opts = {7, 7, 4, 0, 0, 0, 0, 68, 8, 5, 0, 0, 0, 0, 0, 0};
    REQUIRE(parse(ipv4(17, {0, 53, 0, 53, 0, 8, 0, 0}, opts), p) == 0);
    CHECK(p.f[PFW_FLD_IPOPTS] == (PFW_IPOPT_RR | PFW_IPOPT_TS));
    CHECK(p.f[PFW_FLD_DPORT] == 53);
    // an option claiming 200 bytes: ignored, no read past the header
    std::vector<uint8_t> bad = {131, 200, 0, 0};
    REQUIRE(parse(ipv4(17, {0, 53, 0, 53, 0, 8, 0, 0}, bad), p) == 0);
    CHECK(p.f[PFW_FLD_IPOPTS] == 0);
}

TEST_CASE("truncated and lying IPv4 headers", "[packet]") {
    pfw_pkt p;
    auto good = ipv4(6, tcp(1, 2, 0));
    for (size_t n = 0; n < 20; n++) {
        std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<long>(n));
        CHECK(parse(cut, p) == -EINVAL);
        CHECK(p.f[PFW_FLD_FAMILY] == 0);
        CHECK(p.f[PFW_FLD_DPORT] == PFW_NONE16);
    }
    auto lie = good;
    lie[0] = 0x4f;  // IHL 60 bytes > total length 40
    CHECK(parse(lie, p) == -EINVAL);
    lie = good;
    lie[3] = 200;  // total length past the buffer
    CHECK(parse(lie, p) == -EINVAL);
}

TEST_CASE("truncated L4 headers leave L4 fields unknown and are malformed", "[packet]") {
    pfw_pkt p;
    // TCP with 10 bytes of header: total length says so
    auto short_tcp = ipv4(6, std::vector<uint8_t>(10, 0));
    REQUIRE(parse(short_tcp, p) == PFW_PARSE_MALFORMED);
    CHECK(p.f[PFW_FLD_L4OK] == 0);
    CHECK(p.f[PFW_FLD_DPORT] == PFW_NONE16);
    // data offset pointing past the datagram: ports known, not whole
    auto t = tcp(5, 6, PFW_TCP_ACK);
    t[12] = 0xf0;
    REQUIRE(parse(ipv4(6, t), p) == PFW_PARSE_MALFORMED);
    CHECK(p.f[PFW_FLD_DPORT] == 6);
    CHECK(p.f[PFW_FLD_L4OK] == 0);
    // ICMP with one byte
    REQUIRE(parse(ipv4(1, {8}), p) == PFW_PARSE_MALFORMED);
    CHECK(p.f[PFW_FLD_ICMPTYPE] == PFW_NONE16);
    REQUIRE(parse(ipv4(1, {8, 0, 0, 0}), p) == 0);
    CHECK(p.f[PFW_FLD_ICMPTYPE] == 8);
    CHECK(p.f[PFW_FLD_ICMPCODE] == 0);
    // UDP's header is 8 bytes, SCTP's 12
    REQUIRE(parse(ipv4(17, {0, 53, 0, 53, 0, 6}), p) == PFW_PARSE_MALFORMED);
    REQUIRE(parse(ipv4(132, std::vector<uint8_t>(11, 1)), p) == PFW_PARSE_MALFORMED);
    REQUIRE(parse(ipv4(132, std::vector<uint8_t>(12, 1)), p) == 0);
    // a first fragment too short for its TCP header (RFC 1858) is malformed
    auto tiny = ipv4(6, std::vector<uint8_t>(8, 0));
    tiny[6] = 0x20;
    REQUIRE(parse(tiny, p) == PFW_PARSE_MALFORMED);
    // a protocol whose header is not read is not
    REQUIRE(parse(ipv4(47, {1}), p) == 0);
}

TEST_CASE("IPv4 fragments", "[packet]") {
    pfw_pkt p;
    auto later = ipv4(17, {0, 53, 0, 53, 0, 8, 0, 0});
    later[6] = 0x00, later[7] = 0x10;  // offset 128 bytes
    REQUIRE(parse(later, p) == 0);
    CHECK(p.f[PFW_FLD_FRAG] == (PFW_FRAG_ANY | PFW_FRAG_LATER));
    CHECK(p.f[PFW_FLD_DPORT] == PFW_NONE16);  // a later fragment has no ports
    auto first = ipv4(17, {0, 53, 0, 53, 0, 8, 0, 0});
    first[6] = 0x20;  // more fragments
    REQUIRE(parse(first, p) == 0);
    CHECK(p.f[PFW_FLD_FRAG] == (PFW_FRAG_ANY | PFW_FRAG_MORE));
    CHECK(p.f[PFW_FLD_DPORT] == 53);
}

TEST_CASE("IPv6 extension header chains", "[packet]") {
    pfw_pkt p;
    auto chain = cat(cat(cat(ext(43), ext(60)), ext(6)), tcp(1000, 22, PFW_TCP_SYN));
    REQUIRE(parse(ipv6(0, chain), p) == 0);
    CHECK(p.f[PFW_FLD_FAMILY] == 6);
    CHECK(p.f[PFW_FLD_EXTHDRS] == (PFW_EXT_HOPOPTS | PFW_EXT_ROUTING | PFW_EXT_DSTOPTS));
    CHECK(p.f[PFW_FLD_L4PROTO] == 6);
    CHECK(p.f[PFW_FLD_DPORT] == 22);
    // the chain cut in the middle of the routing header
    auto cut = ipv6(0, cat(ext(43), {60, 0, 0}));
    REQUIRE(parse(cut, p) == PFW_PARSE_MALFORMED);
    CHECK((p.f[PFW_FLD_EXTHDRS] & PFW_EXT_TRUNC) != 0);
    CHECK(p.f[PFW_FLD_DPORT] == PFW_NONE16);
    // a header length pointing far past the packet
    auto far = ext(6);
    far[1] = 255;
    REQUIRE(parse(ipv6(0, cat(far, tcp(1, 2, 0))), p) == PFW_PARSE_MALFORMED);
    CHECK((p.f[PFW_FLD_EXTHDRS] & PFW_EXT_TRUNC) != 0);
    CHECK(p.f[PFW_FLD_DPORT] == PFW_NONE16);
    // an endless chain of destination options stops at the bound
    std::vector<uint8_t> many;
    for (int i = 0; i < 40; i++)
        many = cat(many, ext(60));
    REQUIRE(parse(ipv6(60, many), p) == PFW_PARSE_MALFORMED);
    CHECK((p.f[PFW_FLD_EXTHDRS] & PFW_EXT_TRUNC) != 0);
}

TEST_CASE("IPv6: 16 extension headers are walked, 17 are malformed", "[packet]") {
    for (int n : {15, 16, 17, 18}) {
        std::vector<uint8_t> chain;
        for (int i = 0; i < n; i++)
            chain = cat(chain, ext(i + 1 < n ? 60 : 6));
        chain = cat(chain, tcp(1000, 22, PFW_TCP_SYN));
        pfw_pkt p;
        INFO(n << " extension headers");
        if (n <= 16) {
            REQUIRE(parse(ipv6(60, chain), p) == 0);
            CHECK(p.f[PFW_FLD_L4PROTO] == 6);
            CHECK(p.f[PFW_FLD_DPORT] == 22);
            CHECK(p.f[PFW_FLD_L4OK] == 1);
            CHECK((p.f[PFW_FLD_EXTHDRS] & PFW_EXT_TRUNC) == 0);
        } else {
            REQUIRE(parse(ipv6(60, chain), p) == PFW_PARSE_MALFORMED);
            CHECK(p.f[PFW_FLD_DPORT] == PFW_NONE16);
            CHECK((p.f[PFW_FLD_EXTHDRS] & PFW_EXT_TRUNC) != 0);
        }
    }
}

TEST_CASE("IPv6 jumbograms are parsed by the jumbo option's length", "[packet]") {
    // hop-by-hop: next TCP, length 0 (8 bytes): jumbo option (0xc2, 4, len)
    auto body = tcp(4000, 443, PFW_TCP_ACK);
    body.resize(body.size() + 100, 0xab);
    uint32_t jumbo = static_cast<uint32_t>(8 + body.size());
    std::vector<uint8_t> hbh = {6, 0, 0xc2, 4, static_cast<uint8_t>(jumbo >> 24), static_cast<uint8_t>(jumbo >> 16),
                                static_cast<uint8_t>(jumbo >> 8), static_cast<uint8_t>(jumbo)};
    auto pkt = ipv6(0, cat(hbh, body));
    pkt[4] = pkt[5] = 0;  // payload length 0: a jumbogram
    pfw_pkt p;
    REQUIRE(parse(pkt, p) == 0);
    CHECK(p.f[PFW_FLD_IPLEN] == 40 + jumbo);
    CHECK(p.f[PFW_FLD_DPORT] == 443);
    CHECK(p.f[PFW_FLD_TCPDATALEN] == 100);
    // without the option, a zero payload length leaves nothing to walk
    hbh[2] = 1, hbh[3] = 4;  // PadN instead
    auto bad = ipv6(0, cat(hbh, body));
    bad[4] = bad[5] = 0;
    REQUIRE(parse(bad, p) == PFW_PARSE_MALFORMED);
    CHECK(p.f[PFW_FLD_DPORT] == PFW_NONE16);
    // an option that claims more than the packet holds: walk what is there
    hbh = {6, 0, 0xc2, 4, 0x00, 0x10, 0x00, 0x00};
    auto lie = ipv6(0, cat(hbh, body));
    lie[4] = lie[5] = 0;
    REQUIRE(parse(lie, p) == 0);
    CHECK(p.f[PFW_FLD_DPORT] == 443);
}

TEST_CASE("IPv6 fragments and ICMPv6", "[packet]") {
    pfw_pkt p;
    std::vector<uint8_t> frag = {17, 0, 0x00, 0x81, 0, 0, 0x12, 0x34};  // offset 16, more
    REQUIRE(parse(ipv6(44, cat(frag, {0, 53, 0, 53, 0, 8, 0, 0})), p) == 0);
    CHECK(p.f[PFW_FLD_FRAG] == (PFW_FRAG_ANY | PFW_FRAG_LATER | PFW_FRAG_MORE));
    CHECK(p.f[PFW_FLD_IPID] == 0x1234);
    CHECK(p.f[PFW_FLD_L4PROTO] == 17);
    CHECK(p.f[PFW_FLD_DPORT] == PFW_NONE16);
    REQUIRE(parse(ipv6(58, {128, 0, 0, 0}), p) == 0);
    CHECK(p.f[PFW_FLD_ICMPTYPE] == 128);
    CHECK(p.f[PFW_FLD_L4OK] == 1);
}

TEST_CASE("a later fragment never matches a port rule", "[packet]") {
    ir::Program prog;
    ir::Ruleset rs;
    rs.name = "t";
    rs.hooks = {PFW_HOOK_FORWARD};
    ir::Rule r;
    r.matches = {ir::Match::inSet(PFW_FLD_DPORT, {{0, 65535}})};
    r.action.kind = ir::Action::Kind::Drop;
    r.loc = "t:1";
    rs.rules.push_back(r);
    prog.rulesets.push_back(rs);
    auto res = driver::compile(prog);
    REQUIRE(res.ok());
    pfw_prog pp;
    REQUIRE(verify::check(res.blob, &pp) == "");
    sim::SimHost host(pp);
    Diagnostics d;
    auto first = sim::parsePacket({"proto", "udp", "dport", "53"}, d);
    auto later = sim::parsePacket({"proto", "udp", "dport", "53", "frag", "later"}, d);
    REQUIRE(first);
    REQUIRE(later);
    pfw_pkt pkt;
    pfw_run run;
    first->toPkt(&pkt);
    host.run(pkt, PFW_HOOK_FORWARD, run);
    CHECK(run.verdict == PFW_V_DROP);
    later->toPkt(&pkt);
    host.run(pkt, PFW_HOOK_FORWARD, run);
    CHECK(run.verdict == PFW_V_ACCEPT);
}

TEST_CASE("random bytes never make the parser or interpreter read out of bounds", "[packet]") {
    testing::Gen g(9);
    auto prog = g.randomProgram(3, 30);
    auto res = driver::compile(prog);
    REQUIRE(res.ok());
    pfw_prog pp;
    REQUIRE(verify::check(res.blob, &pp) == "");
    sim::SimHost host(pp);
    std::mt19937 rng(5);
    std::vector<std::vector<uint8_t>> seeds = {
        ipv4(6, tcp(1, 443, PFW_TCP_SYN, {2, 4, 5, 180})), ipv4(17, {0, 1, 0, 53, 0, 8, 0, 0}),
        ipv6(0, cat(cat(ext(43), ext(44)), cat({6, 0, 0, 0, 0, 0, 0, 0}, tcp(1, 2, 0)))), ipv6(58, {1, 2, 3, 4})};
    for (int n = 0; n < 20000; n++) {
        std::vector<uint8_t> b = seeds[rng() % seeds.size()];
        // mutate a few bytes and cut at a random length
        for (int k = rng() % 6; k > 0; k--)
            b[rng() % b.size()] = static_cast<uint8_t>(rng());
        b.resize(rng() % (b.size() + 1));
        Exact e(b);
        pfw_pkt pkt;
        pfw_pkt_parse(&pkt, readExact, &e, e.len, 0);
        pfw_run run;
        host.run(pkt, PFW_HOOK_FORWARD, run);
        CHECK(run.verdict <= PFW_V_NAT);
    }
}
