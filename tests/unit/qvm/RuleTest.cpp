// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// qvm/RuleTest.cpp
// qvm-firewall rule syntax: keywords, positions, canonical form, errors.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>

#include "frontends/qvm/Rule.h"
#include "qvm/QvmTestUtil.h"

using namespace pfw;
using namespace pfw::qvm;
using pfw::qvm::test::kNow;

namespace {

ParseOptions cliOpts() {
    return ParseOptions{kNow, true, true};
}

// The canonical form of text, or its one error line.
std::string canon(const std::string& text, const ParseOptions& opts = cliOpts(), const SourceLoc& where = {}) {
    Diagnostics d;
    std::optional<Rule> r = parseRule(text, where, opts, d);
    if (!r) {
        REQUIRE(d.all().size() == 1);
        return d.all().front().format();
    }
    REQUIRE(d.empty());
    return toRaw(*r);
}

}  // namespace

TEST_CASE("qvm: rule in keyword form", "[qvm]") {
    CHECK(canon("action=accept dsthost=10.0.0.0/8 proto=tcp dstports=443") ==
          "action=accept proto=tcp dst4=10.0.0.0/8 dstports=443-443");
    CHECK(canon("action=drop") == "action=drop");
    CHECK(canon("dstports=1000-2000 proto=udp action=accept") == "action=accept proto=udp dstports=1000-2000");
    CHECK(canon("action=accept proto=icmp icmptype=0") == "action=accept proto=icmp icmptype=0");
    CHECK(canon("action=accept specialtarget=dns") == "action=accept specialtarget=dns");
    CHECK(canon("action=drop proto=icmp dsthost=fd00::/8 icmptype=128") ==
          "action=drop proto=icmp dst6=fd00::/8 icmptype=128");
}

TEST_CASE("qvm: rule in positional form", "[qvm]") {
    CHECK(canon("accept 10.0.0.0/8 tcp 443") == "action=accept proto=tcp dst4=10.0.0.0/8 dstports=443-443");
    CHECK(canon("drop 1.2.3.4 icmp 8") == "action=drop proto=icmp dst4=1.2.3.4/32 icmptype=8");
    CHECK(canon("accept example.com udp 53-54") == "action=accept proto=udp dsthost=example.com dstports=53-54");
    CHECK(canon("drop") == "action=drop");
    CHECK(canon("accept 2001:DB8::1") == "action=accept dst6=2001:db8::1/128");
}

TEST_CASE("qvm: rule mixing keywords and positions", "[qvm]") {
    // A keyword fills its slot; positional words take the slots left, and
    // the protocol decides whether the last one is ports or an ICMP type.
    CHECK(canon("accept proto=udp 192.168.0.0/16 53") == "action=accept proto=udp dst4=192.168.0.0/16 dstports=53-53");
    CHECK(canon("action=drop 10.1.0.0/16 icmp 3") == "action=drop proto=icmp dst4=10.1.0.0/16 icmptype=3");
    CHECK(canon("dsthost=10.0.0.0/8 accept tcp") == "action=accept proto=tcp dst4=10.0.0.0/8");
    // Positions are Qubes': the second positional word is always the host.
    CHECK(canon("accept specialtarget=dns udp") == "action=accept dsthost=udp specialtarget=dns");
}

TEST_CASE("qvm: destinations in canonical form", "[qvm]") {
    CHECK(canon("accept 10.5.3.2") == "action=accept dst4=10.5.3.2/32");
    CHECK(canon("accept dst4=10.5.3.2/32") == "action=accept dst4=10.5.3.2/32");
    CHECK(canon("accept dst6=fd00:0:0::1/128") == "action=accept dst6=fd00::1/128");
    CHECK(canon("accept dsthost=www.Example.COM") == "action=accept dsthost=www.example.com");
    CHECK(canon("accept dsthost=host_1.example.com.") == "action=accept dsthost=host_1.example.com.");
    // A 0-length prefix restricts nothing and is left out, as in Qubes.
    CHECK(canon("accept 0.0.0.0/0 tcp") == "action=accept proto=tcp");
    CHECK(canon("accept dst6=::/0") == "action=accept");
    CHECK(canon("accept 10.0.0.0/08") == "action=accept dst4=10.0.0.0/8");
}

TEST_CASE("qvm: dsthost, dst4 and dst6 are one key, the address decides", "[qvm]") {
    // Qubes' own test (qubesadmin/tests/tools/qvm_firewall.py, dsthost
    // aliases): each of the three names with 127.0.0.1 is one rule.
    for (const char* key : {"dsthost", "dst4", "dst6"}) {
        INFO("key: " << key);
        CHECK(canon(std::string(key) + "=127.0.0.1 accept") == "action=accept dst4=127.0.0.1/32");
        CHECK(canon("accept " + std::string(key) + "=2001:abcd:efab::3") == "action=accept dst6=2001:abcd:efab::3/128");
        CHECK(canon("accept " + std::string(key) + "=127.0.0.0/8") == "action=accept dst4=127.0.0.0/8");
        CHECK(canon("accept " + std::string(key) + "=2001:abcd:efab::/64") == "action=accept dst6=2001:abcd:efab::/64");
        CHECK(canon("accept " + std::string(key) + "=Qubes-OS.org") == "action=accept dsthost=qubes-os.org");
        CHECK(canon("accept " + std::string(key) + "=0.0.0.0/0") == "action=accept");
        CHECK(canon("accept " + std::string(key) + "=::/0") == "action=accept");
    }
    CHECK(canon("accept dst6=127.0.0.1") == "action=accept dst4=127.0.0.1/32");
    CHECK(canon("accept dst4=fd00::1") == "action=accept dst6=fd00::1/128");
    CHECK(canon("accept dst6=10.0.0.1 proto=tcp dstports=443") ==
          "action=accept proto=tcp dst4=10.0.0.1/32 dstports=443-443");
    CHECK(canon("accept dst4=::ffff:10.0.0.1") == "action=accept dst6=::ffff:10.0.0.1/128");
    CHECK(canon("accept dst4=example.com udp 53") == "action=accept proto=udp dsthost=example.com dstports=53-53");
    // The canonical form reads back to itself whichever key was written.
    for (const char* text :
         {"action=accept dst4=127.0.0.1/32", "action=accept dst6=fd00::1/128", "action=accept dsthost=example.com"})
        CHECK(canon(canon(text)) == text);
    // One key: a destination given under a second name is refused.
    CHECK(canon("accept dst6=127.0.0.1 dst4=127.0.0.1") ==
          "error: 'dst4=127.0.0.1': dsthost given twice (dsthost, dst4 and dst6 are one key)");
}

TEST_CASE("qvm: comment is the rest of the rule", "[qvm]") {
    CHECK(canon("drop proto=tcp comment=  no   web = here  --raw -h") ==
          "action=drop proto=tcp comment=no web = here --raw -h");
    CHECK(canon("comment=first action=accept") == "error: rule has no action (accept or drop)");
    CHECK(canon("accept comment=\tx\ty") == "action=accept comment=x y");
    CHECK(canon("accept comment=café ünïcode") == "action=accept comment=café ünïcode");
}

TEST_CASE("qvm: expire absolute and relative", "[qvm]") {
    CHECK(canon("accept expire=+300") == "action=accept expire=1700000300");
    CHECK(canon("accept expire=1800000000") == "action=accept expire=1800000000");
    CHECK(canon("accept expire=4294967295") == "action=accept expire=4294967295");
    // Files are read at any time: +N is refused, a past time is not.
    ParseOptions file{kNow, false, false};
    CHECK(canon("accept expire=+300", file) ==
          "error: 'expire=+300': relative expire is not allowed here: give seconds since the "
          "epoch");
    CHECK(canon("accept expire=1000", file) == "action=accept expire=1000");
    Rule r;
    r.expire = kNow;
    CHECK(expired(r, kNow));
    r.expire = kNow + 1;
    CHECK_FALSE(expired(r, kNow));
}

TEST_CASE("qvm: every part of a rule at once", "[qvm]") {
    std::string raw =
        "action=accept proto=tcp dst4=10.0.0.0/8 dstports=443-443 specialtarget=dns "
        "expire=1700000300 comment=all of it";
    CHECK(canon("comment=x accept") == "error: rule has no action (accept or drop)");
    CHECK(canon("accept 10.0.0.0/8 tcp 443 specialtarget=dns expire=+300 comment=all   of it") == raw);
    // The canonical form reads back to itself.
    CHECK(canon(raw) == raw);
    for (const char* text : {"action=drop proto=icmp dst6=fd00::/8 icmptype=128", "action=accept dsthost=example.com",
                             "action=drop proto=udp dstports=1-65535", "action=accept specialtarget=dns"})
        CHECK(canon(text) == text);
}

TEST_CASE("qvm: bad rules give one exact error", "[qvm]") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"action=accept dstports=80", "error: 'dstports=80': dstports needs proto=tcp or proto=udp"},
        {"accept proto=icmp dstports=80", "error: 'dstports=80': dstports needs proto=tcp or proto=udp"},
        {"accept proto=udp icmptype=8", "error: 'icmptype=8': icmptype needs proto=icmp"},
        {"accept icmptype=8", "error: 'icmptype=8': icmptype needs proto=icmp"},
        {"accept 10.0.0.1/8", "error: '10.0.0.1/8': host bits set beyond the /8 prefix (did you mean 10.0.0.0/8?)"},
        {"accept dst6=fd00::1/8",
         "error: 'dst6=fd00::1/8': host bits set beyond the /8 prefix (did you mean fd00::/8?)"},
        {"accept dsthost=10.0.0.0/33", "error: 'dsthost=10.0.0.0/33': prefix length must be 0-32 for IPv4"},
        {"accept dsthost=fd00::/129", "error: 'dsthost=fd00::/129': prefix length must be 0-128 for IPv6"},
        {"accept 10.0.0.0/", "error: '10.0.0.0/': prefix length must be 0-32 for IPv4"},
        {"accept 10.0.0.0/-8", "error: '10.0.0.0/-8': prefix length must be 0-32 for IPv4"},
        {"accept dsthost=10.0.0", "error: 'dsthost=10.0.0': invalid IPv4 address '10.0.0'"},
        {"accept 256.1.1.1", "error: '256.1.1.1': invalid IPv4 address '256.1.1.1'"},
        {"accept dsthost=fd00:::1", "error: 'dsthost=fd00:::1': invalid IPv6 address 'fd00:::1'"},
        {"accept dsthost=foo/8", "error: 'dsthost=foo/8': invalid IPv4 address 'foo'"},
        {"accept dsthost=exa!mple.com",
         "error: 'dsthost=exa!mple.com': invalid host name (letters, digits, '-', '_' and '.' "
         "only)"},
        {"accept dsthost=a..b",
         "error: 'dsthost=a..b': invalid host name (letters, digits, '-', "
         "'_' and '.' only)"},
        {"accept dst4=10.0.0.1/8",
         "error: 'dst4=10.0.0.1/8': host bits set beyond the /8 prefix (did you mean 10.0.0.0/8?)"},
        {"accept dst6=10.0.0.0/33", "error: 'dst6=10.0.0.0/33': prefix length must be 0-32 for IPv4"},
        {"accept dst4=fd00::/129", "error: 'dst4=fd00::/129': prefix length must be 0-128 for IPv6"},
        {"accept dst4=10.0.0", "error: 'dst4=10.0.0': invalid IPv4 address '10.0.0'"},
        {"accept dst6=fd00:::1", "error: 'dst6=fd00:::1': invalid IPv6 address 'fd00:::1'"},
        {"accept dst6=foo/64", "error: 'dst6=foo/64': invalid IPv4 address 'foo'"},
        {"accept dst4=exa!mple.com",
         "error: 'dst4=exa!mple.com': invalid host name (letters, digits, '-', '_' and '.' only)"},
        {"accept dst6=", "error: 'dst6=': dst6 needs a value"},
        {"accept proto=tcp dstports=0", "error: 'dstports=0': port must be 1-65535"},
        {"accept proto=tcp dstports=65536", "error: 'dstports=65536': port must be 1-65535"},
        {"accept proto=tcp dstports=0-80", "error: 'dstports=0-80': port must be 1-65535"},
        {"accept proto=tcp dstports=90-80", "error: 'dstports=90-80': empty port range (90 > 80)"},
        {"accept proto=tcp dstports=http", "error: 'dstports=http': dstports must be PORT or LO-HI"},
        {"accept proto=tcp dstports=1-2-3", "error: 'dstports=1-2-3': dstports must be PORT or LO-HI"},
        {"accept proto=tcp dstports=80-", "error: 'dstports=80-': dstports must be PORT or LO-HI"},
        {"accept 1.2.3.4 tcp 70000", "error: '70000': port must be 1-65535"},
        {"accept proto=icmp icmptype=256", "error: 'icmptype=256': icmptype must be a number 0-255"},
        {"accept proto=icmp icmptype=-1", "error: 'icmptype=-1': icmptype must be a number 0-255"},
        {"accept 1.2.3.4 icmp echo", "error: 'echo': icmptype must be a number 0-255"},
        {"accept proto=sctp", "error: 'proto=sctp': proto must be tcp, udp or icmp"},
        {"accept 1.2.3.4 TCP", "error: 'TCP': proto must be tcp, udp or icmp"},
        {"reject", "error: 'reject': action must be accept or drop"},
        {"action=reject", "error: 'action=reject': action must be accept or drop"},
        {"accept foo=bar", "error: 'foo=bar': unknown key 'foo'"},
        {"accept =bar", "error: '=bar': unknown key ''"},
        {"accept srchost=1.2.3.4", "error: 'srchost=1.2.3.4': unknown key 'srchost'"},
        {"accept proto=tcp proto=udp", "error: 'proto=udp': proto given twice"},
        {"accept dsthost=1.2.3.4 dsthost=1.2.3.4", "error: 'dsthost=1.2.3.4': dsthost given twice"},
        {"accept 1.2.3.4 dsthost=5.6.7.8", "error: 'dsthost=5.6.7.8': dsthost given twice"},
        {"accept dsthost=1.2.3.4 dst4=1.2.3.4",
         "error: 'dst4=1.2.3.4': dsthost given twice (dsthost, dst4 and dst6 are one key)"},
        {"accept dst4=1.2.3.4 dst6=::1", "error: 'dst6=::1': dsthost given twice (dsthost, dst4 and dst6 are one key)"},
        {"accept dst6=::1 dsthost=example.com",
         "error: 'dsthost=example.com': dsthost given twice (dsthost, dst4 and dst6 are one key)"},
        {"accept dst4=1.2.3.4 dst4=1.2.3.4",
         "error: 'dst4=1.2.3.4': dsthost given twice (dsthost, dst4 and dst6 are one key)"},
        {"accept 10.0.0.0/8 dst6=fd00::/8",
         "error: 'dst6=fd00::/8': dsthost given twice (dsthost, dst4 and dst6 are one key)"},
        {"accept action=drop", "error: 'action=drop': action given twice"},
        {"accept expire=+1 expire=+2", "error: 'expire=+2': expire given twice"},
        {"accept specialtarget=dns specialtarget=dns", "error: 'specialtarget=dns': specialtarget given twice"},
        {"proto=tcp", "error: rule has no action (accept or drop)"},
        {"", "error: rule has no action (accept or drop)"},
        {"accept expire=999", "error: 'expire=999': expire is in the past"},
        {"accept expire=1700000000", "error: 'expire=1700000000': expire is in the past"},
        {"accept expire=+0", "error: 'expire=+0': expire is in the past"},
        {"accept expire=soon", "error: 'expire=soon': expire must be seconds since the epoch or +SECONDS"},
        {"accept expire=-5", "error: 'expire=-5': expire must be seconds since the epoch or +SECONDS"},
        {"accept expire=+", "error: 'expire=+': expire must be seconds since the epoch or +SECONDS"},
        {"accept expire=4294967296",
         "error: 'expire=4294967296': expire is too far in the future (the largest is "
         "4294967295)"},
        {"accept specialtarget=ntp", "error: 'specialtarget=ntp': specialtarget must be dns"},
        {"accept proto=", "error: 'proto=': proto needs a value"},
        {"accept dsthost=a=b", "error: 'dsthost=a=b': more than one '=' (only comment= text may contain '=')"},
        {"accept 1.2.3.4 tcp 80 extra",
         "error: 'extra': too many positional words (the order is ACTION [DSTHOST [PROTO "
         "[DSTPORTS|ICMPTYPE]]])"},
        {"accept 443", "error: '443': invalid IPv4 address '443'"},
        {"accept comment=", "error: 'comment=': comment is empty"},
        {"accept comment=   ", "error: 'comment=': comment is empty"},
        {"accept comment=a\x01z",
         "error: 'comment=a\x01z': comment must not contain control "
         "characters"},
    };
    for (const auto& [text, error] : cases) {
        INFO("rule: " << text);
        CHECK(canon(text) == error);
    }
}

TEST_CASE("qvm: rule errors point at file, line and column", "[qvm]") {
    SourceLoc where{"rules.txt", 3, 6};
    CHECK(canon("accept proto=sctp", cliOpts(), where) ==
          "rules.txt:3:13: error: 'proto=sctp': proto must be tcp, udp or icmp");
    CHECK(canon("  drop   dstports=80", cliOpts(), where) ==
          "rules.txt:3:15: error: 'dstports=80': dstports needs proto=tcp or proto=udp");
    CHECK(canon("  proto=tcp", cliOpts(), where) == "rules.txt:3:8: error: rule has no action (accept or drop)");
}
