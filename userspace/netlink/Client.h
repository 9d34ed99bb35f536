// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// netlink/Client.h
// Talks to polyfw.ko over generic netlink (include/polyfw/genl.h).
//------------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

struct mnl_socket;
struct nlmsghdr;

namespace pfw::nl {

// POLYFW_CMD_GET_INFO, and one table of POLYFW_CMD_GET_TABLES.
struct Info {
    std::string table;
    std::optional<int32_t> priority;  // absent when the table does not exist
    uint32_t generation = 0;
    uint32_t size = 0;  // bytes of the active program, 0 when none
    uint32_t nRules = 0;
    uint32_t nStates = 0;
    bool loaded = false;
    uint32_t cost = 0;  // the active program's worst-case cost per packet, 0 when none
    uint32_t hooks = 0;  // netfilter hooks polyfw is registered at: bit 1 << enum pfw_hook
    uint64_t statesRefused = 0;  // new flows the full state table refused
    uint64_t dropsMalformed = 0;  // packets dropped for headers that could not be walked
    uint64_t dropsBudget = 0;  // packets dropped because a run spent its whole budget
};

// Fills info from one POLYFW_CMD_GET_INFO reply (a whole netlink message:
// nlmsghdr, genlmsghdr, attributes).  Attributes it does not know, or of the
// wrong size, are skipped: those fields keep their value.
void parseInfo(const nlmsghdr* msg, Info& info);

// One rule's counters (POLYFW_CMD_GET_COUNTERS).
struct RuleCounter {
    uint32_t index = 0;
    uint32_t id = 0;
    uint32_t key = 0;
    uint64_t packets = 0;
    uint64_t bytes = 0;
    uint64_t lastSeen = 0;  // seconds since the epoch, 0 for never
};

// One dynamic (keep-state) entry (POLYFW_CMD_GET_STATES).
struct StateEntry {
    uint32_t flow[12] = {};  // family, protocol, end A (address[4], port), end B
    uint32_t parentKey = 0;
    std::optional<uint32_t> rule;  // the parent's index in the active program
    uint32_t expires = 0;  // seconds left
};

// The active program; blob is empty when there is none.
struct Program {
    uint32_t generation = 0;
    std::vector<uint32_t> blob;
};

// Every call returns "" on success or one line saying what went wrong (the
// kernel's own text when it sent one).  Nothing throws for expected
// failures.  Calls open the socket on first use.  Calls about one table
// concern the table given to the constructor (POLYFW_TABLE_DEFAULT when
// none).
class Client {
public:
    explicit Client(std::string table = "");
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    std::string open();
    std::string getInfo(Info& out);
    std::string getGeneration(uint32_t& out);
    // Loads blob in chunks as one transaction; with expectedGeneration, the
    // kernel refuses it if the program changed since that generation.
    // A load that creates the table creates it at priority (the kernel's
    // default, POLYFW_PRIO_DEFAULT, without); an existing table must have it.
    std::string loadProgram(const std::vector<uint32_t>& blob,
                            std::optional<uint32_t> expectedGeneration = std::nullopt,
                            uint32_t* newGeneration = nullptr, std::optional<int32_t> priority = std::nullopt);
    std::string getProgram(Program& out);
    std::string getCounters(std::vector<RuleCounter>& out, uint32_t* generation = nullptr);
    std::string getStates(std::vector<StateEntry>& out);
    std::string zeroCounters();
    std::string flush(std::optional<uint32_t> expectedGeneration = std::nullopt,
                      uint32_t* newGeneration = nullptr);
    std::string deleteTable(std::optional<uint32_t> expectedGeneration = std::nullopt);
    // Every table of the namespace, in name order.
    std::string getTables(std::vector<Info>& out);
    const std::string& table() const { return table_; }

private:
    using MsgFn = std::function<void(const nlmsghdr*)>;
    struct Attr {
        uint16_t type;
        std::vector<uint8_t> data;
    };
    static Attr u32Attr(uint16_t type, uint32_t v);

    // Sends one command and reads until its ack (or NLMSG_DONE for a dump),
    // calling onMsg for each reply.  *interrupted is set when the kernel
    // flagged the dump NLM_F_DUMP_INTR.
    std::string request(uint8_t cmd, const std::vector<Attr>& attrs, bool dump, const MsgFn& onMsg,
                        bool* interrupted = nullptr);
    std::string resolveFamily();

    std::string table_;
    mnl_socket* sock_ = nullptr;
    uint16_t family_ = 0;
    uint32_t portid_ = 0;
    uint32_t seq_ = 0;
    std::vector<char> rxbuf_;
};

}  // namespace pfw::nl
