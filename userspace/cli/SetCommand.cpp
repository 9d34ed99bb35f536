// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// cli/SetCommand.cpp
// polyfw set and polyfw sets: a table's live sets, whose elements change
// without a reload.  The element syntax follows the set's type (ir/LiveSet.h).
//------------------------------------------------------------------------------
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/Command.h"
#include "ir/LiveSet.h"
#include "netlink/Client.h"

extern "C" {
#include "polyfw/bytecode.h"
#include "polyfw/genl.h"
}

namespace pfw::cli {

namespace {

int fail(const std::string& msg) {
    std::cerr << "polyfw: " << msg << "\n";
    return 1;
}

nl::SetElem toWire(const ir::LiveSetType& t, const ir::LiveElem& e, bool withValue) {
    nl::SetElem w;
    if (t.kind == ir::LiveSetType::Kind::Number) {
        w.lo = {e.lo[3]};
        w.hi = {e.hi[3]};
    } else {
        w.lo.assign(e.lo.begin(), e.lo.end());
        w.hi.assign(e.hi.begin(), e.hi.end());
    }
    w.value = e.value;
    w.hasValue = withValue && t.hasValue;
    return w;
}

ir::Key keyOf(const std::vector<uint32_t>& w) {
    ir::Key k{};
    // a number set's bound is the low word
    std::copy(w.begin(), w.end(), k.begin() + (4 - std::min<size_t>(w.size(), 4)));
    return k;
}

ir::LiveElem fromWire(const nl::SetElem& w) {
    return {keyOf(w.lo), keyOf(w.hi), w.value};
}

// The set's type as the kernel has it, or an error.
std::string findSet(nl::Client& nl, const std::string& name, nl::SetInfo& info, ir::LiveSetType& type) {
    std::vector<nl::SetInfo> sets;
    std::string err = nl.getSets(sets);
    if (!err.empty())
        return err;
    for (const auto& s : sets) {
        if (s.name != name)
            continue;
        auto t = ir::LiveSetType::fromWire(s.type);
        if (!t)
            return "unknown set type " + std::to_string(s.type);
        info = s;
        type = *t;
        return "";
    }
    return "no set " + name + " in table " + nl.table();
}

struct SetArgs {
    std::string table, name, op;
    std::vector<std::string> elements;
    std::string file;
    bool json = false;
};

int runList(nl::Client& nl, const SetArgs& a, const ir::LiveSetType& type) {
    std::vector<nl::SetElem> wire;
    uint32_t gen = 0;
    std::string err = nl.getSetElems(a.name, wire, &gen);
    if (!err.empty())
        return fail("set " + a.name + ": " + err);
    std::vector<ir::LiveElem> elems;
    elems.reserve(wire.size());
    for (const auto& w : wire)
        elems.push_back(fromWire(w));
    std::sort(elems.begin(), elems.end(),
              [](const ir::LiveElem& x, const ir::LiveElem& y) { return x.lo != y.lo ? x.lo < y.lo : x.hi < y.hi; });
    if (a.json) {
        nlohmann::json j = nlohmann::json::array();
        ir::LiveSetType bare = type;
        bare.hasValue = false;
        for (const auto& e : elems) {
            nlohmann::json o{{"element", ir::formatElement(bare, e)}};
            if (type.hasValue)
                o["value"] = e.value;
            j.push_back(o);
        }
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    for (const auto& e : elems)
        std::cout << ir::formatElement(type, e) << "\n";
    return 0;
}

int runSet(const SetArgs& a) {
    const bool list = a.op == "list", flush = a.op == "flush";
    if ((list || flush) && (!a.elements.empty() || !a.file.empty()))
        return fail("set " + a.name + ": " + a.op + " takes no elements");
    if (!list && !flush && a.elements.empty() && a.file.empty())
        return fail("set " + a.name + ": " + a.op + " needs elements (or --file FILE)");
    nl::Client nl(a.table);
    nl::SetInfo info;
    ir::LiveSetType type;
    std::string err = findSet(nl, a.name, info, type);
    if (!err.empty())
        return fail(err.compare(0, 7, "no set ") == 0 ? err : "set " + a.name + ": " + err);
    if (list)
        return runList(nl, a, type);

    // every element is read before anything is sent
    std::vector<ir::LiveElem> elems;
    err = ir::parseElements(type, a.elements, elems);
    if (err.empty() && !a.file.empty())
        err = ir::parseElementFile(type, a.file, elems);
    if (!err.empty())
        return fail("set " + a.name + ": " + err);
    uint32_t op = flush           ? POLYFW_SET_OP_FLUSH
                  : a.op == "add" ? POLYFW_SET_OP_ADD
                  : a.op == "del" ? POLYFW_SET_OP_DEL
                                  : POLYFW_SET_OP_REPLACE;
    std::vector<nl::SetElem> wire;
    wire.reserve(elems.size());
    for (const auto& e : elems)
        wire.push_back(toWire(type, e, op != POLYFW_SET_OP_DEL));
    uint32_t gen = 0;
    size_t failed = SIZE_MAX;
    err = nl.setElems(a.name, op, wire, 0, &gen, &failed);
    if (!err.empty()) {
        // the kernel's text names the set
        if (failed < elems.size())
            return fail("element " + std::to_string(failed) + " (" + ir::formatElement(type, elems[failed]) +
                        "): " + err + (failed ? " (the elements before it are done)" : ""));
        std::string prefix = "set " + a.name;
        return fail(err.compare(0, prefix.size(), prefix) == 0 ? err : prefix + ": " + err);
    }
    const char* done = flush ? "flushed" : a.op == "add" ? "added" : a.op == "del" ? "removed" : "replaced";
    if (a.json) {
        nlohmann::json j{
            {"table", nl.table()}, {"set", a.name}, {"op", a.op}, {"elements", elems.size()}, {"generation", gen}};
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::cout << "set " << a.name << " of table " << nl.table() << ": ";
    if (flush)
        std::cout << "flushed";
    else
        std::cout << elems.size() << (elems.size() == 1 ? " element " : " elements ") << done;
    std::cout << ", generation " << gen << "\n";
    return 0;
}

int runSets(const std::string& table, bool json) {
    nl::Client nl(table);
    std::vector<nl::SetInfo> sets;
    std::string err = nl.getSets(sets);
    if (!err.empty())
        return fail(err);
    std::sort(sets.begin(), sets.end(), [](const nl::SetInfo& x, const nl::SetInfo& y) { return x.name < y.name; });
    auto typeName = [](const nl::SetInfo& s) {
        auto t = ir::LiveSetType::fromWire(s.type);
        return t ? t->name() : "type " + std::to_string(s.type);
    };
    if (json) {
        nlohmann::json j = nlohmann::json::array();
        for (const auto& s : sets) {
            auto t = ir::LiveSetType::fromWire(s.type);
            ir::LiveSetType bare = t.value_or(ir::LiveSetType{});
            bare.hasValue = false;
            j.push_back({{"table", s.table.empty() ? nl.table() : s.table},
                         {"set", s.name},
                         {"type", t ? bare.name() : typeName(s)},
                         {"values", t && t->hasValue},
                         {"elements", s.nElems},
                         {"prefixes", s.nPrefixes},
                         {"bytes", s.bytes},
                         {"generation", s.generation}});
        }
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::cout << std::left << std::setw(20) << "SET" << std::setw(16) << "TYPE" << std::right << std::setw(10)
              << "ELEMENTS" << std::setw(10) << "PREFIXES" << std::setw(12) << "BYTES" << std::setw(12) << "GENERATION"
              << "\n";
    for (const auto& s : sets)
        std::cout << std::left << std::setw(20) << s.name << std::setw(16) << typeName(s) << std::right << std::setw(10)
                  << s.nElems << std::setw(10) << s.nPrefixes << std::setw(12) << s.bytes << std::setw(12)
                  << s.generation << "\n";
    return 0;
}

SetArgs setArgs;
std::string setsTable;
bool setsJson = false;

Registration reg([](CLI::App& app, Context& ctx) {
    auto* set = app.add_subcommand("set", "change or list the elements of a live set of a kernel table");
    set->add_option("TABLE", setArgs.table, "the table")->required();
    set->add_option("NAME", setArgs.name, "the live set, as the table's program names it")->required();
    set->add_option("OP", setArgs.op, "add, del, replace, flush or list")
        ->required()
        ->check(CLI::IsMember({"add", "del", "replace", "flush", "list"}));
    set->add_option("ELEMENT", setArgs.elements,
                    "elements: addresses (10.0.0.0/8, 2001:db8::/32, 192.0.2.1, 10.0.0.1-10.0.0.9), numbers "
                    "(80, 1000-2000) or interfaces (eth0, vif+), with =VALUE for a set with values");
    set->add_option("--file", setArgs.file, "read elements from FILE too: one a line, # comments");
    set->add_flag("--json", setArgs.json, "print JSON");
    set->callback([&ctx] { ctx.exitCode = runSet(setArgs); });

    auto* sets = app.add_subcommand("sets", "list a kernel table's live sets: type, elements, prefixes, bytes");
    sets->add_option("--table", setsTable, "the table (default: \"default\")");
    sets->add_flag("--json", setsJson, "print JSON");
    sets->callback([&ctx] { ctx.exitCode = runSets(setsTable, setsJson); });
});

}  // namespace

}  // namespace pfw::cli
