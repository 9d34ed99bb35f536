// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// qvm/VmMapTest.cpp
// VM names and vms.conf.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>

#include "frontends/qvm/VmMap.h"
#include "qvm/QvmTestUtil.h"

using namespace pfw;
using namespace pfw::qvm;

namespace {

std::string confError(const std::string& text) {
    Diagnostics d;
    std::optional<VmMap> m = parseVmsConf("vms.conf", text, d);
    if (m)
        return "ok";
    return d.format();
}

}  // namespace

TEST_CASE("qvm: VM names", "[qvm]") {
    CHECK(validVmName("work"));
    CHECK(validVmName("sys-net"));
    CHECK(validVmName("a"));
    CHECK(validVmName("Debian_12.dvm-x"));
    CHECK(validVmName("a" + std::string(30, 'b')));
    CHECK_FALSE(validVmName("a" + std::string(31, 'b')));
    CHECK_FALSE(validVmName(""));
    CHECK_FALSE(validVmName("1work"));
    CHECK_FALSE(validVmName("-work"));
    CHECK_FALSE(validVmName("work/x"));
    CHECK_FALSE(validVmName("wörk"));
    CHECK(vmNameError() == "invalid VM name (a letter, then at most 30 letters, digits, '_', '.' or '-')");
}

TEST_CASE("qvm: vms.conf", "[qvm]") {
    Diagnostics d;
    std::optional<VmMap> m = parseVmsConf("vms.conf",
                                          "# VMs\n"
                                          "\n"
                                          "work tap0 vnet+   # the work VM\n"
                                          "  sys-net\tvif3.0\n",
                                          d);
    REQUIRE(m);
    REQUIRE(m->vms.size() == 2);
    CHECK(m->vms[0].name == "work");
    REQUIRE(m->vms[0].ifaces.size() == 2);
    CHECK(m->vms[0].ifaces[0].name == "tap0");
    CHECK_FALSE(m->vms[0].ifaces[0].wildcard);
    CHECK(m->vms[0].ifaces[1].name == "vnet");
    CHECK(m->vms[0].ifaces[1].wildcard);
    CHECK(m->vms[0].ifaces[1].text() == "vnet+");
    CHECK(m->vms[0].loc.line == 3);
    CHECK(m->vms[1].name == "sys-net");
    CHECK(m->find("sys-net") == &m->vms[1]);
    CHECK(m->find("other") == nullptr);
}

TEST_CASE("qvm: vms.conf errors", "[qvm]") {
    CHECK(confError("work\n") == "vms.conf:1:1: error: 'work': VM needs at least one interface\n");
    CHECK(confError("\n 1work tap0\n") ==
          "vms.conf:2:2: error: '1work': invalid VM name (a letter, then at most 30 letters, "
          "digits, '_', '.' or '-')\n");
    CHECK(confError("work tap0\nwork tap1\n") == "vms.conf:2:1: error: 'work': VM already defined on line 1\n");
    CHECK(confError("work tap0\nhome tap0\n") ==
          "vms.conf:2:6: error: 'tap0': overlaps interface 'tap0' of VM 'work'\n");
    CHECK(confError("work vnet+\nhome vnet12\n") ==
          "vms.conf:2:6: error: 'vnet12': overlaps interface 'vnet+' of VM 'work'\n");
    CHECK(confError("work vnet1\nhome vnet+\n") ==
          "vms.conf:2:6: error: 'vnet+': overlaps interface 'vnet1' of VM 'work'\n");
    CHECK(confError("work tap0 tap0\n") == "vms.conf:1:11: error: 'tap0': overlaps interface 'tap0' of VM 'work'\n");
    CHECK(confError("work +\n") == "vms.conf:1:6: error: '+': an interface wildcard needs a prefix\n");
    CHECK(confError("work averyveryverylongname\n") ==
          "vms.conf:1:6: error: 'averyveryverylongname': invalid interface name (1-15 "
          "characters, no '/', ':' or '+' but a trailing one)\n");
    CHECK(confError("work eth0:1\n") ==
          "vms.conf:1:6: error: 'eth0:1': invalid interface name (1-15 characters, no '/', ':' "
          "or '+' but a trailing one)\n");
    CHECK(confError("work a+b\n") ==
          "vms.conf:1:6: error: 'a+b': invalid interface name (1-15 characters, no '/', ':' or "
          "'+' but a trailing one)\n");
    // Every bad line is reported.
    CHECK(confError("work\nhome\n") ==
          "vms.conf:1:1: error: 'work': VM needs at least one interface\n"
          "vms.conf:2:1: error: 'home': VM needs at least one interface\n");
    // A NUL or a control character would cut or garble the name the kernel
    // compares (fuzz_qvm_file's regression "ifname-nul").
    CHECK(confError(std::string("work \0\n", 7)) != "ok");
    CHECK(confError(std::string("work ta\0p\n", 10)) != "ok");
    CHECK(confError("work ta\x01p\n") != "ok");
    CHECK(confError("work ta\x7fp\n") != "ok");
    // IFNAMSIZ is 16 with the NUL: 15 characters at most.
    CHECK(confError("work " + std::string(15, 'x') + "\n") == "ok");
    CHECK(confError("work " + std::string(15, 'x') + "+\n") == "ok");
    CHECK(confError("work " + std::string(16, 'x') + "\n") != "ok");
    CHECK(confError("work " + std::string(16, 'x') + "+\n") != "ok");
}

TEST_CASE("qvm: reading vms.conf", "[qvm]") {
    test::TempDir dir;
    Diagnostics d;
    std::optional<VmMap> none = readVmsConf(dir / "missing.conf", d);
    REQUIRE(none);
    CHECK(none->vms.empty());
    test::writeText(dir / "vms.conf", "work tap0\n");
    std::optional<VmMap> one = readVmsConf(dir / "vms.conf", d);
    REQUIRE(one);
    CHECK(one->vms.size() == 1);
    // A directory cannot be read as a file.
    CHECK_FALSE(readVmsConf(dir.path(), d));
    CHECK(d.format() == dir.path() + ": error: cannot read: Is a directory\n");
}
