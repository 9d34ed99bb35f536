// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/Apply.cpp
// Putting a compiled program in force.
//------------------------------------------------------------------------------
#include "frontends/qvm/Apply.h"

#include <string_view>

#include "frontends/qvm/Text.h"
#include "netlink/Client.h"
#include "netlink/Tables.h"

namespace pfw::qvm {

ApplyResult applyProgram(const std::vector<uint32_t>& blob, const std::string& path, bool force, std::string& error) {
    std::string_view bytes(reinterpret_cast<const char*>(blob.data()), blob.size() * sizeof(uint32_t));
    std::string old, readError;
    if (!force && readFile(path, old, readError) == ReadStatus::Ok && old == bytes)
        return ApplyResult::Unchanged;
    if (!writeFileAtomic(path, bytes, error))
        return ApplyResult::Failed;
    return ApplyResult::Written;
}

std::string KernelLoad::begin() {
    if (mode_ == KernelMode::Off)
        return "";
    nl::Client client{std::string(nl::kQvmTable)};
    nl::Info info;
    std::string err = client.getInfo(info);
    if (!err.empty()) {
        // no module, no family: not an error, the rules wait for the boot load
        if (err.find("not loaded") != std::string::npos)
            return "";
        return err;
    }
    available_ = true;
    generation_ = info.generation;
    // the table is made at its documented priority; an existing one keeps its own
    if (!info.priority)
        priority_ = nl::defaultPriority(nl::kQvmTable);
    return "";
}

std::string KernelLoad::commit(const std::vector<uint32_t>& blob) {
    if (!available_)
        return "";
    nl::Client client{std::string(nl::kQvmTable)};
    return client.loadProgram(blob, generation_, nullptr, priority_);
}

}  // namespace pfw::qvm
