// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// cli/SetElementTests.cpp
// polyfw set's element syntax (parsing, its exact errors, files, printing
// back), the set types of GET_SETS, and the SET_ELEMS attributes as the
// client packs them into messages and reads them back.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <vector>

#include "RunCommand.h"
#include "ir/LiveSet.h"
#include "netlink/Client.h"

extern "C" {
#include "polyfw/bytecode.h"
#include "polyfw/genl.h"
}

using namespace pfw;
using ir::LiveElem;
using ir::LiveSetType;
using Kind = ir::LiveSetType::Kind;

namespace {

const LiveSetType kAddr{Kind::Address, false}, kAddrV{Kind::Address, true}, kNum{Kind::Number, false},
    kNumV{Kind::Number, true}, kIf{Kind::Interface, false};

LiveElem parsed(const LiveSetType& t, const std::string& tok) {
    LiveElem e;
    INFO(tok);
    REQUIRE(ir::parseElement(t, tok, e) == "");
    return e;
}

std::string error(const LiveSetType& t, const std::string& tok) {
    LiveElem e;
    return ir::parseElement(t, tok, e);
}

}  // namespace

TEST_CASE("set elements: addresses, prefixes, ranges and values", "[setcli]") {
    LiveElem e = parsed(kAddr, "192.0.2.1");
    CHECK(e.lo == ir::Key{0, 0, 0xffff, 0xc0000201});
    CHECK(e.hi == e.lo);
    e = parsed(kAddr, "10.0.0.0/8");
    CHECK(e.lo == ir::Key{0, 0, 0xffff, 0x0a000000});
    CHECK(e.hi == ir::Key{0, 0, 0xffff, 0x0affffff});
    // host bits are masked off
    e = parsed(kAddr, "10.1.2.3/16");
    CHECK(e.lo == ir::Key{0, 0, 0xffff, 0x0a010000});
    CHECK(e.hi == ir::Key{0, 0, 0xffff, 0x0a01ffff});
    e = parsed(kAddr, "2001:db8::/32");
    CHECK(e.lo == ir::Key{0x20010db8, 0, 0, 0});
    CHECK(e.hi == ir::Key{0x20010db8, ~0u, ~0u, ~0u});
    e = parsed(kAddr, "::/0");
    CHECK(e.lo == ir::Key{0, 0, 0, 0});
    CHECK(e.hi == ir::Key{~0u, ~0u, ~0u, ~0u});
    e = parsed(kAddr, "0.0.0.0/0");
    CHECK(e.lo == ir::Key{0, 0, 0xffff, 0});
    CHECK(e.hi == ir::Key{0, 0, 0xffff, ~0u});
    e = parsed(kAddr, "10.0.0.1-10.0.0.9");
    CHECK(e.lo == ir::Key{0, 0, 0xffff, 0x0a000001});
    CHECK(e.hi == ir::Key{0, 0, 0xffff, 0x0a000009});
    e = parsed(kAddrV, "10.0.0.0/8=7");
    CHECK(e.value == 7);
    e = parsed(kAddrV, "2001:db8::1=0x10");
    CHECK(e.value == 16);
    CHECK(e.lo == ir::Key{0x20010db8, 0, 0, 1});
    e = parsed(kAddrV, "10.0.0.1");
    CHECK(e.value == 0);
}

TEST_CASE("set elements: numbers and interfaces", "[setcli]") {
    LiveElem e = parsed(kNum, "80");
    CHECK(e.lo == ir::Key{0, 0, 0, 80});
    CHECK(e.hi == e.lo);
    e = parsed(kNumV, "1000-2000=3");
    CHECK(e.lo == ir::Key{0, 0, 0, 1000});
    CHECK(e.hi == ir::Key{0, 0, 0, 2000});
    CHECK(e.value == 3);
    e = parsed(kNum, "4294967295");
    CHECK(e.lo[3] == 0xffffffffu);

    e = parsed(kIf, "eth0");
    CHECK(e.lo == ir::Key{0x65746830, 0, 0, 0});
    CHECK(e.hi == e.lo);
    e = parsed(kIf, "vif+");
    CHECK(e.lo == ir::Key{0x76696600, 0, 0, 0});
    CHECK(e.hi == ir::Key{0x766966ff, ~0u, ~0u, ~0u});
    e = parsed(kIf, "+");  // every interface
    CHECK(e.lo == ir::Key{0, 0, 0, 0});
    CHECK(e.hi == ir::Key{~0u, ~0u, ~0u, ~0u});
    e = parsed(kIf, "abcdefghijklmno");  // 15 characters: the longest name
    CHECK(e.lo[3] == 0x6d6e6f00);
}

TEST_CASE("set elements: a bad element is named, exactly", "[setcli]") {
    CHECK(error(kAddr, "10.0.0.300") == "bad address '10.0.0.300'");
    CHECK(error(kAddr, "10.0.0") == "bad address '10.0.0'");
    CHECK(error(kAddr, "") == "bad address ''");
    CHECK(error(kAddr, "eth0") == "bad address 'eth0'");
    CHECK(error(kAddr, "10.0.0.0/33") == "bad prefix length '10.0.0.0/33'");
    CHECK(error(kAddr, "2001:db8::/129") == "bad prefix length '2001:db8::/129'");
    CHECK(error(kAddr, "10.0.0.0/") == "bad prefix length '10.0.0.0/'");
    CHECK(error(kAddr, "10.0.0.0/+8") == "bad prefix length '10.0.0.0/+8'");
    CHECK(error(kAddr, "10.0.0.300/8") == "bad address '10.0.0.300/8'");
    CHECK(error(kAddr, "10.0.0.9-10.0.0.1") == "bad range '10.0.0.9-10.0.0.1': its low end is above its high end");
    CHECK(error(kAddr, "10.0.0.1-2001:db8::1") == "bad range '10.0.0.1-2001:db8::1': one end is IPv4, the other IPv6");
    CHECK(error(kAddr, "10.0.0.1-") == "bad address '10.0.0.1-'");
    CHECK(error(kAddr, "10.0.0.0/8=7") == "bad element '10.0.0.0/8=7': the set has no values");
    CHECK(error(kAddrV, "10.0.0.0/8=") == "bad value '10.0.0.0/8='");
    CHECK(error(kAddrV, "10.0.0.0/8=4294967296") == "bad value '10.0.0.0/8=4294967296'");
    CHECK(error(kAddrV, "10.0.0.0/8=-1") == "bad value '10.0.0.0/8=-1'");
    CHECK(error(kNum, "80x") == "bad number '80x'");
    CHECK(error(kNum, "-5") == "bad number '-5'");
    CHECK(error(kNum, "4294967296") == "bad number '4294967296'");
    CHECK(error(kNum, "2000-1000") == "bad range '2000-1000': its low end is above its high end");
    CHECK(error(kNum, "1000-") == "bad number '1000-'");
    CHECK(error(kNum, "10.0.0.1") == "bad number '10.0.0.1'");
    CHECK(error(kNum, "80=1") == "bad element '80=1': the set has no values");
    CHECK(error(kIf, "abcdefghijklmnop") == "bad interface 'abcdefghijklmnop'");
    CHECK(error(kIf, "abcdefghijklmnop+") == "bad interface 'abcdefghijklmnop+'");
    CHECK(error(kIf, "a/b") == "bad interface 'a/b'");
    CHECK(error(kIf, "a:b") == "bad interface 'a:b'");
    CHECK(error(kIf, "") == "bad interface ''");
    CHECK(error(kIf, "..") == "bad interface '..'");

    // a list with one bad token: the error, and nothing taken
    std::vector<LiveElem> out;
    CHECK(ir::parseElements(kAddr, {"10.0.0.0/8", "10.0.0.300", "192.0.2.1"}, out) == "bad address '10.0.0.300'");
    CHECK(out.empty());
    CHECK(ir::parseElements(kAddr, {"10.0.0.0/8", "192.0.2.1"}, out) == "");
    CHECK(out.size() == 2);
}

TEST_CASE("set elements: files of elements, one a line, with comments", "[setcli]") {
    std::string path = "/tmp/polyfw-set-test-" + std::to_string(getpid());
    {
        std::ofstream f(path);
        f << "# a blocklist\n10.0.0.0/8=1\n\n   192.0.2.1=2   # one host\n2001:db8::/32=3\n";
    }
    std::vector<LiveElem> out;
    REQUIRE(ir::parseElementFile(kAddrV, path, out) == "");
    REQUIRE(out.size() == 3);
    CHECK(out[1].value == 2);
    CHECK(out[2].lo[0] == 0x20010db8);
    {
        std::ofstream f(path);
        f << "10.0.0.0/8\n# fine\n10.0.0.300\n";
    }
    out.clear();
    CHECK(ir::parseElementFile(kAddr, path, out) == path + ":3: bad address '10.0.0.300'");
    CHECK(out.empty());
    std::remove(path.c_str());
    CHECK(ir::parseElementFile(kAddr, path, out) == "cannot read " + path + ": No such file or directory");

    // 100,000 addresses
    {
        std::ofstream f(path);
        for (uint32_t i = 0; i < 100000; i++)
            f << ((i >> 16) + 10) << "." << ((i >> 8) & 255) << "." << (i & 255) << ".0/24=" << i << "\n";
    }
    out.clear();
    REQUIRE(ir::parseElementFile(kAddrV, path, out) == "");
    CHECK(out.size() == 100000);
    ir::LiveSet s;
    CHECK(s.replace(out) == 0);
    CHECK(s.size() == 100000);
    // element 99999 = 0x1869f: 11.134.159.0/24
    CHECK(s.lookup({0, 0, 0xffff, 0x0b869f01})->value == 99999);
    CHECK(s.lookup({0, 0, 0xffff, 0x0a000001})->value == 0);
    CHECK(s.lookup({0, 0, 0xffff, 0x0c000001}) == nullptr);
    std::remove(path.c_str());
}

TEST_CASE("set elements: printed in the syntax they are read in", "[setcli]") {
    struct Case {
        LiveSetType t;
        const char* in;
        const char* out;
    } cases[] = {
        {kAddr, "192.0.2.1", "192.0.2.1"},
        {kAddr, "10.1.2.3/8", "10.0.0.0/8"},
        {kAddr, "10.0.0.0/32", "10.0.0.0"},
        {kAddr, "0.0.0.0/0", "0.0.0.0/0"},
        {kAddr, "::/0", "::/0"},
        {kAddr, "::ffff:10.0.0.1", "10.0.0.1"},
        {kAddr, "2001:db8::/32", "2001:db8::/32"},
        {kAddr, "2001:db8::1-2001:db8::5", "2001:db8::1-2001:db8::5"},
        {kAddr, "10.0.0.1-10.0.0.9", "10.0.0.1-10.0.0.9"},
        {kAddr, "10.0.0.0-10.0.0.255", "10.0.0.0/24"},
        {kAddrV, "10.0.0.0/8=7", "10.0.0.0/8=7"},
        {kAddrV, "10.0.0.0/8", "10.0.0.0/8=0"},
        {kNum, "80", "80"},
        {kNum, "1000-2000", "1000-2000"},
        {kNumV, "53=0x35", "53=53"},
        {kIf, "eth0", "eth0"},
        {kIf, "vif+", "vif+"},
        {kIf, "+", "+"},
        {{Kind::Interface, true}, "tap0=9", "tap0=9"},
    };
    for (const auto& c : cases) {
        INFO(c.in);
        LiveElem e = parsed(c.t, c.in);
        std::string text = ir::formatElement(c.t, e);
        CHECK(text == c.out);
        // and back
        CHECK(parsed(c.t, text) == e);
    }
}

TEST_CASE("set types as GET_SETS reports them", "[setcli]") {
    auto t = LiveSetType::fromWire(4 | 1 << 8 | PFW_SET_F_LIVE << 16);
    REQUIRE(t);
    CHECK(t->kind == Kind::Address);
    CHECK(t->hasValue);
    CHECK(t->name() == "address=value");
    CHECK(t->toWire() == (4 | 1 << 8 | PFW_SET_F_LIVE << 16));
    t = LiveSetType::fromWire(1 | PFW_SET_F_LIVE << 16);
    REQUIRE(t);
    CHECK(t->kind == Kind::Number);
    CHECK(t->name() == "number");
    t = LiveSetType::fromWire(4 | (PFW_SET_F_LIVE | PFW_SET_F_IFNAME) << 16);
    REQUIRE(t);
    CHECK(t->kind == Kind::Interface);
    CHECK(t->name() == "interface");
    CHECK(!LiveSetType::fromWire(2 | PFW_SET_F_LIVE << 16));
    CHECK(!LiveSetType::fromWire(1 | (PFW_SET_F_LIVE | PFW_SET_F_IFNAME) << 16));
    CHECK(!LiveSetType::fromWire(4 | 0x80 << 16));
    CHECK(!LiveSetType::fromWire(4 | 2 << 8));
}

namespace {

// The elements of one packed batch, read back.
std::vector<nl::SetElem> unpack(const std::vector<uint8_t>& batch) {
    std::vector<nl::SetElem> out;
    const auto* a = reinterpret_cast<const nlattr*>(batch.data());
    int left = static_cast<int>(batch.size());
    while (mnl_attr_ok(a, left)) {
        CHECK((a->nla_type & NLA_F_NESTED) != 0);
        CHECK(mnl_attr_get_type(a) == POLYFW_A_SET_ELEM);
        nl::SetElem e;
        REQUIRE(nl::parseSetElem(a, e));
        out.push_back(e);
        left -= static_cast<int>(MNL_ALIGN(a->nla_len));
        a = reinterpret_cast<const nlattr*>(reinterpret_cast<const char*>(a) + MNL_ALIGN(a->nla_len));
    }
    CHECK(left == 0);
    return out;
}

}  // namespace

TEST_CASE("set elements: SET_ELEMS batches of at most 60 KiB, in order", "[setcli][netlink]") {
    std::vector<nl::SetElem> elems;
    for (uint32_t i = 0; i < 100000; i++)
        elems.push_back({{0, 0, 0xffff, i << 8}, {0, 0, 0xffff, (i << 8) | 255}, i, true});
    auto batches = nl::packSetElems(elems);
    // 52 bytes an element: 1181 a message
    CHECK(batches.size() == (100000 + 1180) / 1181);
    std::vector<nl::SetElem> back;
    for (const auto& b : batches) {
        CHECK(b.size() <= nl::kSetMsgBytes);
        if (&b != &batches.back())
            CHECK(b.size() > nl::kSetMsgBytes - 52);  // full
        auto part = unpack(b);
        back.insert(back.end(), part.begin(), part.end());
    }
    REQUIRE(back.size() == elems.size());
    for (size_t i = 0; i < elems.size(); i += 997) {
        CHECK(back[i].lo == elems[i].lo);
        CHECK(back[i].hi == elems[i].hi);
        CHECK(back[i].value == elems[i].value);
        CHECK(back[i].hasValue);
    }
    // a number set's bounds are one word; without a value, no VALUE
    std::vector<nl::SetElem> ports{{{80}, {80}, 0, false}, {{1000}, {2000}, 0, false}};
    batches = nl::packSetElems(ports);
    REQUIRE(batches.size() == 1);
    CHECK(batches[0].size() == 2 * (4 + 8 + 8));
    back = unpack(batches[0]);
    REQUIRE(back.size() == 2);
    CHECK(back[1].lo == std::vector<uint32_t>{1000});
    CHECK(back[1].hi == std::vector<uint32_t>{2000});
    CHECK(!back[1].hasValue);
    CHECK(nl::packSetElems({}).empty());
    // small batches
    batches = nl::packSetElems(ports, 20);
    CHECK(batches.size() == 2);
}

TEST_CASE("set elements: a GET_SETS reply", "[setcli][netlink]") {
    std::vector<char> buf(4096);
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
    nlh->nlmsg_type = 0x20;
    auto* g = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(genlmsghdr)));
    g->cmd = POLYFW_CMD_GET_SETS;
    g->version = POLYFW_GENL_VERSION;
    mnl_attr_put_strz(nlh, POLYFW_A_TABLE, "host");
    mnl_attr_put_strz(nlh, POLYFW_A_SET, "blocklist");
    mnl_attr_put_u32(nlh, POLYFW_A_SET_TYPE, 4 | 1 << 8 | PFW_SET_F_LIVE << 16);
    mnl_attr_put_u32(nlh, POLYFW_A_SET_GENERATION, 12);
    mnl_attr_put_u32(nlh, POLYFW_A_SET_N_ELEMS, 3);
    mnl_attr_put_u32(nlh, POLYFW_A_SET_N_PREFIXES, 5);
    mnl_attr_put(nlh, POLYFW_A_PAD, 0, nullptr);
    mnl_attr_put_u64(nlh, POLYFW_A_SET_BYTES, 1u << 20);
    nl::SetInfo si;
    nl::parseSetInfo(nlh, si);
    CHECK(si.table == "host");
    CHECK(si.name == "blocklist");
    CHECK(si.type == (4 | 1 << 8 | PFW_SET_F_LIVE << 16));
    CHECK(si.generation == 12);
    CHECK(si.nElems == 3);
    CHECK(si.nPrefixes == 5);
    CHECK(si.bytes == 1u << 20);
}

TEST_CASE("polyfw set: usage errors before any netlink", "[setcli][cli]") {
    auto r = testing::runPolyfw("set host blocklist list 10.0.0.1");
    CHECK(r.status == 1);
    CHECK(r.err == "polyfw: set blocklist: list takes no elements\n");
    r = testing::runPolyfw("set host blocklist flush --file /dev/null");
    CHECK(r.status == 1);
    CHECK(r.err == "polyfw: set blocklist: flush takes no elements\n");
    r = testing::runPolyfw("set host blocklist add");
    CHECK(r.status == 1);
    CHECK(r.err == "polyfw: set blocklist: add needs elements (or --file FILE)\n");
    r = testing::runPolyfw("set host blocklist frob 10.0.0.1");
    CHECK(r.status != 0);
    CHECK(r.err.find("frob") != std::string::npos);
}
