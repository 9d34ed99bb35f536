// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// netlink/Client.cpp
// libmnl requests to the polyfw generic netlink family.
//------------------------------------------------------------------------------
#include "netlink/Client.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <utility>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

extern "C" {
#include "polyfw/bytecode.h"
#include "polyfw/genl.h"
}

namespace pfw::nl {

namespace {

// Dump replies come in skbs of up to 32 KiB; leave room.
constexpr size_t kRxBufSize = 128 * 1024;
// An interrupted dump is tried again this many times.
constexpr int kDumpTries = 8;

std::string errnoText(int err) {
    switch (err) {
    case EPERM:
        return "permission denied: polyfw needs CAP_NET_ADMIN in this network namespace";
    case ENOENT:
        return "no such object";
    default:
        return std::strerror(err);
    }
}

// The error code and texts of an NLMSG_ERROR or NLMSG_DONE message.
struct AckInfo {
    int error = 0;
    std::string extack;
};

int extackAttr(const nlattr* a, void* data) {
    auto* info = static_cast<AckInfo*>(data);
    if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
        info->extack = mnl_attr_get_str(a);
    return MNL_CB_OK;
}

AckInfo parseAck(const nlmsghdr* nlh) {
    AckInfo info;
    size_t off;
    if (nlh->nlmsg_type == NLMSG_ERROR) {
        if (mnl_nlmsg_get_payload_len(nlh) < sizeof(nlmsgerr)) {
            info.error = -EBADMSG;
            return info;
        }
        auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
        info.error = err->error;
        off = sizeof(*err);
        if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
            off += err->msg.nlmsg_len - sizeof(nlmsghdr);
    } else {  // NLMSG_DONE
        if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
            std::memcpy(&info.error, mnl_nlmsg_get_payload(nlh), sizeof(int));
        off = sizeof(int);
    }
    if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off <= mnl_nlmsg_get_payload_len(nlh))
        mnl_attr_parse(nlh, off, extackAttr, &info);
    return info;
}

// Top-level attributes of a polyfw message, by type (last one wins), and
// every POLYFW_A_RULE.
struct Attrs {
    std::map<uint16_t, const nlattr*> one;
    std::vector<const nlattr*> rules;
    std::vector<const nlattr*> states;
};

int collectAttr(const nlattr* a, void* data) {
    auto* attrs = static_cast<Attrs*>(data);
    uint16_t type = mnl_attr_get_type(a);
    if (type == POLYFW_A_RULE)
        attrs->rules.push_back(a);
    else if (type == POLYFW_A_STATE)
        attrs->states.push_back(a);
    else if (type <= POLYFW_A_MAX)
        attrs->one[type] = a;
    return MNL_CB_OK;
}

Attrs parseAttrs(const nlmsghdr* nlh) {
    Attrs attrs;
    mnl_attr_parse(nlh, sizeof(genlmsghdr), collectAttr, &attrs);
    return attrs;
}

bool getU32(const Attrs& attrs, uint16_t type, uint32_t& out) {
    auto it = attrs.one.find(type);
    if (it == attrs.one.end() || mnl_attr_validate(it->second, MNL_TYPE_U32) < 0)
        return false;
    out = mnl_attr_get_u32(it->second);
    return true;
}

bool getU64(const Attrs& attrs, uint16_t type, uint64_t& out) {
    auto it = attrs.one.find(type);
    if (it == attrs.one.end() || mnl_attr_validate(it->second, MNL_TYPE_U64) < 0)
        return false;
    out = mnl_attr_get_u64(it->second);  // copies: the kernel does not align it
    return true;
}

int ruleAttr(const nlattr* a, void* data) {
    auto* rc = static_cast<RuleCounter*>(data);
    switch (mnl_attr_get_type(a)) {
    case POLYFW_RULE_A_INDEX:
        if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
            rc->index = mnl_attr_get_u32(a);
        break;
    case POLYFW_RULE_A_ID:
        if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
            rc->id = mnl_attr_get_u32(a);
        break;
    case POLYFW_RULE_A_KEY:
        if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
            rc->key = mnl_attr_get_u32(a);
        break;
    case POLYFW_RULE_A_PACKETS:
        if (mnl_attr_validate(a, MNL_TYPE_U64) >= 0)
            rc->packets = mnl_attr_get_u64(a);
        break;
    case POLYFW_RULE_A_BYTES:
        if (mnl_attr_validate(a, MNL_TYPE_U64) >= 0)
            rc->bytes = mnl_attr_get_u64(a);
        break;
    case POLYFW_RULE_A_LAST_SEEN:
        if (mnl_attr_validate(a, MNL_TYPE_U64) >= 0)
            rc->lastSeen = mnl_attr_get_u64(a);
        break;
    default:
        break;
    }
    return MNL_CB_OK;
}

}  // namespace

Client::Client(std::string table) : table_(table.empty() ? POLYFW_TABLE_DEFAULT : std::move(table)) {}

Client::~Client() {
    if (sock_)
        mnl_socket_close(sock_);
}

Client::Attr Client::u32Attr(uint16_t type, uint32_t v) {
    Attr a{type, std::vector<uint8_t>(4)};
    std::memcpy(a.data.data(), &v, 4);
    return a;
}

std::string Client::open() {
    if (sock_)
        return "";
    sock_ = mnl_socket_open(NETLINK_GENERIC);
    if (!sock_)
        return std::string("cannot open a generic netlink socket: ") + std::strerror(errno);
    int one = 1;
    int fd = mnl_socket_get_fd(sock_);
    // Error texts from the kernel, and acks without a copy of our chunks.
    setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
    if (mnl_socket_bind(sock_, 0, MNL_SOCKET_AUTOPID) < 0) {
        std::string err = std::string("cannot bind a generic netlink socket: ") + std::strerror(errno);
        mnl_socket_close(sock_);
        sock_ = nullptr;
        return err;
    }
    portid_ = mnl_socket_get_portid(sock_);
    rxbuf_.resize(kRxBufSize);
    std::string err = resolveFamily();
    if (!err.empty()) {
        mnl_socket_close(sock_);
        sock_ = nullptr;
    }
    return err;
}

std::string Client::resolveFamily() {
    char buf[MNL_SOCKET_BUFFER_SIZE];
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = GENL_ID_CTRL;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = ++seq_;
    auto* genl = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(genlmsghdr)));
    genl->cmd = CTRL_CMD_GETFAMILY;
    genl->version = 1;
    mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, POLYFW_GENL_NAME);
    if (mnl_socket_sendto(sock_, nlh, nlh->nlmsg_len) < 0)
        return std::string("cannot talk to generic netlink: ") + std::strerror(errno);
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(sock_, rxbuf_.data(), rxbuf_.size());
        if (n < 0)
            return std::string("cannot talk to generic netlink: ") + std::strerror(errno);
        int left = static_cast<int>(n);
        for (auto* m = reinterpret_cast<const nlmsghdr*>(rxbuf_.data()); mnl_nlmsg_ok(m, left);
             m = mnl_nlmsg_next(m, &left)) {
            if (m->nlmsg_seq != seq_)
                continue;
            if (m->nlmsg_type == NLMSG_ERROR) {
                AckInfo ack = parseAck(m);
                if (ack.error == -ENOENT)
                    return "the polyfw kernel module is not loaded (no generic netlink family \"" POLYFW_GENL_NAME
                           "\")";
                if (ack.error)
                    return "cannot resolve the polyfw netlink family: " + errnoText(-ack.error);
                return family_ ? "" : "cannot resolve the polyfw netlink family: no id in the reply";
            }
            if (m->nlmsg_type != GENL_ID_CTRL)
                continue;
            struct Cb {
                static int attr(const nlattr* a, void* data) {
                    if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID && mnl_attr_validate(a, MNL_TYPE_U16) >= 0)
                        *static_cast<uint16_t*>(data) = mnl_attr_get_u16(a);
                    return MNL_CB_OK;
                }
            };
            mnl_attr_parse(m, sizeof(genlmsghdr), Cb::attr, &family_);
        }
    }
}

std::string Client::request(uint8_t cmd, const std::vector<Attr>& attrs, bool dump, const MsgFn& onMsg,
                            bool* interrupted) {
    std::string err = open();
    if (!err.empty())
        return err;
    size_t need = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(genlmsghdr));
    for (const auto& a : attrs)
        need += MNL_ATTR_HDRLEN + MNL_ALIGN(a.data.size());
    // the commands about one table name it
    std::vector<uint8_t> tableName(table_.begin(), table_.end());
    tableName.push_back(0);
    switch (cmd) {
    case POLYFW_CMD_GET_INFO:
    case POLYFW_CMD_LOAD_BEGIN:
    case POLYFW_CMD_GET_PROGRAM:
    case POLYFW_CMD_GET_COUNTERS:
    case POLYFW_CMD_ZERO_COUNTERS:
    case POLYFW_CMD_GET_STATES:
    case POLYFW_CMD_FLUSH:
    case POLYFW_CMD_DELETE_TABLE:
        need += MNL_ATTR_HDRLEN + MNL_ALIGN(tableName.size());
        break;
    default:
        tableName.clear();
        break;
    }
    std::vector<char> buf(need);
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
    nlh->nlmsg_type = family_;
    nlh->nlmsg_flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK);
    nlh->nlmsg_seq = ++seq_;
    auto* genl = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(genlmsghdr)));
    genl->cmd = cmd;
    genl->version = POLYFW_GENL_VERSION;
    if (!tableName.empty())
        mnl_attr_put(nlh, POLYFW_A_TABLE, tableName.size(), tableName.data());
    for (const auto& a : attrs)
        mnl_attr_put(nlh, a.type, a.data.size(), a.data.data());
    if (mnl_socket_sendto(sock_, nlh, nlh->nlmsg_len) < 0)
        return std::string("cannot send to the polyfw module: ") + std::strerror(errno);

    std::string kernelText;  // POLYFW_A_ERROR of a message before the ack
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(sock_, rxbuf_.data(), rxbuf_.size());
        if (n < 0)
            return std::string("cannot read from the polyfw module: ") + std::strerror(errno);
        int left = static_cast<int>(n);
        for (auto* m = reinterpret_cast<const nlmsghdr*>(rxbuf_.data()); mnl_nlmsg_ok(m, left);
             m = mnl_nlmsg_next(m, &left)) {
            if (m->nlmsg_seq != seq_ || m->nlmsg_pid != portid_)
                continue;  // left over from an earlier request
            if (m->nlmsg_type == NLMSG_ERROR || m->nlmsg_type == NLMSG_DONE) {
                AckInfo ack = parseAck(m);
                if (!ack.error)
                    return "";
                if (!kernelText.empty())
                    return kernelText;
                if (!ack.extack.empty())
                    return ack.extack;
                return errnoText(-ack.error);
            }
            if (m->nlmsg_type != family_)
                continue;
            if ((m->nlmsg_flags & NLM_F_DUMP_INTR) && interrupted)
                *interrupted = true;
            Attrs a = parseAttrs(m);
            auto it = a.one.find(POLYFW_A_ERROR);
            if (it != a.one.end() && mnl_attr_validate(it->second, MNL_TYPE_NUL_STRING) >= 0) {
                kernelText = mnl_attr_get_str(it->second);
                continue;
            }
            if (onMsg)
                onMsg(m);
        }
    }
}

void parseInfo(const nlmsghdr* m, Info& out) {
    Attrs a = parseAttrs(m);
    uint32_t flags = 0;
    auto name = a.one.find(POLYFW_A_TABLE);
    if (name != a.one.end() && mnl_attr_validate(name->second, MNL_TYPE_NUL_STRING) >= 0)
        out.table = mnl_attr_get_str(name->second);
    auto prio = a.one.find(POLYFW_A_PRIORITY);
    if (prio != a.one.end() && mnl_attr_validate(prio->second, MNL_TYPE_U32) >= 0)
        out.priority = static_cast<int32_t>(mnl_attr_get_u32(prio->second));
    getU32(a, POLYFW_A_GENERATION, out.generation);
    getU32(a, POLYFW_A_SIZE, out.size);
    getU32(a, POLYFW_A_N_RULES, out.nRules);
    getU32(a, POLYFW_A_N_STATES, out.nStates);
    if (getU32(a, POLYFW_A_FLAGS, flags))
        out.loaded = flags & POLYFW_INFO_F_LOADED;
    getU32(a, POLYFW_A_COST, out.cost);
    getU32(a, POLYFW_A_HOOKS, out.hooks);
    getU64(a, POLYFW_A_STATES_REFUSED, out.statesRefused);
    // nla_put_u64_64bit() may put a POLYFW_A_PAD before each: it is skipped
    getU64(a, POLYFW_A_DROPS_MALFORMED, out.dropsMalformed);
    getU64(a, POLYFW_A_DROPS_BUDGET, out.dropsBudget);
}

std::string Client::getInfo(Info& out) {
    out = Info{};
    return request(POLYFW_CMD_GET_INFO, {}, false, [&](const nlmsghdr* m) { parseInfo(m, out); });
}

std::string Client::getGeneration(uint32_t& out) {
    Info info;
    std::string err = getInfo(info);
    out = info.generation;
    return err;
}

std::string Client::loadProgram(const std::vector<uint32_t>& blob, std::optional<uint32_t> expectedGeneration,
                                uint32_t* newGeneration, std::optional<int32_t> priority) {
    size_t bytes = blob.size() * 4;
    if (!bytes)
        return "empty program";
    if (bytes > PFW_MAX_PROG_BYTES)
        return "program of " + std::to_string(bytes) + " bytes is over the limit of " +
               std::to_string(PFW_MAX_PROG_BYTES);
    std::vector<Attr> begin{u32Attr(POLYFW_A_SIZE, static_cast<uint32_t>(bytes))};
    if (priority)
        begin.push_back(u32Attr(POLYFW_A_PRIORITY, static_cast<uint32_t>(*priority)));
    if (expectedGeneration)
        begin.push_back(u32Attr(POLYFW_A_GENERATION, *expectedGeneration));
    std::string err = request(POLYFW_CMD_LOAD_BEGIN, begin, false, nullptr);
    if (!err.empty())
        return err;
    const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
    for (size_t off = 0; off < bytes; off += POLYFW_CHUNK_MAX) {
        size_t len = std::min<size_t>(POLYFW_CHUNK_MAX, bytes - off);
        std::vector<Attr> chunk{u32Attr(POLYFW_A_OFFSET, static_cast<uint32_t>(off)),
                                Attr{POLYFW_A_DATA, std::vector<uint8_t>(p + off, p + off + len)}};
        err = request(POLYFW_CMD_LOAD_CHUNK, chunk, false, nullptr);
        if (!err.empty()) {
            request(POLYFW_CMD_LOAD_ABORT, {}, false, nullptr);
            return err;
        }
    }
    uint32_t gen = 0;
    err = request(POLYFW_CMD_LOAD_COMMIT, {}, false, [&](const nlmsghdr* m) {
        getU32(parseAttrs(m), POLYFW_A_GENERATION, gen);
    });
    if (err.empty() && newGeneration)
        *newGeneration = gen;
    return err;
}

std::string Client::getProgram(Program& out) {
    for (int tries = 0; tries < kDumpTries; tries++) {
        bool intr = false;
        std::string shape;  // a malformed reply, described
        std::vector<uint8_t> bytes;
        uint32_t size = 0, gen = 0;
        std::string err = request(POLYFW_CMD_GET_PROGRAM, {}, true, [&](const nlmsghdr* m) {
            Attrs a = parseAttrs(m);
            uint32_t off = 0, sz = 0;
            auto data = a.one.find(POLYFW_A_DATA);
            getU32(a, POLYFW_A_GENERATION, gen);
            if (data == a.one.end() || !getU32(a, POLYFW_A_OFFSET, off) || !getU32(a, POLYFW_A_SIZE, sz))
                return;
            if (bytes.empty())
                size = sz;
            if (sz != size || off != bytes.size()) {
                shape = "the kernel sent the program out of order";
                return;
            }
            auto* d = static_cast<const uint8_t*>(mnl_attr_get_payload(data->second));
            bytes.insert(bytes.end(), d, d + mnl_attr_get_payload_len(data->second));
        }, &intr);
        if (!err.empty())
            return err;
        if (intr)
            continue;
        if (!shape.empty())
            return shape;
        if (bytes.size() != size || size % 4)
            return "the kernel sent " + std::to_string(bytes.size()) + " of " + std::to_string(size) + " bytes";
        out.blob.assign(size / 4, 0);
        if (size)
            std::memcpy(out.blob.data(), bytes.data(), size);
        if (!size)
            return getGeneration(out.generation);
        out.generation = gen;
        return "";
    }
    return "the program kept changing while it was being read";
}

std::string Client::getCounters(std::vector<RuleCounter>& out, uint32_t* generation) {
    for (int tries = 0; tries < kDumpTries; tries++) {
        bool intr = false;
        uint32_t gen = 0;
        out.clear();
        std::string err = request(POLYFW_CMD_GET_COUNTERS, {}, true, [&](const nlmsghdr* m) {
            Attrs a = parseAttrs(m);
            getU32(a, POLYFW_A_GENERATION, gen);
            for (const nlattr* r : a.rules) {
                RuleCounter rc;
                mnl_attr_parse_nested(r, ruleAttr, &rc);
                out.push_back(rc);
            }
        }, &intr);
        if (!err.empty())
            return err;
        if (intr)
            continue;
        if (generation) {
            if (out.empty())
                return getGeneration(*generation);
            *generation = gen;
        }
        return "";
    }
    return "the program kept changing while its counters were being read";
}

namespace {

int stateAttr(const nlattr* a, void* data) {
    auto* st = static_cast<StateEntry*>(data);
    switch (mnl_attr_get_type(a)) {
    case POLYFW_STATE_A_FLOW:
        if (mnl_attr_get_payload_len(a) == sizeof(st->flow))
            std::memcpy(st->flow, mnl_attr_get_payload(a), sizeof(st->flow));
        break;
    case POLYFW_STATE_A_PARENT_KEY:
        if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
            st->parentKey = mnl_attr_get_u32(a);
        break;
    case POLYFW_STATE_A_RULE:
        if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
            st->rule = mnl_attr_get_u32(a);
        break;
    case POLYFW_STATE_A_EXPIRES:
        if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
            st->expires = mnl_attr_get_u32(a);
        break;
    default:
        break;
    }
    return MNL_CB_OK;
}

}  // namespace

std::string Client::getStates(std::vector<StateEntry>& out) {
    out.clear();
    return request(POLYFW_CMD_GET_STATES, {}, true, [&](const nlmsghdr* m) {
        Attrs a = parseAttrs(m);
        for (const nlattr* s : a.states) {
            StateEntry st;
            mnl_attr_parse_nested(s, stateAttr, &st);
            out.push_back(st);
        }
    });
}

std::string Client::zeroCounters() { return request(POLYFW_CMD_ZERO_COUNTERS, {}, false, nullptr); }

std::string Client::flush(std::optional<uint32_t> expectedGeneration, uint32_t* newGeneration) {
    std::vector<Attr> attrs;
    if (expectedGeneration)
        attrs.push_back(u32Attr(POLYFW_A_GENERATION, *expectedGeneration));
    uint32_t gen = 0;
    std::string err = request(POLYFW_CMD_FLUSH, attrs, false, [&](const nlmsghdr* m) {
        getU32(parseAttrs(m), POLYFW_A_GENERATION, gen);
    });
    if (err.empty() && newGeneration)
        *newGeneration = gen;
    return err;
}

std::string Client::deleteTable(std::optional<uint32_t> expectedGeneration) {
    std::vector<Attr> attrs;
    if (expectedGeneration)
        attrs.push_back(u32Attr(POLYFW_A_GENERATION, *expectedGeneration));
    return request(POLYFW_CMD_DELETE_TABLE, attrs, false, nullptr);
}

std::string Client::getTables(std::vector<Info>& out) {
    for (int tries = 0; tries < kDumpTries; tries++) {
        bool intr = false;
        out.clear();
        std::string err = request(POLYFW_CMD_GET_TABLES, {}, true, [&](const nlmsghdr* m) {
            Info info;
            parseInfo(m, info);
            if (!info.table.empty())
                out.push_back(info);
        }, &intr);
        if (!err.empty())
            return err;
        if (!intr)
            return "";
    }
    return "the tables kept changing while they were being read";
}

}  // namespace pfw::nl
