// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// cli/KernelCommands.cpp
// polyfw load, show, counters, states, flush and tables: the kernel half of
// polyfw.  Each works on one table (--table, "default" without).
//------------------------------------------------------------------------------
#include <arpa/inet.h>
#include <cstdint>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <nlohmann/json.hpp>

#include "cli/Command.h"
#include "decode/Disasm.h"
#include "netlink/Client.h"
#include "netlink/Tables.h"
#include "verify/Verify.h"

extern "C" {
#include "polyfw/genl.h"
}

namespace pfw::cli {

namespace {

int fail(const std::string& msg) {
    std::cerr << "polyfw: " << msg << "\n";
    return 1;
}

std::string formatTime(uint64_t t) {
    if (!t)
        return "-";
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

const char* const kHookNames[PFW_HOOK_MAX] = {"prerouting", "input", "forward", "output", "postrouting"};

nlohmann::json hooksJson(uint32_t hooks) {
    nlohmann::json j = nlohmann::json::array();
    for (unsigned h = 0; h < PFW_HOOK_MAX; h++)
        if (hooks & (1u << h))
            j.push_back(kHookNames[h]);
    return j;
}

std::string hooksText(uint32_t hooks) {
    std::string out;
    for (unsigned h = 0; h < PFW_HOOK_MAX; h++)
        if (hooks & (1u << h))
            out += (out.empty() ? "" : ",") + std::string(kHookNames[h]);
    return out.empty() ? "-" : out;
}

struct LoadArgs {
    std::string program;
    std::string table;
    std::optional<int32_t> priority;
    std::optional<uint32_t> generation;
    std::optional<std::string> stateTimeouts;
    bool json = false;
};

int runLoad(const LoadArgs& a) {
    std::vector<uint32_t> blob;
    std::string err = verify::readProgramFile(a.program, blob);
    if (!err.empty())
        return fail(err);
    // The kernel runs the same verifier; checking here gives the same
    // message without a round trip.
    err = verify::check(blob);
    if (!err.empty())
        return fail(a.program + ": " + err);
    nl::Client nl(a.table);
    uint32_t gen = 0;
    // a tool's table is created at its documented priority
    std::optional<int32_t> prio = a.priority ? a.priority : nl::defaultPriority(nl.table());
    nl::Info info;
    bool known = nl.getInfo(info).empty();
    // an existing table keeps its own
    if (!a.priority && known && info.priority)
        prio = std::nullopt;
    std::optional<nl::StateTimeouts> tmo;
    if (a.stateTimeouts) {
        // names not given keep the table's values
        nl::StateTimeouts t = known && info.timeouts ? *info.timeouts : nl::StateTimeouts{};
        std::string bad = nl::parseStateTimeouts(*a.stateTimeouts, t);
        if (!bad.empty())
            return fail(bad);
        tmo = t;
    }
    err = nl.loadProgram(blob, a.generation, &gen, prio, tmo);
    if (!err.empty())
        return fail(err);
    if (a.json) {
        nlohmann::json j{{"table", nl.table()}, {"program", a.program}, {"bytes", blob.size() * 4},
                         {"generation", gen}};
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::cout << "loaded " << a.program << " (" << blob.size() * 4 << " bytes) into table " << nl.table()
              << ", generation " << gen << "\n";
    return 0;
}

// The active program, its counters and GET_INFO, read at one generation.
struct Snapshot {
    nl::Program prog;
    std::vector<nl::RuleCounter> counters;
    nl::Info info;
    pfw_prog view{};
    bool loaded = false;
};

std::string readSnapshot(nl::Client& nl, Snapshot& s) {
    for (int tries = 0; tries < 8; tries++) {
        std::string err = nl.getProgram(s.prog);
        if (!err.empty())
            return err;
        uint32_t gen = 0;
        err = nl.getCounters(s.counters, &gen);
        if (!err.empty())
            return err;
        if (gen != s.prog.generation)
            continue;
        err = nl.getInfo(s.info);
        if (!err.empty())
            return err;
        if (s.info.generation != s.prog.generation)
            continue;
        s.loaded = !s.prog.blob.empty();
        if (s.loaded) {
            err = verify::check(s.prog.blob, &s.view);
            if (!err.empty())
                return "the kernel's program does not verify here: " + err;
        }
        return "";
    }
    return "the program kept changing while it was being read";
}

int runShow(const std::string& table, bool json) {
    nl::Client nl(table);
    Snapshot s;
    std::string err = readSnapshot(nl, s);
    if (!err.empty())
        return fail(err);
    if (json) {
        nlohmann::json j;
        j["table"] = nl.table();
        j["priority"] = s.info.priority ? nlohmann::json(*s.info.priority) : nlohmann::json();
        j["generation"] = s.prog.generation;
        j["loaded"] = s.loaded;
        j["cost"] = s.info.cost;
        j["states"] = {{"alive", s.info.nStates}, {"refused", s.info.statesRefused}};
        j["hooks"] = hooksJson(s.info.hooks);
        if (s.info.timeouts) {
            const auto& t = *s.info.timeouts;
            j["state_timeouts"] = {{"syn", t.syn}, {"established", t.established}, {"fin", t.fin},
                                   {"rst", t.rst},  {"udp", t.udp},                 {"other", t.other}};
        }
        j["drops"] = {{"malformed", s.info.dropsMalformed}, {"over_budget", s.info.dropsBudget}};
        j["rules"] = nlohmann::json::array();
        for (const auto& c : s.counters) {
            j["rules"].push_back({{"index", c.index},
                                  {"id", c.id},
                                  {"key", c.key},
                                  {"location", s.loaded ? decode::ruleLoc(s.view, c.index) : ""},
                                  {"packets", c.packets},
                                  {"bytes", c.bytes},
                                  {"last_seen", c.lastSeen}});
        }
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::string drops = "drops: " + std::to_string(s.info.dropsMalformed) + " malformed, " +
                        std::to_string(s.info.dropsBudget) + " over budget\n";
    std::string head = "table " + nl.table();
    if (s.info.priority)
        head += " (priority " + std::to_string(*s.info.priority) + ")";
    if (!s.loaded) {
        std::cout << head << ", generation " << s.prog.generation << ", no program loaded\n" << drops;
        return 0;
    }
    std::cout << head << ", generation " << s.prog.generation << ", " << s.view.n_rules << " rules, "
              << s.prog.blob.size() * 4 << " bytes\n"
              << drops;
    std::cout << std::setw(6) << "RULE" << "  " << std::left << std::setw(24) << "LOCATION" << std::right
              << std::setw(12) << "PACKETS" << std::setw(14) << "BYTES" << "  LAST-SEEN\n";
    for (const auto& c : s.counters) {
        std::string loc = decode::ruleLoc(s.view, c.index);
        std::cout << std::setw(6) << c.index << "  " << std::left << std::setw(24) << (loc.empty() ? "-" : loc)
                  << std::right << std::setw(12) << c.packets << std::setw(14) << c.bytes << "  "
                  << formatTime(c.lastSeen) << "\n";
    }
    return 0;
}

int runCounters(const std::string& table, bool zero, bool json) {
    nl::Client nl(table);
    std::vector<nl::RuleCounter> counters;
    uint32_t gen = 0;
    std::string err = nl.getCounters(counters, &gen);
    if (!err.empty())
        return fail(err);
    if (zero) {
        err = nl.zeroCounters();
        if (!err.empty())
            return fail(err);
    }
    if (json) {
        nlohmann::json j;
        j["table"] = nl.table();
        j["generation"] = gen;
        j["zeroed"] = zero;
        j["rules"] = nlohmann::json::array();
        for (const auto& c : counters)
            j["rules"].push_back({{"index", c.index},
                                  {"id", c.id},
                                  {"key", c.key},
                                  {"packets", c.packets},
                                  {"bytes", c.bytes},
                                  {"last_seen", c.lastSeen}});
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::cout << std::setw(6) << "RULE" << std::setw(12) << "KEY" << std::setw(12) << "PACKETS" << std::setw(14)
              << "BYTES" << "  LAST-SEEN\n";
    for (const auto& c : counters)
        std::cout << std::setw(6) << c.index << std::setw(12) << c.key << std::setw(12) << c.packets
                  << std::setw(14) << c.bytes << "  " << formatTime(c.lastSeen) << "\n";
    if (zero)
        std::cout << "counters zeroed\n";
    return 0;
}

// One end of a flow key: address (::ffff:a.b.c.d for IPv4) and port.
std::string flowEnd(const uint32_t* w, uint32_t port) {
    char buf[INET6_ADDRSTRLEN] = "";
    std::string addr;
    if (w[0] == 0 && w[1] == 0 && w[2] == 0xffff) {
        in_addr a{htonl(w[3])};
        inet_ntop(AF_INET, &a, buf, sizeof(buf));
        addr = buf;
    } else {
        in6_addr a{};
        for (int i = 0; i < 4; i++)
            for (int b = 0; b < 4; b++)
                a.s6_addr[4 * i + b] = static_cast<uint8_t>(w[i] >> (24 - 8 * b));
        inet_ntop(AF_INET6, &a, buf, sizeof(buf));
        addr = std::string("[") + buf + "]";
    }
    return port < 65536 ? addr + ":" + std::to_string(port) : addr;
}

std::string protoName(uint32_t p) {
    switch (p) {
    case 6: return "tcp";
    case 17: return "udp";
    case 1: return "icmp";
    case 58: return "icmpv6";
    case 132: return "sctp";
    default: return std::to_string(p);
    }
}

int runStates(const std::string& table, bool json) {
    nl::Client nl(table);
    std::vector<nl::StateEntry> states;
    std::string err = nl.getStates(states);
    if (!err.empty())
        return fail(err);
    // names of parent rules from the active program, when it can be read
    nl::Program prog;
    pfw_prog view{};
    bool named = nl.getProgram(prog).empty() && !prog.blob.empty() && verify::check(prog.blob, &view).empty();
    auto where = [&](const nl::StateEntry& s) {
        return named && s.rule ? decode::ruleLoc(view, *s.rule) : std::string();
    };
    if (json) {
        nlohmann::json j = nlohmann::json::array();
        for (const auto& s : states) {
            nlohmann::json e{{"proto", protoName(s.flow[1])},
                             {"a", flowEnd(s.flow + 2, s.flow[6])},
                             {"b", flowEnd(s.flow + 7, s.flow[11])},
                             {"parent_key", s.parentKey},
                             {"expires", s.expires}};
            if (s.rule) {
                e["rule"] = *s.rule;
                e["location"] = where(s);
            }
            j.push_back(e);
        }
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::cout << states.size() << (states.size() == 1 ? " state\n" : " states\n");
    for (const auto& s : states) {
        std::string loc = where(s);
        std::cout << std::left << std::setw(7) << protoName(s.flow[1]) << std::setw(24)
                  << flowEnd(s.flow + 2, s.flow[6]) << " <-> " << std::setw(24) << flowEnd(s.flow + 7, s.flow[11])
                  << std::right << "  rule " << (s.rule ? std::to_string(*s.rule) : std::string("-")) << " "
                  << (loc.empty() ? "-" : loc) << "  " << s.expires << "s left\n";
    }
    return 0;
}

struct FlushArgs {
    std::string table;
    std::optional<uint32_t> generation;
    bool remove = false;
    bool json = false;
};

int runFlush(const FlushArgs& a) {
    nl::Client nl(a.table);
    uint32_t gen = 0;
    std::string err = a.remove ? nl.deleteTable(a.generation) : nl.flush(a.generation, &gen);
    if (!err.empty())
        return fail(a.remove && err == "no such table" ? "no table " + nl.table() : err);
    if (a.json) {
        nlohmann::json j{{"table", nl.table()}, {"deleted", a.remove}};
        if (!a.remove)
            j["generation"] = gen;
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    if (a.remove)
        std::cout << "table " << nl.table() << " deleted\n";
    else
        std::cout << "table " << nl.table() << " flushed, generation " << gen << "\n";
    return 0;
}

int runTables(bool json) {
    nl::Client nl;
    std::vector<nl::Info> tables;
    std::string err = nl.getTables(tables);
    if (!err.empty())
        return fail(err);
    if (json) {
        nlohmann::json j = nlohmann::json::array();
        for (const auto& t : tables)
            j.push_back({{"table", t.table},
                         {"priority", t.priority.value_or(0)},
                         {"generation", t.generation},
                         {"loaded", t.loaded},
                         {"hooks", hooksJson(t.hooks)},
                         {"rules", t.nRules},
                         {"bytes", t.size},
                         {"cost", t.cost},
                         {"states", t.nStates},
                         {"drops", {{"malformed", t.dropsMalformed}, {"over_budget", t.dropsBudget}}}});
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::cout << std::left << std::setw(16) << "TABLE" << std::right << std::setw(9) << "PRIORITY" << std::setw(12)
              << "GENERATION" << std::setw(8) << "RULES" << std::setw(11) << "BYTES" << "  HOOKS\n";
    for (const auto& t : tables)
        std::cout << std::left << std::setw(16) << t.table << std::right << std::setw(9) << t.priority.value_or(0)
                  << std::setw(12) << t.generation << std::setw(8) << t.nRules << std::setw(11) << t.size << "  "
                  << hooksText(t.hooks) << "\n";
    return 0;
}

LoadArgs loadArgs;
FlushArgs flushArgs;
std::string showTable, countersTable, statesTable;
bool showJson = false, statesJson = false, tablesJson = false;
bool countersZero = false, countersJson = false;

const char* const kTableHelp = "the table (default: \"default\")";

Registration reg([](CLI::App& app, Context& ctx) {
    auto* load = app.add_subcommand("load", "make a compiled program the program of a kernel table");
    load->add_option("PROGRAM", loadArgs.program, "compiled program file (polyfw compile -o)")->required();
    load->add_option("--table", loadArgs.table, kTableHelp);
    load->add_option("--priority", loadArgs.priority,
                     "the netfilter priority of a table this load creates (-199..199; default: the tool's, or 0)")
        ->check(CLI::Range(POLYFW_PRIO_MIN, POLYFW_PRIO_MAX));
    load->add_option("--generation", loadArgs.generation,
                     "refuse the load if the table's program changed since this generation");
    load->add_option("--state-timeouts", loadArgs.stateTimeouts,
                     "lifetimes of the table's dynamic states: ipfw, default, or syn=S,established=S,fin=S,rst=S,"
                     "udp=S,other=S (seconds)");
    load->add_flag("--json", loadArgs.json, "print JSON");
    load->callback([&ctx] { ctx.exitCode = runLoad(loadArgs); });

    auto* show = app.add_subcommand("show", "print a kernel table's program: rules with their counters");
    show->add_option("--table", showTable, kTableHelp);
    show->add_flag("--json", showJson, "print JSON");
    show->callback([&ctx] { ctx.exitCode = runShow(showTable, showJson); });

    auto* counters = app.add_subcommand("counters", "print the per-rule counters of a kernel table");
    counters->add_option("--table", countersTable, kTableHelp);
    counters->add_flag("--zero", countersZero, "set them to zero after printing them");
    counters->add_flag("--json", countersJson, "print JSON");
    counters->callback([&ctx] { ctx.exitCode = runCounters(countersTable, countersZero, countersJson); });

    auto* states = app.add_subcommand("states", "print a kernel table's dynamic (keep-state) entries");
    states->add_option("--table", statesTable, kTableHelp);
    states->add_flag("--json", statesJson, "print JSON");
    states->callback([&ctx] { ctx.exitCode = runStates(statesTable, statesJson); });

    auto* flush = app.add_subcommand("flush", "remove a kernel table's program: the table lets every packet through");
    flush->add_option("--table", flushArgs.table, kTableHelp);
    flush->add_option("--generation", flushArgs.generation,
                      "refuse if the table's program changed since this generation");
    flush->add_flag("--delete", flushArgs.remove, "remove the table itself as well");
    flush->add_flag("--json", flushArgs.json, "print JSON");
    flush->callback([&ctx] { ctx.exitCode = runFlush(flushArgs); });

    auto* tables = app.add_subcommand("tables", "list the kernel's tables: priority, generation, rules, bytes, hooks");
    tables->add_flag("--json", tablesJson, "print JSON");
    tables->callback([&ctx] { ctx.exitCode = runTables(tablesJson); });
});

}  // namespace

}  // namespace pfw::cli
