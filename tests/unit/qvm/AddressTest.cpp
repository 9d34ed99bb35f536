// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// qvm/AddressTest.cpp
// Addresses, host names, resolution and resolv.conf.
//------------------------------------------------------------------------------
#include <algorithm>
#include <catch2/catch.hpp>

#include "frontends/qvm/Address.h"
#include "frontends/qvm/Resolv.h"
#include "qvm/QvmTestUtil.h"

using namespace pfw;
using namespace pfw::qvm;

TEST_CASE("qvm: IP address parsing and formatting", "[qvm]") {
    auto a = parseIpAddr("10.1.2.3");
    REQUIRE(a);
    CHECK(a->family == 4);
    CHECK(a->value == ir::v4Mapped(0x0a010203));
    CHECK(formatIpAddr(*a) == "10.1.2.3");
    auto b = parseIpAddr("2001:DB8:0::1");
    REQUIRE(b);
    CHECK(b->family == 6);
    CHECK(b->value == ((static_cast<ir::u128>(0x20010db8) << 96) | 1));
    CHECK(formatIpAddr(*b) == "2001:db8::1");
    CHECK_FALSE(parseIpAddr("10.1.2"));
    CHECK_FALSE(parseIpAddr("10.1.2.3.4"));
    CHECK_FALSE(parseIpAddr("0x0a.1.2.3"));
    CHECK_FALSE(parseIpAddr(""));
    CHECK_FALSE(parseIpAddr("fe80::1%eth0"));
}

TEST_CASE("qvm: dsthost values", "[qvm]") {
    std::optional<DstHost> d;
    std::string error;
    REQUIRE(parseDstHost("192.168.0.0/16", d, error));
    REQUIRE(d);
    CHECK(d->kind == DstHost::Kind::V4);
    CHECK(d->prefix == 16);
    CHECK(formatDstHost(*d) == "192.168.0.0/16");
    CHECK(dstHostKey(*d) == "dst4");

    REQUIRE(parseDstHost("fd00::1", d, error));
    CHECK(d->kind == DstHost::Kind::V6);
    CHECK(d->prefix == 128);
    CHECK(dstHostKey(*d) == "dst6");

    REQUIRE(parseDstHost("Mail.Example.org", d, error));
    CHECK(d->kind == DstHost::Kind::Name);
    CHECK(d->name == "mail.example.org");
    CHECK(dstHostKey(*d) == "dsthost");

    REQUIRE(parseDstHost("0.0.0.0/0", d, error));
    CHECK_FALSE(d);

    CHECK_FALSE(parseDstHost("1.2.3.4/0", d, error));
    CHECK(error == "host bits set beyond the /0 prefix (did you mean 0.0.0.0/0?)");
}

TEST_CASE("qvm: the address decides the family, not the key", "[qvm]") {
    // Qubes' dsthost, dst4 and dst6 are one key; parseDstHost takes no key.
    std::optional<DstHost> d;
    std::string error;
    REQUIRE(parseDstHost("127.0.0.1", d, error));
    CHECK(d->kind == DstHost::Kind::V4);
    CHECK(d->prefix == 32);
    CHECK(formatDstHost(*d) == "127.0.0.1/32");
    CHECK(dstHostKey(*d) == "dst4");
    REQUIRE(parseDstHost("2001:abcd:efab::3", d, error));
    CHECK(d->kind == DstHost::Kind::V6);
    CHECK(d->prefix == 128);
    CHECK(formatDstHost(*d) == "2001:abcd:efab::3/128");
    CHECK(dstHostKey(*d) == "dst6");
    // ::ffff:a.b.c.d is an IPv6 address, as inet_pton(AF_INET6) reads it.
    REQUIRE(parseDstHost("::ffff:10.0.0.1", d, error));
    CHECK(d->kind == DstHost::Kind::V6);
    CHECK(formatDstHost(*d) == "::ffff:10.0.0.1/128");
    CHECK(dstHostKey(*d) == "dst6");
}

TEST_CASE("qvm: host name validation", "[qvm]") {
    CHECK(validHostName("example.com"));
    CHECK(validHostName("example.com."));
    CHECK(validHostName("a-b_c.d1"));
    CHECK(validHostName(std::string(63, 'a') + ".com"));
    CHECK_FALSE(validHostName(std::string(64, 'a') + ".com"));
    CHECK_FALSE(validHostName(".example.com"));
    CHECK_FALSE(validHostName("exa mple"));
    CHECK_FALSE(validHostName(""));
    std::string longName;
    for (int i = 0; i < 64; i++)
        longName += "abc.";
    CHECK_FALSE(validHostName(longName));
}

TEST_CASE("qvm: resolving localhost with getaddrinfo", "[qvm]") {
    // This machine's /etc/hosts decides whether ::1 comes too; 127.0.0.1
    // always does, and nothing but the two loopback addresses may.
    std::vector<IpAddr> addrs;
    std::string error;
    REQUIRE(systemResolver()("localhost", addrs, error));
    IpAddr lo4 = *parseIpAddr("127.0.0.1"), lo6 = *parseIpAddr("::1");
    CHECK(std::find(addrs.begin(), addrs.end(), lo4) != addrs.end());
    for (const IpAddr& a : addrs)
        CHECK((a == lo4 || a == lo6));
    // No address twice even though getaddrinfo lists one per socket type.
    for (size_t i = 0; i < addrs.size(); i++)
        for (size_t j = i + 1; j < addrs.size(); j++)
            CHECK_FALSE(addrs[i] == addrs[j]);
}

TEST_CASE("qvm: a name that does not resolve", "[qvm]") {
    std::vector<IpAddr> addrs;
    std::string error;
    CHECK_FALSE(systemResolver()("no-such-host.invalid", addrs, error));
    CHECK_FALSE(error.empty());
}

TEST_CASE("qvm: resolv.conf nameservers", "[qvm]") {
    std::string text =
        "# generated\n"
        "search example.com\n"
        "nameserver 10.139.1.1\n"
        "  nameserver\t10.139.1.2   # second\n"
        "; nameserver 9.9.9.9\n"
        "#nameserver 8.8.8.8\n"
        "nameserver fe80::1%eth0\n"
        "nameserver 2001:db8::53\n"
        "nameserver 10.139.1.1\n"
        "nameserver not-an-address\n"
        "nameserver\n"
        "nameservers 1.1.1.1\n"
        "options ndots:2\n"
        "nameserver 192.0.2.1";
    std::vector<IpAddr> servers = parseResolvConf(text);
    std::vector<std::string> got;
    for (const IpAddr& a : servers)
        got.push_back(formatIpAddr(a));
    CHECK(got == std::vector<std::string>{"10.139.1.1", "10.139.1.2", "fe80::1", "2001:db8::53", "192.0.2.1"});
    CHECK(servers[2].family == 6);
    CHECK(parseResolvConf("").empty());

    test::TempDir dir;
    test::writeText(dir / "resolv.conf", "nameserver 127.0.0.53\n");
    CHECK(readResolvConf(dir / "resolv.conf") == std::vector<IpAddr>{*parseIpAddr("127.0.0.53")});
    CHECK(readResolvConf(dir / "missing.conf").empty());
}
