// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// netlink/Client.cpp
// libmnl requests to the polyfw generic netlink family.
//------------------------------------------------------------------------------
#include "netlink/Client.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
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
    std::vector<const nlattr*> elems;
};

int collectAttr(const nlattr* a, void* data) {
    auto* attrs = static_cast<Attrs*>(data);
    uint16_t type = mnl_attr_get_type(a);
    if (type == POLYFW_A_RULE)
        attrs->rules.push_back(a);
    else if (type == POLYFW_A_STATE)
        attrs->states.push_back(a);
    else if (type == POLYFW_A_SET_ELEM)
        attrs->elems.push_back(a);
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

Client::Attr Client::strAttr(uint16_t type, const std::string& s) {
    Attr a{type, std::vector<uint8_t>(s.begin(), s.end())};
    a.data.push_back(0);
    return a;
}

std::string Client::request(uint8_t cmd, const std::vector<Attr>& attrs, bool dump, const MsgFn& onMsg,
                            bool* interrupted, const std::vector<uint8_t>* raw) {
    std::string err = open();
    if (!err.empty())
        return err;
    size_t need = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(genlmsghdr));
    for (const auto& a : attrs)
        need += MNL_ATTR_HDRLEN + MNL_ALIGN(a.data.size());
    if (raw)
        need += raw->size();
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
    case POLYFW_CMD_SET_ELEMS:
    case POLYFW_CMD_GET_SETS:
    case POLYFW_CMD_GET_SET_ELEMS:
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
    if (raw && !raw->empty()) {
        std::memcpy(mnl_nlmsg_get_payload_tail(nlh), raw->data(), raw->size());
        nlh->nlmsg_len += static_cast<uint32_t>(raw->size());
    }
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
    auto tmo = a.one.find(POLYFW_A_STATE_TIMEOUTS);
    if (tmo != a.one.end() && mnl_attr_get_payload_len(tmo->second) == sizeof(polyfw_state_timeouts)) {
        polyfw_state_timeouts t;
        std::memcpy(&t, mnl_attr_get_payload(tmo->second), sizeof(t));
        out.timeouts = StateTimeouts{t.syn, t.established, t.fin, t.rst, t.udp, t.other};
    }
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
                                uint32_t* newGeneration, std::optional<int32_t> priority,
                                std::optional<StateTimeouts> timeouts) {
    size_t bytes = blob.size() * 4;
    if (!bytes)
        return "empty program";
    if (bytes > PFW_MAX_PROG_BYTES)
        return "program of " + std::to_string(bytes) + " bytes is over the limit of " +
               std::to_string(PFW_MAX_PROG_BYTES);
    std::vector<Attr> begin{u32Attr(POLYFW_A_SIZE, static_cast<uint32_t>(bytes))};
    if (priority)
        begin.push_back(u32Attr(POLYFW_A_PRIORITY, static_cast<uint32_t>(*priority)));
    if (timeouts) {
        polyfw_state_timeouts t{timeouts->syn, timeouts->established, timeouts->fin,
                                timeouts->rst, timeouts->udp, timeouts->other};
        const auto* b = reinterpret_cast<const uint8_t*>(&t);
        begin.push_back(Attr{POLYFW_A_STATE_TIMEOUTS, std::vector<uint8_t>(b, b + sizeof(t))});
    }
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

//------------------------------------------------------------------------------
// Live sets
//------------------------------------------------------------------------------

namespace {

void putAttr(std::vector<uint8_t>& out, uint16_t type, const void* data, size_t len) {
    nlattr h{};
    h.nla_len = static_cast<uint16_t>(MNL_ATTR_HDRLEN + len);
    h.nla_type = type;
    size_t at = out.size();
    out.resize(at + MNL_ATTR_HDRLEN + MNL_ALIGN(len), 0);
    std::memcpy(out.data() + at, &h, sizeof(h));
    if (len)
        std::memcpy(out.data() + at + MNL_ATTR_HDRLEN, data, len);
}

// One element as a POLYFW_A_SET_ELEM attribute.
void putElem(std::vector<uint8_t>& out, const SetElem& e) {
    std::vector<uint8_t> inner;
    putAttr(inner, POLYFW_SETEL_A_LO, e.lo.data(), e.lo.size() * 4);
    if (!e.hi.empty())
        putAttr(inner, POLYFW_SETEL_A_HI, e.hi.data(), e.hi.size() * 4);
    if (e.hasValue)
        putAttr(inner, POLYFW_SETEL_A_VALUE, &e.value, 4);
    putAttr(out, POLYFW_A_SET_ELEM | NLA_F_NESTED, inner.data(), inner.size());
}

struct ElemCb {
    SetElem* e;
    bool lo = false;
};

std::vector<uint32_t> wordsOf(const nlattr* a) {
    size_t len = mnl_attr_get_payload_len(a);
    std::vector<uint32_t> w(len / 4);
    if (!w.empty())
        std::memcpy(w.data(), mnl_attr_get_payload(a), w.size() * 4);
    return w;
}

int setElemAttr(const nlattr* a, void* data) {
    auto* cb = static_cast<ElemCb*>(data);
    size_t len = mnl_attr_get_payload_len(a);
    switch (mnl_attr_get_type(a)) {
        case POLYFW_SETEL_A_LO:
            if (len == 4 || len == 16) {
                cb->e->lo = wordsOf(a);
                cb->lo = true;
            }
            break;
        case POLYFW_SETEL_A_HI:
            if (len == 4 || len == 16)
                cb->e->hi = wordsOf(a);
            break;
        case POLYFW_SETEL_A_VALUE:
            if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0) {
                cb->e->value = mnl_attr_get_u32(a);
                cb->e->hasValue = true;
            }
            break;
        default:
            break;
    }
    return MNL_CB_OK;
}

}  // namespace

std::vector<std::vector<uint8_t>> packSetElems(const std::vector<SetElem>& elems, size_t maxBytes) {
    std::vector<std::vector<uint8_t>> batches;
    std::vector<uint8_t> one;
    for (const auto& e : elems) {
        one.clear();
        putElem(one, e);
        if (batches.empty() || (!batches.back().empty() && batches.back().size() + one.size() > maxBytes))
            batches.emplace_back();
        batches.back().insert(batches.back().end(), one.begin(), one.end());
    }
    return batches;
}

bool parseSetElem(const nlattr* nest, SetElem& out) {
    out = SetElem{};
    ElemCb cb{&out};
    mnl_attr_parse_nested(nest, setElemAttr, &cb);
    if (!cb.lo)
        return false;
    if (out.hi.size() != out.lo.size())
        out.hi = out.lo;
    return true;
}

void parseSetInfo(const nlmsghdr* m, SetInfo& out) {
    Attrs a = parseAttrs(m);
    auto str = [&](uint16_t type, std::string& s) {
        auto it = a.one.find(type);
        if (it != a.one.end() && mnl_attr_validate(it->second, MNL_TYPE_NUL_STRING) >= 0)
            s = mnl_attr_get_str(it->second);
    };
    str(POLYFW_A_TABLE, out.table);
    str(POLYFW_A_SET, out.name);
    getU32(a, POLYFW_A_SET_TYPE, out.type);
    getU32(a, POLYFW_A_SET_GENERATION, out.generation);
    getU32(a, POLYFW_A_SET_N_ELEMS, out.nElems);
    getU32(a, POLYFW_A_SET_N_PREFIXES, out.nPrefixes);
    getU64(a, POLYFW_A_SET_BYTES, out.bytes);
}

std::string Client::setElems(const std::string& set, uint32_t op, const std::vector<SetElem>& elems, uint32_t flags,
                             uint32_t* generation, size_t* failed) {
    const std::vector<Attr> head{strAttr(POLYFW_A_SET, set), u32Attr(POLYFW_A_SET_OP, op)};
    uint32_t gen = 0;
    auto onReply = [&](const nlmsghdr* m) { getU32(parseAttrs(m), POLYFW_A_SET_GENERATION, gen); };
    if (op == POLYFW_SET_OP_FLUSH) {
        std::string err = request(POLYFW_CMD_SET_ELEMS, head, false, onReply);
        if (err.empty() && generation)
            *generation = gen;
        return err;
    }
    std::vector<std::vector<uint8_t>> batches = packSetElems(elems);
    if (batches.empty()) {
        if (op != POLYFW_SET_OP_REPLACE) {
            // nothing to add or remove: the generation as it is
            if (!generation)
                return "";
            std::vector<SetInfo> sets;
            std::string err = getSets(sets);
            for (const auto& si : sets)
                if (si.name == set)
                    *generation = si.generation;
            return err;
        }
        batches.emplace_back();  // an empty replace empties the set
    }
    if (op == POLYFW_SET_OP_REPLACE && !flags)
        flags = POLYFW_SET_F_FIRST | POLYFW_SET_F_LAST;
    size_t done = 0;  // elements of the batches sent
    for (size_t b = 0; b < batches.size(); b++) {
        std::vector<Attr> attrs = head;
        if (op == POLYFW_SET_OP_REPLACE) {
            uint32_t f =
                (b == 0 ? flags & POLYFW_SET_F_FIRST : 0) | (b + 1 == batches.size() ? flags & POLYFW_SET_F_LAST : 0);
            attrs.push_back(u32Attr(POLYFW_A_SET_FLAGS, f));
        }
        std::string err = request(POLYFW_CMD_SET_ELEMS, attrs, false, onReply, nullptr, &batches[b]);
        // elements in this batch
        size_t n = 0;
        for (size_t off = 0; off + MNL_ATTR_HDRLEN <= batches[b].size(); n++) {
            nlattr h;
            std::memcpy(&h, batches[b].data() + off, sizeof(h));
            off += MNL_ALIGN(h.nla_len);
        }
        if (!err.empty()) {
            // "element N: why" names an element of this message
            unsigned idx = 0;
            int used = 0;
            if (op != POLYFW_SET_OP_REPLACE && std::sscanf(err.c_str(), "element %u: %n", &idx, &used) == 1 &&
                used > 0) {
                if (failed)
                    *failed = done + idx;
                err = err.substr(static_cast<size_t>(used));
            }
            return err;
        }
        done += n;
    }
    if (generation)
        *generation = gen;
    return "";
}

std::string Client::getSets(std::vector<SetInfo>& out) {
    for (int tries = 0; tries < kDumpTries; tries++) {
        bool intr = false;
        out.clear();
        std::string err = request(
            POLYFW_CMD_GET_SETS, {}, true,
            [&](const nlmsghdr* m) {
                SetInfo si;
                parseSetInfo(m, si);
                if (!si.name.empty())
                    out.push_back(si);
            },
            &intr);
        if (!err.empty())
            return err;
        if (!intr)
            return "";
    }
    return "the sets kept changing while they were being read";
}

std::string Client::getSetElems(const std::string& set, std::vector<SetElem>& out, uint32_t* generation) {
    for (int tries = 0; tries < kDumpTries; tries++) {
        bool intr = false;
        uint32_t gen = 0;
        out.clear();
        std::string err = request(
            POLYFW_CMD_GET_SET_ELEMS, {strAttr(POLYFW_A_SET, set)}, true,
            [&](const nlmsghdr* m) {
                Attrs a = parseAttrs(m);
                getU32(a, POLYFW_A_SET_GENERATION, gen);
                for (const nlattr* e : a.elems) {
                    SetElem el;
                    if (parseSetElem(e, el))
                        out.push_back(std::move(el));
                }
            },
            &intr);
        if (!err.empty())
            return err;
        if (intr)
            continue;
        if (generation)
            *generation = gen;
        return "";
    }
    return "the set kept changing while its elements were being read";
}

}  // namespace pfw::nl
