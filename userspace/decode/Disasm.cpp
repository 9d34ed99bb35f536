// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// decode/Disasm.cpp
// Prints a verified program readably, each instruction with its rule.
//------------------------------------------------------------------------------
#include "decode/Disasm.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>
#include <sstream>

namespace pfw::decode {

namespace {

const char* const kHookNames[PFW_HOOK_MAX] = {"prerouting", "input", "forward", "output", "postrouting"};

std::string hex(uint32_t v) {
    char b[16];
    std::snprintf(b, sizeof(b), "0x%x", v);
    return b;
}

std::string fieldName(uint8_t field) {
    const char* n = pfw_field_name(field & PFW_F_MASK);
    return n ? n : "field" + std::to_string(field & PFW_F_MASK);
}

// The classes insn.def gives each opcode, so no list is kept here twice.
bool isTest(uint8_t op) { return pfw_op_class(op) == PFW_OPC_TEST; }
bool isAction(uint8_t op) { return pfw_op_class(op) == PFW_OPC_ACTION && op != PFW_OP_RULE; }
bool isTerminal(uint8_t op) { return pfw_op_class(op) == PFW_OPC_TERMINAL; }

std::string quote(const char* s, size_t max) {
    std::string out = "\"";
    for (size_t i = 0; i < max && s[i]; i++)
        out += s[i];
    return out + "\"";
}

}  // namespace

std::string formatAddr(const uint32_t w[4]) {
    char buf[INET6_ADDRSTRLEN];
    if (w[0] == 0 && w[1] == 0 && w[2] == 0xffff) {
        uint32_t a = htonl(w[3]);
        inet_ntop(AF_INET, &a, buf, sizeof(buf));
        return buf;
    }
    uint32_t n[4] = {htonl(w[0]), htonl(w[1]), htonl(w[2]), htonl(w[3])};
    inet_ntop(AF_INET6, n, buf, sizeof(buf));
    return buf;
}

std::string ruleLoc(const pfw_prog& p, uint32_t rule) {
    if (rule >= p.n_rules || !p.n_strtab)
        return "";
    return p.strtab + p.rules[rule].loc;
}

std::string liveSetName(const pfw_prog& p, uint32_t set) {
    if (set >= p.n_sets || p.sets[set].pool_off >= p.n_strtab)
        return "";
    const char* n = p.strtab + p.sets[set].pool_off;
    return std::string(n, strnlen(n, p.n_strtab - p.sets[set].pool_off));
}

std::vector<uint32_t> attributeInsns(const pfw_prog& p) {
    std::vector<uint32_t> owner(p.n_insns, PFW_NONE32);
    // actions after RULE k belong to k, up to and including the verdict
    uint32_t cur = PFW_NONE32;
    for (uint32_t pc = 0; pc < p.n_insns; pc++) {
        uint8_t op = p.insns[pc].op;
        if (op == PFW_OP_RULE) {
            cur = p.insns[pc].arg;
            owner[pc] = cur;
        } else if (cur != PFW_NONE32 && (isAction(op) || isTerminal(op) || op == PFW_OP_JMP)) {
            owner[pc] = cur;
            if (isTerminal(op) || op == PFW_OP_JMP)
                cur = PFW_NONE32;
        } else {
            cur = PFW_NONE32;
        }
    }
    // the tests just before RULE k are k's matches
    cur = PFW_NONE32;
    for (uint32_t pc = p.n_insns; pc-- > 0;) {
        uint8_t op = p.insns[pc].op;
        if (op == PFW_OP_RULE)
            cur = p.insns[pc].arg;
        else if (isTest(op) && owner[pc] == PFW_NONE32 && cur != PFW_NONE32)
            owner[pc] = cur;
        else if (!isTest(op))
            cur = PFW_NONE32;
    }
    return owner;
}

std::string formatInsn(const pfw_prog& p, uint32_t pc) {
    const pfw_insn& in = p.insns[pc];
    const char* name = pfw_op_name(in.op);
    std::string op = name ? name : "?";
    for (auto& c : op)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string s = op;
    const uint32_t* w = p.pool + in.arg;
    bool inv = in.field & PFW_F_INV;
    std::string f = (inv ? "!" : "") + fieldName(in.field);
    switch (in.op) {
    case PFW_OP_CMP: s += " " + f + " " + std::to_string(in.arg); break;
    case PFW_OP_RANGE: s += " " + f + " " + std::to_string(w[0]) + "-" + std::to_string(w[1]); break;
    case PFW_OP_MASK: s += " " + f + " & " + hex(w[0]) + " == " + hex(w[1]); break;
    case PFW_OP_ANYBITS: s += " " + f + " & " + hex(in.arg); break;
    case PFW_OP_ADDR_MASK: {
        // print a CIDR when the mask is a prefix
        unsigned bits = 0;
        bool prefix = true;
        for (int i = 0; i < 4; i++) {
            uint32_t m = w[4 + i];
            for (int b = 31; b >= 0; b--) {
                if (m & (1u << b)) {
                    if (!prefix) { bits = 999; }
                    else bits++;
                } else {
                    prefix = false;
                }
            }
        }
        bool v4 = w[0] == 0 && w[1] == 0 && w[2] == 0xffff && bits >= 96 && bits <= 128;
        if (bits <= 128)
            s += " " + f + " " + formatAddr(w) + "/" + std::to_string(v4 ? bits - 96 : bits);
        else
            s += " " + f + " " + formatAddr(w) + " & " + formatAddr(w + 4);
        break;
    }
    case PFW_OP_ADDR_RANGE: s += " " + f + " " + formatAddr(w) + "-" + formatAddr(w + 4); break;
    case PFW_OP_IFNAME: {
        std::string n = quote(reinterpret_cast<const char*>(w + 1), PFW_IFNAMSIZ);
        if (w[0] < PFW_IFNAMSIZ)
            n.insert(n.size() - 1, "+");
        s += " " + f + " " + n;
        break;
    }
    case PFW_OP_INSET:
        if (in.arg < p.n_sets && (p.sets[in.arg].flags & PFW_SET_F_LIVE))
            s += " " + f + " @" + liveSetName(p, in.arg);
        else
            s += " " + f + " set" + std::to_string(in.arg);
        break;
    case PFW_OP_PROB: s += std::string(inv ? " !" : " ") + hex(in.arg); break;
    case PFW_OP_LIMIT: s += std::string(inv ? " !" : " ") + "lim" + std::to_string(in.arg); break;
    case PFW_OP_RPF: s += std::string(inv ? " !" : " ") + std::to_string(in.arg); break;
    case PFW_OP_TAGGED: s += std::string(inv ? " !" : " ") + std::to_string(w[0]) + "-" + std::to_string(w[1]); break;
    case PFW_OP_STATE_ADD: s += " parent " + std::to_string(w[0]) + " limit " + hex(w[1]); break;
    case PFW_OP_STATE_CHECK: s += " " + std::to_string(w[0]) + " parents"; break;
    case PFW_OP_CLASSIFY: s += " cls" + std::to_string(w[0]) + " from " + std::to_string(w[1]); break;
    case PFW_OP_JMP: s += " " + std::to_string(pc + 1 + in.arg); break;
    case PFW_OP_SWITCH:
        s += " " + f;
        for (uint32_t i = 0; i < w[0]; i++)
            s += (i ? ", " : " ") + std::to_string(w[1 + 2 * i]) + ".. -> " + std::to_string(w[2 + 2 * i]);
        break;
    case PFW_OP_RULE: s += " " + std::to_string(in.arg); break;
    case PFW_OP_LOG:
        s += " level " + std::to_string(w[0]) + " prefix " +
             quote(reinterpret_cast<const char*>(w + 3), PFW_LOG_PREFIX_LEN);
        if (w[1] != PFW_NONE32)
            s += " lim" + std::to_string(w[1]);
        break;
    case PFW_OP_SET_MARK:
    case PFW_OP_SET_CTMARK: s += " & ~" + hex(w[0]) + " | " + hex(w[1]); break;
    case PFW_OP_SET_DSCP: s += " " + std::to_string(in.arg); break;
    case PFW_OP_TAG: s += std::string(in.arg & PFW_TAG_UNTAG ? " untag " : " ") + std::to_string(in.arg & 0xffff); break;
    case PFW_OP_ACCEPT: s += in.arg ? " next " + std::to_string(in.arg) : ""; break;
    case PFW_OP_REJECT: {
        static const char* const kinds[] = {"icmp", "icmp6", "tcp-reset", "auto"};
        s += std::string(" ") + kinds[(in.arg >> 8) & 3] + " code " + std::to_string(in.arg & 0xff);
        break;
    }
    case PFW_OP_QUEUE:
        s += " " + std::to_string(in.arg & 0xffff) + (in.arg & PFW_QUEUE_BYPASS ? " bypass" : "");
        break;
    case PFW_OP_NAT: {
        static const char* const kinds[] = {"?", "dnat", "snat", "masquerade", "redirect"};
        s += std::string(" ") + kinds[w[0] <= 4 ? w[0] : 0];
        if (w[1] & PFW_NAT_F_ADDR)
            s += " " + formatAddr(w + 2) + "-" + formatAddr(w + 6);
        if (w[1] & PFW_NAT_F_PORT)
            s += " port " + std::to_string(w[10]) + "-" + std::to_string(w[11]);
        break;
    }
    default: break;
    }
    if (isTest(in.op) || in.op == PFW_OP_CLASSIFY)
        s += "  ? : " + std::to_string(pc + 1 + in.jf);
    return s;
}

std::string disassemble(const pfw_prog& p) {
    std::ostringstream o;
    const pfw_prog_hdr& h = *p.hdr;
    o << "; polyfw program v" << h.version << ": " << h.n_insns << " insns, " << h.n_pool << " pool words, "
      << h.n_rules << " rules, " << h.n_sets << " sets, " << h.n_cls << " classifiers, " << h.n_lims
      << " limiters, generation " << h.generation << "\n";
    for (unsigned k = 0; k < PFW_HOOK_MAX; k++)
        if (h.entry[k] != PFW_NO_ENTRY)
            o << "; hook " << kHookNames[k] << " -> " << h.entry[k] << "\n";
    auto owner = attributeInsns(p);
    for (uint32_t pc = 0; pc < p.n_insns; pc++) {
        for (unsigned k = 0; k < PFW_HOOK_MAX; k++)
            if (h.entry[k] == pc)
                o << kHookNames[k] << ":\n";
        char num[16];
        std::snprintf(num, sizeof(num), "%6u  ", pc);
        std::string text = formatInsn(p, pc);
        o << num << text;
        if (owner[pc] != PFW_NONE32) {
            if (text.size() < 44)
                o << std::string(44 - text.size(), ' ');
            o << " ; " << ruleLoc(p, owner[pc]);
        }
        o << "\n";
    }
    o << "; rules\n";
    for (uint32_t r = 0; r < p.n_rules; r++)
        o << ";   " << r << ": id " << p.rules[r].id << " key " << hex(p.rules[r].key) << " " << ruleLoc(p, r)
          << (p.rules[r].flags & PFW_RULE_F_DEFAULT ? " (policy)" : "") << "\n";
    for (uint32_t s = 0; s < p.n_sets; s++) {
        const pfw_set_desc& d = p.sets[s];
        if (d.flags & PFW_SET_F_LIVE)
            o << "; set" << s << ": live @" << liveSetName(p, s) << ", "
              << (d.width == 1                   ? "numbers"
                  : (d.flags & PFW_SET_F_IFNAME) ? "interfaces"
                                                 : "addresses")
              << (d.has_value ? " with values" : "") << "\n";
        else
            o << "; set" << s << ": " << d.n_elems << " intervals of " << d.width * 32 << " bits"
              << (d.has_value ? " with values" : "") << "\n";
    }
    for (uint32_t c = 0; c < p.n_cls; c++)
        o << "; cls" << c << ": " << p.cls[c].n_results << " rules, " << p.cls[c].n_entries << " entries, "
          << p.cls[c].n_trees << " trees, " << p.cls[c].node_words << " node words\n";
    for (uint32_t l = 0; l < p.n_lims; l++)
        o << "; lim" << l << ": " << p.lims[l].rate << "/s burst " << p.lims[l].burst << "\n";
    return o.str();
}

nlohmann::json disassembleJson(const pfw_prog& p) {
    nlohmann::json j;
    const pfw_prog_hdr& h = *p.hdr;
    j["version"] = h.version;
    j["generation"] = h.generation;
    for (unsigned k = 0; k < PFW_HOOK_MAX; k++)
        if (h.entry[k] != PFW_NO_ENTRY)
            j["hooks"][kHookNames[k]] = h.entry[k];
    auto owner = attributeInsns(p);
    j["insns"] = nlohmann::json::array();
    for (uint32_t pc = 0; pc < p.n_insns; pc++) {
        nlohmann::json in{{"pc", pc}, {"text", formatInsn(p, pc)}};
        if (owner[pc] != PFW_NONE32)
            in["rule"] = owner[pc];
        j["insns"].push_back(in);
    }
    j["rules"] = nlohmann::json::array();
    for (uint32_t r = 0; r < p.n_rules; r++)
        j["rules"].push_back({{"index", r},
                              {"id", p.rules[r].id},
                              {"key", p.rules[r].key},
                              {"loc", ruleLoc(p, r)},
                              {"policy", (p.rules[r].flags & PFW_RULE_F_DEFAULT) != 0}});
    j["sets"] = p.n_sets;
    j["live_sets"] = nlohmann::json::array();
    for (uint32_t s = 0; s < p.n_sets; s++) {
        const pfw_set_desc& d = p.sets[s];
        if (!(d.flags & PFW_SET_F_LIVE))
            continue;
        const char* type = d.width == 1 ? "number" : (d.flags & PFW_SET_F_IFNAME) ? "interface" : "address";
        j["live_sets"].push_back(
            {{"set", s}, {"name", liveSetName(p, s)}, {"type", type}, {"values", d.has_value != 0}});
    }
    j["classifiers"] = p.n_cls;
    j["limiters"] = p.n_lims;
    return j;
}

}  // namespace pfw::decode
