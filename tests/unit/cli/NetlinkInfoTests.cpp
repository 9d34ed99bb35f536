// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// cli/NetlinkInfoTests.cpp
// The GET_INFO reply as polyfw show reads it: replies built the way the
// kernel builds them (nla_put_u32, nla_put_u64_64bit with its padding).
//------------------------------------------------------------------------------
#include <catch2/catch.hpp>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include <vector>

#include "netlink/Client.h"
#include "netlink/Tables.h"

extern "C" {
#include "polyfw/genl.h"
}

using pfw::nl::Info;
using pfw::nl::parseInfo;

namespace {

struct Reply {
    std::vector<char> buf = std::vector<char>(4096);
    nlmsghdr* nlh;
    Reply() {
        nlh = mnl_nlmsg_put_header(buf.data());
        nlh->nlmsg_type = 0x20;
        auto* g = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(genlmsghdr)));
        g->cmd = POLYFW_CMD_GET_INFO;
        g->version = POLYFW_GENL_VERSION;
    }
    void u32(uint16_t type, uint32_t v) { mnl_attr_put_u32(nlh, type, v); }
    // nla_put_u64_64bit(): on a host that needs it, a zero-length pad
    // attribute first, so that the value lands 8-byte aligned.
    void u64(uint16_t type, uint64_t v, bool pad) {
        if (pad)
            mnl_attr_put(nlh, POLYFW_A_PAD, 0, nullptr);
        mnl_attr_put_u64(nlh, type, v);
    }
};

}  // namespace

TEST_CASE("GET_INFO: cost and drop counters, with and without padding", "[netlink]") {
    for (bool pad : {false, true}) {
        Reply r;
        r.u32(POLYFW_A_GENERATION, 7);
        r.u32(POLYFW_A_SIZE, 4096);
        r.u32(POLYFW_A_N_RULES, 12);
        r.u32(POLYFW_A_N_STATES, 3);
        r.u32(POLYFW_A_FLAGS, POLYFW_INFO_F_LOADED);
        r.u32(POLYFW_A_COST, 1234);
        r.u64(POLYFW_A_DROPS_MALFORMED, 0x123456789aull, pad);
        r.u64(POLYFW_A_DROPS_BUDGET, 5, pad);
        Info info;
        parseInfo(r.nlh, info);
        INFO("pad " << pad);
        CHECK(info.generation == 7);
        CHECK(info.size == 4096);
        CHECK(info.nRules == 12);
        CHECK(info.nStates == 3);
        CHECK(info.loaded);
        CHECK(info.cost == 1234);
        CHECK(info.dropsMalformed == 0x123456789aull);
        CHECK(info.dropsBudget == 5);
    }
}

TEST_CASE("GET_INFO: missing or malformed attributes leave their fields alone", "[netlink]") {
    Reply r;
    r.u32(POLYFW_A_GENERATION, 9);
    r.u32(POLYFW_A_FLAGS, 0);
    r.u32(POLYFW_A_DROPS_BUDGET, 77);              // a u64 sent as 4 bytes: skipped
    mnl_attr_put_u16(r.nlh, POLYFW_A_COST, 3);     // a u32 sent as 2 bytes: skipped
    mnl_attr_put_u32(r.nlh, POLYFW_A_MAX + 1, 1);  // an attribute from a newer kernel
    Info info;
    parseInfo(r.nlh, info);
    CHECK(info.generation == 9);
    CHECK(!info.loaded);
    CHECK(info.cost == 0);
    CHECK(info.dropsMalformed == 0);
    CHECK(info.dropsBudget == 0);
}

TEST_CASE("GET_INFO: a table's name, priority and state lifetimes", "[netlink][tables]") {
    Reply r;
    mnl_attr_put_strz(r.nlh, POLYFW_A_TABLE, "qvm");
    mnl_attr_put_u32(r.nlh, POLYFW_A_PRIORITY, static_cast<uint32_t>(-5));
    polyfw_state_timeouts t{20, 300, 1, 1, 10, 5};
    mnl_attr_put(r.nlh, POLYFW_A_STATE_TIMEOUTS, sizeof(t), &t);
    Info info;
    parseInfo(r.nlh, info);
    CHECK(info.table == "qvm");
    REQUIRE(info.priority);
    CHECK(*info.priority == -5);
    REQUIRE(info.timeouts);
    CHECK(*info.timeouts == pfw::nl::StateTimeouts{20, 300, 1, 1, 10, 5});

    Reply none;  // a table that does not exist: no priority, no lifetimes
    mnl_attr_put_strz(none.nlh, POLYFW_A_TABLE, "nosuch");
    Info empty;
    parseInfo(none.nlh, empty);
    CHECK(empty.table == "nosuch");
    CHECK(!empty.priority);
    CHECK(!empty.timeouts);
}

TEST_CASE("load --state-timeouts: presets, partial lists and exact errors", "[netlink][tables]") {
    using pfw::nl::parseStateTimeouts;
    using pfw::nl::StateTimeouts;
    StateTimeouts t;
    CHECK(parseStateTimeouts("ipfw", t) == "");
    CHECK(t == StateTimeouts{20, 300, 1, 1, 10, 5});
    CHECK(parseStateTimeouts("default", t) == "");
    CHECK(t == StateTimeouts{});
    CHECK(parseStateTimeouts("udp=2,established=3600", t) == "");
    CHECK(t == StateTimeouts{20, 3600, 5, 5, 2, 30});
    StateTimeouts keep = t;
    CHECK(parseStateTimeouts("udp=0", t) == "bad state timeout 'udp=0': seconds must be 1 to 604800");
    CHECK(parseStateTimeouts("tcp=5", t) ==
          "bad state timeout 'tcp=5': expected syn, established, fin, rst, udp or other =SECONDS, or ipfw, or default");
    CHECK(parseStateTimeouts("fin=604801", t) == "bad state timeout 'fin=604801': seconds must be 1 to 604800");
    CHECK(parseStateTimeouts("syn=1x", t) == "bad state timeout 'syn=1x': seconds must be 1 to 604800");
    CHECK(parseStateTimeouts("", t) == "empty state timeout list");
    CHECK(t == keep);
}
