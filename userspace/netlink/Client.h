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
struct nlattr;
struct nlmsghdr;

namespace pfw::nl {

// POLYFW_CMD_GET_INFO, and one table of POLYFW_CMD_GET_TABLES.
// A table's dynamic-state lifetimes in seconds (struct polyfw_state_timeouts).
struct StateTimeouts {
    uint32_t syn = 20, established = 300, fin = 5, rst = 5, udp = 60, other = 30;
    bool operator==(const StateTimeouts&) const = default;
};

struct Info {
    std::string table;
    std::optional<StateTimeouts> timeouts;  // absent when the table does not exist
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

// One element of a live set (POLYFW_A_SET_ELEM): an inclusive interval
// whose bounds are 1 word (a number set) or 4 (an address or interface
// set, most significant first), and its value.
struct SetElem {
    std::vector<uint32_t> lo, hi;
    uint32_t value = 0;
    bool hasValue = false;  // sent (and received) with POLYFW_SETEL_A_VALUE
};

// One live set of a table (POLYFW_CMD_GET_SETS).
struct SetInfo {
    std::string table, name;
    uint32_t type = 0;  // width | has_value << 8 | pfw_set_desc flags << 16
    uint32_t generation = 0;
    uint32_t nElems = 0, nPrefixes = 0;
    uint64_t bytes = 0;  // kernel memory of the elements
};

// Bytes of element attributes one SET_ELEMS message carries at most.
inline constexpr size_t kSetMsgBytes = 60 * 1024;

// The POLYFW_A_SET_ELEM attributes (nested, NLA_F_NESTED) of elems, packed
// into batches of at most maxBytes each, in order; each batch is the tail of
// one message.  No elements: no batches.
std::vector<std::vector<uint8_t>> packSetElems(const std::vector<SetElem>& elems, size_t maxBytes = kSetMsgBytes);
// One POLYFW_A_SET_ELEM; false when it has no valid low end.
bool parseSetElem(const nlattr* nest, SetElem& out);
// One GET_SETS reply message.
void parseSetInfo(const nlmsghdr* msg, SetInfo& out);

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
                            uint32_t* newGeneration = nullptr, std::optional<int32_t> priority = std::nullopt,
                            std::optional<StateTimeouts> timeouts = std::nullopt);
    std::string getProgram(Program& out);
    std::string getCounters(std::vector<RuleCounter>& out, uint32_t* generation = nullptr);
    std::string getStates(std::vector<StateEntry>& out);
    std::string zeroCounters();
    std::string flush(std::optional<uint32_t> expectedGeneration = std::nullopt,
                      uint32_t* newGeneration = nullptr);
    std::string deleteTable(std::optional<uint32_t> expectedGeneration = std::nullopt);
    // Every table of the namespace, in name order.
    std::string getTables(std::vector<Info>& out);
    // Changes the live set's elements (POLYFW_CMD_SET_ELEMS, op enum
    // polyfw_set_op).  ADD and DEL go in batches of messages, each element
    // in order; the first one the kernel refuses ends them, with those
    // before it done (*failed: its index in elems).  A REPLACE is sent as
    // one replace across as many messages as it takes (POLYFW_SET_F_FIRST
    // on the first, POLYFW_SET_F_LAST on the last; flags 0 means both, other
    // flags a part of a longer replace the caller drives).  FLUSH takes no
    // elements.  *generation: the set's generation after the change.
    std::string setElems(const std::string& set, uint32_t op, const std::vector<SetElem>& elems, uint32_t flags = 0,
                         uint32_t* generation = nullptr, size_t* failed = nullptr);
    // The table's live sets.
    std::string getSets(std::vector<SetInfo>& out);
    // One live set's elements, read at one generation (in the kernel's order).
    std::string getSetElems(const std::string& set, std::vector<SetElem>& out, uint32_t* generation = nullptr);
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
    // raw: attributes already encoded, put after attrs.
    std::string request(uint8_t cmd, const std::vector<Attr>& attrs, bool dump, const MsgFn& onMsg,
                        bool* interrupted = nullptr, const std::vector<uint8_t>* raw = nullptr);
    static Attr strAttr(uint16_t type, const std::string& s);
    std::string resolveFamily();

    std::string table_;
    mnl_socket* sock_ = nullptr;
    uint16_t family_ = 0;
    uint32_t portid_ = 0;
    uint32_t seq_ = 0;
    std::vector<char> rxbuf_;
};

}  // namespace pfw::nl
