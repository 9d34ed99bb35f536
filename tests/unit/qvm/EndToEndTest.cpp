// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// qvm/EndToEndTest.cpp
// qvm rules compiled to bytecode and run on packets: what they really do.
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>

#include "driver/Compile.h"
#include "frontends/qvm/File.h"
#include "ir/RefEval.h"
#include "qvm/QvmTestUtil.h"
#include "sim/PacketSpec.h"
#include "sim/SimHost.h"
#include "verify/Verify.h"

using namespace pfw;
using namespace pfw::qvm;

namespace {

std::vector<std::string> words(const std::string& s) {
    std::vector<std::string> out;
    for (const Word& w : splitWords(s))
        out.emplace_back(w.text);
    return out;
}

}  // namespace

TEST_CASE("qvm: compiled rules filter packets as written", "[qvm]") {
    test::TempDir dir;
    test::writeText(dir / "resolv.conf", "nameserver 10.139.1.1\nnameserver fd00::53\n");
    Diagnostics d;
    std::optional<ir::Program> prog = parseFile("fw.qvm",
                                                "vm work tap0 vnet+\n"
                                                "work accept specialtarget=dns\n"
                                                "work accept 10.0.0.0/8 tcp 443\n"
                                                "work drop proto=udp\n"
                                                "work accept proto=icmp icmptype=8\n"
                                                "work accept specialtarget=dns proto=icmp\n"
                                                "work accept 192.168.0.0/16 expire=1700000100\n"
                                                "work accept dst6=2001:db8::/32 proto=tcp\n",
                                                test::kNow, dir / "resolv.conf", d);
    INFO(d.format());
    REQUIRE(prog);
    driver::CompileResult res = driver::compile(*prog);
    REQUIRE(res.error == "");
    pfw_prog p;
    REQUIRE(verify::check(res.blob, &p) == "");
    sim::SimHost host(p);

    const std::vector<std::pair<std::string, uint32_t>> cases = {
        {"iif tap0 proto tcp src 10.137.0.5 dst 10.1.2.3 dport 443", PFW_V_ACCEPT},
        {"iif tap0 proto tcp src 10.137.0.5 dst 10.1.2.3 dport 80", PFW_V_DROP},
        {"iif vnet7 proto tcp src 10.137.0.5 dst 10.1.2.3 dport 443", PFW_V_ACCEPT},
        {"iif vnet7 proto tcp src 10.137.0.5 dst 11.1.2.3 dport 443", PFW_V_DROP},
        // Not the VM's interface: not its firewall.
        {"iif eth0 proto tcp src 10.137.0.5 dst 11.1.2.3 dport 80", PFW_V_ACCEPT},
        {"iif tap0 proto tcp src 10.137.0.5 dst 11.1.2.3 dport 80 state established", PFW_V_ACCEPT},
        {"iif tap0 proto udp src 10.137.0.5 dst 10.139.1.1 dport 53", PFW_V_ACCEPT},
        {"iif tap0 proto tcp src 10.137.0.5 dst 10.139.1.1 dport 53", PFW_V_ACCEPT},
        {"iif tap0 proto udp src fd00::5 dst fd00::53 dport 53", PFW_V_ACCEPT},
        {"iif tap0 proto udp src 10.137.0.5 dst 10.139.1.2 dport 53", PFW_V_DROP},
        {"iif tap0 proto udp src 10.137.0.5 dst 10.139.1.1 dport 54", PFW_V_DROP},
        {"iif tap0 proto icmp src 10.137.0.5 dst 10.139.1.1 type 8", PFW_V_ACCEPT},
        {"iif tap0 proto icmp src 10.137.0.5 dst 10.139.1.1 type 0", PFW_V_DROP},
        {"iif tap0 proto icmpv6 src fd00::5 dst fd00::53 type 8", PFW_V_ACCEPT},
        {"iif tap0 proto tcp src 10.137.0.5 dst 192.168.1.1 dport 80 time 1700000099", PFW_V_ACCEPT},
        {"iif tap0 proto tcp src 10.137.0.5 dst 192.168.1.1 dport 80 time 1700000100", PFW_V_DROP},
        {"iif tap0 proto tcp src fd00::5 dst 2001:db8::1 dport 22", PFW_V_ACCEPT},
        {"iif tap0 proto tcp src fd00::5 dst ::ffff:10.1.2.3 dport 443", PFW_V_DROP},
    };
    for (const auto& [text, verdict] : cases) {
        INFO("packet: " << text);
        Diagnostics pd;
        std::vector<std::string> w = words("hook forward " + text);
        std::optional<sim::PacketSpec> spec = sim::parsePacket(w, pd);
        INFO(pd.format());
        REQUIRE(spec);
        pfw_pkt pkt;
        spec->toPkt(&pkt);
        pfw_run run;
        host.run(pkt, PFW_HOOK_FORWARD, run);
        ir::RefResult want = ir::refEvaluate(*prog, pkt, PFW_HOOK_FORWARD);
        CHECK(run.verdict == verdict);
        CHECK(want.verdict == verdict);
        CHECK(run.rule == want.rule);
    }
}
