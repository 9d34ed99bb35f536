// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// sim/PacketSpec.h
// A packet described in words, built into real header bytes.
//------------------------------------------------------------------------------
//
// "hook forward iif tap0 proto tcp src 10.1.2.3 dst 93.184.216.34 dport 443
//  state new" becomes an IPv4 header and a TCP header, which the shared
// parser then reads exactly as the kernel would, plus the metadata the kernel
// takes from the skb and conntrack (interfaces, state, mark, uid...).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/Diag.h"

extern "C" {
#include "polyfw/pkt.h"
}

namespace pfw::sim {

struct PacketSpec {
    unsigned hook = PFW_HOOK_FORWARD;
    std::vector<uint8_t> bytes;  // the layer-3 packet
    unsigned family = 4;
    std::string ifn[PFW_NIFNS];
    uint32_t ctstate = PFW_CT_NEW;
    uint32_t mark = 0, uid = PFW_NONE32, gid = PFW_NONE32, time = 0;
    uint32_t saddrtype = 0, daddrtype = 0, ethertype = 0;
    std::optional<uint64_t> smac, dmac;
    // conntrack: direction (0 original, 1 reply), mark, and the original
    // destination (before DNAT): by default the packet's own destination in
    // the original direction, its source in the reply direction
    uint32_t ctdir = 0, ctmark = 0;
    std::optional<std::array<uint32_t, 4>> odaddr;
    std::optional<uint32_t> odport;
    std::string text;  // the words it was built from

    // Parses, builds the headers and fills *pkt through pfw_pkt_parse.
    void toPkt(pfw_pkt* pkt) const;
};

// Keywords: hook H, iif/oif/physin/physout NAME, proto tcp|udp|icmp|icmpv6|N,
// src/dst ADDR (IPv4 or IPv6: sets the family), sport/dport N,
// type/code N (ICMP), flags syn,ack,... (TCP), state
// new|established|related|invalid|untracked, mark N, uid N, gid N, len N
// (payload bytes), ttl N, tos N, dscp N, ipid N, frag first|later,
// smac/dmac MAC, time N (default: now, or $POLYFW_NOW), truncate N (cut the
// built packet to N bytes), ctdir original|reply, ctmark N, odst ADDR and
// odport N (the connection's original destination, before DNAT).
std::optional<PacketSpec> parsePacket(const std::vector<std::string>& words, Diagnostics& diags);

// Hook names as the CLI spells them; -1 when unknown.
int hookFromName(const std::string& name);
const char* hookName(unsigned hook);

}  // namespace pfw::sim
