// SPDX-License-Identifier: GPL-2.0 OR MIT
//------------------------------------------------------------------------------
// frontends/qvm/Apply.cpp
// Putting a compiled program in force.
//------------------------------------------------------------------------------
#include "frontends/qvm/Apply.h"

#include <string_view>

#include "frontends/qvm/Text.h"

namespace pfw::qvm {

ApplyResult applyProgram(const std::vector<uint32_t>& blob, const std::string& path, bool force, std::string& error) {
    std::string_view bytes(reinterpret_cast<const char*>(blob.data()), blob.size() * sizeof(uint32_t));
    std::string old, readError;
    if (!force && readFile(path, old, readError) == ReadStatus::Ok && old == bytes)
        return ApplyResult::Unchanged;
    if (!writeFileAtomic(path, bytes, error))
        return ApplyResult::Failed;
    // TODO(netlink): load the program into the kernel module here.
    return ApplyResult::Written;
}

}  // namespace pfw::qvm
