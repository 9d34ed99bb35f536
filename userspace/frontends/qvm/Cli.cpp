// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/Cli.cpp
// qvm-firewall: list, add and delete a VM's rules, then rebuild the program.
//------------------------------------------------------------------------------
#include "frontends/qvm/Cli.h"

#include <cstdlib>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <ostream>

#include "driver/Compile.h"
#include "frontends/qvm/Apply.h"
#include "frontends/qvm/Args.h"
#include "frontends/qvm/DnsSets.h"
#include "frontends/qvm/List.h"
#include "netlink/Tables.h"

namespace pfw::qvm {

namespace {

constexpr const char* kProg = "qvm-firewall: ";

// Serializes read-modify-write cycles of concurrent qvm-firewall runs with
// an flock(2) on STATE_DIR/.lock; released when the object dies.
class StateLock {
public:
    bool acquire(const std::string& dir, std::string& error) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec) {
            error = "cannot create state directory " + dir + ": " + ec.message();
            return false;
        }
        std::string path = dir + "/.lock";
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0) {
            error = "cannot lock " + path + ": " + std::strerror(errno);
            return false;
        }
        return true;
    }
    ~StateLock() {
        if (fd_ >= 0)
            ::close(fd_);
    }

private:
    int fd_ = -1;
};

std::string joinWords(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words)
        out += (out.empty() ? "" : " ") + w;
    return out;
}

std::string ruleCount(size_t n) {
    return std::to_string(n) + (n == 1 ? " rule" : " rules");
}

class Runner {
public:
    Runner(const Invocation& inv, const CliEnv& env, std::ostream& out, std::ostream& err)
        : inv_(inv), env_(env), out_(out), err_(err) {}

    int run() {
        map_ = readVmsConf(env_.paths.vmsConf, diags_);
        if (!map_)
            return report();
        vm_ = map_->find(inv_.vm);
        int rc = 1;
        switch (inv_.command) {
            case Command::List:
                rc = list();
                break;
            case Command::Add:
                rc = add();
                break;
            case Command::Del:
                rc = del();
                break;
            case Command::Reset:
                rc = reset();
                break;
        }
        // Only on success, so that an error is the one line on stderr.
        if (rc == 0 && !vm_ && inv_.verbosity >= 0)
            err_ << kProg << "warning: VM '" << inv_.vm << "' is not in " << env_.paths.vmsConf
                 << ": its rules filter nothing until it is mapped\n";
        return rc;
    }

private:
    int report() {
        if (!diags_.empty())
            err_ << kProg << diags_.all().front().format() << "\n";
        return 1;
    }
    int fail(const std::string& token, const std::string& message) {
        diags_.error({}, token, message);
        return report();
    }

    std::optional<std::vector<Rule>> load() { return loadVmRules(env_.paths.stateDir, inv_.vm, env_.now, diags_); }

    // The state lock, then the VM's rules: what every change starts with.
    // Reports the error and returns nothing when either fails.
    std::optional<std::vector<Rule>> lockAndLoad(StateLock& lock) {
        std::string error;
        if (!lock.acquire(env_.paths.stateDir, error)) {
            fail("", error);
            return std::nullopt;
        }
        std::optional<std::vector<Rule>> rules = load();
        if (!rules)
            report();
        return rules;
    }

    // Rebuilds the program with `rules` as the VM's rules and puts it in
    // force: loaded into the kernel (one atomic swap, refused if someone
    // else changed the program since we read its generation), then the rules
    // and the program file saved.  A failure before the kernel took the
    // program changes nothing.
    int commit(const std::vector<Rule>* rules) {
        KernelLoad kernel(env_.kernel);
        std::string error = kernel.begin();
        if (!error.empty())
            return fail("", error);
        LowerContext ctx{readResolvConf(env_.paths.resolvConf), env_.resolver};
        std::map<std::string, std::vector<Rule>> edited;
        if (rules)
            edited[inv_.vm] = *rules;
        DnsSets dnsSets;
        std::optional<ir::Program> prog =
            buildProgram(*map_, edited, env_.paths.stateDir, ctx, env_.now, diags_, &dnsSets);
        if (!prog)
            return report();
        // The generation goes to the kernel with the load, not into the
        // program: the file stays byte-identical while the rules do.
        driver::CompileResult res = driver::compile(*prog);
        if (!res.ok())
            return fail("", res.error);
        error = kernel.commit(res.blob);
        if (!error.empty())
            return fail("", error + " (nothing was changed: run the command again)");
        if (rules && !saveVmRules(env_.paths.stateDir, inv_.vm, *rules, error))
            return fail("", std::string(kernel.available() ? "the program is in force, but " : "") +
                                "the rules were not saved: " + error);
        std::string path = programPath(env_.paths.stateDir);
        switch (applyProgram(res.blob, path, inv_.reload, error)) {
            case ApplyResult::Failed:
                return fail("", std::string(rules ? "rules saved, but " : "") + "the program file was not written: " +
                                    error + " (retry with 'qvm-firewall --reload " + inv_.vm + " list')");
            case ApplyResult::Written:
                if (inv_.verbosity > 0)
                    err_ << kProg << "wrote " << path << " (" << res.blob.size() * 4 << " bytes)\n";
                break;
            case ApplyResult::Unchanged:
                if (inv_.verbosity > 0)
                    err_ << kProg << "program unchanged: " << path << "\n";
                break;
        }
        if (!saveDnsSets(env_.paths.stateDir, dnsSets, error))
            return fail("", "the program is in force, but " + dnsSetsPath(env_.paths.stateDir) +
                                " was not written: " + error + " (retry with 'qvm-firewall --reload " + inv_.vm +
                                " list')");
        if (kernel.available() && inv_.verbosity > 0)
            err_ << kProg << "loaded into the kernel (generation " << kernel.generation() << " was in force)\n";
        if (kernel.available())
            fillDnsSets(dnsSets);
        if (!kernel.available() && env_.kernel == KernelMode::Auto && inv_.verbosity >= 0)
            err_ << kProg << "warning: the polyfw kernel module is not loaded: the rules take effect when "
                 << path << " is loaded\n";
        return 0;
    }

    // The addresses of every dsthost name, now, into its live set of the
    // table "qvm".  A name that does not resolve is a warning: its set is
    // emptied and its rules match nothing until `polyfw resolve` finds it.
    void fillDnsSets(const DnsSets& sets) {
        for (const DnsResult& r : resolveDnsSets(sets, env_.resolver, std::string(nl::kQvmTable))) {
            if (!r.resolved && inv_.verbosity >= 0)
                err_ << kProg << "warning: cannot resolve host name " << r.name << ": " << r.error
                     << ": its rules match nothing until it resolves\n";
            if (!r.kernelError.empty() && inv_.verbosity >= 0)
                err_ << kProg << "warning: set " << r.set << " of host name " << r.name
                     << " was not filled: " << r.kernelError << "\n";
            else if (r.resolved && inv_.verbosity > 0)
                err_ << kProg << "host name " << r.name << ": " << r.addrs.size()
                     << (r.addrs.size() == 1 ? " address" : " addresses") << " in set " << r.set << "\n";
        }
    }

    int list() {
        StateLock lock;
        std::string error;
        if (inv_.reload && !lock.acquire(env_.paths.stateDir, error))
            return fail("", error);
        std::optional<std::vector<Rule>> rules = load();
        if (!rules)
            return report();
        // Rebuild first, so a failure prints no half of the output.
        if (inv_.reload && commit(nullptr) != 0)
            return 1;
        if (inv_.raw)
            out_ << formatRaw(*rules);
        else if (inv_.json)
            out_ << formatJson(inv_.vm, vm_, *rules, env_.now);
        else
            out_ << formatTable(*rules, env_.now);
        return 0;
    }

    int add() {
        std::optional<Rule> rule = parseRule(joinWords(inv_.ruleWords), {}, ParseOptions{env_.now, true, true}, diags_);
        if (!rule)
            return report();
        StateLock lock;
        std::optional<std::vector<Rule>> rules = lockAndLoad(lock);
        if (!rules)
            return 1;
        size_t at = rules->size();
        if (inv_.before) {
            if (*inv_.before > rules->size())
                return fail("--before=" + std::to_string(*inv_.before),
                            "no rule number " + std::to_string(*inv_.before) + " (VM '" + inv_.vm + "' has " +
                                ruleCount(rules->size()) + ")");
            at = *inv_.before;
        }
        rules->insert(rules->begin() + static_cast<std::ptrdiff_t>(at), std::move(*rule));
        return commit(&*rules);
    }

    // Qubes' reset: back to the default list, one rule accepting everything.
    int reset() {
        std::optional<Rule> rule =
            parseRule("action=accept", {}, ParseOptions{env_.now, true, true}, diags_);
        if (!rule)
            return report();
        StateLock lock;
        std::string error;
        if (!lock.acquire(env_.paths.stateDir, error))
            return fail("", error);
        std::vector<Rule> rules{std::move(*rule)};
        return commit(&rules);
    }

    int del() {
        StateLock lock;
        std::optional<std::vector<Rule>> rules = lockAndLoad(lock);
        if (!rules)
            return 1;
        size_t at = 0;
        if (inv_.ruleNo) {
            at = *inv_.ruleNo;
            if (at >= rules->size())
                return fail("--rule-no=" + std::to_string(at), "no rule number " + std::to_string(at) + " (VM '" +
                                                                   inv_.vm + "' has " + ruleCount(rules->size()) + ")");
        } else {
            // The same text add took, compared in canonical form.
            std::optional<Rule> target =
                parseRule(joinWords(inv_.ruleWords), {}, ParseOptions{env_.now, true, false}, diags_);
            if (!target)
                return report();
            std::string raw = toRaw(*target);
            for (at = 0; at < rules->size() && toRaw((*rules)[at]) != raw; at++) {
            }
            if (at == rules->size())
                return fail(raw, "no such rule in VM '" + inv_.vm + "'");
        }
        rules->erase(rules->begin() + static_cast<std::ptrdiff_t>(at));
        return commit(&*rules);
    }

    const Invocation& inv_;
    const CliEnv& env_;
    std::ostream& out_;
    std::ostream& err_;
    Diagnostics diags_;
    std::optional<VmMap> map_;
    const VmEntry* vm_ = nullptr;
};

}  // namespace

int runCli(const std::vector<std::string>& args, const CliEnv& env, std::ostream& out, std::ostream& err) {
    Diagnostics diags;
    std::optional<Invocation> inv = parseArgs(args, diags);
    if (!inv) {
        err << kProg << diags.all().front().format() << "\n";
        return 1;
    }
    if (inv->help) {
        out << usageText();
        return 0;
    }
    return Runner(*inv, env, out, err).run();
}

int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    Diagnostics diags;
    std::optional<int64_t> now = nowFromEnvironment(diags);
    if (!now) {
        err << kProg << diags.all().front().format() << "\n";
        return 1;
    }
    CliEnv env;
    env.paths = Paths::fromEnvironment();
    env.now = *now;
    const char* kernel = std::getenv("POLYFW_KERNEL");
    if (kernel && std::string(kernel) == "off")
        env.kernel = KernelMode::Off;
    return runCli(args, env, out, err);
}

}  // namespace pfw::qvm
