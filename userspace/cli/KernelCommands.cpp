// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// cli/KernelCommands.cpp
// polyfw load, show, counters and flush: the kernel half of polyfw.
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
#include "verify/Verify.h"

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

struct LoadArgs {
    std::string program;
    std::optional<uint32_t> generation;
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
    nl::Client nl;
    uint32_t gen = 0;
    err = nl.loadProgram(blob, a.generation, &gen);
    if (!err.empty())
        return fail(err);
    std::cout << "loaded " << a.program << " (" << blob.size() * 4 << " bytes), generation " << gen << "\n";
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

int runShow(bool json) {
    nl::Client nl;
    Snapshot s;
    std::string err = readSnapshot(nl, s);
    if (!err.empty())
        return fail(err);
    if (json) {
        nlohmann::json j;
        j["generation"] = s.prog.generation;
        j["loaded"] = s.loaded;
        j["cost"] = s.info.cost;
        j["states"] = {{"alive", s.info.nStates}, {"refused", s.info.statesRefused}};
        j["hooks"] = nlohmann::json::array();
        static const char* const kHookNames[PFW_HOOK_MAX] = {"prerouting", "input", "forward", "output",
                                                             "postrouting"};
        for (unsigned h = 0; h < PFW_HOOK_MAX; h++)
            if (s.info.hooks & (1u << h))
                j["hooks"].push_back(kHookNames[h]);
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
    if (!s.loaded) {
        std::cout << "generation " << s.prog.generation << ", no program loaded\n" << drops;
        return 0;
    }
    std::cout << "generation " << s.prog.generation << ", " << s.view.n_rules << " rules, "
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

int runCounters(bool zero, bool json) {
    nl::Client nl;
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

int runStates(bool json) {
    nl::Client nl;
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

int runFlush(std::optional<uint32_t> generation) {
    nl::Client nl;
    uint32_t gen = 0;
    std::string err = nl.flush(generation, &gen);
    if (!err.empty())
        return fail(err);
    std::cout << "flushed, generation " << gen << "\n";
    return 0;
}

LoadArgs loadArgs;
bool showJson = false, statesJson = false;
bool countersZero = false, countersJson = false;
std::optional<uint32_t> flushGeneration;

Registration reg([](CLI::App& app, Context& ctx) {
    auto* load = app.add_subcommand("load", "make a compiled program the kernel's active program");
    load->add_option("PROGRAM", loadArgs.program, "compiled program file (polyfw compile -o)")->required();
    load->add_option("--generation", loadArgs.generation,
                     "refuse the load if the kernel's program changed since this generation");
    load->callback([&ctx] { ctx.exitCode = runLoad(loadArgs); });

    auto* show = app.add_subcommand("show", "print the kernel's active program: rules with their counters");
    show->add_flag("--json", showJson, "print JSON");
    show->callback([&ctx] { ctx.exitCode = runShow(showJson); });

    auto* counters = app.add_subcommand("counters", "print the per-rule counters of the kernel's program");
    counters->add_flag("--zero", countersZero, "set them to zero after printing them");
    counters->add_flag("--json", countersJson, "print JSON");
    counters->callback([&ctx] { ctx.exitCode = runCounters(countersZero, countersJson); });

    auto* states = app.add_subcommand("states", "print the kernel's dynamic (keep-state) entries");
    states->add_flag("--json", statesJson, "print JSON");
    states->callback([&ctx] { ctx.exitCode = runStates(statesJson); });

    auto* flush = app.add_subcommand("flush", "remove the kernel's program: every packet is accepted");
    flush->add_option("--generation", flushGeneration,
                      "refuse if the kernel's program changed since this generation");
    flush->callback([&ctx] { ctx.exitCode = runFlush(flushGeneration); });
});

}  // namespace

}  // namespace pfw::cli
