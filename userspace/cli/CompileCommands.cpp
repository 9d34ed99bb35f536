// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// cli/CompileCommands.cpp
// polyfw compile, disasm and trace: the offline half of polyfw.
//------------------------------------------------------------------------------
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/Command.h"
#include "decode/Disasm.h"
#include "driver/Compile.h"
#include "driver/Frontends.h"
#include "ir/LiveSet.h"
#include "sim/PacketSpec.h"
#include "sim/SimHost.h"
#include "verify/Verify.h"

namespace pfw::cli {

namespace {

struct CompileArgs {
    std::string lang, input, output;
    bool stats = false, json = false, noOptimize = false;
};

struct TraceArgs {
    std::string program, lang;
    std::vector<std::string> words;
    std::vector<std::string> sets, setFiles;  // NAME=ELEMENT[,ELEMENT...], NAME=FILE
    uint32_t budget = 0;  // 0: PFW_MAX_COST
    bool json = false, verbose = false;
};

const char* const kHookNames[PFW_HOOK_MAX] = {"prerouting", "input", "forward", "output", "postrouting"};

void printDiags(const Diagnostics& d) { std::cerr << d.format(); }

// Compiles a source file; prints its errors and returns false on failure.
bool compileInput(const std::string& lang, const std::string& input, bool optimize, driver::CompileResult& out) {
    Diagnostics diags;
    auto prog = driver::parseInput(lang, input, diags);
    if (!prog) {
        printDiags(diags);
        return false;
    }
    driver::CompileOptions opts;
    opts.optimize = optimize;
    out = driver::compile(*prog, opts);
    if (!out.ok()) {
        std::cerr << "polyfw: " << out.error << "\n";
        return false;
    }
    for (const auto& w : out.warnings)
        std::cerr << "polyfw: warning: " << w << "\n";
    return true;
}

// A compiled program, or a source compiled on the fly: a file is source when
// --lang says so or its name has a language's suffix (driver::guessLanguage);
// anything else must be a program, and its magic number says whether it is.
bool loadProgram(const std::string& path, const std::string& lang, std::vector<uint32_t>& blob) {
    if (!lang.empty() || !driver::guessLanguage(path).empty()) {
        driver::CompileResult res;
        if (!compileInput(lang, path, true, res))
            return false;
        blob = std::move(res.blob);
        return true;
    }
    std::string err = verify::readProgramFile(path, blob);
    if (!err.empty()) {
        std::cerr << "polyfw: " << err << "\n";
        return false;
    }
    return true;
}

void printStats(const driver::CompileStats& st, bool json) {
    if (json) {
        nlohmann::json j{{"rules", st.rules},     {"insns", st.insns},           {"pool_words", st.poolWords},
                         {"sets", st.sets},       {"classifiers", st.classifiers}, {"bytes", st.bytes},
                         {"cost", st.cost},       {"cost_budget", PFW_MAX_COST}};
        j["hook_cost"] = nlohmann::json::object();
        for (unsigned h = 0; h < PFW_HOOK_MAX; h++)
            if (st.hasEntry[h])
                j["hook_cost"][kHookNames[h]] = st.hookCost[h];
        j["per_rule"] = nlohmann::json::array();
        for (const auto& r : st.perRule)
            j["per_rule"].push_back({{"rule", r.rule}, {"loc", r.loc}, {"insns", r.insns}, {"bytes", r.bytes}});
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::printf("program: %u rules, %u insns, %u pool words, %u sets, %u classifiers, %u bytes\n", st.rules,
                st.insns, st.poolWords, st.sets, st.classifiers, st.bytes);
    // the verifier's bound on one run, from the costliest hook entry
    std::string hooks;
    for (unsigned h = 0; h < PFW_HOOK_MAX; h++)
        if (st.hasEntry[h])
            hooks += (hooks.empty() ? "" : ", ") + std::string(kHookNames[h]) + " " + std::to_string(st.hookCost[h]);
    std::printf("cost: %u per packet at worst%s, budget %u\n", st.cost,
                hooks.empty() ? " (no hook entry)" : (" (" + hooks + ")").c_str(), PFW_MAX_COST);
    std::printf("%6s %6s %8s  %s\n", "rule", "insns", "bytes", "location");
    for (const auto& r : st.perRule)
        std::printf("%6u %6u %8u  %s\n", r.rule, r.insns, r.bytes, r.loc.c_str());
    if (st.rules)
        std::printf("per rule: %.2f insns, %.1f bytes (whole program / rules)\n",
                    static_cast<double>(st.insns) / st.rules, static_cast<double>(st.bytes) / st.rules);
}

int runCompile(const CompileArgs& a) {
    driver::CompileResult res;
    if (!compileInput(a.lang, a.input, !a.noOptimize, res))
        return 1;
    std::string err = verify::writeProgramFile(a.output, res.blob);
    if (!err.empty()) {
        std::cerr << "polyfw: " << err << "\n";
        return 1;
    }
    if (a.stats)
        printStats(res.stats, a.json);
    return 0;
}

int runDisasm(const std::string& path, const std::string& lang, bool json) {
    std::vector<uint32_t> blob;
    if (!loadProgram(path, lang, blob))
        return 1;
    pfw_prog p;
    std::string why = verify::check(blob, &p);
    if (!why.empty()) {
        std::cerr << "polyfw: " << path << ": invalid program: " << why << "\n";
        return 1;
    }
    if (json)
        std::cout << decode::disassembleJson(p).dump(2) << "\n";
    else
        std::cout << decode::disassemble(p);
    return 0;
}

// A run that fails a run-time check (PFW_V_ERROR) is dropped, by the kernel
// as here: it is shown as a drop, with the reason as its detail.
const char* verdictName(uint32_t v) {
    static const char* const names[] = {"accept", "drop", "reject", "queue", "nat", "drop"};
    return v <= PFW_V_ERROR ? names[v] : "?";
}

std::string verdictDetail(const pfw_prog& p, const pfw_run& run) {
    switch (run.verdict) {
    case PFW_V_ERROR:
        if (run.error == PFW_ERR_BUDGET)
            return "over budget";
        if (run.error == PFW_ERR_INSN)
            return "unknown instruction";
        return "run-time error";
    case PFW_V_REJECT: {
        static const char* const kinds[] = {"icmp", "icmp6", "tcp-reset", "auto"};
        std::string s = kinds[(run.param >> 8) & 3];
        if ((run.param >> 8) < PFW_REJECT_TCP_RST)
            s += " code " + std::to_string(run.param & 0xff);
        return s;
    }
    case PFW_V_QUEUE:
        return "queue " + std::to_string(run.param & 0xffff);
    case PFW_V_NAT: {
        static const char* const kinds[] = {"?", "dnat", "snat", "masquerade", "redirect"};
        uint32_t kind = p.pool[run.param];
        return kinds[kind <= PFW_NAT_REDIRECT ? kind : 0];
    }
    default:
        return "";
    }
}

// Fills host's live sets from --set NAME=ELEMENTS and --set-file NAME=FILE,
// each parsed by the type the program declares for NAME.  "" or the error.
std::string fillLiveSets(const pfw_prog& p, const TraceArgs& a, sim::SimHost& host) {
    auto typeOf = [&](const std::string& name, ir::LiveSetType& t) -> bool {
        for (uint32_t i = 0; i < p.n_sets; i++) {
            const pfw_set_desc& d = p.sets[i];
            if (!(d.flags & PFW_SET_F_LIVE) || name != p.strtab + d.pool_off)
                continue;
            auto known = ir::LiveSetType::fromWire(d.width | d.has_value << 8 | static_cast<uint32_t>(d.flags) << 16);
            if (!known)
                return false;
            t = *known;
            return true;
        }
        return false;
    };
    for (int file = 0; file < 2; file++) {
        for (const std::string& arg : file ? a.setFiles : a.sets) {
            size_t eq = arg.find('=');
            std::string name = arg.substr(0, eq);
            ir::LiveSetType t;
            if (eq == std::string::npos || name.empty())
                return std::string(file ? "--set-file" : "--set") + " '" + arg + "': expected NAME=" +
                       (file ? "FILE" : "ELEMENT[,ELEMENT...]");
            if (!typeOf(name, t))
                return a.program + " has no live set " + name;
            std::vector<ir::LiveElem> elems;
            std::string why;
            if (file) {
                why = ir::parseElementFile(t, arg.substr(eq + 1), elems);
            } else {
                std::vector<std::string> tokens;
                std::string rest = arg.substr(eq + 1);
                for (size_t at = 0; at <= rest.size();) {
                    size_t comma = rest.find(',', at);
                    tokens.push_back(rest.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
                    if (comma == std::string::npos)
                        break;
                    at = comma + 1;
                }
                why = ir::parseElements(t, tokens, elems);
            }
            if (!why.empty())
                return "set " + name + ": " + why;
            for (const auto& e : elems)
                if (host.liveSets[name].add(e) != 0)
                    return "set " + name + ": element " + ir::formatElement(t, e) + " overlaps another one";
        }
    }
    return "";
}

int runTrace(const TraceArgs& a) {
    std::vector<uint32_t> blob;
    if (!loadProgram(a.program, a.lang, blob))
        return 1;
    pfw_prog p;
    std::string why = verify::check(blob, &p);
    if (!why.empty()) {
        std::cerr << "polyfw: " << a.program << ": invalid program: " << why << "\n";
        return 1;
    }
    // packets are separated by a lone ","
    std::vector<std::vector<std::string>> packets(1);
    for (const auto& w : a.words) {
        if (w == ",")
            packets.emplace_back();
        else
            packets.back().push_back(w);
    }
    sim::SimHost host(p);
    host.budget = a.budget;
    why = fillLiveSets(p, a, host);
    if (!why.empty()) {
        std::cerr << "polyfw: " << why << "\n";
        return 1;
    }
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < packets.size(); i++) {
        Diagnostics diags;
        auto spec = sim::parsePacket(packets[i], diags);
        if (!spec) {
            for (const auto& d : diags.all())
                std::cerr << "polyfw: packet " << i + 1 << ": " << d.format() << "\n";
            return 1;
        }
        pfw_pkt pkt;
        spec->toPkt(&pkt);
        size_t logs0 = host.logs.size();
        pfw_run run;
        host.run(pkt, spec->hook, run);
        // a run that failed was decided by no rule, whatever rule it was in
        bool byRule = run.rule != PFW_NONE32 && run.verdict != PFW_V_ERROR;
        std::string loc = byRule ? decode::ruleLoc(p, run.rule) : "";
        std::string detail = verdictDetail(p, run);
        if (a.json) {
            nlohmann::json j{{"packet", spec->text}, {"verdict", verdictName(run.verdict)}, {"steps", run.steps}};
            if (!detail.empty())
                j["detail"] = detail;
            if (byRule) {
                j["rule"] = run.rule;
                j["id"] = p.rules[run.rule].id;
                j["loc"] = loc;
            }
            j["logs"] = std::vector<std::string>(host.logs.begin() + static_cast<long>(logs0), host.logs.end());
            out.push_back(j);
            continue;
        }
        std::cout << "packet " << i + 1 << ": " << verdictName(run.verdict);
        if (!detail.empty())
            std::cout << " (" << detail << ")";
        if (byRule)
            std::cout << " by " << loc << " (rule " << run.rule << ")";
        else if (run.verdict != PFW_V_ERROR)
            std::cout << " (no rule matched)";
        std::cout << "\n";
        if (a.verbose) {
            std::cout << "  " << spec->text << "\n  " << run.steps << " cost units (budget "
                      << (a.budget ? a.budget : PFW_MAX_COST) << ")\n";
            for (size_t l = logs0; l < host.logs.size(); l++)
                std::cout << "  log: " << host.logs[l] << "\n";
        }
    }
    if (a.json)
        std::cout << out.dump(2) << "\n";
    return 0;
}

Registration reg([](CLI::App& app, Context& ctx) {
    static CompileArgs c;
    auto* compile = app.add_subcommand("compile", "compile a rule file to a polyfw program");
    compile->add_option("--lang", c.lang, "input language")->check(CLI::IsMember({"qvm", "ipfw", "shorewall", "firehol"}));
    compile->add_option("INPUT", c.input, "rule file")->required();
    compile->add_option("-o,--output", c.output, "program file to write")->required();
    compile->add_flag("--stats", c.stats,
                      "print the size, the worst-case cost per packet, and instructions and bytes per rule");
    compile->add_flag("--json", c.json, "print --stats as JSON");
    compile->add_flag("--no-optimize", c.noOptimize, "linear tests only, no classifiers");
    compile->callback([&ctx] { ctx.exitCode = runCompile(c); });

    static std::string disPath, disLang;
    static bool disJson = false;
    auto* dis = app.add_subcommand("disasm", "print a program readably");
    dis->add_option("PROGRAM", disPath, "compiled program (or a rule file, with --lang or a .qvm name, compiled first)")
        ->required();
    dis->add_option("--lang", disLang, "language when PROGRAM is a rule file");
    dis->add_flag("--json", disJson, "print JSON");
    dis->callback([&ctx] { ctx.exitCode = runDisasm(disPath, disLang, disJson); });

    static TraceArgs t;
    auto* trace = app.add_subcommand("trace", "run packets through a program offline and print the verdicts");
    trace->add_option("PROGRAM", t.program,
                      "compiled program (or a rule file, with --lang or a .qvm name, compiled first)")
        ->required();
    trace->add_option("PACKET", t.words,
                      "packet words, e.g. hook forward iif tap0 proto tcp src 10.1.2.3 dst 93.184.216.34 "
                      "dport 443 state new; separate packets with a lone ','")
        ->required();
    trace->add_option("--lang", t.lang, "language when PROGRAM is a rule file");
    trace->add_flag("--json", t.json, "print JSON");
    trace->add_option("--set", t.sets,
                      "NAME=ELEMENT[,ELEMENT...]: the contents of the program's live set NAME (empty without)")
        ->allow_extra_args(false);
    trace->add_option("--set-file", t.setFiles, "NAME=FILE: live set NAME's elements, one a line")
        ->allow_extra_args(false);
    trace->add_option("--budget", t.budget,
                      "cost units a run may spend (default and most: 1048576, the kernel's budget); a run "
                      "over it is dropped")
        ->check(CLI::Range(1u, PFW_MAX_COST));
    trace->add_flag("-v,--verbose", t.verbose, "print the packet, the cost units spent and log lines");
    trace->callback([&ctx] { ctx.exitCode = runTrace(t); });
});

}  // namespace

}  // namespace pfw::cli
